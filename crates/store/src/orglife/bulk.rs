//! Bulk loading of organizational-life history (demo data): meetings with their
//! attendance, and yearly plans with their items and the way they travelled.

pub use super::meeting::MeetingRecord;
use crate::platform::bulk::{self, Val, bulk_row};
use crate::platform::ids;
use crate::{Db, StoreResult, Tx};
use chrono::NaiveDate;
use vanguard_domain::kernel::time::date_text;
use vanguard_domain::orglife::{Attendance, MeetingStatus, MeetingType, PlanItem, PlanState};

/// One member's attendance at a held meeting.
#[derive(Debug, Clone)]
pub struct AttendanceRecord {
    pub meeting_id: i64,
    pub member_id: i64,
    pub attendance: Attendance,
    pub reason: String,
    pub signed_at: Option<i64>,
    pub held_on: NaiveDate,
    pub meeting_type: MeetingType,
}

/// A step a plan took (报备, 退回, 备案, 公布).
#[derive(Debug, Clone)]
pub struct PlanEventRecord {
    pub at: i64,
    pub actor_name: String,
    /// `submit`, `return`, `acknowledge` or `publish`.
    pub action: &'static str,
    pub reason: String,
}

/// A branch's yearly plan with its items and events.
#[derive(Debug, Clone)]
pub struct PlanRecord {
    pub id: i64,
    pub org_id: i64,
    pub org_path: String,
    pub year: i32,
    pub state: PlanState,
    pub submitted_on: Option<NaiveDate>,
    pub created_at: i64,
    pub updated_at: i64,
    pub items: Vec<PlanItem>,
    pub events: Vec<PlanEventRecord>,
}

/// How many meetings a region has recorded.
pub async fn meeting_count(db: &Db, region_id: i64) -> StoreResult<i64> {
    Ok(crate::read!(db, c => sqlx::query_scalar("SELECT COUNT(*) FROM meetings WHERE region_id = $1")
        .bind(region_id).fetch_one(c).await)?)
}

/// Inserts meetings as stored rows: one column list, [`MeetingRecord::COLUMNS`].
pub async fn insert_meetings(tx: &mut Tx, meetings: &[MeetingRecord]) -> StoreResult<()> {
    let rows: Vec<Vec<Val>> = meetings.iter().map(MeetingRecord::values).collect();
    bulk::insert(tx, "meetings", MeetingRecord::COLUMNS, &rows).await?;
    Ok(())
}

impl From<MeetingType> for Val {
    fn from(v: MeetingType) -> Self {
        Val::from(v.code())
    }
}

impl From<MeetingStatus> for Val {
    fn from(v: MeetingStatus) -> Self {
        Val::from(v.code())
    }
}

/// Inserts attendance rows of held meetings.
pub async fn insert_attendance(tx: &mut Tx, region_id: i64, rows: &[AttendanceRecord]) -> StoreResult<()> {
    const COLUMNS: &[&str] =
        &["region_id", "meeting_id", "member_id", "attendance", "reason", "signed_at", "held_on", "meeting_type"];
    let values: Vec<Vec<Val>> = rows
        .iter()
        .map(|a| {
            bulk_row![
                region_id,
                a.meeting_id,
                a.member_id,
                a.attendance.code(),
                a.reason.as_str(),
                a.signed_at,
                date_text(a.held_on),
                a.meeting_type.code()
            ]
        })
        .collect();
    bulk::insert(tx, "meeting_attendance", COLUMNS, &values).await?;
    Ok(())
}

/// Inserts plans with their items and events.
pub async fn insert_plans(tx: &mut Tx, region_id: i64, plans: &[PlanRecord]) -> StoreResult<()> {
    const PLAN_COLUMNS: &[&str] = &[
        "region_id",
        "id",
        "org_id",
        "org_path",
        "year",
        "state",
        "submitted_on",
        "returned_reason",
        "version",
        "created_at",
        "updated_at",
    ];
    let rows: Vec<Vec<Val>> = plans
        .iter()
        .map(|p| {
            bulk_row![
                region_id,
                p.id,
                p.org_id,
                p.org_path.as_str(),
                i64::from(p.year),
                p.state.code(),
                p.submitted_on.map(date_text),
                "",
                1i64,
                p.created_at,
                p.updated_at
            ]
        })
        .collect();
    bulk::insert(tx, "life_plans", PLAN_COLUMNS, &rows).await?;
    let items: Vec<Vec<Val>> = plans
        .iter()
        .flat_map(|p| {
            p.items.iter().map(move |i| {
                bulk_row![region_id, ids::next(), p.id, i64::from(i.month), date_text(i.date), i.theme.as_str(), i.form.as_str()]
            })
        })
        .collect();
    bulk::insert(tx, "life_plan_items", &["region_id", "id", "plan_id", "month", "day", "theme", "form"], &items).await?;
    let events: Vec<Vec<Val>> = plans
        .iter()
        .flat_map(|p| {
            p.events
                .iter()
                .map(move |e| bulk_row![region_id, ids::next(), p.id, e.at, e.actor_name.as_str(), e.action, e.reason.as_str()])
        })
        .collect();
    bulk::insert(tx, "life_plan_events", &["region_id", "id", "plan_id", "at", "actor_name", "action", "reason"], &events)
        .await?;
    Ok(())
}
