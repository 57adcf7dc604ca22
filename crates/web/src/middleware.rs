//! What every request passes through: its context (correlation id, client address),
//! security headers, and per route the declared permission (authentication, role, forced
//! password change, CSRF for cookie sessions).

use crate::AppState;
use crate::error::ApiError;
use crate::extract::ClientIp;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use tracing::Instrument;
use vanguard_domain::kernel::auth::Permission;
use vanguard_store::platform::audit::{self, Event};

/// The session cookie's name: `__Host-` binds it to this host, path `/`, HTTPS.
pub const COOKIE_SECURE: &str = "__Host-vanguard";
/// The name used when secure cookies are switched off (plain-HTTP test setups).
pub const COOKIE_PLAIN: &str = "vanguard";

tokio::task_local! {
    static REQUEST_ID: String;
    static FLASH: Option<&'static str>;
}

/// The success message of the request being handled: a page redirected to after a save
/// carries `?done=<key>`, and the shell shows the key's fixed message (never the text of
/// the URL itself). See [`crate::shell::flash_message`].
pub fn current_flash() -> Option<&'static str> {
    FLASH.try_with(|f| *f).ok().flatten()
}

/// The response header carrying the request's correlation id.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The correlation id (错误编号) of the request being handled on this task, if any.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// A fresh correlation id: 64 random bits, 16 hex digits (short enough to read out).
pub fn new_request_id() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// An id a trusted proxy already gave the request: kept when it is short and plain.
fn acceptable_request_id(v: &HeaderValue) -> Option<String> {
    let s = v.to_str().ok()?;
    (!s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')))
        .then(|| s.to_string())
}

/// The outermost layer: gives the request its correlation id and its client address.
///
/// The id goes into every log line of the request (a tracing span), into every error
/// answer (JSON `correlation_id`, the error page's 错误编号) and into the `x-request-id`
/// response header, so a user can quote it and support can find the log. The client
/// address is the socket's peer, or what a trusted proxy says (see
/// [`crate::server::TrustedProxies`]); lockout, rate limits and audit use it.
pub async fn request_context(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()).unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let proxies = &state.server.trusted_proxies;
    let client = proxies.client_ip(peer, req.headers());
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .filter(|_| proxies.trusts(peer))
        .and_then(acceptable_request_id)
        .unwrap_or_else(new_request_id);
    req.extensions_mut().insert(ClientIp(client));
    let span =
        tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path(), client = %client);
    let flash = req
        .uri()
        .query()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("done=")).and_then(crate::shell::flash_message));
    let mut res = REQUEST_ID.scope(id.clone(), FLASH.scope(flash, next.run(req).instrument(span))).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    res
}

/// Adds the security headers to every response. Nothing but the embedded static assets
/// may be stored by a browser or proxy: pages and API answers carry personal data.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let is_asset = req.uri().path().starts_with("/assets/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    // A file users uploaded comes with its own, sandboxing policy (download::user_file).
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"),
    );
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !is_asset {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Where the request's session token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    Bearer,
    Cookie,
}

/// The session token of a request: `Authorization: Bearer …` or the session cookie.
pub fn session_token(headers: &HeaderMap) -> Option<(String, TokenSource)> {
    if let Some(v) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())
        && let Some(t) = v.strip_prefix("Bearer ")
    {
        return Some((t.trim().to_string(), TokenSource::Bearer));
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .flatten()
        .find(|c| c.name() == COOKIE_SECURE || c.name() == COOKIE_PLAIN)
        .map(|c| (c.value().to_string(), TokenSource::Cookie))
}

fn is_unsafe(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The request does not come from another site (Sec-Fetch-Site, Origin vs Host).
fn origin_ok(headers: &HeaderMap) -> bool {
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()).is_some_and(|s| s == "cross-site") {
        return false;
    }
    if let (Some(origin), Some(host)) =
        (headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()), headers.get(header::HOST).and_then(|v| v.to_str().ok()))
    {
        let origin_host = origin.split("://").nth(1).unwrap_or("");
        if origin_host != host {
            return false;
        }
    }
    true
}

/// A cookie-authenticated unsafe request must carry the session's CSRF token and must
/// not come from another site.
fn csrf_ok(headers: &HeaderMap, expected: &str) -> bool {
    origin_ok(headers) && headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).is_some_and(|t| t == expected)
}

/// Whether a path is a page (HTML) rather than the API.
fn is_page(path: &str) -> bool {
    !path.starts_with("/api/") && path != "/healthz"
}

/// The `_csrf` field of a URL-encoded form body.
fn form_csrf(body: &[u8]) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .unwrap_or_default()
        .into_iter()
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v)
}

fn deny(page: bool, e: ApiError) -> Response {
    if page { crate::shell::PageError(e).into_response() } else { e.into_response() }
}

/// Enforces one route's declared permission. Installed by [`crate::routes::router`] on
/// every route from the table. Pages get a login redirect and HTML errors; the API
/// gets JSON errors with the same status codes.
pub async fn enforce(State((state, permission)): State<(AppState, Permission)>, req: Request, next: Next) -> Response {
    if permission == Permission::Public {
        return next.run(req).await;
    }
    let (parts, mut body) = req.into_parts();
    let page = is_page(parts.uri.path());
    let ip = crate::extract::client_ip(&parts).to_string();
    let session = match session_token(&parts.headers) {
        None => None,
        Some((token, source)) => match vanguard_store::account::authenticate(&state.db, &token, &ip).await {
            Ok(Some(s)) => Some((s, source)),
            Ok(None) => None,
            Err(e) => return deny(page, ApiError::from(e)),
        },
    };
    let Some((session, source)) = session else {
        if page {
            let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            let encoded = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
            return Redirect::to(&format!("/login?{encoded}")).into_response();
        }
        return ApiError::unauthorized().into_response();
    };
    if source == TokenSource::Cookie && is_unsafe(&parts.method) && !csrf_ok(&parts.headers, &session.csrf_token) {
        // HTML forms carry the token as a field instead of a header.
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
        let mut ok = false;
        if is_form && origin_ok(&parts.headers) {
            match axum::body::to_bytes(body, 1 << 20).await {
                Ok(bytes) => {
                    ok = form_csrf(&bytes).is_some_and(|t| t == session.csrf_token);
                    body = axum::body::Body::from(bytes);
                }
                Err(e) => return deny(page, ApiError::body_unreadable(&e)),
            }
        }
        if !ok {
            let denial = Event::ok("authz.csrf", parts.uri.path().to_string()).with_result("denied");
            if let Err(e) = audit::record(&state.db, &session.scope.actor, denial).await {
                return deny(page, e.into());
            }
            return deny(
                page,
                ApiError::new(axum::http::StatusCode::FORBIDDEN, "csrf.invalid", "页面已过期或请求来源不正确，请刷新页面后重试"),
            );
        }
    }
    if session.account.must_change_password && permission != Permission::SelfService {
        if page {
            return Redirect::to("/password").into_response();
        }
        return ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "password.must_change",
            "首次登录、密码被重置或密码已过期后，请先修改密码",
        )
        .into_response();
    }
    // A login with a second factor serves nothing but the second step until it is given.
    if session.mfa_pending
        && !matches!(parts.uri.path(), "/api/v1/auth/totp" | "/api/v1/auth/logout" | "/api/v1/auth/me" | "/totp" | "/logout")
    {
        if page {
            return Redirect::to("/totp").into_response();
        }
        return ApiError::new(axum::http::StatusCode::UNAUTHORIZED, "auth.second_factor", "请先输入动态口令完成登录")
            .into_response();
    }
    // An administrator or 支部书记 without a second factor may only enrol one (等保三级).
    let enrolling = matches!(parts.uri.path(), "/totp" | "/password" | "/logout");
    if (permission != Permission::SelfService || (page && !enrolling))
        && session.account.second_factor_owed(&state.db.rules().login)
    {
        if page {
            return Redirect::to("/totp").into_response();
        }
        return ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "totp.enrol_required",
            "管理员和支部书记账户须先启用动态口令（POST /api/v1/auth/totp/enrol），才能继续使用",
        )
        .into_response();
    }
    if !session.scope.role.grants(permission) {
        let denial = Event::ok("authz.deny", format!("{} {}", parts.method, parts.uri.path()))
            .with_result("denied")
            .detail(permission.code());
        if let Err(e) = audit::record(&state.db, &session.scope.actor, denial).await {
            return deny(page, e.into());
        }
        return deny(page, ApiError::forbidden());
    }
    let mut req = Request::from_parts(parts, body);
    req.extensions_mut().insert(session);
    next.run(req).await
}
