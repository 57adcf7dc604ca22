//! Dynamic SQL written once for both backends: [`Sql`] collects the text with `$n`
//! placeholders and the bound values, then runs on PostgreSQL through sqlx or on SQLite
//! through sqlx's pool — or, for a bounded page of rows by index, on the calling thread
//! ([`Sql::fetch_page`], see [`crate::platform::point`]).
//!
//! Only fragments written in the store go into the text; every value is bound.

use crate::platform::bulk::Val;
use crate::platform::db::Backend;
use crate::platform::paging::SortKey;
use crate::platform::point::FromSqliteRow;
use crate::{Db, StoreError, StoreResult};
use vanguard_domain::kernel::paging::{KeyPart, PageRequest, Seek};

/// A statement being built.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sql {
    text: String,
    args: Vec<Val>,
}

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value, ValueRef};
        Ok(match self {
            Val::Int(Some(i)) => ToSqlOutput::Owned(Value::Integer(*i)),
            Val::Text(Some(t)) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
            Val::Bool(b) => ToSqlOutput::Owned(Value::Integer(i64::from(*b))),
            Val::Bytes(Some(b)) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
            Val::Int(None) | Val::Text(None) | Val::Bytes(None) => ToSqlOutput::Owned(Value::Null),
        })
    }
}

/// Binds a statement's values, in order, to an sqlx query of either backend.
macro_rules! bound {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Val::Int(v) => q.bind(*v),
                Val::Text(v) => q.bind(v.clone()),
                Val::Bool(v) => q.bind(*v),
                Val::Bytes(v) => q.bind(v.clone()),
            };
        }
        q
    }};
}

impl Sql {
    pub(crate) fn new(text: &str) -> Self {
        Sql { text: text.to_string(), args: Vec::new() }
    }

    /// Appends SQL text written in the store.
    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends another statement fragment, renumbering its placeholders after ours.
    pub(crate) fn append(&mut self, other: &Sql) -> &mut Self {
        let base = self.args.len();
        let mut text = String::with_capacity(other.text.len());
        let mut chars = other.text.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
                let mut n = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    n.push(d);
                    chars.next();
                }
                text.push('$');
                text.push_str(&(n.parse::<usize>().unwrap_or(0) + base).to_string());
            } else {
                text.push(c);
            }
        }
        self.text.push_str(&text);
        self.args.extend(other.args.iter().cloned());
        self
    }

    /// Appends a placeholder for `v`.
    pub(crate) fn bind(&mut self, v: impl Into<Val>) -> &mut Self {
        self.args.push(v.into());
        self.text.push('$');
        self.text.push_str(&self.args.len().to_string());
        self
    }

    /// Appends `AND (k…) > (v…)` (or `<`) for a cursor.
    pub(crate) fn keyset(&mut self, key: &SortKey, req: &PageRequest) -> StoreResult<&mut Self> {
        let (values, after) = match &req.seek {
            Seek::After { key, .. } => (key, true),
            Seek::Before { key, .. } => (key, false),
            _ => return Ok(self),
        };
        if values.len() != key.columns.len() {
            return Err(StoreError::invalid("cursor", "page.cursor", "翻页参数无效，请回到第一页重新翻页"));
        }
        let greater = after != key.descending;
        self.push(" AND (").push(&key.columns.join(", ")).push(if greater { ") > (" } else { ") < (" });
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            match v {
                KeyPart::Int(n) => self.bind(*n),
                KeyPart::Text(t) => self.bind(t.as_str()),
            };
        }
        self.push(")");
        Ok(self)
    }

    /// Appends `LIMIT n` as a literal, not a placeholder: SQLite's planner reads a bound
    /// LIMIT's value, which marks the statement to be compiled again whenever that value is
    /// rebound, i.e. on every execution of a cached statement (it cost the city roster a
    /// fifth of its CPU). `n` is an integer, so no text reaches the statement.
    pub(crate) fn limit(&mut self, n: i64) -> &mut Self {
        self.text.push_str(" LIMIT ");
        self.text.push_str(&n.to_string());
        self
    }

    /// Appends `ORDER BY` in the read direction, `LIMIT limit + 1`, and `OFFSET` for a
    /// jump (bound: SQLite does not plan by the offset's value).
    pub(crate) fn order_limit(&mut self, key: &SortKey, req: &PageRequest, offset: Option<i64>) -> &mut Self {
        let desc = key.descending != crate::platform::paging::backward(req);
        let dir = if desc { " DESC" } else { " ASC" };
        let order: Vec<String> = key.columns.iter().map(|c| format!("{c}{dir}")).collect();
        self.push(" ORDER BY ").push(&order.join(", ")).limit(i64::from(req.limit) + 1);
        if let Some(o) = offset {
            self.push(" OFFSET ").bind(o);
        }
        self
    }

    fn sqlite_args(&self) -> Vec<&dyn rusqlite::ToSql> {
        self.args.iter().map(|a| a as &dyn rusqlite::ToSql).collect()
    }

    /// Reads the rows of a bounded page (at most `max_rows`), on SQLite on the calling
    /// thread.
    pub(crate) async fn fetch_page<T>(&self, db: &Db, max_rows: usize) -> StoreResult<Vec<T>>
    where
        T: FromSqliteRow + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    {
        match db.backend() {
            Backend::Sqlite { point, .. } => point.query_all(&self.text, &self.sqlite_args(), max_rows),
            Backend::Postgres(pool) => {
                Ok(bound!(sqlx::query_as::<_, T>(sqlx::AssertSqlSafe(self.text.as_str())), &self.args).fetch_all(pool).await?)
            }
        }
    }

    /// Reads every row through the pools (sqlx on both backends): lists that are not on a
    /// hot path, and bounded reads that need a type without a SQLite point decoder.
    pub(crate) async fn fetch_all<T>(&self, db: &Db) -> StoreResult<Vec<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    {
        macro_rules! run {
            ($pool:expr) => {
                bound!(sqlx::query_as::<_, T>(sqlx::AssertSqlSafe(self.text.as_str())), &self.args).fetch_all($pool).await?
            };
        }
        Ok(match db.backend() {
            Backend::Sqlite { reader, .. } => run!(reader),
            Backend::Postgres(pool) => run!(pool),
        })
    }

    /// Reads every row inside a write transaction.
    pub(crate) async fn fetch_all_tx<T>(&self, tx: &mut crate::Tx) -> StoreResult<Vec<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    {
        Ok(
            crate::on_tx!(tx, c => bound!(sqlx::query_as::<_, T>(sqlx::AssertSqlSafe(self.text.as_str())), &self.args).fetch_all(c).await)?,
        )
    }

    /// Runs a statement inside a write transaction; answers the rows it affected.
    pub(crate) async fn execute_tx(&self, tx: &mut crate::Tx) -> StoreResult<u64> {
        Ok(crate::exec_tx!(tx, c => bound!(sqlx::query(sqlx::AssertSqlSafe(self.text.as_str())), &self.args).execute(c).await)?)
    }

    /// Reads one integer (a count, a sum).
    pub(crate) async fn fetch_i64(&self, db: &Db) -> StoreResult<i64> {
        use sqlx::Row;
        macro_rules! one {
            ($pool:expr) => {
                bound!(sqlx::query(sqlx::AssertSqlSafe(self.text.as_str())), &self.args)
                    .fetch_one($pool)
                    .await?
                    .try_get::<i64, _>(0)?
            };
        }
        Ok(match db.backend() {
            Backend::Sqlite { reader, .. } => one!(reader),
            Backend::Postgres(pool) => one!(pool),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_the_order_values_are_bound() {
        let mut s = Sql::new("SELECT id FROM t WHERE a = ");
        s.bind(1i64).push(" AND b = ").bind("x");
        assert_eq!(s.text, "SELECT id FROM t WHERE a = $1 AND b = $2");
        assert_eq!(s.args.len(), 2);
    }

    #[test]
    fn a_cursor_adds_a_row_value_comparison_in_the_read_direction() {
        let key = SortKey { columns: &["m.org_path", "m.id"], descending: false };
        let after = PageRequest { seek: Seek::After { key: vec!["/1/".into(), 5i64.into()], position: 20 }, limit: 20 };
        let mut s = Sql::new("SELECT 1 FROM members m WHERE TRUE");
        s.keyset(&key, &after).unwrap().order_limit(&key, &after, None);
        assert_eq!(
            s.text,
            "SELECT 1 FROM members m WHERE TRUE AND (m.org_path, m.id) > ($1, $2) ORDER BY m.org_path ASC, m.id ASC LIMIT 21"
        );
        let before = PageRequest { seek: Seek::Before { key: vec!["/1/".into(), 5i64.into()], position: 20 }, limit: 20 };
        let mut s = Sql::new("");
        s.keyset(&key, &before).unwrap().order_limit(&key, &before, None);
        assert_eq!(s.text, " AND (m.org_path, m.id) < ($1, $2) ORDER BY m.org_path DESC, m.id DESC LIMIT 21");
    }

    #[test]
    fn a_page_limit_is_a_literal_so_sqlite_does_not_compile_the_cached_statement_again() {
        let key = SortKey { columns: &["m.id"], descending: false };
        let first = PageRequest { seek: Seek::First, limit: 50 };
        let mut s = Sql::new("SELECT 1 FROM members m WHERE m.region_id = ");
        s.bind(1i64).order_limit(&key, &first, Some(100));
        assert_eq!(s.text, "SELECT 1 FROM members m WHERE m.region_id = $1 ORDER BY m.id ASC LIMIT 51 OFFSET $2");
        assert_eq!(s.args.len(), 2, "the region and the offset are bound; the limit is not");
    }

    #[test]
    fn an_appended_fragment_is_renumbered_after_the_statement_it_joins() {
        let mut filters = Sql::new(" WHERE a = ");
        filters.bind(7i64).push(" AND b = ").bind("x");
        let mut s = Sql::new("SELECT 1 FROM t");
        s.append(&filters).push(" LIMIT ").bind(5i64);
        let mut c = Sql::new("SELECT COUNT(*) FROM t WHERE z = ");
        c.bind(1i64).append(&filters);
        assert_eq!(s.text, "SELECT 1 FROM t WHERE a = $1 AND b = $2 LIMIT $3");
        assert_eq!(c.text, "SELECT COUNT(*) FROM t WHERE z = $1 WHERE a = $2 AND b = $3");
        assert_eq!((s.args.len(), c.args.len()), (3, 3));
    }

    #[test]
    fn a_cursor_of_another_list_is_refused() {
        let key = SortKey { columns: &["m.org_path", "m.id"], descending: false };
        let req = PageRequest { seek: Seek::After { key: vec![1i64.into()], position: 20 }, limit: 20 };
        assert!(Sql::new("").keyset(&key, &req).is_err());
    }
}
