//! Bulk loads of points events (the demo's month of activity). The totals and rank
//! buckets are then rebuilt from the events by [`super::Learning::check_points`].

use crate::platform::bulk::{self, bulk_row};
use crate::platform::ids;
use crate::{StoreResult, Tx};
use vanguard_domain::kernel::time::{china_date, date_text};
use vanguard_domain::learning::PointsAction;

/// One points event to load, its points already awarded by the rules.
#[derive(Debug, Clone)]
pub struct EventRecord {
    pub member_id: i64,
    pub org_path: String,
    pub action: PointsAction,
    pub units: u32,
    pub points: u32,
    pub at: i64,
    pub source: String,
}

/// Inserts events; returns how many.
pub async fn insert_events(tx: &mut Tx, region_id: i64, rows: &[EventRecord]) -> StoreResult<u64> {
    let rows: Vec<_> = rows
        .iter()
        .map(|e| {
            bulk_row![
                region_id,
                ids::next(),
                e.member_id,
                e.org_path.as_str(),
                e.action.code(),
                i64::from(e.units),
                i64::from(e.points),
                e.at,
                date_text(china_date(e.at)),
                e.source.as_str()
            ]
        })
        .collect();
    bulk::insert(
        tx,
        "learning_points_events",
        &["region_id", "id", "member_id", "org_path", "action", "units", "points", "occurred_at", "day", "source"],
        &rows,
    )
    .await
}
