//! Account administration (系统管理员 only; the route table says so).

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Ctx, Id, JsonBody, Paged, QueryParams};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use vanguard_domain::kernel::auth::Role;
use vanguard_domain::kernel::paging::Page;
use vanguard_store::account::grants::{self, RoleRequest};
use vanguard_store::account::lookup::{self, MemberMatch, NamedAccount, OrgChoice};
use vanguard_store::account::{self, AccountFilter, AccountRow, AdminAction, NewAccount, RoleChange};

/// Accounts by user name, in the one list envelope, each with the org it reaches by name
/// and path and its member's masked name.
pub async fn list(State(state): State<AppState>, Paged(page): Paged) -> ApiResult<Json<Page<NamedAccount>>> {
    let accounts = account::list_accounts(&state.db, &AccountFilter::default(), &page).await?;
    Ok(Json(lookup::name_accounts(&state.db, accounts).await?))
}

/// A new account; its member given by 公民身份号码 (`member_id_number`) or by id.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CreateAccount {
    #[serde(flatten)]
    pub account: NewAccount,
    #[serde(default)]
    pub member_id_number: Option<String>,
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct OrgQuery {
    /// Part of the org's name.
    pub q: String,
}

/// Open orgs by name for binding an account: names and paths only.
pub async fn orgs(
    State(state): State<AppState>,
    QueryParams(q): QueryParams<OrgQuery>,
    Paged(page): Paged,
) -> ApiResult<Json<Page<OrgChoice>>> {
    Ok(Json(lookup::find_orgs(&state.db, &q.q, &page).await?))
}

/// A 公民身份号码 to look a member up by.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct MemberLookup {
    pub id_number: String,
}

/// Whether a member on the rolls holds the number: found or not and a masked name. Audited.
pub async fn member_lookup(
    State(state): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<MemberLookup>,
) -> ApiResult<Json<MemberMatch>> {
    Ok(Json(lookup::find_member(&state.db, ctx.actor(), &b.id_number).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
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
    JsonBody(body): JsonBody<CreateAccount>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let mut new = body.account;
    new.member_id = lookup::member_to_link(&state.db, new.member_id, body.member_id_number.as_deref()).await?;
    let (account, one_time_password) = account::create_account(&state.db, ctx.actor(), &new).await?;
    let pending_request = grants::pending_for(&state.db, account.id).await?;
    Ok((StatusCode::CREATED, Json(Created { account, one_time_password, pending_request })))
}

pub async fn detail(State(state): State<AppState>, Id(id): Id) -> ApiResult<Json<AccountRow>> {
    Ok(Json(account::account(&state.db, id).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
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
    /// The member by 公民身份号码 (wins over `member_id`).
    #[serde(default)]
    pub member_id_number: Option<String>,
}

pub async fn set_role(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(r): JsonBody<RoleAssignment>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let member_id = lookup::member_to_link(&state.db, r.member_id, r.member_id_number.as_deref()).await?;
    Ok(match account::set_role(&state.db, ctx.actor(), id, r.role, r.scope_org_id, member_id).await? {
        RoleChange::Applied(a) => Json(a).into_response(),
        // Accepted, not done: a 安全管理员 must approve it (三员分立).
        RoleChange::Pending(req) => (StatusCode::ACCEPTED, Json(req)).into_response(),
    })
}
