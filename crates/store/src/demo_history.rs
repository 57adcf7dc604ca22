//! Loads a generated year of organizational life ([`vanguard_domain::demo::history`])
//! into a demo region in bulk: meetings (记实) with their attendance, the 党委's
//! seminars and secretary lectures, and this year's plans of 固定组织生活日 with their
//! items and events — multi-row inserts in large transactions, branch by branch, so
//! a city never sits in memory. Then the full recompute fills findings and compliance.
//!
//! The history covers the twelve months up to today; the rules' start of records
//! (`orglife.records_since`) is set to its first day, so nothing before it is judged.

use crate::findings::{self, RecomputeSummary};
use crate::scope::Actor;
use crate::{Db, StoreError, StoreResult, Tx, ids};
use chrono::{NaiveDate, NaiveTime};
use serde::Serialize;
use std::collections::HashMap;
use std::time::Instant;
use vanguard_domain::demo::history::{
    AttendanceSeed, BranchHistory, HistoryBranch, HistoryGenerator, HistoryMember, Holder, MeetingSeed, PlanSeed,
};
use vanguard_domain::member::{Category, Flow, PartyStatus, parse_iso_date};
use vanguard_domain::org::{OrgKind, path};
use vanguard_domain::orglife::Attendance;

/// What was loaded.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HistorySummary {
    pub start: String,
    pub meetings: u64,
    pub attendance: u64,
    pub plans: u64,
    pub load_seconds: f64,
    pub recompute: RecomputeSummary,
}

#[derive(sqlx::FromRow)]
struct OrgRec {
    id: i64,
    parent_id: Option<i64>,
    path: String,
    kind: String,
    has_committee: bool,
    established_on: Option<String>,
    secretary_member_id: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct MemberRec {
    id: i64,
    org_id: i64,
    group_id: Option<i64>,
    name: String,
    category: String,
    joined_on: String,
    flow: String,
    lost_contact_since: Option<String>,
    party_status: String,
}

/// One meeting ready to insert.
struct MeetingRow {
    id: i64,
    org_id: i64,
    org_path: String,
    seed: MeetingSeed,
    held_at: i64,
    recorded_at: i64,
    host: String,
    recorder: String,
    lecturer: String,
    minutes: String,
}

struct AttendanceRow {
    meeting_id: i64,
    member_id: i64,
    attendance: Attendance,
    reason: &'static str,
    signed_at: Option<i64>,
    held_on: String,
    meeting_type: &'static str,
}

struct PlanRow {
    id: i64,
    org_id: i64,
    org_path: String,
    seed: PlanSeed,
}

const MEETING_CHUNK: usize = 500;
const ATTENDANCE_CHUNK: usize = 2_000;
const PLAN_CHUNK: usize = 1_000;
/// Attendance rows per transaction.
const TX_ROWS: usize = 200_000;
/// Branches whose members are read in one query.
const BRANCH_BATCH: usize = 200;

/// Epoch milliseconds of `minute` minutes after midnight of `day` in China.
fn china_ms(day: NaiveDate, minute: u32) -> i64 {
    let t = NaiveTime::from_hms_opt(minute / 60 % 24, minute % 60, 0).unwrap_or_default();
    day.and_time(t).and_utc().timestamp_millis() - i64::from(vanguard_domain::CHINA_OFFSET_SECONDS) * 1000
}

fn text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

async fn insert_meetings(tx: &mut Tx, region_id: i64, rows: &[MeetingRow]) -> StoreResult<()> {
    for chunk in rows.chunks(MEETING_CHUNK) {
        crate::exec_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO meetings (region_id, id, org_id, org_path, meeting_type, status, planned_at, held_at, held_on, place, host, \
                 recorder, lecturer, topic, content, minutes, is_secretary_lecture, expected_count, present_count, excused_count, \
                 absent_count, recorded_at, version, created_by, created_at, updated_at) ");
            qb.push_values(chunk, |mut b, m| {
                let s = &m.seed;
                let count = |a: Attendance| s.attendance.iter().filter(|x| x.attendance == a).count() as i64;
                b.push_bind(region_id).push_bind(m.id).push_bind(m.org_id).push_bind(m.org_path.clone())
                    .push_bind(s.meeting_type.code()).push_bind("held").push_bind(m.held_at).push_bind(m.held_at)
                    .push_bind(text(s.held_on)).push_bind(s.place).push_bind(m.host.clone()).push_bind(m.recorder.clone())
                    .push_bind(m.lecturer.clone()).push_bind(s.topic.clone()).push_bind(s.content.clone()).push_bind(m.minutes.clone())
                    .push_bind(s.secretary_lecture).push_bind(s.attendance.len() as i64)
                    .push_bind(count(Attendance::Present) + count(Attendance::Observer)).push_bind(count(Attendance::Excused))
                    .push_bind(count(Attendance::Absent)).push_bind(m.recorded_at).push_bind(1i64).push_bind(0i64)
                    .push_bind(m.recorded_at).push_bind(m.recorded_at);
            });
            qb.build().execute(c).await
        })?;
    }
    Ok(())
}

async fn insert_attendance(tx: &mut Tx, region_id: i64, rows: &[AttendanceRow]) -> StoreResult<()> {
    for chunk in rows.chunks(ATTENDANCE_CHUNK) {
        crate::exec_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO meeting_attendance (region_id, meeting_id, member_id, attendance, reason, signed_at, held_on, meeting_type) ");
            qb.push_values(chunk, |mut b, a| {
                b.push_bind(region_id).push_bind(a.meeting_id).push_bind(a.member_id).push_bind(a.attendance.code())
                    .push_bind(a.reason).push_bind(a.signed_at).push_bind(a.held_on.clone()).push_bind(a.meeting_type);
            });
            qb.build().execute(c).await
        })?;
    }
    Ok(())
}

async fn insert_plans(tx: &mut Tx, region_id: i64, now: i64, rows: &[PlanRow]) -> StoreResult<()> {
    let secretary_of_plan = "支部书记";
    for chunk in rows.chunks(PLAN_CHUNK / 12) {
        crate::on_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO life_plans (region_id, id, org_id, org_path, year, state, submitted_on, returned_reason, version, created_at, updated_at) ");
            qb.push_values(chunk, |mut b, p| {
                let s = &p.seed;
                let created = china_ms(NaiveDate::from_ymd_opt(s.year, 1, 3).unwrap_or_default(), 9 * 60);
                let updated = [s.published_on, s.acknowledged_on, s.submitted_on]
                    .into_iter()
                    .flatten()
                    .next()
                    .map_or(created, |d| china_ms(d, 10 * 60))
                    .min(now);
                b.push_bind(region_id).push_bind(p.id).push_bind(p.org_id).push_bind(p.org_path.clone()).push_bind(i64::from(s.year))
                    .push_bind(s.state.code()).push_bind(s.submitted_on.map(text)).push_bind("").push_bind(1i64)
                    .push_bind(created.min(now)).push_bind(updated);
            });
            qb.build().execute(&mut *c).await?;
            let items: Vec<(i64, &vanguard_domain::orglife::PlanItem)> =
                chunk.iter().flat_map(|p| p.seed.items.iter().map(move |i| (p.id, i))).collect();
            let mut qb = sqlx::QueryBuilder::new("INSERT INTO life_plan_items (region_id, id, plan_id, month, day, theme, form) ");
            if !items.is_empty() {
                qb.push_values(&items, |mut b, (plan_id, i)| {
                    b.push_bind(region_id).push_bind(ids::next()).push_bind(*plan_id).push_bind(i64::from(i.month))
                        .push_bind(text(i.date)).push_bind(i.theme.clone()).push_bind(i.form.clone());
                });
                qb.build().execute(&mut *c).await?;
            }
            Ok::<_, sqlx::Error>(())
        })?;
        // The way each plan travelled: 报备, 退回 and 报备 again, 备案, 公布.
        let mut events: Vec<(i64, i64, &'static str, &'static str, &'static str)> = Vec::new();
        for p in chunk {
            let s = &p.seed;
            let at = |d: NaiveDate, m: u32| china_ms(d, m).min(now);
            if let Some(d) = s.submitted_on {
                events.push((p.id, at(d, 10 * 60), secretary_of_plan, "submit", ""));
            }
            if let Some((d, reason)) = s.returned {
                events.push((p.id, at(d, 15 * 60), "上级党组织", "return", reason));
                events.push((p.id, at(d, 17 * 60), secretary_of_plan, "submit", ""));
            }
            if let Some(d) = s.acknowledged_on {
                events.push((p.id, at(d, 16 * 60), "上级党组织", "acknowledge", ""));
            }
            if let Some(d) = s.published_on {
                events.push((p.id, at(d, 18 * 60), secretary_of_plan, "publish", ""));
            }
        }
        if !events.is_empty() {
            crate::exec_tx!(tx, c => {
                let mut qb = sqlx::QueryBuilder::new("INSERT INTO life_plan_events (region_id, id, plan_id, at, actor_name, action, reason) ");
                qb.push_values(&events, |mut b, (plan_id, at, actor, action, reason)| {
                    b.push_bind(region_id).push_bind(ids::next()).push_bind(*plan_id).push_bind(*at).push_bind(*actor)
                        .push_bind(*action).push_bind(*reason);
                });
                qb.build().execute(c).await
            })?;
        }
    }
    Ok(())
}

/// Rows waiting to be inserted.
struct Sink {
    now: i64,
    meetings: Vec<MeetingRow>,
    attendance: Vec<AttendanceRow>,
    plans: Vec<PlanRow>,
}

/// Whose meetings: an org, its 党小组 (ids and paths) and its members (ids and names,
/// in the order of the seeds' member indexes).
struct Holding<'a> {
    org_id: i64,
    org_path: &'a str,
    groups: &'a [(i64, String)],
    members: &'a [(i64, String)],
    /// 主持人 when no member of the org chaired.
    fallback_host: &'a str,
}

impl Sink {
    /// Adds the rows of one org's generated meetings.
    fn meetings(&mut self, h: &Holding, meetings: Vec<MeetingSeed>) {
        let members = h.members;
        let now = self.now;
        let name = |i: Option<usize>| i.and_then(|i| members.get(i)).map(|m| m.1.clone());
        for seed in meetings {
            let (holder_id, holder_path) = match seed.holder {
                Holder::Org => (h.org_id, h.org_path.to_string()),
                Holder::Group(g) => match h.groups.get(g) {
                    Some((id, p)) => (*id, p.clone()),
                    None => continue,
                },
            };
            let id = ids::next();
            let held_at = china_ms(seed.held_on, seed.start_minute);
            let ends = held_at + i64::from(seed.duration_minutes) * 60_000;
            let recorded_at = (ends + i64::from(seed.recorded_after_days) * 86_400_000).min(now.max(ends));
            let host = name(seed.host).unwrap_or_else(|| h.fallback_host.to_string());
            let recorder = name(seed.recorder).unwrap_or_default();
            let lecturer = if seed.meeting_type == vanguard_domain::orglife::MeetingType::PartyLecture {
                host.clone()
            } else {
                String::new()
            };
            let (mut present, mut excused, mut absent) = (0, 0, 0);
            let held_on = text(seed.held_on);
            for (k, a) in seed.attendance.iter().enumerate() {
                let Some((member_id, _)) = members.get(a.member) else { continue };
                match a.attendance {
                    Attendance::Present | Attendance::Observer => present += 1,
                    Attendance::Excused => excused += 1,
                    Attendance::Absent => absent += 1,
                }
                let AttendanceSeed { attendance: att, reason, signed_in, .. } = *a;
                self.attendance.push(AttendanceRow {
                    meeting_id: id,
                    member_id: *member_id,
                    attendance: att,
                    reason,
                    signed_at: signed_in.then(|| held_at - 10 * 60_000 + (k as i64 * 7_919 % 900_000)),
                    held_on: held_on.clone(),
                    meeting_type: seed.meeting_type.code(),
                });
            }
            let minutes = if seed.attendance.is_empty() {
                format!("{}。会议由{host}主持。", seed.topic)
            } else {
                format!(
                    "应到{}人，实到{present}人，请假{excused}人，缺席{absent}人。会议由{host}主持，围绕“{}”开展。",
                    seed.attendance.len(),
                    seed.topic
                )
            };
            self.meetings.push(MeetingRow {
                id,
                org_id: holder_id,
                org_path: holder_path,
                seed,
                held_at,
                recorded_at,
                host,
                recorder,
                lecturer,
                minutes,
            });
        }
    }
}

/// Generates and loads a year of organizational life for the demo region `region_id`,
/// then recomputes its findings and compliance. Refuses a region that already has
/// meetings. `progress(done, total)` counts branches, then orgs and members of the
/// recompute.
pub async fn generate(db: &Db, region_id: i64, seed: u64, mut progress: impl FnMut(u64, u64)) -> StoreResult<HistorySummary> {
    let started = Instant::now();
    let existing: i64 = crate::read!(db, c => sqlx::query_scalar("SELECT COUNT(*) FROM meetings WHERE region_id = $1")
        .bind(region_id).fetch_one(c).await)?;
    if existing > 0 {
        return Err(StoreError::conflict("demo.history_exists", "该地区已有组织生活记录，演示历史只能生成一次"));
    }
    let today = db.clock().today();
    let now = db.clock().now_ms();
    let generator = HistoryGenerator::new(seed, today);

    // Records start with the generated history: nothing before it is judged.
    let mut rules = (*db.rules()).clone();
    if rules.orglife.records_since.is_none_or(|d| d < generator.start()) {
        rules.orglife.records_since = Some(generator.start());
        rules.version += 1;
        let mut tx = db.begin().await?;
        crate::rules::save(&mut tx, &rules, now).await?;
        tx.commit().await?;
        db.set_rules(rules);
    }

    let orgs: Vec<OrgRec> = crate::read!(db, c => sqlx::query_as(
        "SELECT id, parent_id, path, kind, has_committee, established_on, secretary_member_id FROM orgs \
         WHERE region_id = $1 AND status <> 'dissolved' ORDER BY path")
        .bind(region_id).fetch_all(c).await)?;
    let mut groups_of: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
    for o in orgs.iter().filter(|o| o.kind == OrgKind::Group.code()) {
        if let Some(p) = o.parent_id {
            groups_of.entry(p).or_default().push((o.id, o.path.clone()));
        }
    }
    let branches: Vec<&OrgRec> = orgs.iter().filter(|o| OrgKind::from_code(&o.kind).is_some_and(OrgKind::is_branch)).collect();
    let committees: Vec<&OrgRec> = orgs
        .iter()
        .filter(|o| matches!(OrgKind::from_code(&o.kind), Some(OrgKind::Committee | OrgKind::WorkCommittee)))
        .collect();
    let total = branches.len() as u64;

    let mut summary = HistorySummary { start: text(generator.start()), ..Default::default() };
    let mut sink = Sink { now, meetings: Vec::new(), attendance: Vec::new(), plans: Vec::new() };
    let mut tx = db.begin().await?;
    let mut in_tx = 0usize;

    // The 党委's own meetings (no roll).
    for (ordinal, c) in committees.iter().enumerate() {
        let seeds = generator.committee(ordinal as u64, c.established_on.as_deref().and_then(parse_iso_date));
        let h = Holding { org_id: c.id, org_path: &c.path, groups: &[], members: &[], fallback_host: "党委书记" };
        sink.meetings(&h, seeds);
    }

    let mut ordinal = 0u64;
    for batch in branches.chunks(BRANCH_BATCH) {
        let lo = batch[0].path.clone();
        let hi = path::upper(&batch[batch.len() - 1].path);
        let rows: Vec<MemberRec> = crate::read!(db, c => sqlx::query_as(
            "SELECT id, org_id, group_id, name, category, joined_on, flow, lost_contact_since, party_status FROM members \
             WHERE region_id = $1 AND archived = FALSE AND org_path >= $2 AND org_path < $3 ORDER BY id")
            .bind(region_id).bind(&lo).bind(&hi).fetch_all(c).await)?;
        let mut by_branch: HashMap<i64, Vec<MemberRec>> = HashMap::new();
        for m in rows {
            by_branch.entry(m.org_id).or_default().push(m);
        }
        for b in batch {
            let groups = groups_of.get(&b.id).cloned().unwrap_or_default();
            let members = by_branch.remove(&b.id).unwrap_or_default();
            let input = HistoryBranch {
                kind: OrgKind::from_code(&b.kind).unwrap_or(OrgKind::Branch),
                has_committee: b.has_committee,
                established_on: b.established_on.as_deref().and_then(parse_iso_date),
                groups: groups.len(),
                members: members
                    .iter()
                    .map(|m| HistoryMember {
                        group: m.group_id.and_then(|g| groups.iter().position(|(id, _)| *id == g)),
                        category: Category::from_code(&m.category).unwrap_or(Category::Formal),
                        joined_on: parse_iso_date(&m.joined_on).unwrap_or(today),
                        flow: Flow::from_code(&m.flow).unwrap_or(Flow::None),
                        lost_contact_since: m.lost_contact_since.as_deref().and_then(parse_iso_date),
                        suspended: m.party_status == PartyStatus::Suspended.code(),
                        is_secretary: b.secretary_member_id == Some(m.id),
                    })
                    .collect(),
            };
            let BranchHistory { meetings: seeds, plan } = generator.branch(ordinal, &input);
            ordinal += 1;
            let names: Vec<(i64, String)> = members.iter().map(|m| (m.id, m.name.clone())).collect();
            let h = Holding { org_id: b.id, org_path: &b.path, groups: &groups, members: &names, fallback_host: "支部书记" };
            sink.meetings(&h, seeds);
            if let Some(p) = plan {
                sink.plans.push(PlanRow { id: ids::next(), org_id: b.id, org_path: b.path.clone(), seed: p });
            }
        }
        if sink.attendance.len() >= ATTENDANCE_CHUNK * 4 || sink.meetings.len() >= MEETING_CHUNK * 8 {
            in_tx += sink.flush(&mut tx, region_id, &mut summary).await?;
            if in_tx >= TX_ROWS {
                tx.commit().await?;
                tx = db.begin().await?;
                in_tx = 0;
            }
        }
        progress(ordinal, total);
    }
    sink.flush(&mut tx, region_id, &mut summary).await?;
    tx.commit().await?;
    summary.load_seconds = started.elapsed().as_secs_f64();
    tracing::info!(
        meetings = summary.meetings,
        attendance = summary.attendance,
        plans = summary.plans,
        seconds = summary.load_seconds,
        "demo history loaded"
    );

    summary.recompute = findings::recompute_all(db, region_id, today, progress).await?;
    findings::refresh_statistics(db).await?;
    crate::audit::record(
        db,
        &Actor::system("demo"),
        crate::audit::Event::ok("demo.history", format!("region:{region_id}")).detail(format!(
            "自{}起组织生活记录：{} 次会议，{} 条出勤，{} 份年度计划；预警与问题 {} 条",
            summary.start,
            summary.meetings,
            summary.attendance,
            summary.plans,
            summary.recompute.open_by_rule.iter().map(|c| c.count).sum::<i64>()
        )),
    )
    .await?;
    Ok(summary)
}

impl Sink {
    /// Inserts the waiting rows; returns how many.
    async fn flush(&mut self, tx: &mut Tx, region_id: i64, summary: &mut HistorySummary) -> StoreResult<usize> {
        insert_meetings(tx, region_id, &self.meetings).await?;
        insert_attendance(tx, region_id, &self.attendance).await?;
        insert_plans(tx, region_id, self.now, &self.plans).await?;
        summary.meetings += self.meetings.len() as u64;
        summary.attendance += self.attendance.len() as u64;
        summary.plans += self.plans.len() as u64;
        let n = self.attendance.len() + self.meetings.len();
        self.meetings.clear();
        self.attendance.clear();
        self.plans.clear();
        Ok(n)
    }
}

/// The hook of [`crate::demo::generate`]: a district gets its history at once; a city
/// only on request (`vanguard demo --scale city --history`), because it adds about 16
/// million attendance rows.
pub async fn generate_for(db: &Db, scale: vanguard_domain::demo::Scale, region_id: i64, seed: u64) -> StoreResult<()> {
    if scale == vanguard_domain::demo::Scale::District {
        generate(db, region_id, seed, |_, _| {}).await?;
    }
    Ok(())
}
