//! 党费减免 (少交或免交): the member applies, the 党支部 studies it, the 上一级党委
//! approves (`domain.md` §4.5 "少交/免交": member applies → 支部研究 → 报上一级党委批准).
//! The two steps are decided by two different accounts. An approved relief sets the
//! months' amount (0 for 免交); a month of 0 counts as paid, so it ends arrears. Pure: the
//! store keeps the applications.

use super::dues::{MONTHS_PER_PAYMENT_MAX, Month};
use crate::kernel::error::{FieldError, Invalid, check_text};
use crate::kernel::money::{parse_yuan, yuan};
use serde::{Deserialize, Serialize};

labelled_enum! {
    /// Where an application stands.
    pub enum ReliefState {
        /// Waiting for the 党支部.
        PendingBranch = ("pending_branch", "待支部研究"),
        /// The branch agreed; waiting for the 上一级党委.
        PendingParent = ("pending_parent", "待上级党委批准"),
        Approved = ("approved", "已批准"),
        Rejected = ("rejected", "未批准"),
    }
}

/// Who decides a step: the 党支部 (any account writing the member's branch) or the
/// 上一级党委 (an account whose reach lies strictly above the branch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReliefStep {
    Branch,
    Parent,
}

/// The longest reason or note, in characters.
pub const RELIEF_TEXT_MAX: usize = 200;

/// An application as typed: months as `2026-07`, the reduced monthly amount in 元 (empty
/// for 免交).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ReliefInput {
    pub from_month: String,
    pub to_month: String,
    /// 少交: the monthly amount in 元; empty: 免交.
    pub amount: String,
    /// 申请理由 (e.g. 生活困难、长期患病).
    pub reason: String,
}

/// A checked application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relief {
    pub from: Month,
    pub to: Month,
    /// The monthly amount while it applies (0: 免交).
    pub amount_fen: i64,
    pub reason: String,
}

/// Reads an application; `regular_fen` is the member's current monthly amount, which a
/// 少交 must be below.
pub fn parse_relief(input: &ReliefInput, regular_fen: Option<i64>) -> Result<Relief, Invalid> {
    let mut inv = Invalid::default();
    let from = Month::parse(&input.from_month);
    let to = Month::parse(&input.to_month);
    if from.is_none() {
        inv.push(FieldError::new("from_month", "dues.month", "请填写减免开始的月份，如 2026-07"));
    }
    if to.is_none() {
        inv.push(FieldError::new("to_month", "dues.month", "请填写减免结束的月份，如 2026-12"));
    }
    if let (Some(f), Some(t)) = (from, to)
        && (t < f || t.since(f) >= MONTHS_PER_PAYMENT_MAX as i32)
    {
        inv.push(FieldError::new(
            "to_month",
            "dues.relief_range",
            "减免期限应为1至12个月，结束月份不早于开始月份；到期后可再次申请",
        ));
    }
    let amount_fen = if input.amount.trim().is_empty() {
        0
    } else {
        match parse_yuan(&input.amount) {
            Some(a) if regular_fen.is_none_or(|r| a < r) => a,
            Some(_) => {
                inv.push(FieldError::new(
                    "amount",
                    "dues.relief_amount",
                    format!("少交后的金额应低于现行每月{}元", yuan(regular_fen.unwrap_or(0))),
                ));
                0
            }
            None => {
                inv.push(FieldError::new("amount", "dues.relief_amount", "金额应以元为单位，最多两位小数；免交请留空"));
                0
            }
        }
    };
    check_text(&mut inv, "reason", "申请理由", &input.reason, RELIEF_TEXT_MAX, true);
    match (from, to) {
        (Some(from), Some(to)) if inv.is_empty() => Ok(Relief { from, to, amount_fen, reason: input.reason.trim().to_string() }),
        _ => Err(inv),
    }
}

/// The state after a decision: the branch's step first, then the parent's by another
/// account; declining says why.
pub fn decide(
    state: ReliefState,
    step: ReliefStep,
    approve: bool,
    note: &str,
    decider: i64,
    branch_decider: Option<i64>,
) -> Result<ReliefState, Invalid> {
    let next = match (state, step) {
        (ReliefState::PendingBranch, ReliefStep::Branch) => {
            if approve {
                ReliefState::PendingParent
            } else {
                ReliefState::Rejected
            }
        }
        (ReliefState::PendingParent, ReliefStep::Parent) => {
            if branch_decider == Some(decider) {
                return Err(Invalid::one("state", "dues.relief_same_account", "支部研究和上级党委批准须由两个不同的账户办理"));
            }
            if approve { ReliefState::Approved } else { ReliefState::Rejected }
        }
        (ReliefState::PendingBranch, ReliefStep::Parent) => {
            return Err(Invalid::one("state", "dues.relief_branch_first", "该申请须先由党支部研究，再报上级党委批准"));
        }
        (ReliefState::PendingParent, ReliefStep::Branch) => {
            return Err(Invalid::one("state", "dues.relief_parent_only", "党支部已研究同意，须由上一级党委批准"));
        }
        (decided, _) => {
            return Err(Invalid::one("state", "dues.relief_decided", format!("该申请已{}", decided.label())));
        }
    };
    let mut inv = Invalid::default();
    check_text(&mut inv, "note", "不同意的理由", note, RELIEF_TEXT_MAX, !approve);
    inv.into_result(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(from: &str, to: &str, amount: &str) -> ReliefInput {
        ReliefInput {
            from_month: from.into(), to_month: to.into(), amount: amount.into(), reason: "长期患病，生活困难".into()
        }
    }

    #[test]
    fn an_exemption_or_a_lower_amount_for_up_to_twelve_months_with_a_reason() {
        let r = parse_relief(&input("2026-07", "2026-12", ""), Some(4500)).unwrap();
        assert_eq!((r.from.key(), r.to.key(), r.amount_fen), ("2026-07".into(), "2026-12".into(), 0));
        assert_eq!(parse_relief(&input("2026-07", "2026-12", "10"), Some(4500)).unwrap().amount_fen, 1000);
        assert!(parse_relief(&input("2026-07", "2026-12", "45"), Some(4500)).unwrap_err().has("dues.relief_amount"));
        assert!(parse_relief(&input("2026-07", "2027-07", ""), None).unwrap_err().has("dues.relief_range"));
        assert!(parse_relief(&input("2026-07", "2026-06", ""), None).unwrap_err().has("dues.relief_range"));
        let no_reason = ReliefInput { reason: " ".into(), ..input("2026-07", "2026-07", "") };
        assert!(parse_relief(&no_reason, None).unwrap_err().has("text.required"));
    }

    #[test]
    fn the_branch_studies_it_then_another_account_of_the_parent_approves() {
        use ReliefState::*;
        assert_eq!(decide(PendingBranch, ReliefStep::Branch, true, "", 1, None), Ok(PendingParent));
        assert_eq!(decide(PendingParent, ReliefStep::Parent, true, "", 2, Some(1)), Ok(Approved));
        assert!(decide(PendingParent, ReliefStep::Parent, true, "", 1, Some(1)).unwrap_err().has("dues.relief_same_account"));
        assert!(decide(PendingBranch, ReliefStep::Parent, true, "", 2, None).unwrap_err().has("dues.relief_branch_first"));
        assert!(decide(PendingParent, ReliefStep::Branch, true, "", 2, Some(1)).unwrap_err().has("dues.relief_parent_only"));
        assert!(decide(Approved, ReliefStep::Parent, true, "", 3, Some(1)).unwrap_err().has("dues.relief_decided"));
    }

    #[test]
    fn declining_says_why() {
        use ReliefState::*;
        assert!(decide(PendingBranch, ReliefStep::Branch, false, "", 1, None).unwrap_err().has("text.required"));
        assert_eq!(decide(PendingBranch, ReliefStep::Branch, false, "收入已恢复", 1, None), Ok(Rejected));
    }
}
