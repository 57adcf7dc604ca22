//! Repeated refusals of requests nobody is logged in for (rate-limited logins): counted
//! per (address, kind, window) in one row, so a flood from one address adds one row and
//! one audit record per window instead of one per request (issue 10 §2: 10 s of refused
//! logins had added 29,327 audit records).

use crate::platform::audit::{self, Event};
use crate::platform::scope::Actor;
use crate::{Db, StoreResult};

/// The length of one counting window: 10 minutes.
pub const WINDOW_MS: i64 = 600_000;

/// Counts one refusal; the first of its (address, kind, window) is also audited (with
/// the window's start, so the count can be looked up). Returns the count so far.
pub async fn note(db: &Db, address: &str, kind: &'static str, login: &str) -> StoreResult<i64> {
    let address: String = address.chars().take(64).collect();
    let mut tx = db.begin().await?;
    let (count, window) = bump(&mut tx, db, &address, kind).await?;
    if count == 1 {
        let actor = Actor { account_id: 0, name: login.chars().take(40).collect(), ip: address.clone() };
        audit::append(
            &mut tx,
            db,
            &actor,
            Event::ok(kind, "login")
                .with_result("denied")
                .detail(format!("本时段（10分钟）内此地址的同类拒绝只记录这一条，次数见 refusals:{window}")),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(count)
}

/// Adds one to the (address, kind, window) row of now: the count so far and the window.
async fn bump(tx: &mut crate::Tx, db: &Db, address: &str, kind: &'static str) -> StoreResult<(i64, i64)> {
    let now = db.clock().now_ms();
    let window = now - now.rem_euclid(WINDOW_MS);
    let count: i64 = crate::on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO refusals (address, kind, window_start, count, first_at, last_at) VALUES ($1, $2, $3, 1, $4, $4) \
         ON CONFLICT (address, kind, window_start) DO UPDATE SET count = refusals.count + 1, last_at = excluded.last_at \
         RETURNING count")
        .bind(address).bind(kind).bind(window).bind(now).fetch_one(c).await)?;
    Ok((count, window))
}

/// Counts one refused login in its (address, kind, window) row, without an audit record
/// of its own (the login writes one). A login refused without a password check against
/// an account's row — unknown user, disabled or locked account — writes here where a
/// wrong password writes its account's failure count, so that every failing login
/// commits one real write and none answers faster than the others.
pub async fn count_attempt(db: &Db, address: &str, kind: &'static str) -> StoreResult<i64> {
    let address: String = address.chars().take(64).collect();
    let mut tx = db.begin().await?;
    let (count, _) = bump(&mut tx, db, &address, kind).await?;
    tx.commit().await?;
    Ok(count)
}

/// How many refusals of `kind` an address had in the window holding `at_ms`.
pub async fn count(db: &Db, address: &str, kind: &str, at_ms: i64) -> StoreResult<i64> {
    let window = at_ms - at_ms.rem_euclid(WINDOW_MS);
    let n: Option<i64> = crate::read!(db, c => sqlx::query_scalar(
        "SELECT count FROM refusals WHERE address = $1 AND kind = $2 AND window_start = $3")
        .bind(address).bind(kind).bind(window).fetch_optional(c).await)?;
    Ok(n.unwrap_or(0))
}

/// Forgets windows older than `keep_ms` (the rows are a counter, the audit record stays).
pub async fn prune(db: &Db, keep_ms: i64) -> StoreResult<u64> {
    let before = db.clock().now_ms() - keep_ms;
    let mut tx = db.begin().await?;
    let n = crate::exec_tx!(tx, c => sqlx::query("DELETE FROM refusals WHERE window_start < $1").bind(before).execute(c).await)?;
    tx.commit().await?;
    Ok(n)
}
