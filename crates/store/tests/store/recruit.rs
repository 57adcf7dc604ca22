//! 发展党员 storage: a file moved through the 25 steps, the 支部党员大会's votes driving
//! it through the hooks (never entered twice), the parent's approvals by another
//! account, the archive written through the member feature, extension and
//! cancellation, and the engine — each case on every backend.

use super::{Tree, member, subtree_scope, system, tree};
use chrono::{Days, NaiveDate};
use vanguard_domain::affairs::recruit::{ApplicantInput, STEP_ADMIT_VOTE, StepInput};
use vanguard_domain::kernel::auth::Role;
use vanguard_domain::kernel::paging::PageRequest;
use vanguard_domain::kernel::time::date_text;
use vanguard_domain::member::idcard::compose;
use vanguard_domain::orglife::record::{AttendanceMark, DecisionInput, MeetingInput};
use vanguard_store::affairs::RecruitDetail;
use vanguard_store::org::OrgRow;
use vanguard_store::{Actor, Db, Scope, StoreError};
use vanguard_testkit::backends;

struct Fixture {
    tr: Tree,
    branch_a: OrgRow,
    street: OrgRow,
    formal: Vec<i64>,
    probationary: i64,
}

async fn fixture(db: &Db) -> Fixture {
    let tr = tree(db).await;
    let sys = system(&tr.root);
    let s = db.scoped(&sys);
    let mut formal = Vec::new();
    for (i, name) in ["赵一", "赵二", "赵三"].iter().enumerate() {
        formal.push(s.members().create_member(&member(name, 401 + i as u16, tr.branch_a)).await.unwrap().id);
    }
    let mut pre = member("钱预", 410, tr.branch_a);
    pre.fields.category = Some("预备党员".into());
    pre.fields.confirmed_on = None;
    pre.fields.joined_on = Some(date_text(db.clock().today()));
    let probationary = s.members().create_member(&pre).await.unwrap().id;
    Fixture {
        branch_a: s.orgs().org(tr.branch_a).await.unwrap(),
        street: s.orgs().org(tr.street).await.unwrap(),
        tr,
        formal,
        probationary,
    }
}

impl Fixture {
    fn secretary(&self) -> Scope {
        subtree_scope(&self.tr.root, &self.branch_a.path, Role::BranchSecretary)
    }
    fn parent(&self, account_id: i64) -> Scope {
        let mut s = subtree_scope(&self.tr.root, &self.street.path, Role::OrgDeptAdmin);
        s.actor = Actor { account_id, name: "街道组织员".into(), ip: "127.0.0.1".into() };
        s
    }
}

fn applicant(org_id: i64, birth: NaiveDate, applied_on: NaiveDate) -> ApplicantInput {
    ApplicantInput {
        org_id,
        name: "孙申请".into(),
        id_number: compose("330205", birth, 71),
        ethnicity: "汉族".into(),
        education: "大学本科".into(),
        work_unit: "槐树社区".into(),
        applied_on: date_text(applied_on),
        documents: vec!["入党申请书".into()],
    }
}

fn step_input(db: &Db, no: u8, on: NaiveDate) -> StepInput {
    let rules = db.rules();
    let rule = rules.recruit.step(no).unwrap();
    StepInput {
        on: date_text(on),
        documents: rule.documents.clone(),
        publicity_from: if rule.publicity {
            date_text(on - Days::new(u64::from(rules.recruit.publicity_days)))
        } else {
            String::new()
        },
        training_days: 3,
        ..Default::default()
    }
}

fn has(e: &StoreError, code: &str) -> bool {
    match e {
        StoreError::Invalid(i) => i.has(code),
        StoreError::Conflict { code: c, .. } => *c == code,
        _ => false,
    }
}

/// Steps `from..=to` done on `start`, each by the branch or, for
/// the parent's steps, by account 77.
async fn walk(db: &Db, f: &Fixture, id: i64, from: u8, to: u8, start: NaiveDate) -> RecruitDetail {
    let sec = f.secretary();
    let parent = f.parent(77);
    let mut last = None;
    for no in from..=to {
        let rules = db.rules();
        let is_parent = rules.recruit.step(no).unwrap().actor.code() == "parent";
        let scope = if is_parent { &parent } else { &sec };
        let mut input = step_input(db, no, start);
        if no == 9 {
            input.introducer_ids = f.formal[..2].to_vec();
        }
        last =
            Some(db.scoped(scope).recruits().complete_step(id, no, &input).await.unwrap_or_else(|e| panic!("step {no}: {e:?}")));
    }
    last.unwrap()
}

/// A 支部党员大会 held now with the three 正式党员 present, deciding about the file.
async fn assembly(db: &Db, f: &Fixture, file: i64, kind: &str, months: Option<u32>) -> Result<i64, StoreError> {
    let sec = f.secretary();
    let input = MeetingInput {
        meeting_type: "支部党员大会".into(),
        held_at: Some(db.clock().now_ms()),
        place: "党群服务中心".into(),
        host: "赵一".into(),
        recorder: "赵二".into(),
        attendance: f
            .formal
            .iter()
            .map(|m| AttendanceMark { member_id: *m, attendance: "出席".into(), reason: String::new() })
            .collect(),
        ..Default::default()
    };
    let s = db.scoped(&sec);
    let meeting = s.orglife().create_meeting(f.branch_a.id, &input).await?.meeting.summary.id;
    let d = DecisionInput {
        title: format!("关于孙申请的{kind}"),
        votes_for: 3,
        subject_kind: kind.into(),
        subject_id: Some(file),
        months,
        ..Default::default()
    };
    Ok(s.orglife().record_decision(meeting, &d).await?.id)
}

/// A file through step 14, begun two years ago (the 积极分子's year included).
async fn candidate(db: &Db, f: &Fixture) -> i64 {
    let today = db.clock().today();
    let applied = today - Days::new(800);
    let sec = f.secretary();
    let file = db
        .scoped(&sec)
        .recruits()
        .create_file(&applicant(f.branch_a.id, NaiveDate::from_ymd_opt(1998, 3, 1).unwrap(), applied))
        .await
        .unwrap();
    let id = file.file.id;
    walk(db, f, id, 2, 6, applied + Days::new(10)).await;
    walk(db, f, id, 7, 14, applied + Days::new(10 + 366)).await;
    id
}

#[tokio::test]
async fn a_confirmation_vote_at_a_branch_assembly_makes_the_member_formal_on_the_approved_date() {
    for t in backends().await {
        let db = &t.db;
        let f = fixture(db).await;
        let id = candidate(db, &f).await;
        // 接收预备党员: the assembly's vote completes step 15 on the meeting's day.
        let decision = assembly(db, &f, id, "admit", None).await.unwrap();
        let sec = f.secretary();
        let d = db.scoped(&sec).recruits().file(id).await.unwrap();
        let s15 = &d.steps[usize::from(STEP_ADMIT_VOTE) - 1];
        assert_eq!((s15.status, s15.decision_id), ("done", Some(decision)), "[{}]", t.backend);
        // Never entered twice: the secretary cannot complete it by hand, nor vote again.
        assert!(has(
            &db.scoped(&sec).recruits().complete_step(id, 15, &step_input(db, 15, db.clock().today())).await.unwrap_err(),
            "recruit.out_of_order"
        ));
        assert!(has(&assembly(db, &f, id, "admit", None).await.unwrap_err(), "recruit.vote_refused"), "[{}]", t.backend);
        // 16 (谈话), 17 (审批) by the parent: the 预备党员's archive appears.
        let today = db.clock().today();
        let d = walk(db, &f, id, 16, 17, today).await;
        let member = d.file.member_id.expect("archive created");
        let m = db.scoped(&system(&f.tr.root)).members().member(member).await.unwrap();
        assert_eq!((m.category.as_str(), m.joined_on.clone()), ("probationary", date_text(today)), "[{}]", t.backend);
        walk(db, &f, id, 18, 21, today).await;
        // A year on: the 转正 application, the vote, the parent's approval.
        db.clock().advance(370 * 86_400_000);
        let later = db.clock().today();
        walk(db, &f, id, 22, 22, later).await;
        let m = db.scoped(&system(&f.tr.root)).members().member(member).await.unwrap();
        assert_eq!(m.category, "probationary", "[{}] the vote alone changes nothing yet", t.backend);
        assemble_and_approve(db, &f, id, later).await;
        let m = db.scoped(&system(&f.tr.root)).members().member(member).await.unwrap();
        assert_eq!((m.category.as_str(), m.confirmed_on.clone()), ("formal", Some(date_text(later))), "[{}]", t.backend);
        let d = walk(db, &f, id, 25, 25, later).await;
        assert_eq!(d.file.state, "completed", "[{}]", t.backend);
    }
}

async fn assemble_and_approve(db: &Db, f: &Fixture, id: i64, on: NaiveDate) {
    assembly(db, f, id, "confirm", None).await.unwrap();
    // The account that recorded the vote cannot approve it as the parent.
    let same = f.parent(99);
    let e = db.scoped(&same).recruits().complete_step(id, 24, &step_input(db, 24, on)).await.unwrap_err();
    assert!(has(&e, "recruit.same_account"), "{e:?}");
    walk(db, f, id, 24, 24, on).await;
}

#[tokio::test]
async fn a_confirmation_vote_before_the_probation_ends_fails_the_meeting_write() {
    for t in backends().await {
        let db = &t.db;
        let f = fixture(db).await;
        let id = candidate(db, &f).await;
        assembly(db, &f, id, "admit", None).await.unwrap();
        let today = db.clock().today();
        walk(db, &f, id, 16, 22, today).await;
        let e = assembly(db, &f, id, "confirm", None).await.unwrap_err();
        assert!(has(&e, "recruit.vote_refused"), "[{}] {e:?}", t.backend);
        assert!(e.to_string().contains("预备期满"), "[{}] {e}", t.backend);
    }
}

#[tokio::test]
async fn a_step_before_its_interval_or_without_its_documents_is_refused() {
    for t in backends().await {
        let db = &t.db;
        let f = fixture(db).await;
        let sec = f.secretary();
        let r = db.scoped(&sec).recruits();
        let applied = db.clock().today() - Days::new(400);
        let id = r
            .create_file(&applicant(f.branch_a.id, NaiveDate::from_ymd_opt(1998, 3, 1).unwrap(), applied))
            .await
            .unwrap()
            .file
            .id;
        let mut no_docs = step_input(db, 2, applied + Days::new(5));
        no_docs.documents.clear();
        assert!(has(&r.complete_step(id, 2, &no_docs).await.unwrap_err(), "recruit.documents"), "[{}]", t.backend);
        walk(db, &f, id, 2, 6, applied + Days::new(5)).await;
        // Step 3 was done at applied+5: the year is not over at applied+5+364.
        let e = r.complete_step(id, 7, &step_input(db, 7, applied + Days::new(5 + 364))).await.unwrap_err();
        assert!(has(&e, "recruit.too_early"), "[{}] {e:?}", t.backend);
        // The parent's step cannot be done by the branch.
        walk(db, &f, id, 7, 7, applied + Days::new(5 + 365)).await;
        let e = r.complete_step(id, 8, &step_input(db, 8, db.clock().today())).await.unwrap_err();
        assert!(has(&e, "recruit.parent_only"), "[{}] {e:?}", t.backend);
    }
}

#[tokio::test]
async fn introducers_who_are_not_formal_members_are_refused() {
    for t in backends().await {
        let db = &t.db;
        let f = fixture(db).await;
        let sec = f.secretary();
        let r = db.scoped(&sec).recruits();
        let applied = db.clock().today() - Days::new(500);
        let id = r
            .create_file(&applicant(f.branch_a.id, NaiveDate::from_ymd_opt(1998, 3, 1).unwrap(), applied))
            .await
            .unwrap()
            .file
            .id;
        walk(db, &f, id, 2, 6, applied + Days::new(1)).await;
        walk(db, &f, id, 7, 8, applied + Days::new(370)).await;
        let mut input = step_input(db, 9, applied + Days::new(380));
        input.introducer_ids = vec![f.formal[0], f.probationary];
        let e = r.complete_step(id, 9, &input).await.unwrap_err();
        assert!(has(&e, "recruit.introducer_not_formal"), "[{}] {e:?}", t.backend);
    }
}

#[tokio::test]
async fn an_applicant_under_18_cannot_apply() {
    for t in backends().await {
        let db = &t.db;
        let f = fixture(db).await;
        let sec = f.secretary();
        let today = db.clock().today();
        let birth = today.checked_sub_months(chrono::Months::new(18 * 12)).unwrap() + Days::new(1);
        let e = db.scoped(&sec).recruits().create_file(&applicant(f.branch_a.id, birth, today)).await.unwrap_err();
        assert!(has(&e, "recruit.too_young"), "[{}] {e:?}", t.backend);
    }
}

#[tokio::test]
async fn extension_voted_and_approved_once_moves_the_probation_end_and_a_second_is_refused() {
    for t in backends().await {
        let db = &t.db;
        let f = fixture(db).await;
        let id = candidate(db, &f).await;
        assembly(db, &f, id, "admit", None).await.unwrap();
        let today = db.clock().today();
        walk(db, &f, id, 16, 21, today).await;
        assembly(db, &f, id, "extend", Some(6)).await.unwrap();
        let parent = f.parent(77);
        let queue = db.scoped(&parent).recruits().awaiting_me().await.unwrap();
        assert_eq!(queue.outcomes.len(), 1, "[{}]", t.backend);
        let outcome = queue.outcomes[0].id;
        // Not by the account that recorded the vote.
        let e = db.scoped(&f.parent(99)).recruits().decide_outcome(outcome, true, "", "").await.unwrap_err();
        assert!(has(&e, "recruit.same_account"), "[{}] {e:?}", t.backend);
        let d = db.scoped(&parent).recruits().decide_outcome(outcome, true, "", "表现有待提高").await.unwrap();
        let expected = today.checked_add_months(chrono::Months::new(18)).map(date_text);
        assert_eq!(d.probation_end, expected, "[{}]", t.backend);
        let e = assembly(db, &f, id, "extend", Some(6)).await.unwrap_err();
        assert!(has(&e, "recruit.extended_once"), "[{}] {e:?}", t.backend);
    }
}

#[tokio::test]
async fn probation_ending_without_an_application_is_a_finding_until_applied() {
    for t in backends().await {
        let db = &t.db;
        let f = fixture(db).await;
        let id = candidate(db, &f).await;
        assembly(db, &f, id, "admit", None).await.unwrap();
        let today = db.clock().today();
        let d = walk(db, &f, id, 16, 21, today).await;
        let member = d.file.member_id.unwrap();
        db.clock().advance(340 * 86_400_000);
        let as_of = db.clock().today();
        vanguard_store::platform::engines::run_all(db, f.tr.root.region_id, as_of).await.unwrap();
        let sys = system(&f.tr.root);
        let filter = vanguard_store::cockpit::FindingFilter {
            rule: Some(vanguard_domain::affairs::recruit::PROBATION_CODE.into()),
            ..Default::default()
        };
        let open = async || -> Vec<i64> {
            let page = db.scoped(&sys).cockpit().findings(&filter, &PageRequest::first(10)).await.unwrap();
            page.items.iter().map(|i| i.subject_id).collect()
        };
        let found = open().await;
        assert_eq!(found, vec![member], "[{}]", t.backend);
        walk(db, &f, id, 22, 22, as_of).await;
        assert!(open().await.is_empty(), "[{}]", t.backend);
        let page = db.scoped(&f.secretary()).recruits().files(f.branch_a.id, true, &PageRequest::first(10)).await.unwrap();
        assert_eq!(page.items.len(), 1);
    }
}
