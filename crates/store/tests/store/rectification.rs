//! 软弱涣散整顿 and 攻坚项目 storage on every backend: the scope of a listing and a
//! project (visible under every org involved, nowhere else), 验收 by the parent's other
//! account, the 清零 rate per subtree, overdue tasks and milestones as findings.

use super::{each_backend, system, tree};
use chrono::Days;
use vanguard_domain::kernel::auth::{Reach, Role};
use vanguard_domain::kernel::paging::PageRequest;
use vanguard_domain::kernel::time::date_text;
use vanguard_domain::service::taskforce::{
    TASKFORCE_OVERDUE_CODE, TaskForceEntryInput, TaskForceInput, TaskForceMemberInput, TaskForceMilestoneInput,
};
use vanguard_domain::service::weak_branch::{WEAK_OVERDUE_CODE, WeakListingInput, WeakTaskInput};
use vanguard_store::cockpit::FindingFilter;
use vanguard_store::{Actor, Db, Scope, StoreError};

fn scope_at(region_id: i64, path: &str, account_id: i64) -> Scope {
    Scope {
        actor: Actor { account_id, name: format!("账户{account_id}"), ip: "127.0.0.1".into() },
        role: Role::CommitteeAdmin,
        region_id,
        reach: Reach::Subtree { root_path: path.to_string() },
        member_id: None,
        scope_org_id: None,
    }
}

async fn open_findings(db: &Db, root: &vanguard_store::org::OrgRow, rule: &str, org_id: i64) -> usize {
    let sys = system(root);
    let f = FindingFilter { rule: Some(rule.into()), ..Default::default() };
    let page = db.scoped(&sys).cockpit().findings(&f, &PageRequest::first(200)).await.unwrap();
    page.items.into_iter().filter(|x| x.subject_kind == "org" && x.subject_id == org_id).count()
}

fn conflict(e: StoreError) -> &'static str {
    match e {
        StoreError::Conflict { code, .. } => code,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[tokio::test]
async fn a_branch_leaves_the_list_only_after_acceptance_and_the_clear_rate_counts_it_per_subtree() {
    for t in each_backend().await {
        let db = &t.db;
        let tr = tree(db).await;
        let sys = system(&tr.root);
        let orgs = db.scoped(&sys).orgs();
        let (street, a, b, other) = (
            orgs.org(tr.street).await.unwrap(),
            orgs.org(tr.branch_a).await.unwrap(),
            orgs.org(tr.branch_b).await.unwrap(),
            orgs.org(tr.other_street).await.unwrap(),
        );
        let region = tr.root.region_id;
        let parent = scope_at(region, &street.path, 1);
        let branch = scope_at(region, &a.path, 2);
        let stranger = scope_at(region, &other.path, 3);
        let year = i64::from(chrono::Datelike::year(&db.clock().today()));
        let listing = WeakListingInput { year, reasons: vec!["disputes".into()], note: String::new() };

        let w = db.scoped(&parent).weak_branches();
        let la = w.list_branch(a.id, &listing).await.unwrap();
        w.list_branch(b.id, &listing).await.unwrap();
        assert_eq!(
            conflict(db.scoped(&branch).weak_branches().list_branch(a.id, &listing).await.unwrap_err()),
            "weak.parent_only"
        );
        // Scope: another street neither sees nor touches it.
        assert!(
            matches!(db.scoped(&stranger).weak_branches().detail(la.branch.id).await, Err(StoreError::NotFound)),
            "{}",
            t.backend
        );
        let task = WeakTaskInput { title: "配齐书记".into(), deadline: String::new() };
        assert!(matches!(db.scoped(&stranger).weak_branches().add_task(la.branch.id, &task).await, Err(StoreError::NotFound)));

        let d = w.add_task(la.branch.id, &task).await.unwrap();
        let task_id = d.tasks[0].id;
        let bw = db.scoped(&branch).weak_branches();
        bw.submit_task(task_id, "已选举产生书记").await.unwrap();
        assert_eq!(conflict(bw.decide_task(task_id, true, "").await.unwrap_err()), "weak.parent_only");
        assert_eq!(conflict(w.clear(la.branch.id, "").await.unwrap_err()), "weak.tasks_open");

        let rate = |o: &vanguard_store::service::weak_branch::WeakOverview| (o.rate.listed, o.rate.cleared);
        assert_eq!(rate(&w.overview(street.id, year).await.unwrap()), (2, 0), "{}", t.backend);
        w.decide_task(task_id, true, "合格").await.unwrap();
        let cleared = w.clear(la.branch.id, "验收合格").await.unwrap();
        assert_eq!(cleared.branch.state, "cleared", "{}", t.backend);
        let o = w.overview(street.id, year).await.unwrap();
        assert_eq!((rate(&o), o.rate.percent), ((2, 1), Some(50.0)), "{}", t.backend);
        let root_view = db.scoped(&sys).weak_branches().overview(tr.root.id, year).await.unwrap();
        assert_eq!(
            root_view.children.iter().map(|c| (c.org_id, c.rate.listed, c.rate.cleared)).collect::<Vec<_>>(),
            vec![(street.id, 2, 1)]
        );
        assert_eq!(rate(&db.scoped(&sys).weak_branches().overview(other.id, year).await.unwrap()), (0, 0));
        assert_eq!(conflict(w.clear(la.branch.id, "").await.unwrap_err()), "weak.cleared");
    }
}

#[tokio::test]
async fn the_submitter_cannot_accept_even_from_above() {
    for t in each_backend().await {
        let db = &t.db;
        let tr = tree(db).await;
        let sys = system(&tr.root);
        let a = db.scoped(&sys).orgs().org(tr.branch_a).await.unwrap();
        let street = db.scoped(&sys).orgs().org(tr.street).await.unwrap();
        let parent = scope_at(tr.root.region_id, &street.path, 1);
        let w = db.scoped(&parent).weak_branches();
        let year = i64::from(chrono::Datelike::year(&db.clock().today()));
        let l =
            w.list_branch(a.id, &WeakListingInput { year, reasons: vec!["other".into()], note: String::new() }).await.unwrap();
        let d = w.add_task(l.branch.id, &WeakTaskInput { title: "建章立制".into(), deadline: String::new() }).await.unwrap();
        w.submit_task(d.tasks[0].id, "制度已上墙").await.unwrap();
        assert_eq!(conflict(w.decide_task(d.tasks[0].id, true, "").await.unwrap_err()), "weak.same_account", "{}", t.backend);
        let other_account = scope_at(tr.root.region_id, &street.path, 5);
        let d = db.scoped(&other_account).weak_branches().decide_task(d.tasks[0].id, true, "").await.unwrap();
        assert_eq!(d.tasks[0].state, "accepted", "{}", t.backend);
    }
}

#[tokio::test]
async fn overdue_tasks_and_milestones_are_findings_of_the_responsible_org_and_resolve() {
    for t in each_backend().await {
        let db = &t.db;
        let tr = tree(db).await;
        let sys = system(&tr.root);
        let a = db.scoped(&sys).orgs().org(tr.branch_a).await.unwrap();
        let street = db.scoped(&sys).orgs().org(tr.street).await.unwrap();
        let region = tr.root.region_id;
        let parent = scope_at(region, &street.path, 1);
        let today = db.clock().today();
        let tomorrow = today.checked_add_days(Days::new(1)).unwrap();
        let year = i64::from(chrono::Datelike::year(&today));

        let w = db.scoped(&parent).weak_branches();
        let l =
            w.list_branch(a.id, &WeakListingInput { year, reasons: vec!["disputes".into()], note: String::new() }).await.unwrap();
        let d = w.add_task(l.branch.id, &WeakTaskInput { title: "化解纠纷".into(), deadline: date_text(today) }).await.unwrap();
        vanguard_store::service::weak_branch::check_region(db, region, today).await.unwrap();
        assert_eq!(open_findings(db, &tr.root, WEAK_OVERDUE_CODE, a.id).await, 0, "due today is in time: {}", t.backend);
        vanguard_store::service::weak_branch::check_region(db, region, tomorrow).await.unwrap();
        assert_eq!(open_findings(db, &tr.root, WEAK_OVERDUE_CODE, a.id).await, 1, "{}", t.backend);
        db.scoped(&scope_at(region, &a.path, 2)).weak_branches().submit_task(d.tasks[0].id, "已调解").await.unwrap();
        assert_eq!(open_findings(db, &tr.root, WEAK_OVERDUE_CODE, a.id).await, 0, "submitted: resolved at once: {}", t.backend);

        // A project led by the street with a member of branch A.
        let tf = db.scoped(&parent).task_forces();
        let p = TaskForceInput { title: "加装电梯".into(), problem: "意见不一".into(), leader: "张某".into() };
        let p = tf.create(street.id, &p).await.unwrap();
        let id = p.project.id;
        let branch_scope = scope_at(region, &a.path, 2);
        assert!(matches!(db.scoped(&branch_scope).task_forces().detail(id).await, Err(StoreError::NotFound)));
        tf.add_member(id, &TaskForceMemberInput { name: "李某".into(), org_id: a.id, role: String::new() }).await.unwrap();
        let seen = db.scoped(&branch_scope).task_forces().list(a.id).await.unwrap();
        assert_eq!(seen.items.iter().map(|p| p.id).collect::<Vec<_>>(), vec![id], "{}", t.backend);
        let other = db.scoped(&sys).orgs().org(tr.other_street).await.unwrap();
        assert!(db.scoped(&sys).task_forces().list(other.id).await.unwrap().items.is_empty());
        let d =
            tf.add_milestone(id, &TaskForceMilestoneInput { title: "入户调查".into(), due_on: date_text(today) }).await.unwrap();
        vanguard_store::service::taskforce::check_region(db, region, tomorrow).await.unwrap();
        assert_eq!(open_findings(db, &tr.root, TASKFORCE_OVERDUE_CODE, street.id).await, 1, "{}", t.backend);
        let done = TaskForceEntryInput { on: date_text(today), text: "完成".into() };
        tf.complete(d.milestone_list[0].id, &done).await.unwrap();
        assert_eq!(open_findings(db, &tr.root, TASKFORCE_OVERDUE_CODE, street.id).await, 0, "{}", t.backend);
        let closed = tf.close(id, &done).await.unwrap();
        assert_eq!(closed.project.state, "closed", "{}", t.backend);
    }
}
