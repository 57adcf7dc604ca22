//! 组织关系接转 over HTTP: a transfer from the fixture's branch to a branch of another
//! region root, approved by another account, seen and accepted once by the receiving
//! secretary (a repeated accept answers the same result), audited.

use crate::fixture::{Caller, M, PASSWORD, Server, fixtures};
use reqwest::Method;
use serde_json::json;
use vanguard_domain::kernel::auth::Role;
use vanguard_domain::org::{OrgInput, OrgKind, Sector};
use vanguard_store::account::{self, NewAccount};
use vanguard_store::{Actor, Scope};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_across_region_roots_is_accepted_once_by_the_receiving_secretary() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        // A second region root with one branch and its secretary's account.
        let mut tx = fx.db.begin().await.unwrap();
        let root =
            vanguard_store::org::create_root(&fx.db, &mut tx, "中共另一区委员会", OrgKind::Committee, Sector::Government, None)
                .await
                .unwrap();
        tx.commit().await.unwrap();
        let sys = Scope::system(root.region_id, &root.path, Actor::system("test"));
        let input = OrgInput {
            name: Some("另一社区党支部".into()),
            kind: Some(OrgKind::Branch.code().into()),
            sector: Some(Sector::Community.code().into()),
            ..Default::default()
        };
        let branch2 = fx.db.scoped(&sys).orgs().create_org(root.id, &input).await.unwrap().id;
        let new = NewAccount {
            username: "receiver".into(),
            display_name: String::new(),
            role: Role::BranchSecretary,
            scope_org_id: Some(branch2),
            member_id: None,
            password: Some(PASSWORD.into()),
        };
        account::create_account(&fx.db, &Actor::system("test"), &new).await.unwrap();
        let receiver = fx.login_as("receiver").await;
        let secretary = fx.login(Caller::Secretary).await;
        let street = fx.login(Caller::Street).await;
        let member = fx.member(M::B1).id;

        let r = server
            .post("/api/v1/transfers", &secretary, &json!({"member_id": member, "to_org_id": branch2, "reason": "工作调动"}))
            .await;
        assert_eq!((r.status, r.json["state"].as_str()), (201, Some("initiated")), "[{}] {}", fx.backend, r.text);
        let id = r.json["id"].as_i64().expect("id");
        let decide = format!("/api/v1/transfers/{id}/decide");
        let r = server.post(&decide, &secretary, &json!({"action": "approve"})).await;
        assert_eq!((r.status, r.code()), (409, "transfer.same_account"), "[{}] {}", fx.backend, r.text);
        let r = server.post(&decide, &street, &json!({"action": "approve"})).await;
        assert_eq!((r.status, r.json["state"].as_str()), (200, Some("in_transit")), "[{}] {}", fx.backend, r.text);

        let r = server.get("/api/v1/transfers?box=in", &receiver).await;
        assert_eq!(r.json["items"][0]["id"].as_i64(), Some(id), "[{}] {}", fx.backend, r.text);
        let r = server.get(&format!("/api/v1/transfers/{id}"), &receiver).await;
        assert_eq!(r.status, 200, "[{}] {}", fx.backend, r.text);
        let r = server.post(&decide, &receiver, &json!({"action": "refuse"})).await;
        assert_eq!(r.status, 422, "[{}] a refusal needs a reason: {}", fx.backend, r.text);
        let first = server.post(&decide, &receiver, &json!({"action": "accept"})).await;
        assert_eq!((first.status, first.json["state"].as_str()), (200, Some("accepted")), "[{}] {}", fx.backend, first.text);
        let again = server.call(Method::POST, &decide, Some(&receiver), Some(&json!({"action": "accept"}))).await;
        assert_eq!(again.status, 200, "[{}] {}", fx.backend, again.text);
        assert_eq!(again.json["new_member_id"], first.json["new_member_id"], "[{}] accepted once", fx.backend);

        let auditor = fx.login(Caller::Auditor).await;
        assert_eq!(server.audit(&auditor, "transfer.accept").await.len(), 1, "[{}]", fx.backend);
        // The letter page shows the number to the receiver.
        let page = server.request(Method::GET, &format!("/transfers/{id}"), Some(&receiver)).send().await.unwrap();
        let html = page.text().await.unwrap();
        assert!(html.contains("转字第") && html.contains("已接收"), "[{}] {html}", fx.backend);
    }
}
