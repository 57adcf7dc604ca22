//! The audit log: append-only records chained by HMAC-SM3, written in the same
//! transaction as the change they record, and a verifier that finds any record that was
//! modified, inserted or deleted.

use crate::platform::paging::{SortKey, capped_page};
use crate::platform::query::Sql;
use crate::platform::scope::Actor;
use crate::{Db, StoreResult, Tx};
use serde::Serialize;
use vanguard_domain::kernel::audit::{AuditRecord, sanitize};
use vanguard_domain::kernel::paging::{Page, PageRequest};

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
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
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
}

/// Audit records: newest first (the sequence number is unique).
const AUDIT_ORDER: SortKey = SortKey { columns: &["seq"], descending: true };

/// The newest records first, filtered, one page at a time (keyset on `seq`). The total
/// is counted up to [`COUNT_CAP`](crate::platform::paging::COUNT_CAP) (the log has no per-filter aggregate; beyond the cap
/// the page says "at least"), so a page never costs a count of the whole log. Only the
/// auditor's routes call this.
pub async fn list(db: &Db, f: &AuditFilter, req: &PageRequest) -> StoreResult<Page<AuditRow>> {
    let mut filters = Sql::new(" WHERE 1 = 1");
    if !f.action.is_empty() {
        filters.push(" AND action LIKE ").bind(format!("{}%", f.action));
    }
    if !f.actor.is_empty() {
        filters.push(" AND actor_name = ").bind(f.actor.as_str());
    }
    if !f.result.is_empty() {
        filters.push(" AND result = ").bind(f.result.as_str());
    }
    if let Some(from) = f.from_ms {
        filters.push(" AND at >= ").bind(from);
    }
    if let Some(to) = f.to_ms {
        filters.push(" AND at < ").bind(to);
    }
    let select = "SELECT seq, at, actor_id, actor_name, ip, action, object, result, detail, hash FROM audit_log";
    capped_page(db, "audit_log", select, &filters, &AUDIT_ORDER, req, |r: &AuditRow| vec![r.seq.into()]).await
}

/// A break in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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
    /// The checkpoint kept outside the database (`audit.anchor`) names a later record
    /// than the chain has: its end was cut off (or the whole log wiped), head and all.
    Truncated { anchor_seq: i64, last_seq: i64 },
    /// The record at the checkpoint differs from the one checkpointed: the chain was
    /// rewritten from there.
    AnchorMismatch { seq: i64 },
    /// The checkpoint file's MAC is wrong: it was written without the key.
    AnchorForged,
    /// The checkpoint file is gone although the chain must have one (records spanning
    /// more than [`vanguard_domain::kernel::audit::ANCHOR_GRACE_MS`], or archived ones):
    /// it was deleted, perhaps to hide a truncation. `last_seq` is the chain's last record.
    AnchorMissing { last_seq: i64 },
    /// An archived segment is missing or does not verify.
    ArchiveBroken { from_seq: i64, to_seq: i64 },
}

/// The outcome of a verification.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Verification {
    /// Live records checked (archived ones are checked as files, not counted here).
    pub records: i64,
    /// The last record of the chain as found (0 for an empty chain).
    pub last_seq: i64,
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
            ChainProblem::Truncated { anchor_seq, last_seq } => {
                format!("日志被截断：库外检查点记录到第 {anchor_seq} 条，库中只到第 {last_seq} 条（末尾记录或全部记录被删除）")
            }
            ChainProblem::AnchorMismatch { seq } => format!("第 {seq} 条记录与库外检查点不符（日志自此被改写）"),
            ChainProblem::AnchorForged => "库外检查点文件的校验码不符（检查点被伪造或改动）".to_string(),
            ChainProblem::AnchorMissing { last_seq } => format!(
                "库外检查点文件 {} 缺失：审计日志（至第 {last_seq} 条）早已写过检查点，文件被删除或数据目录被替换，末尾记录可能已被截断而无从发现。请从备份恢复该文件，查明原因后再由安全管理员处理",
                crate::platform::files::ANCHOR_FILE
            ),
            ChainProblem::ArchiveBroken { from_seq, to_seq } => {
                format!("第 {from_seq}–{to_seq} 条的归档文件缺失或校验不通过")
            }
        }
    }
}

/// The audit action of a chain verification.
pub const VERIFY_ACTION: &str = "audit.verify";

/// Verifies the chain and appends the outcome to it (result `ok` or `failed`, with the
/// problems found), so the last verification — by the auditor, the CLI or the server's
/// daily job — can be shown and is itself on the record.
///
/// An intact chain is checkpointed outside the database ([`checkpoint`]); a broken one
/// raises a security alert for the 安全管理员 and the 审计员 and is logged as an error.
pub async fn verify_and_record(db: &Db, actor: &Actor, progress: impl FnMut(i64, i64)) -> StoreResult<Verification> {
    let v = verify(db, progress).await?;
    let event = Event::ok(VERIFY_ACTION, "audit_log").detail(v.summary());
    record(db, actor, if v.is_intact() { event } else { event.with_result("failed") }).await?;
    if v.is_intact() {
        checkpoint(db).await?;
    } else {
        tracing::error!(problems = %v.summary(), "审计日志哈希链校验未通过");
        crate::platform::alerts::raise(db, crate::platform::alerts::AUDIT_VERIFY_FAILED, &v.summary()).await?;
    }
    Ok(v)
}

/// A checkpoint of the chain: its last record and that record's hash, with a keyed MAC
/// whose key (derived from the master key) is not in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub seq: i64,
    pub hash: Vec<u8>,
}

impl Anchor {
    fn body(&self) -> String {
        format!("v1 {} {}", self.seq, hex::encode(&self.hash))
    }
    fn encode(&self, db: &Db) -> String {
        let body = self.body();
        format!("{body} {}\n", hex::encode(db.crypto().anchor_mac(body.as_bytes())))
    }
    /// Reads a checkpoint file's text: `Err(())` when its MAC does not verify.
    fn decode(db: &Db, text: &str) -> Result<Anchor, ()> {
        let mut parts = text.split_whitespace();
        let (Some("v1"), Some(seq), Some(hash), Some(mac)) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(());
        };
        let anchor = Anchor { seq: seq.parse().map_err(|_| ())?, hash: hex::decode(hash).map_err(|_| ())? };
        let want = db.crypto().anchor_mac(anchor.body().as_bytes());
        if hex::decode(mac).map_err(|_| ())? != want {
            return Err(());
        }
        Ok(anchor)
    }
}

/// The checkpoint file's state.
enum OnFile {
    /// No anchor path (PostgreSQL without a data directory).
    Unset,
    /// The path is set and no file is there.
    Missing,
    /// The file's MAC does not verify.
    Forged,
    Present(Anchor),
}

fn on_file(db: &Db) -> OnFile {
    let Some(path) = db.anchor_file() else { return OnFile::Unset };
    match std::fs::read_to_string(&path) {
        Ok(text) => Anchor::decode(db, &text).map_or(OnFile::Forged, OnFile::Present),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => OnFile::Missing,
        // Present but unreadable (permissions): no checkpoint to check against, so it is
        // reported as one that does not verify rather than taken as none.
        Err(_) => OnFile::Forged,
    }
}

/// The checkpoint on file: `None` without a file (or without an anchor path); an error
/// problem when the file does not verify.
pub fn read_anchor(db: &Db) -> Result<Option<Anchor>, ChainProblem> {
    match on_file(db) {
        OnFile::Unset | OnFile::Missing => Ok(None),
        OnFile::Forged => Err(ChainProblem::AnchorForged),
        OnFile::Present(a) => Ok(Some(a)),
    }
}

/// [`ChainProblem::AnchorMissing`] when the chain must have a checkpoint
/// ([`vanguard_domain::kernel::audit::anchor_expected`]): archived segments, or live
/// records spanning more than the grace.
async fn missing_anchor(db: &Db, last_seq: i64) -> StoreResult<Option<ChainProblem>> {
    let archived: Option<i64> = crate::read!(db, c => sqlx::query_scalar("SELECT to_seq FROM audit_archives ORDER BY from_seq LIMIT 1").fetch_optional(c).await)?;
    let oldest: Option<i64> =
        crate::read!(db, c => sqlx::query_scalar("SELECT at FROM audit_log ORDER BY seq LIMIT 1").fetch_optional(c).await)?;
    let newest: Option<i64> =
        crate::read!(db, c => sqlx::query_scalar("SELECT at FROM audit_log ORDER BY seq DESC LIMIT 1").fetch_optional(c).await)?;
    let expected = vanguard_domain::kernel::audit::anchor_expected(oldest, newest, archived.is_some());
    Ok(expected.then_some(ChainProblem::AnchorMissing { last_seq }))
}

/// Writes the chain's head as the checkpoint outside the database (`audit.anchor`, 0600,
/// fsynced, replaced atomically); nothing when the file already names the head (so the
/// server can call it every second). A checkpoint never moves back and is never written
/// over a problem: when the chain no longer reaches or matches the one on file, or the
/// file is missing although the chain must have one ([`ChainProblem::AnchorMissing`]:
/// writing a fresh one would hide the deletion), nothing is written and the problem is
/// returned (the verification reports it).
pub async fn checkpoint(db: &Db) -> StoreResult<Option<ChainProblem>> {
    let Some(path) = db.anchor_file() else { return Ok(None) };
    let head: Head = crate::read!(db, c => sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(c).await)?;
    match on_file(db) {
        OnFile::Unset => return Ok(None),
        OnFile::Forged => return Ok(Some(ChainProblem::AnchorForged)),
        OnFile::Missing => {
            if let Some(p) = missing_anchor(db, head.seq).await? {
                return Ok(Some(p));
            }
        }
        OnFile::Present(old) if old.seq == head.seq && old.hash == head.hash => return Ok(None),
        OnFile::Present(old) if old.seq > head.seq => {
            return Ok(Some(ChainProblem::Truncated { anchor_seq: old.seq, last_seq: head.seq }));
        }
        OnFile::Present(old) if hash_at(db, old.seq).await?.is_some_and(|h| h != old.hash) => {
            return Ok(Some(ChainProblem::AnchorMismatch { seq: old.seq }));
        }
        OnFile::Present(_) => {}
    }
    let text = Anchor { seq: head.seq, hash: head.hash }.encode(db);
    write_replace_private(&path, text.as_bytes())
        .map_err(|e| crate::StoreError::Other(format!("无法写入审计检查点 {}：{e}", path.display())))?;
    Ok(None)
}

/// Writes the chain's head as a new checkpoint where none is on file, whatever the
/// chain's age: for a chain just verified whole that came without one (a restored
/// backup that carried none). Refused when a checkpoint file exists.
pub async fn anchor_anew(db: &Db) -> StoreResult<()> {
    let Some(path) = db.anchor_file() else { return Ok(()) };
    if !matches!(on_file(db), OnFile::Missing) {
        return Err(crate::StoreError::conflict("audit.anchor_exists", "审计检查点文件已存在，不能重新建立"));
    }
    let head: Head = crate::read!(db, c => sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(c).await)?;
    let text = Anchor { seq: head.seq, hash: head.hash }.encode(db);
    write_replace_private(&path, text.as_bytes())
        .map_err(|e| crate::StoreError::Other(format!("无法写入审计检查点 {}：{e}", path.display())))
}

/// The stored hash of record `seq` (live, or the last of an archived segment).
async fn hash_at(db: &Db, seq: i64) -> StoreResult<Option<Vec<u8>>> {
    if seq == 0 {
        return Ok(Some(GENESIS.to_vec()));
    }
    let live: Option<Vec<u8>> =
        crate::read!(db, c => sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = $1").bind(seq).fetch_optional(c).await)?;
    if live.is_some() {
        return Ok(live);
    }
    Ok(
        crate::read!(db, c => sqlx::query_scalar("SELECT last_hash FROM audit_archives WHERE to_seq = $1").bind(seq).fetch_optional(c).await)?,
    )
}

/// Writes `bytes` to `path` through a temporary file: 0600, fsynced, renamed, and the
/// directory fsynced, so a crash leaves the old file or the new one.
fn write_replace_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(crate::platform::files::FILE_MODE);
    }
    let mut f = opts.open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
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
    let mut problems = Vec::new();
    // Archived segments: each file verifies, and the live chain goes on from the last.
    let archives = archives(db).await?;
    let mut prev_hash = GENESIS.to_vec();
    let mut expected_seq = 1i64;
    for a in &archives {
        if a.from_seq != expected_seq || a.prev_hash != prev_hash || verify_archive(db, a).is_err() {
            problems.push(ChainProblem::ArchiveBroken { from_seq: a.from_seq, to_seq: a.to_seq });
        }
        prev_hash = a.last_hash.clone();
        expected_seq = a.to_seq + 1;
    }
    let (anchor, anchor_missing) = match on_file(db) {
        OnFile::Unset => (None, false),
        OnFile::Missing => (None, true),
        OnFile::Forged => {
            problems.push(ChainProblem::AnchorForged);
            (None, false)
        }
        OnFile::Present(a) => (Some(a), false),
    };
    let mut anchor_seen = anchor.as_ref().is_some_and(|a| a.seq < expected_seq);
    if let Some(a) = &anchor
        && a.seq == expected_seq - 1
        && a.hash != prev_hash
    {
        problems.push(ChainProblem::AnchorMismatch { seq: a.seq });
    }
    let mut count = 0i64;
    let (mut oldest_at, mut newest_at) = (None, None);
    loop {
        let page: Vec<AuditRow> = crate::read!(db, c => sqlx::query_as(
            "SELECT seq, at, actor_id, actor_name, ip, action, object, result, detail, hash FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT 5000")
            .bind(expected_seq).fetch_all(c).await)?;
        if page.is_empty() {
            break;
        }
        oldest_at = oldest_at.or(page.first().map(|r| r.at));
        newest_at = page.last().map(|r| r.at);
        for row in &page {
            if row.seq != expected_seq {
                problems.push(ChainProblem::Missing { from_seq: expected_seq, to_seq: row.seq - 1 });
            }
            let want = db.crypto().chain_hash(&prev_hash, &row.record().canonical_bytes());
            if want != row.hash {
                problems.push(ChainProblem::Modified { seq: row.seq });
            }
            if let Some(a) = &anchor
                && a.seq == row.seq
            {
                anchor_seen = true;
                if a.hash != row.hash {
                    problems.push(ChainProblem::AnchorMismatch { seq: a.seq });
                }
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
    if let Some(a) = &anchor
        && !anchor_seen
        && a.seq > 0
    {
        problems.push(ChainProblem::Truncated { anchor_seq: a.seq, last_seq });
    }
    if anchor_missing && vanguard_domain::kernel::audit::anchor_expected(oldest_at, newest_at, !archives.is_empty()) {
        problems.push(ChainProblem::AnchorMissing { last_seq });
    }
    Ok(Verification { records: count, last_seq, problems })
}

/// An archived segment of the chain.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditArchive {
    pub id: i64,
    pub from_seq: i64,
    pub to_seq: i64,
    #[serde(skip)]
    pub prev_hash: Vec<u8>,
    #[serde(skip)]
    pub last_hash: Vec<u8>,
    pub records: i64,
    /// The file's name in `DATA_DIR/audit-archive`.
    pub file: String,
    pub archived_at: i64,
}

/// Every archived segment, oldest first.
pub async fn archives(db: &Db) -> StoreResult<Vec<AuditArchive>> {
    Ok(crate::read!(db, c => sqlx::query_as(
        "SELECT id, from_seq, to_seq, prev_hash, last_hash, records, file, archived_at FROM audit_archives ORDER BY from_seq")
        .fetch_all(c).await)?)
}

/// One record as an archive file holds it (a JSON line).
#[derive(Debug, Serialize, serde::Deserialize)]
struct ArchivedRecord {
    seq: i64,
    at: i64,
    actor_id: i64,
    actor_name: String,
    ip: String,
    action: String,
    object: String,
    result: String,
    detail: String,
    hash: String,
}

fn archive_dir(db: &Db) -> StoreResult<std::path::PathBuf> {
    let anchor = db.anchor_file().ok_or_else(|| {
        crate::StoreError::Other("未设置数据目录，无法归档审计记录：请以 --data-dir 指定数据目录后再运行".into())
    })?;
    let parent = anchor.parent().filter(|d| !d.as_os_str().is_empty()).map(std::path::Path::to_path_buf).unwrap_or_default();
    Ok(parent.join(crate::platform::files::AUDIT_ARCHIVE_DIR))
}

/// Checks an archive file against its segment: every record's hash follows from the one
/// before, starting at `prev_hash` and ending at `last_hash`, without gaps.
pub fn verify_archive(db: &Db, a: &AuditArchive) -> Result<(), String> {
    let path = archive_dir(db).map_err(|e| e.to_string())?.join(&a.file);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}：{e}", path.display()))?;
    let mut prev = a.prev_hash.clone();
    let mut expected = a.from_seq;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let r: ArchivedRecord = serde_json::from_str(line).map_err(|e| e.to_string())?;
        let row = AuditRow {
            seq: r.seq,
            at: r.at,
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            ip: r.ip,
            action: r.action,
            object: r.object,
            result: r.result,
            detail: r.detail,
            hash: hex::decode(&r.hash).map_err(|e| e.to_string())?,
        };
        if row.seq != expected || db.crypto().chain_hash(&prev, &row.record().canonical_bytes()) != row.hash {
            return Err(format!("第 {} 条记录校验不通过", row.seq));
        }
        prev = row.hash;
        expected += 1;
    }
    if expected != a.to_seq + 1 || prev != a.last_hash {
        return Err("归档段的末尾与记录不符".into());
    }
    Ok(())
}

/// What the retention job did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ArchiveOutcome {
    pub records: i64,
    pub from_seq: i64,
    pub to_seq: i64,
    pub file: String,
}

/// The retention job: moves the oldest records, older than `retention_days` (never
/// fewer than 180 days, [`vanguard_domain::kernel::audit::MIN_RETENTION_DAYS`]), to an
/// archive file (`DATA_DIR/audit-archive`, 0600, fsynced) with their chain segment,
/// then removes them from the live log in one transaction with the archive's row and
/// its own audit record. Only a contiguous run from the oldest is archived, and only
/// once it verifies; it stops at the first record inside the retention, so none younger
/// is ever removed. At most `batch` records per run.
pub async fn archive_older_than(db: &Db, actor: &Actor, retention_days: u32, batch: i64) -> StoreResult<ArchiveOutcome> {
    let cutoff = vanguard_domain::kernel::audit::archive_cutoff_ms(db.clock().now_ms(), retention_days);
    let done = archives(db).await?;
    let (from_seq, prev_hash) = done.last().map(|a| (a.to_seq + 1, a.last_hash.clone())).unwrap_or((1, GENESIS.to_vec()));
    let rows: Vec<AuditRow> = crate::read!(db, c => sqlx::query_as(
        "SELECT seq, at, actor_id, actor_name, ip, action, object, result, detail, hash FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2")
        .bind(from_seq).bind(batch.clamp(1, 1_000_000)).fetch_all(c).await)?;
    let mut segment = Vec::new();
    let mut prev = prev_hash.clone();
    for (expected, row) in (from_seq..).zip(rows) {
        if row.at >= cutoff {
            break;
        }
        if row.seq != expected || db.crypto().chain_hash(&prev, &row.record().canonical_bytes()) != row.hash {
            return Err(crate::StoreError::conflict(
                "audit.archive_broken",
                format!("第 {} 条审计记录校验不通过，已停止归档：请先运行 vanguard audit verify 查明原因", row.seq),
            ));
        }
        prev = row.hash.clone();
        segment.push(row);
    }
    let (Some(first), Some(last)) = (segment.first(), segment.last()) else {
        return Ok(ArchiveOutcome::default());
    };
    let (first_seq, last_seq, last_hash) = (first.seq, last.seq, last.hash.clone());
    let dir = archive_dir(db)?;
    crate::platform::files::private_dir(&dir)
        .map_err(|e| crate::StoreError::Other(format!("无法创建归档目录 {}：{e}", dir.display())))?;
    let file = format!("audit-{first_seq:012}-{last_seq:012}.jsonl");
    let mut text = String::new();
    for r in &segment {
        let line = serde_json::to_string(&ArchivedRecord {
            seq: r.seq,
            at: r.at,
            actor_id: r.actor_id,
            actor_name: r.actor_name.clone(),
            ip: r.ip.clone(),
            action: r.action.clone(),
            object: r.object.clone(),
            result: r.result.clone(),
            detail: r.detail.clone(),
            hash: hex::encode(&r.hash),
        })
        .map_err(|e| crate::StoreError::Other(e.to_string()))?;
        text.push_str(&line);
        text.push('\n');
    }
    write_replace_private(&dir.join(&file), text.as_bytes())
        .map_err(|e| crate::StoreError::Other(format!("无法写入归档文件 {}：{e}", dir.display())))?;
    let count = i64::try_from(segment.len()).unwrap_or(i64::MAX);
    let now = db.clock().now_ms();
    let mut tx = db.begin().await?;
    crate::exec_tx!(tx, c => sqlx::query(
        "INSERT INTO audit_archives (id, from_seq, to_seq, prev_hash, last_hash, records, file, archived_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(crate::platform::ids::next()).bind(first_seq).bind(last_seq).bind(&prev_hash).bind(&last_hash).bind(count).bind(&file).bind(now)
        .execute(c).await)?;
    crate::exec_tx!(tx, c => sqlx::query("DELETE FROM audit_log WHERE seq >= $1 AND seq <= $2 AND at < $3")
        .bind(first_seq).bind(last_seq).bind(cutoff).execute(c).await)?;
    append(
        &mut tx,
        db,
        actor,
        Event::ok("audit.archive", file.clone()).detail(format!("归档第 {first_seq}–{last_seq} 条，共 {count} 条（保留期外）")),
    )
    .await?;
    tx.commit().await?;
    Ok(ArchiveOutcome { records: count, from_seq: first_seq, to_seq: last_seq, file })
}
