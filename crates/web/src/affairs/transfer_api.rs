//! 组织关系接转 JSON API (`/api/v1/transfers/…`): the caller's outgoing and incoming
//! transfers, what waits for them, initiating, the actions (approve, return, withdraw,
//! accept, refuse, reissue, receipt) and the member's own transfers. Every call goes
//! through the caller's scope (`Transfers` on `Scoped`): the receiving side sees a
//! transfer through its arrival in its own region and range.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Ctx, Id, JsonBody, Paged, QueryParams};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use vanguard_domain::affairs::transfer::{TransferInput, TransferState};
use vanguard_domain::kernel::paging::Page;
use vanguard_store::affairs::{TransferBox, TransferDecision, TransferView};

/// `?box=out|in&state=in_transit`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct TransferQuery {
    /// `out` (default): sent from the caller's subtree; `in`: addressed to it.
    #[serde(rename = "box")]
    pub which: String,
    pub state: String,
}

impl TransferQuery {
    pub fn parse(&self) -> ApiResult<(TransferBox, Option<TransferState>)> {
        let which = match self.which.as_str() {
            "" | "out" => TransferBox::Outgoing,
            "in" => TransferBox::Incoming,
            _ => return Err(ApiError::bad_request("transfer.box", "box 应为 out（转出）或 in（转入）")),
        };
        let state = match self.state.trim() {
            "" => None,
            s => Some(TransferState::parse(s).ok_or_else(|| ApiError::bad_request("transfer.state", "未知的转接状态"))?),
        };
        Ok((which, state))
    }
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<TransferQuery>,
    Paged(page): Paged,
) -> ApiResult<Json<Page<TransferView>>> {
    let (which, st) = q.parse()?;
    Ok(Json(ctx.scoped(&state.db).transfers().list(which, st, &page).await?))
}

pub async fn awaiting(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Json<Vec<TransferView>>> {
    Ok(Json(ctx.scoped(&state.db).transfers().awaiting_me().await?))
}

pub async fn initiate(
    State(state): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<TransferInput>,
) -> ApiResult<(StatusCode, Json<TransferView>)> {
    Ok((StatusCode::CREATED, Json(ctx.scoped(&state.db).transfers().initiate(&b).await?)))
}

pub async fn one(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<TransferView>> {
    Ok(Json(ctx.scoped(&state.db).transfers().transfer(id).await?))
}

pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<TransferDecision>,
) -> ApiResult<Json<TransferView>> {
    Ok(Json(ctx.scoped(&state.db).transfers().decide(id, &b).await?))
}

pub async fn mine(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Json<Vec<TransferView>>> {
    Ok(Json(ctx.scoped(&state.db).transfers().mine().await?))
}
