//! Point reads: one row by key, on hot paths (one member by id).
//!
//! sqlx runs every SQLite statement on a worker thread of its own and hands the request
//! and each row across threads; for a primary-key read that hand-off costs several times
//! the read itself. [`PointReader`] keeps a few read-only SQLite connections and runs a
//! point read on the calling thread instead: a few microseconds, short enough not to
//! stall the async runtime. PostgreSQL reads go through sqlx as everywhere else.
//!
//! The SQL text is still written once ([`point_read!`](crate::point_read)), and each row
//! type lists its fields once ([`sqlite_row!`](crate::sqlite_row) defines the struct and
//! adds the SQLite decoder beside its `sqlx::FromRow`). Only reads of a handful of rows
//! by index belong here: a long scan on the calling thread would block every other
//! request of that runtime worker.

use crate::StoreResult;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

pub use rusqlite::{Result as SqliteResult, Row as SqliteRow, ToSql};

/// A row type that can be read from a SQLite row by column name.
pub trait FromSqliteRow: Sized {
    fn from_sqlite_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self>;
}

/// Defines a row struct and implements [`FromSqliteRow`] for it from the same field list
/// (fields are named like their columns, as a `sqlx::FromRow` derive on it expects):
///
/// ```ignore
/// sqlite_row! {
///     #[derive(sqlx::FromRow)]
///     pub struct Named { pub id: i64, pub name: String }
/// }
/// ```
macro_rules! sqlite_row {
    (
        $(#[$meta:meta])*
        $vis:vis struct $ty:ident { $($(#[$fmeta:meta])* $fvis:vis $field:ident : $fty:ty),* $(,)? }
    ) => {
        $(#[$meta])*
        $vis struct $ty { $($(#[$fmeta])* $fvis $field: $fty),* }

        impl $crate::platform::point::FromSqliteRow for $ty {
            fn from_sqlite_row(row: &$crate::platform::point::SqliteRow<'_>) -> $crate::platform::point::SqliteResult<Self> {
                let mut _i = 0usize;
                Ok($ty { $($field: { _i += 1; $crate::platform::point::column(row, _i - 1, stringify!($field))? }),* })
            }
        }
    };
}

/// Reads at most one row of `$ty` with one SQL text on either backend:
/// `point_read!(db, MemberRow, SQL, arg1, arg2, …)` → `StoreResult<Option<MemberRow>>`.
/// Placeholders are `$1`, `$2`, … on both.
macro_rules! point_read {
    ($db:expr, $ty:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $db.backend() {
            $crate::platform::db::Backend::Sqlite { point, .. } => {
                point.query_opt::<$ty>($sql, &[$(&$arg as &dyn $crate::platform::point::ToSql),*])
            }
            $crate::platform::db::Backend::Postgres(c) => {
                ::sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_optional(c).await.map_err($crate::StoreError::from)
            }
        }
    };
}

/// The column `name` of `row`, looked for first at `hint` (fields are usually listed in
/// the order of the `SELECT`), so decoding a row stays linear in its width.
pub fn column<T: rusqlite::types::FromSql>(row: &rusqlite::Row<'_>, hint: usize, name: &str) -> rusqlite::Result<T> {
    match row.as_ref().column_name(hint) {
        Ok(n) if n == name => row.get(hint),
        _ => row.get(name),
    }
}

/// A few read-only SQLite connections for point reads on the calling thread.
pub struct PointReader {
    /// `None` once closed.
    conns: Vec<Mutex<Option<Connection>>>,
    next: AtomicUsize,
}

/// Page cache per point-read connection: a point read touches a handful of pages, and
/// the OS page cache holds the file once for all connections.
const POINT_CACHE_KIB: i64 = 2048;

impl PointReader {
    /// Opens `n` read-only connections to the (already created and migrated) database.
    pub fn open(path: &Path, n: usize) -> rusqlite::Result<PointReader> {
        let mut conns = Vec::with_capacity(n.max(1));
        for _ in 0..n.max(1) {
            let c = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
            )?;
            c.busy_timeout(Duration::from_secs(10))?;
            c.pragma_update(None, "cache_size", -POINT_CACHE_KIB)?;
            c.pragma_update(None, "query_only", true)?;
            c.set_prepared_statement_cache_capacity(32);
            conns.push(Mutex::new(Some(c)));
        }
        Ok(PointReader { conns, next: AtomicUsize::new(0) })
    }

    /// A free connection if there is one, else waits for the next in turn (they are held
    /// for microseconds and never across an await).
    fn conn(&self) -> MutexGuard<'_, Option<Connection>> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let n = self.conns.len();
        for i in 0..n {
            if let Ok(c) = self.conns[(start + i) % n].try_lock() {
                return c;
            }
        }
        self.conns[start % n].lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `sql` with `args` bound to `$1`, `$2`, … and decodes the first row, if any.
    pub fn query_opt<T: FromSqliteRow>(&self, sql: &str, args: &[&dyn ToSql]) -> StoreResult<Option<T>> {
        let guard = self.conn();
        let conn = guard.as_ref().ok_or_else(|| crate::StoreError::Other("数据库已关闭".into()))?;
        let mut stmt = conn.prepare_cached(sql)?;
        bind_numbered(&mut stmt, args)?;
        let mut rows = stmt.raw_query();
        match rows.next()? {
            Some(row) => Ok(Some(T::from_sqlite_row(row)?)),
            None => Ok(None),
        }
    }

    /// Runs `sql` and decodes at most `max_rows` rows: a bounded read by index (a page of a
    /// list), never a scan. More rows than `max_rows` is an error, not a truncation.
    pub fn query_all<T: FromSqliteRow>(&self, sql: &str, args: &[&dyn ToSql], max_rows: usize) -> StoreResult<Vec<T>> {
        let guard = self.conn();
        let conn = guard.as_ref().ok_or_else(|| crate::StoreError::Other("数据库已关闭".into()))?;
        let mut stmt = conn.prepare_cached(sql)?;
        bind_numbered(&mut stmt, args)?;
        let mut rows = stmt.raw_query();
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            if out.len() == max_rows {
                return Err(crate::StoreError::Other(format!("点查询返回超过 {max_rows} 行")));
            }
            out.push(T::from_sqlite_row(row)?);
        }
        Ok(out)
    }

    /// Closes every connection (before the pools, so the writer closes last and SQLite
    /// checkpoints and removes the write-ahead log).
    pub fn close(&self) {
        for c in &self.conns {
            c.lock().unwrap_or_else(|p| p.into_inner()).take();
        }
    }
}

/// Binds `$N` (or `?N`) placeholders to `args[N-1]`, wherever they appear in the text,
/// as sqlx does; SQLite itself numbers named parameters by first appearance.
fn bind_numbered(stmt: &mut rusqlite::CachedStatement<'_>, args: &[&dyn ToSql]) -> rusqlite::Result<()> {
    for i in 1..=stmt.parameter_count() {
        let n = match stmt.parameter_name(i) {
            Some(name) => name
                .strip_prefix(['$', '?'])
                .and_then(|d| d.parse::<usize>().ok())
                .ok_or_else(|| rusqlite::Error::InvalidParameterName(name.to_string()))?,
            None => i,
        };
        let arg = args.get(n.wrapping_sub(1)).ok_or(rusqlite::Error::InvalidParameterCount(n, args.len()))?;
        stmt.raw_bind_parameter(i, arg)?;
    }
    Ok(())
}

pub(crate) use point_read;
pub(crate) use sqlite_row;

#[cfg(test)]
mod tests {
    use super::*;

    crate::sqlite_row! {
        struct Pair {
            a: i64,
            b: String,
        }
    }

    fn reader() -> (PointReader, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("vanguard-point-{}-{}", std::process::id(), rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.sqlite3");
        let c = Connection::open(&path).unwrap();
        c.execute_batch("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT NOT NULL); INSERT INTO t VALUES (1, 'x'), (2, 'y');")
            .unwrap();
        (PointReader::open(&path, 2).unwrap(), dir)
    }

    #[test]
    fn numbered_placeholders_bind_by_number_not_by_position() {
        let (r, dir) = reader();
        let row: Option<Pair> = r.query_opt("SELECT a, b FROM t WHERE b = $2 AND a = $1", &[&2_i64, &"y"]).unwrap();
        assert_eq!(row.map(|p| (p.a, p.b)), Some((2, "y".to_string())));
        let _ = std::fs::remove_dir_all(dir);
    }

    crate::sqlite_row! {
        struct Swapped {
            b: String,
            a: i64,
        }
    }

    #[test]
    fn fields_listed_in_another_order_than_the_select_still_decode_by_name() {
        let (r, dir) = reader();
        let row: Option<Swapped> = r.query_opt("SELECT a, b FROM t WHERE a = $1", &[&1_i64]).unwrap();
        assert_eq!(row.map(|p| (p.a, p.b)), Some((1, "x".to_string())));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_missing_row_is_none_and_a_repeated_placeholder_binds_once() {
        let (r, dir) = reader();
        let none: Option<Pair> = r.query_opt("SELECT a, b FROM t WHERE a = $1 AND a >= $1", &[&3_i64]).unwrap();
        assert!(none.is_none());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn too_few_arguments_is_an_error_not_a_null() {
        let (r, dir) = reader();
        let e = r.query_opt::<Pair>("SELECT a, b FROM t WHERE a = $1 AND b = $2", &[&1_i64]);
        assert!(e.is_err());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_closed_reader_answers_an_error() {
        let (r, dir) = reader();
        r.close();
        assert!(r.query_opt::<Pair>("SELECT a, b FROM t WHERE a = $1", &[&1_i64]).is_err());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn point_connections_cannot_write() {
        let (r, dir) = reader();
        let e = r.query_opt::<Pair>("INSERT INTO t VALUES (9, 'z') RETURNING a, b", &[]);
        assert!(e.is_err());
        let _ = std::fs::remove_dir_all(dir);
    }
}
