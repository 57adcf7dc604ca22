//! Role grants under 三员分立: the 系统管理员 asks, a 安全管理员 who is neither the asker
//! nor the account concerned approves or rejects. A role that reaches other people's data
//! or administers the platform ([`Role::needs_approval`]) is never granted by one person.

use super::{account, apply_role};
use crate::platform::audit::{self, Event};
use crate::platform::ids;
use crate::platform::paging::{SortKey, capped_page};
use crate::platform::query::Sql;
use crate::platform::scope::Actor;
use crate::{Db, StoreError, StoreResult, Tx};
use serde::Serialize;
use vanguard_domain::kernel::auth::Role;
use vanguard_domain::kernel::paging::{KeyPart, Page, PageRequest};

/// A new account waits, disabled, for its role to be approved.
pub const KIND_CREATE: &str = "create";
/// An existing account keeps its role until the new one is approved.
pub const KIND_CHANGE: &str = "change";

pub const PENDING: &str = "pending";
pub const APPROVED: &str = "approved";
pub const REJECTED: &str = "rejected";

/// One request to grant a role.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RoleRequest {
    pub id: i64,
    pub account_id: i64,
    pub kind: String,
    /// An unknown stored role fails the read (never a default role).
    #[sqlx(try_from = "String")]
    #[schema(value_type = String)]
    pub role: Role,
    pub scope_org_id: Option<i64>,
    pub member_id: Option<i64>,
    pub status: String,
    pub requested_by: i64,
    pub requested_by_name: String,
    pub requested_at: i64,
    pub decided_by: Option<i64>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<i64>,
}

impl RoleRequest {
    /// The requested role's label, for people.
    pub fn role_label(&self) -> &'static str {
        self.role.label()
    }
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            PENDING => "待审批",
            APPROVED => "已批准",
            REJECTED => "已驳回",
            _ => "未知",
        }
    }
}

macro_rules! cols {
    () => {
        "id, account_id, kind, role, scope_org_id, member_id, status, requested_by, requested_by_name, requested_at, \
         decided_by, decided_by_name, decided_at"
    };
}

/// What a request asks for.
pub(super) struct Ask {
    pub account_id: i64,
    /// [`KIND_CREATE`] or [`KIND_CHANGE`].
    pub kind: &'static str,
    pub role: Role,
    pub scope_org_id: Option<i64>,
    pub member_id: Option<i64>,
}

/// Files a request inside the asking transaction (the account's creation or nothing).
pub(super) async fn file(tx: &mut Tx, db: &Db, actor: &Actor, ask: Ask) -> StoreResult<i64> {
    let Ask { account_id, kind, role, scope_org_id, member_id } = ask;
    let id = ids::next();
    let now = db.clock().now_ms();
    // One open request per account: a newer one replaces the older.
    crate::exec_tx!(tx, c => sqlx::query("UPDATE role_requests SET status = $1, decided_at = $2 WHERE account_id = $3 AND status = $4 AND kind = $5")
        .bind(REJECTED).bind(now).bind(account_id).bind(PENDING).bind(KIND_CHANGE).execute(c).await)?;
    crate::exec_tx!(tx, c => sqlx::query(
        "INSERT INTO role_requests (id, account_id, kind, role, scope_org_id, member_id, status, requested_by, requested_by_name, requested_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        .bind(id).bind(account_id).bind(kind).bind(role.code()).bind(scope_org_id).bind(member_id).bind(PENDING)
        .bind(actor.account_id).bind(&actor.name).bind(now).execute(c).await)?;
    audit::append(
        tx,
        db,
        actor,
        Event::ok("account.role_request", format!("account:{account_id}"))
            .detail(format!("申请授予{}，待安全管理员审批", role.label())),
    )
    .await?;
    let approvers = crate::notify::Audience::Role(Role::SecAdmin);
    crate::notify::approval_waiting(
        tx,
        db,
        0,
        approvers,
        &format!("role_request:{id}"),
        "角色授权申请",
        role.label(),
        "/security",
    )
    .await?;
    Ok(id)
}

/// One request.
pub async fn request(db: &Db, id: i64) -> StoreResult<RoleRequest> {
    let row: Option<RoleRequest> = crate::read!(db, c => sqlx::query_as(concat!("SELECT ", cols!(), " FROM role_requests WHERE id = $1"))
        .bind(id).fetch_optional(c).await)?;
    row.ok_or(StoreError::NotFound)
}

/// The open requests first, oldest first; then the decided ones, newest decision first
/// (one ascending key: open or not, then the time asked or the negated time decided,
/// then the id).
const REQUEST_ORDER: SortKey = SortKey {
    columns: &[
        "CASE WHEN status = 'pending' THEN 0 ELSE 1 END",
        "CASE WHEN status = 'pending' THEN requested_at ELSE -COALESCE(decided_at, 0) END",
        "id",
    ],
    descending: false,
};

/// A request's place in [`REQUEST_ORDER`].
fn request_key(r: &RoleRequest) -> Vec<KeyPart> {
    let open = r.status == PENDING;
    let at = if open { r.requested_at } else { -r.decided_at.unwrap_or(0) };
    vec![i64::from(!open).into(), at.into(), r.id.into()]
}

/// The requests, open ones first (oldest first), then the decided ones (newest first),
/// one page at a time; the total counted up to the cap.
pub async fn list(db: &Db, req: &PageRequest) -> StoreResult<Page<RoleRequest>> {
    let filters = Sql::new(" WHERE 1 = 1");
    let select = concat!("SELECT ", cols!(), " FROM role_requests");
    capped_page(db, "role_requests", select, &filters, &REQUEST_ORDER, req, request_key).await
}

/// The open request of an account, if any.
pub async fn pending_for(db: &Db, account_id: i64) -> StoreResult<Option<RoleRequest>> {
    Ok(crate::read!(db, c => sqlx::query_as(concat!("SELECT ", cols!(),
        " FROM role_requests WHERE account_id = $1 AND status = $2 ORDER BY id DESC LIMIT 1")).bind(account_id).bind(PENDING).fetch_optional(c).await)?)
}

/// Whether an account was created under a request that has not been approved (it stays
/// disabled: enabling it would grant the role without the approval).
pub async fn creation_unapproved(db: &Db, account_id: i64) -> StoreResult<bool> {
    let status: Option<String> = crate::read!(db, c => sqlx::query_scalar(
        "SELECT status FROM role_requests WHERE account_id = $1 AND kind = $2 ORDER BY id DESC LIMIT 1")
        .bind(account_id).bind(KIND_CREATE).fetch_optional(c).await)?;
    Ok(status.is_some_and(|s| s != APPROVED))
}

/// Approves (`approve`) or rejects a pending request. The decider must be an enabled
/// 安全管理员 other than the asker and the account concerned; the decision and its
/// effect commit together, audited.
pub async fn decide(db: &Db, actor: &Actor, id: i64, approve: bool) -> StoreResult<RoleRequest> {
    let req = request(db, id).await?;
    let decider = account(db, actor.account_id).await.map_err(|_| not_entitled())?;
    if decider.disabled || decider.role() != Role::SecAdmin {
        return Err(not_entitled());
    }
    if actor.account_id == req.requested_by || actor.account_id == req.account_id {
        return Err(StoreError::conflict(
            "role_request.same_person",
            "申请人或被授权账户本人不能审批此申请，请由另一名安全管理员审批",
        ));
    }
    let role = req.role;
    let now = db.clock().now_ms();
    let mut tx = db.begin().await?;
    let status = if approve { APPROVED } else { REJECTED };
    let claimed: Option<i64> = crate::on_tx!(tx, c => sqlx::query_scalar(
        "UPDATE role_requests SET status = $1, decided_by = $2, decided_by_name = $3, decided_at = $4 WHERE id = $5 AND status = $6 RETURNING id")
        .bind(status).bind(actor.account_id).bind(&actor.name).bind(now).bind(id).bind(PENDING).fetch_optional(c).await)?;
    if claimed.is_none() {
        return Err(StoreError::conflict("role_request.decided", "该申请已被审批或已被新的申请取代，请刷新后查看"));
    }
    if approve {
        if req.kind == KIND_CREATE {
            crate::exec_tx!(tx, c => sqlx::query("UPDATE accounts SET disabled = FALSE, updated_at = $1 WHERE id = $2")
                .bind(now).bind(req.account_id).execute(c).await)?;
        } else {
            apply_role(&mut tx, db, req.account_id, role, req.scope_org_id, req.member_id).await?;
        }
    }
    let verb = if approve { "批准" } else { "驳回" };
    audit::append(
        &mut tx,
        db,
        actor,
        Event::ok("account.role_decide", format!("account:{}", req.account_id))
            .with_result(if approve { "ok" } else { "denied" })
            .detail(format!("{verb}授予{}（申请人 {}）", role.label(), req.requested_by_name)),
    )
    .await?;
    tx.commit().await?;
    db.forget_sessions();
    request(db, id).await
}

fn not_entitled() -> StoreError {
    StoreError::Forbidden
}

/// The names of the orgs requests name as scope, by id, for the 安全管理员's page (which
/// shows names, never ids). An org that no longer exists is left out.
pub async fn scope_org_names(db: &Db, requests: &[RoleRequest]) -> StoreResult<std::collections::HashMap<i64, String>> {
    let ids: std::collections::BTreeSet<i64> = requests.iter().filter_map(|r| r.scope_org_id).collect();
    let mut names = std::collections::HashMap::new();
    for id in ids {
        let name: Option<String> = crate::read!(db, c => sqlx::query_scalar("SELECT name FROM orgs WHERE id = $1 LIMIT 1")
            .bind(id).fetch_optional(c).await)?;
        if let Some(n) = name {
            names.insert(id, n);
        }
    }
    Ok(names)
}
