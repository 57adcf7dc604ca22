//! Loads a generated year of organizational life ([`crate::generate::history`]) into a demo
//! region in bulk: meetings (记实) with their attendance, the 党委's seminars and
//! secretary lectures, and this year's plans of 固定组织生活日 with their items and
//! events — large transactions, branch by branch, so a city never sits in memory. Then
//! the full recompute fills findings and compliance.
//!
//! The history covers the twelve months up to today; the rules' start of records
//! (`orglife.records_since`) is set to its first day, so nothing before it is judged.

use crate::generate::history::{
    AttendanceSeed, BranchHistory, HistoryBranch, HistoryGenerator, HistoryMember, Holder, MeetingSeed, PlanSeed,
};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;
use std::time::Instant;
use vanguard_domain::kernel::time::{china_ms, date_text};
use vanguard_domain::member::PartyStatus;
use vanguard_domain::org::OrgKind;
use vanguard_domain::orglife::{Attendance, MeetingStatus, MeetingType};
use vanguard_store::member::bulk::loaded_members;
use vanguard_store::org::OrgRow;
use vanguard_store::orglife::bulk::{
    AttendanceRecord, MeetingRecord, PlanEventRecord, PlanRecord, insert_attendance, insert_meetings, insert_plans, meeting_count,
};
use vanguard_store::orglife::check::{self, RecomputeSummary};
use vanguard_store::platform::audit::{self, Event};
use vanguard_store::platform::ids;
use vanguard_store::{Actor, Db, Scope, StoreError, StoreResult, Tx};

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

/// Attendance rows per transaction.
const TX_ROWS: usize = 200_000;
/// Branches whose members are read in one query.
const BRANCH_BATCH: usize = 200;
/// Rows gathered before they are written.
const FLUSH_ROWS: usize = 8_000;

/// The plan's steps, by whom and when.
fn plan_record(id: i64, org_id: i64, org_path: &str, s: PlanSeed, now: i64) -> PlanRecord {
    let secretary = "支部书记";
    let at = |d: NaiveDate, m: u32| china_ms(d, m).min(now);
    let mut events = Vec::new();
    let mut event = |at: i64, actor: &str, action: &'static str, reason: &str| {
        events.push(PlanEventRecord { at, actor_name: actor.to_string(), action, reason: reason.to_string() })
    };
    // The way each plan travelled: 报备, 退回 and 报备 again, 备案, 公布.
    if let Some(d) = s.submitted_on {
        event(at(d, 10 * 60), secretary, "submit", "");
    }
    if let Some((d, reason)) = s.returned {
        event(at(d, 15 * 60), "上级党组织", "return", reason);
        event(at(d, 17 * 60), secretary, "submit", "");
    }
    if let Some(d) = s.acknowledged_on {
        event(at(d, 16 * 60), "上级党组织", "acknowledge", "");
    }
    if let Some(d) = s.published_on {
        event(at(d, 18 * 60), secretary, "publish", "");
    }
    let created = china_ms(NaiveDate::from_ymd_opt(s.year, 1, 3).unwrap_or_default(), 9 * 60).min(now);
    let updated = [s.published_on, s.acknowledged_on, s.submitted_on]
        .into_iter()
        .flatten()
        .next()
        .map_or(created, |d| china_ms(d, 10 * 60))
        .min(now);
    PlanRecord {
        id,
        org_id,
        org_path: org_path.to_string(),
        year: s.year,
        state: s.state,
        submitted_on: s.submitted_on,
        created_at: created,
        updated_at: updated,
        items: s.items,
        events,
    }
}

/// Rows waiting to be inserted.
struct Sink {
    region_id: i64,
    now: i64,
    meetings: Vec<MeetingRecord>,
    attendance: Vec<AttendanceRecord>,
    plans: Vec<PlanRecord>,
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
            let lecturer = if seed.meeting_type == MeetingType::PartyLecture { host.clone() } else { String::new() };
            let (mut present, mut excused, mut absent) = (0, 0, 0);

            for (k, a) in seed.attendance.iter().enumerate() {
                let Some((member_id, _)) = members.get(a.member) else { continue };
                match a.attendance {
                    Attendance::Present | Attendance::Observer => present += 1,
                    Attendance::Excused => excused += 1,
                    Attendance::Absent => absent += 1,
                }
                let AttendanceSeed { attendance: att, reason, signed_in, .. } = *a;
                self.attendance.push(AttendanceRecord {
                    meeting_id: id,
                    member_id: *member_id,
                    attendance: att,
                    reason: reason.to_string(),
                    signed_at: signed_in.then(|| held_at - 10 * 60_000 + (k as i64 * 7_919 % 900_000)),
                    held_on: seed.held_on,
                    meeting_type: seed.meeting_type,
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
            let count = |a: Attendance| seed.attendance.iter().filter(|x| x.attendance == a).count() as i64;
            self.meetings.push(MeetingRecord {
                region_id: self.region_id,
                id,
                org_id: holder_id,
                org_path: holder_path,
                meeting_type: seed.meeting_type,
                status: MeetingStatus::Held,
                planned_at: Some(held_at),
                held_at: Some(held_at),
                held_on: Some(date_text(seed.held_on)),
                place: seed.place.to_string(),
                host,
                recorder,
                lecturer,
                topic: seed.topic.clone(),
                content: seed.content.clone(),
                minutes,
                is_secretary_lecture: seed.secretary_lecture,
                expected_count: seed.attendance.len() as i64,
                present_count: count(Attendance::Present) + count(Attendance::Observer),
                excused_count: count(Attendance::Excused),
                absent_count: count(Attendance::Absent),
                signin_secret: None,
                signin_expires_at: None,
                recorded_at,
                version: 1,
                created_by: 0,
                created_at: recorded_at,
                updated_at: recorded_at,
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
    let existing = meeting_count(db, region_id).await?;
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
        vanguard_store::platform::rules::save(&mut tx, &rules, now).await?;
        tx.commit().await?;
        db.set_rules(rules);
    }

    let root = vanguard_store::org::regions(db).await?.into_iter().find(|r| r.id == region_id).ok_or(StoreError::NotFound)?;
    let system = Scope::system(region_id, &root.path, Actor::system("demo"));
    let orgs = db.scoped(&system).orgs().active_orgs().await?;
    let mut groups_of: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
    for o in orgs.iter().filter(|o| o.kind() == OrgKind::Group) {
        if let Some(p) = o.parent_id {
            groups_of.entry(p).or_default().push((o.id, o.path.clone()));
        }
    }
    let branches: Vec<&OrgRow> = orgs.iter().filter(|o| o.kind().is_branch()).collect();
    let committees: Vec<&OrgRow> =
        orgs.iter().filter(|o| matches!(o.kind(), OrgKind::Committee | OrgKind::WorkCommittee)).collect();
    let total = branches.len() as u64;

    let mut summary = HistorySummary { start: date_text(generator.start()), ..Default::default() };
    let mut sink = Sink { region_id, now, meetings: Vec::new(), attendance: Vec::new(), plans: Vec::new() };
    let mut tx = db.begin().await?;
    let mut in_tx = 0usize;

    // The 党委's own meetings (no roll).
    for (ordinal, c) in committees.iter().enumerate() {
        let seeds = generator.committee(ordinal as u64, c.fields().established_on);
        let h = Holding { org_id: c.id, org_path: &c.path, groups: &[], members: &[], fallback_host: "党委书记" };
        sink.meetings(&h, seeds);
    }

    let mut ordinal = 0u64;
    for batch in branches.chunks(BRANCH_BATCH) {
        let lo = batch[0].path.clone();
        let hi = vanguard_domain::org::path::upper(&batch[batch.len() - 1].path);
        let rows = loaded_members(db, region_id, &lo, &hi).await?;
        let mut by_branch: HashMap<i64, Vec<_>> = HashMap::new();
        for m in rows {
            by_branch.entry(m.org_id).or_default().push(m);
        }
        for b in batch {
            let groups = groups_of.get(&b.id).cloned().unwrap_or_default();
            let members = by_branch.remove(&b.id).unwrap_or_default();
            let input = HistoryBranch {
                kind: b.kind(),
                has_committee: b.has_committee,
                established_on: b.fields().established_on,
                groups: groups.len(),
                members: members
                    .iter()
                    .map(|m| HistoryMember {
                        group: m.group_id.and_then(|g| groups.iter().position(|(id, _)| *id == g)),
                        category: m.category,
                        joined_on: m.joined_on,
                        flow: m.flow,
                        lost_contact_since: m.lost_contact_since,
                        suspended: m.party_status == PartyStatus::Suspended,
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
                sink.plans.push(plan_record(ids::next(), b.id, &b.path, p, now));
            }
        }
        if sink.attendance.len() + sink.meetings.len() >= FLUSH_ROWS {
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

    summary.recompute = check::recompute_all(db, region_id, today, progress).await?;
    check::refresh_statistics(db).await?;
    audit::record(
        db,
        &Actor::system("demo"),
        Event::ok("demo.history", format!("region:{region_id}")).detail(format!(
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
        insert_meetings(tx, &self.meetings).await?;
        insert_attendance(tx, region_id, &self.attendance).await?;
        insert_plans(tx, region_id, &self.plans).await?;
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

/// The hook of [`crate::load::generate`]: a district gets its history (and its learning,
/// [`crate::learning`]) at once; a city
/// only on request (`vanguard demo --scale city --history`), because it adds about 16
/// million attendance rows.
pub async fn generate_for(db: &Db, scale: crate::generate::Scale, region_id: i64, seed: u64) -> StoreResult<()> {
    if scale == crate::generate::Scale::District {
        generate(db, region_id, seed, |_, _| {}).await?;
        crate::learning::generate(db, region_id, seed).await?;
    }
    Ok(())
}
