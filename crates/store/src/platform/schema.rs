//! Introspection of the live schema, for the test that keeps the SQLite and PostgreSQL
//! migrations column-for-column alike.

use crate::{Db, StoreResult};

/// A column, with its type folded to a backend-neutral name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SchemaColumn {
    pub table: String,
    pub name: String,
    pub kind: &'static str,
    pub nullable: bool,
}

fn fold_type(t: &str) -> &'static str {
    let t = t.to_ascii_lowercase();
    match t.as_str() {
        "bigint" | "integer" | "int8" | "int4" => "integer",
        "text" | "character varying" => "text",
        "blob" | "bytea" => "bytes",
        "boolean" | "bool" => "boolean",
        _ => "other",
    }
}

/// Every column of every application table (migration bookkeeping excluded).
pub async fn columns(db: &Db) -> StoreResult<Vec<SchemaColumn>> {
    let mut out = Vec::new();
    if db.is_postgres() {
        #[derive(sqlx::FromRow)]
        struct C {
            table_name: String,
            column_name: String,
            data_type: String,
            is_nullable: String,
        }
        let rows: Vec<C> = crate::read!(db, c => sqlx::query_as(
            "SELECT table_name::text AS table_name, column_name::text AS column_name, data_type::text AS data_type, is_nullable::text AS is_nullable \
             FROM information_schema.columns WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_sqlx%'")
            .fetch_all(c).await)?;
        for r in rows {
            out.push(SchemaColumn {
                table: r.table_name,
                name: r.column_name,
                kind: fold_type(&r.data_type),
                nullable: r.is_nullable == "YES",
            });
        }
    } else {
        let tables: Vec<String> = crate::read!(db, c => sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_sqlx%' ESCAPE '\\' AND name NOT LIKE 'sqlite%'")
            .fetch_all(c).await)?;
        for t in tables {
            #[derive(sqlx::FromRow)]
            struct C {
                name: String,
                #[sqlx(rename = "type")]
                ty: String,
                notnull: i64,
                pk: i64,
            }
            let cols: Vec<C> = crate::read!(db, c => sqlx::query_as("SELECT name, type, \"notnull\", pk FROM pragma_table_info($1)")
                .bind(&t).fetch_all(c).await)?;
            for col in cols {
                // SQLite lets primary-key columns be NULL unless declared otherwise;
                // ours all say NOT NULL, as PostgreSQL implies.
                out.push(SchemaColumn {
                    table: t.clone(),
                    name: col.name,
                    kind: fold_type(&col.ty),
                    nullable: col.notnull == 0 && col.pk == 0,
                });
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The applied migration versions.
pub async fn migration_versions(db: &Db) -> StoreResult<Vec<i64>> {
    Ok(crate::read!(db, c => sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version").fetch_all(c).await)?)
}
