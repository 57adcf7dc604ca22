//! The full checks of the rules engines other than 组织生活's: each feature that judges
//! facts into findings (学时 pace, 党费 arrears, transfer timeouts, coverage …) registers
//! one function in [`crate::ENGINES`]; `vanguard check` and the server's daily check run
//! them all after the 组织生活 recompute (`orglife::check::check_region`).

use crate::platform::findings::Reconciled;
use crate::{Db, StoreResult};
use chrono::NaiveDate;
use std::future::Future;
use std::pin::Pin;

/// What one engine's full check did.
#[derive(Debug, Clone, Default)]
pub struct EngineRun {
    /// The engine's Chinese name, for the summary (`学习`, `党费` …).
    pub name: &'static str,
    pub subjects: u64,
    pub changes: Reconciled,
    pub seconds: f64,
}

/// An engine's full check of one region as of a day.
pub type EngineFuture<'a> = Pin<Box<dyn Future<Output = StoreResult<EngineRun>> + Send + 'a>>;
pub type Engine = for<'a> fn(&'a Db, i64, NaiveDate) -> EngineFuture<'a>;

/// Runs every registered engine over a region, in order.
pub async fn run_all(db: &Db, region_id: i64, as_of: NaiveDate) -> StoreResult<Vec<EngineRun>> {
    let mut out = Vec::new();
    for engine in crate::ENGINES {
        out.push(engine(db, region_id, as_of).await?);
    }
    Ok(out)
}
