//! 年度学习计划 (`domain.md` §1 A3): each 党委 and 支部 files a plan for the year — topics per
//! month or quarter, the 必修 items, the 集中学习 sessions with their dates — with its
//! parent, which sees who has filed; not filed by the due day is a finding. Pure: the
//! store keeps the plans.

use super::hours::StudyHourRules;
use crate::kernel::error::{FieldError, Invalid, check_text};
use crate::kernel::finding::{Finding, Subject};
use crate::kernel::period::{Period, PeriodKind, zh_date};
use crate::kernel::rules::SeverityPolicy;
use crate::kernel::time::parse_iso_date;
use crate::org::OrgKind;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// The rule code of a plan not filed.
pub const PLAN_CODE: &str = "learning.study_plan";
pub const PLAN_TITLE: &str = "年度学习计划未报送";
pub const PLAN_PREFIX: &str = "learning.study_plan";
pub const PLAN_RULE_VERSION: u32 = 1;

/// At most this many topics and sessions, and characters per text.
pub const PLAN_TOPICS_MAX: usize = 24;
pub const PLAN_SESSIONS_MAX: usize = 60;
pub const PLAN_TEXT_MAX: usize = 200;
pub const PLAN_REQUIRED_MAX: usize = 2000;

/// A topic for a month (`1`..`12`) or a quarter (`Q1`..`Q4`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct StudyPlanTopic {
    /// `1`..`12` for a month, `Q1`..`Q4` for a quarter.
    pub period: String,
    pub topic: String,
}

/// A 集中学习 session planned on a day.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct StudyPlanSession {
    /// `YYYY-MM-DD`.
    pub on: String,
    pub topic: String,
}

/// A yearly plan as filed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct StudyPlanInput {
    pub year: i32,
    pub topics: Vec<StudyPlanTopic>,
    /// The 必修 items: free text, one a line (titles or content ids).
    pub required: String,
    pub sessions: Vec<StudyPlanSession>,
}

/// Whether an org of this kind files a yearly study plan: 党委, 党工委, 党总支 and the
/// branch kinds (a 党小组 studies with its branch).
pub fn files_plan(kind: OrgKind) -> bool {
    kind != OrgKind::Group
}

/// Checks a plan (trimmed, bounded, sessions within the year, in date order).
pub fn check_plan(input: &StudyPlanInput, today: NaiveDate) -> Result<StudyPlanInput, Invalid> {
    let mut inv = Invalid::default();
    if input.year < today.year() - 1 || input.year > today.year() + 1 {
        inv.push(FieldError::new("year", "plan.year", format!("计划年度应为{}至{}年", today.year() - 1, today.year() + 1)));
    }
    if input.topics.is_empty() {
        inv.push(FieldError::new("topics", "plan.topics", "请至少填写一个学习专题"));
    }
    if input.topics.len() > PLAN_TOPICS_MAX {
        inv.push(FieldError::new("topics", "plan.topics_max", format!("学习专题不能超过{PLAN_TOPICS_MAX}个")));
    }
    if input.sessions.len() > PLAN_SESSIONS_MAX {
        inv.push(FieldError::new("sessions", "plan.sessions_max", format!("集中学习安排不能超过{PLAN_SESSIONS_MAX}次")));
    }
    check_text(&mut inv, "required", "必修内容", &input.required, PLAN_REQUIRED_MAX, false);
    let mut topics = Vec::new();
    for t in input.topics.iter().take(PLAN_TOPICS_MAX) {
        let p = t.period.trim().to_uppercase();
        let ok = matches!(p.as_str(), "Q1" | "Q2" | "Q3" | "Q4") || p.parse::<u32>().is_ok_and(|m| (1..=12).contains(&m));
        if !ok {
            inv.push(FieldError::new("topics", "plan.period", format!("专题“{}”的时间应为1至12月或Q1至Q4季度", t.topic.trim())));
        }
        check_text(&mut inv, "topics", "学习专题", &t.topic, PLAN_TEXT_MAX, true);
        topics.push(StudyPlanTopic { period: p, topic: t.topic.trim().into() });
    }
    let mut sessions = Vec::new();
    for s in input.sessions.iter().take(PLAN_SESSIONS_MAX) {
        match parse_iso_date(s.on.trim()) {
            Some(d) if d.year() == input.year => sessions.push((d, s.topic.trim().to_string())),
            _ => inv.push(FieldError::new(
                "sessions",
                "plan.session_date",
                format!("集中学习“{}”的日期应在{}年内（如 {}-03-15）", s.topic.trim(), input.year, input.year),
            )),
        }
        check_text(&mut inv, "sessions", "集中学习内容", &s.topic, PLAN_TEXT_MAX, true);
    }
    sessions.sort();
    inv.into_result(StudyPlanInput {
        year: input.year,
        topics,
        required: input.required.trim().into(),
        sessions: sessions
            .into_iter()
            .map(|(d, topic)| StudyPlanSession { on: crate::kernel::time::date_text(d), topic })
            .collect(),
    })
}

/// The finding of an org whose plan for `year` is not filed after its due day (a 问题,
/// filed under the year); none once filed.
pub fn plan_finding(
    rules: &StudyHourRules,
    severity: &SeverityPolicy,
    org_id: i64,
    year: i32,
    filed: bool,
    as_of: NaiveDate,
) -> Option<Finding> {
    let due = rules.plan_due_on(year);
    (!filed && as_of > due).then(|| Finding {
        rule_code: PLAN_CODE.into(),
        rule_version: PLAN_RULE_VERSION,
        subject: Subject::Org(org_id),
        period: Period::containing(PeriodKind::Year, NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(due)),
        severity: severity.closed_unmet,
        evidence: format!("{year}年度学习计划应于{}前报上级党组织，至今未报送", zh_date(due)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn plan() -> StudyPlanInput {
        StudyPlanInput {
            year: 2026,
            topics: vec![StudyPlanTopic { period: "q1".into(), topic: " 学党章 ".into() }],
            required: "党章\n系列讲话".into(),
            sessions: vec![
                StudyPlanSession { on: "2026-05-10".into(), topic: "集中学习二".into() },
                StudyPlanSession { on: "2026-02-10".into(), topic: "集中学习一".into() },
            ],
        }
    }

    #[test]
    fn a_plan_is_trimmed_and_its_sessions_put_in_date_order() {
        let p = check_plan(&plan(), d(2026, 1, 5)).unwrap();
        assert_eq!(p.topics[0].period, "Q1");
        assert_eq!(p.topics[0].topic, "学党章");
        assert_eq!(p.sessions[0].on, "2026-02-10");
    }

    #[test]
    fn a_plan_needs_topics_and_sessions_within_its_year() {
        let mut p = plan();
        p.topics.clear();
        p.sessions[0].on = "2025-12-01".into();
        let e = check_plan(&p, d(2026, 1, 5)).unwrap_err();
        let codes: Vec<&str> = e.errors.iter().map(|f| f.code).collect();
        assert_eq!(codes, vec!["plan.topics", "plan.session_date"]);
    }

    #[test]
    fn a_topic_s_period_is_a_month_or_a_quarter() {
        let mut p = plan();
        p.topics[0].period = "13".into();
        assert!(check_plan(&p, d(2026, 1, 5)).is_err());
        p.topics[0].period = "12".into();
        assert!(check_plan(&p, d(2026, 1, 5)).is_ok());
    }

    #[test]
    fn a_plan_not_filed_after_its_due_day_is_a_problem() {
        let r = StudyHourRules::default();
        let s = SeverityPolicy::default();
        assert!(plan_finding(&r, &s, 9, 2026, false, d(2026, 3, 31)).is_none());
        let f = plan_finding(&r, &s, 9, 2026, false, d(2026, 4, 1)).unwrap();
        assert_eq!(f.subject, Subject::Org(9));
        assert!(plan_finding(&r, &s, 9, 2026, true, d(2026, 4, 1)).is_none());
    }

    #[test]
    fn groups_study_with_their_branch_and_file_no_plan() {
        assert!(!files_plan(OrgKind::Group));
        assert!(files_plan(OrgKind::Committee));
        assert!(files_plan(OrgKind::Branch));
    }
}
