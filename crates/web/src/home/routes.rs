//! The routes of home: The workbench home and the member portal (党员端).

use crate::routes::{RouteSpec, r};
use axum::routing::get;

/// This feature's part of the route table.
pub fn routes() -> Vec<RouteSpec> {
    vec![
        r!(GET "/", SelfService, "page", "首页：管辖范围与待关注事项", None, get(super::pages::home)),
        r!(GET "/m/plan", MemberRead, "page", "党员端：本支部主题党日计划", None, get(super::portal::plan)),
        r!(GET "/m", SelfService, "page", "党员端首页", None, get(super::portal::home)),
        r!(GET "/m/profile", MemberRead, "page", "党员端：我的档案", None, get(super::portal::profile)),
        r!(GET "/m/branch", MemberRead, "page", "党员端：我的支部", None, get(super::portal::branch)),
    ]
}
