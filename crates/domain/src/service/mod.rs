//! 做 (service and action, issue 14). Each kind of work members do is a module of its own.
//!
//! - [`taskforce`]: 大脚板走一线、小分队破难题 (A26) — projects with a leading cadre, a task
//!   force from several orgs, milestones, progress reports, closure; overdue milestones.
//! - [`weak_branch`]: 软弱涣散党组织整顿 (A19) — the yearly list, reasons and measures,
//!   rectification tasks with evidence and the parent's 验收, 销号, the 清零 rate.

pub mod taskforce;
pub mod weak_branch;
