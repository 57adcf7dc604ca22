//! 党员事务 storage. Each affair is a module with its own handle on [`Scoped`](crate::Scoped):
//!
//! - [`dues`]: 党费 — bases with their history, bills generated in bulk for a subtree,
//!   the append-only ledger of payments and reversals (idempotent by request key), the
//!   gateway's orders, and the monthly report. Rules: `domain::affairs::dues`.
//! - [`dues_bulk`]: bases and payments in bulk, for the demo.
//! - [`dues_relief`]: 党费减免 — application, the branch's study, the parent's approval.
//! - [`election`]: 换届选举 — the request to the 上级, the vote, the committee, the
//!   书记's approval that restarts the term.
//! - [`recruit`]: 发展党员 — applicants' files moved through the 25 steps, the parent's
//!   approvals, and the 支部党员大会's votes arriving through the hooks.
//! - [`recruit_check`]: steps overdue and 预备期 ending as findings of the rules engine.
//! - [`transfer`]: 组织关系接转 — letters, approval, acceptance across regions, 回执, timeouts.
//! - [`mobile`]: 流动党员 — registrations, the 活动证, the e支部's attendance (read by the
//!   组织生活 engine), the transfer after 6 months.
//! - [`lost_contact`]: 失联党员 — cases, searches, 停止党籍/除名 by branch and parent, 恢复.
//! - [`dues_probe`]: the reads of the 党费 benchmark.
//! - [`dues_check`]: arrears as findings of the rules engine (the daily check and each
//!   payment's transaction).

pub mod dues;
pub mod dues_bulk;
pub mod dues_check;
pub mod dues_probe;
pub mod dues_relief;
pub mod election;
pub mod lost_contact;
pub mod mobile;
pub mod recruit;
pub mod recruit_check;
pub mod transfer;

pub use dues::{
    BaseView, BillFilter, BillView, Dues, DuesReport, EntryView, GenerateOutcome, MemberDues, OrderView, Receipt, ReportRow,
};
pub use dues_relief::ReliefView;
pub use election::{CandidateView, ElectionView, Elections};
pub use lost_contact::{LostCase, LostCounts, LostEventView, LostView};
pub use mobile::{EBranch, MobileAttendanceView, MobileMark, MobileView};
pub use recruit::{RecruitDetail, RecruitFileView, RecruitOutcomeView, RecruitQueue, RecruitStepView};
pub use transfer::{TransferBox, TransferDecision, TransferView, Transfers};
