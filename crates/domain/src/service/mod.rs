//! 做 (service and action): what members do, kept with its evidence and source.
//!
//! - [`pledge`]: 三亮三比 — labels (党员示范岗, 党员先锋岗, 共产党员户) by the org's 领域,
//!   each member's yearly public commitment (亮承诺) and its review, the 比 records.
//! - [`secondment`]: 三重三跨 挂职 — a cadre seconded for a term, reports, evaluation.
//! 做 (service and action, issue 14). Each kind of work members do is a module of its own.
//!
//! - [`taskforce`]: 大脚板走一线、小分队破难题 (A26) — projects with a leading cadre, a task
//!   force from several orgs, milestones, progress reports, closure; overdue milestones.
//! - [`weak_branch`]: 软弱涣散党组织整顿 (A19) — the yearly list, reasons and measures,
//!   rectification tasks with evidence and the parent's 验收, 销号, the 清零 rate.

pub mod pledge;
pub mod secondment;
pub mod taskforce;
pub mod weak_branch;
