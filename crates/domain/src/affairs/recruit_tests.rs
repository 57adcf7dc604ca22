use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn rules() -> RecruitRules {
    RecruitRules::default()
}

/// A file with steps 1..=n done, one day apart from 2020-01-01, step 3 → 7 a year apart.
fn facts_done(n: u8, days: &[(u8, NaiveDate)]) -> FileFacts {
    let done = (1..=n)
        .map(|no| StepDone { no, on: days.iter().find(|(k, _)| *k == no).map(|(_, on)| *on).unwrap_or(d(2020, 1, 1)), by: 7 })
        .collect();
    FileFacts { birth_date: d(1990, 5, 1), done, extension_months: 0 }
}

fn docs(rules: &RecruitRules, no: u8) -> Vec<String> {
    rules.step(no).unwrap().documents.clone()
}

fn completion(rules: &RecruitRules, no: u8, on: NaiveDate) -> Completion {
    Completion { no, on: Some(on), documents: docs(rules, no), by: 8, ..Default::default() }
}

const TODAY: fn() -> NaiveDate = || d(2030, 1, 1);

#[test]
fn the_default_table_has_25_steps_in_5_stages() {
    let r = rules();
    let nos: Vec<u8> = r.steps.iter().map(|s| s.no).collect();
    assert_eq!(nos, (1..=25).collect::<Vec<u8>>());
    let stages: std::collections::BTreeSet<_> = r.steps.iter().map(|s| s.stage).collect();
    assert_eq!(stages.len(), 5);
    assert_eq!(r.step(STEP_ADMIT_VOTE).unwrap().actor, StepActor::Assembly);
    assert_eq!(r.step(STEP_CONFIRM_VOTE).unwrap().actor, StepActor::Assembly);
}

#[test]
fn activist_to_candidate_when_the_year_is_just_met_and_not_a_day_short() {
    let r = rules();
    let f = facts_done(6, &[(3, d(2024, 3, 1)), (4, d(2024, 3, 2)), (5, d(2024, 3, 3)), (6, d(2024, 6, 1))]);
    // 365 days after 2024-03-01 (a leap year) is 2025-03-01.
    assert_eq!(check_completion(&r, &f, &completion(&r, 7, d(2025, 3, 1)), TODAY()), Ok(d(2025, 3, 1)));
    let e = check_completion(&r, &f, &completion(&r, 7, d(2025, 2, 28)), TODAY()).unwrap_err();
    assert!(e.has("recruit.too_early"), "{e}");
    assert!(e.to_string().contains("还差1天"), "{e}");
}

#[test]
fn first_talk_is_overdue_one_day_after_a_month() {
    let r = rules();
    let f = facts_done(1, &[(1, d(2026, 3, 1))]);
    assert_eq!(deadline(&r, &f, 2), Some(d(2026, 3, 31)));
    assert_eq!(overdue(&r, &f, d(2026, 3, 31)), None);
    assert_eq!(overdue(&r, &f, d(2026, 4, 1)), Some((2, d(2026, 3, 31))));
}

#[test]
fn a_step_without_its_documents_is_refused_naming_them() {
    let r = rules();
    let f = facts_done(9, &[]);
    let mut c = completion(&r, 10, d(2021, 1, 1));
    c.documents.clear();
    let e = check_completion(&r, &f, &c, TODAY()).unwrap_err();
    assert!(e.has("recruit.documents"));
    assert!(e.to_string().contains("政治审查报告"), "{e}");
}

#[test]
fn steps_are_done_in_order() {
    let r = rules();
    let f = facts_done(3, &[]);
    let e = check_completion(&r, &f, &completion(&r, 5, d(2021, 1, 1)), TODAY()).unwrap_err();
    assert!(e.has("recruit.out_of_order"), "{e}");
}

#[test]
fn introducers_must_be_two_formal_members() {
    let r = rules();
    let f = facts_done(8, &[]);
    let mut c = completion(&r, STEP_INTRODUCERS, d(2021, 1, 1));
    c.introducers = vec![Some(Category::Formal), Some(Category::Formal)];
    assert!(check_completion(&r, &f, &c, TODAY()).is_ok());
    c.introducers = vec![Some(Category::Formal), Some(Category::Probationary)];
    assert!(check_completion(&r, &f, &c, TODAY()).unwrap_err().has("recruit.introducer_not_formal"));
    c.introducers = vec![Some(Category::Formal), None];
    assert!(check_completion(&r, &f, &c, TODAY()).unwrap_err().has("recruit.introducer_not_formal"));
    c.introducers = vec![Some(Category::Formal)];
    assert!(check_completion(&r, &f, &c, TODAY()).unwrap_err().has("recruit.introducers_count"));
}

#[test]
fn applicant_aged_17_years_364_days_is_refused_and_18_accepted() {
    let r = rules();
    let f = FileFacts { birth_date: d(2008, 6, 15), done: vec![], extension_months: 0 };
    let e = check_completion(&r, &f, &completion(&r, STEP_APPLY, d(2026, 6, 14)), TODAY()).unwrap_err();
    assert!(e.has("recruit.too_young"), "{e}");
    assert_eq!(check_completion(&r, &f, &completion(&r, STEP_APPLY, d(2026, 6, 15)), TODAY()), Ok(d(2026, 6, 15)));
}

#[test]
fn central_training_needs_three_days_or_24_hours() {
    let r = rules();
    let f = facts_done(10, &[]);
    let mut c = completion(&r, STEP_TRAINING, d(2021, 1, 1));
    for (days, hours, ok) in [(3, 0, true), (0, 24, true), (2, 23, false), (2, 24, true)] {
        c.training_days = days;
        c.training_hours = hours;
        assert_eq!(check_completion(&r, &f, &c, TODAY()).is_ok(), ok, "{days} days {hours} hours");
    }
}

#[test]
fn assembly_steps_are_completed_only_by_a_vote() {
    let r = rules();
    let f = facts_done(14, &[]);
    let c = completion(&r, STEP_ADMIT_VOTE, d(2021, 1, 1));
    assert!(check_completion(&r, &f, &c, TODAY()).unwrap_err().has("recruit.needs_vote"));
    let voted = Completion { by_vote: true, by: 0, ..c };
    assert!(check_completion(&r, &f, &voted, TODAY()).is_ok());
}

#[test]
fn parent_approval_by_the_same_account_as_the_previous_step_is_refused() {
    let r = rules();
    let f = facts_done(3, &[]);
    let mut c = completion(&r, 4, d(2021, 1, 1));
    c.by = 7;
    assert!(check_completion(&r, &f, &c, TODAY()).unwrap_err().has("recruit.same_account"));
    c.by = 9;
    assert!(check_completion(&r, &f, &c, TODAY()).is_ok());
    // Two parent steps in a row (谈话, 审批) may be done by the same parent account.
    let mut f = facts_done(16, &[]);
    f.done[15].by = 9;
    let mut c = completion(&r, 17, d(2021, 1, 1));
    c.by = 9;
    assert!(check_completion(&r, &f, &c, TODAY()).is_ok());
    c.by = 7;
    assert!(check_completion(&r, &f, &c, TODAY()).unwrap_err().has("recruit.same_account"));
}

#[test]
fn publicity_must_have_run_its_days() {
    let r = rules();
    let f = facts_done(12, &[]);
    let mut c = completion(&r, 13, d(2021, 1, 10));
    assert!(check_completion(&r, &f, &c, TODAY()).unwrap_err().has("recruit.publicity"));
    c.publicity_from = Some(d(2021, 1, 5));
    assert!(check_completion(&r, &f, &c, TODAY()).is_ok(), "5 days from the 5th end on the 10th");
    c.publicity_from = Some(d(2021, 1, 6));
    assert!(check_completion(&r, &f, &c, TODAY()).unwrap_err().has("recruit.publicity"));
}

#[test]
fn probation_ends_a_year_after_the_assembly_and_confirmation_not_before() {
    let r = rules();
    let f = facts_done(22, &[(15, d(2025, 7, 1)), (16, d(2025, 7, 2)), (17, d(2025, 7, 3))]);
    assert_eq!(f.probation_end(&r), Some(d(2026, 7, 1)));
    let vote = |on| Completion { by_vote: true, by: 0, ..completion(&r, STEP_CONFIRM_VOTE, on) };
    assert!(check_completion(&r, &f, &vote(d(2026, 6, 30)), TODAY()).unwrap_err().has("recruit.too_early"));
    assert!(check_completion(&r, &f, &vote(d(2026, 7, 1)), TODAY()).is_ok());
}

#[test]
fn extension_once_only_between_6_and_12_months() {
    let r = rules();
    let mut f = facts_done(21, &[(15, d(2025, 7, 1))]);
    assert!(check_extension(&r, &f, 5).unwrap_err().has("recruit.extension_months"));
    assert!(check_extension(&r, &f, 13).unwrap_err().has("recruit.extension_months"));
    assert!(check_extension(&r, &f, 6).is_ok());
    f.extension_months = 6;
    assert_eq!(f.probation_end(&r), Some(d(2027, 1, 1)));
    assert!(check_extension(&r, &f, 6).unwrap_err().has("recruit.extended_once"));
}

#[test]
fn probation_ending_within_a_month_without_an_application_is_a_warning() {
    let r = rules();
    let f = facts_done(21, &[(15, d(2025, 7, 1))]);
    let file = FileCheck { name: "张三".into(), branch_id: 5, member_id: Some(42), facts: f };
    let at = |day| recruit_findings(&r, Severity::Warning, std::slice::from_ref(&file), day);
    assert!(at(d(2026, 5, 31)).is_empty(), "31 days before the end");
    let found = at(d(2026, 6, 1));
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].rule_code.as_str(), found[0].subject), (PROBATION_CODE, Subject::Member(42)));
    let mut applied = file.clone();
    applied.facts.done.push(StepDone { no: 22, on: d(2026, 6, 1), by: 1 });
    assert!(recruit_findings(&r, Severity::Warning, &[applied], d(2026, 6, 2)).is_empty());
}

#[test]
fn overdue_steps_of_a_branch_are_one_finding_per_month_naming_each_applicant() {
    let r = rules();
    let a = FileCheck { name: "甲".into(), branch_id: 5, member_id: None, facts: facts_done(1, &[(1, d(2026, 3, 1))]) };
    let b = FileCheck { name: "乙".into(), branch_id: 5, member_id: None, facts: facts_done(1, &[(1, d(2026, 2, 28))]) };
    let found = recruit_findings(&r, Severity::Warning, &[a, b], d(2026, 4, 10));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].subject, Subject::Org(5));
    assert!(found[0].evidence.contains("甲") && found[0].evidence.contains("乙"), "{}", found[0].evidence);
}

#[test]
fn age_counts_full_years() {
    assert_eq!(age_on(d(2000, 2, 29), d(2018, 2, 28)), 17);
    assert_eq!(age_on(d(2000, 2, 29), d(2018, 3, 1)), 18);
}
