//! 组织生活 storage: meetings and their records (记实) with attendance, QR sign-in, the
//! decisions of the 支部党员大会, attachments, corrections, and the yearly plans of the
//! 固定组织生活日, plus what the member portal and the secretary's to-do list read.
//!
//! Everything goes through [`Scoped`](crate::Scoped): a meeting, plan or correction is
//! reached through the path of the org that holds it, bound into the SQL. Every write
//! runs in one transaction with its audit record and the incremental refresh of the
//! rules engine ([`crate::findings`]).
//!
//! - [`meeting`]: create, edit (within the correction window), cancel, roll,
//!   attendance, decisions, listing and the meeting page.
//! - [`signin`]: the time-limited QR sign-in.
//! - [`attachment`]: photos and PDFs under `DATA_DIR/attachments/<region>/`.
//! - [`correction`]: requests after the window and their approval by the parent.
//! - [`plan`]: the yearly plan, its way up and back, and the parent's overview.
//! - [`portal`]: the member's upcoming meetings, plan and attendance; the to-do list.

use crate::StoreError;
use chrono::NaiveDate;
use serde::{Deserialize, Deserializer};
use vanguard_domain::{FieldError, Invalid};

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
pub mod correction;
pub mod meeting;
pub mod plan;
pub mod portal;
pub mod signin;

pub use attachment::{ATTACHMENT_MAX_BYTES, AttachmentFile, AttachmentView, sniff_attachment};
pub use correction::{CorrectionFilter, CorrectionView};
pub use meeting::{
    AttendanceMark, AttendanceView, DecisionInput, DecisionView, MeetingDetail, MeetingFilter, MeetingInput, MeetingPatch,
    MeetingRow, MeetingSummary, MeetingView, allowed_types,
};
pub use plan::{PlanEventView, PlanItemView, PlanOverview, PlanStatusRow, PlanView};
pub use portal::{MyAttendance, MyOrgLife, OrgLifeTodo, PlanDue};
pub use signin::{SigninOutcome, SigninTicket, qr_svg};

pub(crate) use vanguard_domain::{DAY_MS, china_midnight_ms};
const CHINA_OFFSET_MS: i64 = vanguard_domain::CHINA_OFFSET_SECONDS as i64 * 1000;

/// `YYYY-MM-DD`.
pub(crate) fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    vanguard_domain::member::parse_iso_date(s)
}

/// Parses a China wall-clock time (`2026-03-05T09:30`, `2026-03-05 09:30[:00]`, as a
/// `datetime-local` form field sends it) or an RFC 3339 instant into epoch ms.
pub fn parse_china_datetime(s: &str) -> Option<i64> {
    let s = s.trim();
    for fmt in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t.and_utc().timestamp_millis() - CHINA_OFFSET_MS);
        }
    }
    chrono::DateTime::parse_from_rfc3339(s).ok().map(|t| t.timestamp_millis())
}

/// `2026-03-05 09:30` in China time.
pub fn china_time_text(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms + CHINA_OFFSET_MS)
        .map(|t| t.naive_utc().format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// Deserializes an optional time given as epoch ms or as China wall-clock text.
pub(crate) fn de_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum T {
        Ms(i64),
        Text(String),
    }
    match Option::<T>::deserialize(d)? {
        None => Ok(None),
        Some(T::Ms(ms)) => Ok(Some(ms)),
        Some(T::Text(s)) if s.trim().is_empty() => Ok(None),
        Some(T::Text(s)) => parse_china_datetime(&s).map(Some).ok_or_else(|| {
            serde::de::Error::custom(format!("时间“{s}”格式不正确，应为 YYYY-MM-DDTHH:MM（北京时间）或毫秒时间戳"))
        }),
    }
}

/// Checks a free text's length (in characters); `required` also refuses a blank one.
pub(crate) fn check_text(inv: &mut Invalid, field: &'static str, label: &str, value: &str, max: usize, required: bool) {
    let len = value.trim().chars().count();
    if required && len == 0 {
        inv.push(FieldError::new(field, "text.required", format!("请填写{label}")));
    } else if len > max {
        inv.push(FieldError::new(field, "text.too_long", format!("{label}不能超过{max}个字")));
    }
}

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
    fn china_wall_clock_times_round_trip() {
        let ms = parse_china_datetime("2026-03-05T09:30").unwrap();
        assert_eq!(china_time_text(ms), "2026-03-05 09:30");
        assert_eq!(vanguard_domain::china_date(ms), NaiveDate::from_ymd_opt(2026, 3, 5).unwrap());
        assert_eq!(parse_china_datetime("2026-03-05 09:30:00"), Some(ms));
        assert_eq!(parse_china_datetime("2026-03-05T01:30:00Z"), Some(ms));
        assert_eq!(parse_china_datetime("明天"), None);
        let d = NaiveDate::from_ymd_opt(2026, 3, 5).unwrap();
        assert_eq!(vanguard_domain::china_date(china_midnight_ms(d)), d);
        assert_eq!(vanguard_domain::china_date(china_midnight_ms(d) - 1), d.pred_opt().unwrap());
    }

    #[test]
    fn byte_comparison() {
        assert!(same_bytes(b"abc", b"abc"));
        assert!(!same_bytes(b"abc", b"abd"));
        assert!(!same_bytes(b"abc", b"ab"));
    }
}
