//! 通知 pages: 我的通知 in the workbench and the portal (opening one marks it read and
//! goes where it leads; 全部已读), the portal's 通知设置 (mutes), and an org's 群通知 page
//! (its robots, adding one, on/off, a test message, the delivery log).

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Ctx, Id, Paged};
use crate::shell::{FormState, FormValues, PageResult, Pager, Shell, render, see_other};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use vanguard_domain::kernel::paging::Page;
use vanguard_domain::kernel::time::china_time_text;
use vanguard_domain::notify::{NotifyKind, RobotKind};
use vanguard_store::StoreError;
use vanguard_store::notify::{DeliveryView, KindSetting, NotificationView, WebhookInput, WebhookView};

/// A stored link, only when it is a path of this site (never elsewhere).
fn local(link: &str) -> &str {
    if link.starts_with('/') && !link.starts_with("//") && !link.contains('\\') { link } else { "/" }
}

fn time(ms: &i64) -> String {
    china_time_text(*ms)
}

#[derive(Template)]
#[template(path = "notify/inbox.html")]
struct InboxPage {
    shell: Shell,
    page: Page<NotificationView>,
    pager: Pager,
    unread_only: bool,
}

impl InboxPage {
    fn time(&self, ms: &i64) -> String {
        time(ms)
    }
}

pub async fn inbox(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::extract::QueryParams(q): crate::extract::QueryParams<super::api::InboxQuery>,
    Paged(req): Paged,
) -> PageResult {
    let page = ctx.scoped(&state.db).notices().list(q.unread, &req).await?;
    let params = [("unread", if q.unread { "true".to_string() } else { String::new() })];
    let pager = Pager::new(&page, "/notifications", &params);
    let shell = Shell::new(&state, &ctx, "notifications").await;
    Ok(render(&InboxPage { shell, page, pager, unread_only: q.unread }))
}

pub async fn open(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    let link = ctx.scoped(&state.db).notices().mark_read(id).await?;
    Ok(see_other(local(&link)))
}

pub async fn read_all(State(state): State<AppState>, ctx: Ctx, Form(v): Form<FormValues>) -> PageResult {
    ctx.scoped(&state.db).notices().mark_all_read().await?;
    let back = if v.get("from").is_some_and(|f| f == "portal") { "/m/notifications" } else { "/notifications" };
    Ok(see_other(&format!("{back}?done=read_all")))
}

#[derive(Template)]
#[template(path = "notify/portal.html")]
struct PortalPage {
    csrf: String,
    page: Page<NotificationView>,
    pager: Pager,
    settings: Vec<KindSetting>,
    flash: Option<&'static str>,
    error: String,
}

impl PortalPage {
    fn time(&self, ms: &i64) -> String {
        time(ms)
    }
}

async fn portal_page(
    state: &AppState,
    ctx: &Ctx,
    req: &vanguard_domain::kernel::paging::PageRequest,
    error: String,
) -> PageResult {
    let n = ctx.scoped(&state.db).notices();
    let page = n.list(false, req).await?;
    let pager = Pager::new(&page, "/m/notifications", &[]);
    let settings = n.settings().await?;
    let failed = !error.is_empty();
    let flash = crate::middleware::current_flash();
    let mut res = render(&PortalPage { csrf: ctx.0.csrf_token.clone(), page, pager, settings, flash, error });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn portal(State(state): State<AppState>, ctx: Ctx, Paged(req): Paged) -> PageResult {
    portal_page(&state, &ctx, &req, String::new()).await
}

/// The form lists every mutable kind as a checkbox `receive=<code>`: an unchecked one is muted.
pub async fn portal_settings(State(state): State<AppState>, ctx: Ctx, body: String) -> PageResult {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&body).unwrap_or_default();
    let receive: Vec<&str> = pairs.iter().filter(|(k, _)| k == "receive").map(|(_, v)| v.as_str()).collect();
    let rules = state.db.rules();
    let muted: Vec<NotifyKind> = rules
        .notify
        .kinds
        .iter()
        .filter(|r| r.enabled && r.in_app && !r.essential && !receive.contains(&r.kind.code()))
        .map(|r| r.kind)
        .collect();
    match ctx.scoped(&state.db).notices().set_mutes(&muted).await {
        Ok(_) => Ok(see_other("/m/notifications?done=saved#settings")),
        Err(StoreError::Invalid(inv)) => {
            portal_page(&state, &ctx, &vanguard_domain::kernel::paging::PageRequest::first(20), inv.to_string()).await
        }
        Err(e) => Err(ApiError::from(e).into()),
    }
}

#[derive(Template)]
#[template(path = "notify/webhooks.html")]
struct WebhooksPage {
    shell: Shell,
    org_id: i64,
    org_name: String,
    hooks: Vec<(WebhookView, Vec<DeliveryView>)>,
    robots: &'static [RobotKind],
    form: FormState,
    error: String,
}

impl WebhooksPage {
    fn time(&self, ms: &i64) -> String {
        time(ms)
    }
}

async fn webhooks_page(state: &AppState, ctx: &Ctx, org_id: i64, form: FormState, error: String) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    let n = scoped.notices();
    let org = scoped.orgs().org(org_id).await?;
    let mut hooks = Vec::new();
    for h in n.webhooks(org_id).await? {
        let mut log = n.deliveries(h.id).await?;
        log.truncate(20);
        hooks.push((h, log));
    }
    let shell = Shell::new(state, ctx, "org").await;
    let failed = !error.is_empty() || !form.errors.is_empty();
    let mut res = render(&WebhooksPage { shell, org_id, org_name: org.name, hooks, robots: RobotKind::ALL, form, error });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn webhooks(State(state): State<AppState>, ctx: Ctx, Id(org_id): Id) -> PageResult {
    webhooks_page(&state, &ctx, org_id, FormState::default(), String::new()).await
}

pub async fn add_webhook(State(state): State<AppState>, ctx: Ctx, Id(org_id): Id, Form(v): Form<FormValues>) -> PageResult {
    let val = |k: &str| v.get(k).cloned().unwrap_or_default();
    let input = WebhookInput {
        robot: RobotKind::from_code(&val("robot")),
        name: val("name"),
        url: val("url"),
        secret: Some(val("secret")),
        markdown: Some(val("format") != "text"),
        enabled: Some(true),
    };
    match ctx.scoped(&state.db).notices().create_webhook(org_id, &input).await {
        Ok(_) => Ok(see_other(&format!("/orgs/{org_id}/webhooks?done=saved"))),
        Err(StoreError::Invalid(inv)) => {
            let errors = inv.errors.iter().map(|e| (e.field.to_string(), e.message.clone())).collect();
            let mut v = v.clone();
            v.remove("secret");
            webhooks_page(&state, &ctx, org_id, FormState::with_errors(v, errors), inv.to_string()).await
        }
        Err(e) => Err(ApiError::from(e).into()),
    }
}

pub async fn webhook_action(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(v): Form<FormValues>) -> PageResult {
    let n = ctx.scoped(&state.db).notices();
    let on = |enabled| WebhookInput { enabled: Some(enabled), ..WebhookInput::default() };
    let hook = match v.get("action").map(String::as_str) {
        Some("enable") => n.update_webhook(id, &on(true)).await?,
        Some("disable") => n.update_webhook(id, &on(false)).await?,
        Some("test") => n.test_webhook(id).await?,
        _ => return Err(ApiError::bad_request("notify.action", "请选择启用、停用或发送测试消息").into()),
    };
    let done = if v.get("action").is_some_and(|a| a == "test") { "webhook_test" } else { "saved" };
    Ok(see_other(&format!("/orgs/{}/webhooks?done={done}", hook.org_id)))
}
