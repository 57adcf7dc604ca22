//! 党员事务 storage. Each affair is a module with its own handle on [`Scoped`](crate::Scoped):
//!
//! - [`dues`]: 党费 — bases with their history, bills generated in bulk for a subtree,
//!   the append-only ledger of payments and reversals (idempotent by request key), the
//!   gateway's orders, and the monthly report. Rules: `domain::affairs::dues`.
//! - [`dues_bulk`]: bases and payments in bulk, for the demo.
//! - [`dues_relief`]: 党费减免 — application, the branch's study, the parent's approval.
//! - [`dues_probe`]: the reads of the 党费 benchmark.
//! - [`dues_check`]: arrears as findings of the rules engine (the daily check and each
//!   payment's transaction).

pub mod dues;
pub mod dues_bulk;
pub mod dues_check;
pub mod dues_probe;
pub mod dues_relief;

pub use dues::{
    BaseView, BillFilter, BillView, Dues, DuesReport, EntryView, GenerateOutcome, MemberDues, OrderView, Receipt, ReportRow,
};
pub use dues_relief::ReliefView;
