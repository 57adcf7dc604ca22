//! 通知 (notifications): the one mechanism every feature uses. A feature calls
//! [`enqueue`] inside its writing transaction; what the [`vanguard_domain::notify::NotifyRules`]
//! kind table allows becomes in-app rows for each recipient account (once per dedupe key,
//! mutes respected for non-essential kinds) and outbox rows for the group robots of the
//! org concerned — delivered later by the background worker ([`webhooks`]), never inside
//! the causing request. [`produce`] holds the scheduled producers of the daily check.
//!
//! Reads and writes of a member's own notifications are confined to the caller's account
//! ([`Notices`]); marking read is not audited (the member's own state, like quiz answers),
//! changing mutes and every robot setting is.

pub mod produce;
pub mod webhooks;

use crate::platform::audit::{self, Event};
use crate::platform::ids;
use crate::platform::paging::{SortKey, capped_page};
use crate::platform::query::Sql;
use crate::{Db, StoreError, StoreResult, Tx};
use serde::Serialize;
use vanguard_domain::kernel::auth::Role;
use vanguard_domain::kernel::paging::{Page, PageRequest};
use vanguard_domain::notify::{Message, NotifyKind, bounded};

pub use webhooks::{DeliveryView, DueDelivery, WebhookInput, WebhookView};

crate::platform::scope::feature_handle!(
    /// The caller's own notifications and mutes, and the robots of orgs within reach.
    Notices,
    notices
);

/// Who receives an in-app notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// The accounts bound to a member of the notice's region.
    Member(i64),
    /// The secretaries and administrators whose scope org is this org of the region.
    OrgManagers(i64),
    /// Every enabled account of a role (the 安全管理员 for role grants).
    Role(Role),
}

/// One notification to produce.
#[derive(Debug, Clone)]
pub struct Notification {
    pub region_id: i64,
    pub audiences: Vec<Audience>,
    /// The org whose group robots receive the group text (if the kind goes to groups).
    pub group_org_id: Option<i64>,
    pub message: Message,
}

/// What [`enqueue`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Enqueued {
    pub in_app: u64,
    pub outbox: u64,
}

/// Produces a notification inside the caller's transaction: nothing is sent here. A kind
/// the rules disable produces nothing; a key already used for a recipient (or robot)
/// produces nothing again.
pub async fn enqueue(tx: &mut Tx, db: &Db, notice: &Notification) -> StoreResult<Enqueued> {
    let rules = db.rules();
    let Some(rule) = rules.notify.rule(notice.message.kind).cloned() else { return Ok(Enqueued::default()) };
    let m = &notice.message;
    let kind = m.kind.code();
    let now = db.clock().now_ms();
    let mut out = Enqueued::default();
    if rule.in_app {
        for audience in &notice.audiences {
            let recipients: Vec<(i64, i64)> = match audience {
                Audience::Member(member_id) => crate::on_tx!(tx, c => sqlx::query_as(
                    "SELECT id, COALESCE(CASE WHEN role = 'member' THEN member_region_id ELSE scope_region_id END, 0) FROM accounts \
                     WHERE member_region_id = $1 AND member_id = $2 AND disabled = FALSE ORDER BY id")
                    .bind(notice.region_id).bind(member_id).fetch_all(c).await)?,
                Audience::OrgManagers(org_id) => crate::on_tx!(tx, c => sqlx::query_as(
                    "SELECT id, scope_region_id FROM accounts WHERE scope_region_id = $1 AND scope_org_id = $2 \
                     AND role IN ('branch_secretary', 'committee_admin', 'org_dept_admin') AND disabled = FALSE ORDER BY id")
                    .bind(notice.region_id).bind(org_id).fetch_all(c).await)?,
                Audience::Role(role) => crate::on_tx!(tx, c => sqlx::query_as(
                    "SELECT id, COALESCE(scope_region_id, 0) FROM accounts WHERE role = $1 AND disabled = FALSE ORDER BY id")
                    .bind(role.code()).fetch_all(c).await)?,
            };
            for (account_id, region_id) in recipients {
                if !rule.essential {
                    let muted: Option<i64> = crate::on_tx!(tx, c => sqlx::query_scalar(
                        "SELECT account_id FROM notify_mutes WHERE region_id = $1 AND account_id = $2 AND kind = $3")
                        .bind(region_id).bind(account_id).bind(kind).fetch_optional(c).await)?;
                    if muted.is_some() {
                        continue;
                    }
                }
                let done = crate::exec_tx!(tx, c => sqlx::query(
                    "INSERT INTO notifications (region_id, id, account_id, kind, title, body, link, dedupe_key, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (region_id, account_id, dedupe_key) DO NOTHING")
                    .bind(region_id).bind(ids::next()).bind(account_id).bind(kind).bind(bounded(&m.title)).bind(bounded(&m.body))
                    .bind(&m.link).bind(&m.dedupe_key).bind(now).execute(c).await)?;
                out.in_app += done;
            }
        }
    }
    if let (true, Some(org_id)) = (rule.webhook, notice.group_org_id) {
        let hooks: Vec<i64> = crate::on_tx!(tx, c => sqlx::query_scalar(
            "SELECT id FROM notify_webhooks WHERE region_id = $1 AND org_id = $2 AND enabled = TRUE ORDER BY id")
            .bind(notice.region_id).bind(org_id).fetch_all(c).await)?;
        for hook in hooks {
            out.outbox +=
                webhooks::queue(tx, notice.region_id, hook, m.kind, &m.title, &m.group_text, &m.dedupe_key, now).await?;
        }
    }
    Ok(out)
}

/// A request waits for a decision (请假, 党费减免, 更正, 角色授权): tells `approvers`, in
/// the caller's transaction. `about` says whose or which request (only in the approvers'
/// own text); the group of an approving org hears only that one waits.
#[allow(clippy::too_many_arguments)]
pub async fn approval_waiting(
    tx: &mut Tx,
    db: &Db,
    region_id: i64,
    approvers: Audience,
    object: &str,
    what: &str,
    about: &str,
    link: &str,
) -> StoreResult<Enqueued> {
    let group_org_id = match approvers {
        Audience::OrgManagers(org_id) => Some(org_id),
        _ => None,
    };
    let message = vanguard_domain::notify::approval_waiting(object, what, about, link);
    enqueue(tx, db, &Notification { region_id, audiences: vec![approvers], group_org_id, message }).await
}

/// A notification as its recipient sees it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct NotificationView {
    pub id: i64,
    pub kind: String,
    #[sqlx(skip)]
    pub kind_label: &'static str,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

/// The caller's count of unread notifications, shown on the bell.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct Unread {
    /// Counted up to [`UNREAD_CAP`] (the bell shows “99+”).
    pub unread: i64,
}

/// The unread count stops counting here.
pub const UNREAD_CAP: i64 = 100;

/// A kind with the caller's choice.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KindSetting {
    pub kind: NotifyKind,
    pub label: &'static str,
    pub audience: String,
    /// Essential kinds cannot be muted.
    pub essential: bool,
    pub muted: bool,
}

const INBOX_ORDER: SortKey = SortKey { columns: &["n.created_at", "n.id"], descending: true };

impl Notices<'_> {
    fn me(&self) -> (i64, i64) {
        (self.scope.region_id, self.scope.actor.account_id)
    }

    /// The caller's notifications, newest first (`unread`: only those not read).
    pub async fn list(&self, unread: bool, req: &PageRequest) -> StoreResult<Page<NotificationView>> {
        let (region, account) = self.me();
        let mut filters = Sql::new(" WHERE n.region_id = ");
        filters.bind(region).push(" AND n.account_id = ").bind(account);
        if unread {
            filters.push(" AND n.read_at IS NULL");
        }
        let page = capped_page(
            self.db,
            "notifications n",
            "SELECT n.id, n.kind, n.title, n.body, n.link, n.created_at, n.read_at FROM notifications n",
            &filters,
            &INBOX_ORDER,
            req,
            |n: &NotificationView| vec![n.created_at.into(), n.id.into()],
        )
        .await?;
        page.try_map(|mut n| {
            n.kind_label = crate::platform::error::decode("notifications.kind", &n.kind, NotifyKind::from_code)?.label();
            Ok(n)
        })
    }

    /// The caller's unread count (up to [`UNREAD_CAP`]).
    pub async fn unread(&self) -> StoreResult<Unread> {
        let (region, account) = self.me();
        let unread: i64 = crate::read!(self.db, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT 1 FROM notifications WHERE region_id = $1 AND account_id = $2 AND read_at IS NULL LIMIT 100) u")
            .bind(region).bind(account).fetch_one(c).await)?;
        Ok(Unread { unread })
    }

    /// Marks one of the caller's notifications read (someone else's is not found) and
    /// answers where it leads.
    pub async fn mark_read(&self, id: i64) -> StoreResult<String> {
        let (region, account) = self.me();
        let link: Option<String> = crate::read!(self.db, c => sqlx::query_scalar(
            "SELECT link FROM notifications WHERE region_id = $1 AND account_id = $2 AND id = $3")
            .bind(region).bind(account).bind(id).fetch_optional(c).await)?;
        let link = link.ok_or(StoreError::NotFound)?;
        let now = self.db.clock().now_ms();
        let mut tx = self.db.begin().await?;
        crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE notifications SET read_at = $1 WHERE region_id = $2 AND account_id = $3 AND id = $4 AND read_at IS NULL")
            .bind(now).bind(region).bind(account).bind(id).execute(c).await)?;
        tx.commit().await?;
        Ok(link)
    }

    /// Marks all the caller's notifications read; answers how many were unread.
    pub async fn mark_all_read(&self) -> StoreResult<u64> {
        let (region, account) = self.me();
        let now = self.db.clock().now_ms();
        let mut tx = self.db.begin().await?;
        let n = crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE notifications SET read_at = $1 WHERE region_id = $2 AND account_id = $3 AND read_at IS NULL")
            .bind(now).bind(region).bind(account).execute(c).await)?;
        tx.commit().await?;
        Ok(n)
    }

    /// Every kind in the rules with whether the caller muted it.
    pub async fn settings(&self) -> StoreResult<Vec<KindSetting>> {
        let (region, account) = self.me();
        let muted: Vec<String> = crate::read!(self.db, c => sqlx::query_scalar(
            "SELECT kind FROM notify_mutes WHERE region_id = $1 AND account_id = $2")
            .bind(region).bind(account).fetch_all(c).await)?;
        let rules = self.db.rules();
        Ok(rules
            .notify
            .kinds
            .iter()
            .filter(|r| r.enabled && r.in_app)
            .map(|r| KindSetting {
                kind: r.kind,
                label: r.kind.label(),
                audience: r.audience.clone(),
                essential: r.essential,
                muted: !r.essential && muted.iter().any(|k| k == r.kind.code()),
            })
            .collect())
    }

    /// Sets the caller's mutes: `muted` lists the kinds not to receive. An essential kind
    /// cannot be muted. Audited.
    pub async fn set_mutes(&self, muted: &[NotifyKind]) -> StoreResult<Vec<KindSetting>> {
        let rules = self.db.rules();
        if let Some(k) = muted.iter().find(|k| !rules.notify.mutable(**k)) {
            return Err(StoreError::invalid("muted", "notify.essential", format!("“{}”是必要通知，不能关闭", k.label())));
        }
        let (region, account) = self.me();
        let now = self.db.clock().now_ms();
        let mut tx = self.db.begin().await?;
        crate::exec_tx!(tx, c => sqlx::query("DELETE FROM notify_mutes WHERE region_id = $1 AND account_id = $2")
            .bind(region).bind(account).execute(c).await)?;
        let mut labels = Vec::new();
        for k in muted {
            crate::exec_tx!(tx, c => sqlx::query(
                "INSERT INTO notify_mutes (region_id, account_id, kind, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                .bind(region).bind(account).bind(k.code()).bind(now).execute(c).await)?;
            labels.push(k.label());
        }
        let detail =
            if labels.is_empty() { "接收全部通知".to_string() } else { format!("不再接收：{}", labels.join("、")) };
        audit::append(&mut tx, self.db, &self.scope.actor, Event::ok("notify.mute", format!("account:{account}")).detail(detail))
            .await?;
        tx.commit().await?;
        self.settings().await
    }
}
