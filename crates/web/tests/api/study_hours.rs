//! 学时 over HTTP: a branch files its yearly study plan and the street sees it filed; a
//! training class credits the member's hours, shown on the phone portal; the report
//! drills down from the street to the member and exports; reach is enforced.

use crate::fixture::{Caller, M, Org, fixtures};
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_branch_files_its_plan_a_class_credits_hours_and_the_report_drills_down() {
    for (_t, fx) in fixtures().await {
        let server = crate::fixture::Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let street = fx.login(Caller::Street).await;
        let member = fx.login(Caller::Member).await;
        let (b1, b2, s1) = (fx.org(Org::B1), fx.org(Org::B2), fx.org(Org::S1));
        let me = fx.member(M::Member).id;
        let year = chrono::Datelike::year(&fx.db.clock().today());

        // The plan: refused without topics, filed with them; the street sees 已报/未报.
        let bad = server.call(Method::PUT, &format!("/api/v1/orgs/{b1}/study-plans"), Some(&secretary), Some(&json!({"year": year}))).await;
        assert_eq!((bad.status, bad.code()), (422, "plan.topics"), "[{}] {}", fx.backend, bad.text);
        let plan = json!({"year": year, "topics": [{"period": "Q1", "topic": "学习党章"}], "required": "党章",
            "sessions": [{"on": format!("{year}-03-15"), "topic": "集中学习党章"}]});
        let r = server.call(Method::PUT, &format!("/api/v1/orgs/{b1}/study-plans"), Some(&secretary), Some(&plan)).await;
        assert_eq!(r.status, 200, "[{}] {}", fx.backend, r.text);
        let s = server.get(&format!("/api/v1/orgs/{s1}/study-plans?year={year}"), &street).await;
        let children = s.json["children"].as_array().expect("children");
        let filed = |id: i64| children.iter().find(|c| c["org_id"] == id).map(|c| c["status_label"].as_str().unwrap_or("").to_string());
        assert_eq!(filed(b1).as_deref(), Some("已报"), "[{}] {}", fx.backend, s.text);
        assert_eq!(filed(b2).as_deref(), Some("未报"), "[{}] {}", fx.backend, s.text);
        let page = server.get(&format!("/orgs/{s1}/study-plans?year={year}"), &street).await;
        assert!(page.text.contains("已报") && page.text.contains("未报"), "{}", page.text);
        // The branch secretary files for the own branch only.
        let r = server.call(Method::PUT, &format!("/api/v1/orgs/{b2}/study-plans"), Some(&secretary), Some(&plan)).await;
        assert_eq!(r.status, 404, "[{}] {}", fx.backend, r.text);

        // A half-day class: 4 学时 for attending, credited once however often saved.
        let c = server
            .post(
                &format!("/api/v1/orgs/{b1}/training"),
                &secretary,
                &json!({"title": "预备期专题培训", "kind": "probation", "starts_on": format!("{year}-04-01"),
                        "ends_on": format!("{year}-04-01"), "full_time": false, "hours": 4, "place": "党群服务中心"}),
            )
            .await;
        assert_eq!(c.status, 201, "[{}] {}", fx.backend, c.text);
        let class = c.json["class"]["id"].as_i64().expect("class id");
        let r = server.post(&format!("/api/v1/learning/training/{class}/enrol"), &secretary, &json!({"member_ids": [me]})).await;
        assert_eq!(r.status, 200, "[{}] {}", fx.backend, r.text);
        for _ in 0..2 {
            let r = server
                .post(
                    &format!("/api/v1/learning/training/{class}/attendance"),
                    &secretary,
                    &json!({"marks": [{"member_id": me, "attended": true}]}),
                )
                .await;
            assert_eq!(r.status, 200, "[{}] {}", fx.backend, r.text);
        }
        let mine = server.get("/api/v1/learning/me/hours", &member).await;
        assert_eq!(mine.status, 200, "[{}] {}", fx.backend, mine.text);
        let training = mine.json["by_source"].as_array().expect("by_source").iter().find(|s| s["source_kind"] == "training").cloned();
        assert_eq!(training.map(|t| t["hours"].clone()), Some(json!("4.0")), "[{}] {}", fx.backend, mine.text);
        assert_eq!(mine.json["target_hours"], 32);
        let phone = server.get("/m/hours", &member).await;
        assert!(phone.status == 200 && phone.text.contains("我的学时") && phone.text.contains("预备期专题培训"), "{}", phone.text);

        // The report: street → branch → member, and its export.
        let r = server.get(&format!("/api/v1/orgs/{s1}/hours"), &street).await;
        assert_eq!(r.status, 200, "[{}] {}", fx.backend, r.text);
        assert!(r.json["children"].as_array().expect("children").iter().any(|c| c["org_id"] == b1), "{}", r.text);
        let r = server.get(&format!("/api/v1/orgs/{b1}/hours"), &street).await;
        assert!(r.json["members"].as_array().expect("members").iter().any(|m| m["member_id"] == me), "{}", r.text);
        let r = server.get(&format!("/api/v1/members/{me}/hours"), &street).await;
        assert_eq!((r.status, r.json["hours"].as_str()), (200, Some("4.0")), "[{}] {}", fx.backend, r.text);
        let x = server.get(&format!("/api/v1/orgs/{s1}/hours.xlsx"), &street).await;
        assert!(x.status == 200 && x.header("content-type").contains("spreadsheetml"), "[{}] {}", fx.backend, x.status);

        // Reach: a member reads no report; the secretary sets no exemption outside the branch.
        assert_eq!(server.get(&format!("/api/v1/orgs/{b1}/hours"), &member).await.status, 403);
        let other = fx.member(M::B2).id;
        let r = server
            .post(&format!("/api/v1/members/{other}/hour-exemptions"), &secretary, &json!({"reason": "illness", "from": format!("{year}-01-01")}))
            .await;
        assert_eq!(r.status, 404, "[{}] {}", fx.backend, r.text);
        let r = server
            .post(&format!("/api/v1/members/{me}/hour-exemptions"), &secretary, &json!({"reason": "illness", "from": format!("{year}-01-01")}))
            .await;
        assert_eq!(r.status, 201, "[{}] {}", fx.backend, r.text);
        let mine = server.get("/api/v1/learning/me/hours", &member).await;
        assert_eq!(mine.json["standing"], "exempt", "[{}] {}", fx.backend, mine.text);
    }
}
