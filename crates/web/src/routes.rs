//! The route table: every route with the permission it needs. The router is built from
//! this table alone (see [`router`]), the OpenAPI document is generated from it, and the
//! authorization matrix test walks it.

use crate::AppState;
use crate::api;
use crate::pages;
use crate::middleware::{enforce, security_headers};
use axum::Router;
use axum::http::Method;
use axum::routing::{MethodRouter, get, patch, post, put};
use std::collections::BTreeMap;
use vanguard_domain::auth::Permission;

/// One route and its policy.
pub struct RouteSpec {
    pub method: Method,
    /// axum path syntax: `/api/v1/orgs/{id}`.
    pub path: &'static str,
    pub permission: Permission,
    /// Chinese summary for the API document.
    pub summary: &'static str,
    pub tag: &'static str,
    /// Name of the request body schema in the API document, if any.
    pub body: Option<&'static str>,
    handler: MethodRouter<AppState>,
}

macro_rules! r {
    ($m:ident $path:literal, $perm:ident, $tag:literal, $summary:literal, $body:expr, $router:ident($h:path)) => {
        RouteSpec {
            method: Method::$m,
            path: $path,
            permission: Permission::$perm,
            summary: $summary,
            tag: $tag,
            body: $body,
            handler: $router($h),
        }
    };
}

/// Every route of the application.
pub fn table() -> Vec<RouteSpec> {
    vec![
        r!(GET "/healthz", Public, "system", "健康检查：存储可达时返回 200", None, get(api::system::healthz)),
        r!(GET "/api/openapi.json", Public, "system", "本 API 的 OpenAPI 文档", None, get(api::system::openapi)),
        r!(POST "/api/v1/auth/login", Public, "auth", "以用户名或手机号码和密码登录", Some("LoginRequest"), post(api::auth::login)),
        r!(POST "/api/v1/auth/logout", SelfService, "auth", "退出登录", None, post(api::auth::logout)),
        r!(GET "/api/v1/auth/me", SelfService, "auth", "当前账户、角色与管辖范围", None, get(api::auth::me)),
        r!(POST "/api/v1/auth/password", SelfService, "auth", "修改本人密码", Some("PasswordChange"), post(api::auth::change_password)),
        r!(GET "/api/v1/rules", SelfService, "system", "当前生效的规则配置（版本化）", None, get(api::system::rules)),
        r!(GET "/api/v1/orgs", OrgRead, "org", "管辖范围内的最上级党组织；带 q 参数时按名称搜索", None, get(api::org::roots)),
        r!(GET "/api/v1/orgs/{id}", OrgRead, "org", "党组织详情：任期、书记、下级党组织及人数、结构提示", None, get(api::org::detail)),
        r!(GET "/api/v1/orgs/{id}/children", OrgRead, "org", "下级党组织及各自人数", None, get(api::org::children)),
        r!(POST "/api/v1/orgs/{id}/children", OrgWrite, "org", "在该党组织下新建党组织", Some("OrgInput"), post(api::org::create_child)),
        r!(PATCH "/api/v1/orgs/{id}", OrgWrite, "org", "修改党组织信息（名称、领域、任期、书记、状态）", Some("OrgUpdate"), patch(api::org::update)),
        r!(POST "/api/v1/orgs/{id}/move", OrgWrite, "org", "把党组织连同下级和党员整体迁移到新的上级", Some("OrgMove"), post(api::org::move_org)),
        r!(POST "/api/v1/orgs/{id}/dissolve", OrgWrite, "org", "撤销党组织（仍有党员时拒绝）", Some("OrgDissolve"), post(api::org::dissolve)),
        r!(GET "/api/v1/members", MemberRead, "member", "花名册：按组织、姓名/身份证号/手机号、类别、状态筛选并分页", None, get(api::member::list)),
        r!(POST "/api/v1/members", MemberWrite, "member", "新建党员档案", Some("NewMember"), post(api::member::create)),
        r!(GET "/api/v1/members/{id}", MemberRead, "member", "党员档案（敏感字段已脱敏）", None, get(api::member::detail)),
        r!(PATCH "/api/v1/members/{id}", MemberWrite, "member", "修改党员档案字段（每项变更记入历史）", Some("MemberPatch"), patch(api::member::update)),
        r!(GET "/api/v1/members/{id}/history", MemberRead, "member", "党员档案变更历史", None, get(api::member::history)),
        r!(POST "/api/v1/members/{id}/move", MemberWrite, "member", "调整党员所在党支部和党小组", Some("MemberMove"), post(api::member::move_member)),
        r!(POST "/api/v1/members/{id}/archive", MemberWrite, "member", "党员减少：移入历史库（注明原因和日期）", Some("Leave"), post(api::member::archive)),
        r!(POST "/api/v1/members/{id}/reveal", MemberReveal, "member", "查看公民身份号码或手机号码明文（记入审计）", Some("Reveal"), post(api::member::reveal)),
        r!(GET "/api/v1/accounts", AccountAdmin, "account", "账户列表", None, get(api::account::list)),
        r!(POST "/api/v1/accounts", AccountAdmin, "account", "新建账户", Some("NewAccount"), post(api::account::create)),
        r!(GET "/api/v1/accounts/{id}", AccountAdmin, "account", "账户详情", None, get(api::account::detail)),
        r!(POST "/api/v1/accounts/{id}/reset-password", AccountAdmin, "account", "重置为一次性临时密码", None, post(api::account::reset_password)),
        r!(POST "/api/v1/accounts/{id}/unlock", AccountAdmin, "account", "解除登录锁定", None, post(api::account::unlock)),
        r!(POST "/api/v1/accounts/{id}/disable", AccountAdmin, "account", "停用账户（立即结束其会话）", None, post(api::account::disable)),
        r!(POST "/api/v1/accounts/{id}/enable", AccountAdmin, "account", "启用账户", None, post(api::account::enable)),
        r!(PUT "/api/v1/accounts/{id}/role", AccountAdmin, "account", "分配角色与管辖范围", Some("RoleAssignment"), put(api::account::set_role)),
        r!(GET "/api/v1/audit", AuditRead, "audit", "审计日志（按操作、操作人、结果、时间筛选）", None, get(api::audit::list)),
        r!(GET "/api/v1/audit/verify", AuditRead, "audit", "校验审计日志哈希链", None, get(api::audit::verify)),
        // Pages (server-rendered HTML).
        r!(GET "/assets/{file}", Public, "page", "静态资源（内嵌）", None, get(pages::assets::asset)),
        r!(GET "/login", Public, "page", "登录页", None, get(pages::auth::login_page)),
        r!(POST "/login", Public, "page", "登录（表单）", None, post(pages::auth::login_submit)),
        r!(POST "/logout", SelfService, "page", "退出登录", None, post(pages::auth::logout)),
        r!(GET "/password", SelfService, "page", "修改密码页", None, get(pages::auth::password_page)),
        r!(POST "/password", SelfService, "page", "修改密码（表单）", None, post(pages::auth::password_submit)),
        r!(GET "/", SelfService, "page", "首页：管辖范围与待关注事项", None, get(pages::home::home)),
        r!(GET "/tree/search", OrgRead, "page", "组织树：按名称搜索", None, get(pages::tree::search)),
        r!(GET "/tree/{id}", OrgRead, "page", "组织树：展开下级", None, get(pages::tree::children)),
        r!(GET "/orgs/{id}", OrgRead, "page", "党组织页", None, get(pages::org::detail)),
        r!(GET "/orgs/{id}/edit", OrgWrite, "page", "修改党组织表单", None, get(pages::org::edit_form)),
        r!(POST "/orgs/{id}/edit", OrgWrite, "page", "修改党组织", None, post(pages::org::edit_submit)),
        r!(GET "/orgs/{id}/new", OrgWrite, "page", "新建下级党组织表单", None, get(pages::org::new_form)),
        r!(POST "/orgs/{id}/new", OrgWrite, "page", "新建下级党组织", None, post(pages::org::new_submit)),
        r!(GET "/orgs/{id}/move", OrgWrite, "page", "迁移党组织表单", None, get(pages::org::move_form)),
        r!(POST "/orgs/{id}/move", OrgWrite, "page", "迁移党组织", None, post(pages::org::move_submit)),
        r!(POST "/orgs/{id}/dissolve", OrgWrite, "page", "撤销党组织", None, post(pages::org::dissolve_submit)),
        r!(GET "/members", MemberRead, "page", "花名册与历史库", None, get(pages::member::roster)),
        r!(GET "/members/new", MemberWrite, "page", "新增党员表单", None, get(pages::member::new_form)),
        r!(POST "/members/new", MemberWrite, "page", "新增党员", None, post(pages::member::new_submit)),
        r!(GET "/members/{id}", MemberRead, "page", "党员档案页", None, get(pages::member::detail)),
        r!(GET "/members/{id}/edit", MemberWrite, "page", "修改党员档案表单", None, get(pages::member::edit_form)),
        r!(POST "/members/{id}/edit", MemberWrite, "page", "修改党员档案", None, post(pages::member::edit_submit)),
        r!(GET "/members/{id}/archive", MemberWrite, "page", "党员减少表单", None, get(pages::member::archive_form)),
        r!(POST "/members/{id}/archive", MemberWrite, "page", "党员减少（移入历史库）", None, post(pages::member::archive_submit)),
        r!(POST "/members/{id}/reveal", MemberReveal, "page", "显示敏感字段（记入审计）", None, post(pages::member::reveal)),
        r!(GET "/accounts", AccountAdmin, "page", "账户管理", None, get(pages::account::list)),
        r!(POST "/accounts", AccountAdmin, "page", "新建账户（表单）", None, post(pages::account::create)),
        r!(POST "/accounts/role", AccountAdmin, "page", "调整角色与管辖范围（表单）", None, post(pages::account::set_role)),
        r!(POST "/accounts/{id}/{action}", AccountAdmin, "page", "重置密码/解锁/停用/启用（表单）", None, post(pages::account::action)),
        r!(GET "/audit", AuditRead, "page", "审计日志查看", None, get(pages::audit::list)),
        r!(GET "/m", SelfService, "page", "党员端首页", None, get(pages::portal::home)),
        r!(GET "/m/profile", MemberRead, "page", "党员端：我的档案", None, get(pages::portal::profile)),
        r!(GET "/m/branch", MemberRead, "page", "党员端：我的支部", None, get(pages::portal::branch)),
    ]
}

/// Builds the router from the table: each route behind its own permission check.
pub fn router(state: AppState) -> Router {
    let mut by_path: BTreeMap<&'static str, MethodRouter<AppState>> = BTreeMap::new();
    for spec in table() {
        let guarded = spec.handler.layer(axum::middleware::from_fn_with_state((state.clone(), spec.permission), enforce));
        let merged = match by_path.remove(spec.path) {
            Some(existing) => existing.merge(guarded),
            None => guarded,
        };
        by_path.insert(spec.path, merged);
    }
    let mut router = Router::new();
    for (path, mr) in by_path {
        router = router.route(path, mr);
    }
    router.fallback(api::system::not_found).layer(axum::middleware::from_fn(security_headers)).with_state(state)
}
