//! Multi-row inserts: one function for every bulk load (demo data, roster imports,
//! the rules engine's findings), chunked so a statement never exceeds either backend's
//! limit on bound parameters.
//!
//! Table and column names are `'static` strings written in the store, never input;
//! every value is bound.

use crate::platform::db::Tx;
use crate::platform::error::StoreResult;

/// One bound value of a bulk row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Int(Option<i64>),
    Text(Option<String>),
    Bool(bool),
    Bytes(Option<Vec<u8>>),
}

impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::Int(Some(v))
    }
}
impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Self {
        Val::Int(v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Val::Text(Some(v.to_string()))
    }
}
impl From<String> for Val {
    fn from(v: String) -> Self {
        Val::Text(Some(v))
    }
}
impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Self {
        Val::Text(v)
    }
}
impl From<Option<&str>> for Val {
    fn from(v: Option<&str>) -> Self {
        Val::Text(v.map(str::to_string))
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Self {
        Val::Bool(v)
    }
}
impl From<Vec<u8>> for Val {
    fn from(v: Vec<u8>) -> Self {
        Val::Bytes(Some(v))
    }
}
impl From<Option<Vec<u8>>> for Val {
    fn from(v: Option<Vec<u8>>) -> Self {
        Val::Bytes(v)
    }
}

/// Builds one bulk row from values of any type [`Val`] converts from.
macro_rules! bulk_row {
    ($($v:expr),* $(,)?) => { vec![$($crate::platform::bulk::Val::from($v)),*] };
}
pub(crate) use bulk_row;

/// Bound parameters per statement: below SQLite's 32,766 and PostgreSQL's 65,535.
const MAX_BINDS: usize = 30_000;

/// What to do when a row's key already exists.
#[derive(Debug, Clone, Copy)]
pub(crate) enum OnConflict {
    /// Fail the statement (the default for loads into fresh tables).
    Fail,
    /// `ON CONFLICT (<key>) DO UPDATE SET` the given columns to the new row's values.
    Update { key: &'static str, set: &'static [&'static str] },
}

/// Inserts `rows` into `table` (each row one value per column, in order), in as few
/// statements as the parameter limits allow. Returns the number of rows written.
pub(crate) async fn insert(tx: &mut Tx, table: &'static str, columns: &[&'static str], rows: &[Vec<Val>]) -> StoreResult<u64> {
    upsert(tx, table, columns, rows, OnConflict::Fail).await
}

/// [`insert`] with a conflict rule.
pub(crate) async fn upsert(
    tx: &mut Tx,
    table: &'static str,
    columns: &[&'static str],
    rows: &[Vec<Val>],
    on_conflict: OnConflict,
) -> StoreResult<u64> {
    if rows.is_empty() || columns.is_empty() {
        return Ok(0);
    }
    debug_assert!(rows.iter().all(|r| r.len() == columns.len()), "bulk row width differs from its column list");
    let per_statement = (MAX_BINDS / columns.len()).max(1);
    let head = format!("INSERT INTO {table} ({}) ", columns.join(", "));
    let tail = match on_conflict {
        OnConflict::Fail => String::new(),
        OnConflict::Update { key, set } => {
            let sets: Vec<String> = set.iter().map(|c| format!("{c} = excluded.{c}")).collect();
            format!(" ON CONFLICT ({key}) DO UPDATE SET {}", sets.join(", "))
        }
    };
    let mut written = 0;
    for chunk in rows.chunks(per_statement) {
        written += crate::exec_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new(head.clone());
            qb.push_values(chunk, |mut b, row| {
                for v in row {
                    match v {
                        Val::Int(x) => b.push_bind(*x),
                        Val::Text(x) => b.push_bind(x.clone()),
                        Val::Bool(x) => b.push_bind(*x),
                        Val::Bytes(x) => b.push_bind(x.clone()),
                    };
                }
            });
            qb.push(tail.as_str());
            qb.build().execute(c).await
        })?;
    }
    Ok(written)
}
