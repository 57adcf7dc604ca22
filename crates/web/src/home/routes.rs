//! The routes of home: The workbench home and the member portal (党员端).

use crate::routes::{RouteSpec, r};
use axum::routing::{get, post};

/// This feature's part of the route table.
pub fn routes() -> Vec<RouteSpec> {
    vec![
        r!(GET "/", SelfService, "page", "首页：管辖范围与待关注事项", None, get(super::pages::home)),
        r!(GET "/m/plan", MemberRead, "page", "党员端：本支部主题党日计划", None, get(super::portal::plan)),
        r!(GET "/m", SelfService, "page", "党员端首页", None, get(super::portal::home)),
        r!(GET "/m/meetings/{id}", MemberRead, "page", "党员端：会议详情、我的出勤与请假", None, get(super::portal::meeting)),
        r!(POST "/m/meetings/{id}/leave", MemberRead, "page", "党员端：为即将召开的会议请假（注明原因，由支部审批）", None, post(super::portal::leave)),
        r!(GET "/m/scan", SelfService, "page", "党员端：扫码签到说明（手机相机或微信扫一扫）", None, get(super::portal::scan)),
        r!(GET "/m/profile", MemberRead, "page", "党员端：我的档案", None, get(super::portal::profile)),
        r!(GET "/m/branch", MemberRead, "page", "党员端：我的支部", None, get(super::portal::branch)),
    ]
}
