//! Accounts, passwords (argon2id), login with lockout, sessions, and the making of a
//! [`Scope`] from a session — the only place a request's reach comes from.

pub mod grants;
pub mod lookup;
pub mod totp;

use crate::platform::audit::{self, Event};
use crate::platform::paging::{SortKey, capped_page};
use crate::platform::query::Sql;
use crate::platform::scope::{Actor, Scope};
use crate::{Db, StoreError, StoreResult, Tx, platform::ids};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::{Rng, RngExt};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;
use vanguard_domain::kernel::auth::{AttemptOutcome, Reach, Role, SessionState, check_password, password_expired, session_state};
use vanguard_domain::kernel::paging::{Page, PageRequest};
use vanguard_domain::kernel::rules::LoginPolicy;

/// A resolved session is reused for at most this long: revocations, role and tree
/// changes take effect within it (security.md S4/Z6: ≤ 1 s), and most are applied at once
/// by `Db::forget_sessions`.
const CACHE_MS: i64 = 1_000;

/// Touch a session's last-seen time at most this often (a write per request would
/// serialize all readers behind SQLite's single writer).
const TOUCH_EVERY_MS: i64 = 60_000;
/// A one-time password must be used within a day.
const ONE_TIME_VALID_MS: i64 = 24 * 3_600_000;

/// One account as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// An unknown stored role fails the read (never a default role).
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub scope_region_id: Option<i64>,
    pub scope_org_id: Option<i64>,
    pub member_region_id: Option<i64>,
    pub member_id: Option<i64>,
    #[serde(skip)]
    pub password_hash: String,
    pub must_change_password: bool,
    pub one_time_expires_at: Option<i64>,
    pub disabled: bool,
    pub failed_count: i64,
    pub locked_until: Option<i64>,
    pub last_login_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// When the password was last changed by its owner (`None`: since creation).
    pub password_changed_at: Option<i64>,
    /// Whether a second factor (TOTP) is in force for the account.
    pub totp_enabled: bool,
}

macro_rules! account_cols {
    () => {
        "a.id, a.username, a.display_name, a.role, a.scope_region_id, a.scope_org_id, a.member_region_id, a.member_id, a.password_hash, \
         a.must_change_password, a.one_time_expires_at, a.disabled, a.failed_count, a.locked_until, a.last_login_at, a.created_at, a.updated_at, \
         a.password_changed_at, a.totp_enabled"
    };
}

impl AccountRow {
    pub fn role(&self) -> Role {
        self.role
    }

    /// Whether the account must enrol a second factor before it may do anything else:
    /// an administrator under `login.second_factor_for_admins`, a 支部书记/支委 under
    /// `login.second_factor_for_secretaries`, until it has one.
    pub fn second_factor_owed(&self, policy: &LoginPolicy) -> bool {
        let role = self.role();
        let required = (policy.second_factor_for_admins && role.is_administrator())
            || (policy.second_factor_for_secretaries && role == Role::BranchSecretary);
        required && !self.totp_enabled
    }

    /// Whether the current password is a one-time password an administrator issued (never
    /// the owner's own, so it is not kept in the password history).
    fn has_one_time_password(&self) -> bool {
        self.must_change_password && self.one_time_expires_at.is_some()
    }
}

/// At most one argon2 computation per core at a time: each takes 19 MiB, so a burst of
/// logins queues here instead of growing memory (and starving other work).
async fn argon2_permit() -> Option<tokio::sync::SemaphorePermit<'static>> {
    static PERMITS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    PERMITS.get_or_init(|| tokio::sync::Semaphore::new(cores)).acquire().await.ok()
}

/// Hashes a password with argon2id (m = 19 MiB, t = 2, p = 1) on a blocking thread.
pub async fn hash_password(password: &str) -> StoreResult<String> {
    let _permit = argon2_permit().await;
    let pw = password.to_string();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(pw.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| StoreError::Other(format!("密码哈希失败：{e}")))
    })
    .await
    .map_err(|e| StoreError::Other(e.to_string()))?
}

/// What a login did that takes time, recorded so that a test can hold every failing
/// path to the same work (security.md A3: an unknown user, a wrong password, a locked or
/// a disabled account answer alike *and take alike*).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginWork {
    /// argon2 verifications, each with the parameters (`m=…,t=…,p=…`) of the hash checked.
    pub hash_checks: Vec<String>,
    /// Statements that count or settle an attempt (each in a transaction of its own).
    pub attempt_writes: u32,
}

impl LoginWork {
    async fn check(&mut self, password: &str, hash: &str) -> bool {
        self.hash_checks.push(hash_params(hash));
        verify_password(password, hash).await
    }
}

/// The cost parameters of a PHC hash string (`m=19456,t=2,p=1`), empty if unreadable.
pub fn hash_params(hash: &str) -> String {
    PasswordHash::new(hash).map(|h| h.params.to_string()).unwrap_or_default()
}

/// The id no account has: the settling statement of a login without an attempt to settle
/// (an unknown user, a disabled or a locked account) runs against it, so it costs what
/// the real one does.
const NO_ACCOUNT: i64 = 0;

/// Checks a password against a stored hash on a blocking thread.
pub async fn verify_password(password: &str, hash: &str) -> bool {
    let _permit = argon2_permit().await;
    let pw = password.to_string();
    let h = hash.to_string();
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&h).is_ok_and(|parsed| Argon2::default().verify_password(pw.as_bytes(), &parsed).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// A hash of a random password, verified against when the user is unknown, so an unknown
/// user and a wrong password take the same time.
async fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return h;
    }
    let h = hash_password(&random_password()).await.unwrap_or_default();
    DUMMY.get_or_init(|| h)
}

/// A random password that meets every profile: 16 characters from four classes.
pub fn random_password() -> String {
    const LOWER: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGIT: &[u8] = b"23456789";
    const SYMBOL: &[u8] = b"!@#%*+-=?";
    let mut rng = rand::rng();
    let mut chars: Vec<u8> = [LOWER, UPPER, DIGIT, SYMBOL].iter().map(|set| set[rng.random_range(0..set.len())]).collect();
    let all: Vec<u8> = [LOWER, UPPER, DIGIT].concat();
    while chars.len() < 16 {
        chars.push(all[rng.random_range(0..all.len())]);
    }
    for i in (1..chars.len()).rev() {
        chars.swap(i, rng.random_range(0..=i));
    }
    String::from_utf8(chars).unwrap_or_default()
}

fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// Input to create an account.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct NewAccount {
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    pub role: Role,
    #[serde(default)]
    pub scope_org_id: Option<i64>,
    #[serde(default)]
    pub member_id: Option<i64>,
    /// A chosen password; without one a random one-time password is issued.
    #[serde(default)]
    pub password: Option<String>,
}

/// Where an account reaches, resolved from ids to the stored rows.
struct Binding {
    scope_region_id: Option<i64>,
    scope_org_id: Option<i64>,
    member_region_id: Option<i64>,
    member_id: Option<i64>,
    phone_hash: Option<Vec<u8>>,
}

/// The regions, for lookups of an org or member by id alone: an id names no shard, so
/// such a lookup tries region by region with single-shard reads by `(region_id, id)`.
/// Regions are few (one per top-level org) and binding an account is rare.
pub(super) async fn region_ids(db: &Db) -> StoreResult<Vec<i64>> {
    Ok(crate::read!(db, c => sqlx::query_scalar("SELECT id FROM regions ORDER BY id").fetch_all(c).await)?)
}

async fn resolve_binding(db: &Db, role: Role, scope_org_id: Option<i64>, member_id: Option<i64>) -> StoreResult<Binding> {
    let regions = region_ids(db).await?;
    let mut b = Binding { scope_region_id: None, scope_org_id: None, member_region_id: None, member_id: None, phone_hash: None };
    if role.needs_member() || member_id.is_some() {
        let mid = member_id
            .ok_or_else(|| StoreError::invalid("member_id", "required", format!("{}账户须关联一名党员", role.label())))?;
        #[derive(sqlx::FromRow)]
        struct M {
            region_id: i64,
            group_id: Option<i64>,
            phone_hash: Option<Vec<u8>>,
        }
        let mut m: Option<M> = None;
        for region in &regions {
            m = crate::read!(db, c => sqlx::query_as("SELECT region_id, group_id, phone_hash FROM members WHERE region_id = $1 AND id = $2 AND archived = FALSE")
                .bind(region).bind(mid).fetch_optional(c).await)?;
            if m.is_some() {
                break;
            }
        }
        let m = m.ok_or_else(|| StoreError::invalid("member_id", "member.not_found", "关联的党员不存在或已移入历史库"))?;
        b.member_region_id = Some(m.region_id);
        b.member_id = Some(mid);
        b.phone_hash = m.phone_hash;
        if role == Role::GroupLeader {
            let gid = scope_org_id
                .or(m.group_id)
                .ok_or_else(|| StoreError::invalid("scope_org_id", "group.required", "党小组长须指定其党小组"))?;
            b.scope_org_id = Some(gid);
            b.scope_region_id = Some(m.region_id);
        }
    }
    if role.needs_scope() && role != Role::GroupLeader {
        let oid = scope_org_id
            .ok_or_else(|| StoreError::invalid("scope_org_id", "required", format!("{}账户须指定管辖的党组织", role.label())))?;
        b.scope_org_id = Some(oid);
    }
    if let Some(oid) = b.scope_org_id {
        #[derive(sqlx::FromRow)]
        struct O {
            region_id: i64,
            kind: String,
        }
        let mut o: Option<O> = None;
        for region in &regions {
            o = crate::read!(db, c => sqlx::query_as("SELECT region_id, kind FROM orgs WHERE region_id = $1 AND id = $2 AND status <> 'dissolved'")
                .bind(region).bind(oid).fetch_optional(c).await)?;
            if o.is_some() {
                break;
            }
        }
        let o = o.ok_or_else(|| StoreError::invalid("scope_org_id", "org.not_found", "管辖的党组织不存在或已撤销"))?;
        let kind = crate::platform::error::decode("orgs.kind", &o.kind, vanguard_domain::org::OrgKind::from_code)?;
        let fits = match role {
            Role::GroupLeader => kind == vanguard_domain::org::OrgKind::Group,
            Role::BranchSecretary => kind.is_branch(),
            _ => true,
        };
        if !fits {
            return Err(StoreError::invalid(
                "scope_org_id",
                "scope.kind",
                format!("{}的管辖范围应为相应层级的党组织", role.label()),
            ));
        }
        b.scope_region_id = Some(o.region_id);
    }
    if !role.needs_scope() {
        b.scope_org_id = None;
        b.scope_region_id = None;
    }
    Ok(b)
}

/// Creates an account; returns it and the one-time password when one was issued.
pub async fn create_account(db: &Db, actor: &Actor, new: &NewAccount) -> StoreResult<(AccountRow, Option<String>)> {
    create(db, actor, new, true).await
}

/// Creates a demo account with the published demo password, which the policy refuses as
/// common (`vanguard demo` only; never reachable from a request).
pub async fn create_demo_account(db: &Db, actor: &Actor, new: &NewAccount) -> StoreResult<(AccountRow, Option<String>)> {
    create(db, actor, new, false).await
}

async fn create(db: &Db, actor: &Actor, new: &NewAccount, check_policy: bool) -> StoreResult<(AccountRow, Option<String>)> {
    let username = new.username.trim();
    if username.is_empty() || username.chars().count() > 40 || username.chars().any(char::is_whitespace) {
        return Err(StoreError::invalid("username", "username.format", "用户名不能为空、不能含空格，且不超过40个字符"));
    }
    if vanguard_domain::member::parse_phone(username).is_some() {
        return Err(StoreError::invalid(
            "username",
            "username.phone",
            "用户名不能是手机号码（手机号码登录由关联党员的号码提供）",
        ));
    }
    let binding = resolve_binding(db, new.role, new.scope_org_id, new.member_id).await?;
    // A person (not the installer or the CLI) acting: 三员分立 applies.
    let by_person = actor.account_id != 0;
    let (password, one_time) = match &new.password {
        Some(p) => {
            if check_policy {
                check_password(p, &db.rules().password, &[username])?;
            }
            (p.clone(), None)
        }
        None => {
            let p = random_password();
            (p.clone(), Some(p))
        }
    };
    let hash = hash_password(&password).await?;
    let now = db.clock().now_ms();
    let id = ids::next();
    let display = if new.display_name.trim().is_empty() { username.to_string() } else { new.display_name.trim().to_string() };
    // A password an administrator chose is known to that administrator: like a one-time
    // password, it must be changed at the first login and lapses after a day.
    let must_change = one_time.is_some() || by_person;
    // A role that needs approval waits, with the account disabled, for a 安全管理员.
    let needs_approval = by_person && new.role.needs_approval();
    let mut tx = db.begin().await?;
    let inserted = crate::exec_tx!(tx, c => sqlx::query(
        "INSERT INTO accounts (id, username, display_name, role, scope_region_id, scope_org_id, member_region_id, member_id, phone_hash, password_hash, \
         must_change_password, one_time_expires_at, disabled, failed_count, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 0, $14, $14)")
        .bind(id).bind(username).bind(&display).bind(new.role.code()).bind(binding.scope_region_id).bind(binding.scope_org_id)
        .bind(binding.member_region_id).bind(binding.member_id).bind(&binding.phone_hash).bind(&hash).bind(must_change)
        .bind(must_change.then_some(now + ONE_TIME_VALID_MS)).bind(needs_approval).bind(now).execute(c).await);
    if let Err(e) = inserted {
        let e = StoreError::from(e);
        if e.is_unique_violation() {
            return Err(StoreError::invalid("username", "username.taken", "该用户名已被使用，请换一个"));
        }
        return Err(e);
    }
    audit::append(
        &mut tx,
        db,
        actor,
        Event::ok("account.create", format!("account:{id}")).detail(format!("{username} {}", new.role.label())),
    )
    .await?;
    if needs_approval {
        let ask = grants::Ask {
            account_id: id,
            kind: grants::KIND_CREATE,
            role: new.role,
            scope_org_id: binding.scope_org_id,
            member_id: binding.member_id,
        };
        grants::file(&mut tx, db, actor, ask).await?;
    }
    tx.commit().await?;
    Ok((account(db, id).await?, one_time))
}

/// One account by id.
/// The account read by id (also the second read of [`authenticate`]; a reference table).
#[doc(hidden)]
pub const ACCOUNT_BY_ID_SQL: &str = concat!("SELECT ", account_cols!(), " FROM accounts a WHERE a.id = $1");

pub async fn account(db: &Db, id: i64) -> StoreResult<AccountRow> {
    let row: Option<AccountRow> = crate::read!(db, c => sqlx::query_as(ACCOUNT_BY_ID_SQL)
        .bind(id).fetch_optional(c).await)?;
    row.ok_or(StoreError::NotFound)
}

/// Which accounts to list.
#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    /// Only accounts locked at this instant (epoch ms).
    pub locked_at: Option<i64>,
}

/// Accounts by user name (unique).
const ACCOUNT_ORDER: SortKey = SortKey { columns: &["a.username"], descending: false };

/// Accounts for the system administrator, by user name, one page at a time (keyset on
/// the unique user name). The total is counted up to
/// [`COUNT_CAP`](crate::platform::paging::COUNT_CAP): a platform has tens
/// of accounts, not a count worth an aggregate.
pub async fn list_accounts(db: &Db, f: &AccountFilter, req: &PageRequest) -> StoreResult<Page<AccountRow>> {
    let mut filters = Sql::new(" WHERE 1 = 1");
    if let Some(at) = f.locked_at {
        filters.push(" AND a.locked_until > ").bind(at);
    }
    let select = concat!("SELECT ", account_cols!(), " FROM accounts a");
    capped_page(db, "accounts a", select, &filters, &ACCOUNT_ORDER, req, |a: &AccountRow| vec![a.username.as_str().into()]).await
}

pub async fn account_count(db: &Db) -> StoreResult<i64> {
    Ok(crate::read!(db, c => sqlx::query_scalar("SELECT COUNT(*) FROM accounts").fetch_one(c).await)?)
}

/// A live session: who, with what reach.
#[derive(Debug, Clone)]
pub struct Session {
    pub account: AccountRow,
    pub scope: Scope,
    pub csrf_token: String,
    pub token_hash: Vec<u8>,
    /// The password was right; the second factor is still owed for this login.
    pub mfa_pending: bool,
}

/// A successful login.
#[derive(Debug, Clone)]
pub struct LoggedIn {
    /// The bearer token / cookie value (only its keyed hash is stored).
    pub token: String,
    pub csrf_token: String,
    pub account: AccountRow,
    /// The account has a second factor: the session serves nothing until it is given.
    pub second_factor_required: bool,
}

/// The single answer for every failed login, so the reason does not leak.
pub const LOGIN_FAILED: &str = "用户名或密码错误。连续输错5次，账户将被锁定30分钟";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginError {
    /// Unknown user, wrong password, locked or disabled: indistinguishable to the caller.
    Failed,
    /// The right password, but it was a one-time password that expired.
    OneTimeExpired,
}

async fn find_login(db: &Db, login: &str) -> StoreResult<Option<AccountRow>> {
    let login = login.trim();
    if let Some(phone) = vanguard_domain::member::parse_phone(login) {
        let h = db.crypto().lookup_hash(&phone);
        let row: Option<AccountRow> = crate::read!(db, c => sqlx::query_as(concat!("SELECT ", account_cols!(),
            " FROM accounts a WHERE a.phone_hash = $1 ORDER BY a.disabled, a.id LIMIT 1")).bind(&h).fetch_optional(c).await)?;
        if row.is_some() {
            return Ok(row);
        }
    }
    account_by_username(db, login).await
}

/// One account by its user name (exactly).
pub async fn account_by_username(db: &Db, username: &str) -> StoreResult<Option<AccountRow>> {
    Ok(crate::read!(db, c => sqlx::query_as(concat!("SELECT ", account_cols!(), " FROM accounts a WHERE a.username = $1"))
        .bind(username).fetch_optional(c).await)?)
}

/// Logs in by user name or phone number. Every failure is audited and answered alike.
pub async fn login(db: &Db, login: &str, password: &str, ip: &str) -> StoreResult<Result<LoggedIn, LoginError>> {
    Ok(login_with_work(db, login, password, ip).await?.0)
}

/// [`login`], with the work it did. Every failing path — unknown user, disabled account,
/// locked account, wrong password — runs the same steps: one read of the account, one
/// committed write counting the attempt (the account's failure count, or the refusal
/// counter when there is no account row to count on), one argon2 verification with the
/// parameters of the stored hashes (a dummy hash when there is none to check), one
/// statement settling the attempt (against [`NO_ACCOUNT`] when there is nothing to
/// settle), one audit record.
pub async fn login_with_work(
    db: &Db,
    login: &str,
    password: &str,
    ip: &str,
) -> StoreResult<(Result<LoggedIn, LoginError>, LoginWork)> {
    let mut work = LoginWork::default();
    let shown_login: String = match vanguard_domain::member::parse_phone(login) {
        Some(p) => vanguard_domain::member::mask_phone(&p),
        None => login.trim().chars().take(40).collect(),
    };
    let now = db.clock().now_ms();
    let policy = db.rules().login.clone();
    let account = find_login(db, login).await?;
    let Some(account) = account else {
        count_refused(db, ip, "auth.unknown_account", &mut work).await?;
        let _ = work.check(password, dummy_hash().await).await;
        settle_attempt(db, NO_ACCOUNT, false, now, &policy, &mut work).await?;
        let actor = Actor { account_id: 0, name: shown_login, ip: ip.to_string() };
        audit::record(db, &actor, Event::ok("auth.login", "account:unknown").with_result("failed")).await?;
        return Ok((Err(LoginError::Failed), work));
    };
    let actor = Actor { account_id: account.id, name: account.username.clone(), ip: ip.to_string() };
    let object = format!("account:{}", account.id);
    if account.disabled {
        count_refused(db, ip, "auth.disabled_account", &mut work).await?;
        let _ = work.check(password, &account.password_hash).await;
        settle_attempt(db, NO_ACCOUNT, false, now, &policy, &mut work).await?;
        audit::record(db, &actor, Event::ok("auth.login", object).with_result("failed").detail("账户已停用")).await?;
        return Ok((Err(LoginError::Failed), work));
    }
    // The attempt is counted before the password is checked, and the lock decided in the
    // same statement, so concurrent attempts cannot all pass on the same stale count.
    let outcome = match gate_attempt(db, account.id, now, &policy, &mut work).await? {
        Gate::Open => {
            let password_ok = work.check(password, &account.password_hash).await;
            settle_attempt(db, account.id, password_ok, now, &policy, &mut work).await?
        }
        Gate::LockedNow => {
            // Refused unchecked; the time of a check is still spent, so a lock does not show.
            let _ = work.check(password, dummy_hash().await).await;
            settle_attempt(db, NO_ACCOUNT, false, now, &policy, &mut work).await?;
            AttemptOutcome::Failure { locked_now: true }
        }
        Gate::Locked => {
            // The gate changed no row here: the refusal is counted instead.
            let _ = work.check(password, dummy_hash().await).await;
            count_refused(db, ip, "auth.locked_account", &mut work).await?;
            AttemptOutcome::Locked
        }
    };
    let mut tx = db.begin().await?;
    let result = match outcome {
        AttemptOutcome::Locked => {
            audit::append(&mut tx, db, &actor, Event::ok("auth.login", object).with_result("denied").detail("账户锁定中"))
                .await?;
            Err(LoginError::Failed)
        }
        AttemptOutcome::Failure { locked_now } => {
            audit::append(&mut tx, db, &actor, Event::ok("auth.login", object.clone()).with_result("failed").detail("密码错误"))
                .await?;
            if locked_now {
                audit::append(
                    &mut tx,
                    db,
                    &actor,
                    Event::ok("auth.lock", object)
                        .detail(format!("连续{}次失败，锁定{}分钟", policy.max_failures, policy.lockout_minutes)),
                )
                .await?;
            }
            Err(LoginError::Failed)
        }
        AttemptOutcome::Success if account.must_change_password && account.one_time_expires_at.is_some_and(|t| now > t) => {
            audit::append(&mut tx, db, &actor, Event::ok("auth.login", object).with_result("failed").detail("临时密码已过期"))
                .await?;
            Err(LoginError::OneTimeExpired)
        }
        AttemptOutcome::Success => {
            let mut account = account.clone();
            let changed = account.password_changed_at.unwrap_or(account.created_at);
            if !account.must_change_password && password_expired(changed, now, &db.rules().password) {
                // Logged in, but every route except changing the password stays closed.
                crate::exec_tx!(tx, c => sqlx::query("UPDATE accounts SET must_change_password = TRUE WHERE id = $1")
                    .bind(account.id).execute(c).await)?;
                audit::append(
                    &mut tx,
                    db,
                    &actor,
                    Event::ok("account.password_expired", object.clone())
                        .detail(format!("密码已超过{}天未修改，须先修改密码", db.rules().password.max_age_days)),
                )
                .await?;
                account.must_change_password = true;
            }
            let token = random_token();
            let csrf = random_token();
            let token_hash = db.crypto().lookup_hash(&token);
            let mfa = account.totp_enabled;
            crate::exec_tx!(tx, c => sqlx::query("INSERT INTO sessions (token_hash, account_id, csrf_token, ip, created_at, last_seen_at, mfa_pending) VALUES ($1, $2, $3, $4, $5, $5, $6)")
                .bind(&token_hash).bind(account.id).bind(&csrf).bind(ip).bind(now).bind(mfa).execute(c).await)?;
            crate::exec_tx!(tx, c => sqlx::query("UPDATE accounts SET last_login_at = $1 WHERE id = $2").bind(now).bind(account.id).execute(c).await)?;
            audit::append(&mut tx, db, &actor, Event::ok("auth.login", object)).await?;
            Ok(LoggedIn { token, csrf_token: csrf, account, second_factor_required: mfa })
        }
    };
    tx.commit().await?;
    Ok((result, work))
}

/// Counts a login refused without an account row to count on (see
/// [`crate::platform::refusals::count_attempt`]): one real write, as a wrong password's
/// failure count is.
async fn count_refused(db: &Db, ip: &str, kind: &'static str, work: &mut LoginWork) -> StoreResult<()> {
    work.attempt_writes += 1;
    crate::platform::refusals::count_attempt(db, ip, kind).await.map(|_| ())
}

/// What counting an attempt found.
enum Gate {
    /// Counted; the password may be checked.
    Open,
    /// This attempt went past the limit and locked the account.
    LockedNow,
    /// The account was locked already.
    Locked,
}

/// Counts one attempt and decides the lock in one statement (`UPDATE … RETURNING`): the
/// attempt is a failure until its password proves right, so with N attempts in flight
/// the (max+1)-th locks the account whatever the others' passwords. A lock that has run
/// out starts a fresh count.
async fn gate_attempt(db: &Db, id: i64, now: i64, policy: &LoginPolicy, work: &mut LoginWork) -> StoreResult<Gate> {
    work.attempt_writes += 1;
    let until = now + i64::from(policy.lockout_minutes) * 60_000;
    let max = i64::from(policy.max_failures);
    let mut tx = db.begin().await?;
    let row: Option<(i64, Option<i64>)> = crate::on_tx!(tx, c => sqlx::query_as(
        "UPDATE accounts SET \
           failed_count = CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failed_count + 1 END, \
           locked_until = CASE WHEN locked_until IS NOT NULL THEN NULL WHEN failed_count + 1 > $1 THEN $2 ELSE NULL END, \
           updated_at = $3 \
         WHERE id = $4 AND (locked_until IS NULL OR locked_until <= $3) RETURNING failed_count, locked_until")
        .bind(max).bind(until).bind(now).bind(id).fetch_optional(c).await)?;
    tx.commit().await?;
    Ok(match row {
        None => Gate::Locked,
        Some((_, Some(_))) => Gate::LockedNow,
        Some((_, None)) => Gate::Open,
    })
}

/// Settles a counted attempt once its password is checked: a right one clears the count
/// unless the account was locked meanwhile (by attempts in flight beside it); a wrong
/// one that brings the count to the maximum locks it.
async fn settle_attempt(
    db: &Db,
    id: i64,
    password_ok: bool,
    now: i64,
    policy: &LoginPolicy,
    work: &mut LoginWork,
) -> StoreResult<AttemptOutcome> {
    work.attempt_writes += 1;
    let mut tx = db.begin().await?;
    let outcome = if password_ok {
        let cleared: Option<i64> = crate::on_tx!(tx, c => sqlx::query_scalar(
            "UPDATE accounts SET failed_count = 0, locked_until = NULL, updated_at = $1 \
             WHERE id = $2 AND (locked_until IS NULL OR locked_until <= $1) RETURNING id")
            .bind(now).bind(id).fetch_optional(c).await)?;
        if cleared.is_some() { AttemptOutcome::Success } else { AttemptOutcome::Locked }
    } else {
        let until = now + i64::from(policy.lockout_minutes) * 60_000;
        let locked: Option<i64> = crate::on_tx!(tx, c => sqlx::query_scalar(
            "UPDATE accounts SET locked_until = $1, updated_at = $2 \
             WHERE id = $3 AND failed_count >= $4 AND (locked_until IS NULL OR locked_until <= $2) RETURNING id")
            .bind(until).bind(now).bind(id).bind(i64::from(policy.max_failures)).fetch_optional(c).await)?;
        AttemptOutcome::Failure { locked_now: locked.is_some() }
    };
    tx.commit().await?;
    Ok(outcome)
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    account_id: i64,
    created_at: i64,
    last_seen_at: i64,
    csrf_token: String,
    mfa_pending: bool,
}

crate::sqlite_row! {
    #[derive(sqlx::FromRow)]
    struct PathRow { path: String }
}

/// The session read of [`authenticate`]: `sessions` alone (a reference table), never
/// joined to the distributed `orgs` and `members` (the shard-pruning test on Citus
/// explains this text).
#[doc(hidden)]
pub const SESSION_SQL: &str =
    "SELECT account_id, created_at, last_seen_at, csrf_token, mfa_pending FROM sessions WHERE token_hash = $1";

/// The scope root's path, by `(region_id, id)`.
#[doc(hidden)]
pub const SCOPE_PATH_SQL: &str = "SELECT path FROM orgs WHERE region_id = $1 AND id = $2";

/// A member's branch path, by `(region_id, id)`, the join on the same region key.
#[doc(hidden)]
pub const MEMBER_BRANCH_PATH_SQL: &str = "SELECT o.path FROM members m JOIN orgs o ON o.region_id = m.region_id AND o.id = m.org_id WHERE m.region_id = $1 AND m.id = $2";

/// The path of the org an account is scoped to: one single-shard read by
/// `(region_id, id)` (on Citus, a region-keyed read never leaves its shard).
async fn scope_path(db: &Db, region_id: Option<i64>, org_id: Option<i64>) -> StoreResult<Option<String>> {
    let (Some(region_id), Some(org_id)) = (region_id, org_id) else { return Ok(None) };
    let row = crate::point_read!(db, PathRow, SCOPE_PATH_SQL, region_id, org_id)?;
    Ok(row.map(|r| r.path))
}

/// The path of a member's branch: one single-shard read by `(region_id, id)`, the
/// member's row joined to its org on the same region key.
async fn member_branch_path(db: &Db, region_id: Option<i64>, member_id: Option<i64>) -> StoreResult<Option<String>> {
    let (Some(region_id), Some(member_id)) = (region_id, member_id) else { return Ok(None) };
    let row = crate::point_read!(db, PathRow, MEMBER_BRANCH_PATH_SQL, region_id, member_id)?;
    Ok(row.map(|r| r.path))
}

/// Resolves a session token to the account and its scope; `None` when the token is
/// unknown, expired (idle or absolute) or the account disabled.
pub async fn authenticate(db: &Db, token: &str, ip: &str) -> StoreResult<Option<Session>> {
    if token.len() != 64 {
        return Ok(None);
    }
    let token_hash = db.crypto().lookup_hash(token);
    let now = db.clock().now_ms();
    if let Some((cached, at)) = db.session_cache().get(&token_hash)
        && now >= *at
        && now - *at < CACHE_MS
    {
        let mut s = cached.clone();
        s.scope.actor.ip = ip.to_string();
        return Ok(Some(s));
    }
    // The session and the account are reference tables; the org and member rows that
    // give the reach are read afterwards by their region key, never joined to them (on
    // Citus such a join pulls whole distributed tables to the coordinator).
    let session: Option<SessionRow> =
        crate::read!(db, c => sqlx::query_as(SESSION_SQL).bind(&token_hash).fetch_optional(c).await)?;
    let Some(s) = session else { return Ok(None) };
    let account = account(db, s.account_id).await?;
    let policy = db.rules().login.clone();
    if account.disabled || session_state(s.created_at, s.last_seen_at, now, &policy) != SessionState::Alive {
        revoke(db, &token_hash).await?;
        return Ok(None);
    }
    if now - s.last_seen_at > TOUCH_EVERY_MS {
        let mut tx = db.begin().await?;
        crate::exec_tx!(tx, c => sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2").bind(now).bind(&token_hash).execute(c).await)?;
        tx.commit().await?;
    }
    let role = account.role();
    let reach = match role {
        Role::Member => match (account.member_id, member_branch_path(db, account.member_region_id, account.member_id).await?) {
            (Some(member_id), Some(branch_path)) => Reach::OwnRecord { member_id, branch_path },
            _ => Reach::Nothing,
        },
        Role::Auditor | Role::SysAdmin | Role::SecAdmin => Reach::Nothing,
        _ => match scope_path(db, account.scope_region_id, account.scope_org_id).await? {
            Some(root_path) => Reach::Subtree { root_path },
            None => Reach::Nothing,
        },
    };
    let region_id = match role {
        Role::Member => account.member_region_id,
        _ => account.scope_region_id,
    }
    .unwrap_or(0);
    let scope = Scope {
        actor: Actor { account_id: account.id, name: account.username.clone(), ip: ip.to_string() },
        role,
        region_id,
        reach,
        member_id: account.member_id,
        scope_org_id: account.scope_org_id,
    };
    let session = Session { account, scope, csrf_token: s.csrf_token, token_hash, mfa_pending: s.mfa_pending };
    let mut cache = db.session_cache();
    if cache.len() > 50_000 {
        cache.clear();
    }
    cache.insert(session.token_hash.clone(), (session.clone(), now));
    Ok(Some(session))
}

async fn revoke(db: &Db, token_hash: &[u8]) -> StoreResult<()> {
    db.forget_sessions();
    let mut tx = db.begin().await?;
    crate::exec_tx!(tx, c => sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(c).await)?;
    tx.commit().await
}

/// Ends one session.
pub async fn logout(db: &Db, session: &Session) -> StoreResult<()> {
    db.forget_sessions();
    let mut tx = db.begin().await?;
    crate::exec_tx!(tx, c => sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(&session.token_hash).execute(c).await)?;
    audit::append(&mut tx, db, &session.scope.actor, Event::ok("auth.logout", format!("account:{}", session.account.id))).await?;
    tx.commit().await
}

/// Changes one's own password; ends every other session of the account.
pub async fn change_password(db: &Db, session: &Session, old: &str, new: &str) -> StoreResult<()> {
    if !verify_password(old, &session.account.password_hash).await {
        audit::record(
            db,
            &session.scope.actor,
            Event::ok("account.password", format!("account:{}", session.account.id)).with_result("failed"),
        )
        .await?;
        return Err(StoreError::invalid("old_password", "password.wrong", "原密码不正确"));
    }
    if old == new {
        return Err(StoreError::invalid("new_password", "password.same", "新密码不能与原密码相同"));
    }
    check_password(new, &db.rules().password, &[&session.account.username]).map_err(|mut e| {
        for err in &mut e.errors {
            err.field = "new_password";
        }
        StoreError::Invalid(e)
    })?;
    let policy = db.rules().password.clone();
    // The current password and the earlier ones kept, newest first: `history` in all.
    let earlier: Vec<String> = crate::read!(db, c => sqlx::query_scalar(
        "SELECT password_hash FROM password_history WHERE account_id = $1 ORDER BY replaced_at DESC, id DESC LIMIT $2")
        .bind(session.account.id).bind(i64::try_from(policy.history.saturating_sub(1)).unwrap_or(0)).fetch_all(c).await)?;
    for old_hash in &earlier {
        if verify_password(new, old_hash).await {
            return Err(StoreError::invalid(
                "new_password",
                "password.reused",
                format!("新密码不能与最近 {} 次使用过的密码相同，请换一个", policy.history),
            ));
        }
    }
    let hash = hash_password(new).await?;
    let now = db.clock().now_ms();
    let mut tx = db.begin().await?;
    crate::exec_tx!(tx, c => sqlx::query("UPDATE accounts SET password_hash = $1, must_change_password = FALSE, one_time_expires_at = NULL, password_changed_at = $2, updated_at = $2 WHERE id = $3")
        .bind(&hash).bind(now).bind(session.account.id).execute(c).await)?;
    if !session.account.has_one_time_password() {
        remember_password(&mut tx, session.account.id, &session.account.password_hash, now).await?;
    }
    crate::exec_tx!(tx, c => sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2")
        .bind(session.account.id).bind(&session.token_hash).execute(c).await)?;
    audit::append(&mut tx, db, &session.scope.actor, Event::ok("account.password", format!("account:{}", session.account.id)))
        .await?;
    tx.commit().await?;
    db.forget_sessions();
    Ok(())
}

/// Keeps a replaced password's hash, so a later change cannot bring it back.
async fn remember_password(tx: &mut Tx, account_id: i64, hash: &str, now: i64) -> StoreResult<()> {
    crate::exec_tx!(tx, c => sqlx::query("INSERT INTO password_history (id, account_id, password_hash, replaced_at) VALUES ($1, $2, $3, $4)")
        .bind(ids::next()).bind(account_id).bind(hash).bind(now).execute(c).await)?;
    Ok(())
}

/// Administrative changes to an account (system administrator only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminAction {
    /// Issue a random one-time password (must be changed at next login, valid 24 h).
    ResetPassword,
    Unlock,
    Disable,
    Enable,
}

/// Applies an administrative action; returns the one-time password for a reset.
pub async fn admin_action(db: &Db, actor: &Actor, id: i64, action: AdminAction) -> StoreResult<Option<String>> {
    let target = account(db, id).await?;
    if action == AdminAction::Disable && target.id == actor.account_id {
        return Err(StoreError::conflict("account.self_disable", "不能停用自己的账户"));
    }
    if action == AdminAction::Enable && grants::creation_unapproved(db, id).await? {
        return Err(StoreError::conflict("account.role_unapproved", "该账户的角色尚未经安全管理员批准，批准后账户自动启用"));
    }
    let now = db.clock().now_ms();
    let mut one_time = None;
    let mut tx = db.begin().await?;
    let code = match action {
        AdminAction::ResetPassword => {
            let p = random_password();
            let hash = hash_password(&p).await?;
            if !target.has_one_time_password() {
                remember_password(&mut tx, id, &target.password_hash, now).await?;
            }
            crate::exec_tx!(tx, c => sqlx::query(
                "UPDATE accounts SET password_hash = $1, must_change_password = TRUE, one_time_expires_at = $2, failed_count = 0, locked_until = NULL, updated_at = $3 WHERE id = $4")
                .bind(&hash).bind(now + ONE_TIME_VALID_MS).bind(now).bind(id).execute(c).await)?;
            one_time = Some(p);
            "account.reset_password"
        }
        AdminAction::Unlock => {
            crate::exec_tx!(tx, c => sqlx::query("UPDATE accounts SET failed_count = 0, locked_until = NULL, updated_at = $1 WHERE id = $2")
                .bind(now).bind(id).execute(c).await)?;
            "account.unlock"
        }
        AdminAction::Disable => {
            crate::exec_tx!(tx, c => sqlx::query("UPDATE accounts SET disabled = TRUE, updated_at = $1 WHERE id = $2").bind(now).bind(id).execute(c).await)?;
            "account.disable"
        }
        AdminAction::Enable => {
            crate::exec_tx!(tx, c => sqlx::query("UPDATE accounts SET disabled = FALSE, updated_at = $1 WHERE id = $2").bind(now).bind(id).execute(c).await)?;
            "account.enable"
        }
    };
    if matches!(action, AdminAction::ResetPassword | AdminAction::Disable) {
        crate::exec_tx!(tx, c => sqlx::query("DELETE FROM sessions WHERE account_id = $1").bind(id).execute(c).await)?;
    }
    audit::append(&mut tx, db, actor, Event::ok(code, format!("account:{id}")).detail(target.username.clone())).await?;
    tx.commit().await?;
    db.forget_sessions();
    Ok(one_time)
}

/// What a role change led to.
#[derive(Debug, Clone)]
pub enum RoleChange {
    /// Applied at once (the 党员 role, or set by the installer or the CLI).
    Applied(AccountRow),
    /// Waiting for a 安全管理员's approval; the account keeps its current role.
    Pending(grants::RoleRequest),
}

/// Changes an account's role and reach (三员分立): nobody changes their own role, and a
/// role that needs approval ([`Role::needs_approval`]) given by a person becomes a
/// pending request for a 安全管理员.
pub async fn set_role(
    db: &Db,
    actor: &Actor,
    id: i64,
    role: Role,
    scope_org_id: Option<i64>,
    member_id: Option<i64>,
) -> StoreResult<RoleChange> {
    let target = account(db, id).await?;
    if target.id == actor.account_id {
        return Err(StoreError::conflict("account.self_role", "不能更改自己账户的角色，请由其他管理员办理"));
    }
    let b = resolve_binding(db, role, scope_org_id, member_id.or(target.member_id)).await?;
    let mut tx = db.begin().await?;
    if actor.account_id != 0 && role.needs_approval() {
        let ask = grants::Ask {
            account_id: id,
            kind: grants::KIND_CHANGE,
            role,
            scope_org_id,
            member_id: member_id.or(target.member_id),
        };
        let rid = grants::file(&mut tx, db, actor, ask).await?;
        tx.commit().await?;
        return Ok(RoleChange::Pending(grants::request(db, rid).await?));
    }
    apply_binding(&mut tx, db, id, role, &b).await?;
    audit::append(
        &mut tx,
        db,
        actor,
        Event::ok("account.role", format!("account:{id}")).detail(format!("{} → {}", target.role, role.label())),
    )
    .await?;
    tx.commit().await?;
    db.forget_sessions();
    Ok(RoleChange::Applied(account(db, id).await?))
}

/// Gives an account a role inside `tx` (an approved request), resolving its reach again.
pub(crate) async fn apply_role(
    tx: &mut Tx,
    db: &Db,
    id: i64,
    role: Role,
    scope_org_id: Option<i64>,
    member_id: Option<i64>,
) -> StoreResult<()> {
    let b = resolve_binding(db, role, scope_org_id, member_id).await?;
    apply_binding(tx, db, id, role, &b).await
}

/// Writes a role and reach and ends the account's sessions, so the change applies at once.
async fn apply_binding(tx: &mut Tx, db: &Db, id: i64, role: Role, b: &Binding) -> StoreResult<()> {
    let now = db.clock().now_ms();
    crate::exec_tx!(tx, c => sqlx::query(
        "UPDATE accounts SET role = $1, scope_region_id = $2, scope_org_id = $3, member_region_id = $4, member_id = $5, phone_hash = $6, updated_at = $7 WHERE id = $8")
        .bind(role.code()).bind(b.scope_region_id).bind(b.scope_org_id).bind(b.member_region_id).bind(b.member_id).bind(&b.phone_hash)
        .bind(now).bind(id).execute(c).await)?;
    crate::exec_tx!(tx, c => sqlx::query("DELETE FROM sessions WHERE account_id = $1").bind(id).execute(c).await)?;
    Ok(())
}

/// On an empty database outside demo mode: the separate administrators (三员分立), each with a random one-time password that must be changed at first login.
pub async fn bootstrap_admins(db: &Db, root_org_id: i64) -> StoreResult<Vec<(String, Role, String)>> {
    if account_count(db).await? > 0 {
        return Ok(Vec::new());
    }
    let actor = Actor::system("bootstrap");
    let mut out = Vec::new();
    for (username, role, scope) in [
        ("sysadmin", Role::SysAdmin, None),
        ("auditor", Role::Auditor, None),
        ("secadmin", Role::SecAdmin, None),
        ("orgadmin", Role::OrgDeptAdmin, Some(root_org_id)),
    ] {
        let (_, pw) = create_account(
            db,
            &actor,
            &NewAccount {
                username: username.into(),
                display_name: role.label().into(),
                role,
                scope_org_id: scope,
                member_id: None,
                password: None,
            },
        )
        .await?;
        out.push((username.to_string(), role, pw.unwrap_or_default()));
    }
    Ok(out)
}
