//! Loads 软弱涣散整顿 and 攻坚项目 into a demo district, through the store's own
//! functions, after the accounts are made. Under the `committee` account's org, this
//! year's list: 6 branches — 2 cleared (every task accepted, 销号), 1 with a task waiting
//! for 验收, 1 with an overdue task (a finding), and the `secretary` account's own branch
//! in progress with one task accepted and one open (the browser test submits it, the
//! committee accepts it and clears the branch: the 清零 rate moves) — each with measures
//! (第一书记, 包村 leader, a 结对 department). And 3 task forces led by the committee's org
//! with members from several branches: one closed with its results, one on track, one
//! with an overdue milestone (a finding).
//!
//! Deterministic: branches in the order of their path; dates relative to the load day.

use chrono::{Datelike, Days, NaiveDate};
use vanguard_domain::kernel::time::date_text;
use vanguard_domain::org::{OrgKind, path};
use vanguard_domain::service::taskforce::{TaskForceEntryInput, TaskForceInput, TaskForceMemberInput, TaskForceMilestoneInput};
use vanguard_domain::service::weak_branch::{WeakListingInput, WeakMeasureInput, WeakTaskInput};
use vanguard_store::account::account_by_username;
use vanguard_store::{Actor, Db, Scope, StoreResult};

/// What was loaded.
#[derive(Debug, Clone, Default)]
pub struct RectificationSummary {
    pub listed: usize,
    pub cleared: usize,
    pub projects: usize,
}

fn ago(today: NaiveDate, days: u64) -> NaiveDate {
    today.checked_sub_days(Days::new(days)).unwrap_or(today)
}

fn ahead(today: NaiveDate, days: u64) -> NaiveDate {
    today.checked_add_days(Days::new(days)).unwrap_or(today)
}

/// Loads the list and the task forces under the demo `committee` account's org.
pub async fn generate(db: &Db, region_id: i64) -> StoreResult<RectificationSummary> {
    let (Some(committee), Some(secretary)) =
        (account_by_username(db, "committee").await?, account_by_username(db, "secretary").await?)
    else {
        return Ok(RectificationSummary::default());
    };
    let (Some(c_org), Some(s_org)) = (committee.scope_org_id, secretary.scope_org_id) else {
        return Ok(RectificationSummary::default());
    };
    let today = db.clock().today();
    let year = i64::from(today.year());
    let root = vanguard_store::org::regions(db).await?.into_iter().find(|r| r.id == region_id);
    let Some(root) = root else { return Ok(RectificationSummary::default()) };
    let look = Scope::system(region_id, &root.path, Actor::system("demo"));
    let orgs = db.scoped(&look).orgs().active_orgs().await?;
    let Some(c) = orgs.iter().find(|o| o.id == c_org).cloned() else { return Ok(RectificationSummary::default()) };
    let Some(mine) = orgs.iter().find(|o| o.id == s_org).cloned() else { return Ok(RectificationSummary::default()) };
    let mut branches: Vec<_> = orgs
        .iter()
        .filter(|o| o.kind == OrgKind::Branch && o.id != mine.id && o.path != c.path && path::within(&o.path, &c.path))
        .cloned()
        .collect();
    branches.sort_by(|a, b| a.path.cmp(&b.path));
    branches.truncate(5);
    // The parent acts as the committee account, the branches as the secretary account (two accounts).
    let parent = Scope::system(
        region_id,
        &c.path,
        Actor { account_id: committee.id, name: "演示：街道党工委".into(), ip: "local".into() },
    );
    let branch_actor = Actor { account_id: secretary.id, name: "演示：党支部".into(), ip: "local".into() };
    let w = db.scoped(&parent).weak_branches();
    let reasons = [
        vec!["team_incomplete", "org_life_abnormal"],
        vec!["economy_weak"],
        vec!["disputes", "poor_role"],
        vec!["clan_interference"],
        vec!["affairs_chaotic"],
        vec!["secretary_unfit"],
    ];
    let mut out = RectificationSummary::default();
    let listed_on = ago(today, 150);
    // (org, plan): 0 cleared, 1 cleared, 2 waiting for 验收, 3 overdue, 4 in progress;
    // the secretary's own branch: one accepted, one open.
    let mut plan: Vec<(vanguard_store::org::OrgRow, usize)> = branches.into_iter().enumerate().map(|(i, o)| (o, i)).collect();
    plan.push((mine.clone(), 5));
    for (org, kind) in plan {
        let input = WeakListingInput {
            year,
            reasons: reasons[kind].iter().map(|s| s.to_string()).collect(),
            note: "年初排查：班子战斗力不强，群众反映较多".into(),
        };
        let d = w.list_branch(org.id, &input).await?;
        let id = d.branch.id;
        out.listed += 1;
        let measures = [("first_secretary", "第一书记：区级机关选派干部"), ("township_leader", "街道党工委班子成员包村")];
        for (k, person) in measures {
            let m = WeakMeasureInput {
                kind: k.into(),
                person: person.into(),
                helper_org_id: None,
                from: date_text(listed_on),
                to: String::new(),
            };
            w.add_measure(id, &m).await?;
        }
        let bs = Scope::system(region_id, &org.path, branch_actor.clone());
        let bw = db.scoped(&bs).weak_branches();
        let first_deadline = if kind == 4 { ahead(today, 30) } else { ahead(listed_on, 60) };
        let first = WeakTaskInput { title: "配齐配强支部班子".into(), deadline: date_text(first_deadline) };
        let d = w.add_task_as_of(id, &first, listed_on).await?;
        let t1 = d.tasks[0].id;
        match kind {
            0 | 1 | 5 => {
                bw.submit_task(t1, "召开支部党员大会补选书记和委员，会议记录和选举结果报告已报街道党工委").await?;
                w.decide_task(t1, true, "班子已配齐，验收通过").await?;
            }
            2 => {
                bw.submit_task(t1, "已调整两名委员，分工已公示").await?;
            }
            _ => {}
        }
        let second_deadline = if kind == 3 { ago(today, 20) } else { ahead(today, 45) };
        let second = WeakTaskInput { title: "规范三会一课和主题党日".into(), deadline: date_text(second_deadline) };
        let d = w.add_task_as_of(id, &second, listed_on).await?;
        let t2 = d.tasks.iter().find(|t| t.title == second.title).map(|t| t.id).unwrap_or(t1);
        if kind <= 1 {
            bw.submit_task(t2, "近三个月三会一课按期召开，记实完整").await?;
            w.decide_task(t2, true, "抽查会议记录，符合要求").await?;
            w.clear(id, "经验收，整顿达到预期目标，同意销号").await?;
            out.cleared += 1;
        }
    }

    // 攻坚项目: led by the committee's org, members from the listed branches.
    let tf = db.scoped(&parent).task_forces();
    let projects = [
        ("老旧小区加装电梯", "居民意见不一、资金分摊难", "街道党工委书记", 0),
        ("背街小巷环境整治", "占道经营、垃圾乱堆反复回潮", "街道办事处主任", 1),
        ("村级集体经济增收", "集体经济年收入不足20万元", "街道党工委副书记", 2),
    ];
    let set_on = ago(today, 120);
    for (title, problem, leader, kind) in projects {
        let p = TaskForceInput { title: title.into(), problem: problem.into(), leader: leader.into() };
        let id = tf.create(c.id, &p).await?.project.id;
        out.projects += 1;
        for (i, (name, org)) in [("周队员", &mine), ("吴队员", &c)].into_iter().enumerate() {
            let role = if i == 0 { "队长" } else { "队员" };
            tf.add_member(id, &TaskForceMemberInput { name: name.into(), org_id: org.id, role: role.into() }).await?;
        }
        let due = |d: NaiveDate| date_text(d);
        let m1 = TaskForceMilestoneInput { title: "入户调查、摸清底数".into(), due_on: due(ahead(set_on, 30)) };
        let m2_due = if kind == 2 { ago(today, 10) } else { ahead(today, 30) };
        let m2 = TaskForceMilestoneInput {
            title: "形成方案并公示".into(),
            due_on: due(if kind == 0 { ahead(set_on, 60) } else { m2_due }),
        };
        tf.add_milestone_as_of(id, &m1, set_on).await?;
        let d = tf.add_milestone_as_of(id, &m2, set_on).await?;
        let done = |on: NaiveDate, text: &str| TaskForceEntryInput { on: date_text(on), text: text.into() };
        let first = d.milestone_list.iter().find(|m| m.title == m1.title).map(|m| m.id);
        let second = d.milestone_list.iter().find(|m| m.title == m2.title).map(|m| m.id);
        if let Some(m) = first {
            tf.complete(m, &done(ahead(set_on, 25), "走访居民120户，意见汇总成册")).await?;
        }
        tf.report(id, &done(ahead(set_on, 40), "召开协调会，党员带头表态")).await?;
        if kind == 0 {
            if let Some(m) = second {
                tf.complete(m, &done(ahead(set_on, 55), "方案经居民代表会议通过并公示")).await?;
            }
            tf.close(id, &done(ago(today, 30), "3个单元加装电梯完工投用，惠及96户")).await?;
        }
    }
    Ok(out)
}
