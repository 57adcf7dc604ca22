//! 三亮三比 — JSON API under `/api/v1/pledges/…`, every read and write through the
//! store's scope. The public page's JSON twin needs no login and answers 404 unless the
//! org publishes.

use crate::AppState;
use crate::extract::{ClientIp, Ctx, Id, JsonBody, QueryParams, YearParams};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use vanguard_domain::service::pledge::CompareInput;
use vanguard_store::service::pledge::{
    CommitmentView, CompareView, PledgeLabelInput, PledgeLabelView, PledgeOverview, PublicPledges, public_page,
};

pub async fn overview(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    QueryParams(q): QueryParams<YearParams>,
) -> crate::error::ApiResult<Json<PledgeOverview>> {
    let year = q.or_this_year(&state.db);
    Ok(Json(ctx.scoped(&state.db).pledges().overview(id, year).await?))
}

pub async fn grant(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<PledgeLabelInput>,
) -> crate::error::ApiResult<(StatusCode, Json<PledgeLabelView>)> {
    Ok((StatusCode::CREATED, Json(ctx.scoped(&state.db).pledges().grant_label(id, &b).await?)))
}

pub async fn revoke(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> crate::error::ApiResult<StatusCode> {
    ctx.scoped(&state.db).pledges().revoke_label(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The member's commitment as typed.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct CommitmentInput {
    pub text: String,
}

pub async fn mine(State(state): State<AppState>, ctx: Ctx) -> crate::error::ApiResult<Json<Option<CommitmentView>>> {
    let year = chrono::Datelike::year(&state.db.clock().today());
    Ok(Json(ctx.scoped(&state.db).pledges().my_commitment(year).await?))
}

pub async fn write_mine(
    State(state): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<CommitmentInput>,
) -> crate::error::ApiResult<Json<CommitmentView>> {
    Ok(Json(ctx.scoped(&state.db).pledges().write_commitment(&b.text).await?))
}

/// A decision on a commitment: `approve` / `return` (with a note), or `grade` (年底践诺评议:
/// `grade` excellent|good|fair|poor and a note).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct CommitmentDecision {
    pub action: String,
    pub note: String,
    pub grade: String,
}

pub(super) async fn decide_commitment(
    ctx: &Ctx,
    state: &AppState,
    id: i64,
    d: &CommitmentDecision,
) -> vanguard_store::StoreResult<()> {
    let p = ctx.scoped(&state.db).pledges();
    match d.action.as_str() {
        "approve" => p.review(id, true, &d.note).await,
        "return" => p.review(id, false, &d.note).await,
        "grade" => p.grade(id, &d.grade, &d.note).await,
        _ => Err(vanguard_store::StoreError::invalid("action", "pledge.action", "请选择：通过、退回或践诺评议")),
    }
}

pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<CommitmentDecision>,
) -> crate::error::ApiResult<StatusCode> {
    decide_commitment(&ctx, &state, id, &b).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn add_record(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<CompareInput>,
) -> crate::error::ApiResult<(StatusCode, Json<CompareView>)> {
    Ok((StatusCode::CREATED, Json(ctx.scoped(&state.db).pledges().add_record(id, &b, "api").await?)))
}

/// Whether the org publishes its labelled members and commitments.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PublishInput {
    pub published: bool,
}

/// The org's publish switch after a change.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PublishState {
    pub org_id: i64,
    pub published: bool,
}

pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<PublishInput>,
) -> crate::error::ApiResult<Json<PublishState>> {
    ctx.scoped(&state.db).pledges().set_published(id, b.published).await?;
    Ok(Json(PublishState { org_id: id, published: b.published }))
}

pub async fn public(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Id(id): Id,
) -> crate::error::ApiResult<Json<PublicPledges>> {
    super::pledge_pages::limit(ip)?;
    Ok(Json(public_page(&state.db, id).await?))
}
