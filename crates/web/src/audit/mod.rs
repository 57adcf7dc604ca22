//! The audit log (审计员 only).

pub mod api;
pub mod pages;
pub mod routes;

use crate::error::ApiError;
use serde::Deserialize;
use vanguard_domain::kernel::time::{DAY_MS, china_midnight_ms, parse_iso_date, plausible_instant};
use vanguard_store::platform::audit::AuditFilter;

/// The audit log's filters as a caller sends them, on the page and in the API. Every
/// value given must make sense: a filter that cannot be read answers 400 with the
/// reason, never a silently wider list. Paging (`cursor`, `limit`, `page`) is the one
/// page request of every list ([`crate::extract::Paged`]).
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct AuditQuery {
    /// Actions starting with this (`auth.`, `member.update`).
    pub action: String,
    /// The actor's name, exactly.
    pub actor: String,
    /// `ok`, `denied`, `failed`.
    pub result: String,
    /// First day, YYYY-MM-DD (China date), inclusive.
    pub from: String,
    /// Last day, YYYY-MM-DD (China date), inclusive.
    pub to: String,
    /// Earliest instant, epoch ms (API).
    pub from_ms: Option<i64>,
    /// Instant before which records are listed, epoch ms (API).
    pub to_ms: Option<i64>,
    /// `1`: verify the chain first (page only).
    pub verify: String,
}

fn day(field: &str, label: &str, text: &str) -> Result<Option<i64>, ApiError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match parse_iso_date(text).map(china_midnight_ms) {
        Some(ms) if plausible_instant(ms) => Ok(Some(ms)),
        _ => Err(ApiError::bad_request(
            "audit.filter",
            format!("{label}（{field}）“{text}”不是有效日期，请按 YYYY-MM-DD 填写，如 2026-03-01"),
        )),
    }
}

fn instant(field: &str, ms: Option<i64>) -> Result<Option<i64>, ApiError> {
    match ms {
        Some(ms) if !plausible_instant(ms) => Err(ApiError::bad_request(
            "audit.filter",
            format!("{field} 超出可接受的时间范围（1900—9999 年的毫秒时间戳），请核对"),
        )),
        other => Ok(other),
    }
}

impl AuditQuery {
    /// The store's filter, or a 400 saying which value cannot be read.
    pub fn filter(&self) -> Result<AuditFilter, ApiError> {
        let from_day = day("from", "起始日期", &self.from)?;
        let to_day = day("to", "截止日期", &self.to)?.map(|t| t + DAY_MS);
        let from_ms = instant("from_ms", self.from_ms)?;
        let to_ms = instant("to_ms", self.to_ms)?;
        // Both a day and an instant: the narrower bound holds.
        let from_ms = from_day.into_iter().chain(from_ms).max();
        let to_ms = to_day.into_iter().chain(to_ms).min();
        if let (Some(f), Some(t)) = (from_ms, to_ms)
            && f >= t
        {
            return Err(ApiError::bad_request("audit.filter", "起始日期不能晚于截止日期，请调换后再查询"));
        }
        Ok(AuditFilter {
            action: self.action.trim().to_string(),
            actor: self.actor.trim().to_string(),
            result: self.result.trim().to_string(),
            from_ms,
            to_ms,
        })
    }
}
