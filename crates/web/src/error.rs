//! API errors: an HTTP status, a stable machine code, a Chinese message that says what
//! to do, and for validation errors the problem with each field.

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
    #[serde(skip_serializing_if = "Option::is_none")]
    correlation_id: Option<String>,
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
                tracing::error!(error = %other, "internal error");
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
        let correlation_id = (self.status == StatusCode::INTERNAL_SERVER_ERROR).then(|| {
            let id = format!("{:016x}", rand::random::<u64>());
            tracing::error!(correlation_id = %id, "internal error answered");
            id
        });
        let body = Body { error: Inner { code: self.code, message: &self.message, fields: &self.fields, correlation_id } };
        (self.status, Json(body)).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
