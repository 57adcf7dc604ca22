//! Reads for the 党费 benchmark (`vanguard bench dues`): which month of a region has no
//! bills yet, which members owe a month, and the ledger's totals that a burst is checked
//! against afterwards. Never called on a request path.

use crate::{Db, StoreResult};

/// Bills of a region for one month (`2026-07`).
pub async fn bills_in_month(db: &Db, region_id: i64, month: &str) -> StoreResult<i64> {
    Ok(crate::read!(db, c => sqlx::query_scalar("SELECT COUNT(*) FROM dues_bills WHERE region_id = $1 AND month = $2")
        .bind(region_id).bind(month).fetch_one(c).await)?)
}

/// Members of a region with a base (any month).
pub async fn members_with_base(db: &Db, region_id: i64) -> StoreResult<i64> {
    Ok(crate::read!(db, c => sqlx::query_scalar("SELECT COUNT(DISTINCT member_id) FROM dues_bases WHERE region_id = $1")
        .bind(region_id).fetch_one(c).await)?)
}

/// A member who owes a month in full.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Owing {
    pub member_id: i64,
    pub org_id: i64,
    pub org_path: String,
    pub month: String,
    pub amount_fen: i64,
}

/// Up to `limit` members under `[lo, hi)` whose bill of `month` is wholly unpaid, by id.
pub async fn owing(db: &Db, region_id: i64, lo: &str, hi: &str, month: &str, limit: i64) -> StoreResult<Vec<Owing>> {
    Ok(crate::read!(db, c => sqlx::query_as(
        "SELECT member_id, org_id, org_path, month, amount_fen FROM dues_bills WHERE region_id = $1 AND org_path >= $2 AND org_path < $3 \
         AND month = $4 AND paid_fen = 0 AND amount_fen > 0 ORDER BY member_id LIMIT $5")
        .bind(region_id).bind(lo).bind(hi).bind(month).bind(limit).fetch_all(c).await)?)
}

/// The ledger's and the bills' side of one month under `[lo, hi)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct MonthTotals {
    /// Ledger entries for the month (payments and reversals).
    pub entries: i64,
    /// Their sum.
    pub entries_fen: i64,
    /// Members with more than one payment entry for the month not reversed.
    pub doubled: i64,
    /// Bills paid in full.
    pub paid_bills: i64,
    /// The bills' `paid_fen`, summed.
    pub paid_fen: i64,
}

pub async fn month_totals(db: &Db, region_id: i64, lo: &str, hi: &str, month: &str) -> StoreResult<MonthTotals> {
    Ok(crate::read!(db, c => sqlx::query_as(
        "SELECT \
         (SELECT COUNT(*) FROM dues_entries WHERE region_id = $1 AND org_path >= $2 AND org_path < $3 AND month = $4) AS entries, \
         (SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM dues_entries \
             WHERE region_id = $1 AND org_path >= $2 AND org_path < $3 AND month = $4) AS entries_fen, \
         (SELECT COUNT(*) FROM (SELECT member_id FROM dues_entries e WHERE e.region_id = $1 AND e.org_path >= $2 AND e.org_path < $3 \
             AND e.month = $4 AND e.kind = 'dues' \
             AND NOT EXISTS (SELECT 1 FROM dues_entries r WHERE r.region_id = e.region_id AND r.reverses_id = e.id) \
             GROUP BY member_id HAVING COUNT(*) > 1) d) AS doubled, \
         (SELECT COUNT(*) FROM dues_bills WHERE region_id = $1 AND org_path >= $2 AND org_path < $3 AND month = $4 \
             AND paid_fen >= amount_fen) AS paid_bills, \
         (SELECT CAST(COALESCE(SUM(paid_fen), 0) AS BIGINT) FROM dues_bills \
             WHERE region_id = $1 AND org_path >= $2 AND org_path < $3 AND month = $4) AS paid_fen")
        .bind(region_id).bind(lo).bind(hi).bind(month).fetch_one(c).await)?)
}
