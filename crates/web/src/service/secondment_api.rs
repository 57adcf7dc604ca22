//! 挂职 — JSON API under `/api/v1/secondments/…`, through the store's scope.

use crate::AppState;
use crate::extract::{Ctx, Id, JsonBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use vanguard_domain::service::secondment::SecondmentInput;
use vanguard_store::service::secondment::{SecondmentDetail, SecondmentStep, SecondmentView, SecondmentYear};

pub async fn list(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> crate::error::ApiResult<Json<Vec<SecondmentView>>> {
    Ok(Json(ctx.scoped(&state.db).secondments().list(id).await?))
}

pub async fn per_year(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> crate::error::ApiResult<Json<Vec<SecondmentYear>>> {
    Ok(Json(ctx.scoped(&state.db).secondments().per_year(id).await?))
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<SecondmentInput>,
) -> crate::error::ApiResult<(StatusCode, Json<SecondmentDetail>)> {
    Ok((StatusCode::CREATED, Json(ctx.scoped(&state.db).secondments().create(&b).await?)))
}

pub async fn get(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> crate::error::ApiResult<Json<SecondmentDetail>> {
    Ok(Json(ctx.scoped(&state.db).secondments().get(id).await?))
}

pub async fn step(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<SecondmentStep>,
) -> crate::error::ApiResult<Json<SecondmentDetail>> {
    Ok(Json(ctx.scoped(&state.db).secondments().step(id, &b).await?))
}
