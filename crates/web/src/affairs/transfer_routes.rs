//! The routes of 组织关系接转 (transfers): the JSON API and the pages.

use crate::routes::{RouteSpec, r};
use axum::routing::{get, post};

/// This affair's part of the route table.
pub fn routes() -> Vec<RouteSpec> {
    vec![
        r!(GET "/api/v1/transfers", MemberWrite, "transfers", "组织关系转接：本级及下级转出的（?box=out）或转入本级及下级的（?box=in），可按状态筛选（?state=in_transit），分页", None, get(super::transfer_api::list)),
        r!(POST "/api/v1/transfers", MemberWrite, "transfers", "发起组织关系转接：转往平台内任一党支部（含其他区县），或填写市外接收党组织名称；介绍信有效期默认市内10天、市外30天，最长3个月", Some(crate::routes::schema::<vanguard_domain::affairs::transfer::TransferInput>), post(super::transfer_api::initiate)),
        r!(GET "/api/v1/transfers/awaiting", MemberWrite, "transfers", "待我办理的组织关系转接：待转出审批（他人发起的）、待接收、介绍信过期待重开、待登记回执", None, get(super::transfer_api::awaiting)),
        r!(GET "/api/v1/transfers/me", MemberRead, "transfers", "党员端：我的组织关系转接及其进度", None, get(super::transfer_api::mine)),
        r!(GET "/api/v1/transfers/{id}", MemberWrite, "transfers", "一份组织关系转接及其介绍信（转出方或接收方可见）", None, get(super::transfer_api::one)),
        r!(POST "/api/v1/transfers/{id}/decide", MemberWrite, "transfers", "办理组织关系转接：approve 转出审批（须发起人以外的账户）、return 退回（须说明理由）、withdraw 撤回、accept 接收（党员即编入接收党支部）、refuse 拒接（须说明理由，上级党组织可见）、reissue 重新开具过期的介绍信、receipt 登记回执", Some(crate::routes::schema::<vanguard_store::affairs::TransferDecision>), post(super::transfer_api::decide)),
        r!(GET "/transfers", MemberWrite, "page", "组织关系转接：待我办理、转出、转入", None, get(super::transfer_pages::list)),
        r!(GET "/transfers/pick-org", MemberWrite, "page", "选择接收党支部：按名称在各区县查找（转接表单用）", None, get(super::transfer_pages::pick_org)),
        r!(GET "/transfers/{id}", MemberWrite, "page", "组织关系介绍信（可打印）及办理", None, get(super::transfer_pages::letter)),
        r!(POST "/transfers/{id}", MemberWrite, "page", "办理组织关系转接（表单）", None, post(super::transfer_pages::act)),
        r!(GET "/members/{id}/transfer", MemberWrite, "page", "发起党员的组织关系转接", None, get(super::transfer_pages::new_form)),
        r!(POST "/members/{id}/transfer", MemberWrite, "page", "发起组织关系转接（表单）", None, post(super::transfer_pages::initiate)),
        r!(GET "/m/transfer", MemberRead, "page", "党员端：我的组织关系转接", None, get(super::transfer_pages::mine)),
    ]
}
