//! 党费 over HTTP: the secretary sets a base, generates the month's bills and records a
//! payment under an `Idempotency-Key`; the member pays online through the simulated
//! gateway; a reversal; the report and the API document.

use crate::fixture::{Caller, M, Org, Resp, Server, fixtures};
use reqwest::Method;
use serde_json::{Value, json};

async fn pay(server: &Server, token: &str, member: i64, key: Option<&str>, body: &Value) -> Resp {
    let mut rb = server.request(Method::POST, &format!("/api/v1/dues/members/{member}/payments"), Some(token)).json(body);
    if let Some(k) = key {
        rb = rb.header("Idempotency-Key", k);
    }
    Resp::read(rb.send().await.expect("payment")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dues_are_billed_paid_once_per_key_paid_online_and_reversed_over_http() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let member_token = fx.login(Caller::Member).await;
        let b1 = fx.org(Org::B1);
        let member = fx.member(M::Member).id;
        let month = {
            let r = server.get("/api/v1/dues/me", &member_token).await;
            assert_eq!(r.status, 200, "[{}] {}", fx.backend, r.text);
            r.json["current_month"].as_str().expect("month").to_string()
        };

        // 在职, 4,500 元: 1 % of the whole base.
        let base = json!({"category": "在职", "base": "4500", "from_month": month});
        let r = server.call(Method::PUT, &format!("/api/v1/dues/members/{member}/base"), Some(&secretary), Some(&base)).await;
        assert_eq!((r.status, r.json["amount_fen"].as_i64()), (200, Some(4500)), "[{}] {}", fx.backend, r.text);
        let r = server.post(&format!("/api/v1/dues/orgs/{b1}/bills"), &secretary, &json!({"month": month})).await;
        assert_eq!((r.status, r.json["created"].as_i64()), (200, Some(1)), "[{}] {}", fx.backend, r.text);
        let r = server.get(&format!("/api/v1/dues/orgs/{b1}/bills?month={month}&status=unpaid"), &secretary).await;
        assert_eq!(r.json["items"].as_array().map(Vec::len), Some(1), "{}", r.text);

        // No key: refused with the reason; the same key twice: 201, then 200 with the same entry.
        let body = json!({"months": [month], "payer": "cash"});
        let r = pay(&server, &secretary, member, None, &body).await;
        assert_eq!((r.status, r.field_codes()), (422, vec!["dues.key".to_string()]), "{}", r.text);
        let first = pay(&server, &secretary, member, Some("req-1"), &body).await;
        assert_eq!(first.status, 201, "[{}] {}", fx.backend, first.text);
        let again = pay(&server, &secretary, member, Some("req-1"), &body).await;
        assert_eq!((again.status, again.json["replayed"].as_bool()), (200, Some(true)), "{}", again.text);
        assert_eq!(again.json["entries"][0]["id"], first.json["entries"][0]["id"]);

        // The member pays a voluntary extra online: order → the gateway's page → paid.
        let r = server.post("/api/v1/dues/me/orders", &member_token, &json!({"voluntary": "20"})).await;
        assert_eq!(r.status, 201, "[{}] {}", fx.backend, r.text);
        let order = r.json["order"]["id"].as_i64().expect("order");
        assert_eq!(r.json["checkout_url"], format!("/m/dues/orders/{order}"));
        let form = [("order_id", order.to_string()), ("action", "pay".to_string())];
        let notify = server.request(Method::POST, &format!("/m/dues/orders/{order}"), Some(&member_token)).form(&form);
        let r = Resp::read(notify.send().await.expect("notify")).await;
        assert_eq!(r.status, 303, "[{}] {}", fx.backend, r.text);
        let mine = server.get("/api/v1/dues/me", &member_token).await;
        assert_eq!(mine.json["entries"].as_array().map(Vec::len), Some(2), "{}", mine.text);
        assert_eq!(mine.json["balance"]["outstanding_fen"], 0);
        assert_eq!(mine.json["balance"]["voluntary_fen"], 2000);

        // Another member's dues are out of the member's reach; the secretary reverses.
        let other = fx.member(M::B1).id;
        assert_eq!(server.get(&format!("/api/v1/dues/members/{other}"), &member_token).await.status, 403);
        let entry = first.json["entries"][0]["id"].as_i64().expect("entry");
        let r = server.post(&format!("/api/v1/dues/entries/{entry}/reverse"), &secretary, &json!({"reason": "重复登记"})).await;
        assert_eq!((r.status, r.json["amount_fen"].as_i64()), (200, Some(-4500)), "{}", r.text);
        let r = server.post(&format!("/api/v1/dues/entries/{entry}/reverse"), &secretary, &json!({"reason": "重复登记"})).await;
        assert_eq!(r.status, 409, "{}", r.text);

        let r = server.get(&format!("/api/v1/dues/orgs/{b1}/report?from={month}&to={month}"), &secretary).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!((r.json["months"][0]["due_fen"].as_i64(), r.json["months"][0]["paid_fen"].as_i64()), (Some(4500), Some(0)));
        let x =
            server.request(Method::GET, &format!("/api/v1/dues/orgs/{b1}/report.xlsx?from={month}&to={month}"), Some(&secretary));
        let x = Resp::read(x.send().await.expect("xlsx")).await;
        assert_eq!(x.status, 200, "{}", x.text);
        assert!(x.header("content-type").contains("spreadsheetml"), "{}", x.header("content-type"));
        // 减免: the branch studies it, another account of the parent approves it.
        let street = fx.login(Caller::Street).await;
        let relief = json!({"from_month": month, "to_month": month, "reason": "长期患病"});
        let r = server.post("/api/v1/dues/me/reliefs", &member_token, &relief).await;
        assert_eq!((r.status, r.json["state"].as_str()), (201, Some("pending_branch")), "{}", r.text);
        let relief_id = r.json["id"].as_i64().expect("relief");
        let r = server.post(&format!("/api/v1/dues/reliefs/{relief_id}/decide"), &secretary, &json!({"approve": true})).await;
        assert_eq!(r.json["state"], "pending_parent", "{}", r.text);
        let r = server.get("/api/v1/dues/reliefs", &street).await;
        assert!(r.text.contains(&relief_id.to_string()), "the street's queue: {}", r.text);
        let r = server.post(&format!("/api/v1/dues/reliefs/{relief_id}/decide"), &street, &json!({"approve": true})).await;
        assert_eq!(r.json["state"], "approved", "{}", r.text);
        let doc = server.call(Method::GET, "/api/openapi.json", None, None).await;
        assert!(doc.text.contains("/api/v1/dues/members/{id}/payments") && doc.text.contains("PaymentInput"), "{}", fx.backend);
    }
}
