//! The routes of system: Health, the API document, the rules in force, static assets.

use crate::routes::{RouteSpec, r};
use axum::routing::get;

/// This feature's part of the route table.
pub fn routes() -> Vec<RouteSpec> {
    vec![
        r!(GET "/healthz", Public, "system", "健康检查：存储可达时返回 200", None, get(super::api::healthz)),
        r!(GET "/api/openapi.json", Public, "system", "本 API 的 OpenAPI 文档", None, get(super::api::openapi)),
        r!(GET "/api/v1/rules", SelfService, "system", "当前生效的规则配置（版本化）", None, get(super::api::rules)),
        r!(GET "/assets/{file}", Public, "page", "静态资源（内嵌）", None, get(crate::assets::asset)),
    ]
}
