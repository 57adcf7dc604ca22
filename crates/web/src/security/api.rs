//! Role-grant approval and alerts over JSON.

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Ctx, Id};
use axum::Json;
use axum::extract::State;
use vanguard_store::account::grants::{self, RoleRequest};
use vanguard_store::platform::alerts::{self, Alert};

pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<RoleRequest>>> {
    Ok(Json(grants::list(&state.db).await?))
}

pub async fn approve(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<RoleRequest>> {
    Ok(Json(grants::decide(&state.db, ctx.actor(), id, true).await?))
}

pub async fn reject(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<RoleRequest>> {
    Ok(Json(grants::decide(&state.db, ctx.actor(), id, false).await?))
}

pub async fn alerts(State(state): State<AppState>) -> ApiResult<Json<Vec<Alert>>> {
    Ok(Json(alerts::recent(&state.db, 100).await?))
}
