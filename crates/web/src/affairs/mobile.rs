//! 流动党员 — JSON API (`/api/v1/mobile/…`) and pages: the branch's list of members away
//! (and an e支部's mobile members), registering a member with the 活动证 and the e支部,
//! the end of a registration, the e支部 meeting's mobile roll, and the portal's 我的活动证.

use crate::AppState;
use crate::extract::{Ctx, Id, JsonBody, Paged, QueryParams};
use crate::shell::{FormState, PageResult, Shell, form_errors, render, see_other};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Form, Json};
use serde::Deserialize;
use std::collections::HashMap;
use vanguard_domain::affairs::mobile::MobileInput;
use vanguard_domain::kernel::paging::{Page, PageRequest};
use vanguard_store::affairs::{EBranch, MobileAttendanceView, MobileMark, MobileView};
use vanguard_store::org::OrgView;

use super::pages::{Pairs, one};

/// `?open=true` lists only registrations still open.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct OpenQuery {
    pub open: bool,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    QueryParams(q): QueryParams<OpenQuery>,
    Paged(page): Paged,
) -> crate::error::ApiResult<Json<Page<MobileView>>> {
    Ok(Json(ctx.scoped(&state.db).mobile().list(id, q.open, &page).await?))
}

pub async fn register(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<MobileInput>,
) -> crate::error::ApiResult<(StatusCode, Json<MobileView>)> {
    Ok((StatusCode::CREATED, Json(ctx.scoped(&state.db).mobile().register(id, &b).await?)))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct EndInput {
    /// 返回或转出日期 `YYYY-MM-DD`.
    pub on: String,
    pub note: String,
}

pub async fn end(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<EndInput>,
) -> crate::error::ApiResult<Json<MobileView>> {
    Ok(Json(ctx.scoped(&state.db).mobile().end(id, &b.on, &b.note).await?))
}

pub async fn e_branches(State(state): State<AppState>, ctx: Ctx) -> crate::error::ApiResult<Json<Vec<EBranch>>> {
    Ok(Json(ctx.scoped(&state.db).mobile().e_branches().await?))
}

pub async fn meeting_roll(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
) -> crate::error::ApiResult<Json<Vec<MobileAttendanceView>>> {
    Ok(Json(ctx.scoped(&state.db).mobile().meeting_roll(id).await?))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct MobileMarks {
    pub marks: Vec<MobileMark>,
}

pub async fn record_attendance(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<MobileMarks>,
) -> crate::error::ApiResult<Json<Vec<MobileAttendanceView>>> {
    Ok(Json(ctx.scoped(&state.db).mobile().record_attendance(id, &b.marks).await?))
}

pub async fn mine(State(state): State<AppState>, ctx: Ctx) -> crate::error::ApiResult<Json<Vec<MobileView>>> {
    Ok(Json(ctx.scoped(&state.db).mobile().mine().await?))
}

// ---- Pages -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "affairs/mobile_list.html")]
struct ListPage {
    shell: Shell,
    org: OrgView,
    is_e_branch: bool,
    page: Page<MobileView>,
    /// An e支部's latest held meetings, to record its mobile members' attendance.
    meetings: Vec<vanguard_store::orglife::MeetingSummary>,
    error: String,
}

async fn list_page(state: &AppState, ctx: &Ctx, id: i64, error: String) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    let org = scoped.orgs().org_view(id).await?;
    let row = scoped.orgs().org(id).await?;
    let page = scoped.mobile().list(id, false, &PageRequest::first(200)).await?;
    let shell = Shell::new(state, ctx, "org").await;
    let failed = !error.is_empty();
    let is_e_branch = row.kind == vanguard_domain::org::OrgKind::MobileBranch;
    let meetings = if is_e_branch {
        let held = vanguard_store::orglife::MeetingFilter { status: "held".into(), ..Default::default() };
        scoped.orglife().list_meetings(id, &held, &PageRequest::first(20)).await?.items
    } else {
        Vec::new()
    };
    let mut res = render(&ListPage { shell, org, is_e_branch, page, meetings, error });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn list_html(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    list_page(&state, &ctx, id, String::new()).await
}

#[derive(Template)]
#[template(path = "affairs/mobile_form.html")]
struct FormPage {
    shell: Shell,
    member_id: i64,
    member_name: String,
    e_branches: Vec<EBranch>,
    form: FormState,
}

async fn form_page(state: &AppState, ctx: &Ctx, id: i64, form: FormState) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    let m = scoped.members().member(id).await?;
    let e_branches = scoped.mobile().e_branches().await?;
    let shell = Shell::new(state, ctx, "roster").await;
    let failed = !form.errors.is_empty();
    let mut res = render(&FormPage { shell, member_id: m.id, member_name: m.name, e_branches, form });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn form(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    form_page(&state, &ctx, id, FormState::default()).await
}

const FIELDS: [&str; 8] =
    ["place", "reason", "since", "certificate_no", "issuing_org", "valid_from", "valid_until", "e_branch_id"];

pub async fn submit(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(pairs): Form<Pairs>) -> PageResult {
    let input = MobileInput {
        place: one(&pairs, "place"),
        reason: one(&pairs, "reason"),
        since: one(&pairs, "since"),
        certificate_no: one(&pairs, "certificate_no"),
        issuing_org: one(&pairs, "issuing_org"),
        valid_from: one(&pairs, "valid_from"),
        valid_until: one(&pairs, "valid_until"),
        e_branch_id: one(&pairs, "e_branch_id").parse().ok(),
    };
    match ctx.scoped(&state.db).mobile().register(id, &input).await {
        Ok(r) => Ok(see_other(&format!("/orgs/{}/mobile?done=saved", r.org_id))),
        Err(e) => {
            let errors = form_errors(e)?;
            let v: HashMap<String, String> = FIELDS.iter().map(|k| (k.to_string(), one(&pairs, k))).collect();
            form_page(&state, &ctx, id, FormState::with_errors(v, errors)).await
        }
    }
}

pub async fn end_html(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(pairs): Form<Pairs>) -> PageResult {
    let org = one(&pairs, "org_id").parse::<i64>().ok();
    match ctx.scoped(&state.db).mobile().end(id, &one(&pairs, "on"), &one(&pairs, "note")).await {
        Ok(r) => Ok(see_other(&format!("/orgs/{}/mobile?done=saved", org.unwrap_or(r.org_id)))),
        Err(e @ (vanguard_store::StoreError::Invalid(_) | vanguard_store::StoreError::Conflict { .. })) if org.is_some() => {
            let error = form_errors(e)?.into_values().collect::<Vec<_>>().join("；");
            list_page(&state, &ctx, org.unwrap_or_default(), error).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "affairs/mobile_meeting.html")]
struct MeetingPage {
    shell: Shell,
    meeting_id: i64,
    roll: Vec<MobileAttendanceView>,
    error: String,
}

async fn meeting_page(state: &AppState, ctx: &Ctx, id: i64, error: String) -> PageResult {
    let roll = ctx.scoped(&state.db).mobile().meeting_roll(id).await?;
    let shell = Shell::new(state, ctx, "org").await;
    let failed = !error.is_empty();
    let mut res = render(&MeetingPage { shell, meeting_id: id, roll, error });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn meeting_html(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    meeting_page(&state, &ctx, id, String::new()).await
}

/// One form for the whole mobile roll: `a_<member>` = attendance, `r_<member>` = reason.
pub async fn meeting_submit(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(pairs): Form<Pairs>) -> PageResult {
    let marks: Vec<MobileMark> = pairs
        .iter()
        .filter_map(|(k, v)| {
            let member_id = k.strip_prefix("a_")?.parse().ok()?;
            (!v.is_empty()).then(|| MobileMark {
                member_id,
                attendance: v.clone(),
                reason: one(&pairs, &format!("r_{member_id}")),
            })
        })
        .collect();
    match ctx.scoped(&state.db).mobile().record_attendance(id, &marks).await {
        Ok(_) => Ok(see_other(&format!("/meetings/{id}/mobile?done=attendance"))),
        Err(e @ (vanguard_store::StoreError::Invalid(_) | vanguard_store::StoreError::Conflict { .. })) => {
            let error = form_errors(e)?.into_values().collect::<Vec<_>>().join("；");
            meeting_page(&state, &ctx, id, error).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "affairs/mobile_portal.html")]
struct PortalPage {
    csrf: String,
    name: String,
    items: Vec<MobileView>,
}

/// The portal's 我的活动证.
pub async fn my_certificate(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    let me = ctx.0.scope.member_id.ok_or_else(crate::error::ApiError::not_found)?;
    let name = scoped.members().member(me).await?.name;
    let items = scoped.mobile().mine().await?;
    Ok(render(&PortalPage { csrf: ctx.0.csrf_token.clone(), name, items }))
}
