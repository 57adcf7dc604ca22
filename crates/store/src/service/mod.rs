//! 做 (service and action) storage. Each part is a module with its own handle on
//! [`Scoped`](crate::Scoped):
//!
//! - [`pledge`]: 三亮三比 — labels, yearly commitments with their review and 践诺评议, the
//!   比 records (with their source, for the 锋领指数), the org's choice to publish, the
//!   public page, and the missing-commitment findings.
//! - [`secondment`]: 三重三跨 挂职 — secondments, reports, end and evaluation, counts per
//!   year, overdue-report findings.

pub mod pledge;
pub mod secondment;
