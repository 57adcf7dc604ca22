//! 流动党员 and 失联党员 over HTTP: the branch registers a member away with the e支部
//! of the street; at the e支部's 党员大会 the mobile member takes part but is not counted
//! for the quorum; a lost member is suspended by the branch and the street (two
//! accounts), the archive follows once, and the member is restored once.

use crate::fixture::{Caller, M, Org, Server, fixtures, fresh_id_number, new_member_body};
use reqwest::Method;
use serde_json::json;
use vanguard_domain::kernel::time::date_text;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_e_branch_quorum_leaves_out_its_mobile_members_and_a_lost_member_is_suspended_and_restored_once() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let street = fx.login(Caller::Street).await;
        let auditor = fx.login(Caller::Auditor).await;
        let today = fx.db.clock().today();
        let s1 = fx.org(Org::S1);
        let away = fx.member(M::B1).id;

        // The street's e支部 with 3 正式党员 of its own.
        let body = json!({"name": "甲街道流动党员党支部", "kind": "流动党员党支部", "sector": "社区"});
        let r = server.post(&format!("/api/v1/orgs/{s1}/children"), &street, &body).await;
        assert_eq!(r.status, 201, "[{}] {}", fx.backend, r.text);
        let e = r.json["id"].as_i64().expect("e支部");
        let mut own = Vec::new();
        for _ in 0..3 {
            let r = server.post("/api/v1/members", &street, &new_member_body(e, &fresh_id_number())).await;
            assert_eq!(r.status, 201, "[{}] {}", fx.backend, r.text);
            own.push(r.json["id"].as_i64().expect("member"));
        }

        // The branch registers its member away, with the 活动证 and the e支部.
        let since = date_text(today.pred_opt().unwrap());
        let reg = json!({"place": "杭州市", "reason": "外出务工", "since": since, "certificate_no": "LD-9",
            "issuing_org": "第一党支部", "valid_from": since, "valid_until": date_text(today), "e_branch_id": e});
        let r = server.post(&format!("/api/v1/mobile/members/{away}"), &secretary, &reg).await;
        assert_eq!(r.status, 201, "[{}] {}", fx.backend, r.text);
        let r = server.post(&format!("/api/v1/mobile/members/{away}"), &secretary, &reg).await;
        assert_eq!((r.status, r.code()), (409, "mobile.already"), "[{}] {}", fx.backend, r.text);
        let r = server.get(&format!("/api/v1/mobile/orgs/{e}"), &street).await;
        assert_eq!(r.json["items"][0]["member_id"].as_i64(), Some(away), "[{}] {}", fx.backend, r.text);

        // The e支部's 党员大会: 2 of its own 3 present, the mobile member present too.
        let held_at = fx.db.clock().now_ms() - 3_600_000;
        let marks = json!([{"member_id": own[0], "attendance": "present"}, {"member_id": own[1], "attendance": "present"},
            {"member_id": own[2], "attendance": "absent"}]);
        let body = json!({"meeting_type": "支部党员大会", "held_at": held_at, "place": "e支部活动室", "host": "书记",
            "recorder": "委员", "attendance": marks});
        let r = server.post(&format!("/api/v1/orgs/{e}/meetings"), &street, &body).await;
        assert_eq!(r.status, 201, "[{}] {}", fx.backend, r.text);
        let meeting = r.json["id"].as_i64().expect("meeting");
        let marks = json!({"marks": [{"member_id": away, "attendance": "present"}]});
        let r = server.call(Method::PUT, &format!("/api/v1/mobile/meetings/{meeting}"), Some(&street), Some(&marks)).await;
        assert_eq!((r.status, r.json[0]["attendance"].as_str()), (200, Some("present")), "[{}] {}", fx.backend, r.text);
        let vote = json!({"title": "表彰优秀流动党员", "votes_for": 2});
        let r = server.post(&format!("/api/v1/meetings/{meeting}/decisions"), &street, &vote).await;
        assert_eq!(r.status, 201, "[{}] {}", fx.backend, r.text);
        assert_eq!((r.json["entitled"].as_i64(), r.json["passed"].as_bool()), (Some(3), Some(true)), "{}", r.text);
        // The portal's 我的活动证 of a member who is not away is empty.
        let mine = server.get("/api/v1/mobile/me", &fx.login(Caller::Member).await).await;
        assert_eq!((mine.status, mine.json.as_array().map(Vec::len)), (200, Some(0)), "{}", mine.text);

        // 失联: recorded 7 months ago, searched, decided by the branch, approved by the street.
        let lost = fx.member(M::B2).id;
        let since = today.checked_sub_months(chrono::Months::new(7)).unwrap();
        // B2 has no secretary account in the fixture: the street acts for the branch.
        let b2_secretary = &street;
        let r = server
            .post(&format!("/api/v1/lost/members/{lost}"), b2_secretary, &json!({"on": date_text(since), "text": "电话停机"}))
            .await;
        assert_eq!(r.status, 201, "[{}] {}", fx.backend, r.text);
        let case = r.json["id"].as_i64().expect("case");
        let step = |s: &str, text: &str| json!({"step": s, "on": date_text(today), "text": text});
        let r = server.post(&format!("/api/v1/lost/{case}/steps"), b2_secretary, &step("search", "走访原单位，无下落")).await;
        assert_eq!(r.status, 200, "[{}] {}", fx.backend, r.text);
        let r = server.post(&format!("/api/v1/lost/{case}/steps"), b2_secretary, &step("propose", "支部大会决定停止党籍")).await;
        assert_eq!(r.status, 200, "[{}] {}", fx.backend, r.text);
        let r = server.post(&format!("/api/v1/lost/{case}/steps"), b2_secretary, &step("approve", "批准")).await;
        assert_eq!((r.status, r.code()), (409, "lost.same_account"), "[{}] {}", fx.backend, r.text);
        let district = fx.login(Caller::District).await;
        let r = server.get("/api/v1/lost/awaiting", &district).await;
        assert_eq!(r.json.as_array().map(Vec::len), Some(1), "[{}] {}", fx.backend, r.text);
        let r = server.post(&format!("/api/v1/lost/{case}/steps"), &district, &step("approve", "区委批准停止党籍")).await;
        assert_eq!((r.status, r.json["state"].as_str()), (200, Some("suspended")), "[{}] {}", fx.backend, r.text);
        let m = server.get(&format!("/api/v1/members/{lost}"), &district).await;
        assert_eq!(m.json["party_status"].as_str(), Some("suspended"), "[{}] {}", fx.backend, m.text);
        let r = server.post(&format!("/api/v1/lost/{case}/steps"), &district, &step("approve", "再次批准")).await;
        assert_eq!((r.status, r.code()), (409, "lost.nothing_pending"), "[{}] {}", fx.backend, r.text);
        // Found: restored once; the archive is 正常 again.
        let r = server.post(&format!("/api/v1/lost/{case}/steps"), b2_secretary, &step("restore", "本人已回到社区")).await;
        assert_eq!((r.status, r.json["state"].as_str()), (200, Some("restored")), "[{}] {}", fx.backend, r.text);
        let r = server.post(&format!("/api/v1/lost/{case}/steps"), b2_secretary, &step("restore", "再次恢复")).await;
        assert_eq!((r.status, r.code()), (409, "lost.closed"), "[{}] {}", fx.backend, r.text);
        let m = server.get(&format!("/api/v1/members/{lost}"), &district).await;
        assert_eq!(
            (m.json["party_status"].as_str(), m.json["lost_contact_since"].as_str()),
            (Some("normal"), None),
            "{}",
            m.text
        );
        // Every step audited with its Chinese label.
        let approvals = server.audit(&auditor, "lost.approve").await;
        assert_eq!(approvals.len(), 1, "[{}] {approvals:?}", fx.backend);
        assert_eq!(server.audit(&auditor, "mobile.attendance").await.len(), 1, "[{}]", fx.backend);
    }
}
