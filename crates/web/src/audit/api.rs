//! The audit log, readable by 审计员 only; no route changes a record (verifying appends
//! one, like every other action).

use super::AuditQuery;
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Ctx, Paged, QueryParams};
use axum::Json;
use axum::extract::State;
use vanguard_domain::kernel::paging::Page;
use vanguard_store::platform::audit::{self, AuditRow, Verification};

/// The newest records first, filtered, in the one list envelope.
pub async fn list(
    State(state): State<AppState>,
    QueryParams(q): QueryParams<AuditQuery>,
    Paged(page): Paged,
) -> ApiResult<Json<Page<AuditRow>>> {
    let f = q.filter()?;
    Ok(Json(audit::list(&state.db, &f, &page).await?))
}

/// Verifies the chain; the verification itself is recorded (see `audit::verify_and_record`).
pub async fn verify(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Json<Verification>> {
    Ok(Json(audit::verify_and_record(&state.db, ctx.actor(), |_, _| {}).await?))
}
