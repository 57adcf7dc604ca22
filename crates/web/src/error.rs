//! API errors: an HTTP status, a stable machine code, a Chinese message that says what
//! to do, for validation errors the problem with each field, and always the request's
//! correlation id (错误编号, also in the `x-request-id` header and in the log).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use vanguard_domain::FieldError;
use vanguard_store::StoreError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: Vec<FieldError>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    fields: &'a [FieldError],
    correlation_id: &'a str,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), fields: Vec::new() }
    }
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "auth.required", "请先登录；如已登录，可能因长时间未操作已自动退出，请重新登录")
    }
    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "auth.forbidden", "您的角色无权进行此操作；如需办理，请联系上级党组织管理员")
    }
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "对象不存在或不在您的管辖范围内")
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
    /// A request body that could not be read: too slow (408) or too large (413).
    pub fn body_unreadable(e: &(dyn std::error::Error + 'static)) -> Self {
        if crate::server::is_body_timeout(e) {
            Self::new(StatusCode::REQUEST_TIMEOUT, "body.timeout", "提交内容的传输超时，请检查网络后重新提交")
        } else {
            Self::new(StatusCode::PAYLOAD_TOO_LARGE, "body.too_large", "提交的内容过大")
        }
    }
}

/// The correlation id of the request being answered (a fresh one outside a request).
pub fn correlation_id() -> String {
    crate::middleware::current_request_id().unwrap_or_else(crate::middleware::new_request_id)
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::Forbidden => ApiError::forbidden(),
            StoreError::Invalid(inv) => {
                let message = format!("提交的内容有误：{inv}");
                ApiError { status: StatusCode::UNPROCESSABLE_ENTITY, code: "invalid", message, fields: inv.errors }
            }
            StoreError::Conflict { code, message } => ApiError::new(StatusCode::CONFLICT, code, message),
            other => {
                tracing::error!(correlation_id = %correlation_id(), error = %other, "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "服务器内部错误，请稍后重试；如反复出现，请把错误编号告诉系统管理员",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let id = correlation_id();
        if self.status.is_server_error() {
            tracing::error!(correlation_id = %id, status = self.status.as_u16(), code = self.code, "error answered");
        }
        let body = Body { error: Inner { code: self.code, message: &self.message, fields: &self.fields, correlation_id: &id } };
        (self.status, Json(body)).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
