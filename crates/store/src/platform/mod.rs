//! What every feature's storage stands on.
//!
//! - [`db`]: [`Db`](db::Db) (the pools of one backend), [`Tx`](db::Tx), and the
//!   crate-private macros that run one SQL text on either backend.
//! - [`point`]: reads of one row by key on the calling thread (SQLite).
//! - [`scope`]: the one mechanism that confines data to the caller's subtree.
//! - [`files`]: the data directory's files kept private (0700/0600).
//! - [`backup`]: consistent online backups of a SQLite database, and checking a restore.
//! - [`distribute`]: the one table list that places the schema on a Citus cluster.
//! - [`xlsx`]: the one .xlsx writer (bounded memory, streamed exports).
//! - [`crypto`], [`audit`], [`ids`], [`rules`], [`schema`], [`error`].

#[macro_use]
pub mod db;
#[macro_use]
pub mod point;
pub mod paging;
pub mod probe;
pub(crate) mod query;

pub mod alerts;
pub mod audit;
pub mod backup;
pub mod bulk;
pub mod crypto;
pub mod distribute;
pub mod engines;
pub mod error;
pub mod files;
pub mod findings;
pub mod hooks;
pub mod ids;
pub mod refusals;
pub mod rules;
pub mod schema;
pub mod scope;
pub mod upload;
pub mod xlsx;
