//! 党员事务 (member affairs): the daily paperwork of a branch secretary on the 党员管理
//! 云平台 (`domain.md` §4.5, issue 13). Each kind of affair is a module of its own.
//!
//! - [`dues`]: 党费 — categories and bases with their history, the amount by the 2008
//!   rules, the months a member owes, the ledger (bills, payments, reversals), 补交 and
//!   arrears. Its numbers are [`dues::DuesRules`], part of
//!   [`crate::kernel::rules::RuleSet`].
//! - [`dues_relief`]: 党费减免 — application, the branch's study, the parent's approval.
//! - [`election`]: 换届选举 — the request (or delay ≤ 1 year), the vote, the committee,
//!   the 上级's approval of the 书记.
//! - [`recruit`]: 发展党员 — the 25-step table ([`recruit::RecruitRules`]), the checks of
//!   each step, the 预备期 and its findings.
//! - [`transfer`]: 组织关系接转 — the 介绍信, its validity and states, timeouts.
//! - [`mobile`]: 流动党员 — registration, the 活动证, the e支部, the transfer after 6 months.
//! - [`lost_contact`]: 失联党员 — searches, 停止党籍, 除名, 恢复.

pub mod dues;
pub mod dues_relief;
pub mod election;
pub mod lost_contact;
pub mod mobile;
pub mod recruit;
pub mod transfer;
