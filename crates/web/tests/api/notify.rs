//! 通知: in-app notifications and the group robots, against a local robot started by the
//! test (no outside network).

use super::fixture::{Caller, M, Org, Server, fixtures};
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use vanguard_store::orglife::MeetingInput;
use vanguard_store::{Actor, Scope};
use vanguard_web::notify::deliver::deliver_due;

/// A local group robot: records every post (address with its query, JSON body); answers
/// `{"errcode":0}` or, when failing, HTTP 500; optionally slowly.
#[derive(Clone, Default)]
struct Robot {
    got: Arc<Mutex<Vec<(String, Value)>>>,
    fail: Arc<AtomicBool>,
    delay_ms: Arc<AtomicU64>,
}

async fn robot_post(State(r): State<Robot>, uri: Uri, body: String) -> (StatusCode, String) {
    let delay = r.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    r.got.lock().unwrap().push((uri.to_string(), serde_json::from_str(&body).unwrap_or(Value::Null)));
    if r.fail.load(Ordering::SeqCst) {
        (StatusCode::INTERNAL_SERVER_ERROR, "busy".into())
    } else {
        (StatusCode::OK, r#"{"errcode":0,"errmsg":"ok"}"#.into())
    }
}

/// Starts a robot on a loopback port; answers its base address.
async fn start_robot() -> (String, Robot) {
    let robot = Robot::default();
    let app = axum::Router::new().route("/{*rest}", axum::routing::post(robot_post)).with_state(robot.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), robot)
}

fn posts(r: &Robot) -> Vec<(String, Value)> {
    r.got.lock().unwrap().clone()
}

/// Adds a robot to an org as `token`; answers its id.
async fn add_robot(server: &Server, token: &str, org: i64, body: Value) -> i64 {
    let r = server.post(&format!("/api/v1/orgs/{org}/webhooks"), token, &body).await;
    assert_eq!(r.status, 201, "add robot: {}", r.text);
    assert!(r.text.find("secret\"").is_none() || r.json["has_secret"].is_boolean(), "{}", r.text);
    r.json["id"].as_i64().unwrap()
}

/// A planned meeting of B1 starting `days` from now, with the branch's members on its roll.
async fn planned_meeting(fx: &super::fixture::Fixture, days: i64, topic: &str) -> i64 {
    let regions = vanguard_store::org::regions(&fx.db).await.unwrap();
    let root = regions.into_iter().find(|r| r.id == fx.org(Org::C)).unwrap();
    let scope = Scope::system(root.region_id, &root.path, Actor::system("test"));
    let input = MeetingInput {
        meeting_type: "theme_day".into(),
        topic: topic.into(),
        place: "社区活动室".into(),
        planned_at: Some(fx.db.clock().now_ms() + days * 86_400_000),
        ..Default::default()
    };
    let m = fx.db.scoped(&scope).orglife().create_meeting(fx.org(Org::B1), &input).await.expect("planned meeting");
    m.meeting.summary.id
}

async fn unread(server: &Server, token: &str) -> i64 {
    let r = server.get("/api/v1/notifications/unread", token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["unread"].as_i64().unwrap()
}

async fn inbox(server: &Server, token: &str) -> Vec<Value> {
    let r = server.get("/api/v1/notifications?limit=100", token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["items"].as_array().cloned().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_message_reaches_a_wecom_and_a_signed_dingtalk_robot_in_their_body_shapes_only_when_the_worker_runs() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let (base, robot) = start_robot().await;
        let secretary = fx.login(Caller::Secretary).await;
        let b1 = fx.org(Org::B1);
        let wecom = add_robot(
            &server,
            &secretary,
            b1,
            json!({"robot": "wecom", "name": "东一支部党员群", "url": format!("{base}/cgi-bin/webhook/send?key=k1")}),
        )
        .await;
        let ding = add_robot(
            &server,
            &secretary,
            b1,
            json!({"robot": "dingtalk", "name": "东一支部钉钉群", "url": format!("{base}/robot/send?access_token=t1"), "secret": "SECabc", "markdown": false}),
        )
        .await;
        // The key of the address and the secret are never answered back.
        let list = server.get(&format!("/api/v1/orgs/{b1}/webhooks"), &secretary).await;
        assert_eq!(list.status, 200);
        assert!(!list.text.contains("k1") && !list.text.contains("SECabc") && !list.text.contains("t1"), "{}", list.text);
        assert_eq!(list.json[1]["has_secret"], true);
        for id in [wecom, ding] {
            let r = server.post(&format!("/api/v1/webhooks/{id}/test"), &secretary, &json!({})).await;
            assert_eq!(r.status, 202, "{}", r.text);
        }
        // Queued, not sent by the request.
        assert!(posts(&robot).is_empty());
        assert_eq!(deliver_due(&fx.db).await.unwrap(), 2);
        let got = posts(&robot);
        assert_eq!(got.len(), 2, "{got:?}");
        let (w_uri, w) = got.iter().find(|(u, _)| u.contains("key=k1")).unwrap();
        assert_eq!(w_uri, "/cgi-bin/webhook/send?key=k1");
        assert_eq!(w["msgtype"], "markdown");
        assert!(w["markdown"]["content"].as_str().unwrap().starts_with("**测试消息**\n"), "{w}");
        let (d_uri, d) = got.iter().find(|(u, _)| u.contains("access_token=t1")).unwrap();
        assert_eq!(d["msgtype"], "text");
        assert!(d["text"]["content"].as_str().unwrap().contains("东一社区党支部"), "{d}");
        assert!(d_uri.contains("&timestamp=") && d_uri.contains("&sign="), "{d_uri}");
        // Logged once each, delivered; a second round sends nothing again.
        assert_eq!(deliver_due(&fx.db).await.unwrap(), 0);
        let log = server.get(&format!("/api/v1/webhooks/{wecom}/deliveries"), &secretary).await;
        assert_eq!(log.json.as_array().unwrap().len(), 1, "{}", log.text);
        assert_eq!(log.json[0]["ok"], true);
        assert_eq!(log.json[0]["status"], 200);
        assert_eq!(log.json[0]["state"], "delivered");
        // Every robot write is audited.
        let auditor = fx.login(Caller::Auditor).await;
        assert_eq!(server.audit(&auditor, "notify.webhook.create").await.len(), 2);
        assert_eq!(server.audit(&auditor, "notify.webhook.test").await.len(), 2);
        // Another branch's secretary does not reach B1's robots.
        fx.account("b3secretary", vanguard_domain::kernel::auth::Role::BranchSecretary, Some(Org::B3), Some(M::B3)).await;
        let b3 = fx.login_as("b3secretary").await;
        let other = server.get(&format!("/api/v1/webhooks/{wecom}/deliveries"), &b3).await;
        assert_eq!(other.status, 404, "{}", other.text);
        let other = server.post(&format!("/api/v1/webhooks/{wecom}/test"), &b3, &json!({})).await;
        assert_eq!(other.status, 404, "{}", other.text);
        fx.db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_robot_is_retried_after_a_doubling_wait_every_attempt_logged_and_given_up_after_the_last() {
    for (_t, fx) in fixtures().await {
        let mut rules = (*fx.db.rules()).clone();
        rules.notify.max_attempts = 3;
        rules.notify.backoff_first_seconds = 30;
        fx.db.set_rules(rules);
        let server = Server::relaxed(&fx.db).await;
        let (base, robot) = start_robot().await;
        robot.fail.store(true, Ordering::SeqCst);
        let secretary = fx.login(Caller::Secretary).await;
        let id = add_robot(
            &server,
            &secretary,
            fx.org(Org::B1),
            json!({"robot": "wecom", "name": "群", "url": format!("{base}/hook")}),
        )
        .await;
        server.post(&format!("/api/v1/webhooks/{id}/test"), &secretary, &json!({})).await;
        assert_eq!(deliver_due(&fx.db).await.unwrap(), 1);
        // Not due again before the first wait (30 s) is over.
        assert_eq!(deliver_due(&fx.db).await.unwrap(), 0);
        fx.db.clock().advance(29_000);
        assert_eq!(deliver_due(&fx.db).await.unwrap(), 0);
        fx.db.clock().advance(1_000);
        assert_eq!(deliver_due(&fx.db).await.unwrap(), 1);
        // The second wait is twice as long (60 s).
        fx.db.clock().advance(59_000);
        assert_eq!(deliver_due(&fx.db).await.unwrap(), 0);
        fx.db.clock().advance(1_000);
        assert_eq!(deliver_due(&fx.db).await.unwrap(), 1);
        // The third attempt was the last: given up, nothing more.
        fx.db.clock().advance(3_600_000);
        assert_eq!(deliver_due(&fx.db).await.unwrap(), 0);
        assert_eq!(posts(&robot).len(), 3);
        // (An hour later: a fresh session.)
        let secretary = fx.login(Caller::Secretary).await;
        let log = server.get(&format!("/api/v1/webhooks/{id}/deliveries"), &secretary).await;
        let rows = log.json.as_array().unwrap();
        assert_eq!(rows.len(), 3, "{}", log.text);
        let attempts: Vec<i64> = rows.iter().map(|r| r["attempt"].as_i64().unwrap()).collect();
        assert_eq!(attempts, [3, 2, 1]);
        assert!(rows.iter().all(|r| r["ok"] == false && r["status"] == 500 && r["state"] == "failed"), "{}", log.text);
        // The page shows the log with the reason.
        let page = server.get(&format!("/orgs/{}/webhooks", fx.org(Org::B1)), &secretary).await;
        assert!(page.text.contains("失败：HTTP 500") && page.text.contains("已放弃"), "{}", page.text);
        fx.db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leave_request_tells_the_branch_secretary_at_once_and_is_not_slowed_by_a_slow_group_robot() {
    for (_t, fx) in fixtures().await {
        // Approvals also go to the group here, to a robot that takes 3 s to answer.
        let mut rules = (*fx.db.rules()).clone();
        for k in &mut rules.notify.kinds {
            k.webhook = true;
        }
        fx.db.set_rules(rules);
        let server = Server::relaxed(&fx.db).await;
        let (base, robot) = start_robot().await;
        robot.delay_ms.store(3_000, Ordering::SeqCst);
        let secretary = fx.login(Caller::Secretary).await;
        add_robot(
            &server,
            &secretary,
            fx.org(Org::B1),
            json!({"robot": "dingtalk", "name": "群", "url": format!("{base}/hook")}),
        )
        .await;
        let meeting = planned_meeting(&fx, 5, "学习二十大精神").await;
        let before = unread(&server, &secretary).await;
        let member = fx.login(Caller::Member).await;
        let started = Instant::now();
        let r = server.post(&format!("/api/v1/meetings/{meeting}/leave"), &member, &json!({"reason": "外地出差"})).await;
        let took = started.elapsed();
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(took < Duration::from_millis(2_000), "the request waited for the robot: {took:?}");
        assert!(posts(&robot).is_empty(), "sent inside the request");
        assert_eq!(unread(&server, &secretary).await, before + 1);
        let mine = inbox(&server, &secretary).await;
        let n = mine
            .iter()
            .find(|n| n["kind"] == "approval_waiting" && n["body"].as_str().unwrap().contains("学习二十大精神"))
            .unwrap();
        assert_eq!(n["link"], format!("/meetings/{meeting}"));
        // The member who asked sees none of it: only their own notifications.
        assert!(inbox(&server, &member).await.iter().all(|x| x["kind"] != "approval_waiting"));
        let other = server.post(&format!("/api/v1/notifications/{}/read", n["id"]), &member, &json!({})).await;
        assert_eq!(other.status, 404, "{}", other.text);
        // The group hears that one waits, never who asked.
        assert_eq!(deliver_due(&fx.db).await.unwrap(), 1);
        let (_, body) = posts(&robot).pop().unwrap();
        let text = body.to_string();
        assert!(text.contains("请假申请") && !text.contains("王党员") && !text.contains("外地出差"), "{text}");
        // Opening it marks it read.
        let read = server.post(&format!("/api/v1/notifications/{}/read", n["id"]), &secretary, &json!({})).await;
        assert_eq!(read.status, 200, "{}", read.text);
        assert_eq!(unread(&server, &secretary).await, before);
        fx.db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_day_before_reminder_reaches_the_roll_and_the_group_once_and_not_a_member_who_muted_it() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let (base, robot) = start_robot().await;
        let secretary = fx.login(Caller::Secretary).await;
        add_robot(&server, &secretary, fx.org(Org::B1), json!({"robot": "wecom", "name": "群", "url": format!("{base}/hook")}))
            .await;
        let member = fx.login(Caller::Member).await;
        let leader = fx.login(Caller::Leader).await;
        // An essential kind cannot be muted; a reminder can.
        let refused = server
            .call(Method::PUT, "/api/v1/notifications/settings", Some(&member), Some(&json!({"muted": ["finding_overdue"]})))
            .await;
        assert_eq!(refused.status, 422, "{}", refused.text);
        let muted = server
            .call(Method::PUT, "/api/v1/notifications/settings", Some(&member), Some(&json!({"muted": ["meeting_reminder"]})))
            .await;
        assert_eq!(muted.status, 200, "{}", muted.text);
        let meeting = planned_meeting(&fx, 1, "主题党日").await;
        planned_meeting(&fx, 3, "三天后的会").await;
        let regions = vanguard_store::org::regions(&fx.db).await.unwrap();
        let region = regions.iter().find(|r| r.id == fx.org(Org::C)).unwrap().region_id;
        let today = fx.db.clock().today();
        let first = vanguard_store::notify::produce::run_region(&fx.db, region, today).await.unwrap();
        assert_eq!(first.meetings, 1);
        assert_eq!(first.outbox, 1);
        // A re-run the same day sends nothing twice.
        let again = vanguard_store::notify::produce::run_region(&fx.db, region, today).await.unwrap();
        assert_eq!((again.in_app, again.outbox), (0, 0));
        let reminders = |items: Vec<Value>| items.into_iter().filter(|n| n["kind"] == "meeting_reminder").collect::<Vec<_>>();
        let leader_got = reminders(inbox(&server, &leader).await);
        assert_eq!(leader_got.len(), 1);
        assert_eq!(leader_got[0]["link"], format!("/m/meetings/{meeting}"));
        assert!(reminders(inbox(&server, &member).await).is_empty(), "a muted kind arrived");
        assert_eq!(deliver_due(&fx.db).await.unwrap(), 1);
        let (_, body) = posts(&robot).pop().unwrap();
        let text = body["markdown"]["content"].as_str().unwrap().to_string();
        assert!(text.contains("主题党日") && text.contains("东一社区党支部"), "{text}");
        for m in [M::Member, M::Leader, M::Secretary, M::B1] {
            let rec = fx.member(m);
            assert!(!text.contains(&rec.phone) && !text.contains(&rec.id_number), "{text}");
        }
        for name in ["王党员", "李组长", "张书记", "赵同志"] {
            assert!(!text.contains(name), "{text}");
        }
        // Muting is audited.
        let auditor = fx.login(Caller::Auditor).await;
        assert_eq!(server.audit(&auditor, "notify.mute").await.len(), 1);
        fx.db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bell_shows_the_unread_count_and_mark_all_read_clears_it() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let member = fx.login(Caller::Member).await;
        let meeting = planned_meeting(&fx, 5, "组织生活会").await;
        let r = server.post(&format!("/api/v1/meetings/{meeting}/leave"), &member, &json!({"reason": "值班"})).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let count = unread(&server, &secretary).await;
        assert!(count >= 1);
        let home = server.get("/notifications", &secretary).await;
        assert_eq!(home.status, 200);
        assert!(home.text.contains(&format!("data-field=\"unread\" data-interval=\"60000\">{count}</span>")), "{}", home.text);
        assert!(home.text.contains("组织生活会"));
        let all = server.post("/api/v1/notifications/read-all", &secretary, &json!({})).await;
        assert_eq!(all.status, 200);
        assert_eq!(all.json["marked"].as_i64().unwrap(), count);
        assert_eq!(unread(&server, &secretary).await, 0);
        fx.db.close().await;
    }
}
