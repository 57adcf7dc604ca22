//! Vanguard's pure domain core: the rules of party organization, membership and
//! access, with no I/O, no async and no knowledge of storage or HTTP.
//!
//! [`kernel`] holds what every feature shares (labelled enums, China time and periods,
//! paging, money, validation errors, the auth policy, the versioned rule set, findings).
//! Each feature keeps its name in every layer: [`org`] (组织), [`member`] (党员),
//! [`orglife`] (组织生活), [`cockpit`] (驾驶舱), [`affairs`] (党员事务: 党费 first), [`learning`] (学).
//! Regulation numbers live in [`kernel::rules::RuleSet`], never in scattered constants.

#[macro_use]
pub mod kernel;

pub mod affairs;
pub mod cockpit;
pub mod learning;
pub mod member;
pub mod notify;
pub mod org;
pub mod orglife;
pub mod service;

pub use kernel::error::{FieldError, Invalid};
