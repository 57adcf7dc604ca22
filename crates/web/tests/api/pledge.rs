//! 三亮三比 and 挂职 over HTTP: a member writes the year's commitment, the secretary
//! approves it (never their own), grants a label of a kind the branch's 领域 allows and
//! publishes the branch's page; the public page (no login) then shows the name and the
//! commitment only, and answers 404 before. A cadre is seconded, reports, and the term is
//! evaluated only after it ends.

use crate::fixture::{Caller, M, Org, Server, fixtures};
use reqwest::Method;
use serde_json::json;
use vanguard_domain::kernel::time::date_text;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commitment_is_approved_by_another_account_and_shown_publicly_only_once_published() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let member = fx.login(Caller::Member).await;
        let secretary = fx.login(Caller::Secretary).await;
        let b1 = fx.org(Org::B1);
        let me = fx.member(M::Member).id;

        let r = server.call(Method::PUT, "/api/v1/pledges/me", Some(&member), Some(&json!({"text": "带头做好窗口服务"}))).await;
        assert_eq!((r.status, r.json["state"].as_str()), (200, Some("submitted")), "[{}] {}", fx.backend, r.text);
        // The secretary's own commitment cannot be approved by the secretary.
        let r = server.call(Method::PUT, "/api/v1/pledges/me", Some(&secretary), Some(&json!({"text": "抓好支部建设"}))).await;
        assert_eq!(r.status, 200, "[{}] {}", fx.backend, r.text);

        let o = server.get(&format!("/api/v1/pledges/orgs/{b1}"), &secretary).await;
        assert_eq!(o.status, 200, "[{}] {}", fx.backend, o.text);
        let id_of = |member_id: i64| {
            o.json["commitments"].as_array().unwrap().iter().find(|c| c["member_id"].as_i64() == Some(member_id)).unwrap()["id"]
                .as_i64()
                .unwrap()
        };
        let mine = id_of(me);
        let own = id_of(fx.member(M::Secretary).id);
        let r =
            server.post(&format!("/api/v1/pledges/commitments/{own}/decide"), &secretary, &json!({"action": "approve"})).await;
        assert_eq!((r.status, r.code()), (409, "pledge.own"), "[{}] {}", fx.backend, r.text);
        let r =
            server.post(&format!("/api/v1/pledges/commitments/{mine}/decide"), &secretary, &json!({"action": "return"})).await;
        assert_eq!(r.status, 422, "a return needs a reason: [{}] {}", fx.backend, r.text);
        let r =
            server.post(&format!("/api/v1/pledges/commitments/{mine}/decide"), &secretary, &json!({"action": "approve"})).await;
        assert_eq!(r.status, 204, "[{}] {}", fx.backend, r.text);
        let r = server.get("/api/v1/pledges/me", &member).await;
        assert_eq!(r.json["state"].as_str(), Some("approved"), "[{}] {}", fx.backend, r.text);

        // A 社区 branch grants 共产党员户, not 党员示范岗 (机关).
        let label = |kind: &str| json!({"member_id": me, "kind": kind, "post": "东一社区3幢"});
        let r = server.post(&format!("/api/v1/pledges/orgs/{b1}/labels"), &secretary, &label("demo_post")).await;
        assert_eq!((r.status, r.field_codes()), (422, vec!["pledge.label_kind".to_string()]), "{}", r.text);
        let r = server.post(&format!("/api/v1/pledges/orgs/{b1}/labels"), &secretary, &label("household")).await;
        assert_eq!(r.status, 201, "[{}] {}", fx.backend, r.text);

        // Unpublished: nothing, not even the org's name.
        let public = format!("/api/v1/public/orgs/{b1}/pledges");
        let r = server.call(Method::GET, &public, None, None).await;
        assert_eq!(r.status, 404, "[{}] {}", fx.backend, r.text);
        let r = server
            .call(
                Method::PUT,
                &format!("/api/v1/pledges/orgs/{b1}/published"),
                Some(&secretary),
                Some(&json!({"published": true})),
            )
            .await;
        assert_eq!(r.status, 200, "[{}] {}", fx.backend, r.text);
        let r = server.call(Method::GET, &public, None, None).await;
        assert_eq!(r.status, 200, "[{}] {}", fx.backend, r.text);
        let line = r.json["members"].as_array().unwrap().iter().find(|m| m["commitment"] == "带头做好窗口服务").cloned().unwrap();
        assert_eq!(line["labels"][0].as_str(), Some("共产党员户（东一社区3幢）"), "{}", r.text);
        let keys: Vec<&String> = line.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["commitment", "labels", "name"], "name, labels and commitment only: {}", r.text);
        // The secretary's own commitment is not approved: not shown.
        assert!(!r.text.contains("抓好支部建设"), "{}", r.text);
        let page = server.call(Method::GET, &format!("/public/orgs/{b1}/pledges"), None, None).await;
        assert!(page.status == 200 && page.text.contains("带头做好窗口服务"), "{}", page.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seconded_cadre_reports_and_is_evaluated_only_after_the_term() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let street = fx.login(Caller::Street).await;
        let today = fx.db.clock().today();
        let start = today.checked_sub_months(chrono::Months::new(2)).unwrap();
        let body = json!({"member_id": fx.member(M::B1).id, "to_org_id": fx.org(Org::B2), "starts_on": date_text(start),
            "post": "社区党组织副书记", "duties": "协助抓好社区党建"});
        let r = server.post("/api/v1/secondments", &secretary, &body).await;
        assert_eq!((r.status, r.json["state"].as_str()), (201, Some("active")), "[{}] {}", fx.backend, r.text);
        let id = r.json["id"].as_i64().unwrap();
        let step = |s: &str, text: &str| json!({"step": s, "on": date_text(today), "text": text, "grade": "good"});
        let r = server.post(&format!("/api/v1/secondments/{id}/steps"), &street, &step("report", "第一季度工作汇报")).await;
        assert_eq!((r.status, r.json["reports"].as_i64()), (200, Some(1)), "[{}] {}", fx.backend, r.text);
        let r = server.post(&format!("/api/v1/secondments/{id}/steps"), &street, &step("evaluate", "称职")).await;
        assert_eq!((r.status, r.code()), (409, "secondment.not_ended"), "[{}] {}", fx.backend, r.text);
        let r = server.post(&format!("/api/v1/secondments/{id}/steps"), &street, &step("end", "")).await;
        assert_eq!((r.status, r.code()), (409, "secondment.not_due"), "[{}] {}", fx.backend, r.text);
        let years = server.get(&format!("/api/v1/secondments/orgs/{}/years", fx.org(Org::S1)), &street).await;
        let this = years
            .json
            .as_array()
            .unwrap()
            .iter()
            .find(|y| y["year"].as_i64() == Some(i64::from(chrono::Datelike::year(&start))))
            .cloned();
        assert_eq!(this.map(|y| y["started"].as_i64()), Some(Some(1)), "{}", years.text);
    }
}
