//! Bulk loading of 党费 (demo data): members' bases and a year of payments, written
//! straight into the ledger in large statements, then each bill's paid amount recomputed
//! from the ledger in one statement. Bills themselves come from
//! [`super::Dues::generate_bills`], as in production.

use crate::platform::bulk::{self, Val, bulk_row};
use crate::platform::ids;
use crate::{Db, StoreResult, Tx};
use vanguard_domain::affairs::dues::{DuesBase, EntryKind, Month, Payer, monthly_amount};

/// A member's base from a month on.
#[derive(Debug, Clone)]
pub struct BaseRecord {
    pub member_id: i64,
    pub base: DuesBase,
    pub recorded_at: i64,
}

/// One month paid (or a voluntary extra when `month` is `None`).
#[derive(Debug, Clone)]
pub struct PaymentRecord {
    pub member_id: i64,
    pub org_id: i64,
    pub org_path: String,
    pub month: Option<Month>,
    pub amount_fen: i64,
    pub payer: Payer,
    pub payer_name: String,
    pub recorded_at: i64,
}

/// Rows per statement.
const CHUNK: usize = 2_000;

/// Inserts bases; the monthly amount follows the rules in force.
pub async fn insert_bases(tx: &mut Tx, db: &Db, region_id: i64, rows: &[BaseRecord]) -> StoreResult<u64> {
    const COLUMNS: &[&str] = &[
        "region_id",
        "id",
        "member_id",
        "category",
        "base_fen",
        "fixed_fen",
        "amount_fen",
        "from_month",
        "quarterly",
        "rules_version",
        "recorded_by",
        "recorded_at",
    ];
    let rules = db.rules();
    let mut n = 0;
    for chunk in rows.chunks(CHUNK) {
        let values: Vec<Vec<Val>> = chunk
            .iter()
            .map(|r| {
                bulk_row![
                    region_id,
                    ids::next(),
                    r.member_id,
                    r.base.category.code(),
                    r.base.base_fen,
                    r.base.fixed_fen,
                    monthly_amount(&rules.dues, &r.base),
                    r.base.from_month.key(),
                    false,
                    i64::from(rules.version),
                    0i64,
                    r.recorded_at
                ]
            })
            .collect();
        n += bulk::insert(tx, "dues_bases", COLUMNS, &values).await?;
    }
    Ok(n)
}

/// Appends payments to the ledger (each its own request key `demo:<id>`), then brings
/// every bill of the region's paid amount in line with the ledger.
pub async fn insert_payments(tx: &mut Tx, region_id: i64, rows: &[PaymentRecord]) -> StoreResult<u64> {
    const COLUMNS: &[&str] = &[
        "region_id",
        "id",
        "member_id",
        "org_id",
        "org_path",
        "kind",
        "month",
        "amount_fen",
        "payer",
        "payer_name",
        "request_key",
        "line",
        "reverses_id",
        "remit_upward",
        "note",
        "recorded_by",
        "recorded_at",
    ];
    let mut n = 0;
    for chunk in rows.chunks(CHUNK) {
        let values: Vec<Vec<Val>> = chunk
            .iter()
            .map(|r| {
                let id = ids::next();
                let kind = if r.month.is_some() { EntryKind::Dues } else { EntryKind::Voluntary };
                bulk_row![
                    region_id,
                    id,
                    r.member_id,
                    r.org_id,
                    r.org_path.as_str(),
                    kind.code(),
                    r.month.map(|m| m.key()),
                    r.amount_fen,
                    r.payer.code(),
                    r.payer_name.as_str(),
                    format!("demo:{id}"),
                    0i64,
                    None::<i64>,
                    false,
                    "",
                    0i64,
                    r.recorded_at
                ]
            })
            .collect();
        n += bulk::insert(tx, "dues_entries", COLUMNS, &values).await?;
    }
    crate::exec_tx!(tx, c => sqlx::query(
        "UPDATE dues_bills SET paid_fen = (SELECT COALESCE(SUM(e.amount_fen), 0) FROM dues_entries e \
         WHERE e.region_id = dues_bills.region_id AND e.member_id = dues_bills.member_id AND e.month = dues_bills.month) \
         WHERE region_id = $1")
        .bind(region_id).execute(c).await)?;
    Ok(n)
}
