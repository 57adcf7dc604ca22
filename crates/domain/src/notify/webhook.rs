//! Group robots (群机器人): the address an org's administrator configures, the JSON body
//! each robot kind expects, and the retry schedule.
//!
//! 企业微信: `POST {"msgtype":"text","text":{"content":…}}` or
//! `{"msgtype":"markdown","markdown":{"content":…}}`, answered `{"errcode":0,…}`.
//! 钉钉: `{"msgtype":"text","text":{"content":…}}` or
//! `{"msgtype":"markdown","markdown":{"title":…,"text":…}}`; with 加签 the address carries
//! `&timestamp=<ms>&sign=<urlencoded base64 HmacSHA256(secret, "<ms>\n<secret>")>`.

use super::NotifyRules;
use crate::kernel::error::Invalid;
use serde_json::{Value, json};

labelled_enum! {
    /// 机器人类型.
    pub enum RobotKind {
        Wecom = ("wecom", "企业微信群机器人"),
        Dingtalk = ("dingtalk", "钉钉群机器人"),
    }
}

/// The longest address accepted, in bytes.
pub const URL_MAX: usize = 512;
/// The longest 钉钉 signing secret accepted, in bytes.
pub const SECRET_MAX: usize = 128;

/// Checks a robot's address: `http://` or `https://`, a host, no spaces, no user name or
/// password in it, at most [`URL_MAX`] bytes.
pub fn check_webhook_url(url: &str) -> Result<(), Invalid> {
    let bad = |m: &str| Err(Invalid::one("url", "notify.url", m.to_string()));
    let url = url.trim();
    if url.is_empty() {
        return bad("请填写机器人的 Webhook 地址");
    }
    if url.len() > URL_MAX {
        return bad(&format!("Webhook 地址过长（不超过{URL_MAX}个字符），请核对后重新粘贴"));
    }
    let Some(rest) = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")) else {
        return bad("Webhook 地址须以 https:// 或 http:// 开头，请从群机器人设置中复制完整地址");
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("Webhook 地址中不能有空格或换行，请重新复制");
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return bad("Webhook 地址中不能包含用户名或密码");
    }
    let host = authority
        .rsplit_once(':')
        .map_or(authority, |(h, port)| if port.chars().all(|c| c.is_ascii_digit()) && !port.is_empty() { h } else { authority });
    if host.is_empty() || !host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':')) {
        return bad("Webhook 地址中的主机名无效，请从群机器人设置中复制完整地址");
    }
    Ok(())
}

/// Checks a 钉钉 signing secret (empty: no 加签).
pub fn check_secret(secret: &str) -> Result<(), Invalid> {
    if secret.len() > SECRET_MAX || secret.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Invalid::one(
            "secret",
            "notify.secret",
            format!("加签密钥应为不超过{SECRET_MAX}个字符、不含空格的一串字符（以 SEC 开头），请重新复制"),
        ));
    }
    Ok(())
}

/// The JSON body a robot expects for a message: markdown with a bold title, or plain text.
pub fn robot_body(kind: RobotKind, markdown: bool, title: &str, text: &str) -> Value {
    match (kind, markdown) {
        (_, false) => json!({"msgtype": "text", "text": {"content": format!("{title}\n{text}")}}),
        (RobotKind::Wecom, true) => json!({"msgtype": "markdown", "markdown": {"content": format!("**{title}**\n{text}")}}),
        (RobotKind::Dingtalk, true) => {
            json!({"msgtype": "markdown", "markdown": {"title": title, "text": format!("#### {title}\n{text}")}})
        }
    }
}

/// What 钉钉 signs: `"<timestamp ms>\n<secret>"`.
pub fn dingtalk_string_to_sign(timestamp_ms: i64, secret: &str) -> String {
    format!("{timestamp_ms}\n{secret}")
}

/// The address with 钉钉's signature parameters (`sign_b64`: the base64 HMAC).
pub fn dingtalk_signed_url(url: &str, timestamp_ms: i64, sign_b64: &str) -> String {
    let encoded: String = sign_b64
        .chars()
        .map(|c| match c {
            '+' => "%2B".to_string(),
            '/' => "%2F".to_string(),
            '=' => "%3D".to_string(),
            c => c.to_string(),
        })
        .collect();
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}timestamp={timestamp_ms}&sign={encoded}")
}

/// Whether a robot's answer means delivered: HTTP 2xx and, when the body is JSON with an
/// `errcode`, that code is 0 (both robots answer 200 with a non-zero code on refusal).
pub fn robot_accepted(status: u16, body: &[u8]) -> Result<(), String> {
    if !(200..300).contains(&status) {
        return Err(format!("HTTP {status}"));
    }
    match serde_json::from_slice::<Value>(body).ok().and_then(|v| v.get("errcode").and_then(Value::as_i64)) {
        Some(0) | None => Ok(()),
        Some(code) => Err(format!("机器人拒收（errcode {code}）")),
    }
}

/// When to try again after failed attempt number `attempt` (1-based), in ms after the
/// failure: the first wait, doubled each time; `None` once the attempts are used up.
pub fn backoff_ms(rules: &NotifyRules, attempt: u32) -> Option<i64> {
    if attempt >= rules.max_attempts {
        return None;
    }
    let first = i64::from(rules.backoff_first_seconds.max(1)) * 1000;
    Some(first.saturating_mul(1i64 << attempt.saturating_sub(1).min(20)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_robot_address_must_be_http_or_https_with_a_host_and_bounded() {
        assert!(check_webhook_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc").is_ok());
        assert!(check_webhook_url("http://127.0.0.1:8080/hook").is_ok());
        for bad in [
            "",
            "ftp://x/y",
            "javascript:alert(1)",
            "https://",
            "https://user:pw@host/x",
            "https://ho st/x",
            "file:///etc/passwd",
        ] {
            assert!(check_webhook_url(bad).is_err(), "{bad}");
        }
        let long = format!("https://a.cn/{}", "x".repeat(URL_MAX));
        assert!(check_webhook_url(&long).is_err());
    }

    #[test]
    fn wecom_and_dingtalk_bodies_follow_each_robots_shape() {
        let w = robot_body(RobotKind::Wecom, false, "标题", "内容");
        assert_eq!(w["msgtype"], "text");
        assert_eq!(w["text"]["content"], "标题\n内容");
        let w = robot_body(RobotKind::Wecom, true, "标题", "内容");
        assert_eq!(w["markdown"]["content"], "**标题**\n内容");
        let d = robot_body(RobotKind::Dingtalk, true, "标题", "内容");
        assert_eq!(d["markdown"]["title"], "标题");
        assert_eq!(d["markdown"]["text"], "#### 标题\n内容");
    }

    #[test]
    fn the_dingtalk_signature_is_url_encoded_onto_the_address() {
        assert_eq!(dingtalk_string_to_sign(1700000000000, "SECabc"), "1700000000000\nSECabc");
        assert_eq!(
            dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=t", 17, "a+b/c="),
            "https://oapi.dingtalk.com/robot/send?access_token=t&timestamp=17&sign=a%2Bb%2Fc%3D"
        );
    }

    #[test]
    fn a_robot_refusal_with_status_200_is_a_failure() {
        assert!(robot_accepted(200, br#"{"errcode":0,"errmsg":"ok"}"#).is_ok());
        assert!(robot_accepted(200, br#"{"errcode":93000,"errmsg":"invalid webhook url"}"#).is_err());
        assert!(robot_accepted(500, b"").is_err());
        assert!(robot_accepted(204, b"").is_ok());
    }

    #[test]
    fn retries_wait_twice_as_long_each_time_and_stop_after_the_last_attempt() {
        let r = NotifyRules { max_attempts: 4, backoff_first_seconds: 30, ..NotifyRules::default() };
        assert_eq!(backoff_ms(&r, 1), Some(30_000));
        assert_eq!(backoff_ms(&r, 2), Some(60_000));
        assert_eq!(backoff_ms(&r, 3), Some(120_000));
        assert_eq!(backoff_ms(&r, 4), None);
    }
}
