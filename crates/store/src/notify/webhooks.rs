//! An org's group robots (企业微信/钉钉), their outbox and the delivery log.
//!
//! Robots are configured by an account writing the org (its administrator or secretary):
//! the address is checked (`domain::notify::check_webhook_url`), the 钉钉 secret sealed
//! with the field cipher (context bound to the robot's id) and never answered back; the
//! address is shown cut before its query (the `key=`/`access_token=` is a credential).
//! The background worker reads what is due with [`due`], takes a lease on it with
//! [`claim`] (so two servers never send one message twice at once) and writes each
//! attempt with [`record`].

use super::Notices;
use crate::platform::audit::{self, Event};
use crate::platform::ids;
use crate::{Db, StoreError, StoreResult, Tx};
use serde::{Deserialize, Serialize};
use vanguard_domain::notify::webhook::check_secret;
use vanguard_domain::notify::{NotifyKind, RobotKind, backoff_ms, bounded, check_webhook_url};

/// A robot as configured (no secret, the address cut before its query).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WebhookView {
    pub id: i64,
    pub org_id: i64,
    pub robot: RobotKind,
    pub robot_label: &'static str,
    pub name: String,
    pub url_shown: String,
    pub has_secret: bool,
    pub markdown: bool,
    pub enabled: bool,
    pub updated_at: i64,
}

/// A robot's settings as sent.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct WebhookInput {
    pub robot: Option<RobotKind>,
    /// What the group is, for people (e.g. 第一支部党员群).
    pub name: String,
    /// The robot's Webhook address; empty on an edit keeps the stored one.
    pub url: String,
    /// 钉钉 加签 secret; `None` keeps the stored one, empty removes it.
    pub secret: Option<String>,
    /// Markdown messages (default) or plain text.
    pub markdown: Option<bool>,
    pub enabled: Option<bool>,
}

/// One delivery attempt in the log.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct DeliveryView {
    pub id: i64,
    pub outbox_id: i64,
    pub webhook_id: i64,
    pub kind: String,
    pub title: String,
    pub attempt: i64,
    pub at: i64,
    pub ok: bool,
    pub status: Option<i64>,
    pub error: String,
    pub duration_ms: i64,
    /// The message's state now: pending (retry due later), delivered, failed.
    pub state: String,
}

/// A message due for delivery, with its robot.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub region_id: i64,
    pub outbox_id: i64,
    pub webhook_id: i64,
    pub title: String,
    pub text: String,
    pub attempts: i64,
    pub next_at: i64,
    pub robot: RobotKind,
    pub url: String,
    pub secret: Option<String>,
    pub markdown: bool,
}

const NAME_MAX: usize = 50;
const SECRET_CONTEXT: &str = "notify_webhooks.secret";

fn secret_context(id: i64) -> String {
    format!("{SECRET_CONTEXT}:{id}")
}

/// The address up to its query: `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?…`.
fn shown(url: &str) -> String {
    match url.split_once('?') {
        Some((base, _)) => format!("{base}?…"),
        None => url.to_string(),
    }
}

type HookRow = (i64, i64, String, String, String, Option<Vec<u8>>, bool, bool, i64);

fn view(r: HookRow) -> StoreResult<WebhookView> {
    let (id, org_id, robot, name, url, secret, markdown, enabled, updated_at) = r;
    let robot = crate::platform::error::decode("notify_webhooks.robot", &robot, RobotKind::from_code)?;
    Ok(WebhookView {
        id,
        org_id,
        robot,
        robot_label: robot.label(),
        name,
        url_shown: shown(&url),
        has_secret: secret.is_some(),
        markdown,
        enabled,
        updated_at,
    })
}

macro_rules! hook_select {
    () => {
        "SELECT id, org_id, robot, name, url, secret, markdown, enabled, updated_at FROM notify_webhooks "
    };
}

/// Queues a group message for one robot (once per dedupe key).
#[allow(clippy::too_many_arguments)]
pub(super) async fn queue(
    tx: &mut Tx,
    region_id: i64,
    webhook_id: i64,
    kind: NotifyKind,
    title: &str,
    text: &str,
    dedupe_key: &str,
    now: i64,
) -> StoreResult<u64> {
    crate::exec_tx!(tx, c => sqlx::query(
        "INSERT INTO notify_outbox (region_id, id, webhook_id, kind, title, text, dedupe_key, state, attempts, next_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8) ON CONFLICT (region_id, webhook_id, dedupe_key) DO NOTHING")
        .bind(region_id).bind(ids::next()).bind(webhook_id).bind(kind.code()).bind(bounded(title)).bind(bounded(text))
        .bind(dedupe_key).bind(now).execute(c).await)
    .map_err(Into::into)
}

impl Notices<'_> {
    /// The robots of an org within the writable subtree.
    pub async fn webhooks(&self, org_id: i64) -> StoreResult<Vec<WebhookView>> {
        let mut tx = self.db.begin().await?;
        let org = self.scoped().orgs().org_for_write(&mut tx, org_id).await?;
        let rows: Vec<HookRow> = crate::on_tx!(tx, c => sqlx::query_as(concat!(hook_select!(), "WHERE region_id = $1 AND org_id = $2 ORDER BY id"))
            .bind(org.region_id).bind(org.id).fetch_all(c).await)?;
        tx.commit().await?;
        rows.into_iter().map(view).collect()
    }

    async fn hook_for_write(&self, tx: &mut Tx, id: i64) -> StoreResult<(HookRow, String)> {
        let row: Option<HookRow> = crate::on_tx!(tx, c => sqlx::query_as(concat!(hook_select!(), "WHERE region_id = $1 AND id = $2"))
            .bind(self.scope.region_id).bind(id).fetch_optional(c).await)?;
        let row = row.ok_or(StoreError::NotFound)?;
        let org = self.scoped().orgs().org_for_write(tx, row.1).await?;
        Ok((row, org.name))
    }

    /// Adds a robot to an org within the writable subtree. Audited (the address is not
    /// written into the audit log).
    pub async fn create_webhook(&self, org_id: i64, input: &WebhookInput) -> StoreResult<WebhookView> {
        let mut tx = self.db.begin().await?;
        let org = self.scoped().orgs().org_for_write(&mut tx, org_id).await?;
        let robot =
            input.robot.ok_or_else(|| StoreError::invalid("robot", "notify.robot", "请选择机器人类型：企业微信或钉钉"))?;
        let name = checked_name(&input.name)?;
        check_webhook_url(&input.url).map_err(StoreError::Invalid)?;
        let id = ids::next();
        let secret = sealed_secret(self.db, id, input.secret.as_deref())?;
        let now = self.db.clock().now_ms();
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO notify_webhooks (region_id, id, org_id, org_path, robot, name, url, secret, markdown, enabled, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)")
            .bind(org.region_id).bind(id).bind(org.id).bind(&org.path).bind(robot.code()).bind(&name).bind(input.url.trim())
            .bind(secret.flatten()).bind(input.markdown.unwrap_or(true)).bind(input.enabled.unwrap_or(true))
            .bind(self.scope.actor.account_id).bind(now).execute(c).await)?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("notify.webhook.create", format!("org:{}", org.id)).detail(format!(
                "{}：{}（{}）",
                org.name,
                name,
                robot.label()
            )),
        )
        .await?;
        tx.commit().await?;
        self.webhook(id).await
    }

    async fn webhook(&self, id: i64) -> StoreResult<WebhookView> {
        let row: Option<HookRow> = crate::read!(self.db, c => sqlx::query_as(concat!(hook_select!(), "WHERE region_id = $1 AND id = $2"))
            .bind(self.scope.region_id).bind(id).fetch_optional(c).await)?;
        view(row.ok_or(StoreError::NotFound)?)
    }

    /// Changes a robot (name, address, secret, format, on/off). Audited.
    pub async fn update_webhook(&self, id: i64, input: &WebhookInput) -> StoreResult<WebhookView> {
        let mut tx = self.db.begin().await?;
        let ((_, org_id, robot, old_name, old_url, old_secret, old_md, old_on, _), org_name) =
            self.hook_for_write(&mut tx, id).await?;
        let robot = match input.robot {
            Some(r) => r,
            None => crate::platform::error::decode("notify_webhooks.robot", &robot, RobotKind::from_code)?,
        };
        let name = if input.name.trim().is_empty() { old_name } else { checked_name(&input.name)? };
        let url = if input.url.trim().is_empty() {
            old_url
        } else {
            check_webhook_url(&input.url).map_err(StoreError::Invalid)?;
            input.url.trim().to_string()
        };
        let secret = match sealed_secret(self.db, id, input.secret.as_deref())? {
            Some(s) => s,
            None => old_secret,
        };
        let (markdown, enabled) = (input.markdown.unwrap_or(old_md), input.enabled.unwrap_or(old_on));
        let now = self.db.clock().now_ms();
        crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE notify_webhooks SET robot = $1, name = $2, url = $3, secret = $4, markdown = $5, enabled = $6, updated_at = $7 \
             WHERE region_id = $8 AND id = $9")
            .bind(robot.code()).bind(&name).bind(&url).bind(secret).bind(markdown).bind(enabled).bind(now)
            .bind(self.scope.region_id).bind(id).execute(c).await)?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("notify.webhook.update", format!("org:{org_id}")).detail(format!(
                "{org_name}：{name}（{}，{}）",
                robot.label(),
                if enabled { "启用" } else { "停用" }
            )),
        )
        .await?;
        tx.commit().await?;
        self.webhook(id).await
    }

    /// Queues a test message to a robot (delivered by the worker like any other). Audited.
    pub async fn test_webhook(&self, id: i64) -> StoreResult<WebhookView> {
        let mut tx = self.db.begin().await?;
        let ((_, org_id, _, name, ..), org_name) = self.hook_for_write(&mut tx, id).await?;
        let now = self.db.clock().now_ms();
        let text = format!("这是锋领智慧党建发往“{name}”的测试消息，收到即表示{org_name}的群通知已接通。");
        queue(&mut tx, self.scope.region_id, id, NotifyKind::ApprovalWaiting, "测试消息", &text, &format!("test:{now}"), now)
            .await?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("notify.webhook.test", format!("org:{org_id}")).detail(name),
        )
        .await?;
        tx.commit().await?;
        self.webhook(id).await
    }

    /// The delivery log of a robot within the writable subtree, newest first (at most 200).
    pub async fn deliveries(&self, id: i64) -> StoreResult<Vec<DeliveryView>> {
        let mut tx = self.db.begin().await?;
        self.hook_for_write(&mut tx, id).await?;
        let rows: Vec<DeliveryView> = crate::on_tx!(tx, c => sqlx::query_as(
            "SELECT d.id, d.outbox_id, d.webhook_id, o.kind, o.title, d.attempt, d.at, d.ok, d.status, d.error, d.duration_ms, o.state \
             FROM notify_deliveries d JOIN notify_outbox o ON o.region_id = d.region_id AND o.id = d.outbox_id \
             WHERE d.region_id = $1 AND d.webhook_id = $2 ORDER BY d.at DESC, d.id DESC LIMIT 200")
            .bind(self.scope.region_id).bind(id).fetch_all(c).await)?;
        tx.commit().await?;
        Ok(rows)
    }
}

fn checked_name(name: &str) -> StoreResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX {
        return Err(StoreError::invalid(
            "name",
            "notify.name",
            format!("请填写群的名称（不超过{NAME_MAX}个字），如“第一支部党员群”"),
        ));
    }
    Ok(name.to_string())
}

/// `None`: keep; `Some(None)`: remove; `Some(Some(sealed))`: the new secret.
fn sealed_secret(db: &Db, id: i64, secret: Option<&str>) -> StoreResult<Option<Option<Vec<u8>>>> {
    match secret.map(str::trim) {
        None => Ok(None),
        Some("") => Ok(Some(None)),
        Some(s) => {
            check_secret(s).map_err(StoreError::Invalid)?;
            Ok(Some(Some(db.crypto().encrypt_str(s, &secret_context(id)))))
        }
    }
}

/// Messages due for delivery (pending, `next_at` reached), oldest first, with their robot
/// and its secret opened.
pub async fn due(db: &Db, now: i64, limit: i64) -> StoreResult<Vec<DueDelivery>> {
    type Row = (i64, i64, i64, String, String, i64, i64, String, String, Option<Vec<u8>>, bool);
    let rows: Vec<Row> = crate::read!(db, c => sqlx::query_as(
        "SELECT o.region_id, o.id, o.webhook_id, o.title, o.text, o.attempts, o.next_at, w.robot, w.url, w.secret, w.markdown \
         FROM notify_outbox o JOIN notify_webhooks w ON w.region_id = o.region_id AND w.id = o.webhook_id \
         WHERE o.state = 'pending' AND o.next_at <= $1 ORDER BY o.next_at, o.id LIMIT $2")
        .bind(now).bind(limit).fetch_all(c).await)?;
    rows.into_iter()
        .map(|(region_id, outbox_id, webhook_id, title, text, attempts, next_at, robot, url, secret, markdown)| {
            let robot = crate::platform::error::decode("notify_webhooks.robot", &robot, RobotKind::from_code)?;
            let secret = match secret {
                Some(s) => Some(db.crypto().decrypt_str(&s, &secret_context(webhook_id)).ok_or(StoreError::Crypto)?),
                None => None,
            };
            Ok(DueDelivery { region_id, outbox_id, webhook_id, title, text, attempts, next_at, robot, url, secret, markdown })
        })
        .collect()
}

/// Takes a lease on a due message until `until`: `false` when another worker took it first.
pub async fn claim(db: &Db, d: &DueDelivery, until: i64) -> StoreResult<bool> {
    let mut tx = db.begin().await?;
    let n = crate::exec_tx!(tx, c => sqlx::query(
        "UPDATE notify_outbox SET next_at = $1 WHERE region_id = $2 AND id = $3 AND state = 'pending' AND next_at = $4")
        .bind(until).bind(d.region_id).bind(d.outbox_id).bind(d.next_at).execute(c).await)?;
    tx.commit().await?;
    Ok(n == 1)
}

/// How one attempt went.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub ok: bool,
    pub status: Option<u16>,
    pub error: String,
    pub duration_ms: i64,
}

/// Logs an attempt and moves the message on: delivered, due again after the backoff, or
/// failed once the rules' attempts are used up. Answers the message's state.
pub async fn record(db: &Db, d: &DueDelivery, a: &Attempt) -> StoreResult<&'static str> {
    let now = db.clock().now_ms();
    let attempt = d.attempts + 1;
    let rules = db.rules();
    let (state, next_at) = if a.ok {
        ("delivered", now)
    } else {
        match backoff_ms(&rules.notify, u32::try_from(attempt).unwrap_or(u32::MAX)) {
            Some(wait) => ("pending", now + wait),
            None => ("failed", now),
        }
    };
    let mut tx = db.begin().await?;
    crate::exec_tx!(tx, c => sqlx::query(
        "INSERT INTO notify_deliveries (region_id, id, outbox_id, webhook_id, attempt, at, ok, status, error, duration_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        .bind(d.region_id).bind(ids::next()).bind(d.outbox_id).bind(d.webhook_id).bind(attempt).bind(now).bind(a.ok)
        .bind(a.status.map(i64::from)).bind(bounded(&a.error)).bind(a.duration_ms).execute(c).await)?;
    crate::exec_tx!(tx, c => sqlx::query(
        "UPDATE notify_outbox SET state = $1, attempts = $2, next_at = $3, delivered_at = $4 WHERE region_id = $5 AND id = $6")
        .bind(state).bind(attempt).bind(next_at).bind(a.ok.then_some(now)).bind(d.region_id).bind(d.outbox_id).execute(c).await)?;
    tx.commit().await?;
    Ok(state)
}
