//! 党组织 routes. Every call goes through the caller's scope.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Ctx, Id, JsonBody, Paged, QueryParams};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use vanguard_domain::kernel::paging::Page;
use vanguard_domain::org::OrgInput;
use vanguard_store::org::{OrgDetail, OrgView};

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct RootQuery {
    pub q: String,
}

pub async fn roots(
    State(state): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<RootQuery>,
    Paged(page): Paged,
) -> ApiResult<Json<Page<OrgView>>> {
    Ok(Json(ctx.scoped(&state.db).orgs().orgs_page(&q.q, &page).await?))
}

pub async fn detail(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<OrgDetail>> {
    Ok(Json(ctx.scoped(&state.db).orgs().org_detail(id).await?))
}

pub async fn children(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Paged(page): Paged) -> ApiResult<Json<Page<OrgView>>> {
    Ok(Json(ctx.scoped(&state.db).orgs().children_page(id, &page).await?))
}

pub async fn create_child(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(input): JsonBody<OrgInput>,
) -> ApiResult<(StatusCode, Json<OrgView>)> {
    Ok((StatusCode::CREATED, Json(ctx.scoped(&state.db).orgs().create_org(id, &input).await?)))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct OrgUpdate {
    #[serde(flatten)]
    pub fields: OrgInput,
    /// The secretary's member id; 0 clears it.
    pub secretary_member_id: Option<i64>,
}

pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(u): JsonBody<OrgUpdate>,
) -> ApiResult<Json<OrgView>> {
    Ok(Json(ctx.scoped(&state.db).orgs().update_org(id, &u.fields, u.secretary_member_id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct OrgMove {
    pub parent_id: i64,
}

pub async fn move_org(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(m): JsonBody<OrgMove>,
) -> ApiResult<Json<OrgView>> {
    Ok(Json(ctx.scoped(&state.db).orgs().move_org(id, m.parent_id).await?))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct OrgDissolve {
    /// YYYY-MM-DD; default today.
    pub dissolved_on: Option<String>,
}

pub async fn dissolve(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(d): JsonBody<OrgDissolve>,
) -> ApiResult<Json<OrgView>> {
    let on = match d.dissolved_on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(vanguard_domain::kernel::time::parse_iso_date(s).ok_or_else(|| {
            ApiError::from(vanguard_store::StoreError::invalid("dissolved_on", "date.format", "撤销日期格式应为 YYYY-MM-DD"))
        })?),
    };
    Ok(Json(ctx.scoped(&state.db).orgs().dissolve_org(id, on).await?))
}
