//! The audit log, readable by 审计员 only; no route changes a record (verifying appends
//! one, like every other action).

use super::AuditQuery;
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Ctx, QueryParams};
use axum::Json;
use axum::extract::State;
use vanguard_store::platform::audit::{self, AuditRow, Verification};

pub async fn list(State(state): State<AppState>, QueryParams(q): QueryParams<AuditQuery>) -> ApiResult<Json<Vec<AuditRow>>> {
    let f = q.filter(q.limit)?;
    Ok(Json(audit::list(&state.db, &f).await?))
}

/// Verifies the chain; the verification itself is recorded (see `audit::verify_and_record`).
pub async fn verify(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Json<Verification>> {
    Ok(Json(audit::verify_and_record(&state.db, ctx.actor(), |_, _| {}).await?))
}
