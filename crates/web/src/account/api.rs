//! Account administration (系统管理员 only; the route table says so).

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Ctx, Id, JsonBody, Paged};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use vanguard_domain::kernel::auth::Role;
use vanguard_domain::kernel::paging::Page;
use vanguard_store::account::grants::{self, RoleRequest};
use vanguard_store::account::{self, AccountFilter, AccountRow, AdminAction, NewAccount, RoleChange};

/// Accounts by user name, in the one list envelope.
pub async fn list(State(state): State<AppState>, Paged(page): Paged) -> ApiResult<Json<Page<AccountRow>>> {
    Ok(Json(account::list_accounts(&state.db, &AccountFilter::default(), &page).await?))
}

#[derive(Serialize)]
pub struct Created {
    pub account: AccountRow,
    /// Shown once; the user must change it at first login.
    pub one_time_password: Option<String>,
    /// The role grant waiting for a 安全管理员's approval (the account stays disabled).
    pub pending_request: Option<RoleRequest>,
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    JsonBody(new): JsonBody<NewAccount>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let (account, one_time_password) = account::create_account(&state.db, ctx.actor(), &new).await?;
    let pending_request = grants::pending_for(&state.db, account.id).await?;
    Ok((StatusCode::CREATED, Json(Created { account, one_time_password, pending_request })))
}

pub async fn detail(State(state): State<AppState>, Id(id): Id) -> ApiResult<Json<AccountRow>> {
    Ok(Json(account::account(&state.db, id).await?))
}

#[derive(Serialize)]
pub struct Reset {
    pub one_time_password: Option<String>,
}

async fn act(state: &AppState, ctx: &Ctx, id: i64, action: AdminAction) -> ApiResult<Json<Reset>> {
    let one_time_password = account::admin_action(&state.db, ctx.actor(), id, action).await?;
    Ok(Json(Reset { one_time_password }))
}

pub async fn reset_password(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<Reset>> {
    act(&state, &ctx, id, AdminAction::ResetPassword).await
}

pub async fn unlock(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<Reset>> {
    act(&state, &ctx, id, AdminAction::Unlock).await
}

pub async fn disable(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<Reset>> {
    act(&state, &ctx, id, AdminAction::Disable).await
}

pub async fn enable(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<Reset>> {
    act(&state, &ctx, id, AdminAction::Enable).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RoleAssignment {
    pub role: Role,
    #[serde(default)]
    pub scope_org_id: Option<i64>,
    #[serde(default)]
    pub member_id: Option<i64>,
}

pub async fn set_role(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(r): JsonBody<RoleAssignment>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    Ok(match account::set_role(&state.db, ctx.actor(), id, r.role, r.scope_org_id, r.member_id).await? {
        RoleChange::Applied(a) => Json(a).into_response(),
        // Accepted, not done: a 安全管理员 must approve it (三员分立).
        RoleChange::Pending(req) => (StatusCode::ACCEPTED, Json(req)).into_response(),
    })
}
