//! The routes of 三亮三比.

use crate::routes::{RouteSpec, r};
use axum::routing::{delete, get, post, put};

/// This part's share of the route table.
pub fn routes() -> Vec<RouteSpec> {
    vec![
        r!(GET "/api/v1/pledges/orgs/{id}", MemberWrite, "pledges", "三亮三比：本组织可授予的标识、已授标识、党员某年的承诺（?year=）、比服务比业绩比贡献记录、是否公开", None, get(super::pledge_api::overview)),
        r!(POST "/api/v1/pledges/orgs/{id}/labels", MemberWrite, "pledges", "授予党员三亮标识（党员示范岗、党员先锋岗、共产党员户，按本组织所属领域）", Some(crate::routes::schema::<vanguard_store::service::pledge::PledgeLabelInput>), post(super::pledge_api::grant)),
        r!(DELETE "/api/v1/pledges/labels/{id}", MemberWrite, "pledges", "撤销三亮标识", None, delete(super::pledge_api::revoke)),
        r!(PUT "/api/v1/pledges/orgs/{id}/published", MemberWrite, "pledges", "设置是否公开本组织的三亮标识和党员承诺（公开页不需登录）", Some(crate::routes::schema::<super::pledge_api::PublishInput>), put(super::pledge_api::publish)),
        r!(POST "/api/v1/pledges/commitments/{id}/decide", MemberWrite, "pledges", "审核党员承诺（通过、退回须说明理由）或年底践诺评议（等次和意见），不能由党员本人账户办理", Some(crate::routes::schema::<super::pledge_api::CommitmentDecision>), post(super::pledge_api::decide)),
        r!(POST "/api/v1/pledges/members/{id}/records", MemberWrite, "pledges", "登记党员的比服务、比业绩、比贡献（事项、日期、佐证）", Some(crate::routes::schema::<vanguard_domain::service::pledge::CompareInput>), post(super::pledge_api::add_record)),
        r!(GET "/api/v1/pledges/me", MemberRead, "pledges", "党员端：我今年的承诺及审核、评议情况", None, get(super::pledge_api::mine)),
        r!(PUT "/api/v1/pledges/me", MemberRead, "pledges", "党员端：写今年的承诺（支部通过前可修改）", Some(crate::routes::schema::<super::pledge_api::CommitmentInput>), put(super::pledge_api::write_mine)),
        r!(GET "/api/v1/public/orgs/{id}/pledges", Public, "pledges", "公开：党组织选择公开的三亮标识和党员承诺（只有姓名、标识和承诺内容；未公开为404；按来源地址限流）", None, get(super::pledge_api::public)),
        r!(GET "/orgs/{id}/pledges", MemberWrite, "page", "三亮三比：标识、承诺审核和评议、比记录、公开设置", None, get(super::pledge_pages::org_html)),
        r!(POST "/orgs/{id}/pledges", MemberWrite, "page", "三亮三比（表单）", None, post(super::pledge_pages::org_submit)),
        r!(GET "/m/pledge", MemberRead, "page", "党员端：我的承诺", None, get(super::pledge_pages::portal)),
        r!(POST "/m/pledge", MemberRead, "page", "党员端：提交我的承诺（表单）", None, post(super::pledge_pages::portal_submit)),
        r!(GET "/public/orgs/{id}/pledges", Public, "page", "公开：党员亮承诺（不需登录；未公开为404）", None, get(super::pledge_pages::public_html)),
    ]
}
