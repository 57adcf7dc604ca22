//! Login, logout and password change as pages.

use crate::AppState;
use crate::auth::api::session_cookie;
use crate::extract::{ClientIp, Ctx};
use crate::shell::{PageResult, Shell, render, see_other};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use std::collections::HashMap;
use vanguard_domain::kernel::auth::Role;
use vanguard_store::account::{self, LoginError};

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    error: Option<String>,
    login: String,
    next: String,
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct NextQuery {
    pub next: String,
}

/// Where to go after login: only a path of this site, never another host.
///
/// Browsers are lenient with what they follow: they drop tabs and newlines anywhere in a
/// URL, read `\` as `/`, and take `//host`, `/\host` or `https:host` to another site. So
/// a target is accepted only when it is a plain absolute path: it starts with one `/`
/// not followed by `/` or `\`, and it contains no control character, no whitespace and no
/// backslash anywhere (also not percent-encoded as `%5C`, `%09`, `%0A`, `%0D` or `%00`,
/// which a second decoding would turn back). Everything else goes to the home page.
fn safe_next(next: &str) -> Option<&str> {
    let bytes = next.as_bytes();
    let plain_path = bytes.first() == Some(&b'/') && !matches!(bytes.get(1), Some(b'/' | b'\\'));
    let clean = next.chars().all(|c| !c.is_control() && !c.is_whitespace() && c != '\\');
    let lower = next.to_ascii_lowercase();
    let encoded_trick =
        ["%5c", "%09", "%0a", "%0d", "%00", "%2f%2f", "%2f%5c"].iter().any(|e| lower.contains(e)) || lower.starts_with("/%2f");
    (plain_path && clean && !encoded_trick).then_some(next)
}

pub async fn login_page(Query(q): Query<NextQuery>) -> PageResult {
    Ok(render(&LoginPage { error: None, login: String::new(), next: q.next }))
}

#[derive(Deserialize)]
pub struct LoginForm {
    pub login: String,
    pub password: String,
    #[serde(default)]
    pub next: String,
}

pub async fn login_submit(State(state): State<AppState>, ClientIp(ip): ClientIp, Form(f): Form<LoginForm>) -> PageResult {
    let again = |msg: String, status: StatusCode| {
        let mut res = render(&LoginPage { error: Some(msg), login: f.login.clone(), next: f.next.clone() });
        *res.status_mut() = status;
        res
    };
    if let Err(wait) = state.login_limiter.check(ip) {
        vanguard_store::platform::refusals::note(&state.db, &ip.to_string(), "auth.rate_limit", &f.login).await?;
        return Ok(again(format!("登录尝试过于频繁，请 {wait} 秒后再试"), StatusCode::TOO_MANY_REQUESTS));
    }
    match account::login(&state.db, &f.login, &f.password, &ip.to_string()).await? {
        Ok(ok) => {
            let to = if ok.second_factor_required {
                "/totp".to_string()
            } else if ok.account.must_change_password {
                "/password".to_string()
            } else if let Some(n) = safe_next(&f.next) {
                n.to_string()
            } else if ok.account.role() == Role::Member {
                "/m".to_string()
            } else {
                "/".to_string()
            };
            let max_age = i64::from(state.db.rules().login.absolute_timeout_hours) * 3600;
            let mut res = see_other(&to);
            res.headers_mut().insert(header::SET_COOKIE, session_cookie(&state, &ok.token, max_age));
            Ok(res)
        }
        Err(LoginError::Failed) => Ok(again(account::LOGIN_FAILED.to_string(), StatusCode::UNAUTHORIZED)),
        Err(LoginError::OneTimeExpired) => {
            Ok(again("临时密码已超过24小时有效期，请联系系统管理员重新重置".to_string(), StatusCode::UNAUTHORIZED))
        }
    }
}

pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    account::logout(&state.db, &ctx.0).await?;
    let mut res = see_other("/login");
    res.headers_mut().insert(header::SET_COOKIE, session_cookie(&state, "", 0));
    Ok(res)
}

#[derive(Template)]
#[template(path = "auth/password.html")]
struct PasswordPage {
    shell: Shell,
    must_change: bool,
    done: bool,
    errors: HashMap<String, String>,
}

/// The same form inside the member portal's header, for members.
#[derive(Template)]
#[template(path = "auth/portal_password.html")]
struct PortalPasswordPage {
    shell: Shell,
    csrf: String,
    must_change: bool,
    done: bool,
    errors: HashMap<String, String>,
}

fn password_render(
    ctx: &Ctx,
    shell: Shell,
    must_change: bool,
    done: bool,
    errors: HashMap<String, String>,
) -> axum::response::Response {
    if ctx.0.scope.role == vanguard_domain::kernel::auth::Role::Member {
        let csrf = ctx.0.csrf_token.clone();
        render(&PortalPasswordPage { shell, csrf, must_change, done, errors })
    } else {
        render(&PasswordPage { shell, must_change, done, errors })
    }
}

pub async fn password_page(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let shell = Shell::new(&state, &ctx, "password").await;
    Ok(password_render(&ctx, shell, ctx.0.account.must_change_password, false, HashMap::new()))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    pub old_password: String,
    pub new_password: String,
}

pub async fn password_submit(State(state): State<AppState>, ctx: Ctx, Form(f): Form<PasswordForm>) -> PageResult {
    let result = account::change_password(&state.db, &ctx.0, &f.old_password, &f.new_password).await;
    let shell = Shell::new(&state, &ctx, "password").await;
    match result {
        Ok(()) => Ok(password_render(&ctx, shell, false, true, HashMap::new())),
        Err(e) => {
            let errors = crate::shell::form_errors(e)?;
            let mut res = password_render(&ctx, shell, ctx.0.account.must_change_password, false, errors);
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res.into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "auth/totp.html")]
struct TotpPage {
    shell: Shell,
    /// The login waits for the code.
    pending: bool,
    /// An enrolment under way: the secret and its link for the app.
    enrolment: Option<account::totp::Enrolment>,
    /// Enrolment done: the recovery codes, shown once.
    recovery_codes: Vec<String>,
    enabled: bool,
    required: bool,
    error: Option<String>,
}

async fn totp_render(state: &AppState, ctx: &Ctx, mut page: TotpPage, status: StatusCode) -> PageResult {
    page.enabled = account::totp::enabled(&state.db, ctx.0.account.id).await?;
    page.required = ctx.0.account.second_factor_owed(&state.db.rules().login);
    let mut res = render(&page);
    *res.status_mut() = status;
    Ok(res)
}

fn totp_blank(shell: Shell, pending: bool) -> TotpPage {
    TotpPage { shell, pending, enrolment: None, recovery_codes: Vec::new(), enabled: false, required: false, error: None }
}

pub async fn totp_page(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let shell = Shell::new(&state, &ctx, "totp").await;
    totp_render(&state, &ctx, totp_blank(shell, ctx.0.mfa_pending), StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct TotpForm {
    /// `verify` (login), `enrol` (start) or `confirm` (finish enrolment).
    pub action: String,
    #[serde(default)]
    pub code: String,
}

pub async fn totp_submit(State(state): State<AppState>, ctx: Ctx, Form(f): Form<TotpForm>) -> PageResult {
    let shell = Shell::new(&state, &ctx, "totp").await;
    let mut page = totp_blank(shell, ctx.0.mfa_pending);
    match f.action.as_str() {
        "verify" => {
            if account::totp::verify_session(&state.db, &ctx.0, &f.code).await? {
                return Ok(see_other(if ctx.0.account.role() == Role::Member { "/m" } else { "/" }));
            }
            page.error = Some("动态口令或恢复码不正确，请输入应用当前显示的6位数字".into());
            totp_render(&state, &ctx, page, StatusCode::UNAUTHORIZED).await
        }
        "enrol" => {
            page.enrolment = Some(account::totp::begin_enrolment(&state.db, &ctx.0).await?);
            totp_render(&state, &ctx, page, StatusCode::OK).await
        }
        "confirm" => match account::totp::confirm_enrolment(&state.db, &ctx.0, &f.code).await {
            Ok(codes) => {
                page.recovery_codes = codes;
                totp_render(&state, &ctx, page, StatusCode::OK).await
            }
            Err(e) => {
                page.error = crate::shell::form_errors(e)?.into_values().next();
                totp_render(&state, &ctx, page, StatusCode::UNPROCESSABLE_ENTITY).await
            }
        },
        _ => Err(crate::error::ApiError::not_found().into()),
    }
}
