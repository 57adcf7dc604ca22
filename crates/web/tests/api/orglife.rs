//! 组织生活 over HTTP: a meeting recorded with QR sign-in and attachments, and the
//! yearly plan's way up and back, as the secretary, the street (parent) and a member.

use crate::fixture::{Caller, Org, Resp, Server, fixtures};
use chrono::Datelike;
use reqwest::Method;
use serde_json::json;

async fn upload(server: &Server, token: &str, meeting: i64, name: &str, content_type: &str, bytes: &[u8]) -> Resp {
    let boundary = "vanguard-test-boundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = server
        .request(Method::POST, &format!("/api/v1/meetings/{meeting}/attachments"), Some(token))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .expect("upload");
    Resp::read(r).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meeting_is_recorded_with_qr_sign_in_and_attachments_over_http() {
    for (_t, fx) in fixtures().await {
        let dir = std::env::temp_dir().join(format!("vanguard-api-orglife-{}-{}", std::process::id(), fx.backend));
        fx.db.set_attachments_dir(dir.clone());
        let server = Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let member = fx.login(Caller::Member).await;
        let b1 = fx.org(Org::B1);
        let held_at = fx.db.clock().now_ms();
        let body = json!({"meeting_type": "主题党日", "held_at": held_at, "place": "党群服务中心", "host": "张书记", "recorder": "李组长"});
        let r = server.post(&format!("/api/v1/orgs/{b1}/meetings"), &secretary, &body).await;
        assert_eq!(r.status, 201, "[{}] {}", fx.backend, r.text);
        let id = r.json["id"].as_i64().expect("meeting id");
        assert_eq!(r.json["expected_count"], 4, "[{}] the whole branch: {}", fx.backend, r.text);

        // 请假 needs a reason: 422 with the field code.
        let marks = json!({"marks": [{"member_id": fx.member(crate::fixture::M::Leader).id, "attendance": "excused"}]});
        let r = server.post(&format!("/api/v1/meetings/{id}/attendance"), &secretary, &marks).await;
        assert_eq!((r.status, r.field_codes()), (422, vec!["attendance.reason_required".to_string()]), "{}", r.text);

        let r = server.post(&format!("/api/v1/meetings/{id}/signin/open"), &secretary, &json!({"minutes": 30})).await;
        assert_eq!(r.status, 200, "[{}] {}", fx.backend, r.text);
        let token = r.json["token"].as_str().expect("token").to_string();
        assert_eq!(r.json["path"], format!("/s/{id}/{token}"));
        let qr =
            server.request(Method::GET, &format!("/api/v1/meetings/{id}/signin/qr.svg"), Some(&secretary)).send().await.unwrap();
        let qr = Resp::read(qr).await;
        assert_eq!(qr.status, 200);
        assert!(
            qr.header("content-type").starts_with("image/svg+xml") && qr.text.contains("<svg"),
            "{}",
            qr.header("content-type")
        );
        // A member cannot show the code, but signs in once.
        let r = server.get(&format!("/api/v1/meetings/{id}/signin/qr.svg"), &member).await;
        assert_eq!(r.status, 403);
        let sign = json!({"token": token});
        let first = server.post(&format!("/api/v1/meetings/{id}/signin"), &member, &sign).await;
        assert_eq!((first.status, &first.json["already"]), (200, &json!(false)), "[{}] {}", fx.backend, first.text);
        let second = server.post(&format!("/api/v1/meetings/{id}/signin"), &member, &sign).await;
        assert_eq!((second.status, &second.json["already"]), (200, &json!(true)), "[{}] {}", fx.backend, second.text);
        assert!(second.json["message"].as_str().unwrap_or("").contains("已于"), "{}", second.text);
        let r = server.post(&format!("/api/v1/meetings/{id}/signin"), &member, &json!({"token": "nope"})).await;
        assert_eq!(r.status, 200, "already signed in, whatever the code");

        // Attachments: a text file named .jpg is refused; a PNG is stored and downloaded.
        let r = upload(&server, &secretary, id, "会场.jpg", "image/jpeg", b"plain text").await;
        assert_eq!((r.status, r.field_codes()), (422, vec!["file.content".to_string()]), "[{}] {}", fx.backend, r.text);
        let png = b"\x89PNG\r\n\x1a\n-image-bytes".to_vec();
        let r = upload(&server, &secretary, id, "会场.png", "image/png", &png).await;
        assert_eq!(r.status, 201, "[{}] {}", fx.backend, r.text);
        let aid = r.json["id"].as_i64().expect("attachment id");
        let raw = server
            .request(
                Method::POST,
                &format!("/api/v1/meetings/{id}/attachments?filename=%E8%AE%B0%E5%BD%95.pdf"),
                Some(&secretary),
            )
            .body(b"%PDF-1.4 minutes".to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(Resp::read(raw).await.status, 201, "a raw body named by ?filename=");
        let got = server.request(Method::GET, &format!("/api/v1/attachments/{aid}"), Some(&member)).send().await.unwrap();
        assert_eq!(got.status().as_u16(), 200);
        let disposition = got.headers().get("content-disposition").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        assert!(disposition.starts_with("attachment;") && disposition.contains("filename*=UTF-8''"), "{disposition}");
        assert_eq!(got.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("image/png"));
        let csp = got.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        assert!(csp.starts_with("sandbox") && csp.contains("default-src 'none'"), "an uploaded file is sandboxed: {csp}");
        assert_eq!(got.bytes().await.unwrap().to_vec(), png);
        // A PDF (it may carry scripts) is saved, never shown inline, even when asked.
        let pdf_id = r.json["id"].as_i64().unwrap_or_default();
        let listed = server.get(&format!("/api/v1/meetings/{id}"), &secretary).await;
        let pdf = listed.json["attachments"]
            .as_array()
            .and_then(|a| a.iter().find(|f| f["content_type"] == "application/pdf"))
            .and_then(|f| f["id"].as_i64())
            .unwrap_or(pdf_id);
        let got =
            server.request(Method::GET, &format!("/api/v1/attachments/{pdf}?inline=true"), Some(&member)).send().await.unwrap();
        let disposition = got.headers().get("content-disposition").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        assert!(disposition.starts_with("attachment;"), "{disposition}");

        // The record as a member sees it: their own line only.
        let r = server.get(&format!("/api/v1/meetings/{id}"), &member).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json["attendance"].as_array().map(Vec::len), Some(1), "{}", r.text);
        assert_eq!(r.json["attendance"][0]["attendance"], "present");
        assert_eq!(r.json["attachments"].as_array().map(Vec::len), Some(2));
        assert!(r.json["signin_path"].is_null());
        let r =
            server.post(&format!("/api/v1/meetings/{id}/decisions"), &secretary, &json!({"title": "表决", "votes_for": 1})).await;
        assert_eq!((r.status, r.code()), (409, "decision.not_assembly"), "{}", r.text);
        // (Last: the server closes a connection whose body it refused.)
        // An attachment over its own limit is told so in an attachment's words.
        let big = vec![0xFFu8; 11 * 1024 * 1024];
        let r = upload(&server, &secretary, id, "大.jpg", "image/jpeg", &big).await;
        assert_eq!((r.status, r.code()), (413, "upload.too_large"), "{}", r.text);
        assert!(r.text.contains("附件不能超过 10 MB") && !r.text.contains("花名册"), "{}", r.text);
        let _ = std::fs::remove_dir_all(&dir);
        fx.db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_goes_up_is_returned_fixed_acknowledged_and_published_to_members_over_http() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let street = fx.login(Caller::Street).await;
        let member = fx.login(Caller::Member).await;
        let b1 = fx.org(Org::B1);
        let year = fx.db.clock().today().year();
        let items = |theme7: &str| {
            let v: Vec<_> = (1..=12)
                .map(|m| {
                    let theme = if m == 7 { theme7.to_string() } else { format!("{m}月主题党日") };
                    json!({"date": format!("{year}-{m:02}-10"), "theme": theme, "form": "集中学习"})
                })
                .collect();
            json!({"year": year, "items": v})
        };
        let r = server.call(Method::PUT, &format!("/api/v1/orgs/{b1}/plan"), Some(&street), Some(&items("七月"))).await;
        assert_eq!((r.status, r.code()), (409, "plan.branch_only"), "[{}] the parent does not draft: {}", fx.backend, r.text);
        let r = server.call(Method::PUT, &format!("/api/v1/orgs/{b1}/plan"), Some(&secretary), Some(&items("七月"))).await;
        assert_eq!(r.status, 200, "[{}] {}", fx.backend, r.text);
        let plan = r.json["id"].as_i64().expect("plan id");
        let act = async |token: &str, action: &str, body: serde_json::Value| {
            server.post(&format!("/api/v1/plans/{plan}/{action}"), token, &body).await
        };
        let r = act(&secretary, "submit", json!({})).await;
        assert_eq!(r.json["state"], "submitted", "{}", r.text);
        let r = act(&secretary, "acknowledge", json!({})).await;
        assert_eq!((r.status, r.code()), (409, "plan.parent_only"), "{}", r.text);
        let overview = server.get(&format!("/api/v1/orgs/{}/plans?year={year}", fx.org(Org::S1)), &street).await;
        let states: Vec<&str> = overview.json["rows"].as_array().unwrap().iter().filter_map(|r| r["state"].as_str()).collect();
        assert_eq!(states, ["submitted", "none"], "[{}] {}", fx.backend, overview.text);
        let r = act(&street, "return", json!({"reason": "7月主题不明确"})).await;
        assert_eq!((r.status, &r.json["state"]), (200, &json!("returned")), "{}", r.text);
        let r =
            server.call(Method::PUT, &format!("/api/v1/orgs/{b1}/plan"), Some(&secretary), Some(&items("庆祝建党纪念日"))).await;
        assert_eq!(r.json["state"], "draft", "{}", r.text);
        act(&secretary, "submit", json!({})).await;
        let r = act(&street, "acknowledge", json!({})).await;
        assert_eq!(r.json["state"], "acknowledged", "{}", r.text);
        let mine = server.get("/api/v1/me/orglife", &member).await;
        assert!(mine.json["plan"].is_null(), "not published yet: {}", mine.text);
        let r = act(&secretary, "publish", json!({})).await;
        assert_eq!(r.json["state"], "published", "{}", r.text);
        let mine = server.get(&format!("/api/v1/me/orglife?year={year}"), &member).await;
        assert_eq!(mine.json["plan"]["items"][6]["theme"], "庆祝建党纪念日", "[{}] {}", fx.backend, mine.text);
        // The member reads the plan but cannot act on it.
        let r = server.post(&format!("/api/v1/plans/{plan}/submit"), &member, &json!({})).await;
        assert_eq!(r.status, 403);
        fx.db.close().await;
    }
}
