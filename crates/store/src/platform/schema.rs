//! Introspection of the live schema, for the tests that keep the SQLite and PostgreSQL
//! migrations alike (columns, keys, indexes, foreign keys, triggers) and that check the
//! distributed-engine rules (`design.md` §1). Only base tables are read: views, such as
//! those an extension (Citus) adds to the schema, are not part of ours.

use crate::{Db, StoreResult};

/// A column, with its type folded to a backend-neutral name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SchemaColumn {
    pub table: String,
    pub name: String,
    pub kind: &'static str,
    pub nullable: bool,
}

/// An index made by `CREATE [UNIQUE] INDEX` (not one backing a key constraint).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SchemaIndex {
    pub name: String,
    pub columns: Vec<String>,
    pub unique: bool,
}

/// A foreign key: `columns` reference `ref_columns` of `ref_table`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SchemaForeignKey {
    pub columns: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
}

/// One base table, everything the parity test and the schema lint compare.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct SchemaTable {
    pub name: String,
    pub columns: Vec<SchemaColumn>,
    /// The primary key's columns, in key order.
    pub primary_key: Vec<String>,
    /// Unique constraints declared on the table (not the primary key), as column lists.
    pub unique_constraints: Vec<Vec<String>>,
    pub indexes: Vec<SchemaIndex>,
    pub foreign_keys: Vec<SchemaForeignKey>,
    /// Trigger names.
    pub triggers: Vec<String>,
}

impl SchemaTable {
    /// Every set of columns the database keeps unique: the primary key, unique
    /// constraints and unique indexes.
    pub fn unique_keys(&self) -> Vec<&[String]> {
        let mut out: Vec<&[String]> = vec![&self.primary_key];
        out.extend(self.unique_constraints.iter().map(Vec::as_slice));
        out.extend(self.indexes.iter().filter(|i| i.unique).map(|i| i.columns.as_slice()));
        out
    }
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

fn split(cols: &str) -> Vec<String> {
    cols.split(',').filter(|c| !c.is_empty()).map(str::to_string).collect()
}

/// Every column of every application table (migration bookkeeping excluded).
pub async fn columns(db: &Db) -> StoreResult<Vec<SchemaColumn>> {
    let mut out: Vec<SchemaColumn> = tables(db).await?.into_iter().flat_map(|t| t.columns).collect();
    out.sort();
    Ok(out)
}

/// Every base table of the application (migration bookkeeping excluded), sorted by name,
/// with its columns, keys, indexes, foreign keys and triggers sorted too.
pub async fn tables(db: &Db) -> StoreResult<Vec<SchemaTable>> {
    let mut out = if db.is_postgres() { postgres_tables(db).await? } else { sqlite_tables(db).await? };
    for t in &mut out {
        t.columns.sort();
        t.unique_constraints.sort();
        t.indexes.sort();
        t.foreign_keys.sort();
        t.triggers.sort();
    }
    out.sort();
    Ok(out)
}

async fn sqlite_tables(db: &Db) -> StoreResult<Vec<SchemaTable>> {
    let names: Vec<String> = crate::read!(db, c => sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_sqlx%' ESCAPE '\\' AND name NOT LIKE 'sqlite%'")
        .fetch_all(c).await)?;
    let mut out = Vec::new();
    for name in names {
        let mut t = SchemaTable { name: name.clone(), ..Default::default() };
        #[derive(sqlx::FromRow)]
        struct C {
            name: String,
            #[sqlx(rename = "type")]
            ty: String,
            notnull: i64,
            pk: i64,
        }
        let cols: Vec<C> = crate::read!(db, c => sqlx::query_as("SELECT name, type, \"notnull\", pk FROM pragma_table_info($1)")
            .bind(&name).fetch_all(c).await)?;
        let mut pk: Vec<(i64, String)> = Vec::new();
        for col in cols {
            if col.pk > 0 {
                pk.push((col.pk, col.name.clone()));
            }
            // SQLite lets primary-key columns be NULL unless declared otherwise; ours all
            // say NOT NULL, as PostgreSQL implies.
            t.columns.push(SchemaColumn {
                table: name.clone(),
                name: col.name,
                kind: fold_type(&col.ty),
                nullable: col.notnull == 0 && col.pk == 0,
            });
        }
        pk.sort();
        t.primary_key = pk.into_iter().map(|(_, c)| c).collect();

        #[derive(sqlx::FromRow)]
        struct I {
            name: String,
            #[sqlx(rename = "unique")]
            is_unique: i64,
            origin: String,
            cols: String,
        }
        let idx: Vec<I> = crate::read!(db, c => sqlx::query_as(
            "SELECT l.name, l.\"unique\", l.origin, \
             (SELECT group_concat(name, ',') FROM (SELECT i.name FROM pragma_index_info(l.name) i ORDER BY i.seqno)) AS cols \
             FROM pragma_index_list($1) l")
            .bind(&name).fetch_all(c).await)?;
        for i in idx {
            match i.origin.as_str() {
                "pk" => {}
                "u" => t.unique_constraints.push(split(&i.cols)),
                _ => t.indexes.push(SchemaIndex { name: i.name, columns: split(&i.cols), unique: i.is_unique != 0 }),
            }
        }

        #[derive(sqlx::FromRow)]
        struct F {
            id: i64,
            seq: i64,
            #[sqlx(rename = "table")]
            ref_table: String,
            from: String,
            to: String,
        }
        let mut fks: Vec<F> = crate::read!(db, c => sqlx::query_as("SELECT id, seq, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list($1)")
            .bind(&name).fetch_all(c).await)?;
        fks.sort_by_key(|f| (f.id, f.seq));
        for f in fks {
            if f.seq == 0 {
                t.foreign_keys.push(SchemaForeignKey {
                    columns: Vec::new(),
                    ref_table: f.ref_table.clone(),
                    ref_columns: Vec::new(),
                });
            }
            if let Some(last) = t.foreign_keys.last_mut() {
                last.columns.push(f.from);
                last.ref_columns.push(f.to);
            }
        }

        t.triggers = crate::read!(db, c => sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = $1")
            .bind(&name).fetch_all(c).await)?;
        out.push(t);
    }
    Ok(out)
}

async fn postgres_tables(db: &Db) -> StoreResult<Vec<SchemaTable>> {
    let names: Vec<String> = crate::read!(db, c => sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname NOT LIKE '\\_sqlx%'")
        .fetch_all(c).await)?;
    let mut out: Vec<SchemaTable> = names.into_iter().map(|name| SchemaTable { name, ..Default::default() }).collect();
    let find = |out: &mut Vec<SchemaTable>, name: &str| out.iter().position(|t| t.name == name);

    #[derive(sqlx::FromRow)]
    struct C {
        table_name: String,
        column_name: String,
        data_type: String,
        is_nullable: String,
    }
    let cols: Vec<C> = crate::read!(db, c => sqlx::query_as(
        "SELECT table_name::text AS table_name, column_name::text AS column_name, data_type::text AS data_type, is_nullable::text AS is_nullable \
         FROM information_schema.columns WHERE table_schema = current_schema()")
        .fetch_all(c).await)?;
    for c in cols {
        if let Some(i) = find(&mut out, &c.table_name) {
            out[i].columns.push(SchemaColumn {
                table: c.table_name,
                name: c.column_name,
                kind: fold_type(&c.data_type),
                nullable: c.is_nullable == "YES",
            });
        }
    }

    #[derive(sqlx::FromRow)]
    struct I {
        table_name: String,
        index_name: String,
        is_unique: bool,
        constraint_kind: Option<String>,
        cols: String,
    }
    let idx: Vec<I> = crate::read!(db, c => sqlx::query_as(
        "SELECT t.relname::text AS table_name, i.relname::text AS index_name, x.indisunique AS is_unique, \
         (SELECT k.contype::text FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.conrelid = t.oid AND k.contype IN ('p', 'u')) AS constraint_kind, \
         (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) AS cols \
         FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = current_schema()")
        .fetch_all(c).await)?;
    for ix in idx {
        let Some(i) = find(&mut out, &ix.table_name) else { continue };
        match ix.constraint_kind.as_deref() {
            Some("p") => out[i].primary_key = split(&ix.cols),
            Some(_) => out[i].unique_constraints.push(split(&ix.cols)),
            None => out[i].indexes.push(SchemaIndex { name: ix.index_name, columns: split(&ix.cols), unique: ix.is_unique }),
        }
    }

    #[derive(sqlx::FromRow)]
    struct F {
        table_name: String,
        ref_table: String,
        cols: String,
        ref_cols: String,
    }
    let fks: Vec<F> = crate::read!(db, c => sqlx::query_as(
        "SELECT t.relname::text AS table_name, r.relname::text AS ref_table, \
         (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) FROM unnest(f.conkey) WITH ORDINALITY AS k(attnum, ord) \
            JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = k.attnum) AS cols, \
         (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) FROM unnest(f.confkey) WITH ORDINALITY AS k(attnum, ord) \
            JOIN pg_attribute a ON a.attrelid = f.confrelid AND a.attnum = k.attnum) AS ref_cols \
         FROM pg_constraint f JOIN pg_class t ON t.oid = f.conrelid JOIN pg_class r ON r.oid = f.confrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace WHERE f.contype = 'f' AND n.nspname = current_schema()")
        .fetch_all(c).await)?;
    for f in fks {
        let Some(i) = find(&mut out, &f.table_name) else { continue };
        out[i].foreign_keys.push(SchemaForeignKey {
            columns: split(&f.cols),
            ref_table: f.ref_table,
            ref_columns: split(&f.ref_cols),
        });
    }

    #[derive(sqlx::FromRow)]
    struct T {
        table_name: String,
        trigger_name: String,
    }
    let triggers: Vec<T> = crate::read!(db, c => sqlx::query_as(
        "SELECT t.relname::text AS table_name, g.tgname::text AS trigger_name FROM pg_trigger g \
         JOIN pg_class t ON t.oid = g.tgrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE NOT g.tgisinternal AND n.nspname = current_schema()")
        .fetch_all(c).await)?;
    for g in triggers {
        let Some(i) = find(&mut out, &g.table_name) else { continue };
        out[i].triggers.push(g.trigger_name);
    }
    Ok(out)
}

/// Columns whose value comes from a database sequence (`serial`, identity, `nextval`):
/// `(table, column)`. Ids come from the application; hot sequences do not distribute.
pub async fn sequence_columns(db: &Db) -> StoreResult<Vec<(String, String)>> {
    if db.is_postgres() {
        #[derive(sqlx::FromRow)]
        struct S {
            table_name: String,
            column_name: String,
        }
        let rows: Vec<S> = crate::read!(db, c => sqlx::query_as(
            "SELECT table_name::text AS table_name, column_name::text AS column_name FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_sqlx%' \
             AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')")
            .fetch_all(c).await)?;
        Ok(rows.into_iter().map(|s| (s.table_name, s.column_name)).collect())
    } else {
        // SQLite's only sequence is AUTOINCREMENT, which keeps its counters here.
        let autoincrement: Vec<String> = crate::read!(db, c => sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%AUTOINCREMENT%' AND name NOT LIKE '\\_sqlx%' ESCAPE '\\'")
            .fetch_all(c).await)?;
        Ok(autoincrement.into_iter().map(|t| (t, "AUTOINCREMENT".to_string())).collect())
    }
}

/// The applied migration versions.
pub async fn migration_versions(db: &Db) -> StoreResult<Vec<i64>> {
    Ok(crate::read!(db, c => sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version").fetch_all(c).await)?)
}
