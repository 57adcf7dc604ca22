//! 流动党员 and 失联党员 storage — each case on every backend: the e支部's attendance
//! counting at home but not for its quorum, the transfer finding, and the lost-contact
//! steps with the archive following exactly and idempotently.

use super::{Tree, member, subtree_scope, system, tree};
use chrono::{Datelike, Months, NaiveDate};
use vanguard_domain::affairs::lost_contact::{LostEntryInput, REMOVE_CODE, SUSPEND_CODE};
use vanguard_domain::affairs::mobile::{MobileInput, TRANSFER_CODE};
use vanguard_domain::kernel::auth::Role;
use vanguard_domain::kernel::paging::PageRequest;
use vanguard_domain::kernel::time::{china_ms, date_text};
use vanguard_domain::org::OrgInput;
use vanguard_domain::orglife::PARTICIPATION_CODE;
use vanguard_store::affairs::MobileMark;
use vanguard_store::cockpit::FindingFilter;
use vanguard_store::orglife::{AttendanceMark, DecisionInput, MeetingInput};
use vanguard_store::{Db, StoreError};
use vanguard_testkit::backends;

/// Branch A: 张一 (who goes away) and 张二; the street's e支部 with its own 3 正式党员.
struct Fx {
    tr: Tree,
    e_branch: i64,
    e_path: String,
    own: Vec<i64>,
    zhang1: i64,
    zhang2: i64,
}

async fn fx(db: &Db) -> Fx {
    let tr = tree(db).await;
    let sys = system(&tr.root);
    let s = db.scoped(&sys);
    let org = OrgInput {
        name: Some("甲街道流动党员党支部".into()),
        kind: Some("流动党员党支部".into()),
        sector: Some("社区".into()),
        ..Default::default()
    };
    let e = s.orgs().create_org(tr.street, &org).await.unwrap();
    let mut own = Vec::new();
    for (i, name) in ["e书记", "e委员", "e党员"].iter().enumerate() {
        own.push(s.members().create_member(&member(name, 600 + i as u16, e.id)).await.unwrap().id);
    }
    let zhang1 = s.members().create_member(&member("张一", 610, tr.branch_a)).await.unwrap().id;
    let zhang2 = s.members().create_member(&member("张二", 611, tr.branch_a)).await.unwrap().id;
    let e_path = s.orgs().org(e.id).await.unwrap().path;
    Fx { tr, e_branch: e.id, e_path, own, zhang1, zhang2 }
}

fn away(today: NaiveDate, months_ago: u32, e_branch: Option<i64>) -> MobileInput {
    let since = today.checked_sub_months(Months::new(months_ago)).unwrap();
    MobileInput {
        place: "杭州市西湖区".into(),
        reason: "外出务工".into(),
        since: date_text(since),
        certificate_no: "LD-001".into(),
        issuing_org: "槐树社区第一党支部".into(),
        valid_from: date_text(since),
        valid_until: date_text(since.checked_add_months(Months::new(12)).unwrap()),
        e_branch_id: e_branch,
    }
}

fn entry(on: NaiveDate, text: &str) -> LostEntryInput {
    LostEntryInput { on: date_text(on), text: text.into() }
}

fn conflict(e: &StoreError, code: &str) -> bool {
    matches!(e, StoreError::Conflict { code: c, .. } if *c == code)
}

async fn open_findings(db: &Db, root: &vanguard_store::org::OrgRow, rule: &str, member_id: i64) -> Vec<String> {
    let sys = system(root);
    let f = FindingFilter { rule: Some(rule.into()), ..Default::default() };
    let page = db.scoped(&sys).cockpit().findings(&f, &PageRequest::first(200)).await.unwrap();
    page.items.into_iter().filter(|x| x.subject_kind == "member" && x.subject_id == member_id).map(|x| x.severity).collect()
}

/// A 主题党日 held on the 10th of the month `back` months before today.
fn theme_day(today: NaiveDate, back: u32, marks: Vec<AttendanceMark>) -> MeetingInput {
    let first = today.with_day(1).unwrap().checked_sub_months(Months::new(back)).unwrap();
    MeetingInput {
        meeting_type: "主题党日".into(),
        held_at: Some(china_ms(first.with_day(10).unwrap(), 9 * 60)),
        place: "党群服务中心".into(),
        host: "书记".into(),
        recorder: "委员".into(),
        attendance: marks,
        ..Default::default()
    }
}

fn mark(member_id: i64, attendance: &str) -> AttendanceMark {
    AttendanceMark { member_id, attendance: attendance.into(), reason: String::new() }
}

#[tokio::test]
async fn an_e_branch_meeting_counts_for_the_home_branch_and_its_quorum_leaves_the_mobile_members_out() {
    for t in backends().await {
        let f = fx(&t.db).await;
        let sys = system(&f.tr.root);
        let s = t.db.scoped(&sys);
        let today = t.db.clock().today();
        s.mobile().register(f.zhang1, &away(today, 4, Some(f.e_branch))).await.unwrap();
        // At home 张一 missed three months of 主题党日 without a reason: a 预警.
        for back in 1..=3 {
            let marks = vec![mark(f.zhang1, "absent"), mark(f.zhang2, "present")];
            s.orglife().create_meeting(f.tr.branch_a, &theme_day(today, back, marks)).await.unwrap();
        }
        let before = open_findings(&t.db, &f.tr.root, PARTICIPATION_CODE, f.zhang1).await;
        assert_eq!(before, vec!["warning".to_string()], "[{}]", t.backend);
        // The e支部 holds its meetings in the same months; 张一 takes part there.
        let e_sec = subtree_scope(&f.tr.root, &f.e_path, Role::BranchSecretary);
        let es = t.db.scoped(&e_sec);
        for back in 1..=3 {
            let marks = f.own.iter().map(|id| mark(*id, "present")).collect();
            let m = es.orglife().create_meeting(f.e_branch, &theme_day(today, back, marks)).await.unwrap();
            let roll = es.mobile().meeting_roll(m.meeting.summary.id).await.unwrap();
            assert_eq!(roll.len(), 1, "[{}] the e支部's mobile roll", t.backend);
            let present = MobileMark { member_id: f.zhang1, attendance: "present".into(), reason: String::new() };
            es.mobile().record_attendance(m.meeting.summary.id, &[present]).await.unwrap();
        }
        let after = open_findings(&t.db, &f.tr.root, PARTICIPATION_CODE, f.zhang1).await;
        assert!(after.is_empty(), "[{}] the e支部's meetings count at home: {after:?}", t.backend);
        // The full recompute agrees with the incremental refresh.
        vanguard_store::orglife::check::check_region(
            &t.db,
            &vanguard_store::Actor::system("test"),
            f.tr.root.region_id,
            today,
            |_, _| {},
        )
        .await
        .unwrap();
        assert!(open_findings(&t.db, &f.tr.root, PARTICIPATION_CODE, f.zhang1).await.is_empty(), "[{}]", t.backend);
        // The e支部's 党员大会: 2 of its own 3 present, 张一 present too. The quorum is 2 of 3;
        // with 张一 counted it would be 2 of 4 — no quorum.
        let mut assembly =
            theme_day(today, 0, vec![mark(f.own[0], "present"), mark(f.own[1], "present"), mark(f.own[2], "absent")]);
        assembly.meeting_type = "支部党员大会".into();
        assembly.held_at = Some(t.db.clock().now_ms() - 3_600_000);
        let m = es.orglife().create_meeting(f.e_branch, &assembly).await.unwrap();
        let present = MobileMark { member_id: f.zhang1, attendance: "present".into(), reason: String::new() };
        es.mobile().record_attendance(m.meeting.summary.id, &[present]).await.unwrap();
        let d = DecisionInput { title: "表彰优秀党员".into(), votes_for: 2, ..Default::default() };
        let decided = es.orglife().record_decision(m.meeting.summary.id, &d).await.unwrap();
        assert_eq!((decided.entitled, decided.present_voters, decided.passed), (3, 2, true), "[{}]", t.backend);
        // A third vote would be 张一's: more votes than voters present is refused.
        let d = DecisionInput { title: "再次表决".into(), votes_for: 3, ..Default::default() };
        assert!(es.orglife().record_decision(m.meeting.summary.id, &d).await.is_err(), "[{}]", t.backend);
        // Only the e支部's mobile members can be marked, and only at an e支部's meeting.
        let stranger = MobileMark { member_id: f.zhang2, attendance: "present".into(), reason: String::new() };
        let err = es.mobile().record_attendance(m.meeting.summary.id, &[stranger]).await.unwrap_err();
        assert!(matches!(&err, StoreError::Invalid(i) if i.has("mobile.not_member")), "[{}] {err:?}", t.backend);
    }
}

#[tokio::test]
async fn away_six_months_asks_for_a_transfer_and_a_second_registration_is_refused() {
    for t in backends().await {
        let f = fx(&t.db).await;
        let sys = system(&f.tr.root);
        let s = t.db.scoped(&sys);
        let today = t.db.clock().today();
        // 张二 away 6 months minus a day: nothing; 张一 away exactly 6 months: a transfer is due.
        let mut nearly = away(today, 6, None);
        nearly.since = date_text(today.checked_sub_months(Months::new(6)).unwrap().succ_opt().unwrap());
        s.mobile().register(f.zhang2, &nearly).await.unwrap();
        let r = s.mobile().register(f.zhang1, &away(today, 6, None)).await.unwrap();
        assert_eq!(r.transfer_due_on, date_text(today), "[{}]", t.backend);
        assert_eq!(open_findings(&t.db, &f.tr.root, TRANSFER_CODE, f.zhang1).await, vec!["finding".to_string()]);
        assert!(open_findings(&t.db, &f.tr.root, TRANSFER_CODE, f.zhang2).await.is_empty(), "[{}]", t.backend);
        let m = s.members().member(f.zhang1).await.unwrap();
        assert_eq!((m.flow.as_str(), m.flow_place.as_str()), ("out", "杭州市西湖区"), "[{}]", t.backend);
        let err = s.mobile().register(f.zhang1, &away(today, 1, None)).await.unwrap_err();
        assert!(conflict(&err, "mobile.already"), "[{}] {err:?}", t.backend);
        // Back home: the finding resolves and the archive is 非流动党员 again.
        s.mobile().end(r.id, &date_text(today), "已返回").await.unwrap();
        assert!(open_findings(&t.db, &f.tr.root, TRANSFER_CODE, f.zhang1).await.is_empty(), "[{}]", t.backend);
        assert_eq!(s.members().member(f.zhang1).await.unwrap().flow, "none", "[{}]", t.backend);
        // Another branch's secretary sees nothing of it.
        let b = subtree_scope(&f.tr.root, &s.orgs().org(f.tr.branch_b).await.unwrap().path, Role::BranchSecretary);
        let err = t.db.scoped(&b).mobile().register(f.zhang1, &away(today, 1, None)).await.unwrap_err();
        assert!(matches!(err, StoreError::NotFound), "[{}] {err:?}", t.backend);
    }
}

#[tokio::test]
async fn a_lost_member_is_suspended_by_the_branch_and_the_parent_then_removed_after_two_years_exactly_once() {
    for t in backends().await {
        let f = fx(&t.db).await;
        let sys = system(&f.tr.root);
        let today = t.db.clock().today();
        let a_path = t.db.scoped(&sys).orgs().org(f.tr.branch_a).await.unwrap().path;
        let street_path = t.db.scoped(&sys).orgs().org(f.tr.street).await.unwrap().path;
        let branch = subtree_scope(&f.tr.root, &a_path, Role::BranchSecretary);
        let mut street = subtree_scope(&f.tr.root, &street_path, Role::CommitteeAdmin);
        street.actor.account_id = 77;
        let since = today.checked_sub_months(Months::new(31)).unwrap();
        let due = since.checked_add_months(Months::new(6)).unwrap();
        let l = t.db.scoped(&branch).lost_contacts();
        let case = l.record(f.zhang1, &entry(since, "电话停机，原住址已搬离")).await.unwrap();
        let id = case.case.id;
        assert_eq!(case.case.next_due_on.as_deref(), Some(date_text(due).as_str()), "[{}]", t.backend);
        assert_eq!(open_findings(&t.db, &f.tr.root, SUSPEND_CODE, f.zhang1).await, vec!["finding".to_string()]);
        // No decision before a search is recorded, nor a day before six months.
        let err = l.propose(id, &entry(due, "支部大会决定停止党籍")).await.unwrap_err();
        assert!(conflict(&err, "lost.no_search"), "[{}] {err:?}", t.backend);
        l.search(id, &entry(since.succ_opt().unwrap(), "走访原单位、联系亲属，均无下落")).await.unwrap();
        let err = l.propose(id, &entry(due.pred_opt().unwrap(), "支部大会决定停止党籍")).await.unwrap_err();
        assert!(matches!(&err, StoreError::Invalid(i) if i.has("lost.too_early")), "[{}] {err:?}", t.backend);
        l.propose(id, &entry(due, "支部大会决定停止党籍")).await.unwrap();
        // The same account may not approve; the branch itself may not either.
        let mut same = street.clone();
        same.actor.account_id = branch.actor.account_id;
        let err = t.db.scoped(&same).lost_contacts().approve(id, true, &entry(due, "批准")).await.unwrap_err();
        assert!(conflict(&err, "lost.same_account"), "[{}] {err:?}", t.backend);
        let err = l.approve(id, true, &entry(due, "批准")).await.unwrap_err();
        assert!(conflict(&err, "lost.parent_only"), "[{}] {err:?}", t.backend);
        let p = t.db.scoped(&street).lost_contacts();
        assert_eq!(p.awaiting_me().await.unwrap().len(), 1, "[{}]", t.backend);
        let done = p.approve(id, true, &entry(due, "街道党工委批准")).await.unwrap();
        assert_eq!(done.case.state, "suspended", "[{}]", t.backend);
        let m = t.db.scoped(&sys).members().member(f.zhang1).await.unwrap();
        assert_eq!(m.party_status, "suspended", "[{}]", t.backend);
        // A repeated approval changes nothing and is refused.
        let err = p.approve(id, true, &entry(due, "街道党工委批准")).await.unwrap_err();
        assert!(conflict(&err, "lost.nothing_pending"), "[{}] {err:?}", t.backend);
        // Two years after 停止党籍 (today is past it): the 除名 step is due.
        assert!(open_findings(&t.db, &f.tr.root, SUSPEND_CODE, f.zhang1).await.is_empty(), "[{}]", t.backend);
        assert_eq!(open_findings(&t.db, &f.tr.root, REMOVE_CODE, f.zhang1).await, vec!["finding".to_string()]);
        let removal = due.checked_add_months(Months::new(24)).unwrap();
        l.propose(id, &entry(removal, "支部大会决定按自行脱党除名")).await.unwrap();
        p.approve(id, true, &entry(removal, "街道党工委批准除名")).await.unwrap();
        let m = t.db.scoped(&sys).members().member(f.zhang1).await.unwrap();
        assert!(m.archived, "[{}]", t.backend);
        assert_eq!(m.left_reason.as_deref(), Some("removed"), "[{}]", t.backend);
        let err = l.restore(id, &entry(today, "找到了")).await.unwrap_err();
        assert!(conflict(&err, "lost.removed"), "[{}] {err:?}", t.backend);
        assert!(open_findings(&t.db, &f.tr.root, REMOVE_CODE, f.zhang1).await.is_empty(), "[{}]", t.backend);
    }
}

#[tokio::test]
async fn a_found_member_is_restored_once_and_the_archive_is_normal_again() {
    for t in backends().await {
        let f = fx(&t.db).await;
        let sys = system(&f.tr.root);
        let today = t.db.clock().today();
        let s = t.db.scoped(&sys);
        let since = today.checked_sub_months(Months::new(8)).unwrap();
        let l = s.lost_contacts();
        let id = l.record(f.zhang2, &entry(since, "联系不上")).await.unwrap().case.id;
        assert_eq!(s.members().member(f.zhang2).await.unwrap().lost_contact_since, Some(date_text(since)));
        let err = l.record(f.zhang2, &entry(since, "再次登记")).await.unwrap_err();
        assert!(conflict(&err, "lost.already"), "[{}] {err:?}", t.backend);
        let done = l.restore(id, &entry(today, "本人回到社区，已恢复联系")).await.unwrap();
        assert_eq!(done.case.state, "restored", "[{}]", t.backend);
        assert_eq!(done.events.len(), 2, "[{}]", t.backend);
        let m = s.members().member(f.zhang2).await.unwrap();
        assert_eq!((m.party_status.as_str(), m.lost_contact_since.clone()), ("normal", None), "[{}]", t.backend);
        let err = l.restore(id, &entry(today, "再次恢复")).await.unwrap_err();
        assert!(conflict(&err, "lost.closed"), "[{}] {err:?}", t.backend);
        assert!(open_findings(&t.db, &f.tr.root, SUSPEND_CODE, f.zhang2).await.is_empty(), "[{}]", t.backend);
        // Lost again later: a new case may be opened.
        l.record(f.zhang2, &entry(today, "再次失联")).await.unwrap();
        let counts = s.lost_contacts().counts().await.unwrap();
        assert_eq!((counts.lost, counts.suspended, counts.pending), (1, 0, 0), "[{}]", t.backend);
    }
}
