//! The routes of 党员事务: 党费 (dues) — bases, bills, payments, reversals, the report,
//! the member's own dues and online payment.

use crate::routes::{RouteSpec, r};
use axum::routing::{get, post, put};

/// This feature's part of the route table.
pub fn routes() -> Vec<RouteSpec> {
    vec![
        r!(GET "/api/v1/dues/orgs/{id}/bills", MemberWrite, "dues", "该党组织（含下级）某月的党费账单（?month=2026-07&status=paid|unpaid），按姓名分页", None, get(super::api::bills)),
        r!(POST "/api/v1/dues/orgs/{id}/bills", MemberWrite, "dues", "生成该党组织（含下级）某月的党费账单（已生成的不重复生成；未核定基数的党员不生成）", Some(crate::routes::schema::<super::api::GenerateBills>), post(super::api::generate_bills)),
        r!(GET "/api/v1/dues/orgs/{id}/report", OrgRead, "dues", "党费收缴报表：按月的应交、实交、未交和收缴率，并按下级党组织分列（?from=&to=，最多24个月）", None, get(super::api::report)),
        r!(GET "/api/v1/dues/orgs/{id}/report.xlsx", OrgRead, "dues", "党费收缴报表导出为 Excel（按月、按下级党组织、下级党组织按月三张表）", None, get(super::api::report_xlsx)),
        r!(GET "/api/v1/dues/members/{id}", MemberWrite, "dues", "党员的党费：基数历史、近三年账单和交纳记录、结余、欠交情况", None, get(super::api::member_dues)),
        r!(PUT "/api/v1/dues/members/{id}/base", MemberWrite, "dues", "核定党员的党费类别和交纳基数（自新工资开始执行的月份起适用）", Some(crate::routes::schema::<vanguard_domain::affairs::dues::BaseInput>), put(super::api::set_base)),
        r!(POST "/api/v1/dues/members/{id}/payments", MemberWrite, "dues", "登记党费交纳（本人、委托代缴或现金），须带 Idempotency-Key 请求头：同一键重复提交只记一次；补交最多6个月", Some(crate::routes::schema::<vanguard_domain::affairs::dues::PaymentInput>), post(super::api::record_payment)),
        r!(POST "/api/v1/dues/entries/{id}/reverse", MemberWrite, "dues", "冲正一笔交纳记录（追加一笔相反的记录，原记录不改；须注明原因）", Some(crate::routes::schema::<super::api::Reversal>), post(super::api::reverse)),
        r!(GET "/api/v1/dues/me", MemberRead, "dues", "党员端：我的党费（账单、交纳记录、欠交情况）", None, get(super::api::my_dues)),
        r!(POST "/api/v1/dues/me/orders", MemberRead, "dues", "党员端：在线交纳本人党费，生成支付订单并返回支付地址", Some(crate::routes::schema::<vanguard_domain::affairs::dues::PaymentInput>), post(super::api::create_order)),
        r!(POST "/api/v1/dues/members/{id}/reliefs", MemberWrite, "dues", "支部代党员提出少交或免交党费申请（须经支部研究、上级党委批准）", Some(crate::routes::schema::<vanguard_domain::affairs::dues_relief::ReliefInput>), post(super::api::apply_relief)),
        r!(POST "/api/v1/dues/me/reliefs", MemberRead, "dues", "党员端：申请少交或免交党费（注明理由）", Some(crate::routes::schema::<vanguard_domain::affairs::dues_relief::ReliefInput>), post(super::api::apply_my_relief)),
        r!(GET "/api/v1/dues/reliefs", MemberWrite, "dues", "待我审批的党费减免申请：本支部待研究的，及下级支部已研究待本级党委批准的", None, get(super::api::reliefs)),
        r!(POST "/api/v1/dues/reliefs/{id}/decide", MemberWrite, "dues", "研究或批准党费减免申请：支部研究后由上一级党委的另一账户批准；不同意须说明理由", Some(crate::routes::schema::<super::api::ReliefDecision>), post(super::api::decide_relief)),
        r!(GET "/orgs/{id}/dues", MemberWrite, "page", "党费收缴：本支部某月的账单、已交未交、登记现金交纳", None, get(super::pages::branch)),
        r!(POST "/orgs/{id}/dues", MemberWrite, "page", "生成某月党费账单（表单）", None, post(super::pages::generate)),
        r!(GET "/members/{id}/dues", MemberWrite, "page", "党员的党费：核定基数、登记交纳、交纳记录和冲正", None, get(super::pages::member)),
        r!(POST "/members/{id}/dues/base", MemberWrite, "page", "核定党费类别和基数（表单）", None, post(super::pages::set_base)),
        r!(POST "/members/{id}/dues/pay", MemberWrite, "page", "登记党费交纳（表单）", None, post(super::pages::pay)),
        r!(POST "/members/{id}/dues/relief", MemberWrite, "page", "代党员提出党费减免申请（表单）", None, post(super::pages::apply_relief)),
        r!(POST "/dues/reliefs/{id}", MemberWrite, "page", "研究或批准党费减免申请（表单）", None, post(super::pages::decide_relief)),
        r!(POST "/dues/entries/{id}/reverse", MemberWrite, "page", "冲正交纳记录（表单）", None, post(super::pages::reverse)),
        r!(GET "/m/dues", MemberRead, "page", "党员端：我的党费", None, get(super::pages::my_dues)),
        r!(POST "/m/dues", MemberRead, "page", "党员端：选择月份在线交纳党费（表单）", None, post(super::pages::my_pay)),
        r!(POST "/m/dues/relief", MemberRead, "page", "党员端：申请少交或免交党费（表单）", None, post(super::pages::my_relief)),
        r!(GET "/m/dues/orders/{id}", MemberRead, "page", "党员端：模拟支付页（本地支付网关）", None, get(super::pages::checkout)),
        r!(POST "/m/dues/orders/{id}", MemberRead, "page", "党员端：模拟支付网关的支付结果通知（表单）", None, post(super::pages::checkout_notify)),
    ]
}
