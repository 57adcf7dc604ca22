//! Storage for Vanguard: one [`Db`] handle over SQLite (the embedded default) or
//! PostgreSQL (production), with each query's SQL written once.
//!
//! [`platform`] is what every feature stands on: the database handle and its
//! per-backend macros (crate-private), point reads, the scope, field encryption, the
//! audit chain, ids, bounded file readers and writers, migrations and change hooks.
//! Each feature folder holds its SQL and nothing else: rows in, domain values out.
//!
//! Every query of org-owned data goes through [`Scoped`], which is built from a
//! [`Scope`] and adds the caller's subtree to the query's `WHERE`. Outside the scope an
//! object is simply not found. Unscoped access exists only as [`Scope::system`], for the
//! CLI and background jobs.

#[macro_use]
pub mod platform;

pub mod account;
pub mod affairs;
pub mod cockpit;
pub mod learning;
pub mod member;
pub mod notify;
pub mod org;
pub mod orglife;
pub mod service;

pub use platform::db::{Clock, Db, Tx};
pub(crate) use platform::db::{exec_read, exec_tx, on_tx, read};
pub use platform::error::{StoreError, StoreResult};
pub(crate) use platform::point::{point_read, sqlite_row};
pub use platform::scope::{Actor, Scope, Scoped};

/// Every feature's reaction to changes published on the hooks ([`platform::hooks`]), in
/// the order they run: one line per feature that derives rows from another's facts.
pub(crate) const SUBSCRIBERS: &[platform::hooks::Subscriber] =
    &[orglife::check::on_change, learning::points::on_change, affairs::recruit::on_change, learning::hours::on_change];

/// The full checks of every rules engine besides 组织生活's ([`platform::engines`]), in the
/// order `vanguard check` and the daily check run them: one line per feature.
pub(crate) const ENGINES: &[platform::engines::Engine] = &[
    affairs::dues_check::check_region,
    affairs::recruit_check::check_region,
    affairs::transfer::check_region,
    affairs::mobile::check_region,
    affairs::lost_contact::check_region,
    service::pledge::check_region,
    service::secondment::check_region,
    service::weak_branch::check_region,
    service::taskforce::check_region,
    learning::hours::check_region,
];
