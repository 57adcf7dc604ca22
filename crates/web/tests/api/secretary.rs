//! A branch secretary's everyday jobs over HTTP, as pages: the cockpit's finding counts
//! open lists of exactly that many findings, saves say what was saved, the 书记 is picked
//! by name, and the audit page names every action and object in words.

use crate::fixture::{Caller, Fixture, M, Org, Resp, Server, fixtures, fresh_id_number, new_member_body};
use chrono::Datelike;
use reqwest::Method;

/// Posts a page form (bearer session: no CSRF field needed).
async fn post_form(server: &Server, path: &str, token: &str, pairs: &[(String, String)]) -> Resp {
    let r = server.request(Method::POST, path, Some(token)).form(pairs).send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
    Resp::read(r).await
}

/// Posts a form that must redirect (303), and reads the page it redirects to.
async fn post_and_follow(server: &Server, path: &str, token: &str, pairs: &[(String, String)]) -> (String, Resp) {
    let r = post_form(server, path, token, pairs).await;
    assert_eq!(r.status, 303, "{path}: {}", r.text);
    let location = r.header("location").to_string();
    let page = server.get(&location, token).await;
    assert_eq!(page.status, 200, "{location}: {}", page.text);
    (location, page)
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter().map(|(k, x)| (k.to_string(), x.to_string())).collect()
}

/// Writes an open finding about an org as the rules engine writes it.
async fn open_finding(fx: &Fixture, org: i64, rule: &str, period: &str, severity: &str) {
    #[derive(sqlx::FromRow)]
    struct Row {
        region_id: i64,
        path: String,
    }
    let rows: Vec<Row> = vanguard_testkit::raw_fetch_all(&fx.db, &format!("SELECT region_id, path FROM orgs WHERE id = {org}"))
        .await
        .expect("org");
    let row = rows.first().expect("org row");
    let id = vanguard_store::platform::ids::next();
    let now = fx.db.clock().now_ms();
    let sql = format!(
        "INSERT INTO findings (region_id, id, rule_code, rule_version, subject_kind, subject_id, org_id, org_path, \
         period_key, severity, evidence, first_seen_at, last_seen_at, resolved_at) VALUES ({}, {id}, \
         '{rule}', 1, 'org', {}, {}, '{}', '{period}', '{severity}', '{period}未开展', {now}, {now}, NULL)",
        row.region_id, org, org, row.path
    );
    vanguard_testkit::raw_execute(&fx.db, &sql).await.unwrap_or_else(|e| panic!("finding: {e}"));
}

/// The (href, number) of every count link of the cockpit's `#finding-counts` table.
fn count_links(html: &str) -> Vec<(String, u64)> {
    let table = html.split("id=\"finding-counts\"").nth(1).unwrap_or("").split("</table>").next().unwrap_or("");
    table
        .split("<a href=\"")
        .skip(1)
        .filter_map(|a| {
            let (href, rest) = a.split_once("\">")?;
            let n = rest.split('<').next()?.trim().parse().ok()?;
            Some((href.replace("&amp;", "&"), n))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finding_count_in_the_cockpit_opens_a_list_of_exactly_that_many_findings() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let b1 = fx.org(Org::B1);
        // One rule with both 预警 (2) and 问题 (3) about the branch.
        for p in ["1998-01", "1998-02"] {
            open_finding(&fx, b1, "orglife.theme_day", p, "warning").await;
        }
        for p in ["1998-03", "1998-04", "1998-05"] {
            open_finding(&fx, b1, "orglife.theme_day", p, "finding").await;
        }
        let page = server.get(&format!("/cockpit/{b1}"), &secretary).await;
        assert_eq!(page.status, 200, "[{}] {}", fx.backend, page.text);
        let links = count_links(&page.text);
        let theme: Vec<&(String, u64)> = links.iter().filter(|(h, _)| h.contains("rule=orglife.theme_day&")).collect();
        assert!(
            theme.iter().any(|(h, _)| h.ends_with("severity=warning"))
                && theme.iter().any(|(h, _)| h.ends_with("severity=finding")),
            "[{}] one row per severity of the rule: {links:?}",
            fx.backend
        );
        for (href, shown) in &links {
            assert!(href.contains("&severity="), "the link carries the row's severity: {href}");
            let list = server.get(&format!("{href}&limit=200"), &secretary).await;
            assert_eq!(list.status, 200, "{href}: {}", list.text);
            let rows = list.text.matches("class=\"finding-link\"").count() as u64;
            assert_eq!(rows, *shown, "[{}] the count {shown} opens {rows} rows: {href}", fx.backend);
        }
        // The exact severity filter of the list, on its own.
        let list = server.get(&format!("/findings?org_id={b1}&rule=orglife.theme_day&severity=warning"), &secretary).await;
        assert!(list.text.contains("<option value=\"warning\" selected>预警</option>"), "{}", list.text);
        assert!(!list.text.contains(">问题</span>"), "[{}] only 预警 rows: {}", fx.backend, list.text);
        fx.db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saving_a_member_or_a_plan_says_so_on_the_page_it_returns_to() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let street = fx.login(Caller::Street).await;
        let b1 = fx.org(Org::B1);

        // A new member: 已新建.
        let body = new_member_body(b1, &fresh_id_number());
        let mut form: Vec<(String, String)> = body
            .as_object()
            .map(|o| o.iter().map(|(k, x)| (k.clone(), x.as_str().map(String::from).unwrap_or_else(|| x.to_string()))).collect())
            .unwrap_or_default();
        form.retain(|(_, x)| x != "null");
        let (location, page) = post_and_follow(&server, "/members/new", &secretary, &form).await;
        assert!(location.ends_with("?done=created"), "{location}");
        assert!(page.text.contains("已新建。"), "[{}] {}", fx.backend, page.text);

        // An edited member: 已保存.
        let id = fx.member(M::B1).id;
        let (location, page) =
            post_and_follow(&server, &format!("/members/{id}/edit"), &secretary, &pairs(&[("work_unit", "区档案馆")])).await;
        assert_eq!(location, format!("/members/{id}?done=saved"));
        assert!(page.text.contains("已保存。") && page.text.contains("区档案馆"), "[{}] {}", fx.backend, page.text);

        // The yearly plan: saved, then submitted, then acknowledged by the street.
        let year = fx.db.clock().today().year();
        let mut plan = pairs(&[("year", &year.to_string())]);
        for m in 1..=12 {
            plan.push((format!("date_{m}"), format!("{year}-{m:02}-10")));
            plan.push((format!("theme_{m}"), format!("{m}月主题党日")));
            plan.push((format!("form_{m}"), "集中学习".into()));
        }
        let (location, page) = post_and_follow(&server, &format!("/orgs/{b1}/plan"), &secretary, &plan).await;
        assert!(location.ends_with("&done=plan"), "{location}");
        assert!(page.text.contains("计划已保存。"), "[{}] {}", fx.backend, page.text);
        plan.push(("submit".into(), "1".into()));
        let (location, page) = post_and_follow(&server, &format!("/orgs/{b1}/plan"), &secretary, &plan).await;
        assert!(location.ends_with("&done=plan_submit"), "{location}");
        assert!(page.text.contains("计划已报上级党组织。"), "[{}] {}", fx.backend, page.text);
        let r = server.get(&format!("/api/v1/orgs/{b1}/plan?year={year}"), &secretary).await;
        let plan_id = r.json["id"].as_i64().unwrap_or_else(|| panic!("plan id: {}", r.text));
        let (_, page) =
            post_and_follow(&server, &format!("/plans/{plan_id}/action"), &street, &pairs(&[("action", "acknowledge")])).await;
        assert!(page.text.contains("已确认收到计划。"), "[{}] {}", fx.backend, page.text);
        fx.db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secretary_of_an_org_is_picked_by_name_among_its_members() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let b1 = fx.org(Org::B1);
        let id = fx.member(M::Leader).id;
        let name = server.get(&format!("/api/v1/members/{id}"), &secretary).await.json["name"].as_str().unwrap_or("").to_string();
        assert!(!name.is_empty());
        let form = server.get(&format!("/orgs/{b1}/edit"), &secretary).await;
        assert_eq!(form.status, 200, "{}", form.text);
        assert!(form.text.contains("<select name=\"secretary_member_id\" id=\"secretary\">"), "{}", form.text);
        assert!(form.text.contains(&format!("<option value=\"{id}\">{name}</option>")), "[{}] {}", fx.backend, form.text);
        assert!(!form.text.contains("党员编号"), "no number to type");
        // B3 is outside B1: not offered.
        assert!(!form.text.contains(&format!("value=\"{}\"", fx.member(M::B3).id)));

        let org = server.get(&format!("/api/v1/orgs/{b1}"), &secretary).await;
        let org_name = org.json["name"].as_str().unwrap_or("").to_string();
        let (location, page) = post_and_follow(
            &server,
            &format!("/orgs/{b1}/edit"),
            &secretary,
            &pairs(&[("name", &org_name), ("secretary_member_id", &id.to_string())]),
        )
        .await;
        assert_eq!(location, format!("/orgs/{b1}?done=saved"));
        assert!(page.text.contains("已保存。") && page.text.contains(&name), "[{}] {}", fx.backend, page.text);
        let again = server.get(&format!("/orgs/{b1}/edit"), &secretary).await;
        assert!(again.text.contains(&format!("<option value=\"{id}\" selected>{name}</option>")), "{}", again.text);
        fx.db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_page_names_actions_and_objects_in_chinese() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let auditor = fx.login(Caller::Auditor).await;
        let b1 = fx.org(Org::B1);
        let r = server.post("/api/v1/members", &secretary, &new_member_body(b1, &fresh_id_number())).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let id = r.json["id"].as_i64().unwrap_or_default();
        let page = server.get("/audit?action=member.create", &auditor).await;
        assert_eq!(page.status, 200, "{}", page.text);
        assert!(page.text.contains("新增党员"), "{}", page.text);
        assert!(page.text.contains(&format!("党员（编号 {id}）")), "[{}] {}", fx.backend, page.text);
        assert!(!page.text.contains(&format!("member:{id}")), "no raw object: {}", page.text);
        fx.db.close().await;
    }
}
