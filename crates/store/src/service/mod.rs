//! 做 (service and action) storage. Each part is a module with its own handle on
//! [`Scoped`](crate::Scoped):
//!
//! - [`pledge`]: 三亮三比 — labels, yearly commitments with their review and 践诺评议, the
//!   比 records (with their source, for the 锋领指数), the org's choice to publish, the
//!   public page, and the missing-commitment findings.
//! - [`secondment`]: 三重三跨 挂职 — secondments, reports, end and evaluation, counts per
//!   year, overdue-report findings.
//! 做 (service and action) storage. Each kind of work is a module with its own handle on
//! [`Scoped`](crate::Scoped):
//!
//! - [`taskforce`]: 大脚板走一线、小分队破难题 — projects, their task force from several
//!   orgs (the project is visible under every org involved), milestones, reports,
//!   closure; overdue milestones as findings of the leading org.
//! - [`weak_branch`]: 软弱涣散整顿 — the yearly list with reasons and measures, tasks with
//!   evidence and the parent's 验收, 销号, the 清零 rate per subtree; overdue tasks as
//!   findings of the branch.

pub mod pledge;
pub mod secondment;
pub mod taskforce;
pub mod weak_branch;
