//! Accounts, roles, permissions and scope: who may do what to which part of the tree.
//!
//! The decision is data plus one function: a role grants [`Permission`]s
//! ([`Role::grants`]), and an account's reach is its [`Reach`] (a subtree, or only its
//! own member record). Storage applies the reach to every query; the web layer checks
//! the permission a route declares. Login protection (lockout, session timeouts,
//! password rules) is decided here too, from [`crate::kernel::rules`].

use crate::kernel::error::{FieldError, Invalid};
use crate::kernel::rules::{LoginPolicy, PasswordPolicy, PasswordProfile};

labelled_enum! {
    /// 角色. The administrator duties are separate (三员分立, 等保三级): 系统管理员 runs
    /// accounts and settings, 安全管理员 approves grants of roles and watches the security
    /// alerts, 审计员 reads only the audit log; 组织部管理员 handles party data.
    pub enum Role {
        /// 党员: own data only.
        Member = ("member", "党员"),
        /// 党小组长: reads the members of the group.
        GroupLeader = ("group_leader", "党小组长"),
        /// 支部书记/支委: reads and writes the branch.
        BranchSecretary = ("branch_secretary", "支部书记/支委"),
        /// 党(工)委管理员: reads and writes the committee's subtree.
        CommitteeAdmin = ("committee_admin", "党(工)委管理员"),
        /// 组织部管理员: the whole city.
        OrgDeptAdmin = ("org_dept_admin", "组织部管理员"),
        /// 审计员: reads the audit log only.
        Auditor = ("auditor", "审计员"),
        /// 系统管理员: accounts and settings, no member data.
        SysAdmin = ("sysadmin", "系统管理员"),
        /// 安全管理员: approves role grants, sees security alerts; no member data.
        SecAdmin = ("secadmin", "安全管理员"),
    }
}

labelled_enum! {
    /// What a route needs. Declared once per route; checked centrally.
    pub enum Permission {
        /// Anyone, logged in or not (login, health).
        Public = ("public", "公开"),
        /// Any logged-in account, on its own account (profile, password).
        SelfService = ("self_service", "本人账户"),
        OrgRead = ("org_read", "查看党组织"),
        OrgWrite = ("org_write", "维护党组织"),
        MemberRead = ("member_read", "查看党员"),
        MemberWrite = ("member_write", "维护党员"),
        /// See 公民身份号码 and 手机号码 in the clear (each reveal is audited).
        MemberReveal = ("member_reveal", "查看敏感信息"),
        AccountAdmin = ("account_admin", "账户管理"),
        AuditRead = ("audit_read", "查看审计日志"),
        /// Approve or reject role grants, read the security alerts (安全管理员).
        SecurityAdmin = ("security_admin", "安全管理"),
        /// Take the daily quiz and exams, earn points, see one's rank (学).
        Learn = ("learn", "参加学习"),
        /// Keep the question bank, set up exams, read results and rankings of the subtree.
        LearningAdmin = ("learning_admin", "管理题库和考试"),
    }
}

impl Role {
    /// The permissions a role grants. This table is the whole role model.
    pub fn grants(self, p: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match p {
            Public | SelfService => true,
            OrgRead | MemberRead | Learn => {
                matches!(self, Member | GroupLeader | BranchSecretary | CommitteeAdmin | OrgDeptAdmin)
            }
            OrgWrite | MemberWrite | MemberReveal | LearningAdmin => {
                matches!(self, BranchSecretary | CommitteeAdmin | OrgDeptAdmin)
            }
            AccountAdmin => self == SysAdmin,
            AuditRead => self == Auditor,
            SecurityAdmin => self == SecAdmin,
        }
    }

    /// Whether giving an account this role needs a second, entitled account's approval
    /// (三员分立): every role that reaches other people's data, and every administrator
    /// role. Only the plain 党员 role, which sees its own record, is granted at once.
    pub fn needs_approval(self) -> bool {
        self != Role::Member
    }

    /// Whether the role administers the platform (a second factor is required).
    pub fn is_administrator(self) -> bool {
        matches!(self, Role::SysAdmin | Role::SecAdmin | Role::Auditor | Role::OrgDeptAdmin | Role::CommitteeAdmin)
    }

    /// Whether the role works on party data and so needs a scope org.
    pub fn needs_scope(self) -> bool {
        matches!(self, Role::GroupLeader | Role::BranchSecretary | Role::CommitteeAdmin | Role::OrgDeptAdmin)
    }

    /// Whether the role is bound to a member record (and so may log in by phone).
    pub fn needs_member(self) -> bool {
        matches!(self, Role::Member | Role::GroupLeader)
    }
}

/// How far an account reaches into the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Nothing of party data (auditor, system administrator).
    Nothing,
    /// Only its own member record, and its own branch's org data.
    OwnRecord { member_id: i64, branch_path: String },
    /// A subtree by materialized path (the scope org and all below it).
    Subtree { root_path: String },
}

impl Reach {
    /// Whether an org at `path` is within reach (for reading).
    pub fn covers_org(&self, path: &str) -> bool {
        match self {
            Reach::Nothing => false,
            Reach::OwnRecord { branch_path, .. } => path == branch_path,
            Reach::Subtree { root_path } => path.starts_with(root_path.as_str()),
        }
    }
    /// Whether a member with id `member_id` placed at `org_path` is within reach.
    pub fn covers_member(&self, member_id: i64, org_path: &str) -> bool {
        match self {
            Reach::Nothing => false,
            Reach::OwnRecord { member_id: own, .. } => *own == member_id,
            Reach::Subtree { root_path } => org_path.starts_with(root_path.as_str()),
        }
    }
    /// Whether the org at `path` may be restructured (moved or dissolved): it must lie
    /// strictly below the scope root, so nobody restructures their own scope.
    pub fn may_restructure(&self, path: &str) -> bool {
        match self {
            Reach::Subtree { root_path } => path.starts_with(root_path.as_str()) && path != root_path,
            _ => false,
        }
    }
}

/// The public list of common passwords (`common_passwords.txt`, its sources and licence
/// in its header), lower case.
fn common_passwords() -> &'static std::collections::HashSet<&'static str> {
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        include_str!("common_passwords.txt").lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect()
    })
}

/// Whether a password is on the common-password list, in any case, or is a listed word
/// of 6 or more letters with only digits and symbols around it (`Dragon2026!`).
pub fn is_common_password(password: &str) -> bool {
    let lower = password.to_lowercase();
    let list = common_passwords();
    if list.contains(lower.as_str()) {
        return true;
    }
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    core.chars().count() >= 6 && list.contains(core)
}

/// Why a password is not acceptable.
pub fn check_password(password: &str, policy: &PasswordPolicy, context_words: &[&str]) -> Result<(), Invalid> {
    let mut inv = Invalid::default();
    let len = password.chars().count();
    if len < policy.min_length {
        inv.push(FieldError::new("password", "password.too_short", format!("密码至少需要 {} 个字符", policy.min_length)));
    }
    if len > policy.max_length {
        inv.push(FieldError::new("password", "password.too_long", format!("密码不能超过 {} 个字符", policy.max_length)));
    }
    if policy.profile == PasswordProfile::Dengbao {
        let classes = [
            password.chars().any(|c| c.is_ascii_lowercase()),
            password.chars().any(|c| c.is_ascii_uppercase()),
            password.chars().any(|c| c.is_ascii_digit()),
            password.chars().any(|c| !c.is_ascii_alphanumeric()),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if classes < policy.min_classes {
            inv.push(FieldError::new(
                "password",
                "password.classes",
                format!("密码需包含小写字母、大写字母、数字、符号中的至少 {} 类", policy.min_classes),
            ));
        }
    }
    if is_common_password(password) {
        inv.push(FieldError::new("password", "password.common", "这是常见的弱密码，很容易被猜中，请换一个不常见的密码"));
    }
    let lower = password.to_lowercase();
    if context_words.iter().map(|w| w.trim().to_lowercase()).any(|w| w.chars().count() >= 4 && lower.contains(&w)) {
        inv.push(FieldError::new("password", "password.context", "密码不能包含用户名、手机号等个人信息"));
    }
    inv.into_result(())
}

/// Whether a password last set at `changed_ms` has outlived the policy's maximum age at
/// `now_ms` (`security.md` A4: 90 days, then the next login must change it).
pub fn password_expired(changed_ms: i64, now_ms: i64, policy: &PasswordPolicy) -> bool {
    policy.max_age_days > 0 && now_ms - changed_ms > i64::from(policy.max_age_days) * 86_400_000
}

/// The lockout state of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LockState {
    pub failed_count: u32,
    /// Epoch ms until which the account is locked.
    pub locked_until: Option<i64>,
}

/// What a login attempt leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// Right password, account not locked: log in, reset the counter.
    Success,
    /// Wrong password: count it; `locked_now` when this failure locks the account.
    Failure { locked_now: bool },
    /// The account is locked: refused even with the right password.
    Locked,
}

/// Decides a login attempt and the lock state after it (`security.md` A1).
pub fn login_attempt(state: LockState, password_ok: bool, now_ms: i64, policy: &LoginPolicy) -> (AttemptOutcome, LockState) {
    if let Some(until) = state.locked_until
        && now_ms < until
    {
        return (AttemptOutcome::Locked, state);
    }
    // A lock that has run out starts a fresh count.
    let state = if state.locked_until.is_some() { LockState::default() } else { state };
    if password_ok {
        return (AttemptOutcome::Success, LockState::default());
    }
    let failed = state.failed_count + 1;
    if failed >= policy.max_failures {
        let until = now_ms + i64::from(policy.lockout_minutes) * 60_000;
        (AttemptOutcome::Failure { locked_now: true }, LockState { failed_count: failed, locked_until: Some(until) })
    } else {
        (AttemptOutcome::Failure { locked_now: false }, LockState { failed_count: failed, locked_until: None })
    }
}

/// Whether a session is still alive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    Alive,
    IdleExpired,
    AbsoluteExpired,
}

/// Decides whether a session created at `created_ms` and last used at `last_seen_ms` is
/// still valid at `now_ms` (`security.md` S1/S2).
pub fn session_state(created_ms: i64, last_seen_ms: i64, now_ms: i64, policy: &LoginPolicy) -> SessionState {
    if now_ms - created_ms > i64::from(policy.absolute_timeout_hours) * 3_600_000 {
        SessionState::AbsoluteExpired
    } else if now_ms - last_seen_ms > i64::from(policy.idle_timeout_minutes) * 60_000 {
        SessionState::IdleExpired
    } else {
        SessionState::Alive
    }
}

#[cfg(test)]
mod tests {
    const DAY: i64 = 86_400_000;

    #[test]
    fn a_password_set_90_days_ago_has_not_expired_yet() {
        assert!(!password_expired(0, 90 * DAY, &PasswordPolicy::default()));
    }

    #[test]
    fn a_password_older_than_90_days_has_expired() {
        assert!(password_expired(0, 90 * DAY + 1, &PasswordPolicy::default()));
    }

    #[test]
    fn a_max_age_of_zero_never_expires() {
        let never = PasswordPolicy { max_age_days: 0, ..Default::default() };
        assert!(!password_expired(0, 10_000 * DAY, &never));
    }

    use super::*;
    use crate::kernel::rules::RuleSet;

    fn login() -> LoginPolicy {
        RuleSet::default().login
    }

    #[test]
    fn three_administrator_roles_are_separate() {
        use Permission::*;
        assert!(Role::SysAdmin.grants(AccountAdmin));
        assert!(!Role::SysAdmin.grants(MemberRead) && !Role::SysAdmin.grants(AuditRead) && !Role::SysAdmin.grants(OrgWrite));
        assert!(Role::Auditor.grants(AuditRead));
        assert!(!Role::Auditor.grants(MemberRead) && !Role::Auditor.grants(AccountAdmin) && !Role::Auditor.grants(OrgWrite));
        assert!(Role::OrgDeptAdmin.grants(MemberWrite));
        assert!(!Role::OrgDeptAdmin.grants(AuditRead) && !Role::OrgDeptAdmin.grants(AccountAdmin));
    }

    #[test]
    fn group_leaders_read_but_do_not_write() {
        assert!(Role::GroupLeader.grants(Permission::MemberRead));
        assert!(!Role::GroupLeader.grants(Permission::MemberWrite));
        assert!(!Role::GroupLeader.grants(Permission::MemberReveal));
    }

    #[test]
    fn members_reach_only_their_own_record() {
        let r = Reach::OwnRecord { member_id: 7, branch_path: "/1/2/3/".into() };
        assert!(r.covers_member(7, "/1/2/3/"));
        assert!(!r.covers_member(8, "/1/2/3/"));
        assert!(r.covers_org("/1/2/3/"));
        assert!(!r.covers_org("/1/2/"));
    }

    #[test]
    fn subtree_reach_excludes_siblings_with_a_common_prefix() {
        let r = Reach::Subtree { root_path: "/1/2/".into() };
        assert!(r.covers_org("/1/2/"));
        assert!(r.covers_org("/1/2/30/"));
        assert!(!r.covers_org("/1/20/"));
        assert!(!r.covers_org("/1/"));
    }

    #[test]
    fn nobody_restructures_their_own_scope_root() {
        let r = Reach::Subtree { root_path: "/1/2/".into() };
        assert!(!r.may_restructure("/1/2/"));
        assert!(r.may_restructure("/1/2/3/"));
        assert!(!r.may_restructure("/1/3/"));
    }

    #[test]
    fn password_needs_eight_characters() {
        let e = check_password("Ab1!xyz", &PasswordPolicy::default(), &[]).unwrap_err();
        assert!(e.has("password.too_short"));
    }

    #[test]
    fn password_needs_three_character_classes() {
        assert!(check_password("abcdefgh12", &PasswordPolicy::default(), &[]).unwrap_err().has("password.classes"));
        assert!(check_password("hqzvwkG12", &PasswordPolicy::default(), &[]).is_ok());
        assert!(check_password("hqzvwk.12", &PasswordPolicy::default(), &[]).is_ok());
    }

    #[test]
    fn a_common_password_is_refused_whatever_its_case() {
        for common in ["Passw0rd", "P@ssw0rd", "Demo@2026", "Dangyuan123!", "Qwerty123!", "Zhang123"] {
            let e = check_password(common, &PasswordPolicy::default(), &[]).unwrap_err();
            assert!(e.has("password.common"), "{common} passed the policy");
        }
    }

    #[test]
    fn a_common_word_with_digits_and_symbols_around_it_is_refused() {
        assert!(check_password("Dragon2026!", &PasswordPolicy::default(), &[]).unwrap_err().has("password.common"));
        assert!(check_password("!2026Monkey", &PasswordPolicy::default(), &[]).unwrap_err().has("password.common"));
        // A short core (4–5 letters) is not matched on its own: too many false refusals.
        assert!(check_password("Pass#0001", &PasswordPolicy::default(), &[]).is_ok());
    }

    #[test]
    fn the_asvs_profile_refuses_common_passwords_too() {
        let p = PasswordPolicy { profile: PasswordProfile::Asvs, ..PasswordPolicy::default() };
        assert!(check_password("password123", &p, &[]).unwrap_err().has("password.common"));
    }

    #[test]
    fn asvs_profile_checks_length_only() {
        let p = PasswordPolicy { profile: PasswordProfile::Asvs, ..PasswordPolicy::default() };
        assert!(check_password("abcdefghij", &p, &[]).is_ok());
    }

    #[test]
    fn password_containing_the_user_name_is_rejected() {
        let e = check_password("Wangjg2026!", &PasswordPolicy::default(), &["wangjg"]).unwrap_err();
        assert!(e.has("password.context"));
    }

    #[test]
    fn long_passwords_are_accepted_up_to_the_maximum() {
        let long = format!("Aa1{}", "x".repeat(125));
        assert!(check_password(&long, &PasswordPolicy::default(), &[]).is_ok());
        assert!(check_password(&format!("{long}y"), &PasswordPolicy::default(), &[]).unwrap_err().has("password.too_long"));
    }

    #[test]
    fn fifth_consecutive_failure_locks_for_thirty_minutes() {
        let mut s = LockState::default();
        for i in 1..=4 {
            let (o, next) = login_attempt(s, false, 1_000, &login());
            assert_eq!(o, AttemptOutcome::Failure { locked_now: false }, "attempt {i}");
            s = next;
        }
        let (o, s) = login_attempt(s, false, 1_000, &login());
        assert_eq!(o, AttemptOutcome::Failure { locked_now: true });
        assert_eq!(s.locked_until, Some(1_000 + 30 * 60_000));
    }

    #[test]
    fn locked_account_refuses_the_right_password() {
        let s = LockState { failed_count: 5, locked_until: Some(10_000) };
        assert_eq!(login_attempt(s, true, 9_999, &login()).0, AttemptOutcome::Locked);
    }

    #[test]
    fn lock_expires_and_the_count_starts_again() {
        let s = LockState { failed_count: 5, locked_until: Some(10_000) };
        let (o, s2) = login_attempt(s, false, 10_000, &login());
        assert_eq!(o, AttemptOutcome::Failure { locked_now: false });
        assert_eq!(s2.failed_count, 1);
        assert_eq!(login_attempt(s, true, 10_000, &login()).0, AttemptOutcome::Success);
    }

    #[test]
    fn success_resets_the_failure_count() {
        let (o, s) = login_attempt(LockState { failed_count: 4, locked_until: None }, true, 0, &login());
        assert_eq!(o, AttemptOutcome::Success);
        assert_eq!(s, LockState::default());
    }

    #[test]
    fn session_idle_for_29_59_is_alive_and_for_30_01_expired() {
        let p = login();
        assert_eq!(session_state(0, 0, 29 * 60_000 + 59_000, &p), SessionState::Alive);
        assert_eq!(session_state(0, 0, 30 * 60_000 + 1_000, &p), SessionState::IdleExpired);
    }

    #[test]
    fn busy_session_still_ends_after_twelve_hours() {
        let p = login();
        let twelve_h = 12 * 3_600_000;
        assert_eq!(session_state(0, twelve_h, twelve_h, &p), SessionState::Alive);
        assert_eq!(session_state(0, twelve_h + 1, twelve_h + 1, &p), SessionState::AbsoluteExpired);
    }
}
