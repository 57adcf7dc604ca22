//! 请假 asked online: a member asks for leave from an upcoming meeting with a reason; the
//! branch approves it (the attendance then shows 请假 with that reason) or declines it
//! with a note. Pure: the store keeps the requests.

use crate::Invalid;
use crate::kernel::error::check_text;

/// Longest reason or note, in characters (the attendance reason's limit).
pub const LEAVE_TEXT_MAX: usize = super::record::REASON_MAX;

labelled_enum! {
    /// Where a leave request stands.
    pub enum LeaveState {
        Pending = ("pending", "待审批"),
        Approved = ("approved", "已批准"),
        Rejected = ("rejected", "未批准"),
    }
}

/// What the meeting and the member's line in it look like when leave is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaveContext {
    /// The meeting is still planned (not held, not cancelled).
    pub planned: bool,
    /// The member is on its roll (应到).
    pub on_roll: bool,
    /// A request of the member's for it is pending or approved.
    pub already: bool,
}

/// Checks a member's request.
pub fn check_request(ctx: LeaveContext, reason: &str) -> Result<(), Invalid> {
    if !ctx.planned {
        return Err(Invalid::one("meeting", "leave.not_planned", "会议已召开或已取消，不能再请假；如有情况请联系支部"));
    }
    if !ctx.on_roll {
        return Err(Invalid::one("meeting", "leave.not_on_roll", "您不在本次会议的应到人员名单中，无需请假"));
    }
    if ctx.already {
        return Err(Invalid::one("meeting", "leave.already", "您已为本次会议请假，请等待支部审批"));
    }
    let mut inv = Invalid::default();
    check_text(&mut inv, "reason", "请假原因", reason, LEAVE_TEXT_MAX, true);
    inv.into_result(())
}

/// The state after the branch's decision; declining says why.
pub fn decide(state: LeaveState, approve: bool, note: &str) -> Result<LeaveState, Invalid> {
    if state != LeaveState::Pending {
        return Err(Invalid::one("state", "leave.decided", format!("该请假申请已{}", state.label())));
    }
    let mut inv = Invalid::default();
    check_text(&mut inv, "note", "不批准的理由", note, LEAVE_TEXT_MAX, !approve);
    inv.into_result(if approve { LeaveState::Approved } else { LeaveState::Rejected })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: LeaveContext = LeaveContext { planned: true, on_roll: true, already: false };

    #[test]
    fn a_member_on_the_roll_asks_leave_from_a_planned_meeting_with_a_reason() {
        assert!(check_request(OK, "出差").is_ok());
        assert!(check_request(OK, " ").unwrap_err().has("text.required"));
    }

    #[test]
    fn no_leave_from_a_held_or_cancelled_meeting() {
        assert!(check_request(LeaveContext { planned: false, ..OK }, "出差").unwrap_err().has("leave.not_planned"));
    }

    #[test]
    fn no_leave_for_someone_not_on_the_roll() {
        assert!(check_request(LeaveContext { on_roll: false, ..OK }, "出差").unwrap_err().has("leave.not_on_roll"));
    }

    #[test]
    fn one_request_per_meeting() {
        assert!(check_request(LeaveContext { already: true, ..OK }, "出差").unwrap_err().has("leave.already"));
    }

    #[test]
    fn the_branch_approves_or_declines_with_a_note_once() {
        assert_eq!(decide(LeaveState::Pending, true, ""), Ok(LeaveState::Approved));
        assert!(decide(LeaveState::Pending, false, "").is_err());
        assert_eq!(decide(LeaveState::Pending, false, "当天须表决，请参加"), Ok(LeaveState::Rejected));
        assert!(decide(LeaveState::Approved, true, "").unwrap_err().has("leave.decided"));
    }
}
