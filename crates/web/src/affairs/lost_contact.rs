//! 失联党员 — JSON API (`/api/v1/lost/…`) and pages: the org's cases with the counts and
//! the parent's approval queue (待我审批), recording a member as 失联, and a case's page
//! with its dated entries and the next step (寻找, 支部决定, 上级批准, 恢复).

use crate::AppState;
use crate::extract::{Ctx, Id, JsonBody, Paged, QueryParams};
use crate::shell::{FormState, PageResult, Shell, form_errors, render, see_other};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Form, Json};
use serde::Deserialize;
use std::collections::HashMap;
use vanguard_domain::affairs::lost_contact::LostEntryInput;
use vanguard_domain::kernel::paging::{Page, PageRequest};
use vanguard_store::affairs::{LostCase, LostCounts, LostView};
use vanguard_store::org::OrgView;
use vanguard_store::{StoreError, StoreResult};

use super::pages::{Pairs, one};

use super::mobile::OpenQuery;

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    QueryParams(q): QueryParams<OpenQuery>,
    Paged(page): Paged,
) -> crate::error::ApiResult<Json<Page<LostView>>> {
    Ok(Json(ctx.scoped(&state.db).lost_contacts().list(id, q.open, &page).await?))
}

pub async fn record(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<LostEntryInput>,
) -> crate::error::ApiResult<(StatusCode, Json<LostCase>)> {
    Ok((StatusCode::CREATED, Json(ctx.scoped(&state.db).lost_contacts().record(id, &b).await?)))
}

pub async fn case(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> crate::error::ApiResult<Json<LostCase>> {
    Ok(Json(ctx.scoped(&state.db).lost_contacts().case(id).await?))
}

/// One step of a case: `search` (寻找), `propose` (支部决定停止党籍或除名), `approve` /
/// `reject` (上级批准或不批准), `restore` (恢复联系); each with its day and text.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct LostStep {
    pub step: String,
    pub on: String,
    pub text: String,
}

async fn apply_step(ctx: &Ctx, state: &AppState, id: i64, s: &LostStep) -> StoreResult<LostCase> {
    let l = ctx.scoped(&state.db).lost_contacts();
    let e = LostEntryInput { on: s.on.clone(), text: s.text.clone() };
    match s.step.as_str() {
        "search" => l.search(id, &e).await,
        "propose" => l.propose(id, &e).await,
        "approve" => l.approve(id, true, &e).await,
        "reject" => l.approve(id, false, &e).await,
        "restore" => l.restore(id, &e).await,
        _ => {
            // Reach first: a case out of reach is not found whatever the step.
            l.case(id).await?;
            Err(StoreError::invalid("step", "lost.step", "请选择办理事项：寻找、支部决定、上级批准或不批准、恢复联系"))
        }
    }
}

pub async fn step(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<LostStep>,
) -> crate::error::ApiResult<Json<LostCase>> {
    Ok(Json(apply_step(&ctx, &state, id, &b).await?))
}

pub async fn awaiting(State(state): State<AppState>, ctx: Ctx) -> crate::error::ApiResult<Json<Vec<LostView>>> {
    Ok(Json(ctx.scoped(&state.db).lost_contacts().awaiting_me().await?))
}

// ---- Pages -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "affairs/lost_list.html")]
struct ListPage {
    shell: Shell,
    org: OrgView,
    counts: LostCounts,
    awaiting: Vec<LostView>,
    page: Page<LostView>,
}

pub async fn list_html(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    let org = scoped.orgs().org_view(id).await?;
    let l = scoped.lost_contacts();
    let page = l.list(id, false, &PageRequest::first(200)).await?;
    let counts = l.counts().await?;
    let awaiting = l.awaiting_me().await?;
    let shell = Shell::new(&state, &ctx, "org").await;
    Ok(render(&ListPage { shell, org, counts, awaiting, page }))
}

#[derive(Template)]
#[template(path = "affairs/lost_form.html")]
struct FormPage {
    shell: Shell,
    member_id: i64,
    member_name: String,
    form: FormState,
}

async fn form_page(state: &AppState, ctx: &Ctx, id: i64, form: FormState) -> PageResult {
    let m = ctx.scoped(&state.db).members().member(id).await?;
    let shell = Shell::new(state, ctx, "roster").await;
    let failed = !form.errors.is_empty();
    let mut res = render(&FormPage { shell, member_id: m.id, member_name: m.name, form });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn form(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    form_page(&state, &ctx, id, FormState::default()).await
}

pub async fn submit(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(pairs): Form<Pairs>) -> PageResult {
    let input = LostEntryInput { on: one(&pairs, "on"), text: one(&pairs, "text") };
    match ctx.scoped(&state.db).lost_contacts().record(id, &input).await {
        Ok(c) => Ok(see_other(&format!("/lost/{}?done=saved", c.case.id))),
        Err(e) => {
            let errors = form_errors(e)?;
            let v = HashMap::from([("on".to_string(), input.on), ("text".to_string(), input.text)]);
            form_page(&state, &ctx, id, FormState::with_errors(v, errors)).await
        }
    }
}

#[derive(Template)]
#[template(path = "affairs/lost_case.html")]
struct CasePage {
    shell: Shell,
    c: LostCase,
    error: String,
}

async fn case_page(state: &AppState, ctx: &Ctx, id: i64, error: String) -> PageResult {
    let c = ctx.scoped(&state.db).lost_contacts().case(id).await?;
    let shell = Shell::new(state, ctx, "roster").await;
    let failed = !error.is_empty();
    let mut res = render(&CasePage { shell, c, error });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn case_html(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    case_page(&state, &ctx, id, String::new()).await
}

pub async fn step_html(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(pairs): Form<Pairs>) -> PageResult {
    let s = LostStep { step: one(&pairs, "step"), on: one(&pairs, "on"), text: one(&pairs, "text") };
    match apply_step(&ctx, &state, id, &s).await {
        Ok(_) => Ok(see_other(&format!("/lost/{id}?done=saved"))),
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict { .. })) => {
            let error = form_errors(e)?.into_values().collect::<Vec<_>>().join("；");
            case_page(&state, &ctx, id, error).await
        }
        Err(e) => Err(e.into()),
    }
}
