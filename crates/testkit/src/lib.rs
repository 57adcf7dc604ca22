//! Test support: every store and HTTP test runs against SQLite and PostgreSQL.
//!
//! The PostgreSQL leg creates a fresh database per test (`vgt_<pid>_<n>`) on the server
//! named by `VANGUARD_TEST_PG` (default `postgres://postgres@127.0.0.1:5432/test`), and
//! drops those left by earlier runs. With `VANGUARD_TEST_CITUS` it runs on a Citus
//! cluster instead ([`citus`]). With `CI=true` anything a test needs and cannot have
//! (PostgreSQL, a browser) fails the test ([`skip_or_fail`]); elsewhere the leg is skipped
//! with a loud message saying how to enable it.

pub mod citus;

use sqlx::Connection;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use vanguard_store::Db;
use vanguard_store::platform::crypto::Crypto;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A database for one test; the SQLite file is removed when it is dropped.
pub struct TestDb {
    pub db: Db,
    pub backend: &'static str,
    dir: Option<PathBuf>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(d) = &self.dir {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// Whether the tests run under CI (`CI=true`), where nothing may be skipped.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// The one way a test gives up on something it needs: under `CI=true` it panics (the run
/// fails, naming `what` is missing); elsewhere it prints a loud message with `how` to
/// provide it, and the caller skips that leg.
pub fn skip_or_fail(what: &str, how: &str) {
    if in_ci() {
        panic!("CI=true but {what}: nothing may be skipped in CI. {how}");
    }
    eprintln!("\n!!! SKIPPED: {what}.\n!!! {how}\n");
}

const PG_HOW: &str =
    "Start a server there or set VANGUARD_TEST_PG=postgres://user@host:port/db to run every test on PostgreSQL too.";

pub(crate) fn admin_url() -> String {
    std::env::var("VANGUARD_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// A fresh SQLite database in a temporary directory.
pub async fn sqlite() -> TestDb {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("vanguard-test-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    let url = dir.join("vanguard.sqlite3").display().to_string();
    let db = Db::open(&url, Crypto::random()).await.unwrap_or_else(|e| panic!("cannot open SQLite test database: {e}"));
    TestDb { db, backend: "sqlite", dir: Some(dir) }
}

fn pid_alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

pub(crate) async fn drop_stale(conn: &mut sqlx::PgConnection) {
    let names: Vec<String> = sqlx::query_scalar("SELECT datname::text FROM pg_database WHERE datname LIKE 'vgt\\_%'")
        .fetch_all(&mut *conn)
        .await
        .unwrap_or_default();
    for name in names {
        let pid: Option<u32> = name.split('_').nth(1).and_then(|p| p.parse().ok());
        if pid.is_some_and(|p| p != std::process::id() && !pid_alive(p)) {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")))
                .execute(&mut *conn)
                .await;
        }
    }
}

fn next_name() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("vgt_{}_{n}", std::process::id())
}

/// Drops, once per process, the databases of earlier runs whose process is gone.
pub(crate) async fn drop_stale_once(conn: &mut sqlx::PgConnection) {
    static CLEANED: std::sync::Once = std::sync::Once::new();
    let mut first = false;
    CLEANED.call_once(|| first = true);
    if first {
        drop_stale(conn).await;
    }
}

/// A fresh PostgreSQL database (on the Citus cluster when `VANGUARD_TEST_CITUS` names
/// one), or `None` when the server is unreachable outside CI.
pub async fn postgres() -> Option<TestDb> {
    let url = fresh_database().await?;
    let db = Db::open(&url, Crypto::random()).await.unwrap_or_else(|e| panic!("cannot open PostgreSQL test database {url}: {e}"));
    Some(TestDb { db, backend: "postgres", dir: None })
}

/// Creates a fresh, empty database (on the Citus cluster when one is configured, with the
/// extension and the nodes in place, so that opening it distributes the schema) and
/// returns its URL; `None` (after [`skip_or_fail`]) when the server cannot be reached.
pub async fn fresh_database() -> Option<String> {
    if let Some(cluster) = citus::Cluster::from_env() {
        return Some(cluster.create_database(&next_name()).await);
    }
    fresh_postgres_database(&admin_url()).await
}

/// Creates a fresh, empty database on the PostgreSQL server at `admin_url` and returns its
/// URL; `None` (after [`skip_or_fail`]) when the server cannot be reached.
pub async fn fresh_postgres_database(admin_url: &str) -> Option<String> {
    let mut conn = match sqlx::PgConnection::connect(admin_url).await {
        Ok(c) => c,
        Err(e) => {
            skip_or_fail(&format!("PostgreSQL is unreachable at {admin_url} ({e})"), PG_HOW);
            return None;
        }
    };
    drop_stale_once(&mut conn).await;
    let name = next_name();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
    match admin_url.rfind('/') {
        Some(i) => Some(format!("{}/{name}", &admin_url[..i])),
        None => panic!("VANGUARD_TEST_PG must end with /DATABASE"),
    }
}

/// SQLite, then PostgreSQL when available.
pub async fn backends() -> Vec<TestDb> {
    let mut v = vec![sqlite().await];
    if let Some(pg) = postgres().await {
        v.push(pg);
    }
    v
}

/// A connection of its own to the test database, outside the store: for tests that
/// play an attacker with direct database access (tampering with the audit log, dropping
/// its triggers), that simulate a race the application cannot produce on demand, or that
/// read rows the store has no public reader for.
pub enum RawConn {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl RawConn {
    pub async fn open(db: &Db) -> Result<RawConn, sqlx::Error> {
        let url = db.url();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(RawConn::Postgres(sqlx::PgConnection::connect(url).await?))
        } else {
            let path = url.strip_prefix("sqlite://").unwrap_or(url);
            let opts = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(path)
                .busy_timeout(std::time::Duration::from_secs(10))
                .foreign_keys(true);
            Ok(RawConn::Sqlite(sqlx::SqliteConnection::connect_with(&opts).await?))
        }
    }

    /// Runs one statement (values written into the SQL: test input only).
    pub async fn execute(&mut self, sql: &str) -> Result<u64, sqlx::Error> {
        let q = sqlx::AssertSqlSafe(sql.to_string());
        Ok(match self {
            RawConn::Sqlite(c) => sqlx::query(q).execute(c).await?.rows_affected(),
            RawConn::Postgres(c) => sqlx::query(q).execute(c).await?.rows_affected(),
        })
    }

    /// Runs one statement with one bound byte string (`$1`).
    pub async fn execute_with_bytes(&mut self, sql: &str, bytes: Vec<u8>) -> Result<u64, sqlx::Error> {
        let q = sqlx::AssertSqlSafe(sql.to_string());
        Ok(match self {
            RawConn::Sqlite(c) => sqlx::query(q).bind(bytes).execute(c).await?.rows_affected(),
            RawConn::Postgres(c) => sqlx::query(q).bind(bytes).execute(c).await?.rows_affected(),
        })
    }

    /// Reads rows into `T` (derive `sqlx::FromRow`).
    pub async fn fetch_all<T>(&mut self, sql: &str) -> Result<Vec<T>, sqlx::Error>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    {
        match self {
            RawConn::Sqlite(c) => sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string())).fetch_all(c).await,
            RawConn::Postgres(c) => sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string())).fetch_all(c).await,
        }
    }

    /// Reads one integer.
    pub async fn scalar(&mut self, sql: &str) -> Result<i64, sqlx::Error> {
        match self {
            RawConn::Sqlite(c) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(c).await,
            RawConn::Postgres(c) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(c).await,
        }
    }
}

/// Runs one statement outside the store (see [`RawConn`]).
pub async fn raw_execute(db: &Db, sql: &str) -> Result<u64, sqlx::Error> {
    RawConn::open(db).await?.execute(sql).await
}

/// Reads rows outside the store (see [`RawConn`]).
pub async fn raw_fetch_all<T>(db: &Db, sql: &str) -> Result<Vec<T>, sqlx::Error>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    RawConn::open(db).await?.fetch_all(sql).await
}
