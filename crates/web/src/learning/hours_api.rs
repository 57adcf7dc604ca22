//! 学时 routes: the member's own hours, an org's hours report with drill-down and .xlsx
//! export, exemptions, yearly study plans with the children's 已报/未报, and training
//! classes with enrolment and attendance. Everything through the store's scope.

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Ctx, Id, JsonBody, QueryParams, YearParams};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use vanguard_domain::learning::plan::StudyPlanInput;
use vanguard_domain::learning::training::TrainingClassInput;
use vanguard_store::learning::hours::{ExemptionInput, ExemptionView, HoursReport, MemberHours, report_xlsx};
use vanguard_store::learning::plan::{StudyPlanStatus, StudyPlanView};
use vanguard_store::learning::training::{TrainingAttendanceInput, TrainingClassDetail, TrainingClassView, TrainingEnrolInput};

pub async fn my_hours(State(state): State<AppState>, ctx: Ctx, QueryParams(y): QueryParams<YearParams>) -> ApiResult<Json<MemberHours>> {
    Ok(Json(ctx.scoped(&state.db).study_hours().my_hours(y.year).await?))
}

pub async fn member_hours(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    QueryParams(y): QueryParams<YearParams>,
) -> ApiResult<Json<MemberHours>> {
    Ok(Json(ctx.scoped(&state.db).study_hours().member_hours(id, y.year).await?))
}

pub async fn report(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    QueryParams(y): QueryParams<YearParams>,
) -> ApiResult<Json<HoursReport>> {
    Ok(Json(ctx.scoped(&state.db).study_hours().report(id, y.year).await?))
}

pub async fn report_export(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    QueryParams(y): QueryParams<YearParams>,
) -> ApiResult<Response> {
    let r = ctx.scoped(&state.db).study_hours().report(id, y.year).await?;
    let bytes = report_xlsx(&r)?;
    Ok(crate::download::xlsx(bytes, &format!("{}{}年学时统计.xlsx", r.org_name, r.year), "study-hours.xlsx"))
}

pub async fn exemptions(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<Vec<ExemptionView>>> {
    Ok(Json(ctx.scoped(&state.db).study_hours().exemptions(id).await?))
}

pub async fn set_exemption(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(input): JsonBody<ExemptionInput>,
) -> ApiResult<(StatusCode, Json<ExemptionView>)> {
    Ok((StatusCode::CREATED, Json(ctx.scoped(&state.db).study_hours().set_exemption(id, &input).await?)))
}

pub async fn plan_status(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    QueryParams(y): QueryParams<YearParams>,
) -> ApiResult<Json<StudyPlanStatus>> {
    Ok(Json(ctx.scoped(&state.db).study_hours().plan_status(id, y.year).await?))
}

pub async fn file_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(input): JsonBody<StudyPlanInput>,
) -> ApiResult<Json<StudyPlanView>> {
    Ok(Json(ctx.scoped(&state.db).study_hours().file_plan(id, &input).await?))
}

pub async fn classes(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Json<Vec<TrainingClassView>>> {
    Ok(Json(ctx.scoped(&state.db).study_hours().classes().await?))
}

pub async fn class(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<TrainingClassDetail>> {
    Ok(Json(ctx.scoped(&state.db).study_hours().class(id).await?))
}

pub async fn create_class(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(input): JsonBody<TrainingClassInput>,
) -> ApiResult<(StatusCode, Json<TrainingClassDetail>)> {
    Ok((StatusCode::CREATED, Json(ctx.scoped(&state.db).study_hours().create_class(id, &input).await?)))
}

pub async fn enrol(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(input): JsonBody<TrainingEnrolInput>,
) -> ApiResult<Json<TrainingClassDetail>> {
    Ok(Json(ctx.scoped(&state.db).study_hours().enrol(id, &input).await?))
}

pub async fn record_training(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(input): JsonBody<TrainingAttendanceInput>,
) -> ApiResult<Json<TrainingClassDetail>> {
    Ok(Json(ctx.scoped(&state.db).study_hours().record_training(id, &input).await?))
}
