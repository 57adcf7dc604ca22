//! Findings (预警/问题清单) that every rules engine produces, and how a new evaluation is
//! compared with the stored one.

use super::period::Period;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

labelled_enum! {
    /// 严重程度, in increasing order.
    pub enum Severity {
        /// 提示: a reminder.
        Info = ("info", "提示"),
        /// 预警.
        Warning = ("warning", "预警"),
        /// 警示.
        Alert = ("alert", "警示"),
        /// 问题: a breach to be dealt with (e.g. 党章第九条 six months).
        Finding = ("finding", "问题"),
    }
}

/// Whom a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// A 党组织, by id.
    Org(i64),
    /// A 党员, by id.
    Member(i64),
}

impl Subject {
    /// `org` or `member`.
    pub fn kind(self) -> &'static str {
        match self {
            Subject::Org(_) => "org",
            Subject::Member(_) => "member",
        }
    }
    pub fn id(self) -> i64 {
        match self {
            Subject::Org(id) | Subject::Member(id) => id,
        }
    }
}

/// One finding: a rule, whom it is about, the period judged, how serious it is, and the
/// concrete evidence in Chinese. History (first seen, resolved at) is the store's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule_code: String,
    pub rule_version: u32,
    pub subject: Subject,
    pub period: Period,
    pub severity: Severity,
    /// e.g. `2026年第3季度未召开支部党员大会（应≥1次，实际0次）`.
    pub evidence: String,
}

/// The identity of a finding: the same rule, subject and period key is the same finding,
/// whatever its severity or evidence.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FindingKey {
    pub rule_code: String,
    pub subject: Subject,
    pub period_key: String,
}

impl Finding {
    pub fn key(&self) -> FindingKey {
        FindingKey { rule_code: self.rule_code.clone(), subject: self.subject, period_key: self.period.key() }
    }
}

impl std::fmt::Display for FindingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}|{}:{}|{}", self.rule_code, self.subject.kind(), self.subject.id(), self.period_key)
    }
}

/// Compares the stored open findings of some subjects with a new evaluation of the same
/// subjects. Returns `(to_open, to_resolve)`:
/// - `to_open`: findings that are new, or whose content (severity, evidence, version or
///   period end) changed — the store upserts them by key and keeps their first-seen time;
/// - `to_resolve`: stored findings whose key no longer appears — the store marks them
///   resolved.
///
/// Unchanged findings appear in neither list, so applying the diff twice is a no-op.
pub fn findings_diff(old: &[Finding], new: &[Finding]) -> (Vec<Finding>, Vec<Finding>) {
    let old_by_key: BTreeMap<FindingKey, &Finding> = old.iter().map(|f| (f.key(), f)).collect();
    let new_by_key: BTreeMap<FindingKey, &Finding> = new.iter().map(|f| (f.key(), f)).collect();
    let to_open =
        new_by_key.iter().filter(|(k, f)| old_by_key.get(*k).is_none_or(|o| o != *f)).map(|(_, f)| (*f).clone()).collect();
    let to_resolve = old_by_key.iter().filter(|(k, _)| !new_by_key.contains_key(*k)).map(|(_, f)| (*f).clone()).collect();
    (to_open, to_resolve)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::period::PeriodKind;
    use chrono::NaiveDate;

    fn f(code: &str, org: i64, month: u32, severity: Severity) -> Finding {
        Finding {
            rule_code: code.into(),
            rule_version: 1,
            subject: Subject::Org(org),
            period: Period::containing(PeriodKind::Month, NaiveDate::from_ymd_opt(2026, month, 1).unwrap()),
            severity,
            evidence: format!("2026年{month}月"),
        }
    }

    #[test]
    fn diff_opens_new_findings_and_resolves_vanished_ones() {
        let old = vec![f("a", 1, 3, Severity::Warning), f("a", 1, 4, Severity::Warning)];
        let new = vec![f("a", 1, 4, Severity::Warning), f("a", 1, 5, Severity::Warning)];
        let (open, resolve) = findings_diff(&old, &new);
        assert_eq!(open, vec![f("a", 1, 5, Severity::Warning)]);
        assert_eq!(resolve, vec![f("a", 1, 3, Severity::Warning)]);
    }

    #[test]
    fn diff_of_identical_evaluations_is_empty() {
        let v = vec![f("a", 1, 3, Severity::Warning), f("b", 2, 3, Severity::Info)];
        assert_eq!(findings_diff(&v, &v), (vec![], vec![]));
        assert_eq!(findings_diff(&[], &[]), (vec![], vec![]));
    }

    #[test]
    fn diff_reopens_a_finding_whose_severity_changed_under_the_same_key() {
        let old = vec![f("a", 1, 3, Severity::Warning)];
        let new = vec![f("a", 1, 3, Severity::Alert)];
        let (open, resolve) = findings_diff(&old, &new);
        assert_eq!(open, new);
        assert!(resolve.is_empty());
        assert_eq!(old[0].key(), new[0].key());
    }

    #[test]
    fn keys_distinguish_rule_subject_and_period() {
        let a = f("a", 1, 3, Severity::Warning);
        assert_ne!(a.key(), f("b", 1, 3, Severity::Warning).key());
        assert_ne!(a.key(), f("a", 2, 3, Severity::Warning).key());
        assert_ne!(a.key(), f("a", 1, 4, Severity::Warning).key());
        let mut m = a.clone();
        m.subject = Subject::Member(1);
        assert_ne!(a.key(), m.key());
        assert_eq!(a.key().to_string(), "a|org:1|2026-03");
        assert_eq!(serde_json::to_string(&m.subject).unwrap(), r#"{"member":1}"#);
    }
}
