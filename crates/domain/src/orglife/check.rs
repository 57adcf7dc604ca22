//! The pure side of reconciling the engine's findings with the stored ones: the titles
//! of rule codes, the period a finding is filed under, and which stored findings an
//! evaluation can no longer touch, and the reconciliation itself: which findings to open,
//! update, move or resolve and which compliance rows to write or drop. The store
//! (`vanguard_store::orglife::check`) reads and writes the rows; it decides nothing of
//! this itself.

use super::{ABSENCE_CODE, PARTICIPATION_CODE, PLAN_CODE, TERM_CODE, Tally};
use crate::kernel::finding::{Finding, Severity, Subject, findings_diff};
use crate::kernel::period::Period;
use crate::kernel::rules::RuleSet;
use crate::kernel::time::date_text;
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

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
        crate::affairs::dues::ARREARS_CODE => crate::affairs::dues::ARREARS_TITLE.into(),
        crate::affairs::recruit::OVERDUE_CODE => crate::affairs::recruit::OVERDUE_TITLE.into(),
        crate::affairs::recruit::PROBATION_CODE => crate::affairs::recruit::PROBATION_TITLE.into(),
        crate::affairs::transfer::OVERDUE_CODE => crate::affairs::transfer::OVERDUE_TITLE.into(),
        crate::affairs::mobile::TRANSFER_CODE => crate::affairs::mobile::TRANSFER_TITLE.into(),
        crate::affairs::mobile::CERTIFICATE_CODE => crate::affairs::mobile::CERTIFICATE_TITLE.into(),
        crate::affairs::lost_contact::SUSPEND_CODE => crate::affairs::lost_contact::SUSPEND_TITLE.into(),
        crate::affairs::lost_contact::REMOVE_CODE => crate::affairs::lost_contact::REMOVE_TITLE.into(),
        crate::service::weak_branch::WEAK_OVERDUE_CODE => crate::service::weak_branch::WEAK_OVERDUE_TITLE.into(),
        crate::service::taskforce::TASKFORCE_OVERDUE_CODE => crate::service::taskforce::TASKFORCE_OVERDUE_TITLE.into(),
        crate::learning::hours::PACE_CODE => crate::learning::hours::PACE_TITLE.into(),
        crate::learning::hours::YEAR_CODE => crate::learning::hours::YEAR_TITLE.into(),
        crate::learning::plan::PLAN_CODE => crate::learning::plan::PLAN_TITLE.into(),
        crate::learning::training::NEW_SECRETARY_CODE => crate::learning::training::NEW_SECRETARY_TITLE.into(),
        crate::learning::training::ROTATION_CODE => crate::learning::training::ROTATION_TITLE.into(),
        crate::learning::training::PROBATION_CODE => crate::learning::training::PROBATION_TITLE.into(),
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

// ---- Reconciliation ------------------------------------------------------------------------

/// A finding row as stored: what reconciliation needs of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFinding {
    pub id: i64,
    pub rule_code: String,
    pub rule_version: i64,
    pub subject_kind: String,
    pub subject_id: i64,
    pub org_id: i64,
    pub org_path: String,
    pub period_key: String,
    pub severity: String,
    pub evidence: String,
    pub resolved_at: Option<i64>,
}

/// A compliance row, as stored or to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTally {
    pub org_id: i64,
    pub org_path: String,
    pub rule_code: String,
    pub period_key: String,
    pub expected: i64,
    pub held: i64,
    pub complete: bool,
}

/// A finding to insert, or to update (and reopen) by key.
#[derive(Debug, Clone)]
pub struct FindingUpsert {
    pub finding: Finding,
    pub org_id: i64,
    pub org_path: String,
}

/// The writes one reconciliation decided, and what they amount to.
#[derive(Debug, Default)]
pub struct Writes {
    pub upserts: Vec<FindingUpsert>,
    /// Findings to resolve, with why when not by the record that fulfils them.
    pub resolves: Vec<(i64, String)>,
    pub tallies: Vec<StoredTally>,
    pub tally_deletes: Vec<(i64, String, String)>,
    pub opened: u64,
    pub updated: u64,
}

impl Writes {
    /// Whether nothing is to be written.
    pub fn is_empty(&self) -> bool {
        self.upserts.is_empty() && self.resolves.is_empty() && self.tallies.is_empty() && self.tally_deletes.is_empty()
    }
}

/// A stored row as the finding it records; `None` for a row the engine cannot read.
pub fn stored_as_finding(s: &StoredFinding) -> Option<Finding> {
    let subject = match s.subject_kind.as_str() {
        "org" => Subject::Org(s.subject_id),
        "member" => Subject::Member(s.subject_id),
        _ => return None,
    };
    Some(Finding {
        rule_code: s.rule_code.clone(),
        rule_version: u32::try_from(s.rule_version).unwrap_or(0),
        subject,
        period: Period::parse_key(&s.period_key)?,
        severity: Severity::from_code(&s.severity)?,
        evidence: s.evidence.clone(),
    })
}

/// Reconciles the stored findings of some subjects (`stored`: every row of exactly
/// those subjects, open or resolved) with a new evaluation of the same subjects.
/// `place` gives the org id and path a subject's findings are filed under.
pub fn reconcile_findings(
    stored: &[StoredFinding],
    new: Vec<Finding>,
    place: impl Fn(Subject) -> Option<(i64, String)>,
    note: impl Fn(Subject) -> String,
    j: &Judge,
    w: &mut Writes,
) {
    let live: Vec<&StoredFinding> =
        stored.iter().filter(|s| s.resolved_at.is_none() && !frozen(&s.rule_code, &s.period_key, j.from, j.rules)).collect();
    let old: Vec<Finding> = live.iter().filter_map(|s| stored_as_finding(s)).collect();
    let new: Vec<Finding> = new.into_iter().map(normalized).collect();
    let (to_open, to_resolve) = findings_diff(&old, &new);
    let by_key: HashMap<(String, &str, i64, &str), &StoredFinding> =
        stored.iter().map(|s| ((s.rule_code.clone(), s.subject_kind.as_str(), s.subject_id, s.period_key.as_str()), s)).collect();
    let lookup = |f: &Finding| {
        let key = f.period.key();
        by_key.get(&(f.rule_code.clone(), f.subject.kind(), f.subject.id(), key.as_str())).copied()
    };
    let mut upserted: HashSet<(String, Subject, String)> = HashSet::new();
    for f in to_open {
        let Some((org_id, org_path)) = place(f.subject) else { continue };
        match lookup(&f) {
            Some(s) if s.resolved_at.is_none() => w.updated += 1,
            _ => w.opened += 1,
        }
        upserted.insert((f.rule_code.clone(), f.subject, f.period.key()));
        w.upserts.push(FindingUpsert { finding: f, org_id, org_path });
    }
    // Unchanged findings of a subject that moved to another org follow it.
    for f in &new {
        if upserted.contains(&(f.rule_code.clone(), f.subject, f.period.key())) {
            continue;
        }
        let (Some(s), Some((org_id, org_path))) = (lookup(f), place(f.subject)) else { continue };
        if s.resolved_at.is_none() && (s.org_id != org_id || s.org_path != org_path) {
            w.updated += 1;
            w.upserts.push(FindingUpsert { finding: f.clone(), org_id, org_path });
        }
    }
    for f in to_resolve {
        if let Some(s) = lookup(&f) {
            w.resolves.push((s.id, note(f.subject)));
        }
    }
}

/// Reconciles an org's stored compliance rows with its new tallies.
pub fn reconcile_tallies(
    org_id: i64,
    org_path: &str,
    stored: &[StoredTally],
    tallies: &[Tally],
    from: NaiveDate,
    w: &mut Writes,
) {
    let old: HashMap<(&str, &str), &StoredTally> =
        stored.iter().map(|s| ((s.rule_code.as_str(), s.period_key.as_str()), s)).collect();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    for t in tallies {
        let key = t.period.key();
        let (expected, held) = (i64::from(t.expected), i64::from(t.held));
        let same = old
            .get(&(t.rule_code.as_str(), key.as_str()))
            .is_some_and(|s| s.expected == expected && s.held == held && s.complete == t.complete && s.org_path == org_path);
        if !same {
            w.tallies.push(StoredTally {
                org_id,
                org_path: org_path.to_string(),
                rule_code: t.rule_code.clone(),
                period_key: key.clone(),
                expected,
                held,
                complete: t.complete,
            });
        }
        seen.insert((t.rule_code.clone(), key));
    }
    for s in stored {
        if seen.contains(&(s.rule_code.clone(), s.period_key.clone())) {
            continue;
        }
        if Period::parse_key(&s.period_key).is_some_and(|p| p.end < from) {
            continue;
        }
        w.tally_deletes.push((s.org_id, s.rule_code.clone(), s.period_key.clone()));
    }
}

/// What every evaluation of one run shares: the window, the day judged, the rules.
pub struct Judge<'a> {
    pub from: NaiveDate,
    pub as_of: NaiveDate,
    pub rules: &'a RuleSet,
}

impl<'a> Judge<'a> {
    /// The window of an evaluation as of `as_of` under `rules`.
    pub fn new(rules: &'a RuleSet, as_of: NaiveDate) -> Self {
        Judge { from: rules.orglife.window_start(as_of), as_of, rules }
    }
    /// The window's first day, as text.
    pub fn window_text(&self) -> String {
        date_text(self.from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::period::PeriodKind;
    use chrono::Datelike;

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

    fn stored_finding(id: i64, rule_code: &str, period_key: &str, resolved_at: Option<i64>) -> StoredFinding {
        StoredFinding {
            id,
            rule_code: rule_code.into(),
            rule_version: 1,
            subject_kind: "org".into(),
            subject_id: 9,
            org_id: 9,
            org_path: "/9/".into(),
            period_key: period_key.into(),
            severity: "alert".into(),
            evidence: "e".into(),
            resolved_at,
        }
    }

    fn produced(rule_code: &str, period_key: &str) -> Finding {
        Finding {
            rule_code: rule_code.into(),
            rule_version: 1,
            subject: Subject::Org(9),
            period: Period::parse_key(period_key).unwrap(),
            severity: Severity::Alert,
            evidence: "e".into(),
        }
    }

    #[test]
    fn reconciling_opens_new_findings_resolves_vanished_ones_keeps_unchanged_and_frozen_ones() {
        let rules = RuleSet::default();
        let j = Judge::new(&rules, d(2026, 6, 15));
        let before_window = format!("{}-12", j.from.year() - 1);
        let stored = [
            stored_finding(1, "orglife.theme_day", "2026-03", None),
            stored_finding(2, "orglife.theme_day", "2026-04", None),
            stored_finding(3, "orglife.theme_day", &before_window, None),
        ];
        let new = vec![produced("orglife.theme_day", "2026-03"), produced("orglife.theme_day", "2026-05")];
        let mut w = Writes::default();
        reconcile_findings(&stored, new, |_| Some((9, "/9/".into())), |_| String::new(), &j, &mut w);
        let opened: Vec<String> = w.upserts.iter().map(|u| u.finding.period.key()).collect();
        assert_eq!(opened, vec!["2026-05"], "only the new one is written");
        assert_eq!(w.resolves, vec![(2, String::new())], "the vanished one resolves; the frozen one stays");
        assert_eq!((w.opened, w.updated), (1, 0));
    }

    #[test]
    fn reconciling_tallies_rewrites_only_changed_rows_and_drops_stale_ones_inside_the_window() {
        let from = d(2025, 1, 1);
        let row = |key: &str, held: i64| StoredTally {
            org_id: 9,
            org_path: "/9/".into(),
            rule_code: "orglife.theme_day".into(),
            period_key: key.into(),
            expected: 1,
            held,
            complete: true,
        };
        let tally = |key: &str, held: u32| Tally {
            rule_code: "orglife.theme_day".into(),
            rule_version: 1,
            period: Period::parse_key(key).unwrap(),
            expected: 1,
            held,
            complete: true,
        };
        let stored = [row("2026-01", 1), row("2026-02", 0), row("2026-03", 1), row("2024-12", 0)];
        let mut w = Writes::default();
        reconcile_tallies(9, "/9/", &stored, &[tally("2026-01", 1), tally("2026-02", 1)], from, &mut w);
        let written: Vec<&str> = w.tallies.iter().map(|t| t.period_key.as_str()).collect();
        assert_eq!(written, vec!["2026-02"], "the unchanged row is not rewritten");
        assert_eq!(w.tally_deletes, vec![(9, "orglife.theme_day".to_string(), "2026-03".to_string())], "before the window stays");
    }
}
