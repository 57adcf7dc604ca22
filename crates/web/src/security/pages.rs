//! The 安全管理员's page: role grants to approve, and the security alerts.

use crate::AppState;
use crate::extract::Ctx;
use crate::shell::{PageResult, Shell, fmt_time, form_errors, render, see_other};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use std::collections::HashMap;
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
    alerts: Vec<AlertLine>,
    error: Option<String>,
}

async fn show(state: &AppState, ctx: &Ctx, error: Option<String>) -> PageResult {
    let list = grants::list(&state.db).await?;
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
    let alerts = alerts::recent(&state.db, 50)
        .await?
        .into_iter()
        .map(|a| AlertLine { at: fmt_time(a.at), kind: a.kind_label(), detail: a.detail })
        .collect();
    let status = if error.is_some() { StatusCode::CONFLICT } else { StatusCode::OK };
    let shell = Shell::new(state, ctx, "security").await;
    let mut res = render(&SecurityPage { shell, requests, alerts, error });
    *res.status_mut() = status;
    Ok(res)
}

pub async fn page(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    show(&state, &ctx, None).await
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
            show(&state, &ctx, errors.into_values().next()).await
        }
    }
}
