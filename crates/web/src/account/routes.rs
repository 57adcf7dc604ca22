//! The routes of account: Account administration (系统管理员).

use crate::routes::{RouteSpec, r};
use axum::routing::{get, post, put};

/// This feature's part of the route table.
pub fn routes() -> Vec<RouteSpec> {
    vec![
        r!(GET "/api/v1/accounts", AccountAdmin, "account", "账户列表", None, get(super::api::list)),
        r!(POST "/api/v1/accounts", AccountAdmin, "account", "新建账户（关联党员可按公民身份号码 member_id_number）", Some(crate::routes::schema::<super::api::CreateAccount>), post(super::api::create)),
        r!(GET "/api/v1/accounts/orgs", AccountAdmin, "account", "按名称查找党组织（只含名称与层级，供指定管辖范围）", None, get(super::api::orgs)),
        r!(POST "/api/v1/accounts/member-lookup", AccountAdmin, "account", "按公民身份号码核对在册党员（只答是否找到与脱敏姓名）", Some(crate::routes::schema::<super::api::MemberLookup>), post(super::api::member_lookup)),
        r!(GET "/api/v1/accounts/{id}", AccountAdmin, "account", "账户详情", None, get(super::api::detail)),
        r!(POST "/api/v1/accounts/{id}/reset-password", AccountAdmin, "account", "重置为一次性临时密码", None, post(super::api::reset_password)),
        r!(POST "/api/v1/accounts/{id}/unlock", AccountAdmin, "account", "解除登录锁定", None, post(super::api::unlock)),
        r!(POST "/api/v1/accounts/{id}/disable", AccountAdmin, "account", "停用账户（立即结束其会话）", None, post(super::api::disable)),
        r!(POST "/api/v1/accounts/{id}/enable", AccountAdmin, "account", "启用账户", None, post(super::api::enable)),
        r!(PUT "/api/v1/accounts/{id}/role", AccountAdmin, "account", "分配角色与管辖范围", Some(crate::routes::schema::<super::api::RoleAssignment>), put(super::api::set_role)),
        r!(GET "/accounts", AccountAdmin, "page", "账户管理", None, get(super::pages::list)),
        r!(GET "/accounts/pick-org", AccountAdmin, "page", "选择管辖党组织：按名称查找（账户管理表单用）", None, get(super::pages::pick_org)),
        r!(POST "/accounts", AccountAdmin, "page", "新建账户（表单）", None, post(super::pages::create)),
        r!(POST "/accounts/role", AccountAdmin, "page", "调整角色与管辖范围（表单）", None, post(super::pages::set_role)),
        r!(POST "/accounts/{id}/{action}", AccountAdmin, "page", "重置密码/解锁/停用/启用（表单）", None, post(super::pages::action)),
    ]
}
