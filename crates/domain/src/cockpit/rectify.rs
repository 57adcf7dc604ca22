//! 整改闭环: closing a finding's loop by hand. The branch responds with its 整改措施, an
//! explanation and evidence; the parent accepts it (整改通过) or returns it with a reason
//! (退回), and may press for action (督办) while nothing acceptable has come. Pure: the
//! store keeps the state and the history.

use crate::Invalid;
use crate::kernel::error::check_text;

labelled_enum! {
    /// Where a finding's 整改 stands.
    pub enum RectifyState {
        /// 待整改: nothing submitted yet (no row stored).
        Open = ("open", "待整改"),
        /// 督办中: the parent pressed for action.
        Urged = ("urged", "督办中"),
        /// 待审核: the branch responded; the parent decides.
        Responded = ("responded", "待上级审核"),
        /// 已退回: the parent asked for more.
        Returned = ("returned", "已退回"),
        /// 整改通过: closed.
        Accepted = ("accepted", "整改通过"),
    }
}

labelled_enum! {
    /// What someone does to a finding's 整改.
    pub enum RectifyAction {
        Respond = ("respond", "提交整改"),
        Accept = ("accept", "整改通过"),
        Return = ("return", "退回"),
        Urge = ("urge", "督办"),
    }
}

/// Longest 整改措施, explanation or evidence note, in characters.
pub const RECTIFY_TEXT_MAX: usize = 1000;

/// One step as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RectifyInput {
    pub measure: String,
    pub explanation: String,
    pub evidence: String,
}

/// Who acts: the finding's own org (the branch) or an org above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Own,
    Parent,
}

/// The state after `action` by `side` on a finding in `state`, with the input checked;
/// an action that does not fit is refused with the reason.
pub fn rectify(state: RectifyState, action: RectifyAction, side: Side, input: &RectifyInput) -> Result<RectifyState, Invalid> {
    use RectifyAction::*;
    use RectifyState::*;
    let refuse = |msg: &str| Err(Invalid::one("action", "rectify.action", msg.to_string()));
    let next = match (action, side, state) {
        (_, _, Accepted) => return refuse("整改已通过，无需再办理"),
        (Respond, Side::Own, Open | Urged | Returned) => Responded,
        (Respond, Side::Own, Responded) => return refuse("整改情况已提交，正等待上级审核"),
        (Respond, Side::Parent, _) => return refuse("整改情况由问题所在党组织提交；上级党组织可督办或审核"),
        (Accept | Return, Side::Parent, Responded) => {
            if action == Accept {
                Accepted
            } else {
                Returned
            }
        }
        (Accept | Return, Side::Parent, _) => return refuse("尚未提交整改情况，暂不能审核；可先督办"),
        (Accept | Return, Side::Own, _) => return refuse("整改情况由上级党组织审核"),
        (Urge, Side::Parent, Open | Urged | Returned) => Urged,
        (Urge, Side::Parent, Responded) => return refuse("整改情况已提交，请审核"),
        (Urge, Side::Own, _) => return refuse("督办由上级党组织发出"),
    };
    let mut inv = Invalid::default();
    let (measure, explanation) = match action {
        Respond => (true, false),
        Return | Urge => (false, true),
        Accept => (false, false),
    };
    check_text(&mut inv, "measure", "整改措施", &input.measure, RECTIFY_TEXT_MAX, measure);
    let why = match action {
        Return => "退回理由",
        Urge => "督办要求",
        _ => "情况说明",
    };
    check_text(&mut inv, "explanation", why, &input.explanation, RECTIFY_TEXT_MAX, explanation);
    check_text(&mut inv, "evidence", "佐证材料说明", &input.evidence, RECTIFY_TEXT_MAX, false);
    if inv.is_empty() { Ok(next) } else { Err(inv) }
}

#[cfg(test)]
mod tests {
    use super::RectifyAction::*;
    use super::RectifyState::*;
    use super::*;

    fn input(measure: &str, explanation: &str) -> RectifyInput {
        RectifyInput { measure: measure.into(), explanation: explanation.into(), evidence: String::new() }
    }

    #[test]
    fn the_branch_responds_with_a_measure() {
        assert_eq!(rectify(Open, Respond, Side::Own, &input("12月15日补开主题党日", "")), Ok(Responded));
        assert!(rectify(Open, Respond, Side::Own, &input("", "")).unwrap_err().has("text.required"));
    }

    #[test]
    fn the_parent_accepts_or_returns_a_response() {
        assert_eq!(rectify(Responded, Accept, Side::Parent, &input("", "")), Ok(Accepted));
        assert_eq!(rectify(Responded, Return, Side::Parent, &input("", "请附会议记录")), Ok(Returned));
        assert!(rectify(Responded, Return, Side::Parent, &input("", "")).is_err(), "a return says why");
    }

    #[test]
    fn a_returned_finding_is_answered_again() {
        assert_eq!(rectify(Returned, Respond, Side::Own, &input("已补充会议记录", "")), Ok(Responded));
    }

    #[test]
    fn the_parent_presses_for_action_until_a_response_comes() {
        assert_eq!(rectify(Open, Urge, Side::Parent, &input("", "请于月底前整改")), Ok(Urged));
        assert_eq!(rectify(Urged, Respond, Side::Own, &input("已整改", "")), Ok(Responded));
        assert!(rectify(Responded, Urge, Side::Parent, &input("", "快")).is_err());
    }

    #[test]
    fn each_side_does_only_its_own_steps() {
        assert!(rectify(Open, Respond, Side::Parent, &input("x", "")).is_err());
        assert!(rectify(Responded, Accept, Side::Own, &input("", "")).is_err());
        assert!(rectify(Open, Urge, Side::Own, &input("", "x")).is_err());
    }

    #[test]
    fn an_accepted_finding_is_closed() {
        for a in [Respond, Accept, Return, Urge] {
            for side in [Side::Own, Side::Parent] {
                assert!(rectify(Accepted, a, side, &input("x", "x")).is_err());
            }
        }
    }
}
