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

/// An unknown address: JSON under `/api/` and for clients that do not ask for HTML, an
/// HTML page (with a way back) for browsers.
pub async fn not_found(uri: axum::http::Uri, headers: axum::http::HeaderMap) -> Response {
    let e = ApiError::new(StatusCode::NOT_FOUND, "route.not_found", "没有这个地址，请检查链接是否正确");
    let wants_html =
        headers.get(axum::http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
    if uri.path().starts_with("/api/") || !wants_html {
        return e.into_response();
    }
    crate::shell::PageError(e).into_response()
}
