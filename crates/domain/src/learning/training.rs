//! Training classes (培训班, `domain.md` §1 A16 领头雁工程, §4.3 "Other training duties", §4.9
//! 发展对象 集中培训): their kinds, the hours an enrolee is credited, and the duties the
//! rules engine checks — a 新任书记's 岗前培训 within 6 months, each secretary's yearly
//! 轮训, a 预备党员's 预备期 training. Pure: the store keeps classes and enrolments.

use super::hours::{SECONDS_PER_HOUR, StudyHourRules};
use crate::kernel::error::{FieldError, Invalid, check_text};
use crate::kernel::finding::{Finding, Subject};
use crate::kernel::period::{Period, PeriodKind, zh_date};
use crate::kernel::rules::SeverityPolicy;
use crate::kernel::time::parse_iso_date;
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

labelled_enum! {
    /// What a training class is for.
    pub enum TrainingKind {
        /// 领头雁 secretary training (A16).
        Leader = ("leader", "领头雁书记培训"),
        /// 新任书记 岗前培训 (within 6 months of taking office).
        NewSecretary = ("new_secretary", "新任书记培训"),
        /// A secretary's yearly 县级以上 轮训.
        Rotation = ("rotation", "书记年度轮训"),
        /// 发展对象 集中培训 (≥ 3 days or ≥ 24 学时).
        Candidate = ("candidate", "发展对象培训"),
        /// 预备党员 预备期 training.
        Probation = ("probation", "预备期培训"),
        /// Any other class (专题培训).
        Other = ("other", "其他培训"),
    }
}

impl TrainingKind {
    /// Whether the class counts as a secretary's yearly 轮训 (领头雁 classes do).
    pub fn is_rotation(self) -> bool {
        matches!(self, TrainingKind::Rotation | TrainingKind::Leader)
    }
}

/// The rule codes of training duties.
pub const NEW_SECRETARY_CODE: &str = "learning.training_new_secretary";
pub const NEW_SECRETARY_TITLE: &str = "新任书记6个月内未参加岗前培训";
pub const ROTATION_CODE: &str = "learning.training_rotation";
pub const ROTATION_TITLE: &str = "书记本年度未参加轮训";
pub const PROBATION_CODE: &str = "learning.training_probation";
pub const PROBATION_TITLE: &str = "预备党员预备期内未参加集中培训";
/// The prefix every training finding's code starts with.
pub const TRAINING_PREFIX: &str = "learning.training_";
pub const TRAINING_RULE_VERSION: u32 = 1;

/// The longest title or place, in characters.
pub const TRAINING_TEXT_MAX: usize = 100;

/// A training class as entered by its organizer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TrainingClassInput {
    pub title: String,
    /// `leader`, `new_secretary`, `rotation`, `candidate`, `probation` or `other`.
    pub kind: String,
    /// First and last day, `YYYY-MM-DD`.
    pub starts_on: String,
    pub ends_on: String,
    /// 脱产培训: credited 8 学时 per attended day. Otherwise `hours` for attending the class.
    pub full_time: bool,
    /// Hours of a class that is not full-time (e.g. 4 for a half-day lecture).
    pub hours: f64,
    pub place: String,
}

/// A class checked.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingClass {
    pub title: String,
    pub kind: TrainingKind,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub full_time: bool,
    /// Seconds credited for attending a class that is not full-time.
    pub seconds: i64,
    pub place: String,
}

impl TrainingClass {
    /// Days from the first to the last, both included.
    pub fn days(&self) -> u32 {
        u32::try_from((self.ends_on - self.starts_on).num_days() + 1).unwrap_or(0)
    }

    /// The seconds credited to an enrolee who attended `days_attended` days (full-time) or
    /// attended at all (otherwise).
    pub fn credited_seconds(&self, rules: &StudyHourRules, attended: bool, days_attended: u32) -> i64 {
        if !attended {
            0
        } else if self.full_time {
            rules.full_time_seconds(days_attended.min(self.days()))
        } else {
            self.seconds
        }
    }
}

/// Checks a class as entered.
pub fn parse_class(input: &TrainingClassInput) -> Result<TrainingClass, Invalid> {
    let mut inv = Invalid::default();
    check_text(&mut inv, "title", "培训班名称", &input.title, TRAINING_TEXT_MAX, true);
    check_text(&mut inv, "place", "培训地点", &input.place, TRAINING_TEXT_MAX, false);
    let kind = TrainingKind::parse(input.kind.trim());
    if kind.is_none() {
        inv.push(FieldError::new("kind", "training.kind", "请选择培训类别（领头雁、新任书记、轮训、发展对象、预备期或其他）"));
    }
    let starts = parse_iso_date(input.starts_on.trim());
    let ends = parse_iso_date(input.ends_on.trim());
    if starts.is_none() {
        inv.push(FieldError::new("starts_on", "training.starts_on", "请填写开班日期（如 2026-03-02）"));
    }
    if ends.is_none() {
        inv.push(FieldError::new("ends_on", "training.ends_on", "请填写结业日期（如 2026-03-04）"));
    }
    if let (Some(s), Some(e)) = (starts, ends) {
        if e < s {
            inv.push(FieldError::new("ends_on", "training.order", "结业日期不能早于开班日期"));
        } else if (e - s).num_days() > 366 || s.year() != e.year() {
            inv.push(FieldError::new("ends_on", "training.span", "一个培训班应在同一年内结束；跨年的请按年度分开登记"));
        }
    }
    let hours = input.hours;
    if !input.full_time && !(hours.is_finite() && hours > 0.0 && hours <= 200.0) {
        inv.push(FieldError::new("hours", "training.hours", "非脱产培训请填写学时（大于0，不超过200）"));
    }
    if !inv.is_empty() {
        return Err(inv);
    }
    let (Some(kind), Some(starts_on), Some(ends_on)) = (kind, starts, ends) else { return Err(inv) };
    let seconds = if input.full_time { 0 } else { (hours * SECONDS_PER_HOUR as f64).round() as i64 };
    Ok(TrainingClass {
        title: input.title.trim().into(),
        kind,
        starts_on,
        ends_on,
        full_time: input.full_time,
        seconds,
        place: input.place.trim().into(),
    })
}

/// A 新任书记 without 岗前培训 once the months allowed are up: a 问题 filed under the month
/// they took office. `trained` is whether they attended a 新任书记 (or 领头雁) class since
/// a year before taking office.
pub fn new_secretary_finding(
    rules: &StudyHourRules,
    severity: &SeverityPolicy,
    member_id: i64,
    since: NaiveDate,
    trained: bool,
    as_of: NaiveDate,
) -> Option<Finding> {
    let due = since.checked_add_months(Months::new(rules.new_secretary_months))?;
    (!trained && as_of > due).then(|| Finding {
        rule_code: NEW_SECRETARY_CODE.into(),
        rule_version: TRAINING_RULE_VERSION,
        subject: Subject::Member(member_id),
        period: Period::containing(PeriodKind::Month, since),
        severity: severity.closed_unmet,
        evidence: format!(
            "{}任书记，应在{}个月内（{}前）参加新任书记岗前培训，至今未参加",
            zh_date(since),
            rules.new_secretary_months,
            zh_date(due)
        ),
    })
}

/// A secretary's yearly 轮训: in the last quarter of the year without one, 预警; the year
/// closed without one, 问题 (filed under the year).
pub fn rotation_finding(severity: &SeverityPolicy, member_id: i64, year: i32, trained: bool, as_of: NaiveDate) -> Option<Finding> {
    if trained {
        return None;
    }
    let start = NaiveDate::from_ymd_opt(year, 1, 1)?;
    let (sev, evidence) = if as_of.year() > year {
        (severity.closed_unmet, format!("{year}年未参加县级以上书记轮训（每年至少1次）"))
    } else if as_of.year() == year && as_of.month() >= 10 {
        (severity.open_at_risk, format!("{year}年尚未参加书记轮训，年底前须参加至少1次"))
    } else {
        return None;
    };
    Some(Finding {
        rule_code: ROTATION_CODE.into(),
        rule_version: TRAINING_RULE_VERSION,
        subject: Subject::Member(member_id),
        period: Period::containing(PeriodKind::Year, start),
        severity: sev,
        evidence,
    })
}

/// A 预备党员 without the 预备期 training months into the 预备期: 预警, filed under the
/// month they were admitted.
pub fn probation_finding(
    rules: &StudyHourRules,
    severity: &SeverityPolicy,
    member_id: i64,
    admitted_on: NaiveDate,
    trained: bool,
    as_of: NaiveDate,
) -> Option<Finding> {
    let warn = admitted_on.checked_add_months(Months::new(rules.probation_warn_months))?;
    (!trained && as_of >= warn).then(|| Finding {
        rule_code: PROBATION_CODE.into(),
        rule_version: TRAINING_RULE_VERSION,
        subject: Subject::Member(member_id),
        period: Period::containing(PeriodKind::Month, admitted_on),
        severity: severity.open_at_risk,
        evidence: format!("{}接收为预备党员，预备期已过{}个月，尚未参加预备期集中培训", zh_date(admitted_on), rules.probation_warn_months),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::finding::Severity;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn input(full_time: bool, hours: f64) -> TrainingClassInput {
        TrainingClassInput {
            title: "新任书记示范培训班".into(),
            kind: "new_secretary".into(),
            starts_on: "2026-03-02".into(),
            ends_on: "2026-03-04".into(),
            full_time,
            hours,
            place: "区委党校".into(),
        }
    }

    #[test]
    fn full_time_training_credits_8_hours_per_attended_day() {
        let r = StudyHourRules::default();
        let c = parse_class(&input(true, 0.0)).unwrap();
        assert_eq!(c.days(), 3);
        assert_eq!(c.credited_seconds(&r, true, 3), 24 * 3600);
        assert_eq!(c.credited_seconds(&r, true, 2), 16 * 3600);
        assert_eq!(c.credited_seconds(&r, true, 9), 24 * 3600, "never more days than the class has");
        assert_eq!(c.credited_seconds(&r, false, 3), 0);
    }

    #[test]
    fn a_class_that_is_not_full_time_credits_its_hours() {
        let r = StudyHourRules::default();
        let c = parse_class(&input(false, 4.0)).unwrap();
        assert_eq!(c.credited_seconds(&r, true, 0), 4 * 3600);
    }

    #[test]
    fn a_class_needs_a_kind_dates_in_order_and_hours_unless_full_time() {
        let mut i = input(false, 0.0);
        i.kind = "x".into();
        i.ends_on = "2026-03-01".into();
        let e = parse_class(&i).unwrap_err();
        let fields: Vec<&str> = e.errors.iter().map(|f| f.field).collect();
        assert_eq!(fields, vec!["kind", "ends_on", "hours"]);
    }

    #[test]
    fn a_new_secretary_untrained_after_6_months_is_a_problem() {
        let r = StudyHourRules::default();
        let s = SeverityPolicy::default();
        assert!(new_secretary_finding(&r, &s, 1, d(2026, 1, 10), false, d(2026, 7, 10)).is_none());
        let f = new_secretary_finding(&r, &s, 1, d(2026, 1, 10), false, d(2026, 7, 11)).unwrap();
        assert_eq!(f.severity, Severity::Finding);
        assert!(new_secretary_finding(&r, &s, 1, d(2026, 1, 10), true, d(2026, 9, 1)).is_none());
    }

    #[test]
    fn a_secretary_without_the_yearly_rotation_is_warned_in_q4_and_failed_after() {
        let s = SeverityPolicy::default();
        assert!(rotation_finding(&s, 1, 2026, false, d(2026, 9, 30)).is_none());
        assert_eq!(rotation_finding(&s, 1, 2026, false, d(2026, 10, 1)).unwrap().severity, Severity::Warning);
        assert_eq!(rotation_finding(&s, 1, 2026, false, d(2027, 1, 1)).unwrap().severity, Severity::Finding);
        assert!(rotation_finding(&s, 1, 2026, true, d(2027, 1, 1)).is_none());
        assert!(TrainingKind::Leader.is_rotation());
    }

    #[test]
    fn a_probationary_member_untrained_9_months_in_is_warned() {
        let r = StudyHourRules::default();
        let s = SeverityPolicy::default();
        assert!(probation_finding(&r, &s, 1, d(2026, 1, 15), false, d(2026, 10, 14)).is_none());
        assert!(probation_finding(&r, &s, 1, d(2026, 1, 15), false, d(2026, 10, 15)).is_some());
        assert!(probation_finding(&r, &s, 1, d(2026, 1, 15), true, d(2026, 12, 1)).is_none());
    }
}
