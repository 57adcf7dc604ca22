//! The schema as a specification: SQLite and PostgreSQL migrations describe the same
//! tables, keys, indexes, foreign keys and triggers; every table has its place in the
//! distribution list; and the distributed-engine rules of `design.md` §1 hold, so that
//! going to Citus stays a DDL change.

use vanguard_store::platform::distribute::{self, COLOCATION_ANCHOR, Placement, REGION_KEY, TABLES, TRIGGER_TABLES};
use vanguard_store::platform::schema::{self, SchemaTable};
use vanguard_testkit::{TestDb, backends};

/// Triggers only one backend can have: SQLite has no TRUNCATE to guard against.
const POSTGRES_ONLY_TRIGGERS: &[(&str, &str)] = &[("audit_log", "audit_log_no_truncate")];

async fn both() -> Option<(Vec<SchemaTable>, Vec<SchemaTable>)> {
    let sqlite = vanguard_testkit::sqlite().await;
    let pg = vanguard_testkit::postgres().await?;
    Some((schema::tables(&sqlite.db).await.unwrap(), schema::tables(&pg.db).await.unwrap()))
}

/// `(table, what)` for each table, to compare one aspect at a time with a readable diff.
fn aspect<T: std::fmt::Debug>(tables: &[SchemaTable], f: impl Fn(&SchemaTable) -> T) -> Vec<(String, String)> {
    tables.iter().map(|t| (t.name.clone(), format!("{:?}", f(t)))).collect()
}

fn assert_same(what: &str, sqlite: Vec<(String, String)>, pg: Vec<(String, String)>) {
    let only_sqlite: Vec<_> = sqlite.iter().filter(|x| !pg.contains(x)).collect();
    let only_pg: Vec<_> = pg.iter().filter(|x| !sqlite.contains(x)).collect();
    assert!(
        only_sqlite.is_empty() && only_pg.is_empty(),
        "SQLite and PostgreSQL {what} differ: the migration pair under crates/store/migrations/{{sqlite,postgres}} is out of step.\n\
         SQLite only: {only_sqlite:#?}\nPostgreSQL only: {only_pg:#?}"
    );
}

#[tokio::test]
async fn sqlite_and_postgres_have_the_same_tables_and_columns() {
    let Some((a, b)) = both().await else { return };
    assert!(a.len() >= 20, "expected the whole schema, got {} tables", a.len());
    for t in &a {
        assert!(t.columns.iter().all(|c| c.kind != "other"), "unmapped column type in SQLite table {}: {:?}", t.name, t.columns);
    }
    assert_same("columns", aspect(&a, |t| t.columns.clone()), aspect(&b, |t| t.columns.clone()));
}

#[tokio::test]
async fn sqlite_and_postgres_have_the_same_primary_keys() {
    let Some((a, b)) = both().await else { return };
    assert!(a.iter().all(|t| !t.primary_key.is_empty()), "every table has a primary key");
    for tables in [&a, &b] {
        let att = tables.iter().find(|t| t.name == "meeting_attendance").expect("meeting_attendance");
        assert_eq!(att.primary_key, ["region_id", "meeting_id", "member_id"]);
    }
    assert_same("primary keys", aspect(&a, |t| t.primary_key.clone()), aspect(&b, |t| t.primary_key.clone()));
}

#[tokio::test]
async fn sqlite_and_postgres_have_the_same_unique_keys() {
    let Some((a, b)) = both().await else { return };
    let uniques = |t: &SchemaTable| {
        let mut u: Vec<Vec<String>> = t.unique_keys().into_iter().map(<[String]>::to_vec).collect();
        u.sort();
        u
    };
    for tables in [&a, &b] {
        let plans = tables.iter().find(|t| t.name == "life_plans").expect("life_plans");
        assert!(uniques(plans).contains(&vec!["region_id".to_string(), "org_id".into(), "year".into()]), "{:?}", uniques(plans));
    }
    assert_same("unique keys", aspect(&a, uniques), aspect(&b, uniques));
}

#[tokio::test]
async fn sqlite_and_postgres_have_the_same_indexes() {
    let Some((a, b)) = both().await else { return };
    for tables in [&a, &b] {
        let orgs = tables.iter().find(|t| t.name == "orgs").expect("orgs");
        assert!(
            orgs.indexes.iter().any(|i| i.name == "orgs_path" && i.columns == ["region_id", "path"] && !i.unique),
            "{:?}",
            orgs.indexes
        );
    }
    assert_same("indexes", aspect(&a, |t| t.indexes.clone()), aspect(&b, |t| t.indexes.clone()));
}

#[tokio::test]
async fn sqlite_and_postgres_have_the_same_foreign_keys() {
    let Some((a, b)) = both().await else { return };
    for tables in [&a, &b] {
        let members = tables.iter().find(|t| t.name == "members").expect("members");
        assert!(
            members
                .foreign_keys
                .iter()
                .any(|f| f.columns == ["region_id", "org_id"] && f.ref_table == "orgs" && f.ref_columns == ["region_id", "id"]),
            "{:?}",
            members.foreign_keys
        );
    }
    assert_same("foreign keys", aspect(&a, |t| t.foreign_keys.clone()), aspect(&b, |t| t.foreign_keys.clone()));
}

#[tokio::test]
async fn sqlite_and_postgres_have_the_same_triggers_besides_truncate() {
    let Some((a, b)) = both().await else { return };
    let pg_only = |t: &SchemaTable| {
        t.triggers
            .iter()
            .filter(|g| !POSTGRES_ONLY_TRIGGERS.contains(&(t.name.as_str(), g.as_str())))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_same("triggers", aspect(&a, |t| t.triggers.clone()), aspect(&b, pg_only));
    for (table, trigger) in POSTGRES_ONLY_TRIGGERS {
        assert!(
            b.iter().any(|t| t.name == *table && t.triggers.iter().any(|g| g == trigger)),
            "PostgreSQL guards {table} with {trigger}"
        );
    }
}

#[tokio::test]
async fn the_schema_reads_base_tables_only_not_views() {
    for t in backends().await {
        vanguard_testkit::raw_execute(&t.db, "CREATE VIEW extension_view AS SELECT id FROM regions").await.unwrap();
        let tables = schema::tables(&t.db).await.unwrap();
        assert!(!tables.iter().any(|x| x.name == "extension_view"), "{}: a view was read as a table", t.backend);
        let cols = schema::columns(&t.db).await.unwrap();
        assert!(!cols.iter().any(|c| c.table == "extension_view"), "{}: a view's columns were read", t.backend);
    }
}

// ---- the distribution list ----

#[tokio::test]
async fn the_distribution_list_names_every_table_of_the_schema() {
    for t in backends().await {
        let tables = schema::tables(&t.db).await.unwrap();
        for table in &tables {
            assert!(
                distribute::placement(&table.name).is_some(),
                "{}: table `{}` is not in the distribution list. Add it to TABLES in crates/store/src/platform/distribute.rs: \
                 Placement::ByRegion if it holds org-owned rows (region_id first in its primary key), Placement::Reference if it \
                 is small and nation-wide (accounts, code lists), Placement::ByKey(column) for a nation-wide lookup table.",
                t.backend,
                table.name
            );
        }
        for (listed, _) in TABLES {
            assert!(
                tables.iter().any(|x| x.name == *listed),
                "{}: `{listed}` is in TABLES (crates/store/src/platform/distribute.rs) but no migration creates it",
                t.backend
            );
        }
    }
}

#[test]
fn the_distribution_list_names_each_table_once_and_the_anchor_before_its_colocated_tables() {
    for (i, (table, _)) in TABLES.iter().enumerate() {
        assert!(!TABLES[..i].iter().any(|(t, _)| t == table), "`{table}` is listed twice in TABLES");
    }
    let anchor = TABLES
        .iter()
        .position(|(t, p)| *t == COLOCATION_ANCHOR && *p == Placement::ByRegion)
        .expect("orgs is distributed by region");
    for (i, (table, p)) in TABLES.iter().enumerate() {
        if *p == Placement::ByRegion && *table != COLOCATION_ANCHOR {
            assert!(i > anchor, "`{table}` is colocated with {COLOCATION_ANCHOR} and must come after it in TABLES");
        }
        if *p == Placement::Reference {
            assert!(
                i < anchor,
                "reference table `{table}` must come before the distributed tables (their foreign keys may point at it)"
            );
        }
    }
    for table in TRIGGER_TABLES {
        assert_eq!(
            distribute::placement(table),
            Some(Placement::Reference),
            "`{table}` keeps triggers: only a reference table may"
        );
    }
}

fn distribution_column(table: &str) -> Option<&'static str> {
    match distribute::placement(table)? {
        Placement::Reference => None,
        Placement::ByRegion => Some(REGION_KEY),
        Placement::ByKey(c) => Some(c),
    }
}

#[tokio::test]
async fn every_table_distributed_by_region_carries_the_region_key_first_in_its_primary_key() {
    for t in backends().await {
        let tables = schema::tables(&t.db).await.unwrap();
        let by_region: Vec<&SchemaTable> =
            tables.iter().filter(|x| distribute::placement(&x.name) == Some(Placement::ByRegion)).collect();
        assert!(by_region.len() >= 14, "{}: expected every org-owned table, got {}", t.backend, by_region.len());
        for table in by_region {
            assert!(
                table.columns.iter().any(|c| c.name == REGION_KEY && !c.nullable && c.kind == "integer"),
                "{}: `{}` is distributed by region and needs `region_id BIGINT NOT NULL`",
                t.backend,
                table.name
            );
            assert_eq!(
                table.primary_key.first().map(String::as_str),
                Some(REGION_KEY),
                "{}: `{}`'s primary key must start with region_id",
                t.backend,
                table.name
            );
        }
    }
}

// ---- the distributed-engine rules of design.md §1 ----

#[tokio::test]
async fn a_distributed_tables_unique_keys_include_its_distribution_column() {
    for t in backends().await {
        for table in schema::tables(&t.db).await.unwrap() {
            let Some(column) = distribution_column(&table.name) else { continue };
            for key in table.unique_keys() {
                assert!(
                    key.iter().any(|c| c == column),
                    "{}: unique key {key:?} of `{}` lacks its distribution column `{column}`: Citus refuses it. \
                     Values unique nation-wide need a lookup table keyed by the value (see member_identities).",
                    t.backend,
                    table.name
                );
            }
        }
    }
}

#[tokio::test]
async fn foreign_keys_between_distributed_tables_match_on_the_region_key() {
    for t in backends().await {
        for table in schema::tables(&t.db).await.unwrap() {
            let from = distribute::placement(&table.name);
            for fk in &table.foreign_keys {
                let to = distribute::placement(&fk.ref_table);
                match (from, to) {
                    (_, Some(Placement::Reference)) => {}
                    (Some(Placement::ByRegion), Some(Placement::ByRegion)) => assert!(
                        fk.columns.first().map(String::as_str) == Some(REGION_KEY)
                            && fk.ref_columns.first().map(String::as_str) == Some(REGION_KEY),
                        "{}: foreign key {} {:?} → {} {:?} must match region_id to region_id (no key crosses regions)",
                        t.backend,
                        table.name,
                        fk.columns,
                        fk.ref_table,
                        fk.ref_columns
                    ),
                    _ => panic!(
                        "{}: foreign key {} ({from:?}) → {} ({to:?}) is refused by Citus: only keys to reference tables, \
                         or between region-distributed tables on region_id, are allowed",
                        t.backend, table.name, fk.ref_table
                    ),
                }
            }
        }
    }
}

#[tokio::test]
async fn only_the_audit_logs_append_only_guards_are_triggers() {
    for t in backends().await {
        for table in schema::tables(&t.db).await.unwrap() {
            if TRIGGER_TABLES.contains(&table.name.as_str()) {
                assert!(
                    table.triggers.iter().all(|g| g.starts_with("audit_log_no_")),
                    "{}: {:?} on {}: only the append-only guards",
                    t.backend,
                    table.triggers,
                    table.name
                );
            } else {
                assert!(
                    table.triggers.is_empty(),
                    "{}: trigger(s) {:?} on `{}`: keep audit, timestamps and aggregates in the application (design.md §1)",
                    t.backend,
                    table.triggers,
                    table.name
                );
            }
        }
    }
}

#[tokio::test]
async fn ids_come_from_the_application_not_from_sequences() {
    for t in backends().await {
        let seq = schema::sequence_columns(&t.db).await.unwrap();
        assert!(seq.is_empty(), "{}: columns fed by a database sequence (hot sequences do not distribute): {seq:?}", t.backend);
    }
}

// ---- distribution on Citus (a no-op elsewhere) ----

async fn postgres_legs() -> Vec<TestDb> {
    backends().await.into_iter().filter(|t| t.db.is_postgres()).collect()
}

#[tokio::test]
async fn on_citus_every_table_is_placed_as_the_list_says_and_nowhere_else_it_is_a_no_op() {
    for t in postgres_legs().await {
        let placed = distribute::placements(&t.db).await.unwrap();
        if !distribute::is_citus_db(&t.db).await.unwrap() {
            assert!(placed.is_empty());
            assert!(distribute::distribute(&t.db).await.unwrap().is_empty(), "plain PostgreSQL: nothing to distribute");
            continue;
        }
        let want: Vec<(String, String, Option<String>)> = {
            let mut v: Vec<_> = TABLES
                .iter()
                .map(|(t, p)| match p {
                    Placement::Reference => (t.to_string(), "n".to_string(), None),
                    Placement::ByRegion => (t.to_string(), "h".to_string(), Some(REGION_KEY.to_string())),
                    Placement::ByKey(c) => (t.to_string(), "h".to_string(), Some(c.to_string())),
                })
                .collect();
            v.sort();
            v
        };
        assert_eq!(placed, want);
    }
}

#[tokio::test]
async fn distributing_again_changes_nothing_and_keeps_the_rows() {
    for t in postgres_legs().await {
        let count = |sql: &'static str| {
            let db = t.db.clone();
            async move { vanguard_testkit::RawConn::open(&db).await.unwrap().scalar(sql).await.unwrap() }
        };
        let rules = count("SELECT COUNT(*) FROM rule_sets").await;
        let head = count("SELECT COUNT(*) FROM audit_head").await;
        assert_eq!((rules, head), (1, 1), "rows seeded when the database was opened");
        assert!(distribute::distribute(&t.db).await.unwrap().is_empty(), "a second run is a no-op");
        if distribute::is_citus_db(&t.db).await.unwrap() {
            // A table taken back to the coordinator (as a new table would be) is placed
            // again by the next run, with its rows.
            vanguard_testkit::raw_execute(&t.db, "SELECT undistribute_table('rule_sets')").await.unwrap();
            let again = distribute::distribute(&t.db).await.unwrap();
            assert_eq!(again.reference, vec!["rule_sets".to_string()]);
            assert!(again.sharded.is_empty());
        }
        assert_eq!(count("SELECT COUNT(*) FROM rule_sets").await, rules);
        assert_eq!(count("SELECT COUNT(*) FROM audit_head").await, head);
    }
}

// ---- shard pruning on Citus (a no-op elsewhere) ----

#[derive(sqlx::FromRow)]
struct PlanLine {
    #[sqlx(rename = "QUERY PLAN")]
    line: String,
}

/// `sql` with `$1`, `$2`, … replaced by `values` (typed SQL literals), highest first so
/// that `$1` never eats the start of `$10`.
fn with_literals(sql: &str, values: &[&str]) -> String {
    let mut out = sql.to_string();
    for (i, v) in values.iter().enumerate().rev() {
        out = out.replace(&format!("${}", i + 1), v);
    }
    assert!(!out.contains('$'), "a parameter of `{sql}` was left unbound");
    out
}

/// The Citus plan of `sql`, one line per row.
async fn citus_plan(db: &vanguard_store::Db, sql: &str) -> String {
    let lines: Vec<PlanLine> = vanguard_testkit::raw_fetch_all(db, &format!("EXPLAIN {sql}")).await.unwrap();
    lines.into_iter().map(|l| l.line).collect::<Vec<_>>().join("\n")
}

/// The number of shards the plan sends the query to (`Task Count: N`).
fn task_count(plan: &str) -> Option<u32> {
    plan.lines().find_map(|l| l.trim().strip_prefix("Task Count: ")).and_then(|n| n.trim().parse().ok())
}

#[tokio::test]
async fn on_citus_the_session_lookup_the_upcoming_meetings_reads_by_id_a_dues_payment_and_my_rank_each_go_to_one_shard() {
    use vanguard_store::{account, affairs::dues, learning::points, member, org, orglife::portal};
    for t in postgres_legs().await {
        if !distribute::is_citus_db(&t.db).await.unwrap() {
            eprintln!("plain PostgreSQL: shard pruning is a Citus matter, nothing to explain");
            continue;
        }
        let tree = crate::tree(&t.db).await;
        let region = tree.root.region_id.to_string();
        let (org_id, branch, group) = (tree.street.to_string(), tree.branch_a.to_string(), tree.group_a.to_string());
        let (lo, hi) = (format!("'{}'", tree.root.path), format!("'{}~'", tree.root.path));
        let member_id = "7";
        // Control: a read without the region key goes to every shard, so one task below
        // is pruning and not a cluster of one shard.
        let all = citus_plan(&t.db, "SELECT COUNT(*) FROM orgs").await;
        assert!(task_count(&all).is_some_and(|n| n > 1), "a whole-table read should fan out:\n{all}");
        let reads: Vec<(&str, String)> = vec![
            ("session (reference table)", with_literals(account::SESSION_SQL, &["'\\x00'::bytea"])),
            ("account (reference table)", with_literals(account::ACCOUNT_BY_ID_SQL, &["1"])),
            ("session scope root", with_literals(account::SCOPE_PATH_SQL, &[&region, &org_id])),
            ("session member's branch", with_literals(account::MEMBER_BRANCH_PATH_SQL, &[&region, member_id])),
            (
                "upcoming meetings of branch and group",
                with_literals(portal::UPCOMING_IN_BRANCH_SQL, &[&region, "0", "9000000000000", &branch, &group]),
            ),
            (
                "upcoming meetings on the roll",
                with_literals(portal::UPCOMING_ON_ROLL_SQL, &[&region, "0", "9000000000000", member_id]),
            ),
            ("member by id", with_literals(member::MEMBER_BY_ID_SQL, &[&region, member_id, &lo, &hi, member_id])),
            ("org by id", with_literals(org::ORG_BY_ID_SQL, &[&region, &org_id, &lo, &hi])),
            ("dues payment's receipt", with_literals(dues::RECEIPT_SQL, &[&region, "'key-1'"])),
            ("dues payment's base in force", with_literals(dues::PAYS_QUARTERLY_SQL, &[&region, member_id, "'2026-12'"])),
            ("dues payment's bills", with_literals(dues::PAYMENT_BILLS_SQL, &[&region, member_id, "'2026-06'"])),
            ("my points in a period", with_literals(points::MY_PERIOD_POINTS_SQL, &[&region, member_id, "'y2026'"])),
            ("members ranked above me", with_literals(points::RANK_ABOVE_SQL, &[&region, &lo, "'y2026'", "3"])),
        ];
        for (what, sql) in reads {
            let plan = citus_plan(&t.db, &sql).await;
            assert!(plan.contains("Citus"), "{what}: not planned by Citus:\n{plan}");
            assert_eq!(task_count(&plan), Some(1), "{what}: not routed to one shard:\n{sql}\n{plan}");
        }
    }
}
