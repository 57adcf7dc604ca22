//! 软弱涣散整顿 — JSON API (`/api/v1/weak-branches/…`, `/api/v1/weak-tasks/…`) and pages:
//! an org's year (`/orgs/{id}/weak-branches`: the 清零 rate of its subtree, the rate of
//! each child org to drill down, the listed branches, tasks waiting for my 验收, and —
//! for the parent — the form that lists the org itself), and a listed branch's page
//! (`/weak-branches/{id}`: reasons, measures, tasks with evidence and 验收, 销号).

use crate::AppState;
use crate::extract::{Ctx, Id, JsonBody, QueryParams, YearParams};
use crate::routes::{RouteSpec, r};
use crate::shell::{PageResult, Shell, form_errors, render, see_other};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Form, Json};
use serde::Deserialize;
use vanguard_domain::service::weak_branch::{WeakCategory, WeakListingInput, WeakMeasureInput, WeakTaskInput};
use vanguard_store::service::weak_branch::{WeakDetail, WeakOverview, WeakTaskView};
use vanguard_store::{StoreError, StoreResult};

/// This feature's part of the route table.
pub fn routes() -> Vec<RouteSpec> {
    vec![
        r!(GET "/api/v1/weak-branches/orgs/{id}", OrgRead, "weak", "软弱涣散整顿：该党组织（含下级）某年度（?year=）的整顿名单、清零率（已销号/列入）及各下级党组织的清零率", None, get(overview)),
        r!(POST "/api/v1/weak-branches/orgs/{id}", OrgWrite, "weak", "将该党组织列入某年度软弱涣散整顿名单（情形从规则配置的清单中选择；须由上级党组织办理）", Some(crate::routes::schema::<WeakListingInput>), post(list_branch)),
        r!(GET "/api/v1/weak-branches/{id}", OrgRead, "weak", "整顿对象：情形、帮扶措施、整改任务及验收情况", None, get(detail)),
        r!(POST "/api/v1/weak-branches/{id}/measures", OrgWrite, "weak", "登记帮扶措施：市县领导挂点、乡镇(街道)领导包村、机关部门结对帮扶、派驻工作组、第一书记（负责人或帮扶单位、起止日期）", Some(crate::routes::schema::<WeakMeasureInput>), post(add_measure)),
        r!(POST "/api/v1/weak-branches/{id}/tasks", OrgWrite, "weak", "安排整改任务（完成期限不填则按规则默认天数）", Some(crate::routes::schema::<WeakTaskInput>), post(add_task)),
        r!(POST "/api/v1/weak-branches/{id}/clear", OrgWrite, "weak", "整顿验收销号：全部整改任务验收后，由上级党组织办理", Some(crate::routes::schema::<WeakNote>), post(clear)),
        r!(POST "/api/v1/weak-tasks/{id}/submit", OrgWrite, "weak", "提交整改任务的整改情况和佐证，报上级党组织验收", Some(crate::routes::schema::<WeakEvidence>), post(submit)),
        r!(POST "/api/v1/weak-tasks/{id}/decide", OrgWrite, "weak", "上级党组织验收整改任务（通过，或退回并说明理由；须由提交人以外的账户办理）", Some(crate::routes::schema::<WeakDecision>), post(decide)),
        r!(GET "/api/v1/weak-tasks/awaiting", OrgWrite, "weak", "待我验收的整改任务（下级党组织已提交的）", None, get(awaiting)),
        r!(GET "/orgs/{id}/weak-branches", OrgRead, "page", "软弱涣散整顿：清零率、下级清零率、整顿名单、待我验收", None, get(overview_html)),
        r!(POST "/orgs/{id}/weak-branches", OrgWrite, "page", "将该党组织列入整顿名单（表单）", None, post(list_html)),
        r!(GET "/weak-branches/{id}", OrgRead, "page", "整顿对象：帮扶措施、整改任务、验收和销号", None, get(detail_html)),
        r!(POST "/weak-branches/{id}", OrgWrite, "page", "办理整顿事项：登记措施、安排任务、提交整改情况、验收、销号（表单）", None, post(step_html)),
    ]
}

/// A note (the 销号's 验收意见).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct WeakNote {
    pub note: String,
}

/// The evidence of a task (整改情况和佐证).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct WeakEvidence {
    pub evidence: String,
}

/// The parent's 验收 of a task.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct WeakDecision {
    pub accept: bool,
    pub opinion: String,
}

async fn overview(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    QueryParams(y): QueryParams<YearParams>,
) -> crate::error::ApiResult<Json<WeakOverview>> {
    let year = i64::from(y.or_this_year(&state.db));
    Ok(Json(ctx.scoped(&state.db).weak_branches().overview(id, year).await?))
}

async fn list_branch(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<WeakListingInput>,
) -> crate::error::ApiResult<(StatusCode, Json<WeakDetail>)> {
    Ok((StatusCode::CREATED, Json(ctx.scoped(&state.db).weak_branches().list_branch(id, &b).await?)))
}

async fn detail(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> crate::error::ApiResult<Json<WeakDetail>> {
    Ok(Json(ctx.scoped(&state.db).weak_branches().detail(id).await?))
}

async fn add_measure(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<WeakMeasureInput>,
) -> crate::error::ApiResult<Json<WeakDetail>> {
    Ok(Json(ctx.scoped(&state.db).weak_branches().add_measure(id, &b).await?))
}

async fn add_task(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<WeakTaskInput>,
) -> crate::error::ApiResult<Json<WeakDetail>> {
    Ok(Json(ctx.scoped(&state.db).weak_branches().add_task(id, &b).await?))
}

async fn clear(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<WeakNote>,
) -> crate::error::ApiResult<Json<WeakDetail>> {
    Ok(Json(ctx.scoped(&state.db).weak_branches().clear(id, &b.note).await?))
}

async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<WeakEvidence>,
) -> crate::error::ApiResult<Json<WeakDetail>> {
    Ok(Json(ctx.scoped(&state.db).weak_branches().submit_task(id, &b.evidence).await?))
}

async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<WeakDecision>,
) -> crate::error::ApiResult<Json<WeakDetail>> {
    Ok(Json(ctx.scoped(&state.db).weak_branches().decide_task(id, b.accept, &b.opinion).await?))
}

async fn awaiting(State(state): State<AppState>, ctx: Ctx) -> crate::error::ApiResult<Json<Vec<WeakTaskView>>> {
    Ok(Json(ctx.scoped(&state.db).weak_branches().awaiting_me().await?))
}

// ---- Pages -------------------------------------------------------------------------------

type Pairs = Vec<(String, String)>;

fn one(pairs: &Pairs, key: &str) -> String {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default()
}

fn summary(e: StoreError) -> Result<String, crate::shell::PageError> {
    Ok(form_errors(e)?.into_values().collect::<Vec<_>>().join("；"))
}

#[derive(Template)]
#[template(path = "service/weak_overview.html")]
struct OverviewPage {
    shell: Shell,
    o: WeakOverview,
    awaiting: Vec<WeakTaskView>,
    reasons: Vec<WeakCategory>,
    error: String,
}

async fn overview_page(state: &AppState, ctx: &Ctx, id: i64, year: i64, error: String) -> PageResult {
    let w = ctx.scoped(&state.db).weak_branches();
    let o = w.overview(id, year).await?;
    let awaiting = w.awaiting_me().await?;
    let reasons = state.db.rules().weak_branches.reasons.clone();
    let shell = Shell::new(state, ctx, "org").await;
    let failed = !error.is_empty();
    let mut res = render(&OverviewPage { shell, o, awaiting, reasons, error });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn overview_html(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    QueryParams(y): QueryParams<YearParams>,
) -> PageResult {
    let year = i64::from(y.or_this_year(&state.db));
    overview_page(&state, &ctx, id, year, String::new()).await
}

async fn list_html(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(pairs): Form<Pairs>) -> PageResult {
    let this_year = i64::from(chrono::Datelike::year(&state.db.clock().today()));
    let year = one(&pairs, "year").trim().parse().unwrap_or(this_year);
    let input = WeakListingInput {
        year,
        reasons: pairs.iter().filter(|(k, _)| k == "reasons").map(|(_, v)| v.clone()).collect(),
        note: one(&pairs, "note"),
    };
    match ctx.scoped(&state.db).weak_branches().list_branch(id, &input).await {
        Ok(d) => Ok(see_other(&format!("/weak-branches/{}?done=saved", d.branch.id))),
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict { .. })) => {
            let error = summary(e)?;
            overview_page(&state, &ctx, id, year, error).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "service/weak_detail.html")]
struct DetailPage {
    shell: Shell,
    d: WeakDetail,
    measures: Vec<WeakCategory>,
    error: String,
}

async fn detail_page(state: &AppState, ctx: &Ctx, id: i64, error: String) -> PageResult {
    let d = ctx.scoped(&state.db).weak_branches().detail(id).await?;
    let measures = state.db.rules().weak_branches.measures.clone();
    let shell = Shell::new(state, ctx, "org").await;
    let failed = !error.is_empty();
    let mut res = render(&DetailPage { shell, d, measures, error });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn detail_html(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    detail_page(&state, &ctx, id, String::new()).await
}

async fn apply_step(state: &AppState, ctx: &Ctx, id: i64, pairs: &Pairs) -> StoreResult<WeakDetail> {
    let w = ctx.scoped(&state.db).weak_branches();
    let task = || one(pairs, "task_id").trim().parse::<i64>().unwrap_or(0);
    // Reach first: a listing out of reach is not found whatever the action.
    let d = w.detail(id).await?;
    if matches!(one(pairs, "action").as_str(), "submit" | "accept" | "return") && !d.tasks.iter().any(|t| t.id == task()) {
        return Err(StoreError::NotFound);
    }
    match one(pairs, "action").as_str() {
        "measure" => {
            let helper = one(pairs, "helper_org_id").trim().parse::<i64>().ok();
            let m = WeakMeasureInput {
                kind: one(pairs, "kind"),
                person: one(pairs, "person"),
                helper_org_id: helper,
                from: one(pairs, "from"),
                to: one(pairs, "to"),
            };
            w.add_measure(id, &m).await
        }
        "task" => w.add_task(id, &WeakTaskInput { title: one(pairs, "title"), deadline: one(pairs, "deadline") }).await,
        "submit" => w.submit_task(task(), &one(pairs, "evidence")).await,
        "accept" => w.decide_task(task(), true, &one(pairs, "opinion")).await,
        "return" => w.decide_task(task(), false, &one(pairs, "opinion")).await,
        "clear" => w.clear(id, &one(pairs, "note")).await,
        _ => Err(StoreError::invalid("action", "weak.action", "请选择办理事项")),
    }
}

async fn step_html(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(pairs): Form<Pairs>) -> PageResult {
    match apply_step(&state, &ctx, id, &pairs).await {
        Ok(_) => Ok(see_other(&format!("/weak-branches/{id}?done=saved"))),
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict { .. })) => {
            let error = summary(e)?;
            detail_page(&state, &ctx, id, error).await
        }
        Err(e) => Err(e.into()),
    }
}
