//! 攻坚项目 (大脚板走一线、小分队破难题) — JSON API (`/api/v1/taskforces/…`) and pages: the
//! projects involving an org's subtree with the form to start one (`/orgs/{id}/taskforces`),
//! and a project's page (`/taskforces/{id}`: the task force, milestones, reports, closure).

use crate::AppState;
use crate::extract::{Ctx, Id, JsonBody};
use crate::routes::{RouteSpec, r};
use crate::shell::{PageResult, Shell, form_errors, render, see_other};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Form, Json};
use vanguard_domain::service::taskforce::{TaskForceEntryInput, TaskForceInput, TaskForceMemberInput, TaskForceMilestoneInput};
use vanguard_store::service::taskforce::{TaskForceDetail, TaskForceList};
use vanguard_store::{StoreError, StoreResult};

/// This feature's part of the route table.
pub fn routes() -> Vec<RouteSpec> {
    vec![
        r!(GET "/api/v1/taskforces/orgs/{id}", OrgRead, "taskforce", "攻坚项目：该党组织（含下级）牵头或有队员参加的项目（市县乡三级联动）", None, get(list)),
        r!(POST "/api/v1/taskforces/orgs/{id}", OrgWrite, "taskforce", "由该党组织牵头创建攻坚项目（项目名称、要破解的难题、牵头领导）", Some(crate::routes::schema::<TaskForceInput>), post(create)),
        r!(GET "/api/v1/taskforces/{id}", OrgRead, "taskforce", "攻坚项目：分队队员、节点、进展和成效", None, get(detail)),
        r!(POST "/api/v1/taskforces/{id}/members", OrgWrite, "taskforce", "攻坚分队增加队员（姓名、所在党组织、分工），项目随之在该党组织下可见", Some(crate::routes::schema::<TaskForceMemberInput>), post(add_member)),
        r!(POST "/api/v1/taskforces/{id}/milestones", OrgWrite, "taskforce", "设定攻坚节点及完成期限（逾期未完成的列入预警/问题）", Some(crate::routes::schema::<TaskForceMilestoneInput>), post(add_milestone)),
        r!(POST "/api/v1/taskforces/{id}/reports", OrgWrite, "taskforce", "报告攻坚进展（牵头党组织或队员所在党组织）", Some(crate::routes::schema::<TaskForceEntryInput>), post(report)),
        r!(POST "/api/v1/taskforces/{id}/close", OrgWrite, "taskforce", "攻坚项目结项（全部节点完成后，填写成效）", Some(crate::routes::schema::<TaskForceEntryInput>), post(close)),
        r!(POST "/api/v1/taskforce-milestones/{id}/done", OrgWrite, "taskforce", "登记攻坚节点完成（日期和完成情况）", Some(crate::routes::schema::<TaskForceEntryInput>), post(done)),
        r!(GET "/orgs/{id}/taskforces", OrgRead, "page", "攻坚项目：本组织牵头或参加的项目", None, get(list_html)),
        r!(POST "/orgs/{id}/taskforces", OrgWrite, "page", "创建攻坚项目（表单）", None, post(create_html)),
        r!(GET "/taskforces/{id}", OrgRead, "page", "攻坚项目：分队、节点、进展、结项", None, get(detail_html)),
        r!(POST "/taskforces/{id}", OrgWrite, "page", "办理攻坚项目：增加队员、设定节点、节点完成、报告进展、结项（表单）", None, post(step_html)),
    ]
}

async fn list(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> crate::error::ApiResult<Json<TaskForceList>> {
    Ok(Json(ctx.scoped(&state.db).task_forces().list(id).await?))
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<TaskForceInput>,
) -> crate::error::ApiResult<(StatusCode, Json<TaskForceDetail>)> {
    Ok((StatusCode::CREATED, Json(ctx.scoped(&state.db).task_forces().create(id, &b).await?)))
}

async fn detail(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> crate::error::ApiResult<Json<TaskForceDetail>> {
    Ok(Json(ctx.scoped(&state.db).task_forces().detail(id).await?))
}

async fn add_member(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<TaskForceMemberInput>,
) -> crate::error::ApiResult<Json<TaskForceDetail>> {
    Ok(Json(ctx.scoped(&state.db).task_forces().add_member(id, &b).await?))
}

async fn add_milestone(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<TaskForceMilestoneInput>,
) -> crate::error::ApiResult<Json<TaskForceDetail>> {
    Ok(Json(ctx.scoped(&state.db).task_forces().add_milestone(id, &b).await?))
}

async fn report(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<TaskForceEntryInput>,
) -> crate::error::ApiResult<Json<TaskForceDetail>> {
    Ok(Json(ctx.scoped(&state.db).task_forces().report(id, &b).await?))
}

async fn close(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<TaskForceEntryInput>,
) -> crate::error::ApiResult<Json<TaskForceDetail>> {
    Ok(Json(ctx.scoped(&state.db).task_forces().close(id, &b).await?))
}

async fn done(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<TaskForceEntryInput>,
) -> crate::error::ApiResult<Json<TaskForceDetail>> {
    Ok(Json(ctx.scoped(&state.db).task_forces().complete(id, &b).await?))
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
#[template(path = "service/taskforce_list.html")]
struct ListPage {
    shell: Shell,
    l: TaskForceList,
    error: String,
}

async fn list_page(state: &AppState, ctx: &Ctx, id: i64, error: String) -> PageResult {
    let l = ctx.scoped(&state.db).task_forces().list(id).await?;
    let shell = Shell::new(state, ctx, "org").await;
    let failed = !error.is_empty();
    let mut res = render(&ListPage { shell, l, error });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn list_html(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    list_page(&state, &ctx, id, String::new()).await
}

async fn create_html(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(pairs): Form<Pairs>) -> PageResult {
    let input = TaskForceInput { title: one(&pairs, "title"), problem: one(&pairs, "problem"), leader: one(&pairs, "leader") };
    match ctx.scoped(&state.db).task_forces().create(id, &input).await {
        Ok(d) => Ok(see_other(&format!("/taskforces/{}?done=saved", d.project.id))),
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict { .. })) => {
            let error = summary(e)?;
            list_page(&state, &ctx, id, error).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "service/taskforce_detail.html")]
struct DetailPage {
    shell: Shell,
    d: TaskForceDetail,
    today: String,
    error: String,
}

async fn detail_page(state: &AppState, ctx: &Ctx, id: i64, error: String) -> PageResult {
    let d = ctx.scoped(&state.db).task_forces().detail(id).await?;
    let today = vanguard_domain::kernel::time::date_text(state.db.clock().today());
    let shell = Shell::new(state, ctx, "org").await;
    let failed = !error.is_empty();
    let mut res = render(&DetailPage { shell, d, today, error });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn detail_html(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    detail_page(&state, &ctx, id, String::new()).await
}

async fn apply_step(state: &AppState, ctx: &Ctx, id: i64, pairs: &Pairs) -> StoreResult<TaskForceDetail> {
    let t = ctx.scoped(&state.db).task_forces();
    // Reach first: a project out of reach is not found whatever the action.
    let d = t.detail(id).await?;
    let entry = || TaskForceEntryInput { on: one(pairs, "on"), text: one(pairs, "text") };
    match one(pairs, "action").as_str() {
        "member" => {
            let m = TaskForceMemberInput {
                name: one(pairs, "name"),
                org_id: one(pairs, "org_id").trim().parse().unwrap_or(0),
                role: one(pairs, "role"),
            };
            t.add_member(id, &m).await
        }
        "milestone" => {
            t.add_milestone(id, &TaskForceMilestoneInput { title: one(pairs, "title"), due_on: one(pairs, "due_on") }).await
        }
        "done" => {
            let ms = one(pairs, "milestone_id").trim().parse::<i64>().unwrap_or(0);
            if !d.milestone_list.iter().any(|m| m.id == ms) {
                return Err(StoreError::NotFound);
            }
            t.complete(ms, &entry()).await
        }
        "report" => t.report(id, &entry()).await,
        "close" => t.close(id, &entry()).await,
        _ => Err(StoreError::invalid("action", "taskforce.action", "请选择办理事项")),
    }
}

async fn step_html(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(pairs): Form<Pairs>) -> PageResult {
    match apply_step(&state, &ctx, id, &pairs).await {
        Ok(_) => Ok(see_other(&format!("/taskforces/{id}?done=saved"))),
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict { .. })) => {
            let error = summary(e)?;
            detail_page(&state, &ctx, id, error).await
        }
        Err(e) => Err(e.into()),
    }
}
