//! 发展党员 over HTTP: the secretary opens a file and completes the branch's steps; a
//! step of the 上级党委 is refused to the branch and appears in the street's 待我审批,
//! where another account completes it; a step without its documents is refused.

use crate::fixture::{Caller, Org, Server, fixtures};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_moves_by_the_branch_and_the_parent_with_documents_over_http() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let street = fx.login(Caller::Street).await;
        let b1 = fx.org(Org::B1);
        let today = fx.db.clock().today();
        let applied = (today - chrono::Days::new(60)).to_string();
        let id_number =
            vanguard_domain::member::idcard::compose("330205", chrono::NaiveDate::from_ymd_opt(1998, 1, 1).expect("date"), 19);
        let body = json!({
            "name": "周申请", "id_number": id_number, "applied_on": applied, "documents": ["入党申请书"]
        });
        let r = server.post(&format!("/api/v1/recruit/orgs/{b1}/files"), &secretary, &body).await;
        assert_eq!(r.status, 200, "[{}] {}", fx.backend, r.text);
        let id = r.json["file"]["id"].as_i64().expect("file id");
        assert_eq!(r.json["file"]["next_step"].as_i64(), Some(2));
        let step = |no: u32, docs: Vec<&str>| json!({"no": no, "on": applied, "documents": docs});
        let r = server.post(&format!("/api/v1/recruit/files/{id}/steps"), &secretary, &step(2, vec![])).await;
        assert_eq!((r.status, r.field_codes()), (422, vec!["recruit.documents".to_string()]), "{}", r.text);
        let r = server.post(&format!("/api/v1/recruit/files/{id}/steps"), &secretary, &step(2, vec!["谈话记录"])).await;
        assert_eq!(r.status, 200, "[{}] {}", fx.backend, r.text);
        let r = server
            .post(&format!("/api/v1/recruit/files/{id}/steps"), &secretary, &step(3, vec!["推荐材料", "支委会会议记录"]))
            .await;
        assert_eq!(r.status, 200, "[{}] {}", fx.backend, r.text);
        // Step 4 (上级党委备案) is the parent's.
        let r = server.post(&format!("/api/v1/recruit/files/{id}/steps"), &secretary, &step(4, vec!["入党积极分子备案表"])).await;
        assert_eq!(r.status, 409, "[{}] {}", fx.backend, r.text);
        let q = server.get("/api/v1/recruit/queue", &street).await;
        assert!(q.json["steps"].as_array().expect("steps").iter().any(|f| f["id"].as_i64() == Some(id)), "{}", q.text);
        let r = server.post(&format!("/api/v1/recruit/files/{id}/steps"), &street, &step(4, vec!["入党积极分子备案表"])).await;
        assert_eq!(r.status, 200, "[{}] {}", fx.backend, r.text);
        let steps = r.json["steps"].as_array().expect("steps");
        let status: Vec<&str> = steps.iter().take(5).map(|s| s["status"].as_str().unwrap_or("")).collect();
        assert_eq!(status, vec!["done", "done", "done", "done", "next"], "{}", r.text);
        let list = server.get(&format!("/api/v1/recruit/orgs/{b1}/files"), &secretary).await;
        assert_eq!(list.json["items"][0]["next_step"].as_i64(), Some(5), "{}", list.text);
        let auditor = fx.login(Caller::Auditor).await;
        assert_eq!(server.audit(&auditor, "recruit.step").await.len(), 3, "[{}] every step audited", fx.backend);
    }
}
