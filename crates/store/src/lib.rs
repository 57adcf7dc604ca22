//! Storage for Vanguard: one [`Db`] handle over SQLite (the embedded default) or
//! PostgreSQL (production), with each query's SQL written once.
//!
//! Every query of org-owned data goes through [`Scoped`], which is built from a
//! [`Scope`] and adds the caller's subtree to the query's `WHERE`. Outside the scope an
//! object is simply not found. Unscoped access exists only as [`Scope::system`], for the
//! CLI and background jobs.

pub mod account;
pub mod audit;
pub mod cockpit;
pub mod crypto;
pub mod db;
pub mod demo;
pub mod demo_history;
pub mod error;
pub mod findings;
pub mod ids;
pub mod member;
pub mod org;
pub mod orglife;
pub mod point;
pub mod roster;
pub mod rules;
pub mod schema;
pub mod scope;
pub mod testkit;

pub use db::{Backend, Clock, Db, Tx};
pub use error::{StoreError, StoreResult};
pub use scope::{Actor, Scope, Scoped};
