//! Distribution of the schema over a Citus cluster (`design.md` §1): one list of every
//! table and where its rows live, applied after the migrations by [`Db::open`] (and so by
//! `vanguard migrate`) on a PostgreSQL database where the `citus` extension exists.
//!
//! - Reference tables: a full copy on every node. Small or nation-wide tables read beside
//!   everything else: regions, rule sets, accounts and sessions, the audit chain.
//! - Tables distributed by `region_id`, colocated with `orgs` (distributed first), so the
//!   rows of one region sit on one shard and joins on equal region keys stay local.
//! - Nation-wide lookups distributed by their own key (`member_identities` by the ID
//!   number's keyed hash).
//!
//! Applying it is idempotent: a table already distributed is left alone, so a second
//! run changes nothing, and a table added by a later migration is distributed by the next
//! run. Rows already in a table (seeded by migrations) are copied into its shards.
//! A table missing from [`TABLES`] stops the run with its name: add it here.
//!
//! [`Db::open`]: crate::Db::open

use crate::{Db, StoreError, StoreResult};
use sqlx::PgPool;

/// Where a table's rows live on a Citus cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// A copy on every node (`create_reference_table`).
    Reference,
    /// Sharded by `region_id`, colocated with `orgs`.
    ByRegion,
    /// Sharded by the named column of its own (a nation-wide lookup table).
    ByKey(&'static str),
}

/// Every table of the schema, in the order it is distributed (reference tables first,
/// then `orgs`, then the tables colocated with it). A new table is added here in the
/// same change as its migration; the schema tests fail until it is.
pub const TABLES: &[(&str, Placement)] = &[
    ("regions", Placement::Reference),
    ("rule_sets", Placement::Reference),
    ("accounts", Placement::Reference),
    ("sessions", Placement::Reference),
    ("password_history", Placement::Reference),
    ("audit_head", Placement::Reference),
    ("audit_log", Placement::Reference),
    ("audit_archives", Placement::Reference),
    ("security_alerts", Placement::Reference),
    ("refusals", Placement::Reference),
    ("role_requests", Placement::Reference),
    ("recovery_codes", Placement::Reference),
    ("orgs", Placement::ByRegion),
    ("members", Placement::ByRegion),
    ("member_history", Placement::ByRegion),
    ("import_batches", Placement::ByRegion),
    ("import_rows", Placement::ByRegion),
    ("meetings", Placement::ByRegion),
    ("meeting_attendance", Placement::ByRegion),
    ("meeting_decisions", Placement::ByRegion),
    ("meeting_attachments", Placement::ByRegion),
    ("meeting_corrections", Placement::ByRegion),
    ("life_plans", Placement::ByRegion),
    ("life_plan_items", Placement::ByRegion),
    ("life_plan_events", Placement::ByRegion),
    ("findings", Placement::ByRegion),
    ("compliance", Placement::ByRegion),
    ("finding_rectifications", Placement::ByRegion),
    ("finding_steps", Placement::ByRegion),
    ("leave_requests", Placement::ByRegion),
    ("dues_bases", Placement::ByRegion),
    ("dues_bills", Placement::ByRegion),
    ("dues_entries", Placement::ByRegion),
    ("dues_orders", Placement::ByRegion),
    ("dues_reliefs", Placement::ByRegion),
    ("elections", Placement::ByRegion),
    ("election_candidates", Placement::ByRegion),
    ("recruit_files", Placement::ByRegion),
    ("recruit_steps", Placement::ByRegion),
    ("recruit_outcomes", Placement::ByRegion),
    ("transfers", Placement::ByRegion),
    ("transfer_arrivals", Placement::ByRegion),
    ("mobile_members", Placement::ByRegion),
    ("mobile_attendance", Placement::ByRegion),
    ("lost_contacts", Placement::ByRegion),
    ("lost_contact_events", Placement::ByRegion),
    ("weak_branches", Placement::ByRegion),
    ("weak_measures", Placement::ByRegion),
    ("weak_tasks", Placement::ByRegion),
    ("taskforce_projects", Placement::ByRegion),
    ("taskforce_members", Placement::ByRegion),
    ("taskforce_milestones", Placement::ByRegion),
    ("taskforce_reports", Placement::ByRegion),
    ("learning_questions", Placement::ByRegion),
    ("learning_quizzes", Placement::ByRegion),
    ("learning_attempts", Placement::ByRegion),
    ("learning_answers", Placement::ByRegion),
    ("learning_results", Placement::ByRegion),
    ("learning_points_events", Placement::ByRegion),
    ("learning_points_totals", Placement::ByRegion),
    ("learning_rank_buckets", Placement::ByRegion),
    ("study_hour_lines", Placement::ByRegion),
    ("study_plans", Placement::ByRegion),
    ("study_exemptions", Placement::ByRegion),
    ("training_classes", Placement::ByRegion),
    ("training_enrolments", Placement::ByRegion),
    ("notifications", Placement::ByRegion),
    ("notify_mutes", Placement::ByRegion),
    ("notify_webhooks", Placement::ByRegion),
    ("notify_outbox", Placement::ByRegion),
    ("notify_deliveries", Placement::ByRegion),
    ("pledge_labels", Placement::ByRegion),
    ("pledge_commitments", Placement::ByRegion),
    ("pledge_records", Placement::ByRegion),
    ("pledge_publications", Placement::ByRegion),
    ("secondments", Placement::ByRegion),
    ("secondment_reports", Placement::ByRegion),
    ("member_corrections", Placement::ByRegion),
    ("member_photos", Placement::ByRegion),
    ("member_certificates", Placement::ByRegion),
    ("member_identities", Placement::ByKey("id_number_hash")),
    ("certificate_codes", Placement::ByKey("code_hash")),
];

/// The column every region-distributed table is sharded by.
pub const REGION_KEY: &str = "region_id";

/// The table every region-distributed table is colocated with.
pub const COLOCATION_ANCHOR: &str = "orgs";

/// Tables with triggers the database keeps (the audit log's append-only guards). Citus
/// refuses to distribute a table with triggers, and refuses later trigger DDL on it,
/// unless `citus.enable_unsafe_triggers` is on: it is set for the distributing
/// transaction and, for the migrations to come, on the database.
pub const TRIGGER_TABLES: &[&str] = &["audit_log"];

/// The placement of `table`, if it is listed.
pub fn placement(table: &str) -> Option<Placement> {
    TABLES.iter().find(|(t, _)| *t == table).map(|(_, p)| *p)
}

/// Whether `db` is a Citus database (PostgreSQL with the `citus` extension).
pub async fn is_citus_db(db: &Db) -> StoreResult<bool> {
    match db.pg_pool() {
        Some(pool) => is_citus(pool).await,
        None => Ok(false),
    }
}

/// [`current`] for an open database (empty unless it is a Citus database).
pub async fn placements(db: &Db) -> StoreResult<Vec<(String, String, Option<String>)>> {
    match db.pg_pool() {
        Some(pool) if is_citus(pool).await? => current(pool).await,
        _ => Ok(Vec::new()),
    }
}

/// [`run`] for an open database: what `Db::open` did, once more (a no-op when nothing
/// was added since).
pub async fn distribute(db: &Db) -> StoreResult<Distributed> {
    match db.pg_pool() {
        Some(pool) if is_citus(pool).await? => run(pool).await,
        _ => Ok(Distributed::default()),
    }
}

/// Whether the database has the `citus` extension.
pub async fn is_citus(pool: &PgPool) -> StoreResult<bool> {
    Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')").fetch_one(pool).await?)
}

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Distributed {
    /// Tables made reference tables in this run.
    pub reference: Vec<String>,
    /// Tables sharded in this run.
    pub sharded: Vec<String>,
}

impl Distributed {
    pub fn is_empty(&self) -> bool {
        self.reference.is_empty() && self.sharded.is_empty()
    }
}

/// The Citus placement of every table in the schema: `(table, method)` where method is
/// `n` (reference) or `h` (hash-distributed), with the distribution column if any.
pub async fn current(pool: &PgPool) -> StoreResult<Vec<(String, String, Option<String>)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        table_name: String,
        method: String,
        column_name: Option<String>,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT c.relname::text AS table_name, p.partmethod::text AS method, \
         column_to_column_name(p.logicalrelid, p.partkey)::text AS column_name \
         FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() ORDER BY 1",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.table_name, r.method, r.column_name.filter(|c| !c.is_empty()))).collect())
}

/// Distributes every table of [`TABLES`] not yet distributed. Call only when
/// [`is_citus`] holds.
pub async fn run(pool: &PgPool) -> StoreResult<Distributed> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname NOT LIKE '\\_sqlx%' ORDER BY 1",
    )
    .fetch_all(pool)
    .await?;
    let unlisted: Vec<&String> = tables.iter().filter(|t| placement(t).is_none()).collect();
    if !unlisted.is_empty() {
        return Err(StoreError::Other(format!(
            "表 {unlisted:?} 未列入分布式表清单：请在 crates/store/src/platform/distribute.rs 的 TABLES 中为其选定分布方式"
        )));
    }
    let done: Vec<String> = current(pool).await?.into_iter().map(|(t, _, _)| t).collect();
    let mut out = Distributed::default();
    for (table, placement) in TABLES {
        if done.iter().any(|d| d == table) || !tables.iter().any(|t| t == table) {
            continue;
        }
        let mut tx = pool.begin().await?;
        if TRIGGER_TABLES.contains(table) {
            sqlx::query("SET LOCAL citus.enable_unsafe_triggers = on").execute(&mut *tx).await?;
        }
        let call = match placement {
            Placement::Reference => sqlx::query("SELECT create_reference_table($1)").bind(*table),
            Placement::ByRegion if *table == COLOCATION_ANCHOR => {
                sqlx::query("SELECT create_distributed_table($1, $2, colocate_with => 'none')").bind(*table).bind(REGION_KEY)
            }
            Placement::ByRegion => sqlx::query("SELECT create_distributed_table($1, $2, colocate_with => $3)")
                .bind(*table)
                .bind(REGION_KEY)
                .bind(COLOCATION_ANCHOR),
            Placement::ByKey(column) => {
                sqlx::query("SELECT create_distributed_table($1, $2, colocate_with => 'none')").bind(*table).bind(*column)
            }
        };
        call.execute(&mut *tx).await.map_err(|e| StoreError::Other(format!("无法分布表 {table}：{e}")))?;
        tx.commit().await?;
        match placement {
            Placement::Reference => out.reference.push(table.to_string()),
            _ => out.sharded.push(table.to_string()),
        }
    }
    if !out.is_empty() {
        // Later migrations may change the audit log's guards; Citus refuses trigger DDL
        // on a distributed table in a session without this setting.
        let db: String = sqlx::query_scalar("SELECT current_database()::text").fetch_one(pool).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "ALTER DATABASE \"{}\" SET citus.enable_unsafe_triggers = on",
            db.replace('"', "\"\"")
        )))
        .execute(pool)
        .await?;
    }
    Ok(out)
}
