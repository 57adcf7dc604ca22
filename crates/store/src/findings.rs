//! The rules engine's persisted side: findings with their history, per-org compliance
//! aggregates, incremental refresh after a record changes, and the full recompute.
//!
//! (Being implemented: the functions below are the contract the meeting and plan code
//! calls inside its own transaction.)

use crate::{Db, StoreResult, Tx};

/// Refreshes the compliance rows and findings of the org that held a meeting and of the
/// members on its roll, inside the meeting's transaction. Touches only that org's and
/// those members' rows — never an ancestor's.
pub async fn refresh_after_meeting(_tx: &mut Tx, _db: &Db, _region_id: i64, _org_id: i64, _member_ids: &[i64]) -> StoreResult<()> {
    Ok(())
}

/// Refreshes the findings of an org after its annual plan changed state.
pub async fn refresh_after_plan(_tx: &mut Tx, _db: &Db, _region_id: i64, _org_id: i64) -> StoreResult<()> {
    Ok(())
}
