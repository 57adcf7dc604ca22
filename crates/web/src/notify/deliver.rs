//! The background worker that posts queued group messages to the robots (企业微信, 钉钉):
//! what is due is read from the outbox, leased, posted once with a time limit, and each
//! attempt is logged; a failure is retried after the rules' backoff
//! (`domain::notify::backoff_ms`), until the attempts are used up. Requests that produce
//! notifications never wait for this: they only write the outbox.
//!
//! The client is hyper's own HTTP/1 connection over a tokio socket (no connection pool,
//! one message per connection: robots are posted to a few times a day). Plain `http://`
//! only: this build carries no TLS library, so an `https://` robot is logged as failed
//! with the reason until one is configured behind an outbound proxy or TLS is added.

use base64::Engine as _;
use hmac::{KeyInit, Mac};
use http_body_util::BodyExt;
use std::time::{Duration, Instant};
use vanguard_domain::notify::webhook::{dingtalk_signed_url, dingtalk_string_to_sign, robot_accepted};
use vanguard_domain::notify::{RobotKind, robot_body};
use vanguard_store::notify::DueDelivery;
use vanguard_store::notify::webhooks::{Attempt, claim, due, record};
use vanguard_store::{Db, StoreResult};

/// How long one post may take, connection included.
pub const POST_TIMEOUT: Duration = Duration::from_secs(10);
/// A claimed message is someone else's to retry after this long (a worker that died).
const LEASE_MS: i64 = 60_000;
/// The most of a robot's answer read.
const ANSWER_MAX: usize = 64 * 1024;

/// Runs forever: delivers what is due every `every`.
pub async fn run(db: Db, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        if let Err(e) = deliver_due(&db).await {
            tracing::error!(error = %e, "群通知发送失败：无法读取待发消息");
        }
    }
}

/// Delivers every message due now (at most 50 a round); answers how many were attempted.
pub async fn deliver_due(db: &Db) -> StoreResult<usize> {
    let now = db.clock().now_ms();
    let mut attempted = 0;
    for d in due(db, now, 50).await? {
        if !claim(db, &d, now + LEASE_MS).await? {
            continue;
        }
        let a = send(&d, db.clock().now_ms()).await;
        let state = record(db, &d, &a).await?;
        if !a.ok {
            tracing::warn!(webhook = d.webhook_id, outbox = d.outbox_id, error = %a.error, state, "群通知发送未成功");
        }
        attempted += 1;
    }
    Ok(attempted)
}

/// One post of a message, timed.
async fn send(d: &DueDelivery, now_ms: i64) -> Attempt {
    let body = robot_body(d.robot, d.markdown, &d.title, &d.text).to_string();
    let url = match (&d.secret, d.robot) {
        (Some(secret), RobotKind::Dingtalk) => dingtalk_signed_url(&d.url, now_ms, &dingtalk_sign(secret, now_ms)),
        _ => d.url.clone(),
    };
    let started = Instant::now();
    let outcome = tokio::time::timeout(POST_TIMEOUT, post(&url, body)).await;
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    match outcome {
        Ok(Ok((status, answer))) => match robot_accepted(status, &answer) {
            Ok(()) => Attempt { ok: true, status: Some(status), error: String::new(), duration_ms },
            Err(e) => Attempt { ok: false, status: Some(status), error: e, duration_ms },
        },
        Ok(Err(e)) => Attempt { ok: false, status: None, error: e, duration_ms },
        Err(_) => Attempt { ok: false, status: None, error: format!("{}秒内未答复", POST_TIMEOUT.as_secs()), duration_ms },
    }
}

/// 钉钉's signature: base64 of HmacSHA256(secret, "<ms>\n<secret>").
fn dingtalk_sign(secret: &str, now_ms: i64) -> String {
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else { return String::new() };
    mac.update(dingtalk_string_to_sign(now_ms, secret).as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Posts a JSON body; answers the status and the start of the answer.
async fn post(url: &str, body: String) -> Result<(u16, Vec<u8>), String> {
    if url.starts_with("https://") {
        return Err("本服务器未内置 TLS，无法直接发送到 https 地址；请由系统管理员配置出站代理后改用 http 地址".into());
    }
    let rest = url.strip_prefix("http://").ok_or("Webhook 地址须以 http:// 或 https:// 开头")?;
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) if rest[i..].starts_with('/') => (&rest[..i], rest[i..].to_string()),
        Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
        None => (rest, "/".to_string()),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => (h, p.parse::<u16>().map_err(|_| "端口无效")?),
        _ => (authority, 80),
    };
    let stream = tokio::net::TcpStream::connect((host.trim_start_matches('[').trim_end_matches(']'), port))
        .await
        .map_err(|e| format!("无法连接 {authority}：{e}"))?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
        .await
        .map_err(|e| format!("连接失败：{e}"))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let req = hyper::Request::post(path)
        .header(hyper::header::HOST, authority)
        .header(hyper::header::CONTENT_TYPE, "application/json; charset=utf-8")
        .header(hyper::header::USER_AGENT, "vanguard-notify")
        .body(body)
        .map_err(|e| format!("请求无效：{e}"))?;
    let resp = sender.send_request(req).await.map_err(|e| format!("发送失败：{e}"))?;
    let status = resp.status().as_u16();
    let limited = http_body_util::Limited::new(resp.into_body(), ANSWER_MAX);
    let answer = limited.collect().await.map(|b| b.to_bytes().to_vec()).unwrap_or_default();
    Ok((status, answer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dingtalk_signature_is_the_base64_hmac_sha256_of_timestamp_and_secret() {
        // The example of 钉钉's documentation, computed independently with openssl:
        // printf '1700000000000\nSECtest' | openssl dgst -sha256 -hmac SECtest -binary | base64
        assert_eq!(dingtalk_sign("SECtest", 1_700_000_000_000), EXPECTED_SIGN);
    }

    const EXPECTED_SIGN: &str = include_str!("dingtalk_sign_fixture.txt");
}
