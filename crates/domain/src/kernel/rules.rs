//! The regulation numbers, as versioned data with defaults from the regulations.
//!
//! A deployment stores its rule sets (one row per version) and may change any number;
//! the code reads them from here, never from constants. Sources are in
//! `shared/spec/domain.md` (§4.2 branch structure, §4.4 terms) and `security.md`
//! (the 等保三级 login profile).

use crate::kernel::finding::Severity;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One version of the whole rule configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuleSet {
    /// Increases by one with every change.
    pub version: u32,
    /// The first calendar date (Asia/Shanghai) this version applies to.
    pub effective_from: NaiveDate,
    pub org: OrgRules,
    /// 组织生活: meeting frequencies, the yearly plan, term reminders, member rules.
    pub orglife: crate::orglife::OrgLifeRules,
    /// 党费: brackets, fixed amounts, rounding, 补交 and arrears (`domain.md` §4.5).
    pub dues: crate::affairs::dues::DuesRules,
    /// 换届: the longest delay, the committee's size (`domain.md` §4.2, §4.4).
    pub elections: crate::affairs::election::ElectionRules,
    /// 发展党员: the 25-step table and its numbers (`domain.md` §4.9).
    pub recruit: crate::affairs::recruit::RecruitRules,
    /// 流动党员: the transfer after 6 months away, the 活动证's validity (`domain.md` §4.8).
    pub mobile: crate::affairs::mobile::MobileRules,
    /// 失联党员: 停止党籍 after 6 months, 除名 after a further 2 years (`domain.md` §4.3, §4.7).
    pub lost_contact: crate::affairs::lost_contact::LostContactRules,
    /// 学: the points table, the 活跃时段 and the daily quiz's size.
    pub learning: crate::learning::LearningRules,
    /// 学时: targets, rates per session type, pace, exemptions, training duties (`domain.md` §4.3).
    pub study_hours: crate::learning::hours::StudyHourRules,
    /// 通知: the kind table (which kinds, to whom, in-app or group, essential) and its numbers.
    pub notify: crate::notify::NotifyRules,
    /// 组织关系接转: the letter's validity and the timeout (`domain.md` §4.8).
    pub transfer: crate::affairs::transfer::TransferRules,
    /// 三亮三比: label kinds per 领域, the commitment's deadline, the 践诺评议 window (A30).
    pub pledges: crate::service::pledge::PledgeRules,
    /// 三重三跨 挂职: the default term (1 year, A27) and the report frequency.
    pub secondments: crate::service::secondment::SecondmentRules,
    /// 大脚板走一线、小分队破难题: the task force's bounds (`domain.md` §1 A26).
    pub taskforce: crate::service::taskforce::TaskForceRules,
    /// 软弱涣散整顿: the reasons and measures lists, task deadlines (`domain.md` §1 A19).
    pub weak_branches: crate::service::weak_branch::WeakBranchRules,
    /// How serious each kind of finding is, for every rule of every feature.
    pub severity: SeverityPolicy,
    pub login: LoginPolicy,
    pub password: PasswordPolicy,
}

impl Default for RuleSet {
    fn default() -> Self {
        Self {
            version: 1,
            effective_from: NaiveDate::from_ymd_opt(2018, 10, 28).unwrap_or_default(),
            org: OrgRules::default(),
            orglife: crate::orglife::OrgLifeRules::default(),
            dues: crate::affairs::dues::DuesRules::default(),
            elections: crate::affairs::election::ElectionRules::default(),
            recruit: crate::affairs::recruit::RecruitRules::default(),
            mobile: crate::affairs::mobile::MobileRules::default(),
            lost_contact: crate::affairs::lost_contact::LostContactRules::default(),
            learning: crate::learning::LearningRules::default(),
            study_hours: crate::learning::hours::StudyHourRules::default(),
            notify: crate::notify::NotifyRules::default(),
            transfer: crate::affairs::transfer::TransferRules::default(),
            pledges: crate::service::pledge::PledgeRules::default(),
            secondments: crate::service::secondment::SecondmentRules::default(),
            taskforce: crate::service::taskforce::TaskForceRules::default(),
            weak_branches: crate::service::weak_branch::WeakBranchRules::default(),
            severity: SeverityPolicy::default(),
            login: LoginPolicy::default(),
            password: PasswordPolicy::default(),
        }
    }
}

/// How serious a finding is, by the kind of situation it reports: the one severity policy
/// of every rules engine. **预警** is for what is still open and at risk; **问题** for a
/// regulation that is broken now, or an obligation whose period closed unmet (the
/// 支部工作条例 (2018) sets the structure rules and the frequencies; see `domain.md` §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SeverityPolicy {
    /// A regulation broken now: fewer than 3 正式党员 in a 党支部, 7 or more without a
    /// 支委会: 问题.
    pub breach: Severity,
    /// An obligation whose period closed unmet: a missed 主题党日, a plan not filed by its
    /// deadline, a term that ended without 换届: 问题.
    pub closed_unmet: Severity,
    /// An obligation met after its deadline (a plan filed late): 预警.
    pub met_late: Severity,
    /// An obligation still open whose deadline is near and not yet met: 预警.
    pub open_at_risk: Severity,
    /// A situation to look into that breaks no rule: a branch above the usual 50 members,
    /// a member's repeated absences: 预警.
    pub caution: Severity,
    /// Advance notice and advice: a term ending in 6 months, a 支委会 not required: 提示.
    pub notice: Severity,
}

impl Default for SeverityPolicy {
    fn default() -> Self {
        Self {
            breach: Severity::Finding,
            closed_unmet: Severity::Finding,
            met_late: Severity::Warning,
            open_at_risk: Severity::Warning,
            caution: Severity::Warning,
            notice: Severity::Info,
        }
    }
}

/// Structure and term rules of organizations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrgRules {
    /// 正式党员 needed to form a 党支部 (支部工作条例 2018): 3.
    pub branch_min_formal: u32,
    /// A 党支部 normally has at most this many members: 50.
    pub branch_max_members: u32,
    /// 正式党员 from which a 支部委员会 is set up: 7.
    pub committee_threshold_formal: u32,
    /// Term of a 党支部/党总支 committee in years: 3.
    pub term_years_branch: u8,
    /// Term of a 村/社区 organization's committee in years: 5.
    pub term_years_village_community: u8,
    /// Term of a 基层党委 in years: 5.
    pub term_years_committee: u8,
    /// The shortest and longest term the 党章 (2022, 第三十一条) allows: 3 and 5 years.
    pub term_years_min: u8,
    pub term_years_max: u8,
}

impl Default for OrgRules {
    fn default() -> Self {
        Self {
            branch_min_formal: 3,
            branch_max_members: 50,
            committee_threshold_formal: 7,
            term_years_branch: 3,
            term_years_village_community: 5,
            term_years_committee: 5,
            term_years_min: 3,
            term_years_max: 5,
        }
    }
}

/// Login protection (等保 身份鉴别, `security.md` A1–A3, S1–S2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoginPolicy {
    /// Consecutive failures that lock an account: 5.
    pub max_failures: u32,
    /// How long a lock lasts, in minutes: 30.
    pub lockout_minutes: u32,
    /// Attempts one IP may burst before it is rate limited: 10.
    pub ip_burst: u32,
    /// Seconds for one attempt to come back to an IP's bucket: 60.
    pub ip_refill_seconds: u32,
    /// A session unused this long expires, in minutes: 30.
    pub idle_timeout_minutes: u32,
    /// A session older than this expires whatever its use, in hours: 12.
    pub absolute_timeout_hours: u32,
    /// Administrator accounts ([`crate::kernel::auth::Role::is_administrator`]) must log
    /// in with a second factor (TOTP, RFC 6238): 等保三级 身份鉴别 d), security.md A7.
    /// Members may opt in whatever this says.
    pub second_factor_for_admins: bool,
    /// 支部书记/支委 accounts ([`crate::kernel::auth::Role::BranchSecretary`]) must log in
    /// with a second factor too: they read and write their branch's member archives
    /// (security.md A7: "Admin and secretary logins need 2 factors").
    pub second_factor_for_secretaries: bool,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        Self {
            max_failures: 5,
            lockout_minutes: 30,
            ip_burst: 10,
            ip_refill_seconds: 60,
            idle_timeout_minutes: 30,
            absolute_timeout_hours: 12,
            second_factor_for_admins: true,
            second_factor_for_secretaries: true,
        }
    }
}

/// Which password profile is in force (`security.md` A4/A5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordProfile {
    /// 等保三级 (default): length and character classes enforced.
    #[default]
    Dengbao,
    /// OWASP ASVS: length only, no composition rules (a documented deviation).
    Asvs,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PasswordPolicy {
    pub profile: PasswordProfile,
    /// Minimum length in characters: 8.
    pub min_length: usize,
    /// Maximum accepted length (never truncated): 128.
    pub max_length: usize,
    /// Of lower case, upper case, digits and symbols, how many must appear: 3.
    pub min_classes: usize,
    /// A password older than this many days must be changed at the next login: 90
    /// (等保 profile); 0 never expires.
    pub max_age_days: u32,
    /// How many of the most recent passwords (the current one included) a new one may not
    /// repeat: 5.
    pub history: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self { profile: PasswordProfile::Dengbao, min_length: 8, max_length: 128, min_classes: 3, max_age_days: 90, history: 5 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_regulations() {
        let r = RuleSet::default();
        assert_eq!(r.org.branch_min_formal, 3);
        assert_eq!(r.org.branch_max_members, 50);
        assert_eq!(r.org.committee_threshold_formal, 7);
        assert_eq!((r.org.term_years_branch, r.org.term_years_village_community, r.org.term_years_committee), (3, 5, 5));
        assert_eq!((r.login.max_failures, r.login.lockout_minutes), (5, 30));
        assert_eq!((r.login.idle_timeout_minutes, r.login.absolute_timeout_hours), (30, 12));
        assert_eq!((r.password.min_length, r.password.min_classes), (8, 3));
        assert_eq!((r.password.max_age_days, r.password.history), (90, 5));
    }

    #[test]
    fn breaches_and_closed_unmet_obligations_are_problems_and_open_risks_are_warnings() {
        let p = RuleSet::default().severity;
        assert_eq!((p.breach, p.closed_unmet), (Severity::Finding, Severity::Finding));
        assert_eq!(
            (p.open_at_risk, p.met_late, p.caution, p.notice),
            (Severity::Warning, Severity::Warning, Severity::Warning, Severity::Info)
        );
    }

    #[test]
    fn a_partial_configuration_keeps_the_other_defaults() {
        let r: RuleSet = serde_json::from_str(r#"{"version":2,"org":{"branch_max_members":40}}"#).unwrap();
        assert_eq!(r.version, 2);
        assert_eq!(r.org.branch_max_members, 40);
        assert_eq!(r.org.branch_min_formal, 3);
        assert_eq!(r.login, LoginPolicy::default());
    }
}
