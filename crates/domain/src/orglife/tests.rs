//! Table-driven specifications of the rules engine, one case per rule case.

use super::*;
use crate::cockpit::{Rag, Rollup};
use crate::kernel::finding::{Finding, Severity, Subject, findings_diff};

use crate::kernel::rules::RuleSet;
use crate::member::Category;
use crate::org::{BranchCounts, OrgKind};
use MeetingType::*;
use chrono::NaiveDate;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// A 党支部 of 10 members (8 正式) with a committee, existing since 2020.
fn branch() -> OrgFacts {
    OrgFacts {
        has_committee: true,
        established_on: Some(d(2020, 1, 1)),
        counts: BranchCounts { members: 10, formal: 8 },
        ..OrgFacts::new(1, OrgKind::Branch)
    }
}

fn with(mut facts: OrgFacts, t: MeetingType, dates: &[NaiveDate]) -> OrgFacts {
    facts.meetings.extend(dates.iter().map(|&held_on| HeldMeeting { meeting_type: t, held_on }));
    facts
}

/// The window most tests judge: the whole of 2026.
fn from() -> NaiveDate {
    d(2026, 1, 1)
}

fn rules() -> RuleSet {
    RuleSet::default()
}

/// `(period key, severity)` of the findings of one rule.
fn of(findings: &[Finding], code: &str) -> Vec<(String, Severity)> {
    findings.iter().filter(|f| f.rule_code == code).map(|f| (f.period.key(), f.severity)).collect()
}

fn keys(findings: &[Finding], code: &str) -> Vec<String> {
    of(findings, code).into_iter().map(|(k, _)| k).collect()
}

fn evidence(findings: &[Finding], code: &str, key: &str) -> String {
    findings.iter().find(|f| f.rule_code == code && f.period.key() == key).map(|f| f.evidence.clone()).unwrap_or_default()
}

fn org_findings(facts: &OrgFacts, as_of: NaiveDate) -> Vec<Finding> {
    evaluate_org(facts, from(), as_of, &rules())
}

// ---------------------------------------------------------------- meeting rules

#[test]
fn expected_types_agree_with_the_default_rules() {
    let r = OrgLifeRules::default();
    for kind in OrgKind::ALL {
        for committee in [false, true] {
            let mut from_rules: Vec<MeetingType> = r
                .meetings
                .iter()
                .filter(|m| !m.secretary_only && m.applies(*kind, committee, 1))
                .map(|m| m.meeting_type)
                .collect();
            let mut expected = expected_types(*kind, committee);
            from_rules.sort();
            expected.sort();
            assert_eq!(from_rules, expected, "{kind:?} committee={committee}");
        }
    }
}

#[test]
fn theme_day_missed_in_a_completed_month_is_a_problem_with_concrete_evidence() {
    let f = org_findings(&with(branch(), ThemeDay, &[d(2026, 1, 10)]), d(2026, 3, 1));
    assert_eq!(of(&f, "orglife.theme_day"), vec![("2026-02".to_string(), Severity::Finding)]);
    assert_eq!(evidence(&f, "orglife.theme_day", "2026-02"), "2026年2月未开展主题党日（应≥1次，实际0次）");
}

#[test]
fn a_quarter_without_a_branch_assembly_reads_as_in_the_regulation() {
    let b = with(branch(), BranchAssembly, &[d(2026, 2, 1), d(2026, 5, 1)]);
    let f = org_findings(&b, d(2026, 10, 1));
    assert_eq!(keys(&f, "orglife.branch_assembly"), vec!["2026-Q3"]);
    assert_eq!(evidence(&f, "orglife.branch_assembly", "2026-Q3"), "2026年第3季度未召开支部党员大会（应≥1次，实际0次）");
}

#[test]
fn a_month_is_judged_only_after_it_ends() {
    let b = with(branch(), ThemeDay, &[d(2026, 1, 5), d(2026, 2, 5), d(2026, 3, 5), d(2026, 4, 5), d(2026, 5, 5), d(2026, 6, 5)]);
    let cases = [
        (d(2026, 7, 31), vec![("2026-07".to_string(), Severity::Warning)]),
        (d(2026, 8, 1), vec![("2026-07".to_string(), Severity::Finding)]),
    ];
    for (as_of, expected) in cases {
        assert_eq!(of(&org_findings(&b, as_of), "orglife.theme_day"), expected, "{as_of}");
    }
}

#[test]
fn the_open_period_gets_a_reminder_only_in_its_last_days() {
    let b = with(branch(), ThemeDay, &[d(2026, 6, 5)]);
    let at = |as_of| of(&evaluate_org(&b, d(2026, 7, 1), as_of, &rules()), "orglife.theme_day");
    assert_eq!(at(d(2026, 7, 24)), vec![]);
    assert_eq!(at(d(2026, 7, 25)), vec![("2026-07".to_string(), Severity::Warning)]);
    let f = evaluate_org(&b, d(2026, 7, 1), d(2026, 7, 25), &rules());
    assert_eq!(
        evidence(&f, "orglife.theme_day", "2026-07"),
        "2026年7月尚未开展主题党日（应≥1次，目前0次），本期截至2026年7月31日"
    );
    let held = with(b.clone(), ThemeDay, &[d(2026, 7, 25)]);
    assert_eq!(of(&evaluate_org(&held, d(2026, 7, 1), d(2026, 7, 25), &rules()), "orglife.theme_day"), vec![]);
}

#[test]
fn a_warning_becomes_a_problem_under_the_same_key_when_the_month_ends() {
    let b = branch();
    let before = evaluate_org(&b, d(2026, 7, 1), d(2026, 7, 31), &rules());
    let after = evaluate_org(&b, d(2026, 7, 1), d(2026, 8, 1), &rules());
    let (open, resolve) = findings_diff(&before, &after);
    let july: Vec<&Finding> = open.iter().filter(|f| f.rule_code == "orglife.theme_day" && f.period.key() == "2026-07").collect();
    assert_eq!(july.len(), 1);
    assert_eq!(july[0].severity, Severity::Finding);
    assert!(resolve.iter().all(|f| f.period.key() != "2026-07" || f.rule_code != "orglife.theme_day"));
}

#[test]
fn a_meeting_on_the_last_day_of_a_quarter_counts_for_that_quarter() {
    // (day the 党员大会 was held, quarters reported missing by 1 July)
    let cases = [
        (d(2026, 3, 31), vec!["2026-Q2"]),
        (d(2026, 4, 1), vec!["2026-Q1"]),
        (d(2026, 1, 1), vec!["2026-Q2"]),
        (d(2026, 6, 30), vec!["2026-Q1"]),
    ];
    for (held, missing) in cases {
        let f = org_findings(&with(branch(), BranchAssembly, &[held]), d(2026, 7, 1));
        assert_eq!(keys(&f, "orglife.branch_assembly"), missing, "{held}");
    }
}

#[test]
fn a_meeting_on_29_february_counts_for_february_of_a_leap_year() {
    let leap = with(branch(), ThemeDay, &[d(2028, 1, 31), d(2028, 2, 29)]);
    let f = evaluate_org(&leap, d(2028, 1, 1), d(2028, 3, 1), &rules());
    assert_eq!(keys(&f, "orglife.theme_day"), Vec::<String>::new());
    let f = evaluate_org(&with(branch(), ThemeDay, &[d(2028, 1, 31), d(2028, 3, 1)]), d(2028, 1, 1), d(2028, 3, 2), &rules());
    assert_eq!(keys(&f, "orglife.theme_day"), vec!["2028-02"]);
}

#[test]
fn a_branch_created_mid_year_is_judged_only_for_the_periods_it_existed() {
    // (established on, quarters of missing 党员大会 by 1 Jan 2027, months of missing 主题党日 up to June)
    let cases = [
        (d(2026, 5, 10), vec!["2026-Q2", "2026-Q3", "2026-Q4"], vec!["2026-05", "2026-06"]),
        (d(2026, 5, 20), vec!["2026-Q3", "2026-Q4"], vec!["2026-06"]),
        (d(2026, 4, 1), vec!["2026-Q2", "2026-Q3", "2026-Q4"], vec!["2026-04", "2026-05", "2026-06"]),
        (d(2026, 4, 2), vec!["2026-Q2", "2026-Q3", "2026-Q4"], vec!["2026-04", "2026-05", "2026-06"]),
        (
            d(2025, 12, 31),
            vec!["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"],
            vec!["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"],
        ),
    ];
    for (established, quarters, months) in cases {
        let b = OrgFacts { established_on: Some(established), ..branch() };
        let f = org_findings(&b, d(2027, 1, 1));
        assert_eq!(keys(&f, "orglife.branch_assembly"), quarters, "{established}");
        let first_half: Vec<String> = keys(&f, "orglife.theme_day").into_iter().filter(|k| k.as_str() <= "2026-06").collect();
        assert_eq!(first_half, months, "{established}");
    }
}

#[test]
fn a_branch_created_in_the_second_half_of_the_year_owes_no_yearly_meeting_for_it() {
    let b = OrgFacts { established_on: Some(d(2026, 9, 10)), ..branch() };
    let f = org_findings(&b, d(2027, 1, 5));
    assert!(keys(&f, "orglife.life_meeting").is_empty());
    assert!(keys(&f, "orglife.democratic_review").is_empty());
    let old = org_findings(&branch(), d(2027, 1, 5));
    assert_eq!(keys(&old, "orglife.life_meeting"), vec!["2026"]);
}

#[test]
fn a_branch_dissolved_mid_year_is_judged_until_it_ceased() {
    let b = OrgFacts { dissolved_on: Some(d(2026, 7, 1)), ..branch() };
    let f = org_findings(&b, d(2027, 1, 5));
    assert_eq!(keys(&f, "orglife.branch_assembly"), vec!["2026-Q1", "2026-Q2"]);
    assert_eq!(keys(&f, "orglife.theme_day").last().map(String::as_str), Some("2026-06"));
    assert!(keys(&f, "orglife.life_meeting").is_empty(), "181 of 365 days owes no yearly meeting");
    assert!(of(&f, "branch.needs_committee").is_empty() && of(&f, crate::orglife::TERM_CODE).is_empty());
}

#[test]
fn a_meeting_recorded_late_counts_for_the_month_it_was_held() {
    let mut b = with(branch(), ThemeDay, &[d(2026, 1, 9), d(2026, 2, 9), d(2026, 3, 9)]);
    let before = org_findings(&b, d(2026, 5, 20));
    assert_eq!(keys(&before, "orglife.theme_day"), vec!["2026-04"]);
    // Recorded on 20 May, held on 28 April.
    b.meetings.push(HeldMeeting { meeting_type: ThemeDay, held_on: d(2026, 4, 28) });
    let after = org_findings(&b, d(2026, 5, 20));
    assert!(keys(&after, "orglife.theme_day").is_empty());
    let (open, resolve) = findings_diff(&before, &after);
    assert!(open.is_empty(), "{open:?}");
    assert_eq!(keys(&resolve, "orglife.theme_day"), vec!["2026-04"]);
}

#[test]
fn meetings_after_the_evaluation_day_do_not_count() {
    let b = with(branch(), ThemeDay, &[d(2026, 7, 30)]);
    let f = evaluate_org(&b, d(2026, 7, 1), d(2026, 7, 29), &rules());
    assert_eq!(of(&f, "orglife.theme_day"), vec![("2026-07".to_string(), Severity::Warning)]);
}

#[test]
fn committee_meetings_are_judged_only_where_a_committee_exists() {
    let with_committee = org_findings(&branch(), d(2026, 3, 1));
    assert_eq!(keys(&with_committee, "orglife.branch_committee"), vec!["2026-01", "2026-02"]);
    let small = OrgFacts { has_committee: false, counts: BranchCounts { members: 5, formal: 5 }, ..branch() };
    assert!(keys(&org_findings(&small, d(2026, 3, 1)), "orglife.branch_committee").is_empty());
}

#[test]
fn each_group_is_judged_monthly_as_an_org_of_its_own() {
    let group = with(OrgFacts::new(7, OrgKind::Group), GroupMeeting, &[d(2026, 1, 20)]);
    let f = org_findings(&group, d(2026, 3, 1));
    assert_eq!(keys(&f, "orglife.group_meeting"), vec!["2026-02"]);
    assert_eq!(f.len(), 1, "a group has no other rule: {f:?}");
    assert_eq!(f[0].subject, Subject::Org(7));
    assert!(keys(&org_findings(&branch(), d(2026, 3, 1)), "orglife.group_meeting").is_empty());
}

#[test]
fn group_meetings_can_be_judged_at_the_branch_per_group_by_configuration() {
    let mut r = rules();
    let g = r.orglife.meeting_mut("orglife.group_meeting").unwrap();
    g.applies_to = vec![OrgKind::Branch];
    g.per_group = true;
    let feb = [d(2026, 2, 3), d(2026, 2, 17)];
    // (groups, evidence for February or none)
    let cases = [(3, Some("2026年2月党小组会次数不足（应≥3次，实际2次）")), (2, None), (0, None)];
    for (groups, expected) in cases {
        let b = with(OrgFacts { group_count: groups, ..branch() }, GroupMeeting, &feb);
        let f = evaluate_org(&b, d(2026, 2, 1), d(2026, 3, 1), &r);
        let got = f.iter().find(|f| f.rule_code == "orglife.group_meeting").map(|f| f.evidence.as_str());
        assert_eq!(got, expected, "{groups} groups");
    }
}

#[test]
fn a_party_committee_holds_quarterly_seminars_and_its_secretary_lectures_yearly() {
    let mut c = with(OrgFacts::new(2, OrgKind::Committee), StudySeminar, &[d(2026, 2, 1), d(2026, 5, 1), d(2026, 11, 1)]);
    c.meetings.push(HeldMeeting { meeting_type: PartyLecture, held_on: d(2026, 6, 1) });
    let f = org_findings(&c, d(2027, 1, 5));
    assert_eq!(keys(&f, "orglife.study_seminar"), vec!["2026-Q3"]);
    assert_eq!(keys(&f, "orglife.secretary_lecture"), vec!["2026"]);
    assert_eq!(evidence(&f, "orglife.secretary_lecture", "2026"), "2026年未开展书记讲党课（应≥1次，实际0次）");
    assert!(keys(&f, "orglife.theme_day").is_empty() && keys(&f, crate::orglife::PLAN_CODE).is_empty());
    c.secretary_lectures.push(d(2026, 7, 1));
    assert!(keys(&org_findings(&c, d(2027, 1, 5)), "orglife.secretary_lecture").is_empty());
}

#[test]
fn party_lectures_twice_a_year_through_rules_data_alone() {
    let b = with(branch(), PartyLecture, &[d(2026, 3, 1)]);
    let defaults = org_findings(&b, d(2027, 1, 5));
    assert_eq!(keys(&defaults, "orglife.party_lecture"), vec!["2026-Q2", "2026-Q3", "2026-Q4"]);

    let mut yearly = rules();
    yearly.orglife.meeting_mut("orglife.party_lecture").unwrap().frequency = Frequency::yearly(2);
    let f = evaluate_org(&b, from(), d(2027, 1, 5), &yearly);
    assert_eq!(keys(&f, "orglife.party_lecture"), vec!["2026"]);
    assert_eq!(evidence(&f, "orglife.party_lecture", "2026"), "2026年党课次数不足（应≥2次，实际1次）");

    let mut half = rules();
    half.orglife.meeting_mut("orglife.party_lecture").unwrap().frequency = Frequency::half_yearly(1);
    let f = evaluate_org(&b, from(), d(2027, 1, 5), &half);
    assert_eq!(keys(&f, "orglife.party_lecture"), vec!["2026-H2"]);
}

#[test]
fn a_yearly_frequency_is_prorated_for_a_branch_formed_mid_year() {
    let mut r = rules();
    r.orglife.meeting_mut("orglife.party_lecture").unwrap().frequency = Frequency::yearly(2);
    let b = OrgFacts { established_on: Some(d(2026, 7, 1)), ..branch() };
    // 2 × 184 / 365 = 1.
    let f = evaluate_org(&b, from(), d(2027, 1, 5), &r);
    assert_eq!(evidence(&f, "orglife.party_lecture", "2026"), "2026年未开展党课（应≥1次，实际0次）");
    let f = evaluate_org(&with(b, PartyLecture, &[d(2026, 9, 1)]), from(), d(2027, 1, 5), &r);
    assert!(keys(&f, "orglife.party_lecture").is_empty());
}

#[test]
fn periods_before_the_evaluation_window_are_not_judged() {
    // From 20 March, March is judged for 12 of its 31 days: less than half, not owed.
    let f = evaluate_org(&branch(), d(2026, 3, 20), d(2026, 5, 1), &rules());
    assert_eq!(keys(&f, "orglife.theme_day"), vec!["2026-04"]);
    assert!(keys(&f, "orglife.branch_assembly").is_empty());
}

#[test]
fn disabled_rules_are_silent_and_enabling_one_is_data_only() {
    let r = rules();
    assert!(keys(&org_findings(&branch(), d(2026, 3, 1)), "orglife.collective_study").is_empty());
    let mut on = r.clone();
    on.orglife.meeting_mut("orglife.collective_study").unwrap().enabled = true;
    on.orglife.meeting_mut("orglife.theme_day").unwrap().enabled = false;
    let f = evaluate_org(&branch(), from(), d(2026, 3, 1), &on);
    assert_eq!(keys(&f, "orglife.collective_study"), vec!["2026-01", "2026-02"]);
    assert!(keys(&f, "orglife.theme_day").is_empty());
}

#[test]
fn findings_carry_the_rule_version_of_the_rules_data() {
    let mut r = rules();
    r.orglife.meeting_mut("orglife.theme_day").unwrap().version = 4;
    let f = evaluate_org(&branch(), from(), d(2026, 2, 1), &r);
    let theme: Vec<u32> = f.iter().filter(|f| f.rule_code == "orglife.theme_day").map(|f| f.rule_version).collect();
    assert_eq!(theme, vec![4]);
}

// ---------------------------------------------------------------- annual plan

fn plan(year: i32, submitted_on: Option<NaiveDate>) -> PlanFacts {
    PlanFacts { year, state: if submitted_on.is_some() { PlanState::Submitted } else { PlanState::Draft }, submitted_on }
}

#[test]
fn annual_plan_deadline_cases() {
    // (submitted on, as of, expected severity, evidence fragment)
    let cases = [
        (None, d(2026, 1, 16), None, ""),
        (None, d(2026, 1, 17), Some(Severity::Warning), "尚未报备，请于2026年1月31日前报上级党组织备案"),
        (None, d(2026, 1, 31), Some(Severity::Warning), "尚未报备"),
        (None, d(2026, 2, 1), Some(Severity::Finding), "2026年度固定组织生活日计划未按期报备（截止2026年1月31日）"),
        (Some(d(2026, 1, 31)), d(2026, 3, 1), None, ""),
        (Some(d(2025, 12, 28)), d(2026, 3, 1), None, ""),
        (Some(d(2026, 2, 1)), d(2026, 3, 1), Some(Severity::Warning), "逾期报备（2026年2月1日报备，截止2026年1月31日）"),
        (Some(d(2026, 2, 1)), d(2026, 2, 1), Some(Severity::Warning), "逾期报备"),
    ];
    for (submitted, as_of, severity, fragment) in cases {
        let b = OrgFacts { plans: vec![plan(2026, submitted)], ..branch() };
        let f: Vec<Finding> = org_findings(&b, as_of).into_iter().filter(|f| f.rule_code == PLAN_CODE).collect();
        assert_eq!(
            f.iter().map(|f| f.severity).collect::<Vec<_>>(),
            severity.into_iter().collect::<Vec<_>>(),
            "{submitted:?} {as_of}"
        );
        if let Some(first) = f.first() {
            assert!(first.evidence.contains(fragment), "{}", first.evidence);
            assert_eq!(first.period.key(), "2026");
        }
    }
}

#[test]
fn a_plan_submission_after_the_evaluation_day_is_not_yet_known() {
    let b = OrgFacts { plans: vec![plan(2026, Some(d(2026, 3, 1)))], ..branch() };
    assert_eq!(of(&org_findings(&b, d(2026, 2, 10)), PLAN_CODE), vec![("2026".to_string(), Severity::Finding)]);
}

#[test]
fn each_year_of_the_window_has_its_own_plan() {
    let b = OrgFacts { plans: vec![plan(2026, Some(d(2026, 1, 20)))], ..branch() };
    let f = evaluate_org(&b, d(2025, 1, 1), d(2027, 2, 10), &rules());
    assert_eq!(keys(&f, PLAN_CODE), vec!["2025", "2027"]);
}

#[test]
fn a_plan_deadline_moved_by_rules_moves_the_judgement() {
    let mut r = rules();
    r.orglife.annual_plan.deadline_month = 2;
    r.orglife.annual_plan.deadline_day = 28;
    let b = OrgFacts { plans: vec![plan(2026, Some(d(2026, 2, 20)))], ..branch() };
    assert!(keys(&evaluate_org(&b, from(), d(2026, 4, 1), &r), PLAN_CODE).is_empty());
    assert_eq!(keys(&evaluate_org(&b, from(), d(2026, 4, 1), &rules()), PLAN_CODE), vec!["2026"]);
}

#[test]
fn branches_formed_after_the_deadline_and_non_branches_file_no_plan_that_year() {
    let late = OrgFacts { established_on: Some(d(2026, 3, 1)), ..branch() };
    assert!(keys(&org_findings(&late, d(2026, 6, 1)), PLAN_CODE).is_empty());
    for kind in [OrgKind::Group, OrgKind::Committee, OrgKind::GeneralBranch] {
        assert!(keys(&org_findings(&OrgFacts::new(3, kind), d(2026, 6, 1)), PLAN_CODE).is_empty(), "{kind:?}");
    }
}

// ---------------------------------------------------------------- term expiry

#[test]
fn term_reminders_six_and_three_months_before_and_monthly_after() {
    // Term 2024-03-01 + 3 years → ends 2027-03-01.
    let b = OrgFacts { term_started_on: Some(d(2024, 3, 1)), term_years: Some(3), ..branch() };
    let cases = [
        (d(2026, 8, 31), None, ""),
        (d(2026, 9, 1), Some(Severity::Info), "本届任期将于2027年3月1日届满（届满前6个月提醒），请做好换届准备"),
        (d(2026, 11, 30), Some(Severity::Info), "届满前6个月提醒"),
        (d(2026, 12, 1), Some(Severity::Warning), "本届任期将于2027年3月1日届满（届满前3个月提醒），请及时启动换届程序"),
        (d(2027, 2, 28), Some(Severity::Warning), "届满前3个月提醒"),
        (d(2027, 3, 1), Some(Severity::Finding), "本届任期已于2027年3月1日届满，尚未换届"),
        (d(2027, 3, 31), Some(Severity::Finding), "本届任期已于2027年3月1日届满，尚未换届"),
        (d(2027, 4, 1), Some(Severity::Finding), "本届任期已于2027年3月1日届满，已逾期1个月，尚未换届"),
        (d(2027, 6, 15), Some(Severity::Finding), "已逾期3个月"),
    ];
    for (as_of, severity, text) in cases {
        let f: Vec<Finding> = org_findings(&b, as_of).into_iter().filter(|f| f.rule_code == TERM_CODE).collect();
        assert_eq!(f.iter().map(|f| f.severity).collect::<Vec<_>>(), severity.into_iter().collect::<Vec<_>>(), "{as_of}");
        if let Some(first) = f.first() {
            assert!(first.evidence.contains(text), "{as_of}: {}", first.evidence);
            assert_eq!(first.period.key(), "2027-03");
        }
    }
}

#[test]
fn overdue_term_reminders_follow_the_configured_interval() {
    let mut r = rules();
    r.orglife.term_expiry.overdue_every_months = 3;
    let b = OrgFacts { term_started_on: Some(d(2024, 3, 1)), term_years: Some(3), ..branch() };
    let text = |as_of| evaluate_org(&b, from(), as_of, &r).into_iter().find(|f| f.rule_code == TERM_CODE).unwrap().evidence;
    assert!(!text(d(2027, 5, 31)).contains("逾期"));
    assert!(text(d(2027, 6, 1)).contains("已逾期3个月"));
}

#[test]
fn a_term_starting_on_29_february_ends_on_28_february() {
    let b = OrgFacts { term_started_on: Some(d(2024, 2, 29)), term_years: Some(3), ..branch() };
    assert!(keys(&org_findings(&b, d(2026, 8, 27)), TERM_CODE).is_empty());
    let f = org_findings(&b, d(2026, 8, 28));
    assert_eq!(of(&f, TERM_CODE), vec![("2027-02".to_string(), Severity::Info)]);
    assert!(f.iter().any(|f| f.evidence.contains("2027年2月28日")));
}

#[test]
fn a_new_term_resolves_the_overdue_reminder() {
    let old = OrgFacts { term_started_on: Some(d(2023, 3, 1)), term_years: Some(3), ..branch() };
    let new = OrgFacts { term_started_on: Some(d(2026, 5, 10)), ..old.clone() };
    let before = org_findings(&old, d(2026, 6, 1));
    let after = org_findings(&new, d(2026, 6, 1));
    assert_eq!(keys(&before, TERM_CODE), vec!["2026-03"]);
    assert!(keys(&after, TERM_CODE).is_empty());
    let (_, resolve) = findings_diff(&before, &after);
    assert_eq!(keys(&resolve, TERM_CODE), vec!["2026-03"]);
}

// ---------------------------------------------------------------- structure

/// The rule code of a structure finding, as a `'static` string to compare with.
fn code_of(f: &Finding) -> &'static str {
    ["branch.too_few_formal", "branch.too_large", "branch.needs_committee", "branch.committee_not_required"]
        .into_iter()
        .find(|c| *c == f.rule_code)
        .unwrap_or("?")
}

#[test]
fn branch_structure_breaches_are_problems_and_a_large_branch_a_warning() {
    // (members, formal, committee, codes with severity)
    let cases = [
        (4, 2, false, vec![("branch.too_few_formal", Severity::Finding)]),
        (51, 51, true, vec![("branch.too_large", Severity::Warning)]),
        (9, 7, false, vec![("branch.needs_committee", Severity::Finding)]),
        (5, 5, true, vec![("branch.committee_not_required", Severity::Info)]),
        (10, 8, true, vec![]),
    ];
    for (members, formal, committee, expected) in cases {
        let b = OrgFacts { counts: BranchCounts { members, formal }, has_committee: committee, ..branch() };
        let got: Vec<(&str, Severity)> = org_findings(&b, d(2026, 6, 1))
            .iter()
            .filter(|f| f.rule_code.starts_with("branch."))
            .map(|f| (code_of(f), f.severity))
            .collect();
        assert_eq!(got, expected, "{members}/{formal}/{committee}");
    }
    let f = org_findings(&OrgFacts { counts: BranchCounts { members: 4, formal: 2 }, ..branch() }, d(2026, 6, 1));
    let s = f.iter().find(|f| f.rule_code == "branch.too_few_formal").unwrap();
    assert_eq!(s.period.key(), "2026");
}

// ---------------------------------------------------------------- determinism

#[test]
fn evaluating_twice_gives_the_same_findings_in_the_same_order() {
    let mut b = with(branch(), ThemeDay, &[d(2026, 3, 3), d(2026, 1, 3), d(2026, 2, 3)]);
    b.term_started_on = Some(d(2023, 9, 1));
    b.term_years = Some(3);
    let first = org_findings(&b, d(2026, 9, 1));
    assert_eq!(first, org_findings(&b, d(2026, 9, 1)));
    b.meetings.reverse();
    assert_eq!(first, org_findings(&b, d(2026, 9, 1)), "order of facts does not matter");
    assert_eq!(findings_diff(&first, &first), (vec![], vec![]));
    let mut sorted = first.clone();
    sorted.sort_by(|a, b| (&a.rule_code, a.period).cmp(&(&b.rule_code, b.period)));
    assert_eq!(sorted, first);
}

#[test]
fn tallies_give_the_cockpit_its_per_branch_aggregates() {
    let a = with(branch(), ThemeDay, &[d(2026, 1, 5), d(2026, 2, 5)]);
    let b = OrgFacts { id: 2, ..with(branch(), ThemeDay, &[d(2026, 1, 5)]) };
    let c = OrgFacts { id: 3, established_on: Some(d(2026, 2, 20)), ..branch() };
    let feb = |o: &OrgFacts| {
        meeting_tallies(o, from(), d(2026, 3, 1), &rules().orglife)
            .into_iter()
            .find(|t| t.rule_code == "orglife.theme_day" && t.period.key() == "2026-02")
    };
    let ta = feb(&a).unwrap();
    assert_eq!((ta.expected, ta.held, ta.complete, ta.compliant()), (1, 1, true, true));
    assert!(feb(&c).is_none(), "a branch formed on 20 February owes nothing for February");
    let rollup = Rollup::from_flags([&a, &b, &c].into_iter().filter_map(feb).map(|t| t.compliant()));
    assert_eq!(rollup, Rollup { compliant: 1, total: 2 });
    assert_eq!(rollup.rag(&rules().orglife.rag), Rag::Red);
}

// ---------------------------------------------------------------- members

fn member(joined_on: NaiveDate, meetings: Vec<MemberMeeting>) -> MemberFacts {
    MemberFacts { id: 42, joined_on, left_on: None, category: Category::Formal, meetings, dues_arrears: None }
}

fn att(held_on: NaiveDate, attendance: Attendance, reason: Option<&str>) -> MemberMeeting {
    MemberMeeting { held_on, meeting_type: ThemeDay, attendance, reason: reason.map(str::to_string) }
}

/// Absent from the monthly 主题党日 on the 10th of each given month of 2026.
fn absent_in(months: impl IntoIterator<Item = u32>) -> Vec<MemberMeeting> {
    months.into_iter().map(|m| att(d(2026, m, 10), Attendance::Absent, None)).collect()
}

fn member_findings(m: &MemberFacts, as_of: NaiveDate) -> Vec<Finding> {
    evaluate_member(m, from(), as_of, &rules())
}

#[test]
fn article_nine_thresholds_at_exactly_three_five_and_six_months() {
    // (consecutive months absent from January, expected severity)
    let cases = [
        (2, None),
        (3, Some(Severity::Warning)),
        (4, Some(Severity::Warning)),
        (5, Some(Severity::Alert)),
        (6, Some(Severity::Finding)),
        (7, Some(Severity::Finding)),
    ];
    for (n, severity) in cases {
        let m = member(d(2015, 7, 1), absent_in(1..=n));
        let f = member_findings(&m, d(2026, n + 1, 1));
        let expected: Vec<(String, Severity)> = severity.map(|s| ("2026-01".to_string(), s)).into_iter().collect();
        assert_eq!(of(&f, PARTICIPATION_CODE), expected, "{n} months");
    }
}

#[test]
fn article_nine_evidence_names_the_months_and_the_level() {
    let f = member_findings(&member(d(2015, 7, 1), absent_in(1..=3)), d(2026, 4, 1));
    assert_eq!(
        evidence(&f, PARTICIPATION_CODE, "2026-01"),
        "2026年1月至2026年3月连续3个月未参加党的组织生活（期间应参加3次，均无正当理由未参加），已达预警标准（3个月）"
    );
    let f = member_findings(&member(d(2015, 7, 1), absent_in(1..=6)), d(2026, 7, 1));
    assert!(evidence(&f, PARTICIPATION_CODE, "2026-01").ends_with("已达党章第九条规定的6个月，请党支部依规处置"));
    assert_eq!(f[0].subject, Subject::Member(42));
    assert_eq!((f[0].period.start, f[0].period.end), (d(2026, 1, 1), d(2026, 6, 30)));
}

#[test]
fn leave_with_a_reason_counts_as_a_valid_reason_and_breaks_the_run() {
    let mut meetings = absent_in([1, 2, 4, 5]);
    meetings.push(att(d(2026, 3, 10), Attendance::Excused, Some("外出务工，已向支部书记请假")));
    let f = member_findings(&member(d(2015, 7, 1), meetings), d(2026, 6, 1));
    assert!(of(&f, PARTICIPATION_CODE).is_empty(), "{f:?}");
}

#[test]
fn leave_without_a_reason_is_no_valid_reason() {
    let mut meetings = absent_in([1, 2, 4, 5]);
    meetings.push(att(d(2026, 3, 10), Attendance::Excused, None));
    let f = member_findings(&member(d(2015, 7, 1), meetings), d(2026, 6, 1));
    assert_eq!(of(&f, PARTICIPATION_CODE), vec![("2026-01".to_string(), Severity::Alert)]);
}

#[test]
fn a_month_without_meetings_neither_counts_nor_breaks_the_run() {
    let f = member_findings(&member(d(2015, 7, 1), absent_in([1, 2, 4])), d(2026, 5, 1));
    assert_eq!(of(&f, PARTICIPATION_CODE), vec![("2026-01".to_string(), Severity::Warning)]);
    let e = evidence(&f, PARTICIPATION_CODE, "2026-01");
    assert!(e.starts_with("2026年1月至2026年4月连续3个月未参加党的组织生活（不含未安排组织生活的月份；"), "{e}");
}

#[test]
fn a_member_joining_mid_month_is_judged_from_the_first_whole_month() {
    let mut meetings = absent_in([3, 4, 5]);
    meetings.push(att(d(2026, 3, 20), Attendance::Absent, None));
    let m = member(d(2026, 3, 15), meetings);
    // The 10 March meeting was before joining; March is a partial month.
    assert!(of(&member_findings(&m, d(2026, 6, 1)), PARTICIPATION_CODE).is_empty());
    let mut later = m.clone();
    later.meetings.extend(absent_in([6]));
    assert_eq!(of(&member_findings(&later, d(2026, 7, 1)), PARTICIPATION_CODE), vec![("2026-04".to_string(), Severity::Warning)]);
}

#[test]
fn a_member_transferred_in_is_judged_only_from_the_transfer() {
    // Absent January–April in the old branch, transferred in on 1 May, absent May–June here.
    let m = member(d(2026, 5, 1), absent_in(1..=6));
    assert!(of(&member_findings(&m, d(2026, 7, 1)), PARTICIPATION_CODE).is_empty());
    let absences = of(&member_findings(&m, d(2026, 7, 1)), ABSENCE_CODE);
    assert_eq!(absences, vec![("2026-05".to_string(), Severity::Warning)]);
}

#[test]
fn a_member_who_left_owes_nothing_from_the_leaving_date() {
    // Eight months absent, then died (or transferred out) on 1 August: nothing stays open,
    // neither 党章第九条 nor the repeated absences.
    let m = MemberFacts { left_on: Some(d(2026, 8, 1)), ..member(d(2015, 7, 1), absent_in(1..=8)) };
    assert!(member_findings(&m, d(2026, 9, 1)).is_empty());
    assert!(member_findings(&m, d(2026, 8, 1)).is_empty(), "from the leaving date itself");
    // Judged before the leaving date, the obligations still stood.
    let f = member_findings(&m, d(2026, 7, 1));
    assert_eq!(of(&f, PARTICIPATION_CODE), vec![("2026-01".to_string(), Severity::Finding)]);
    assert!(!of(&f, ABSENCE_CODE).is_empty());
}

#[test]
fn a_broken_run_is_dropped_below_six_months_and_kept_at_six() {
    let mut five = absent_in(1..=5);
    five.push(att(d(2026, 6, 10), Attendance::Present, None));
    assert!(of(&member_findings(&member(d(2015, 7, 1), five), d(2026, 7, 1)), PARTICIPATION_CODE).is_empty());
    let mut six = absent_in(1..=6);
    six.push(att(d(2026, 7, 10), Attendance::Present, None));
    assert_eq!(
        of(&member_findings(&member(d(2015, 7, 1), six), d(2026, 8, 1)), PARTICIPATION_CODE),
        vec![("2026-01".to_string(), Severity::Finding)]
    );
}

#[test]
fn taking_part_in_the_open_month_ends_the_run() {
    let mut meetings = absent_in(1..=3);
    let m = member(d(2015, 7, 1), meetings.clone());
    assert_eq!(of(&member_findings(&m, d(2026, 4, 10)), PARTICIPATION_CODE).len(), 1);
    meetings.push(att(d(2026, 4, 5), Attendance::Observer, None));
    assert!(of(&member_findings(&member(d(2015, 7, 1), meetings), d(2026, 4, 10)), PARTICIPATION_CODE).is_empty());
}

#[test]
fn the_run_keeps_its_key_while_it_escalates() {
    let m = member(d(2015, 7, 1), absent_in(1..=6));
    let april = member_findings(&m, d(2026, 4, 1));
    let june = member_findings(&m, d(2026, 6, 1));
    let july = member_findings(&m, d(2026, 7, 1));
    let (open, resolve) = findings_diff(&april, &june);
    assert!(resolve.is_empty());
    assert_eq!(of(&open, PARTICIPATION_CODE), vec![("2026-01".to_string(), Severity::Alert)]);
    let (open, _) = findings_diff(&june, &july);
    assert_eq!(of(&open, PARTICIPATION_CODE), vec![("2026-01".to_string(), Severity::Finding)]);
}

#[test]
fn probationary_members_are_judged_like_formal_members() {
    let m = MemberFacts { category: Category::Probationary, ..member(d(2015, 7, 1), absent_in(1..=3)) };
    assert_eq!(of(&member_findings(&m, d(2026, 4, 1)), PARTICIPATION_CODE).len(), 1);
}

#[test]
fn repeated_unexcused_absence_within_twelve_months() {
    use Attendance::*;
    // (meetings, as of, finding period or none)
    let cases: Vec<(Vec<MemberMeeting>, NaiveDate, Option<&str>)> = vec![
        (vec![att(d(2026, 3, 10), Absent, None)], d(2026, 6, 1), None),
        (vec![att(d(2026, 3, 10), Absent, None), att(d(2026, 5, 10), Absent, None)], d(2026, 6, 1), Some("2026-03")),
        (vec![att(d(2026, 3, 10), Absent, None), att(d(2026, 5, 10), Excused, None)], d(2026, 6, 1), Some("2026-03")),
        (vec![att(d(2026, 3, 10), Absent, None), att(d(2026, 5, 10), Excused, Some("住院"))], d(2026, 6, 1), None),
        (vec![att(d(2026, 1, 10), Absent, None), att(d(2026, 12, 10), Absent, None)], d(2027, 1, 10), None),
        (vec![att(d(2026, 1, 10), Absent, None), att(d(2026, 12, 10), Absent, None)], d(2027, 1, 9), Some("2026-01")),
    ];
    for (meetings, as_of, period) in cases {
        let m = member(d(2015, 7, 1), meetings);
        let f = evaluate_member(&m, d(2025, 1, 1), as_of, &rules());
        assert_eq!(keys(&f, ABSENCE_CODE), period.into_iter().map(str::to_string).collect::<Vec<_>>(), "{as_of}");
    }
}

#[test]
fn repeated_absence_evidence_lists_the_meetings() {
    let mut meetings = vec![att(d(2026, 3, 10), Attendance::Absent, None)];
    meetings.push(MemberMeeting {
        held_on: d(2026, 5, 10),
        meeting_type: BranchAssembly,
        attendance: Attendance::Absent,
        reason: None,
    });
    let f = member_findings(&member(d(2015, 7, 1), meetings), d(2026, 6, 1));
    assert_eq!(
        evidence(&f, ABSENCE_CODE, "2026-03"),
        "近12个月无故缺席组织生活2次：2026年3月10日主题党日、2026年5月10日支部党员大会"
    );
}

#[test]
fn the_absence_threshold_is_rules_data() {
    let mut r = rules();
    r.orglife.absence.threshold = 3;
    let m = member(d(2015, 7, 1), absent_in([3, 5]));
    assert!(keys(&evaluate_member(&m, from(), d(2026, 6, 1), &r), ABSENCE_CODE).is_empty());
    let m = member(d(2015, 7, 1), absent_in([3, 5, 6]));
    assert_eq!(keys(&evaluate_member(&m, from(), d(2026, 7, 1), &r), ABSENCE_CODE), vec!["2026-03"]);
}

#[test]
fn member_evaluation_is_idempotent_and_order_independent() {
    let mut meetings = absent_in(1..=7);
    meetings.push(att(d(2026, 8, 10), Attendance::Present, None));
    let m = member(d(2015, 7, 1), meetings);
    let first = member_findings(&m, d(2026, 9, 1));
    assert_eq!(first, member_findings(&m, d(2026, 9, 1)));
    let mut shuffled = m.clone();
    shuffled.meetings.reverse();
    assert_eq!(first, member_findings(&shuffled, d(2026, 9, 1)));
    assert_eq!(of(&first, PARTICIPATION_CODE), vec![("2026-01".to_string(), Severity::Finding)]);
}

#[test]
fn disabled_member_rules_are_silent() {
    let mut r = rules();
    r.orglife.participation.enabled = false;
    r.orglife.absence.enabled = false;
    assert!(evaluate_member(&member(d(2015, 7, 1), absent_in(1..=8)), from(), d(2026, 9, 1), &r).is_empty());
}

#[test]
fn article_nine_thresholds_are_rules_data() {
    let mut r = rules();
    r.orglife.participation.warning_months = 2;
    let f = evaluate_member(&member(d(2015, 7, 1), absent_in(1..=2)), from(), d(2026, 3, 1), &r);
    assert_eq!(of(&f, PARTICIPATION_CODE), vec![("2026-01".to_string(), Severity::Warning)]);
    assert!(f[0].evidence.contains("已达预警标准（2个月）"));
}

#[test]
fn a_partial_period_is_owed_from_half_of_it_at_every_boundary() {
    // (established on, the period, owed?)
    let cases = [
        // The case: founded on 2 January owes January, Q1 and the year.
        (d(2026, 1, 2), "2026-01", true),
        (d(2026, 1, 2), "2026-Q1", true),
        (d(2026, 1, 2), "2026", true),
        // April has 30 days: 15 days (from the 16th) is half, 14 is not.
        (d(2026, 4, 16), "2026-04", true),
        (d(2026, 4, 17), "2026-04", false),
        // May has 31 days: 16 days is at least half, 15 is not.
        (d(2026, 5, 16), "2026-05", true),
        (d(2026, 5, 17), "2026-05", false),
        // February 2026 has 28 days: 14 is half.
        (d(2026, 2, 15), "2026-02", true),
        (d(2026, 2, 16), "2026-02", false),
        // Q3 has 92 days: 46 is half (from 16 August), 45 is not.
        (d(2026, 8, 16), "2026-Q3", true),
        (d(2026, 8, 17), "2026-Q3", false),
        // 2026 has 365 days: 183 (from 2 July) is at least half, 182 is not.
        (d(2026, 7, 2), "2026", true),
        (d(2026, 7, 3), "2026", false),
    ];
    for (established, key, owed) in cases {
        let b = OrgFacts { established_on: Some(established), ..branch() };
        let tallies = meeting_tallies(&b, d(2026, 1, 1), d(2027, 1, 10), &rules().orglife);
        let due = tallies.iter().any(|t| t.period.key() == key && t.expected > 0);
        assert_eq!(due, owed, "established {established}, period {key}");
    }
}

#[test]
fn the_partial_period_threshold_is_data() {
    let b = OrgFacts { established_on: Some(d(2026, 1, 2)), ..branch() };
    let mut whole_only = rules();
    whole_only.orglife.partial_period_min_percent = 100;
    let t = meeting_tallies(&b, d(2026, 1, 1), d(2026, 3, 1), &whole_only.orglife);
    assert!(!t.iter().any(|t| t.period.key() == "2026-01"), "100 %: only whole periods are owed");
    let mut any_day = rules();
    any_day.orglife.partial_period_min_percent = 1;
    let late = OrgFacts { established_on: Some(d(2026, 1, 31)), ..branch() };
    let t = meeting_tallies(&late, d(2026, 1, 1), d(2026, 3, 1), &any_day.orglife);
    assert!(t.iter().any(|t| t.period.key() == "2026-01" && t.expected == 1), "1 %: one day is enough");
}

// ---------------------------------------------------------------- 党章第九条 with 党费

/// Six months unpaid, January to June 2026, as the 党费 engine's published read gives it.
fn unpaid_jan_to_jun() -> Option<crate::affairs::dues::Arrears> {
    use crate::affairs::dues::{Arrears, Month};
    let m = |s: &str| Month::parse(s).unwrap();
    Some(Arrears { since: m("2026-01"), until: m("2026-06"), months: 6, severity: Severity::Finding })
}

#[test]
fn article_nine_with_both_absence_and_six_unpaid_months_is_one_finding_giving_both_reasons() {
    let m = MemberFacts { dues_arrears: unpaid_jan_to_jun(), ..member(d(2015, 7, 1), absent_in(1..=6)) };
    let f = member_findings(&m, d(2026, 7, 1));
    assert_eq!(of(&f, PARTICIPATION_CODE), vec![("2026-01".to_string(), Severity::Finding)], "{f:?}");
    let e = evidence(&f, PARTICIPATION_CODE, "2026-01");
    assert!(e.contains("连续6个月未参加党的组织生活") && e.contains("同时2026年1月至2026年6月连续6个月未交纳党费"), "{e}");
    assert!(e.ends_with("已达党章第九条规定的6个月，请党支部依规处置"), "{e}");
}

#[test]
fn article_nine_with_six_unpaid_months_alone_is_its_finding_for_that_reason() {
    let present = (1..=6).map(|mo| att(d(2026, mo, 10), Attendance::Present, None)).collect();
    let m = MemberFacts { dues_arrears: unpaid_jan_to_jun(), ..member(d(2015, 7, 1), present) };
    let f = member_findings(&m, d(2026, 7, 1));
    assert_eq!(of(&f, PARTICIPATION_CODE), vec![("2026-01".to_string(), Severity::Finding)], "{f:?}");
    let e = evidence(&f, PARTICIPATION_CODE, "2026-01");
    assert!(e.starts_with("2026年1月至2026年6月连续6个月未交纳党费") && !e.contains("组织生活"), "{e}");
}

#[test]
fn article_nine_with_shorter_arrears_is_left_to_the_dues_warning() {
    let mut a = unpaid_jan_to_jun();
    if let Some(a) = a.as_mut() {
        a.months = 5;
    }
    let m = MemberFacts { dues_arrears: a, ..member(d(2015, 7, 1), absent_in(1..=3)) };
    let f = member_findings(&m, d(2026, 4, 1));
    // Only the participation warning: five unpaid months are the 党费 engine's 预警.
    assert_eq!(of(&f, PARTICIPATION_CODE), vec![("2026-01".to_string(), Severity::Warning)], "{f:?}");
    assert!(!evidence(&f, PARTICIPATION_CODE, "2026-01").contains("党费"));
}
