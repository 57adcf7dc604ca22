//! Role-grant approval and alerts over JSON.

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Ctx, Id, Paged};
use axum::Json;
use axum::extract::State;
use vanguard_domain::kernel::paging::Page;
use vanguard_store::account::grants::{self, RoleRequest};
use vanguard_store::platform::alerts::{self, Alert};

/// Role-grant requests, open ones first, in the one list envelope.
pub async fn list(State(state): State<AppState>, Paged(page): Paged) -> ApiResult<Json<Page<RoleRequest>>> {
    Ok(Json(grants::list(&state.db, &page).await?))
}

pub async fn approve(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<RoleRequest>> {
    Ok(Json(grants::decide(&state.db, ctx.actor(), id, true).await?))
}

pub async fn reject(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<RoleRequest>> {
    Ok(Json(grants::decide(&state.db, ctx.actor(), id, false).await?))
}

/// Security alerts, newest first, in the one list envelope.
pub async fn alerts(State(state): State<AppState>, Paged(page): Paged) -> ApiResult<Json<Page<Alert>>> {
    Ok(Json(alerts::list(&state.db, &page).await?))
}
