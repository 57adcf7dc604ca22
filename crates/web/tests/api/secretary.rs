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

/// The pages a branch secretary works in: the HTML 404, the shell (skip link, the
/// highlighted nav item, the role once), the roster's and the member page's parts, the
/// cockpit's chart above the ranking.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workbench_pages_carry_what_each_job_needs() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let b1 = fx.org(Org::B1);

        // An unknown page asked for by a browser: the HTML 404 page, in Chinese.
        let r =
            server.request(Method::GET, "/no-such-page", Some(&secretary)).header("accept", "text/html").send().await.unwrap();
        let r = Resp::read(r).await;
        assert_eq!(r.status, 404);
        assert!(r.header("content-type").starts_with("text/html"), "{}", r.header("content-type"));
        assert!(r.text.contains("<html") && crate::fixture::has_chinese(&r.text), "{}", r.text);

        // The shell: a skip link to the main content, the findings nav item the one lit,
        // and the role named once in the header.
        let page = server.get("/findings", &secretary).await;
        assert_eq!(page.status, 200, "{}", page.text);
        assert!(page.text.contains("<a class=\"skip\" href=\"#main\">") && page.text.contains("<main id=\"main\""));
        let nav = page.text.split("<nav>").nth(1).and_then(|n| n.split("</nav>").next()).unwrap_or("");
        assert_eq!(nav.matches("class=\"on\"").count(), 1, "{nav}");
        assert!(nav.contains("<a href=\"/findings\" class=\"on\">"), "{nav}");
        let header = page.text.split("<header").nth(1).and_then(|h| h.split("</header>").next()).unwrap_or("");
        assert_eq!(header.matches("支部书记").count(), 1, "the role once: {header}");

        // The roster offers 新增党员; a member's page has its group, attendance and findings.
        let roster = server.get(&format!("/members?org_id={b1}"), &secretary).await;
        assert!(roster.text.contains("id=\"add-member\""), "{}", roster.text);
        let member = server.get(&format!("/members/{}", fx.member(M::Member).id), &secretary).await;
        for part in ["member-group", "member-attendance", "member-findings"] {
            assert!(member.text.contains(&format!("id=\"{part}\"")), "[{}] #{part}: {}", fx.backend, member.text);
        }
        // Pages stay light (the HTML itself).
        let org = server.get(&format!("/orgs/{b1}"), &secretary).await;
        for (what, p) in [("member page", &member), ("org page", &org)] {
            assert!(p.text.len() < 100 * 1024, "{what} weighs {} bytes", p.text.len());
        }

        // The cockpit: the trend chart sits above the ranking of the children.
        let street = fx.login(Caller::Street).await;
        let cockpit = server.get(&format!("/cockpit/{}", fx.org(Org::S1)), &street).await;
        let chart = cockpit.text.find("id=\"trend-chart\"").expect("the trend chart");
        let ranking = cockpit.text.find("id=\"children\"").expect("the ranking");
        assert!(chart < ranking, "the chart is above the ranking");
        let svg = cockpit.text[chart..ranking].to_string();
        assert!(svg.contains(">进行中</text>"), "the running month is marked as in progress: {svg}");
        if svg.contains("（进行中）</title>") {
            assert!(svg.contains("fill=\"#fff\""), "its point is drawn hollow: {svg}");
        }
        // A branch of the ranking links to its own compliance.
        let b2 = fx.org(Org::B2);
        let ranking_html = cockpit.text[ranking..].split("</table>").next().unwrap_or("").to_string();
        let link = ranking_html
            .split("<a href=\"")
            .skip(1)
            .filter_map(|a| a.split('"').next())
            .find(|h| h.starts_with(&format!("/cockpit/{b2}?")))
            .unwrap_or_else(|| panic!("a link to B2's cockpit: {ranking_html}"))
            .replace("&amp;", "&");
        let branch = server.get(&link, &street).await;
        assert_eq!(branch.status, 200, "{link}: {}", branch.text);
        let b2_name = server.get(&format!("/api/v1/orgs/{b2}"), &street).await.json["name"].as_str().unwrap_or("").to_string();
        let h1 = branch.text.split("<h1").nth(1).and_then(|h| h.split("</h1>").next()).unwrap_or("");
        assert!(h1.contains(&b2_name), "{link} is B2's compliance: {h1}");

        // The tree search counts members (not 0人), and 党小组 count their own members.
        let b1_name = server.get(&format!("/api/v1/orgs/{b1}"), &secretary).await.json["name"].as_str().unwrap_or("").to_string();
        let q: String = b1_name.chars().take(4).collect();
        let found = server.get(&format!("/tree/search?q={q}"), &secretary).await;
        assert!(
            found.text.contains(&format!("<a href=\"/orgs/{b1}\">{b1_name}</a> <span class=\"count\">4人</span>")),
            "[{}] {}",
            fx.backend,
            found.text
        );
        let nodes = server.get(&format!("/tree/{b1}"), &secretary).await;
        for (g, n) in [(Org::G1, 2), (Org::G2, 1)] {
            let g = fx.org(g);
            let node = nodes.text.split(&format!("<a href=\"/orgs/{g}\">")).nth(1).unwrap_or("");
            assert!(
                node.split("</li>").next().unwrap_or("").contains(&format!("{n}人")),
                "[{}] group {g}: {}",
                fx.backend,
                nodes.text
            );
        }
        fx.db.close().await;
    }
}

/// 新建会议记录 and the record: a failed submit says why at the top (422), the 支部党员大会
/// form names the voters up front, a fresh record offers 修改记录, the print view holds
/// the record, and the 台账 shows the chosen month only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meeting_record_is_made_checked_printed_and_found_in_the_ledger() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let b1 = fx.org(Org::B1);

        let failed = post_form(
            &server,
            &format!("/orgs/{b1}/meetings"),
            &secretary,
            &pairs(&[("meeting_type", "theme_day"), ("held_at", "昨天下午"), ("place", "会议室")]),
        )
        .await;
        assert_eq!(failed.status, 422, "{}", failed.text);
        let top = failed.text.find("id=\"form-error\"").expect("the error at the top");
        assert!(top < failed.text.find("id=\"new-meeting\"").unwrap_or(usize::MAX), "above the form");
        assert!(failed.text.contains("召开时间"), "the error names the field: {}", failed.text);

        let assembly = server.get(&format!("/orgs/{b1}/meetings/new?type=branch_assembly"), &secretary).await;
        let voters = assembly.text.split("id=\"voters\"").nth(1).expect("#voters");
        let n: u32 = voters
            .split("<span class=\"vote-count\">")
            .nth(1)
            .and_then(|s| s.split('<').next())
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        assert!(n > 0, "[{}] the voters are counted: {voters}", fx.backend);

        let now = fx.db.clock().now_ms();
        let topic = "学习党章第三章";
        let body = serde_json::json!({"meeting_type": "主题党日", "held_at": now, "place": "党群服务中心", "host": "张书记", "recorder": "李组长", "topic": topic});
        let r = server.post(&format!("/api/v1/orgs/{b1}/meetings"), &secretary, &body).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let id = r.json["id"].as_i64().expect("meeting id");
        let record = server.get(&format!("/meetings/{id}"), &secretary).await;
        assert!(record.text.contains("id=\"edit-record\">修改记录</a>"), "[{}] {}", fx.backend, record.text);
        // Within the window an edit saves at once.
        let (location, edited) =
            post_and_follow(&server, &format!("/meetings/{id}/edit"), &secretary, &pairs(&[("place", "村委会议室")])).await;
        assert_eq!(location, format!("/meetings/{id}?done=saved"));
        assert!(edited.text.contains("已保存。") && edited.text.contains("村委会议室"), "[{}] {}", fx.backend, edited.text);
        let print = server.get(&format!("/meetings/{id}/print"), &secretary).await;
        assert_eq!(print.status, 200);
        assert!(print.text.contains(topic) && print.text.contains("村委会议室"), "{}", print.text);
        assert!(print.text.len() < 100 * 1024, "the print view weighs {} bytes", print.text.len());

        let today = fx.db.clock().today();
        let (year, month) = (today.year(), today.month());
        let other = if month == 1 { 2 } else { month - 1 };
        let this = server.get(&format!("/orgs/{b1}/ledger?year={year}&month={month}"), &secretary).await;
        assert!(this.text.contains(topic), "[{}] this month's ledger: {}", fx.backend, this.text);
        let that = server.get(&format!("/orgs/{b1}/ledger?year={year}&month={other}"), &secretary).await;
        assert_eq!(that.status, 200);
        assert!(!that.text.contains(topic), "[{}] another month's ledger: {}", fx.backend, that.text);

        // The member's own view of it stays light too.
        let member = fx.login(Caller::Member).await;
        let mine = server.get(&format!("/m/meetings/{id}"), &member).await;
        assert_eq!(mine.status, 200, "{}", mine.text);
        assert!(mine.text.len() < 100 * 1024, "/m/meetings/{id} weighs {} bytes", mine.text.len());

        // Past the correction window (30 days) the same button asks for a correction.
        fx.db.clock().advance(31 * 24 * 3600 * 1000);
        let secretary = fx.login(Caller::Secretary).await;
        let record = server.get(&format!("/meetings/{id}"), &secretary).await;
        assert!(record.text.contains("id=\"edit-record\">申请更正</a>"), "[{}] {}", fx.backend, record.text);
        fx.db.close().await;
    }
}

/// The member's portal: greeted by name, the attendance rate computed, the scan entry on
/// the home page, other years' plans one click away, and /password in the portal's frame.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_greets_the_member_and_keeps_its_own_frame() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let member = fx.login(Caller::Member).await;
        let b1 = fx.org(Org::B1);
        let me = fx.member(M::Member).id;
        let name = server.get(&format!("/api/v1/members/{me}"), &secretary).await.json["name"].as_str().unwrap_or("").to_string();
        // One meeting attended, so a rate can be computed.
        let now = fx.db.clock().now_ms();
        let body = serde_json::json!({"meeting_type": "主题党日", "held_at": now, "place": "会议室", "host": "书记", "recorder": "委员"});
        let r = server.post(&format!("/api/v1/orgs/{b1}/meetings"), &secretary, &body).await;
        let id = r.json["id"].as_i64().unwrap_or_else(|| panic!("{}", r.text));
        let marks = serde_json::json!({"marks": [{"member_id": me, "attendance": "present"}]});
        let r = server.post(&format!("/api/v1/meetings/{id}/attendance"), &secretary, &marks).await;
        assert_eq!(r.status, 200, "{}", r.text);

        // A planned meeting: 近期活动 names its type and date once each.
        let planned = now + 2 * 24 * 3600 * 1000;
        let body = serde_json::json!({"meeting_type": "主题党日", "planned_at": planned, "place": "会议室", "topic": "学习交流"});
        let r = server.post(&format!("/api/v1/orgs/{b1}/meetings"), &secretary, &body).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let home = server.get("/m", &member).await;
        assert_eq!(home.status, 200, "{}", home.text);
        let upcoming = home.text.split("id=\"upcoming\"").nth(1).and_then(|s| s.split("</ul>").next()).expect("#upcoming");
        let item = upcoming.split("<li>").find(|li| li.contains("学习交流")).unwrap_or_else(|| panic!("{upcoming}"));
        let day = vanguard_domain::kernel::time::china_date(planned).to_string();
        assert_eq!((item.matches("主题党日").count(), item.matches(&day).count()), (1, 1), "[{}] {item}", fx.backend);
        assert!(home.text.contains(&format!("<h1 id=\"greeting\">{name}，您好</h1>")), "[{}] {}", fx.backend, home.text);
        let rate =
            home.text.split("id=\"attendance-rate\"").nth(1).and_then(|s| s.split("</p>").next()).expect("#attendance-rate");
        assert!(rate.contains('%') && rate.contains("出席率"), "{rate}");
        assert!(home.text.contains("<a href=\"/m/scan\" id=\"scan\">"), "the scan entry on the home page");
        assert_eq!(server.get("/m/scan", &member).await.status, 200);

        let plan = server.get("/m/plan", &member).await;
        let years = plan.text.split("id=\"plan-years\"").nth(1).and_then(|s| s.split("</p>").next()).expect("#plan-years");
        let links: Vec<&str> = years.split("<a href=\"").skip(1).filter_map(|a| a.split('"').next()).collect();
        assert!(!links.is_empty(), "other years are offered: {years}");
        for link in links {
            let other = server.get(link, &member).await;
            assert_eq!(other.status, 200, "{link}");
            let year = link.rsplit('=').next().unwrap_or("");
            assert!(other.text.contains(&format!("<strong>{year}年</strong>")), "{link} shows that year");
        }

        let password = server.get("/password", &member).await;
        assert_eq!(password.status, 200, "{}", password.text);
        assert!(
            password.text.contains("<body class=\"portal\">") && password.text.contains("href=\"/m\">锋领 · 党员之家"),
            "{}",
            password.text
        );
        fx.db.close().await;
    }
}

/// The home page's to-do 记录本月主题党日, for a branch with none held this month: its
/// link opens the 主题党日 form, and once the day is recorded the to-do is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_home_to_do_records_this_months_theme_day_and_then_goes_away() {
    for (_t, fx) in fixtures().await {
        let server = Server::relaxed(&fx.db).await;
        let secretary = fx.login(Caller::Secretary).await;
        let b1 = fx.org(Org::B1);
        let home = server.get("/", &secretary).await;
        assert_eq!(home.status, 200, "{}", home.text);
        let todo = home.text.split("id=\"todo-theme-day\"").nth(1).expect("the to-do on the home page");
        let href = todo.split("<a class=\"button\" href=\"").nth(1).and_then(|s| s.split('"').next()).expect("its link");
        assert_eq!(href, format!("/orgs/{b1}/meetings/new?type=theme_day"));
        assert!(todo.contains("记录本月主题党日"));
        let form = server.get(href, &secretary).await;
        assert_eq!(form.status, 200, "{}", form.text);
        assert!(form.text.contains("id=\"new-meeting\""), "{}", form.text);

        let held_at = format!("{} 00:00", fx.db.clock().today());
        let r = post_form(
            &server,
            &format!("/orgs/{b1}/meetings"),
            &secretary,
            &pairs(&[
                ("meeting_type", "theme_day"),
                ("held_at", &held_at),
                ("place", "党群服务中心"),
                ("host", "支部书记"),
                ("recorder", "组织委员"),
                ("topic", "本月主题党日"),
            ]),
        )
        .await;
        assert_eq!(r.status, 303, "[{}] {}", fx.backend, r.text);
        let home = server.get("/", &secretary).await;
        assert!(!home.text.contains("id=\"todo-theme-day\""), "[{}] the to-do is done", fx.backend);
        fx.db.close().await;
    }
}
