//! 学时 storage (`study_hour_lines`, `study_exemptions`): every member's ledger per calendar
//! year with the source of each line, the exemptions, the reports per org with their
//! drill-down, and the rules engine's 学时 and training-duty findings. Rules:
//! `domain::learning::hours`, `domain::learning::training`.
//!
//! **Lines are keyed by their source, so a re-save rewrites, never adds.** Online study
//! ([`Change::StudySeconds`], from the content reader) adds to the line of its item and
//! day; an attended session ([`Change::AttendanceRecorded`], from 组织生活) replaces the
//! meeting's lines with one per member now marked 出席 at the session type's rate; a
//! training class's attendance replaces its enrolees' lines (`training.rs`).

use crate::platform::audit::{self, Event};
use crate::platform::bulk::{self, OnConflict, Val, bulk_row};
use crate::platform::engines::{EngineFuture, EngineRun};
use crate::platform::findings::{Placed, Reconciled, reconcile};
use crate::platform::hooks::{Change, HookFuture};
use crate::platform::ids;
use crate::{Db, StoreError, StoreResult, Tx};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use vanguard_domain::kernel::finding::Subject;
use vanguard_domain::kernel::time::{china_date, date_text, parse_iso_date};
use vanguard_domain::learning::hours::{
    ExemptionReason, HOURS_PREFIX, HourExemption, HourRole, HourStanding, MemberYear, SECONDS_PER_HOUR, StudyHourRules, exemption_for,
    hour_findings, hours_text, paced_seconds, quarters_closed, standing,
};
use vanguard_domain::learning::plan::{PLAN_PREFIX, files_plan, plan_finding};
use vanguard_domain::learning::training::{TRAINING_PREFIX, new_secretary_finding, probation_finding, rotation_finding};
use vanguard_domain::org::{OrgKind, path};
use vanguard_domain::orglife::MeetingType;

crate::platform::scope::feature_handle!(
    /// 学时: the hours ledger, exemptions, study plans and training classes.
    StudyHours,
    study_hours
);

/// The kinds of ledger line.
pub const SOURCE_ONLINE: &str = "online";
pub const SOURCE_SESSION: &str = "session";
pub const SOURCE_TRAINING: &str = "training";

/// A source kind's Chinese name.
pub fn source_label(kind: &str) -> &'static str {
    match kind {
        SOURCE_ONLINE => "网上学习",
        SOURCE_SESSION => "集中学习和组织生活",
        SOURCE_TRAINING => "培训班",
        _ => "其他",
    }
}

const LINE_COLUMNS: &[&str] =
    &["region_id", "member_id", "source_kind", "source_key", "year", "on_date", "seconds", "label", "updated_at"];

/// One ledger line as loaded in bulk (demo data).
#[derive(Debug, Clone)]
pub struct HourLineRecord {
    pub member_id: i64,
    /// [`SOURCE_ONLINE`], [`SOURCE_SESSION`] or [`SOURCE_TRAINING`].
    pub source_kind: &'static str,
    pub source_key: String,
    pub on: NaiveDate,
    pub seconds: i64,
    pub label: String,
}

fn line_row(region_id: i64, now: i64, l: &HourLineRecord) -> Vec<Val> {
    bulk_row![
        region_id,
        l.member_id,
        l.source_kind,
        l.source_key.as_str(),
        i64::from(l.on.year()),
        date_text(l.on),
        l.seconds,
        l.label.as_str(),
        now
    ]
}

/// Writes ledger lines, replacing any line of the same member and source (bulk loads and
/// the training feature's attendance).
pub async fn upsert_lines(tx: &mut Tx, region_id: i64, now: i64, lines: &[HourLineRecord]) -> StoreResult<u64> {
    let rows: Vec<Vec<Val>> = lines.iter().map(|l| line_row(region_id, now, l)).collect();
    bulk::upsert(
        tx,
        "study_hour_lines",
        LINE_COLUMNS,
        &rows,
        OnConflict::Update {
            key: "region_id, member_id, source_kind, source_key",
            set: &["year", "on_date", "seconds", "label", "updated_at"],
        },
    )
    .await
}

/// The session lines of an attended meeting: one per member present, at the type's rate.
pub fn session_lines(
    rules: &StudyHourRules,
    meeting_id: i64,
    kind: &str,
    held_on: NaiveDate,
    present: &[i64],
) -> Vec<HourLineRecord> {
    let seconds = rules.session_seconds(kind);
    if seconds <= 0 {
        return Vec::new();
    }
    let label = format!("{}（{}）", MeetingType::from_code(kind).map_or("组织生活", |t| t.label()), date_text(held_on));
    present
        .iter()
        .map(|m| HourLineRecord {
            member_id: *m,
            source_kind: SOURCE_SESSION,
            source_key: meeting_id.to_string(),
            on: held_on,
            seconds,
            label: label.clone(),
        })
        .collect()
}

/// Replaces the session lines of one meeting by what its attendance now gives.
async fn credit_session(
    tx: &mut Tx,
    db: &Db,
    region_id: i64,
    meeting_id: i64,
    kind: &str,
    held_on: Option<NaiveDate>,
    present: &[i64],
) -> StoreResult<()> {
    crate::exec_tx!(tx, c => sqlx::query(
        "DELETE FROM study_hour_lines WHERE region_id = $1 AND source_kind = $2 AND source_key = $3")
        .bind(region_id).bind(SOURCE_SESSION).bind(meeting_id.to_string()).execute(c).await)?;
    if let Some(day) = held_on {
        let lines = session_lines(&db.rules().study_hours, meeting_id, kind, day, present);
        upsert_lines(tx, region_id, db.clock().now_ms(), &lines).await?;
    }
    Ok(())
}

/// Adds online study time to the line of its item and day.
async fn add_online(tx: &mut Tx, db: &Db, region_id: i64, member_id: i64, item_id: i64, on: NaiveDate, seconds: u32) -> StoreResult<()> {
    if seconds == 0 {
        return Ok(());
    }
    let key = format!("{item_id}:{}", date_text(on));
    crate::exec_tx!(tx, c => sqlx::query(
        "INSERT INTO study_hour_lines (region_id, member_id, source_kind, source_key, year, on_date, seconds, label, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (region_id, member_id, source_kind, source_key) \
         DO UPDATE SET seconds = study_hour_lines.seconds + excluded.seconds, updated_at = excluded.updated_at")
        .bind(region_id).bind(member_id).bind(SOURCE_ONLINE).bind(&key).bind(i64::from(on.year())).bind(date_text(on))
        .bind(i64::from(seconds)).bind(format!("网上学习（内容{item_id}）")).bind(db.clock().now_ms()).execute(c).await)?;
    Ok(())
}

/// 学时's subscription (see [`crate::platform::hooks`]): attended sessions and online study
/// become ledger lines in the writing transaction.
pub(crate) fn on_change<'a>(tx: &'a mut Tx, db: &'a Db, change: &'a Change) -> HookFuture<'a> {
    Box::pin(async move {
        match change {
            Change::AttendanceRecorded { region_id, meeting_id, kind, held_on, present } => {
                credit_session(tx, db, *region_id, *meeting_id, kind, *held_on, present).await
            }
            Change::StudySeconds { region_id, member_id, item_id, on, seconds } => {
                add_online(tx, db, *region_id, *member_id, *item_id, *on, *seconds).await
            }
            _ => Ok(()),
        }
    })
}

/// One line of a member's ledger.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct HourLine {
    pub source_kind: String,
    pub source_key: String,
    pub on_date: String,
    pub seconds: i64,
    pub label: String,
    #[sqlx(skip)]
    pub hours: String,
}

/// Hours of one source kind.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HourSourceTotal {
    pub source_kind: String,
    pub label: String,
    pub seconds: i64,
    pub hours: String,
}

/// A member's year: total, by source, the target and the pace, every line.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MemberHours {
    pub member_id: i64,
    pub name: String,
    pub org_name: String,
    pub year: i32,
    pub seconds: i64,
    pub hours: String,
    pub target_hours: u32,
    /// The hours expected by the last closed quarter end (the pace).
    pub paced_hours: String,
    /// Percent of the target reached (capped at 100).
    pub percent: u32,
    pub standing: HourStanding,
    pub standing_label: String,
    pub exemption: Option<String>,
    pub by_source: Vec<HourSourceTotal>,
    pub lines: Vec<HourLine>,
}

/// A member as the engine and the reports judge them.
#[derive(Debug, Clone)]
pub(crate) struct Judged {
    pub id: i64,
    pub name: String,
    pub org_id: i64,
    pub org_path: String,
    pub category: String,
    pub joined_on: String,
    pub year: MemberYear,
    pub standing: HourStanding,
}

#[derive(sqlx::FromRow)]
struct MemberFacts {
    id: i64,
    name: String,
    org_id: i64,
    org_path: String,
    birth_date: String,
    category: String,
    joined_on: String,
}

/// The members of the region whose org path lies in `[lo, hi)` with their year judged.
pub(crate) async fn judge_members(db: &Db, region_id: i64, lo: &str, hi: &str, year: i32, as_of: NaiveDate) -> StoreResult<Vec<Judged>> {
    let rules = db.rules();
    let r = &rules.study_hours;
    let facts: Vec<MemberFacts> = crate::read!(db, c => sqlx::query_as(
        "SELECT id, name, org_id, org_path, birth_date, category, joined_on FROM members \
         WHERE region_id = $1 AND archived = FALSE AND org_path >= $2 AND org_path < $3 ORDER BY org_path, id")
        .bind(region_id).bind(lo).bind(hi).fetch_all(c).await)?;
    let totals: Vec<(i64, i64)> = crate::read!(db, c => sqlx::query_as(
        "SELECT l.member_id, CAST(SUM(l.seconds) AS BIGINT) FROM study_hour_lines l \
         JOIN members m ON m.region_id = l.region_id AND m.id = l.member_id \
         WHERE l.region_id = $1 AND l.year = $2 AND m.archived = FALSE AND m.org_path >= $3 AND m.org_path < $4 GROUP BY l.member_id")
        .bind(region_id).bind(i64::from(year)).bind(lo).bind(hi).fetch_all(c).await)?;
    let totals: HashMap<i64, i64> = totals.into_iter().collect();
    let leaders = leaders(db, region_id, as_of).await?;
    let exemptions = exemptions(db, region_id).await?;
    Ok(facts
        .into_iter()
        .map(|f| {
            let records = exemptions.get(&f.id).map(Vec::as_slice).unwrap_or(&[]);
            let exemption = exemption_for(r, parse_iso_date(&f.birth_date), records, year, as_of);
            let role = if leaders.contains(&f.id) { HourRole::Leader } else { HourRole::Member };
            let y = MemberYear { member_id: f.id, year, role, seconds: totals.get(&f.id).copied().unwrap_or(0), exemption };
            let standing = standing(r, &y, as_of);
            Judged {
                id: f.id,
                name: f.name,
                org_id: f.org_id,
                org_path: f.org_path,
                category: f.category,
                joined_on: f.joined_on,
                year: y,
                standing,
            }
        })
        .collect())
}

/// The region's secretaries and committee members (书记和班子成员): each org's secretary,
/// and the members elected at a completed election held within the last five years.
async fn leaders(db: &Db, region_id: i64, as_of: NaiveDate) -> StoreResult<BTreeSet<i64>> {
    let secretaries: Vec<i64> = crate::read!(db, c => sqlx::query_scalar(
        "SELECT secretary_member_id FROM orgs WHERE region_id = $1 AND status <> 'dissolved' AND secretary_member_id IS NOT NULL")
        .bind(region_id).fetch_all(c).await)?;
    let since = date_text(as_of.with_year(as_of.year() - 5).unwrap_or(as_of));
    let elected: Vec<i64> = crate::read!(db, c => sqlx::query_scalar(
        "SELECT c.member_id FROM election_candidates c JOIN elections e ON e.region_id = c.region_id AND e.id = c.election_id \
         WHERE c.region_id = $1 AND c.elected = TRUE AND e.state = 'completed' AND e.held_on >= $2")
        .bind(region_id).bind(since).fetch_all(c).await)?;
    Ok(secretaries.into_iter().chain(elected).collect())
}

async fn exemptions(db: &Db, region_id: i64) -> StoreResult<HashMap<i64, Vec<HourExemption>>> {
    let rows: Vec<(i64, String, String, Option<String>)> = crate::read!(db, c => sqlx::query_as(
        "SELECT member_id, reason, from_date, until_date FROM study_exemptions WHERE region_id = $1")
        .bind(region_id).fetch_all(c).await)?;
    let mut out: HashMap<i64, Vec<HourExemption>> = HashMap::new();
    for (member_id, reason, from, until) in rows {
        let (Some(reason), Some(from)) = (ExemptionReason::from_code(&reason), parse_iso_date(&from)) else { continue };
        out.entry(member_id).or_default().push(HourExemption { reason, from, until: until.as_deref().and_then(parse_iso_date) });
    }
    Ok(out)
}

/// One row of an org's hours report: a child org (or the org's own direct members).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrgHoursRow {
    pub org_id: i64,
    pub org_name: String,
    pub members: u64,
    pub on_pace: u64,
    pub behind: u64,
    pub exempt: u64,
    pub average_hours: String,
}

/// One member of a report's member list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MemberHoursRow {
    pub member_id: i64,
    pub name: String,
    pub org_name: String,
    pub hours: String,
    pub target_hours: u32,
    pub standing: HourStanding,
    pub standing_label: String,
    pub exemption: Option<String>,
}

/// An org's hours report for a year: totals, its children, its direct members.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HoursReport {
    pub org_id: i64,
    pub org_name: String,
    pub year: i32,
    pub total: OrgHoursRow,
    pub children: Vec<OrgHoursRow>,
    /// The members of the org itself (a branch's members), behind first.
    pub members: Vec<MemberHoursRow>,
}

fn tally(org_id: i64, org_name: &str, judged: &[&Judged]) -> OrgHoursRow {
    let count = |s: HourStanding| judged.iter().filter(|j| j.standing == s).count() as u64;
    let sum: i64 = judged.iter().map(|j| j.year.seconds).sum();
    let avg = if judged.is_empty() { 0 } else { sum / judged.len() as i64 };
    OrgHoursRow {
        org_id,
        org_name: org_name.into(),
        members: judged.len() as u64,
        on_pace: count(HourStanding::OnPace),
        behind: count(HourStanding::Behind),
        exempt: count(HourStanding::Exempt),
        average_hours: hours_text(avg),
    }
}

impl StudyHours<'_> {
    /// An org within reach: `(id, name, path, kind)`.
    pub(crate) async fn org_in_reach(&self, org_id: i64) -> StoreResult<(i64, String, String, String)> {
        let (lo, hi) = self.scope.org_range();
        let row: Option<(i64, String, String, String)> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT id, name, path, kind FROM orgs WHERE region_id = $1 AND id = $2 AND path >= $3 AND path < $4")
            .bind(self.scope.region_id).bind(org_id).bind(&lo).bind(&hi).fetch_optional(c).await)?;
        row.ok_or(StoreError::NotFound)
    }

    fn today(&self) -> NaiveDate {
        china_date(self.db.clock().now_ms())
    }

    /// The caller's own year (the portal's 我的学时).
    pub async fn my_hours(&self, year: Option<i32>) -> StoreResult<MemberHours> {
        let member_id = self.scope.member_id.ok_or(StoreError::NotFound)?;
        self.hours_of(member_id, year, true).await
    }

    /// A member's year within reach (the report's drill-down).
    pub async fn member_hours(&self, member_id: i64, year: Option<i32>) -> StoreResult<MemberHours> {
        self.hours_of(member_id, year, false).await
    }

    async fn hours_of(&self, member_id: i64, year: Option<i32>, own: bool) -> StoreResult<MemberHours> {
        let today = self.today();
        let year = year.unwrap_or(today.year());
        let row: Option<(String, String, String)> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT m.org_path, m.name, o.name FROM members m JOIN orgs o ON o.region_id = m.region_id AND o.id = m.org_id \
             WHERE m.region_id = $1 AND m.id = $2 AND m.archived = FALSE")
            .bind(self.scope.region_id).bind(member_id).fetch_optional(c).await)?;
        let (org_path, name, org_name) = row.ok_or(StoreError::NotFound)?;
        if !own {
            // The member filter of the scope: a subtree, or only one's own record.
            self.scoped().members().member_row(member_id).await?;
        }
        // Judge the member alone: the path range of exactly their branch, then pick them.
        let judged = judge_members(self.db, self.scope.region_id, &org_path, &format!("{org_path}!"), year, today).await?;
        let j = judged.into_iter().find(|j| j.id == member_id).ok_or(StoreError::NotFound)?;
        let mut lines: Vec<HourLine> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT source_kind, source_key, on_date, seconds, label FROM study_hour_lines \
             WHERE region_id = $1 AND member_id = $2 AND year = $3 ORDER BY on_date DESC, source_kind, source_key LIMIT 2000")
            .bind(self.scope.region_id).bind(member_id).bind(i64::from(year)).fetch_all(c).await)?;
        let mut by: BTreeMap<String, i64> = BTreeMap::new();
        for l in &mut lines {
            l.hours = hours_text(l.seconds);
            *by.entry(l.source_kind.clone()).or_default() += l.seconds;
        }
        let rules = self.db.rules();
        let target = rules.study_hours.target_hours(j.year.role);
        let q = if today.year() > year { 4 } else if today.year() < year { 0 } else { quarters_closed(today) };
        let target_seconds = i64::from(target) * SECONDS_PER_HOUR;
        let percent = if target_seconds == 0 { 100 } else { (j.year.seconds * 100 / target_seconds).clamp(0, 100) as u32 };
        Ok(MemberHours {
            member_id,
            name,
            org_name,
            year,
            seconds: j.year.seconds,
            hours: hours_text(j.year.seconds),
            target_hours: target,
            paced_hours: hours_text(paced_seconds(target, q)),
            percent,
            standing: j.standing,
            standing_label: j.standing.label().into(),
            exemption: j.year.exemption.map(|e| e.label().to_string()),
            by_source: [SOURCE_ONLINE, SOURCE_SESSION, SOURCE_TRAINING]
                .iter()
                .map(|k| {
                    let seconds = by.get(*k).copied().unwrap_or(0);
                    HourSourceTotal { source_kind: (*k).into(), label: source_label(k).into(), seconds, hours: hours_text(seconds) }
                })
                .collect(),
            lines,
        })
    }

    /// An org's report for a year: its total, each child org's, and its direct members.
    pub async fn report(&self, org_id: i64, year: Option<i32>) -> StoreResult<HoursReport> {
        let (id, name, org_path, _) = self.org_in_reach(org_id).await?;
        let today = self.today();
        let year = year.unwrap_or(today.year());
        let judged = judge_members(self.db, self.scope.region_id, &org_path, &path::upper(&org_path), year, today).await?;
        let children: Vec<(i64, String, String)> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT id, name, path FROM orgs WHERE region_id = $1 AND parent_id = $2 AND status <> 'dissolved' ORDER BY path")
            .bind(self.scope.region_id).bind(id).fetch_all(c).await)?;
        let all: Vec<&Judged> = judged.iter().collect();
        let total = tally(id, &name, &all);
        let child_rows = children
            .iter()
            .map(|(cid, cname, cpath)| {
                let within: Vec<&Judged> = judged.iter().filter(|j| j.org_path.starts_with(cpath.as_str())).collect();
                tally(*cid, cname, &within)
            })
            .collect();
        let org_names: HashMap<i64, String> = [(id, name.clone())].into_iter().collect();
        let mut members: Vec<MemberHoursRow> = judged
            .iter()
            .filter(|j| j.org_id == id)
            .map(|j| MemberHoursRow {
                member_id: j.id,
                name: j.name.clone(),
                org_name: org_names.get(&j.org_id).cloned().unwrap_or_default(),
                hours: hours_text(j.year.seconds),
                target_hours: self.db.rules().study_hours.target_hours(j.year.role),
                standing: j.standing,
                standing_label: j.standing.label().into(),
                exemption: j.year.exemption.map(|e| e.label().to_string()),
            })
            .collect();
        members.sort_by_key(|m| (m.standing != HourStanding::Behind, m.member_id));
        Ok(HoursReport { org_id: id, org_name: name, year, total, children: child_rows, members })
    }

    /// The cockpit's learning part for an org within reach: on pace, behind and exempt
    /// per child org (each row drills down to its hours report).
    pub async fn cockpit(&self, org_id: i64) -> StoreResult<Vec<OrgHoursRow>> {
        let (_, _, org_path, _) = self.org_in_reach(org_id).await?;
        cockpit_rows(self.db, self.scope.region_id, &org_path, self.today()).await
    }

    /// Records an exemption of a member within the writable subtree (audited).
    pub async fn set_exemption(&self, member_id: i64, input: &ExemptionInput) -> StoreResult<ExemptionView> {
        // Reach first: outside it the member is not found, whatever the input.
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?.to_string();
        let m = self.scoped().members().member_row(member_id).await?;
        if !path::within(&m.org_path, &root) {
            return Err(StoreError::NotFound);
        }
        let reason = ExemptionReason::parse(input.reason.trim())
            .ok_or_else(|| StoreError::invalid("reason", "exemption.reason", "请选择免予考核的原因：因病、出国（境）或年老体弱"))?;
        let from = parse_iso_date(input.from.trim())
            .ok_or_else(|| StoreError::invalid("from", "exemption.from", "请填写开始日期（如 2026-03-01）"))?;
        let until = match input.until.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(parse_iso_date(s).ok_or_else(|| StoreError::invalid("until", "exemption.until", "结束日期格式应如 2026-12-31"))?),
        };
        if until.is_some_and(|u| u < from) {
            return Err(StoreError::invalid("until", "exemption.order", "结束日期不能早于开始日期"));
        }
        if input.note.chars().count() > 200 {
            return Err(StoreError::invalid("note", "exemption.note", "说明不能超过200个字"));
        }
        let mut tx = self.db.begin().await?;
        let id = ids::next();
        let now = self.db.clock().now_ms();
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO study_exemptions (region_id, id, member_id, reason, from_date, until_date, note, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(self.scope.region_id).bind(id).bind(member_id).bind(reason.code()).bind(date_text(from))
            .bind(until.map(date_text)).bind(input.note.trim()).bind(self.scope.actor.account_id).bind(now).execute(c).await)?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("learning.exemption.set", format!("member:{member_id}")).detail(format!(
                "{} {} 自{}{}",
                m.name,
                reason.label(),
                date_text(from),
                until.map(|u| format!("至{}", date_text(u))).unwrap_or_default()
            )),
        )
        .await?;
        tx.commit().await?;
        Ok(ExemptionView {
            id,
            member_id,
            reason: reason.code().into(),
            reason_label: reason.label().into(),
            from: date_text(from),
            until: until.map(date_text),
            note: input.note.trim().into(),
        })
    }

    /// The exemptions of members within reach.
    pub async fn exemptions(&self, member_id: i64) -> StoreResult<Vec<ExemptionView>> {
        let m = self.scoped().members().member_row(member_id).await?;
        let rows: Vec<(i64, String, String, Option<String>, String)> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT id, reason, from_date, until_date, note FROM study_exemptions WHERE region_id = $1 AND member_id = $2 ORDER BY from_date DESC")
            .bind(self.scope.region_id).bind(m.id).fetch_all(c).await)?;
        Ok(rows
            .into_iter()
            .map(|(id, reason, from, until, note)| ExemptionView {
                id,
                member_id,
                reason_label: ExemptionReason::from_code(&reason).map(|r| r.label()).unwrap_or("其他").into(),
                reason,
                from,
                until,
                note,
            })
            .collect())
    }
}

/// An exemption as entered by the secretary.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ExemptionInput {
    /// `illness`, `abroad` or `age`.
    pub reason: String,
    /// `YYYY-MM-DD`.
    pub from: String,
    pub until: Option<String>,
    pub note: String,
}

/// An exemption as stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExemptionView {
    pub id: i64,
    pub member_id: i64,
    pub reason: String,
    pub reason_label: String,
    pub from: String,
    pub until: Option<String>,
    pub note: String,
}

/// The cockpit's learning part: members on pace, behind and exempt per child org of the
/// caller's root.
pub async fn cockpit_rows(db: &Db, region_id: i64, root_path: &str, as_of: NaiveDate) -> StoreResult<Vec<OrgHoursRow>> {
    let judged = judge_members(db, region_id, root_path, &path::upper(root_path), as_of.year(), as_of).await?;
    let children: Vec<(i64, String, String)> = crate::read!(db, c => sqlx::query_as(
        "SELECT id, name, path FROM orgs WHERE region_id = $1 AND path > $2 AND path < $3 AND depth = (SELECT depth + 1 FROM orgs WHERE region_id = $1 AND path = $2) \
         AND status <> 'dissolved' ORDER BY path")
        .bind(region_id).bind(root_path).bind(path::upper(root_path)).fetch_all(c).await)?;
    Ok(children
        .iter()
        .map(|(id, name, p)| {
            let within: Vec<&Judged> = judged.iter().filter(|j| j.org_path.starts_with(p.as_str())).collect();
            tally(*id, name, &within)
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct Attended {
    member_id: i64,
    kind: String,
    starts_on: String,
    ends_on: String,
}

/// The full check of a region (one line in [`crate::ENGINES`]): every member's 学时 for
/// the running year (pace) and the year before (closed), the training duties of
/// secretaries and 预备党员, and each org's study plan.
pub fn check_region(db: &Db, region_id: i64, as_of: NaiveDate) -> EngineFuture<'_> {
    Box::pin(async move {
        let started = std::time::Instant::now();
        let rules = db.rules();
        let root = path::root(region_id);
        let hi = path::upper(&root);
        let now = db.clock().now_ms();
        let this_year = judge_members(db, region_id, &root, &hi, as_of.year(), as_of).await?;
        // A closed year is judged only if the platform recorded hours in it (a region that
        // started keeping its ledger this year has nothing to say about last year).
        let recorded: Option<i64> = crate::read!(db, c => sqlx::query_scalar(
            "SELECT member_id FROM study_hour_lines WHERE region_id = $1 AND year = $2 LIMIT 1")
            .bind(region_id).bind(i64::from(as_of.year() - 1)).fetch_optional(c).await)?;
        let last_year = match recorded {
            Some(_) => judge_members(db, region_id, &root, &hi, as_of.year() - 1, as_of).await?,
            None => Vec::new(),
        };
        let mut hour_new = Vec::new();
        for j in this_year.iter().chain(last_year.iter()) {
            for finding in hour_findings(&rules.study_hours, &rules.severity, &j.year, as_of) {
                hour_new.push(Placed { finding, org_id: j.org_id, org_path: j.org_path.clone() });
            }
        }
        let mut subjects = open_subjects(db, region_id, "member", HOURS_PREFIX).await?;
        subjects.extend(this_year.iter().map(|j| Subject::Member(j.id)));
        let subjects: Vec<Subject> = subjects.into_iter().collect::<BTreeSet<_>>().into_iter().collect();
        let mut tx = db.begin().await?;
        let mut changes = reconcile(&mut tx, region_id, now, HOURS_PREFIX, &subjects, hour_new, &|_| "已不在册或已达标".into()).await?;
        tx.commit().await?;

        // Training duties.
        let attended: Vec<Attended> = crate::read!(db, c => sqlx::query_as(
            "SELECT e.member_id, k.kind, k.starts_on, k.ends_on FROM training_enrolments e \
             JOIN training_classes k ON k.region_id = e.region_id AND k.id = e.class_id WHERE e.region_id = $1 AND e.attended = TRUE")
            .bind(region_id).fetch_all(c).await)?;
        let secretaries: Vec<(i64, i64, Option<i64>)> = crate::read!(db, c => sqlx::query_as(
            "SELECT o.id, o.secretary_member_id, (SELECT MAX(e.secretary_at) FROM elections e WHERE e.region_id = o.region_id \
             AND e.org_id = o.id AND e.secretary_member_id = o.secretary_member_id) FROM orgs o \
             WHERE o.region_id = $1 AND o.status <> 'dissolved' AND o.secretary_member_id IS NOT NULL")
            .bind(region_id).fetch_all(c).await)?;
        let by_id: HashMap<i64, &Judged> = this_year.iter().map(|j| (j.id, j)).collect();
        let mut training_new = Vec::new();
        let trained = |member: i64, ok: &dyn Fn(&Attended) -> bool| attended.iter().any(|a| a.member_id == member && ok(a));
        let year = as_of.year();
        let mut judged_training: BTreeSet<Subject> = BTreeSet::new();
        for (_, secretary, since_ms) in &secretaries {
            let Some(j) = by_id.get(secretary) else { continue };
            judged_training.insert(Subject::Member(j.id));
            let place = |finding| Placed { finding, org_id: j.org_id, org_path: j.org_path.clone() };
            if let Some(since) = since_ms.map(china_date) {
                let from = since.with_year(since.year() - 1).unwrap_or(since);
                let ok = trained(j.id, &|a| {
                    matches!(a.kind.as_str(), "new_secretary" | "leader") && parse_iso_date(&a.ends_on).is_some_and(|e| e >= from)
                });
                if let Some(f) = new_secretary_finding(&rules.study_hours, &rules.severity, j.id, since, ok, as_of) {
                    training_new.push(place(f));
                }
            }
            for y in [year - 1, year] {
                let ok = trained(j.id, &|a| {
                    matches!(a.kind.as_str(), "rotation" | "leader") && parse_iso_date(&a.starts_on).is_some_and(|s| s.year() == y)
                });
                if let Some(f) = rotation_finding(&rules.severity, j.id, y, ok, as_of) {
                    training_new.push(place(f));
                }
            }
        }
        for j in this_year.iter().filter(|j| j.category == "probationary") {
            let Some(admitted) = parse_iso_date(&j.joined_on) else { continue };
            judged_training.insert(Subject::Member(j.id));
            let ok = trained(j.id, &|a| a.kind == "probation" && parse_iso_date(&a.ends_on).is_some_and(|e| e >= admitted));
            if let Some(f) = probation_finding(&rules.study_hours, &rules.severity, j.id, admitted, ok, as_of) {
                training_new.push(Placed { finding: f, org_id: j.org_id, org_path: j.org_path.clone() });
            }
        }
        judged_training.extend(open_subjects(db, region_id, "member", TRAINING_PREFIX).await?);
        let training_subjects: Vec<Subject> = judged_training.into_iter().collect();
        let mut tx = db.begin().await?;
        add(
            &mut changes,
            reconcile(&mut tx, region_id, now, TRAINING_PREFIX, &training_subjects, training_new, &|_| "已参加培训或已不在任".into())
                .await?,
        );
        tx.commit().await?;

        // Study plans.
        let orgs: Vec<(i64, String, String)> = crate::read!(db, c => sqlx::query_as(
            "SELECT id, path, kind FROM orgs WHERE region_id = $1 AND status <> 'dissolved'")
            .bind(region_id).fetch_all(c).await)?;
        let filed: BTreeSet<i64> = crate::read!(db, c => sqlx::query_scalar(
            "SELECT org_id FROM study_plans WHERE region_id = $1 AND year = $2")
            .bind(region_id).bind(i64::from(year)).fetch_all(c).await)?
        .into_iter()
        .collect();
        let mut plan_new = Vec::new();
        let mut plan_subjects: BTreeSet<Subject> = open_subjects(db, region_id, "org", PLAN_PREFIX).await?;
        for (id, p, kind) in &orgs {
            if !OrgKind::from_code(kind).is_some_and(files_plan) {
                continue;
            }
            plan_subjects.insert(Subject::Org(*id));
            if let Some(f) = plan_finding(&rules.study_hours, &rules.severity, *id, year, filed.contains(id), as_of) {
                plan_new.push(Placed { finding: f, org_id: *id, org_path: p.clone() });
            }
        }
        let plan_subjects: Vec<Subject> = plan_subjects.into_iter().collect();
        let mut tx = db.begin().await?;
        add(&mut changes, reconcile(&mut tx, region_id, now, PLAN_PREFIX, &plan_subjects, plan_new, &|_| "已报送".into()).await?);
        tx.commit().await?;
        Ok(EngineRun {
            name: "学时",
            subjects: (subjects.len() + training_subjects.len() + plan_subjects.len()) as u64,
            changes,
            seconds: started.elapsed().as_secs_f64(),
        })
    })
}

fn add(total: &mut Reconciled, more: Reconciled) {
    total.opened += more.opened;
    total.updated += more.updated;
    total.resolved += more.resolved;
}

/// The subjects of `kind` with an open finding under `prefix`.
async fn open_subjects(db: &Db, region_id: i64, kind: &str, prefix: &str) -> StoreResult<BTreeSet<Subject>> {
    let ids: Vec<i64> = crate::read!(db, c => sqlx::query_scalar(
        "SELECT DISTINCT subject_id FROM findings WHERE region_id = $1 AND subject_kind = $2 AND rule_code LIKE $3 AND resolved_at IS NULL")
        .bind(region_id).bind(kind).bind(format!("{prefix}%")).fetch_all(c).await)?;
    Ok(ids.into_iter().map(|id| if kind == "org" { Subject::Org(id) } else { Subject::Member(id) }).collect())
}

/// An hours report as an .xlsx workbook: the org and its children, then its members.
pub fn report_xlsx(r: &HoursReport) -> StoreResult<Vec<u8>> {
    use crate::platform::xlsx::{Book, XlsxCell, XlsxColumn};
    let mut book = Book::new(&std::env::temp_dir())?;
    let caption = format!("{} {}年学时统计", r.org_name, r.year);
    let columns: Vec<XlsxColumn> = ["党组织", "党员数", "进度正常", "进度落后", "免予考核", "人均学时"]
        .iter()
        .map(|h| XlsxColumn::new(*h, if *h == "党组织" { 30.0 } else { 12.0 }))
        .collect();
    book.sheet("党组织", Some(&caption), &columns)?;
    for row in std::iter::once(&r.total).chain(r.children.iter()) {
        book.row(&[
            XlsxCell::text(row.org_name.as_str()),
            XlsxCell::text(row.members.to_string()),
            XlsxCell::text(row.on_pace.to_string()),
            XlsxCell::text(row.behind.to_string()),
            XlsxCell::text(row.exempt.to_string()),
            XlsxCell::text(row.average_hours.as_str()),
        ])?;
    }
    let columns: Vec<XlsxColumn> =
        ["姓名", "所在党组织", "学时", "年度目标", "状态", "免考原因"].iter().map(|h| XlsxColumn::new(*h, 16.0)).collect();
    book.sheet("党员", Some(&caption), &columns)?;
    for m in &r.members {
        book.row(&[
            XlsxCell::text(m.name.as_str()),
            XlsxCell::text(m.org_name.as_str()),
            XlsxCell::text(m.hours.as_str()),
            XlsxCell::text(m.target_hours.to_string()),
            XlsxCell::text(m.standing_label.as_str()),
            XlsxCell::text(m.exemption.clone().unwrap_or_default()),
        ])?;
    }
    book.into_bytes()
}
