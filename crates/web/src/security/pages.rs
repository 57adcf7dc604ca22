//! The 安全管理员's page: role grants to approve, and the security alerts.

use crate::AppState;
use crate::extract::{Ctx, Paged};
use crate::shell::{PageResult, Pager, Shell, fmt_time, form_errors, render, see_other};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use std::collections::HashMap;
use vanguard_domain::kernel::paging::{DEFAULT_LIMIT, PageRequest};
use vanguard_store::account::{self, grants};
use vanguard_store::platform::alerts;

pub struct RequestLine {
    pub id: i64,
    /// The account concerned: 姓名（用户名）.
    pub account: String,
    /// Its role now (before the request takes effect).
    pub current_role: &'static str,
    pub kind: &'static str,
    pub role: &'static str,
    /// The org the role would reach (its name).
    pub scope_org: String,
    pub requested_by: String,
    pub requested_at: String,
    pub pending: bool,
    pub status: &'static str,
    pub decided: String,
}

pub struct AlertLine {
    pub at: String,
    pub kind: &'static str,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "security/security.html")]
struct SecurityPage {
    shell: Shell,
    requests: Vec<RequestLine>,
    /// The role-grant requests' pages.
    pager: Pager,
    /// The newest alerts; `more_alerts` when there are older ones (on `/security/alerts`).
    alerts: Vec<AlertLine>,
    more_alerts: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "security/alerts.html")]
struct AlertsPage {
    shell: Shell,
    alerts: Vec<AlertLine>,
    pager: Pager,
}

/// How many of the newest alerts the security page shows above the requests.
const ALERT_PREVIEW: u32 = 10;

fn alert_line(a: alerts::Alert) -> AlertLine {
    AlertLine { at: fmt_time(a.at), kind: a.kind_label(), detail: a.detail }
}

async fn show(state: &AppState, ctx: &Ctx, req: &PageRequest, error: Option<String>) -> PageResult {
    let page = grants::list(&state.db, req).await?;
    let pager = Pager::new(&page, "/security", &[]);
    let list = page.items;
    let orgs = grants::scope_org_names(&state.db, &list).await?;
    let mut accounts: HashMap<i64, (String, &'static str)> = HashMap::new();
    for id in list.iter().map(|r| r.account_id) {
        if let std::collections::hash_map::Entry::Vacant(e) = accounts.entry(id) {
            e.insert(match account::account(&state.db, id).await {
                Ok(a) => (format!("{}（{}）", a.display_name, a.username), a.role().label()),
                Err(vanguard_store::StoreError::NotFound) => ("（已删除的账户）".into(), ""),
                Err(e) => return Err(e.into()),
            });
        }
    }
    let requests = list
        .into_iter()
        .map(|r| RequestLine {
            id: r.id,
            account: accounts.get(&r.account_id).map(|a| a.0.clone()).unwrap_or_default(),
            current_role: accounts.get(&r.account_id).map(|a| a.1).unwrap_or(""),
            kind: if r.kind == grants::KIND_CREATE { "新建账户" } else { "调整角色" },
            role: r.role_label(),
            scope_org: match r.scope_org_id {
                Some(o) => orgs.get(&o).cloned().unwrap_or_else(|| "（已删除的党组织）".into()),
                None => String::new(),
            },
            requested_at: fmt_time(r.requested_at),
            pending: r.status == grants::PENDING,
            status: r.status_label(),
            decided: match (&r.decided_by_name, r.decided_at) {
                (Some(by), Some(at)) => format!("{by} {}", fmt_time(at)),
                _ => String::new(),
            },
            requested_by: r.requested_by_name,
        })
        .collect();
    let newest = alerts::list(&state.db, &PageRequest::first(ALERT_PREVIEW)).await?;
    let more_alerts = newest.next.is_some();
    let alerts = newest.items.into_iter().map(alert_line).collect();
    let status = if error.is_some() { StatusCode::CONFLICT } else { StatusCode::OK };
    let shell = Shell::new(state, ctx, "security").await;
    let mut res = render(&SecurityPage { shell, requests, pager, alerts, more_alerts, error });
    *res.status_mut() = status;
    Ok(res)
}

pub async fn page(State(state): State<AppState>, ctx: Ctx, Paged(req): Paged) -> PageResult {
    show(&state, &ctx, &req, None).await
}

/// Every security alert, newest first, page by page.
pub async fn alerts_page(State(state): State<AppState>, ctx: Ctx, Paged(req): Paged) -> PageResult {
    let page = alerts::list(&state.db, &req).await?;
    let pager = Pager::new(&page, "/security/alerts", &[]);
    let alerts = page.items.into_iter().map(alert_line).collect();
    let shell = Shell::new(&state, &ctx, "security").await;
    Ok(render(&AlertsPage { shell, alerts, pager }))
}

pub async fn decide(State(state): State<AppState>, ctx: Ctx, Path((id, action)): Path<(i64, String)>) -> PageResult {
    let approve = match action.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(crate::error::ApiError::not_found().into()),
    };
    match grants::decide(&state.db, ctx.actor(), id, approve).await {
        Ok(_) => Ok(see_other("/security")),
        Err(e) => {
            let errors = form_errors(e)?;
            show(&state, &ctx, &PageRequest::first(DEFAULT_LIMIT), errors.into_values().next()).await
        }
    }
}
