//! 换届选举 over HTTP: the branch asks, the street approves, the branch records the vote,
//! the street approves the 书记 with another account, and the term restarts; the page
//! shows the new committee.

use crate::fixture::{Caller, M, Org, fixtures};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_election_is_asked_approved_voted_and_its_secretary_approved_over_http() {
    for (_t, fx) in fixtures().await {
        let server = crate::fixture::Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let street = fx.login(Caller::Street).await;
        let b1 = fx.org(Org::B1);
        let today = fx.db.clock().today().to_string();
        let r = server
            .post(
                &format!("/api/v1/elections/orgs/{b1}"),
                &secretary,
                &json!({"planned_on": today, "seats": 1, "reason": "任期届满，申请换届"}),
            )
            .await;
        assert_eq!((r.status, r.json["state"].as_str()), (201, Some("pending_approval")), "[{}] {}", fx.backend, r.text);
        let id = r.json["id"].as_i64().expect("election");
        // The branch may not approve its own request.
        let r = server.post(&format!("/api/v1/elections/{id}/approve"), &secretary, &json!({"approve": true})).await;
        assert_eq!((r.status, r.json["error"]["code"].as_str()), (409, Some("election.parent_only")), "{}", r.text);
        let r = server.get("/api/v1/elections", &street).await;
        assert!(r.text.contains(&format!("\"id\":{id}")), "the street's queue: {}", r.text);
        let r = server.post(&format!("/api/v1/elections/{id}/approve"), &street, &json!({"approve": true})).await;
        assert_eq!(r.json["state"], "approved", "{}", r.text);
        // No quorum: refused with the reason.
        let member = fx.member(M::Secretary).id;
        let mut vote = json!({"held_on": today, "voting_members": 4, "excluded": 0, "present_voters": 2,
            "candidates": [{"member_id": member, "votes": 2, "role": "secretary"}]});
        let r = server.post(&format!("/api/v1/elections/{id}/vote"), &secretary, &vote).await;
        assert_eq!((r.status, r.field_codes()), (422, vec!["assembly.no_quorum".to_string()]), "{}", r.text);
        vote["present_voters"] = json!(3);
        let r = server.post(&format!("/api/v1/elections/{id}/vote"), &secretary, &vote).await;
        assert_eq!((r.status, r.json["state"].as_str()), (200, Some("voted")), "{}", r.text);
        let r = server.post(&format!("/api/v1/elections/{id}/secretary"), &street, &json!({"approve": true})).await;
        assert_eq!(r.json["state"], "completed", "{}", r.text);
        let org = server.get(&format!("/api/v1/orgs/{b1}"), &secretary).await;
        assert_eq!(org.json["term_started_on"].as_str(), Some(today.as_str()), "{}", org.text);
        let page = server.get(&format!("/orgs/{b1}/elections"), &secretary).await;
        assert!(page.status == 200 && page.text.contains("已完成换届") && page.text.contains("（书记）"), "{}", page.text);
    }
}
