//! Login, logout, the current account, password change.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ClientIp, Ctx, JsonBody};
use crate::middleware::{COOKIE_PLAIN, COOKIE_SECURE};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use vanguard_store::account::{self, LoginError};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    /// 用户名或手机号码.
    pub login: String,
    pub password: String,
}

#[derive(Serialize)]
pub struct LoginResponse {
    pub token: String,
    pub csrf_token: String,
    pub must_change_password: bool,
    /// The session serves nothing until `POST /api/v1/auth/totp` gives the second factor.
    pub second_factor_required: bool,
    pub account: MeView,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MeView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    pub role_label: &'static str,
    pub scope_org_id: Option<i64>,
    pub member_id: Option<i64>,
    pub must_change_password: bool,
}

fn me_view(a: &account::AccountRow) -> MeView {
    let role = a.role();
    MeView {
        id: a.id,
        username: a.username.clone(),
        display_name: a.display_name.clone(),
        role: role.code(),
        role_label: role.label(),
        scope_org_id: a.scope_org_id,
        member_id: a.member_id,
        must_change_password: a.must_change_password,
    }
}

/// The session cookie (`__Host-` prefixed, `Secure`, `HttpOnly`, `SameSite=Strict`, path
/// `/`); an empty token with `max_age` 0 removes it.
pub(crate) fn session_cookie(state: &AppState, token: &str, max_age: i64) -> HeaderValue {
    let name = if state.secure_cookies { COOKIE_SECURE } else { COOKIE_PLAIN };
    let cookie = cookie::Cookie::build((name, token))
        .path("/")
        .http_only(true)
        .same_site(cookie::SameSite::Strict)
        .secure(state.secure_cookies)
        .max_age(cookie::time::Duration::seconds(max_age.max(0)))
        .build();
    HeaderValue::from_str(&cookie.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    JsonBody(req): JsonBody<LoginRequest>,
) -> ApiResult<Response> {
    if let Err(wait) = state.login_limiter.check(ip) {
        // Counted per address and window; only the first of each window is audited.
        vanguard_store::platform::refusals::note(&state.db, &ip.to_string(), "auth.rate_limit", &req.login).await?;
        let mut res =
            ApiError::new(StatusCode::TOO_MANY_REQUESTS, "auth.rate_limited", format!("登录尝试过于频繁，请 {wait} 秒后再试"))
                .into_response();
        res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return Ok(res);
    }
    match account::login(&state.db, &req.login, &req.password, &ip.to_string()).await? {
        Ok(ok) => {
            let max_age = i64::from(state.db.rules().login.absolute_timeout_hours) * 3600;
            let body = LoginResponse {
                token: ok.token.clone(),
                csrf_token: ok.csrf_token,
                must_change_password: ok.account.must_change_password,
                second_factor_required: ok.second_factor_required,
                account: me_view(&ok.account),
            };
            let mut res = Json(body).into_response();
            res.headers_mut().insert(header::SET_COOKIE, session_cookie(&state, &ok.token, max_age));
            Ok(res)
        }
        Err(LoginError::Failed) => Err(ApiError::new(StatusCode::UNAUTHORIZED, "auth.failed", account::LOGIN_FAILED)),
        Err(LoginError::OneTimeExpired) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "auth.one_time_expired",
            "临时密码已超过24小时有效期，请联系系统管理员重新重置",
        )),
    }
}

pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Response> {
    account::logout(&state.db, &ctx.0).await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(header::SET_COOKIE, session_cookie(&state, "", 0));
    Ok(res)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    #[serde(flatten)]
    pub account: MeView,
    pub csrf_token: String,
}

pub async fn me(ctx: Ctx) -> Json<Me> {
    Json(Me { account: me_view(&ctx.0.account), csrf_token: ctx.0.csrf_token.clone() })
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PasswordChange {
    pub old_password: String,
    pub new_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    JsonBody(req): JsonBody<PasswordChange>,
) -> ApiResult<StatusCode> {
    account::change_password(&state.db, &ctx.0, &req.old_password, &req.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TotpCode {
    /// The 6 digits the authenticator app shows, or a recovery code.
    pub code: String,
}

/// The second step of a login with a second factor.
pub async fn totp_verify(State(state): State<AppState>, ctx: Ctx, JsonBody(req): JsonBody<TotpCode>) -> ApiResult<StatusCode> {
    if account::totp::verify_session(&state.db, &ctx.0, &req.code).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(StatusCode::UNAUTHORIZED, "totp.wrong", "动态口令或恢复码不正确，请输入应用当前显示的6位数字"))
    }
}

pub async fn totp_enrol(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Json<account::totp::Enrolment>> {
    Ok(Json(account::totp::begin_enrolment(&state.db, &ctx.0).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RecoveryCodes {
    /// Shown once: each works once in place of a code, if the phone is lost.
    pub recovery_codes: Vec<String>,
}

pub async fn totp_confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    JsonBody(req): JsonBody<TotpCode>,
) -> ApiResult<Json<RecoveryCodes>> {
    Ok(Json(RecoveryCodes { recovery_codes: account::totp::confirm_enrolment(&state.db, &ctx.0, &req.code).await? }))
}
