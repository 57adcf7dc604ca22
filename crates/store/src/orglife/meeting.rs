//! 会议与活动: creating a meeting with its expected attendees (应到人员) filled in from
//! the org, recording and correcting it within the correction window, attendance per
//! person, the decisions of the 支部党员大会 with their quorum, listing and the meeting
//! page.
//!
//! One edit of a record is a [`MeetingPatch`]: fields, the roll, attendance marks and
//! decisions, applied together in one transaction. The same patch is what a correction
//! request carries once the window has passed ([`super::correction`]).

use super::{DAY_MS, OrgLife, china_midnight_ms, china_time_text, date_text, parse_date};
use crate::org::OrgRow;
use crate::platform::audit::{self, Event};
use crate::platform::error::decode;
use crate::platform::hooks::{self, Change};
use crate::platform::paging::{COUNT_CAP, SortKey, capped, finish, jump_offset};
use crate::platform::query::Sql;
use crate::{StoreError, StoreResult, Tx, orglife::check, platform::ids};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use vanguard_domain::kernel::auth::{Permission, Reach};
use vanguard_domain::kernel::paging::{KeyPart, Page, PageRequest};
use vanguard_domain::kernel::time::china_date;
use vanguard_domain::kernel::time::parse_iso_date;
use vanguard_domain::member::Category;
use vanguard_domain::org::{OrgKind, path};
pub use vanguard_domain::orglife::record::{AttendanceMark, DecisionInput, MeetingInput, MeetingPatch, PENDING, allowed_types};
use vanguard_domain::orglife::record::{
    Mark, Record, check_decision, check_marks_for_state, parse_marks, parse_type, validate_record,
};
use vanguard_domain::orglife::{AssemblyRoll, Attendance, Correction, MeetingStatus, MeetingType, Votes, correction, decide};
use vanguard_domain::{FieldError, Invalid};

/// Ids checked per query.
const ID_CHUNK: usize = 500;

/// `pending` (not yet recorded) or an [`Attendance`] code; anything else fails the read.
pub(crate) fn attendance_label(s: &str) -> StoreResult<&'static str> {
    if s == PENDING { Ok("未登记") } else { Ok(decode("meeting_attendance.attendance", s, Attendance::from_code)?.label()) }
}

/// `2026年3月5日`.
pub(crate) fn zh_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// Generates [`MeetingRecord`] from the column list ([`meeting_columns`]).
macro_rules! meeting_record {
    ($($(#[$a:meta])* $col:ident: $ty:ty,)*) => {
        /// One meeting as stored: a field per column of `meetings`, in table order.
        #[derive(Debug, Clone, sqlx::FromRow)]
        pub struct MeetingRecord {
            $($(#[$a])* pub $col: $ty,)*
        }

        impl MeetingRecord {
            /// The columns, in field order.
            pub const COLUMNS: &'static [&'static str] = &[$(stringify!($col)),*];

            /// The values of [`Self::COLUMNS`], for a bulk insert.
            pub(crate) fn values(&self) -> Vec<crate::platform::bulk::Val> {
                vec![$(crate::platform::bulk::Val::from(self.$col.clone())),*]
            }
        }
    };
}

meeting_columns!(meeting_record);

/// One meeting as read: the stored row with its org's name and kind.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MeetingRow {
    #[sqlx(flatten)]
    pub record: MeetingRecord,
    pub org_name: String,
    pub org_kind: String,
}

impl std::ops::Deref for MeetingRow {
    type Target = MeetingRecord;
    fn deref(&self) -> &MeetingRecord {
        &self.record
    }
}

impl MeetingRow {
    pub fn meeting_type(&self) -> MeetingType {
        self.meeting_type
    }
    pub fn held_on_date(&self) -> Option<NaiveDate> {
        self.held_on.as_deref().and_then(parse_date)
    }
    pub fn is_held(&self) -> bool {
        self.status == MeetingStatus::Held
    }
    pub fn is_cancelled(&self) -> bool {
        self.status == MeetingStatus::Cancelled
    }
    /// The day it counts for: held, else planned.
    pub fn day(&self) -> Option<NaiveDate> {
        self.held_on_date().or_else(|| self.planned_at.map(china_date))
    }
    /// `2026年3月5日 党课：学习党章`.
    pub fn title(&self) -> String {
        let day = self.day().map(zh_date).unwrap_or_default();
        let t = self.meeting_type().label();
        if self.topic.trim().is_empty() { format!("{day} {t}") } else { format!("{day} {t}：{}", self.topic.trim()) }
    }
    /// Whether QR sign-in is open at `now_ms`.
    pub fn signin_open(&self, now_ms: i64) -> bool {
        self.signin_secret.is_some() && self.signin_expires_at.is_some_and(|e| e > now_ms)
    }
}

/// One line of a meeting list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MeetingSummary {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub meeting_type: String,
    pub type_label: &'static str,
    pub status: String,
    pub status_label: &'static str,
    pub title: String,
    pub planned_at: Option<i64>,
    pub planned_at_text: Option<String>,
    pub held_at: Option<i64>,
    pub held_at_text: Option<String>,
    pub held_on: Option<String>,
    pub place: String,
    pub lecturer: String,
    pub topic: String,
    pub is_secretary_lecture: bool,
    pub expected_count: i64,
    pub present_count: i64,
    pub excused_count: i64,
    pub absent_count: i64,
    pub signin_open: bool,
    pub signin_expires_at: Option<i64>,
}

impl MeetingRow {
    pub fn summary(&self, now_ms: i64) -> MeetingSummary {
        let open = self.signin_open(now_ms);
        MeetingSummary {
            id: self.id,
            org_id: self.org_id,
            org_name: self.org_name.clone(),
            meeting_type: self.meeting_type.code().to_string(),
            type_label: self.meeting_type().label(),
            status: self.status.code().to_string(),
            status_label: self.status.label(),
            title: self.title(),
            planned_at: self.planned_at,
            planned_at_text: self.planned_at.map(china_time_text),
            held_at: self.held_at,
            held_at_text: self.held_at.map(china_time_text),
            held_on: self.held_on.clone(),
            place: self.place.clone(),
            lecturer: self.lecturer.clone(),
            topic: self.topic.clone(),
            is_secretary_lecture: self.is_secretary_lecture,
            expected_count: self.expected_count,
            present_count: self.present_count,
            excused_count: self.excused_count,
            absent_count: self.absent_count,
            signin_open: open,
            signin_expires_at: if open { self.signin_expires_at } else { None },
        }
    }
}

/// A meeting record (记实) with every field.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MeetingView {
    #[serde(flatten)]
    pub summary: MeetingSummary,
    pub host: String,
    pub recorder: String,
    pub content: String,
    pub minutes: String,
    pub recorded_at: i64,
    pub version: i64,
    /// `allowed` (可直接更正) or `needs_approval` (需上级党组织批准).
    pub correction: &'static str,
    pub correction_label: &'static str,
    /// The last day the record may be corrected without approval.
    pub correctable_until: Option<String>,
}

/// One person at a meeting.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AttendanceView {
    pub member_id: i64,
    pub name: Option<String>,
    /// `pending` (未登记), `present`, `excused`, `absent`, `observer`.
    pub attendance: String,
    #[sqlx(skip)]
    pub attendance_label: &'static str,
    pub reason: String,
    pub signed_at: Option<i64>,
    /// On the roll (应到), as opposed to 列席.
    #[sqlx(skip)]
    pub expected: bool,
}

/// A decision (表决) of a 支部党员大会.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct DecisionView {
    pub id: i64,
    pub title: String,
    /// 应到会有表决权党员.
    pub entitled: i64,
    /// 实到有表决权党员.
    pub present_voters: i64,
    pub votes_for: i64,
    pub votes_against: i64,
    pub votes_abstain: i64,
    pub passed: bool,
    pub created_at: i64,
    /// What it decides about a person (`admit`, `confirm`, …), or empty.
    pub subject_kind: String,
    /// The person's file it is about.
    pub subject_id: Option<i64>,
}

/// The meeting page: the record, who attended, decisions, attachments, corrections.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MeetingDetail {
    #[serde(flatten)]
    pub meeting: MeetingView,
    pub attendance: Vec<AttendanceView>,
    pub decisions: Vec<DecisionView>,
    pub attachments: Vec<super::AttachmentView>,
    pub corrections: Vec<super::CorrectionView>,
    /// `/s/{meeting}/{token}` while sign-in is open, for those who may run it.
    pub signin_path: Option<String>,
}

/// Meeting list filters; empty values do not filter.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[serde(default)]
pub struct MeetingFilter {
    pub year: Option<i32>,
    /// 1–12, with `year` (default: this year).
    pub month: Option<u32>,
    /// Code or label.
    pub meeting_type: String,
    /// `planned`, `held`, `cancelled`.
    pub status: String,
}

/// Meetings newest first (by when held, else when planned).
const MEETING_ORDER: SortKey = SortKey { columns: &["COALESCE(m.held_at, m.planned_at, 0)", "m.id"], descending: true };

impl MeetingRow {
    fn sort_key(&self) -> Vec<KeyPart> {
        vec![self.held_at.or(self.planned_at).unwrap_or(0).into(), self.id.into()]
    }
}

/// A stored record's fields, as the domain validates them.
fn record_of(r: &MeetingRow) -> Record {
    Record {
        meeting_type: r.meeting_type(),
        planned_at: r.planned_at,
        held_at: r.held_at,
        place: r.place.clone(),
        host: r.host.clone(),
        recorder: r.recorder.clone(),
        lecturer: r.lecturer.clone(),
        topic: r.topic.clone(),
        content: r.content.clone(),
        minutes: r.minutes.clone(),
        is_secretary_lecture: r.is_secretary_lecture,
    }
}

/// What one edit did.
#[derive(Default)]
pub(crate) struct Applied {
    pub changes: Vec<String>,
    pub members: BTreeSet<i64>,
    pub decisions: Vec<DecisionView>,
    /// A planned meeting got its actual time: it is now recorded.
    pub recorded: bool,
    pub fields_changed: bool,
}

pub(crate) async fn fetch_meeting_tx(tx: &mut Tx, region_id: i64, id: i64) -> StoreResult<MeetingRow> {
    let row: Option<MeetingRow> = crate::on_tx!(tx, c => sqlx::query_as(concat!("SELECT ", meeting_cols!(), meeting_from!(),
        " WHERE m.region_id = $1 AND m.id = $2"))
        .bind(region_id).bind(id).fetch_optional(c).await)?;
    row.ok_or(StoreError::NotFound)
}

async fn roll_map(tx: &mut Tx, region_id: i64, meeting_id: i64) -> StoreResult<HashMap<i64, String>> {
    let rows: Vec<(i64, String)> = crate::on_tx!(tx, c => sqlx::query_as(
        "SELECT member_id, attendance FROM meeting_attendance WHERE region_id = $1 AND meeting_id = $2")
        .bind(region_id).bind(meeting_id).fetch_all(c).await)?;
    Ok(rows.into_iter().collect())
}

/// The names of members by id within the path range `[lo, hi)`, for messages that
/// name the member (`current_only: false`, archived ones too) or to check who may be on
/// a roll (`current_only: true`); members outside the range are left out (never named).
pub(crate) async fn member_names(
    tx: &mut Tx,
    region_id: i64,
    ids: &[i64],
    lo: &str,
    hi: &str,
    current_only: bool,
) -> StoreResult<BTreeMap<i64, String>> {
    let mut out = BTreeMap::new();
    let ids: Vec<i64> = ids.iter().copied().collect::<BTreeSet<_>>().into_iter().collect();
    for chunk in ids.chunks(ID_CHUNK) {
        let rows: Vec<(i64, String)> = crate::on_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new("SELECT id, name FROM members WHERE region_id = ");
            qb.push_bind(region_id);
            if current_only {
                qb.push(" AND archived = FALSE");
            }
            qb.push(" AND org_path >= ").push_bind(lo.to_string());
            qb.push(" AND org_path < ").push_bind(hi.to_string());
            qb.push(" AND id IN (");
            let mut sep = qb.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            sep.push_unseparated(")");
            qb.build_query_as().fetch_all(c).await
        })?;
        out.extend(rows);
    }
    Ok(out)
}

/// The ids among `ids` that are current members placed within `[lo, hi)`.
async fn current_members_within(tx: &mut Tx, region_id: i64, ids: &[i64], lo: &str, hi: &str) -> StoreResult<BTreeSet<i64>> {
    Ok(member_names(tx, region_id, ids, lo, hi, true).await?.into_keys().collect())
}

async fn insert_attendance(tx: &mut Tx, m: &MeetingRow, member_id: i64, attendance: &str, reason: &str) -> StoreResult<()> {
    crate::exec_tx!(tx, c => sqlx::query(
        "INSERT INTO meeting_attendance (region_id, meeting_id, member_id, attendance, reason, held_on, meeting_type) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(m.region_id).bind(m.id).bind(member_id).bind(attendance).bind(reason).bind(&m.held_on).bind(m.meeting_type.code())
        .execute(c).await)?;
    Ok(())
}

/// Refreshes the counters on the meeting row and bumps its version.
pub(crate) async fn finish_meeting(tx: &mut Tx, region_id: i64, meeting_id: i64, now: i64) -> StoreResult<()> {
    #[derive(sqlx::FromRow)]
    struct Counts {
        expected: i64,
        present: i64,
        excused: i64,
        absent: i64,
    }
    let n: Counts = crate::on_tx!(tx, c => sqlx::query_as(concat!(
        "SELECT CAST(COALESCE(SUM(CASE WHEN attendance <> 'observer' THEN 1 ELSE 0 END), 0) AS BIGINT) AS expected, ",
        "CAST(COALESCE(SUM(CASE WHEN attendance = 'present' THEN 1 ELSE 0 END), 0) AS BIGINT) AS present, ",
        "CAST(COALESCE(SUM(CASE WHEN attendance = 'excused' THEN 1 ELSE 0 END), 0) AS BIGINT) AS excused, ",
        "CAST(COALESCE(SUM(CASE WHEN attendance = 'absent' THEN 1 ELSE 0 END), 0) AS BIGINT) AS absent ",
        "FROM meeting_attendance WHERE region_id = $1 AND meeting_id = $2"))
        .bind(region_id).bind(meeting_id).fetch_one(c).await)?;
    crate::exec_tx!(tx, c => sqlx::query(
        "UPDATE meetings SET expected_count = $1, present_count = $2, excused_count = $3, absent_count = $4, version = version + 1, updated_at = $5 \
         WHERE region_id = $6 AND id = $7")
        .bind(n.expected).bind(n.present).bind(n.excused).bind(n.absent).bind(now).bind(region_id).bind(meeting_id)
        .execute(c).await)?;
    Ok(())
}

/// Every member with a row at the meeting (roll and observers).
pub(crate) async fn attendee_ids(tx: &mut Tx, region_id: i64, meeting_id: i64) -> StoreResult<Vec<i64>> {
    Ok(
        crate::on_tx!(tx, c => sqlx::query_scalar("SELECT member_id FROM meeting_attendance WHERE region_id = $1 AND meeting_id = $2")
        .bind(region_id).bind(meeting_id).fetch_all(c).await)?,
    )
}

/// Publishes a meeting's attendance as it now stands ([`Change::AttendanceRecorded`]) inside
/// the writing transaction: everyone marked 出席 of a held meeting (nobody otherwise).
pub(crate) async fn publish_attendance(tx: &mut Tx, db: &crate::Db, region_id: i64, meeting_id: i64) -> StoreResult<()> {
    let m: Option<(String, String, Option<String>)> = crate::on_tx!(tx, c => sqlx::query_as(
        "SELECT meeting_type, status, held_on FROM meetings WHERE region_id = $1 AND id = $2")
        .bind(region_id).bind(meeting_id).fetch_optional(c).await)?;
    let Some((kind, status, held_on)) = m else { return Ok(()) };
    let present: Vec<i64> = if status == MeetingStatus::Held.code() {
        crate::on_tx!(tx, c => sqlx::query_scalar(
            "SELECT member_id FROM meeting_attendance WHERE region_id = $1 AND meeting_id = $2 AND attendance = 'present' ORDER BY member_id")
            .bind(region_id).bind(meeting_id).fetch_all(c).await)?
    } else {
        Vec::new()
    };
    let held_on = held_on.as_deref().and_then(parse_iso_date);
    hooks::publish(tx, db, Change::AttendanceRecorded { region_id, meeting_id, kind, held_on, present }).await
}

/// Refuses edits to a cancelled meeting, and direct edits after the correction window.
pub(crate) fn ensure_directly_editable(db: &crate::Db, m: &MeetingRow) -> StoreResult<()> {
    if m.is_cancelled() {
        return Err(StoreError::conflict("meeting.cancelled", "该会议已取消，不能再修改"));
    }
    if let Some(held) = m.held_on_date() {
        let days = db.rules().orglife.correction_days;
        if correction(held, db.clock().today(), days) == Correction::NeedsApproval {
            return Err(StoreError::conflict(
                "meeting.correction_window",
                format!("会议召开已超过{days}天更正期，记录不能直接修改；请提交更正申请，经上级党组织批准后生效"),
            ));
        }
    }
    Ok(())
}

impl OrgLife<'_> {
    /// The path range of orgs whose meetings the caller may read.
    pub(crate) fn meeting_range(&self) -> (String, String) {
        self.scope.org_range()
    }

    /// One meeting within reach.
    pub async fn meeting_row(&self, id: i64) -> StoreResult<MeetingRow> {
        let (lo, hi) = self.meeting_range();
        let row: Option<MeetingRow> = crate::read!(self.db, c => sqlx::query_as(concat!("SELECT ", meeting_cols!(), meeting_from!(),
            " WHERE m.region_id = $1 AND m.id = $2 AND m.org_path >= $3 AND m.org_path < $4"))
            .bind(self.scope.region_id).bind(id).bind(&lo).bind(&hi).fetch_optional(c).await)?;
        row.ok_or(StoreError::NotFound)
    }

    /// The same inside a write transaction, confined to the writable subtree.
    pub(crate) async fn meeting_for_write(&self, tx: &mut Tx, id: i64) -> StoreResult<MeetingRow> {
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?;
        let hi = path::upper(root);
        let row: Option<MeetingRow> = crate::on_tx!(tx, c => sqlx::query_as(concat!("SELECT ", meeting_cols!(), meeting_from!(),
            " WHERE m.region_id = $1 AND m.id = $2 AND m.org_path >= $3 AND m.org_path < $4"))
            .bind(self.scope.region_id).bind(id).bind(root).bind(&hi).fetch_optional(c).await)?;
        row.ok_or(StoreError::NotFound)
    }

    pub(crate) fn meeting_view(&self, row: &MeetingRow) -> MeetingView {
        let days = self.db.rules().orglife.correction_days;
        let today = self.db.clock().today();
        let (state, until) = match row.held_on_date() {
            Some(h) => (correction(h, today, days), h.checked_add_days(chrono::Days::new(u64::from(days))).map(date_text)),
            None => (Correction::Allowed, None),
        };
        MeetingView {
            summary: row.summary(self.db.clock().now_ms()),
            host: row.host.clone(),
            recorder: row.recorder.clone(),
            content: row.content.clone(),
            minutes: row.minutes.clone(),
            recorded_at: row.recorded_at,
            version: row.version,
            correction: state.code(),
            correction_label: state.label(),
            correctable_until: until,
        }
    }

    /// Whether the caller runs meetings (records them, opens sign-in).
    pub(crate) fn may_run_meetings(&self) -> bool {
        self.scope.writable_root().is_some() && self.scope.role.grants(Permission::OrgWrite)
    }

    /// The meeting page. A member sees only their own attendance line.
    pub async fn meeting(&self, id: i64) -> StoreResult<MeetingDetail> {
        let row = self.meeting_row(id).await?;
        let own = match &self.scope.reach {
            Reach::OwnRecord { member_id, .. } => Some(*member_id),
            _ => None,
        };
        let mut attendance: Vec<AttendanceView> = crate::read!(self.db, c => sqlx::query_as(concat!(
            "SELECT a.member_id, mb.name, a.attendance, a.reason, a.signed_at FROM meeting_attendance a ",
            "LEFT JOIN members mb ON mb.region_id = a.region_id AND mb.id = a.member_id ",
            "WHERE a.region_id = $1 AND a.meeting_id = $2 AND ($3 < 0 OR a.member_id = $3) ",
            "ORDER BY CASE WHEN a.attendance = 'observer' THEN 1 ELSE 0 END, a.member_id"))
            .bind(row.region_id).bind(id).bind(own.unwrap_or(-1)).fetch_all(c).await)?;
        for a in &mut attendance {
            a.attendance_label = attendance_label(&a.attendance)?;
            a.expected = a.attendance != Attendance::Observer.code();
        }
        let decisions: Vec<DecisionView> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT id, title, entitled, present_voters, votes_for, votes_against, votes_abstain, passed, created_at, \
             subject_kind, subject_id FROM meeting_decisions WHERE region_id = $1 AND meeting_id = $2 ORDER BY created_at, id")
            .bind(row.region_id).bind(id).fetch_all(c).await)?;
        let attachments = self.attachments_of(&row).await?;
        // Correction requests name other people's attendance: for those who run meetings.
        let corrections = if own.is_none() { self.corrections_of(&row).await? } else { Vec::new() };
        let now = self.db.clock().now_ms();
        let signin_path = match (&row.signin_secret, row.signin_open(now) && self.may_run_meetings()) {
            (Some(secret), true) => Some(super::signin::signin_path(row.id, &String::from_utf8_lossy(secret))),
            _ => None,
        };
        Ok(MeetingDetail { meeting: self.meeting_view(&row), attendance, decisions, attachments, corrections, signin_path })
    }

    /// The meetings held (or planned) by the org `org_id` and its subtree, newest first.
    pub async fn list_meetings(&self, org_id: i64, f: &MeetingFilter, req: &PageRequest) -> StoreResult<Page<MeetingSummary>> {
        let org = self.scoped().orgs().org(org_id).await?;
        let (lo, hi) = match self.scope.reach {
            Reach::Subtree { .. } => (org.path.clone(), path::upper(&org.path)),
            _ => self.meeting_range(),
        };
        let meeting_type = match f.meeting_type.trim() {
            "" => None,
            t => Some(parse_type(t)?.code()),
        };
        let status = match f.status.trim() {
            "" => None,
            s if MeetingStatus::from_code(s).is_some() => Some(s.to_string()),
            _ => {
                return Err(StoreError::invalid(
                    "status",
                    "status.unknown",
                    "状态应为 planned（计划中）、held（已召开）或 cancelled（已取消）",
                ));
            }
        };
        let period = match (f.year, f.month) {
            (None, None) => None,
            (y, m) => {
                let year = y.unwrap_or_else(|| self.db.clock().today().year());
                let (from, to) = match m {
                    None => (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year + 1, 1, 1)),
                    Some(m) if (1..=12).contains(&m) => {
                        let from = NaiveDate::from_ymd_opt(year, m, 1);
                        (from, from.and_then(|d| d.checked_add_months(chrono::Months::new(1))))
                    }
                    Some(_) => return Err(StoreError::invalid("month", "month.range", "月份应为1至12")),
                };
                match (from, to) {
                    (Some(a), Some(b)) => Some((a, b)),
                    _ => return Err(StoreError::invalid("year", "year.range", "年份有误")),
                }
            }
        };
        let mut filters = Sql::new(" WHERE m.region_id = ");
        filters.bind(self.scope.region_id);
        filters.push(" AND m.org_path >= ").bind(lo.as_str()).push(" AND m.org_path < ").bind(hi.as_str());
        if let Some(t) = meeting_type {
            filters.push(" AND m.meeting_type = ").bind(t);
        }
        if let Some(s) = &status {
            filters.push(" AND m.status = ").bind(s.as_str());
        }
        if let Some((from, to)) = period {
            filters.push(" AND ((m.held_on >= ").bind(date_text(from)).push(" AND m.held_on < ").bind(date_text(to));
            filters.push(") OR (m.held_on IS NULL AND m.planned_at >= ").bind(china_midnight_ms(from));
            filters.push(" AND m.planned_at < ").bind(china_midnight_ms(to)).push("))");
        }
        let mut count = Sql::new("SELECT COUNT(*) FROM (SELECT 1 FROM meetings m");
        count.append(&filters).limit(COUNT_CAP + 1).push(") capped");
        let (total, lower_bound) = capped(count.fetch_i64(self.db).await?, COUNT_CAP);
        let offset = jump_offset(req)?;
        let mut sql = Sql::new(concat!("SELECT ", meeting_cols!(), meeting_from!()));
        sql.append(&filters).keyset(&MEETING_ORDER, req)?.order_limit(&MEETING_ORDER, req, offset);
        let rows: Vec<MeetingRow> = sql.fetch_all(self.db).await?;
        let now = self.db.clock().now_ms();
        Ok(finish(req, rows, total, lower_bound, MeetingRow::sort_key).map(|r| r.summary(now)))
    }

    /// Creates a meeting of an org within the writable subtree, with its expected
    /// attendees filled in from the org (unless `attendee_ids` names them): the whole
    /// branch, the group's members for a 党小组会, the secretary for a 支委会 (adjust
    /// with the roll), nobody for a committee's 专题学习研讨.
    pub async fn create_meeting(&self, org_id: i64, input: &MeetingInput) -> StoreResult<MeetingDetail> {
        let mut tx = self.db.begin().await?;
        // Reach first: outside it the org is not found, whatever the input (never 422).
        let org = self.scoped().orgs().org_for_write(&mut tx, org_id).await?;
        if org.is_dissolved() {
            return Err(StoreError::conflict("org.dissolved", "该党组织已撤销，不能再登记组织生活"));
        }
        let rec = Record::from_input(input)?;
        let today = self.db.clock().today();
        validate_record(&rec, org.kind(), org.has_committee, &org.name, today)?;
        let marked: Vec<i64> = input.attendance.iter().map(|m| m.member_id).collect();
        let names = member_names(&mut tx, org.region_id, &marked, &org.path, &path::upper(&org.path), false).await?;
        let marks = parse_marks(&input.attendance, &names)?;
        check_marks_for_state(&marks, rec.held_at.is_some(), &names)?;
        for d in &input.decisions {
            check_decision(d)?;
        }
        let id = ids::next();
        let now = self.db.clock().now_ms();
        let status = if rec.held_at.is_some() { MeetingStatus::Held } else { MeetingStatus::Planned };
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO meetings (region_id, id, org_id, org_path, meeting_type, status, planned_at, held_at, held_on, place, host, recorder, \
             lecturer, topic, content, minutes, is_secretary_lecture, recorded_at, version, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 1, $19, $18, $18)")
            .bind(org.region_id).bind(id).bind(org.id).bind(&org.path).bind(rec.meeting_type.code()).bind(status.code())
            .bind(rec.planned_at).bind(rec.held_at).bind(rec.held_on()).bind(&rec.place).bind(&rec.host).bind(&rec.recorder)
            .bind(&rec.lecturer).bind(&rec.topic).bind(&rec.content).bind(&rec.minutes).bind(rec.is_secretary_lecture)
            .bind(now).bind(self.scope.actor.account_id)
            .execute(c).await)?;
        let row = fetch_meeting_tx(&mut tx, org.region_id, id).await?;
        match &input.attendee_ids {
            Some(ids) => {
                self.replace_roll(&mut tx, &row, &org, ids).await?;
            }
            None => self.default_roll(&mut tx, &row, &org).await?,
        }
        self.apply_marks(&mut tx, &row, &marks, &names).await?;
        for d in &input.decisions {
            self.add_decision(&mut tx, &row, d).await?;
        }
        finish_meeting(&mut tx, org.region_id, id, now).await?;
        let members = attendee_ids(&mut tx, org.region_id, id).await?;
        let when = row.day().map(zh_date).unwrap_or_default();
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("meeting.create", format!("meeting:{id}")).detail(format!(
                "{} {} {}（{}）",
                org.name,
                when,
                rec.meeting_type.label(),
                status.label()
            )),
        )
        .await?;
        check::refresh_after_meeting(&mut tx, self.db, org.region_id, org.id, &members).await?;
        publish_attendance(&mut tx, self.db, org.region_id, id).await?;
        tx.commit().await?;
        self.meeting(id).await
    }

    /// Fills the roll from the org (see [`Scoped::create_meeting`]).
    async fn default_roll(&self, tx: &mut Tx, m: &MeetingRow, org: &OrgRow) -> StoreResult<()> {
        use MeetingType::*;
        let t = m.meeting_type();
        let kind = org.kind();
        if t == HeartTalk {
            return Ok(());
        }
        if t == BranchCommittee {
            if let Some(secretary) = org.secretary_member_id {
                crate::exec_tx!(tx, c => sqlx::query(
                    "INSERT INTO meeting_attendance (region_id, meeting_id, member_id, attendance, reason, held_on, meeting_type) \
                     SELECT region_id, $2, id, 'pending', '', $3, $4 FROM members WHERE region_id = $1 AND archived = FALSE AND id = $5")
                    .bind(m.region_id).bind(m.id).bind(&m.held_on).bind(m.meeting_type.code()).bind(secretary).execute(c).await)?;
            }
            return Ok(());
        }
        if kind == OrgKind::Group {
            crate::exec_tx!(tx, c => sqlx::query(
                "INSERT INTO meeting_attendance (region_id, meeting_id, member_id, attendance, reason, held_on, meeting_type) \
                 SELECT region_id, $2, id, 'pending', '', $3, $4 FROM members WHERE region_id = $1 AND archived = FALSE AND group_id = $5")
                .bind(m.region_id).bind(m.id).bind(&m.held_on).bind(m.meeting_type.code()).bind(org.id).execute(c).await)?;
        } else if kind.is_branch() {
            crate::exec_tx!(tx, c => sqlx::query(
                "INSERT INTO meeting_attendance (region_id, meeting_id, member_id, attendance, reason, held_on, meeting_type) \
                 SELECT region_id, $2, id, 'pending', '', $3, $4 FROM members WHERE region_id = $1 AND archived = FALSE AND org_id = $5")
                .bind(m.region_id).bind(m.id).bind(&m.held_on).bind(m.meeting_type.code()).bind(org.id).execute(c).await)?;
        }
        Ok(())
    }

    /// Replaces the roll with `ids` (current members of the org's subtree); observers
    /// named in it join the roll. Returns the members added and removed.
    async fn replace_roll(&self, tx: &mut Tx, m: &MeetingRow, org: &OrgRow, ids: &[i64]) -> StoreResult<(Vec<i64>, Vec<i64>)> {
        let wanted: BTreeSet<i64> = ids.iter().copied().collect();
        let list: Vec<i64> = wanted.iter().copied().collect();
        let found = current_members_within(tx, m.region_id, &list, &org.path, &path::upper(&org.path)).await?;
        let missing: Vec<String> = list.iter().filter(|id| !found.contains(id)).map(|id| id.to_string()).collect();
        if !missing.is_empty() {
            return Err(StoreError::invalid(
                "attendee_ids",
                "attendees.not_member",
                format!("应到人员应为“{}”（含下级）的在册党员，以下编号不符：{}", org.name, missing.join("、")),
            ));
        }
        let existing = roll_map(tx, m.region_id, m.id).await?;
        let mut added = Vec::new();
        let mut removed = Vec::new();
        for id in &list {
            match existing.get(id).map(String::as_str) {
                None => {
                    insert_attendance(tx, m, *id, PENDING, "").await?;
                    added.push(*id);
                }
                Some(a) if a == Attendance::Observer.code() => {
                    crate::exec_tx!(tx, c => sqlx::query(
                        "UPDATE meeting_attendance SET attendance = 'pending', reason = '' WHERE region_id = $1 AND meeting_id = $2 AND member_id = $3")
                        .bind(m.region_id).bind(m.id).bind(*id).execute(c).await)?;
                    added.push(*id);
                }
                Some(_) => {}
            }
        }
        for (id, a) in &existing {
            if a != Attendance::Observer.code() && !wanted.contains(id) {
                crate::exec_tx!(tx, c => sqlx::query("DELETE FROM meeting_attendance WHERE region_id = $1 AND meeting_id = $2 AND member_id = $3")
                    .bind(m.region_id).bind(m.id).bind(*id).execute(c).await)?;
                removed.push(*id);
            }
        }
        Ok((added, removed))
    }

    /// Applies attendance marks; returns the members marked.
    async fn apply_marks(
        &self,
        tx: &mut Tx,
        m: &MeetingRow,
        marks: &[(i64, Mark, String)],
        names: &BTreeMap<i64, String>,
    ) -> StoreResult<Vec<i64>> {
        if marks.is_empty() {
            return Ok(Vec::new());
        }
        let existing = roll_map(tx, m.region_id, m.id).await?;
        let observer = Attendance::Observer.code();
        // Observers not yet at the meeting must be current members within the caller's reach.
        let new_observers: Vec<i64> = marks
            .iter()
            .filter(|(id, mark, _)| *mark == Mark::Set(observer) && !existing.contains_key(id))
            .map(|(id, _, _)| *id)
            .collect();
        let reachable = match self.scope.writable_root() {
            Some(root) if !new_observers.is_empty() => {
                current_members_within(tx, m.region_id, &new_observers, root, &path::upper(root)).await?
            }
            _ => BTreeSet::new(),
        };
        let mut inv = Invalid::default();
        for (i, (id, mark, _)) in marks.iter().enumerate() {
            let who = names.get(id).cloned().unwrap_or_else(|| format!("第{}项", i + 1));
            let problem = match (existing.get(id).map(String::as_str), mark) {
                (Some(a), Mark::Set(x)) if a == observer && *x != observer => {
                    Some("该党员是列席人员，不在应到人员名单中；如应出席，请先将其加入应到人员")
                }
                (Some(a), Mark::Set(x)) if a != observer && *x == observer => Some("该党员在应到人员名单中，不能登记为列席"),
                (Some(a), Mark::Remove) if a != observer => Some("应到人员请通过调整应到人员名单移除"),
                (None, Mark::Set(x)) if *x != observer => Some("该党员不在本次会议的应到人员名单中；如需列席，请登记为列席"),
                (None, Mark::Set(_)) if !reachable.contains(id) => Some("列席人员应为您管辖范围内的在册党员"),
                _ => None,
            };
            if let Some(p) = problem {
                inv.push(FieldError::new("attendance", "attendance.roll", format!("{who}：{p}")));
            }
        }
        if !inv.is_empty() {
            return Err(StoreError::Invalid(inv));
        }
        let mut touched = Vec::new();
        for (id, mark, reason) in marks {
            match (existing.contains_key(id), mark) {
                (true, Mark::Remove) => {
                    crate::exec_tx!(tx, c => sqlx::query("DELETE FROM meeting_attendance WHERE region_id = $1 AND meeting_id = $2 AND member_id = $3")
                        .bind(m.region_id).bind(m.id).bind(*id).execute(c).await)?;
                }
                (false, Mark::Remove) => continue,
                (true, Mark::Set(a)) => {
                    crate::exec_tx!(tx, c => sqlx::query(
                        "UPDATE meeting_attendance SET attendance = $1, reason = $2 WHERE region_id = $3 AND meeting_id = $4 AND member_id = $5")
                        .bind(*a).bind(reason).bind(m.region_id).bind(m.id).bind(*id).execute(c).await)?;
                }
                (false, Mark::Set(a)) => insert_attendance(tx, m, *id, a, reason).await?,
            }
            touched.push(*id);
        }
        Ok(touched)
    }

    /// Records one decision of a held 支部党员大会, checking its quorum.
    async fn add_decision(&self, tx: &mut Tx, m: &MeetingRow, d: &DecisionInput) -> StoreResult<DecisionView> {
        check_decision(d)?;
        if m.meeting_type() != MeetingType::BranchAssembly {
            return Err(StoreError::conflict("decision.not_assembly", "只有支部党员大会才能作出表决"));
        }
        if !m.is_held() {
            return Err(StoreError::conflict("decision.not_held", "会议尚未召开（未填写实际召开时间），不能记录表决"));
        }
        let people: Vec<(String, String)> = crate::on_tx!(tx, c => sqlx::query_as(
            "SELECT mb.category, a.attendance FROM meeting_attendance a JOIN members mb ON mb.region_id = a.region_id AND mb.id = a.member_id \
             WHERE a.region_id = $1 AND a.meeting_id = $2 AND a.attendance <> 'observer'")
            .bind(m.region_id).bind(m.id).fetch_all(c).await)?;
        // Not yet recorded counts as not present; an unknown code fails the decision.
        let people: Vec<(Category, Attendance)> = people
            .iter()
            .map(|(c, a)| {
                let attendance = if a == PENDING {
                    Attendance::Absent
                } else {
                    decode("meeting_attendance.attendance", a, Attendance::from_code)?
                };
                Ok((decode("members.category", c, Category::from_code)?, attendance))
            })
            .collect::<StoreResult<_>>()?;
        let voting = people.iter().filter(|(c, _)| *c == Category::Formal).count() as u32;
        if d.excluded > voting {
            return Err(StoreError::invalid(
                "excluded",
                "excluded.too_many",
                format!("不计入应到会人数的党员（{}名）不能多于有表决权的党员（{voting}名）", d.excluded),
            ));
        }
        let roll = AssemblyRoll::from_attendance(people, d.excluded);
        let votes = Votes { in_favour: d.votes_for, against: d.votes_against, abstain: d.votes_abstain };
        let decision = decide(&roll, votes)
            .map_err(|inv| if inv.has("assembly.no_quorum") { super::as_conflict(inv) } else { StoreError::Invalid(inv) })?;
        let id = ids::next();
        let now = self.db.clock().now_ms();
        let view = DecisionView {
            id,
            title: d.title.trim().to_string(),
            entitled: i64::from(roll.entitled()),
            present_voters: i64::from(roll.present_voters),
            votes_for: i64::from(d.votes_for),
            votes_against: i64::from(d.votes_against),
            votes_abstain: i64::from(d.votes_abstain),
            passed: decision.passed,
            created_at: now,
            subject_kind: d.subject_kind.trim().to_string(),
            subject_id: d.subject_id,
        };
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO meeting_decisions (region_id, id, meeting_id, title, entitled, present_voters, votes_for, votes_against, votes_abstain, passed, created_at, \
             subject_kind, subject_id, months) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)")
            .bind(m.region_id).bind(id).bind(m.id).bind(&view.title).bind(view.entitled).bind(view.present_voters)
            .bind(view.votes_for).bind(view.votes_against).bind(view.votes_abstain).bind(view.passed).bind(now)
            .bind(&view.subject_kind).bind(view.subject_id).bind(d.months.map(i64::from))
            .execute(c).await)?;
        // A decision about a person drives that person's file (发展党员) in this transaction.
        if let (Some(subject_id), Some(held_on)) = (view.subject_id, m.held_on.as_deref().and_then(parse_iso_date)) {
            let change = Change::PersonDecided {
                region_id: m.region_id,
                org_id: m.org_id,
                decision_id: id,
                held_on,
                subject_kind: view.subject_kind.clone(),
                subject_id,
                months: d.months,
                passed: view.passed,
                by: self.scope.actor.account_id,
            };
            hooks::publish(tx, self.db, change).await?;
        }
        Ok(view)
    }

    /// Applies a patch to a meeting inside `tx` (no window check: the caller decides).
    pub(crate) async fn apply_patch(&self, tx: &mut Tx, row: &MeetingRow, patch: &MeetingPatch) -> StoreResult<Applied> {
        if row.is_cancelled() {
            return Err(StoreError::conflict("meeting.cancelled", "该会议已取消，不能再修改"));
        }
        let mut applied = Applied::default();
        let org = self.scoped().orgs().org_for_write(tx, row.org_id).await?;
        let marked: Vec<i64> = patch.attendance.iter().map(|m| m.member_id).collect();
        let root = self.scope.writable_root().unwrap_or(&org.path).to_string();
        let names = member_names(tx, row.region_id, &marked, &root, &path::upper(&root), false).await?;
        let marks = parse_marks(&patch.attendance, &names)?;
        for d in &patch.decisions {
            check_decision(d)?;
        }
        let now = self.db.clock().now_ms();
        let mut row = row.clone();
        if patch.touches_fields() {
            let old = record_of(&row);
            let new = old.overlay(patch)?;
            validate_record(&new, org.kind(), org.has_committee, &org.name, self.db.clock().today())?;
            let diff = old.diff(&new);
            if !diff.is_empty() {
                let became_held = !row.is_held() && new.held_at.is_some();
                let status = if new.held_at.is_some() { MeetingStatus::Held } else { row.status }.code();
                let recorded_at = if became_held { now } else { row.recorded_at };
                crate::exec_tx!(tx, c => sqlx::query(
                    "UPDATE meetings SET meeting_type = $1, status = $2, planned_at = $3, held_at = $4, held_on = $5, place = $6, host = $7, \
                     recorder = $8, lecturer = $9, topic = $10, content = $11, minutes = $12, is_secretary_lecture = $13, recorded_at = $14, \
                     updated_at = $15 WHERE region_id = $16 AND id = $17")
                    .bind(new.meeting_type.code()).bind(status).bind(new.planned_at).bind(new.held_at).bind(new.held_on())
                    .bind(&new.place).bind(&new.host).bind(&new.recorder).bind(&new.lecturer).bind(&new.topic).bind(&new.content)
                    .bind(&new.minutes).bind(new.is_secretary_lecture).bind(recorded_at).bind(now).bind(row.region_id).bind(row.id)
                    .execute(c).await)?;
                if new.held_on() != row.held_on || new.meeting_type != old.meeting_type {
                    crate::exec_tx!(tx, c => sqlx::query(
                        "UPDATE meeting_attendance SET held_on = $1, meeting_type = $2 WHERE region_id = $3 AND meeting_id = $4")
                        .bind(new.held_on()).bind(new.meeting_type.code()).bind(row.region_id).bind(row.id).execute(c).await)?;
                }
                applied.recorded = became_held;
                applied.fields_changed = true;
                applied.changes.extend(diff);
                row = fetch_meeting_tx(tx, row.region_id, row.id).await?;
            }
        }
        if let Some(ids) = &patch.attendee_ids {
            let (added, removed) = self.replace_roll(tx, &row, &org, ids).await?;
            if !added.is_empty() || !removed.is_empty() {
                applied.changes.push(format!("应到人员：增加{}人，减少{}人", added.len(), removed.len()));
            }
            applied.members.extend(added);
            applied.members.extend(removed);
        }
        check_marks_for_state(&marks, row.is_held(), &names)?;
        let touched = self.apply_marks(tx, &row, &marks, &names).await?;
        if !touched.is_empty() {
            applied.changes.push(format!("登记出席情况{}人", touched.len()));
        }
        applied.members.extend(touched);
        for d in &patch.decisions {
            let v = self.add_decision(tx, &row, d).await?;
            applied.changes.push(format!(
                "表决“{}”：{}（赞成{}、反对{}、弃权{}，应到{}、实到{}）",
                v.title,
                if v.passed { "通过" } else { "未通过" },
                v.votes_for,
                v.votes_against,
                v.votes_abstain,
                v.entitled,
                v.present_voters
            ));
            applied.decisions.push(v);
        }
        if applied.fields_changed {
            applied.members.extend(attendee_ids(tx, row.region_id, row.id).await?);
        }
        if !applied.changes.is_empty() {
            finish_meeting(tx, row.region_id, row.id, now).await?;
        }
        Ok(applied)
    }

    /// Edits a meeting record directly: a planned meeting at any time, a held one within
    /// the correction window (`rules.orglife.correction_days`, audited as
    /// `meeting.correct`); later, use [`Scoped::request_correction`].
    pub async fn update_meeting(&self, id: i64, patch: &MeetingPatch) -> StoreResult<MeetingDetail> {
        self.edit(id, patch).await.map(|_| ())?;
        self.meeting(id).await
    }

    async fn edit(&self, id: i64, patch: &MeetingPatch) -> StoreResult<Applied> {
        let mut tx = self.db.begin().await?;
        let row = self.meeting_for_write(&mut tx, id).await?;
        if patch.is_empty() {
            return Ok(Applied::default());
        }
        if let Some(v) = patch.version
            && v != row.version
        {
            return Err(StoreError::conflict("meeting.stale", "该会议记录已被他人修改，请刷新后重试"));
        }
        ensure_directly_editable(self.db, &row)?;
        let applied = self.apply_patch(&mut tx, &row, patch).await?;
        if applied.changes.is_empty() {
            return Ok(applied);
        }
        let action = if applied.recorded {
            "meeting.record"
        } else if row.is_held() && applied.fields_changed {
            "meeting.correct"
        } else if applied.fields_changed {
            "meeting.update"
        } else if !patch.decisions.is_empty() {
            "meeting.decision"
        } else if patch.attendee_ids.is_some() {
            "meeting.roll"
        } else {
            "meeting.attendance"
        };
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok(action, format!("meeting:{id}")).detail(applied.changes.join("；")),
        )
        .await?;
        let members: Vec<i64> = applied.members.iter().copied().collect();
        check::refresh_after_meeting(&mut tx, self.db, row.region_id, row.org_id, &members).await?;
        publish_attendance(&mut tx, self.db, row.region_id, row.id).await?;
        tx.commit().await?;
        Ok(applied)
    }

    /// Replaces the expected attendees (应到人员) — e.g. the members of a 支委会.
    pub async fn set_roll(&self, id: i64, member_ids: &[i64]) -> StoreResult<MeetingDetail> {
        self.update_meeting(id, &MeetingPatch { attendee_ids: Some(member_ids.to_vec()), ..Default::default() }).await
    }

    /// Marks attendance (出席, 请假 with a reason, 缺席, 列席).
    pub async fn mark_attendance(&self, id: i64, marks: &[AttendanceMark]) -> StoreResult<MeetingDetail> {
        self.update_meeting(id, &MeetingPatch { attendance: marks.to_vec(), ..Default::default() }).await
    }

    /// Records a decision of a held 支部党员大会; refused without a quorum.
    pub async fn record_decision(&self, id: i64, d: &DecisionInput) -> StoreResult<DecisionView> {
        let applied = self.edit(id, &MeetingPatch { decisions: vec![d.clone()], ..Default::default() }).await?;
        applied.decisions.into_iter().next().ok_or(StoreError::NotFound)
    }

    /// Cancels a planned meeting (a held one cannot be cancelled).
    pub async fn cancel_meeting(&self, id: i64) -> StoreResult<MeetingDetail> {
        let mut tx = self.db.begin().await?;
        let row = self.meeting_for_write(&mut tx, id).await?;
        if row.is_cancelled() {
            return Err(StoreError::conflict("meeting.cancelled", "该会议已取消"));
        }
        if row.is_held() {
            return Err(StoreError::conflict("meeting.held", "会议已召开，不能取消；如记录有误，请更正记录"));
        }
        let now = self.db.clock().now_ms();
        crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE meetings SET status = 'cancelled', signin_expires_at = NULL, signin_secret = NULL, version = version + 1, updated_at = $1 \
             WHERE region_id = $2 AND id = $3")
            .bind(now).bind(row.region_id).bind(id).execute(c).await)?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("meeting.cancel", format!("meeting:{id}")).detail(row.title()),
        )
        .await?;
        let members = attendee_ids(&mut tx, row.region_id, id).await?;
        check::refresh_after_meeting(&mut tx, self.db, row.region_id, row.org_id, &members).await?;
        publish_attendance(&mut tx, self.db, row.region_id, row.id).await?;
        tx.commit().await?;
        self.meeting(id).await
    }
}

/// The meetings of the coming `days` days as a bound range `[now, now + days)`.
pub(crate) fn upcoming_range(now_ms: i64, days: i64) -> (i64, i64) {
    (now_ms, now_ms + days * DAY_MS)
}
