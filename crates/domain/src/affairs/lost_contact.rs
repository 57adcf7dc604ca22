//! 失联党员 and 停止党籍 (`domain.md` §4.3 "党籍", §4.7): a member the branch cannot reach
//! is recorded as 失联 from a day, with the search efforts made (dated entries). After
//! **6 months** of searching the member is a candidate for 停止党籍 — decided by the
//! 党支部, approved by the 上级党组织 (two different accounts). After a further **2 years**
//! still unreachable, a candidate for 除名 (按自行脱党除名), decided and approved the
//! same way. A member who is found is 恢复 (restored) — except after 除名, which
//! generally allows no 恢复 (重新入党 instead). The rules engine reports the steps that
//! are due and not taken ([`overdue_finding`]). Pure: the store keeps the cases.

use crate::kernel::error::{FieldError, Invalid, check_text};
use crate::kernel::finding::{Finding, Subject};
use crate::kernel::period::{Period, PeriodKind, zh_date};
use crate::kernel::rules::SeverityPolicy;
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// The numbers of 失联党员, a section of the versioned [`crate::kernel::rules::RuleSet`].
/// Source: 党员教育管理工作条例 第二十四条 (`domain.md` §4.3 "党籍"), and the 2024
/// 不合格党员组织处置办法 (§4.7: "失联 6个月以上、2年以内"; "停止党籍满2年仍无法联系 → 除名").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LostContactRules {
    /// 失联 this many months (after searching) → 停止党籍: 6.
    pub suspend_after_months: u32,
    /// 停止党籍 this many months and still unreachable → 除名: 24 (2 years).
    pub remove_after_months: u32,
}

impl Default for LostContactRules {
    fn default() -> Self {
        Self { suspend_after_months: 6, remove_after_months: 24 }
    }
}

labelled_enum! {
    /// Where a lost-contact case stands.
    pub enum LostState {
        /// 失联: being searched for.
        Lost = ("lost", "失联"),
        /// The branch decided 停止党籍; waiting for the 上级党组织.
        SuspendPending = ("suspend_pending", "停止党籍待上级批准"),
        /// 停止党籍, approved.
        Suspended = ("suspended", "已停止党籍"),
        /// The branch decided 除名; waiting for the 上级党组织.
        RemovePending = ("remove_pending", "除名待上级批准"),
        /// 除名, approved: the member leaves the roster.
        Removed = ("removed", "已除名"),
        /// Found again: 恢复.
        Restored = ("restored", "已恢复联系"),
    }
}

labelled_enum! {
    /// One dated entry of a case's record.
    pub enum LostEventKind {
        Recorded = ("recorded", "登记失联"),
        Search = ("search", "寻找"),
        ProposeSuspend = ("propose_suspend", "支部决定停止党籍"),
        ApproveSuspend = ("approve_suspend", "上级批准停止党籍"),
        ProposeRemove = ("propose_remove", "支部决定除名"),
        ApproveRemove = ("approve_remove", "上级批准除名"),
        Reject = ("reject", "上级不批准"),
        Restore = ("restore", "恢复"),
    }
}

impl LostState {
    /// Whether the case is still open (not 除名 and not 恢复).
    pub fn is_open(self) -> bool {
        !matches!(self, LostState::Removed | LostState::Restored)
    }
}

/// The longest text of an entry (how searched, the evidence of a decision), in characters.
pub const LOST_TEXT_MAX: usize = 500;

/// A dated entry as typed: the day (`YYYY-MM-DD`) and what was done or decided, with
/// its evidence.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct LostEntryInput {
    pub on: String,
    pub text: String,
}

/// Reads a dated entry: a day not after today and not before `not_before` (the case's
/// start or its last step), and a text of what was done.
pub fn parse_entry(
    input: &LostEntryInput,
    label: &str,
    not_before: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(NaiveDate, String), Invalid> {
    let mut inv = Invalid::default();
    let on = crate::kernel::time::parse_iso_date(&input.on);
    match on {
        None => inv.push(FieldError::new("on", "date.format", "请填写日期，格式如 2026-07-01")),
        Some(d) if d > today => inv.push(FieldError::new("on", "date.future", "日期不能晚于今天")),
        Some(d) if not_before.is_some_and(|n| d < n) => inv.push(FieldError::new(
            "on",
            "lost.date_order",
            format!("日期不能早于{}（上一步的日期）", zh_date(not_before.unwrap_or(d))),
        )),
        _ => {}
    }
    check_text(&mut inv, "text", label, &input.text, LOST_TEXT_MAX, true);
    match on {
        Some(on) if inv.is_empty() => Ok((on, input.text.trim().to_string())),
        _ => Err(inv),
    }
}

/// The day a member lost since `since` becomes a candidate for 停止党籍.
pub fn suspend_due_on(rules: &LostContactRules, since: NaiveDate) -> NaiveDate {
    since.checked_add_months(Months::new(rules.suspend_after_months)).unwrap_or(since)
}

/// The day a member suspended on `suspended_on` becomes a candidate for 除名.
pub fn remove_due_on(rules: &LostContactRules, suspended_on: NaiveDate) -> NaiveDate {
    suspended_on.checked_add_months(Months::new(rules.remove_after_months)).unwrap_or(suspended_on)
}

/// What the case's record says, for the decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseFacts {
    pub state: LostState,
    /// The day contact was lost.
    pub since: NaiveDate,
    /// 停止党籍 approved on.
    pub suspended_on: Option<NaiveDate>,
    /// Search entries recorded.
    pub searches: u32,
    /// The account that made the pending branch decision.
    pub proposed_by: Option<i64>,
}

/// The branch decides 停止党籍 on `on` (candidate from 6 months after contact was lost,
/// after at least one recorded search) or 除名 (2 years after 停止党籍); the state after.
pub fn propose(rules: &LostContactRules, c: &CaseFacts, on: NaiveDate) -> Result<LostState, Invalid> {
    match c.state {
        LostState::Lost => {
            if c.searches == 0 {
                return Err(Invalid::one("state", "lost.no_search", "停止党籍前须先登记寻找情况（日期、方式和结果）"));
            }
            let due = suspend_due_on(rules, c.since);
            if on < due {
                return Err(Invalid::one(
                    "on",
                    "lost.too_early",
                    format!("失联满{}个月（{}）后方可决定停止党籍", rules.suspend_after_months, zh_date(due)),
                ));
            }
            Ok(LostState::SuspendPending)
        }
        LostState::Suspended => {
            let due = remove_due_on(rules, c.suspended_on.unwrap_or(c.since));
            if on < due {
                return Err(Invalid::one(
                    "on",
                    "lost.too_early",
                    format!("停止党籍满{}个月（{}）仍无法联系的，方可决定除名", rules.remove_after_months, zh_date(due)),
                ));
            }
            Ok(LostState::RemovePending)
        }
        LostState::SuspendPending | LostState::RemovePending => {
            Err(Invalid::one("state", "lost.pending", "支部的决定已报上级党组织，等待批准"))
        }
        closed => Err(Invalid::one("state", "lost.closed", format!("该失联登记已{}", closed.label()))),
    }
}

/// The 上级党组织 approves or declines the pending decision; not the account that made
/// it. The state after.
pub fn approve(c: &CaseFacts, approve: bool, decider: i64) -> Result<LostState, Invalid> {
    let (yes, no) = match c.state {
        LostState::SuspendPending => (LostState::Suspended, LostState::Lost),
        LostState::RemovePending => (LostState::Removed, LostState::Suspended),
        _ => return Err(Invalid::one("state", "lost.nothing_pending", "没有待上级批准的决定")),
    };
    if c.proposed_by == Some(decider) {
        return Err(Invalid::one("state", "lost.same_account", "支部决定和上级批准须由两个不同的账户办理"));
    }
    Ok(if approve { yes } else { no })
}

/// The member is found: 恢复 from any open state; after 除名 no 恢复 (重新入党 instead).
pub fn restore(state: LostState) -> Result<LostState, Invalid> {
    match state {
        LostState::Removed => {
            Err(Invalid::one("state", "lost.removed", "已除名的党员不能恢复；如本人要求，可按规定重新申请入党"))
        }
        LostState::Restored => Err(Invalid::one("state", "lost.closed", "该党员已恢复联系")),
        _ => Ok(LostState::Restored),
    }
}

/// The rule codes of lost-contact findings.
pub const SUSPEND_CODE: &str = "affairs.lost_suspend";
pub const SUSPEND_TITLE: &str = "失联满6个月应研究停止党籍";
pub const REMOVE_CODE: &str = "affairs.lost_remove";
pub const REMOVE_TITLE: &str = "停止党籍满2年仍失联应研究除名";
/// The prefix of every lost-contact finding's code.
pub const LOST_PREFIX: &str = "affairs.lost_";
pub const LOST_RULE_VERSION: u32 = 1;

/// The step that is due and not taken, as a finding about the member: 停止党籍 from 6
/// months after contact was lost (the due day included), 除名 from 2 years after
/// 停止党籍. A pending decision is a step taken (the parent's queue shows it).
pub fn overdue_finding(
    rules: &LostContactRules,
    severity: &SeverityPolicy,
    member_id: i64,
    c: &CaseFacts,
    as_of: NaiveDate,
) -> Option<Finding> {
    let (code, from, due, evidence) = match c.state {
        LostState::Lost => {
            let due = suspend_due_on(rules, c.since);
            let ev = format!(
                "自{}失联，已满{}个月（{}满），已登记寻找{}次，应由支部研究停止党籍",
                zh_date(c.since),
                rules.suspend_after_months,
                zh_date(due),
                c.searches
            );
            (SUSPEND_CODE, c.since, due, ev)
        }
        LostState::Suspended => {
            let on = c.suspended_on.unwrap_or(c.since);
            let due = remove_due_on(rules, on);
            let ev = format!(
                "{}停止党籍，满{}个月（{}满）仍无法联系，应由支部研究按自行脱党除名",
                zh_date(on),
                rules.remove_after_months,
                zh_date(due)
            );
            (REMOVE_CODE, on, due, ev)
        }
        _ => return None,
    };
    (as_of >= due).then(|| Finding {
        rule_code: code.into(),
        rule_version: LOST_RULE_VERSION,
        subject: Subject::Member(member_id),
        period: Period::containing(PeriodKind::Month, from),
        severity: severity.closed_unmet,
        evidence,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::time::parse_iso_date;

    fn d(s: &str) -> NaiveDate {
        parse_iso_date(s).unwrap()
    }

    fn case(state: LostState) -> CaseFacts {
        CaseFacts { state, since: d("2026-01-31"), suspended_on: Some(d("2026-08-10")), searches: 2, proposed_by: Some(1) }
    }

    #[test]
    fn suspension_is_due_exactly_six_months_after_contact_was_lost_not_a_day_before() {
        let rules = LostContactRules::default();
        let c = case(LostState::Lost);
        // 31 January + 6 months: the last day of July.
        assert_eq!(suspend_due_on(&rules, c.since), d("2026-07-31"));
        assert!(propose(&rules, &c, d("2026-07-30")).unwrap_err().has("lost.too_early"), "6 months minus a day");
        assert_eq!(propose(&rules, &c, d("2026-07-31")), Ok(LostState::SuspendPending));
        let sev = SeverityPolicy::default();
        assert!(overdue_finding(&rules, &sev, 9, &c, d("2026-07-30")).is_none());
        let f = overdue_finding(&rules, &sev, 9, &c, d("2026-07-31")).unwrap();
        assert_eq!((f.rule_code.as_str(), f.period.key()), (SUSPEND_CODE, "2026-01".to_string()));
    }

    #[test]
    fn removal_is_due_exactly_two_years_after_suspension() {
        let rules = LostContactRules::default();
        let c = case(LostState::Suspended);
        assert_eq!(remove_due_on(&rules, d("2026-08-10")), d("2028-08-10"));
        assert!(propose(&rules, &c, d("2028-08-09")).unwrap_err().has("lost.too_early"));
        assert_eq!(propose(&rules, &c, d("2028-08-10")), Ok(LostState::RemovePending));
        let sev = SeverityPolicy::default();
        assert!(overdue_finding(&rules, &sev, 9, &c, d("2028-08-09")).is_none());
        assert_eq!(overdue_finding(&rules, &sev, 9, &c, d("2028-08-10")).unwrap().rule_code, REMOVE_CODE);
        // A 29 February start: two years on is the 28th.
        assert_eq!(remove_due_on(&rules, d("2028-02-29")), d("2030-02-28"));
    }

    #[test]
    fn no_suspension_without_a_recorded_search() {
        let c = CaseFacts { searches: 0, ..case(LostState::Lost) };
        assert!(propose(&LostContactRules::default(), &c, d("2027-01-01")).unwrap_err().has("lost.no_search"));
    }

    #[test]
    fn the_branch_decides_and_another_account_of_the_parent_approves() {
        let pending = case(LostState::SuspendPending);
        assert!(approve(&pending, true, 1).unwrap_err().has("lost.same_account"));
        assert_eq!(approve(&pending, true, 2), Ok(LostState::Suspended));
        assert_eq!(approve(&pending, false, 2), Ok(LostState::Lost));
        let pending = case(LostState::RemovePending);
        assert_eq!(approve(&pending, true, 2), Ok(LostState::Removed));
        assert_eq!(approve(&pending, false, 2), Ok(LostState::Suspended));
        assert!(approve(&case(LostState::Lost), true, 2).unwrap_err().has("lost.nothing_pending"));
        assert!(propose(&LostContactRules::default(), &pending, d("2030-01-01")).unwrap_err().has("lost.pending"));
    }

    #[test]
    fn a_found_member_is_restored_but_not_after_removal() {
        for s in [LostState::Lost, LostState::SuspendPending, LostState::Suspended, LostState::RemovePending] {
            assert_eq!(restore(s), Ok(LostState::Restored), "{s:?}");
        }
        assert!(restore(LostState::Removed).unwrap_err().has("lost.removed"));
        assert!(restore(LostState::Restored).unwrap_err().has("lost.closed"));
        // A pending decision is a step taken: no overdue finding while it waits.
        let sev = SeverityPolicy::default();
        let rules = LostContactRules::default();
        assert!(overdue_finding(&rules, &sev, 9, &case(LostState::SuspendPending), d("2030-01-01")).is_none());
    }

    #[test]
    fn the_numbers_are_data() {
        let rules = LostContactRules { suspend_after_months: 12, remove_after_months: 24 };
        assert!(propose(&rules, &case(LostState::Lost), d("2026-07-31")).unwrap_err().has("lost.too_early"));
    }

    #[test]
    fn an_entry_has_a_day_not_in_the_future_nor_before_the_last_step() {
        let today = d("2026-07-01");
        let e = LostEntryInput { on: "2026-06-01".into(), text: "电话、走访原单位均未联系上".into() };
        assert!(parse_entry(&e, "寻找情况", Some(d("2026-01-31")), today).is_ok());
        assert!(parse_entry(&e, "寻找情况", Some(d("2026-06-02")), today).unwrap_err().has("lost.date_order"));
        let future = LostEntryInput { on: "2026-07-02".into(), ..e.clone() };
        assert!(parse_entry(&future, "寻找情况", None, today).unwrap_err().has("date.future"));
        let empty = LostEntryInput { text: " ".into(), ..e };
        assert!(parse_entry(&empty, "寻找情况", None, today).unwrap_err().has("text.required"));
    }
}
