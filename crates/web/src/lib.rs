//! The web layer: the JSON API under `/api/v1`, its OpenAPI document, and the
//! middleware every request passes (security headers, authentication, the route's
//! declared permission, CSRF for cookie sessions, the login rate limit).
//!
//! Every route is declared once in [`routes::table`] with the [`Permission`] it needs;
//! the router is built only from that table, so no route exists without a policy.
//! Reach (which orgs and members) is applied by the store's scope mechanism.
//!
//! [`Permission`]: vanguard_domain::kernel::auth::Permission

pub mod assets;
pub mod download;
pub mod error;
pub mod extract;
pub mod limiter;
pub mod middleware;
pub mod openapi;
pub mod routes;
pub mod server;
pub mod shell;
pub mod upload;

pub mod account;
pub mod affairs;
pub mod audit;
pub mod auth;
pub mod cockpit;
pub mod home;
pub mod learning;
pub mod member;
pub mod notify;
pub mod org;
pub mod orglife;
pub mod security;
pub mod service;
pub mod system;

use axum::Router;
use vanguard_store::Db;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub login_limiter: limiter::LoginLimiter,
    /// Send cookies with `Secure` and the `__Host-` prefix (true except in tests over
    /// plain HTTP on non-local hosts).
    pub secure_cookies: bool,
    /// Connection limits, timeouts and the trusted proxies.
    pub server: server::ServerConfig,
    /// Room for uploaded bytes held at once (see [`upload::read`]).
    pub uploads_in_flight: upload::InFlight,
}

impl AppState {
    pub fn new(db: Db) -> Self {
        let login = db.rules().login.clone();
        let db_limits_in_flight = db.upload_limits().0.max_bytes_in_flight;
        AppState {
            login_limiter: limiter::LoginLimiter::new(login.ip_burst, login.ip_refill_seconds),
            db,
            secure_cookies: true,
            server: server::ServerConfig::default(),
            uploads_in_flight: upload::InFlight::new(db_limits_in_flight),
        }
    }
}

/// The whole application router.
pub fn app(state: AppState) -> Router {
    routes::router(state)
}

/// Serves the application until the process is stopped (see [`server::serve_until`]
/// for a graceful stop).
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    server::serve_until(state, listener, std::future::pending()).await
}
