//! The pure side of reconciling the engine's findings with the stored ones: the titles
//! of rule codes, the period a finding is filed under, and which stored findings an
//! evaluation can no longer touch. The store (`vanguard_store::orglife::check`) reads
//! and writes the rows; it decides nothing of this itself.

use super::{ABSENCE_CODE, PARTICIPATION_CODE, PLAN_CODE, TERM_CODE};
use crate::kernel::finding::Finding;
use crate::kernel::period::Period;
use crate::kernel::rules::RuleSet;
use chrono::NaiveDate;

/// The Chinese title of a rule code (meeting rules, the plan, term, 党章第九条, repeated
/// absence, and the structure codes); an unknown code is shown as it is.
pub fn rule_title(rules: &RuleSet, code: &str) -> String {
    let ol = &rules.orglife;
    if let Some(r) = ol.meeting(code) {
        return r.title.clone();
    }
    match code {
        c if c == PLAN_CODE => ol.annual_plan.title.clone(),
        c if c == TERM_CODE => ol.term_expiry.title.clone(),
        c if c == PARTICIPATION_CODE => ol.participation.title.clone(),
        c if c == ABSENCE_CODE => ol.absence.title.clone(),
        "branch.too_few_formal" => "正式党员不足3人".into(),
        "branch.too_large" => "党支部党员超过50人".into(),
        "branch.needs_committee" => "应设支部委员会".into(),
        "branch.committee_not_required" => "可不设支部委员会".into(),
        other => other.to_string(),
    }
}

/// The same period the stored key names: a finding about a run of months keeps the key
/// (and so the stored identity) of its first month, while its end is in the evidence.
pub fn normalized(mut f: Finding) -> Finding {
    if let Some(p) = Period::parse_key(&f.period.key()) {
        f.period = p;
    }
    f
}

/// Whether a stored finding (`rule_code`, `period_key`) lies outside what an evaluation
/// from `from` can produce: a periodic rule (meetings, the plan, 党章第九条) about a
/// period that ended before the window. Such findings stay as they are.
pub fn frozen(rule_code: &str, period_key: &str, from: NaiveDate, rules: &RuleSet) -> bool {
    let periodic = rule_code == PLAN_CODE
        || rule_code == PARTICIPATION_CODE
        || rule_code == ABSENCE_CODE
        || rules.orglife.meeting(rule_code).is_some();
    periodic && Period::parse_key(period_key).is_some_and(|p| p.end < from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::finding::{Severity, Subject};
    use crate::kernel::period::PeriodKind;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn rule_codes_are_titled_from_the_rule_set_and_unknown_codes_are_shown_as_they_are() {
        let rules = RuleSet::default();
        let theme = rules.orglife.meeting("orglife.theme_day").unwrap();
        assert_eq!(rule_title(&rules, &theme.code), theme.title);
        assert_eq!(rule_title(&rules, PLAN_CODE), rules.orglife.annual_plan.title);
        assert_eq!(rule_title(&rules, "branch.too_large"), "党支部党员超过50人");
        assert_eq!(rule_title(&rules, "other.rule"), "other.rule");
    }

    #[test]
    fn periodic_findings_about_periods_before_the_window_are_frozen_and_others_are_not() {
        let rules = RuleSet::default();
        let from = d(2025, 1, 1);
        assert!(frozen(PLAN_CODE, "2024", from, &rules));
        assert!(frozen("orglife.theme_day", "2024-12", from, &rules));
        assert!(!frozen("orglife.theme_day", "2025-01", from, &rules));
        // Not periodic: the term and the structure are judged as they stand.
        assert!(!frozen(TERM_CODE, "2024", from, &rules));
        assert!(!frozen("branch.too_large", "2024-12", from, &rules));
    }

    #[test]
    fn a_finding_about_a_run_of_months_is_filed_under_its_first_month() {
        let run = Period { kind: PeriodKind::Month, start: d(2026, 3, 1), end: d(2026, 5, 31) };
        let f = Finding {
            rule_code: PARTICIPATION_CODE.into(),
            rule_version: 1,
            subject: Subject::Member(7),
            period: run,
            severity: Severity::Alert,
            evidence: String::new(),
        };
        assert_eq!(normalized(f).period, Period::parse_key("2026-03").unwrap());
    }
}
