//! 组织生活 storage: meetings, attendance, sign-in, the 支部党员大会 quorum, corrections,
//! attachments and the yearly plans — each case on every backend.

use super::{Tree, member, subtree_scope, system, tree};
use chrono::{Datelike, NaiveDate};
use vanguard_domain::kernel::auth::{Reach, Role};
use vanguard_domain::kernel::time::{date_text, parse_china_datetime};
use vanguard_domain::org::OrgInput;
use vanguard_domain::orglife::{PlanAction, PlanItem};
use vanguard_store::org::OrgRow;
use vanguard_store::orglife::{AttendanceMark, DecisionInput, MeetingInput, MeetingPatch};
use vanguard_store::platform::audit::{self, AuditFilter};
use vanguard_store::{Actor, Db, Scope, StoreError};
use vanguard_testkit::backends;

const HOUR: i64 = 3600 * 1000;
const DAY: i64 = 24 * HOUR;

/// The tree of `super::tree` with people:
/// 槐树社区第一党支部 (branch A): 书记 (正式), 张一 and 张二 (正式, 第一党小组), 张三 (正式),
/// 预一 and 预二 (预备党员); 槐树社区第二党支部 (branch B): 李一.
struct Life {
    tr: Tree,
    street: OrgRow,
    branch_a: OrgRow,
    branch_b: OrgRow,
    group: OrgRow,
    secretary: i64,
    zhang1: i64,
    zhang2: i64,
    zhang3: i64,
    pre1: i64,
    pre2: i64,
    li: i64,
}

async fn life(db: &Db) -> Life {
    let tr = tree(db).await;
    let sys = system(&tr.root);
    let s = db.scoped(&sys);
    let mut seq = 100u16;
    let mut add = async |name: &str, org_id: i64, group: Option<i64>, probationary: bool| {
        seq += 1;
        let mut m = member(name, seq, org_id);
        m.group_id = group;
        if probationary {
            m.fields.category = Some("预备党员".into());
            m.fields.confirmed_on = None;
            m.fields.joined_on = Some("2025-07-01".into());
        }
        s.members().create_member(&m).await.unwrap_or_else(|e| panic!("member {name}: {e}")).id
    };
    let secretary = add("书记", tr.branch_a, None, false).await;
    let zhang1 = add("张一", tr.branch_a, Some(tr.group_a), false).await;
    let zhang2 = add("张二", tr.branch_a, Some(tr.group_a), false).await;
    let zhang3 = add("张三", tr.branch_a, None, false).await;
    let pre1 = add("预一", tr.branch_a, None, true).await;
    let pre2 = add("预二", tr.branch_a, None, true).await;
    let li = add("李一", tr.branch_b, None, false).await;
    s.orgs().update_org(tr.branch_a, &OrgInput::default(), Some(secretary)).await.unwrap();
    Life {
        street: s.orgs().org(tr.street).await.unwrap(),
        branch_a: s.orgs().org(tr.branch_a).await.unwrap(),
        branch_b: s.orgs().org(tr.branch_b).await.unwrap(),
        group: s.orgs().org(tr.group_a).await.unwrap(),
        tr,
        secretary,
        zhang1,
        zhang2,
        zhang3,
        pre1,
        pre2,
        li,
    }
}

impl Life {
    fn secretary_a(&self) -> Scope {
        let mut s = subtree_scope(&self.tr.root, &self.branch_a.path, Role::BranchSecretary);
        s.actor.name = "书记账户".into();
        s.member_id = Some(self.secretary);
        s
    }
    fn secretary_b(&self) -> Scope {
        subtree_scope(&self.tr.root, &self.branch_b.path, Role::BranchSecretary)
    }
    fn street_admin(&self) -> Scope {
        let mut s = subtree_scope(&self.tr.root, &self.street.path, Role::CommitteeAdmin);
        s.actor.name = "街道管理员".into();
        s.actor.account_id = 77;
        s
    }
    fn member_of(&self, member_id: i64, branch: &OrgRow) -> Scope {
        Scope {
            actor: Actor { account_id: 200 + (member_id % 1000), name: "党员账户".into(), ip: "127.0.0.1".into() },
            role: Role::Member,
            region_id: self.tr.root.region_id,
            reach: Reach::OwnRecord { member_id, branch_path: branch.path.clone() },
            member_id: Some(member_id),
            scope_org_id: None,
        }
    }
}

fn held_now(db: &Db, meeting_type: &str) -> MeetingInput {
    MeetingInput {
        meeting_type: meeting_type.into(),
        held_at: Some(db.clock().now_ms()),
        place: "社区党群服务中心".into(),
        host: "书记".into(),
        recorder: "张三".into(),
        ..Default::default()
    }
}

fn planned_in(db: &Db, meeting_type: &str, days: i64) -> MeetingInput {
    MeetingInput { meeting_type: meeting_type.into(), planned_at: Some(db.clock().now_ms() + days * DAY), ..Default::default() }
}

fn mark(member_id: i64, attendance: &str, reason: &str) -> AttendanceMark {
    AttendanceMark { member_id, attendance: attendance.into(), reason: reason.into() }
}

fn has(e: &StoreError, code: &str) -> bool {
    match e {
        StoreError::Invalid(i) => i.has(code),
        StoreError::Conflict { code: c, .. } => *c == code,
        _ => false,
    }
}

async fn actions(db: &Db, prefix: &str) -> Vec<String> {
    let f = AuditFilter { action: prefix.into(), ..Default::default() };
    crate::audit_rows(db, &f).await.into_iter().map(|r| r.action).collect()
}

#[tokio::test]
async fn expected_attendees_are_filled_in_from_the_branch_and_the_group() {
    for t in backends().await {
        let fx = life(&t.db).await;
        let sec = fx.secretary_a();
        let s = t.db.scoped(&sec);
        // An archived member is not expected.
        let sys = system(&fx.tr.root);
        let gone = t.db.scoped(&sys).members().create_member(&member("离开者", 190, fx.branch_a.id)).await.unwrap().id;
        let leave = vanguard_store::member::Leave { reason: "死亡".into(), left_on: "2025-01-01".into(), note: String::new() };
        t.db.scoped(&sys).members().archive_member(gone, &leave).await.unwrap();

        let branch = s.orglife().create_meeting(fx.branch_a.id, &planned_in(&t.db, "主题党日", 3)).await.unwrap();
        let mut ids: Vec<i64> = branch.attendance.iter().map(|a| a.member_id).collect();
        ids.sort();
        let mut want = vec![fx.secretary, fx.zhang1, fx.zhang2, fx.zhang3, fx.pre1, fx.pre2];
        want.sort();
        assert_eq!(ids, want, "{}: the whole branch, current members only", t.backend);
        assert_eq!(branch.meeting.summary.expected_count, 6, "{}", t.backend);
        assert!(branch.attendance.iter().all(|a| a.attendance == "pending" && a.expected && a.name.is_some()));
        assert_eq!(branch.meeting.summary.status, "planned");

        let group = s.orglife().create_meeting(fx.group.id, &planned_in(&t.db, "党小组会", 3)).await.unwrap();
        let mut ids: Vec<i64> = group.attendance.iter().map(|a| a.member_id).collect();
        ids.sort();
        let mut want = vec![fx.zhang1, fx.zhang2];
        want.sort();
        assert_eq!(ids, want, "{}: the group's members", t.backend);

        // A branch does not hold a 党小组会, nor a 支委会 without a committee.
        let e = s.orglife().create_meeting(fx.branch_a.id, &planned_in(&t.db, "党小组会", 3)).await.unwrap_err();
        assert!(has(&e, "meeting_type.not_expected"), "{}: {e:?}", t.backend);
        let e = s.orglife().create_meeting(fx.branch_a.id, &planned_in(&t.db, "branch_committee", 3)).await.unwrap_err();
        assert!(has(&e, "meeting_type.not_expected"), "{}: {e:?}", t.backend);
        // With a committee, the 支委会 starts with the secretary; the roll is then set.
        t.db.scoped(&sys)
            .orgs()
            .update_org(fx.branch_a.id, &OrgInput { has_committee: Some(true), ..Default::default() }, None)
            .await
            .unwrap();
        let committee = s.orglife().create_meeting(fx.branch_a.id, &planned_in(&t.db, "支部委员会", 3)).await.unwrap();
        assert_eq!(committee.attendance.iter().map(|a| a.member_id).collect::<Vec<_>>(), vec![fx.secretary]);
        let committee = s.orglife().set_roll(committee.meeting.summary.id, &[fx.secretary, fx.zhang3, fx.zhang1]).await.unwrap();
        assert_eq!(committee.meeting.summary.expected_count, 3, "{}", t.backend);
        let e = s.orglife().set_roll(committee.meeting.summary.id, &[fx.secretary, fx.li]).await.unwrap_err();
        assert!(has(&e, "attendees.not_member"), "{}: a member of another branch: {e:?}", t.backend);

        // A 党课 needs its lecturer and topic; a party committee's seminar has no roll.
        let e = s.orglife().create_meeting(fx.branch_a.id, &planned_in(&t.db, "党课", 3)).await.unwrap_err();
        assert!(has(&e, "text.required"), "{}: {e:?}", t.backend);
        let seminar =
            t.db.scoped(&sys).orglife().create_meeting(fx.tr.root.id, &planned_in(&t.db, "专题学习研讨", 3)).await.unwrap();
        assert!(seminar.attendance.is_empty());
        // Nothing outside the writable subtree.
        let e = s.orglife().create_meeting(fx.branch_b.id, &planned_in(&t.db, "主题党日", 3)).await.unwrap_err();
        assert!(matches!(e, StoreError::NotFound), "{}: {e:?}", t.backend);
    }
}

#[tokio::test]
async fn excused_without_a_reason_is_refused_and_observers_come_from_within_reach() {
    for t in backends().await {
        let fx = life(&t.db).await;
        let sec = fx.secretary_a();
        let s = t.db.scoped(&sec);
        let m = s.orglife().create_meeting(fx.branch_a.id, &held_now(&t.db, "主题党日")).await.unwrap();
        let id = m.meeting.summary.id;
        assert_eq!(m.meeting.summary.held_on.as_deref(), Some(date_text(t.db.clock().today()).as_str()));

        let e = s.orglife().mark_attendance(id, &[mark(fx.zhang1, "请假", "  ")]).await.unwrap_err();
        assert!(has(&e, "attendance.reason_required"), "{}: {e:?}", t.backend);
        assert!(e.to_string().contains("请假原因"), "{e}");
        let before = actions(&t.db, "meeting.attendance").await.len();

        let m = s
            .orglife()
            .mark_attendance(id, &[mark(fx.zhang1, "请假", "出差"), mark(fx.zhang2, "出席", ""), mark(fx.zhang3, "absent", "")])
            .await
            .unwrap();
        let c = &m.meeting.summary;
        assert_eq!((c.expected_count, c.present_count, c.excused_count, c.absent_count), (6, 1, 1, 1), "{}", t.backend);
        let z1 = m.attendance.iter().find(|a| a.member_id == fx.zhang1).unwrap();
        assert_eq!((z1.attendance.as_str(), z1.reason.as_str(), z1.attendance_label), ("excused", "出差", "请假"));
        assert_eq!(actions(&t.db, "meeting.attendance").await.len(), before + 1, "{}: audited once", t.backend);

        // Someone not on the roll is not marked present; as 列席 only from within reach.
        let e = s.orglife().mark_attendance(id, &[mark(fx.li, "出席", "")]).await.unwrap_err();
        assert!(has(&e, "attendance.roll"), "{}: {e:?}", t.backend);
        let e = s.orglife().mark_attendance(id, &[mark(fx.li, "列席", "")]).await.unwrap_err();
        assert!(has(&e, "attendance.roll"), "{}: outside the secretary's reach: {e:?}", t.backend);
        let street = fx.street_admin();
        let m = t.db.scoped(&street).orglife().mark_attendance(id, &[mark(fx.li, "列席", "")]).await.unwrap();
        let li = m.attendance.iter().find(|a| a.member_id == fx.li).unwrap();
        assert!(!li.expected && li.attendance == "observer", "{}", t.backend);
        assert_eq!(m.meeting.summary.expected_count, 6, "{}: observers are not expected", t.backend);
        let e = s.orglife().mark_attendance(id, &[mark(fx.zhang3, "列席", "")]).await.unwrap_err();
        assert!(has(&e, "attendance.roll"), "{}: on the roll, not an observer: {e:?}", t.backend);
    }
}

#[tokio::test]
async fn a_member_signs_in_once_before_expiry_and_only_when_on_the_roll() {
    for t in backends().await {
        let fx = life(&t.db).await;
        let sec = fx.secretary_a();
        let s = t.db.scoped(&sec);
        let mut input = held_now(&t.db, "主题党日");
        input.attendee_ids = Some(vec![fx.secretary, fx.zhang1, fx.zhang2]);
        let id = s.orglife().create_meeting(fx.branch_a.id, &input).await.unwrap().meeting.summary.id;
        let ticket = s.orglife().open_signin(id, None).await.unwrap();
        assert_eq!(ticket.path, format!("/s/{id}/{}", ticket.token));
        assert!(ticket.expires_at - t.db.clock().now_ms() > 119 * 60_000, "{}: two hours by default", t.backend);
        assert_eq!(s.orglife().signin_ticket(id).await.unwrap().token, ticket.token, "{}: shown again", t.backend);
        let svg = s.orglife().signin_qr_svg(id, "https://dj.example.cn").await.unwrap();
        assert!(svg.contains("<svg") && svg.contains("<path"), "{}", t.backend);

        let z1 = fx.member_of(fx.zhang1, &fx.branch_a);
        let first = t.db.scoped(&z1).orglife().sign_in(id, &ticket.token).await.unwrap();
        assert!(!first.already && first.message.contains("签到成功"), "{}: {first:?}", t.backend);
        let second = t.db.scoped(&z1).orglife().sign_in(id, &ticket.token).await.unwrap();
        assert!(second.already && second.message.contains("已于"), "{}: {second:?}", t.backend);
        assert_eq!(second.signed_at, first.signed_at);
        let m = s.orglife().meeting(id).await.unwrap();
        assert_eq!(m.meeting.summary.present_count, 1, "{}: counted once", t.backend);
        assert!(m.attendance.iter().any(|a| a.member_id == fx.zhang1 && a.attendance == "present" && a.signed_at.is_some()));

        // A wrong code, a member of the branch not on the roll.
        let z3 = fx.member_of(fx.zhang3, &fx.branch_a);
        let e = t.db.scoped(&z1).orglife().sign_in(id, "0123456789abcdef0123456789abcdef").await;
        assert!(e.as_ref().is_ok_and(|o| o.already), "{}: already signed wins", t.backend);
        let z2 = fx.member_of(fx.zhang2, &fx.branch_a);
        let e = t.db.scoped(&z2).orglife().sign_in(id, "0123456789abcdef0123456789abcdef").await.unwrap_err();
        assert!(has(&e, "signin.invalid"), "{}: {e:?}", t.backend);
        let e = t.db.scoped(&z3).orglife().sign_in(id, &ticket.token).await.unwrap_err();
        assert!(has(&e, "signin.not_on_roll"), "{}: {e:?}", t.backend);
        // A member of another branch does not see the meeting at all.
        let li = fx.member_of(fx.li, &fx.branch_b);
        let e = t.db.scoped(&li).orglife().sign_in(id, &ticket.token).await.unwrap_err();
        assert!(matches!(e, StoreError::NotFound), "{}: {e:?}", t.backend);
        // An account without a member record.
        let street = fx.street_admin();
        let e = t.db.scoped(&street).orglife().sign_in(id, &ticket.token).await.unwrap_err();
        assert!(has(&e, "signin.no_member"), "{}: {e:?}", t.backend);

        // The portal shows the open sign-in to those who have not signed in.
        assert_eq!(t.db.scoped(&z2).orglife().my_open_signins().await.unwrap().len(), 1, "{}", t.backend);
        assert!(t.db.scoped(&z1).orglife().my_open_signins().await.unwrap().is_empty(), "{}", t.backend);

        // After expiry the code is refused.
        t.db.clock().advance(2 * HOUR + 60_000);
        let e = t.db.scoped(&z2).orglife().sign_in(id, &ticket.token).await.unwrap_err();
        assert!(has(&e, "signin.expired"), "{}: {e:?}", t.backend);
        assert!(e.to_string().contains("截止"), "{e}");
        assert!(t.db.scoped(&z1).orglife().sign_in(id, &ticket.token).await.unwrap().already, "{}", t.backend);
        let audited = actions(&t.db, "meeting.signin").await;
        assert_eq!(audited.iter().filter(|a| *a == "meeting.signin").count(), 1, "{}: {audited:?}", t.backend);
        assert_eq!(audited.iter().filter(|a| *a == "meeting.signin_open").count(), 1, "{}", t.backend);
    }
}

#[tokio::test]
async fn a_meeting_outside_reach_is_not_found_for_every_operation() {
    for t in backends().await {
        let fx = life(&t.db).await;
        let sec = fx.secretary_a();
        let id =
            t.db.scoped(&sec)
                .orglife()
                .create_meeting(fx.branch_a.id, &held_now(&t.db, "主题党日"))
                .await
                .unwrap()
                .meeting
                .summary
                .id;
        let other = fx.secretary_b();
        let o = t.db.scoped(&other);
        assert!(matches!(o.orglife().meeting(id).await, Err(StoreError::NotFound)), "{}", t.backend);
        assert!(matches!(
            o.orglife().update_meeting(id, &MeetingPatch { place: Some("x".into()), ..Default::default() }).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(o.orglife().mark_attendance(id, &[mark(fx.zhang1, "出席", "")]).await, Err(StoreError::NotFound)));
        assert!(matches!(o.orglife().open_signin(id, None).await, Err(StoreError::NotFound)));
        assert!(matches!(o.orglife().record_decision(id, &DecisionInput::default()).await, Err(StoreError::NotFound)));
        assert!(matches!(o.orglife().request_correction(id, "理由", &MeetingPatch::default()).await, Err(StoreError::NotFound)));
        assert!(matches!(o.orglife().add_attachment(id, "a.pdf", b"%PDF-1.4").await, Err(StoreError::NotFound)));
        assert!(matches!(
            o.orglife()
                .list_meetings(fx.branch_a.id, &Default::default(), &vanguard_domain::kernel::paging::PageRequest::first(50))
                .await,
            Err(StoreError::NotFound)
        ));
        // The street above sees it in its list.
        let street = fx.street_admin();
        let page =
            t.db.scoped(&street)
                .orglife()
                .list_meetings(fx.street.id, &Default::default(), &vanguard_domain::kernel::paging::PageRequest::first(50))
                .await
                .unwrap();
        assert_eq!((page.total.map_or(-1, |t| t as i64), page.items[0].id), (1, id), "{}", t.backend);
        let f = vanguard_store::orglife::MeetingFilter {
            year: Some(t.db.clock().today().year()),
            month: Some(t.db.clock().today().month()),
            meeting_type: "theme_day".into(),
            ..Default::default()
        };
        assert_eq!(
            t.db.scoped(&street)
                .orglife()
                .list_meetings(fx.street.id, &f, &vanguard_domain::kernel::paging::PageRequest::first(50))
                .await
                .unwrap()
                .total
                .map_or(-1, |t| t as i64),
            1,
            "{}",
            t.backend
        );
        let f = vanguard_store::orglife::MeetingFilter { meeting_type: "党课".into(), ..Default::default() };
        assert_eq!(
            t.db.scoped(&street)
                .orglife()
                .list_meetings(fx.street.id, &f, &vanguard_domain::kernel::paging::PageRequest::first(50))
                .await
                .unwrap()
                .total
                .map_or(-1, |t| t as i64),
            0,
            "{}",
            t.backend
        );
    }
}

#[tokio::test]
async fn quorum_is_refused_at_exactly_half_and_met_at_half_plus_one_without_counting_probationary_members() {
    for t in backends().await {
        let fx = life(&t.db).await;
        let sec = fx.secretary_a();
        let s = t.db.scoped(&sec);
        // 4 voting members (书记, 张一, 张二, 张三); 预一 and 预二 have no vote.
        let mut input = held_now(&t.db, "支部党员大会");
        input.attendance = vec![
            mark(fx.secretary, "出席", ""),
            mark(fx.zhang1, "出席", ""),
            mark(fx.pre1, "出席", ""),
            mark(fx.pre2, "出席", ""),
            mark(fx.zhang2, "缺席", ""),
            mark(fx.zhang3, "请假", "住院"),
        ];
        let id = s.orglife().create_meeting(fx.branch_a.id, &input).await.unwrap().meeting.summary.id;
        let vote = DecisionInput { title: "接收预备党员".into(), votes_for: 2, ..Default::default() };
        let e = s.orglife().record_decision(id, &vote).await.unwrap_err();
        assert!(has(&e, "assembly.no_quorum"), "{}: {e:?}", t.backend);
        let msg = e.to_string();
        assert!(
            msg.contains("2 名") && msg.contains("4 名") && msg.contains("3 名"),
            "{}: numbers in the message: {msg}",
            t.backend
        );
        assert!(s.orglife().meeting(id).await.unwrap().decisions.is_empty(), "{}: nothing written", t.backend);

        s.orglife().mark_attendance(id, &[mark(fx.zhang2, "出席", "")]).await.unwrap();
        let d = s
            .orglife()
            .record_decision(id, &DecisionInput { title: "接收预备党员".into(), votes_for: 3, ..Default::default() })
            .await
            .unwrap();
        assert_eq!((d.entitled, d.present_voters, d.passed), (4, 3, true), "{}", t.backend);
        // More than half of those present but not of those entitled: fails.
        let d = s
            .orglife()
            .record_decision(id, &DecisionInput { title: "表彰".into(), votes_for: 2, votes_against: 1, ..Default::default() })
            .await
            .unwrap();
        assert!(!d.passed, "{}", t.backend);
        // One voter excluded from the 应到会人数: 3 of 3.
        let d = s
            .orglife()
            .record_decision(id, &DecisionInput { title: "处置".into(), votes_for: 2, excluded: 1, ..Default::default() })
            .await
            .unwrap();
        assert_eq!((d.entitled, d.passed), (3, true), "{}", t.backend);
        let e = s
            .orglife()
            .record_decision(id, &DecisionInput { title: "过多".into(), votes_for: 4, ..Default::default() })
            .await
            .unwrap_err();
        assert!(has(&e, "assembly.too_many_votes"), "{}: {e:?}", t.backend);
        let m = s.orglife().meeting(id).await.unwrap();
        assert_eq!(m.decisions.len(), 3, "{}", t.backend);
        // Only a 支部党员大会 decides.
        let other = s.orglife().create_meeting(fx.branch_a.id, &held_now(&t.db, "主题党日")).await.unwrap().meeting.summary.id;
        let e = s.orglife().record_decision(other, &vote).await.unwrap_err();
        assert!(has(&e, "decision.not_assembly"), "{}: {e:?}", t.backend);
    }
}

#[tokio::test]
async fn corrections_are_direct_for_thirty_days_then_need_the_parents_approval() {
    for t in backends().await {
        let fx = life(&t.db).await;
        let sec = fx.secretary_a();
        let s = t.db.scoped(&sec);
        let id = s.orglife().create_meeting(fx.branch_a.id, &held_now(&t.db, "主题党日")).await.unwrap().meeting.summary.id;

        t.db.clock().advance(30 * DAY);
        let m = s
            .orglife()
            .update_meeting(id, &MeetingPatch { place: Some("社区会议室".into()), ..Default::default() })
            .await
            .unwrap();
        assert_eq!((m.meeting.summary.place.as_str(), m.meeting.correction), ("社区会议室", "allowed"), "{}: day 30", t.backend);
        assert!(actions(&t.db, "meeting.correct").await.contains(&"meeting.correct".to_string()), "{}", t.backend);
        let e = s
            .orglife()
            .request_correction(id, "地点有误", &MeetingPatch { place: Some("x".into()), ..Default::default() })
            .await
            .unwrap_err();
        assert!(has(&e, "correction.not_needed"), "{}: {e:?}", t.backend);

        t.db.clock().advance(DAY);
        let patch = MeetingPatch { place: Some("村文化礼堂".into()), ..Default::default() };
        let e = s.orglife().update_meeting(id, &patch).await.unwrap_err();
        assert!(has(&e, "meeting.correction_window"), "{}: day 31: {e:?}", t.backend);
        let e = s.orglife().mark_attendance(id, &[mark(fx.zhang1, "出席", "")]).await.unwrap_err();
        assert!(has(&e, "meeting.correction_window"), "{}: {e:?}", t.backend);
        assert_eq!(s.orglife().meeting(id).await.unwrap().meeting.correction, "needs_approval");

        let e = s.orglife().request_correction(id, " ", &patch).await.unwrap_err();
        assert!(has(&e, "text.required"), "{}: a reason is required: {e:?}", t.backend);
        let mut both = patch.clone();
        both.attendance = vec![mark(fx.zhang1, "出席", "")];
        let req = s.orglife().request_correction(id, "地点记错了", &both).await.unwrap();
        assert_eq!((req.status.as_str(), req.may_decide), ("pending", false), "{}", t.backend);
        assert!(req.summary.iter().any(|l| l.contains("村文化礼堂")), "{:?}", req.summary);

        // The branch itself cannot approve its own request.
        let e = s.orglife().decide_correction(req.id, true, "").await.unwrap_err();
        assert!(has(&e, "correction.parent_only"), "{}: {e:?}", t.backend);
        let unchanged = s.orglife().meeting(id).await.unwrap();
        assert_eq!(unchanged.meeting.summary.place, "社区会议室", "{}", t.backend);

        // The parent sees it waiting and approves: the record changes.
        let street = fx.street_admin();
        let p = t.db.scoped(&street);
        let todo = p.orglife().orglife_todo().await.unwrap();
        assert_eq!(todo.corrections_awaiting.iter().map(|c| c.id).collect::<Vec<_>>(), vec![req.id], "{}", t.backend);
        assert!(todo.corrections_awaiting[0].may_decide);
        assert!(
            s.orglife().orglife_todo().await.unwrap().corrections_awaiting.is_empty(),
            "{}: not the branch's to decide",
            t.backend
        );
        let done = p.orglife().decide_correction(req.id, true, "同意").await.unwrap();
        assert_eq!(done.status, "approved", "{}", t.backend);
        let m = s.orglife().meeting(id).await.unwrap();
        assert_eq!(m.meeting.summary.place, "村文化礼堂", "{}", t.backend);
        assert_eq!(m.meeting.summary.present_count, 1, "{}", t.backend);
        let e = p.orglife().decide_correction(req.id, false, "").await.unwrap_err();
        assert!(has(&e, "correction.decided"), "{}: {e:?}", t.backend);

        // A rejected request changes nothing.
        let req2 = s
            .orglife()
            .request_correction(id, "再改", &MeetingPatch { place: Some("别处".into()), ..Default::default() })
            .await
            .unwrap();
        p.orglife().decide_correction(req2.id, false, "依据不足").await.unwrap();
        assert_eq!(s.orglife().meeting(id).await.unwrap().meeting.summary.place, "村文化礼堂", "{}", t.backend);
        let audited = actions(&t.db, "meeting.correction").await;
        for a in ["meeting.correction_request", "meeting.correction_approve", "meeting.correction_reject"] {
            assert!(audited.iter().any(|x| x == a), "{}: {a} in {audited:?}", t.backend);
        }
        // Two people: a parent-level account that asked for a correction itself (an
        // 组织部管理员 reaches the branch too) cannot approve its own request; another
        // account of the parent can, and the audit names both.
        let req3 = p
            .orglife()
            .request_correction(id, "上级自行提出", &MeetingPatch { place: Some("街道会议室".into()), ..Default::default() })
            .await
            .unwrap();
        let e = p.orglife().decide_correction(req3.id, true, "").await.unwrap_err();
        assert!(has(&e, "correction.same_account"), "{}: {e:?}", t.backend);
        let mut colleague = fx.street_admin();
        colleague.actor.account_id += 1;
        colleague.actor.name = "街道管理员乙".into();
        t.db.scoped(&colleague).orglife().decide_correction(req3.id, true, "复核同意").await.unwrap();
        let trail = crate::audit_rows(&t.db, &Default::default()).await;
        let names = |action: &str| trail.iter().filter(|r| r.action == action).map(|r| r.actor_name.clone()).collect::<Vec<_>>();
        assert!(names("meeting.correction_request").contains(&"街道管理员".to_string()), "{}", t.backend);
        assert!(names("meeting.correction_approve").contains(&"街道管理员乙".to_string()), "{}", t.backend);
        // Another branch's secretary does not even see the request.
        let other = fx.secretary_b();
        assert!(matches!(t.db.scoped(&other).orglife().decide_correction(req2.id, true, "").await, Err(StoreError::NotFound)));
    }
}

fn full_year(year: i32) -> Vec<PlanItem> {
    (1..=12)
        .map(|m| PlanItem {
            month: m,
            date: NaiveDate::from_ymd_opt(year, m, 10).unwrap(),
            theme: format!("{m}月主题党日"),
            form: "集中学习".into(),
        })
        .collect()
}

#[tokio::test]
async fn a_plan_is_drafted_submitted_returned_resubmitted_acknowledged_and_published() {
    for t in backends().await {
        let fx = life(&t.db).await;
        let year = t.db.clock().today().year();
        let sec = fx.secretary_a();
        let s = t.db.scoped(&sec);
        let street = fx.street_admin();
        let p = t.db.scoped(&street);

        // The parent drafts nothing for the branch.
        let e = p.orglife().save_plan(fx.branch_a.id, year, &full_year(year), None).await.unwrap_err();
        assert!(has(&e, "plan.branch_only"), "{}: {e:?}", t.backend);
        // A plan with a month missing is a valid draft but cannot be submitted.
        let mut items = full_year(year);
        items.retain(|i| i.month != 7);
        let plan = s.orglife().save_plan(fx.branch_a.id, year, &items, None).await.unwrap();
        assert_eq!((plan.state.as_str(), plan.items.len()), ("draft", 11), "{}", t.backend);
        assert!(plan.actions.contains(&"submit"), "{:?}", plan.actions);
        let e = s.orglife().plan_action(plan.id, &PlanAction::Submit).await.unwrap_err();
        assert!(has(&e, "items.month_missing") && e.to_string().contains("7月"), "{}: {e:?}", t.backend);

        let plan = s.orglife().save_plan(fx.branch_a.id, year, &full_year(year), Some(plan.version)).await.unwrap();
        let plan = s.orglife().plan_action(plan.id, &PlanAction::Submit).await.unwrap();
        assert_eq!(plan.state, "submitted", "{}", t.backend);
        assert!(plan.submitted_on.is_some());
        // The branch cannot acknowledge (or return) its own plan; the parent sees it waiting.
        let e = s.orglife().plan_action(plan.id, &PlanAction::Acknowledge).await.unwrap_err();
        assert!(has(&e, "plan.parent_only"), "{}: {e:?}", t.backend);
        assert_eq!(p.orglife().orglife_todo().await.unwrap().plans_awaiting.len(), 1, "{}", t.backend);
        let e = p.orglife().plan_action(plan.id, &PlanAction::Return { reason: " ".into() }).await.unwrap_err();
        assert!(has(&e, "plan.return_reason"), "{}: {e:?}", t.backend);
        let plan = p.orglife().plan_action(plan.id, &PlanAction::Return { reason: "7月主题不明确".into() }).await.unwrap();
        assert_eq!((plan.state.as_str(), plan.returned_reason.as_str()), ("returned", "7月主题不明确"), "{}", t.backend);
        assert!(plan.actions.is_empty(), "{}: the parent has nothing more to do: {:?}", t.backend, plan.actions);
        let e = s.orglife().plan_action(plan.id, &PlanAction::Submit).await.unwrap_err();
        assert!(has(&e, "plan.state"), "{}: fix first: {e:?}", t.backend);

        let mut fixed = full_year(year);
        fixed[6].theme = "庆祝建党纪念日主题党日".into();
        let plan = s.orglife().save_plan(fx.branch_a.id, year, &fixed, None).await.unwrap();
        assert_eq!(plan.state, "draft", "{}", t.backend);
        let plan = s.orglife().plan_action(plan.id, &PlanAction::Submit).await.unwrap();
        // Not yet published: members do not see it.
        let z1 = fx.member_of(fx.zhang1, &fx.branch_a);
        assert!(t.db.scoped(&z1).orglife().my_plan(year).await.unwrap().is_none(), "{}", t.backend);
        let e = s.orglife().plan_action(plan.id, &PlanAction::Publish).await.unwrap_err();
        assert!(has(&e, "plan.state"), "{}: {e:?}", t.backend);
        let plan = p.orglife().plan_action(plan.id, &PlanAction::Acknowledge).await.unwrap();
        assert_eq!(plan.state, "acknowledged", "{}", t.backend);
        let e = p.orglife().plan_action(plan.id, &PlanAction::Publish).await.unwrap_err();
        assert!(has(&e, "plan.branch_only"), "{}: {e:?}", t.backend);
        let plan = s.orglife().plan_action(plan.id, &PlanAction::Publish).await.unwrap();
        assert_eq!(plan.state, "published", "{}", t.backend);
        let events: Vec<&str> = plan.events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(events, ["create", "submit", "return", "edit", "submit", "acknowledge", "publish"], "{}", t.backend);

        let mine = t.db.scoped(&z1).orglife().my_plan(year).await.unwrap().expect("published plan");
        assert_eq!(mine.items[6].theme, "庆祝建党纪念日主题党日", "{}", t.backend);
        let portal = t.db.scoped(&z1).orglife().my_orglife(Some(year)).await.unwrap();
        assert!(portal.member && portal.plan.is_some(), "{}", t.backend);
        let audited = actions(&t.db, "plan.").await;
        for a in ["plan.save", "plan.submit", "plan.return", "plan.acknowledge", "plan.publish"] {
            assert!(audited.iter().any(|x| x == a), "{}: {a} in {audited:?}", t.backend);
        }
    }
}

#[tokio::test]
async fn the_parent_overview_lists_every_branch_with_branches_without_a_plan_as_not_drafted() {
    for t in backends().await {
        let fx = life(&t.db).await;
        let year = t.db.clock().today().year();
        let sec = fx.secretary_a();
        t.db.scoped(&sec).orglife().save_plan(fx.branch_a.id, year, &full_year(year), None).await.unwrap();
        let street = fx.street_admin();
        let o = t.db.scoped(&street).orglife().plan_overview(fx.street.id, year).await.unwrap();
        let rows: Vec<(i64, &str, &str)> = o.rows.iter().map(|r| (r.org_id, r.state.as_str(), r.state_label)).collect();
        assert_eq!(rows.len(), 2, "{}: branches only, not the group: {rows:?}", t.backend);
        assert!(rows.contains(&(fx.branch_a.id, "draft", "草稿")), "{}: {rows:?}", t.backend);
        assert!(rows.contains(&(fx.branch_b.id, "none", "未制定")), "{}: {rows:?}", t.backend);
        let count = |s: &str| o.counts.iter().find(|c| c.0 == s).map(|c| c.2);
        assert_eq!((count("none"), count("draft"), count("published")), (Some(1), Some(1), Some(0)), "{}", t.backend);
        // A branch secretary's overview is their own branch.
        let o = t.db.scoped(&sec).orglife().plan_overview(fx.branch_a.id, year).await.unwrap();
        assert_eq!(o.rows.len(), 1);
        // The secretary's to-do has the plan to file with the days left.
        let todo = t.db.scoped(&sec).orglife().orglife_todo().await.unwrap();
        if todo.year == year {
            assert_eq!(todo.plans_due.len(), 1, "{}", t.backend);
            assert_eq!(todo.plans_due[0].state, "draft");
        }
        let other = fx.secretary_b();
        let todo = t.db.scoped(&other).orglife().orglife_todo().await.unwrap();
        assert_eq!(todo.plans_due.first().map(|p| p.state.as_str()), Some("none"), "{}", t.backend);
        // A 党小组 files no plan.
        let e = t.db.scoped(&sec).orglife().save_plan(fx.group.id, year, &[], None).await.unwrap_err();
        assert!(has(&e, "plan.not_applicable"), "{}: {e:?}", t.backend);
    }
}

#[tokio::test]
async fn attachments_are_checked_by_content_and_size_and_read_back_within_reach() {
    for t in backends().await {
        let fx = life(&t.db).await;
        let dir = std::env::temp_dir().join(format!("vanguard-attachments-{}-{}", std::process::id(), t.backend));
        let _ = std::fs::remove_dir_all(&dir);
        t.db.set_attachments_dir(dir.clone());
        let sec = fx.secretary_a();
        let s = t.db.scoped(&sec);
        let id = s.orglife().create_meeting(fx.branch_a.id, &held_now(&t.db, "主题党日")).await.unwrap().meeting.summary.id;

        let e = s.orglife().add_attachment(id, "会场.jpg", b"this is plain text, not a photo").await.unwrap_err();
        assert!(has(&e, "file.content"), "{}: {e:?}", t.backend);
        let mut big = vec![0xFF, 0xD8, 0xFF, 0xE0];
        big.resize(10 * 1024 * 1024 + 1, 0);
        let e = s.orglife().add_attachment(id, "大照片.jpg", &big).await.unwrap_err();
        assert!(has(&e, "file.too_large"), "{}: {e:?}", t.backend);
        let e = s.orglife().add_attachment(id, "脚本.html", b"%PDF-1.4").await.unwrap_err();
        assert!(has(&e, "file.type"), "{}: {e:?}", t.backend);
        assert!(actions(&t.db, "meeting.attachment").await.is_empty(), "{}: refused uploads leave no record", t.backend);

        let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR-rest-of-the-image".to_vec();
        let a = s.orglife().add_attachment(id, "C:\\相册\\会场.png", &png).await.unwrap();
        assert_eq!((a.file_name.as_str(), a.content_type.as_str(), a.size_bytes), ("会场.png", "image/png", png.len() as i64));
        let stored: Vec<_> = std::fs::read_dir(dir.join(fx.tr.root.region_id.to_string())).unwrap().collect();
        assert_eq!(stored.len(), 1, "{}: stored under the region", t.backend);
        let file = s.orglife().attachment(a.id).await.unwrap();
        assert_eq!(file.bytes, png, "{}", t.backend);
        assert_eq!(s.orglife().meeting(id).await.unwrap().attachments.len(), 1);
        let street = fx.street_admin();
        assert!(t.db.scoped(&street).orglife().attachment(a.id).await.is_ok(), "{}: the parent reads it", t.backend);
        let other = fx.secretary_b();
        assert!(matches!(t.db.scoped(&other).orglife().attachment(a.id).await, Err(StoreError::NotFound)), "{}", t.backend);
        assert!(
            matches!(t.db.scoped(&other).orglife().delete_attachment(a.id).await, Err(StoreError::NotFound)),
            "{}",
            t.backend
        );
        s.orglife().delete_attachment(a.id).await.unwrap();
        assert!(matches!(s.orglife().attachment(a.id).await, Err(StoreError::NotFound)));
        assert_eq!(std::fs::read_dir(dir.join(fx.tr.root.region_id.to_string())).unwrap().count(), 0, "{}", t.backend);
        let audited = actions(&t.db, "meeting.attachment").await;
        assert_eq!(audited.len(), 2, "{}: {audited:?}", t.backend);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[tokio::test]
async fn the_member_portal_shows_upcoming_meetings_and_own_attendance() {
    for t in backends().await {
        let fx = life(&t.db).await;
        let sec = fx.secretary_a();
        let s = t.db.scoped(&sec);
        let soon =
            s.orglife().create_meeting(fx.branch_a.id, &planned_in(&t.db, "主题党日", 5)).await.unwrap().meeting.summary.id;
        s.orglife().create_meeting(fx.branch_a.id, &planned_in(&t.db, "主题党日", 45)).await.unwrap();
        let group = s.orglife().create_meeting(fx.group.id, &planned_in(&t.db, "党小组会", 2)).await.unwrap().meeting.summary.id;
        let mut past = held_now(&t.db, "主题党日");
        past.attendance = vec![mark(fx.zhang1, "请假", "出差"), mark(fx.zhang3, "出席", "")];
        let held = s.orglife().create_meeting(fx.branch_a.id, &past).await.unwrap().meeting.summary.id;

        // Another branch's planned meeting is not 张一's: its roll holds only that branch's
        // members (another branch's member joins one as 列席, once it is held).
        let other = planned_in(&t.db, "主题党日", 3);
        t.db.scoped(&fx.street_admin()).orglife().create_meeting(fx.branch_b.id, &other).await.unwrap();

        let z1 = fx.member_of(fx.zhang1, &fx.branch_a);
        let mine = t.db.scoped(&z1).orglife().my_orglife(None).await.unwrap();
        let upcoming: Vec<i64> = mine.upcoming.iter().map(|m| m.id).collect();
        assert_eq!(upcoming, vec![group, soon], "{}: the next 30 days, branch and group", t.backend);
        assert_eq!(mine.attendance.len(), 1, "{}", t.backend);
        assert_eq!((mine.attendance[0].meeting_id, mine.attendance[0].attendance_label), (held, "请假"));
        let z3 = fx.member_of(fx.zhang3, &fx.branch_a);
        let upcoming: Vec<i64> = t.db.scoped(&z3).orglife().my_upcoming_meetings().await.unwrap().iter().map(|m| m.id).collect();
        assert_eq!(upcoming, vec![soon], "{}: not the other group's meeting", t.backend);
        // The record of a member, for those who reach them; a member sees only their own line.
        let page =
            s.orglife().member_attendance(fx.zhang3, &vanguard_domain::kernel::paging::PageRequest::first(50)).await.unwrap();
        assert_eq!((page.total.map_or(-1, |t| t as i64), page.items[0].attendance.as_str()), (1, "present"), "{}", t.backend);
        let detail = t.db.scoped(&z1).orglife().meeting(held).await.unwrap();
        assert_eq!(detail.attendance.iter().map(|a| a.member_id).collect::<Vec<_>>(), vec![fx.zhang1], "{}", t.backend);
        assert!(detail.signin_path.is_none());
        // The secretary's to-do: planned meetings whose time has passed.
        t.db.clock().advance(6 * DAY);
        let todo = s.orglife().orglife_todo().await.unwrap();
        let unrecorded: Vec<i64> = todo.unrecorded.iter().map(|m| m.id).collect();
        assert_eq!(unrecorded, vec![group, soon], "{}", t.backend);
        // Recording one takes it off the list.
        let held_at = parse_china_datetime(&format!("{} 09:00", t.db.clock().today() - chrono::Days::new(1))).unwrap();
        let patch = MeetingPatch {
            held_at: Some(held_at),
            place: Some("会议室".into()),
            host: Some("书记".into()),
            recorder: Some("张三".into()),
            ..Default::default()
        };
        let m = s.orglife().update_meeting(soon, &patch).await.unwrap();
        assert_eq!(m.meeting.summary.status, "held", "{}", t.backend);
        assert!(actions(&t.db, "meeting.record").await.contains(&"meeting.record".to_string()));
        assert_eq!(s.orglife().orglife_todo().await.unwrap().unrecorded.len(), 1, "{}", t.backend);
        s.orglife().cancel_meeting(group).await.unwrap();
        assert!(s.orglife().orglife_todo().await.unwrap().unrecorded.is_empty(), "{}", t.backend);
    }
}

#[tokio::test]
async fn every_orglife_write_is_audited_and_the_chain_stays_intact() {
    for t in backends().await {
        let fx = life(&t.db).await;
        let sec = fx.secretary_a();
        let s = t.db.scoped(&sec);
        let before = crate::audit_rows(&t.db, &AuditFilter::default()).await.len();
        let id = s.orglife().create_meeting(fx.branch_a.id, &held_now(&t.db, "支部党员大会")).await.unwrap().meeting.summary.id;
        s.orglife()
            .mark_attendance(
                id,
                &[
                    mark(fx.secretary, "出席", ""),
                    mark(fx.zhang1, "出席", ""),
                    mark(fx.zhang2, "出席", ""),
                    mark(fx.zhang3, "出席", ""),
                ],
            )
            .await
            .unwrap();
        s.orglife().set_roll(id, &[fx.secretary, fx.zhang1, fx.zhang2, fx.zhang3, fx.pre1]).await.unwrap();
        s.orglife()
            .record_decision(id, &DecisionInput { title: "转正".into(), votes_for: 4, ..Default::default() })
            .await
            .unwrap();
        s.orglife().update_meeting(id, &MeetingPatch { topic: Some("预备党员转正".into()), ..Default::default() }).await.unwrap();
        let tk = s.orglife().open_signin(id, Some(30)).await.unwrap();
        let p1 = fx.member_of(fx.pre1, &fx.branch_a);
        t.db.scoped(&p1).orglife().sign_in(id, &tk.token).await.unwrap();
        s.orglife().close_signin(id).await.unwrap();
        let after = crate::audit_rows(&t.db, &AuditFilter::default()).await;
        let mine: Vec<&str> = after[..after.len() - before].iter().rev().map(|r| r.action.as_str()).collect();
        assert_eq!(
            mine,
            [
                "meeting.create",
                "meeting.attendance",
                "meeting.roll",
                "meeting.decision",
                "meeting.correct",
                "meeting.signin_open",
                "meeting.signin",
                "meeting.signin_close"
            ],
            "{}",
            t.backend
        );
        // A refused write leaves neither change nor record.
        let n = after.len();
        let _ = s
            .orglife()
            .create_meeting(fx.branch_a.id, &MeetingInput { meeting_type: "党课".into(), ..Default::default() })
            .await
            .unwrap_err();
        assert_eq!(crate::audit_rows(&t.db, &AuditFilter::default()).await.len(), n);
        let v = audit::verify(&t.db, |_, _| {}).await.unwrap();
        assert!(v.is_intact(), "{}: {:?}", t.backend, v.problems);
    }
}

#[tokio::test]
async fn attachments_and_their_folders_are_private_to_the_platform() {
    for t in backends().await {
        let fx = life(&t.db).await;
        let dir = std::env::temp_dir().join(format!("vanguard-private-attachments-{}-{}", std::process::id(), t.backend));
        let _ = std::fs::remove_dir_all(&dir);
        t.db.set_attachments_dir(dir.clone());
        let sec = fx.secretary_a();
        let s = t.db.scoped(&sec);
        let id = s.orglife().create_meeting(fx.branch_a.id, &held_now(&t.db, "主题党日")).await.unwrap().meeting.summary.id;
        s.orglife().add_attachment(id, "会场.pdf", b"%PDF-1.7 minutes").await.unwrap();
        let region_dir = dir.join(fx.tr.root.region_id.to_string());
        let file = std::fs::read_dir(&region_dir).unwrap().next().unwrap().unwrap().path();
        let mode = vanguard_store::platform::files::mode_of;
        assert_eq!(mode(&dir).unwrap(), 0o700, "{}: attachments folder", t.backend);
        assert_eq!(mode(&region_dir).unwrap(), 0o700, "{}: region folder", t.backend);
        assert_eq!(mode(&file).unwrap(), 0o600, "{}: attachment file", t.backend);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[tokio::test]
async fn meeting_times_outside_1900_to_9999_are_refused_not_stored_as_1970() {
    for t in backends().await {
        let fx = life(&t.db).await;
        let sec = fx.secretary_a();
        let s = t.db.scoped(&sec);
        for (field, ms) in [("held_at", i64::MAX), ("held_at", -1_000_000_000_000_000_000), ("planned_at", i64::MIN)] {
            let mut input = held_now(&t.db, "主题党日");
            if field == "held_at" {
                input.held_at = Some(ms);
            } else {
                input.held_at = None;
                input.planned_at = Some(ms);
            }
            let e = s.orglife().create_meeting(fx.branch_a.id, &input).await.unwrap_err();
            assert!(has(&e, "time.range"), "{}: {field} = {ms}: {e:?}", t.backend);
        }
        // The JSON form of the API refuses such a number before it reaches the store.
        for body in [
            serde_json::json!({"meeting_type": "主题党日", "held_at": i64::MAX}),
            serde_json::json!({"meeting_type": "主题党日", "planned_at": -1_000_000_000_000_000_000i64}),
            serde_json::json!({"meeting_type": "主题党日", "held_at": "0001-01-01T00:00"}),
        ] {
            assert!(serde_json::from_value::<MeetingInput>(body.clone()).is_err(), "accepted {body}");
        }
        let ok: MeetingInput = serde_json::from_value(serde_json::json!({"held_at": 1_700_000_000_000i64})).unwrap();
        assert_eq!(ok.held_at, Some(1_700_000_000_000));
        let stored: Vec<(i64,)> = vanguard_testkit::raw_fetch_all(&t.db, "SELECT COUNT(*) FROM meetings").await.unwrap();
        assert_eq!(stored[0].0, 0, "{}: nothing was stored", t.backend);
    }
}

#[tokio::test]
async fn a_correction_whose_stored_changes_cannot_be_read_is_not_approved_as_empty() {
    for t in backends().await {
        let fx = life(&t.db).await;
        let sec = fx.secretary_a();
        let s = t.db.scoped(&sec);
        let id = s.orglife().create_meeting(fx.branch_a.id, &held_now(&t.db, "主题党日")).await.unwrap().meeting.summary.id;
        t.db.clock().advance(31 * DAY);
        let patch = MeetingPatch { place: Some("村文化礼堂".into()), ..Default::default() };
        let req = s.orglife().request_correction(id, "地点记错了", &patch).await.unwrap();
        vanguard_testkit::raw_execute(
            &t.db,
            &format!("UPDATE meeting_corrections SET payload = '{{\"place\": 17' WHERE id = {}", req.id),
        )
        .await
        .unwrap();
        let street = fx.street_admin();
        let p = t.db.scoped(&street);
        let e = p.orglife().decide_correction(req.id, true, "同意").await.unwrap_err();
        assert!(matches!(e, StoreError::Other(ref m) if m.contains("无法读取")), "{}: {e:?}", t.backend);
        assert!(p.orglife().correction(req.id).await.is_err(), "{}: shown as an empty request", t.backend);
        let status: Vec<(String,)> =
            vanguard_testkit::raw_fetch_all(&t.db, &format!("SELECT status FROM meeting_corrections WHERE id = {}", req.id))
                .await
                .unwrap();
        assert_eq!(status[0].0, "pending", "{}: marked decided", t.backend);
        assert!(actions(&t.db, "meeting.correction_approve").await.is_empty(), "{}", t.backend);
    }
}

#[tokio::test]
async fn a_scan_never_overrides_the_recorders_excused_or_absent_and_the_conflict_shows() {
    for t in backends().await {
        let fx = life(&t.db).await;
        let sec = fx.secretary_a();
        let s = t.db.scoped(&sec);
        let id = s.orglife().create_meeting(fx.branch_a.id, &held_now(&t.db, "主题党日")).await.unwrap().meeting.summary.id;
        s.orglife().mark_attendance(id, &[mark(fx.zhang1, "请假", "出差"), mark(fx.zhang2, "缺席", "")]).await.unwrap();
        let ticket = s.orglife().open_signin(id, None).await.unwrap();
        for (who, kept, reason) in [(fx.zhang1, "excused", "出差"), (fx.zhang2, "absent", "")] {
            let out = t.db.scoped(&fx.member_of(who, &fx.branch_a)).orglife().sign_in(id, &ticket.token).await.unwrap();
            assert!(out.message.contains("扫码时间"), "{}: {out:?}", t.backend);
            let m = s.orglife().meeting(id).await.unwrap();
            let line = m.attendance.iter().find(|a| a.member_id == who).unwrap();
            assert_eq!(
                (line.attendance.as_str(), line.reason.as_str()),
                (kept, reason),
                "{}: the recorder's mark wins",
                t.backend
            );
            assert!(line.signed_at.is_some(), "{}: the scan's time is kept beside it", t.backend);
        }
        let count = s.orglife().signin_count(id).await.unwrap();
        assert_eq!((count.signed_in, count.open), (2, true), "{}", t.backend);
    }
}

#[tokio::test]
async fn a_planned_meeting_takes_only_leave_and_errors_name_the_member() {
    for t in backends().await {
        let fx = life(&t.db).await;
        let sec = fx.secretary_a();
        let s = t.db.scoped(&sec);
        let id = s.orglife().create_meeting(fx.branch_a.id, &planned_in(&t.db, "主题党日", 3)).await.unwrap().meeting.summary.id;
        let e = s.orglife().mark_attendance(id, &[mark(fx.zhang1, "出席", "")]).await.unwrap_err();
        assert!(has(&e, "attendance.not_held"), "{}: {e:?}", t.backend);
        assert!(e.to_string().contains("张一"), "{}: {e}", t.backend);
        let e = s.orglife().mark_attendance(id, &[mark(fx.zhang3, "请假", ""), mark(fx.zhang2, "请假", "")]).await.unwrap_err();
        assert!(e.to_string().contains("张三：请假须填写请假原因"), "{}: {e}", t.backend);
        let m = s.orglife().mark_attendance(id, &[mark(fx.zhang1, "请假", "出差")]).await.unwrap();
        assert_eq!(m.meeting.summary.excused_count, 1, "{}", t.backend);
    }
}

#[tokio::test]
async fn a_members_leave_request_approved_by_the_branch_shows_in_the_attendance() {
    for t in backends().await {
        let fx = life(&t.db).await;
        let sec = fx.secretary_a();
        let s = t.db.scoped(&sec);
        let id = s.orglife().create_meeting(fx.branch_a.id, &planned_in(&t.db, "主题党日", 3)).await.unwrap().meeting.summary.id;
        let z1 = fx.member_of(fx.zhang1, &fx.branch_a);
        let m1 = t.db.scoped(&z1);
        assert!(
            has(&m1.orglife().request_leave(id, " ").await.unwrap_err(), "text.required"),
            "{}: a reason is required",
            t.backend
        );
        let asked = m1.orglife().request_leave(id, "外地出差").await.unwrap();
        assert_eq!(asked.state, "pending");
        assert!(has(&m1.orglife().request_leave(id, "再请一次").await.unwrap_err(), "leave.already"), "{}", t.backend);
        assert_eq!(s.orglife().pending_leave_count().await.unwrap(), 1, "{}", t.backend);
        // Another branch's secretary does not see it.
        let e = t.db.scoped(&fx.secretary_b()).orglife().decide_leave(asked.id, true, "").await.unwrap_err();
        assert!(matches!(e, StoreError::NotFound), "{}: {e:?}", t.backend);
        let decided = s.orglife().decide_leave(asked.id, true, "").await.unwrap();
        assert_eq!(decided.state, "approved", "{}", t.backend);
        let m = s.orglife().meeting(id).await.unwrap();
        let line = m.attendance.iter().find(|a| a.member_id == fx.zhang1).unwrap();
        assert_eq!((line.attendance.as_str(), line.reason.as_str()), ("excused", "外地出差"), "{}", t.backend);
        assert!(has(&s.orglife().decide_leave(asked.id, false, "不行").await.unwrap_err(), "leave.decided"), "{}", t.backend);
        let audited = actions(&t.db, "leave.").await;
        assert_eq!(audited, vec!["leave.approve".to_string(), "leave.request".to_string()], "{}", t.backend);
        // A held meeting takes no more requests.
        let held = s.orglife().create_meeting(fx.branch_a.id, &held_now(&t.db, "党课")).await;
        if let Ok(h) = held {
            let e = m1.orglife().request_leave(h.meeting.summary.id, "出差").await.unwrap_err();
            assert!(has(&e, "leave.not_planned"), "{}: {e:?}", t.backend);
        }
    }
}

#[tokio::test]
async fn an_archived_member_is_restored_by_a_writer_within_reach_and_audited() {
    for t in backends().await {
        let fx = life(&t.db).await;
        let sec = fx.secretary_a();
        let s = t.db.scoped(&sec);
        let before = s.orgs().org(fx.branch_a.id).await.unwrap().direct_members;
        let leave =
            vanguard_store::member::Leave { reason: "transferred_out".into(), left_on: "2026-01-05".into(), note: String::new() };
        let leave = vanguard_store::member::Leave { left_on: date_text(t.db.clock().today()), ..leave };
        s.members().archive_member(fx.zhang1, &leave).await.unwrap();
        assert_eq!(s.orgs().org(fx.branch_a.id).await.unwrap().direct_members, before - 1);
        assert!(has(&s.members().restore_member(fx.zhang1, " ").await.unwrap_err(), "note.required"), "{}", t.backend);
        let e = t.db.scoped(&fx.secretary_b()).members().restore_member(fx.zhang1, "误操作").await.unwrap_err();
        assert!(matches!(e, StoreError::NotFound), "{}: outside reach: {e:?}", t.backend);
        let m = s.members().restore_member(fx.zhang1, "误操作减少").await.unwrap();
        assert!(!m.archived && m.left_reason.is_none(), "{}", t.backend);
        assert_eq!(m.group_id, Some(fx.group.id), "{}: back in its 党小组", t.backend);
        assert_eq!(s.orgs().org(fx.branch_a.id).await.unwrap().direct_members, before, "{}: counted again", t.backend);
        assert!(has(&s.members().restore_member(fx.zhang1, "再来").await.unwrap_err(), "member.not_archived"), "{}", t.backend);
        assert_eq!(actions(&t.db, "member.restore").await.len(), 1, "{}", t.backend);
        let history = s.members().member_history(fx.zhang1).await.unwrap();
        assert!(history[0].new_value.contains("恢复在册"), "{}: {:?}", t.backend, history[0]);
    }
}

// ---- Enum columns fail loudly ----------------------------------------------------------

/// Marks `member` at `meeting` with an attendance code the platform never writes (as a
/// newer version, or a hand, would).
async fn mark_bogus(db: &Db, meeting: i64, member: i64) {
    let sql =
        format!("UPDATE meeting_attendance SET attendance = 'teleported' WHERE meeting_id = {meeting} AND member_id = {member}");
    vanguard_testkit::raw_execute(db, &sql).await.unwrap();
}

fn corrupt(e: &StoreError, col: &str, val: &str) -> bool {
    matches!(e, StoreError::Corrupt { column, value } if column == col && value == val)
}

#[tokio::test]
async fn an_unknown_stored_attendance_or_meeting_type_fails_the_read_naming_the_column() {
    for t in backends().await {
        let fx = life(&t.db).await;
        let sec = fx.secretary_a();
        let s = t.db.scoped(&sec);
        let mut input = held_now(&t.db, "支部党员大会");
        input.attendance = vec![mark(fx.secretary, "出席", ""), mark(fx.zhang1, "出席", ""), mark(fx.zhang2, "出席", "")];
        let id = s.orglife().create_meeting(fx.branch_a.id, &input).await.unwrap().meeting.summary.id;
        mark_bogus(&t.db, id, fx.zhang1).await;
        let col = "meeting_attendance.attendance";
        let e = s.orglife().meeting(id).await.unwrap_err();
        assert!(corrupt(&e, col, "teleported"), "{}: the meeting page, not an empty label: {e:?}", t.backend);
        assert!(e.to_string().contains("meeting_attendance.attendance = “teleported”"), "{}: {e}", t.backend);
        let vote = DecisionInput { title: "接收预备党员".into(), votes_for: 3, ..Default::default() };
        let e = s.orglife().record_decision(id, &vote).await.unwrap_err();
        assert!(corrupt(&e, col, "teleported"), "{}: the quorum, not counted as absent: {e:?}", t.backend);
        let z1 = fx.member_of(fx.zhang1, &fx.branch_a);
        let e = t.db.scoped(&z1).orglife().my_orglife(None).await.unwrap_err();
        assert!(corrupt(&e, col, "teleported"), "{}: the member's own record: {e:?}", t.backend);

        // A row enum decoded by sqlx names its column too.
        vanguard_testkit::raw_execute(&t.db, &format!("UPDATE meetings SET meeting_type = 'seance' WHERE id = {id}"))
            .await
            .unwrap();
        let e = s.orglife().meeting(id).await.unwrap_err();
        assert!(matches!(&e, StoreError::Corrupt { column, .. } if column == "meeting_type"), "{}: {e:?}", t.backend);
        assert!(e.to_string().contains("meeting_type 列的取值未知"), "{}: said in Chinese with the column: {e}", t.backend);
    }
}

#[tokio::test]
async fn an_unknown_stored_meeting_status_fails_the_read_naming_the_column() {
    for t in backends().await {
        let fx = life(&t.db).await;
        let sec = fx.secretary_a();
        let s = t.db.scoped(&sec);
        let id = s.orglife().create_meeting(fx.branch_a.id, &held_now(&t.db, "主题党日")).await.unwrap().meeting.summary.id;
        vanguard_testkit::raw_execute(&t.db, &format!("UPDATE meetings SET status = 'postponed' WHERE id = {id}")).await.unwrap();
        let e = s.orglife().meeting(id).await.unwrap_err();
        assert!(
            matches!(&e, StoreError::Corrupt { column, .. } if column == "status"),
            "{}: not an empty label: {e:?}",
            t.backend
        );
        assert!(e.to_string().contains("status 列的取值未知"), "{}: said in Chinese with the column: {e}", t.backend);
        let f = vanguard_store::orglife::MeetingFilter::default();
        let req = vanguard_domain::kernel::paging::PageRequest::first(20);
        let e = s.orglife().list_meetings(fx.branch_a.id, &f, &req).await.unwrap_err();
        assert!(matches!(&e, StoreError::Corrupt { column, .. } if column == "status"), "{}: the list too: {e:?}", t.backend);
    }
}

#[tokio::test]
async fn an_unknown_stored_plan_event_fails_the_plan_read_naming_the_column() {
    for t in backends().await {
        let fx = life(&t.db).await;
        let year = t.db.clock().today().year();
        let sec = fx.secretary_a();
        let s = t.db.scoped(&sec);
        let plan = s.orglife().save_plan(fx.branch_a.id, year, &full_year(year), None).await.unwrap();
        assert!(plan.events.iter().all(|e| !e.action_label.is_empty()) && !plan.events.is_empty(), "{}", t.backend);
        vanguard_testkit::raw_execute(
            &t.db,
            &format!("UPDATE life_plan_events SET action = 'teleport' WHERE plan_id = {}", plan.id),
        )
        .await
        .unwrap();
        let e = s.orglife().plan(fx.branch_a.id, year).await.unwrap_err();
        assert!(corrupt(&e, "life_plan_events.action", "teleport"), "{}: not an empty label: {e:?}", t.backend);
    }
}

#[tokio::test]
async fn an_unknown_attendance_code_fails_the_rules_engine_even_for_a_member_with_no_absence() {
    for t in backends().await {
        let fx = life(&t.db).await;
        let sec = fx.secretary_a();
        let s = t.db.scoped(&sec);
        let mut input = held_now(&t.db, "主题党日");
        input.attendance = vec![mark(fx.zhang1, "出席", ""), mark(fx.zhang2, "出席", "")];
        let id = s.orglife().create_meeting(fx.branch_a.id, &input).await.unwrap().meeting.summary.id;
        // 张一 belonged to the branch over the whole window and has no absence: the compact
        // read of the engine used to skip the row it could not classify.
        mark_bogus(&t.db, id, fx.zhang1).await;
        let today = t.db.clock().today();
        let region = fx.branch_a.region_id;
        let e = vanguard_store::orglife::check::check_region(&t.db, &Actor::system("test"), region, today, |_, _| {})
            .await
            .unwrap_err();
        assert!(
            corrupt(&e, "meeting_attendance.attendance", "teleported"),
            "{}: judged as if absent or present: {e:?}",
            t.backend
        );
    }
}
