//! The routes of audit: The audit log (审计员 only).

use crate::routes::{RouteSpec, r};
use axum::routing::get;

/// This feature's part of the route table.
pub fn routes() -> Vec<RouteSpec> {
    vec![
        r!(GET "/api/v1/audit", AuditRead, "audit", "审计日志（按操作、操作人、结果、时间筛选）", None, get(super::api::list)),
        r!(GET "/api/v1/audit/verify", AuditRead, "audit", "校验审计日志哈希链", None, get(super::api::verify)),
        r!(GET "/audit", AuditRead, "page", "审计日志查看", None, get(super::pages::list)),
    ]
}
