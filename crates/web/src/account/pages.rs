//! Account administration pages (系统管理员).

use crate::AppState;
use crate::extract::{Ctx, Paged, QueryParams};
use crate::org::tree::{OrgPicker, PickOption, PickerOptions};
use crate::shell::{FormState, PageResult, Pager, Shell, fmt_time, form_errors, render, see_other};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use std::collections::HashMap;
use vanguard_domain::kernel::auth::Role;
use vanguard_domain::kernel::paging::{DEFAULT_LIMIT, PageRequest};
use vanguard_store::account::lookup::{self, NamedAccount};
use vanguard_store::account::{self, AccountFilter, AdminAction, NewAccount};

pub struct AccountLine {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    /// The org it reaches, by name, and the names above it.
    pub scope_org: String,
    pub scope_within: String,
    /// The linked member's masked name (`张*明`).
    pub member: String,
    pub state: &'static str,
    pub last_login: String,
}

#[derive(Template)]
#[template(path = "account/accounts.html")]
struct AccountsPage {
    shell: Shell,
    lines: Vec<AccountLine>,
    pager: Pager,
    /// The orgs to choose a scope from, by name (create and role forms).
    create_picker: OrgPicker,
    role_picker: OrgPicker,
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
    let chosen = v.get("scope_org_id").and_then(|s| s.trim().parse().ok());
    let create_picker = account_picker(state, "scope_org_id", chosen, "").await?;
    let role_picker = account_picker(state, "new_scope_org_id", None, "").await?;
    let lines = lookup::name_accounts(&state.db, accounts)
        .await?
        .items
        .into_iter()
        .map(|NamedAccount { account: a, scope_org, member_masked_name }| AccountLine {
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
            scope_within: scope_org.as_ref().map(|o| o.within.clone()).unwrap_or_default(),
            scope_org: scope_org.map(|o| o.name).unwrap_or_default(),
            member: member_masked_name.unwrap_or_default(),
        })
        .collect();
    let shell = Shell::new(state, ctx, "accounts").await;
    let roles = Role::ALL.iter().map(|r| (r.code(), r.label())).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut res = render(&AccountsPage {
        shell,
        lines,
        pager,
        create_picker,
        role_picker,
        roles,
        form: FormState::with_errors(v, errors),
        issued,
        notice,
    });
    *res.status_mut() = status;
    Ok(res)
}

pub async fn list(State(state): State<AppState>, ctx: Ctx, Paged(req): Paged) -> PageResult {
    page(&state, &ctx, &req, HashMap::new(), HashMap::new(), None, None).await
}

/// The org picker of the account forms: open orgs of every region by name, shown by name
/// and path only (the shared `org/picker.html`, fed from `/accounts/pick-org`).
async fn account_picker(
    state: &AppState,
    name: &'static str,
    chosen: Option<i64>,
    q: &str,
) -> Result<OrgPicker, vanguard_store::StoreError> {
    let found = lookup::find_orgs(&state.db, q, &PageRequest::first(PICK_LIMIT)).await?.items;
    let mut options: Vec<PickOption> = found
        .into_iter()
        .map(|o| PickOption { chosen: Some(o.id) == chosen, id: o.id, name: o.name, kind_label: o.kind_label, within: o.within })
        .collect();
    if let Some(c) = chosen.filter(|c| !options.iter().any(|o| o.id == *c)) {
        // The chosen org stays offered whatever the search (its region from the choices read).
        if let Some(o) = lookup::find_org(&state.db, c).await? {
            options.insert(0, PickOption { chosen: true, id: o.id, name: o.name, kind_label: o.kind_label, within: o.within });
        }
    }
    Ok(OrgPicker {
        source: "/accounts/pick-org",
        name,
        purpose: "scope",
        legend: if name == "scope_org_id" {
            "管辖党组织（管理员、书记、党小组长）"
        } else {
            "新的管辖党组织"
        },
        none_label: Some("不指定"),
        except: None,
        q: q.trim().to_string(),
        none_chosen: chosen.is_none(),
        options,
    })
}

/// Orgs a picker offers at once.
const PICK_LIMIT: u32 = 20;

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct PickOrgQuery {
    /// The form field (`scope_org_id` or `new_scope_org_id`).
    pub name: String,
    pub pick_q: String,
    pub scope_org_id: Option<String>,
    pub new_scope_org_id: Option<String>,
}

/// The account picker's options for a search.
pub async fn pick_org(State(state): State<AppState>, QueryParams(q): QueryParams<PickOrgQuery>) -> PageResult {
    let (name, chosen): (&'static str, Option<&str>) = match q.name.as_str() {
        "new_scope_org_id" => ("new_scope_org_id", q.new_scope_org_id.as_deref()),
        _ => ("scope_org_id", q.scope_org_id.as_deref()),
    };
    let chosen = chosen.and_then(|v| v.trim().parse().ok());
    let picker = account_picker(&state, name, chosen, &q.pick_q).await?;
    Ok(render(&PickerOptions { picker }))
}

pub async fn create(State(state): State<AppState>, ctx: Ctx, Form(v): Form<HashMap<String, String>>) -> PageResult {
    let id = |k: &str| v.get(k).and_then(|s| s.trim().parse::<i64>().ok());
    let Some(role) = v.get("role").and_then(|r| Role::parse(r)) else {
        return page(&state, &ctx, &first_page(), v, HashMap::from([("role".to_string(), "请选择角色".to_string())]), None, None)
            .await;
    };
    let member = lookup::member_to_link(&state.db, None, v.get("member_id_number").map(String::as_str)).await;
    let created = match member {
        Ok(member_id) => {
            let new = NewAccount {
                username: v.get("username").cloned().unwrap_or_default(),
                display_name: v.get("display_name").cloned().unwrap_or_default(),
                role,
                scope_org_id: id("scope_org_id"),
                member_id,
                password: None,
            };
            account::create_account(&state.db, ctx.actor(), &new).await
        }
        Err(e) => Err(e),
    };
    match created {
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
    let member = lookup::member_to_link(&state.db, None, v.get("new_member_id_number").map(String::as_str)).await;
    let changed = match member {
        Ok(member_id) => account::set_role(&state.db, ctx.actor(), id, role, num("new_scope_org_id"), member_id).await,
        Err(e) => Err(e),
    };
    match changed {
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
