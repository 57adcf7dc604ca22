//! 学时: every member's study hours per calendar year, the targets, the pace through the
//! year and the exemptions (`domain.md` §1 A3, §4.3).
//!
//! A member's year is a ledger of lines, each with its source (online study, an attended
//! session, a training record), kept in seconds. The targets are **32 学时** a year for
//! every member and **56 学时** for secretaries and committee members (§4.3 "学时制度");
//! through the year the rules engine compares the hours with the pro-rated target at the
//! end of each quarter (预警 when behind), and once the year is closed under target it is
//! a 问题. Members exempt (illness, abroad, age ≥ 70) are not judged. Pure: the store
//! keeps the ledger.

use crate::kernel::finding::{Finding, Subject};
use crate::kernel::period::{Period, PeriodKind};
use crate::kernel::rules::SeverityPolicy;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// Seconds in one 学时 (one hour).
pub const SECONDS_PER_HOUR: i64 = 3600;

/// The rule codes of 学时 findings.
pub const PACE_CODE: &str = "learning.hours_pace";
pub const PACE_TITLE: &str = "学时进度落后";
pub const YEAR_CODE: &str = "learning.hours_year";
pub const YEAR_TITLE: &str = "年度学时未达标";
/// The prefix every 学时 finding's code starts with (the per-member engine's).
pub const HOURS_PREFIX: &str = "learning.hours_";
pub const HOURS_RULE_VERSION: u32 = 1;

/// The hours credited for one attended session of a kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SessionRate {
    /// The session type's code (a 组织生活 meeting type: `collective_study`, `party_lecture`,
    /// `theme_day`, `study_seminar` …).
    pub kind: String,
    /// Hours credited to each member present, in tenths of an hour (40 = 4 h).
    pub tenths: u32,
}

/// The numbers of 学时, a section of the versioned [`crate::kernel::rules::RuleSet`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StudyHourRules {
    /// Hours a year for every member: 32 (2019–2023年全国党员教育培训工作规划, `domain.md`
    /// §4.3 "学时制度"; the seed article's 32 学时 for Ningbo, §1 A3).
    pub member_target_hours: u32,
    /// Hours a year for secretaries and committee members (基层党组织书记和班子成员): 56
    /// (same source).
    pub leader_target_hours: u32,
    /// Hours per attended session, by session type: 集中学习 (支部学习, 1 h per hour, a
    /// session of 2 hours) 2 h; 党课, 主题党日 and 专题学习研讨 (a half-day lecture) 4 h
    /// each (`domain.md` §4.3 "学时 counting (typical local)": 专题讲座 4 h/half-day,
    /// 支部学习 1 h/hour). Types not listed earn none.
    pub session_rates: Vec<SessionRate>,
    /// Hours per day of 脱产培训 (full-time training): 8 (§4.3, same row).
    pub full_time_day_hours: u32,
    /// Age from which a member is exempt: 70 (issue 12 §2, "age ≥ 70"; a local practice,
    /// §4.3 gives no number).
    pub exempt_age: u32,
    /// 新任书记 岗前培训 due within this many months of taking office: 6 (§4.3 "Other
    /// training duties").
    pub new_secretary_months: u32,
    /// A 预备党员 without the 预备期 training this many months into the 预备期 (of 12) gets
    /// a 预警: 9 (a project default — the duty is "预备期内 1 集中培训", §4.3; three
    /// months remain to meet it).
    pub probation_warn_months: u32,
    /// 发展对象 集中培训: at least this many days …: 3 (§4.9 "集中培训 (发展对象)").
    pub candidate_min_days: u32,
    /// … or at least this many 学时: 24 (same row).
    pub candidate_min_hours: u32,
    /// The yearly study plan of year Y is due by this month and day of Y: 31 March (a
    /// project default: the first quarter; A3 asks for a yearly plan, no date).
    pub plan_due_month: u32,
    pub plan_due_day: u32,
}

impl Default for StudyHourRules {
    fn default() -> Self {
        let rate = |kind: &str, tenths| SessionRate { kind: kind.into(), tenths };
        Self {
            member_target_hours: 32,
            leader_target_hours: 56,
            session_rates: vec![
                rate("collective_study", 20),
                rate("party_lecture", 40),
                rate("theme_day", 40),
                rate("study_seminar", 40),
            ],
            full_time_day_hours: 8,
            exempt_age: 70,
            new_secretary_months: 6,
            probation_warn_months: 9,
            candidate_min_days: 3,
            candidate_min_hours: 24,
            plan_due_month: 3,
            plan_due_day: 31,
        }
    }
}

/// Whom a target applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HourRole {
    /// Every member.
    Member,
    /// A secretary or a committee member (书记和班子成员).
    Leader,
}

impl StudyHourRules {
    /// The year's target in hours for a role.
    pub fn target_hours(&self, role: HourRole) -> u32 {
        match role {
            HourRole::Member => self.member_target_hours,
            HourRole::Leader => self.leader_target_hours,
        }
    }

    /// The seconds credited for attending one session of `kind` (0 for a type not rated).
    pub fn session_seconds(&self, kind: &str) -> i64 {
        self.session_rates.iter().find(|r| r.kind == kind).map_or(0, |r| i64::from(r.tenths) * SECONDS_PER_HOUR / 10)
    }

    /// The seconds credited for `days` days of 脱产培训.
    pub fn full_time_seconds(&self, days: u32) -> i64 {
        i64::from(days) * i64::from(self.full_time_day_hours) * SECONDS_PER_HOUR
    }

    /// The day the study plan of `year` is due.
    pub fn plan_due_on(&self, year: i32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, self.plan_due_month, self.plan_due_day)
            .or_else(|| NaiveDate::from_ymd_opt(year, 3, 31))
            .unwrap_or(NaiveDate::MIN)
    }

    /// Whether a 发展对象's 集中培训 meets the duty: ≥ 3 days or ≥ 24 学时.
    pub fn candidate_training_met(&self, days: u32, seconds: i64) -> bool {
        days >= self.candidate_min_days || seconds >= i64::from(self.candidate_min_hours) * SECONDS_PER_HOUR
    }
}

/// Hours as shown: one decimal (`12.5`).
pub fn hours_text(seconds: i64) -> String {
    let tenths = (seconds.max(0) * 10 + SECONDS_PER_HOUR / 2) / SECONDS_PER_HOUR;
    format!("{}.{}", tenths / 10, tenths % 10)
}

labelled_enum! {
    /// Why a member is not judged on 学时.
    pub enum ExemptionReason {
        /// 因病 (long illness).
        Illness = ("illness", "因病"),
        /// 出国（境）.
        Abroad = ("abroad", "出国（境）"),
        /// 年满70周岁 (computed from the birth date; a record may also say so).
        Age = ("age", "年老体弱（70周岁以上）"),
    }
}

/// A recorded exemption: its reason and days (both included; `until` open when unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HourExemption {
    pub reason: ExemptionReason,
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
}

/// Age in whole years on `on`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// Why the member is exempt for `year` as of `as_of`, if they are: aged ≥ 70 during the
/// year (by its end, or by `as_of` if earlier), or a recorded exemption overlapping the
/// year up to `as_of`.
pub fn exemption_for(
    rules: &StudyHourRules,
    birth: Option<NaiveDate>,
    records: &[HourExemption],
    year: i32,
    as_of: NaiveDate,
) -> Option<ExemptionReason> {
    let start = NaiveDate::from_ymd_opt(year, 1, 1)?;
    let end = NaiveDate::from_ymd_opt(year, 12, 31)?.min(as_of);
    if birth.is_some_and(|b| age_on(b, end) >= rules.exempt_age) {
        return Some(ExemptionReason::Age);
    }
    records.iter().find(|r| r.from <= end && r.until.is_none_or(|u| u >= start)).map(|r| r.reason)
}

/// The latest quarter end of `as_of`'s year on or before `as_of`, as 1..=3 (the fourth
/// is the year's close), or none in the first quarter.
pub fn quarters_closed(as_of: NaiveDate) -> u32 {
    // A quarter is closed from the day after its last day.
    (as_of.month() - 1) / 3
}

/// The hours expected by the end of quarter `q` (1..=4): the target pro-rated, in seconds.
pub fn paced_seconds(target_hours: u32, q: u32) -> i64 {
    i64::from(target_hours) * SECONDS_PER_HOUR * i64::from(q.min(4)) / 4
}

/// Where a member stands in a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HourStanding {
    /// At or above the pace (or the target once reached).
    OnPace,
    /// Below the pro-rated target at the last quarter end.
    Behind,
    /// Not judged (illness, abroad, age).
    Exempt,
}

impl HourStanding {
    pub fn label(self) -> &'static str {
        match self {
            HourStanding::OnPace => "进度正常",
            HourStanding::Behind => "进度落后",
            HourStanding::Exempt => "免予考核",
        }
    }
}

/// One member's year as the engine judges it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberYear {
    pub member_id: i64,
    pub year: i32,
    pub role: HourRole,
    pub seconds: i64,
    pub exemption: Option<ExemptionReason>,
}

/// The member's standing in `year` as of `as_of`: exempt, or behind when below the
/// pro-rated target of the last closed quarter (the whole target once the year closed).
pub fn standing(rules: &StudyHourRules, m: &MemberYear, as_of: NaiveDate) -> HourStanding {
    if m.exemption.is_some() {
        return HourStanding::Exempt;
    }
    let q = if as_of.year() > m.year { 4 } else if as_of.year() < m.year { 0 } else { quarters_closed(as_of) };
    if q > 0 && m.seconds < paced_seconds(rules.target_hours(m.role), q) {
        HourStanding::Behind
    } else {
        HourStanding::OnPace
    }
}

/// The 学时 findings of a member's year as of `as_of`: while the year runs, 预警 when below
/// the pro-rated pace at the end of the last closed quarter (filed under that quarter);
/// once the year closed under target, a 问题 (filed under the year). None when exempt.
pub fn hour_findings(rules: &StudyHourRules, severity: &SeverityPolicy, m: &MemberYear, as_of: NaiveDate) -> Vec<Finding> {
    let mut out = Vec::new();
    if m.exemption.is_some() {
        return out;
    }
    let Some(year_start) = NaiveDate::from_ymd_opt(m.year, 1, 1) else { return out };
    let target = rules.target_hours(m.role);
    let who = match m.role {
        HourRole::Member => "党员",
        HourRole::Leader => "书记和班子成员",
    };
    if as_of.year() > m.year {
        if m.seconds < paced_seconds(target, 4) {
            out.push(Finding {
                rule_code: YEAR_CODE.into(),
                rule_version: HOURS_RULE_VERSION,
                subject: Subject::Member(m.member_id),
                period: Period::containing(PeriodKind::Year, year_start),
                severity: severity.closed_unmet,
                evidence: format!("{}年学时{}，未达到{}每年{}学时的要求", m.year, hours_text(m.seconds), who, target),
            });
        }
    } else if as_of.year() == m.year {
        let q = quarters_closed(as_of);
        let paced = paced_seconds(target, q);
        if q > 0 && m.seconds < paced {
            let quarter_start = NaiveDate::from_ymd_opt(m.year, (q - 1) * 3 + 1, 1).unwrap_or(year_start);
            out.push(Finding {
                rule_code: PACE_CODE.into(),
                rule_version: HOURS_RULE_VERSION,
                subject: Subject::Member(m.member_id),
                period: Period::containing(PeriodKind::Quarter, quarter_start),
                severity: severity.open_at_risk,
                evidence: format!(
                    "{}年第{}季度末学时{}，低于进度要求{}（全年{}学时按季度折算）",
                    m.year,
                    q,
                    hours_text(m.seconds),
                    hours_text(paced),
                    target
                ),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::finding::Severity;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn year(role: HourRole, hours: i64) -> MemberYear {
        MemberYear { member_id: 7, year: 2026, role, seconds: hours * SECONDS_PER_HOUR, exemption: None }
    }

    #[test]
    fn a_member_is_asked_32_hours_and_a_secretary_or_committee_member_56() {
        let r = StudyHourRules::default();
        assert_eq!(r.target_hours(HourRole::Member), 32);
        assert_eq!(r.target_hours(HourRole::Leader), 56);
    }

    #[test]
    fn attended_sessions_earn_their_type_s_rate() {
        let r = StudyHourRules::default();
        assert_eq!(r.session_seconds("party_lecture"), 4 * 3600);
        assert_eq!(r.session_seconds("theme_day"), 4 * 3600);
        assert_eq!(r.session_seconds("collective_study"), 2 * 3600);
        assert_eq!(r.session_seconds("branch_committee"), 0);
    }

    #[test]
    fn full_time_training_counts_8_hours_a_day() {
        let r = StudyHourRules::default();
        assert_eq!(r.full_time_seconds(3), 24 * 3600);
        assert_eq!(r.full_time_seconds(0), 0);
    }

    #[test]
    fn a_candidate_s_training_needs_3_days_or_24_hours() {
        let r = StudyHourRules::default();
        assert!(r.candidate_training_met(3, 0));
        assert!(r.candidate_training_met(2, 24 * 3600));
        assert!(!r.candidate_training_met(2, 23 * 3600));
    }

    #[test]
    fn the_pace_is_the_target_pro_rated_at_each_quarter_end() {
        assert_eq!(paced_seconds(32, 1), 8 * 3600);
        assert_eq!(paced_seconds(32, 2), 16 * 3600);
        assert_eq!(paced_seconds(56, 3), 42 * 3600);
        assert_eq!(quarters_closed(d(2026, 3, 31)), 0);
        assert_eq!(quarters_closed(d(2026, 4, 1)), 1);
        assert_eq!(quarters_closed(d(2026, 10, 1)), 3);
    }

    #[test]
    fn nothing_is_judged_in_the_first_quarter() {
        let r = StudyHourRules::default();
        let f = hour_findings(&r, &SeverityPolicy::default(), &year(HourRole::Member, 0), d(2026, 3, 31));
        assert!(f.is_empty());
    }

    #[test]
    fn below_the_pace_at_a_quarter_end_is_a_warning_under_that_quarter() {
        let r = StudyHourRules::default();
        let f = hour_findings(&r, &SeverityPolicy::default(), &year(HourRole::Member, 15), d(2026, 7, 2));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule_code, PACE_CODE);
        assert_eq!(f[0].severity, Severity::Warning);
        assert_eq!(f[0].period, Period::containing(PeriodKind::Quarter, d(2026, 4, 1)));
        assert!(f[0].evidence.contains("16.0"), "{}", f[0].evidence);
    }

    #[test]
    fn on_pace_at_a_quarter_end_is_no_finding() {
        let r = StudyHourRules::default();
        assert!(hour_findings(&r, &SeverityPolicy::default(), &year(HourRole::Member, 16), d(2026, 7, 2)).is_empty());
    }

    #[test]
    fn a_leader_is_judged_against_56_hours() {
        let r = StudyHourRules::default();
        let m = year(HourRole::Leader, 20);
        assert_eq!(standing(&r, &m, d(2026, 7, 2)), HourStanding::Behind);
        assert_eq!(standing(&r, &year(HourRole::Member, 20), d(2026, 7, 2)), HourStanding::OnPace);
    }

    #[test]
    fn a_year_closed_under_target_is_a_problem() {
        let r = StudyHourRules::default();
        let f = hour_findings(&r, &SeverityPolicy::default(), &year(HourRole::Member, 31), d(2027, 1, 5));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule_code, YEAR_CODE);
        assert_eq!(f[0].severity, Severity::Finding);
        assert!(hour_findings(&r, &SeverityPolicy::default(), &year(HourRole::Member, 32), d(2027, 1, 5)).is_empty());
    }

    #[test]
    fn an_exempt_member_is_never_failing() {
        let r = StudyHourRules::default();
        let mut m = year(HourRole::Member, 0);
        m.exemption = Some(ExemptionReason::Illness);
        assert!(hour_findings(&r, &SeverityPolicy::default(), &m, d(2027, 1, 5)).is_empty());
        assert_eq!(standing(&r, &m, d(2026, 10, 2)), HourStanding::Exempt);
    }

    #[test]
    fn a_member_aged_70_during_the_year_is_exempt() {
        let r = StudyHourRules::default();
        assert_eq!(exemption_for(&r, Some(d(1956, 6, 1)), &[], 2026, d(2026, 12, 31)), Some(ExemptionReason::Age));
        assert_eq!(exemption_for(&r, Some(d(1956, 6, 1)), &[], 2026, d(2026, 5, 1)), None);
        assert_eq!(exemption_for(&r, Some(d(1957, 1, 2)), &[], 2026, d(2026, 12, 31)), None);
    }

    #[test]
    fn a_recorded_exemption_counts_when_it_overlaps_the_year() {
        let r = StudyHourRules::default();
        let abroad = HourExemption { reason: ExemptionReason::Abroad, from: d(2025, 9, 1), until: Some(d(2026, 2, 1)) };
        assert_eq!(exemption_for(&r, None, std::slice::from_ref(&abroad), 2026, d(2026, 7, 1)), Some(ExemptionReason::Abroad));
        assert_eq!(exemption_for(&r, None, std::slice::from_ref(&abroad), 2027, d(2027, 7, 1)), None);
        let later = HourExemption { reason: ExemptionReason::Illness, from: d(2026, 9, 1), until: None };
        assert_eq!(exemption_for(&r, None, std::slice::from_ref(&later), 2026, d(2026, 7, 1)), None);
    }

    #[test]
    fn hours_show_with_one_decimal() {
        assert_eq!(hours_text(0), "0.0");
        assert_eq!(hours_text(5400), "1.5");
        assert_eq!(hours_text(32 * 3600), "32.0");
    }
}
