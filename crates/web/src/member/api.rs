//! 党员 routes: the roster, the archive, its history, the history archive, and the
//! audited reveal of sensitive fields.

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Ctx, Id, JsonBody, Paged, QueryParams};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use vanguard_domain::kernel::paging::Page;
use vanguard_domain::member::MemberInput;
use vanguard_store::member::{HistoryEntry, Leave, MemberFilter, MemberSummary, MemberView, NewMember, SensitiveField};

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    QueryParams(f): QueryParams<MemberFilter>,
    Paged(page): Paged,
) -> ApiResult<Json<Page<MemberSummary>>> {
    Ok(Json(ctx.scoped(&state.db).members().list_members(&f, &page).await?))
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    JsonBody(new): JsonBody<NewMember>,
) -> ApiResult<(StatusCode, Json<MemberView>)> {
    Ok((StatusCode::CREATED, Json(ctx.scoped(&state.db).members().create_member(&new).await?)))
}

pub async fn detail(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<MemberView>> {
    Ok(Json(ctx.scoped(&state.db).members().member(id).await?))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct MemberPatch {
    /// The version last read; a stale one is refused so no edit is lost.
    pub version: Option<i64>,
    #[serde(flatten)]
    pub fields: MemberInput,
}

pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(p): JsonBody<MemberPatch>,
) -> ApiResult<Json<MemberView>> {
    Ok(Json(ctx.scoped(&state.db).members().update_member(id, &p.fields, p.version).await?))
}

pub async fn history(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Paged(page): Paged,
) -> ApiResult<Json<Page<HistoryEntry>>> {
    Ok(Json(ctx.scoped(&state.db).members().history_page(id, &page).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MemberMove {
    pub org_id: i64,
    #[serde(default)]
    pub group_id: Option<i64>,
}

pub async fn move_member(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(m): JsonBody<MemberMove>,
) -> ApiResult<Json<MemberView>> {
    Ok(Json(ctx.scoped(&state.db).members().move_member(id, m.org_id, m.group_id).await?))
}

pub async fn archive(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(l): JsonBody<Leave>,
) -> ApiResult<Json<MemberView>> {
    Ok(Json(ctx.scoped(&state.db).members().archive_member(id, &l).await?))
}

/// Restoring an archived member: why (e.g. 误操作减少).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct Restore {
    pub note: String,
}

pub async fn restore(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(r): JsonBody<Restore>,
) -> ApiResult<Json<MemberView>> {
    Ok(Json(ctx.scoped(&state.db).members().restore_member(id, &r.note).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Reveal {
    pub field: SensitiveField,
}

#[derive(Serialize)]
pub struct Revealed {
    pub field: SensitiveField,
    pub value: Option<String>,
}

pub async fn reveal(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(r): JsonBody<Reveal>,
) -> ApiResult<Json<Revealed>> {
    let value = ctx.scoped(&state.db).members().reveal(id, r.field).await?;
    Ok(Json(Revealed { field: r.field, value }))
}
