//! 组织生活 storage: meetings and their records (记实) with attendance, QR sign-in, the
//! decisions of the 支部党员大会, attachments, corrections, and the yearly plans of the
//! 固定组织生活日, plus what the member portal and the secretary's to-do list read.
//!
//! Everything goes through [`Scoped`](crate::Scoped): a meeting, plan or correction is
//! reached through the path of the org that holds it, bound into the SQL. Every write
//! runs in one transaction with its audit record and the incremental refresh of the
//! rules engine ([`crate::orglife::check`]).
//!
//! - [`meeting`]: create, edit (within the correction window), cancel, roll,
//!   attendance, decisions, listing and the meeting page.
//! - [`signin`]: the time-limited QR sign-in.
//! - [`attachment`]: photos and PDFs under `DATA_DIR/attachments/<region>/`.
//! - [`correction`]: requests after the window and their approval by the parent.
//! - [`plan`]: the yearly plan, its way up and back, and the parent's overview.
//! - [`portal`]: the member's upcoming meetings, plan and attendance; the to-do list.

use crate::StoreError;
use vanguard_domain::Invalid;

/// The columns of `meetings`, in table order, each with its field type: the one list
/// that [`meeting::MeetingRecord`] (the stored row, and what bulk loads write) and the
/// reads' select list ([`meeting_cols`]) are generated from. `$then!` receives it.
macro_rules! meeting_columns {
    ($then:ident) => {
        $then! {
            region_id: i64,
            id: i64,
            org_id: i64,
            org_path: String,
            #[sqlx(try_from = "String")]
            meeting_type: MeetingType,
            /// An unknown stored status fails the read ([`StoreError::Corrupt`] naming `status`).
            #[sqlx(try_from = "String")]
            status: MeetingStatus,
            planned_at: Option<i64>,
            held_at: Option<i64>,
            held_on: Option<String>,
            place: String,
            host: String,
            recorder: String,
            lecturer: String,
            topic: String,
            content: String,
            minutes: String,
            is_secretary_lecture: bool,
            expected_count: i64,
            present_count: i64,
            excused_count: i64,
            absent_count: i64,
            signin_secret: Option<Vec<u8>>,
            signin_expires_at: Option<i64>,
            recorded_at: i64,
            version: i64,
            created_by: i64,
            created_at: i64,
            updated_at: i64,
        }
    };
}

/// `m.region_id, m.id, …, o.name AS org_name, o.kind AS org_kind` from [`meeting_columns`].
macro_rules! meeting_select_list {
    ($($(#[$a:meta])* $col:ident: $ty:ty,)*) => {
        concat!($("m.", stringify!($col), ", ",)* "o.name AS org_name, o.kind AS org_kind")
    };
}

/// What a read of a [`meeting::MeetingRow`] selects.
macro_rules! meeting_cols {
    () => {
        meeting_columns!(meeting_select_list)
    };
}

macro_rules! meeting_from {
    () => {
        " FROM meetings m JOIN orgs o ON o.region_id = m.region_id AND o.id = m.org_id"
    };
}

pub mod attachment;
pub mod bulk;
pub mod check;
pub mod correction;
pub mod leave;
pub mod meeting;
pub mod plan;
pub mod portal;
pub mod reminders;
pub mod signin;

pub use attachment::{ATTACHMENT_MAX_BYTES, AttachmentFile, AttachmentView, check_attachment, sniff_attachment};
pub use correction::{CorrectionFilter, CorrectionView};
pub use leave::LeaveView;
pub use meeting::{
    AttendanceMark, AttendanceView, DecisionInput, DecisionView, MeetingDetail, MeetingFilter, MeetingInput, MeetingPatch,
    MeetingRecord, MeetingRow, MeetingSummary, MeetingView, allowed_types,
};
pub use plan::{PlanEventView, PlanItemView, PlanOverview, PlanStatusRow, PlanView};
pub use portal::{MyAttendance, MyOrgLife, OrgLifeTodo, PlanDue};
pub use signin::{SigninCount, SigninOutcome, SigninTicket, qr_svg};

crate::platform::scope::feature_handle!(
    /// 组织生活: meetings, attendance, sign-in, attachments, corrections, plans and the portal's reads.
    OrgLife,
    orglife
);

pub(crate) use vanguard_domain::kernel::error::check_text;
pub(crate) use vanguard_domain::kernel::time::{
    DAY_MS, china_midnight_ms, china_time_text, date_text, parse_iso_date as parse_date,
};

/// A refusal by a state rule of the domain (a plan transition, a quorum) as a conflict
/// with the rule's own code; plain input errors stay a validation error.
pub(crate) fn as_conflict(inv: Invalid) -> StoreError {
    match inv.errors.first() {
        Some(e) => StoreError::Conflict { code: e.code, message: inv.to_string() },
        None => StoreError::Invalid(inv),
    }
}

/// Whether two byte strings are equal, in time independent of where they differ.
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_comparison() {
        assert!(same_bytes(b"abc", b"abc"));
        assert!(!same_bytes(b"abc", b"abd"));
        assert!(!same_bytes(b"abc", b"ab"));
    }
}
