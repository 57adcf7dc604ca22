//! 发展党员 JSON API (`/api/v1/recruit/…`): a branch's files, opening a file, a file with
//! its 25 steps, completing the next step, the parent's queue and decisions, and the
//! 预备党员's own file. The 支部党员大会's votes arrive through the meeting API (a
//! decision with `subject_kind` and `subject_id`), never here.

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Ctx, Id, JsonBody, Paged, QueryParams};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use vanguard_domain::affairs::recruit::{ApplicantInput, StepInput};
use vanguard_domain::kernel::paging::Page;
use vanguard_store::affairs::{RecruitDetail, RecruitFileView, RecruitQueue};

/// `?all=true` also lists files that ended.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct FilesQuery {
    pub all: bool,
}

pub async fn files(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(org_id): Id,
    QueryParams(q): QueryParams<FilesQuery>,
    Paged(page): Paged,
) -> ApiResult<Json<Page<RecruitFileView>>> {
    Ok(Json(ctx.scoped(&state.db).recruits().files(org_id, !q.all, &page).await?))
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(org_id): Id,
    JsonBody(mut input): JsonBody<ApplicantInput>,
) -> ApiResult<Json<RecruitDetail>> {
    input.org_id = org_id;
    Ok(Json(ctx.scoped(&state.db).recruits().create_file(&input).await?))
}

pub async fn file(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<RecruitDetail>> {
    Ok(Json(ctx.scoped(&state.db).recruits().file(id).await?))
}

/// A step's completion: which step (the next one), and its facts.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct StepBody {
    /// The step's number (1–25): must be the file's next step.
    pub no: u8,
    #[serde(flatten)]
    pub input: StepInput,
}

pub async fn complete(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<StepBody>,
) -> ApiResult<Json<RecruitDetail>> {
    Ok(Json(ctx.scoped(&state.db).recruits().complete_step(id, b.no, &b.input).await?))
}

pub async fn queue(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Json<RecruitQueue>> {
    Ok(Json(ctx.scoped(&state.db).recruits().awaiting_me().await?))
}

/// The parent's decision on an extension or cancellation.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct OutcomeDecision {
    pub approve: bool,
    /// The approval's date (`YYYY-MM-DD`; empty: today).
    pub on: String,
    pub note: String,
}

pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<OutcomeDecision>,
) -> ApiResult<Json<RecruitDetail>> {
    Ok(Json(ctx.scoped(&state.db).recruits().decide_outcome(id, b.approve, &b.on, &b.note).await?))
}

pub async fn mine(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Json<Option<RecruitDetail>>> {
    Ok(Json(ctx.scoped(&state.db).recruits().my_file().await?))
}
