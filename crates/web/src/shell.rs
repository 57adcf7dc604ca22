//! The server-rendered pages in Simplified Chinese: the workbench (管理端) for
//! secretaries and committee staff, and the phone-first member portal (党员端).
//!
//! Pages are routes of the same table as the API ([`crate::routes::table`]), so they
//! pass the same permission check and read data only through the caller's scope. This
//! module is what every feature's pages share: the shell around them (navigation, the
//! caller's scope, the CSRF token), rendering, error pages and form state.

use crate::AppState;
use crate::error::ApiError;
use crate::extract::Ctx;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use std::collections::HashMap;
use vanguard_domain::Invalid;
use vanguard_domain::kernel::auth::{Permission, Reach, Role};
use vanguard_store::StoreError;

/// One entry of the top navigation.
pub struct NavItem {
    pub href: String,
    pub label: &'static str,
    pub key: &'static str,
}

/// What every workbench page shows around its content.
pub struct Shell {
    pub user: String,
    pub role_label: &'static str,
    pub csrf: String,
    pub nav: Vec<NavItem>,
    pub active: &'static str,
    /// The root of the org-tree navigator: the caller's scope org.
    pub tree_root: Option<(i64, String)>,
    /// The success message after a save (see [`flash_message`]).
    pub flash: Option<&'static str>,
    /// The caller's unread notifications, on the bell (capped).
    pub unread: i64,
}

/// The messages a page shows after a successful save, by the `done=` key the save
/// redirected with. Unknown keys show nothing.
pub fn flash_message(key: &str) -> Option<&'static str> {
    Some(match key {
        "saved" => "已保存。",
        "created" => "已新建。",
        "archived" => "已移入历史库。如属误操作，可点“恢复在册”。",
        "restored" => "已恢复在册。",
        "meeting" => "会议记录已保存，请登记出勤。",
        "attendance" => "出勤已保存。",
        "decision" => "表决结果已保存。",
        "plan" => "计划已保存。",
        "plan_submit" => "计划已报上级党组织。",
        "plan_acknowledge" => "已确认收到计划。",
        "plan_return" => "计划已退回支部修改。",
        "plan_publish" => "计划已向党员公布。",
        "plan_edit" => "计划已改回草稿，可以修改。",
        "correction" => "更正申请已提交，等待上级党组织审核。",
        "finding" => "已提交。",
        "leave" => "请假申请已提交，等待支部审批。",
        "leave_decided" => "请假申请已处理。",
        "password" => "密码已修改。",
        "moved" => "党组织已迁移，下级党组织和党员随之迁移。",
        "dues_bills" => "党费账单已生成。",
        "dues_paid" => "党费交纳已登记。",
        "dues_base" => "党费类别和基数已核定。",
        "dues_reversed" => "已冲正，该月党费恢复为未交。",
        "dues_online" => "党费已交纳，谢谢！",
        "dues_cancelled" => "支付已取消，未扣款。",
        "dues_relief" => "减免申请已提交，等待党支部研究、上级党委批准。",
        "dues_relief_decided" => "减免申请已办理。",
        "election_requested" => "换届请示已报上级党组织。",
        "election_voted" => "选举结果已登记，等待上级党组织批准书记人选。",
        "election_decided" => "已批复。",
        "read_all" => "已全部标为已读。",
        "webhook_test" => "测试消息已排队，稍后刷新可看到发送结果。",
        "transfer_initiated" => "组织关系转接已发起，等待转出审批。",
        "transfer_done" => "已办理。",
        _ => return None,
    })
}

impl Shell {
    pub async fn new(state: &AppState, ctx: &Ctx, active: &'static str) -> Shell {
        let s = &ctx.0;
        let role = s.scope.role;
        let tree_root = if matches!(s.scope.reach, Reach::Subtree { .. }) {
            ctx.scoped(&state.db).orgs().roots().await.ok().and_then(|r| r.into_iter().next()).map(|o| (o.id, o.name))
        } else {
            None
        };
        let mut nav = vec![NavItem { href: "/".into(), label: "首页", key: "home" }];
        if let Some((id, _)) = &tree_root {
            nav.push(NavItem { href: format!("/orgs/{id}"), label: "党组织", key: "org" });
            nav.push(NavItem { href: format!("/cockpit/{id}"), label: "驾驶舱", key: "cockpit" });
            nav.push(NavItem { href: "/findings".into(), label: "预警问题", key: "findings" });
        }
        if role.grants(Permission::MemberRead) && role != Role::Member {
            nav.push(NavItem { href: "/members".into(), label: "花名册", key: "roster" });
            nav.push(NavItem { href: "/members?archived=true".into(), label: "历史库", key: "archive" });
        }
        if role.grants(Permission::MemberWrite) {
            nav.push(NavItem { href: "/imports/members".into(), label: "导入", key: "import" });
            nav.push(NavItem { href: "/transfers".into(), label: "组织关系转接", key: "transfers" });
        }
        if let Some((id, _)) = tree_root.as_ref().filter(|_| role.grants(Permission::LearningAdmin)) {
            nav.push(NavItem { href: format!("/orgs/{id}/learning"), label: "题库考试", key: "learning" });
        }
        if role.grants(Permission::AccountAdmin) {
            nav.push(NavItem { href: "/accounts".into(), label: "账户管理", key: "accounts" });
        }
        if role.grants(Permission::SecurityAdmin) {
            nav.push(NavItem { href: "/security".into(), label: "安全管理", key: "security" });
        }
        if role.grants(Permission::AuditRead) {
            nav.push(NavItem { href: "/audit".into(), label: "审计日志", key: "audit" });
        }
        nav.push(NavItem { href: "/password".into(), label: "修改密码", key: "password" });
        let user = s.account.display_name.clone();
        // The role once: not again when the display name already says it.
        let role_label = if user.contains(role.label()) { "" } else { role.label() };
        let unread = ctx.scoped(&state.db).notices().unread().await.map_or(0, |u| u.unread);
        Shell {
            user,
            role_label,
            flash: crate::middleware::current_flash(),
            csrf: s.csrf_token.clone(),
            nav,
            active,
            tree_root,
            unread,
        }
    }
}

/// Renders a template, or a plain error page if rendering fails.
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            PageError::from(ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "页面生成失败，请稍后重试"))
                .into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "shell/error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
    /// 错误编号: the request's correlation id, to quote to support.
    correlation_id: &'a str,
}

/// An error shown as a page: the same status and message as the API would give.
pub struct PageError(pub ApiError);

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        PageError(e)
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        PageError(ApiError::from(e))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let e = self.0;
        if e.status == StatusCode::UNAUTHORIZED {
            return Redirect::to("/login").into_response();
        }
        let title = match e.status {
            StatusCode::NOT_FOUND => "未找到",
            StatusCode::FORBIDDEN => "无权访问",
            StatusCode::CONFLICT => "无法办理",
            StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => "内容有误",
            StatusCode::TOO_MANY_REQUESTS => "请稍后再试",
            _ => "出错了",
        };
        let id = crate::error::correlation_id();
        if e.status.is_server_error() {
            tracing::error!(correlation_id = %id, status = e.status.as_u16(), code = e.code, "error page answered");
        }
        let page = ErrorPage { title, message: &e.message, correlation_id: &id };
        let body = page.render().unwrap_or_else(|_| format!("{}（错误编号：{id}）", e.message));
        (e.status, Html(body)).into_response()
    }
}

pub type PageResult = Result<Response, PageError>;

/// A form's fields by name, as sent or as shown again (one alias for every page).
pub type FormValues = HashMap<String, String>;

/// A form as the user typed it, with the problems found in it: re-shown after a failed
/// submit so nothing typed is lost.
#[derive(Default)]
pub struct FormState {
    pub v: FormValues,
    pub errors: HashMap<String, String>,
}

impl FormState {
    pub fn new(v: HashMap<String, String>) -> Self {
        FormState { v, errors: HashMap::new() }
    }
    pub fn with_errors(v: HashMap<String, String>, errors: HashMap<String, String>) -> Self {
        FormState { v, errors }
    }
    /// The value typed in a field (empty when none).
    pub fn val(&self, k: &str) -> String {
        self.v.get(k).cloned().unwrap_or_default()
    }
    /// The problem with a field (empty when none).
    pub fn err(&self, k: &str) -> String {
        self.errors.get(k).cloned().unwrap_or_default()
    }
    pub fn has_err(&self, k: &str) -> bool {
        self.errors.contains_key(k)
    }
}

/// Field errors keyed by field name, for showing beside the inputs of a form.
pub fn field_errors(inv: &Invalid) -> HashMap<String, String> {
    let mut m: HashMap<String, String> = HashMap::new();
    for e in &inv.errors {
        m.entry(e.field.to_string())
            .and_modify(|v| {
                v.push('；');
                v.push_str(&e.message);
            })
            .or_insert_with(|| e.message.clone());
    }
    m
}

/// Splits a store error into field errors (to show in the form again) or a page error.
pub fn form_errors(e: StoreError) -> Result<HashMap<String, String>, PageError> {
    match e {
        StoreError::Invalid(inv) => Ok(field_errors(&inv)),
        StoreError::Conflict { message, .. } => Ok(HashMap::from([("_form".to_string(), message)])),
        other => Err(other.into()),
    }
}

/// A 303 redirect (after a successful form submission).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Formats epoch milliseconds as a China-time timestamp.
pub fn fmt_time(ms: i64) -> String {
    vanguard_domain::kernel::time::china_time_text_seconds(ms)
}

/// Paging controls under a list: the range shown, the total, and links to the first,
/// previous, next and last pages, plus a jump to a page number where the list allows it.
/// Every link keeps the list's filters.
pub struct Pager {
    /// 1-based number of the first and last row shown (0, 0 for an empty page).
    pub from: u64,
    pub to: u64,
    /// `共 123 条` or `超过 10000 条`.
    pub total_text: String,
    /// The total, and whether it is only a lower bound.
    pub total: Option<u64>,
    pub lower_bound: bool,
    pub first: Option<String>,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub last: Option<String>,
    /// This page's number and, when known, how many pages there are.
    pub number: u64,
    pub count: Option<u64>,
    /// The list's path and its filters, for the jump form.
    pub path: String,
    pub params: Vec<(String, String)>,
    pub limit: u32,
}

impl Pager {
    /// Controls for `page`, served at `path` with the filters `params` (empty values are
    /// left out).
    pub fn new<T>(page: &vanguard_domain::kernel::paging::Page<T>, path: &str, params: &[(&str, String)]) -> Pager {
        let params: Vec<(String, String)> =
            params.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (k.to_string(), v.clone())).collect();
        let link = |extra: &[(&str, String)]| {
            let mut all: Vec<(String, String)> = params.clone();
            all.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
            let query = serde_urlencoded::to_string(&all).unwrap_or_default();
            if query.is_empty() { path.to_string() } else { format!("{path}?{query}") }
        };
        let limit = page.limit.to_string();
        let shown = page.items.len() as u64;
        let total_text = match (page.total, page.total_is_lower_bound) {
            (Some(t), false) => format!("共 {t} 条"),
            (Some(t), true) => format!("超过 {t} 条"),
            (None, _) => String::new(),
        };
        let at_start = page.position == 0;
        let at_end = page.next.is_none();
        Pager {
            from: if shown == 0 { 0 } else { page.position + 1 },
            to: page.position + shown,
            total_text,
            total: page.total,
            lower_bound: page.total_is_lower_bound,
            first: (!at_start).then(|| link(&[("limit", limit.clone())])),
            prev: page.prev.as_ref().map(|c| link(&[("cursor", c.clone()), ("limit", limit.clone())])),
            next: page.next.as_ref().map(|c| link(&[("cursor", c.clone()), ("limit", limit.clone())])),
            last: (!at_end && page.page_count().is_some())
                .then(|| link(&[("cursor", vanguard_domain::kernel::paging::LAST.to_string()), ("limit", limit.clone())])),
            number: page.number(),
            count: page.page_count(),
            path: path.to_string(),
            params,
            limit: page.limit,
        }
    }

    /// Whether there is more than one page.
    pub fn has_pages(&self) -> bool {
        self.first.is_some() || self.prev.is_some() || self.next.is_some()
    }
}
