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

macro_rules! meeting_cols {
    () => {
        "m.region_id, m.id, m.org_id, m.org_path, m.meeting_type, m.status, m.planned_at, m.held_at, m.held_on, m.place, m.host, \
         m.recorder, m.lecturer, m.topic, m.content, m.minutes, m.is_secretary_lecture, m.expected_count, m.present_count, \
         m.excused_count, m.absent_count, m.signin_secret, m.signin_expires_at, m.recorded_at, m.version, m.created_by, \
         m.created_at, m.updated_at, o.name AS org_name, o.kind AS org_kind"
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
    MeetingRow, MeetingSummary, MeetingView, allowed_types,
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
