//! The audit log: append-only records chained by HMAC-SM3, written in the same
//! transaction as the change they record, and a verifier that finds any record that was
//! modified, inserted or deleted.

use crate::platform::scope::Actor;
use crate::{Db, StoreResult, Tx};
use serde::Serialize;
use vanguard_domain::kernel::audit::{AuditRecord, sanitize};

const GENESIS: [u8; 32] = [0u8; 32];

/// Creates the chain's head row if it is missing (idempotent).
pub async fn init(db: &Db) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    crate::exec_tx!(tx, c => sqlx::query("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, $1) ON CONFLICT (id) DO NOTHING")
        .bind(GENESIS.to_vec()).execute(c).await)?;
    tx.commit().await
}

/// What happened, to be recorded.
#[derive(Debug, Clone)]
pub struct Event {
    pub action: &'static str,
    pub object: String,
    pub result: &'static str,
    pub detail: String,
}

impl Event {
    pub fn ok(action: &'static str, object: impl Into<String>) -> Self {
        Event { action, object: object.into(), result: "ok", detail: String::new() }
    }
    pub fn with_result(mut self, result: &'static str) -> Self {
        self.result = result;
        self
    }
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
}

#[derive(sqlx::FromRow)]
struct Head {
    seq: i64,
    hash: Vec<u8>,
}

/// Appends one record inside `tx`. Taking the head row first serializes appenders on
/// both backends (PostgreSQL row lock; SQLite's single writer), so the chain never forks.
pub async fn append(tx: &mut Tx, db: &Db, actor: &Actor, event: Event) -> StoreResult<i64> {
    let head: Head = crate::on_tx!(tx, c => sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash").fetch_one(c).await)?;
    let rec = AuditRecord {
        seq: head.seq,
        at_ms: db.clock().now_ms(),
        actor_id: actor.account_id,
        actor_name: sanitize(&actor.name),
        ip: sanitize(&actor.ip),
        action: event.action.to_string(),
        object: sanitize(&event.object),
        result: event.result.to_string(),
        detail: sanitize(&event.detail),
    };
    let hash = db.crypto().chain_hash(&head.hash, &rec.canonical_bytes());
    crate::exec_tx!(tx, c => sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(&hash).execute(c).await)?;
    crate::exec_tx!(tx, c => sqlx::query(
        "INSERT INTO audit_log (seq, at, actor_id, actor_name, ip, action, object, result, detail, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        .bind(rec.seq).bind(rec.at_ms).bind(rec.actor_id).bind(&rec.actor_name).bind(&rec.ip).bind(&rec.action)
        .bind(&rec.object).bind(&rec.result).bind(&rec.detail).bind(&hash).execute(c).await)?;
    Ok(rec.seq)
}

/// Appends one record in a transaction of its own (logins, denials, reveals).
pub async fn record(db: &Db, actor: &Actor, event: Event) -> StoreResult<i64> {
    let mut tx = db.begin().await?;
    let seq = append(&mut tx, db, actor, event).await?;
    tx.commit().await?;
    Ok(seq)
}

/// One record as read back.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub actor_id: i64,
    pub actor_name: String,
    pub ip: String,
    pub action: String,
    pub object: String,
    pub result: String,
    pub detail: String,
    #[serde(skip)]
    pub hash: Vec<u8>,
}

impl AuditRow {
    fn record(&self) -> AuditRecord {
        AuditRecord {
            seq: self.seq,
            at_ms: self.at,
            actor_id: self.actor_id,
            actor_name: self.actor_name.clone(),
            ip: self.ip.clone(),
            action: self.action.clone(),
            object: self.object.clone(),
            result: self.result.clone(),
            detail: self.detail.clone(),
        }
    }
}

/// Filters of the audit viewer; empty fields do not filter.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct AuditFilter {
    pub action: String,
    pub actor: String,
    pub result: String,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub before_seq: Option<i64>,
    pub limit: Option<i64>,
}

/// The newest records first, filtered. Only the auditor's routes call this.
pub async fn list(db: &Db, f: &AuditFilter) -> StoreResult<Vec<AuditRow>> {
    let limit = f.limit.unwrap_or(50).clamp(1, 500);
    let rows = crate::read!(db, c => {
        let mut qb = sqlx::QueryBuilder::new("SELECT seq, at, actor_id, actor_name, ip, action, object, result, detail, hash FROM audit_log WHERE 1 = 1");
        if !f.action.is_empty() {
            qb.push(" AND action LIKE ").push_bind(format!("{}%", f.action));
        }
        if !f.actor.is_empty() {
            qb.push(" AND actor_name = ").push_bind(f.actor.clone());
        }
        if !f.result.is_empty() {
            qb.push(" AND result = ").push_bind(f.result.clone());
        }
        if let Some(from) = f.from_ms {
            qb.push(" AND at >= ").push_bind(from);
        }
        if let Some(to) = f.to_ms {
            qb.push(" AND at < ").push_bind(to);
        }
        if let Some(before) = f.before_seq {
            qb.push(" AND seq < ").push_bind(before);
        }
        qb.push(" ORDER BY seq DESC LIMIT ").push_bind(limit);
        qb.build_query_as::<AuditRow>().fetch_all(c).await
    })?;
    Ok(rows)
}

/// A break in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChainProblem {
    /// The record's hash does not follow from its content and predecessor: it was
    /// modified, or inserted by someone without the key.
    Modified { seq: i64 },
    /// Records with these sequence numbers are missing: deleted.
    Missing { from_seq: i64, to_seq: i64 },
    /// The head says the chain is longer or different: records were deleted at its end,
    /// or the head was altered.
    HeadMismatch { head_seq: i64, last_seq: i64 },
}

/// The outcome of a verification.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub records: i64,
    pub problems: Vec<ChainProblem>,
}

impl Verification {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }

    /// One sentence for people: intact, or every problem found.
    pub fn summary(&self) -> String {
        if self.is_intact() {
            format!("哈希链完整：共 {} 条记录，未发现修改、插入或删除。", self.records)
        } else {
            let problems: Vec<String> = self.problems.iter().map(ChainProblem::describe).collect();
            format!("发现 {} 处问题（共 {} 条记录）：{}", self.problems.len(), self.records, problems.join("；"))
        }
    }
}

impl ChainProblem {
    /// The problem in Chinese.
    pub fn describe(&self) -> String {
        match self {
            ChainProblem::Modified { seq } => format!("第 {seq} 条记录被修改或伪造"),
            ChainProblem::Missing { from_seq, to_seq } if from_seq == to_seq => format!("第 {from_seq} 条记录被删除"),
            ChainProblem::Missing { from_seq, to_seq } => format!("第 {from_seq}–{to_seq} 条记录被删除"),
            ChainProblem::HeadMismatch { head_seq, last_seq } => {
                format!("链尾不符：应有 {head_seq} 条，实有至第 {last_seq} 条（末尾记录被删除或链头被改）")
            }
        }
    }
}

/// The audit action of a chain verification.
pub const VERIFY_ACTION: &str = "audit.verify";

/// Verifies the chain and appends the outcome to it (result `ok` or `failed`, with the
/// problems found), so the last verification — by the auditor, the CLI or the server's
/// daily job — can be shown and is itself on the record.
pub async fn verify_and_record(db: &Db, actor: &Actor, progress: impl FnMut(i64, i64)) -> StoreResult<Verification> {
    let v = verify(db, progress).await?;
    let event = Event::ok(VERIFY_ACTION, "audit_log").detail(v.summary());
    record(db, actor, if v.is_intact() { event } else { event.with_result("failed") }).await?;
    Ok(v)
}

/// The newest verification on record, if any.
pub async fn last_verification(db: &Db) -> StoreResult<Option<AuditRow>> {
    Ok(crate::read!(db, c => sqlx::query_as(
        "SELECT seq, at, actor_id, actor_name, ip, action, object, result, detail, hash FROM audit_log \
         WHERE action = $1 ORDER BY seq DESC LIMIT 1")
        .bind(VERIFY_ACTION).fetch_optional(c).await)?)
}

/// Verifies the whole chain, reading it in pages; `progress(done, total)` is called
/// after each page.
pub async fn verify(db: &Db, mut progress: impl FnMut(i64, i64)) -> StoreResult<Verification> {
    let head: Head = crate::read!(db, c => sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(c).await)?;
    let total = head.seq;
    let mut prev_hash = GENESIS.to_vec();
    let mut expected_seq = 1i64;
    let mut problems = Vec::new();
    let mut count = 0i64;
    loop {
        let page: Vec<AuditRow> = crate::read!(db, c => sqlx::query_as(
            "SELECT seq, at, actor_id, actor_name, ip, action, object, result, detail, hash FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT 5000")
            .bind(expected_seq).fetch_all(c).await)?;
        if page.is_empty() {
            break;
        }
        for row in &page {
            if row.seq != expected_seq {
                problems.push(ChainProblem::Missing { from_seq: expected_seq, to_seq: row.seq - 1 });
            }
            let want = db.crypto().chain_hash(&prev_hash, &row.record().canonical_bytes());
            if want != row.hash {
                problems.push(ChainProblem::Modified { seq: row.seq });
            }
            // Continue from the stored hash so one bad record does not flag all after it.
            prev_hash = row.hash.clone();
            expected_seq = row.seq + 1;
            count += 1;
        }
        progress(count, total);
    }
    let last_seq = expected_seq - 1;
    if last_seq != head.seq || (count > 0 && prev_hash != head.hash) {
        problems.push(ChainProblem::HeadMismatch { head_seq: head.seq, last_seq });
    }
    Ok(Verification { records: count, problems })
}
