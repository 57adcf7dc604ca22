//! The routes of org: 党组织: the tree, its pages and edits, the tree navigator.

use crate::routes::{RouteSpec, r};
use axum::routing::{get, patch, post};

/// This feature's part of the route table.
pub fn routes() -> Vec<RouteSpec> {
    vec![
        r!(GET "/api/v1/orgs", OrgRead, "org", "管辖范围内的最上级党组织；带 q 参数时按名称搜索（分页）", None, get(super::api::roots)),
        r!(GET "/api/v1/orgs/{id}", OrgRead, "org", "党组织详情：任期、书记、下级党组织及人数、结构提示", None, get(super::api::detail)),
        r!(GET "/api/v1/orgs/{id}/children", OrgRead, "org", "下级党组织及各自人数（分页）", None, get(super::api::children)),
        r!(POST "/api/v1/orgs/{id}/children", OrgWrite, "org", "在该党组织下新建党组织", Some(crate::routes::schema::<vanguard_domain::org::OrgInput>), post(super::api::create_child)),
        r!(PATCH "/api/v1/orgs/{id}", OrgWrite, "org", "修改党组织信息（名称、领域、任期、书记、状态）", Some(crate::routes::schema::<super::api::OrgUpdate>), patch(super::api::update)),
        r!(POST "/api/v1/orgs/{id}/move", OrgWrite, "org", "把党组织连同下级和党员整体迁移到新的上级", Some(crate::routes::schema::<super::api::OrgMove>), post(super::api::move_org)),
        r!(POST "/api/v1/orgs/{id}/dissolve", OrgWrite, "org", "撤销党组织（仍有党员时拒绝）", Some(crate::routes::schema::<super::api::OrgDissolve>), post(super::api::dissolve)),
        r!(GET "/tree/search", OrgRead, "page", "组织树：按名称搜索", None, get(super::tree::search)),
        r!(GET "/tree/pick", OrgRead, "page", "选择党组织：按名称查找管辖范围内可选的党组织（导入、迁移表单用）", None, get(super::tree::pick)),
        r!(GET "/tree/{id}", OrgRead, "page", "组织树：展开下级", None, get(super::tree::children)),
        r!(GET "/orgs/{id}", OrgRead, "page", "党组织页", None, get(super::pages::detail)),
        r!(GET "/orgs/{id}/edit", OrgWrite, "page", "修改党组织表单", None, get(super::pages::edit_form)),
        r!(POST "/orgs/{id}/edit", OrgWrite, "page", "修改党组织", None, post(super::pages::edit_submit)),
        r!(GET "/orgs/{id}/new", OrgWrite, "page", "新建下级党组织表单", None, get(super::pages::new_form)),
        r!(POST "/orgs/{id}/new", OrgWrite, "page", "新建下级党组织", None, post(super::pages::new_submit)),
        r!(GET "/orgs/{id}/move", OrgWrite, "page", "迁移党组织表单", None, get(super::pages::move_form)),
        r!(POST "/orgs/{id}/move", OrgWrite, "page", "迁移党组织", None, post(super::pages::move_submit)),
        r!(POST "/orgs/{id}/dissolve", OrgWrite, "page", "撤销党组织", None, post(super::pages::dissolve_submit)),
    ]
}
