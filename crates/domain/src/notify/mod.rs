//! Notifications (通知): the one mechanism every feature uses to tell people something —
//! in-app messages (the bell) and the group robots of an org (企业微信 and 钉钉 群机器人).
//!
//! - The kind table ([`NotifyRules`], part of [`crate::kernel::rules::RuleSet`]): which
//!   kinds are sent, in-app and/or to the org's group, and which are essential (members
//!   cannot mute them).
//! - [`Message`]: what one notification says — the recipient's own text (may name the
//!   person it is about) and the group's text (never a 公民身份号码, phone or a member's
//!   name: a group is not within anyone's scope of personal data).
//! - [`webhook`]: a robot's address checked, the JSON body each robot kind expects, the
//!   retry schedule with exponential backoff.

pub mod webhook;

use serde::{Deserialize, Serialize};

pub use webhook::{RobotKind, backoff_ms, check_webhook_url, robot_body};

labelled_enum! {
    /// 通知类型.
    pub enum NotifyKind {
        /// 会议提醒: a planned meeting tomorrow, to each member on its roll.
        MeetingReminder = ("meeting_reminder", "会议提醒"),
        /// 待审批: a request waits for the recipient's decision (请假, 党费减免, 更正, 角色授权).
        ApprovalWaiting = ("approval_waiting", "待审批事项"),
        /// 问题逾期: a finding still open past the configured days, to the responsible secretary.
        FindingOverdue = ("finding_overdue", "问题逾期未整改"),
        /// 报名确认: a sign-up was accepted (volunteering, later).
        SignupConfirmed = ("signup_confirmed", "报名确认"),
        /// 必修内容: new required study content (later).
        RequiredContent = ("required_content", "新的必修内容"),
    }
}

/// One kind's row of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindRule {
    pub kind: NotifyKind,
    /// Whether the kind is produced at all.
    pub enabled: bool,
    /// Shown under the bell of each recipient.
    pub in_app: bool,
    /// Posted to the group robots of the org concerned (group text only).
    pub webhook: bool,
    /// Essential kinds reach the recipient whatever their mutes.
    pub essential: bool,
    /// Who receives it, in words (shown on the settings page).
    pub audience: String,
}

/// The notification rules: the kind table and the numbers of the producers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NotifyRules {
    pub kinds: Vec<KindRule>,
    /// A meeting reminder goes out this many days before the meeting: 1 (the day before).
    pub reminder_days_before: u32,
    /// A 问题 open this many days counts as overdue: 30 (the 整改 period the cockpit's
    /// advice uses for a month's rule).
    pub finding_overdue_days: u32,
    /// Delivery attempts to a robot before the message is given up: 6.
    pub max_attempts: u32,
    /// The first retry waits this many seconds; each next one twice as long: 30.
    pub backoff_first_seconds: u32,
}

impl Default for NotifyRules {
    fn default() -> Self {
        let row = |kind, in_app, webhook, essential, audience: &str| KindRule {
            kind,
            enabled: true,
            in_app,
            webhook,
            essential,
            audience: audience.to_string(),
        };
        NotifyRules {
            kinds: vec![
                row(NotifyKind::MeetingReminder, true, true, false, "应到会的党员；会议所在党组织的群"),
                row(NotifyKind::ApprovalWaiting, true, false, true, "负责审批的书记或管理员"),
                row(NotifyKind::FindingOverdue, true, true, true, "问题所在党组织的书记；该党组织的群"),
                row(NotifyKind::SignupConfirmed, true, false, false, "报名的本人"),
                row(NotifyKind::RequiredContent, true, true, false, "须学习的党员；该党组织的群"),
            ],
            reminder_days_before: 1,
            finding_overdue_days: 30,
            max_attempts: 6,
            backoff_first_seconds: 30,
        }
    }
}

impl NotifyRules {
    /// The row of a kind; a kind missing from a stored table is not sent.
    pub fn rule(&self, kind: NotifyKind) -> Option<&KindRule> {
        self.kinds.iter().find(|r| r.kind == kind && r.enabled)
    }

    /// Whether a member may mute the kind.
    pub fn mutable(&self, kind: NotifyKind) -> bool {
        self.kinds.iter().find(|r| r.kind == kind).is_some_and(|r| !r.essential)
    }
}

/// What one notification says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub kind: NotifyKind,
    /// The recipient's title (shown under the bell).
    pub title: String,
    /// The recipient's text: may name the person it is about (the recipient reaches them).
    pub body: String,
    /// The group's text: an org's name, dates, counts, never a member's name or number.
    pub group_text: String,
    /// Where the notification leads in the application (a path).
    pub link: String,
    /// The same key never notifies the same recipient twice (re-runs of a producer).
    pub dedupe_key: String,
}

/// A meeting tomorrow: to a member on its roll, and to the org's group.
pub fn meeting_reminder(meeting_id: i64, org_name: &str, title: &str, starts: &str, place: &str) -> Message {
    let place = if place.trim().is_empty() { String::new() } else { format!("，地点：{}", place.trim()) };
    Message {
        kind: NotifyKind::MeetingReminder,
        title: format!("明天召开：{title}"),
        body: format!("{org_name}将于{starts}召开“{title}”{place}。如不能参加，请在党员之家提前请假。"),
        group_text: format!("【会议提醒】{org_name}将于{starts}召开“{title}”{place}，请应到会党员准时参加。"),
        link: format!("/m/meetings/{meeting_id}"),
        dedupe_key: format!("meeting_reminder:meeting:{meeting_id}"),
    }
}

/// A request waiting for the recipient's decision. `what` names the kind of request
/// (请假申请); `about` the person who asked (only in the recipient's own text).
pub fn approval_waiting(object: &str, what: &str, about: &str, link: &str) -> Message {
    Message {
        kind: NotifyKind::ApprovalWaiting,
        title: format!("待审批：{what}"),
        body: format!("{about}：{what}等待您审批。"),
        group_text: format!("【待审批】有一件{what}等待审批。"),
        link: link.to_string(),
        dedupe_key: format!("approval_waiting:{object}"),
    }
}

/// A 问题 still open past the configured days, to the secretary of its org.
pub fn finding_overdue(finding_id: i64, org_name: &str, rule_title: &str, days_open: i64) -> Message {
    Message {
        kind: NotifyKind::FindingOverdue,
        title: format!("问题逾期未整改：{rule_title}"),
        body: format!("{org_name}的问题“{rule_title}”已{days_open}天未整改，请尽快整改并反馈。"),
        group_text: format!("【问题逾期】{org_name}的问题“{rule_title}”已{days_open}天未整改。"),
        link: format!("/findings/{finding_id}"),
        dedupe_key: format!("finding_overdue:finding:{finding_id}"),
    }
}

/// Messages longer than this are cut (a robot refuses long texts; 企业微信 takes 2048
/// bytes of text, 4096 of markdown).
pub const TEXT_MAX_CHARS: usize = 600;

/// A text cut to [`TEXT_MAX_CHARS`] characters.
pub fn bounded(text: &str) -> String {
    if text.chars().count() <= TEXT_MAX_CHARS {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(TEXT_MAX_CHARS - 1).collect();
        s.push('…');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_default_every_kind_is_listed_and_approvals_and_overdue_findings_cannot_be_muted() {
        let r = NotifyRules::default();
        for k in NotifyKind::ALL {
            assert!(r.rule(*k).is_some(), "{k:?}");
        }
        assert!(!r.mutable(NotifyKind::ApprovalWaiting));
        assert!(!r.mutable(NotifyKind::FindingOverdue));
        assert!(r.mutable(NotifyKind::MeetingReminder));
        assert_eq!(r.reminder_days_before, 1);
    }

    #[test]
    fn a_disabled_kind_is_not_sent_and_a_kind_missing_from_a_stored_table_neither() {
        let mut r = NotifyRules::default();
        r.kinds.retain(|k| k.kind != NotifyKind::SignupConfirmed);
        r.kinds[0].enabled = false;
        assert!(r.rule(NotifyKind::SignupConfirmed).is_none());
        assert!(r.rule(r.kinds[0].kind).is_none());
    }

    #[test]
    fn the_group_text_of_an_approval_never_names_the_person_who_asked() {
        let m = approval_waiting("leave:7", "请假申请", "张三", "/meetings/1");
        assert!(m.body.contains("张三"));
        assert!(!m.group_text.contains("张三"));
        assert_eq!(m.dedupe_key, "approval_waiting:leave:7");
    }

    #[test]
    fn a_meeting_reminder_is_keyed_by_its_meeting_so_a_rerun_sends_nothing_new() {
        let a = meeting_reminder(5, "第一支部", "主题党日", "2026-12-04 14:00", "会议室");
        let b = meeting_reminder(5, "第一支部", "主题党日", "2026-12-04 14:00", "");
        assert_eq!(a.dedupe_key, b.dedupe_key);
        assert!(a.group_text.contains("第一支部") && a.group_text.contains("会议室"));
    }

    #[test]
    fn long_texts_are_cut_with_an_ellipsis() {
        let long = "字".repeat(TEXT_MAX_CHARS + 5);
        let cut = bounded(&long);
        assert_eq!(cut.chars().count(), TEXT_MAX_CHARS);
        assert!(cut.ends_with('…'));
        assert_eq!(bounded("短"), "短");
    }
}
