//! 党费 over HTTP: the secretary sets a base, generates the month's bills and records a
//! payment under an `Idempotency-Key`; the member pays online through the simulated
//! gateway; a reversal; the report and the API document.

use crate::fixture::{Caller, M, Org, Resp, Server, fixtures};
use reqwest::Method;
use serde_json::{Value, json};
use vanguard_store::affairs::OrderView;
use vanguard_store::{Actor, Scope};
use vanguard_web::affairs::gateway::{GatewayAnswer, Notice, PaymentGateway, reconcile};

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

/// A gateway for the reconciliation test: it took the payment of `paid` (whose
/// notification never came) and knows of no other.
struct KnowsOnly {
    paid: i64,
}

impl PaymentGateway for KnowsOnly {
    fn name(&self) -> &'static str {
        "simulated"
    }
    fn checkout_url(&self, order: &OrderView) -> String {
        format!("/pay/{}", order.id)
    }
    fn notification(&self, _: &std::collections::HashMap<String, String>) -> Option<Notice> {
        None
    }
    fn query(&self, order: &OrderView, _now_ms: i64) -> GatewayAnswer {
        if order.id == self.paid { GatewayAnswer::Paid { reference: format!("GW-{}", order.id) } } else { GatewayAnswer::Unknown }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconciliation_records_a_gateway_payment_once_and_flags_an_order_the_gateway_does_not_know() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let member_token = fx.login(Caller::Member).await;
        let b1 = fx.org(Org::B1);
        let member = fx.member(M::Member).id;
        let month = server.get("/api/v1/dues/me", &member_token).await.json["current_month"].as_str().expect("month").to_string();
        let base = json!({"category": "在职", "base": "4500", "from_month": month});
        let r = server.call(Method::PUT, &format!("/api/v1/dues/members/{member}/base"), Some(&secretary), Some(&base)).await;
        assert_eq!(r.status, 200, "[{}] {}", fx.backend, r.text);
        server.post(&format!("/api/v1/dues/orgs/{b1}/bills"), &secretary, &json!({"month": month})).await;

        // Order A: the member paid at the gateway, its notification was lost.
        let r = server.post("/api/v1/dues/me/orders", &member_token, &json!({"months": [month]})).await;
        assert_eq!(r.status, 201, "[{}] {}", fx.backend, r.text);
        let a = r.json["order"]["id"].as_i64().expect("order");
        // Order B: recorded paid here (through the checkout), unknown to the gateway.
        let r = server.post("/api/v1/dues/me/orders", &member_token, &json!({"voluntary": "20"})).await;
        let b = r.json["order"]["id"].as_i64().expect("order");
        let form = [("order_id", b.to_string()), ("action", "pay".to_string())];
        let notify = server.request(Method::POST, &format!("/m/dues/orders/{b}"), Some(&member_token)).form(&form);
        assert_eq!(Resp::read(notify.send().await.expect("notify")).await.status, 303);

        let root = vanguard_store::org::regions(&fx.db).await.expect("regions").remove(0);
        let scope = Scope::system(root.region_id, &root.path, Actor::system("scheduler"));
        let scoped = fx.db.scoped(&scope);
        let gateway = KnowsOnly { paid: a };
        let gateways = |_: &str| Some(&gateway as &dyn PaymentGateway);
        let now = fx.db.clock().now_ms();
        let first = reconcile(&scoped.dues(), &gateways, now).await.expect("reconcile");
        assert_eq!((first.recorded, first.flagged), (1, 1), "[{}] {first:?}", fx.backend);
        // Run again (tomorrow's check): nothing recorded twice, nothing flagged twice.
        let again = reconcile(&scoped.dues(), &gateways, now).await.expect("reconcile");
        assert_eq!((again.recorded, again.flagged), (0, 0), "[{}] {again:?}", fx.backend);
        assert_eq!(scoped.dues().order(a).await.expect("a").state, "paid");
        assert_eq!(scoped.dues().order(b).await.expect("b").state, "flagged");

        let mine = server.get("/api/v1/dues/me", &member_token).await;
        let entries = mine.json["entries"].as_array().cloned().unwrap_or_default();
        let of_month = entries.iter().filter(|e| e["month"].as_str() == Some(month.as_str())).count();
        assert_eq!((of_month, entries.len()), (1, 2), "[{}] {}", fx.backend, mine.text);
        assert_eq!(mine.json["balance"]["outstanding_fen"], 0, "{}", mine.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_applies_for_relief_from_the_portal_and_the_branch_sees_it_to_study() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let member_token = fx.login(Caller::Member).await;
        let month = server.get("/api/v1/dues/me", &member_token).await.json["current_month"].as_str().expect("month").to_string();
        // Without a reason: refused on the page, saying what is missing.
        let bad = [("from_month", month.clone()), ("to_month", month.clone()), ("reason", String::new())];
        let r = Resp::read(
            server.request(Method::POST, "/m/dues/relief", Some(&member_token)).form(&bad).send().await.expect("post"),
        )
        .await;
        assert_eq!(r.status, 422, "[{}] {}", fx.backend, r.text);
        assert!(r.text.contains("减免申请未提交"), "{}", r.text);
        let form = [("from_month", month.clone()), ("to_month", month.clone()), ("reason", "长期患病".to_string())];
        let r = Resp::read(
            server.request(Method::POST, "/m/dues/relief", Some(&member_token)).form(&form).send().await.expect("post"),
        )
        .await;
        assert_eq!((r.status, r.header("location")), (303, "/m/dues?done=dues_relief"), "[{}] {}", fx.backend, r.text);
        let queue = server.get("/api/v1/dues/reliefs", &secretary).await;
        let items = queue.json.as_array().cloned().unwrap_or_default();
        assert!(
            items.iter().any(|x| x["reason"] == "长期患病" && x["state"] == "pending_branch"),
            "[{}] the branch's queue: {}",
            fx.backend,
            queue.text
        );
    }
}
