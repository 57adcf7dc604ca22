//! The rules engine's persisted side: findings with their history, per-org compliance
//! aggregates, the incremental refresh after a record changes, and the full recompute
//! behind `vanguard check`.
//!
//! **Facts in, rows out.** The store gathers [`OrgFacts`] (an org's held meetings by
//! `held_on`, its plans, term, kind and counts) and [`MemberFacts`] (a member's
//! attendance rows), the domain engine evaluates them over the evaluation window, and
//! the result is reconciled with the stored rows by key:
//! - a finding that is new is inserted (`first_seen_at`); one whose severity, evidence,
//!   version or org changed is updated (`last_seen_at`); a resolved one that holds again
//!   is reopened (`resolved_at = NULL`, its first sighting kept);
//! - a stored open finding the evaluation no longer produces gets `resolved_at` and
//!   stays: findings are never deleted;
//! - the org's `compliance` rows (expected/held per rule and period, from
//!   [`meeting_tallies`]) are upserted, and rows of periods the rules no longer judge are
//!   removed (they are aggregates, not history).
//!
//! Only the rows of the org and members concerned are touched — never an ancestor's: the
//! cockpit sums the per-org rows over a path range when it reads.
//!
//! **The window.** Evaluation starts on [`OrgLifeRules::window_start`]`(as_of)`: 1
//! January of the previous year (or the configured start of records, if later). It moves
//! once a year, never from call to call. Stored findings of periodic rules about periods
//! that ended before the window are frozen as they were: an evaluation neither produces
//! nor resolves them.
//!
//! **Writes only on change.** Unchanged findings and tallies are not rewritten (not even
//! `last_seen_at`), so a recompute over unchanged facts writes nothing and the same facts
//! always leave the same rows.
//!
//! [`OrgLifeRules::window_start`]: vanguard_domain::orglife::OrgLifeRules::window_start

use crate::affairs::dues_check::{Among, article_nine_runs};
use crate::platform::bulk::{self, OnConflict, Val, bulk_row};
use crate::platform::error::decode;
use crate::platform::findings::{FINDING_ROW_COLUMNS, FindingRow};
use crate::platform::hooks::{Change, HookFuture};
use crate::{Db, StoreResult, Tx, platform::ids};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use vanguard_domain::kernel::finding::Subject;
use vanguard_domain::kernel::time::{date_text, parse_iso_date};
use vanguard_domain::member::{Category, LeaveReason};
use vanguard_domain::org::{BranchCounts, OrgKind};
use vanguard_domain::orglife::check::{Judge, StoredFinding, StoredTally, Writes, reconcile_findings, reconcile_tallies};
use vanguard_domain::orglife::{
    Attendance, HeldMeeting, MeetingType, MemberFacts, MemberMeeting, OrgFacts, PlanFacts, PlanState, evaluate_member,
    evaluate_org, meeting_tallies,
};

// ---- Rows ------------------------------------------------------------------------------

const ORG_COLS: &str = "id, parent_id, path, kind, has_committee, established_on, term_started_on, term_years, status, \
                        dissolved_on, direct_members, direct_formal";

/// What the engine needs from an `orgs` row.
#[derive(Debug, Clone, sqlx::FromRow)]
struct OrgRec {
    id: i64,
    parent_id: Option<i64>,
    path: String,
    kind: String,
    has_committee: bool,
    established_on: Option<String>,
    term_started_on: Option<String>,
    term_years: Option<i64>,
    status: String,
    dissolved_on: Option<String>,
    direct_members: i64,
    direct_formal: i64,
}

#[derive(Debug, sqlx::FromRow)]
struct MeetingRec {
    org_id: i64,
    meeting_type: String,
    held_on: String,
    is_secretary_lecture: bool,
}

#[derive(Debug, sqlx::FromRow)]
struct PlanRec {
    org_id: i64,
    year: i64,
    state: String,
    submitted_on: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct MemberRec {
    id: i64,
    org_id: i64,
    org_path: String,
    joined_on: String,
    left_on: Option<String>,
    category: String,
    archived: bool,
    left_reason: Option<String>,
}

impl MemberRec {
    /// Why this member's open findings resolve without a record fulfilling them: they left.
    fn leaving_note(&self) -> StoreResult<String> {
        if !self.archived {
            return Ok(String::new());
        }
        let reason = match self.left_reason.as_deref() {
            Some(r) => decode("members.left_reason", r, LeaveReason::from_code)?.label(),
            None => "减少",
        };
        let on = self.left_on.as_deref().unwrap_or("");
        Ok(format!("党员已于{on}减少（{reason}），相关义务终止"))
    }
}

#[derive(Debug, sqlx::FromRow)]
struct AttendRec {
    member_id: i64,
    held_on: String,
    meeting_type: String,
    attendance: String,
    reason: String,
}

impl From<FindingRow> for StoredFinding {
    fn from(r: FindingRow) -> Self {
        StoredFinding {
            id: r.id,
            rule_code: r.rule_code,
            rule_version: r.rule_version,
            subject_kind: r.subject_kind,
            subject_id: r.subject_id,
            org_id: r.org_id,
            org_path: r.org_path,
            period_key: r.period_key,
            severity: r.severity,
            evidence: r.evidence,
            resolved_at: r.resolved_at,
        }
    }
}

/// A `compliance` row as read.
#[derive(Debug, Clone, sqlx::FromRow)]
struct TallyRow {
    org_id: i64,
    org_path: String,
    rule_code: String,
    period_key: String,
    expected: i64,
    held: i64,
    complete: bool,
}

impl From<TallyRow> for StoredTally {
    fn from(r: TallyRow) -> Self {
        StoredTally {
            org_id: r.org_id,
            org_path: r.org_path,
            rule_code: r.rule_code,
            period_key: r.period_key,
            expected: r.expected,
            held: r.held,
            complete: r.complete,
        }
    }
}

/// Stored finding rows for the reconciliation.
fn stored_findings(rows: Vec<FindingRow>) -> Vec<StoredFinding> {
    rows.into_iter().map(StoredFinding::from).collect()
}

/// Only this engine's findings and compliance rows: other features keep theirs in the same
/// tables (by their own rule codes), and this engine must neither resolve nor delete them.
const OWNED: &str = " AND (rule_code LIKE 'orglife.%' OR rule_code LIKE 'branch.%' OR rule_code IN ('member.no_org_life', 'member.repeated_absence'))";

const TALLY_COLS: &str = "org_id, org_path, rule_code, period_key, expected, held, complete";

fn date(s: &str) -> Option<NaiveDate> {
    parse_iso_date(s)
}

fn opt_date(s: &Option<String>) -> Option<NaiveDate> {
    s.as_deref().and_then(date)
}

// ---- Facts -------------------------------------------------------------------------------

/// The engine's view of one org, from its row, its 党小组 count, its held meetings and its
/// plans. An unknown kind, meeting type or plan state fails the read loudly
/// ([`StoreError::Corrupt`](crate::StoreError::Corrupt)): the engine never judges a
/// guessed fact.
fn org_facts<'a>(
    o: &OrgRec,
    group_count: u32,
    meetings: impl IntoIterator<Item = &'a MeetingRec>,
    plans: impl IntoIterator<Item = &'a PlanRec>,
) -> StoreResult<OrgFacts> {
    let kind = decode("orgs.kind", &o.kind, OrgKind::from_code)?;
    let mut f = OrgFacts::new(o.id, kind);
    f.has_committee = o.has_committee;
    f.established_on = opt_date(&o.established_on);
    f.dissolved_on = if o.status == "dissolved" { opt_date(&o.dissolved_on) } else { None };
    f.term_started_on = opt_date(&o.term_started_on);
    f.term_years = o.term_years.and_then(|y| u8::try_from(y).ok());
    f.counts = BranchCounts {
        members: u32::try_from(o.direct_members).unwrap_or(0),
        formal: u32::try_from(o.direct_formal).unwrap_or(0),
    };
    f.group_count = group_count;
    for m in meetings {
        let t = decode("meetings.meeting_type", &m.meeting_type, MeetingType::from_code)?;
        let Some(on) = date(&m.held_on) else { continue };
        f.meetings.push(HeldMeeting { meeting_type: t, held_on: on });
        if m.is_secretary_lecture {
            f.secretary_lectures.push(on);
        }
    }
    for p in plans {
        let state = decode("life_plans.state", &p.state, PlanState::from_code)?;
        let Ok(year) = i32::try_from(p.year) else { continue };
        f.plans.push(PlanFacts { year, state, submitted_on: opt_date(&p.submitted_on) });
    }
    Ok(f)
}

/// One attendance row as the engine sees it; `None` for rows not yet marked (`pending`)
/// or without a readable date: they neither count as taking part nor as missing. An
/// unknown attendance or meeting type fails the read loudly.
fn member_meeting(a: &AttendRec) -> StoreResult<Option<MemberMeeting>> {
    if a.attendance == super::meeting::PENDING {
        return Ok(None);
    }
    let attendance = decode("meeting_attendance.attendance", &a.attendance, Attendance::from_code)?;
    let meeting_type = decode("meetings.meeting_type", &a.meeting_type, MeetingType::from_code)?;
    Ok(date(&a.held_on).map(|held_on| MemberMeeting {
        held_on,
        meeting_type,
        attendance,
        reason: (attendance == Attendance::Excused).then(|| a.reason.clone()),
    }))
}

/// A member's facts; `None` without a readable join date. An unknown category fails the
/// read loudly (never judged as 正式党员 by default).
fn member_facts(m: &MemberRec, meetings: Vec<MemberMeeting>) -> StoreResult<Option<MemberFacts>> {
    let category = decode("members.category", &m.category, Category::from_code)?;
    Ok(date(&m.joined_on).map(|joined_on| MemberFacts {
        id: m.id,
        joined_on,
        left_on: if m.archived { opt_date(&m.left_on) } else { None },
        category,
        meetings,
        dues_arrears: None,
    }))
}

// ---- Reconciliation ------------------------------------------------------------------------

/// Evaluates one org and reconciles its findings and tallies.
fn reconcile_org(
    org: &OrgRec,
    facts: &OrgFacts,
    stored_findings: &[StoredFinding],
    stored_tallies: &[StoredTally],
    j: &Judge,
    w: &mut Writes,
) {
    let findings = evaluate_org(facts, j.from, j.as_of, j.rules);
    let tallies = meeting_tallies(facts, j.from, j.as_of, &j.rules.orglife);
    let place = |_: Subject| Some((org.id, org.path.clone()));
    reconcile_findings(stored_findings, findings, place, |_| String::new(), j, w);
    reconcile_tallies(org.id, &org.path, stored_tallies, &tallies, j.from, w);
}

// ---- Writing ---------------------------------------------------------------------------------

const ID_CHUNK: usize = 500;

async fn apply(tx: &mut Tx, region_id: i64, now: i64, w: &Writes) -> StoreResult<()> {
    let findings: Vec<Vec<Val>> = w
        .upserts
        .iter()
        .map(|u| {
            let f = &u.finding;
            bulk_row![
                region_id,
                ids::next(),
                f.rule_code.as_str(),
                i64::from(f.rule_version),
                f.subject.kind(),
                f.subject.id(),
                u.org_id,
                u.org_path.as_str(),
                f.period.key(),
                f.severity.code(),
                f.evidence.as_str(),
                now,
                now,
                None::<i64>
            ]
        })
        .collect();
    crate::platform::findings::write_findings(tx, &findings).await?;
    let mut by_note: std::collections::BTreeMap<&str, Vec<i64>> = std::collections::BTreeMap::new();
    for (id, note) in &w.resolves {
        by_note.entry(note.as_str()).or_default().push(*id);
    }
    for (note, ids) in by_note {
        for chunk in ids.chunks(ID_CHUNK) {
            crate::exec_tx!(tx, c => {
                let mut qb = sqlx::QueryBuilder::new("UPDATE findings SET resolved_at = ");
                qb.push_bind(now).push(", resolved_note = ").push_bind(note.to_string()).push(" WHERE region_id = ").push_bind(region_id);
                qb.push(" AND resolved_at IS NULL AND id");
                push_ids(&mut qb, chunk);
                qb.build().execute(c).await
            })?;
        }
    }
    let tallies: Vec<Vec<Val>> = w
        .tallies
        .iter()
        .map(|t| {
            bulk_row![
                region_id,
                t.org_id,
                t.org_path.as_str(),
                t.rule_code.as_str(),
                t.period_key.as_str(),
                t.expected,
                t.held,
                t.complete,
                now
            ]
        })
        .collect();
    bulk::upsert(
        tx,
        "compliance",
        &["region_id", "org_id", "org_path", "rule_code", "period_key", "expected", "held", "complete", "updated_at"],
        &tallies,
        OnConflict::Update {
            key: "region_id, org_id, rule_code, period_key",
            set: &["org_path", "expected", "held", "complete", "updated_at"],
        },
    )
    .await?;
    for (org_id, rule_code, period_key) in &w.tally_deletes {
        crate::exec_tx!(tx, c => sqlx::query(
            "DELETE FROM compliance WHERE region_id = $1 AND org_id = $2 AND rule_code = $3 AND period_key = $4")
            .bind(region_id).bind(org_id).bind(rule_code).bind(period_key).execute(c).await)?;
    }
    Ok(())
}

// ---- Incremental refresh ----------------------------------------------------------------------

/// Refreshes the compliance rows and findings of the org that held a meeting and of the
/// members on its roll, inside the meeting's transaction. Touches only that org's and
/// those members' rows — never an ancestor's. Pass every member whose attendance the
/// write added, changed or removed.
pub async fn refresh_after_meeting(tx: &mut Tx, db: &Db, region_id: i64, org_id: i64, member_ids: &[i64]) -> StoreResult<()> {
    refresh_as_of(tx, db, region_id, org_id, member_ids, db.clock().today()).await
}

/// [`refresh_after_meeting`] judged as of `as_of` (a check run for another day).
async fn refresh_as_of(
    tx: &mut Tx,
    db: &Db,
    region_id: i64,
    org_id: i64,
    member_ids: &[i64],
    as_of: NaiveDate,
) -> StoreResult<()> {
    let rules = db.rules();
    let j = Judge::new(&rules, as_of);
    let now = db.clock().now_ms();
    let mut w = Writes::default();
    refresh_org(tx, region_id, org_id, &j, &mut w).await?;
    refresh_members(tx, region_id, member_ids, &j, &mut w).await?;
    if !w.is_empty() {
        apply(tx, region_id, now, &w).await?;
    }
    Ok(())
}

/// Refreshes the findings (and compliance rows) of an org after its annual plan changed
/// state, inside the plan's transaction.
pub async fn refresh_after_plan(tx: &mut Tx, db: &Db, region_id: i64, org_id: i64) -> StoreResult<()> {
    refresh_after_meeting(tx, db, region_id, org_id, &[]).await
}

/// Refreshes one org's own rows (for callers that changed an org's facts some other way:
/// its committee, term or member counts).
async fn refresh_org_rows(tx: &mut Tx, db: &Db, region_id: i64, org_id: i64) -> StoreResult<()> {
    refresh_after_meeting(tx, db, region_id, org_id, &[]).await
}

/// The rules engine's subscription to member and org writes (see
/// [`crate::platform::hooks`]): the findings and compliance rows of the branches and
/// members concerned are brought up to date in the writing transaction — a branch that
/// drops below 3 正式党员 is flagged when it happens, not at the next check.
pub(crate) fn on_change<'a>(tx: &'a mut Tx, db: &'a Db, change: &'a Change) -> HookFuture<'a> {
    Box::pin(async move {
        match change {
            Change::MembersWritten { region_id, branches, members } => {
                let Some((first, others)) = branches.split_first() else { return Ok(()) };
                refresh_after_meeting(tx, db, *region_id, *first, members).await?;
                for other in others {
                    refresh_org_rows(tx, db, *region_id, *other).await?;
                }
            }
            Change::OrgsWritten { region_id, orgs } => {
                for org in orgs {
                    refresh_org_rows(tx, db, *region_id, *org).await?;
                }
            }
            Change::PersonDecided { .. } | Change::AttendanceRecorded { .. } | Change::StudySeconds { .. } => {}
            Change::DuesStanding { region_id, branch, members } => {
                refresh_after_meeting(tx, db, *region_id, *branch, members).await?
            }
        }
        Ok(())
    })
}

async fn refresh_org(tx: &mut Tx, region_id: i64, org_id: i64, j: &Judge<'_>, w: &mut Writes) -> StoreResult<()> {
    let from_s = j.window_text();
    let org: Option<OrgRec> = crate::on_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ORG_COLS} FROM orgs WHERE region_id = $1 AND id = $2")))
        .bind(region_id).bind(org_id).fetch_optional(c).await)?;
    let Some(org) = org else { return Ok(()) };
    let groups: i64 = crate::on_tx!(tx, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM orgs WHERE region_id = $1 AND parent_id = $2 AND kind = 'group' AND status <> 'dissolved'")
        .bind(region_id).bind(org_id).fetch_one(c).await)?;
    let meetings: Vec<MeetingRec> = crate::on_tx!(tx, c => sqlx::query_as(
        "SELECT org_id, meeting_type, held_on, is_secretary_lecture FROM meetings \
         WHERE region_id = $1 AND org_id = $2 AND held_on >= $3 AND status = 'held'")
        .bind(region_id).bind(org_id).bind(&from_s).fetch_all(c).await)?;
    let plans: Vec<PlanRec> = crate::on_tx!(tx, c => sqlx::query_as(
        "SELECT org_id, year, state, submitted_on FROM life_plans WHERE region_id = $1 AND org_id = $2")
        .bind(region_id).bind(org_id).fetch_all(c).await)?;
    let rows: Vec<FindingRow> = crate::on_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {FINDING_ROW_COLUMNS} FROM findings WHERE region_id = $1 AND subject_kind = 'org' AND subject_id = $2{OWNED}")))
        .bind(region_id).bind(org_id).fetch_all(c).await)?;
    let stored = stored_findings(rows);
    let tallies: Vec<TallyRow> = crate::on_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {TALLY_COLS} FROM compliance WHERE region_id = $1 AND org_id = $2{OWNED}")))
        .bind(region_id).bind(org_id).fetch_all(c).await)?;
    let tallies: Vec<StoredTally> = tallies.into_iter().map(StoredTally::from).collect();
    let group_count = u32::try_from(groups).unwrap_or(0);
    let facts = org_facts(&org, group_count, &meetings, &plans)?;
    reconcile_org(&org, &facts, &stored, &tallies, j, w);
    Ok(())
}

/// Pushes ` IN ($a, $b, …)` of `ids`.
fn push_ids<DB: sqlx::Database>(qb: &mut sqlx::QueryBuilder<DB>, ids: &[i64])
where
    i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    qb.push(" IN (");
    let mut sep = qb.separated(", ");
    for id in ids {
        sep.push_bind(*id);
    }
    qb.push(")");
}

async fn refresh_members(tx: &mut Tx, region_id: i64, member_ids: &[i64], j: &Judge<'_>, w: &mut Writes) -> StoreResult<()> {
    let mut ids: Vec<i64> = member_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let read = AttendanceRead::new(region_id, j, HeldFilter::Join);
    for chunk in ids.chunks(ID_CHUNK) {
        let rows: Vec<FindingRow> = crate::on_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new(format!(
                "SELECT {FINDING_ROW_COLUMNS} FROM findings WHERE subject_kind = 'member' AND region_id = "));
            qb.push_bind(region_id).push(" AND subject_id");
            push_ids(&mut qb, chunk);
            qb.push(OWNED);
            qb.build_query_as().fetch_all(c).await
        })?;
        let stored = stored_findings(rows);
        let with_findings: Vec<i64> = stored.iter().map(|f| f.subject_id).collect();
        let (members, facts, _) = read.facts(&mut Src::Tx(tx), MemberSel::Ids(chunk), &with_findings).await?;
        reconcile_members(&members, facts, &stored, j, w)?;
    }
    Ok(())
}

/// Evaluates members from their facts and reconciles their findings. `stored` holds
/// every finding row of exactly these members.
fn reconcile_members(
    members: &[MemberRec],
    facts: Vec<MemberFacts>,
    stored: &[StoredFinding],
    j: &Judge,
    w: &mut Writes,
) -> StoreResult<()> {
    let places: HashMap<i64, (i64, String)> = members.iter().map(|m| (m.id, (m.org_id, m.org_path.clone()))).collect();
    let mut new = Vec::new();
    for f in &facts {
        new.extend(evaluate_member(f, j.from, j.as_of, j.rules));
    }
    let known: Vec<StoredFinding> = stored.iter().filter(|s| places.contains_key(&s.subject_id)).cloned().collect();
    let notes: HashMap<i64, String> = members.iter().map(|m| Ok((m.id, m.leaving_note()?))).collect::<StoreResult<_>>()?;
    let place = |s: Subject| places.get(&s.id()).cloned();
    let note = |s: Subject| notes.get(&s.id()).cloned().unwrap_or_default();
    reconcile_findings(&known, new, place, note, j, w);
    Ok(())
}

// ---- Member attendance, read compactly -------------------------------------------------------
//
// A member's findings depend on (a) the months in which they took part or stayed away
// with a reason, and (b) each absence without a valid reason (date and meeting type). For
// a member who belonged to the org over the whole window, (a) is read as one bit mask
// per member, aggregated in SQL, and only (b) row by row — a few percent of the rows.
// Members who joined or left inside the window (whose partial months the engine judges
// by exact dates) are read row by row. Both give the engine the same facts up to the
// date of a valid meeting inside a whole month, which no rule looks at.
//
// Valid means 出席, 列席, or 请假 with a reason; reasons are stored trimmed (the meeting
// code trims them and requires one with 请假), so `TRIM(reason) <> ''` is the engine's
// "reason given".

/// Whose attendance a read covers.
enum MemberSel<'a> {
    Ids(&'a [i64]),
    /// Ids from, to (both included).
    Range(i64, i64),
}

/// How rows of meetings that were not held are left out.
enum HeldFilter<'a> {
    /// Each row's meeting is looked up (few rows: the incremental refresh).
    Join,
    /// The ids of the region's dated meetings not held, loaded once (the recompute).
    NotIn(&'a [i64]),
}

/// Where a read runs: inside the writing transaction, or on the read pool.
enum Src<'a> {
    Tx(&'a mut Tx),
    Pool(&'a Db),
}

/// Runs a `QueryBuilder` built by `$build` on `$src` and fetches every row as `$T`.
macro_rules! fetch_built {
    ($src:expr, $T:ty, |$qb:ident| $build:block) => {
        match $src {
            Src::Tx(tx) => crate::on_tx!(tx, c => {
                let mut $qb = sqlx::QueryBuilder::new("");
                $build
                $qb.build_query_as::<$T>().fetch_all(c).await
            }),
            Src::Pool(db) => crate::read!(db, c => {
                let mut $qb = sqlx::QueryBuilder::new("");
                $build
                $qb.build_query_as::<$T>().fetch_all(c).await
            }),
        }
    };
}

const VALID_ROW: &str = "(a.attendance IN ('present', 'observer') OR (a.attendance = 'excused' AND TRIM(a.reason) <> ''))";
/// The rows read one by one: absences without a valid reason, and any code the platform
/// never writes — read so that [`member_meeting`] fails on it ([`StoreError::Corrupt`](crate::StoreError::Corrupt)
/// naming the column) instead of the compact read skipping it. Only `pending` (not yet
/// recorded) is left out besides the valid rows.
const INVALID_ROW: &str = "(a.attendance NOT IN ('present', 'observer', 'excused', 'pending') \
                           OR (a.attendance = 'excused' AND TRIM(a.reason) = ''))";
const ATTEND_COLS: &str = "a.member_id, a.held_on, a.meeting_type, a.attendance, a.reason";

/// One member's attendance in the window, compactly: the months (bit i: the i-th month
/// from the window's first) in which they took part validly, and each invalid row as
/// `held_on US meeting_type US attendance`, rows separated by RS.
#[derive(sqlx::FromRow)]
struct AttendanceSummary {
    member_id: i64,
    months: i64,
    invalid: Option<String>,
}

/// Field and record separators inside aggregated strings (ASCII US and RS: no code,
/// date or text of ours contains them).
const US: char = '\u{1f}';
const RS: char = '\u{1e}';

/// Months since year 0 of a date.
fn month_number(d: NaiveDate) -> i64 {
    i64::from(d.year()) * 12 + i64::from(d.month0())
}

struct AttendanceRead<'a> {
    region_id: i64,
    from: NaiveDate,
    as_of: NaiveDate,
    held: HeldFilter<'a>,
    rules: vanguard_domain::kernel::rules::RuleSet,
}

impl<'a> AttendanceRead<'a> {
    fn new(region_id: i64, j: &Judge, held: HeldFilter<'a>) -> Self {
        AttendanceRead { region_id, from: j.from, as_of: j.as_of, held, rules: j.rules.clone() }
    }

    /// ` FROM meeting_attendance a WHERE …` for the members, the window and held meetings.
    fn push_where<DB: sqlx::Database>(&self, qb: &mut sqlx::QueryBuilder<DB>, sel: &MemberSel)
    where
        i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        String: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    {
        qb.push(" FROM meeting_attendance a WHERE a.region_id = ").push_bind(self.region_id);
        match sel {
            MemberSel::Ids(ids) => {
                qb.push(" AND a.member_id");
                push_ids(qb, ids);
            }
            MemberSel::Range(lo, hi) => {
                qb.push(" AND a.member_id >= ").push_bind(*lo).push(" AND a.member_id <= ").push_bind(*hi);
            }
        }
        qb.push(" AND a.held_on >= ").push_bind(date_text(self.from));
        qb.push(" AND a.held_on <= ").push_bind(date_text(self.as_of));
        match &self.held {
            HeldFilter::Join => {
                qb.push(" AND EXISTS (SELECT 1 FROM meetings m WHERE m.region_id = a.region_id AND m.id = a.meeting_id AND m.status = 'held')");
            }
            HeldFilter::NotIn(ids) if !ids.is_empty() => {
                qb.push(" AND a.meeting_id NOT");
                push_ids(qb, ids);
            }
            HeldFilter::NotIn(_) => {}
        }
    }

    /// Whether the member belonged to the org over the whole window (so only whole
    /// months are judged and the compact read is exact).
    fn whole_window(&self, m: &MemberRec) -> bool {
        date(&m.joined_on).is_some_and(|d| d <= self.from) && (!m.archived || opt_date(&m.left_on).is_none_or(|l| l > self.as_of))
    }

    /// The members of `sel` that can have findings — those with an absence without a
    /// valid reason in the window, and those in `with_findings` (stored findings to
    /// confirm or resolve) — with the engine's facts about them, and how many rows were
    /// read. Every other member has no finding whatever their attendance, so they are
    /// not read at all.
    async fn facts(
        &self,
        src: &mut Src<'_>,
        sel: MemberSel<'_>,
        with_findings: &[i64],
    ) -> StoreResult<(Vec<MemberRec>, Vec<MemberFacts>, u64)> {
        let base = month_number(self.from);
        // The invalid rows, one row per member that has any.
        let invalid: Vec<(i64, String)> = fetch_built!(src, (i64, String), |qb| {
            qb.push(format!(
                "SELECT a.member_id, string_agg(a.held_on || '{US}' || a.meeting_type || '{US}' || a.attendance, '{RS}')"
            ));
            self.push_where(&mut qb, &sel);
            qb.push(" AND ").push(INVALID_ROW).push(" GROUP BY a.member_id");
        })?;
        let invalid: HashMap<i64, String> = invalid.into_iter().collect();
        // 党章第九条's other reason: the 党费 engine's published read of long arrears.
        let among = match &sel {
            MemberSel::Ids(ids) => Among::Ids(ids),
            MemberSel::Range(lo, hi) => Among::Range(*lo, *hi),
        };
        let mut unpaid = match src {
            Src::Tx(tx) => article_nine_runs(Some(&mut **tx), None, &self.rules, self.region_id, among, self.as_of).await?,
            Src::Pool(db) => article_nine_runs(None, Some(db), &self.rules, self.region_id, among, self.as_of).await?,
        };
        let mut wanted: Vec<i64> =
            invalid.keys().copied().chain(with_findings.iter().copied()).chain(unpaid.keys().copied()).collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut members: Vec<MemberRec> = Vec::with_capacity(wanted.len());
        for chunk in wanted.chunks(ID_CHUNK) {
            let rows: Vec<MemberRec> = fetch_built!(src, MemberRec, |qb| {
                qb.push("SELECT id, org_id, org_path, joined_on, left_on, category, archived, left_reason FROM members WHERE region_id = ");
                qb.push_bind(self.region_id).push(" AND id");
                push_ids(&mut qb, chunk);
            })?;
            members.extend(rows);
        }
        // Months of valid participation, for the whole-window members with absences.
        let masked: Vec<i64> =
            members.iter().filter(|m| self.whole_window(m) && invalid.contains_key(&m.id)).map(|m| m.id).collect();
        let mut summaries: Vec<AttendanceSummary> = Vec::with_capacity(masked.len());
        for chunk in masked.chunks(ID_CHUNK) {
            let rows: Vec<(i64, i64)> = fetch_built!(src, (i64, i64), |qb| {
                qb.push(
                    "SELECT a.member_id, CAST(SUM(DISTINCT (CAST(1 AS BIGINT) << (CAST(substr(a.held_on, 1, 4) AS INTEGER) * 12 \
                     + CAST(substr(a.held_on, 6, 2) AS INTEGER) - 1 - CAST(",
                );
                qb.push_bind(base).push(" AS INTEGER)))) AS BIGINT)");
                self.push_where(&mut qb, &MemberSel::Ids(chunk));
                qb.push(" AND ").push(VALID_ROW).push(" GROUP BY a.member_id");
            })?;
            let months: HashMap<i64, i64> = rows.into_iter().collect();
            summaries.extend(chunk.iter().map(|id| AttendanceSummary {
                member_id: *id,
                months: months.get(id).copied().unwrap_or(0),
                invalid: invalid.get(id).cloned(),
            }));
        }
        let partial: Vec<i64> = members.iter().filter(|m| !self.whole_window(m)).map(|m| m.id).collect();
        let mut detailed: Vec<AttendRec> = Vec::new();
        for chunk in partial.chunks(ID_CHUNK) {
            let rows: Vec<AttendRec> = fetch_built!(src, AttendRec, |qb| {
                qb.push("SELECT ").push(ATTEND_COLS);
                self.push_where(&mut qb, &MemberSel::Ids(chunk));
            })?;
            detailed.extend(rows);
        }
        let mut rows_read = detailed.len() as u64;
        let mut by_member: HashMap<i64, Vec<MemberMeeting>> = HashMap::new();
        let partial_set: HashSet<i64> = partial.iter().copied().collect();
        for r in &detailed {
            if let Some(m) = member_meeting(r)? {
                by_member.entry(r.member_id).or_default().push(m);
            }
        }
        for sum in &summaries {
            if partial_set.contains(&sum.member_id) {
                continue;
            }
            rows_read += 1;
            let list = by_member.entry(sum.member_id).or_default();
            for item in sum.invalid.as_deref().unwrap_or("").split(RS).filter(|s| !s.is_empty()) {
                let mut f = item.split(US);
                let (Some(held_on), Some(meeting_type), Some(attendance)) = (f.next(), f.next(), f.next()) else { continue };
                let r = AttendRec {
                    member_id: sum.member_id,
                    held_on: held_on.to_string(),
                    meeting_type: meeting_type.to_string(),
                    attendance: attendance.to_string(),
                    reason: String::new(),
                };
                if let Some(m) = member_meeting(&r)? {
                    list.push(m);
                }
            }
            for bit in 0..63 {
                if sum.months & (1i64 << bit) == 0 {
                    continue;
                }
                let n = base + bit;
                let Some(first) = NaiveDate::from_ymd_opt(i32::try_from(n / 12).unwrap_or(0), (n % 12) as u32 + 1, 1) else {
                    continue;
                };
                list.push(MemberMeeting {
                    held_on: first.max(self.from),
                    meeting_type: MeetingType::ThemeDay,
                    attendance: Attendance::Present,
                    reason: None,
                });
            }
        }
        // 流动党员: their attendance at an e支部's meetings counts here too (affairs' published read).
        let ids: Vec<i64> = members.iter().map(|m| m.id).collect();
        for chunk in ids.chunks(ID_CHUNK) {
            let rows: Vec<AttendRec> = fetch_built!(src, AttendRec, |qb| {
                crate::affairs::mobile::push_attended(&mut qb, self.region_id, chunk, self.from, self.as_of);
            })?;
            rows_read += rows.len() as u64;
            for r in &rows {
                if let Some(m) = member_meeting(r)? {
                    by_member.entry(r.member_id).or_default().push(m);
                }
            }
        }
        let mut facts = Vec::with_capacity(members.len());
        for m in &members {
            let f = member_facts(m, by_member.remove(&m.id).unwrap_or_default())?;
            facts.extend(f.map(|f| MemberFacts { dues_arrears: unpaid.remove(&m.id), ..f }));
        }
        Ok((members, facts, rows_read))
    }
}

// ---- Full recompute ----------------------------------------------------------------------------

/// What a full recompute did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RecomputeSummary {
    pub region_id: i64,
    pub as_of: String,
    pub window_start: String,
    pub orgs: u64,
    pub members: u64,
    /// Attendance read: rows read one by one, plus one month mask per member.
    pub attendance_rows: u64,
    /// Findings inserted or reopened.
    pub opened: u64,
    /// Open findings whose severity, evidence or org changed.
    pub updated: u64,
    pub resolved: u64,
    pub compliance_written: u64,
    pub compliance_deleted: u64,
    pub seconds: f64,
    /// Where the time went, summed over both halves (which run side by side): reading
    /// facts and stored rows, evaluating, writing.
    pub read_seconds: f64,
    pub evaluate_seconds: f64,
    pub write_seconds: f64,
    /// The org half of the run (it runs beside the member half).
    pub org_seconds: f64,
    /// Open findings after the recompute, by rule: (rule code, title, severity, count).
    pub open_by_rule: Vec<OpenCount>,
    /// Orgs refreshed again after the recompute because their records changed while it
    /// ran ([`check_region`] only).
    pub caught_up: u64,
}

/// Open findings of one rule and severity.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OpenCount {
    pub rule_code: String,
    pub severity: String,
    pub count: i64,
}

const ORG_BATCH: usize = 500;
const MEMBER_BATCH: i64 = 4000;
/// Dated meetings not held whose ids the recompute binds into its reads.
const NOT_HELD_MAX: usize = 5000;

impl RecomputeSummary {
    /// Adds the counts and times of a part.
    fn merge(&mut self, o: &RecomputeSummary) {
        self.orgs += o.orgs;
        self.members += o.members;
        self.attendance_rows += o.attendance_rows;
        self.opened += o.opened;
        self.updated += o.updated;
        self.resolved += o.resolved;
        self.compliance_written += o.compliance_written;
        self.compliance_deleted += o.compliance_deleted;
        self.read_seconds += o.read_seconds;
        self.evaluate_seconds += o.evaluate_seconds;
        self.write_seconds += o.write_seconds;
    }

    fn add(&mut self, w: &Writes) {
        self.opened += w.opened;
        self.updated += w.updated;
        self.resolved += w.resolves.len() as u64;
        self.compliance_written += w.tallies.len() as u64;
        self.compliance_deleted += w.tally_deletes.len() as u64;
    }
}

async fn write_batch(db: &Db, region_id: i64, now: i64, w: &Writes) -> StoreResult<()> {
    if w.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    apply(&mut tx, region_id, now, w).await?;
    tx.commit().await
}

/// Recomputes every finding and compliance row of a region as of `as_of`, for
/// `vanguard check` (after a rules change, at month rollover, or to repair). Deterministic
/// and idempotent: a second run over the same facts writes nothing. Streams the region:
/// orgs in batches along the path order, members in batches of ids with their
/// attendance read in member order from the covering index, and writes each batch in
/// its own transaction. `progress(done, total)` counts orgs and members.
pub async fn recompute_all(
    db: &Db,
    region_id: i64,
    as_of: NaiveDate,
    mut progress: impl FnMut(u64, u64),
) -> StoreResult<RecomputeSummary> {
    let started = Instant::now();
    let rules = db.rules();
    let j = Judge::new(&rules, as_of);
    let now = db.clock().now_ms();
    let mut summary =
        RecomputeSummary { region_id, as_of: date_text(as_of), window_start: j.window_text(), ..Default::default() };

    // Orgs: the whole tree is small (66 000 rows for a city, 党小组 included); meetings,
    // plans and stored rows are read per batch of consecutive paths.
    let orgs: Vec<OrgRec> = crate::read!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ORG_COLS} FROM orgs WHERE region_id = $1 ORDER BY path")))
        .bind(region_id).fetch_all(c).await)?;
    let member_total: i64 = crate::read!(db, c => sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE region_id = $1").bind(region_id).fetch_one(c).await)?;
    let total = orgs.len() as u64 + u64::try_from(member_total).unwrap_or(0);
    let mut group_counts: HashMap<i64, u32> = HashMap::new();
    for o in &orgs {
        if o.kind == "group"
            && o.status != "dissolved"
            && let Some(p) = o.parent_id
        {
            *group_counts.entry(p).or_default() += 1;
        }
    }
    // The two halves read different tables on separate reader connections, so they run
    // side by side; their writes queue on the one writer.
    let done = AtomicU64::new(0);
    let run = Run { db, region_id, j: &j, now, done: &done };
    let (org_part, member_part) = tokio::join!(
        recompute_orgs(&run, &orgs, &group_counts),
        recompute_members(&run, total, u64::try_from(member_total).unwrap_or(0), &mut progress)
    );
    let (org_part, member_part) = (org_part?, member_part?);
    summary.merge(&org_part);
    summary.merge(&member_part);
    summary.org_seconds = org_part.org_seconds;
    summary.open_by_rule = open_counts(db, region_id).await?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// What both halves of [`recompute_all`] share.
struct Run<'a> {
    db: &'a Db,
    region_id: i64,
    j: &'a Judge<'a>,
    now: i64,
    /// Orgs and members done, for the progress report.
    done: &'a AtomicU64,
}

/// The org half of [`recompute_all`].
async fn recompute_orgs(run: &Run<'_>, orgs: &[OrgRec], group_counts: &HashMap<i64, u32>) -> StoreResult<RecomputeSummary> {
    let Run { db, region_id, j, now, done } = *run;
    let started = Instant::now();
    let from_s = j.window_text();
    let mut summary = RecomputeSummary::default();
    let end_of_region = orgs.first().map(|o| vanguard_domain::org::path::upper(&o.path)).unwrap_or_default();
    for (i, batch) in orgs.chunks(ORG_BATCH).enumerate() {
        let lo = batch[0].path.clone();
        let hi = orgs.get((i + 1) * ORG_BATCH).map(|o| o.path.clone()).unwrap_or_else(|| end_of_region.clone());
        let ids: Vec<i64> = batch.iter().map(|o| o.id).collect();
        let t_read = Instant::now();
        // One row per org: its held meetings folded into a string, grouped along the path
        // index (an org's path names it).
        let folded: Vec<(String, String)> = crate::read!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT org_path, string_agg(meeting_type || '{US}' || held_on || '{US}' || CASE WHEN is_secretary_lecture THEN '1' ELSE '0' END, '{RS}') \
             FROM meetings WHERE region_id = $1 AND org_path >= $2 AND org_path < $3 AND held_on >= $4 AND status = 'held' GROUP BY org_path")))
            .bind(region_id).bind(&lo).bind(&hi).bind(&from_s).fetch_all(c).await)?;
        let id_of: HashMap<&str, i64> = batch.iter().map(|o| (o.path.as_str(), o.id)).collect();
        let mut meetings: Vec<MeetingRec> = Vec::new();
        for (org_path, list) in &folded {
            let Some(&org_id) = id_of.get(org_path.as_str()) else { continue };
            for item in list.split(RS) {
                let mut f = item.split(US);
                if let (Some(t), Some(on), Some(lecture)) = (f.next(), f.next(), f.next()) {
                    meetings.push(MeetingRec {
                        org_id,
                        meeting_type: t.to_string(),
                        held_on: on.to_string(),
                        is_secretary_lecture: lecture == "1",
                    });
                }
            }
        }
        let plans: Vec<PlanRec> = crate::read!(db, c => {
            let mut qb = sqlx::QueryBuilder::new("SELECT org_id, year, state, submitted_on FROM life_plans WHERE region_id = ");
            qb.push_bind(region_id).push(" AND org_id");
            push_ids(&mut qb, &ids);
            qb.build_query_as().fetch_all(c).await
        })?;
        let rows: Vec<FindingRow> = crate::read!(db, c => {
            let mut qb = sqlx::QueryBuilder::new(format!("SELECT {FINDING_ROW_COLUMNS} FROM findings WHERE subject_kind = 'org' AND region_id = "));
            qb.push_bind(region_id).push(" AND subject_id");
            push_ids(&mut qb, &ids);
            qb.push(OWNED);
            qb.build_query_as().fetch_all(c).await
        })?;
        let stored = stored_findings(rows);
        // One row per org: its stored tallies folded into a string; an org whose rows carry
        // different paths (it moved) gets an empty path, so every row is rewritten.
        let folded: Vec<(i64, String, String, String)> = crate::read!(db, c => {
            let mut qb = sqlx::QueryBuilder::new(format!(
                "SELECT org_id, MIN(org_path), MAX(org_path), string_agg(rule_code || '{US}' || period_key || '{US}' || CAST(expected AS TEXT) \
                 || '{US}' || CAST(held AS TEXT) || '{US}' || CASE WHEN complete THEN '1' ELSE '0' END, '{RS}') FROM compliance WHERE region_id = "));
            qb.push_bind(region_id).push(" AND org_id");
            push_ids(&mut qb, &ids);
            qb.push(OWNED).push(" GROUP BY org_id");
            qb.build_query_as().fetch_all(c).await
        })?;
        let mut tallies: Vec<StoredTally> = Vec::new();
        for (org_id, min_path, max_path, list) in folded {
            let org_path = if min_path == max_path { min_path } else { String::new() };
            for item in list.split(RS) {
                let f: Vec<&str> = item.split(US).collect();
                if let [rule_code, period_key, expected, held, complete] = f.as_slice() {
                    tallies.push(StoredTally {
                        org_id,
                        org_path: org_path.clone(),
                        rule_code: rule_code.to_string(),
                        period_key: period_key.to_string(),
                        expected: expected.parse().unwrap_or(-1),
                        held: held.parse().unwrap_or(-1),
                        complete: *complete == "1",
                    });
                }
            }
        }
        let t_eval = Instant::now();
        summary.read_seconds += (t_eval - t_read).as_secs_f64();
        let mut meetings_by: HashMap<i64, Vec<&MeetingRec>> = HashMap::new();
        for m in &meetings {
            meetings_by.entry(m.org_id).or_default().push(m);
        }
        let mut plans_by: HashMap<i64, Vec<&PlanRec>> = HashMap::new();
        for p in &plans {
            plans_by.entry(p.org_id).or_default().push(p);
        }
        let mut findings_by: HashMap<i64, Vec<StoredFinding>> = HashMap::new();
        for s in stored {
            findings_by.entry(s.subject_id).or_default().push(s);
        }
        let mut tallies_by: HashMap<i64, Vec<StoredTally>> = HashMap::new();
        for t in tallies {
            tallies_by.entry(t.org_id).or_default().push(t);
        }
        let mut w = Writes::default();
        for o in batch {
            let ms = meetings_by.get(&o.id).map(Vec::as_slice).unwrap_or_default().iter().copied();
            let ps = plans_by.get(&o.id).map(Vec::as_slice).unwrap_or_default().iter().copied();
            let facts = org_facts(o, group_counts.get(&o.id).copied().unwrap_or(0), ms, ps)?;
            let sf = findings_by.get(&o.id).map(Vec::as_slice).unwrap_or_default();
            let st = tallies_by.get(&o.id).map(Vec::as_slice).unwrap_or_default();
            reconcile_org(o, &facts, sf, st, j, &mut w);
        }
        let t_write = Instant::now();
        summary.evaluate_seconds += (t_write - t_eval).as_secs_f64();
        write_batch(db, region_id, now, &w).await?;
        summary.write_seconds += t_write.elapsed().as_secs_f64();
        summary.add(&w);
        summary.orgs += batch.len() as u64;
        done.fetch_add(batch.len() as u64, Ordering::Relaxed);
    }

    summary.org_seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// The member half of [`recompute_all`].
async fn recompute_members(
    run: &Run<'_>,
    total: u64,
    member_total: u64,
    progress: &mut impl FnMut(u64, u64),
) -> StoreResult<RecomputeSummary> {
    let Run { db, region_id, j, now, done } = *run;
    let mut summary = RecomputeSummary::default();
    // Members, by id; their attendance from the covering index in member order.
    let not_held: Vec<i64> = crate::read!(db, c => sqlx::query_scalar::<_, i64>(
        "SELECT id FROM meetings WHERE region_id = $1 AND status <> 'held' AND held_on IS NOT NULL ORDER BY id")
        .bind(region_id).fetch_all(c).await)?;
    // Very many undated-but-dated cancellations would make the list too long to bind;
    // then each row's meeting is looked up instead.
    let held = if not_held.len() <= NOT_HELD_MAX { HeldFilter::NotIn(&not_held) } else { HeldFilter::Join };
    let read = AttendanceRead::new(region_id, j, held);
    let mut last = i64::MIN;
    loop {
        let t_read = Instant::now();
        // The next batch of member ids: from after `last` to the MEMBER_BATCH-th id.
        let first: Option<i64> = crate::read!(db, c => sqlx::query_scalar(
            "SELECT id FROM members WHERE region_id = $1 AND id > $2 ORDER BY id LIMIT 1")
            .bind(region_id).bind(last).fetch_optional(c).await)?;
        let Some(first) = first else { break };
        let end: Option<i64> = crate::read!(db, c => sqlx::query_scalar(
            "SELECT id FROM members WHERE region_id = $1 AND id > $2 ORDER BY id LIMIT 1 OFFSET $3")
            .bind(region_id).bind(last).bind(MEMBER_BATCH - 1).fetch_optional(c).await)?;
        let end = end.unwrap_or(i64::MAX);
        let rows: Vec<FindingRow> = crate::read!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {FINDING_ROW_COLUMNS} FROM findings WHERE region_id = $1 AND subject_kind = 'member' AND subject_id >= $2 AND subject_id <= $3{OWNED}")))
            .bind(region_id).bind(first).bind(end).fetch_all(c).await)?;
        let stored = stored_findings(rows);
        let with_findings: Vec<i64> = stored.iter().map(|f| f.subject_id).collect();
        let (members, facts, rows) = read.facts(&mut Src::Pool(db), MemberSel::Range(first, end), &with_findings).await?;
        summary.attendance_rows += rows;
        let t_eval = Instant::now();
        summary.read_seconds += (t_eval - t_read).as_secs_f64();
        let mut w = Writes::default();
        reconcile_members(&members, facts, &stored, j, &mut w)?;
        let t_write = Instant::now();
        summary.evaluate_seconds += (t_write - t_eval).as_secs_f64();
        write_batch(db, region_id, now, &w).await?;
        summary.write_seconds += t_write.elapsed().as_secs_f64();
        summary.add(&w);
        let batch = if end == i64::MAX { member_total.saturating_sub(summary.members) } else { MEMBER_BATCH as u64 };
        summary.members += batch;
        let done = done.fetch_add(batch, Ordering::Relaxed) + batch;
        progress(done, total.max(done));
        if end == i64::MAX {
            break;
        }
        last = end;
    }
    Ok(summary)
}

/// How far before a full check's start [`check_region`] looks for records written
/// beside it: longer than any write transaction, so one that began before the check and
/// committed during it is caught up too.
const CATCH_UP_MARGIN_MS: i64 = 60_000;

/// One full check of a region (`vanguard check`, the server's daily check): recomputes
/// every finding and compliance row as of `as_of`, then catches up the records written
/// while it ran, refreshes the planner's statistics and records the check in the audit
/// log.
///
/// The recompute reads each batch and writes it later; a meeting recorded in between has
/// its rows refreshed in its own transaction, and the batch write would then put back
/// what was true before it. The catch-up repeats the in-transaction refresh of every
/// meeting, plan, org and member written since the check began, after the last batch
/// write, so the check never leaves a finding older than the records.
pub async fn check_region(
    db: &Db,
    actor: &crate::Actor,
    region_id: i64,
    as_of: NaiveDate,
    progress: impl FnMut(u64, u64),
) -> StoreResult<RecomputeSummary> {
    let started_ms = db.clock().now_ms();
    let mut summary = recompute_all(db, region_id, as_of, progress).await?;
    summary.caught_up = catch_up(db, region_id, started_ms - CATCH_UP_MARGIN_MS, as_of).await?;
    if summary.caught_up > 0 {
        summary.open_by_rule = open_counts(db, region_id).await?;
    }
    refresh_statistics(db).await?;
    crate::platform::audit::record(
        db,
        actor,
        crate::platform::audit::Event::ok(CHECK_ACTION, format!("region:{region_id}")).detail(format!(
            "截至{}：新增{}条，更新{}条，整改{}条",
            summary.as_of, summary.opened, summary.updated, summary.resolved
        )),
    )
    .await?;
    Ok(summary)
}

/// The audit action of a full check.
pub const CHECK_ACTION: &str = "findings.recompute";

/// Repeats the in-transaction refresh for every meeting (with the members on its roll),
/// annual plan, org and member of the region written at or after `since_ms`, judged as of
/// `as_of` — the day the check judges, not today. Returns how many orgs were refreshed.
pub async fn catch_up(db: &Db, region_id: i64, since_ms: i64, as_of: NaiveDate) -> StoreResult<u64> {
    // Each meeting's org with the members on its roll (none: the org alone).
    let rolls_read: Vec<(i64, Option<i64>)> = crate::read!(db, c => sqlx::query_as(
        "SELECT m.org_id, a.member_id FROM meetings m \
         LEFT JOIN meeting_attendance a ON a.region_id = m.region_id AND a.meeting_id = m.id \
         WHERE m.region_id = $1 AND m.updated_at >= $2")
        .bind(region_id).bind(since_ms).fetch_all(c).await)?;
    let plans: Vec<i64> = crate::read!(db, c => sqlx::query_scalar(
        "SELECT DISTINCT org_id FROM life_plans WHERE region_id = $1 AND updated_at >= $2 ORDER BY org_id")
        .bind(region_id).bind(since_ms).fetch_all(c).await)?;
    let orgs: Vec<i64> = crate::read!(db, c => sqlx::query_scalar(
        "SELECT id FROM orgs WHERE region_id = $1 AND updated_at >= $2 ORDER BY id")
        .bind(region_id).bind(since_ms).fetch_all(c).await)?;
    let members: Vec<(i64, i64)> = crate::read!(db, c => sqlx::query_as(
        "SELECT id, org_id FROM members WHERE region_id = $1 AND updated_at >= $2 ORDER BY org_id, id")
        .bind(region_id).bind(since_ms).fetch_all(c).await)?;
    let mut rolls: std::collections::BTreeMap<i64, HashSet<i64>> =
        plans.into_iter().chain(orgs).map(|o| (o, HashSet::new())).collect();
    for (member_id, org_id) in members {
        rolls.entry(org_id).or_default().insert(member_id);
    }
    for (org_id, member_id) in rolls_read {
        rolls.entry(org_id).or_default().extend(member_id);
    }
    for (org_id, members) in &rolls {
        let mut members: Vec<i64> = members.iter().copied().collect();
        members.sort_unstable();
        let mut tx = db.begin().await?;
        refresh_as_of(&mut tx, db, region_id, *org_id, &members, as_of).await?;
        tx.commit().await?;
    }
    Ok(rolls.len() as u64)
}

/// Whether a full check (or a demo history load, which ends with one) was recorded at or
/// after `since_ms`.
pub async fn checked_since(db: &Db, since_ms: i64) -> StoreResult<bool> {
    let n: i64 = crate::read!(db, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE at >= $1 AND action IN ($2, 'demo.history')")
        .bind(since_ms).bind(CHECK_ACTION).fetch_one(c).await)?;
    Ok(n > 0)
}

/// Brings the planner's statistics up to date after bulk work (a demo history load, a
/// recompute that wrote many rows). On PostgreSQL a freshly loaded table has neither
/// statistics nor a visibility map, so its first queries choose poor plans and cannot
/// read covering indexes alone until autovacuum comes by (a district cockpit measured
/// 32 ms before and 3 ms after); `VACUUM (ANALYZE)` does both at once. SQLite keeps its
/// default plans, which the cockpit's and recompute's queries are written for.
pub async fn refresh_statistics(db: &Db) -> StoreResult<()> {
    if let crate::platform::db::Backend::Postgres(pool) = db.backend() {
        sqlx::raw_sql("VACUUM (ANALYZE) orgs, members, meetings, meeting_attendance, life_plans, findings, compliance")
            .execute(pool)
            .await?;
    }
    Ok(())
}

/// Open findings of a region by rule and severity.
pub async fn open_counts(db: &Db, region_id: i64) -> StoreResult<Vec<OpenCount>> {
    Ok(crate::read!(db, c => sqlx::query_as(
        "SELECT rule_code, severity, COUNT(*) AS count FROM findings WHERE region_id = $1 AND resolved_at IS NULL \
         GROUP BY rule_code, severity ORDER BY rule_code, severity")
        .bind(region_id).fetch_all(c).await)?)
}
