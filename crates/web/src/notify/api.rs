//! 通知 API: one's own notifications (list, unread count, mark read), mutes, and the
//! group robots of an org within the writable subtree.

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Ctx, Id, JsonBody, Paged, QueryParams};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use vanguard_domain::kernel::paging::Page;
use vanguard_domain::notify::NotifyKind;
use vanguard_store::notify::{DeliveryView, KindSetting, NotificationView, Unread, WebhookInput, WebhookView};

#[derive(Deserialize, utoipa::IntoParams, Default)]
#[serde(default)]
pub struct InboxQuery {
    /// Only the unread ones.
    pub unread: bool,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<InboxQuery>,
    Paged(page): Paged,
) -> ApiResult<Json<Page<NotificationView>>> {
    Ok(Json(ctx.scoped(&state.db).notices().list(q.unread, &page).await?))
}

pub async fn unread(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Json<Unread>> {
    Ok(Json(ctx.scoped(&state.db).notices().unread().await?))
}

/// Where a read notification leads.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReadAnswer {
    pub id: i64,
    pub link: String,
}

pub async fn mark_read(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<ReadAnswer>> {
    let link = ctx.scoped(&state.db).notices().mark_read(id).await?;
    Ok(Json(ReadAnswer { id, link }))
}

/// How many were marked read.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReadAll {
    pub marked: u64,
}

pub async fn mark_all_read(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Json<ReadAll>> {
    Ok(Json(ReadAll { marked: ctx.scoped(&state.db).notices().mark_all_read().await? }))
}

pub async fn settings(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Json<Vec<KindSetting>>> {
    Ok(Json(ctx.scoped(&state.db).notices().settings().await?))
}

/// The kinds the caller does not want (essential kinds cannot be listed).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct Mutes {
    pub muted: Vec<NotifyKind>,
}

pub async fn set_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    JsonBody(m): JsonBody<Mutes>,
) -> ApiResult<Json<Vec<KindSetting>>> {
    Ok(Json(ctx.scoped(&state.db).notices().set_mutes(&m.muted).await?))
}

pub async fn webhooks(State(state): State<AppState>, ctx: Ctx, Id(org_id): Id) -> ApiResult<Json<Vec<WebhookView>>> {
    Ok(Json(ctx.scoped(&state.db).notices().webhooks(org_id).await?))
}

pub async fn create_webhook(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(org_id): Id,
    JsonBody(input): JsonBody<WebhookInput>,
) -> ApiResult<(StatusCode, Json<WebhookView>)> {
    Ok((StatusCode::CREATED, Json(ctx.scoped(&state.db).notices().create_webhook(org_id, &input).await?)))
}

pub async fn update_webhook(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(input): JsonBody<WebhookInput>,
) -> ApiResult<Json<WebhookView>> {
    Ok(Json(ctx.scoped(&state.db).notices().update_webhook(id, &input).await?))
}

pub async fn test_webhook(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<(StatusCode, Json<WebhookView>)> {
    Ok((StatusCode::ACCEPTED, Json(ctx.scoped(&state.db).notices().test_webhook(id).await?)))
}

pub async fn deliveries(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<Vec<DeliveryView>>> {
    Ok(Json(ctx.scoped(&state.db).notices().deliveries(id).await?))
}
