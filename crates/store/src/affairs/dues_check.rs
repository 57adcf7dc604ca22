//! The 党费 rules engine's persisted side: arrears as findings (`affairs.dues_arrears`,
//! decided by `domain::affairs::dues::arrears_finding`) in the shared `findings` table,
//! recomputed for a whole region by the daily check ([`check_region`], one line in
//! [`crate::ENGINES`]) and for one member in the transaction of each payment or reversal
//! ([`refresh_member`]).
//!
//! Only unpaid bills are read: a month without an unpaid bill (paid, or not owed) ends a
//! run of arrears, which is exactly how the domain judges a missing month.

use crate::platform::engines::{EngineFuture, EngineRun};
use crate::platform::error::decode;
use crate::platform::findings::{Placed, reconcile};
use crate::{Db, StoreResult, Tx};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use vanguard_domain::affairs::dues::{BillState, Month, RULE_PREFIX, arrears_finding};
use vanguard_domain::kernel::finding::Subject;

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
    Ok(())
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
