//! 组织生活 pages: an org's meetings, the record (记实) of one meeting with attendance,
//! sign-in QR, decisions and attachments; the member's sign-in page; the annual plan of
//! 固定组织生活日 and a parent's overview of its branches' plans.

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Ctx, Id, Paged, QueryParams, YearParams};
use crate::shell::FormValues;
use crate::shell::{PageError, PageResult, Pager, Shell, fmt_time, render, see_other};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use vanguard_domain::kernel::auth::Permission;
use vanguard_domain::kernel::paging::{DEFAULT_LIMIT, Page, PageRequest};
use vanguard_domain::org::OrgKind;
use vanguard_domain::orglife::{MeetingType, PlanAction, PlanItem};
use vanguard_store::StoreError;
use vanguard_store::org::OrgView;
use vanguard_store::orglife::{
    DecisionInput, MeetingDetail, MeetingFilter, MeetingSummary, PlanOverview, PlanView, allowed_types,
};

#[derive(Template)]
#[template(path = "orglife/meetings.html")]
struct MeetingsPage {
    shell: Shell,
    org: OrgView,
    year: i32,
    page: Page<MeetingSummary>,
    types: Vec<(&'static str, &'static str)>,
    can_write: bool,
}

pub async fn meetings(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    QueryParams(q): QueryParams<YearParams>,
) -> PageResult {
    let year = q.or_this_year(&state.db);
    let scoped = ctx.scoped(&state.db);
    let org = scoped.orgs().org_view(id).await?;
    let row = scoped.orgs().org(id).await?;
    let page = scoped
        .orglife()
        .list_meetings(id, &MeetingFilter { year: Some(year), ..Default::default() }, &PageRequest::first(200))
        .await?;
    let kind = OrgKind::from_code(&org.kind).unwrap_or(OrgKind::Branch);
    let types = allowed_types(kind, row.has_committee).into_iter().map(|t| (t.code(), t.label())).collect();
    let shell = Shell::new(&state, &ctx, "org").await;
    Ok(render(&MeetingsPage { shell, org, year, page, types, can_write: ctx.0.scope.role.grants(Permission::OrgWrite) }))
}

/// A store error as a message to show on the page, or a page error.
fn message(e: StoreError) -> Result<String, PageError> {
    match e {
        StoreError::Invalid(inv) => Ok(inv.to_string()),
        StoreError::Conflict { message, .. } => Ok(message),
        other => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "orglife/meeting.html")]
struct MeetingPage {
    shell: Shell,
    d: MeetingDetail,
    can_write: bool,
    is_assembly: bool,
    error: Option<String>,
    /// The full address the QR code carries, while sign-in is open.
    signin_url: Option<String>,
    signin_expires: String,
    signed_in: usize,
    recorded_at: String,
    /// Who is 请假 or 缺席 although they scanned the code (the recorder settles it).
    conflicts: usize,
    leave: Vec<vanguard_store::orglife::LeaveView>,
    /// The leave requests' pages (`?cursor=…` on the meeting's address).
    pager: Pager,
}

impl MeetingPage {
    fn time(&self, ms: &i64) -> String {
        fmt_time(*ms)
    }
}

async fn meeting_page(state: &AppState, ctx: &Ctx, id: i64, error: Option<String>, headers: &HeaderMap) -> PageResult {
    meeting_page_at(state, ctx, id, error, headers, &PageRequest::first(DEFAULT_LIMIT)).await
}

/// The meeting page with the page `req` of its leave requests.
async fn meeting_page_at(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    error: Option<String>,
    headers: &HeaderMap,
    req: &PageRequest,
) -> PageResult {
    let d = ctx.scoped(&state.db).orglife().meeting(id).await?;
    let leave = ctx.scoped(&state.db).orglife().meeting_leave_requests(id, req).await?;
    let pager = Pager::new(&leave, &format!("/meetings/{id}"), &[]);
    let leave = leave.items;
    let shell = Shell::new(state, ctx, "org").await;
    let is_assembly = d.meeting.summary.meeting_type == MeetingType::BranchAssembly.code();
    let base = super::api::base_url(headers);
    let signin_url = d.signin_path.clone().filter(|_| d.meeting.summary.signin_open).map(|p| format!("{base}{p}"));
    let signin_expires = d.meeting.summary.signin_expires_at.map(fmt_time).unwrap_or_default();
    let signed_in = d.attendance.iter().filter(|a| a.signed_at.is_some()).count();
    let conflicts =
        d.attendance.iter().filter(|a| a.signed_at.is_some() && (a.attendance == "excused" || a.attendance == "absent")).count();
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let recorded_at = fmt_time(d.meeting.recorded_at);
    let mut res = render(&MeetingPage {
        shell,
        can_write: ctx.0.scope.role.grants(Permission::OrgWrite),
        is_assembly,
        error,
        signin_url,
        signin_expires,
        signed_in,
        recorded_at,
        conflicts,
        leave,
        pager,
        d,
    });
    *res.status_mut() = status;
    Ok(res)
}

pub async fn meeting(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Paged(req): Paged, headers: HeaderMap) -> PageResult {
    meeting_page_at(&state, &ctx, id, None, &headers, &req).await
}

pub async fn open_signin(State(state): State<AppState>, ctx: Ctx, Id(id): Id, headers: HeaderMap) -> PageResult {
    match ctx.scoped(&state.db).orglife().open_signin(id, None).await {
        Ok(_) => Ok(see_other(&format!("/meetings/{id}#signin"))),
        Err(e) => meeting_page(&state, &ctx, id, Some(message(e)?), &headers).await,
    }
}

pub async fn close_signin(State(state): State<AppState>, ctx: Ctx, Id(id): Id, headers: HeaderMap) -> PageResult {
    match ctx.scoped(&state.db).orglife().close_signin(id).await {
        Ok(()) => Ok(see_other(&format!("/meetings/{id}#signin"))),
        Err(e) => meeting_page(&state, &ctx, id, Some(message(e)?), &headers).await,
    }
}

/// Uploads a photo or PDF to a meeting record (multipart field `file`).
pub async fn attach(State(state): State<AppState>, ctx: Ctx, Id(id): Id, req: axum::extract::Request) -> PageResult {
    let headers = req.headers().clone();
    // Reach first: a meeting outside it is not found, whatever is uploaded.
    ctx.scoped(&state.db).orglife().meeting_row(id).await?;
    let (name, bytes, _reserved) =
        match crate::upload::read(&state.uploads_in_flight, req, crate::upload::Purpose::Attachment, None, None).await {
            Ok(up) => (up.name, up.bytes, up.reserved),
            Err(e) => return meeting_page(&state, &ctx, id, Some(e.message), &headers).await,
        };
    match ctx.scoped(&state.db).orglife().add_attachment(id, &name, &bytes).await {
        Ok(_) => Ok(see_other(&format!("/meetings/{id}#attachments"))),
        Err(e) => meeting_page(&state, &ctx, id, Some(message(e)?), &headers).await,
    }
}

pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    headers: HeaderMap,
    Form(v): Form<FormValues>,
) -> PageResult {
    let n = |k: &str| v.get(k).and_then(|s| s.trim().parse().ok()).unwrap_or(0);
    let d = DecisionInput {
        title: v.get("title").cloned().unwrap_or_default(),
        votes_for: n("votes_for"),
        votes_against: n("votes_against"),
        votes_abstain: n("votes_abstain"),
        excluded: n("excluded"),
        subject_kind: v.get("subject_kind").map(|s| s.trim().to_string()).unwrap_or_default(),
        subject_id: v.get("subject_id").and_then(|s| s.trim().parse().ok()),
        months: v.get("months").and_then(|s| s.trim().parse().ok()),
    };
    match ctx.scoped(&state.db).orglife().record_decision(id, &d).await {
        Ok(_) => Ok(see_other(&format!("/meetings/{id}?done=decision#decisions"))),
        Err(e) => meeting_page(&state, &ctx, id, Some(message(e)?), &headers).await,
    }
}

#[derive(Template)]
#[template(path = "orglife/signin.html")]
struct SigninPage {
    csrf: String,
    action: String,
    done: Option<String>,
    ok: bool,
    /// The meeting the code is for: “党支部 · 类型 · 时间 · 地点”.
    meeting: Option<MeetingSummary>,
}

/// The page a member reaches by scanning the QR code: a confirm button, so that a link
/// preview can never sign anyone in.
pub async fn signin_page(State(state): State<AppState>, ctx: Ctx, Path((id, token)): Path<(i64, String)>) -> PageResult {
    let meeting = ctx.scoped(&state.db).orglife().signin_meeting(id).await?;
    Ok(render(&SigninPage {
        csrf: ctx.0.csrf_token.clone(),
        action: format!("/s/{id}/{}", token_safe(&token)),
        done: None,
        ok: false,
        meeting: Some(meeting),
    }))
}

fn token_safe(t: &str) -> String {
    t.chars().filter(|c| c.is_ascii_alphanumeric()).take(128).collect()
}

pub async fn signin_submit(State(state): State<AppState>, ctx: Ctx, Path((id, token)): Path<(i64, String)>) -> PageResult {
    let action = format!("/s/{id}/{}", token_safe(&token));
    let csrf = ctx.0.csrf_token.clone();
    let meeting = ctx.scoped(&state.db).orglife().signin_meeting(id).await.ok();
    match ctx.scoped(&state.db).orglife().sign_in(id, &token).await {
        Ok(outcome) => Ok(render(&SigninPage { csrf, action, done: Some(outcome.message), ok: true, meeting })),
        Err(StoreError::NotFound) => Err(ApiError::not_found().into()),
        Err(e) => {
            let msg = message(e)?;
            let mut res = render(&SigninPage { csrf, action, done: Some(msg), ok: false, meeting });
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
    }
}

/// One month's line of the plan form.
pub struct PlanLine {
    pub month: u32,
    pub date: String,
    pub theme: String,
    pub form: String,
}

#[derive(Template)]
#[template(path = "orglife/plan.html")]
struct PlanPage {
    shell: Shell,
    org: OrgView,
    year: i32,
    plan: Option<PlanView>,
    lines: Vec<PlanLine>,
    editable: bool,
    can_act: Vec<&'static str>,
    error: Option<String>,
    deadline: String,
}

impl PlanPage {
    fn time(&self, ms: &i64) -> String {
        fmt_time(*ms)
    }
}

async fn plan_page(
    state: &AppState,
    ctx: &Ctx,
    org_id: i64,
    year: i32,
    error: Option<String>,
    typed: Option<Vec<PlanLine>>,
) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    let org = scoped.orgs().org_view(org_id).await?;
    let plan = scoped.orglife().plan(org_id, year).await?;
    let can_write = ctx.0.scope.role.grants(Permission::OrgWrite);
    let actions: Vec<&'static str> = plan.as_ref().map(|p| p.actions.clone()).unwrap_or_default();
    // The branch edits a new, draft or returned plan; a parent only acts on it.
    let own_branch = !ctx.0.scope.reach.may_restructure(&scoped.orgs().org(org_id).await?.path);
    let editable = can_write && own_branch && plan.as_ref().is_none_or(|p| p.state == "draft" || p.state == "returned");
    let lines = typed.unwrap_or_else(|| {
        (1..=12)
            .map(|m| {
                let item = plan.as_ref().and_then(|p| p.items.iter().find(|i| i.month == i64::from(m)));
                PlanLine {
                    month: m,
                    date: item.map(|i| i.date.clone()).unwrap_or_default(),
                    theme: item.map(|i| i.theme.clone()).unwrap_or_default(),
                    form: item.map(|i| i.form.clone()).unwrap_or_default(),
                }
            })
            .collect()
    });
    let deadline = vanguard_domain::orglife::deadline(year, &state.db.rules().orglife).to_string();
    let shell = Shell::new(state, ctx, "org").await;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let mut res = render(&PlanPage { shell, org, year, plan, lines, editable, can_act: actions, error, deadline });
    *res.status_mut() = status;
    Ok(res)
}

pub async fn plan(State(state): State<AppState>, ctx: Ctx, Id(id): Id, QueryParams(q): QueryParams<YearParams>) -> PageResult {
    let year = q.or_this_year(&state.db);
    plan_page(&state, &ctx, id, year, None, None).await
}

pub async fn save_plan(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(v): Form<FormValues>) -> PageResult {
    let year: i32 =
        v.get("year").and_then(|s| s.parse().ok()).unwrap_or_else(|| chrono::Datelike::year(&state.db.clock().today()));
    let version = v.get("version").and_then(|s| s.parse().ok());
    let g = |k: String| v.get(&k).map(|s| s.trim().to_string()).unwrap_or_default();
    let lines: Vec<PlanLine> = (1..=12u32)
        .map(|m| PlanLine {
            month: m,
            date: g(format!("date_{m}")),
            theme: g(format!("theme_{m}")),
            form: g(format!("form_{m}")),
        })
        .collect();
    let mut bad = Vec::new();
    let mut items = Vec::new();
    for l in &lines {
        if l.date.is_empty() && l.theme.is_empty() {
            continue;
        }
        match vanguard_domain::kernel::time::parse_iso_date(&l.date) {
            Some(date) => items.push(PlanItem { month: l.month, date, theme: l.theme.clone(), form: l.form.clone() }),
            None => bad.push(format!("{}月的日期应写成 YYYY-MM-DD", l.month)),
        }
    }
    if !bad.is_empty() {
        return plan_page(&state, &ctx, id, year, Some(bad.join("；")), Some(lines)).await;
    }
    let submit = v.contains_key("submit");
    let scoped = ctx.scoped(&state.db);
    let saved = scoped.orglife().save_plan(id, year, &items, version).await;
    let result = match saved {
        Ok(p) if submit => scoped.orglife().plan_action(p.id, &PlanAction::Submit).await,
        other => other,
    };
    match result {
        Ok(_) => {
            let done = if submit { "plan_submit" } else { "plan" };
            Ok(see_other(&format!("/orgs/{id}/plan?year={year}&done={done}")))
        }
        Err(e) => plan_page(&state, &ctx, id, year, Some(message(e)?), Some(lines)).await,
    }
}

pub async fn plan_action(State(state): State<AppState>, ctx: Ctx, Id(plan_id): Id, Form(v): Form<FormValues>) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    // Reach first: a plan outside it is not found, whatever the form says.
    let plan = scoped.orglife().plan_by_id(plan_id).await?;
    let action = match v.get("action").map(String::as_str) {
        Some("submit") => PlanAction::Submit,
        Some("acknowledge") => PlanAction::Acknowledge,
        Some("return") => PlanAction::Return { reason: v.get("reason").cloned().unwrap_or_default() },
        Some("publish") => PlanAction::Publish,
        Some("edit") => PlanAction::Edit,
        _ => return Err(ApiError::bad_request("plan.action", "未知的操作").into()),
    };
    match scoped.orglife().plan_action(plan_id, &action).await {
        Ok(p) => {
            let done = match action {
                PlanAction::Submit => "plan_submit",
                PlanAction::Acknowledge => "plan_acknowledge",
                PlanAction::Return { .. } => "plan_return",
                PlanAction::Publish => "plan_publish",
                PlanAction::Edit => "plan_edit",
            };
            Ok(see_other(&format!("/orgs/{}/plan?year={}&done={done}", p.org_id, p.year)))
        }
        Err(e) => plan_page(&state, &ctx, plan.org_id, plan.year, Some(message(e)?), None).await,
    }
}

#[derive(Template)]
#[template(path = "orglife/plans.html")]
struct PlansPage {
    shell: Shell,
    org: OrgView,
    o: PlanOverview,
}

pub async fn plans(State(state): State<AppState>, ctx: Ctx, Id(id): Id, QueryParams(q): QueryParams<YearParams>) -> PageResult {
    let year = q.or_this_year(&state.db);
    let scoped = ctx.scoped(&state.db);
    let org = scoped.orgs().org_view(id).await?;
    let o = scoped.orglife().plan_overview(id, year).await?;
    let shell = Shell::new(&state, &ctx, "org").await;
    Ok(render(&PlansPage { shell, org, o }))
}

/// Approves or declines a leave request (`decision` = `approve` | `reject`, `note`).
pub async fn decide_leave(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    headers: HeaderMap,
    Form(v): Form<FormValues>,
) -> PageResult {
    let approve = v.get("decision").is_some_and(|d| d == "approve");
    let note = v.get("note").cloned().unwrap_or_default();
    let meeting_id: i64 = v.get("meeting_id").and_then(|m| m.parse().ok()).unwrap_or(0);
    match ctx.scoped(&state.db).orglife().decide_leave(id, approve, &note).await {
        Ok(l) => Ok(see_other(&format!("/meetings/{}?done=leave_decided#leave", l.meeting_id))),
        Err(StoreError::NotFound) => Err(ApiError::not_found().into()),
        Err(e) => meeting_page(&state, &ctx, meeting_id, Some(message(e)?), &headers).await,
    }
}
