//! The audit record and its canonical encoding for the keyed hash chain.
//!
//! Each record's hash is `HMAC(key, previous hash ‖ canonical bytes)`; the keyed
//! function itself lives in storage's crypto provider. What is hashed is fixed here,
//! so a verifier and a writer can never disagree.

use serde::Serialize;

/// One audit record as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    /// UTC epoch milliseconds.
    pub at_ms: i64,
    /// Account id of the actor, 0 when unknown (e.g. a failed login of an unknown user).
    pub actor_id: i64,
    /// The login name the actor used or has.
    pub actor_name: String,
    pub ip: String,
    /// Stable action code, e.g. `member.update`, `auth.login`.
    pub action: String,
    /// The object acted on, e.g. `member:123`.
    pub object: String,
    /// `ok`, `denied`, `failed`, `invalid`.
    pub result: String,
    /// Extra detail (no secrets, no personal data in the clear).
    pub detail: String,
}

impl AuditRecord {
    /// The bytes that are chained: every field, length-prefixed so no two records
    /// encode alike.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(128);
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.at_ms.to_be_bytes());
        out.extend_from_slice(&self.actor_id.to_be_bytes());
        for s in [&self.actor_name, &self.ip, &self.action, &self.object, &self.result, &self.detail] {
            out.extend_from_slice(&(s.len() as u32).to_be_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        out
    }
}

/// Neutralizes CR/LF and other control characters in text that goes into the log.
pub fn sanitize(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).take(500).collect()
}

/// The Chinese name of an audit action code, as the audit page shows it (the code stays
/// in the record and in the filter). An action without a name here shows its code.
pub fn action_label(code: &str) -> Option<&'static str> {
    Some(match code {
        "account.create" => "新建账户",
        "account.disable" => "停用账户",
        "account.enable" => "启用账户",
        "account.password" => "修改密码",
        "account.password_expired" => "密码到期",
        "account.reset_password" => "重置密码",
        "account.role" => "调整角色",
        "account.unlock" => "解除锁定",
        "audit.verify" => "校验审计哈希链",
        "auth.login" => "登录",
        "auth.logout" => "退出登录",
        "auth.lock" => "账户锁定",
        "auth.rate_limit" => "登录频率限制",
        "authz.csrf" => "跨站请求拦截",
        "authz.deny" => "越权访问拦截",
        "cockpit.export" => "驾驶舱导出",
        "finding.respond" => "问题整改反馈",
        "finding.accept" => "问题整改通过",
        "finding.return" => "问题整改退回",
        "finding.urge" => "问题督办",
        "leave.request" => "请假申请",
        "leave.approve" => "批准请假",
        "leave.reject" => "不批准请假",
        "meeting.attachment_add" => "上传会议附件",
        "meeting.attachment_delete" => "删除会议附件",
        "meeting.attendance" => "登记出勤",
        "meeting.cancel" => "取消会议",
        "meeting.correct" => "更正会议记录",
        "meeting.correction_approve" => "批准更正申请",
        "meeting.correction_reject" => "驳回更正申请",
        "meeting.correction_request" => "申请更正会议记录",
        "meeting.create" => "新建会议记录",
        "meeting.decision" => "登记表决结果",
        "meeting.roll" => "调整应到人员",
        "meeting.signin" => "扫码签到",
        "meeting.signin_close" => "关闭扫码签到",
        "meeting.signin_open" => "开启扫码签到",
        "meeting.update" => "修改会议记录",
        "member.archive" => "党员减少（移入历史库）",
        "member.create" => "新增党员",
        "member.export" => "导出花名册",
        "member.import" => "导入花名册",
        "member.move" => "调整所在组织",
        "member.restore" => "恢复党员在册",
        "member.reveal" => "查看敏感信息",
        "member.update" => "修改党员档案",
        "org.create" => "新建党组织",
        "org.dissolve" => "撤销党组织",
        "org.move" => "调整隶属关系",
        "org.update" => "修改党组织",
        "plan.save" => "保存年度计划",
        "plan.submit" => "报备年度计划",
        "plan.return" => "退回年度计划",
        "plan.acknowledge" => "年度计划备案",
        "plan.publish" => "公布年度计划",
        "rules.update" => "调整规则参数",
        "check.run" => "全量检查",
        _ => return None,
    })
}

/// The Chinese name of an audit result code (`ok`, `denied`, `failed`, `invalid`).
pub fn result_label(code: &str) -> &'static str {
    match code {
        "ok" => "成功",
        "denied" => "拒绝",
        "failed" => "失败",
        "invalid" => "无效",
        _ => "其他",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec() -> AuditRecord {
        AuditRecord {
            seq: 1,
            at_ms: 2,
            actor_id: 3,
            actor_name: "ab".into(),
            ip: "c".into(),
            action: "x".into(),
            object: "y".into(),
            result: "ok".into(),
            detail: String::new(),
        }
    }

    #[test]
    fn moving_a_character_between_fields_changes_the_encoding() {
        let a = rec();
        let b = AuditRecord { actor_name: "a".into(), ip: "bc".into(), ..rec() };
        assert_ne!(a.canonical_bytes(), b.canonical_bytes());
    }

    #[test]
    fn control_characters_are_neutralized() {
        assert_eq!(sanitize("a\r\nb"), "a  b");
    }
}

/// The shortest time an audit record is kept in the live log, in days (网络安全法 §21:
/// logs kept at least six months). A configured retention below it counts as this.
pub const MIN_RETENTION_DAYS: u32 = 180;

/// How often, at most, a running server checkpoints the audit chain outside the database
/// (write-behind: within this long of a committed audit record, coalesced). Records
/// committed in the last interval before a crash, or cut off within it, are the window
/// the checkpoint cannot see (ARCHITECTURE.md, the audit invariant).
pub const CHECKPOINT_INTERVAL_MS: i64 = 1_000;

/// A chain whose live records span more than this (or that has archived ones) must have
/// a checkpoint: every process that writes records checkpoints within
/// [`CHECKPOINT_INTERVAL_MS`] (the server) or when it closes the database (the CLI), so
/// records written this long apart were checkpointed in between. A missing checkpoint
/// file is then a deleted one, not one never written. (The span of the chain, not the
/// age of its oldest record: a chain nobody wrote to since does not change its verdict
/// as time passes.)
pub const ANCHOR_GRACE_MS: i64 = 3_600_000;

/// Whether a chain whose oldest and newest live records were written at these instants
/// (if any), with or without archived segments, must have a checkpoint.
pub fn anchor_expected(oldest_at_ms: Option<i64>, newest_at_ms: Option<i64>, archived: bool) -> bool {
    archived
        || match (oldest_at_ms, newest_at_ms) {
            (Some(a), Some(b)) => a.abs_diff(b) > ANCHOR_GRACE_MS.unsigned_abs(),
            _ => false,
        }
}

/// The instant before which records may be archived at `now_ms` with a retention of
/// `retention_days` (never less than [`MIN_RETENTION_DAYS`]).
pub fn archive_cutoff_ms(now_ms: i64, retention_days: u32) -> i64 {
    now_ms - i64::from(retention_days.max(MIN_RETENTION_DAYS)) * 86_400_000
}

#[cfg(test)]
mod retention_tests {
    use super::*;

    #[test]
    fn a_checkpoint_is_expected_once_the_chain_spans_more_than_the_grace_or_any_is_archived() {
        let t = 100 * ANCHOR_GRACE_MS;
        assert!(!anchor_expected(None, None, false), "an empty chain");
        assert!(!anchor_expected(Some(t), Some(t + ANCHOR_GRACE_MS), false), "within the grace");
        assert!(anchor_expected(Some(t), Some(t + ANCHOR_GRACE_MS + 1), false), "past the grace");
        assert!(anchor_expected(Some(t + ANCHOR_GRACE_MS + 1), Some(t), false), "a clock set back");
        assert!(anchor_expected(None, None, true), "archived records were anchored");
    }

    #[test]
    fn a_retention_below_180_days_counts_as_180() {
        assert_eq!(archive_cutoff_ms(1_000 * 86_400_000, 30), 820 * 86_400_000);
    }

    #[test]
    fn a_longer_retention_is_kept() {
        assert_eq!(archive_cutoff_ms(1_000 * 86_400_000, 365), 635 * 86_400_000);
    }
}
