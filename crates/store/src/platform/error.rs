//! Store errors: what went wrong, in terms the web layer can map to a status code,
//! a stable machine code and a Chinese message.

use std::borrow::Cow;

use vanguard_domain::Invalid;
use vanguard_domain::kernel::UnknownCode;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Not there, or outside the caller's scope (the two are indistinguishable on purpose).
    #[error("对象不存在或不在您的管辖范围内")]
    NotFound,
    /// The input broke a validation rule.
    #[error("{0}")]
    Invalid(Invalid),
    /// The request conflicts with the current state (a rule of the domain refuses it).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// The role may not do this (checked centrally before the store, repeated here as a guard).
    #[error("您的角色无权进行此操作")]
    Forbidden,
    #[error("数据库错误：{0}")]
    Db(sqlx::Error),
    #[error("数据库错误：{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("数据库迁移失败：{0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("加密数据无法解开，密钥可能不匹配")]
    Crypto,
    /// A stored value the code does not know (an enum code, a date): the database was
    /// written by a newer version or by hand. Never defaulted silently.
    /// `value` is empty when the decoder could not say it (sqlx's row decoding keeps only
    /// the column name).
    #[error("数据库中的数据无法识别：{}。请确认程序版本与数据库一致，或联系系统管理员", corrupt_place(.column, .value))]
    Corrupt { column: Cow<'static, str>, value: String },
    #[error("{0}")]
    Other(String),
}

impl StoreError {
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        StoreError::Conflict { code, message: message.into() }
    }
    pub fn invalid(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        StoreError::Invalid(Invalid::one(field, code, message))
    }
    /// Whether a database error is a unique-key violation (matched by error kind, never
    /// by constraint name: distributed engines rename constraints).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Db(e) if e.as_database_error().is_some_and(|d| d.is_unique_violation()))
    }
}

fn corrupt_place(column: &str, value: &str) -> String {
    if value.is_empty() { format!("{column} 列的取值未知") } else { format!("{column} = “{value}”") }
}

/// A stored value a row cannot decode — a row enum read with `#[sqlx(try_from = "String")]`
/// meeting an unknown code — is [`StoreError::Corrupt`] naming the column; every other
/// database error stays `Db`. sqlx 0.9 passes the `TryFrom` error on only as "unprintable
/// error", so the value is known only when the source is an [`UnknownCode`].
impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::ColumnDecode { index, source } => {
                let value = source.downcast_ref::<UnknownCode>().map(|u| u.value.clone()).unwrap_or_default();
                tracing::warn!(column = %index, error = %source, "stored value cannot be decoded");
                StoreError::Corrupt { column: Cow::Owned(index), value }
            }
            e => StoreError::Db(e),
        }
    }
}

impl From<Invalid> for StoreError {
    fn from(i: Invalid) -> Self {
        StoreError::Invalid(i)
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Decodes a stored value with `parse`; an unknown value is [`StoreError::Corrupt`], never a
/// default.
pub fn decode<T>(column: &'static str, value: &str, parse: impl FnOnce(&str) -> Option<T>) -> StoreResult<T> {
    parse(value).ok_or_else(|| StoreError::Corrupt { column: Cow::Borrowed(column), value: value.chars().take(40).collect() })
}
