//! The database handle, transactions, and the two macros that let one SQL text run on
//! either backend: [`read!`](crate::read) on the read pool, [`on_tx!`](crate::on_tx)
//! inside a transaction. Each macro expands its body once per backend, so the body is
//! written once and type-checked against both drivers.

use crate::platform::crypto::Crypto;
use crate::platform::error::StoreResult;
use crate::platform::files;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use vanguard_domain::kernel::rules::RuleSet;

/// The connection pools of one backend.
pub(crate) enum Backend {
    /// One writer connection (SQLite allows one writer at a time; queuing in the pool
    /// avoids busy errors) and a pool of readers (WAL lets them run beside the writer).
    Sqlite {
        writer: SqlitePool,
        reader: SqlitePool,
        /// Point reads on the calling thread (see [`crate::platform::point`]).
        point: crate::platform::point::PointReader,
    },
    Postgres(PgPool),
}

/// The platform's clock. Tests move it forward to check timeouts without waiting.
#[derive(Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// Now, in UTC epoch milliseconds.
    pub fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis() + self.offset_ms.load(Ordering::Relaxed)
    }
    /// Today's calendar date in China.
    pub fn today(&self) -> chrono::NaiveDate {
        vanguard_domain::kernel::time::china_date(self.now_ms())
    }
    /// Moves the clock forward (tests only ever need forward).
    pub fn advance(&self, ms: i64) {
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

struct Inner {
    backend: Backend,
    /// Bumped by every committed write transaction of this process: cached aggregates
    /// computed under an older generation are stale.
    generation: Arc<AtomicU64>,
    /// Subtree aggregates by (region, path range): totals and branch indexes.
    totals: Derived<u64>,
    branch_indexes: Derived<Arc<crate::platform::paging::BranchIndex>>,
    /// Sessions resolved in the last second (see `account::authenticate`).
    sessions: std::sync::Mutex<std::collections::HashMap<Vec<u8>, (crate::account::Session, i64)>>,
    crypto: Crypto,
    clock: Clock,
    rules: RwLock<Arc<RuleSet>>,
    url: String,
    attachments_dir: RwLock<Option<PathBuf>>,
    anchor_file: RwLock<Option<PathBuf>>,
    /// Limits on uploaded files and the parses allowed at once (see `platform::upload`).
    uploads: RwLock<(Arc<vanguard_domain::kernel::upload::UploadLimits>, Arc<tokio::sync::Semaphore>)>,
}

/// A subtree: its region and path range.
type SubtreeKey = (i64, String, String);

/// Aggregates derived from many rows, keyed by (region, path range): served while no
/// write of this process committed since they were computed and for at most
/// [`TOTAL_TTL_MS`].
struct Derived<V> {
    /// By (region, lo, hi): the value, the write generation and the time computed.
    map: std::sync::Mutex<std::collections::HashMap<SubtreeKey, (V, u64, i64)>>,
    computing: tokio::sync::Mutex<()>,
    max_keys: usize,
}

impl<V: Clone> Derived<V> {
    fn new(max_keys: usize) -> Self {
        Derived { map: std::sync::Mutex::default(), computing: tokio::sync::Mutex::new(()), max_keys }
    }

    fn fresh(&self, key: &(i64, String, String), generation: u64, now: i64) -> Option<V> {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.get(key).filter(|(_, g, at)| *g == generation && now >= *at && now - at < TOTAL_TTL_MS).map(|(v, _, _)| v.clone())
    }

    async fn get_or<F>(&self, key: (i64, String, String), generation: &AtomicU64, clock: &Clock, compute: F) -> StoreResult<V>
    where
        F: std::future::Future<Output = StoreResult<V>>,
    {
        if let Some(v) = self.fresh(&key, generation.load(Ordering::Acquire), clock.now_ms()) {
            return Ok(v);
        }
        // One computation at a time: when an aggregate expires under load, every request
        // in flight would otherwise compute it at once (64 connections, 64 scans of the
        // city's 25k branches). The others wait and then find it fresh.
        let _gate = self.computing.lock().await;
        let (generation, now) = (generation.load(Ordering::Acquire), clock.now_ms());
        if let Some(v) = self.fresh(&key, generation, now) {
            return Ok(v);
        }
        let value = compute.await?;
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= self.max_keys {
            map.clear();
        }
        map.insert(key, (value.clone(), generation, now));
        Ok(value)
    }
}

/// SQLite page cache of the one writer connection, in KiB. Pages a transaction changes
/// stay in it until commit and spill to the WAL beyond it, and every page read comes from
/// the OS page cache in microseconds; a larger cache only held a bulk write's pages twice
/// (a 20,000-row import filled 64 MiB of it and kept it, issue 10's memory budget).
const WRITER_CACHE_KIB: i64 = 16 * 1024;

/// SQLite page cache of each pooled reader, in KiB: each connection holds its own copy of
/// the pages it read, so four readers at 16 MiB could hold 64 MiB of copies of the same
/// index pages; the OS page cache holds the file once for all of them.
const READER_CACHE_KIB: i64 = 8 * 1024;

/// How long a cached subtree total may serve when nothing in this process wrote: writes
/// by another process (a CLI import beside the server) show within this time.
const TOTAL_TTL_MS: i64 = 5_000;

/// The database: pools, the field-encryption keys, the clock and the rules in force.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

impl Db {
    /// Opens (creating if needed) and migrates the database at `url`: `sqlite://PATH`,
    /// a bare file path, or `postgres://…`. On a PostgreSQL database with the `citus`
    /// extension, the schema is then distributed ([`crate::platform::distribute`]).
    pub async fn open(url: &str, crypto: Crypto) -> StoreResult<Db> {
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool =
                PgPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(10)).connect_with(opts).await?;
            sqlx::migrate!("./migrations/postgres").run(&pool).await?;
            if crate::platform::distribute::is_citus(&pool).await? {
                crate::platform::distribute::run(&pool).await?;
            }
            Backend::Postgres(pool)
        } else {
            let path = url.strip_prefix("sqlite://").unwrap_or(url);
            if let Some(dir) = Path::new(path).parent()
                && !dir.as_os_str().is_empty()
            {
                files::ensure_dir(dir)
                    .map_err(|e| crate::StoreError::Other(format!("无法创建数据目录 {}：{e}", dir.display())))?;
            }
            // The database holds personal data: private from its first byte (SQLite gives
            // its journals the database file's mode), and tightened if an older version
            // left it readable.
            let private = |e: std::io::Error| crate::StoreError::Other(format!("无法设置数据库文件 {path} 的权限：{e}"));
            if !Path::new(path).exists() {
                files::write_new_private(Path::new(path), b"").map_err(private)?;
            }
            files::private_sqlite(Path::new(path)).map_err(private)?;
            let base = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .pragma("cache_size", format!("-{WRITER_CACHE_KIB}"));
            let writer = SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(base.clone())
                .await?;
            sqlx::migrate!("./migrations/sqlite").run(&writer).await?;
            let reader = SqlitePoolOptions::new()
                .max_connections(4)
                .test_before_acquire(false)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(base.pragma("cache_size", format!("-{READER_CACHE_KIB}")).read_only(true))
                .await?;
            // One per runtime worker, and one more for a caller outside the runtime.
            let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
            let point = crate::platform::point::PointReader::open(Path::new(path), workers + 1)?;
            Backend::Sqlite { writer, reader, point }
        };
        let db = Db {
            inner: Arc::new(Inner {
                backend,
                generation: Arc::new(AtomicU64::new(0)),
                totals: Derived::new(10_000),
                // A city's index is ~25k paths (a few MB); few subtrees are paged deeply.
                branch_indexes: Derived::new(64),
                sessions: std::sync::Mutex::default(),
                crypto,
                clock: Clock::default(),
                rules: RwLock::new(Arc::new(RuleSet::default())),
                url: url.to_string(),
                attachments_dir: RwLock::new(None),
                anchor_file: RwLock::new(None),
                uploads: RwLock::new(crate::platform::upload::slots(vanguard_domain::kernel::upload::UploadLimits::default())),
            }),
        };
        crate::platform::audit::init(&db).await?;
        let rules = crate::platform::rules::load_or_init(&db).await?;
        db.set_rules(rules);
        Ok(db)
    }

    pub(crate) fn backend(&self) -> &Backend {
        &self.inner.backend
    }
    /// The PostgreSQL pool, on that backend.
    pub(crate) fn pg_pool(&self) -> Option<&PgPool> {
        match &self.inner.backend {
            Backend::Postgres(p) => Some(p),
            Backend::Sqlite { .. } => None,
        }
    }
    pub fn is_postgres(&self) -> bool {
        matches!(self.inner.backend, Backend::Postgres(_))
    }
    pub fn url(&self) -> &str {
        &self.inner.url
    }
    pub(crate) fn session_cache(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<Vec<u8>, (crate::account::Session, i64)>> {
        self.inner.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Forgets every cached session, so the next request of each re-reads its account and
    /// reach (after logout, password change, disabling, role or org-tree changes).
    pub fn forget_sessions(&self) {
        self.session_cache().clear();
    }

    pub fn crypto(&self) -> &Crypto {
        &self.inner.crypto
    }
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }
    /// The rule set in force.
    pub fn rules(&self) -> Arc<RuleSet> {
        self.inner.rules.read().map(|r| r.clone()).unwrap_or_else(|p| p.into_inner().clone())
    }
    pub fn set_rules(&self, rules: RuleSet) {
        let mut w = self.inner.rules.write().unwrap_or_else(|p| p.into_inner());
        *w = Arc::new(rules);
    }

    /// Sets the file the audit chain's checkpoints are written to (`DATA_DIR/audit.anchor`).
    pub fn set_anchor_file(&self, path: PathBuf) {
        let mut w = self.inner.anchor_file.write().unwrap_or_else(|p| p.into_inner());
        *w = Some(path);
    }

    /// The audit anchor file: as set, else `audit.anchor` beside the SQLite file (the
    /// data directory); on PostgreSQL only as set (the binary sets `DATA_DIR/audit.anchor`).
    pub fn anchor_file(&self) -> Option<PathBuf> {
        let set = self.inner.anchor_file.read().map(|d| d.clone()).unwrap_or_else(|p| p.into_inner().clone());
        if set.is_some() {
            return set;
        }
        match &self.inner.backend {
            Backend::Sqlite { .. } => {
                let path = self.inner.url.strip_prefix("sqlite://").unwrap_or(&self.inner.url);
                Some(match Path::new(path).parent() {
                    Some(dir) if !dir.as_os_str().is_empty() => dir.join(files::ANCHOR_FILE),
                    _ => PathBuf::from(files::ANCHOR_FILE),
                })
            }
            Backend::Postgres(_) => None,
        }
    }

    /// The limits on uploaded spreadsheets and the semaphore that bounds parses at once.
    pub fn upload_limits(&self) -> (Arc<vanguard_domain::kernel::upload::UploadLimits>, Arc<tokio::sync::Semaphore>) {
        self.inner.uploads.read().map(|u| u.clone()).unwrap_or_else(|p| p.into_inner().clone())
    }
    /// Sets the limits on uploaded spreadsheets (parses already running keep theirs).
    pub fn set_upload_limits(&self, limits: vanguard_domain::kernel::upload::UploadLimits) {
        let mut w = self.inner.uploads.write().unwrap_or_else(|p| p.into_inner());
        *w = crate::platform::upload::slots(limits);
    }

    /// Sets the directory meeting attachments are stored under (`DATA_DIR/attachments`).
    pub fn set_attachments_dir(&self, dir: PathBuf) {
        let mut w = self.inner.attachments_dir.write().unwrap_or_else(|p| p.into_inner());
        *w = Some(dir);
    }

    /// The directory of meeting attachments: as set, else `attachments` beside the SQLite
    /// file (the data directory), else `./data/attachments`.
    pub fn attachments_dir(&self) -> PathBuf {
        let set = self.inner.attachments_dir.read().map(|d| d.clone()).unwrap_or_else(|p| p.into_inner().clone());
        if let Some(dir) = set {
            return dir;
        }
        match &self.inner.backend {
            Backend::Sqlite { .. } => {
                let path = self.inner.url.strip_prefix("sqlite://").unwrap_or(&self.inner.url);
                match Path::new(path).parent() {
                    Some(dir) if !dir.as_os_str().is_empty() => dir.join("attachments"),
                    _ => PathBuf::from("attachments"),
                }
            }
            Backend::Postgres(_) => PathBuf::from("data").join("attachments"),
        }
    }

    /// Where large files are kept while they are written (exports): `tmp` in the data
    /// directory (beside the attachments), else the system's temporary directory. Not the
    /// system's by choice, which may be in memory; files there are unlinked as soon as
    /// they are created (`platform::xlsx`).
    pub fn scratch_dir(&self) -> PathBuf {
        let set = self.inner.attachments_dir.read().map(|d| d.clone()).unwrap_or_else(|p| p.into_inner().clone());
        let data_dir = match (set, &self.inner.backend) {
            (Some(dir), _) => dir.parent().map(Path::to_path_buf),
            (None, Backend::Sqlite { .. }) => self.attachments_dir().parent().map(Path::to_path_buf),
            (None, Backend::Postgres(_)) => None,
        };
        match data_dir {
            Some(d) if !d.as_os_str().is_empty() => d.join("tmp"),
            _ => std::env::temp_dir(),
        }
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> StoreResult<Tx> {
        let inner = match &self.inner.backend {
            Backend::Sqlite { writer, .. } => TxInner::Sqlite(writer.begin().await?),
            Backend::Postgres(pool) => TxInner::Postgres(pool.begin().await?),
        };
        Ok(Tx { inner, generation: self.inner.generation.clone() })
    }

    /// A subtree total from the cache, or computed by `compute` and cached. Served from
    /// the cache only while no write of this process committed since and for at most
    /// [`TOTAL_TTL_MS`]: upper-level totals are then exact for this process's writes and
    /// at most seconds behind another process's (security.md R6 allows minutes).
    pub(crate) async fn cached_total<F>(&self, key: (i64, String, String), compute: F) -> StoreResult<u64>
    where
        F: std::future::Future<Output = StoreResult<u64>>,
    {
        self.inner.totals.get_or(key, &self.inner.generation, self.clock(), compute).await
    }

    /// A subtree's [`BranchIndex`] from the cache (same validity as [`Db::cached_total`]),
    /// or computed by `compute` and cached.
    pub(crate) async fn cached_branch_index<F>(
        &self,
        key: (i64, String, String),
        compute: F,
    ) -> StoreResult<Arc<crate::platform::paging::BranchIndex>>
    where
        F: std::future::Future<Output = StoreResult<Arc<crate::platform::paging::BranchIndex>>>,
    {
        self.inner.branch_indexes.get_or(key, &self.inner.generation, self.clock(), compute).await
    }

    /// Answers when the store is reachable.
    pub async fn ping(&self) -> StoreResult<()> {
        crate::exec_read!(self, c => sqlx::query("SELECT 1").execute(c).await)?;
        Ok(())
    }

    /// Checkpoints the audit chain (so a command's last records are anchored, see
    /// [`crate::platform::audit::checkpoint`]), then closes the pools.
    pub async fn close(&self) {
        match crate::platform::audit::checkpoint(self).await {
            Ok(None) => {}
            Ok(Some(problem)) => tracing::error!(problem = %problem.describe(), "审计检查点与数据库不符，未写入"),
            Err(e) => tracing::error!(error = %e, "无法写入审计检查点"),
        }
        match &self.inner.backend {
            Backend::Sqlite { writer, reader, point } => {
                point.close();
                reader.close().await;
                writer.close().await;
            }
            Backend::Postgres(p) => p.close().await,
        }
    }
}

pub(crate) enum TxInner {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// A write transaction. Dropped without [`Tx::commit`], it rolls back: a failed request
/// leaves nothing half-written.
pub struct Tx {
    inner: TxInner,
    generation: Arc<AtomicU64>,
}

impl Tx {
    pub(crate) fn inner_mut(&mut self) -> &mut TxInner {
        &mut self.inner
    }
    pub async fn commit(self) -> StoreResult<()> {
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Postgres(t) => t.commit().await?,
        }
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }
}

/// Runs `$body` with `$c` bound to the read pool of whichever backend `$db` has.
macro_rules! read {
    ($db:expr, $c:ident => $body:expr) => {
        match $db.backend() {
            $crate::platform::db::Backend::Sqlite { reader: $c, .. } => $body,
            $crate::platform::db::Backend::Postgres($c) => $body,
        }
    };
}

/// Runs `$body` with `$c` bound to the connection of the transaction `$tx`.
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx.inner_mut() {
            $crate::platform::db::TxInner::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::platform::db::TxInner::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

/// Like [`on_tx!`](crate::on_tx) for a body ending in `.execute(c).await`: yields the
/// number of rows affected, the same type on both backends.
macro_rules! exec_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx.inner_mut() {
            $crate::platform::db::TxInner::Sqlite(t) => {
                let $c = &mut **t;
                $body.map(|r| r.rows_affected())
            }
            $crate::platform::db::TxInner::Postgres(t) => {
                let $c = &mut **t;
                $body.map(|r| r.rows_affected())
            }
        }
    };
}

/// Like [`read!`](crate::read) for a body ending in `.execute(c).await`.
macro_rules! exec_read {
    ($db:expr, $c:ident => $body:expr) => {
        match $db.backend() {
            $crate::platform::db::Backend::Sqlite { reader: $c, .. } => $body.map(|r| r.rows_affected()),
            $crate::platform::db::Backend::Postgres($c) => $body.map(|r| r.rows_affected()),
        }
    };
}

pub(crate) use exec_read;
pub(crate) use exec_tx;
pub(crate) use on_tx;
pub(crate) use read;
