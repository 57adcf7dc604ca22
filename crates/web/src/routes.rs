//! The route table: every route with the permission it needs. The router is built from
//! this table alone (see [`router`]), the OpenAPI document is generated from it, and the
//! authorization matrix test walks it.

use crate::AppState;
use crate::api;
use crate::middleware::{enforce, security_headers};
use crate::pages;
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
        r!(GET "/api/v1/members/export.xlsx", MemberRead, "member", "按花名册的筛选条件导出全部结果为 Excel（敏感字段脱敏；reveal=true 需查看敏感信息权限；记入审计）", None, get(api::roster::export)),
        r!(GET "/api/v1/imports/members/template.xlsx", MemberWrite, "import", "下载党员花名册导入模板（含填写说明和下拉选项）", None, get(api::roster::template)),
        r!(POST "/api/v1/imports/members", MemberWrite, "import", "上传花名册（.xlsx、.xls、.csv；multipart 字段 file，或原始内容加 ?filename=）并逐行校验预览，不写入党员数据", None, post(api::roster::upload)),
        r!(GET "/api/v1/imports/{id}", MemberWrite, "import", "导入批次的状态、预览、导入进度和结果", None, get(api::roster::status)),
        r!(POST "/api/v1/imports/{id}/commit", MemberWrite, "import", "导入批次中没有错误的行：在一个事务内全部写入或全部不写入", None, post(api::roster::commit)),
        r!(POST "/api/v1/imports/{id}/discard", MemberWrite, "import", "放弃导入批次", None, post(api::roster::discard)),
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
        // 组织生活: meetings, attendance, sign-in, decisions, attachments, corrections, plans.
        r!(GET "/api/v1/orgs/{id}/meetings", OrgRead, "orglife", "该党组织（含下级）的会议和活动：按年、月、类型、状态筛选并分页", None, get(api::orglife::list_meetings)),
        r!(POST "/api/v1/orgs/{id}/meetings", OrgWrite, "orglife", "登记会议或活动（计划或记实）；应到人员按组织自动带出，可同时登记出席和表决", Some("MeetingInput"), post(api::orglife::create_meeting)),
        r!(GET "/api/v1/orgs/{id}/plan", OrgRead, "orglife", "党支部固定组织生活日年度计划（?year=，默认今年；未制定时为 null）", None, get(api::orglife::org_plan)),
        r!(PUT "/api/v1/orgs/{id}/plan", OrgWrite, "orglife", "起草或修改本支部年度计划（被退回的计划修改后回到草稿）", Some("PlanSave"), put(api::orglife::save_plan)),
        r!(GET "/api/v1/orgs/{id}/plans", OrgRead, "orglife", "所属各党支部年度计划的制定、报备、备案、公布情况一览（含未制定）", None, get(api::orglife::plan_overview)),
        r!(GET "/api/v1/meetings/{id}", OrgRead, "orglife", "会议记实：出席情况、表决、附件、更正记录", None, get(api::orglife::meeting)),
        r!(PATCH "/api/v1/meetings/{id}", OrgWrite, "orglife", "修改会议记录（召开后30天内可直接更正，之后须申请上级批准）", Some("MeetingPatch"), patch(api::orglife::update_meeting)),
        r!(POST "/api/v1/meetings/{id}/cancel", OrgWrite, "orglife", "取消尚未召开的会议", None, post(api::orglife::cancel_meeting)),
        r!(PUT "/api/v1/meetings/{id}/roll", OrgWrite, "orglife", "调整应到人员（如支委会组成人员）", Some("MeetingRoll"), put(api::orglife::set_roll)),
        r!(POST "/api/v1/meetings/{id}/attendance", OrgWrite, "orglife", "登记出席、请假（须注明原因）、缺席、列席", Some("AttendanceMarks"), post(api::orglife::mark_attendance)),
        r!(POST "/api/v1/meetings/{id}/decisions", OrgWrite, "orglife", "记录支部党员大会表决（到会有表决权党员须过半，预备党员不计）", Some("DecisionInput"), post(api::orglife::record_decision)),
        r!(POST "/api/v1/meetings/{id}/signin/open", OrgWrite, "orglife", "开启扫码签到（默认2小时有效），返回签到地址", Some("SigninOpen"), post(api::orglife::open_signin)),
        r!(POST "/api/v1/meetings/{id}/signin/close", OrgWrite, "orglife", "结束扫码签到", None, post(api::orglife::close_signin)),
        r!(GET "/api/v1/meetings/{id}/signin/qr.svg", OrgWrite, "orglife", "签到二维码（SVG 图片）", None, get(api::orglife::signin_qr)),
        r!(POST "/api/v1/meetings/{id}/signin", SelfService, "orglife", "党员扫码签到（每人一次，重复签到答复已签到）", Some("SigninRequest"), post(api::orglife::sign_in)),
        r!(POST "/api/v1/meetings/{id}/attachments", OrgWrite, "orglife", "上传会议照片（JPG、PNG）或 PDF（multipart 字段 file，或原始内容加 ?filename=；不超过10MB）", None, post(api::orglife::upload_attachment)),
        r!(POST "/api/v1/meetings/{id}/corrections", OrgWrite, "orglife", "超过更正期后申请更正会议记录（由上级党组织审批）", Some("CorrectionRequest"), post(api::orglife::request_correction)),
        r!(GET "/api/v1/attachments/{id}", OrgRead, "orglife", "下载会议附件（?inline=true 在浏览器中查看）", None, get(api::orglife::download_attachment)),
        r!(POST "/api/v1/attachments/{id}/delete", OrgWrite, "orglife", "删除会议附件（限更正期内）", None, post(api::orglife::delete_attachment)),
        r!(GET "/api/v1/corrections", OrgRead, "orglife", "会议记录更正申请（awaiting_me=true：待本人作为上级党组织审批的）", None, get(api::orglife::list_corrections)),
        r!(POST "/api/v1/corrections/{id}/approve", OrgWrite, "orglife", "上级党组织批准更正申请，记录随即更正", Some("CorrectionDecision"), post(api::orglife::approve_correction)),
        r!(POST "/api/v1/corrections/{id}/reject", OrgWrite, "orglife", "上级党组织不批准更正申请", Some("CorrectionDecision"), post(api::orglife::reject_correction)),
        r!(GET "/api/v1/plans/{id}", OrgRead, "orglife", "年度计划详情：各月安排、报备和备案经过", None, get(api::orglife::plan)),
        r!(POST "/api/v1/plans/{id}/submit", OrgWrite, "orglife", "向上级党组织报备年度计划（每月至少安排一次）", None, post(api::orglife::submit_plan)),
        r!(POST "/api/v1/plans/{id}/acknowledge", OrgWrite, "orglife", "上级党组织对报备的年度计划予以备案", None, post(api::orglife::acknowledge_plan)),
        r!(POST "/api/v1/plans/{id}/return", OrgWrite, "orglife", "上级党组织退回年度计划（须注明理由）", Some("PlanReturn"), post(api::orglife::return_plan)),
        r!(POST "/api/v1/plans/{id}/publish", OrgWrite, "orglife", "备案后向本支部党员公布年度计划", None, post(api::orglife::publish_plan)),
        r!(GET "/api/v1/members/{id}/attendance", MemberRead, "orglife", "党员参加组织生活的记录", None, get(api::orglife::member_attendance)),
        r!(GET "/api/v1/me/orglife", MemberRead, "orglife", "党员端：近期会议、待签到、本支部年度计划、我的出席记录", None, get(api::orglife::my_orglife)),
        r!(GET "/api/v1/orglife/todo", OrgRead, "orglife", "待办：年度计划报备期限、待记实的会议、进行中的签到、待审批的计划和更正", None, get(api::orglife::todo)),
        // 驾驶舱 and 预警/问题清单 (findings of the rules engine).
        r!(GET "/api/v1/cockpit/orgs/{id}", OrgRead, "cockpit", "驾驶舱：本组织（含下级）各项组织生活规则的达标率和红黄绿、下级党组织排名、预警与问题统计（?period=2026-10、2026-Q3、2026，默认上月）", None, get(api::cockpit::overview)),
        r!(GET "/api/v1/cockpit/orgs/{id}/tree", OrgRead, "cockpit", "驾驶舱红黄绿组织树：各下级党组织逐项规则的达标情况（逐级展开）", None, get(api::cockpit::tree)),
        r!(GET "/api/v1/cockpit/orgs/{id}/trend", OrgRead, "cockpit", "驾驶舱逐月趋势：全年每月各项规则的达标率，附图表配置（?year=，默认今年）", None, get(api::cockpit::trend)),
        r!(GET "/api/v1/cockpit/orgs/{id}/branches", OrgRead, "cockpit", "下钻到党组织：某项规则某一周期达标或未达标的党组织明细（?rule=&period=&compliant=false）", None, get(api::cockpit::branches)),
        r!(GET "/api/v1/cockpit/orgs/{id}/members", MemberRead, "cockpit", "下钻到党员：存在预警的党员明细，如连续不参加组织生活（党章第九条）（?rule=）", None, get(api::cockpit::members)),
        r!(GET "/api/v1/cockpit/orgs/{id}/export.xlsx", OrgRead, "cockpit", "把驾驶舱视图导出为 Excel（?view=overview、tree、trend、branches、members、findings；记入审计）", None, get(api::cockpit::export)),
        r!(GET "/api/v1/findings", MemberRead, "cockpit", "预警与问题清单：按党组织、规则、对象、状态（未整改/已整改/全部）、严重程度筛选并分页，保留整改历史", None, get(api::cockpit::findings)),
        r!(GET "/api/v1/findings/todo", MemberRead, "cockpit", "书记待办：本组织（含下级）尚未整改的预警和问题，按严重程度排列并附处理建议（?org_id=）", None, get(api::cockpit::todo)),
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
        r!(GET "/imports/members", MemberWrite, "page", "花名册导入：上传页", None, get(pages::import::upload_page)),
        r!(POST "/imports/members", MemberWrite, "page", "花名册导入：上传并预览", None, post(pages::import::upload_submit)),
        r!(GET "/imports/{id}", MemberWrite, "page", "花名册导入：批次状态与结果", None, get(pages::import::status)),
        r!(POST "/imports/{id}/commit", MemberWrite, "page", "花名册导入：导入无误的行", None, post(pages::import::commit)),
        r!(POST "/imports/{id}/discard", MemberWrite, "page", "花名册导入：放弃批次", None, post(pages::import::discard)),
        r!(GET "/accounts", AccountAdmin, "page", "账户管理", None, get(pages::account::list)),
        r!(POST "/accounts", AccountAdmin, "page", "新建账户（表单）", None, post(pages::account::create)),
        r!(POST "/accounts/role", AccountAdmin, "page", "调整角色与管辖范围（表单）", None, post(pages::account::set_role)),
        r!(POST "/accounts/{id}/{action}", AccountAdmin, "page", "重置密码/解锁/停用/启用（表单）", None, post(pages::account::action)),
        r!(GET "/audit", AuditRead, "page", "审计日志查看", None, get(pages::audit::list)),
        r!(GET "/orgs/{id}/meetings", OrgRead, "page", "组织生活记实：会议列表", None, get(pages::orglife::meetings)),
        r!(POST "/orgs/{id}/meetings", OrgWrite, "page", "新建会议记录（表单）", None, post(pages::orglife::create_meeting)),
        r!(GET "/meetings/{id}", OrgRead, "page", "会议记实页：到会、签到、表决、附件", None, get(pages::orglife::meeting)),
        r!(POST "/meetings/{id}/attendance", OrgWrite, "page", "登记到会情况（表单）", None, post(pages::orglife::mark)),
        r!(POST "/meetings/{id}/signin/open", OrgWrite, "page", "开启扫码签到（表单）", None, post(pages::orglife::open_signin)),
        r!(POST "/meetings/{id}/attachments", OrgWrite, "page", "上传会议附件（照片、PDF）", None, post(pages::orglife::attach)),
        r!(POST "/meetings/{id}/decisions", OrgWrite, "page", "记录表决事项（表单）", None, post(pages::orglife::decide)),
        r!(GET "/s/{id}/{token}", SelfService, "page", "扫码签到确认页", None, get(pages::orglife::signin_page)),
        r!(POST "/s/{id}/{token}", SelfService, "page", "扫码签到", None, post(pages::orglife::signin_submit)),
        r!(GET "/orgs/{id}/plan", OrgRead, "page", "主题党日年度计划", None, get(pages::orglife::plan)),
        r!(POST "/orgs/{id}/plan", OrgWrite, "page", "保存或报备主题党日年度计划（表单）", None, post(pages::orglife::save_plan)),
        r!(POST "/plans/{id}/action", OrgWrite, "page", "备案、退回、公布年度计划（表单）", None, post(pages::orglife::plan_action)),
        r!(GET "/orgs/{id}/plans", OrgRead, "page", "下级党支部计划报备情况", None, get(pages::orglife::plans)),
        r!(GET "/m/plan", MemberRead, "page", "党员端：本支部主题党日计划", None, get(pages::portal::plan)),
        r!(GET "/cockpit/{id}", OrgRead, "page", "驾驶舱：达标率、红黄绿、排名、趋势", None, get(pages::cockpit::overview)),
        r!(GET "/cockpit/{id}/branches", OrgRead, "page", "驾驶舱下钻：党组织明细", None, get(pages::cockpit::branches)),
        r!(GET "/findings", MemberRead, "page", "预警与问题清单（下钻到党员）", None, get(pages::cockpit::findings)),
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
