//! Account administration pages (系统管理员).

use crate::AppState;
use crate::extract::{Ctx, Paged};
use crate::shell::{FormState, PageResult, Pager, Shell, fmt_time, form_errors, render, see_other};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use std::collections::HashMap;
use vanguard_domain::kernel::auth::Role;
use vanguard_domain::kernel::paging::{DEFAULT_LIMIT, PageRequest};
use vanguard_store::account::{self, AccountFilter, AdminAction, NewAccount};

pub struct AccountLine {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    pub scope_org_id: Option<i64>,
    pub member_id: Option<i64>,
    pub state: &'static str,
    pub last_login: String,
}

#[derive(Template)]
#[template(path = "account/accounts.html")]
struct AccountsPage {
    shell: Shell,
    lines: Vec<AccountLine>,
    pager: Pager,
    roles: Vec<(&'static str, &'static str)>,
    form: FormState,
    /// A one-time password to show once (after create or reset), with its user.
    issued: Option<(String, String)>,
    /// What happened, when it is not done yet (a role grant waiting for approval).
    notice: Option<String>,
}

/// The list shown again after a form was posted: its first page.
fn first_page() -> PageRequest {
    PageRequest::first(DEFAULT_LIMIT)
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    req: &PageRequest,
    v: HashMap<String, String>,
    errors: HashMap<String, String>,
    issued: Option<(String, String)>,
    notice: Option<String>,
) -> PageResult {
    let now = state.db.clock().now_ms();
    let accounts = account::list_accounts(&state.db, &AccountFilter::default(), req).await?;
    let pager = Pager::new(&accounts, "/accounts", &[]);
    let lines = accounts
        .items
        .into_iter()
        .map(|a| AccountLine {
            id: a.id,
            role: a.role().label(),
            state: if a.disabled {
                "停用"
            } else if a.locked_until.is_some_and(|t| t > now) {
                "锁定"
            } else if a.must_change_password {
                "待改密码"
            } else {
                "正常"
            },
            last_login: a.last_login_at.map(fmt_time).unwrap_or_default(),
            username: a.username,
            display_name: a.display_name,
            scope_org_id: a.scope_org_id,
            member_id: a.member_id,
        })
        .collect();
    let shell = Shell::new(state, ctx, "accounts").await;
    let roles = Role::ALL.iter().map(|r| (r.code(), r.label())).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut res = render(&AccountsPage { shell, lines, pager, roles, form: FormState::with_errors(v, errors), issued, notice });
    *res.status_mut() = status;
    Ok(res)
}

pub async fn list(State(state): State<AppState>, ctx: Ctx, Paged(req): Paged) -> PageResult {
    page(&state, &ctx, &req, HashMap::new(), HashMap::new(), None, None).await
}

pub async fn create(State(state): State<AppState>, ctx: Ctx, Form(v): Form<HashMap<String, String>>) -> PageResult {
    let id = |k: &str| v.get(k).and_then(|s| s.trim().parse::<i64>().ok());
    let Some(role) = v.get("role").and_then(|r| Role::parse(r)) else {
        return page(&state, &ctx, &first_page(), v, HashMap::from([("role".to_string(), "请选择角色".to_string())]), None, None)
            .await;
    };
    let new = NewAccount {
        username: v.get("username").cloned().unwrap_or_default(),
        display_name: v.get("display_name").cloned().unwrap_or_default(),
        role,
        scope_org_id: id("scope_org_id"),
        member_id: id("member_id"),
        password: None,
    };
    match account::create_account(&state.db, ctx.actor(), &new).await {
        Ok((a, pw)) => {
            let notice = a.disabled.then(|| {
                format!("账户 {} 已建立，其角色“{}”须经安全管理员批准，批准后账户自动启用", a.username, a.role().label())
            });
            page(&state, &ctx, &first_page(), HashMap::new(), HashMap::new(), pw.map(|p| (a.username, p)), notice).await
        }
        Err(e) => {
            let errors = form_errors(e)?;
            page(&state, &ctx, &first_page(), v, errors, None, None).await
        }
    }
}

pub async fn action(State(state): State<AppState>, ctx: Ctx, Path((id, action)): Path<(i64, String)>) -> PageResult {
    let act = match action.as_str() {
        "reset-password" => AdminAction::ResetPassword,
        "unlock" => AdminAction::Unlock,
        "disable" => AdminAction::Disable,
        "enable" => AdminAction::Enable,
        _ => return Err(crate::error::ApiError::not_found().into()),
    };
    let target = account::account(&state.db, id).await?;
    match account::admin_action(&state.db, ctx.actor(), id, act).await {
        Ok(Some(pw)) => {
            page(&state, &ctx, &first_page(), HashMap::new(), HashMap::new(), Some((target.username, pw)), None).await
        }
        Ok(None) => Ok(see_other("/accounts")),
        Err(e) => {
            let errors = form_errors(e)?;
            page(&state, &ctx, &first_page(), HashMap::new(), errors, None, None).await
        }
    }
}

pub async fn set_role(State(state): State<AppState>, ctx: Ctx, Form(v): Form<HashMap<String, String>>) -> PageResult {
    let id = v.get("account_id").and_then(|s| s.trim().parse::<i64>().ok()).unwrap_or(0);
    let num = |k: &str| v.get(k).and_then(|s| s.trim().parse::<i64>().ok());
    let Some(role) = v.get("role").and_then(|r| Role::parse(r)) else {
        return page(&state, &ctx, &first_page(), v, HashMap::from([("role".to_string(), "请选择角色".to_string())]), None, None)
            .await;
    };
    match account::set_role(&state.db, ctx.actor(), id, role, num("scope_org_id"), num("member_id")).await {
        Ok(account::RoleChange::Applied(_)) => Ok(see_other("/accounts")),
        Ok(account::RoleChange::Pending(req)) => {
            let notice =
                format!("授予“{}”的申请已提交，须经另一名安全管理员批准后生效；在此之前该账户保持原角色", req.role_label());
            page(&state, &ctx, &first_page(), HashMap::new(), HashMap::new(), None, Some(notice)).await
        }
        Err(e) => {
            let errors = form_errors(e)?;
            page(&state, &ctx, &first_page(), v, errors, None, None).await
        }
    }
}
