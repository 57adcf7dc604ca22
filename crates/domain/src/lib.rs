//! Vanguard's pure domain core: the rules of party organization, membership and
//! access, with no I/O, no async and no knowledge of storage or HTTP.
//!
//! Feature areas keep their names in every layer: [`org`] (组织), [`member`] (党员),
//! [`auth`] (accounts, roles, scope decisions), [`audit`] (the record of changes),
//! [`orglife`] (组织生活: meetings, the yearly plan and the rules engine).
//! Regulation numbers live in [`rules::RuleSet`], never in scattered constants.

#[macro_use]
mod labels;

pub mod audit;
pub mod auth;
pub mod demo;
pub mod error;
pub mod idcard;
pub mod member;
pub mod org;
pub mod orglife;
pub mod roster;
pub mod rules;

pub use error::{FieldError, Invalid};

/// Business dates are Asia/Shanghai calendar dates; this is the fixed UTC+8 offset
/// (China has no daylight saving time).
pub const CHINA_OFFSET_SECONDS: i32 = 8 * 3600;

/// Today's calendar date in China for a UTC instant given in epoch milliseconds.
pub fn china_date(epoch_ms: i64) -> chrono::NaiveDate {
    let secs = epoch_ms.div_euclid(1000) + i64::from(CHINA_OFFSET_SECONDS);
    chrono::DateTime::from_timestamp(secs, 0).map(|t| t.date_naive()).unwrap_or_default()
}
