//! The routes of security: role-grant approval and security alerts.

use crate::routes::{RouteSpec, r};
use axum::routing::{get, post};

/// This feature's part of the route table.
pub fn routes() -> Vec<RouteSpec> {
    vec![
        r!(GET "/api/v1/role-requests", SecurityAdmin, "security", "角色授权申请（待审批的在前）", None, get(super::api::list)),
        r!(POST "/api/v1/role-requests/{id}/approve", SecurityAdmin, "security", "批准角色授权申请", None, post(super::api::approve)),
        r!(POST "/api/v1/role-requests/{id}/reject", SecurityAdmin, "security", "驳回角色授权申请", None, post(super::api::reject)),
        r!(GET "/api/v1/security/alerts", SecurityAdmin, "security", "安全告警（如审计日志校验未通过）", None, get(super::api::alerts)),
        r!(GET "/api/v1/audit/alerts", AuditRead, "audit", "安全告警（审计员查看）", None, get(super::api::alerts)),
        r!(GET "/security", SecurityAdmin, "page", "安全管理：角色授权审批与安全告警", None, get(super::pages::page)),
        r!(GET "/security/alerts", SecurityAdmin, "page", "安全告警（全部，分页）", None, get(super::pages::alerts_page)),
        r!(POST "/security/requests/{id}/{action}", SecurityAdmin, "page", "批准/驳回角色授权申请（表单）", None, post(super::pages::decide)),
    ]
}
