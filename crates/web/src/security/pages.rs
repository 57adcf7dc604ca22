//! The 安全管理员's page: role grants to approve, and the security alerts.

use crate::AppState;
use crate::extract::Ctx;
use crate::shell::{PageResult, Shell, fmt_time, form_errors, render, see_other};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use vanguard_store::account::grants;
use vanguard_store::platform::alerts;

pub struct RequestLine {
    pub id: i64,
    pub account_id: i64,
    pub kind: &'static str,
    pub role: &'static str,
    pub scope_org_id: Option<i64>,
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
    let requests = grants::list(&state.db)
        .await?
        .into_iter()
        .map(|r| RequestLine {
            id: r.id,
            account_id: r.account_id,
            kind: if r.kind == grants::KIND_CREATE { "新建账户" } else { "调整角色" },
            role: r.role_label(),
            scope_org_id: r.scope_org_id,
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
