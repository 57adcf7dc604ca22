//! The PostgreSQL leg on a Citus cluster.
//!
//! `VANGUARD_TEST_CITUS=postgres://postgres@127.0.0.1:9700/postgres` names the
//! coordinator (any existing database on it, for administration) and
//! `VANGUARD_TEST_CITUS_WORKERS=127.0.0.1:9701,127.0.0.1:9702` its workers (same user,
//! trust or password in the URL). For each test a database of the same name is created
//! on every worker and on the coordinator, each with the `citus` extension; the
//! coordinator registers itself and the workers, and `Db::open` then distributes the
//! schema after migrating it. `VANGUARD_TEST_CITUS_SHARDS` sets the shards per
//! distributed table (default 4, so that a test database is made in seconds). Databases
//! of earlier runs are dropped on every node.

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use std::str::FromStr;

/// A coordinator and its workers.
#[derive(Debug, Clone)]
pub struct Cluster {
    url: String,
    coordinator: PgConnectOptions,
    workers: Vec<(String, u16)>,
    shards: u32,
}

fn parse_node(node: &str) -> (String, u16) {
    let node = node.trim();
    match node.rsplit_once(':') {
        Some((host, port)) => {
            (host.to_string(), port.parse().unwrap_or_else(|_| panic!("VANGUARD_TEST_CITUS_WORKERS: bad port in {node}")))
        }
        None => (node.to_string(), 5432),
    }
}

async fn connect(opts: &PgConnectOptions) -> PgConnection {
    PgConnection::connect_with(opts)
        .await
        .unwrap_or_else(|e| panic!("VANGUARD_TEST_CITUS is set but {}:{} is unreachable: {e}", opts.get_host(), opts.get_port()))
}

async fn run(conn: &mut PgConnection, sql: String) {
    sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
        .execute(conn)
        .await
        .unwrap_or_else(|e| panic!("Citus test cluster: `{sql}` failed: {e}"));
}

impl Cluster {
    /// The cluster named by the environment, if any.
    pub fn from_env() -> Option<Cluster> {
        let url = std::env::var("VANGUARD_TEST_CITUS").ok().filter(|u| !u.is_empty())?;
        let coordinator =
            PgConnectOptions::from_str(&url).unwrap_or_else(|e| panic!("VANGUARD_TEST_CITUS is not a PostgreSQL URL: {e}"));
        let workers: Vec<(String, u16)> = std::env::var("VANGUARD_TEST_CITUS_WORKERS")
            .unwrap_or_default()
            .split(',')
            .filter(|w| !w.trim().is_empty())
            .map(parse_node)
            .collect();
        assert!(!workers.is_empty(), "VANGUARD_TEST_CITUS needs VANGUARD_TEST_CITUS_WORKERS=host:port,host:port");
        let shards = std::env::var("VANGUARD_TEST_CITUS_SHARDS").ok().and_then(|s| s.parse().ok()).unwrap_or(4);
        Some(Cluster { url, coordinator, workers, shards })
    }

    fn worker(&self, host: &str, port: u16) -> PgConnectOptions {
        self.coordinator.clone().host(host).port(port)
    }

    /// Creates database `name` on every node, ready to be distributed, and returns the
    /// coordinator's URL for it.
    pub async fn create_database(&self, name: &str) -> String {
        static CLEANED: std::sync::Once = std::sync::Once::new();
        let mut first = false;
        CLEANED.call_once(|| first = true);
        for (host, port) in &self.workers {
            let admin = self.worker(host, *port);
            let mut conn = connect(&admin).await;
            if first {
                crate::drop_stale(&mut conn).await;
            }
            run(&mut conn, format!("CREATE DATABASE \"{name}\"")).await;
            let mut db = connect(&admin.clone().database(name)).await;
            run(&mut db, "CREATE EXTENSION citus".into()).await;
        }
        let mut conn = connect(&self.coordinator).await;
        if first {
            crate::drop_stale(&mut conn).await;
        }
        run(&mut conn, format!("CREATE DATABASE \"{name}\"")).await;
        run(&mut conn, format!("ALTER DATABASE \"{name}\" SET citus.shard_count = {}", self.shards)).await;
        let opts = self.coordinator.clone().database(name);
        let mut db = connect(&opts).await;
        run(&mut db, "CREATE EXTENSION citus".into()).await;
        run(
            &mut db,
            format!("SELECT citus_set_coordinator_host('{}', {})", self.coordinator.get_host(), self.coordinator.get_port()),
        )
        .await;
        for (host, port) in &self.workers {
            // Registering a worker updates catalogs it shares with every database on it:
            // tests setting up at the same time may collide ("tuple concurrently updated").
            let sql = format!("SELECT citus_add_node('{host}', {port})");
            let mut tries = 0;
            while let Err(e) = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).execute(&mut db).await {
                tries += 1;
                assert!(tries < 20, "Citus test cluster: `{sql}` failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(100 * tries)).await;
            }
        }
        match self.url.rfind('/') {
            Some(i) => format!("{}/{name}", &self.url[..i]),
            None => panic!("VANGUARD_TEST_CITUS must end with /DATABASE"),
        }
    }
}
