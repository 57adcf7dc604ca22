//! What a user can send must not stop the platform or reach what it must not: open
//! redirects after login, slow and stalled clients, too many connections, forged client
//! addresses, unreadable filters and times, and errors that must not be dropped. And
//! what support needs: a correlation id on every error, the same in the answer and in
//! the log.

use crate::fixture::{Caller, M, Org, PASSWORD, Resp, Server, fixtures, has_chinese};
use reqwest::Method;
use serde_json::{Value, json};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use vanguard_web::AppState;

/// Plain-HTTP cookies, a login limiter tests do not run into, and the given limits.
fn state_with(db: &vanguard_store::Db, f: impl FnOnce(&mut vanguard_web::server::ServerConfig)) -> AppState {
    let mut state = AppState::new(db.clone());
    state.secure_cookies = false;
    state.login_limiter = vanguard_web::limiter::LoginLimiter::new(10_000, 60);
    f(&mut state.server);
    state
}

fn addr(server: &Server) -> String {
    server.base.trim_start_matches("http://").to_string()
}

/// Reads until the server closes the connection; returns what it sent and how long it
/// took, or `None` if it was still open after `limit`.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> Option<(String, Duration)> {
    let started = Instant::now();
    let mut buf = Vec::new();
    match tokio::time::timeout(limit, stream.read_to_end(&mut buf)).await {
        Ok(_) => Some((String::from_utf8_lossy(&buf).into_owned(), started.elapsed())),
        Err(_) => None,
    }
}

// ---- Open redirect after login ----------------------------------------------------------

/// Where a browser would go for a `Location` value: another site unless it is a plain
/// path (browsers drop tabs and newlines, read `\` as `/`, and take `//host`,
/// `/\host` and `scheme:host` elsewhere).
fn stays_on_site(location: &str) -> bool {
    let cleaned: String = location.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    let cleaned = cleaned.replace('\\', "/");
    let cleaned = cleaned.trim_start_matches(|c: char| c.is_whitespace() || c.is_control());
    cleaned.starts_with('/') && !cleaned.starts_with("//")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_follows_only_same_site_paths_whatever_the_encoding_of_next() {
    // (next as sent in the form body, percent-encoded; where the login must lead)
    let cases: &[(&str, &str)] = &[
        ("%2Fmembers%3Fpage%3D2", "/members?page=2"),
        ("%2Forgs%2F12%23tree", "/orgs/12#tree"),
        ("%2F%09%2Fevil.com", "/"),
        ("%2F%2Fevil.com", "/"),
        ("%2F%5Cevil.com", "/"),
        ("%5C%5Cevil.com", "/"),
        ("%5Cevil.com", "/"),
        ("%2F%255Cevil.com", "/"),
        ("%2F%252F%252Fevil.com", "/"),
        ("https%3Aevil.com", "/"),
        ("https%3A%2F%2Fevil.com%2F", "/"),
        ("http%3A%2Fevil.com", "/"),
        ("%2F%2F%09evil.com", "/"),
        ("%09%2F%2Fevil.com", "/"),
        ("%2F%0A%2Fevil.com", "/"),
        ("%2F%0D%0ALocation%3A%20http%3A%2F%2Fevil.com", "/"),
        ("%2F%00%2Fevil.com", "/"),
        ("%2F%E3%80%80%2Fevil.com", "/"),
        ("%20%2F%2Fevil.com", "/"),
        ("javascript%3Aalert(1)", "/"),
        ("evil.com", "/"),
        ("", "/"),
    ];
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        for (next, expected) in cases {
            let body = format!("login=street&password={}&next={next}", PASSWORD.replace('@', "%40"));
            let r = server
                .request(Method::POST, "/login", None)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .expect("login");
            let r = Resp::read(r).await;
            assert_eq!(r.status, 303, "[{}] next={next}: {}", fx.backend, r.text);
            let location = r.header("location");
            assert_eq!(location, *expected, "[{}] next={next}", fx.backend);
            assert!(stays_on_site(location), "[{}] next={next} leads off site: {location:?}", fx.backend);
        }
    }
}

// ---- Slow clients -----------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_sending_half_a_header_is_cut_off_at_the_header_timeout() {
    for (_t, fx) in fixtures().await {
        let server = Server::start(state_with(&fx.db, |c| c.header_read_timeout = Duration::from_secs(1))).await;
        let mut slow = TcpStream::connect(addr(&server)).await.expect("connect");
        slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ").await.expect("partial header");
        let closed = read_until_closed(&mut slow, Duration::from_secs(6)).await;
        let (_, took) = closed.unwrap_or_else(|| panic!("[{}] a half-sent header held the connection open", fx.backend));
        assert!(took >= Duration::from_millis(800), "[{}] closed before the timeout: {took:?}", fx.backend);
        // A connection that says nothing at all is closed the same way.
        let mut silent = TcpStream::connect(addr(&server)).await.expect("connect");
        assert!(read_until_closed(&mut silent, Duration::from_secs(6)).await.is_some(), "[{}] silent connection", fx.backend);
        // The server still answers everyone else.
        let ok = server.client.get(server.url("/healthz")).send().await.expect("healthz");
        assert_eq!(ok.status(), 200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_or_endless_body_is_answered_408_and_the_connection_closed() {
    for (_t, fx) in fixtures().await {
        let server = Server::start(state_with(&fx.db, |c| {
            c.body_idle_timeout = Duration::from_secs(1);
            c.body_read_timeout = Duration::from_secs(3);
        }))
        .await;
        let head = |len: u64| {
            format!(
                "POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n\r\n"
            )
        };
        // Declares 1,000 bytes, sends 10, then nothing.
        let mut stalled = TcpStream::connect(addr(&server)).await.expect("connect");
        stalled.write_all(format!("{}{{\"login\":", head(1000)).as_bytes()).await.expect("send");
        let (answer, took) = read_until_closed(&mut stalled, Duration::from_secs(8))
            .await
            .unwrap_or_else(|| panic!("[{}] a stalled body held the connection open", fx.backend));
        assert!(answer.starts_with("HTTP/1.1 408"), "[{}] {answer}", fx.backend);
        assert!(answer.contains("body.timeout") && answer.contains("correlation_id"), "[{}] {answer}", fx.backend);
        assert!(took < Duration::from_secs(4), "[{}] took {took:?}", fx.backend);

        // Drips a byte every 500 ms (never idle for 1 s): cut off at the 3 s deadline.
        let mut drip = TcpStream::connect(addr(&server)).await.expect("connect");
        drip.write_all(head(1000).as_bytes()).await.expect("send");
        let started = Instant::now();
        let dripping = tokio::spawn(async move {
            let mut answer = Vec::new();
            for _ in 0..30 {
                if drip.write_all(b" ").await.is_err() {
                    break;
                }
                let mut buf = [0u8; 4096];
                match tokio::time::timeout(Duration::from_millis(500), drip.read(&mut buf)).await {
                    Ok(Ok(0)) | Ok(Err(_)) => break,
                    Ok(Ok(n)) => answer.extend_from_slice(&buf[..n]),
                    Err(_) => {}
                }
            }
            String::from_utf8_lossy(&answer).into_owned()
        });
        let answer = dripping.await.expect("drip");
        let took = started.elapsed();
        assert!(answer.starts_with("HTTP/1.1 408"), "[{}] {answer}", fx.backend);
        assert!(took >= Duration::from_millis(2500) && took < Duration::from_secs(8), "[{}] took {took:?}", fx.backend);

        // Declares 100 GB and sends 64 KB: refused, and the connection does not linger.
        let mut huge = TcpStream::connect(addr(&server)).await.expect("connect");
        huge.write_all(head(100_000_000_000).as_bytes()).await.expect("send");
        let _ = huge.write_all(&vec![b' '; 64 * 1024]).await;
        let (answer, took) = read_until_closed(&mut huge, Duration::from_secs(8))
            .await
            .unwrap_or_else(|| panic!("[{}] a 100 GB declaration held the connection open", fx.backend));
        assert!(answer.starts_with("HTTP/1.1 4"), "[{}] {answer}", fx.backend);
        assert!(took < Duration::from_secs(4), "[{}] took {took:?}", fx.backend);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_limit_wait_until_one_closes() {
    for (_t, fx) in fixtures().await {
        let server = Server::start(state_with(&fx.db, |c| {
            c.max_connections = 2;
            c.header_read_timeout = Duration::from_secs(20);
        }))
        .await;
        let first = TcpStream::connect(addr(&server)).await.expect("connect");
        let _second = TcpStream::connect(addr(&server)).await.expect("connect");
        tokio::time::sleep(Duration::from_millis(200)).await;
        let client = reqwest::Client::new();
        let url = server.url("/healthz");
        let third = tokio::spawn(async move { client.get(url).send().await.map(|r| r.status().as_u16()) });
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert!(!third.is_finished(), "[{}] a third connection was served beside two open ones", fx.backend);
        let freed = Instant::now();
        drop(first);
        let status = tokio::time::timeout(Duration::from_secs(5), third).await.expect("served after one closed");
        assert_eq!(status.expect("task").expect("request"), 200, "[{}]", fx.backend);
        assert!(freed.elapsed() < Duration::from_secs(3), "[{}]", fx.backend);
    }
}

// ---- Client address and trusted proxies -------------------------------------------------

async fn failed_login(server: &Server, forwarded_for: &str) -> Resp {
    let r = server
        .request(Method::POST, "/api/v1/auth/login", None)
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"login": "nobody-at-all", "password": "wrong"}))
        .send()
        .await
        .expect("login");
    Resp::read(r).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_is_believed_from_a_trusted_proxy_only() {
    for (_t, fx) in fixtures().await {
        // No trusted proxy: the header is the client's own claim; every attempt counts
        // against the socket's address, whatever it says.
        let mut state = state_with(&fx.db, |_| {});
        state.login_limiter = vanguard_web::limiter::LoginLimiter::new(2, 60);
        let direct = Server::start(state).await;
        assert_eq!(failed_login(&direct, "198.51.100.1").await.status, 401);
        assert_eq!(failed_login(&direct, "198.51.100.2").await.status, 401);
        assert_eq!(failed_login(&direct, "198.51.100.3").await.status, 429, "[{}] a forged header escaped the limit", fx.backend);

        // Behind a trusted proxy (this test's loopback): the header names the client.
        let mut state = state_with(&fx.db, |c| {
            c.trusted_proxies = vanguard_web::server::TrustedProxies::new(vec!["127.0.0.1".parse().expect("cidr")])
        });
        state.login_limiter = vanguard_web::limiter::LoginLimiter::new(2, 60);
        let proxied = Server::start(state).await;
        assert_eq!(failed_login(&proxied, "203.0.113.9").await.status, 401);
        assert_eq!(failed_login(&proxied, "203.0.113.9").await.status, 401);
        assert_eq!(failed_login(&proxied, "203.0.113.9").await.status, 429, "[{}]", fx.backend);
        assert_eq!(failed_login(&proxied, "203.0.113.10").await.status, 401, "[{}] another client shares a bucket", fx.backend);
        // A client's own entry left of the proxy's is not believed.
        assert_eq!(failed_login(&proxied, "10.1.1.1, 203.0.113.9").await.status, 429, "[{}]", fx.backend);

        let auditor = fx.login(Caller::Auditor).await;
        let logins = proxied.audit(&auditor, "auth.").await;
        let ips: Vec<&str> = logins.iter().filter_map(|r| r["ip"].as_str()).collect();
        assert!(ips.contains(&"203.0.113.10"), "[{}] the audit log has the client's address: {ips:?}", fx.backend);
        assert!(!ips.contains(&"198.51.100.2"), "[{}] a forged address reached the audit log: {ips:?}", fx.backend);

        // A trusted proxy's request id is kept; anyone else's is replaced.
        let r = proxied.request(Method::GET, "/api/v1/nope", None).header("x-request-id", "edge-4711").send().await.unwrap();
        assert_eq!(Resp::read(r).await.header("x-request-id"), "edge-4711");
        let r = direct.request(Method::GET, "/api/v1/nope", None).header("x-request-id", "edge-4711").send().await.unwrap();
        assert_ne!(Resp::read(r).await.header("x-request-id"), "edge-4711");
    }
}

// ---- Correlation ids --------------------------------------------------------------------

/// Everything logged by this test process (a global subscriber writing to memory).
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf: Arc<Mutex<Vec<u8>>> = Arc::default();
        let sink = buf.clone();
        tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || SharedWriter(sink.clone()))
            .try_init()
            .expect("this test binary installs the only global subscriber");
        buf
    })
    .clone()
}

struct SharedWriter(Arc<Mutex<Vec<u8>>>);

impl Write for SharedWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn is_request_id(s: &str) -> bool {
    s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_names_its_correlation_id_in_the_answer_the_header_and_the_log() {
    let logs = captured_logs();
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let street = fx.login(Caller::Street).await;
        let member = fx.login(Caller::Member).await;
        let b1 = fx.org(Org::B1);
        // JSON errors of every kind carry the id, equal to the response header.
        let answers = [
            server.call(Method::GET, "/api/v1/no/such/route", None, None).await,
            server.call(Method::GET, "/api/v1/orgs", None, None).await,
            server.get("/api/v1/accounts", &member).await,
            server.get("/api/v1/orgs/9000000000000000000", &street).await,
            server.post(&format!("/api/v1/orgs/{b1}/children"), &street, &json!({"name": ""})).await,
        ];
        let mut seen = std::collections::HashSet::new();
        for r in &answers {
            let id = r.json["error"]["correlation_id"].as_str().unwrap_or("");
            assert!(is_request_id(id), "[{}] {} has no correlation id: {}", fx.backend, r.status, r.text);
            assert_eq!(r.header("x-request-id"), id, "[{}] header and body differ", fx.backend);
            assert!(seen.insert(id.to_string()), "[{}] ids repeat", fx.backend);
        }
        // The HTML error page shows it as 错误编号.
        let r = server.get("/orgs/9000000000000000000", &street).await;
        assert_eq!(r.status, 404, "[{}] {}", fx.backend, r.text);
        let id = r.header("x-request-id").to_string();
        assert!(is_request_id(&id), "[{}] page without x-request-id", fx.backend);
        assert!(
            r.text.contains("错误编号") && r.text.contains(&id),
            "[{}] the page does not show its id: {}",
            fx.backend,
            r.text
        );

        // An internal error: generic answer, the detail only in the log, under the id.
        fx.db.close().await;
        let r = server.get("/api/v1/orgs", &street).await;
        assert_eq!(r.status, 500, "[{}] {}", fx.backend, r.text);
        let id = r.json["error"]["correlation_id"].as_str().unwrap_or("").to_string();
        assert!(is_request_id(&id) && r.header("x-request-id") == id, "[{}] {}", fx.backend, r.text);
        assert!(has_chinese(&r.text) && r.text.contains("错误编号"), "[{}] {}", fx.backend, r.text);
        assert!(
            !r.text.to_lowercase().contains("pool") && !r.text.contains("sqlx"),
            "[{}] detail leaked: {}",
            fx.backend,
            r.text
        );
        let logged = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
        let line = logged
            .lines()
            .find(|l| l.contains(&format!("correlation_id={id}")) && l.contains("internal error"))
            .unwrap_or_else(|| panic!("[{}] no log line names {id}", fx.backend));
        assert!(line.contains("error="), "[{}] the log line lacks the detail: {line}", fx.backend);
    }
}

// ---- Caching ----------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_with_personal_data_are_never_stored_by_a_browser_or_proxy() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let street = fx.login(Caller::Street).await;
        let member = fx.member(crate::fixture::M::B1).id;
        for path in ["/", "/members", &format!("/members/{member}"), "/login", "/orgs/9000000000000000000"] {
            let r = server.get(path, &street).await;
            assert!(r.header("content-type").starts_with("text/html"), "[{}] {path}: {}", fx.backend, r.status);
            assert_eq!(r.header("cache-control"), "no-store", "[{}] {path}", fx.backend);
        }
        let css = server.get("/assets/app.css", &street).await;
        assert_ne!(css.header("cache-control"), "no-store", "[{}] static assets stay cacheable", fx.backend);
    }
}

// ---- Filters and times ------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_audit_date_is_refused_not_ignored() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let auditor = fx.login(Caller::Auditor).await;
        for q in ["from=2026-13-01", "to=yesterday", "from=2026-02-30", "from=0000-01-01", "from_ms=9223372036854775807"] {
            let r = server.get(&format!("/api/v1/audit?{q}"), &auditor).await;
            assert_eq!((r.status, r.code()), (400, "audit.filter"), "[{}] {q}: {}", fx.backend, r.text);
            assert!(has_chinese(r.json["error"]["message"].as_str().unwrap_or("")), "[{}] {q}", fx.backend);
            let page = server.get(&format!("/audit?{q}"), &auditor).await;
            assert_eq!(page.status, 400, "[{}] page {q}", fx.backend);
            assert!(
                page.text.contains("YYYY-MM-DD") || page.text.contains("before") || page.text.contains("范围"),
                "[{}] {}",
                fx.backend,
                page.text
            );
        }
        let r = server.get("/api/v1/audit?from=2026-03-02&to=2026-03-01", &auditor).await;
        assert_eq!((r.status, r.code()), (400, "audit.filter"), "[{}] {}", fx.backend, r.text);
        // A readable date filters: nothing has happened in 2999 yet, everything today.
        let later = server.get("/api/v1/audit?from=2999-01-01", &auditor).await;
        assert_eq!(
            (later.status, later.json["items"].as_array().map(Vec::len)),
            (200, Some(0)),
            "[{}] {}",
            fx.backend,
            later.text
        );
        let today = vanguard_domain::kernel::time::date_text(fx.db.clock().today());
        let now = server.get(&format!("/api/v1/audit?from={today}&to={today}"), &auditor).await;
        assert!(now.json["items"].as_array().is_some_and(|a| !a.is_empty()), "[{}] {}", fx.backend, now.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_list_pages_in_the_one_envelope_and_a_page_past_the_end_is_empty() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let auditor = fx.login(Caller::Auditor).await;
        let first = server.get("/api/v1/audit?limit=2", &auditor).await;
        assert_eq!(first.status, 200, "[{}] {}", fx.backend, first.text);
        for field in ["items", "total", "total_is_lower_bound", "limit", "position", "next", "prev"] {
            assert!(first.json.get(field).is_some(), "[{}] envelope lacks {field}: {}", fx.backend, first.text);
        }
        let items = first.json["items"].as_array().cloned().unwrap_or_default();
        assert_eq!(
            (items.len(), first.json["limit"].as_u64(), first.json["position"].as_u64()),
            (2, Some(2), Some(0)),
            "[{}]",
            fx.backend
        );
        let total = first.json["total"].as_u64().unwrap_or(0);
        assert!(total > 2, "[{}] the fixture's logins are audited: {}", fx.backend, first.text);
        // Newest first; the next page continues strictly below the last sequence shown.
        let seq = |v: &Value| v["seq"].as_i64().unwrap_or(0);
        assert!(seq(&items[0]) > seq(&items[1]), "[{}]", fx.backend);
        let next = first.json["next"].as_str().unwrap_or_default().to_string();
        let second = server.get(&format!("/api/v1/audit?limit=2&cursor={next}"), &auditor).await;
        let second_items = second.json["items"].as_array().cloned().unwrap_or_default();
        assert!(second_items.iter().all(|v| seq(v) < seq(&items[1])), "[{}] {}", fx.backend, second.text);
        assert_eq!(second.json["position"].as_u64(), Some(2), "[{}]", fx.backend);
        // A page number past the end answers an empty page there, never the first page.
        let past = total / 2 + 5;
        let beyond = server.get(&format!("/api/v1/audit?limit=2&page={past}"), &auditor).await;
        assert_eq!(beyond.status, 200, "[{}] {}", fx.backend, beyond.text);
        assert_eq!(beyond.json["items"].as_array().map(Vec::len), Some(0), "[{}] {}", fx.backend, beyond.text);
        assert_eq!(beyond.json["position"].as_u64(), Some((past - 1) * 2), "[{}]", fx.backend);
        assert!(beyond.json["next"].is_null(), "[{}]", fx.backend);
        // A forged cursor is refused, not read as the first page.
        let forged = server.get("/api/v1/audit?cursor=abc", &auditor).await;
        assert_eq!((forged.status, forged.code()), (400, "page.invalid"), "[{}] {}", fx.backend, forged.text);
    }
}

/// One list answers the shared envelope: its fields, a bounded page along `next` that
/// does not repeat what came before, an empty page past the end, a forged cursor refused.
async fn answers_the_envelope(server: &Server, backend: &str, token: &str, path: &str) {
    let sep = if path.contains('?') { '&' } else { '?' };
    let first = server.get(&format!("{path}{sep}limit=1"), token).await;
    assert_eq!(first.status, 200, "[{backend}] {path}: {}", first.text);
    for field in ["items", "total", "total_is_lower_bound", "limit", "position", "next", "prev"] {
        assert!(first.json.get(field).is_some(), "[{backend}] {path}: envelope lacks {field}: {}", first.text);
    }
    let items = first.json["items"].as_array().cloned().unwrap_or_default();
    assert_eq!((items.len(), first.json["limit"].as_u64()), (1, Some(1)), "[{backend}] {path}: {}", first.text);
    let total = first.json["total"].as_u64().unwrap_or(0);
    if let Some(next) = first.json["next"].as_str() {
        let second = server.get(&format!("{path}{sep}limit=1&cursor={next}"), token).await;
        let second_items = second.json["items"].as_array().cloned().unwrap_or_default();
        assert_eq!(second.json["position"].as_u64(), Some(1), "[{backend}] {path}: {}", second.text);
        assert!(
            second_items.len() == 1 && second_items[0]["id"] != items[0]["id"],
            "[{backend}] {path}: the next page repeats the first: {}",
            second.text
        );
    } else {
        assert_eq!(total, 1, "[{backend}] {path}: no next page, yet more than one row: {}", first.text);
    }
    let beyond = server.get(&format!("{path}{sep}limit=1&page={}", total + 5), token).await;
    assert_eq!(beyond.status, 200, "[{backend}] {path}: {}", beyond.text);
    assert_eq!(beyond.json["items"].as_array().map(Vec::len), Some(0), "[{backend}] {path}: {}", beyond.text);
    assert!(beyond.json["next"].is_null(), "[{backend}] {path}: {}", beyond.text);
    let forged = server.get(&format!("{path}{sep}cursor=abc"), token).await;
    assert_eq!((forged.status, forged.code()), (400, "page.invalid"), "[{backend}] {path}: {}", forged.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_list_moved_to_the_envelope_pages_and_a_page_past_the_end_is_empty() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let street = fx.login(Caller::Street).await;
        let s1 = fx.org(Org::S1);
        // A member with more than one change, so the history has a second page.
        let member = fx.member(M::B1).id;
        let read = server.get(&format!("/api/v1/members/{member}"), &street).await;
        let patch = json!({"version": read.json["version"], "residence": "江北区庄桥街道"});
        let r = server.call(Method::PATCH, &format!("/api/v1/members/{member}"), Some(&street), Some(&patch)).await;
        assert_eq!(r.status, 200, "[{}] {}", fx.backend, r.text);
        for path in [
            "/api/v1/orgs".to_string(),
            "/api/v1/orgs?q=支部".to_string(),
            format!("/api/v1/orgs/{s1}/children"),
            format!("/api/v1/members/{member}/history"),
        ] {
            answers_the_envelope(&server, fx.backend, &street, &path).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leave_requests_role_requests_and_alerts_answer_the_envelope_and_their_pages_page() {
    use vanguard_store::platform::alerts;
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let b1 = fx.org(Org::B1);
        // Two members of B1 ask leave from a planned meeting.
        let planned = json!({"meeting_type": "主题党日", "planned_at": fx.db.clock().now_ms() + 10 * 24 * 3_600_000});
        let r = server.post(&format!("/api/v1/orgs/{b1}/meetings"), &secretary, &planned).await;
        assert_eq!(r.status, 201, "[{}] {}", fx.backend, r.text);
        let meeting = r.json["meeting"]["id"].as_i64().or_else(|| r.json["id"].as_i64()).expect("meeting id");
        for caller in [Caller::Member, Caller::Leader] {
            let token = fx.login(caller).await;
            let r = server.post(&format!("/api/v1/meetings/{meeting}/leave"), &token, &json!({"reason": "外地出差"})).await;
            assert_eq!(r.status, 200, "[{}] {caller:?}: {}", fx.backend, r.text);
        }
        answers_the_envelope(&server, fx.backend, &secretary, &format!("/api/v1/meetings/{meeting}/leave")).await;
        let page = server.get(&format!("/meetings/{meeting}?limit=1"), &secretary).await;
        assert!(
            page.text.contains("rel=\"next\"") && page.text.contains("共 2 条"),
            "[{}] the leave list pages: {}",
            fx.backend,
            page.text
        );

        // Two role grants wait for a 安全管理员, two alerts were raised.
        let sysadmin = fx.login(Caller::SysAdmin).await;
        for name in ["audit2", "audit3"] {
            let r = server.post("/api/v1/accounts", &sysadmin, &json!({"username": name, "role": "auditor"})).await;
            assert_eq!(r.status, 201, "[{}] {}", fx.backend, r.text);
        }
        alerts::raise(&fx.db, alerts::AUDIT_VERIFY_FAILED, "第 3 条记录被修改或伪造").await.unwrap();
        alerts::raise(&fx.db, alerts::AUDIT_VERIFY_FAILED, "第 9 条记录被删除").await.unwrap();
        let secadmin = fx.login(Caller::SecAdmin).await;
        let auditor = fx.login(Caller::Auditor).await;
        answers_the_envelope(&server, fx.backend, &secadmin, "/api/v1/role-requests").await;
        answers_the_envelope(&server, fx.backend, &secadmin, "/api/v1/security/alerts").await;
        answers_the_envelope(&server, fx.backend, &auditor, "/api/v1/audit/alerts").await;
        let newest = server.get("/api/v1/security/alerts?limit=1", &secadmin).await;
        assert!(newest.text.contains("第 9 条"), "[{}] newest first: {}", fx.backend, newest.text);
        let page = server.get("/security?limit=1", &secadmin).await;
        assert!(
            page.text.contains("rel=\"next\"") && page.text.contains("待审批"),
            "[{}] the requests page: {}",
            fx.backend,
            page.text
        );
        let page = server.get("/security/alerts?limit=1", &secadmin).await;
        assert_eq!(page.status, 200, "[{}] {}", fx.backend, page.text);
        assert!(
            page.text.contains("第 9 条") && !page.text.contains("第 3 条"),
            "[{}] one alert a page: {}",
            fx.backend,
            page.text
        );
        assert!(page.text.contains("rel=\"next\""), "[{}] {}", fx.backend, page.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meeting_time_outside_1900_to_9999_is_refused_over_http() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let b1 = fx.org(Org::B1);
        for held_at in [json!(i64::MAX), json!(-1_000_000_000_000_000_000i64), json!(i64::MIN), json!("1899-12-31T23:00")] {
            let body = json!({"meeting_type": "主题党日", "held_at": held_at, "place": "党群服务中心", "host": "张书记", "recorder": "李组长"});
            let r = server.post(&format!("/api/v1/orgs/{b1}/meetings"), &secretary, &body).await;
            assert_eq!(r.status, 400, "[{}] held_at {held_at}: {}", fx.backend, r.text);
            assert!(r.text.contains("1900"), "[{}] the reason names the range: {}", fx.backend, r.text);
        }
        let list = server.get(&format!("/api/v1/orgs/{b1}/meetings?year=1970"), &secretary).await;
        assert_eq!(list.json["items"].as_array().map(Vec::len), Some(0), "[{}] stored as 1970: {}", fx.backend, list.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_year_parameter_is_a_number_or_blank_for_this_year_and_anything_else_is_refused() {
    for (t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let b1 = fx.org(Org::B1);
        let this_year = chrono::Datelike::year(&t.db.clock().today());
        let blank = server.get(&format!("/api/v1/orgs/{b1}/plans?year="), &secretary).await;
        assert_eq!(blank.status, 200, "[{}] {}", fx.backend, blank.text);
        assert_eq!(blank.json["year"].as_i64(), Some(i64::from(this_year)), "[{}] {}", fx.backend, blank.text);
        let given = server.get(&format!("/api/v1/orgs/{b1}/plans?year=2025"), &secretary).await;
        assert_eq!(given.json["year"].as_i64(), Some(2025), "[{}] {}", fx.backend, given.text);
        for bad in ["abc", "2026x", "99999999999"] {
            let r = server.get(&format!("/api/v1/orgs/{b1}/plans?year={bad}"), &secretary).await;
            assert_eq!(r.status, 400, "[{}] year={bad}: {}", fx.backend, r.text);
            assert!(r.text.contains("年份"), "[{}] the reason names the year: {}", fx.backend, r.text);
        }
        let page = server.get(&format!("/orgs/{b1}/meetings?year="), &secretary).await;
        assert_eq!(page.status, 200, "[{}] a blank year on a page is this year", fx.backend);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_roster_upload_is_refused_naming_the_limit_and_the_server_serves_on() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let mut csv = "姓名,公民身份号码\n".as_bytes().to_vec();
        csv.extend(std::iter::repeat_n(b'x', 3 << 20));
        let r = Resp::read(
            server
                .request(Method::POST, "/api/v1/imports/members?filename=a.csv", Some(&secretary))
                .body(csv)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!((r.status, r.field_codes()), (422, vec!["upload.line_too_long".to_string()]), "[{}] {}", fx.backend, r.text);
        assert!(r.text.contains("第2行") && r.text.contains("列"), "[{}] {}", fx.backend, r.text);
        // Over the roster's size: its own wording.
        let big = vec![b'a'; 33 << 20];
        let r = Resp::read(
            server
                .request(Method::POST, "/api/v1/imports/members?filename=a.csv", Some(&secretary))
                .body(big)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!((r.status, r.code()), (413, "upload.too_large"), "[{}] {}", fx.backend, r.text);
        assert!(r.text.contains("花名册文件超过 32 MB"), "[{}] {}", fx.backend, r.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_beyond_the_room_for_files_in_flight_wait_and_then_are_told_the_server_is_busy() {
    use tokio::io::AsyncWriteExt;
    for (_t, fx) in fixtures().await {
        let mut state = vanguard_web::AppState::new(fx.db.clone());
        state.secure_cookies = false;
        state.login_limiter = vanguard_web::limiter::LoginLimiter::new(10_000, 60);
        let room = vanguard_web::upload::InFlight::with_wait(64 * 1024, std::time::Duration::from_millis(300));
        state.uploads_in_flight = room.clone();
        let server = Server::start(state).await;
        let secretary = fx.login(Caller::Secretary).await;
        // A slow upload that declares 60 KB and sends a little of it holds most of the room.
        let addr = server.base.trim_start_matches("http://").to_string();
        let mut slow = tokio::net::TcpStream::connect(&addr).await.expect("connect");
        let head = format!(
            "POST /api/v1/imports/members?filename=a.csv HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {secretary}\r\nContent-Length: 60000\r\n\r\n姓名,"
        );
        slow.write_all(head.as_bytes()).await.expect("send the start of a slow upload");
        for _ in 0..200 {
            if room.available_bytes() < 10_000 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        assert!(room.available_bytes() < 10_000, "[{}] the slow upload reserved its declared length", fx.backend);
        let upload = |body: Vec<u8>| {
            let req = server.request(Method::POST, "/api/v1/imports/members?filename=b.csv", Some(&secretary)).body(body);
            async move { Resp::read(req.send().await.expect("upload")).await }
        };
        let r = upload(vec![b'x'; 10_000]).await;
        assert_eq!((r.status, r.code()), (503, "upload.busy"), "[{}] {}", fx.backend, r.text);
        assert!(r.text.contains("请过一两分钟再上传"), "[{}] the answer says what to do: {}", fx.backend, r.text);
        // Once the slow upload is gone, its room is free again.
        drop(slow);
        for _ in 0..200 {
            if room.available_bytes() == 64 * 1024 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        let r = upload("姓名,公民身份号码\n".as_bytes().to_vec()).await;
        assert_ne!(r.status, 503, "[{}] {}", fx.backend, r.text);
    }
}

// ---- Errors that must not be dropped ----------------------------------------------------

/// The roster export is streamed from its spooled file (issue 10 §1): the answer
/// declares its length, the body is the whole workbook, and an export that cannot be
/// audited is not handed out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_roster_export_is_streamed_whole_with_its_declared_length_and_only_when_audited() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let street = fx.login(Caller::Street).await;
        let r = server.request(Method::GET, "/api/v1/members/export.xlsx", Some(&street)).send().await.expect("export");
        assert_eq!(r.status().as_u16(), 200, "[{}]", fx.backend);
        let header = |n: &str| r.headers().get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        assert!(header("content-type").contains("spreadsheetml"), "[{}]", fx.backend);
        assert!(header("content-disposition").contains("attachment"), "[{}]", fx.backend);
        assert_eq!(header("cache-control"), "no-store", "[{}]", fx.backend);
        let declared: usize = header("content-length").parse().expect("a content-length");
        let body = r.bytes().await.expect("the whole body");
        assert_eq!(body.len(), declared, "[{}]", fx.backend);
        assert!(body.starts_with(b"PK"), "[{}] an .xlsx (zip) file", fx.backend);
        let auditor = fx.login(Caller::Auditor).await;
        assert!(!server.audit(&auditor, "member.export").await.is_empty(), "[{}] audited", fx.backend);
        // The audit sink fails: the export fails closed, nothing is streamed.
        block_audit(&fx.db).await;
        let r = server.get("/api/v1/members/export.xlsx", &street).await;
        assert_eq!(r.status, 500, "[{}] an unaudited export was handed out", fx.backend);
        assert!(!r.header("content-type").contains("spreadsheet"), "[{}]", fx.backend);
        assert!(r.json["error"]["correlation_id"].is_string(), "[{}] {}", fx.backend, r.text);
    }
}

/// Makes every audit write fail (a trigger that raises).
async fn block_audit(db: &vanguard_store::Db) {
    let block: &[&str] = if db.is_postgres() {
        &[
            "CREATE FUNCTION audit_down() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit down'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER audit_down BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_down()",
        ]
    } else {
        &["CREATE TRIGGER audit_down BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit down'); END"]
    };
    for sql in block {
        vanguard_testkit::raw_execute(db, sql).await.expect("block the audit log");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cockpit_export_that_cannot_be_audited_is_not_handed_out() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let street = fx.login(Caller::Street).await;
        let s1 = fx.org(Org::S1);
        let path = format!("/api/v1/cockpit/orgs/{s1}/export.xlsx");
        let r = server.get(&path, &street).await;
        assert_eq!(r.status, 200, "[{}] {}", fx.backend, r.text);
        // The audit sink fails: the export fails closed (security.md L5).
        block_audit(&fx.db).await;
        let r = server.get(&path, &street).await;
        assert_eq!(r.status, 500, "[{}] an unaudited export was handed out", fx.backend);
        assert!(!r.header("content-type").contains("spreadsheet"), "[{}]", fx.backend);
        assert!(r.json["error"]["correlation_id"].is_string(), "[{}] {}", fx.backend, r.text);
    }
}
