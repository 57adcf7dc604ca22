//! What every feature shares: labelled enums, China time and calendar periods, paging,
//! money in 分, validation errors, the auth policy (roles, permissions, reach and the
//! login rules), the audit record's canonical bytes, the versioned rule set, and the
//! findings every rules engine produces.

#[macro_use]
mod labels;

pub mod audit;
pub mod auth;
pub mod error;
pub mod finding;
pub mod money;
pub mod paging;
pub mod period;
pub mod rules;
pub mod time;
pub mod upload;

pub use labels::UnknownCode;
