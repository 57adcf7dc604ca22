//! The audit log, readable by 审计员 only; there is no route that changes it.

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::QueryParams;
use axum::Json;
use axum::extract::State;
use vanguard_store::audit::{self, AuditFilter, AuditRow, Verification};

pub async fn list(State(state): State<AppState>, QueryParams(f): QueryParams<AuditFilter>) -> ApiResult<Json<Vec<AuditRow>>> {
    Ok(Json(audit::list(&state.db, &f).await?))
}

pub async fn verify(State(state): State<AppState>) -> ApiResult<Json<Verification>> {
    Ok(Json(audit::verify(&state.db, |_, _| {}).await?))
}
