//! 做 (service and action): each kind of work with its routes, JSON API and pages.
//!
//! - 攻坚项目 (`taskforce.rs`): `/api/v1/taskforces/…`, `/orgs/{id}/taskforces`, `/taskforces/{id}`.
//! - 软弱涣散整顿 (`weak_branch.rs`): `/api/v1/weak-branches/…`, `/api/v1/weak-tasks/…`,
//!   `/orgs/{id}/weak-branches` (the 清零 rate with drill-down), `/weak-branches/{id}`.

pub mod taskforce;
pub mod weak_branch;
