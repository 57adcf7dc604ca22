//! 三重三跨 挂职锻炼 (`domain.md` §1 A27: 151名干部, 为期1年): a cadre (a member) seconded
//! from one org to another for a term, with duties, periodic reports to both sides and an
//! end-of-term evaluation by the receiving org. States: 挂职中 → 期满待考核 → 已考核, or
//! 提前结束 (召回) with the reason. A report overdue by the configured frequency is a
//! finding ([`report_overdue_finding`]). Pure: the store keeps the rows.

use crate::kernel::error::{FieldError, Invalid, check_text};
use crate::kernel::finding::{Finding, Subject};
use crate::kernel::period::{Period, PeriodKind, zh_date};
use crate::kernel::rules::SeverityPolicy;
use crate::service::pledge::FulfilmentGrade;
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// The numbers of secondments, a section of the versioned [`crate::kernel::rules::RuleSet`].
/// Source: A27 (`domain.md` §1: 151名干部, 为期1年) for the term; the report frequency is a
/// deployment's choice, default quarterly (季度思想工作汇报, the usual 挂职 practice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SecondmentRules {
    /// The default term, in months: 12.
    pub term_months: u32,
    /// The longest term, in months: 36.
    pub max_term_months: u32,
    /// A report is due this many months after the start or the last report: 3.
    pub report_every_months: u32,
}

impl Default for SecondmentRules {
    fn default() -> Self {
        Self { term_months: 12, max_term_months: 36, report_every_months: 3 }
    }
}

labelled_enum! {
    /// Where a secondment stands.
    pub enum SecondmentState {
        Active = ("active", "挂职中"),
        /// The term is over (or ended on its last day), waiting for the receiving org.
        Ended = ("ended", "期满待考核"),
        Evaluated = ("evaluated", "已考核"),
        /// Ended before the term, with the reason.
        Recalled = ("recalled", "提前结束"),
    }
}

/// The longest text (duties, report, note), in characters.
pub const SECONDMENT_TEXT_MAX: usize = 1000;

/// A secondment as typed by the sending org.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct SecondmentInput {
    pub member_id: i64,
    /// The receiving org.
    pub to_org_id: i64,
    /// Starts on (`YYYY-MM-DD`).
    pub starts_on: String,
    /// Ends on (`YYYY-MM-DD`); empty: the default term.
    pub ends_on: String,
    /// The post held there (e.g. 挂任村党组织第一书记).
    pub post: String,
    /// The duties.
    pub duties: String,
}

/// A secondment's dates and texts, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondmentPlan {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub post: String,
    pub duties: String,
}

/// Reads a secondment: a start, an end after it within the longest term (the default
/// term when empty), a post and duties, and a receiving org other than the sending one.
pub fn parse_plan(rules: &SecondmentRules, input: &SecondmentInput, from_org_id: i64) -> Result<SecondmentPlan, Invalid> {
    let mut inv = Invalid::default();
    let starts = crate::kernel::time::parse_iso_date(&input.starts_on);
    if starts.is_none() {
        inv.push(FieldError::new("starts_on", "date.format", "请填写挂职开始日期，格式如 2026-07-01"));
    }
    let ends = if input.ends_on.trim().is_empty() {
        starts.and_then(|s| s.checked_add_months(Months::new(rules.term_months))).and_then(|d| d.pred_opt())
    } else {
        let e = crate::kernel::time::parse_iso_date(&input.ends_on);
        if e.is_none() {
            inv.push(FieldError::new("ends_on", "date.format", "请填写挂职结束日期，格式如 2027-06-30，或留空按默认期限"));
        }
        e
    };
    if let (Some(s), Some(e)) = (starts, ends) {
        let longest = s.checked_add_months(Months::new(rules.max_term_months)).unwrap_or(s);
        if e <= s {
            inv.push(FieldError::new("ends_on", "secondment.order", "结束日期须晚于开始日期"));
        } else if e > longest {
            inv.push(FieldError::new("ends_on", "secondment.too_long", format!("挂职期限最长{}个月", rules.max_term_months)));
        }
    }
    if input.to_org_id == from_org_id {
        inv.push(FieldError::new("to_org_id", "secondment.same_org", "挂职单位不能是本人所在的党组织"));
    }
    check_text(&mut inv, "post", "挂任职务", &input.post, 100, true);
    check_text(&mut inv, "duties", "工作职责", &input.duties, SECONDMENT_TEXT_MAX, true);
    match (starts, ends) {
        (Some(starts_on), Some(ends_on)) if inv.is_empty() => {
            Ok(SecondmentPlan { starts_on, ends_on, post: input.post.trim().into(), duties: input.duties.trim().into() })
        }
        _ => Err(inv),
    }
}

/// What the stored secondment says, for the decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecondmentFacts {
    pub state: SecondmentState,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// The last report's day, if any.
    pub last_report_on: Option<NaiveDate>,
    pub member_id: i64,
}

/// A report may be recorded while 挂职中 or 期满待考核 (the closing report), dated within
/// the term's start and today.
pub fn check_report(s: &SecondmentFacts, on: NaiveDate, today: NaiveDate) -> Result<(), Invalid> {
    if !matches!(s.state, SecondmentState::Active | SecondmentState::Ended) {
        return Err(Invalid::one("state", "secondment.closed", format!("该挂职{}，不能再报告", s.state.label())));
    }
    if on > today {
        return Err(Invalid::one("on", "date.future", "日期不能晚于今天"));
    }
    if on < s.starts_on {
        return Err(Invalid::one(
            "on",
            "secondment.before_start",
            format!("报告日期不能早于挂职开始日期{}", zh_date(s.starts_on)),
        ));
    }
    Ok(())
}

/// Ends the term: on or after its last day → 期满待考核; before it only as 召回 (`recall`)
/// with a reason. The state after.
pub fn end(s: &SecondmentFacts, recall: bool, reason: &str, today: NaiveDate) -> Result<SecondmentState, Invalid> {
    if s.state != SecondmentState::Active {
        return Err(Invalid::one("state", "secondment.not_active", format!("该挂职{}", s.state.label())));
    }
    if recall {
        let mut inv = Invalid::default();
        check_text(&mut inv, "note", "提前结束的原因", reason, SECONDMENT_TEXT_MAX, true);
        return if inv.is_empty() { Ok(SecondmentState::Recalled) } else { Err(inv) };
    }
    if today < s.ends_on {
        return Err(Invalid::one(
            "state",
            "secondment.not_due",
            format!("挂职期至{}，未到期；如需提前结束请选择“提前结束”并说明原因", zh_date(s.ends_on)),
        ));
    }
    Ok(SecondmentState::Ended)
}

/// The receiving org evaluates a finished term (期满待考核), with a grade and a note; not
/// the cadre themself (`evaluator_member`: the evaluating account's member).
pub fn evaluate(s: &SecondmentFacts, evaluator_member: Option<i64>, note: &str) -> Result<SecondmentState, Invalid> {
    if s.state != SecondmentState::Ended {
        return Err(Invalid::one("state", "secondment.not_ended", "挂职期满（或登记期满）后由挂职单位考核"));
    }
    if evaluator_member == Some(s.member_id) {
        return Err(Invalid::one("state", "secondment.own", "挂职干部本人不能考核自己"));
    }
    let mut inv = Invalid::default();
    check_text(&mut inv, "note", "考核意见", note, SECONDMENT_TEXT_MAX, true);
    if inv.is_empty() { Ok(SecondmentState::Evaluated) } else { Err(inv) }
}

/// The grades an evaluation gives (the same scale as 践诺评议).
pub type SecondmentGrade = FulfilmentGrade;

/// The day the next report is due: the configured months after the last report (or the
/// start).
pub fn report_due_on(rules: &SecondmentRules, s: &SecondmentFacts) -> NaiveDate {
    let from = s.last_report_on.unwrap_or(s.starts_on);
    from.checked_add_months(Months::new(rules.report_every_months)).unwrap_or(from)
}

/// The rule code of an overdue report.
pub const REPORT_CODE: &str = "service.secondment_report";
pub const REPORT_TITLE: &str = "挂职干部逾期未报告";
/// The prefix of every secondment finding's code.
pub const SECONDMENT_PREFIX: &str = "service.secondment_";
pub const SECONDMENT_RULE_VERSION: u32 = 1;

/// A report overdue (after its due day) while 挂职中: a finding about the cadre, for the
/// month the missing report was due.
pub fn report_overdue_finding(
    rules: &SecondmentRules,
    severity: &SeverityPolicy,
    s: &SecondmentFacts,
    as_of: NaiveDate,
) -> Option<Finding> {
    if s.state != SecondmentState::Active {
        return None;
    }
    let due = report_due_on(rules, s);
    (as_of > due && due <= s.ends_on).then(|| Finding {
        rule_code: REPORT_CODE.into(),
        rule_version: SECONDMENT_RULE_VERSION,
        subject: Subject::Member(s.member_id),
        period: Period::containing(PeriodKind::Month, due),
        severity: severity.open_at_risk,
        evidence: match s.last_report_on {
            Some(last) => {
                format!("上次报告{}，应于{}前再报告（每{}个月）", zh_date(last), zh_date(due), rules.report_every_months)
            }
            None => {
                format!("{}开始挂职，应于{}前首次报告（每{}个月）", zh_date(s.starts_on), zh_date(due), rules.report_every_months)
            }
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::time::parse_iso_date;

    fn d(s: &str) -> NaiveDate {
        parse_iso_date(s).unwrap()
    }

    fn facts(state: SecondmentState) -> SecondmentFacts {
        SecondmentFacts { state, starts_on: d("2026-01-15"), ends_on: d("2027-01-14"), last_report_on: None, member_id: 5 }
    }

    fn input() -> SecondmentInput {
        SecondmentInput {
            member_id: 5,
            to_org_id: 2,
            starts_on: "2026-01-15".into(),
            ends_on: String::new(),
            post: "村党组织第一书记".into(),
            duties: "抓党建促乡村振兴".into(),
        }
    }

    #[test]
    fn the_default_term_is_one_year() {
        let p = parse_plan(&SecondmentRules::default(), &input(), 1).unwrap();
        assert_eq!((p.starts_on, p.ends_on), (d("2026-01-15"), d("2027-01-14")));
        let six = SecondmentRules { term_months: 6, ..Default::default() };
        assert_eq!(parse_plan(&six, &input(), 1).unwrap().ends_on, d("2026-07-14"), "the term is data");
    }

    #[test]
    fn a_plan_needs_an_order_a_bounded_term_another_org_and_duties() {
        let r = SecondmentRules::default();
        let back = SecondmentInput { ends_on: "2026-01-15".into(), ..input() };
        assert!(parse_plan(&r, &back, 1).unwrap_err().has("secondment.order"));
        let long = SecondmentInput { ends_on: "2029-01-16".into(), ..input() };
        assert!(parse_plan(&r, &long, 1).unwrap_err().has("secondment.too_long"));
        assert!(parse_plan(&r, &input(), 2).unwrap_err().has("secondment.same_org"));
        let empty = SecondmentInput { duties: " ".into(), ..input() };
        assert!(parse_plan(&r, &empty, 1).unwrap_err().has("text.required"));
    }

    #[test]
    fn the_term_ends_on_its_last_day_or_earlier_only_as_a_recall_with_a_reason() {
        let s = facts(SecondmentState::Active);
        assert!(end(&s, false, "", d("2027-01-13")).unwrap_err().has("secondment.not_due"));
        assert_eq!(end(&s, false, "", d("2027-01-14")), Ok(SecondmentState::Ended));
        assert!(end(&s, true, "", d("2026-06-01")).unwrap_err().has("text.required"));
        assert_eq!(end(&s, true, "工作需要调回", d("2026-06-01")), Ok(SecondmentState::Recalled));
        assert!(end(&facts(SecondmentState::Ended), false, "", d("2027-02-01")).unwrap_err().has("secondment.not_active"));
    }

    #[test]
    fn the_receiving_org_evaluates_a_finished_term_not_the_cadre() {
        let s = facts(SecondmentState::Ended);
        assert!(evaluate(&s, Some(5), "好").unwrap_err().has("secondment.own"));
        assert_eq!(evaluate(&s, None, "完成挂职任务"), Ok(SecondmentState::Evaluated));
        assert!(evaluate(&s, None, "").unwrap_err().has("text.required"));
        assert!(evaluate(&facts(SecondmentState::Active), None, "x").unwrap_err().has("secondment.not_ended"));
    }

    #[test]
    fn reports_are_taken_during_the_term_and_for_the_close_not_after_evaluation() {
        let today = d("2026-06-01");
        assert!(check_report(&facts(SecondmentState::Active), d("2026-05-30"), today).is_ok());
        assert!(check_report(&facts(SecondmentState::Ended), d("2026-05-30"), today).is_ok());
        assert!(check_report(&facts(SecondmentState::Active), d("2026-06-02"), today).unwrap_err().has("date.future"));
        assert!(
            check_report(&facts(SecondmentState::Active), d("2026-01-14"), today).unwrap_err().has("secondment.before_start")
        );
        assert!(check_report(&facts(SecondmentState::Evaluated), d("2026-05-30"), today).unwrap_err().has("secondment.closed"));
    }

    #[test]
    fn a_report_overdue_after_the_configured_months_is_a_finding() {
        let r = SecondmentRules::default();
        let sev = SeverityPolicy::default();
        let s = facts(SecondmentState::Active);
        assert_eq!(report_due_on(&r, &s), d("2026-04-15"));
        assert!(report_overdue_finding(&r, &sev, &s, d("2026-04-15")).is_none(), "the due day is on time");
        let f = report_overdue_finding(&r, &sev, &s, d("2026-04-16")).unwrap();
        assert_eq!((f.rule_code.as_str(), f.period.key()), (REPORT_CODE, "2026-04".to_string()));
        let reported = SecondmentFacts { last_report_on: Some(d("2026-04-10")), ..s };
        assert!(report_overdue_finding(&r, &sev, &reported, d("2026-07-10")).is_none());
        assert!(report_overdue_finding(&r, &sev, &reported, d("2026-07-11")).is_some());
        let monthly = SecondmentRules { report_every_months: 1, ..r.clone() };
        assert!(report_overdue_finding(&monthly, &sev, &s, d("2026-02-16")).is_some(), "the frequency is data");
        assert!(report_overdue_finding(&r, &sev, &facts(SecondmentState::Ended), d("2027-06-01")).is_none());
    }
}
