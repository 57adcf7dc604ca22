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

/// Every audited action code with its Chinese name, as the audit page shows it (the code
/// stays in the record and in the filter). A test checks that every code the code base
/// records is listed here.
pub const ACTIONS: &[(&str, &str)] = &[
    ("account.create", "新建账户"),
    ("account.disable", "停用账户"),
    ("account.enable", "启用账户"),
    ("account.member_lookup", "按公民身份号码查找党员"),
    ("account.password", "修改密码"),
    ("account.password_expired", "密码到期"),
    ("account.reset_password", "重置密码"),
    ("account.role", "调整角色"),
    ("account.role_decide", "审批角色申请"),
    ("account.role_request", "申请调整角色"),
    ("account.unlock", "解除锁定"),
    ("audit.archive", "归档审计记录"),
    ("audit.verify", "校验审计哈希链"),
    ("auth.lock", "账户锁定"),
    ("auth.login", "登录"),
    ("auth.logout", "退出登录"),
    ("auth.rate_limit", "登录频率限制"),
    ("auth.second_factor", "动态口令验证"),
    ("auth.totp_enrol", "绑定动态口令"),
    ("authz.csrf", "跨站请求拦截"),
    ("authz.deny", "越权访问拦截"),
    ("cockpit.export", "驾驶舱导出"),
    ("demo.dues", "生成演示党费数据"),
    ("demo.generate", "生成演示数据"),
    ("demo.history", "生成演示历史数据"),
    ("dues.base", "核定党费基数"),
    ("dues.bills", "生成党费账单"),
    ("dues.order", "发起在线交纳党费"),
    ("dues.order_failed", "在线交纳党费未成功"),
    ("dues.order_flagged", "在线交纳党费对账不符"),
    ("dues.pay", "登记党费交纳"),
    ("dues.relief_apply", "申请党费减免"),
    ("dues.relief_decide", "审批党费减免"),
    ("mobile.register", "登记流动党员"),
    ("mobile.end", "流动党员返回或转出"),
    ("mobile.attendance", "登记流动党员参加e支部组织生活"),
    ("lost.record", "登记失联党员"),
    ("lost.search", "登记寻找失联党员情况"),
    ("lost.propose", "支部决定停止党籍或除名"),
    ("lost.approve", "上级审批停止党籍或除名"),
    ("lost.restore", "失联党员恢复联系"),
    ("pledge.label", "授予三亮标识"),
    ("pledge.unlabel", "撤销三亮标识"),
    ("pledge.commit", "党员亮承诺"),
    ("pledge.review", "审核党员承诺"),
    ("pledge.grade", "评议践诺情况"),
    ("pledge.record", "登记比服务比业绩比贡献"),
    ("pledge.publish", "设置承诺公开"),
    ("secondment.create", "登记干部挂职"),
    ("secondment.report", "登记挂职报告"),
    ("secondment.end", "结束挂职"),
    ("secondment.evaluate", "挂职期满考核"),
    ("weak.list", "列入软弱涣散党组织整顿名单"),
    ("weak.measure", "登记软弱涣散整顿帮扶措施"),
    ("weak.task", "安排软弱涣散整顿任务"),
    ("weak.submit", "提交整顿任务整改情况"),
    ("weak.decide", "验收或退回整顿任务"),
    ("weak.clear", "软弱涣散党组织整顿销号"),
    ("taskforce.create", "创建攻坚项目"),
    ("taskforce.member", "攻坚分队增加队员"),
    ("taskforce.milestone", "设定攻坚项目节点"),
    ("taskforce.done", "攻坚项目节点完成"),
    ("taskforce.report", "报告攻坚项目进展"),
    ("taskforce.close", "攻坚项目结项"),
    ("dues.reverse", "冲正党费记录"),
    ("election.approve", "批复换届请示"),
    ("election.request", "请示换届选举"),
    ("election.secretary", "批准换届书记人选"),
    ("election.vote", "登记换届选举结果"),
    ("recruit.create", "受理入党申请"),
    ("recruit.outcome", "审批延长或取消预备期"),
    ("recruit.step", "办理发展党员步骤"),
    ("finding.accept", "问题整改通过"),
    ("finding.respond", "问题整改反馈"),
    ("finding.return", "问题整改退回"),
    ("finding.urge", "问题督办"),
    ("findings.recompute", "重新计算预警和问题"),
    ("learning.exam.create", "发布考试"),
    ("learning.exemption.set", "登记学时免予考核"),
    ("learning.plan.file", "报送年度学习计划"),
    ("learning.points.repair", "校正积分合计"),
    ("learning.question.create", "新增题目"),
    ("learning.question.import", "导入题库"),
    ("learning.question.restore", "恢复题目"),
    ("learning.question.update", "修改题目"),
    ("learning.question.withdraw", "停用题目"),
    ("learning.training.attendance", "登记培训出勤和学时"),
    ("learning.training.create", "新建培训班"),
    ("learning.training.enrol", "培训班报名"),
    ("leave.approve", "批准请假"),
    ("leave.reject", "不批准请假"),
    ("leave.request", "请假申请"),
    ("meeting.attachment_add", "上传会议附件"),
    ("meeting.attachment_delete", "删除会议附件"),
    ("meeting.attendance", "登记出勤"),
    ("meeting.cancel", "取消会议"),
    ("meeting.correct", "更正会议记录"),
    ("meeting.correction_approve", "批准更正申请"),
    ("meeting.correction_reject", "驳回更正申请"),
    ("meeting.correction_request", "申请更正会议记录"),
    ("meeting.create", "新建会议记录"),
    ("meeting.decision", "登记表决结果"),
    ("meeting.record", "登记会议召开情况"),
    ("meeting.roll", "调整应到人员"),
    ("meeting.signin", "扫码签到"),
    ("meeting.signin_close", "关闭扫码签到"),
    ("meeting.signin_open", "开启扫码签到"),
    ("meeting.update", "修改会议记录"),
    ("notify.mute", "设置不接收的通知"),
    ("notify.webhook.create", "添加群机器人"),
    ("notify.webhook.test", "发送群机器人测试消息"),
    ("notify.webhook.update", "修改群机器人"),
    ("member.archive", "党员减少（移入历史库）"),
    ("member.certificate", "开具党员身份证明"),
    ("member.correction.approve", "批准档案更正"),
    ("member.correction.reject", "不批准档案更正"),
    ("member.correction.request", "申请更正档案"),
    ("member.create", "新增党员"),
    ("member.export", "导出花名册"),
    ("member.import", "导入花名册"),
    ("member.move", "调整所在组织"),
    ("member.photo", "上传党员照片"),
    ("member.restore", "恢复党员在册"),
    ("member.reveal", "查看敏感信息"),
    ("member.update", "修改党员档案"),
    ("org.create", "新建党组织"),
    ("org.dissolve", "撤销党组织"),
    ("org.move", "调整隶属关系"),
    ("org.update", "修改党组织"),
    ("plan.acknowledge", "年度计划备案"),
    ("plan.publish", "公布年度计划"),
    ("plan.return", "退回年度计划"),
    ("plan.save", "保存年度计划"),
    ("plan.submit", "报备年度计划"),
    ("rules.update", "调整规则参数"),
    ("transfer.accept", "接收组织关系"),
    ("transfer.approve", "组织关系转出审批"),
    ("transfer.expire", "组织关系介绍信过期"),
    ("transfer.initiate", "发起组织关系转接"),
    ("transfer.receipt", "登记组织关系回执"),
    ("transfer.refuse", "拒接组织关系"),
    ("transfer.reissue", "重新开具组织关系介绍信"),
    ("transfer.return", "退回组织关系转接"),
    ("transfer.withdraw", "撤回组织关系转接"),
];

/// The Chinese name of an audit action code; `None` for a code not in [`ACTIONS`].
pub fn action_label(code: &str) -> Option<&'static str> {
    ACTIONS.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// The object of a record in words: `member:123` → `党员（编号 123）`. Objects of another
/// shape (`GET /api/v1/members` of a denial) are shown as they are.
pub fn object_label(object: &str) -> String {
    let kind = |k: &str| -> Option<&'static str> {
        Some(match k {
            "member" => "党员",
            "members" => "花名册",
            "org" => "党组织",
            "account" => "账户",
            "meeting" => "会议",
            "plan" => "年度计划",
            "finding" => "预警问题",
            "region" => "地区",
            "import" => "导入批次",
            "login" => "登录",
            "audit_log" => "审计日志",
            _ => return None,
        })
    };
    match object.split_once(':') {
        Some((k, id)) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => match kind(k) {
            Some(name) => format!("{name}（编号 {id}）"),
            None => object.to_string(),
        },
        Some(_) => object.to_string(),
        None => kind(object).map_or_else(|| object.to_string(), str::to_string),
    }
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

    /// `"ns.code"` string literals of a line of source: lowercase words joined by one dot.
    fn dotted_literals(line: &str) -> Vec<&str> {
        line.split('"')
            .skip(1)
            .step_by(2)
            .filter(|s| {
                let mut parts = s.split('.');
                let word =
                    |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
                // `member.create`, and a feature's three-part codes (`learning.question.create`).
                word(parts.next()) && word(parts.next()) && parts.next().is_none_or(|p| word(Some(p)) && parts.next().is_none())
            })
            .collect()
    }

    fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// The audit page names every action: each action code the code base records (the
    /// first argument of `Event::ok`, a refusal's kind, an `…ACTION` constant, or the
    /// value a `match`/`if` picks in a file that records) has a label in [`ACTIONS`].
    #[test]
    fn every_audited_action_in_the_code_base_has_a_chinese_label() {
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for krate in std::fs::read_dir(&crates).into_iter().flatten().flatten() {
            sources(&krate.path().join("src"), &mut files);
        }
        let mut found = std::collections::BTreeSet::new();
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap_or_default();
            if !text.contains("Event::ok(") && !text.contains("refusals::note(") {
                continue;
            }
            for line in text.lines() {
                let t = line.trim();
                let records = t.contains("Event::ok(") || t.contains("refusals::note(");
                let constant = t.contains("const ") && t.contains("ACTION") && t.contains("&str");
                for lit in dotted_literals(t) {
                    let quoted = format!("\"{lit}\"");
                    let picked =
                        t == quoted || (t.contains("=>") && (t.ends_with(&format!("{quoted},")) || t.ends_with(&quoted)));
                    if records || constant || picked {
                        found.insert(lit.to_string());
                    }
                }
            }
        }
        for must in
            ["member.create", "auth.second_factor", "demo.generate", "audit.archive", "account.disable", "auth.rate_limit"]
        {
            assert!(found.contains(must), "the scan misses {must}: {found:?}");
        }
        let missing: Vec<&String> = found.iter().filter(|c| action_label(c).is_none()).collect();
        assert!(missing.is_empty(), "audited actions without a Chinese label in ACTIONS: {missing:?}");
    }

    #[test]
    fn the_action_table_lists_each_code_once_with_a_chinese_name() {
        let mut codes: Vec<&str> = ACTIONS.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ACTIONS.len());
        assert!(ACTIONS.iter().all(|(_, l)| l.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))));
    }

    #[test]
    fn an_object_is_shown_as_its_kind_in_chinese_and_its_number() {
        assert_eq!(object_label("member:123"), "党员（编号 123）");
        assert_eq!(object_label("org:7"), "党组织（编号 7）");
        assert_eq!(object_label("audit_log"), "审计日志");
        assert_eq!(object_label("GET /api/v1/members"), "GET /api/v1/members");
        assert_eq!(object_label("thing:12"), "thing:12");
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
