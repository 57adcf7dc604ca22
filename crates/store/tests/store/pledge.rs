//! 三亮三比 and 挂职 storage — each case on every backend: reach (another street's
//! secretary finds nothing), the review by another account, the public page showing
//! nothing unpublished, the missing-commitment finding, and the overdue report.

use super::{member, subtree_scope, system, tree};
use chrono::{Datelike, Months};
use vanguard_domain::kernel::auth::{Reach, Role};
use vanguard_domain::kernel::paging::PageRequest;
use vanguard_domain::kernel::time::date_text;
use vanguard_domain::service::pledge::MISSING_CODE;
use vanguard_domain::service::secondment::{REPORT_CODE, SecondmentInput};
use vanguard_store::cockpit::FindingFilter;
use vanguard_store::service::pledge::{PledgeLabelInput, public_page};
use vanguard_store::service::secondment::SecondmentStep;
use vanguard_store::{Actor, Db, Scope, StoreError};
use vanguard_testkit::backends;

fn own(db_region: i64, member_id: i64, branch_path: &str, account_id: i64) -> Scope {
    Scope {
        actor: Actor { account_id, name: "党员".into(), ip: "x".into() },
        role: Role::Member,
        region_id: db_region,
        reach: Reach::OwnRecord { member_id, branch_path: branch_path.into() },
        member_id: Some(member_id),
        scope_org_id: None,
    }
}

async fn open_findings(db: &Db, root: &vanguard_store::org::OrgRow, rule: &str) -> Vec<i64> {
    let f = FindingFilter { rule: Some(rule.into()), ..Default::default() };
    let page = db.scoped(&system(root)).cockpit().findings(&f, &PageRequest::first(200)).await.unwrap();
    page.items.into_iter().filter(|x| x.subject_kind == "member").map(|x| x.subject_id).collect()
}

#[tokio::test]
async fn a_commitment_is_reviewed_by_another_account_within_reach_and_published_only_by_choice() {
    for t in backends().await {
        let db = &t.db;
        let tr = tree(db).await;
        let deadline = db.rules().pledges.deadline(db.clock().today().year());
        if db.clock().today() <= deadline {
            let days = (deadline - db.clock().today()).num_days() + 1;
            db.clock().advance(days * 86_400_000);
        }
        let sys = system(&tr.root);
        let s = db.scoped(&sys);
        let a = s.members().create_member(&member("李诺", 40, tr.branch_a)).await.unwrap();
        let b = s.members().create_member(&member("王迟", 41, tr.branch_a)).await.unwrap();
        let ba = s.orgs().org(tr.branch_a).await.unwrap();
        let mine = own(tr.root.region_id, a.id, &ba.path, 501);
        let mine = db.scoped(&mine);
        let c = mine.pledges().write_commitment("每月为社区老人义务理发").await.unwrap();
        assert_eq!(c.state.as_deref(), Some("submitted"), "{}", t.backend);
        // The branch runs 亮承诺 this year: 王迟, without one after the deadline, is a finding.
        assert_eq!(open_findings(db, &tr.root, MISSING_CODE).await, vec![b.id], "{}", t.backend);

        // Another street's secretary finds nothing of it.
        let o = s.orgs().org(tr.other_street).await.unwrap();
        let other = subtree_scope(&tr.root, &o.path, Role::BranchSecretary);
        let id = c.id.unwrap();
        let e = db.scoped(&other).pledges().review(id, true, "").await.unwrap_err();
        assert!(matches!(e, StoreError::NotFound), "{}: {e:?}", t.backend);
        assert!(matches!(db.scoped(&other).pledges().overview(tr.branch_a, 2026).await, Err(StoreError::NotFound)));

        // The member's own account cannot approve it, even with a secretary's reach.
        let mut same = subtree_scope(&tr.root, &ba.path, Role::BranchSecretary);
        same.actor.account_id = 501;
        let e = db.scoped(&same).pledges().review(id, true, "").await.unwrap_err();
        assert!(matches!(e, StoreError::Conflict { code: "pledge.own", .. }), "{}: {e:?}", t.backend);
        let secretary = subtree_scope(&tr.root, &ba.path, Role::BranchSecretary);
        db.scoped(&secretary).pledges().review(id, true, "").await.unwrap();
        let label = PledgeLabelInput { member_id: a.id, kind: "household".into(), post: "槐树社区5幢".into() };
        db.scoped(&secretary).pledges().grant_label(tr.branch_a, &label).await.unwrap();

        // Unpublished: not found; published: the name and the commitment.
        assert!(matches!(public_page(db, tr.branch_a).await, Err(StoreError::NotFound)), "{}", t.backend);
        db.scoped(&secretary).pledges().set_published(tr.branch_a, true).await.unwrap();
        let p = public_page(db, tr.branch_a).await.unwrap();
        assert_eq!(p.members.len(), 1, "{}: {p:?}", t.backend);
        assert_eq!((p.members[0].name.as_str(), p.members[0].commitment.as_deref()), ("李诺", Some("每月为社区老人义务理发")));
        db.scoped(&secretary).pledges().set_published(tr.branch_a, false).await.unwrap();
        assert!(matches!(public_page(db, tr.branch_a).await, Err(StoreError::NotFound)), "{}", t.backend);
        // A branch publishing says nothing about its sibling.
        assert!(matches!(public_page(db, tr.branch_b).await, Err(StoreError::NotFound)));

        let year = db.clock().today().year();
        assert_eq!(db.scoped(&secretary).pledges().overview(tr.branch_a, year).await.unwrap().missing, 1, "{}", t.backend);
        // 王迟 writes one: the finding resolves in the same transaction.
        let late = own(tr.root.region_id, b.id, &ba.path, 502);
        let late = db.scoped(&late);
        late.pledges().write_commitment("做好楼道长工作").await.unwrap();
        assert!(open_findings(db, &tr.root, MISSING_CODE).await.is_empty(), "{}", t.backend);
        assert_eq!(db.scoped(&secretary).pledges().overview(tr.branch_a, year).await.unwrap().missing, 0, "{}", t.backend);
    }
}

#[tokio::test]
async fn a_secondment_without_a_report_for_three_months_is_a_finding_until_one_is_made() {
    for t in backends().await {
        let db = &t.db;
        let tr = tree(db).await;
        let sys = system(&tr.root);
        let s = db.scoped(&sys);
        let cadre = s.members().create_member(&member("赵挂", 42, tr.branch_a)).await.unwrap();
        let today = db.clock().today();
        let start = today.checked_sub_months(Months::new(4)).unwrap();
        let input = SecondmentInput {
            member_id: cadre.id,
            to_org_id: tr.other_street,
            starts_on: date_text(start),
            ends_on: String::new(),
            post: "街道党工委委员".into(),
            duties: "协助抓好基层党建".into(),
        };
        let ba = s.orgs().org(tr.branch_a).await.unwrap();
        let sending = subtree_scope(&tr.root, &ba.path, Role::BranchSecretary);
        let d = db.scoped(&sending).secondments().create(&input).await.unwrap();
        assert_eq!(open_findings(db, &tr.root, REPORT_CODE).await, vec![cadre.id], "{}", t.backend);
        // The receiving street sees it; a sibling branch does not.
        let o = s.orgs().org(tr.other_street).await.unwrap();
        let receiving = subtree_scope(&tr.root, &o.path, Role::CommitteeAdmin);
        assert!(db.scoped(&receiving).secondments().get(d.secondment.id).await.is_ok());
        let bb = s.orgs().org(tr.branch_b).await.unwrap();
        let sibling = subtree_scope(&tr.root, &bb.path, Role::BranchSecretary);
        assert!(matches!(db.scoped(&sibling).secondments().get(d.secondment.id).await, Err(StoreError::NotFound)));
        let report =
            SecondmentStep { step: "report".into(), on: date_text(today), text: "季度汇报".into(), grade: String::new() };
        db.scoped(&receiving).secondments().step(d.secondment.id, &report).await.unwrap();
        assert!(open_findings(db, &tr.root, REPORT_CODE).await.is_empty(), "{}", t.backend);
        // Only the receiving side evaluates, and only after the term.
        let eval = SecondmentStep { step: "evaluate".into(), on: String::new(), text: "称职".into(), grade: "good".into() };
        let e = db.scoped(&sending).secondments().step(d.secondment.id, &eval).await.unwrap_err();
        assert!(matches!(e, StoreError::Conflict { code: "secondment.receiver_only", .. }), "{}: {e:?}", t.backend);
        let years = db.scoped(&receiving).secondments().per_year(tr.other_street).await.unwrap();
        assert_eq!(years.iter().map(|y| y.started).sum::<i64>(), 1, "{years:?}");
    }
}
