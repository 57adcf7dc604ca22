//! 软弱涣散整顿 and 攻坚项目 over HTTP: the street lists the secretary's branch, the branch
//! submits its tasks with evidence, only the parent accepts and never the account that
//! submitted, the branch leaves the list only after every task is accepted and the street
//! accepts it, and the 清零 rate of the street's subtree moves; a project led by the
//! street shows under the branch of its team member, who reports progress but does not
//! manage it.

use crate::fixture::{Caller, Org, Server, fixtures};
use serde_json::json;
use vanguard_domain::kernel::time::date_text;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_weak_branch_is_cleared_only_after_the_parents_acceptance_and_the_clear_rate_moves() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let street = fx.login(Caller::Street).await;
        let district = fx.login(Caller::District).await;
        let (s1, b1) = (fx.org(Org::S1), fx.org(Org::B1));
        let year = chrono::Datelike::year(&fx.db.clock().today());
        let b = fx.backend;

        // The branch cannot list itself; the street lists it.
        let listing = json!({"year": year, "reasons": ["org_life_abnormal", "team_incomplete"], "note": "书记长期缺职"});
        let r = server.post(&format!("/api/v1/weak-branches/orgs/{b1}"), &secretary, &listing).await;
        assert_eq!((r.status, r.code()), (409, "weak.parent_only"), "[{b}] {}", r.text);
        let r = server.post(&format!("/api/v1/weak-branches/orgs/{b1}"), &street, &listing).await;
        assert_eq!(r.status, 201, "[{b}] {}", r.text);
        let weak = r.json["id"].as_i64().expect("listing");
        let r = server.post(&format!("/api/v1/weak-branches/orgs/{b1}"), &street, &listing).await;
        assert_eq!((r.status, r.code()), (409, "weak.already"), "[{b}] {}", r.text);

        let rate = |v: &serde_json::Value| (v["rate"]["listed"].as_i64(), v["rate"]["cleared"].as_i64());
        let r = server.get(&format!("/api/v1/weak-branches/orgs/{s1}?year={year}"), &street).await;
        assert_eq!((r.status, rate(&r.json)), (200, (Some(1), Some(0))), "[{b}] {}", r.text);

        // A first secretary from the street, two tasks.
        let m = json!({"kind": "first_secretary", "person": "王某（街道办）", "from": date_text(fx.db.clock().today())});
        let r = server.post(&format!("/api/v1/weak-branches/{weak}/measures"), &street, &m).await;
        assert_eq!((r.status, r.json["measures"][0]["kind_label"].as_str()), (200, Some("第一书记")), "[{b}] {}", r.text);
        for title in ["配齐支部书记", "规范三会一课"] {
            let r = server.post(&format!("/api/v1/weak-branches/{weak}/tasks"), &street, &json!({"title": title})).await;
            assert_eq!(r.status, 200, "[{b}] {}", r.text);
        }
        let r = server.get(&format!("/api/v1/weak-branches/{weak}"), &secretary).await;
        let tasks: Vec<i64> = r.json["tasks"].as_array().expect("tasks").iter().filter_map(|t| t["id"].as_i64()).collect();
        assert_eq!(tasks.len(), 2, "[{b}] {}", r.text);

        // The branch submits the first with evidence; it cannot accept it itself.
        let ev = json!({"evidence": "支部党员大会选举产生书记，会议记录已归档"});
        let r = server.post(&format!("/api/v1/weak-tasks/{}/submit", tasks[0]), &secretary, &ev).await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);
        let yes = json!({"accept": true, "opinion": "符合要求"});
        let r = server.post(&format!("/api/v1/weak-tasks/{}/decide", tasks[0]), &secretary, &yes).await;
        assert_eq!((r.status, r.code()), (409, "weak.parent_only"), "[{b}] {}", r.text);
        let r = server.post(&format!("/api/v1/weak-branches/{weak}/clear"), &street, &json!({})).await;
        assert_eq!((r.status, r.code()), (409, "weak.tasks_open"), "[{b}] {}", r.text);
        let r = server.post(&format!("/api/v1/weak-tasks/{}/decide", tasks[0]), &street, &yes).await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);

        // The street submits the second itself: it may not accept it; the district may.
        let r = server.post(&format!("/api/v1/weak-tasks/{}/submit", tasks[1]), &street, &ev).await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);
        let r = server.post(&format!("/api/v1/weak-tasks/{}/decide", tasks[1]), &street, &yes).await;
        assert_eq!((r.status, r.code()), (409, "weak.same_account"), "[{b}] {}", r.text);
        let r = server.get("/api/v1/weak-tasks/awaiting", &district).await;
        assert!(r.json.as_array().expect("awaiting").iter().any(|t| t["id"].as_i64() == Some(tasks[1])), "[{b}] {}", r.text);
        let r = server.post(&format!("/api/v1/weak-tasks/{}/decide", tasks[1]), &district, &yes).await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);

        // Only the parent clears; then the rate moves.
        let r = server.post(&format!("/api/v1/weak-branches/{weak}/clear"), &secretary, &json!({})).await;
        assert_eq!((r.status, r.code()), (409, "weak.parent_only"), "[{b}] {}", r.text);
        let r = server.post(&format!("/api/v1/weak-branches/{weak}/clear"), &street, &json!({"note": "验收合格"})).await;
        assert_eq!((r.status, r.json["state"].as_str()), (200, Some("cleared")), "[{b}] {}", r.text);
        let r = server.get(&format!("/api/v1/weak-branches/orgs/{s1}?year={year}"), &district).await;
        assert_eq!(rate(&r.json), (Some(1), Some(1)), "[{b}] {}", r.text);
        assert_eq!(r.json["rate"]["percent"].as_f64(), Some(100.0), "[{b}] {}", r.text);
        assert_eq!(r.json["children"][0]["org_id"].as_i64(), Some(b1), "the drill-down names the branch: [{b}] {}", r.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_shows_under_every_org_involved_and_closes_when_its_milestones_are_done() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let street = fx.login(Caller::Street).await;
        let (s1, b1) = (fx.org(Org::S1), fx.org(Org::B1));
        let today = date_text(fx.db.clock().today());
        let b = fx.backend;

        let p = json!({"title": "老旧小区加装电梯", "problem": "居民意见不一", "leader": "张某（街道党工委书记）"});
        let r = server.post(&format!("/api/v1/taskforces/orgs/{s1}"), &street, &p).await;
        assert_eq!(r.status, 201, "[{b}] {}", r.text);
        let id = r.json["id"].as_i64().expect("project");

        // Not yet involved: the branch does not see it.
        let r = server.get(&format!("/api/v1/taskforces/{id}"), &secretary).await;
        assert_eq!(r.status, 404, "[{b}] {}", r.text);
        let r = server.post(&format!("/api/v1/taskforces/{id}/members"), &street, &json!({"name": "李某", "org_id": b1})).await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);
        let r = server.get(&format!("/api/v1/taskforces/orgs/{b1}"), &secretary).await;
        assert_eq!(r.json["items"][0]["id"].as_i64(), Some(id), "shown under the member's branch: [{b}] {}", r.text);

        // The branch reports progress but does not manage the project.
        let rep = json!({"on": today, "text": "入户征求意见32户"});
        let r = server.post(&format!("/api/v1/taskforces/{id}/reports"), &secretary, &rep).await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);
        let ms = json!({"title": "形成加装方案", "due_on": today});
        let r = server.post(&format!("/api/v1/taskforces/{id}/milestones"), &secretary, &ms).await;
        assert_eq!((r.status, r.code()), (409, "taskforce.lead_only"), "[{b}] {}", r.text);
        let r = server.post(&format!("/api/v1/taskforces/{id}/milestones"), &street, &ms).await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);
        let milestone = r.json["milestone_list"][0]["id"].as_i64().expect("milestone");

        let close = json!({"on": today, "text": "方案通过，开工"});
        let r = server.post(&format!("/api/v1/taskforces/{id}/close"), &street, &close).await;
        assert_eq!((r.status, r.code()), (409, "taskforce.open_milestones"), "[{b}] {}", r.text);
        let r = server.post(&format!("/api/v1/taskforce-milestones/{milestone}/done"), &street, &rep).await;
        assert_eq!(r.status, 200, "[{b}] {}", r.text);
        let r = server.post(&format!("/api/v1/taskforces/{id}/close"), &street, &close).await;
        assert_eq!((r.status, r.json["state"].as_str()), (200, Some("closed")), "[{b}] {}", r.text);
    }
}
