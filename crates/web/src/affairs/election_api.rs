//! 换届选举 JSON API (`/api/v1/elections/…`): an org's elections, the 上级's queue, the
//! request, its approval, the vote and the 书记's approval. The store checks reach and the
//! two-account rules.

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Ctx, Id, JsonBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use vanguard_domain::affairs::election::{ElectionRequestInput, ElectionVoteInput};
use vanguard_store::affairs::ElectionView;

pub async fn of_org(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<Vec<ElectionView>>> {
    Ok(Json(ctx.scoped(&state.db).elections().elections_of(id).await?))
}

pub async fn awaiting(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Json<Vec<ElectionView>>> {
    Ok(Json(ctx.scoped(&state.db).elections().elections_awaiting_me().await?))
}

pub async fn one(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<ElectionView>> {
    Ok(Json(ctx.scoped(&state.db).elections().election(id).await?))
}

pub async fn request(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<ElectionRequestInput>,
) -> ApiResult<(StatusCode, Json<ElectionView>)> {
    Ok((StatusCode::CREATED, Json(ctx.scoped(&state.db).elections().request_election(id, &b).await?)))
}

/// The 上级's decision on a request or on the elected 书记.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ElectionDecision {
    pub approve: bool,
    /// 不批准的理由 (required when not approving).
    pub note: String,
}

pub async fn approve(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<ElectionDecision>,
) -> ApiResult<Json<ElectionView>> {
    Ok(Json(ctx.scoped(&state.db).elections().decide_election_request(id, b.approve, &b.note).await?))
}

pub async fn vote(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<ElectionVoteInput>,
) -> ApiResult<Json<ElectionView>> {
    Ok(Json(ctx.scoped(&state.db).elections().record_election_vote(id, &b).await?))
}

pub async fn secretary(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<ElectionDecision>,
) -> ApiResult<Json<ElectionView>> {
    Ok(Json(ctx.scoped(&state.db).elections().decide_election_secretary(id, b.approve, &b.note).await?))
}
