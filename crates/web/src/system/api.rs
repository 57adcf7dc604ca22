//! Health, the API document, the rules in force, and the JSON 404.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "存储不可用").into_response(),
    }
}

pub async fn openapi() -> Json<serde_json::Value> {
    Json(crate::openapi::document())
}

pub async fn rules(State(state): State<AppState>) -> ApiResult<Json<serde_json::Value>> {
    serde_json::to_value(&*state.db.rules())
        .map(Json)
        .map_err(|e| ApiError::from(vanguard_store::StoreError::Other(e.to_string())))
}

pub async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "route.not_found", "没有这个地址，请检查链接是否正确")
}
