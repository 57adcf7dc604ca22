//! 做 (service and action) storage. Each kind of work is a module with its own handle on
//! [`Scoped`](crate::Scoped):
//!
//! - [`taskforce`]: 大脚板走一线、小分队破难题 — projects, their task force from several
//!   orgs (the project is visible under every org involved), milestones, reports,
//!   closure; overdue milestones as findings of the leading org.
//! - [`weak_branch`]: 软弱涣散整顿 — the yearly list with reasons and measures, tasks with
//!   evidence and the parent's 验收, 销号, the 清零 rate per subtree; overdue tasks as
//!   findings of the branch.

pub mod taskforce;
pub mod weak_branch;
