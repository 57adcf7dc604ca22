//! Test support: every store and HTTP test runs against SQLite and PostgreSQL.
//!
//! The PostgreSQL leg creates a fresh database per test (`vgt_<pid>_<n>`) on the server
//! named by `VANGUARD_TEST_PG` (default `postgres://postgres@127.0.0.1:5432/test`), and
//! drops those left by earlier runs. With `CI=true` an unreachable server fails the
//! test; elsewhere the leg is skipped with a loud message saying how to enable it.

use crate::Db;
use crate::crypto::Crypto;
use sqlx::Connection;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

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

fn admin_url() -> String {
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

async fn drop_stale(conn: &mut sqlx::PgConnection) {
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

/// A fresh PostgreSQL database, or `None` when the server is unreachable outside CI.
pub async fn postgres() -> Option<TestDb> {
    let admin = admin_url();
    let mut conn = match sqlx::PgConnection::connect(&admin).await {
        Ok(c) => c,
        Err(e) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true but PostgreSQL is unreachable at {admin}: {e}");
            }
            eprintln!(
                "\n!!! PostgreSQL leg SKIPPED: cannot connect to {admin} ({e}).\n!!! Start a server there or set VANGUARD_TEST_PG=postgres://user@host:port/db to run every test on PostgreSQL too.\n"
            );
            return None;
        }
    };
    static CLEANED: std::sync::Once = std::sync::Once::new();
    let mut first = false;
    CLEANED.call_once(|| first = true);
    if first {
        drop_stale(&mut conn).await;
    }
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = format!("vgt_{}_{n}", std::process::id());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
    let url = match admin.rfind('/') {
        Some(i) => format!("{}/{name}", &admin[..i]),
        None => panic!("VANGUARD_TEST_PG must end with /DATABASE"),
    };
    let db = Db::open(&url, Crypto::random()).await.unwrap_or_else(|e| panic!("cannot open PostgreSQL test database: {e}"));
    Some(TestDb { db, backend: "postgres", dir: None })
}

/// Creates a fresh, empty database on the PostgreSQL server at `admin_url` and returns its
/// URL; `None` when the server cannot be reached.
pub async fn fresh_postgres_database(admin_url: &str) -> Option<String> {
    let mut conn = sqlx::PgConnection::connect(admin_url).await.ok()?;
    drop_stale(&mut conn).await;
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = format!("vgt_{}_{n}", std::process::id());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\""))).execute(&mut conn).await.ok()?;
    let i = admin_url.rfind('/')?;
    Some(format!("{}/{name}", &admin_url[..i]))
}

/// SQLite, then PostgreSQL when available.
pub async fn backends() -> Vec<TestDb> {
    let mut v = vec![sqlite().await];
    if let Some(pg) = postgres().await {
        v.push(pg);
    }
    v
}
