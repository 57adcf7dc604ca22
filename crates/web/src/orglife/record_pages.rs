//! The recorder's pages of one meeting: a new record on its own page (only the chosen
//! type's fields), the attendance of everyone on one screen saved once, editing within
//! the correction window and a correction request after it, and the printable record
//! (会议记录) and ledger (台账) of a period.

use crate::AppState;
use crate::extract::{Ctx, Id, QueryParams};
use crate::shell::FormValues;
use crate::shell::{FormState, PageError, PageResult, Shell, field_errors, fmt_time, render, see_other};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use std::collections::HashMap;
use vanguard_domain::kernel::auth::Permission;
use vanguard_domain::kernel::paging::PageRequest;
use vanguard_domain::org::OrgKind;
use vanguard_domain::orglife::meeting::more_than_half;
use vanguard_domain::orglife::{Attendance, MeetingType};
use vanguard_store::StoreError;
use vanguard_store::org::OrgView;
use vanguard_store::orglife::{
    AttendanceMark, MeetingDetail, MeetingFilter, MeetingInput, MeetingPatch, MeetingSummary, allowed_types,
};

/// A store error as field errors plus a summary line for the top of the form, or a page
/// error.
fn problems(e: StoreError) -> Result<(HashMap<String, String>, String), PageError> {
    match e {
        StoreError::Invalid(inv) => {
            Ok((field_errors(&inv), inv.errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("；")))
        }
        StoreError::Conflict { message, .. } => Ok((HashMap::new(), message)),
        other => Err(other.into()),
    }
}

/// A time field of a form: empty is `None`; one that cannot be read is a field error.
fn form_time(v: &FormValues, key: &str, label: &str, errors: &mut HashMap<String, String>) -> Option<i64> {
    let text = v.get(key).map(|t| t.trim()).unwrap_or("");
    if text.is_empty() {
        return None;
    }
    let parsed = vanguard_domain::kernel::time::parse_china_datetime(text);
    if parsed.is_none() {
        errors.insert(key.to_string(), format!("{label}“{text}”无法识别，请按“2026-03-05 09:30”的格式填写"));
    }
    parsed
}

/// The China wall-clock text of an instant as a `datetime-local` input wants it.
fn input_time(ms: Option<i64>) -> String {
    ms.map(|t| fmt_time(t).replace(' ', "T").chars().take(16).collect()).unwrap_or_default()
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct NewMeetingQuery {
    #[serde(rename = "type")]
    pub meeting_type: String,
}

#[derive(Template)]
#[template(path = "orglife/new.html")]
struct NewPage {
    shell: Shell,
    org: OrgView,
    types: Vec<(&'static str, &'static str)>,
    chosen: MeetingType,
    form: FormState,
    summary: String,
    /// 支部党员大会: members with a vote (正式党员) and the quorum.
    voters: i64,
    quorum: u32,
}

impl NewPage {
    fn is(&self, code: &str) -> bool {
        self.chosen.code() == code
    }
}

async fn new_page(state: &AppState, ctx: &Ctx, org_id: i64, chosen: &str, form: FormState, summary: String) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    let org = scoped.orgs().org_view(org_id).await?;
    let row = scoped.orgs().org(org_id).await?;
    let kind = OrgKind::from_code(&org.kind).unwrap_or(OrgKind::Branch);
    let allowed = allowed_types(kind, row.has_committee);
    let chosen = MeetingType::parse(chosen).filter(|t| allowed.contains(t)).or_else(|| allowed.first().copied());
    let Some(chosen) = chosen else {
        return Err(
            crate::error::ApiError::new(StatusCode::CONFLICT, "meeting_type.none", "该党组织没有需要登记的组织生活").into()
        );
    };
    let voters = org.counts.formal;
    let quorum = more_than_half(u32::try_from(voters).unwrap_or(0));
    let shell = Shell::new(state, ctx, "org").await;
    let failed = !summary.is_empty();
    let types = allowed.iter().map(|t| (t.code(), t.label())).collect();
    let mut res = render(&NewPage { shell, org, types, chosen, form, summary, voters, quorum });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// `/orgs/{id}/meetings/new?type=theme_day`: the type's own form.
pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    QueryParams(q): QueryParams<NewMeetingQuery>,
) -> PageResult {
    new_page(&state, &ctx, id, &q.meeting_type, FormState::default(), String::new()).await
}

pub async fn new_submit(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(v): Form<FormValues>) -> PageResult {
    let g = |k: &str| v.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    let mut errors = HashMap::new();
    let planned_at = form_time(&v, "planned_at", "计划时间", &mut errors);
    let held_at = form_time(&v, "held_at", "召开时间", &mut errors);
    let chosen = g("meeting_type");
    if !errors.is_empty() {
        let summary = errors.values().cloned().collect::<Vec<_>>().join("；");
        return new_page(&state, &ctx, id, &chosen, FormState::with_errors(v, errors), summary).await;
    }
    let lecture = MeetingType::parse(&chosen) == Some(MeetingType::PartyLecture);
    let input = MeetingInput {
        meeting_type: chosen.clone(),
        planned_at,
        held_at,
        place: g("place"),
        host: g("host"),
        recorder: g("recorder"),
        lecturer: if lecture { g("lecturer") } else { String::new() },
        topic: g("topic"),
        content: g("content"),
        minutes: g("minutes"),
        is_secretary_lecture: lecture && v.contains_key("is_secretary_lecture"),
        ..Default::default()
    };
    match ctx.scoped(&state.db).orglife().create_meeting(id, &input).await {
        // A held meeting goes on to its attendance; a planned one to its record.
        Ok(m) if m.meeting.summary.held_at.is_some() => {
            Ok(see_other(&format!("/meetings/{}/attendance?done=meeting", m.meeting.summary.id)))
        }
        Ok(m) => Ok(see_other(&format!("/meetings/{}?done=created", m.meeting.summary.id))),
        Err(e) => {
            let (errors, summary) = problems(e)?;
            new_page(&state, &ctx, id, &chosen, FormState::with_errors(v, errors), summary).await
        }
    }
}

/// One person's line of the attendance screen.
pub struct AttRow {
    pub member_id: i64,
    pub name: String,
    /// The choice shown: the current mark, or 出席 for someone not yet marked at a held
    /// meeting.
    pub choice: String,
    pub reason: String,
    pub observer: bool,
    /// When the member scanned the QR code, if they did.
    pub signed_text: Option<String>,
    /// Scanned, but the recorder marked 请假/缺席: shown for the recorder to settle.
    pub conflict: bool,
}

#[derive(Template)]
#[template(path = "orglife/attendance.html")]
struct AttendancePage {
    shell: Shell,
    d: MeetingDetail,
    rows: Vec<AttRow>,
    held: bool,
    options: Vec<(&'static str, &'static str)>,
    error: String,
}

fn attendance_rows(d: &MeetingDetail, typed: Option<&FormValues>) -> Vec<AttRow> {
    let held = d.meeting.summary.held_at.is_some();
    d.attendance
        .iter()
        .map(|a| {
            let observer = a.attendance == Attendance::Observer.code();
            let default = if held && a.attendance == "pending" { Attendance::Present.code() } else { a.attendance.as_str() };
            let choice = typed.and_then(|v| v.get(&format!("a_{}", a.member_id)).cloned()).unwrap_or_else(|| default.to_string());
            let reason = typed.and_then(|v| v.get(&format!("r_{}", a.member_id)).cloned()).unwrap_or_else(|| a.reason.clone());
            let conflict = a.signed_at.is_some()
                && (a.attendance == Attendance::Excused.code() || a.attendance == Attendance::Absent.code());
            AttRow {
                member_id: a.member_id,
                name: a.name.clone().unwrap_or_default(),
                choice,
                reason,
                observer,
                signed_text: a.signed_at.map(fmt_time),
                conflict,
            }
        })
        .collect()
}

async fn attendance_page(state: &AppState, ctx: &Ctx, id: i64, typed: Option<&FormValues>, error: String) -> PageResult {
    let d = ctx.scoped(&state.db).orglife().meeting(id).await?;
    let held = d.meeting.summary.held_at.is_some();
    let options = if held {
        [Attendance::Present, Attendance::Excused, Attendance::Absent].iter().map(|a| (a.code(), a.label())).collect()
    } else {
        vec![("pending", "未登记"), (Attendance::Excused.code(), Attendance::Excused.label())]
    };
    let rows = attendance_rows(&d, typed);
    let shell = Shell::new(state, ctx, "org").await;
    let failed = !error.is_empty();
    let mut res = render(&AttendancePage { shell, d, rows, held, options, error });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// Everyone on the roll on one screen; at a held meeting 出席 is preselected for those
/// not yet marked.
pub async fn attendance_form(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    attendance_page(&state, &ctx, id, None, String::new()).await
}

/// Saves every changed line at once (`a_{member}` the mark, `r_{member}` the reason).
pub async fn attendance_submit(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(v): Form<FormValues>) -> PageResult {
    let d = ctx.scoped(&state.db).orglife().meeting(id).await?;
    let marks: Vec<AttendanceMark> = d
        .attendance
        .iter()
        .filter_map(|a| {
            let choice = v.get(&format!("a_{}", a.member_id))?.trim().to_string();
            let reason = v.get(&format!("r_{}", a.member_id)).map(|r| r.trim().to_string()).unwrap_or_default();
            let reason = if choice == Attendance::Excused.code() { reason } else { String::new() };
            (choice != a.attendance || reason != a.reason).then_some(AttendanceMark {
                member_id: a.member_id,
                attendance: choice,
                reason,
            })
        })
        .collect();
    if marks.is_empty() {
        return Ok(see_other(&format!("/meetings/{id}?done=attendance")));
    }
    match ctx.scoped(&state.db).orglife().mark_attendance(id, &marks).await {
        Ok(_) => Ok(see_other(&format!("/meetings/{id}?done=attendance"))),
        Err(e) => {
            let (_, summary) = problems(e)?;
            attendance_page(&state, &ctx, id, Some(&v), summary).await
        }
    }
}

#[derive(Template)]
#[template(path = "orglife/edit.html")]
struct EditPage {
    shell: Shell,
    d: MeetingDetail,
    /// Within the correction window (or not yet held): edit directly; else request.
    direct: bool,
    form: FormState,
    summary: String,
    lecture: bool,
}

fn record_values(d: &MeetingDetail) -> FormValues {
    let m = &d.meeting;
    FormValues::from([
        ("held_at".to_string(), input_time(m.summary.held_at)),
        ("planned_at".to_string(), input_time(m.summary.planned_at)),
        ("place".to_string(), m.summary.place.clone()),
        ("host".to_string(), m.host.clone()),
        ("recorder".to_string(), m.recorder.clone()),
        ("lecturer".to_string(), m.summary.lecturer.clone()),
        ("topic".to_string(), m.summary.topic.clone()),
        ("content".to_string(), m.content.clone()),
        ("minutes".to_string(), m.minutes.clone()),
        ("version".to_string(), m.version.to_string()),
    ])
}

async fn edit_page(state: &AppState, ctx: &Ctx, id: i64, form: Option<FormState>, summary: String) -> PageResult {
    let d = ctx.scoped(&state.db).orglife().meeting(id).await?;
    let direct = d.meeting.correction != "needs_approval";
    let lecture = d.meeting.summary.meeting_type == MeetingType::PartyLecture.code();
    let form = form.unwrap_or_else(|| FormState::new(record_values(&d)));
    let shell = Shell::new(state, ctx, "org").await;
    let failed = !summary.is_empty();
    let mut res = render(&EditPage { shell, d, direct, form, summary, lecture });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn edit_form(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    edit_page(&state, &ctx, id, None, String::new()).await
}

/// The fields the form changed, as a patch (untouched fields stay absent).
fn patch_of(d: &MeetingDetail, v: &FormValues, errors: &mut HashMap<String, String>) -> MeetingPatch {
    let old = record_values(d);
    let changed = |k: &str| -> Option<String> {
        let new = v.get(k).map(|s| s.trim().to_string())?;
        (old.get(k).map(String::as_str).unwrap_or("") != new).then_some(new)
    };
    let held_at = changed("held_at").and_then(|_| form_time(v, "held_at", "召开时间", errors));
    let planned_at = changed("planned_at").and_then(|_| form_time(v, "planned_at", "计划时间", errors));
    MeetingPatch {
        version: v.get("version").and_then(|s| s.parse().ok()),
        held_at,
        planned_at,
        place: changed("place"),
        host: changed("host"),
        recorder: changed("recorder"),
        lecturer: changed("lecturer"),
        topic: changed("topic"),
        content: changed("content"),
        minutes: changed("minutes"),
        ..Default::default()
    }
}

pub async fn edit_submit(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(v): Form<FormValues>) -> PageResult {
    let d = ctx.scoped(&state.db).orglife().meeting(id).await?;
    let mut errors = HashMap::new();
    let patch = patch_of(&d, &v, &mut errors);
    if !errors.is_empty() {
        let summary = errors.values().cloned().collect::<Vec<_>>().join("；");
        return edit_page(&state, &ctx, id, Some(FormState::with_errors(v, errors)), summary).await;
    }
    match ctx.scoped(&state.db).orglife().update_meeting(id, &patch).await {
        Ok(_) => Ok(see_other(&format!("/meetings/{id}?done=saved"))),
        Err(e) => {
            let (errors, summary) = problems(e)?;
            edit_page(&state, &ctx, id, Some(FormState::with_errors(v, errors)), summary).await
        }
    }
}

/// After the correction window: the same form with a reason, sent to the parent.
pub async fn correction_submit(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(v): Form<FormValues>) -> PageResult {
    let d = ctx.scoped(&state.db).orglife().meeting(id).await?;
    let mut errors = HashMap::new();
    let patch = patch_of(&d, &v, &mut errors);
    if !errors.is_empty() {
        let summary = errors.values().cloned().collect::<Vec<_>>().join("；");
        return edit_page(&state, &ctx, id, Some(FormState::with_errors(v, errors)), summary).await;
    }
    let reason = v.get("reason").cloned().unwrap_or_default();
    match ctx.scoped(&state.db).orglife().request_correction(id, &reason, &patch).await {
        Ok(_) => Ok(see_other(&format!("/meetings/{id}?done=correction"))),
        Err(e) => {
            let (errors, summary) = problems(e)?;
            edit_page(&state, &ctx, id, Some(FormState::with_errors(v, errors)), summary).await
        }
    }
}

#[derive(Template)]
#[template(path = "orglife/print.html")]
struct PrintPage {
    d: MeetingDetail,
    recorded_at: String,
}

impl PrintPage {
    fn time(&self, ms: &i64) -> String {
        fmt_time(*ms)
    }
}

/// The record as it is printed for inspection (会议记录).
pub async fn print(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    let d = ctx.scoped(&state.db).orglife().meeting(id).await?;
    let recorded_at = fmt_time(d.meeting.recorded_at);
    Ok(render(&PrintPage { d, recorded_at }))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct LedgerQuery {
    pub year: String,
    pub month: String,
}

#[derive(Template)]
#[template(path = "orglife/ledger.html")]
struct LedgerPage {
    shell: Shell,
    org: OrgView,
    year: i32,
    month: Option<u32>,
    years: Vec<i32>,
    /// 1–12 with whether it is the one shown.
    months: Vec<(u32, bool)>,
    meetings: Vec<MeetingSummary>,
    totals: (i64, i64, i64, i64),
}

/// The ledger (台账) of a month or a year: every meeting with its attendance, printable.
pub async fn ledger(State(state): State<AppState>, ctx: Ctx, Id(id): Id, QueryParams(q): QueryParams<LedgerQuery>) -> PageResult {
    let this_year = chrono::Datelike::year(&state.db.clock().today());
    let year = q.year.trim().parse().ok().filter(|y| (1921..=this_year + 1).contains(y)).unwrap_or(this_year);
    let month = q.month.trim().parse().ok().filter(|m| (1..=12).contains(m));
    let scoped = ctx.scoped(&state.db);
    let org = scoped.orgs().org_view(id).await?;
    let filter = MeetingFilter { year: Some(year), month, ..Default::default() };
    let page = scoped.orglife().list_meetings(id, &filter, &PageRequest::first(200)).await?;
    let mut meetings: Vec<MeetingSummary> = page.items.into_iter().filter(|m| m.status != "cancelled").collect();
    meetings.reverse();
    let totals = meetings
        .iter()
        .fold((0, 0, 0, 0), |t, m| (t.0 + m.expected_count, t.1 + m.present_count, t.2 + m.excused_count, t.3 + m.absent_count));
    let shell = Shell::new(&state, &ctx, "org").await;
    let years = ((this_year - 4)..=this_year).rev().collect();
    let months = (1..=12).map(|m| (m, month == Some(m))).collect();
    Ok(render(&LedgerPage { shell, org, year, month, years, months, meetings, totals }))
}

/// Whether the caller may record (the pages show the recorder's actions).
pub fn can_write(ctx: &Ctx) -> bool {
    ctx.0.scope.role.grants(Permission::OrgWrite)
}
