//! 党员事务 (member affairs): the daily paperwork of a branch secretary on the 党员管理
//! 云平台 (`domain.md` §4.5, issue 13). Each kind of affair is a module of its own.
//!
//! - [`dues`]: 党费 — categories and bases with their history, the amount by the 2008
//!   rules, the months a member owes, the ledger (bills, payments, reversals), 补交 and
//!   arrears. Its numbers are [`dues::DuesRules`], part of
//!   [`crate::kernel::rules::RuleSet`].
//! - [`dues_relief`]: 党费减免 — application, the branch's study, the parent's approval.
//! - [`mobile`]: 流动党员 — registration, the 活动证, the e支部, the transfer after 6 months.
//! - [`lost_contact`]: 失联党员 — searches, 停止党籍, 除名, 恢复.

pub mod dues;
pub mod dues_relief;
pub mod lost_contact;
pub mod mobile;
