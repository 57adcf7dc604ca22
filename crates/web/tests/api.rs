//! HTTP-level tests of the JSON API: a real server on a loopback port, driven with
//! reqwest, on every storage backend the testkit offers (SQLite, and PostgreSQL when
//! reachable). Rows of `shared/spec/security.md` are named where a test checks one.
//!
//! The fixture tree, members and callers are in `api/fixture.rs`; the generated
//! authorization matrix is in `api/matrix.rs`.

#[path = "api/dues.rs"]
mod dues;
#[path = "api/elections.rs"]
mod elections;
#[path = "api/fixture.rs"]
mod fixture;
#[path = "api/imports.rs"]
mod imports;
#[path = "api/learning.rs"]
mod learning;
#[path = "api/matrix.rs"]
mod matrix;
#[path = "api/mobile_lost.rs"]
mod mobile_lost;
#[path = "api/notify.rs"]
mod notify;
#[path = "api/ops.rs"]
mod ops;
#[path = "api/orglife.rs"]
mod orglife;
#[path = "api/recruit.rs"]
mod recruit;
#[path = "api/secretary.rs"]
mod secretary;
#[path = "api/secure.rs"]
mod secure;
#[path = "api/transfer.rs"]
mod transfer;

use fixture::{
    Caller, M, Org, PASSWORD, Resp, Server, assert_security_headers, fixtures, fresh_id_number, has_chinese, new_member_body,
};
use reqwest::Method;
use serde_json::{Value, json};
use vanguard_domain::kernel::auth::Role;
use vanguard_web::AppState;

/// An id that no org, member or account has.
const NONEXISTENT: i64 = 9_000_000_000_000_000;

// ---- Z1/Z2: the authorization matrix ------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorization_matrix_matches_the_declared_policy_for_every_route_caller_and_target() {
    matrix::assert_every_route_has_a_case();
    matrix::assert_role_model_is_the_declared_one();
    matrix::assert_about_target_is_strict();
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let cells = matrix::run(&fx, &server).await;
        assert!(cells > 500, "suspiciously few cells: {cells}");
        fx.db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_scope_objects_answer_404_with_the_same_body_as_nonexistent_ids() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let street = fx.login(Caller::Street).await;
        let member = fx.login(Caller::Member).await;
        let d2 = fx.org(Org::D2);
        let b0 = fx.org(Org::B0);
        let m_b3 = fx.member(M::B3).id;
        let leave = json!({"reason": "无此原因", "left_on": "2020-01-01"});
        let reference = server.get(&format!("/api/v1/orgs/{NONEXISTENT}"), &street).await;
        assert_eq!(reference.status, 404);
        assert_eq!(reference.code(), "not_found");
        assert!(has_chinese(reference.json["error"]["message"].as_str().unwrap_or("")), "{}", reference.text);
        // (method, out-of-scope path, nonexistent path, body) for the street admin.
        let cases: Vec<(Method, String, String, Option<Value>)> = vec![
            (Method::GET, format!("/api/v1/orgs/{d2}"), format!("/api/v1/orgs/{NONEXISTENT}"), None),
            (Method::GET, format!("/api/v1/orgs/{b0}/children"), format!("/api/v1/orgs/{NONEXISTENT}/children"), None),
            (
                Method::POST,
                format!("/api/v1/orgs/{d2}/children"),
                format!("/api/v1/orgs/{NONEXISTENT}/children"),
                Some(json!({})),
            ),
            (Method::PATCH, format!("/api/v1/orgs/{d2}"), format!("/api/v1/orgs/{NONEXISTENT}"), Some(json!({"name": "改名"}))),
            (
                Method::POST,
                format!("/api/v1/orgs/{d2}/move"),
                format!("/api/v1/orgs/{NONEXISTENT}/move"),
                Some(json!({"parent_id": fx.org(Org::S1)})),
            ),
            (
                Method::POST,
                format!("/api/v1/orgs/{d2}/dissolve"),
                format!("/api/v1/orgs/{NONEXISTENT}/dissolve"),
                Some(json!({})),
            ),
            (Method::GET, format!("/api/v1/members?org_id={d2}"), format!("/api/v1/members?org_id={NONEXISTENT}"), None),
            (Method::GET, format!("/api/v1/members/{m_b3}"), format!("/api/v1/members/{NONEXISTENT}"), None),
            (Method::GET, format!("/api/v1/members/{m_b3}/history"), format!("/api/v1/members/{NONEXISTENT}/history"), None),
            (
                Method::PATCH,
                format!("/api/v1/members/{m_b3}"),
                format!("/api/v1/members/{NONEXISTENT}"),
                Some(json!({"name": "改名"})),
            ),
            (
                Method::POST,
                format!("/api/v1/members/{m_b3}/archive"),
                format!("/api/v1/members/{NONEXISTENT}/archive"),
                Some(leave.clone()),
            ),
            (
                Method::POST,
                format!("/api/v1/members/{m_b3}/move"),
                format!("/api/v1/members/{NONEXISTENT}/move"),
                Some(json!({"org_id": fx.org(Org::B1)})),
            ),
            (
                Method::POST,
                format!("/api/v1/members/{m_b3}/reveal"),
                format!("/api/v1/members/{NONEXISTENT}/reveal"),
                Some(json!({"field": "id_number"})),
            ),
            (Method::GET, "/api/v1/members/not-a-number".into(), format!("/api/v1/members/{NONEXISTENT}"), None),
        ];
        for (method, hidden, missing, body) in cases {
            let a = server.call(method.clone(), &hidden, Some(&street), body.as_ref()).await;
            let b = server.call(method.clone(), &missing, Some(&street), body.as_ref()).await;
            assert_eq!((a.status, &a.answer), (404, &reference.answer), "[{}] {method} {hidden}", fx.backend);
            assert_eq!((b.status, &b.answer), (404, &reference.answer), "[{}] {method} {missing}", fx.backend);
        }
        // An org named in a body (a new member's branch): outside reach it is refused exactly
        // like one that does not exist — 422 on `org_id`, the store's contract.
        let answers: Vec<Resp> = {
            let mut v = Vec::new();
            for org_id in [fx.org(Org::B3), fx.org(Org::B0), NONEXISTENT] {
                v.push(server.post("/api/v1/members", &street, &new_member_body(org_id, &fresh_id_number())).await);
            }
            v
        };
        for r in &answers {
            assert_eq!(r.status, 422, "[{}] {}", fx.backend, r.text);
            assert_eq!(r.field_codes(), ["org.not_found"], "[{}] {}", fx.backend, r.text);
            assert_eq!(r.answer, answers[2].answer, "[{}] out-of-reach branch answered unlike a missing one", fx.backend);
        }
        // A member sees nothing of a fellow member of the same branch.
        let r = server.get(&format!("/api/v1/members/{}", fx.member(M::B1).id), &member).await;
        assert_eq!((r.status, &r.answer), (404, &reference.answer), "[{}] member reads a fellow member", fx.backend);
        fx.db.close().await;
    }
}

// ---- A1-A3: login ---------------------------------------------------------------------

async fn http_login(server: &Server, login: &str, password: &str) -> Resp {
    server.call(Method::POST, "/api/v1/auth/login", None, Some(&json!({"login": login, "password": password}))).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_and_unknown_user_fail_with_identical_status_and_body() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let wrong = http_login(&server, "secretary", "Wrong@2026x").await;
        let unknown = http_login(&server, "nobody-here", "Wrong@2026x").await;
        assert_eq!(wrong.status, 401, "[{}] {}", fx.backend, wrong.text);
        assert_eq!(wrong.code(), "auth.failed");
        assert_eq!(
            (unknown.status, &unknown.answer),
            (wrong.status, &wrong.answer),
            "[{}] unknown user differs from wrong password",
            fx.backend
        );
        assert!(has_chinese(&wrong.text));
        assert!(wrong.header("set-cookie").is_empty(), "a failed login sets no cookie");
        // Both are audited as failed logins.
        let auditor = fx.login(Caller::Auditor).await;
        let failed: Vec<Value> =
            server.audit(&auditor, "auth.login").await.into_iter().filter(|r| r["result"] == "failed").collect();
        assert!(failed.iter().any(|r| r["object"] == "account:unknown"), "[{}] unknown user not audited", fx.backend);
        assert!(failed.iter().any(|r| r["actor_name"] == "secretary"), "[{}] wrong password not audited", fx.backend);
        fx.db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_failures_lock_the_account_against_even_the_right_password_until_unlocked() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let secretary_id = fx.accounts[&Caller::Secretary];
        let mut first_failure = None;
        for i in 1..=5 {
            let r = http_login(&server, "secretary", "Wrong@2026x").await;
            assert_eq!(r.status, 401, "[{}] failure {i}", fx.backend);
            first_failure.get_or_insert(r.answer);
        }
        let first_failure = first_failure.unwrap_or_default();
        let sixth = http_login(&server, "secretary", PASSWORD).await;
        assert_eq!(
            (sixth.status, &sixth.answer),
            (401, &first_failure),
            "[{}] locked account let the right password in",
            fx.backend
        );

        let auditor = fx.login(Caller::Auditor).await;
        let locks = server.audit(&auditor, "auth.lock").await;
        assert_eq!(locks.len(), 1, "[{}] auth.lock records: {locks:?}", fx.backend);
        assert_eq!(locks[0]["object"], format!("account:{secretary_id}"));
        let denied = server.audit(&auditor, "auth.login").await;
        assert!(
            denied.iter().any(|r| r["result"] == "denied" && r["actor_name"] == "secretary"),
            "[{}] locked attempt not audited",
            fx.backend
        );

        let sysadmin = fx.login(Caller::SysAdmin).await;
        let r = server.post(&format!("/api/v1/accounts/{secretary_id}/unlock"), &sysadmin, &json!({})).await;
        assert_eq!(r.status, 200, "[{}] unlock: {}", fx.backend, r.text);
        let r = http_login(&server, "secretary", PASSWORD).await;
        assert_eq!(r.status, 200, "[{}] login after unlock: {}", fx.backend, r.text);
        assert!(server.audit(&auditor, "account.unlock").await.iter().any(|r| r["object"] == format!("account:{secretary_id}")));

        // Locked again, the lock also runs out by itself after 30 minutes.
        for _ in 1..=5 {
            assert_eq!(http_login(&server, "secretary", "Wrong@2026x").await.status, 401);
        }
        assert_eq!(http_login(&server, "secretary", PASSWORD).await.status, 401, "[{}] second lock", fx.backend);
        fx.db.clock().advance(30 * 60_000 + 1_000);
        let r = http_login(&server, "secretary", PASSWORD).await;
        assert_eq!(r.status, 200, "[{}] login after the lock ran out: {}", fx.backend, r.text);
        fx.db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_burst_from_one_address_is_answered_429_with_retry_after() {
    for (_t, fx) in fixtures().await {
        // The default limiter from the rules (burst 10, one back per 60 s).
        let server = Server::start(AppState::new(fx.db.clone())).await;
        let burst = fx.db.rules().login.ip_burst;
        for i in 0..burst {
            let r = http_login(&server, &format!("nobody{i}"), "Wrong@2026x").await;
            assert_eq!(r.status, 401, "[{}] attempt {i} within the burst: {}", fx.backend, r.text);
        }
        for login in ["nobody", "secretary"] {
            let r = http_login(&server, login, PASSWORD).await;
            assert_eq!(r.status, 429, "[{}] attempt after the burst: {}", fx.backend, r.text);
            assert_eq!(r.code(), "auth.rate_limited");
            assert!(has_chinese(&r.text));
            let wait: u64 = r
                .header("retry-after")
                .parse()
                .unwrap_or_else(|_| panic!("Retry-After missing or not a number: {:?}", r.headers));
            assert!((1..=60).contains(&wait), "Retry-After {wait}");
            assert_security_headers(&r, "429");
        }
        let auditor = fx.login(Caller::Auditor).await;
        assert!(!server.audit(&auditor, "auth.rate_limit").await.is_empty(), "[{}] rate limiting not audited", fx.backend);
        fx.db.close().await;
    }
}

// ---- S1, S2, S4: sessions --------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_session_expires_after_thirty_minutes_and_use_keeps_it_alive() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let clock = fx.db.clock();
        let idle = fx.login(Caller::Member).await;
        let busy = fx.login(Caller::Secretary).await;
        assert_eq!(server.get("/api/v1/auth/me", &idle).await.status, 200);
        assert_eq!(server.get("/api/v1/auth/me", &busy).await.status, 200);
        for step in 1..=3 {
            clock.advance(29 * 60_000);
            let r = server.get("/api/v1/auth/me", &busy).await;
            assert_eq!(r.status, 200, "[{}] session used every 29 min died at step {step}", fx.backend);
        }
        // The idle one was last used 87 minutes ago.
        let r = server.get("/api/v1/auth/me", &idle).await;
        assert_eq!((r.status, r.code()), (401, "auth.required"), "[{}] idle session", fx.backend);

        // The boundary: 29:59 alive, then 30:01 after that use expired.
        let t = fx.login(Caller::Street).await;
        clock.advance(29 * 60_000 + 59_000);
        assert_eq!(server.get("/api/v1/orgs", &t).await.status, 200, "[{}] idle 29:59", fx.backend);
        clock.advance(30 * 60_000 + 1_000);
        assert_eq!(server.get("/api/v1/orgs", &t).await.status, 401, "[{}] idle 30:01", fx.backend);
        // And stays dead.
        assert_eq!(server.get("/api/v1/orgs", &t).await.status, 401);
        fx.db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_ends_after_twelve_hours_however_busy() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let clock = fx.db.clock();
        let t = fx.login(Caller::District).await;
        // 24 × 29 min = 11 h 36 min, used each time.
        for step in 1..=24 {
            clock.advance(29 * 60_000);
            assert_eq!(server.get("/api/v1/auth/me", &t).await.status, 200, "[{}] step {step}", fx.backend);
        }
        clock.advance(23 * 60_000); // 11 h 59 min
        assert_eq!(server.get("/api/v1/auth/me", &t).await.status, 200, "[{}] 11:59", fx.backend);
        clock.advance(2 * 60_000); // 12 h 01 min, idle only 2 min
        let r = server.get("/api/v1/auth/me", &t).await;
        assert_eq!((r.status, r.code()), (401, "auth.required"), "[{}] 12:01", fx.backend);
        fx.db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_and_disabling_the_account_end_sessions_at_once() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let t = fx.login(Caller::Secretary).await;
        let r = server.call(Method::POST, "/api/v1/auth/logout", Some(&t), None).await;
        assert_eq!(r.status, 204, "[{}] logout: {}", fx.backend, r.text);
        assert!(r.header("set-cookie").contains("Max-Age=0"), "logout clears the cookie: {:?}", r.headers);
        assert_eq!(server.get("/api/v1/auth/me", &t).await.status, 401, "[{}] token replayed after logout", fx.backend);

        let a = fx.login(Caller::Secretary).await;
        let b = fx.login(Caller::Secretary).await;
        assert_eq!(server.get("/api/v1/auth/me", &a).await.status, 200);
        let sysadmin = fx.login(Caller::SysAdmin).await;
        let id = fx.accounts[&Caller::Secretary];
        let r = server.post(&format!("/api/v1/accounts/{id}/disable"), &sysadmin, &json!({})).await;
        assert_eq!(r.status, 200, "[{}] disable: {}", fx.backend, r.text);
        for tok in [&a, &b] {
            assert_eq!(server.get("/api/v1/auth/me", tok).await.status, 401, "[{}] session of a disabled account", fx.backend);
        }
        assert_eq!(http_login(&server, "secretary", PASSWORD).await.status, 401, "[{}] disabled account logs in", fx.backend);
        let r = server.post(&format!("/api/v1/accounts/{id}/enable"), &sysadmin, &json!({})).await;
        assert_eq!(r.status, 200);
        assert_eq!(http_login(&server, "secretary", PASSWORD).await.status, 200, "[{}] re-enabled account", fx.backend);
        // Nobody disables themselves.
        let own = fx.accounts[&Caller::SysAdmin];
        let r = server.post(&format!("/api/v1/accounts/{own}/disable"), &sysadmin, &json!({})).await;
        assert_eq!((r.status, r.code()), (409, "account.self_disable"));
        fx.db.close().await;
    }
}

// ---- S6: cookies and CSRF ---------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookie_session_writes_need_the_csrf_token_and_a_same_origin_request() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let browser = reqwest::Client::builder().cookie_store(true).build().expect("client");
        let r = Resp::read(
            browser
                .post(server.url("/api/v1/auth/login"))
                .json(&json!({"login": "secretary", "password": PASSWORD}))
                .send()
                .await
                .expect("login"),
        )
        .await;
        assert_eq!(r.status, 200, "[{}] {}", fx.backend, r.text);
        let cookie = r.header("set-cookie").to_string();
        for attr in ["vanguard=", "HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(cookie.contains(attr), "cookie lacks {attr}: {cookie}");
        }
        let csrf = r.json["csrf_token"].as_str().expect("csrf_token").to_string();
        assert!(csrf.len() >= 32);

        let b1 = fx.org(Org::B1);
        let path = format!("/api/v1/orgs/{b1}");
        let send = |headers: Vec<(&'static str, String)>| {
            let mut rb = browser.patch(server.url(&path)).json(&json!({}));
            for (k, v) in headers {
                rb = rb.header(k, v);
            }
            async move { Resp::read(rb.send().await.expect("patch")).await }
        };
        // Reads need no token.
        let me = Resp::read(browser.get(server.url("/api/v1/auth/me")).send().await.expect("me")).await;
        assert_eq!(me.status, 200, "[{}] cookie session: {}", fx.backend, me.text);
        assert_eq!(me.json["csrf_token"], csrf.as_str());

        let r = send(vec![]).await;
        assert_eq!((r.status, r.code()), (403, "csrf.invalid"), "[{}] no token: {}", fx.backend, r.text);
        assert!(has_chinese(&r.text));
        let r = send(vec![("x-csrf-token", "0".repeat(64))]).await;
        assert_eq!((r.status, r.code()), (403, "csrf.invalid"), "[{}] wrong token", fx.backend);
        let r = send(vec![("x-csrf-token", csrf.clone())]).await;
        assert_eq!(r.status, 200, "[{}] right token: {}", fx.backend, r.text);
        let r = send(vec![("x-csrf-token", csrf.clone()), ("origin", server.base.clone())]).await;
        assert_eq!(r.status, 200, "[{}] right token, same origin: {}", fx.backend, r.text);
        let r = send(vec![("x-csrf-token", csrf.clone()), ("origin", "http://evil.example".into())]).await;
        assert_eq!((r.status, r.code()), (403, "csrf.invalid"), "[{}] foreign Origin", fx.backend);
        let r = send(vec![("x-csrf-token", csrf.clone()), ("sec-fetch-site", "cross-site".into())]).await;
        assert_eq!((r.status, r.code()), (403, "csrf.invalid"), "[{}] cross-site fetch", fx.backend);

        let auditor = fx.login(Caller::Auditor).await;
        let records = server.audit(&auditor, "authz.csrf").await;
        assert_eq!(records.len(), 4, "[{}] CSRF refusals audited: {records:?}", fx.backend);
        assert!(records.iter().all(|r| r["result"] == "denied" && r["actor_name"] == "secretary"));

        // Outside plain-HTTP tests the cookie is `__Host-` prefixed and Secure.
        let secure = Server::start(AppState::new(fx.db.clone())).await;
        let r = http_login(&secure, "secretary", PASSWORD).await;
        assert_eq!(r.status, 200);
        let cookie = r.header("set-cookie");
        for attr in ["__Host-vanguard=", "; Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(cookie.contains(attr), "secure cookie lacks {attr}: {cookie}");
        }
        assert!(!cookie.contains("Domain="), "__Host- cookies carry no Domain: {cookie}");
        fx.db.close().await;
    }
}

// ---- A9: one-time passwords and forced change --------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_time_password_works_once_and_forces_a_change_before_anything_else() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let sysadmin = fx.login(Caller::SysAdmin).await;
        let r = server
            .post(
                "/api/v1/accounts",
                &sysadmin,
                &json!({"username": "newsec", "role": "branch_secretary", "scope_org_id": fx.org(Org::B1)}),
            )
            .await;
        assert_eq!(r.status, 201, "[{}] create: {}", fx.backend, r.text);
        assert_eq!(r.json["account"]["must_change_password"], true);
        let otp = r.json["one_time_password"].as_str().expect("one-time password").to_string();
        assert!(otp.chars().count() >= 12, "one-time password too short: {otp}");
        // 三员分立: the role waits for a 安全管理员's approval.
        let request = r.json["pending_request"]["id"].as_i64().expect("pending request");
        let secadmin = fx.login(Caller::SecAdmin).await;
        let a = server.post(&format!("/api/v1/role-requests/{request}/approve"), &secadmin, &json!({})).await;
        assert_eq!(a.status, 200, "[{}] approve: {}", fx.backend, a.text);

        let r = http_login(&server, "newsec", &otp).await;
        assert_eq!(r.status, 200, "[{}] login with the one-time password: {}", fx.backend, r.text);
        assert_eq!(r.json["must_change_password"], true);
        let t = r.json["token"].as_str().expect("token").to_string();

        for path in ["/api/v1/orgs", "/api/v1/members", &format!("/api/v1/orgs/{}", fx.org(Org::B1))] {
            let r = server.get(path, &t).await;
            assert_eq!((r.status, r.code()), (403, "password.must_change"), "[{}] {path}: {}", fx.backend, r.text);
            assert!(has_chinese(&r.text));
        }
        assert_eq!(server.get("/api/v1/auth/me", &t).await.status, 200, "self-service stays open");
        assert_eq!(server.get("/api/v1/rules", &t).await.status, 200, "self-service stays open");

        // Policy violations: 422 with each problem, in Chinese, on the new_password field.
        let r = server.post("/api/v1/auth/password", &t, &json!({"old_password": otp, "new_password": "abc"})).await;
        assert_eq!(r.status, 422, "[{}] weak password: {}", fx.backend, r.text);
        let codes = r.field_codes();
        assert!(
            codes.contains(&"password.too_short".to_string()) && codes.contains(&"password.classes".to_string()),
            "{codes:?}"
        );
        for f in r.json["error"]["fields"].as_array().expect("fields") {
            assert_eq!(f["field"], "new_password");
            assert!(has_chinese(f["message"].as_str().unwrap_or("")), "{f}");
        }
        assert!(has_chinese(r.json["error"]["message"].as_str().unwrap_or("")));
        let r = server.post("/api/v1/auth/password", &t, &json!({"old_password": otp, "new_password": "Newsec#2026x"})).await;
        assert_eq!(r.status, 422);
        assert!(r.field_codes().contains(&"password.context".to_string()), "user name in password: {}", r.text);
        let r = server
            .post("/api/v1/auth/password", &t, &json!({"old_password": "Wrong@2026x", "new_password": "Branch#Secure9"}))
            .await;
        assert_eq!(r.status, 422);
        assert!(r.field_codes().contains(&"password.wrong".to_string()), "{}", r.text);
        assert_eq!(server.get("/api/v1/orgs", &t).await.code(), "password.must_change", "still forced after failed changes");

        let r = server.post("/api/v1/auth/password", &t, &json!({"old_password": otp, "new_password": "Branch#Secure9"})).await;
        assert_eq!(r.status, 204, "[{}] change: {}", fx.backend, r.text);
        let r = server.get("/api/v1/orgs", &t).await;
        assert_eq!(r.status, 200, "[{}] after the change: {}", fx.backend, r.text);
        assert_eq!(http_login(&server, "newsec", &otp).await.status, 401, "[{}] one-time password reused", fx.backend);
        assert_eq!(http_login(&server, "newsec", "Branch#Secure9").await.status, 200);
        fx.db.close().await;
    }
}

// ---- Z4: sensitive fields -------------------------------------------------------------

fn assert_masked_id(shown: &str, clear: &str) {
    assert_eq!(shown.len(), 18, "masked ID number {shown}");
    assert_eq!(&shown[..1], &clear[..1], "masked ID keeps the first character: {shown}");
    assert_eq!(&shown[1..17], "****************", "masked ID hides address, birth date and sequence: {shown}");
    assert_eq!(&shown[17..], &clear[17..], "masked ID keeps the last character: {shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sensitive_fields_are_masked_and_each_reveal_is_audited() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let m = fx.member(M::B1).clone();

        let r = server.get(&format!("/api/v1/members/{}", m.id), &secretary).await;
        assert_eq!(r.status, 200, "[{}] {}", fx.backend, r.text);
        assert_masked_id(r.json["id_number"].as_str().expect("id_number"), &m.id_number);
        assert!(r.json["id_number"].as_str().unwrap_or("").starts_with("3****************"));
        assert_eq!(r.json["phone"], format!("{}****{}", &m.phone[..3], &m.phone[7..]));
        assert!(!r.text.contains(&m.id_number) && !r.text.contains(&m.phone), "clear value in the detail: {}", r.text);
        let roster = server.get(&format!("/api/v1/members?org_id={}", fx.org(Org::B1)), &secretary).await;
        assert_eq!(roster.status, 200);
        for rec in fx.members.values() {
            assert!(!roster.text.contains(&rec.id_number) && !roster.text.contains(&rec.phone), "clear value in the roster");
        }

        let r = server.post(&format!("/api/v1/members/{}/reveal", m.id), &secretary, &json!({"field": "id_number"})).await;
        assert_eq!(r.status, 200, "[{}] reveal: {}", fx.backend, r.text);
        assert_eq!(r.json["value"], m.id_number.as_str());
        let r = server.post(&format!("/api/v1/members/{}/reveal", m.id), &secretary, &json!({"field": "phone"})).await;
        assert_eq!(r.json["value"], m.phone.as_str());

        let auditor = fx.login(Caller::Auditor).await;
        let reveals = server.audit(&auditor, "member.reveal").await;
        assert_eq!(reveals.len(), 2, "[{}] reveal records: {reveals:?}", fx.backend);
        for rec in &reveals {
            assert_eq!(rec["object"], format!("member:{}", m.id));
            assert_eq!(rec["actor_name"], "secretary");
            assert_eq!(rec["ip"], "127.0.0.1");
            assert!(!rec.to_string().contains(&m.id_number), "the audit log holds the clear value: {rec}");
        }
        assert_eq!(reveals[0]["detail"], "phone");
        assert_eq!(reveals[1]["detail"], "id_number");

        // Roles without the field permission: 403, even on their own record.
        for (caller, own) in [(Caller::Member, M::Member), (Caller::Leader, M::Leader)] {
            let t = fx.login(caller).await;
            let own = fx.member(own);
            let r = server.get(&format!("/api/v1/members/{}", own.id), &t).await;
            assert_eq!(r.status, 200, "[{}] {caller:?} reads its own record", fx.backend);
            assert_masked_id(r.json["id_number"].as_str().unwrap_or(""), &own.id_number);
            let r = server.post(&format!("/api/v1/members/{}/reveal", own.id), &t, &json!({"field": "id_number"})).await;
            assert_eq!((r.status, r.code()), (403, "auth.forbidden"), "[{}] {caller:?} reveal", fx.backend);
        }
        assert_eq!(server.audit(&auditor, "member.reveal").await.len(), 2, "refused reveals are not reveals");
        fx.db.close().await;
    }
}

// ---- Bad input ----------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_with_stable_codes_and_chinese_messages_and_writes_nothing() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let auditor = fx.login(Caller::Auditor).await;
        let b1 = fx.org(Org::B1);

        // Malformed JSON.
        for (method, path) in [(Method::POST, "/api/v1/members".to_string()), (Method::PATCH, format!("/api/v1/orgs/{b1}"))] {
            let r = Resp::read(
                server
                    .request(method.clone(), &path, Some(&secretary))
                    .header("content-type", "application/json")
                    .body("{\"name\": ")
                    .send()
                    .await
                    .expect("send"),
            )
            .await;
            assert_eq!((r.status, r.code()), (400, "body.invalid"), "[{}] {method} {path}: {}", fx.backend, r.text);
            assert!(has_chinese(r.json["error"]["message"].as_str().unwrap_or("")), "{}", r.text);
        }

        let roster_path = format!("/api/v1/members?org_id={b1}");
        let roster = || async { server.get(&roster_path, &secretary).await.json["total"].as_i64().expect("total") };
        let total_before = roster().await;
        let creates_before = server.audit(&auditor, "member.create").await.len();

        // A wrong check digit.
        let good = fresh_id_number();
        let wrong_check = if good.ends_with('0') { '1' } else { '0' };
        let bad = format!("{}{wrong_check}", &good[..17]);
        let r = server.post("/api/v1/members", &secretary, &new_member_body(b1, &bad)).await;
        assert_eq!(r.status, 422, "[{}] bad check digit: {}", fx.backend, r.text);
        assert_eq!(r.code(), "invalid");
        let field =
            r.json["error"]["fields"].as_array().and_then(|f| f.iter().find(|f| f["code"] == "id_number.checksum").cloned());
        let field = field.unwrap_or_else(|| panic!("no id_number.checksum in {}", r.text));
        assert_eq!(field["field"], "id_number");
        assert!(has_chinese(field["message"].as_str().unwrap_or("")));

        // An ID number already on file (even outside the caller's reach).
        let taken = fx.member(M::B3).id_number.clone();
        let r = server.post("/api/v1/members", &secretary, &new_member_body(b1, &taken)).await;
        assert_eq!(r.status, 422, "[{}] duplicate: {}", fx.backend, r.text);
        assert_eq!(r.field_codes(), vec!["id_number.duplicate".to_string()]);

        assert_eq!(roster().await, total_before, "[{}] a refused member was written", fx.backend);
        assert_eq!(
            server.audit(&auditor, "member.create").await.len(),
            creates_before,
            "[{}] a refused member was audited as created",
            fx.backend
        );

        // The corrected number goes in.
        let r = server.post("/api/v1/members", &secretary, &new_member_body(b1, &good)).await;
        assert_eq!(r.status, 201, "[{}] {}", fx.backend, r.text);
        assert_eq!(roster().await, total_before + 1);

        // Unknown routes: a JSON 404 whatever the session.
        for token in [None, Some(secretary.as_str())] {
            let r = server.call(Method::GET, "/api/v1/no-such-thing", token, None).await;
            assert_eq!((r.status, r.code()), (404, "route.not_found"), "[{}] {}", fx.backend, r.text);
            assert!(r.header("content-type").starts_with("application/json"));
            assert!(has_chinese(&r.text));
            assert_security_headers(&r, "unknown route");
        }
        fx.db.close().await;
    }
}

// ---- Z5 and L1: three separate administrators, audited denials --------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_administrators_are_separate_and_every_denial_is_audited() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let sysadmin = fx.login(Caller::SysAdmin).await;
        let auditor = fx.login(Caller::Auditor).await;
        let orgdept = fx.login(Caller::OrgDept).await;
        let m = fx.member(M::B1).id;
        let c = fx.org(Org::C);
        let secretary_account = fx.accounts[&Caller::Secretary];
        let denials: Vec<(&str, &str, Method, String, Option<Value>)> = vec![
            ("sysadmin", &sysadmin, Method::GET, "/api/v1/members".into(), None),
            ("sysadmin", &sysadmin, Method::GET, format!("/api/v1/members/{m}"), None),
            ("sysadmin", &sysadmin, Method::PATCH, format!("/api/v1/members/{m}"), Some(json!({}))),
            ("sysadmin", &sysadmin, Method::GET, "/api/v1/orgs".into(), None),
            ("sysadmin", &sysadmin, Method::GET, format!("/api/v1/orgs/{c}"), None),
            ("sysadmin", &sysadmin, Method::GET, "/api/v1/audit".into(), None),
            ("sysadmin", &sysadmin, Method::GET, "/api/v1/audit/verify".into(), None),
            ("auditor", &auditor, Method::GET, "/api/v1/members".into(), None),
            (
                "auditor",
                &auditor,
                Method::POST,
                "/api/v1/members".into(),
                Some(new_member_body(fx.org(Org::B1), &fresh_id_number())),
            ),
            ("auditor", &auditor, Method::GET, format!("/api/v1/orgs/{c}"), None),
            ("auditor", &auditor, Method::GET, "/api/v1/accounts".into(), None),
            ("auditor", &auditor, Method::POST, format!("/api/v1/accounts/{secretary_account}/disable"), None),
            ("orgdept", &orgdept, Method::GET, "/api/v1/audit".into(), None),
            ("orgdept", &orgdept, Method::GET, "/api/v1/accounts".into(), None),
            (
                "orgdept",
                &orgdept,
                Method::POST,
                "/api/v1/accounts".into(),
                Some(json!({"username": "sneaky", "role": "sysadmin", "password": PASSWORD})),
            ),
        ];
        for (who, token, method, path, body) in &denials {
            let r = server.call(method.clone(), path, Some(token), body.as_ref()).await;
            assert_eq!((r.status, r.code()), (403, "auth.forbidden"), "[{}] {who} {method} {path}: {}", fx.backend, r.text);
            assert!(has_chinese(&r.text));
        }
        // What each may do still works.
        assert_eq!(server.get("/api/v1/accounts", &sysadmin).await.status, 200);
        assert_eq!(server.get("/api/v1/members", &orgdept).await.status, 200);
        let verify = server.get("/api/v1/audit/verify", &auditor).await;
        assert_eq!(verify.status, 200);
        assert_eq!(verify.json["problems"], json!([]), "[{}] audit chain broken: {}", fx.backend, verify.text);

        let records = server.audit(&auditor, "authz.deny").await;
        assert_eq!(records.len(), denials.len(), "[{}] authz.deny records: {records:#?}", fx.backend);
        for (who, _, method, path, _) in &denials {
            let object = format!("{method} {}", path.split('?').next().unwrap_or(path));
            let rec = records.iter().find(|r| r["actor_name"] == *who && r["object"] == object.as_str());
            let rec = rec.unwrap_or_else(|| panic!("[{}] no authz.deny for {who} {object}", fx.backend));
            assert_eq!(rec["result"], "denied");
            assert_eq!(rec["ip"], "127.0.0.1");
            assert!(rec["at"].as_i64().is_some_and(|t| t > 0));
            assert!(!rec["detail"].as_str().unwrap_or("").is_empty(), "the permission is recorded: {rec}");
        }
        // Nobody can change the audit log through the API.
        for spec in vanguard_web::routes::table().iter().filter(|s| s.path.starts_with("/api/v1/audit")) {
            assert_eq!(spec.method, Method::GET, "audit route {} {} changes the log", spec.method, spec.path);
        }
        for method in [Method::DELETE, Method::POST, Method::PUT, Method::PATCH] {
            for token in [&sysadmin, &auditor] {
                let r = server.call(method.clone(), "/api/v1/audit", Some(token), Some(&json!({}))).await;
                assert!(!(200..300).contains(&r.status), "[{}] {method} /api/v1/audit answered {}", fx.backend, r.status);
            }
        }
        fx.db.close().await;
    }
}

// ---- C6: headers --------------------------------------------------------------------

/// What is sent, and the status it must answer: (label, method, path, token, body, status).
type HeaderCase<'a> = (&'a str, Method, String, Option<&'a str>, Option<Value>, u16);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_headers_are_on_every_kind_of_response() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let member = fx.login(Caller::Member).await;
        let b1 = fx.org(Org::B1);
        let cases: Vec<HeaderCase> = vec![
            ("health", Method::GET, "/healthz".into(), None, None, 200),
            ("openapi", Method::GET, "/api/openapi.json".into(), None, None, 200),
            ("ok", Method::GET, format!("/api/v1/orgs/{b1}"), Some(&member), None, 200),
            ("failed login", Method::POST, "/api/v1/auth/login".into(), None, Some(json!({"login": "x", "password": "y"})), 401),
            ("no session", Method::GET, "/api/v1/orgs".into(), None, None, 401),
            ("forbidden", Method::PATCH, format!("/api/v1/orgs/{b1}"), Some(&member), Some(json!({})), 403),
            ("hidden", Method::GET, format!("/api/v1/orgs/{}", fx.org(Org::D2)), Some(&member), None, 404),
            ("no route", Method::GET, "/nowhere".into(), None, None, 404),
            ("bad query", Method::GET, "/api/v1/members?page=abc".into(), Some(&member), None, 400),
            ("wrong method", Method::DELETE, "/healthz".into(), None, None, 405),
        ];
        for (what, method, path, token, body, status) in cases {
            let r = server.call(method, &path, token, body.as_ref()).await;
            assert_eq!(r.status, status, "[{}] {what} {path}: {}", fx.backend, r.text);
            assert_security_headers(&r, what);
            if path.starts_with("/api/") {
                assert_eq!(r.header("cache-control"), "no-store", "{what}: API answers are not cached");
            }
        }
        fx.db.close().await;
    }
}

// ---- The API document ---------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_lists_every_route_of_the_table_with_its_permission() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let r = server.call(Method::GET, "/api/openapi.json", None, None).await;
        assert_eq!(r.status, 200);
        let doc = &r.json;
        assert!(doc["openapi"].as_str().unwrap_or("").starts_with("3."), "{}", doc["openapi"]);
        let table = vanguard_web::routes::table();
        for spec in &table {
            let op = &doc["paths"][spec.path][spec.method.as_str().to_ascii_lowercase()];
            assert!(op.is_object(), "{} {} missing from the document", spec.method, spec.path);
            assert_eq!(op["x-permission"], spec.permission.code(), "{} {}", spec.method, spec.path);
            assert!(has_chinese(op["summary"].as_str().unwrap_or("")), "{} {} summary", spec.method, spec.path);
            if let Some(body) = spec.body {
                let body = body(&mut Vec::new());
                let reference = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str().unwrap_or("");
                let name = reference.rsplit('/').next().unwrap_or("");
                assert_eq!(name, body);
                assert!(doc["components"]["schemas"][&body].is_object(), "schema {body} missing");
            }
        }
        // Every reference anywhere (answers, bodies, parameters, schemas) resolves: the
        // derived schemas are complete.
        let text = doc.to_string();
        for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = reference.split('"').next().unwrap_or("");
            assert!(doc["components"]["schemas"][name].is_object(), "schema {name} is referred to but missing");
        }
        // And nothing the table does not have.
        let mut documented = 0;
        for (path, ops) in doc["paths"].as_object().expect("paths") {
            for method in ops.as_object().expect("operations").keys() {
                documented += 1;
                assert!(
                    table.iter().any(|s| s.path == path && s.method.as_str().eq_ignore_ascii_case(method)),
                    "documented {method} {path} is not a route"
                );
            }
        }
        assert_eq!(documented, table.len());
        fx.db.close().await;
    }
}

// ---- Z6: org moves ------------------------------------------------------------------

async fn members_of(server: &Server, token: &str, org_id: i64) -> i64 {
    let r = server.get(&format!("/api/v1/orgs/{org_id}"), token).await;
    assert_eq!(r.status, 200, "org {org_id}: {}", r.text);
    r.json["counts"]["members"].as_i64().expect("counts.members")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moving_a_branch_moves_reach_and_counts_at_once() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        fx.account("district2", Role::CommitteeAdmin, Some(Org::D2), None).await;
        let orgdept = fx.login(Caller::OrgDept).await;
        let street = fx.login(Caller::Street).await;
        let district = fx.login(Caller::District).await;
        let district2 = fx.login_as("district2").await;
        let (b2, d2, s1, d1, c) = (fx.org(Org::B2), fx.org(Org::D2), fx.org(Org::S1), fx.org(Org::D1), fx.org(Org::C));
        let m_b2 = fx.member(M::B2).id;
        let org_path = format!("/api/v1/orgs/{b2}");
        let member_path = format!("/api/v1/members/{m_b2}");
        let roster_path = format!("/api/v1/members?org_id={b2}");

        for t in [&street, &district] {
            assert_eq!(server.get(&org_path, t).await.status, 200);
            assert_eq!(server.get(&member_path, t).await.status, 200);
        }
        assert_eq!(server.get(&org_path, &district2).await.status, 404);
        assert_eq!(server.get(&member_path, &district2).await.status, 404);
        assert_eq!(members_of(&server, &street, s1).await, 5);
        assert_eq!(members_of(&server, &district, d1).await, 6);
        assert_eq!(members_of(&server, &district2, d2).await, 1);
        assert_eq!(members_of(&server, &orgdept, c).await, 7);
        // The street admin may not move its branch out of its own reach.
        let r = server.post(&format!("{org_path}/move"), &street, &json!({"parent_id": d2})).await;
        assert_eq!(r.status, 404, "[{}] street moves B2 to D2: {}", fx.backend, r.text);

        let r = server.post(&format!("{org_path}/move"), &orgdept, &json!({"parent_id": d2})).await;
        assert_eq!(r.status, 200, "[{}] move: {}", fx.backend, r.text);
        assert_eq!(r.json["parent_id"], d2);
        assert_eq!(r.json["counts"]["members"], 1);

        // The old ancestors' admins lose B2 and its members at once, same sessions.
        for t in [&street, &district] {
            for path in [&org_path, &member_path, &roster_path] {
                let r = server.get(path, t).await;
                assert_eq!((r.status, r.code()), (404, "not_found"), "[{}] {path} after the move: {}", fx.backend, r.text);
            }
            let r = server.call(Method::PATCH, &member_path, Some(t), Some(&json!({}))).await;
            assert_eq!(r.status, 404, "[{}] write after the move", fx.backend);
        }
        // The new ancestor's admin has them.
        for path in [&org_path, &member_path] {
            assert_eq!(server.get(path, &district2).await.status, 200, "[{}] {path} for the new district", fx.backend);
        }
        let roster = server.get(&roster_path, &district2).await;
        assert_eq!(roster.json["total"], 1, "{}", roster.text);
        assert_eq!(roster.json["items"][0]["id"], m_b2);
        assert_eq!(server.call(Method::PATCH, &member_path, Some(&district2), Some(&json!({}))).await.status, 200);
        let children = server.get(&format!("/api/v1/orgs/{d2}/children"), &district2).await;
        let moved =
            children.json["items"].as_array().and_then(|a| a.iter().find(|o| o["id"] == b2).cloned()).expect("B2 under D2");
        assert_eq!(moved["counts"]["members"], 1);
        assert_eq!(server.get("/api/v1/members", &street).await.json["total"], 4);
        assert_eq!(server.get("/api/v1/members", &district2).await.json["total"], 2);

        // Subtree totals follow.
        assert_eq!(members_of(&server, &street, s1).await, 4);
        assert_eq!(members_of(&server, &district, d1).await, 5);
        assert_eq!(members_of(&server, &district2, d2).await, 2);
        assert_eq!(members_of(&server, &orgdept, c).await, 7);

        let auditor = fx.login(Caller::Auditor).await;
        let moves = server.audit(&auditor, "org.move").await;
        assert_eq!(moves.len(), 1, "{moves:?}");
        assert_eq!(moves[0]["object"], format!("org:{b2}"));
        fx.db.close().await;
    }
}
