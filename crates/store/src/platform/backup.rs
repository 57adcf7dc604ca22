//! Backups of the SQLite database while the platform runs, and the checks a restored
//! copy passes before it is served.
//!
//! **Snapshot point.** [`backup_sqlite`] uses SQLite's online backup API in a single step:
//! the copy runs inside one read transaction on the source, which in WAL mode does not
//! stop the server's writer. The copy is the database exactly as of the moment that read
//! transaction began. So every transaction whose commit had returned before
//! [`backup_sqlite`] was called (an *acknowledged* write) is in the copy; none committed
//! after it returned is; one committing while it starts is in or out whole, never in
//! part. The copy's audit-chain head ([`BackupReport::audit_seq`]) names the point: every
//! audited change up to that record is in the backup.
//!
//! **Beside the database.** The audit chain's checkpoint (`audit.anchor`) is read
//! *before* the snapshot, so it never names a record the copy lacks; the audit archive
//! files the copy refers to ([`referenced_archives`]) are copied after it (an archive
//! file is written before its row commits and never removed). Restored together, the
//! chain verifies end to end: archives, live records, checkpoint.
//!
//! PostgreSQL is backed up with its own tools (`pg_dump`, `pg_basebackup` + WAL
//! archiving); README.md says what else to keep (the key file, the attachments).

use crate::platform::files;
use crate::{StoreError, StoreResult};
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};
use sm3::{Digest, Sm3};
use std::path::Path;
use std::time::{Duration, Instant};

/// What a backup wrote.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackupReport {
    /// Size of the copy in bytes.
    pub bytes: u64,
    /// The last audit record in the copy (its sequence number): the snapshot point.
    pub audit_seq: i64,
    /// SM3 of the copy, hex, to check it was restored unchanged.
    pub sm3: String,
    /// How long the copy took, in milliseconds.
    pub took_ms: u64,
}

fn sqlite_error(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("{what}：{e}"))
}

/// Copies the live SQLite database `src` into the new file `dest` (which must not
/// exist) as one consistent snapshot (see the module's notes), private (0600) and in
/// rollback-journal mode, so the copy is one self-contained file. Written under a
/// temporary name and renamed when complete: `dest` never holds half a backup.
pub fn backup_sqlite(src: &Path, dest: &Path) -> StoreResult<BackupReport> {
    let started = Instant::now();
    if dest.exists() {
        return Err(StoreError::Other(format!("备份文件 {} 已存在，请换一个目录", dest.display())));
    }
    // Read-write without create: a missing database is an error, not a new empty one.
    let source = Connection::open_with_flags(src, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| sqlite_error(&format!("无法打开数据库 {}", src.display()), e))?;
    source.busy_timeout(Duration::from_secs(30)).map_err(|e| sqlite_error("无法设置等待时间", e))?;
    let mut partial = dest.as_os_str().to_owned();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    let _ = std::fs::remove_file(&partial);
    files::write_new_private(&partial, b"").map_err(|e| sqlite_error(&format!("无法创建 {}", partial.display()), e))?;
    let result = (|| -> StoreResult<i64> {
        let mut copy = Connection::open(&partial).map_err(|e| sqlite_error("无法打开备份文件", e))?;
        {
            let backup = Backup::new(&source, &mut copy).map_err(|e| sqlite_error("无法开始备份", e))?;
            // One step copies every page inside one read transaction (the snapshot). A
            // busy source (a checkpoint holding a lock) is retried for up to 30 s.
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                match backup.step(-1).map_err(|e| sqlite_error("备份失败", e))? {
                    StepResult::Done => break,
                    StepResult::More | StepResult::Busy | StepResult::Locked if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    other => return Err(StoreError::Other(format!("备份未能完成（{other:?}），请稍后重试"))),
                }
            }
        }
        // A self-contained file: no -wal beside it.
        copy.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get::<_, String>(0))
            .map_err(|e| sqlite_error("无法设置备份文件的日志模式", e))?;
        let seq: i64 = copy
            .query_row("SELECT seq FROM audit_head WHERE id = 1", [], |r| r.get(0))
            .map_err(|e| sqlite_error("备份中没有审计日志", e))?;
        copy.close().map_err(|(_, e)| sqlite_error("无法关闭备份文件", e))?;
        Ok(seq)
    })();
    drop(source);
    let audit_seq = match result {
        Ok(seq) => seq,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::File::open(&partial)
        .and_then(|f| f.sync_all())
        .and_then(|()| std::fs::rename(&partial, dest))
        .map_err(|e| sqlite_error(&format!("无法写入备份文件 {}", dest.display()), e))?;
    let (bytes, sm3) = digest(dest)?;
    Ok(BackupReport { bytes, audit_seq, sm3, took_ms: started.elapsed().as_millis() as u64 })
}

/// Folds a closed SQLite database's write-ahead log into the file and switches it to a
/// rollback journal, so the file alone is the whole database (to be moved or copied).
pub fn self_contained(path: &Path) -> StoreResult<()> {
    let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| sqlite_error(&format!("无法打开 {}", path.display()), e))?;
    c.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get::<_, String>(0))
        .map_err(|e| sqlite_error("无法合并数据库的预写日志", e))?;
    c.close().map_err(|(_, e)| sqlite_error("无法关闭数据库", e))
}

/// The size and SM3 digest (hex) of a file.
pub fn digest(path: &Path) -> StoreResult<(u64, String)> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|e| sqlite_error(&format!("无法读取 {}", path.display()), e))?;
    let mut h = Sm3::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(|e| sqlite_error(&format!("无法读取 {}", path.display()), e))?;
        if n == 0 {
            break;
        }
        total += n as u64;
        h.update(&buf[..n]);
    }
    Ok((total, hex::encode(h.finalize())))
}

/// `PRAGMA integrity_check` on a database file: `Ok` when SQLite finds nothing wrong,
/// else the problems it lists (at most 20).
pub fn integrity_check(path: &Path) -> StoreResult<()> {
    let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| sqlite_error(&format!("无法打开 {}", path.display()), e))?;
    let mut stmt = c.prepare("PRAGMA integrity_check(20)").map_err(|e| sqlite_error("无法检查数据库", e))?;
    let lines: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .and_then(|rows| rows.collect())
        .map_err(|e| sqlite_error("无法检查数据库", e))?;
    if lines == ["ok"] {
        Ok(())
    } else {
        Err(StoreError::Other(format!("数据库完整性检查未通过：{}", lines.join("；"))))
    }
}

/// The attachments a database refers to, as paths relative to the attachments directory
/// (`<region>/<stored name>`).
pub fn referenced_attachments(path: &Path) -> StoreResult<Vec<String>> {
    let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| sqlite_error(&format!("无法打开 {}", path.display()), e))?;
    let mut stmt =
        c.prepare("SELECT region_id, stored_name FROM meeting_attachments").map_err(|e| sqlite_error("无法读取附件清单", e))?;
    stmt.query_map([], |r| Ok(format!("{}/{}", r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
        .and_then(|rows| rows.collect())
        .map_err(|e| sqlite_error("无法读取附件清单", e))
}

/// The audit archive files a database refers to (names in `DATA_DIR/audit-archive`),
/// oldest first: what a backup must carry for its audit chain to verify.
pub fn referenced_archives(path: &Path) -> StoreResult<Vec<String>> {
    let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| sqlite_error(&format!("无法打开 {}", path.display()), e))?;
    let mut stmt =
        c.prepare("SELECT file FROM audit_archives ORDER BY from_seq").map_err(|e| sqlite_error("无法读取审计归档清单", e))?;
    stmt.query_map([], |r| r.get::<_, String>(0))
        .and_then(|rows| rows.collect())
        .map_err(|e| sqlite_error("无法读取审计归档清单", e))
}
