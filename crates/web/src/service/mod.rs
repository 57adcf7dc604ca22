//! 做 (service and action): routes, JSON API and pages.
//!
//! - 三亮三比: `pledge_routes.rs`, `pledge_api.rs` (`/api/v1/pledges/…`), `pledge_pages.rs`
//!   (`/orgs/{id}/pledges`, the portal's `/m/pledge`, the public `/public/orgs/{id}/pledges`).
//! - 挂职: `secondment_routes.rs`, `secondment_api.rs` (`/api/v1/secondments/…`),
//!   `secondment_pages.rs` (`/orgs/{id}/secondments`, `/secondments/{id}`).
//! 做 (service and action): each kind of work with its routes, JSON API and pages.
//!
//! - 攻坚项目 (`taskforce.rs`): `/api/v1/taskforces/…`, `/orgs/{id}/taskforces`, `/taskforces/{id}`.
//! - 软弱涣散整顿 (`weak_branch.rs`): `/api/v1/weak-branches/…`, `/api/v1/weak-tasks/…`,
//!   `/orgs/{id}/weak-branches` (the 清零 rate with drill-down), `/weak-branches/{id}`.

pub mod pledge_api;
pub mod pledge_pages;
pub mod pledge_routes;
pub mod secondment_api;
pub mod secondment_pages;
pub mod secondment_routes;
pub mod taskforce;
pub mod weak_branch;
