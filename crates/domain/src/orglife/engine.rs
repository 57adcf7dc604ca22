//! The rules engine: plain facts in, findings out. Deterministic and idempotent — the
//! same facts, window and rules always give the same findings in the same order — so
//! the store can recompute one org or member after a record changes and apply
//! [`super::findings_diff`].
//!
//! Principles:
//! - A meeting counts for the period it was **held** in, whenever it was recorded.
//! - Only **completed** periods (ended before `as_of`) produce “missed” findings; the
//!   open period produces at most an [`Severity::Info`] reminder near its end.
//! - An org is judged pro rata for the part of a period it existed in (from
//!   `max(established_on, from)` until `dissolved_on`, exclusive): `times × share`, where
//!   a share of at least [`OrgLifeRules::partial_period_min_percent`] (default half)
//!   counts as a whole — a branch founded on 2 January owes January's 主题党日, Q1's
//!   党员大会 and the year's 组织生活会; one founded on 20 January owes none for January.
//! - A member is judged only while they belong to the org (`joined_on` onwards) and
//!   within the window; a member who has left owes nothing and their findings resolve.

use super::meeting::{Attendance, MeetingType};
use super::plan::{PlanState, deadline};
use super::rules::{MeetingRule, OrgLifeRules, PLAN_CODE, TERM_CODE};
use crate::affairs::dues::Arrears;
use crate::kernel::finding::{Finding, Severity, Subject};
use crate::kernel::period::{Period, PeriodKind, zh_date};
use crate::kernel::rules::RuleSet;
use crate::member::Category;
use crate::org::{BranchCounts, OrgKind, check_branch_structure, term_end};
use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

/// A meeting an org held: its type and the day it was actually held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HeldMeeting {
    pub meeting_type: MeetingType,
    pub held_on: NaiveDate,
}

/// The state of an org's 固定组织生活日 plan for one year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PlanFacts {
    pub year: i32,
    pub state: PlanState,
    /// The day it was first submitted (报备), if ever.
    pub submitted_on: Option<NaiveDate>,
}

/// What the engine needs to know about one org; the store fills it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgFacts {
    pub id: i64,
    pub kind: OrgKind,
    pub has_committee: bool,
    /// `None`: existed before any window.
    pub established_on: Option<NaiveDate>,
    /// The day it ceased to exist (exclusive); `None` while it exists.
    pub dissolved_on: Option<NaiveDate>,
    pub term_started_on: Option<NaiveDate>,
    pub term_years: Option<u8>,
    /// Members and 正式党员 now.
    pub counts: BranchCounts,
    /// 党小组 under it now.
    pub group_count: u32,
    /// The meetings it held, in any order.
    pub meetings: Vec<HeldMeeting>,
    /// Days its secretary (书记) gave a 党课 to grassroots members, wherever recorded.
    pub secretary_lectures: Vec<NaiveDate>,
    /// Its yearly plans.
    pub plans: Vec<PlanFacts>,
}

impl OrgFacts {
    /// An org with no history yet.
    pub fn new(id: i64, kind: OrgKind) -> Self {
        Self {
            id,
            kind,
            has_committee: false,
            established_on: None,
            dissolved_on: None,
            term_started_on: None,
            term_years: None,
            counts: BranchCounts::default(),
            group_count: 0,
            meetings: Vec::new(),
            secretary_lectures: Vec::new(),
            plans: Vec::new(),
        }
    }

    /// Whether the org exists on `date`.
    pub fn exists_on(&self, date: NaiveDate) -> bool {
        self.established_on.is_none_or(|e| e <= date) && self.dissolved_on.is_none_or(|d| date < d)
    }
}

/// One meeting a member was expected at, and how they attended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberMeeting {
    pub held_on: NaiveDate,
    pub meeting_type: MeetingType,
    pub attendance: Attendance,
    /// The reason given with 请假.
    pub reason: Option<String>,
}

impl MemberMeeting {
    /// Took part, or stayed away with a valid reason.
    pub fn is_valid(&self) -> bool {
        self.attendance.is_valid(self.reason.as_deref())
    }
}

/// What the engine needs to know about one member in one org; the store fills it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberFacts {
    pub id: i64,
    /// The day they joined this org (入党, or the transfer in).
    pub joined_on: NaiveDate,
    /// The day they left it (exclusive); `None` while a member.
    pub left_on: Option<NaiveDate>,
    /// Carried for display; the rules treat 正式 and 预备党员 alike.
    pub category: Category,
    /// The meetings they were expected at, in any order.
    pub meetings: Vec<MemberMeeting>,
    /// Their run of unpaid 党费 when it has reached 党章第九条's months (the 党费
    /// engine's published read, `domain::affairs::dues::arrears`): the other reason of
    /// the same article, judged together with the participation run.
    pub dues_arrears: Option<Arrears>,
}

/// How many meetings a rule expected of an org in one period and how many it held: the
/// per-branch aggregate behind the cockpit's compliance rates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub rule_code: String,
    pub rule_version: u32,
    pub period: Period,
    pub expected: u32,
    pub held: u32,
    /// The period has ended (before `as_of`).
    pub complete: bool,
}

impl Tally {
    pub fn compliant(&self) -> bool {
        self.held >= self.expected
    }
}

/// Meetings due under `rule` in `period` from an org existing in `[start, until)`,
/// pro rata.
///
/// A partial period owes `times × share` rounded by the configured threshold
/// ([`OrgLifeRules::partial_period_min_percent`], default 50): with `times = 1` it is owed
/// when the org existed for at least that share of the period.
pub fn expected_in(
    rule: &MeetingRule,
    period: &Period,
    start: NaiveDate,
    until: Option<NaiveDate>,
    group_count: u32,
    min_percent: u32,
) -> u32 {
    let days = period.overlap_days(start, until);
    if days <= 0 {
        return 0;
    }
    let units = if rule.per_group { u64::from(group_count) } else { 1 };
    let (days, total) = (days as u64, period.days().max(1) as u64);
    let slack = u64::from(100 - min_percent.min(100));
    let due = (u64::from(rule.frequency.times) * days * 100 + slack * total) / (total * 100) * units;
    u32::try_from(due).unwrap_or(u32::MAX)
}

/// The first day the org is judged: the later of `from` and its establishment.
fn org_start(facts: &OrgFacts, from: NaiveDate) -> NaiveDate {
    facts.established_on.map_or(from, |e| e.max(from))
}

/// Counts sorted dates within a period.
fn count_in(sorted: &[NaiveDate], p: &Period) -> u32 {
    let lo = sorted.partition_point(|d| *d < p.start);
    let hi = sorted.partition_point(|d| *d <= p.end);
    u32::try_from(hi.saturating_sub(lo)).unwrap_or(u32::MAX)
}

/// The tallies of every applicable meeting rule for every period from
/// `max(from, established_on)` to `as_of` (the open period included, `complete: false`).
/// Periods in which nothing was due (pro rata zero) are left out.
pub fn meeting_tallies(facts: &OrgFacts, from: NaiveDate, as_of: NaiveDate, rules: &OrgLifeRules) -> Vec<Tally> {
    let start = org_start(facts, from);
    let last_day = match facts.dissolved_on.and_then(|d| d.pred_opt()) {
        Some(l) => l.min(as_of),
        None => as_of,
    };
    let mut out = Vec::new();
    if last_day < start {
        return out;
    }
    for rule in rules.meetings.iter().filter(|r| r.applies(facts.kind, facts.has_committee, facts.group_count)) {
        let mut dates: Vec<NaiveDate> = if rule.secretary_only {
            facts.secretary_lectures.clone()
        } else {
            facts.meetings.iter().filter(|m| m.meeting_type == rule.meeting_type).map(|m| m.held_on).collect()
        };
        dates.retain(|d| *d <= as_of);
        dates.sort_unstable();
        for period in Period::between(rule.frequency.per, start, last_day) {
            let expected =
                expected_in(rule, &period, start, facts.dissolved_on, facts.group_count, rules.partial_period_min_percent);
            if expected == 0 {
                continue;
            }
            out.push(Tally {
                rule_code: rule.code.clone(),
                rule_version: rule.version,
                period,
                expected,
                held: count_in(&dates, &period),
                complete: period.end < as_of,
            });
        }
    }
    out
}

/// Every finding about one org, judged from `from` (the start of the evaluation window)
/// to `as_of` (today): missed meetings per period, reminders near the end of the open
/// period, the yearly plan, the term and the branch structure. Sorted by rule code, then
/// period.
pub fn evaluate_org(facts: &OrgFacts, from: NaiveDate, as_of: NaiveDate, rules: &RuleSet) -> Vec<Finding> {
    let ol = &rules.orglife;
    let policy = &rules.severity;
    let subject = Subject::Org(facts.id);
    let mut out = Vec::new();
    for t in meeting_tallies(facts, from, as_of, ol) {
        if t.compliant() {
            continue;
        }
        let Some(rule) = ol.meeting(&t.rule_code) else { continue };
        let (severity, evidence) = if t.complete {
            let what =
                if t.held == 0 { format!("未{}{}", rule.verb(), rule.noun()) } else { format!("{}次数不足", rule.noun()) };
            (policy.closed_unmet, format!("{}{what}（应≥{}次，实际{}次）", t.period.label(), t.expected, t.held))
        } else {
            let left = (t.period.end - as_of).num_days();
            if rule.reminder_days == 0 || left >= i64::from(rule.reminder_days) {
                continue;
            }
            let evidence = format!(
                "{}尚未{}{}（应≥{}次，目前{}次），本期截至{}",
                t.period.label(),
                if t.held == 0 { rule.verb() } else { "完成" },
                rule.noun(),
                t.expected,
                t.held,
                zh_date(t.period.end)
            );
            (policy.open_at_risk, evidence)
        };
        out.push(Finding { rule_code: t.rule_code, rule_version: t.rule_version, subject, period: t.period, severity, evidence });
    }
    plan_findings(facts, from, as_of, rules, &mut out);
    term_findings(facts, as_of, rules, &mut out);
    if ol.structure.enabled && facts.exists_on(as_of) {
        for s in check_branch_structure(facts.kind, facts.counts, facts.has_committee, &rules.org, &rules.severity) {
            out.push(Finding {
                rule_code: s.code.to_string(),
                rule_version: ol.structure.version,
                subject,
                period: Period::containing(PeriodKind::Year, as_of),
                severity: s.severity,
                evidence: s.message,
            });
        }
    }
    sort(&mut out);
    out
}

fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| (&a.rule_code, a.subject, a.period).cmp(&(&b.rule_code, b.subject, b.period)));
}

/// The plan of year Y is judged when the org existed on its deadline and the deadline
/// lies in the window: not filed after the deadline, filed late, or a reminder before.
fn plan_findings(facts: &OrgFacts, from: NaiveDate, as_of: NaiveDate, rules: &RuleSet, out: &mut Vec<Finding>) {
    let (ol, policy) = (&rules.orglife, &rules.severity);
    let rule = &ol.annual_plan;
    if !rule.enabled || !rule.applies_to.contains(&facts.kind) {
        return;
    }
    for year in from.year()..=as_of.year() {
        let due = deadline(year, ol);
        if due < from || !facts.exists_on(due) {
            continue;
        }
        let submitted = facts.plans.iter().find(|p| p.year == year).and_then(|p| p.submitted_on).filter(|d| *d <= as_of);
        let name = format!("{year}年度固定组织生活日计划");
        let (severity, evidence) = match submitted {
            Some(s) if s > due => (policy.met_late, format!("{name}逾期报备（{}报备，截止{}）", zh_date(s), zh_date(due))),
            Some(_) => continue,
            None if as_of > due => (policy.closed_unmet, format!("{name}未按期报备（截止{}）", zh_date(due))),
            None if rule.reminder_days > 0 && (due - as_of).num_days() < i64::from(rule.reminder_days) => {
                (policy.open_at_risk, format!("{name}尚未报备，请于{}前报上级党组织备案", zh_date(due)))
            }
            None => continue,
        };
        let period = Period::containing(PeriodKind::Year, due);
        out.push(Finding {
            rule_code: PLAN_CODE.into(),
            rule_version: rule.version,
            subject: Subject::Org(facts.id),
            period,
            severity,
            evidence,
        });
    }
}

/// Whole months from `start` to `end` (0 if `end` is less than a month later).
fn whole_months(start: NaiveDate, end: NaiveDate) -> u32 {
    if end <= start {
        return 0;
    }
    let mut k = (end.year() - start.year()) * 12 + end.month() as i32 - start.month() as i32;
    while k > 0 && start.checked_add_months(Months::new(k as u32)).is_none_or(|d| d > end) {
        k -= 1;
    }
    k.max(0) as u32
}

/// Reminders before the term ends and while overdue; keyed by the month the term ends,
/// so a new term (a new end) resolves the old finding.
fn term_findings(facts: &OrgFacts, as_of: NaiveDate, rules: &RuleSet, out: &mut Vec<Finding>) {
    let (rule, policy) = (&rules.orglife.term_expiry, &rules.severity);
    let (Some(start), Some(years)) = (facts.term_started_on, facts.term_years) else { return };
    if !rule.enabled || facts.kind == OrgKind::Group || !facts.exists_on(as_of) {
        return;
    }
    let end = term_end(start, years);
    let before = |months: u32| end.checked_sub_months(Months::new(months)).unwrap_or(NaiveDate::MIN);
    let (severity, evidence) = if as_of >= end {
        let every = rule.overdue_every_months.max(1);
        let overdue = whole_months(end, as_of) / every * every;
        let tail = if overdue == 0 { String::new() } else { format!("，已逾期{overdue}个月") };
        (policy.closed_unmet, format!("本届任期已于{}届满{tail}，尚未换届", zh_date(end)))
    } else if as_of >= before(rule.second_reminder_months) {
        (
            policy.open_at_risk,
            format!("本届任期将于{}届满（届满前{}个月提醒），请及时启动换届程序", zh_date(end), rule.second_reminder_months),
        )
    } else if as_of >= before(rule.first_reminder_months) {
        (
            policy.notice,
            format!("本届任期将于{}届满（届满前{}个月提醒），请做好换届准备", zh_date(end), rule.first_reminder_months),
        )
    } else {
        return;
    };
    out.push(Finding {
        rule_code: TERM_CODE.into(),
        rule_version: rule.version,
        subject: Subject::Org(facts.id),
        period: Period::containing(PeriodKind::Month, end),
        severity,
        evidence,
    });
}

/// How a member stood in one month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MonthStatus {
    /// Took part (or stayed away with a valid reason) at least once.
    TookPart,
    /// A whole, completed month of membership with meetings, none attended validly.
    Missed { meetings: u32 },
    /// Nothing to judge: no meeting expected, a partial month, or the open month.
    Neutral,
}

/// Every finding about one member, judged from `max(from, joined_on)` to `as_of`:
///
/// - 党章第九条 (`member.no_org_life`): consecutive months without taking part and
///   without a valid reason. Months in which the member was expected at no meeting (the
///   branch held none, or the member belonged for only part of the month and did not
///   take part) neither count nor break the run; taking part in any month — the open one
///   included — ends it. The ongoing run is a warning at 3 months, an alert at 5 and a
///   finding at 6; a run that ended is kept only if it reached 6. The finding is keyed by
///   the run's first month and escalates in place.
/// - Repeated absence (`member.repeated_absence`): at least `threshold` unexcused
///   absences in the `window_months` months up to `as_of`; keyed by the month of the
///   earliest absence counted.
pub fn evaluate_member(facts: &MemberFacts, from: NaiveDate, as_of: NaiveDate, rules: &RuleSet) -> Vec<Finding> {
    let ol = &rules.orglife;
    let mut out = Vec::new();
    // A member who has left (died, transferred out, …) owes nothing any more: the
    // obligations ended on the leaving date, and findings about them are resolved.
    if facts.left_on.is_some_and(|left| left <= as_of) {
        return out;
    }
    let start = facts.joined_on.max(from);
    let last_day = match facts.left_on.and_then(|d| d.pred_opt()) {
        Some(l) => l.min(as_of),
        None => as_of,
    };
    if last_day < start {
        return out;
    }
    let mut meetings: Vec<&MemberMeeting> =
        facts.meetings.iter().filter(|m| start <= m.held_on && m.held_on <= last_day).collect();
    meetings.sort_by_key(|m| (m.held_on, m.meeting_type));
    if ol.participation.enabled {
        participation_findings(facts.id, &meetings, start, last_day, as_of, ol, &mut out);
        if let Some(a) = facts.dues_arrears.filter(|a| a.months >= rules.dues.arrears_problem_months) {
            with_dues_arrears(facts.id, a, ol, &mut out);
        }
    }
    if ol.absence.enabled {
        absence_findings(facts.id, &meetings, as_of, rules, &mut out);
    }
    sort(&mut out);
    out
}

fn participation_findings(
    member: i64,
    meetings: &[&MemberMeeting],
    start: NaiveDate,
    last_day: NaiveDate,
    as_of: NaiveDate,
    ol: &OrgLifeRules,
    out: &mut Vec<Finding>,
) {
    let rule = &ol.participation;
    let statuses: Vec<(Period, MonthStatus)> = Period::between(PeriodKind::Month, start, last_day)
        .into_iter()
        .map(|m| {
            let in_month: Vec<&&MemberMeeting> = meetings.iter().filter(|x| m.contains(x.held_on)).collect();
            let whole = m.start >= start && m.end <= last_day && m.end < as_of;
            let status = if in_month.iter().any(|x| x.is_valid()) {
                MonthStatus::TookPart
            } else if whole && !in_month.is_empty() {
                MonthStatus::Missed { meetings: in_month.len() as u32 }
            } else {
                MonthStatus::Neutral
            };
            (m, status)
        })
        .collect();
    let mut run: Vec<(Period, u32)> = Vec::new();
    let mut emit = |run: &[(Period, u32)], ongoing: bool| {
        let n = run.len() as u32;
        let severity = if n >= rule.finding_months {
            Severity::Finding
        } else if !ongoing {
            return;
        } else if n >= rule.alert_months {
            Severity::Alert
        } else if n >= rule.warning_months {
            Severity::Warning
        } else {
            return;
        };
        let (Some(first), Some(last)) = (run.first(), run.last()) else { return };
        let missed: u32 = run.iter().map(|(_, k)| k).sum();
        let span = if n == 1 { first.0.label() } else { format!("{}至{}", first.0.label(), last.0.label()) };
        let calendar_months = whole_months(first.0.start, last.0.end.succ_opt().unwrap_or(last.0.end));
        let bridged = if calendar_months > n { "不含未安排组织生活的月份；" } else { "" };
        let level = match severity {
            Severity::Finding => format!("已达党章第九条规定的{}个月，请党支部依规处置", rule.finding_months),
            Severity::Alert => format!("已达警示标准（{}个月）", rule.alert_months),
            _ => format!("已达预警标准（{}个月）", rule.warning_months),
        };
        out.push(Finding {
            rule_code: super::rules::PARTICIPATION_CODE.into(),
            rule_version: rule.version,
            subject: Subject::Member(member),
            period: Period { kind: PeriodKind::Month, start: first.0.start, end: last.0.end },
            severity,
            evidence: format!(
                "{span}连续{n}个月未参加党的组织生活（{bridged}期间应参加{missed}次，均无正当理由未参加），{level}"
            ),
        });
    };
    for (month, status) in statuses {
        match status {
            MonthStatus::TookPart => {
                emit(&run, false);
                run.clear();
            }
            MonthStatus::Missed { meetings } => run.push((month, meetings)),
            MonthStatus::Neutral => {}
        }
    }
    emit(&run, true);
}

/// 党章第九条 names not taking part and not paying 党费 as one case: a member with both
/// gets one finding giving both reasons — the ongoing participation finding (its period
/// and key unchanged) with the unpaid months added —, and a member who only stopped
/// paying gets the article's finding for that reason alone.
fn with_dues_arrears(member: i64, a: Arrears, ol: &OrgLifeRules, out: &mut Vec<Finding>) {
    let rule = &ol.participation;
    let reason = format!("{}至{}连续{}个月未交纳党费", a.since.label(), a.until.label(), a.months);
    let ongoing = out.iter_mut().rev().find(|f| {
        f.rule_code == super::rules::PARTICIPATION_CODE && f.severity == Severity::Finding && f.period.end >= a.since.first_day()
    });
    match ongoing {
        Some(f) => {
            let level = format!("，已达党章第九条规定的{}个月", rule.finding_months);
            let base = f.evidence.split(&level).next().unwrap_or(&f.evidence).to_string();
            f.evidence = format!("{base}；同时{reason}{level}，请党支部依规处置");
        }
        None => out.push(Finding {
            rule_code: super::rules::PARTICIPATION_CODE.into(),
            rule_version: rule.version,
            subject: Subject::Member(member),
            period: Period { kind: PeriodKind::Month, start: a.since.first_day(), end: a.until.last_day() },
            severity: Severity::Finding,
            evidence: format!("{reason}（无正当理由），已达党章第九条规定的{}个月，请党支部依规处置", rule.finding_months),
        }),
    }
}

fn absence_findings(member: i64, meetings: &[&MemberMeeting], as_of: NaiveDate, rules: &RuleSet, out: &mut Vec<Finding>) {
    let rule = &rules.orglife.absence;
    let window_start = as_of.checked_sub_months(Months::new(rule.window_months)).unwrap_or(NaiveDate::MIN);
    let absences: Vec<&&MemberMeeting> =
        meetings.iter().filter(|m| m.held_on > window_start && m.held_on <= as_of && !m.is_valid()).collect();
    let n = absences.len() as u32;
    let (Some(first), Some(last)) = (absences.first(), absences.last()) else { return };
    if n < rule.threshold.max(1) {
        return;
    }
    let list: Vec<String> = absences.iter().map(|m| format!("{}{}", zh_date(m.held_on), m.meeting_type.label())).collect();
    out.push(Finding {
        rule_code: super::rules::ABSENCE_CODE.into(),
        rule_version: rule.version,
        subject: Subject::Member(member),
        period: Period {
            kind: PeriodKind::Month,
            start: Period::containing(PeriodKind::Month, first.held_on).start,
            end: Period::containing(PeriodKind::Month, last.held_on).end,
        },
        severity: rules.severity.caution,
        evidence: format!("近{}个月无故缺席组织生活{n}次：{}", rule.window_months, list.join("、")),
    });
}
