//! 花名册导入 pages and the org picker: the preview and the result read a page at a time
//! by status, the result keeps each skipped row's reason, the target branch and a moved
//! org's parent are chosen from the caller's tree, never typed as ids.

use crate::fixture::{Caller, Org, Resp, Server, fixtures, fresh_id_number};
use reqwest::Method;

/// A name of Chinese characters for row `n` (names may not hold digits).
fn name(n: usize) -> String {
    let digits: String =
        n.to_string().chars().map(|d| "零一二三四五六七八九".chars().nth(d as usize - '0' as usize).unwrap_or('零')).collect();
    format!("导入{digits}")
}

/// Uploads a CSV roster as `token` through the API; answers the batch id.
async fn upload(server: &Server, token: &str, csv: String) -> i64 {
    let r = Resp::read(
        server
            .request(Method::POST, "/api/v1/imports/members?filename=a.csv", Some(token))
            .body(csv.into_bytes())
            .send()
            .await
            .expect("upload"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["batch_id"].as_i64().expect("batch id")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_import_preview_and_result_are_paged_by_status_and_the_result_keeps_each_skipped_rows_reason() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let mut csv = vec!["姓名,身份证号,民族,入党时间,人员类别,所在党组织".to_string()];
        for n in 1..=25 {
            csv.push(format!("{},{},汉族,2010-07-01,正式党员,东一社区党支部", name(n), fresh_id_number()));
        }
        csv.push(format!("错日期人,{},汉族,2010-13-45,正式党员,东一社区党支部", fresh_id_number()));
        let id = upload(&server, &secretary, csv.join("\r\n")).await;

        let first = server.get(&format!("/imports/{id}"), &secretary).await;
        assert_eq!(first.status, 200, "[{}]", fx.backend);
        assert!(first.text.contains("第 1–20 条") && first.text.contains("共 26 条"), "[{}] {}", fx.backend, first.text);
        assert!(first.text.contains(&name(20)) && !first.text.contains(&name(21)), "[{}] one page of lines", fx.backend);
        assert!(first.text.contains("有问题（1）") && first.text.contains("将导入（25）"), "[{}] tabs with counts", fx.backend);
        let problems = server.get(&format!("/imports/{id}?status=problem"), &secretary).await;
        assert!(problems.text.contains("错日期人") && problems.text.contains("入党时间"), "[{}] {}", fx.backend, problems.text);
        assert!(!problems.text.contains(&name(1)), "[{}] only the rows with problems", fx.backend);
        let api = server.get(&format!("/api/v1/imports/{id}/rows?status=problem"), &secretary).await;
        assert_eq!(api.json["total"], 1, "[{}] {}", fx.backend, api.text);
        assert_eq!(api.json["items"][0]["row"], 27, "[{}] {}", fx.backend, api.text);

        let r = server.call(Method::POST, &format!("/api/v1/imports/{id}/commit"), Some(&secretary), None).await;
        assert_eq!(r.status, 200, "[{}] {}", fx.backend, r.text);
        let result = server.get(&format!("/imports/{id}?status=problem"), &secretary).await;
        assert!(result.text.contains("id=\"result-summary\""), "[{}] the summary replaces the progress", fx.backend);
        assert!(!result.text.contains("<progress") && !result.text.contains("已处理"), "[{}] no stale progress bar", fx.backend);
        assert!(
            result.text.contains("第 27 行") && result.text.contains("有问题，未导入") && result.text.contains("入党时间"),
            "[{}] the skipped row with its reason: {}",
            fx.backend,
            result.text
        );
        let created = server.get(&format!("/imports/{id}?status=create&page=2"), &secretary).await;
        assert!(
            created.text.contains(&name(25)) && created.text.contains("href=\"/members/"),
            "[{}] links to the members",
            fx.backend
        );
        assert!(created.text.len() < 100_000, "[{}] a light page", fx.backend);
        fx.db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_org_picker_offers_only_the_orgs_within_reach_that_fit_the_choice() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let street = fx.login(Caller::Street).await;
        let branches = server.get("/tree/pick?for=branch&name=org_id&pick_q=社区", &street).await;
        assert_eq!(branches.status, 200, "[{}]", fx.backend);
        assert!(
            branches.text.contains("东一社区党支部") && branches.text.contains("东二社区党支部"),
            "[{}] {}",
            fx.backend,
            branches.text
        );
        assert!(!branches.text.contains("西一社区党支部"), "[{}] another district's branch is out of reach", fx.backend);
        assert!(branches.text.contains(&format!("name=\"org_id\" value=\"{}\"", fx.org(Org::B1))), "[{}]", fx.backend);
        let b1 = fx.org(Org::B1);
        let parents = server.get(&format!("/tree/pick?for=parent&name=parent_id&except={b1}&pick_q=东"), &street).await;
        assert!(parents.text.contains("东街道党工委"), "[{}] {}", fx.backend, parents.text);
        assert!(!parents.text.contains("东一社区党支部"), "[{}] an org is not its own parent", fx.backend);
        let secretary = fx.login(Caller::Secretary).await;
        let upload = server.get("/imports/members", &secretary).await;
        assert!(upload.text.contains("name=\"org_id\"") && upload.text.contains("东一社区党支部"), "[{}]", fx.backend);
        assert!(!upload.text.contains("inputmode=\"numeric\""), "[{}] no id typed by hand", fx.backend);
        fx.db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_org_is_moved_to_a_parent_chosen_with_the_picker_and_the_page_says_so() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let district = fx.login(Caller::District).await;
        let (b2, s1, d1) = (fx.org(Org::B2), fx.org(Org::S1), fx.org(Org::D1));
        let form = server.get(&format!("/orgs/{b2}/move"), &district).await;
        assert!(form.text.contains(&format!("name=\"parent_id\" value=\"{s1}\" checked")), "[{}] {}", fx.backend, form.text);
        assert!(!form.text.contains("编号"), "[{}] no id to type", fx.backend);
        let post = |to: i64| {
            server.request(Method::POST, &format!("/orgs/{b2}/move"), Some(&district)).form(&[("parent_id", to.to_string())])
        };
        let r = Resp::read(post(d1).send().await.expect("move")).await;
        assert_eq!((r.status, r.header("location")), (303, format!("/orgs/{b2}?done=moved").as_str()), "[{}]", fx.backend);
        let page = server.get(&format!("/orgs/{b2}?done=moved"), &district).await;
        assert!(page.text.contains("党组织已迁移"), "[{}] the flash says what happened", fx.backend);
        let none = Resp::read(
            server
                .request(Method::POST, &format!("/orgs/{b2}/move"), Some(&district))
                .form(&[("pick_q", "")])
                .send()
                .await
                .expect("move"),
        )
        .await;
        assert_eq!(none.status, 422, "[{}]", fx.backend);
        assert!(none.text.contains("请在列表中选择新的上级党组织"), "[{}] {}", fx.backend, none.text);
        fx.db.close().await;
    }
}
