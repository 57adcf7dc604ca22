//! 流动党员 and the 流动党员党支部 (e支部), `domain.md` §4.8 and §4.3 (组织关系):
//! a member away from their branch is registered with where, why and since when, holds a
//! 《流动党员活动证》 (number, issuing org, validity) and may join the e支部 of the street
//! where they live. There they take part in organizational life — which counts for their
//! own branch's rules too — and may pay dues, but they have **no 表决权/选举权/被选举权**:
//! the quorum and votes of the e支部's meetings leave them out — their attendance there is
//! kept beside the meeting's roll (which holds the e支部's own members only), never on it.
//! Away **≥ 6 months** at one place, the member must transfer formally: the rules engine
//! asks for it ([`transfer_finding`]). Pure: the store keeps the registrations.

use crate::kernel::error::{FieldError, Invalid, check_text};
use crate::kernel::finding::{Finding, Subject};
use crate::kernel::period::{Period, PeriodKind, zh_date};
use crate::kernel::rules::SeverityPolicy;
use crate::kernel::time::parse_iso_date;
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// The numbers of 流动党员, a section of the versioned [`crate::kernel::rules::RuleSet`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MobileRules {
    /// Away at a relatively fixed place this many months or more → the 组织关系 must be
    /// transferred formally: 6 (党员教育管理工作条例 第二十五条, `domain.md` §4.3
    /// "组织关系"; §4.8 "≥6 months at a fixed place → formal transfer").
    pub transfer_after_months: u32,
    /// A 活动证 is valid for at most this many months: 24 (a project default — the
    /// certificate's validity is a local norm, `domain.md` §4.8 gives none; the away
    /// period it covers is normally under 6 months, renewals are new certificates).
    pub certificate_max_months: u32,
}

impl Default for MobileRules {
    fn default() -> Self {
        Self { transfer_after_months: 6, certificate_max_months: 24 }
    }
}

/// The rule codes of 流动党员 findings.
pub const TRANSFER_CODE: &str = "affairs.mobile_transfer";
pub const TRANSFER_TITLE: &str = "流动党员外出满6个月应转接组织关系";
pub const CERTIFICATE_CODE: &str = "affairs.mobile_certificate";
pub const CERTIFICATE_TITLE: &str = "流动党员活动证已过有效期";
/// The prefix every 流动党员 finding's code starts with.
pub const MOBILE_PREFIX: &str = "affairs.mobile_";
pub const MOBILE_RULE_VERSION: u32 = 1;

/// The longest place, reason or org name, in characters.
pub const MOBILE_TEXT_MAX: usize = 100;

/// A registration as typed (dates `YYYY-MM-DD`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct MobileInput {
    /// 流入地 (where the member is).
    pub place: String,
    /// 外出原因 (务工、经商、就学 …).
    pub reason: String,
    /// 外出日期.
    pub since: String,
    /// 《流动党员活动证》编号.
    pub certificate_no: String,
    /// 发证党组织.
    pub issuing_org: String,
    /// 有效期起止.
    pub valid_from: String,
    pub valid_until: String,
    /// The e支部 (流动党员党支部) joined, by id; 0 or absent: none yet.
    pub e_branch_id: Option<i64>,
}

/// A checked registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub place: String,
    pub reason: String,
    pub since: NaiveDate,
    pub certificate_no: String,
    pub issuing_org: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub e_branch_id: Option<i64>,
}

/// Reads a registration: place, reason and the day they left are required; so is the
/// 活动证 with its number, issuing org and a validity of at most
/// [`MobileRules::certificate_max_months`], not ending before it starts.
pub fn parse_registration(rules: &MobileRules, input: &MobileInput, today: NaiveDate) -> Result<Registration, Invalid> {
    let mut inv = Invalid::default();
    check_text(&mut inv, "place", "流入地", &input.place, MOBILE_TEXT_MAX, true);
    check_text(&mut inv, "reason", "外出原因", &input.reason, MOBILE_TEXT_MAX, true);
    check_text(&mut inv, "certificate_no", "活动证编号", &input.certificate_no, 40, true);
    check_text(&mut inv, "issuing_org", "发证党组织", &input.issuing_org, MOBILE_TEXT_MAX, true);
    let mut date = |field: &'static str, label: &str, text: &str| {
        let d = parse_iso_date(text);
        if d.is_none() {
            inv.push(FieldError::new(field, "date.format", format!("请填写{label}，格式如 2026-07-01")));
        }
        d
    };
    let since = date("since", "外出日期", &input.since);
    let from = date("valid_from", "活动证有效期起", &input.valid_from);
    let until = date("valid_until", "活动证有效期止", &input.valid_until);
    if since.is_some_and(|s| s > today) {
        inv.push(FieldError::new("since", "date.future", "外出日期不能晚于今天"));
    }
    if let (Some(f), Some(u)) = (from, until) {
        let longest = f.checked_add_months(Months::new(rules.certificate_max_months)).unwrap_or(f);
        if u < f {
            inv.push(FieldError::new("valid_until", "mobile.validity", "活动证有效期止不能早于有效期起"));
        } else if u > longest {
            inv.push(FieldError::new(
                "valid_until",
                "mobile.validity",
                format!("活动证有效期最长{}个月（至{}），到期请换发", rules.certificate_max_months, zh_date(longest)),
            ));
        }
    }
    match (since, from, until) {
        (Some(since), Some(valid_from), Some(valid_until)) if inv.is_empty() => Ok(Registration {
            place: input.place.trim().to_string(),
            reason: input.reason.trim().to_string(),
            since,
            certificate_no: input.certificate_no.trim().to_string(),
            issuing_org: input.issuing_org.trim().to_string(),
            valid_from,
            valid_until,
            e_branch_id: input.e_branch_id.filter(|id| *id != 0),
        }),
        _ => Err(inv),
    }
}

/// The day from which a member away since `since` must transfer: `since` plus
/// [`MobileRules::transfer_after_months`] (away 6 months on that day).
pub fn transfer_due_on(rules: &MobileRules, since: NaiveDate) -> NaiveDate {
    since.checked_add_months(Months::new(rules.transfer_after_months)).unwrap_or(since)
}

/// The finding asking for a formal transfer once the member has been away at `place`
/// for 6 months or more (on the due day itself included), filed under the month they
/// left, so it stays one finding until they transfer or come back.
pub fn transfer_finding(
    rules: &MobileRules,
    severity: &SeverityPolicy,
    member_id: i64,
    since: NaiveDate,
    place: &str,
    as_of: NaiveDate,
) -> Option<Finding> {
    let due = transfer_due_on(rules, since);
    (as_of >= due).then(|| Finding {
        rule_code: TRANSFER_CODE.into(),
        rule_version: MOBILE_RULE_VERSION,
        subject: Subject::Member(member_id),
        period: Period::containing(PeriodKind::Month, since),
        severity: severity.breach,
        evidence: format!(
            "自{}起在{}，外出已满{}个月（{}满），应正式转接组织关系",
            zh_date(since),
            place,
            rules.transfer_after_months,
            zh_date(due)
        ),
    })
}

/// The finding that the member's 活动证 has lapsed while they are still away: 预警 from
/// the day after its last valid day.
pub fn certificate_finding(
    severity: &SeverityPolicy,
    member_id: i64,
    certificate_no: &str,
    valid_until: NaiveDate,
    as_of: NaiveDate,
) -> Option<Finding> {
    (as_of > valid_until).then(|| Finding {
        rule_code: CERTIFICATE_CODE.into(),
        rule_version: MOBILE_RULE_VERSION,
        subject: Subject::Member(member_id),
        period: Period::containing(PeriodKind::Month, valid_until),
        severity: severity.open_at_risk,
        evidence: format!("流动党员活动证（编号{}）有效期至{}，已过期，请换发或办理转接", certificate_no, zh_date(valid_until)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::finding::Severity;

    fn d(s: &str) -> NaiveDate {
        parse_iso_date(s).unwrap()
    }

    fn input() -> MobileInput {
        MobileInput {
            place: "杭州市西湖区".into(),
            reason: "外出务工".into(),
            since: "2026-01-15".into(),
            certificate_no: "LD-2026-001".into(),
            issuing_org: "某社区党支部".into(),
            valid_from: "2026-01-15".into(),
            valid_until: "2027-01-14".into(),
            e_branch_id: Some(0),
        }
    }

    #[test]
    fn a_registration_names_where_why_since_and_the_certificate() {
        let r = parse_registration(&MobileRules::default(), &input(), d("2026-03-01")).unwrap();
        assert_eq!((r.since, r.valid_until, r.e_branch_id), (d("2026-01-15"), d("2027-01-14"), None));
        let empty = parse_registration(&MobileRules::default(), &MobileInput::default(), d("2026-03-01")).unwrap_err();
        for f in ["place", "reason", "since", "certificate_no", "issuing_org", "valid_from", "valid_until"] {
            assert!(empty.errors.iter().any(|e| e.field == f), "{f}");
        }
        let future = parse_registration(&MobileRules::default(), &input(), d("2026-01-14")).unwrap_err();
        assert!(future.has("date.future"));
    }

    #[test]
    fn a_certificate_is_valid_for_at_most_24_months_and_not_backwards() {
        let rules = MobileRules::default();
        let at_most = MobileInput { valid_until: "2028-01-15".into(), ..input() };
        assert!(parse_registration(&rules, &at_most, d("2026-03-01")).is_ok());
        let too_long = MobileInput { valid_until: "2028-01-16".into(), ..input() };
        assert!(parse_registration(&rules, &too_long, d("2026-03-01")).unwrap_err().has("mobile.validity"));
        let backwards = MobileInput { valid_until: "2026-01-14".into(), ..input() };
        assert!(parse_registration(&rules, &backwards, d("2026-03-01")).unwrap_err().has("mobile.validity"));
    }

    #[test]
    fn away_exactly_six_months_asks_for_a_transfer_a_day_less_does_not() {
        let rules = MobileRules::default();
        let sev = SeverityPolicy::default();
        let since = d("2026-01-15");
        assert_eq!(transfer_due_on(&rules, since), d("2026-07-15"));
        assert!(transfer_finding(&rules, &sev, 7, since, "杭州", d("2026-07-14")).is_none(), "6 months minus a day");
        let f = transfer_finding(&rules, &sev, 7, since, "杭州", d("2026-07-15")).expect("exactly 6 months");
        assert_eq!((f.rule_code.as_str(), f.severity, f.period.key()), (TRANSFER_CODE, Severity::Finding, "2026-01".into()));
        assert!(f.evidence.contains("杭州") && f.evidence.contains("6个月"));
        // Month ends: away since 31 August, six months are up on the last day of February.
        assert_eq!(transfer_due_on(&rules, d("2026-08-31")), d("2027-02-28"));
        let longer = MobileRules { transfer_after_months: 12, ..rules };
        assert!(transfer_finding(&longer, &sev, 7, since, "杭州", d("2026-07-15")).is_none(), "the number is data");
    }

    #[test]
    fn a_lapsed_certificate_is_a_warning_from_the_day_after_its_last_valid_day() {
        let sev = SeverityPolicy::default();
        assert!(certificate_finding(&sev, 7, "LD-1", d("2026-06-30"), d("2026-06-30")).is_none());
        let f = certificate_finding(&sev, 7, "LD-1", d("2026-06-30"), d("2026-07-01")).unwrap();
        assert_eq!((f.rule_code.as_str(), f.severity), (CERTIFICATE_CODE, Severity::Warning));
    }
}
