//! The holes issue 10 §2 found by probing, over HTTP, each with the test named after it
//! that failed on the code before the fix (the store's side is in
//! `crates/store/tests/store/secure.rs`). Every case runs on SQLite and PostgreSQL.

use crate::fixture::{Caller, M, Org, PASSWORD, Server, fixtures, has_chinese};
use reqwest::Method;
use serde_json::json;
use vanguard_store::platform::alerts;
use vanguard_web::AppState;

fn old_style_mask(clear: &str) -> String {
    format!("{}********{}", &clear[..6], &clear[14..])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_masked_id_number_shows_only_its_first_and_last_character_in_the_api_and_the_pages() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let m = fx.member(M::B1).clone();
        let want = format!("{}****************{}", &m.id_number[..1], &m.id_number[17..]);
        let r = server.get(&format!("/api/v1/members/{}", m.id), &secretary).await;
        assert_eq!(r.json["id_number"], want.as_str(), "[{}] {}", fx.backend, r.text);
        let birth = r.json["birth_date"].as_str().unwrap_or("").replace('-', "");
        assert!(!r.text.contains(&old_style_mask(&m.id_number)), "[{}] the old mask is still shown", fx.backend);
        // The birth date shown beside it is no longer the mask's missing middle.
        assert!(!r.json["id_number"].as_str().unwrap_or("").contains(&birth));
        let page = server.get(&format!("/members/{}", m.id), &secretary).await;
        assert_eq!(page.status, 200, "[{}] {}", fx.backend, page.status);
        assert!(page.text.contains(&want), "[{}] member page shows the new mask", fx.backend);
        assert!(!page.text.contains(&old_style_mask(&m.id_number)) && !page.text.contains(&m.id_number));
        let roster = server.get(&format!("/members?org_id={}", fx.org(Org::B1)), &secretary).await;
        assert!(!roster.text.contains(&old_style_mask(&m.id_number)), "[{}] roster page", fx.backend);
        fx.db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sysadmin_cannot_give_its_own_account_a_role() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let sysadmin = fx.login(Caller::SysAdmin).await;
        let own = fx.accounts[&Caller::SysAdmin];
        let body = json!({"role": "org_dept_admin", "scope_org_id": fx.org(Org::C)});
        let r = server.call(Method::PUT, &format!("/api/v1/accounts/{own}/role"), Some(&sysadmin), Some(&body)).await;
        assert_eq!((r.status, r.code()), (409, "account.self_role"), "[{}] {}", fx.backend, r.text);
        assert!(has_chinese(&r.text));
        assert_eq!(server.get("/api/v1/members", &sysadmin).await.status, 403, "[{}] still no member data", fx.backend);
        fx.db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn granting_a_data_role_answers_202_and_takes_effect_only_when_a_secadmin_approves() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let sysadmin = fx.login(Caller::SysAdmin).await;
        let secadmin = fx.login(Caller::SecAdmin).await;
        // The sysadmin makes a helper account, then tries to give it the whole city.
        let r = server.post("/api/v1/accounts", &sysadmin, &json!({"username": "helper", "role": "auditor"})).await;
        assert_eq!(r.status, 201, "[{}] {}", fx.backend, r.text);
        assert_eq!(r.json["account"]["disabled"], true, "an auditor role waits for approval too");
        let id = r.json["account"]["id"].as_i64().expect("id");
        let first = r.json["pending_request"]["id"].as_i64().expect("request");
        assert_eq!(server.post(&format!("/api/v1/role-requests/{first}/approve"), &secadmin, &json!({})).await.status, 200);

        let body = json!({"role": "org_dept_admin", "scope_org_id": fx.org(Org::C)});
        let r = server.call(Method::PUT, &format!("/api/v1/accounts/{id}/role"), Some(&sysadmin), Some(&body)).await;
        assert_eq!(r.status, 202, "[{}] {}", fx.backend, r.text);
        assert_eq!(r.json["status"], "pending");
        let request = r.json["id"].as_i64().expect("request id");
        let detail = server.get(&format!("/api/v1/accounts/{id}"), &sysadmin).await;
        assert_eq!(detail.json["role"], "auditor", "[{}] role changed before approval", fx.backend);
        // The asker cannot approve it: the route is the 安全管理员's.
        let r = server.post(&format!("/api/v1/role-requests/{request}/approve"), &sysadmin, &json!({})).await;
        assert_eq!(r.status, 403, "[{}] {}", fx.backend, r.text);
        let list = server.get("/api/v1/role-requests", &secadmin).await;
        assert!(list.json["items"].as_array().is_some_and(|l| l.iter().any(|q| q["id"] == request && q["status"] == "pending")));
        let r = server.post(&format!("/api/v1/role-requests/{request}/approve"), &secadmin, &json!({})).await;
        assert_eq!((r.status, r.json["status"].as_str()), (200, Some("approved")), "[{}] {}", fx.backend, r.text);
        let detail = server.get(&format!("/api/v1/accounts/{id}"), &sysadmin).await;
        assert_eq!(detail.json["role"], "org_dept_admin", "[{}]", fx.backend);
        let auditor = fx.login(Caller::Auditor).await;
        assert_eq!(server.audit(&auditor, "account.role_decide").await.len(), 2, "[{}] decisions audited", fx.backend);
        fx.db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_security_page_shows_pending_grants_and_alerts_and_the_auditor_sees_the_alerts() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let sysadmin = fx.login(Caller::SysAdmin).await;
        let secadmin = fx.login(Caller::SecAdmin).await;
        let auditor = fx.login(Caller::Auditor).await;
        let r = server.post("/api/v1/accounts", &sysadmin, &json!({"username": "pending1", "role": "auditor"})).await;
        assert_eq!(r.status, 201);
        alerts::raise(&fx.db, alerts::AUDIT_VERIFY_FAILED, "第 3 条记录被修改或伪造").await.unwrap();
        let page = server.get("/security", &secadmin).await;
        assert_eq!(page.status, 200, "[{}]", fx.backend);
        assert!(page.text.contains("待审批") && page.text.contains("第 3 条记录被修改或伪造"), "[{}] {}", fx.backend, page.text);
        assert!(page.header("cache-control").contains("no-store"));
        let audit = server.get("/audit", &auditor).await;
        assert!(audit.text.contains("第 3 条记录被修改或伪造"), "[{}] the auditor's page shows the alert", fx.backend);
        let api = server.get("/api/v1/audit/alerts", &auditor).await;
        assert_eq!(api.json["items"].as_array().map(Vec::len), Some(1), "[{}] {}", fx.backend, api.text);
        fx.db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_security_page_names_each_account_its_role_and_scope_never_their_ids() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let sysadmin = fx.login(Caller::SysAdmin).await;
        let secadmin = fx.login(Caller::SecAdmin).await;
        let body = json!({"username": "deptnew", "display_name": "组织部新人", "role": "org_dept_admin", "scope_org_id": fx.org(Org::D1)});
        let r = server.post("/api/v1/accounts", &sysadmin, &body).await;
        assert_eq!(r.status, 201, "[{}] {}", fx.backend, r.text);
        let id = r.json["account"]["id"].as_i64().expect("id");
        let page = server.get("/security", &secadmin).await;
        assert_eq!(page.status, 200, "[{}]", fx.backend);
        let row = page.text.split("<tr>").find(|r| r.contains("deptnew")).unwrap_or_default().to_string();
        assert!(row.contains("组织部新人（deptnew）"), "[{}] the account by name: {row}", fx.backend);
        assert!(row.contains("组织部管理员") && row.contains("第一区委"), "[{}] role and scope in Chinese: {row}", fx.backend);
        assert!(!page.text.contains(&format!(">{id}<")), "[{}] no internal account id", fx.backend);
        assert!(!row.contains(&format!(">{}<", fx.org(Org::D1))), "[{}] no internal org id", fx.backend);
        fx.db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_rate_limited_logins_from_one_address_adds_one_audit_record() {
    for (_t, fx) in fixtures().await {
        let server = Server::start(AppState::new(fx.db.clone())).await;
        let burst = fx.db.rules().login.ip_burst;
        for i in 0..burst + 200 {
            let body = json!({"login": format!("nobody{i}"), "password": "Wrong@2026x"});
            server.call(Method::POST, "/api/v1/auth/login", None, Some(&body)).await;
        }
        let auditor = fx.login(Caller::Auditor).await;
        let refused = server.audit(&auditor, "auth.rate_limit").await;
        assert_eq!(refused.len(), 1, "[{}] {} records for one address", fx.backend, refused.len());
        fx.db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_common_password_is_refused_when_changing_it() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let t = fx.login(Caller::Secretary).await;
        for common in ["Passw0rd", "Demo@2026"] {
            let body = json!({"old_password": PASSWORD, "new_password": common});
            let r = server.post("/api/v1/auth/password", &t, &body).await;
            assert_eq!(r.status, 422, "[{}] {common}: {}", fx.backend, r.text);
            assert!(r.field_codes().contains(&"password.common".to_string()), "{:?}", r.field_codes());
        }
        fx.db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_number_past_any_list_is_never_the_first_page() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let t = fx.login(Caller::OrgDept).await;
        let r = server.get("/api/v1/members?page=9223372036854775807", &t).await;
        let empty = r.status == 200 && r.json["items"].as_array().is_some_and(Vec::is_empty);
        assert!(empty || r.status == 400, "[{}] {} {}", fx.backend, r.status, r.text);
        fx.db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn percent_and_underscore_in_a_search_match_only_themselves_over_http() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let t = fx.login(Caller::OrgDept).await;
        for q in ["%25", "_"] {
            let r = server.get(&format!("/api/v1/members?q={q}"), &t).await;
            assert_eq!(r.status, 200, "[{}] {}", fx.backend, r.text);
            assert_eq!(r.json["items"].as_array().map(Vec::len), Some(0), "[{}] q={q} matched everyone", fx.backend);
        }
        fx.db.close().await;
    }
}

// ---- 等保三级: the second factor for administrators ---------------------------------------

use vanguard_store::account::totp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_without_a_second_factor_can_only_enrol_one_and_then_logs_in_with_it() {
    for (_t, fx) in fixtures().await {
        let mut rules = (*fx.db.rules()).clone();
        rules.login.second_factor_for_admins = true;
        fx.db.set_rules(rules);
        let server = Server::relaxed(&fx.db).await;
        let login = |user: &'static str| {
            let body = json!({"login": user, "password": PASSWORD});
            let server = &server;
            async move { server.call(Method::POST, "/api/v1/auth/login", None, Some(&body)).await }
        };
        let r = login("orgdept").await;
        assert_eq!((r.status, r.json["second_factor_required"].as_bool()), (200, Some(false)), "[{}] {}", fx.backend, r.text);
        let t = r.json["token"].as_str().expect("token").to_string();
        let denied = server.get("/api/v1/members", &t).await;
        assert_eq!((denied.status, denied.code()), (403, "totp.enrol_required"), "[{}] {}", fx.backend, denied.text);
        assert!(has_chinese(&denied.text));
        let page = server.get("/", &t).await;
        assert_eq!((page.status, page.header("location")), (303, "/totp"), "[{}] the home page waits too", fx.backend);

        let e = server.post("/api/v1/auth/totp/enrol", &t, &json!({})).await;
        assert_eq!(e.status, 200, "[{}] {}", fx.backend, e.text);
        let secret = totp::from_base32(e.json["secret"].as_str().expect("secret")).expect("base32");
        let code = totp::code_at(&secret, fx.db.clock().now_ms());
        let c = server.post("/api/v1/auth/totp/confirm", &t, &json!({"code": code})).await;
        assert_eq!(c.status, 200, "[{}] {}", fx.backend, c.text);
        assert_eq!(c.json["recovery_codes"].as_array().map(Vec::len), Some(10));

        // The next login needs the code before anything else.
        fx.db.clock().advance(totp::STEP_SECONDS * 1000);
        let r = login("orgdept").await;
        assert_eq!(r.json["second_factor_required"], true, "[{}] {}", fx.backend, r.text);
        let t = r.json["token"].as_str().expect("token").to_string();
        let waiting = server.get("/api/v1/members", &t).await;
        assert_eq!((waiting.status, waiting.code()), (401, "auth.second_factor"), "[{}] {}", fx.backend, waiting.text);
        let wrong = server.post("/api/v1/auth/totp", &t, &json!({"code": "12345"})).await;
        assert_eq!((wrong.status, wrong.code()), (401, "totp.wrong"));
        let code = totp::code_at(&secret, fx.db.clock().now_ms());
        assert_eq!(server.post("/api/v1/auth/totp", &t, &json!({"code": code})).await.status, 204, "[{}]", fx.backend);
        assert_eq!(server.get("/api/v1/members", &t).await.status, 200, "[{}] after the second factor", fx.backend);
        // A member is not asked for one.
        assert_eq!(login("member").await.json["second_factor_required"], false);
        let m = login("member").await.json["token"].as_str().map(str::to_string).expect("token");
        assert_eq!(server.get("/api/v1/auth/me", &m).await.status, 200);
        fx.db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_branch_secretary_without_a_second_factor_is_kept_from_the_workbench_until_one_is_enrolled_and_given() {
    for (_t, fx) in fixtures().await {
        let branch = fx.org(Org::B1);
        let server = Server::relaxed(&fx.db).await;
        let login = || {
            let body = json!({"login": "secretary", "password": PASSWORD});
            let server = &server;
            async move { server.call(Method::POST, "/api/v1/auth/login", None, Some(&body)).await }
        };
        // Off (the demo's rule set): a password is enough.
        let t = login().await.json["token"].as_str().expect("token").to_string();
        assert_eq!(server.get(&format!("/api/v1/members?org_id={branch}"), &t).await.status, 200, "[{}] rule off", fx.backend);

        // On (the production default): the password-only session reaches nothing but enrolment.
        let mut rules = (*fx.db.rules()).clone();
        rules.login.second_factor_for_secretaries = true;
        fx.db.set_rules(rules);
        assert!(vanguard_domain::kernel::rules::LoginPolicy::default().second_factor_for_secretaries, "on by default");
        let r = login().await;
        assert_eq!((r.status, r.json["second_factor_required"].as_bool()), (200, Some(false)), "[{}] {}", fx.backend, r.text);
        let t = r.json["token"].as_str().expect("token").to_string();
        for path in [format!("/api/v1/members?org_id={branch}"), format!("/api/v1/orgs/{branch}")] {
            let denied = server.get(&path, &t).await;
            assert_eq!((denied.status, denied.code()), (403, "totp.enrol_required"), "[{}] {path}: {}", fx.backend, denied.text);
            assert!(has_chinese(&denied.text) && denied.text.contains("支部书记"), "{}", denied.text);
        }
        let page = server.get("/", &t).await;
        assert_eq!((page.status, page.header("location")), (303, "/totp"), "[{}] the workbench page waits too", fx.backend);

        // Enrolment as for administrators.
        let e = server.post("/api/v1/auth/totp/enrol", &t, &json!({})).await;
        assert_eq!(e.status, 200, "[{}] {}", fx.backend, e.text);
        let secret = totp::from_base32(e.json["secret"].as_str().expect("secret")).expect("base32");
        let code = totp::code_at(&secret, fx.db.clock().now_ms());
        let c = server.post("/api/v1/auth/totp/confirm", &t, &json!({"code": code})).await;
        assert_eq!(c.status, 200, "[{}] {}", fx.backend, c.text);

        // The next login waits for the code, then serves the branch.
        fx.db.clock().advance(totp::STEP_SECONDS * 1000);
        let r = login().await;
        assert_eq!(r.json["second_factor_required"], true, "[{}] {}", fx.backend, r.text);
        let t = r.json["token"].as_str().expect("token").to_string();
        let waiting = server.get(&format!("/api/v1/members?org_id={branch}"), &t).await;
        assert_eq!((waiting.status, waiting.code()), (401, "auth.second_factor"), "[{}] {}", fx.backend, waiting.text);
        let code = totp::code_at(&secret, fx.db.clock().now_ms());
        assert_eq!(server.post("/api/v1/auth/totp", &t, &json!({"code": code})).await.status, 204, "[{}]", fx.backend);
        assert_eq!(
            server.get(&format!("/api/v1/members?org_id={branch}"), &t).await.status,
            200,
            "[{}] after the code",
            fx.backend
        );
        // Neither a group leader nor a member is asked under this rule.
        let leader =
            server.call(Method::POST, "/api/v1/auth/login", None, Some(&json!({"login": "leader", "password": PASSWORD}))).await;
        assert_eq!(leader.json["second_factor_required"], false, "[{}] {}", fx.backend, leader.text);
        let lt = leader.json["token"].as_str().expect("token").to_string();
        assert_ne!(server.get(&format!("/api/v1/members?org_id={branch}"), &lt).await.code(), "totp.enrol_required");
        fx.db.close().await;
    }
}

// ---- Accounts bound by name, never by internal ids (issue 11 §5; 三员分立) ---------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_admin_picks_an_org_by_name_and_links_a_member_by_id_number_without_reading_member_data() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let sysadmin = fx.login(Caller::SysAdmin).await;
        let b1 = fx.org(Org::B1);
        // An org by name: its name and where it sits, nothing else.
        let orgs = server.get("/api/v1/accounts/orgs?q=东一社区", &sysadmin).await;
        assert_eq!(orgs.status, 200, "[{}] {}", fx.backend, orgs.text);
        let items = orgs.json["items"].as_array().cloned().unwrap_or_default();
        assert_eq!(items.len(), 1, "[{}] {}", fx.backend, orgs.text);
        assert_eq!(items[0]["id"].as_i64(), Some(b1), "[{}] {}", fx.backend, orgs.text);
        assert_eq!(items[0]["within"], "测试市委 / 第一区委 / 东街道党工委", "[{}] {}", fx.backend, orgs.text);
        let mut keys: Vec<&str> = items[0].as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
        keys.sort_unstable();
        assert_eq!(keys, ["id", "kind_label", "name", "within"], "[{}] names and paths only: {}", fx.backend, orgs.text);
        // Still no member list for the system administrator.
        assert_eq!(server.get("/api/v1/members", &sysadmin).await.status, 403, "[{}]", fx.backend);
        let member = fx.member(M::B1).id;
        assert_eq!(server.get(&format!("/api/v1/members/{member}"), &sysadmin).await.status, 403, "[{}]", fx.backend);

        // A member by 公民身份号码: found or not, and a masked name.
        let zhao = fx.member(M::B1).clone();
        let r = server.post("/api/v1/accounts/member-lookup", &sysadmin, &json!({"id_number": zhao.id_number})).await;
        assert_eq!(r.status, 200, "[{}] {}", fx.backend, r.text);
        assert_eq!(
            (r.json["found"].as_bool(), r.json["masked_name"].as_str()),
            (Some(true), Some("赵*志")),
            "[{}] {}",
            fx.backend,
            r.text
        );
        assert!(
            !r.text.contains("赵同志") && !r.text.contains(&zhao.id.to_string()),
            "[{}] no name, no id: {}",
            fx.backend,
            r.text
        );
        let wrong = crate::fixture::fresh_id_number();
        let r = server.post("/api/v1/accounts/member-lookup", &sysadmin, &json!({"id_number": wrong})).await;
        assert_eq!((r.status, r.json["found"].as_bool()), (200, Some(false)), "[{}] {}", fx.backend, r.text);
        assert!(r.json["message"].as_str().is_some_and(|m| m.contains("未找到")), "[{}] {}", fx.backend, r.text);
        let r = server.post("/api/v1/accounts/member-lookup", &sysadmin, &json!({"id_number": "12345"})).await;
        assert_eq!(r.status, 422, "[{}] {}", fx.backend, r.text);
        assert!(has_chinese(&r.text) && r.text.contains("18位"), "[{}] {}", fx.backend, r.text);

        // Accounts bound that way; the list names the org and the member, masked.
        let body = json!({"username": "zhao", "role": "member", "member_id_number": zhao.id_number});
        let r = server.post("/api/v1/accounts", &sysadmin, &body).await;
        assert_eq!(r.status, 201, "[{}] {}", fx.backend, r.text);
        assert_eq!(r.json["account"]["member_id"].as_i64(), Some(zhao.id), "[{}] {}", fx.backend, r.text);
        let zhao_account = r.json["account"]["id"].as_i64().expect("id");
        let body = json!({"username": "nobody", "role": "member", "member_id_number": wrong});
        let r = server.post("/api/v1/accounts", &sysadmin, &body).await;
        assert_eq!(r.status, 422, "[{}] {}", fx.backend, r.text);
        assert!(r.text.contains("未找到"), "[{}] {}", fx.backend, r.text);
        let body = json!({"role": "member", "member_id_number": wrong});
        let r = server.call(Method::PUT, &format!("/api/v1/accounts/{zhao_account}/role"), Some(&sysadmin), Some(&body)).await;
        assert_eq!(r.status, 422, "[{}] a role change links by number too: {}", fx.backend, r.text);
        assert!(r.text.contains("未找到"), "[{}] {}", fx.backend, r.text);
        let body = json!({"username": "sec2", "role": "branch_secretary", "scope_org_id": b1});
        assert_eq!(server.post("/api/v1/accounts", &sysadmin, &body).await.status, 201, "[{}]", fx.backend);
        let list = server.get("/api/v1/accounts?limit=200", &sysadmin).await;
        let items = list.json["items"].as_array().cloned().unwrap_or_default();
        let zhao_row = items.iter().find(|a| a["username"] == "zhao").cloned().unwrap_or_default();
        assert_eq!(zhao_row["member_masked_name"], "赵*志", "[{}] {}", fx.backend, list.text);
        let sec_row = items.iter().find(|a| a["username"] == "sec2").cloned().unwrap_or_default();
        assert_eq!(sec_row["scope_org"]["name"], "东一社区党支部", "[{}] {}", fx.backend, list.text);
        assert!(!list.text.contains("赵同志"), "[{}] {}", fx.backend, list.text);

        // The page: names, never ids, and the picker by name.
        let page = server.get("/accounts?limit=200", &sysadmin).await;
        assert_eq!(page.status, 200, "[{}]", fx.backend);
        assert!(page.text.contains("东一社区党支部") && page.text.contains("赵*志"), "[{}] {}", fx.backend, page.text);
        assert!(!page.text.contains(&format!(">{b1}<")) && !page.text.contains("编号"), "[{}] no ids: {}", fx.backend, page.text);
        assert!(page.text.contains("/accounts/pick-org") && page.text.contains("公民身份号码"), "[{}] {}", fx.backend, page.text);
        let pick = server.get("/accounts/pick-org?name=scope_org_id&pick_q=东二", &sysadmin).await;
        assert_eq!(pick.status, 200, "[{}] {}", fx.backend, pick.text);
        assert!(
            pick.text.contains("东二社区党支部") && pick.text.contains(&format!("value=\"{}\"", fx.org(Org::B2))),
            "[{}] {}",
            fx.backend,
            pick.text
        );
        assert!(!pick.text.contains("东一社区党支部"), "[{}] only what was searched: {}", fx.backend, pick.text);

        // Every lookup is audited, the number masked.
        let auditor = fx.login(Caller::Auditor).await;
        let records = server.audit(&auditor, "account.member_lookup").await;
        assert_eq!(records.len(), 2, "[{}] {records:?}", fx.backend);
        assert!(records.iter().all(|r| !r.to_string().contains(&zhao.id_number)), "[{}] {records:?}", fx.backend);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_accounts_page_creates_an_account_from_a_picked_org_and_an_id_number() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let sysadmin = fx.login(Caller::SysAdmin).await;
        let zhao = fx.member(M::B1).clone();
        let form = |number: &str| {
            vec![
                ("username".to_string(), format!("page_{}", &number[14..])),
                ("role".to_string(), "member".to_string()),
                ("member_id_number".to_string(), number.to_string()),
            ]
        };
        let wrong = crate::fixture::fresh_id_number();
        let post = async |f: Vec<(String, String)>| {
            let rb = server.request(Method::POST, "/accounts", Some(&sysadmin)).form(&f);
            crate::fixture::Resp::read(rb.send().await.expect("send")).await
        };
        let r = post(form(&wrong)).await;
        assert_eq!(r.status, 422, "[{}] {}", fx.backend, r.text);
        assert!(r.text.contains("未找到该公民身份号码对应的在册党员"), "[{}] {}", fx.backend, r.text);
        assert!(!r.text.contains(&wrong), "[{}] the number is not echoed: {}", fx.backend, r.text);
        let r = post(form(&zhao.id_number)).await;
        assert_eq!(r.status, 200, "[{}] {}", fx.backend, r.text);
        assert!(r.text.contains("赵*志") && r.text.contains("一次性密码"), "[{}] {}", fx.backend, r.text);
    }
}
