//! 做 (service and action): what members do, kept with its evidence and source.
//!
//! - [`pledge`]: 三亮三比 — labels (党员示范岗, 党员先锋岗, 共产党员户) by the org's 领域,
//!   each member's yearly public commitment (亮承诺) and its review, the 比 records.
//! - [`secondment`]: 三重三跨 挂职 — a cadre seconded for a term, reports, evaluation.

pub mod pledge;
pub mod secondment;
