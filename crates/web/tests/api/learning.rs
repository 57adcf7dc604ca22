//! 学 over HTTP: a branch imports its question bank, a member takes the daily quiz on
//! the portal (no key in the paper), submits once, and sees points and rank.

use crate::fixture::{Caller, Org, Resp, Server, fixtures};
use reqwest::Method;
use serde_json::{Value, json};

const BANK: &str = "题型,题干,选项A,选项B,选项C,答案,出处,解析\n\
填空题,党的根本宗旨是（）。,,,,全心全意为人民服务,《中国共产党章程》总纲,解析甲：党的根本宗旨\n\
判断题,预备党员的预备期为一年。,,,,正确,《中国共产党章程》第七条,解析乙：预备期为一年\n\
单选题,党的最高领导机关是（）。,全国代表大会和中央委员会,中央政治局,中央书记处,A,《中国共产党章程》第十条,解析丙：第十条\n";

async fn raw_upload(server: &Server, token: &str, path: &str, bytes: &[u8]) -> Resp {
    let r = server.request(Method::POST, path, Some(token)).body(bytes.to_vec()).send().await.expect("upload");
    Resp::read(r).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_takes_the_daily_quiz_without_seeing_the_key_and_submits_once() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let member = fx.login(Caller::Member).await;
        let b1 = fx.org(Org::B1);

        // A bad row: nothing imported, the row named with its reason.
        let bad = format!("{BANK}问答题,什么是？,,,,略,出处,\n");
        let r = raw_upload(&server, &secretary, &format!("/api/v1/orgs/{b1}/questions/import?filename=题库.csv"), bad.as_bytes())
            .await;
        assert_eq!((r.status, r.json["added"].as_i64()), (200, Some(0)), "[{}] {}", fx.backend, r.text);
        assert_eq!(r.json["problems"][0]["row"], 5);
        assert!(r.json["problems"][0]["reasons"][0].as_str().unwrap_or("").contains("问答题"), "{}", r.text);
        let r =
            raw_upload(&server, &secretary, &format!("/api/v1/orgs/{b1}/questions/import?filename=题库.csv"), BANK.as_bytes())
                .await;
        assert_eq!(r.json["added"], 3, "[{}] {}", fx.backend, r.text);

        let paper = server.post("/api/v1/learning/daily", &member, &json!({})).await;
        assert_eq!(paper.status, 200, "[{}] {}", fx.backend, paper.text);
        let attempt = paper.json["attempt_id"].as_i64().expect("attempt");
        for secret in ["全心全意为人民服务", "解析甲", "解析丙", "key", "explanation", "《中国共产党章程》"]
        {
            assert!(!paper.text.contains(secret), "[{}] the paper carries {secret}: {}", fx.backend, paper.text);
        }
        let page = server.get(&format!("/m/learning/attempts/{attempt}"), &member).await;
        assert_eq!(page.status, 200, "{}", page.text);
        assert!(
            page.text.contains("交卷") && !page.text.contains("全心全意为人民服务") && !page.text.contains("解析"),
            "{}",
            page.text
        );

        // The right answers, from the editor's view of the bank.
        let bank = server.get(&format!("/api/v1/learning/questions?org_id={b1}"), &secretary).await;
        let answers: Vec<Value> = bank.json["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|q| {
                let key = &q["key"];
                match key.get("choices") {
                    Some(c) => json!({"question_id": q["id"], "choices": c}),
                    None => json!({"question_id": q["id"], "blanks": [key["blanks"][0][0]]}),
                }
            })
            .collect();
        let r = server.post(&format!("/api/v1/learning/attempts/{attempt}/submit"), &member, &json!({"answers": answers})).await;
        assert_eq!((r.status, r.json["score"].as_i64()), (200, Some(3)), "[{}] {}", fx.backend, r.text);
        assert!(r.text.contains("解析甲"), "the result explains");
        let again = server.post(&format!("/api/v1/learning/attempts/{attempt}/submit"), &member, &json!({"answers": []})).await;
        assert_eq!((again.status, again.code()), (409, "quiz.already_submitted"), "{}", again.text);

        let page = server.get(&format!("/m/learning/attempts/{attempt}"), &member).await;
        assert!(page.text.contains("解析甲") && page.text.contains("正确答案"), "{}", page.text);
        let points = server.get("/api/v1/learning/me/points", &member).await;
        assert_eq!(points.json["today"], 3, "[{}] {}", fx.backend, points.text);
        // Opening the portal earns the day's 登录 point, once.
        for _ in 0..2 {
            assert_eq!(server.get("/m", &member).await.status, 200);
        }
        let points = server.get("/api/v1/learning/me/points", &member).await;
        assert_eq!(points.json["today"], 4, "[{}] {}", fx.backend, points.text);
        let ranks = server.get("/api/v1/learning/me/ranks?period=week", &member).await;
        let branch =
            ranks.json.as_array().and_then(|a| a.iter().find(|r| r["scope_org_id"].as_i64() == Some(b1))).expect("branch rank");
        assert_eq!((branch["my_rank"].as_i64(), branch["count"].as_i64()), (Some(1), Some(1)), "{}", ranks.text);
        let page = server.get("/m/points", &member).await;
        assert!(page.status == 200 && page.text.contains("第 <strong>1</strong> 名"), "{}", page.text);
        let wb = server.get(&format!("/orgs/{b1}/learning"), &secretary).await;
        assert!(wb.status == 200 && wb.text.contains("党的最高领导机关"), "{}", wb.status);
    }
}
