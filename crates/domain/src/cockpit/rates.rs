//! The cockpit's figures, worked out from compliance cells already read: which periods
//! a rule is judged in for the period shown, a rule's rate and class, the ranking of
//! children, and what to do about an open finding. No I/O: the store reads the cells
//! (`vanguard_store::cockpit`) and hands them here.
//!
//! **Rates.** For a rule and a period, `compliant/total` counts the (org, rule period)
//! rows of the subtree whose meetings held reached the number due. A rule judged per
//! quarter shown for a month uses the quarter containing it; a monthly rule shown for a
//! quarter or year counts org-months, using only months already ended when there are
//! any. Whether a period is still open is decided from today, not from the stored flag.

use super::{Rag, Rollup};
use crate::Invalid;
use crate::kernel::finding::Severity;
use crate::kernel::period::{Period, PeriodKind};
use crate::kernel::rules::RuleSet;
use crate::org::OrgKind;
use crate::orglife::{ABSENCE_CODE, MeetingRule, PARTICIPATION_CODE, PLAN_CODE, TERM_CODE};
use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;
use std::collections::HashMap;

/// An org as the cockpit names it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CockpitOrg {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub kind_label: &'static str,
}

/// A compliance figure with its class.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct Rate {
    pub compliant: u32,
    pub total: u32,
    /// 0–10000; `None` when nothing was judged.
    pub basis_points: Option<u32>,
    /// Whole percent, rounded down.
    pub percent: Option<u32>,
    pub rag: Rag,
    pub rag_label: &'static str,
}

impl Rate {
    /// A roll-up with its class by the rule set's thresholds.
    pub fn of(r: Rollup, rules: &RuleSet) -> Rate {
        let rag = r.rag(&rules.orglife.rag);
        Rate {
            compliant: r.compliant,
            total: r.total,
            basis_points: r.basis_points(),
            percent: r.percent(),
            rag,
            rag_label: rag.label(),
        }
    }
}

/// One rule's figure for a period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RuleRate {
    pub rule_code: String,
    pub title: String,
    /// `每月至少1次`.
    pub frequency: String,
    pub period_key: String,
    pub period_label: String,
    /// The period has not ended yet: the figure is progress so far.
    pub open: bool,
    #[serde(flatten)]
    pub rate: Rate,
}

/// A child org with its overall figure, its rank and its figure per rule.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChildRate {
    #[serde(flatten)]
    pub org: CockpitOrg,
    /// 1 = best; `None` when nothing was judged.
    pub rank: Option<u32>,
    /// All rules together (org-periods compliant ÷ judged).
    pub overall: Rate,
    pub rules: Vec<RuleRate>,
    /// Open findings in its subtree.
    pub open_findings: i64,
    /// Whether it has orgs below it (the tree view expands it).
    pub has_children: bool,
}

/// The rank a severity code has in the findings order (most severe first), as the
/// store's `FINDING_ORDER` sorts it.
pub fn severity_order(code: &str) -> i64 {
    match code {
        "finding" => 0,
        "alert" => 1,
        "warning" => 2,
        _ => 3,
    }
}

// ---- Periods -----------------------------------------------------------------------------

/// The period a cockpit shows: `key` (`2026-07`, `2026-Q3`, `2026-H2`, `2026`), or by
/// default the last month that has ended.
pub fn resolve_period(key: Option<&str>, today: NaiveDate) -> Result<Period, Invalid> {
    match key.map(str::trim).filter(|k| !k.is_empty()) {
        Some(k) => Period::parse_key(k).ok_or_else(|| {
            Invalid::one(
                "period",
                "period.invalid",
                "统计周期格式应为 2026-07（月）、2026-Q3（季度）、2026-H2（半年）或 2026（年度）",
            )
        }),
        None => {
            let last_month = today.with_day(1).and_then(|d| d.checked_sub_months(Months::new(1))).unwrap_or(today);
            Ok(Period::containing(PeriodKind::Month, last_month))
        }
    }
}

/// The periods of a rule judged per `rule_kind` that make up the figure for `p`.
pub fn rule_periods(rule_kind: PeriodKind, p: &Period) -> Vec<Period> {
    if rule_kind.months() >= p.kind.months() {
        vec![Period::containing(rule_kind, p.start)]
    } else {
        Period::between(rule_kind, p.start, p.end)
    }
}

/// The meeting rules switched on.
pub fn enabled_rules(rules: &RuleSet) -> Vec<&MeetingRule> {
    rules.orglife.meetings.iter().filter(|r| r.enabled).collect()
}

/// Every period key any enabled rule needs for `p`.
pub fn keys_for(rules: &RuleSet, p: &Period) -> Vec<String> {
    let mut keys: Vec<String> =
        enabled_rules(rules).iter().flat_map(|r| rule_periods(r.frequency.per, p)).map(|q| q.key()).collect();
    keys.sort();
    keys.dedup();
    keys
}

/// (compliant, total) per (rule, period key).
pub type Cells = HashMap<(String, String), Rollup>;

/// One rule's figure for `p` from the cells.
pub fn rule_rate(rule: &MeetingRule, p: &Period, cells: &Cells, today: NaiveDate, rules: &RuleSet) -> RuleRate {
    let periods = rule_periods(rule.frequency.per, p);
    let cell = |q: &Period| cells.get(&(rule.code.clone(), q.key())).copied().unwrap_or_default();
    let ended: Vec<&Period> = periods.iter().filter(|q| q.end < today).collect();
    let (sum, open): (Rollup, bool) = if periods.len() > 1 && !ended.is_empty() {
        (ended.iter().map(|q| cell(q)).sum(), ended.len() < periods.len())
    } else {
        (periods.iter().map(cell).sum(), periods.iter().any(|q| q.end >= today))
    };
    let shown = if periods.len() == 1 { periods[0] } else { *p };
    RuleRate {
        rule_code: rule.code.clone(),
        title: rule.title.clone(),
        frequency: rule.frequency.label(),
        period_key: shown.key(),
        period_label: shown.label(),
        open,
        rate: Rate::of(sum, rules),
    }
}

impl CockpitOrg {
    /// An org by id, name and kind.
    pub fn new(id: i64, name: String, kind: OrgKind) -> CockpitOrg {
        CockpitOrg { id, name, kind: kind.code().to_string(), kind_label: kind.label() }
    }
}

/// What to do about an open finding.
pub fn action_for(rules: &RuleSet, rule_code: &str, severity: Severity, period_key: &str) -> String {
    let period = Period::parse_key(period_key);
    if let Some(r) = rules.orglife.meeting(rule_code) {
        return match (severity, period) {
            (Severity::Info, Some(p)) => {
                format!("请于{}年{}月{}日前{}{}", p.end.year(), p.end.month(), p.end.day(), r.verb(), r.noun())
            }
            (_, Some(p)) => {
                format!("如已{}{}，请补录{}的记实；否则请查明原因，按计划{}并督促整改", r.verb(), r.noun(), p.label(), r.verb())
            }
            _ => format!("请按规定{}{}", r.verb(), r.noun()),
        };
    }
    match rule_code {
        c if c == PLAN_CODE && severity == Severity::Info => "请按期制定固定组织生活日年度计划并报上级党组织备案".into(),
        c if c == PLAN_CODE => "请尽快完成年度计划报备，并向支部党员公布".into(),
        c if c == TERM_CODE => "请及时向上级党组织请示，启动换届选举程序".into(),
        c if c == PARTICIPATION_CODE && severity == Severity::Finding => {
            "请党支部按党章第九条依规处置：谈心谈话、批评教育，经教育仍无转变的按程序处置".into()
        }
        c if c == PARTICIPATION_CODE => "请与该党员谈心谈话，了解原因，督促其参加组织生活".into(),
        c if c == ABSENCE_CODE => "请提醒该党员按时参加组织生活，因故不能参加的应事先请假并说明理由".into(),
        _ => "请按《中国共产党支部工作条例（试行）》调整组织设置".into(),
    }
}

/// Every rule code a finding can carry.
pub fn finding_codes(rules: &RuleSet) -> Vec<String> {
    let mut v: Vec<String> = rules.orglife.meetings.iter().map(|r| r.code.clone()).collect();
    v.extend([PLAN_CODE, TERM_CODE, PARTICIPATION_CODE, ABSENCE_CODE].map(String::from));
    v.extend(
        ["branch.too_few_formal", "branch.too_large", "branch.needs_committee", "branch.committee_not_required"]
            .map(String::from),
    );
    v.sort();
    v.dedup();
    v
}

/// The codes of the enabled meeting rules.
pub fn meeting_codes(rules: &RuleSet) -> Vec<String> {
    let mut v: Vec<String> = enabled_rules(rules).iter().map(|r| r.code.clone()).collect();
    v.sort();
    v
}

/// Ranks children by their overall rate, best first; ties by more judged, then name.
pub fn rank(children: &mut [ChildRate]) {
    children.sort_by(|a, b| {
        let key = |c: &ChildRate| (c.overall.total > 0, c.overall.basis_points.unwrap_or(0), c.overall.total);
        key(b).cmp(&key(a)).then_with(|| a.org.name.cmp(&b.org.name))
    });
    let mut n = 0;
    for c in children.iter_mut() {
        if c.overall.total > 0 {
            n += 1;
            c.rank = Some(n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_default_period_is_the_last_month_that_ended() {
        assert_eq!(resolve_period(None, d(2026, 11, 27)).unwrap().key(), "2026-10");
        assert_eq!(resolve_period(None, d(2026, 1, 1)).unwrap().key(), "2025-12");
        assert_eq!(resolve_period(Some("2026-Q3"), d(2026, 11, 27)).unwrap().key(), "2026-Q3");
        assert!(resolve_period(Some("2026-13"), d(2026, 11, 27)).is_err());
    }

    #[test]
    fn a_rule_shown_for_a_longer_period_sums_its_own_periods_and_a_shorter_one_uses_the_containing_period() {
        let q3 = Period::parse_key("2026-Q3").unwrap();
        let keys = |k: PeriodKind, p: &Period| rule_periods(k, p).iter().map(Period::key).collect::<Vec<_>>();
        assert_eq!(keys(PeriodKind::Month, &q3), vec!["2026-07", "2026-08", "2026-09"]);
        assert_eq!(keys(PeriodKind::Quarter, &q3), vec!["2026-Q3"]);
        assert_eq!(keys(PeriodKind::Year, &q3), vec!["2026"]);
        let july = Period::parse_key("2026-07").unwrap();
        assert_eq!(keys(PeriodKind::Quarter, &july), vec!["2026-Q3"]);
    }

    #[test]
    fn an_open_year_counts_only_the_months_that_ended() {
        let rules = RuleSet::default();
        let theme = rules.orglife.meeting("orglife.theme_day").unwrap();
        let year = Period::parse_key("2026").unwrap();
        let mut cells = Cells::new();
        cells.insert((theme.code.clone(), "2026-10".into()), Rollup { compliant: 9, total: 10 });
        cells.insert((theme.code.clone(), "2026-11".into()), Rollup { compliant: 1, total: 10 });
        let r = rule_rate(theme, &year, &cells, d(2026, 11, 27), &rules);
        assert_eq!((r.rate.compliant, r.rate.total, r.open), (9, 10, true));
        assert_eq!(r.period_key, "2026");
        let nov = Period::parse_key("2026-11").unwrap();
        let r = rule_rate(theme, &nov, &cells, d(2026, 11, 27), &rules);
        assert_eq!((r.rate.compliant, r.rate.total, r.open, r.rate.rag), (1, 10, true, Rag::Red));
    }

    #[test]
    fn children_are_ranked_by_rate_and_those_without_figures_come_last() {
        let rules = RuleSet::default();
        let child = |name: &str, c: u32, t: u32| ChildRate {
            org: CockpitOrg { id: 0, name: name.into(), kind: "branch".into(), kind_label: "党支部" },
            rank: None,
            overall: Rate::of(Rollup { compliant: c, total: t }, &rules),
            rules: Vec::new(),
            open_findings: 0,
            has_children: false,
        };
        let mut v = vec![child("甲", 5, 10), child("乙", 0, 0), child("丙", 9, 10), child("丁", 18, 20)];
        rank(&mut v);
        let order: Vec<(&str, Option<u32>)> = v.iter().map(|c| (c.org.name.as_str(), c.rank)).collect();
        assert_eq!(order, vec![("丁", Some(1)), ("丙", Some(2)), ("甲", Some(3)), ("乙", None)]);
    }
}
