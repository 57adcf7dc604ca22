//! The routes of 挂职 (三重三跨 secondments).

use crate::routes::{RouteSpec, r};
use axum::routing::{get, post};

/// This part's share of the route table.
pub fn routes() -> Vec<RouteSpec> {
    vec![
        r!(GET "/api/v1/secondments/orgs/{id}", OrgRead, "secondments", "挂职干部：派出或挂职到本组织（含下级）的干部（最多500条）", None, get(super::secondment_api::list)),
        r!(GET "/api/v1/secondments/orgs/{id}/years", OrgRead, "secondments", "挂职干部按年统计：当年开始挂职人数、当年在岗人数", None, get(super::secondment_api::per_year)),
        r!(POST "/api/v1/secondments", MemberWrite, "secondments", "派出干部挂职：挂职单位、起止日期（结束日期留空按默认期限）、挂任职务和工作职责", Some(crate::routes::schema::<vanguard_domain::service::secondment::SecondmentInput>), post(super::secondment_api::create)),
        r!(GET "/api/v1/secondments/{id}", OrgRead, "secondments", "挂职及其全部报告", None, get(super::secondment_api::get)),
        r!(POST "/api/v1/secondments/{id}/steps", MemberWrite, "secondments", "办理挂职：报告、期满结束、提前结束（说明原因）、期满考核（挂职单位，等次和意见）", Some(crate::routes::schema::<vanguard_store::service::secondment::SecondmentStep>), post(super::secondment_api::step)),
        r!(GET "/orgs/{id}/secondments", OrgRead, "page", "挂职干部：按年统计、名单、派出干部挂职", None, get(super::secondment_pages::org_html)),
        r!(POST "/orgs/{id}/secondments", MemberWrite, "page", "派出干部挂职（表单）", None, post(super::secondment_pages::create_html)),
        r!(GET "/secondments/{id}", OrgRead, "page", "挂职：职责、报告和办理", None, get(super::secondment_pages::detail_html)),
        r!(POST "/secondments/{id}", MemberWrite, "page", "办理挂职（表单）", None, post(super::secondment_pages::step_html)),
    ]
}
