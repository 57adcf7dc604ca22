//! 固定组织生活日年度计划: the yearly plan of a branch, its items, its deadline and the
//! way it travels up and back: 草稿 → 报备 → 备案 (or 退回 → 草稿 → 报备 …) → 公布.

use super::rules::OrgLifeRules;
use crate::kernel::error::{FieldError, Invalid};
use crate::kernel::period::{first_of, month_end, zh_date};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

labelled_enum! {
    /// 年度计划状态.
    pub enum PlanState {
        /// 草稿: the branch edits it.
        Draft = ("draft", "草稿"),
        /// 已报备: submitted to the parent organization.
        Submitted = ("submitted", "已报备"),
        /// 已备案: the parent acknowledged it.
        Acknowledged = ("acknowledged", "已备案"),
        /// 已退回: the parent returned it with a reason.
        Returned = ("returned", "已退回"),
        /// 已公布: published to the branch's members.
        Published = ("published", "已公布"),
    }
}

/// What someone does to a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum PlanAction {
    /// 修改: the branch edits a draft or a returned plan (a returned plan becomes a draft).
    Edit,
    /// 报备: the branch submits the draft to its parent.
    Submit,
    /// 备案: the parent acknowledges a submitted plan.
    Acknowledge,
    /// 退回: the parent returns a submitted plan, with a reason.
    Return { reason: String },
    /// 公布: the branch publishes an acknowledged plan to its members.
    Publish,
}

impl PlanAction {
    /// The Chinese verb.
    pub fn label(&self) -> &'static str {
        match self {
            PlanAction::Edit => "修改",
            PlanAction::Submit => "报备",
            PlanAction::Acknowledge => "备案",
            PlanAction::Return { .. } => "退回",
            PlanAction::Publish => "公布",
        }
    }

    /// Whether the parent organization (rather than the branch) takes this action.
    pub fn by_parent(&self) -> bool {
        matches!(self, PlanAction::Acknowledge | PlanAction::Return { .. })
    }
}

/// The state a plan moves to when `action` is taken on it, or why it cannot be taken.
/// `actor_is_parent` says whether the actor acts for the parent organization (上级党组织)
/// rather than for the branch itself. Submitting also needs [`validate_items`] with
/// `for_submit`, which the caller checks on the plan's items.
pub fn transition(state: PlanState, action: &PlanAction, actor_is_parent: bool) -> Result<PlanState, Invalid> {
    use PlanAction::*;
    use PlanState::*;
    let verb = action.label();
    if action.by_parent() && !actor_is_parent {
        return Err(Invalid::one("action", "plan.parent_only", format!("年度计划只能由上级党组织{verb}")));
    }
    if !action.by_parent() && actor_is_parent {
        return Err(Invalid::one("action", "plan.branch_only", format!("年度计划只能由本级党组织{verb}")));
    }
    let next = match (state, action) {
        (Draft, Edit) | (Returned, Edit) => Draft,
        (Draft, Submit) => Submitted,
        (Submitted, Acknowledge) => Acknowledged,
        (Submitted, Return { reason }) => {
            if reason.trim().is_empty() {
                return Err(Invalid::one("reason", "plan.return_reason", "退回年度计划时请填写退回理由"));
            }
            Returned
        }
        (Acknowledged, Publish) => Published,
        (Submitted, Edit) => {
            return Err(Invalid::one("action", "plan.state", "年度计划已报备，须经上级党组织退回后才能修改"));
        }
        (Acknowledged, Edit) => {
            return Err(Invalid::one("action", "plan.state", "年度计划已备案，不能再修改"));
        }
        (Returned, Submit) => {
            return Err(Invalid::one("action", "plan.state", "年度计划已被退回，请按退回理由修改后再报备"));
        }
        (Published, _) => {
            return Err(Invalid::one("action", "plan.state", format!("年度计划已公布，不能再{verb}")));
        }
        (s, _) => {
            return Err(Invalid::one("action", "plan.state", format!("年度计划当前为“{}”，不能{verb}", s.label())));
        }
    };
    Ok(next)
}

/// The deadline for filing the plan of `year`: the configured month and day of that
/// year (default 31 January); a day past the month's end means its last day.
pub fn deadline(year: i32, rules: &OrgLifeRules) -> NaiveDate {
    let month = rules.annual_plan.deadline_month.clamp(1, 12);
    let first = first_of(year, month).unwrap_or(NaiveDate::MIN);
    let last = month_end(first);
    first.with_day(rules.annual_plan.deadline_day.clamp(1, last.day())).unwrap_or(last)
}

/// Whether a plan for `year` submitted on `submitted_on` was late (after the deadline).
pub fn is_late(submitted_on: NaiveDate, year: i32, rules: &OrgLifeRules) -> bool {
    submitted_on > deadline(year, rules)
}

/// One item of the plan: a 固定组织生活日 with its date, theme and form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanItem {
    /// 1–12.
    pub month: u32,
    pub date: NaiveDate,
    /// 主题.
    pub theme: String,
    /// 形式 (集中学习、组织生活、民主议事、志愿服务 …).
    pub form: String,
}

/// Longest theme or form accepted, in characters.
pub const PLAN_TEXT_MAX: usize = 100;

/// Checks the items of the plan for `year`. Every item needs a month 1–12, a date in that
/// month of that year, a theme and a form; a month may have several items. With
/// `for_submit`, every month from `from_month` (1, or the month a branch formed during
/// the plan year) to December needs at least one item.
pub fn validate_items(year: i32, items: &[PlanItem], for_submit: bool, from_month: u32) -> Result<(), Invalid> {
    let mut inv = Invalid::default();
    for (i, item) in items.iter().enumerate() {
        let n = i + 1;
        if !(1..=12).contains(&item.month) {
            inv.push(FieldError::new("items", "item.month", format!("第{n}项：月份应为1至12")));
        } else if item.date.year() != year || item.date.month() != item.month {
            inv.push(FieldError::new(
                "items",
                "item.date",
                format!("第{n}项：日期{}不在{year}年{}月内", zh_date(item.date), item.month),
            ));
        }
        for (field, label, value) in [("theme", "主题", &item.theme), ("form", "形式", &item.form)] {
            let len = value.trim().chars().count();
            if len == 0 {
                inv.push(FieldError::new(
                    "items",
                    if field == "theme" { "item.theme" } else { "item.form" },
                    format!("第{n}项：请填写{label}"),
                ));
            } else if len > PLAN_TEXT_MAX {
                inv.push(FieldError::new("items", "item.length", format!("第{n}项：{label}不能超过{PLAN_TEXT_MAX}个字")));
            }
        }
    }
    if for_submit {
        let missing: Vec<String> =
            (from_month.clamp(1, 12)..=12).filter(|m| !items.iter().any(|it| it.month == *m)).map(|m| format!("{m}月")).collect();
        if !missing.is_empty() {
            inv.push(FieldError::new(
                "items",
                "items.month_missing",
                format!("每个月至少安排一次固定组织生活日，以下月份尚未安排：{}", missing.join("、")),
            ));
        }
    }
    inv.into_result(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use PlanState::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn ret(reason: &str) -> PlanAction {
        PlanAction::Return { reason: reason.into() }
    }

    fn full_year(year: i32) -> Vec<PlanItem> {
        (1..=12)
            .map(|m| PlanItem {
                month: m, date: d(year, m, 10), theme: format!("{m}月主题党日"), form: "集中学习".into()
            })
            .collect()
    }

    #[test]
    fn legal_plan_transitions() {
        let cases = [
            (Draft, PlanAction::Edit, false, Draft),
            (Draft, PlanAction::Submit, false, Submitted),
            (Submitted, PlanAction::Acknowledge, true, Acknowledged),
            (Submitted, ret("3月主题不明确"), true, Returned),
            (Returned, PlanAction::Edit, false, Draft),
            (Acknowledged, PlanAction::Publish, false, Published),
        ];
        for (from, action, parent, to) in cases {
            assert_eq!(transition(from, &action, parent), Ok(to), "{from:?} {action:?}");
        }
    }

    #[test]
    fn illegal_plan_transitions_say_why() {
        let cases = [
            (Submitted, PlanAction::Edit, false, "须经上级党组织退回后才能修改"),
            (Acknowledged, PlanAction::Edit, false, "已备案，不能再修改"),
            (Returned, PlanAction::Submit, false, "请按退回理由修改后再报备"),
            (Published, PlanAction::Edit, false, "已公布，不能再修改"),
            (Published, PlanAction::Acknowledge, true, "已公布，不能再备案"),
            (Draft, PlanAction::Publish, false, "当前为“草稿”，不能公布"),
            (Draft, PlanAction::Acknowledge, true, "当前为“草稿”，不能备案"),
            (Returned, ret("再退"), true, "当前为“已退回”，不能退回"),
            (Acknowledged, PlanAction::Submit, false, "当前为“已备案”，不能报备"),
            (Submitted, PlanAction::Submit, false, "当前为“已报备”，不能报备"),
        ];
        for (from, action, parent, message) in cases {
            let e = transition(from, &action, parent).unwrap_err();
            assert!(e.has("plan.state"), "{from:?} {action:?}: {e}");
            assert!(e.to_string().contains(message), "{from:?} {action:?}: {e}");
        }
    }

    #[test]
    fn only_the_parent_acknowledges_or_returns_and_only_the_branch_edits_submits_publishes() {
        for action in [PlanAction::Acknowledge, ret("理由")] {
            let e = transition(Submitted, &action, false).unwrap_err();
            assert!(e.has("plan.parent_only"), "{action:?}");
        }
        for (state, action) in [(Draft, PlanAction::Edit), (Draft, PlanAction::Submit), (Acknowledged, PlanAction::Publish)] {
            let e = transition(state, &action, true).unwrap_err();
            assert!(e.has("plan.branch_only"), "{action:?}");
            assert!(e.to_string().contains("只能由本级党组织"));
        }
    }

    #[test]
    fn returning_a_plan_needs_a_reason() {
        let e = transition(Submitted, &ret("  "), true).unwrap_err();
        assert!(e.has("plan.return_reason"));
    }

    #[test]
    fn a_returned_plan_is_edited_resubmitted_and_acknowledged() {
        let mut s = Draft;
        let steps = [
            (PlanAction::Submit, false),
            (ret("缺少7月安排"), true),
            (PlanAction::Edit, false),
            (PlanAction::Submit, false),
            (PlanAction::Acknowledge, true),
            (PlanAction::Publish, false),
        ];
        for (action, parent) in steps {
            s = transition(s, &action, parent).unwrap();
        }
        assert_eq!(s, Published);
    }

    #[test]
    fn plan_actions_serialize_with_a_tag() {
        let a: PlanAction = serde_json::from_str(r#"{"action":"return","reason":"请补充"}"#).unwrap();
        assert_eq!(a, ret("请补充"));
        assert_eq!(serde_json::to_string(&PlanAction::Submit).unwrap(), r#"{"action":"submit"}"#);
    }

    #[test]
    fn plan_deadline_is_31_january_and_1_february_is_late() {
        let r = OrgLifeRules::default();
        assert_eq!(deadline(2026, &r), d(2026, 1, 31));
        assert!(!is_late(d(2026, 1, 31), 2026, &r));
        assert!(!is_late(d(2025, 12, 20), 2026, &r));
        assert!(is_late(d(2026, 2, 1), 2026, &r));
    }

    #[test]
    fn plan_deadline_follows_the_rules_and_clamps_to_the_month_end() {
        let mut r = OrgLifeRules::default();
        r.annual_plan.deadline_month = 3;
        r.annual_plan.deadline_day = 15;
        assert_eq!(deadline(2026, &r), d(2026, 3, 15));
        assert!(!is_late(d(2026, 3, 15), 2026, &r));
        assert!(is_late(d(2026, 3, 16), 2026, &r));
        r.annual_plan.deadline_month = 2;
        r.annual_plan.deadline_day = 29;
        assert_eq!(deadline(2027, &r), d(2027, 2, 28));
        assert_eq!(deadline(2028, &r), d(2028, 2, 29));
    }

    #[test]
    fn a_full_plan_with_several_items_in_a_month_can_be_submitted() {
        let mut items = full_year(2026);
        items
            .push(PlanItem { month: 7, date: d(2026, 7, 1), theme: "庆祝建党105周年".into(), form: "组织生活".into() });
        assert_eq!(validate_items(2026, &items, true, 1), Ok(()));
    }

    #[test]
    fn a_plan_missing_months_is_a_valid_draft_but_cannot_be_submitted() {
        let items: Vec<PlanItem> = full_year(2026).into_iter().filter(|i| i.month != 3 && i.month != 7).collect();
        assert_eq!(validate_items(2026, &items, false, 1), Ok(()));
        let e = validate_items(2026, &items, true, 1).unwrap_err();
        assert!(e.has("items.month_missing"));
        assert!(e.to_string().contains("3月、7月"), "{e}");
    }

    #[test]
    fn a_branch_formed_mid_year_plans_from_its_first_month() {
        let items: Vec<PlanItem> = full_year(2026).into_iter().filter(|i| i.month >= 6).collect();
        assert_eq!(validate_items(2026, &items, true, 6), Ok(()));
        assert!(validate_items(2026, &items, true, 5).is_err());
    }

    #[test]
    fn plan_item_dates_must_lie_in_their_month_and_year() {
        let item = |month, date, theme: &str, form: &str| PlanItem { month, date, theme: theme.into(), form: form.into() };
        let cases = [
            (item(3, d(2026, 4, 1), "主题", "形式"), "item.date"),
            (item(1, d(2025, 1, 15), "主题", "形式"), "item.date"),
            (item(13, d(2026, 12, 1), "主题", "形式"), "item.month"),
            (item(0, d(2026, 1, 1), "主题", "形式"), "item.month"),
            (item(5, d(2026, 5, 1), " ", "形式"), "item.theme"),
            (item(5, d(2026, 5, 1), "主题", ""), "item.form"),
            (item(5, d(2026, 5, 1), &"长".repeat(101), "形式"), "item.length"),
        ];
        for (it, code) in cases {
            let e = validate_items(2026, std::slice::from_ref(&it), false, 1).unwrap_err();
            assert!(e.has(code), "{it:?}: {e:?}");
            assert!(e.to_string().starts_with("第1项："), "{e}");
        }
        let leap = item(2, d(2028, 2, 29), "主题", "形式");
        assert_eq!(validate_items(2028, &[leap], false, 1), Ok(()));
    }
}
