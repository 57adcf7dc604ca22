//! The route table: every route with the permission it needs. The router is built from
//! this table alone (see [`router`]), the OpenAPI document is generated from it, and the
//! authorization matrix test walks it.

use crate::AppState;
use crate::middleware::{enforce, request_context, security_headers};
use axum::Router;
use axum::http::Method;
use axum::routing::MethodRouter;
use std::collections::BTreeMap;
use vanguard_domain::kernel::auth::Permission;

/// One route and its policy.
pub struct RouteSpec {
    pub method: Method,
    /// axum path syntax: `/api/v1/orgs/{id}`.
    pub path: &'static str,
    pub permission: Permission,
    /// Chinese summary for the API document.
    pub summary: &'static str,
    pub tag: &'static str,
    /// The request body's schema in the API document, if any.
    pub body: Option<SchemaFn>,
    /// The query parameters, read from the handler's own extractors
    /// ([`crate::openapi::ApiArg`]): a handler that reads a query documents it.
    pub params: crate::openapi::ParamsFn,
    /// The success answer's status and schema, read from the handler's return type
    /// (`Json<T>` with `T: ToSchema`); `None` for pages, files and bare statuses.
    pub answer: Option<crate::openapi::AnswerFn>,
    pub(crate) handler: MethodRouter<AppState>,
}

macro_rules! r {
    ($m:ident $path:literal, $perm:ident, $tag:literal, $summary:literal, $body:expr, $router:ident($h:path)) => {
        $crate::routes::RouteSpec {
            method: ::axum::http::Method::$m,
            path: $path,
            permission: ::vanguard_domain::kernel::auth::Permission::$perm,
            summary: $summary,
            tag: $tag,
            body: $body,
            params: $crate::openapi::params_of(&$h),
            answer: {
                #[allow(unused_imports)]
                use $crate::openapi::{Answered as _, Unanswered as _};
                (&$crate::openapi::probe(&$h)).answer()
            },
            handler: $router($h),
        }
    };
}

pub(crate) use r;

/// Puts a type's schema (and every schema it refers to) into the API document's
/// components and answers its name.
pub type SchemaFn = fn(&mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) -> String;

/// The [`SchemaFn`] of `T`, derived from the type itself (`#[derive(utoipa::ToSchema)]`).
pub fn schema<T: utoipa::ToSchema>(out: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) -> String {
    T::schemas(out);
    let name = T::name().into_owned();
    out.push((name.clone(), T::schema()));
    name
}

/// Every route of the application: each feature's part, one line per feature.
pub fn table() -> Vec<RouteSpec> {
    [
        crate::system::routes::routes(),
        crate::auth::routes::routes(),
        crate::account::routes::routes(),
        crate::audit::routes::routes(),
        crate::security::routes::routes(),
        crate::org::routes::routes(),
        crate::member::routes::routes(),
        crate::orglife::routes::routes(),
        crate::affairs::routes::routes(),
        crate::affairs::election_routes::routes(),
        crate::affairs::recruit_routes::routes(),
        crate::affairs::transfer_routes::routes(),
        crate::cockpit::routes::routes(),
        crate::learning::routes::routes(),
        crate::notify::routes::routes(),
        crate::home::routes::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Builds the router from the table: each route behind its own permission check.
pub fn router(state: AppState) -> Router {
    let mut by_path: BTreeMap<&'static str, MethodRouter<AppState>> = BTreeMap::new();
    for spec in table() {
        let guarded = spec.handler.layer(axum::middleware::from_fn_with_state((state.clone(), spec.permission), enforce));
        let merged = match by_path.remove(spec.path) {
            Some(existing) => existing.merge(guarded),
            None => guarded,
        };
        by_path.insert(spec.path, merged);
    }
    let mut router = Router::new();
    for (path, mr) in by_path {
        router = router.route(path, mr);
    }
    router
        .fallback(crate::system::api::not_found)
        .layer(axum::middleware::from_fn(security_headers))
        .layer(axum::middleware::from_fn_with_state(state.clone(), request_context))
        .with_state(state)
}
