//! The rules of organizational life as versioned data (`domain.md` §4.2, §4.4, §6):
//! which meetings each kind of org holds and how often, the plan deadline, the term
//! reminders, and the member rules of 党章第九条. Every rule carries a stable code, its
//! own version and a Chinese title and explanation (how serious its findings are is the
//! one [`crate::kernel::rules::SeverityPolicy`]); a deployment changes
//! any number without code (e.g. 党课 from quarterly to twice a year).

use super::meeting::MeetingType;
use crate::kernel::error::{FieldError, Invalid};
use crate::kernel::finding::Severity;
use crate::kernel::period::PeriodKind;
use crate::kernel::rules::SeverityPolicy;
use crate::org::OrgKind;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize};

/// How often something must happen: at least `times` in every period of kind `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Frequency {
    pub per: PeriodKind,
    pub times: u32,
}

impl Frequency {
    pub fn monthly(times: u32) -> Self {
        Self { per: PeriodKind::Month, times }
    }
    pub fn quarterly(times: u32) -> Self {
        Self { per: PeriodKind::Quarter, times }
    }
    pub fn half_yearly(times: u32) -> Self {
        Self { per: PeriodKind::HalfYear, times }
    }
    pub fn yearly(times: u32) -> Self {
        Self { per: PeriodKind::Year, times }
    }
    /// `每季度至少1次`.
    pub fn label(&self) -> String {
        let per = match self.per {
            PeriodKind::Month => "每月",
            PeriodKind::Quarter => "每季度",
            PeriodKind::HalfYear => "每半年",
            PeriodKind::Year => "每年",
        };
        format!("{per}至少{}次", self.times)
    }
}

/// A rule that an org holds meetings of one type at a frequency (三会一课, 主题党日 …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingRule {
    /// Stable code, e.g. `orglife.branch_assembly`.
    pub code: String,
    /// Increases with every change of this rule.
    pub version: u32,
    pub enabled: bool,
    pub meeting_type: MeetingType,
    /// Counts only 党课 given by the org's own secretary (书记讲党课), from
    /// [`super::OrgFacts::secretary_lectures`], instead of meetings of `meeting_type`.
    pub secretary_only: bool,
    pub frequency: Frequency,
    /// The org kinds the rule applies to.
    pub applies_to: Vec<OrgKind>,
    /// Applies only where the org has a committee (支委会).
    pub requires_committee: bool,
    /// The frequency is per 党小组 of the org: `times × group_count` meetings are due, and
    /// an org without groups is not judged. (The default judges each 党小组 as an org of
    /// its own instead.)
    pub per_group: bool,
    /// In the last this many days of a still-open period with too few meetings, a
    /// 预警 (the policy's `open_at_risk`) appears; 0 turns reminders off.
    pub reminder_days: u32,
    /// 规则名称.
    pub title: String,
    /// 规则说明 with its source.
    pub explanation: String,
}

impl MeetingRule {
    /// Whether the rule judges an org of this kind, committee and group count at all.
    pub fn applies(&self, kind: OrgKind, has_committee: bool, group_count: u32) -> bool {
        self.enabled
            && self.applies_to.contains(&kind)
            && (!self.requires_committee || has_committee)
            && (!self.per_group || group_count > 0)
    }

    /// What is counted, in words: the meeting type, or `书记讲党课`.
    pub fn noun(&self) -> &'static str {
        if self.secretary_only { "书记讲党课" } else { self.meeting_type.label() }
    }

    /// The verb that goes with [`MeetingRule::noun`]: 召开 or 开展.
    pub fn verb(&self) -> &'static str {
        if self.secretary_only { "开展" } else { self.meeting_type.verb() }
    }
}

/// A patch of one meeting rule as it appears in configuration: every field but the code
/// may be left out and then keeps its default.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MeetingRulePatch {
    code: String,
    version: Option<u32>,
    enabled: Option<bool>,
    meeting_type: Option<MeetingType>,
    secretary_only: Option<bool>,
    frequency: Option<Frequency>,
    applies_to: Option<Vec<OrgKind>>,
    requires_committee: Option<bool>,
    per_group: Option<bool>,
    reminder_days: Option<u32>,
    title: Option<String>,
    explanation: Option<String>,
}

impl MeetingRulePatch {
    fn apply(self, r: &mut MeetingRule) {
        macro_rules! set {
            ($($f:ident),*) => { $(if let Some(v) = self.$f { r.$f = v; })* };
        }
        set!(version, enabled, meeting_type, secretary_only, frequency, applies_to, requires_committee, per_group);
        set!(reminder_days, title, explanation);
    }

    fn into_new(self) -> Result<MeetingRule, String> {
        let (Some(meeting_type), Some(frequency), Some(applies_to)) =
            (self.meeting_type, self.frequency, self.applies_to.clone())
        else {
            return Err(format!("新增规则“{}”须给出 meeting_type、frequency 和 applies_to", self.code));
        };
        let mut r = MeetingRule {
            code: self.code.clone(),
            version: 1,
            enabled: true,
            meeting_type,
            secretary_only: false,
            frequency,
            applies_to,
            requires_committee: false,
            per_group: false,
            reminder_days: 0,
            title: format!("{}{}", meeting_type.label(), frequency.label()),
            explanation: String::new(),
        };
        self.apply(&mut r);
        Ok(r)
    }
}

/// Reads the meeting rules of a configuration as patches over the defaults: a rule
/// whose code is known changes only the fields given; an unknown code adds a rule.
/// Rules cannot be removed, only disabled (`enabled: false`).
fn merge_meeting_rules<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<MeetingRule>, D::Error> {
    let patches = Vec::<MeetingRulePatch>::deserialize(d)?;
    let mut rules = default_meeting_rules();
    for p in patches {
        match rules.iter_mut().find(|r| r.code == p.code) {
            Some(r) => p.apply(r),
            None => rules.push(p.into_new().map_err(serde::de::Error::custom)?),
        }
    }
    Ok(rules)
}

const BRANCH_KINDS: [OrgKind; 4] = [OrgKind::Branch, OrgKind::JointBranch, OrgKind::TemporaryBranch, OrgKind::MobileBranch];
const COMMITTEE_KINDS: [OrgKind; 2] = [OrgKind::Committee, OrgKind::WorkCommittee];

#[allow(clippy::too_many_arguments)]
fn meeting_rule(
    code: &str,
    meeting_type: MeetingType,
    frequency: Frequency,
    applies_to: &[OrgKind],
    reminder_days: u32,
    title: &str,
    explanation: &str,
    enabled: bool,
) -> MeetingRule {
    MeetingRule {
        code: code.into(),
        version: 1,
        enabled,
        meeting_type,
        secretary_only: false,
        frequency,
        applies_to: applies_to.to_vec(),
        requires_committee: false,
        per_group: false,
        reminder_days,
        title: title.into(),
        explanation: explanation.into(),
    }
}

/// The default meeting rules, from the 支部工作条例 (2018) and the 党员教育管理 practice
/// (`domain.md` §4.2, A3, A4).
pub fn default_meeting_rules() -> Vec<MeetingRule> {
    use MeetingType::*;
    let mut branch_and_general = BRANCH_KINDS.to_vec();
    branch_and_general.push(OrgKind::GeneralBranch);
    let mut study_kinds = BRANCH_KINDS.to_vec();
    study_kinds.push(OrgKind::Group);
    vec![
        meeting_rule(
            "orglife.branch_assembly",
            BranchAssembly,
            Frequency::quarterly(1),
            &BRANCH_KINDS,
            15,
            "支部党员大会每季度至少召开1次",
            "《中国共产党支部工作条例（试行）》第十一条：党员大会一般每季度召开1次。",
            true,
        ),
        MeetingRule {
            requires_committee: true,
            ..meeting_rule(
                "orglife.branch_committee",
                BranchCommittee,
                Frequency::monthly(1),
                &branch_and_general,
                7,
                "支部委员会每月至少召开1次",
                "《中国共产党支部工作条例（试行）》第十二条：支部委员会会议一般每月召开1次；未设支部委员会的党支部不适用。",
                true,
            )
        },
        meeting_rule(
            "orglife.group_meeting",
            GroupMeeting,
            Frequency::monthly(1),
            &[OrgKind::Group],
            7,
            "党小组会每月至少召开1次",
            "《中国共产党支部工作条例（试行）》第十三条：党小组会一般每月召开1次；按每个党小组分别考核。",
            true,
        ),
        meeting_rule(
            "orglife.party_lecture",
            PartyLecture,
            Frequency::quarterly(1),
            &BRANCH_KINDS,
            15,
            "党课每季度至少1次",
            "三会一课制度：党支部每季度至少上1次党课（《支部工作条例》未规定次数，取通行的地方标准，可按本地规定调整）。",
            true,
        ),
        meeting_rule(
            "orglife.theme_day",
            ThemeDay,
            Frequency::monthly(1),
            &BRANCH_KINDS,
            7,
            "主题党日每月至少开展1次",
            "党支部每月相对固定1天开展主题党日（固定组织生活日），与三会一课相结合。",
            true,
        ),
        meeting_rule(
            "orglife.life_meeting",
            LifeMeeting,
            Frequency::yearly(1),
            &BRANCH_KINDS,
            30,
            "组织生活会每年至少召开1次",
            "《中国共产党支部工作条例（试行）》：党支部每年至少召开1次组织生活会，一般安排在第四季度。",
            true,
        ),
        meeting_rule(
            "orglife.democratic_review",
            DemocraticReview,
            Frequency::yearly(1),
            &BRANCH_KINDS,
            30,
            "民主评议党员每年开展1次",
            "民主评议党员一般每年开展1次，可与组织生活会结合进行。",
            true,
        ),
        meeting_rule(
            "orglife.study_seminar",
            StudySeminar,
            Frequency::quarterly(1),
            &COMMITTEE_KINDS,
            15,
            "党委（党工委）每季度至少开展1次专题学习研讨",
            "党员教育年度计划：党委（党组）每季度至少安排1次专题学习研讨（中心组学习）。",
            true,
        ),
        MeetingRule {
            secretary_only: true,
            ..meeting_rule(
                "orglife.secretary_lecture",
                PartyLecture,
                Frequency::yearly(1),
                &COMMITTEE_KINDS,
                30,
                "党委（党工委）书记每年至少讲1次党课",
                "各级党委（党组）书记每年至少为基层党员讲1次党课。",
                true,
            )
        },
        meeting_rule(
            "orglife.collective_study",
            CollectiveStudy,
            Frequency::monthly(1),
            &study_kinds,
            7,
            "党支部（党小组）每月至少集中学习1次",
            "党员教育年度计划：党支部、党小组每月至少组织1次集中学习。默认停用，因集中学习通常结合主题党日进行。",
            false,
        ),
        meeting_rule(
            "orglife.heart_talk",
            HeartTalk,
            Frequency::yearly(1),
            &BRANCH_KINDS,
            30,
            "谈心谈话每年至少开展1次",
            "支委之间、支委与党员之间、党员之间每年一般至少谈心谈话1次。默认停用，因谈心谈话一般不按组织记实。",
            false,
        ),
    ]
}

/// 固定组织生活日年度计划 filed by its deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanRule {
    pub version: u32,
    pub enabled: bool,
    /// The org kinds that file a plan: the branch kinds.
    pub applies_to: Vec<OrgKind>,
    /// The deadline of the plan for year Y is this month and day of Y: 31 January.
    pub deadline_month: u32,
    pub deadline_day: u32,
    /// Reminder days before the deadline while the plan is not filed; 0 = none.
    pub reminder_days: u32,
    pub title: String,
    pub explanation: String,
}

impl Default for PlanRule {
    fn default() -> Self {
        Self {
            version: 1,
            enabled: true,
            applies_to: BRANCH_KINDS.to_vec(),
            deadline_month: 1,
            deadline_day: 31,
            reminder_days: 15,
            title: "固定组织生活日年度计划按期报备".into(),
            explanation: "党支部每年制定固定组织生活日活动计划，报上一级党组织备案，并向支部党员公布。".into(),
        }
    }
}

/// 换届提醒: reminders before a committee's term ends and while it is overdue
/// (`domain.md` §4.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TermRule {
    pub version: u32,
    pub enabled: bool,
    /// First reminder this many months before the term ends: 6.
    pub first_reminder_months: u32,
    /// Second reminder this many months before: 3.
    pub second_reminder_months: u32,
    /// While overdue, the reminder is renewed every this many months: 1.
    pub overdue_every_months: u32,
    pub title: String,
    pub explanation: String,
}

impl Default for TermRule {
    fn default() -> Self {
        Self {
            version: 1,
            enabled: true,
            first_reminder_months: 6,
            second_reminder_months: 3,
            overdue_every_months: 1,
            title: "党组织按期换届".into(),
            explanation: "党章第三十一条：党的基层委员会、总支部委员会、支部委员会每届任期三年至五年。届满前6个月、3个月提醒，届满未换届的每月提醒。"
                .into(),
        }
    }
}

/// Branch size and committee rules, checked by [`crate::org::check_branch_structure`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StructureRule {
    pub version: u32,
    pub enabled: bool,
    pub title: String,
    pub explanation: String,
}

impl Default for StructureRule {
    fn default() -> Self {
        Self {
            version: 1,
            enabled: true,
            title: "党支部设置规范".into(),
            explanation: "《中国共产党支部工作条例（试行）》：正式党员3人以上成立党支部，党支部党员一般不超过50人，正式党员7人以上设支部委员会。".into(),
        }
    }
}

/// 党章第九条: consecutive months without taking part in organizational life and without
/// a valid reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ParticipationRule {
    pub version: u32,
    pub enabled: bool,
    /// Months for a [`Severity::Warning`]: 3.
    pub warning_months: u32,
    /// Months for an [`Severity::Alert`]: 5.
    pub alert_months: u32,
    /// Months for a [`Severity::Finding`] (自行脱党 under 党章第九条): 6.
    pub finding_months: u32,
    pub title: String,
    pub explanation: String,
}

impl Default for ParticipationRule {
    fn default() -> Self {
        Self {
            version: 1,
            enabled: true,
            warning_months: 3,
            alert_months: 5,
            finding_months: 6,
            title: "党员连续不参加组织生活或不交纳党费（党章第九条）".into(),
            explanation: "党章第九条：党员如果没有正当理由，连续六个月不参加党的组织生活，或不交纳党费，或不做党所分配的工作，就被认为是自行脱党。连续3个月预警、5个月警示、6个月列为问题；请假并说明理由的视为有正当理由。"
                .into(),
        }
    }
}

/// Repeated absence without a valid reason (“无故缺席组织生活两次以上”).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AbsenceRule {
    pub version: u32,
    pub enabled: bool,
    /// Unexcused absences within the window that raise the finding: 2.
    pub threshold: u32,
    /// The rolling window in months, ending on the evaluation day: 12.
    pub window_months: u32,
    pub title: String,
    pub explanation: String,
}

impl Default for AbsenceRule {
    fn default() -> Self {
        Self {
            version: 1,
            enabled: true,
            threshold: 2,
            window_months: 12,
            title: "党员无故缺席组织生活".into(),
            explanation: "近12个月内无故缺席组织生活2次以上（缺席，或请假未说明理由）。".into(),
        }
    }
}

/// Red/amber/green thresholds of the cockpit (驾驶舱), in percent of compliant orgs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RagThresholds {
    /// At least this share is green: 90.
    pub green_percent: u32,
    /// At least this share (and below green) is amber: 70; below is red.
    pub amber_percent: u32,
}

impl Default for RagThresholds {
    fn default() -> Self {
        Self { green_percent: 90, amber_percent: 70 }
    }
}

/// All rules of organizational life (组织生活), one part of [`crate::kernel::rules::RuleSet`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrgLifeRules {
    /// Meeting frequency rules; configuration patches them by code (see
    /// [`default_meeting_rules`]).
    #[serde(deserialize_with = "merge_meeting_rules")]
    pub meetings: Vec<MeetingRule>,
    pub annual_plan: PlanRule,
    pub term_expiry: TermRule,
    pub structure: StructureRule,
    /// 党章第九条.
    pub participation: ParticipationRule,
    pub absence: AbsenceRule,
    /// Days after a meeting in which its record may be corrected without approval: 30.
    pub correction_days: u32,
    /// How much of a period (in percent of its days) an org must have existed in for a
    /// partial period to be owed as a whole: 50. A branch founded in the first half of a
    /// month, quarter or year had the time to meet that period's duties; one founded in
    /// its second half did not. 100 owes only whole periods; 1 owes any day.
    pub partial_period_min_percent: u32,
    pub rag: RagThresholds,
    /// 记实起始日: the day records began to be kept on the platform (its go-live). The
    /// engine judges nothing before it; `None`: no such floor. See
    /// [`OrgLifeRules::window_start`].
    pub records_since: Option<NaiveDate>,
}

impl Default for OrgLifeRules {
    fn default() -> Self {
        Self {
            meetings: default_meeting_rules(),
            annual_plan: PlanRule::default(),
            term_expiry: TermRule::default(),
            structure: StructureRule::default(),
            participation: ParticipationRule::default(),
            absence: AbsenceRule::default(),
            correction_days: 30,
            partial_period_min_percent: 50,
            rag: RagThresholds::default(),
            records_since: None,
        }
    }
}

/// Code of the annual plan rule.
pub const PLAN_CODE: &str = "orglife.annual_plan";
/// Code of the term expiry rule.
pub const TERM_CODE: &str = "orglife.term_expiry";
/// Code under which the structure rules are listed; their findings carry the codes of
/// [`crate::org::StructureFinding`] (`branch.too_few_formal` …).
pub const STRUCTURE_CODE: &str = "orglife.structure";
/// Code of the 党章第九条 rule.
pub const PARTICIPATION_CODE: &str = "member.no_org_life";
/// Code of the repeated absence rule.
pub const ABSENCE_CODE: &str = "member.repeated_absence";

/// One rule as listed to people (the rules page, the API).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    pub code: String,
    pub version: u32,
    pub enabled: bool,
    pub title: String,
    pub explanation: String,
    /// How often, for periodic rules.
    pub frequency: Option<Frequency>,
    /// The severities its findings can have.
    pub severities: Vec<Severity>,
}

impl OrgLifeRules {
    /// The first day the engine judges when evaluating on `as_of`: 1 January of the year
    /// before `as_of` (the last whole year stays judged through the year-end and January
    /// meetings), or [`OrgLifeRules::records_since`] when that is later. Fixed for a
    /// whole calendar year, never sliding from one call to the next, so an incremental
    /// refresh and the full recompute of the same day see the same window.
    pub fn window_start(&self, as_of: NaiveDate) -> NaiveDate {
        let jan_first = NaiveDate::from_ymd_opt(as_of.year() - 1, 1, 1).unwrap_or(as_of);
        match self.records_since {
            Some(since) if since > jan_first => since.min(as_of),
            _ => jan_first,
        }
    }

    /// The meeting rule with this code.
    pub fn meeting(&self, code: &str) -> Option<&MeetingRule> {
        self.meetings.iter().find(|r| r.code == code)
    }

    /// Mutable access to the meeting rule with this code.
    pub fn meeting_mut(&mut self, code: &str) -> Option<&mut MeetingRule> {
        self.meetings.iter_mut().find(|r| r.code == code)
    }

    /// Every rule with its code, version, frequency, severities (under `policy`) and
    /// Chinese texts.
    pub fn catalogue(&self, policy: &SeverityPolicy) -> Vec<RuleInfo> {
        let mut out: Vec<RuleInfo> = self
            .meetings
            .iter()
            .map(|r| RuleInfo {
                code: r.code.clone(),
                version: r.version,
                enabled: r.enabled,
                title: r.title.clone(),
                explanation: r.explanation.clone(),
                frequency: Some(r.frequency),
                severities: vec![policy.open_at_risk, policy.closed_unmet],
            })
            .collect();
        let p = &self.annual_plan;
        out.push(RuleInfo {
            code: PLAN_CODE.into(),
            version: p.version,
            enabled: p.enabled,
            title: p.title.clone(),
            explanation: p.explanation.clone(),
            frequency: Some(Frequency::yearly(1)),
            severities: vec![policy.open_at_risk, policy.met_late, policy.closed_unmet],
        });
        let t = &self.term_expiry;
        out.push(RuleInfo {
            code: TERM_CODE.into(),
            version: t.version,
            enabled: t.enabled,
            title: t.title.clone(),
            explanation: t.explanation.clone(),
            frequency: None,
            severities: vec![policy.notice, policy.open_at_risk, policy.closed_unmet],
        });
        let s = &self.structure;
        out.push(RuleInfo {
            code: STRUCTURE_CODE.into(),
            version: s.version,
            enabled: s.enabled,
            title: s.title.clone(),
            explanation: s.explanation.clone(),
            frequency: None,
            severities: vec![policy.notice, policy.caution, policy.breach],
        });
        let m = &self.participation;
        out.push(RuleInfo {
            code: PARTICIPATION_CODE.into(),
            version: m.version,
            enabled: m.enabled,
            title: m.title.clone(),
            explanation: m.explanation.clone(),
            frequency: Some(Frequency::monthly(1)),
            severities: vec![Severity::Warning, Severity::Alert, Severity::Finding],
        });
        let a = &self.absence;
        out.push(RuleInfo {
            code: ABSENCE_CODE.into(),
            version: a.version,
            enabled: a.enabled,
            title: a.title.clone(),
            explanation: a.explanation.clone(),
            frequency: None,
            severities: vec![policy.caution],
        });
        for r in &mut out {
            r.severities.sort();
            r.severities.dedup();
        }
        out
    }

    /// Checks an edited configuration: unique codes, at least one time per period,
    /// thresholds in order, a real deadline and sensible percentages.
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut inv = Invalid::default();
        for (i, r) in self.meetings.iter().enumerate() {
            if r.code.trim().is_empty() {
                inv.push(FieldError::new("meetings", "rule.code", format!("第{}条规则缺少编码", i + 1)));
            }
            if self.meetings[..i].iter().any(|o| o.code == r.code) {
                inv.push(FieldError::new("meetings", "rule.duplicate", format!("规则编码“{}”重复", r.code)));
            }
            if r.frequency.times == 0 {
                inv.push(FieldError::new("meetings", "rule.times", format!("规则“{}”的次数至少为1，不需要时请停用", r.title)));
            }
            if r.applies_to.is_empty() {
                inv.push(FieldError::new("meetings", "rule.applies_to", format!("规则“{}”未指定适用的党组织类别", r.title)));
            }
        }
        let p = &self.annual_plan;
        let max_day = match p.deadline_month {
            2 => 29,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if !(1..=12).contains(&p.deadline_month) || !(1..=max_day).contains(&p.deadline_day) {
            inv.push(FieldError::new("annual_plan", "plan.deadline", "年度计划报备截止日期不是有效的月、日"));
        }
        let t = &self.term_expiry;
        if t.second_reminder_months > t.first_reminder_months || t.overdue_every_months == 0 {
            inv.push(FieldError::new(
                "term_expiry",
                "term.reminders",
                "换届提醒：第二次提醒应晚于第一次提醒，届满后提醒间隔至少1个月",
            ));
        }
        let m = &self.participation;
        if m.warning_months == 0 || m.warning_months > m.alert_months || m.alert_months > m.finding_months {
            inv.push(FieldError::new(
                "participation",
                "participation.thresholds",
                "连续不参加组织生活的月数应满足：0 < 预警 ≤ 警示 ≤ 问题",
            ));
        }
        if self.absence.threshold == 0 || self.absence.window_months == 0 {
            inv.push(FieldError::new("absence", "absence.threshold", "无故缺席的次数和统计月数至少为1"));
        }
        if !(1..=100).contains(&self.partial_period_min_percent) {
            inv.push(FieldError::new("partial_period_min_percent", "rule.partial_period", "部分周期的计算比例应为1至100（%）"));
        }
        if self.rag.amber_percent > self.rag.green_percent || self.rag.green_percent > 100 {
            inv.push(FieldError::new("rag", "rag.thresholds", "红黄绿阈值应满足：黄 ≤ 绿 ≤ 100%"));
        }
        inv.into_result(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::rules::RuleSet;

    #[test]
    fn default_frequencies_follow_the_regulations() {
        let r = OrgLifeRules::default();
        let cases = [
            ("orglife.branch_assembly", Frequency::quarterly(1), true),
            ("orglife.branch_committee", Frequency::monthly(1), true),
            ("orglife.group_meeting", Frequency::monthly(1), true),
            ("orglife.party_lecture", Frequency::quarterly(1), true),
            ("orglife.theme_day", Frequency::monthly(1), true),
            ("orglife.life_meeting", Frequency::yearly(1), true),
            ("orglife.democratic_review", Frequency::yearly(1), true),
            ("orglife.study_seminar", Frequency::quarterly(1), true),
            ("orglife.secretary_lecture", Frequency::yearly(1), true),
            ("orglife.collective_study", Frequency::monthly(1), false),
            ("orglife.heart_talk", Frequency::yearly(1), false),
        ];
        assert_eq!(r.meetings.len(), cases.len());
        for (code, freq, enabled) in cases {
            let m = r.meeting(code).unwrap_or_else(|| panic!("{code}"));
            assert_eq!((m.frequency, m.enabled, m.version), (freq, enabled, 1), "{code}");
        }
        assert!(r.meeting("orglife.branch_committee").unwrap().requires_committee);
        assert!(r.meeting("orglife.secretary_lecture").unwrap().secretary_only);
        assert_eq!((r.annual_plan.deadline_month, r.annual_plan.deadline_day), (1, 31));
        assert_eq!((r.term_expiry.first_reminder_months, r.term_expiry.second_reminder_months), (6, 3));
        assert_eq!((r.participation.warning_months, r.participation.alert_months, r.participation.finding_months), (3, 5, 6));
        assert_eq!((r.absence.threshold, r.absence.window_months), (2, 12));
        assert_eq!((r.rag.green_percent, r.rag.amber_percent, r.correction_days), (90, 70, 30));
        assert_eq!(r.validate(), Ok(()));
    }

    #[test]
    fn a_city_changes_party_lectures_to_twice_a_year_by_configuration_alone() {
        let json =
            r#"{"orglife":{"meetings":[{"code":"orglife.party_lecture","version":2,"frequency":{"per":"year","times":2}}]}}"#;
        let r: RuleSet = serde_json::from_str(json).unwrap();
        let lecture = r.orglife.meeting("orglife.party_lecture").unwrap();
        assert_eq!((lecture.frequency, lecture.version), (Frequency::yearly(2), 2));
        assert_eq!(lecture.title, "党课每季度至少1次", "fields not given keep their defaults");
        let defaults = OrgLifeRules::default();
        assert_eq!(r.orglife.meetings.len(), defaults.meetings.len());
        assert_eq!(r.orglife.meeting("orglife.theme_day"), defaults.meeting("orglife.theme_day"));
        assert_eq!(r.orglife.annual_plan, defaults.annual_plan);
    }

    #[test]
    fn a_rule_set_without_orglife_keeps_its_defaults() {
        let r: RuleSet =
            serde_json::from_str(r#"{"version":3,"orglife":{"correction_days":15,"rag":{"green_percent":95}}}"#).unwrap();
        assert_eq!(r.orglife.correction_days, 15);
        assert_eq!(r.orglife.rag, RagThresholds { green_percent: 95, amber_percent: 70 });
        assert_eq!(r.orglife.meetings, default_meeting_rules());
        let r: RuleSet = serde_json::from_str("{}").unwrap();
        assert_eq!(r.orglife, OrgLifeRules::default());
    }

    #[test]
    fn a_new_meeting_rule_can_be_added_and_needs_its_essentials() {
        let json = r#"{"meetings":[{"code":"city.collective_study_groups","meeting_type":"集中学习","frequency":{"per":"month","times":2},"applies_to":["group"]}]}"#;
        let r: OrgLifeRules = serde_json::from_str(json).unwrap();
        let added = r.meeting("city.collective_study_groups").unwrap();
        assert_eq!(
            (added.frequency, added.applies_to.clone(), added.enabled),
            (Frequency::monthly(2), vec![OrgKind::Group], true)
        );
        assert_eq!(added.title, "集中学习每月至少2次");
        let e = serde_json::from_str::<OrgLifeRules>(r#"{"meetings":[{"code":"city.x"}]}"#).unwrap_err();
        assert!(e.to_string().contains("须给出"), "{e}");
        let e = serde_json::from_str::<OrgLifeRules>(r#"{"meetings":[{"code":"orglife.theme_day","often":1}]}"#).unwrap_err();
        assert!(e.to_string().contains("often"), "{e}");
    }

    #[test]
    fn rules_round_trip_through_json() {
        let mut r = OrgLifeRules::default();
        r.meeting_mut("orglife.heart_talk").unwrap().enabled = true;
        let json = serde_json::to_string(&r).unwrap();
        let back: OrgLifeRules = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
        assert!(json.contains(r#""frequency":{"per":"quarter","times":1}"#), "{json}");
    }

    #[test]
    fn inconsistent_rules_are_rejected() {
        let mut r = OrgLifeRules::default();
        r.participation.alert_months = 7;
        r.annual_plan.deadline_month = 2;
        r.annual_plan.deadline_day = 30;
        r.rag.amber_percent = 95;
        r.meeting_mut("orglife.theme_day").unwrap().frequency.times = 0;
        r.meetings.push(r.meetings[0].clone());
        let e = r.validate().unwrap_err();
        for code in ["participation.thresholds", "plan.deadline", "rag.thresholds", "rule.times", "rule.duplicate"] {
            assert!(e.has(code), "{code}: {e:?}");
        }
    }

    #[test]
    fn the_window_starts_on_the_first_of_january_of_the_previous_year_or_the_records_start() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let mut r = OrgLifeRules::default();
        // (as_of, records_since, window start)
        let cases = [
            (d(2026, 11, 27), None, d(2025, 1, 1)),
            (d(2026, 1, 1), None, d(2025, 1, 1)),
            (d(2025, 12, 31), None, d(2024, 1, 1)),
            (d(2026, 11, 27), Some(d(2025, 12, 1)), d(2025, 12, 1)),
            (d(2026, 11, 27), Some(d(2020, 3, 1)), d(2025, 1, 1)),
            (d(2026, 11, 27), Some(d(2027, 3, 1)), d(2026, 11, 27)),
        ];
        for (as_of, since, start) in cases {
            r.records_since = since;
            assert_eq!(r.window_start(as_of), start, "{as_of} {since:?}");
        }
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<OrgLifeRules>(&json).unwrap(), r);
    }

    #[test]
    fn the_catalogue_lists_every_rule_with_its_version() {
        let cat = OrgLifeRules::default().catalogue(&SeverityPolicy::default());
        let codes: Vec<&str> = cat.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes.len(), 16);
        for code in [PLAN_CODE, TERM_CODE, STRUCTURE_CODE, PARTICIPATION_CODE, ABSENCE_CODE, "orglife.theme_day"] {
            assert!(codes.contains(&code), "{code}");
        }
        let art9 = cat.iter().find(|r| r.code == PARTICIPATION_CODE).unwrap();
        assert_eq!(art9.severities, vec![Severity::Warning, Severity::Alert, Severity::Finding]);
        assert!(cat.iter().all(|r| r.version == 1 && !r.title.is_empty()));
    }
}
