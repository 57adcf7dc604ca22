//! The second factor (等保三级 身份鉴别 d), security.md A7): TOTP, RFC 6238 (HMAC-SHA1,
//! 30-second steps, 6 digits, one step of clock drift either way), the form every
//! authenticator app reads. The secret is SM4-encrypted at rest; a code is accepted once
//! (the last step used is kept); ten recovery codes are stored only as keyed hashes and
//! each works once.

use super::Session;
use crate::platform::audit::{self, Event};
use crate::{Db, StoreError, StoreResult};
use hmac::{Hmac, KeyInit, Mac};
use rand::{Rng, RngExt};

const CTX_TOTP: &str = "accounts.totp_secret";
/// Seconds per step (RFC 6238's default, what the apps use).
pub const STEP_SECONDS: i64 = 30;
const DIGITS: u32 = 6;
const RECOVERY_CODES: usize = 10;

/// RFC 4226 HOTP: the 6-digit code of `secret` at `counter`.
pub fn hotp(secret: &[u8], counter: u64) -> u32 {
    let mut mac = <Hmac<sha1::Sha1> as KeyInit>::new_from_slice(secret).unwrap_or_else(|_| unreachable!("HMAC accepts any key"));
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = usize::from(h[h.len() - 1] & 0x0f);
    let bin = (u32::from(h[offset]) & 0x7f) << 24
        | u32::from(h[offset + 1]) << 16
        | u32::from(h[offset + 2]) << 8
        | u32::from(h[offset + 3]);
    bin % 10u32.pow(DIGITS)
}

/// The step of an instant (epoch ms).
pub fn step_of(now_ms: i64) -> i64 {
    now_ms.div_euclid(STEP_SECONDS * 1000)
}

/// The code an authenticator shows at `now_ms` (for tests and the enrolment check).
pub fn code_at(secret: &[u8], now_ms: i64) -> String {
    format!("{:06}", hotp(secret, u64::try_from(step_of(now_ms)).unwrap_or(0)))
}

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding (how authenticator apps take a secret).
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buf = (buf << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            out.push(char::from(B32[((buf >> (bits - 5)) & 31) as usize]));
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(char::from(B32[((buf << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Reads base32 (any case, spaces and padding ignored); `None` if it is not base32.
pub fn from_base32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let v = B32.iter().position(|&b| char::from(b) == c.to_ascii_uppercase())? as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push(((buf >> (bits - 8)) & 0xff) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

/// What an account needs to enrol: the secret for the app, as text and as a link.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Enrolment {
    pub secret: String,
    pub otpauth_uri: String,
}

#[derive(sqlx::FromRow)]
struct State {
    totp_secret_enc: Option<Vec<u8>>,
    totp_enabled: bool,
    totp_last_step: Option<i64>,
}

async fn state(db: &Db, account_id: i64) -> StoreResult<State> {
    let s: Option<State> = crate::read!(db, c => sqlx::query_as(
        "SELECT totp_secret_enc, totp_enabled, totp_last_step FROM accounts WHERE id = $1").bind(account_id).fetch_optional(c).await)?;
    s.ok_or(StoreError::NotFound)
}

fn secret_of(db: &Db, s: &State) -> StoreResult<Option<Vec<u8>>> {
    match &s.totp_secret_enc {
        None => Ok(None),
        Some(sealed) => {
            db.crypto().decrypt_str(sealed, CTX_TOTP).and_then(|t| from_base32(&t)).map(Some).ok_or(StoreError::Crypto)
        }
    }
}

/// Starts (or restarts) enrolment: a fresh 160-bit secret, kept but not in force until a
/// code from it is confirmed. An account with a second factor in force must keep it.
pub async fn begin_enrolment(db: &Db, session: &Session) -> StoreResult<Enrolment> {
    let st = state(db, session.account.id).await?;
    if st.totp_enabled {
        return Err(StoreError::conflict("totp.enabled", "已启用动态口令；如需更换，请联系系统管理员重置"));
    }
    let mut raw = [0u8; 20];
    rand::rng().fill_bytes(&mut raw);
    let secret = base32(&raw);
    let sealed = db.crypto().encrypt_str(&secret, CTX_TOTP);
    let mut tx = db.begin().await?;
    crate::exec_tx!(tx, c => sqlx::query("UPDATE accounts SET totp_secret_enc = $1, totp_enabled = FALSE, totp_last_step = NULL WHERE id = $2")
        .bind(&sealed).bind(session.account.id).execute(c).await)?;
    tx.commit().await?;
    let label = session.account.username.replace(|c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '-' && c != '_', "");
    Ok(Enrolment {
        otpauth_uri: format!("otpauth://totp/Vanguard:{label}?secret={secret}&issuer=Vanguard&algorithm=SHA1&digits=6&period=30"),
        secret,
    })
}

/// Accepts `code` for `account_id` once: a code of the current step or one either side,
/// later than the last step used (so a seen code cannot be replayed), decided and
/// recorded in one statement.
async fn accept_code(db: &Db, account_id: i64, secret: &[u8], code: &str, last: Option<i64>) -> StoreResult<bool> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(false);
    }
    let now = step_of(db.clock().now_ms());
    for step in [now - 1, now, now + 1] {
        if last.is_some_and(|l| step <= l) || format!("{:06}", hotp(secret, u64::try_from(step).unwrap_or(0))) != code {
            continue;
        }
        let mut tx = db.begin().await?;
        let taken: Option<i64> = crate::on_tx!(tx, c => sqlx::query_scalar(
            "UPDATE accounts SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1) RETURNING id")
            .bind(step).bind(account_id).fetch_optional(c).await)?;
        tx.commit().await?;
        return Ok(taken.is_some());
    }
    Ok(false)
}

fn random_recovery_code() -> String {
    const SET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let s: String = (0..10).map(|_| char::from(SET[rng.random_range(0..SET.len())])).collect();
    format!("{}-{}", &s[..5], &s[5..])
}

/// Confirms enrolment with a code from the app: the second factor is in force from now,
/// and the ten recovery codes are returned (shown once; only their hashes are kept).
pub async fn confirm_enrolment(db: &Db, session: &Session, code: &str) -> StoreResult<Vec<String>> {
    let st = state(db, session.account.id).await?;
    let Some(secret) = secret_of(db, &st)? else {
        return Err(StoreError::conflict("totp.not_started", "请先开始绑定动态口令，再输入应用显示的6位数字"));
    };
    if st.totp_enabled {
        return Err(StoreError::conflict("totp.enabled", "已启用动态口令"));
    }
    if !accept_code(db, session.account.id, &secret, code, st.totp_last_step).await? {
        return Err(StoreError::invalid("code", "totp.wrong", "动态口令不正确或已过期，请输入应用当前显示的6位数字"));
    }
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| random_recovery_code()).collect();
    let mut tx = db.begin().await?;
    crate::exec_tx!(tx, c => sqlx::query("UPDATE accounts SET totp_enabled = TRUE WHERE id = $1").bind(session.account.id).execute(c).await)?;
    crate::exec_tx!(tx, c => sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1").bind(session.account.id).execute(c).await)?;
    for code in &codes {
        let h = db.crypto().lookup_hash(&format!("recovery:{}:{code}", session.account.id));
        crate::exec_tx!(tx, c => sqlx::query("INSERT INTO recovery_codes (account_id, code_hash) VALUES ($1, $2)")
            .bind(session.account.id).bind(&h).execute(c).await)?;
    }
    audit::append(&mut tx, db, &session.scope.actor, Event::ok("auth.totp_enrol", format!("account:{}", session.account.id)))
        .await?;
    tx.commit().await?;
    db.forget_sessions();
    Ok(codes)
}

/// Completes a login whose second factor is owed: a current code or an unused recovery
/// code clears the session's pending mark. Every attempt is audited.
pub async fn verify_session(db: &Db, session: &Session, code: &str) -> StoreResult<bool> {
    if !session.mfa_pending {
        return Err(StoreError::conflict("totp.not_pending", "本次登录无需再输入动态口令"));
    }
    let st = state(db, session.account.id).await?;
    let secret = secret_of(db, &st)?.ok_or(StoreError::conflict("totp.not_enabled", "该账户未启用动态口令"))?;
    let mut ok = accept_code(db, session.account.id, &secret, code, st.totp_last_step).await?;
    let mut how = "动态口令";
    if !ok {
        let h = db.crypto().lookup_hash(&format!("recovery:{}:{}", session.account.id, code.trim().to_lowercase()));
        let mut tx = db.begin().await?;
        let used: Option<i64> = crate::on_tx!(tx, c => sqlx::query_scalar(
            "UPDATE recovery_codes SET used_at = $1 WHERE account_id = $2 AND code_hash = $3 AND used_at IS NULL RETURNING account_id")
            .bind(db.clock().now_ms()).bind(session.account.id).bind(&h).fetch_optional(c).await)?;
        tx.commit().await?;
        ok = used.is_some();
        how = "恢复码";
    }
    let mut tx = db.begin().await?;
    let object = format!("account:{}", session.account.id);
    if ok {
        crate::exec_tx!(tx, c => sqlx::query("UPDATE sessions SET mfa_pending = FALSE WHERE token_hash = $1")
            .bind(&session.token_hash).execute(c).await)?;
        audit::append(&mut tx, db, &session.scope.actor, Event::ok("auth.second_factor", object).detail(how)).await?;
    } else {
        audit::append(&mut tx, db, &session.scope.actor, Event::ok("auth.second_factor", object).with_result("failed")).await?;
    }
    tx.commit().await?;
    db.forget_sessions();
    Ok(ok)
}

/// Whether the account's second factor is in force.
pub async fn enabled(db: &Db, account_id: i64) -> StoreResult<bool> {
    Ok(state(db, account_id).await?.totp_enabled)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 rows (8 digits there; the low 6 are what 6-digit
    /// apps show).
    #[test]
    fn rfc6238_test_vectors() {
        let secret = b"12345678901234567890";
        for (t, want) in
            [(59i64, 94_287_082u32), (1_111_111_109, 7_081_804), (1_234_567_890, 89_005_924), (2_000_000_000, 69_279_037)]
        {
            assert_eq!(hotp(secret, u64::try_from(t / 30).unwrap()), want % 1_000_000, "T = {t}");
        }
    }

    #[test]
    fn base32_round_trips() {
        let raw = b"12345678901234567890";
        assert_eq!(base32(raw), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(from_base32("gezd gnbv gy3t qojq gezd gnbv gy3t qojq").unwrap(), raw);
    }
}
