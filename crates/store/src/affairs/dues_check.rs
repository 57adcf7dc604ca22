//! The 党费 rules engine's persisted side: arrears as findings (`affairs.dues_arrears`,
//! decided by `domain::affairs::dues::arrears_finding`) in the shared `findings` table,
//! recomputed for a whole region by the daily check ([`check_region`], one line in
//! [`crate::ENGINES`]) and for one member in the transaction of each payment or reversal
//! ([`refresh_member`]).
//!
//! Six months or more of arrears are not filed here: they are a reason of 党章第九条, which
//! the 组织生活 engine files once per member with its other reason (not taking part). It
//! reads them through [`article_nine_runs`] — this engine's published read — and a dues
//! write that starts or ends such a run publishes [`Change::DuesStanding`] so that the
//! article's finding follows in the same transaction.
//!
//! Only unpaid bills are read: a month without an unpaid bill (paid, or not owed) ends a
//! run of arrears, which is exactly how the domain judges a missing month.

use crate::platform::engines::{EngineFuture, EngineRun};
use crate::platform::error::decode;
use crate::platform::findings::{Placed, reconcile};
use crate::platform::hooks::Change;
use crate::{Db, StoreResult, Tx};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::collections::HashMap;
use vanguard_domain::affairs::dues::{Arrears, BillState, Month, RULE_PREFIX, arrears, arrears_finding};
use vanguard_domain::kernel::finding::Subject;
use vanguard_domain::kernel::rules::RuleSet;
use vanguard_domain::orglife::rules::PARTICIPATION_CODE;

/// How many months back the engine reads unpaid bills: two years (a run longer than that
/// is still reported, from the window's start).
const WINDOW_MONTHS: i32 = 24;

#[derive(sqlx::FromRow)]
struct Unpaid {
    member_id: i64,
    org_id: i64,
    org_path: String,
    month: String,
    amount_fen: i64,
    paid_fen: i64,
}

/// Each member's branch, its path and the member's unpaid bills.
type ByMember = BTreeMap<i64, (i64, String, Vec<BillState>)>;

/// Member → (branch, path, unpaid bills), from rows ordered by member.
fn group(rows: Vec<Unpaid>) -> StoreResult<ByMember> {
    let mut out = ByMember::new();
    for r in rows {
        let month = decode("dues_bills.month", &r.month, Month::parse)?;
        let e = out.entry(r.member_id).or_insert_with(|| (r.org_id, r.org_path.clone(), Vec::new()));
        // The latest bill's branch is where the finding is filed.
        (e.0, e.1) = (r.org_id, r.org_path);
        e.2.push(BillState { month, amount_fen: r.amount_fen, paid_fen: r.paid_fen });
    }
    Ok(out)
}

fn placed(db: &Db, current: Month, bills: &ByMember) -> Vec<Placed> {
    let rules = db.rules();
    bills
        .iter()
        .filter_map(|(member, (org_id, org_path, b))| {
            arrears_finding(&rules.dues, &rules.severity, current, *member, b).map(|finding| Placed {
                finding,
                org_id: *org_id,
                org_path: org_path.clone(),
            })
        })
        .collect()
}

const UNPAID: &str = "SELECT member_id, org_id, org_path, month, amount_fen, paid_fen FROM dues_bills \
     WHERE region_id = $1 AND month >= $2 AND month < $3 AND paid_fen < amount_fen";

/// Brings one member's arrears finding up to date inside a dues write's transaction.
pub(crate) async fn refresh_member(tx: &mut Tx, db: &Db, region_id: i64, member_id: i64) -> StoreResult<()> {
    let current = Month::of(db.clock().today());
    let sql = format!("{UNPAID} AND member_id = $4 ORDER BY month");
    let rows: Vec<Unpaid> = crate::on_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(region_id).bind(current.plus(-WINDOW_MONTHS).key()).bind(current.key()).bind(member_id).fetch_all(c).await)?;
    let bills = group(rows)?;
    let new = placed(db, current, &bills);
    reconcile(tx, region_id, db.clock().now_ms(), RULE_PREFIX, &[Subject::Member(member_id)], new, &|_| "已交纳".into()).await?;
    // 党章第九条: a run of the article's months now, or a finding of the article open
    // before this write — its reasons may have changed.
    let rules = db.rules();
    let long = bills.get(&member_id).and_then(|(org_id, _, b)| {
        arrears(&rules.dues, &rules.severity, current, b)
            .filter(|a| a.months >= rules.dues.arrears_problem_months)
            .map(|_| *org_id)
    });
    let open: Option<i64> = crate::on_tx!(tx, c => sqlx::query_scalar(
        "SELECT org_id FROM findings WHERE region_id = $1 AND subject_kind = 'member' AND subject_id = $2 AND rule_code = $3 \
         AND resolved_at IS NULL LIMIT 1")
        .bind(region_id).bind(member_id).bind(PARTICIPATION_CODE).fetch_optional(c).await)?;
    if let Some(branch) = long.or(open) {
        let change = Change::DuesStanding { region_id, branch, members: vec![member_id] };
        crate::platform::hooks::publish(tx, db, change).await?;
    }
    Ok(())
}

/// Which members a published read covers.
pub(crate) enum Among<'a> {
    Ids(&'a [i64]),
    /// Ids from, to (both included).
    Range(i64, i64),
}

/// The published read of 党章第九条's 党费 reason, for the 组织生活 engine: the members
/// `among` whose run of unpaid months, in the month of `as_of`, has reached the
/// article's months (`DuesRules::arrears_problem_months`). Inside a writing transaction
/// when `tx` is given, else on the read pool.
pub(crate) async fn article_nine_runs(
    tx: Option<&mut Tx>,
    db: Option<&Db>,
    rules: &RuleSet,
    region_id: i64,
    among: Among<'_>,
    as_of: NaiveDate,
) -> StoreResult<HashMap<i64, Arrears>> {
    let current = Month::of(as_of);
    let (from, to) = (current.plus(-WINDOW_MONTHS).key(), current.key());
    // Ids are integers, written into the statement: nothing a caller typed.
    let (sql, lo, hi) = match among {
        Among::Ids(ids) => {
            let (Some(lo), Some(hi)) = (ids.iter().min(), ids.iter().max()) else { return Ok(HashMap::new()) };
            let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            (
                format!("{UNPAID} AND member_id >= $4 AND member_id <= $5 AND member_id IN ({list}) ORDER BY member_id, month"),
                *lo,
                *hi,
            )
        }
        Among::Range(lo, hi) => (format!("{UNPAID} AND member_id >= $4 AND member_id <= $5 ORDER BY member_id, month"), lo, hi),
    };
    let rows: Vec<Unpaid> = match (tx, db) {
        (Some(tx), _) => crate::on_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(region_id).bind(&from).bind(&to).bind(lo).bind(hi).fetch_all(c).await)?,
        (None, Some(db)) => crate::read!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(region_id).bind(&from).bind(&to).bind(lo).bind(hi).fetch_all(c).await)?,
        (None, None) => return Ok(HashMap::new()),
    };
    Ok(group(rows)?
        .into_iter()
        .filter_map(|(member, (_, _, b))| {
            arrears(&rules.dues, &rules.severity, current, &b)
                .filter(|a| a.months >= rules.dues.arrears_problem_months)
                .map(|a| (member, a))
        })
        .collect())
}

/// The full check of a region as of a day: every member with unpaid bills, and every
/// member with an open arrears finding (which resolves once paid).
pub fn check_region(db: &Db, region_id: i64, as_of: NaiveDate) -> EngineFuture<'_> {
    Box::pin(async move {
        let started = std::time::Instant::now();
        let current = Month::of(as_of);
        let sql = format!("{UNPAID} ORDER BY member_id, month");
        let rows: Vec<Unpaid> = crate::read!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(region_id).bind(current.plus(-WINDOW_MONTHS).key()).bind(current.key()).fetch_all(c).await)?;
        let bills = group(rows)?;
        let open: Vec<i64> = crate::read!(db, c => sqlx::query_scalar(
            "SELECT DISTINCT subject_id FROM findings WHERE region_id = $1 AND subject_kind = 'member' AND rule_code LIKE $2 \
             AND resolved_at IS NULL")
            .bind(region_id).bind(format!("{RULE_PREFIX}%")).fetch_all(c).await)?;
        let mut subjects: Vec<Subject> = bills.keys().copied().chain(open).map(Subject::Member).collect();
        subjects.sort();
        subjects.dedup();
        let new = placed(db, current, &bills);
        let mut tx = db.begin().await?;
        let changes =
            reconcile(&mut tx, region_id, db.clock().now_ms(), RULE_PREFIX, &subjects, new, &|_| "已交纳".into()).await?;
        tx.commit().await?;
        Ok(EngineRun { name: "党费", subjects: subjects.len() as u64, changes, seconds: started.elapsed().as_secs_f64() })
    })
}
