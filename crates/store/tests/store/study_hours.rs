//! 学时 storage: the ledger from attended sessions, online study and training (never
//! doubled by a re-save), plans filed upward, exemptions, the engine's findings and the
//! scope — each case on every backend.

use super::{Tree, member, subtree_scope, system, tree};
use chrono::Datelike;
use vanguard_domain::kernel::auth::{Reach, Role};
use vanguard_domain::learning::plan::{StudyPlanInput, StudyPlanSession, StudyPlanTopic};
use vanguard_domain::learning::training::TrainingClassInput;
use vanguard_store::learning::hours::{ExemptionInput, check_region};
use vanguard_store::learning::training::{TrainingAttendanceInput, TrainingEnrolInput, TrainingMark};
use vanguard_store::orglife::{AttendanceMark, MeetingInput};
use vanguard_store::platform::hooks::{Change, publish};
use vanguard_store::{Db, Scope, StoreError};
use vanguard_testkit::{backends, raw_fetch_all};

const HOUR: i64 = 3600;

struct Fx {
    tr: Tree,
    a: Vec<i64>,
    b: i64,
    branch_a_path: String,
    branch_b_path: String,
    street_path: String,
}

async fn fx(db: &Db) -> Fx {
    let tr = tree(db).await;
    let sys = system(&tr.root);
    let s = db.scoped(&sys);
    let mut a = Vec::new();
    for (i, name) in ["学一", "学二", "学三"].iter().enumerate() {
        a.push(s.members().create_member(&member(name, 400 + i as u16, tr.branch_a)).await.unwrap().id);
    }
    let b = s.members().create_member(&member("学四", 410, tr.branch_b)).await.unwrap().id;
    let branch_a_path = s.orgs().org(tr.branch_a).await.unwrap().path;
    let branch_b_path = s.orgs().org(tr.branch_b).await.unwrap().path;
    let street_path = s.orgs().org(tr.street).await.unwrap().path;
    Fx { tr, a, b, branch_a_path, branch_b_path, street_path }
}

impl Fx {
    fn member(&self, id: i64, branch_path: &str) -> Scope {
        Scope {
            actor: vanguard_store::Actor { account_id: 700 + id % 100, name: "党员".into(), ip: "127.0.0.1".into() },
            role: Role::Member,
            region_id: self.tr.root.region_id,
            reach: Reach::OwnRecord { member_id: id, branch_path: branch_path.to_string() },
            member_id: Some(id),
            scope_org_id: None,
        }
    }
    fn a(&self, i: usize) -> Scope {
        self.member(self.a[i], &self.branch_a_path)
    }
    fn secretary_a(&self) -> Scope {
        subtree_scope(&self.tr.root, &self.branch_a_path, Role::BranchSecretary)
    }
    fn street(&self) -> Scope {
        subtree_scope(&self.tr.root, &self.street_path, Role::CommitteeAdmin)
    }
}

fn mark(member_id: i64, attendance: &str) -> AttendanceMark {
    AttendanceMark { member_id, attendance: attendance.into(), reason: String::new() }
}

fn lecture(db: &Db, marks: Vec<AttendanceMark>) -> MeetingInput {
    MeetingInput {
        meeting_type: "党课".into(),
        held_at: Some(db.clock().now_ms() - 3_600_000),
        place: "党群服务中心".into(),
        host: "书记".into(),
        recorder: "记录人".into(),
        lecturer: "书记".into(),
        topic: "学习党章".into(),
        content: "学习党章第一章".into(),
        attendance: marks,
        ..Default::default()
    }
}

async fn session_seconds(db: &Db, scope: &Scope) -> i64 {
    let h = db.scoped(scope).study_hours().my_hours(None).await.unwrap();
    h.by_source.iter().find(|s| s.source_kind == "session").map_or(0, |s| s.seconds)
}

#[tokio::test]
async fn attended_sessions_credit_their_rate_and_a_resave_never_doubles_them() {
    for t in backends().await {
        let f = fx(&t.db).await;
        let sec = f.secretary_a();
        let o = t.db.scoped(&sec);
        let m = o
            .orglife()
            .create_meeting(f.tr.branch_a, &lecture(&t.db, vec![mark(f.a[0], "present"), mark(f.a[1], "present")]))
            .await
            .unwrap();
        assert_eq!(session_seconds(&t.db, &f.a(0)).await, 4 * HOUR, "{}: 党课 = 4 学时", t.backend);
        // Saving the same attendance again, and marking someone else, leaves a[0]'s hours.
        o.orglife().mark_attendance(m.meeting.summary.id, &[mark(f.a[0], "present"), mark(f.a[2], "present")]).await.unwrap();
        assert_eq!(session_seconds(&t.db, &f.a(0)).await, 4 * HOUR, "{}: not doubled", t.backend);
        assert_eq!(session_seconds(&t.db, &f.a(2)).await, 4 * HOUR);
        // Marked absent after all: the line goes.
        o.orglife().mark_attendance(m.meeting.summary.id, &[mark(f.a[1], "absent")]).await.unwrap();
        assert_eq!(session_seconds(&t.db, &f.a(1)).await, 0, "{}", t.backend);
        let lines: Vec<(i64,)> =
            raw_fetch_all(&t.db, &format!("SELECT seconds FROM study_hour_lines WHERE member_id = {}", f.a[0])).await.unwrap();
        assert_eq!(lines.len(), 1, "{}: one line per source", t.backend);
    }
}

#[tokio::test]
async fn online_study_from_the_change_adds_to_the_line_of_its_item_and_day() {
    for t in backends().await {
        let f = fx(&t.db).await;
        let today = t.db.clock().today();
        for _ in 0..2 {
            let mut tx = t.db.begin().await.unwrap();
            let change =
                Change::StudySeconds { region_id: f.tr.root.region_id, member_id: f.a[0], item_id: 77, on: today, seconds: 1800 };
            publish(&mut tx, &t.db, change).await.unwrap();
            tx.commit().await.unwrap();
        }
        let h = t.db.scoped(&f.a(0)).study_hours().my_hours(None).await.unwrap();
        assert_eq!(h.seconds, HOUR, "{}", t.backend);
        assert_eq!(h.lines.len(), 1, "{}", t.backend);
        assert_eq!(h.by_source.iter().find(|s| s.source_kind == "online").unwrap().hours, "1.0");
    }
}

#[tokio::test]
async fn full_time_training_credits_8_hours_a_day_once_however_often_it_is_saved() {
    for t in backends().await {
        let f = fx(&t.db).await;
        let sec = f.secretary_a();
        let h = t.db.scoped(&sec);
        let h = h.study_hours();
        let year = t.db.clock().today().year();
        let input = TrainingClassInput {
            title: "预备党员培训班".into(),
            kind: "probation".into(),
            starts_on: format!("{year}-03-02"),
            ends_on: format!("{year}-03-04"),
            full_time: true,
            hours: 0.0,
            place: "党校".into(),
        };
        let c = h.create_class(f.tr.branch_a, &input).await.unwrap();
        h.enrol(c.class.id, &TrainingEnrolInput { member_ids: vec![f.a[0], f.a[1]] }).await.unwrap();
        let marks = TrainingAttendanceInput {
            marks: vec![
                TrainingMark { member_id: f.a[0], attended: true, days_attended: 0 },
                TrainingMark { member_id: f.a[1], attended: true, days_attended: 2 },
            ],
        };
        h.record_training(c.class.id, &marks).await.unwrap();
        h.record_training(c.class.id, &marks).await.unwrap();
        let mine = t.db.scoped(&f.a(0)).study_hours().my_hours(None).await.unwrap();
        assert_eq!(mine.seconds, 24 * HOUR, "{}: 3 days × 8 h, once", t.backend);
        let theirs = t.db.scoped(&f.a(1)).study_hours().my_hours(None).await.unwrap();
        assert_eq!(theirs.seconds, 16 * HOUR, "{}", t.backend);
        // Enrolling someone outside the subtree is refused.
        let e = h.enrol(c.class.id, &TrainingEnrolInput { member_ids: vec![f.b] }).await.unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)), "{}: {e:?}", t.backend);
    }
}

fn plan(year: i32) -> StudyPlanInput {
    StudyPlanInput {
        year,
        topics: vec![StudyPlanTopic { period: "Q1".into(), topic: "学习党章党规".into() }],
        required: "《中国共产党章程》".into(),
        sessions: vec![StudyPlanSession { on: format!("{year}-03-15"), topic: "集中学习党章".into() }],
    }
}

#[tokio::test]
async fn a_branch_files_its_plan_and_the_parent_sees_who_has_filed() {
    for t in backends().await {
        let f = fx(&t.db).await;
        let year = t.db.clock().today().year();
        let sec = f.secretary_a();
        t.db.scoped(&sec).study_hours().file_plan(f.tr.branch_a, &plan(year)).await.unwrap();
        // Re-filing replaces the plan, never adds a second.
        t.db.scoped(&sec).study_hours().file_plan(f.tr.branch_a, &plan(year)).await.unwrap();
        let street = f.street();
        let s = t.db.scoped(&street).study_hours().plan_status(f.tr.street, Some(year)).await.unwrap();
        let by: Vec<(i64, bool)> = s.children.iter().map(|c| (c.org_id, c.filed)).collect();
        assert_eq!(by, vec![(f.tr.branch_a, true), (f.tr.branch_b, false)], "{}", t.backend);
        assert_eq!(s.filed_count, 1);
        // The branch secretary reaches neither the sibling branch nor the street.
        let e = t.db.scoped(&sec).study_hours().plan_status(f.tr.branch_b, Some(year)).await.unwrap_err();
        assert!(matches!(e, StoreError::NotFound), "{}", t.backend);
        let e = t.db.scoped(&sec).study_hours().file_plan(f.tr.branch_b, &plan(year)).await.unwrap_err();
        assert!(matches!(e, StoreError::NotFound), "{}", t.backend);
        let audited = crate::audit_rows(
            &t.db,
            &vanguard_store::platform::audit::AuditFilter { action: "learning.plan.file".into(), ..Default::default() },
        )
        .await;
        assert_eq!(audited.len(), 2, "{}", t.backend);
    }
}

#[tokio::test]
async fn the_engine_warns_members_behind_pace_skips_the_exempt_and_flags_plans_not_filed() {
    for t in backends().await {
        let f = fx(&t.db).await;
        let today = t.db.clock().today();
        let sec = f.secretary_a();
        let h = t.db.scoped(&sec);
        h.study_hours()
            .set_exemption(
                f.a[1],
                &ExemptionInput { reason: "illness".into(), from: format!("{}-01-01", today.year()), until: None, note: "住院".into() },
            )
            .await
            .unwrap();
        h.study_hours().file_plan(f.tr.branch_a, &plan(today.year())).await.unwrap();
        check_region(&t.db, f.tr.root.region_id, today).await.unwrap();
        let open: Vec<(String, String, i64)> = raw_fetch_all(
            &t.db,
            "SELECT rule_code, subject_kind, subject_id FROM findings WHERE rule_code LIKE 'learning.%' AND resolved_at IS NULL",
        )
        .await
        .unwrap();
        let has = |code: &str, id: i64| open.iter().any(|(c, _, s)| c == code && *s == id);
        let paced = today.month() > 3;
        assert_eq!(has("learning.hours_pace", f.a[0]), paced, "{}: a member with no hours is behind", t.backend);
        assert!(!open.iter().any(|(_, _, s)| *s == f.a[1]), "{}: the exempt member is not judged", t.backend);
        assert_eq!(has("learning.study_plan", f.tr.branch_b), today.month() > 3, "{}", t.backend);
        assert!(!has("learning.study_plan", f.tr.branch_a), "{}: filed", t.backend);
        let report = h.study_hours().report(f.tr.branch_a, None).await.unwrap();
        assert_eq!(report.total.exempt, 1, "{}", t.backend);
        assert_eq!(report.total.members, 3);
        // An exemption is set within reach only.
        let e = h
            .study_hours()
            .set_exemption(f.b, &ExemptionInput { reason: "abroad".into(), from: "2026-01-01".into(), ..Default::default() })
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::NotFound), "{}", t.backend);
    }
}

#[tokio::test]
async fn hours_are_read_within_reach_only() {
    for t in backends().await {
        let f = fx(&t.db).await;
        let me = f.a(0);
        let e = t.db.scoped(&me).study_hours().member_hours(f.a[1], None).await.unwrap_err();
        assert!(matches!(e, StoreError::NotFound), "{}: a member reads only their own", t.backend);
        let sec = f.secretary_a();
        assert!(t.db.scoped(&sec).study_hours().member_hours(f.a[1], None).await.is_ok());
        let e = t.db.scoped(&sec).study_hours().member_hours(f.b, None).await.unwrap_err();
        assert!(matches!(e, StoreError::NotFound), "{}", t.backend);
        let e = t.db.scoped(&sec).study_hours().report(f.tr.branch_b, None).await.unwrap_err();
        assert!(matches!(e, StoreError::NotFound), "{}", t.backend);
        let _ = &f.branch_b_path;
    }
}
