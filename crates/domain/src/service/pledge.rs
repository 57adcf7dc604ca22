//! 三亮三比 (`domain.md` §1 A30): 亮身份、亮岗位、亮承诺; 比服务、比业绩、比贡献.
//!
//! - **Labels** (挂牌/亮岗): which kinds an org may grant depends on its 领域 — 党员示范岗
//!   for 机关, 党员先锋岗 for 企业 and 窗口 units, 共产党员户 for 农村/社区 — a table of
//!   [`PledgeRules`] ([`label_allowed`]).
//! - **Commitments** (亮承诺): one per member and year, written by the member, reviewed by
//!   the branch (通过/退回) and, at year end, its fulfilment graded by an account other
//!   than the member's ([`review`], [`grade`]). A member without a commitment after the
//!   configured deadline is a finding ([`missing_finding`]).
//! - **比 records**: 比服务/比业绩/比贡献 with what, when, an evidence note and a source.
//!
//! Pure: the store keeps the rows.

use crate::kernel::error::{FieldError, Invalid, check_text};
use crate::kernel::finding::{Finding, Subject};
use crate::kernel::period::{Period, PeriodKind, zh_date};
use crate::kernel::rules::SeverityPolicy;
use crate::org::Sector;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

labelled_enum! {
    /// A 三亮 label an org grants a member (at their post or household).
    pub enum PledgeLabelKind {
        /// 党员示范岗 (机关).
        DemoPost = ("demo_post", "党员示范岗"),
        /// 党员先锋岗 (企业、窗口单位).
        PioneerPost = ("pioneer_post", "党员先锋岗"),
        /// 共产党员户 (农村、社区 挂牌).
        Household = ("household", "共产党员户"),
    }
}

labelled_enum! {
    /// Where a year's commitment stands.
    pub enum CommitmentState {
        /// Written (or rewritten) by the member, waiting for the branch.
        Submitted = ("submitted", "待支部审核"),
        /// Approved by the branch: public if the org publishes.
        Approved = ("approved", "已通过"),
        /// Sent back to the member with a note, to rewrite.
        Returned = ("returned", "退回修改"),
    }
}

labelled_enum! {
    /// The year-end grade of a commitment's fulfilment (践诺评议).
    pub enum FulfilmentGrade {
        Excellent = ("excellent", "优秀"),
        Good = ("good", "良好"),
        Fair = ("fair", "一般"),
        Poor = ("poor", "较差"),
    }
}

labelled_enum! {
    /// 三比: what a record compares.
    pub enum CompareKind {
        Service = ("service", "比服务"),
        Performance = ("performance", "比业绩"),
        Contribution = ("contribution", "比贡献"),
    }
}

/// The label kinds one 领域 may grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectorLabels {
    pub sector: Sector,
    pub kinds: Vec<PledgeLabelKind>,
}

/// The numbers of 三亮三比, a section of the versioned [`crate::kernel::rules::RuleSet`].
/// Source: A30 of `domain.md` §1 (党员示范岗 机关, 共产党员户 农村/社区挂牌, 党员先锋岗
/// 企业/窗口); the dates are a deployment's choice — defaults: commitments written in the
/// first quarter (by 31 March), 践诺评议 from 1 December to 31 January of the next year,
/// the common practice of 年初亮诺、年底评诺.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PledgeRules {
    /// Which label kinds an org of each 领域 may grant; a 领域 not listed grants none.
    pub labels: Vec<SectorLabels>,
    /// The year's commitment is due by this month and day (inclusive): 3-31.
    pub deadline_month: u32,
    pub deadline_day: u32,
    /// 践诺评议 opens on this month and day of the year: 12-01 …
    pub review_from_month: u32,
    pub review_from_day: u32,
    /// … and closes this many days into the next year: 31 (31 January).
    pub review_days_into_next_year: u32,
}

impl Default for PledgeRules {
    fn default() -> Self {
        use PledgeLabelKind::*;
        let l = |sector, kinds: &[PledgeLabelKind]| SectorLabels { sector, kinds: kinds.to_vec() };
        Self {
            labels: vec![
                l(Sector::Government, &[DemoPost]),
                l(Sector::PublicInstitution, &[DemoPost, PioneerPost]),
                l(Sector::StateEnterprise, &[PioneerPost]),
                l(Sector::PrivateEnterprise, &[PioneerPost]),
                l(Sector::SocialOrganization, &[PioneerPost]),
                l(Sector::University, &[DemoPost]),
                l(Sector::Rural, &[Household]),
                l(Sector::Community, &[Household, PioneerPost]),
            ],
            deadline_month: 3,
            deadline_day: 31,
            review_from_month: 12,
            review_from_day: 1,
            review_days_into_next_year: 31,
        }
    }
}

impl PledgeRules {
    /// The kinds an org of `sector` may grant.
    pub fn kinds_for(&self, sector: Sector) -> Vec<PledgeLabelKind> {
        self.labels.iter().find(|s| s.sector == sector).map(|s| s.kinds.clone()).unwrap_or_default()
    }

    /// The last day a year's commitment is on time.
    pub fn deadline(&self, year: i32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, self.deadline_month, self.deadline_day)
            .or_else(|| NaiveDate::from_ymd_opt(year, self.deadline_month, 28))
            .unwrap_or(NaiveDate::MIN)
    }

    /// The 践诺评议 window of a year: first and last day (inclusive).
    pub fn review_window(&self, year: i32) -> (NaiveDate, NaiveDate) {
        let from = NaiveDate::from_ymd_opt(year, self.review_from_month, self.review_from_day)
            .or_else(|| NaiveDate::from_ymd_opt(year, 12, 1))
            .unwrap_or(NaiveDate::MIN);
        let next = NaiveDate::from_ymd_opt(year + 1, 1, 1).unwrap_or(NaiveDate::MAX);
        let until = next + chrono::Days::new(u64::from(self.review_days_into_next_year.max(1)) - 1);
        (from, until)
    }
}

/// Whether an org of `sector` may grant `kind`; the refusal names what it may grant.
pub fn label_allowed(rules: &PledgeRules, sector: Sector, kind: PledgeLabelKind) -> Result<(), Invalid> {
    let kinds = rules.kinds_for(sector);
    if kinds.contains(&kind) {
        return Ok(());
    }
    let may = if kinds.is_empty() {
        "不设三亮标识".to_string()
    } else {
        format!("只能授予{}", kinds.iter().map(|k| k.label()).collect::<Vec<_>>().join("、"))
    };
    Err(Invalid::one("kind", "pledge.label_kind", format!("{}领域的党组织不能授予“{}”，{may}", sector.label(), kind.label())))
}

/// The longest commitment, in characters.
pub const COMMITMENT_MAX: usize = 300;
/// The longest note (review, grade, evidence, post), in characters.
pub const PLEDGE_NOTE_MAX: usize = 500;

/// Reads a commitment's text: required, at most [`COMMITMENT_MAX`] characters.
pub fn parse_commitment(text: &str) -> Result<String, Invalid> {
    let mut inv = Invalid::default();
    check_text(&mut inv, "text", "承诺内容", text, COMMITMENT_MAX, true);
    if inv.is_empty() { Ok(text.trim().to_string()) } else { Err(inv) }
}

/// What the stored commitment says, for the decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitmentFacts {
    pub state: CommitmentState,
    pub year: i32,
    /// The account that wrote it (the member's own).
    pub written_by: i64,
    pub graded: bool,
}

/// The member (re)writes the year's commitment: a new one, or one waiting or returned;
/// an approved commitment is fixed. The state after: 待支部审核.
pub fn rewrite(existing: Option<&CommitmentFacts>) -> Result<CommitmentState, Invalid> {
    match existing.map(|c| c.state) {
        Some(CommitmentState::Approved) => {
            Err(Invalid::one("state", "pledge.approved", "本年度承诺已通过支部审核，不能再修改；如需调整请联系支部"))
        }
        _ => Ok(CommitmentState::Submitted),
    }
}

/// The branch approves or returns a waiting commitment, by an account other than the
/// member's; returning needs a note. The state after.
pub fn review(c: &CommitmentFacts, approve: bool, note: &str, reviewer: i64) -> Result<CommitmentState, Invalid> {
    if c.state != CommitmentState::Submitted {
        return Err(Invalid::one("state", "pledge.not_submitted", format!("该承诺{}，无需审核", c.state.label())));
    }
    if reviewer == c.written_by {
        return Err(Invalid::one("state", "pledge.own", "不能审核自己的承诺，请由支部其他同志审核"));
    }
    let mut inv = Invalid::default();
    check_text(&mut inv, "note", "退回理由", note, PLEDGE_NOTE_MAX, !approve);
    if !inv.is_empty() {
        return Err(inv);
    }
    Ok(if approve { CommitmentState::Approved } else { CommitmentState::Returned })
}

/// The year-end 践诺评议: an approved commitment, within the year's review window, by an
/// account other than the member's, with a note; graded once.
pub fn grade(rules: &PledgeRules, c: &CommitmentFacts, grader: i64, note: &str, today: NaiveDate) -> Result<(), Invalid> {
    if c.state != CommitmentState::Approved {
        return Err(Invalid::one("state", "pledge.not_approved", "承诺通过支部审核后，年底方可评议践诺情况"));
    }
    if c.graded {
        return Err(Invalid::one("state", "pledge.graded", "该承诺的践诺情况已评议"));
    }
    if grader == c.written_by {
        return Err(Invalid::one("state", "pledge.own", "不能评议自己的践诺情况，请由支部其他同志评议"));
    }
    let (from, until) = rules.review_window(c.year);
    if today < from || today > until {
        return Err(Invalid::one(
            "state",
            "pledge.window",
            format!("{}年度践诺评议在{}至{}进行", c.year, zh_date(from), zh_date(until)),
        ));
    }
    let mut inv = Invalid::default();
    check_text(&mut inv, "note", "评议意见", note, PLEDGE_NOTE_MAX, true);
    if inv.is_empty() { Ok(()) } else { Err(inv) }
}

/// A 比 record as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct CompareInput {
    /// `service`, `performance` or `contribution`.
    pub kind: String,
    /// The day (`YYYY-MM-DD`), not in the future.
    pub on: String,
    /// What was done.
    pub what: String,
    /// Evidence (where it can be checked: 台账, 照片编号, 表彰文件).
    pub evidence: String,
}

/// Reads a 比 record: its kind, a day not after today, what was done and its evidence.
pub fn parse_compare(input: &CompareInput, today: NaiveDate) -> Result<(CompareKind, NaiveDate, String, String), Invalid> {
    let mut inv = Invalid::default();
    let kind = CompareKind::from_code(input.kind.trim());
    if kind.is_none() {
        inv.push(FieldError::new("kind", "pledge.compare_kind", "请选择比服务、比业绩或比贡献"));
    }
    let on = crate::kernel::time::parse_iso_date(&input.on);
    match on {
        None => inv.push(FieldError::new("on", "date.format", "请填写日期，格式如 2026-07-01")),
        Some(d) if d > today => inv.push(FieldError::new("on", "date.future", "日期不能晚于今天")),
        _ => {}
    }
    check_text(&mut inv, "what", "事项", &input.what, PLEDGE_NOTE_MAX, true);
    check_text(&mut inv, "evidence", "佐证", &input.evidence, PLEDGE_NOTE_MAX, true);
    match (kind, on) {
        (Some(k), Some(on)) if inv.is_empty() => Ok((k, on, input.what.trim().into(), input.evidence.trim().into())),
        _ => Err(inv),
    }
}

/// The rule code of a missing commitment.
pub const MISSING_CODE: &str = "service.pledge_missing";
pub const MISSING_TITLE: &str = "党员逾期未亮承诺";
/// The prefix of every 三亮三比 finding's code.
pub const PLEDGE_PREFIX: &str = "service.pledge_";
pub const PLEDGE_RULE_VERSION: u32 = 1;

/// A member with no commitment for the year of `as_of` (none written, or returned and not
/// rewritten) after the year's deadline: a finding about the member for the year.
pub fn missing_finding(
    rules: &PledgeRules,
    severity: &SeverityPolicy,
    member_id: i64,
    state: Option<CommitmentState>,
    as_of: NaiveDate,
) -> Option<Finding> {
    let year = as_of.year();
    let deadline = rules.deadline(year);
    let has = matches!(state, Some(CommitmentState::Submitted | CommitmentState::Approved));
    (as_of > deadline && !has).then(|| Finding {
        rule_code: MISSING_CODE.into(),
        rule_version: PLEDGE_RULE_VERSION,
        subject: Subject::Member(member_id),
        period: Period::containing(PeriodKind::Year, as_of),
        severity: severity.open_at_risk,
        evidence: match state {
            Some(CommitmentState::Returned) => {
                format!("{year}年度承诺被支部退回后未重新提交（应于{}前亮承诺）", zh_date(deadline))
            }
            _ => format!("{year}年度未亮承诺（应于{}前提交）", zh_date(deadline)),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::time::parse_iso_date;

    fn d(s: &str) -> NaiveDate {
        parse_iso_date(s).unwrap()
    }

    fn facts(state: CommitmentState) -> CommitmentFacts {
        CommitmentFacts { state, year: 2026, written_by: 7, graded: false }
    }

    #[test]
    fn a_government_org_grants_the_demonstration_post_only() {
        let r = PledgeRules::default();
        assert!(label_allowed(&r, Sector::Government, PledgeLabelKind::DemoPost).is_ok());
        let e = label_allowed(&r, Sector::Government, PledgeLabelKind::Household).unwrap_err();
        assert!(e.has("pledge.label_kind"));
        assert!(e.errors[0].message.contains("只能授予党员示范岗"), "{}", e.errors[0].message);
    }

    #[test]
    fn an_enterprise_grants_the_pioneer_post_and_a_village_the_household_plate() {
        let r = PledgeRules::default();
        assert!(label_allowed(&r, Sector::PrivateEnterprise, PledgeLabelKind::PioneerPost).is_ok());
        assert!(label_allowed(&r, Sector::StateEnterprise, PledgeLabelKind::DemoPost).is_err());
        assert!(label_allowed(&r, Sector::Rural, PledgeLabelKind::Household).is_ok());
        assert!(label_allowed(&r, Sector::Rural, PledgeLabelKind::PioneerPost).is_err());
    }

    #[test]
    fn a_sector_not_in_the_table_grants_nothing() {
        let r = PledgeRules::default();
        let e = label_allowed(&r, Sector::Other, PledgeLabelKind::PioneerPost).unwrap_err();
        assert!(e.errors[0].message.contains("不设三亮标识"));
        let custom =
            PledgeRules { labels: vec![SectorLabels { sector: Sector::Other, kinds: vec![PledgeLabelKind::PioneerPost] }], ..r };
        assert!(label_allowed(&custom, Sector::Other, PledgeLabelKind::PioneerPost).is_ok(), "the table is data");
    }

    #[test]
    fn a_commitment_may_be_rewritten_until_approved() {
        assert_eq!(rewrite(None), Ok(CommitmentState::Submitted));
        assert_eq!(rewrite(Some(&facts(CommitmentState::Returned))), Ok(CommitmentState::Submitted));
        assert_eq!(rewrite(Some(&facts(CommitmentState::Submitted))), Ok(CommitmentState::Submitted));
        assert!(rewrite(Some(&facts(CommitmentState::Approved))).unwrap_err().has("pledge.approved"));
        assert!(parse_commitment("  ").unwrap_err().has("text.required"));
        assert!(parse_commitment(&"诺".repeat(COMMITMENT_MAX + 1)).unwrap_err().has("text.too_long"));
    }

    #[test]
    fn the_branch_reviews_with_another_account_and_a_return_needs_a_reason() {
        let c = facts(CommitmentState::Submitted);
        assert!(review(&c, true, "", 7).unwrap_err().has("pledge.own"));
        assert_eq!(review(&c, true, "", 8), Ok(CommitmentState::Approved));
        assert!(review(&c, false, " ", 8).unwrap_err().has("text.required"));
        assert_eq!(review(&c, false, "请写具体些", 8), Ok(CommitmentState::Returned));
        assert!(review(&facts(CommitmentState::Approved), true, "", 8).unwrap_err().has("pledge.not_submitted"));
    }

    #[test]
    fn fulfilment_is_graded_once_in_the_year_end_window_by_another_account() {
        let r = PledgeRules::default();
        let c = facts(CommitmentState::Approved);
        assert_eq!(r.review_window(2026), (d("2026-12-01"), d("2027-01-31")));
        assert!(grade(&r, &c, 8, "按时兑现", d("2026-11-30")).unwrap_err().has("pledge.window"));
        assert!(grade(&r, &c, 8, "按时兑现", d("2026-12-01")).is_ok());
        assert!(grade(&r, &c, 8, "按时兑现", d("2027-01-31")).is_ok());
        assert!(grade(&r, &c, 8, "按时兑现", d("2027-02-01")).unwrap_err().has("pledge.window"));
        assert!(grade(&r, &c, 7, "按时兑现", d("2026-12-05")).unwrap_err().has("pledge.own"));
        assert!(grade(&r, &c, 8, "", d("2026-12-05")).unwrap_err().has("text.required"));
        let graded = CommitmentFacts { graded: true, ..c };
        assert!(grade(&r, &graded, 8, "x", d("2026-12-05")).unwrap_err().has("pledge.graded"));
        let waiting = facts(CommitmentState::Submitted);
        assert!(grade(&r, &waiting, 8, "x", d("2026-12-05")).unwrap_err().has("pledge.not_approved"));
    }

    #[test]
    fn a_member_without_a_commitment_after_the_deadline_is_a_finding() {
        let r = PledgeRules::default();
        let s = SeverityPolicy::default();
        assert!(missing_finding(&r, &s, 9, None, d("2026-03-31")).is_none(), "the deadline day is on time");
        let f = missing_finding(&r, &s, 9, None, d("2026-04-01")).unwrap();
        assert_eq!((f.rule_code.as_str(), f.period.key()), (MISSING_CODE, "2026".to_string()));
        assert!(missing_finding(&r, &s, 9, Some(CommitmentState::Submitted), d("2026-04-01")).is_none());
        assert!(missing_finding(&r, &s, 9, Some(CommitmentState::Approved), d("2026-04-01")).is_none());
        let back = missing_finding(&r, &s, 9, Some(CommitmentState::Returned), d("2026-04-01")).unwrap();
        assert!(back.evidence.contains("退回"));
        let later = PledgeRules { deadline_month: 6, deadline_day: 30, ..r };
        assert!(missing_finding(&later, &s, 9, None, d("2026-04-01")).is_none(), "the deadline is data");
    }

    #[test]
    fn a_compare_record_has_a_kind_a_past_day_and_its_evidence() {
        let today = d("2026-07-01");
        let ok = CompareInput {
            kind: "service".into(),
            on: "2026-06-30".into(),
            what: "为独居老人送餐".into(),
            evidence: "社区台账第12页".into(),
        };
        let (k, on, _, _) = parse_compare(&ok, today).unwrap();
        assert_eq!((k, on), (CompareKind::Service, d("2026-06-30")));
        let bad = CompareInput { kind: "fun".into(), on: "2026-07-02".into(), what: String::new(), evidence: String::new() };
        let e = parse_compare(&bad, today).unwrap_err();
        for code in ["pledge.compare_kind", "date.future", "text.required"] {
            assert!(e.has(code), "{code}");
        }
    }
}
