//! 组织关系接转 (transfer of a member's organizational relationship; `domain.md` §4.8).
//! Pure: the store keeps the transfers and moves the member through the member feature.
//!
//! The states: 发起 ([`TransferState::Initiated`], waiting for the 转出审批) → 在途
//! (the 介绍信 issued, with its number and validity) → 已接收 (the receiving org accepted;
//! the member moved on that date and its 回执 went back) → 完成 (the issuing side has
//! the 回执). Side exits: 退回 (the 转出审批 sends it back to the initiator, with a reason),
//! 撤回 (the sender takes it back before it is accepted), 拒接 (the receiver declines,
//! with a reason the receiving org's parent sees), 已过期 (the letter lapsed: the sender
//! re-issues it with a new number and validity, or withdraws it). The sender stays
//! responsible for the member until the receiver accepts.
//!
//! To an org outside the platform (by name), the sending side records the 回执 it got
//! back: that completes the transfer and the member leaves the roster as 组织关系转出.

use crate::kernel::error::{FieldError, Invalid, check_text};
use crate::kernel::finding::{Finding, Severity, Subject};
use crate::kernel::period::{Period, PeriodKind};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

labelled_enum! {
    /// Where a transfer stands.
    pub enum TransferState {
        /// 发起: waiting for the sending side's 转出审批.
        Initiated = ("initiated", "待转出审批"),
        /// 在途: the 介绍信 is issued and waits for the receiving org.
        InTransit = ("in_transit", "在途"),
        /// 接收: the receiving org accepted; the 回执 is on its way back.
        Accepted = ("accepted", "已接收"),
        /// 完成: the issuing side holds the 回执.
        Completed = ("completed", "已完成"),
        /// 退回 by the 转出审批, with a reason.
        Returned = ("returned", "已退回"),
        /// 撤回 by the sender.
        Withdrawn = ("withdrawn", "已撤回"),
        /// 拒接 by the receiving org, with a reason its parent sees.
        Refused = ("refused", "被拒接"),
        /// The letter lapsed before it was accepted.
        Expired = ("expired", "已过期"),
    }
}

impl TransferState {
    /// Whether nothing more can happen to the transfer.
    pub fn is_closed(self) -> bool {
        matches!(self, Self::Completed | Self::Returned | Self::Withdrawn | Self::Refused)
    }
}

labelled_enum! {
    /// Where the member goes: within the city's platform or to another place.
    pub enum TransferReach {
        /// 市内: an org of the platform (any district).
        InCity = ("in_city", "市内转接"),
        /// 市外: an org outside the platform, by name.
        OutOfCity = ("out_of_city", "转出市外"),
    }
}

labelled_enum! {
    /// What someone does to a transfer.
    pub enum TransferAction {
        Approve = ("approve", "转出审批同意"),
        Return = ("return", "退回"),
        Withdraw = ("withdraw", "撤回"),
        Accept = ("accept", "接收"),
        Refuse = ("refuse", "拒接"),
        Expire = ("expire", "过期"),
        Reissue = ("reissue", "重新开具介绍信"),
        Receipt = ("receipt", "回执已收到"),
    }
}

/// Who acts on a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferSide {
    /// An account writing the member's current branch (the sending side).
    Sender,
    /// An account writing the receiving org.
    Receiver,
    /// The daily check (expiry).
    System,
}

/// The numbers of 组织关系接转, a section of the versioned
/// [`crate::kernel::rules::RuleSet`]. Source: `domain.md` §4.8 — local practice, no single
/// national number: "市内10天, 市外30天, 最长≤3个月" (wenshu999); the 审批超时 counter of
/// the national system has no published value, so `overdue_days` is a deployment's choice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TransferRules {
    /// The letter's validity within the city: 10 days.
    pub in_city_days: u32,
    /// The letter's validity outside the city: 30 days.
    pub out_of_city_days: u32,
    /// The longest validity a letter may be given: 90 days (3 months).
    pub max_days: u32,
    /// A transfer waiting this many days on one side (转出审批 or 接收) is a finding for
    /// the side it waits on: 7 days.
    pub overdue_days: u32,
}

impl Default for TransferRules {
    fn default() -> Self {
        Self { in_city_days: 10, out_of_city_days: 30, max_days: 90, overdue_days: 7 }
    }
}

impl TransferRules {
    /// The default validity for a destination.
    pub fn default_days(&self, reach: TransferReach) -> u32 {
        match reach {
            TransferReach::InCity => self.in_city_days,
            TransferReach::OutOfCity => self.out_of_city_days,
        }
    }
}

/// The longest reason, note or external org name, in characters.
pub const TRANSFER_TEXT_MAX: usize = 200;

/// A transfer as typed: the receiving org (an id of the platform, or a name outside it),
/// the validity in days (empty: the default), the reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TransferInput {
    pub member_id: i64,
    /// The receiving org of the platform (any district); 0 or absent for an external one.
    pub to_org_id: i64,
    /// The receiving org outside the platform, by name (when `to_org_id` is 0).
    pub to_external: String,
    /// Days the letter is valid; empty: the configured default.
    pub valid_days: String,
    /// 转接原因 (e.g. 工作调动、升学、户籍迁移).
    pub reason: String,
}

/// A checked transfer request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferPlan {
    pub reach: TransferReach,
    pub valid_days: u32,
    pub reason: String,
    pub to_external: String,
}

/// Reads a transfer request against the rules.
pub fn parse_transfer(rules: &TransferRules, input: &TransferInput) -> Result<TransferPlan, Invalid> {
    let mut inv = Invalid::default();
    let external = input.to_external.trim();
    let reach = if input.to_org_id > 0 {
        if !external.is_empty() {
            inv.push(FieldError::new(
                "to_external",
                "transfer.two_targets",
                "请只选择一个接收党组织：平台内的组织或市外组织名称",
            ));
        }
        TransferReach::InCity
    } else {
        if external.is_empty() {
            inv.push(FieldError::new("to_org_id", "transfer.no_target", "请选择接收的党组织，或填写市外接收党组织的名称"));
        }
        check_text(&mut inv, "to_external", "接收党组织名称", external, TRANSFER_TEXT_MAX, false);
        TransferReach::OutOfCity
    };
    let valid_days = parse_valid_days(rules, reach, &input.valid_days).unwrap_or_else(|e| {
        inv.push(e);
        0
    });
    check_text(&mut inv, "reason", "转接原因", &input.reason, TRANSFER_TEXT_MAX, true);
    inv.into_result(TransferPlan {
        reach,
        valid_days,
        reason: input.reason.trim().to_string(),
        to_external: if reach == TransferReach::OutOfCity { external.to_string() } else { String::new() },
    })
}

/// The validity typed for a letter, or the default for its reach; 1 to `max_days`.
pub fn parse_valid_days(rules: &TransferRules, reach: TransferReach, typed: &str) -> Result<u32, FieldError> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(rules.default_days(reach));
    }
    match typed.parse::<u32>() {
        Ok(d) if (1..=rules.max_days).contains(&d) => Ok(d),
        _ => Err(FieldError::new(
            "valid_days",
            "transfer.valid_days",
            format!(
                "介绍信有效期应为1至{}天（市内一般{}天，市外{}天）",
                rules.max_days, rules.in_city_days, rules.out_of_city_days
            ),
        )),
    }
}

/// The last day a letter issued on `issued` is valid.
pub fn valid_until(issued: NaiveDate, valid_days: u32) -> NaiveDate {
    issued + chrono::Duration::days(i64::from(valid_days.max(1)) - 1)
}

/// A letter's number: `〔2026〕转字第0007号`, the issuing region's running count of the year.
pub fn letter_number(issued: NaiveDate, seq: i64) -> String {
    format!("〔{}〕转字第{:04}号", issued.year(), seq)
}

/// What a decision needs to know besides the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferStep<'a> {
    pub action: TransferAction,
    pub side: TransferSide,
    pub actor: i64,
    pub initiator: i64,
    pub reach: TransferReach,
    pub today: NaiveDate,
    /// The letter's last valid day (in transit).
    pub valid_until: Option<NaiveDate>,
    pub note: &'a str,
}

fn refuse(code: &'static str, message: impl Into<String>) -> Invalid {
    Invalid::one("state", code, message)
}

/// The state after an action, or why it may not happen now.
pub fn next_state(state: TransferState, d: &TransferStep) -> Result<TransferState, Invalid> {
    use TransferAction as A;
    use TransferSide as S;
    use TransferState as T;
    let wrong_side = || refuse("transfer.wrong_side", format!("“{}”不由您这一方办理", d.action.label()));
    let next = match (state, d.action) {
        (T::Initiated, A::Approve | A::Return) => {
            if d.side != S::Sender {
                return Err(wrong_side());
            }
            if d.actor == d.initiator {
                return Err(refuse("transfer.same_account", "转出审批须由发起人以外的账户办理"));
            }
            if d.action == A::Approve { T::InTransit } else { T::Returned }
        }
        (T::Initiated | T::InTransit | T::Expired, A::Withdraw) => {
            if d.side != S::Sender {
                return Err(wrong_side());
            }
            T::Withdrawn
        }
        (T::InTransit, A::Accept | A::Refuse) => {
            if d.side != S::Receiver || d.reach != TransferReach::InCity {
                return Err(wrong_side());
            }
            if d.valid_until.is_some_and(|u| d.today > u) {
                return Err(refuse("transfer.expired", "介绍信已过有效期，请转出方重新开具后再办理"));
            }
            if d.action == A::Accept { T::Accepted } else { T::Refused }
        }
        (T::InTransit, A::Receipt) => {
            // A letter to an org outside the platform: the sender records the 回执.
            if d.side != S::Sender || d.reach != TransferReach::OutOfCity {
                return Err(wrong_side());
            }
            T::Completed
        }
        (T::Accepted, A::Receipt) => {
            if d.side != S::Sender {
                return Err(wrong_side());
            }
            T::Completed
        }
        (T::InTransit, A::Expire) => {
            if d.side != S::System {
                return Err(wrong_side());
            }
            if d.valid_until.is_none_or(|u| d.today <= u) {
                return Err(refuse("transfer.not_expired", "介绍信尚在有效期内"));
            }
            T::Expired
        }
        (T::Expired, A::Reissue) => {
            if d.side != S::Sender {
                return Err(wrong_side());
            }
            T::InTransit
        }
        (T::InTransit, A::Reissue) => {
            return Err(refuse("transfer.still_valid", "介绍信尚在有效期内，无需重新开具"));
        }
        (s, a) => {
            return Err(refuse("transfer.state", format!("该转接{}，不能{}", s.label(), a.label())));
        }
    };
    let mut inv = Invalid::default();
    let needs_reason = matches!(d.action, A::Return | A::Refuse);
    let label = if d.action == A::Refuse { "拒接理由" } else { "退回理由" };
    check_text(&mut inv, "note", label, d.note, TRANSFER_TEXT_MAX, needs_reason);
    inv.into_result(next)
}

/// Rule code of a transfer waiting too long.
pub const OVERDUE_CODE: &str = "affairs.transfer_overdue";
pub const OVERDUE_RULE_VERSION: u32 = 1;
/// Its title in the cockpit and the findings lists.
pub const OVERDUE_TITLE: &str = "组织关系转接超时未办理";
/// The prefix the transfer engine's findings share.
pub const RULE_PREFIX: &str = "affairs.transfer_";

/// A transfer the engine judges: who it waits on, since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub member_id: i64,
    pub member_name: String,
    pub state: TransferState,
    /// The day the current step began (initiated, issued or re-issued).
    pub since: NaiveDate,
    pub valid_until: Option<NaiveDate>,
}

/// A transfer waiting at least `overdue_days` on one side (or whose letter lapsed without
/// being re-issued or withdrawn) is a finding about the member, for the org it waits on.
pub fn overdue_finding(rules: &TransferRules, today: NaiveDate, w: &Waiting) -> Option<Finding> {
    let days = (today - w.since).num_days();
    let evidence = match w.state {
        TransferState::Initiated if days >= i64::from(rules.overdue_days) => {
            format!("{}的组织关系转接已发起{}天，尚未转出审批（应在{}天内办理）", w.member_name, days, rules.overdue_days)
        }
        TransferState::InTransit if days >= i64::from(rules.overdue_days) => {
            format!("{}的组织关系介绍信已开具{}天，接收方尚未办理（应在{}天内办理）", w.member_name, days, rules.overdue_days)
        }
        TransferState::Expired => {
            format!("{}的组织关系介绍信已过期，请重新开具或撤回", w.member_name)
        }
        _ => return None,
    };
    Some(Finding {
        rule_code: OVERDUE_CODE.into(),
        rule_version: OVERDUE_RULE_VERSION,
        subject: Subject::Member(w.member_id),
        period: Period::containing(PeriodKind::Month, w.since),
        severity: if w.state == TransferState::Initiated { Severity::Warning } else { Severity::Alert },
        evidence,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        crate::kernel::time::parse_iso_date(s).unwrap()
    }

    fn decision(action: TransferAction, side: TransferSide, actor: i64) -> TransferStep<'static> {
        TransferStep {
            action,
            side,
            actor,
            initiator: 1,
            reach: TransferReach::InCity,
            today: day("2026-07-10"),
            valid_until: Some(day("2026-07-19")),
            note: "",
        }
    }

    #[test]
    fn every_transition_of_the_state_machine() {
        use TransferAction as A;
        use TransferSide as S;
        use TransferState as T;
        let ok: &[(T, A, S, i64, &str, T)] = &[
            (T::Initiated, A::Approve, S::Sender, 2, "", T::InTransit),
            (T::Initiated, A::Return, S::Sender, 2, "材料不全", T::Returned),
            (T::Initiated, A::Withdraw, S::Sender, 1, "", T::Withdrawn),
            (T::InTransit, A::Withdraw, S::Sender, 1, "", T::Withdrawn),
            (T::Expired, A::Withdraw, S::Sender, 1, "", T::Withdrawn),
            (T::InTransit, A::Accept, S::Receiver, 3, "", T::Accepted),
            (T::InTransit, A::Refuse, S::Receiver, 3, "本单位无此人员", T::Refused),
            (T::Accepted, A::Receipt, S::Sender, 1, "", T::Completed),
            (T::Expired, A::Reissue, S::Sender, 1, "", T::InTransit),
        ];
        for (from, action, side, actor, note, to) in ok {
            let d = TransferStep { note, ..decision(*action, *side, *actor) };
            assert_eq!(next_state(*from, &d), Ok(*to), "{from:?} {action:?}");
        }
        let refused: &[(T, A, S, i64, &str)] = &[
            (T::Initiated, A::Accept, S::Receiver, 3, "transfer.state"),
            (T::Initiated, A::Approve, S::Receiver, 3, "transfer.wrong_side"),
            (T::InTransit, A::Accept, S::Sender, 2, "transfer.wrong_side"),
            (T::InTransit, A::Withdraw, S::Receiver, 3, "transfer.wrong_side"),
            (T::InTransit, A::Reissue, S::Sender, 1, "transfer.still_valid"),
            (T::InTransit, A::Expire, S::System, 0, "transfer.not_expired"),
            (T::InTransit, A::Receipt, S::Sender, 1, "transfer.wrong_side"),
            (T::Accepted, A::Withdraw, S::Sender, 1, "transfer.state"),
            (T::Completed, A::Receipt, S::Sender, 1, "transfer.state"),
            (T::Refused, A::Accept, S::Receiver, 3, "transfer.state"),
            (T::Withdrawn, A::Reissue, S::Sender, 1, "transfer.state"),
            (T::Returned, A::Approve, S::Sender, 2, "transfer.state"),
        ];
        for (from, action, side, actor, code) in refused {
            let err = next_state(*from, &decision(*action, *side, *actor)).unwrap_err();
            assert!(err.has(code), "{from:?} {action:?}: {err}");
        }
    }

    #[test]
    fn the_initiator_may_not_approve_their_own_transfer() {
        let d = decision(TransferAction::Approve, TransferSide::Sender, 1);
        assert!(next_state(TransferState::Initiated, &d).unwrap_err().has("transfer.same_account"));
        let d = decision(TransferAction::Return, TransferSide::Sender, 1);
        assert!(next_state(TransferState::Initiated, &d).unwrap_err().has("transfer.same_account"));
    }

    #[test]
    fn returning_and_refusing_need_a_reason() {
        let d = decision(TransferAction::Refuse, TransferSide::Receiver, 3);
        assert!(next_state(TransferState::InTransit, &d).unwrap_err().has("text.required"));
        let d = decision(TransferAction::Return, TransferSide::Sender, 2);
        assert!(next_state(TransferState::Initiated, &d).unwrap_err().has("text.required"));
    }

    #[test]
    fn a_letter_is_accepted_up_to_its_last_valid_day_and_expires_the_day_after() {
        let until = valid_until(day("2026-07-01"), 10);
        assert_eq!(until, day("2026-07-10"));
        let on_last_day = TransferStep {
            today: until,
            valid_until: Some(until),
            ..decision(TransferAction::Accept, TransferSide::Receiver, 3)
        };
        assert_eq!(next_state(TransferState::InTransit, &on_last_day), Ok(TransferState::Accepted));
        let after = TransferStep { today: day("2026-07-11"), ..on_last_day };
        assert!(next_state(TransferState::InTransit, &after).unwrap_err().has("transfer.expired"));
        let expire = TransferStep { action: TransferAction::Expire, side: TransferSide::System, ..after };
        assert_eq!(next_state(TransferState::InTransit, &expire), Ok(TransferState::Expired));
        let too_early = TransferStep { today: until, ..expire };
        assert!(next_state(TransferState::InTransit, &too_early).unwrap_err().has("transfer.not_expired"));
    }

    #[test]
    fn an_external_transfer_completes_when_the_sender_records_the_receipt() {
        let d = TransferStep { reach: TransferReach::OutOfCity, ..decision(TransferAction::Receipt, TransferSide::Sender, 1) };
        assert_eq!(next_state(TransferState::InTransit, &d), Ok(TransferState::Completed));
        let accept =
            TransferStep { reach: TransferReach::OutOfCity, ..decision(TransferAction::Accept, TransferSide::Receiver, 3) };
        assert!(next_state(TransferState::InTransit, &accept).unwrap_err().has("transfer.wrong_side"));
    }

    #[test]
    fn validity_defaults_to_ten_days_in_the_city_thirty_outside_at_most_three_months() {
        let r = TransferRules::default();
        let input = |to_org_id, ext: &str, days: &str| TransferInput {
            member_id: 1,
            to_org_id,
            to_external: ext.into(),
            valid_days: days.into(),
            reason: "工作调动".into(),
        };
        assert_eq!(parse_transfer(&r, &input(5, "", "")).unwrap().valid_days, 10);
        let out = parse_transfer(&r, &input(0, "上海市某街道党工委", "")).unwrap();
        assert_eq!((out.valid_days, out.reach), (30, TransferReach::OutOfCity));
        assert_eq!(parse_transfer(&r, &input(5, "", "90")).unwrap().valid_days, 90);
        assert!(parse_transfer(&r, &input(5, "", "91")).unwrap_err().has("transfer.valid_days"));
        assert!(parse_transfer(&r, &input(5, "", "0")).unwrap_err().has("transfer.valid_days"));
        assert!(parse_transfer(&r, &input(0, "", "")).unwrap_err().has("transfer.no_target"));
        assert!(parse_transfer(&r, &input(5, "某党委", "")).unwrap_err().has("transfer.two_targets"));
        let no_reason = TransferInput { reason: " ".into(), ..input(5, "", "") };
        assert!(parse_transfer(&r, &no_reason).unwrap_err().has("text.required"));
    }

    #[test]
    fn the_letter_number_counts_within_the_year() {
        assert_eq!(letter_number(day("2026-03-05"), 7), "〔2026〕转字第0007号");
    }

    #[test]
    fn a_transfer_waiting_too_long_is_a_finding_for_the_side_it_waits_on() {
        let r = TransferRules::default();
        let w = |state, since: &str| Waiting {
            member_id: 9,
            member_name: "张三".into(),
            state,
            since: day(since),
            valid_until: None,
        };
        let today = day("2026-07-10");
        assert!(overdue_finding(&r, today, &w(TransferState::Initiated, "2026-07-04")).is_none());
        let f = overdue_finding(&r, today, &w(TransferState::Initiated, "2026-07-03")).unwrap();
        assert_eq!((f.severity, f.subject), (Severity::Warning, Subject::Member(9)));
        assert!(overdue_finding(&r, today, &w(TransferState::InTransit, "2026-07-03")).is_some());
        assert!(overdue_finding(&r, today, &w(TransferState::Expired, "2026-07-09")).is_some());
        assert!(overdue_finding(&r, today, &w(TransferState::Accepted, "2026-01-01")).is_none());
        assert!(overdue_finding(&r, today, &w(TransferState::Completed, "2026-01-01")).is_none());
    }
}
