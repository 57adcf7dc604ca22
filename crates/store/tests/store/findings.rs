//! The rules engine's persisted side and the cockpit (`findings`, `cockpit`), on every
//! backend: findings appear after a period ends and are resolved (never deleted) when a
//! late record arrives, refreshes touch only the org's own rows, the full recompute is
//! idempotent and agrees with the incremental one, and the cockpit sums per-org rows over
//! a subtree, ranks children, drills down to exactly the branches and members behind a
//! number, and hides what is out of reach.

use chrono::{Datelike, Months, NaiveDate};
use vanguard_domain::cockpit::Rag;
use vanguard_domain::kernel::auth::{Reach, Role};
use vanguard_domain::kernel::period::{Period, PeriodKind};
use vanguard_domain::kernel::time::date_text;
use vanguard_domain::member::MemberInput;
use vanguard_domain::member::idcard::compose;
use vanguard_domain::org::{OrgInput, OrgKind, Sector};
use vanguard_domain::orglife::{ABSENCE_CODE, Attendance, MeetingStatus, MeetingType, PARTICIPATION_CODE};
use vanguard_store::member::NewMember;
use vanguard_store::org::OrgRow;
use vanguard_store::orglife::check::{catch_up, check_region, checked_since, recompute_all, refresh_after_meeting};
use vanguard_store::{Actor, Db, Scope, StoreError};
use vanguard_testkit::backends;

const THEME: &str = "orglife.theme_day";

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap()
}

/// The first day of the month `n` months before the one containing `d`.
fn months_back(d: NaiveDate, n: u32) -> NaiveDate {
    first_of_month(d).checked_sub_months(Months::new(n)).unwrap()
}

fn text(d: NaiveDate) -> String {
    date_text(d)
}

fn key(d: NaiveDate) -> String {
    d.format("%Y-%m").to_string()
}

fn system(root: &OrgRow) -> Scope {
    Scope::system(root.region_id, &root.path, Actor::system("test"))
}

fn admin_of(root: &OrgRow, path: &str) -> Scope {
    Scope {
        actor: Actor { account_id: 77, name: "区委组织部".into(), ip: "127.0.0.1".into() },
        role: Role::CommitteeAdmin,
        region_id: root.region_id,
        reach: Reach::Subtree { root_path: path.to_string() },
        member_id: None,
        scope_org_id: None,
    }
}

fn org(name: &str, kind: &str, established: NaiveDate) -> OrgInput {
    OrgInput {
        name: Some(name.into()),
        kind: Some(kind.into()),
        sector: Some("community".into()),
        established_on: Some(text(established)),
        ..Default::default()
    }
}

fn person(name: &str, seq: u16, org_id: i64) -> NewMember {
    let birth = NaiveDate::from_ymd_opt(1965, 1, 1).unwrap() + chrono::Days::new(u64::from(seq) * 37);
    NewMember {
        org_id,
        group_id: None,
        fields: MemberInput {
            name: Some(name.into()),
            ethnicity: Some("汉族".into()),
            id_number: Some(compose("330205", birth, seq * 2 + 1)),
            joined_on: Some("2000-07-01".into()),
            confirmed_on: Some("2001-07-01".into()),
            category: Some("正式党员".into()),
            ..Default::default()
        },
    }
}

/// 市委 → 江北区委 (d1) → 甲街道 (s1: a, b) and 乙街道 (s2: c); 海曙区委 (d2: x). Every
/// branch has three 正式党员 and exists since `since`.
struct World {
    root: OrgRow,
    d1: i64,
    d2: i64,
    s1: i64,
    s2: i64,
    a: i64,
    b: i64,
    c: i64,
    x: i64,
    members: std::collections::HashMap<i64, Vec<i64>>,
}

async fn world(db: &Db, since: NaiveDate) -> World {
    let mut tx = db.begin().await.unwrap();
    let root = vanguard_store::org::create_root(db, &mut tx, "中共测试市委员会", OrgKind::Committee, Sector::Government, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let sys = system(&root);
    let s = db.scoped(&sys);
    let d1 = s.orgs().create_org(root.id, &org("中共江北区委员会", "committee", since)).await.unwrap().id;
    let d2 = s.orgs().create_org(root.id, &org("中共海曙区委员会", "committee", since)).await.unwrap().id;
    let s1 = s.orgs().create_org(d1, &org("甲街道党工委", "work_committee", since)).await.unwrap().id;
    let s2 = s.orgs().create_org(d1, &org("乙街道党工委", "work_committee", since)).await.unwrap().id;
    let a = s.orgs().create_org(s1, &org("甲社区党支部", "branch", since)).await.unwrap().id;
    let b = s.orgs().create_org(s1, &org("乙社区党支部", "branch", since)).await.unwrap().id;
    let c = s.orgs().create_org(s2, &org("丙社区党支部", "branch", since)).await.unwrap().id;
    let x = s.orgs().create_org(d2, &org("丁社区党支部", "branch", since)).await.unwrap().id;
    let mut members = std::collections::HashMap::new();
    let mut seq = 0u16;
    for branch in [a, b, c, x] {
        let mut ids = Vec::new();
        for name in ["张红", "李强", "王芳"] {
            seq += 1;
            ids.push(s.members().create_member(&person(name, seq, branch)).await.unwrap().id);
        }
        members.insert(branch, ids);
    }
    World { root, d1, d2, s1, s2, a, b, c, x, members }
}

/// Writes a held meeting and its attendance as the meeting code does, then refreshes in
/// the same transaction. `roll`: (member, attendance code, reason).
async fn record(db: &Db, w: &World, org_id: i64, meeting_type: &str, held_on: NaiveDate, roll: &[(i64, &str, &str)]) -> i64 {
    use vanguard_store::orglife::bulk::{AttendanceRecord, MeetingRecord, insert_attendance, insert_meetings};
    let region = w.root.region_id;
    let path = db.scoped(&system(&w.root)).orgs().org(org_id).await.unwrap().path;
    let now = db.clock().now_ms();
    let id = vanguard_store::platform::ids::next();
    let kind = MeetingType::from_code(meeting_type).unwrap();
    let meeting = MeetingRecord {
        region_id: region,
        id,
        org_id,
        org_path: path,
        meeting_type: kind,
        status: MeetingStatus::Held,
        planned_at: Some(now),
        held_at: Some(now),
        held_on: Some(date_text(held_on)),
        place: "党员活动室".into(),
        host: "张红".into(),
        recorder: "李强".into(),
        lecturer: String::new(),
        topic: "主题".into(),
        content: String::new(),
        minutes: String::new(),
        is_secretary_lecture: false,
        expected_count: 0,
        present_count: 0,
        excused_count: 0,
        absent_count: 0,
        signin_secret: None,
        signin_expires_at: None,
        recorded_at: now,
        version: 1,
        created_by: 0,
        created_at: now,
        updated_at: now,
    };
    let attendance: Vec<AttendanceRecord> = roll
        .iter()
        .map(|(member, attendance, reason)| AttendanceRecord {
            meeting_id: id,
            member_id: *member,
            attendance: Attendance::from_code(attendance).unwrap(),
            reason: reason.to_string(),
            signed_at: None,
            held_on,
            meeting_type: kind,
        })
        .collect();
    let mut tx = db.begin().await.unwrap();
    insert_meetings(&mut tx, &[meeting]).await.unwrap();
    insert_attendance(&mut tx, region, &attendance).await.unwrap();
    let ids: Vec<i64> = roll.iter().map(|r| r.0).collect();
    refresh_after_meeting(&mut tx, db, region, org_id, &ids).await.unwrap();
    tx.commit().await.unwrap();
    id
}

/// Everyone of a branch present.
fn all_present(w: &World, branch: i64) -> Vec<(i64, &'static str, &'static str)> {
    w.members[&branch].iter().map(|m| (*m, "present", "")).collect()
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
struct FindingRow {
    id: i64,
    rule_code: String,
    subject_kind: String,
    subject_id: i64,
    org_id: i64,
    period_key: String,
    severity: String,
    evidence: String,
    first_seen_at: i64,
    last_seen_at: i64,
    resolved_at: Option<i64>,
}

async fn finding_rows(db: &Db) -> Vec<FindingRow> {
    vanguard_testkit::raw_fetch_all(
        db,
        "SELECT id, rule_code, subject_kind, subject_id, org_id, period_key, severity, evidence, first_seen_at, last_seen_at, resolved_at \
         FROM findings ORDER BY subject_kind, subject_id, rule_code, period_key",
    )
    .await
    .unwrap()
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
struct TallyRow {
    org_id: i64,
    org_path: String,
    rule_code: String,
    period_key: String,
    expected: i64,
    held: i64,
    complete: bool,
    updated_at: i64,
}

async fn tally_rows(db: &Db) -> Vec<TallyRow> {
    vanguard_testkit::raw_fetch_all(
        db,
        "SELECT org_id, org_path, rule_code, period_key, expected, held, complete, updated_at FROM compliance ORDER BY org_id, rule_code, period_key",
    )
    .await
    .unwrap()
}

fn open_of<'a>(rows: &'a [FindingRow], rule: &str, subject: i64) -> Vec<&'a FindingRow> {
    rows.iter().filter(|r| r.rule_code == rule && r.subject_id == subject && r.resolved_at.is_none()).collect()
}

fn tally<'a>(rows: &'a [TallyRow], org: i64, rule: &str, period: &str) -> Option<&'a TallyRow> {
    rows.iter().find(|r| r.org_id == org && r.rule_code == rule && r.period_key == period)
}

#[tokio::test]
async fn a_branch_that_held_its_theme_day_is_compliant_and_one_that_did_not_gets_a_finding_once_the_month_ends() {
    for t in backends().await {
        let db = &t.db;
        let today = db.clock().today();
        let last_month = months_back(today, 1);
        let w = world(db, last_month).await;
        record(db, &w, w.a, "theme_day", last_month + chrono::Days::new(9), &all_present(&w, w.a)).await;
        record(db, &w, w.a, "theme_day", first_of_month(today), &all_present(&w, w.a)).await;
        recompute_all(db, w.root.region_id, today, |_, _| {}).await.unwrap();

        let tallies = tally_rows(db).await;
        let held = tally(&tallies, w.a, THEME, &key(last_month)).expect("a's row for last month");
        assert_eq!((held.expected, held.held, held.complete), (1, 1, true), "[{}]", t.backend);
        let missed = tally(&tallies, w.b, THEME, &key(last_month)).expect("b's row for last month");
        assert_eq!((missed.expected, missed.held, missed.complete), (1, 0, true), "[{}]", t.backend);

        let rows = finding_rows(db).await;
        assert!(open_of(&rows, THEME, w.a).is_empty(), "[{}] a complied: {rows:?}", t.backend);
        let b = open_of(&rows, THEME, w.b);
        let last = b
            .iter()
            .find(|f| f.period_key == key(last_month))
            .unwrap_or_else(|| panic!("[{}] no finding for b: {rows:?}", t.backend));
        assert_eq!(last.severity, "finding", "a closed month unmet is a 问题");
        assert!(last.evidence.contains("未开展主题党日"), "{}", last.evidence);
        // This month is still open: at most a 预警 near its end, never a 问题.
        assert!(b.iter().filter(|f| f.period_key == key(today)).all(|f| f.severity == "warning"), "[{}] {b:?}", t.backend);

        // Once this month has ended, b's missing meeting becomes a finding; a held it.
        let next_month = first_of_month(today).checked_add_months(Months::new(1)).unwrap();
        db.clock().advance((next_month - today).num_days() * 86_400_000 + 3_600_000);
        let later = db.clock().today();
        assert_eq!(later.month(), next_month.month());
        recompute_all(db, w.root.region_id, later, |_, _| {}).await.unwrap();
        let rows = finding_rows(db).await;
        let this = open_of(&rows, THEME, w.b).into_iter().find(|f| f.period_key == key(today)).cloned();
        assert_eq!(this.map(|f| f.severity), Some("finding".to_string()), "[{}] {rows:?}", t.backend);
        assert!(open_of(&rows, THEME, w.a).is_empty(), "[{}]", t.backend);
        db.close().await;
    }
}

#[tokio::test]
async fn a_check_catches_up_a_meeting_recorded_between_a_batch_read_and_its_write() {
    for t in backends().await {
        let db = &t.db;
        let today = db.clock().today();
        let last_month = months_back(today, 1);
        let w = world(db, last_month).await;
        recompute_all(db, w.root.region_id, today, |_, _| {}).await.unwrap();
        let check_started = db.clock().now_ms();
        db.clock().advance(1_000);
        // b records its missed 主题党日 late; the meeting's own refresh resolves the finding…
        record(db, &w, w.b, "theme_day", last_month + chrono::Days::new(20), &all_present(&w, w.b)).await;
        let missed = |rows: &[FindingRow]| open_of(rows, THEME, w.b).iter().any(|f| f.period_key == key(last_month));
        assert!(!missed(&finding_rows(db).await), "[{}]", t.backend);
        // …and a recompute batch that had read b's facts before the meeting then writes
        // them back (simulated: the finding reopened as that batch would write it).
        vanguard_testkit::raw_execute(
            db,
            &format!(
                "UPDATE findings SET resolved_at = NULL WHERE region_id = {} AND subject_id = {} AND rule_code = '{THEME}' AND period_key = '{}'",
                w.root.region_id,
                w.b,
                key(last_month)
            ),
        )
        .await
        .unwrap();
        assert!(missed(&finding_rows(db).await), "[{}]", t.backend);

        // The catch-up after the last batch refreshes b again from its records.
        let refreshed = catch_up(db, w.root.region_id, check_started, db.clock().today()).await.unwrap();
        assert_eq!(refreshed, 1, "[{}] only b wrote a record since the check began", t.backend);
        assert!(!missed(&finding_rows(db).await), "[{}]", t.backend);
        db.close().await;
    }
}

#[tokio::test]
async fn a_check_catches_up_a_member_who_left_while_it_ran() {
    const TOO_FEW: &str = "branch.too_few_formal";
    for t in backends().await {
        let db = &t.db;
        let today = db.clock().today();
        let w = world(db, months_back(today, 1)).await;
        recompute_all(db, w.root.region_id, today, |_, _| {}).await.unwrap();
        let check_started = db.clock().now_ms();
        db.clock().advance(1_000);
        let sys = system(&w.root);
        let leave = vanguard_store::member::Leave { reason: "died".into(), left_on: text(today), note: String::new() };
        db.scoped(&sys).members().archive_member(w.members[&w.c][0], &leave).await.unwrap();
        let too_few = |rows: &[FindingRow]| !open_of(rows, TOO_FEW, w.c).is_empty();
        assert!(too_few(&finding_rows(db).await), "[{}] flagged by the archive itself", t.backend);
        // A batch that read c before the member left writes its old answer back (simulated).
        vanguard_testkit::raw_execute(
            db,
            &format!(
                "UPDATE findings SET resolved_at = {check_started} WHERE region_id = {} AND subject_id = {} AND rule_code = '{TOO_FEW}'",
                w.root.region_id, w.c
            ),
        )
        .await
        .unwrap();
        assert!(!too_few(&finding_rows(db).await), "[{}]", t.backend);
        assert_eq!(catch_up(db, w.root.region_id, check_started, db.clock().today()).await.unwrap(), 1, "[{}] c only", t.backend);
        assert!(too_few(&finding_rows(db).await), "[{}] caught up", t.backend);
        db.close().await;
    }
}

#[tokio::test]
async fn a_full_check_is_audited_and_counts_as_the_days_check() {
    for t in backends().await {
        let db = &t.db;
        let today = db.clock().today();
        let w = world(db, months_back(today, 1)).await;
        let day_start = vanguard_domain::kernel::time::china_day_start_ms(db.clock().now_ms());
        assert!(!checked_since(db, day_start).await.unwrap(), "[{}] nothing checked yet", t.backend);
        let s = check_region(db, &Actor::system("scheduler"), w.root.region_id, today, |_, _| {}).await.unwrap();
        assert!(s.opened > 0, "[{}] b's missed 主题党日 is found", t.backend);
        assert!(checked_since(db, day_start).await.unwrap(), "[{}]", t.backend);
        // Tomorrow the day's check is due again.
        db.clock().advance(86_400_000);
        let tomorrow = vanguard_domain::kernel::time::china_day_start_ms(db.clock().now_ms());
        assert!(!checked_since(db, tomorrow).await.unwrap(), "[{}]", t.backend);
        assert!(vanguard_store::platform::audit::verify(db, |_, _| {}).await.unwrap().is_intact(), "[{}]", t.backend);
        db.close().await;
    }
}

#[tokio::test]
async fn recording_the_missing_meeting_late_resolves_the_finding_and_keeps_its_row() {
    for t in backends().await {
        let db = &t.db;
        let today = db.clock().today();
        let last_month = months_back(today, 1);
        let w = world(db, last_month).await;
        recompute_all(db, w.root.region_id, today, |_, _| {}).await.unwrap();
        let before = finding_rows(db).await;
        let open = open_of(&before, THEME, w.b).into_iter().find(|f| f.period_key == key(last_month)).cloned().expect("finding");

        // The branch records last month's 主题党日 late.
        let late = record(db, &w, w.b, "theme_day", last_month + chrono::Days::new(20), &all_present(&w, w.b)).await;
        let after = finding_rows(db).await;
        let same: Vec<&FindingRow> = after.iter().filter(|f| f.id == open.id).collect();
        assert_eq!(same.len(), 1, "[{}] the row is kept", t.backend);
        assert!(same[0].resolved_at.is_some(), "[{}] resolved: {:?}", t.backend, same[0]);
        assert_eq!((same[0].first_seen_at, &same[0].evidence), (open.first_seen_at, &open.evidence));
        assert_eq!(after.len(), before.len(), "[{}] nothing deleted", t.backend);
        let tallies = tally_rows(db).await;
        assert_eq!(tally(&tallies, w.b, THEME, &key(last_month)).map(|r| r.held), Some(1));

        // The record is cancelled after all: the same finding reopens, first sighting kept.
        vanguard_testkit::raw_execute(
            db,
            &format!("UPDATE meetings SET status = 'cancelled' WHERE region_id = {} AND id = {late}", w.root.region_id),
        )
        .await
        .unwrap();
        let mut tx = db.begin().await.unwrap();
        refresh_after_meeting(&mut tx, db, w.root.region_id, w.b, &w.members[&w.b]).await.unwrap();
        tx.commit().await.unwrap();
        let again = finding_rows(db).await;
        let reopened = again.iter().find(|f| f.id == open.id).unwrap();
        assert_eq!((reopened.resolved_at, reopened.first_seen_at), (None, open.first_seen_at), "[{}]", t.backend);
        assert_eq!(again.len(), before.len());
        db.close().await;
    }
}

#[tokio::test]
async fn a_second_recompute_changes_nothing_and_agrees_with_the_incremental_refreshes() {
    for t in backends().await {
        let db = &t.db;
        let today = db.clock().today();
        let since = months_back(today, 7);
        let w = world(db, since).await;
        let [x1, x2, x3] = [w.members[&w.a][0], w.members[&w.a][1], w.members[&w.a][2]];
        for n in (1..=7).rev() {
            let m = months_back(today, n) + chrono::Days::new(4);
            record(db, &w, w.a, "theme_day", m, &[(x1, "present", ""), (x2, "absent", ""), (x3, "excused", "出差")]).await;
            if n % 2 == 0 {
                record(db, &w, w.c, "theme_day", m, &all_present(&w, w.c)).await;
            }
        }
        // What the incremental refreshes wrote (a, c and their members) is exactly what
        // the full recompute computes: it leaves those rows as they are.
        let touched = |f: &FindingRow| [w.a, w.c, x1, x2, x3].contains(&f.subject_id) || w.members[&w.c].contains(&f.subject_id);
        let incremental: Vec<FindingRow> = finding_rows(db).await.into_iter().filter(|f| touched(f)).collect();
        let incremental_tallies = tally_rows(db).await;
        assert!(
            incremental.iter().any(|f| f.rule_code == PARTICIPATION_CODE && f.subject_id == x2),
            "[{}] {incremental:?}",
            t.backend
        );
        let first = recompute_all(db, w.root.region_id, today, |_, _| {}).await.unwrap();
        assert!(first.members >= 12 && first.orgs >= 9, "{first:?}");
        let findings = finding_rows(db).await;
        assert_eq!(findings.iter().filter(|f| touched(f)).cloned().collect::<Vec<_>>(), incremental, "[{}]", t.backend);
        let tallies = tally_rows(db).await;
        for r in &incremental_tallies {
            assert!(tallies.contains(r), "[{}] the recompute rewrote {r:?}", t.backend);
        }
        // A second recompute over the same facts writes nothing.
        let second = recompute_all(db, w.root.region_id, today, |_, _| {}).await.unwrap();
        assert_eq!(
            (second.opened, second.updated, second.resolved, second.compliance_written, second.compliance_deleted),
            (0, 0, 0, 0, 0),
            "[{}] {second:?}",
            t.backend
        );
        assert_eq!(finding_rows(db).await, findings, "[{}] findings", t.backend);
        assert_eq!(tally_rows(db).await, tallies, "[{}] compliance", t.backend);
        db.close().await;
    }
}

#[tokio::test]
async fn a_branch_below_three_formal_members_is_flagged_when_it_happens_not_at_the_next_check() {
    const TOO_FEW: &str = "branch.too_few_formal";
    for t in backends().await {
        let db = &t.db;
        let today = db.clock().today();
        let w = world(db, months_back(today, 1)).await;
        let sys = system(&w.root);
        let s = db.scoped(&sys);
        let branch = s.orgs().create_org(w.s2, &org("戊社区党支部", "branch", months_back(today, 1))).await.unwrap().id;
        let open = |rows: &[FindingRow]| !open_of(rows, TOO_FEW, branch).is_empty();
        assert!(open(&finding_rows(db).await), "[{}] a new branch without members", t.backend);
        let mut ids = Vec::new();
        for (i, name) in ["赵一", "钱二", "孙三"].into_iter().enumerate() {
            ids.push(s.members().create_member(&person(name, 40 + i as u16, branch)).await.unwrap().id);
        }
        assert!(!open(&finding_rows(db).await), "[{}] three 正式党员", t.backend);
        let leave = vanguard_store::member::Leave { reason: "transferred_out".into(), left_on: text(today), note: String::new() };
        s.members().archive_member(ids[0], &leave).await.unwrap();
        assert!(open(&finding_rows(db).await), "[{}] one transferred out", t.backend);
        s.members().move_member(w.members[&w.c][0], branch, None).await.unwrap();
        assert!(!open(&finding_rows(db).await), "[{}] one moved in", t.backend);
        db.close().await;
    }
}

#[tokio::test]
async fn a_meeting_refreshes_only_its_own_orgs_compliance_rows_never_an_ancestors() {
    for t in backends().await {
        let db = &t.db;
        let today = db.clock().today();
        let last_month = months_back(today, 1);
        let w = world(db, last_month).await;
        // Creating the orgs and members already judged them; a meeting changes only its org.
        let (tallies_before, findings_before) = (tally_rows(db).await, finding_rows(db).await);
        let except =
            |rows: &[TallyRow], orgs: &[i64]| rows.iter().filter(|r| !orgs.contains(&r.org_id)).cloned().collect::<Vec<_>>();
        let except_f =
            |rows: &[FindingRow], orgs: &[i64]| rows.iter().filter(|r| !orgs.contains(&r.org_id)).cloned().collect::<Vec<_>>();
        record(db, &w, w.a, "theme_day", last_month + chrono::Days::new(3), &all_present(&w, w.a)).await;
        let tallies = tally_rows(db).await;
        let held = tally(&tallies, w.a, THEME, &key(last_month)).expect("a's row for last month");
        assert_eq!((held.expected, held.held), (1, 1), "[{}]", t.backend);
        assert_eq!(except(&tallies, &[w.a]), except(&tallies_before, &[w.a]), "[{}] rows of other orgs changed", t.backend);
        let findings = finding_rows(db).await;
        assert_eq!(
            except_f(&findings, &[w.a]),
            except_f(&findings_before, &[w.a]),
            "[{}] findings of other orgs changed",
            t.backend
        );
        for ancestor in [w.s1, w.d1, w.root.id] {
            let rows = |f: &[FindingRow]| f.iter().filter(|r| r.subject_id == ancestor).cloned().collect::<Vec<_>>();
            assert_eq!(rows(&findings), rows(&findings_before), "[{}] ancestor {ancestor} touched", t.backend);
        }
        // A second meeting of b leaves a's rows exactly as they were.
        record(db, &w, w.b, "theme_day", last_month + chrono::Days::new(5), &all_present(&w, w.b)).await;
        let after = tally_rows(db).await;
        let a_rows: Vec<&TallyRow> = after.iter().filter(|r| r.org_id == w.a).collect();
        assert_eq!(a_rows, tallies.iter().filter(|r| r.org_id == w.a).collect::<Vec<_>>(), "[{}]", t.backend);
        assert_eq!(except(&after, &[w.a, w.b]), except(&tallies_before, &[w.a, w.b]), "[{}] {after:?}", t.backend);
        db.close().await;
    }
}

#[tokio::test]
async fn a_member_absent_without_reason_for_six_months_gets_the_article_nine_finding() {
    for t in backends().await {
        let db = &t.db;
        let today = db.clock().today();
        let w = world(db, months_back(today, 8)).await;
        let [absent, excused, late] = [w.members[&w.a][0], w.members[&w.a][1], w.members[&w.a][2]];
        for n in (1..=6).rev() {
            let on = months_back(today, n) + chrono::Days::new(6);
            // `late` took part until three months ago and has been absent since.
            let late_mark = if n > 3 { "present" } else { "absent" };
            record(
                db,
                &w,
                w.a,
                "theme_day",
                on,
                &[(absent, "absent", ""), (excused, "excused", "在外地务工"), (late, late_mark, "")],
            )
            .await;
        }
        let rows = finding_rows(db).await;
        let nine = open_of(&rows, PARTICIPATION_CODE, absent);
        assert_eq!(nine.len(), 1, "[{}] {rows:?}", t.backend);
        assert_eq!(nine[0].severity, "finding");
        assert_eq!(nine[0].period_key, key(months_back(today, 6)), "keyed by the first month of the run");
        assert!(nine[0].evidence.contains("连续6个月"), "{}", nine[0].evidence);
        assert!(open_of(&rows, PARTICIPATION_CODE, excused).is_empty(), "[{}] 请假 with a reason is a valid reason", t.backend);
        let three = open_of(&rows, PARTICIPATION_CODE, late);
        assert_eq!(three.iter().map(|f| f.severity.as_str()).collect::<Vec<_>>(), vec!["warning"], "[{}]", t.backend);
        assert_eq!(open_of(&rows, ABSENCE_CODE, absent).len(), 1, "[{}] repeated absence", t.backend);

        // The cockpit's drill-down names exactly these members.
        let sys = system(&w.root);
        let s = db.scoped(&sys);
        let listed = s
            .cockpit()
            .cockpit_members(w.d1, Some(PARTICIPATION_CODE), &vanguard_domain::kernel::paging::PageRequest::first(50))
            .await
            .unwrap();
        let mut ids: Vec<i64> = listed.items.iter().map(|f| f.subject_id).collect();
        ids.sort();
        let mut expected = vec![absent, late];
        expected.sort();
        assert_eq!(ids, expected, "[{}]", t.backend);
        assert!(listed.items.iter().all(|f| f.subject_name == "张红" || f.subject_name == "王芳"));
        assert_eq!(listed.items[0].severity, "finding", "most severe first");
        let todo = s.cockpit().todos(Some(w.a), None).await.unwrap();
        assert!(todo.items.iter().any(|f| f.subject_id == absent && f.action.contains("党章第九条")), "[{}]", t.backend);

        // The member dies: the obligations end on that day and the open findings about
        // them resolve, saying why; their rows stay.
        let died = vanguard_store::member::Leave { reason: "died".into(), left_on: text(today), note: String::new() };
        s.members().archive_member(absent, &died).await.unwrap();
        let rows = finding_rows(db).await;
        assert!(open_of(&rows, PARTICIPATION_CODE, absent).is_empty(), "[{}] 党章第九条 resolved", t.backend);
        assert!(open_of(&rows, ABSENCE_CODE, absent).is_empty(), "[{}] 无故缺席 resolved", t.backend);
        let listed = s
            .cockpit()
            .findings(
                &vanguard_store::cockpit::FindingFilter { status: Some("resolved".into()), ..Default::default() },
                &vanguard_domain::kernel::paging::PageRequest::first(50),
            )
            .await
            .unwrap();
        let notes: Vec<&str> = listed.items.iter().filter(|f| f.subject_id == absent).map(|f| f.resolved_note.as_str()).collect();
        assert_eq!(notes.len(), 2, "[{}] both rows kept: {notes:?}", t.backend);
        for n in notes {
            assert_eq!(n, format!("党员已于{}减少（死亡），相关义务终止", text(today)), "[{}]", t.backend);
        }
        // A full check agrees: nothing reopens.
        recompute_all(db, w.root.region_id, today, |_, _| {}).await.unwrap();
        assert!(open_of(&finding_rows(db).await, PARTICIPATION_CODE, absent).is_empty(), "[{}]", t.backend);
        db.close().await;
    }
}

#[tokio::test]
async fn a_check_as_of_another_day_catches_up_as_of_that_day() {
    for t in backends().await {
        let db = &t.db;
        let today = db.clock().today();
        let w = world(db, months_back(today, 3)).await;
        // Nothing held last month: as of today its 主题党日 is missing; judged as of a day
        // inside that month, it is still open (a 预警 at most, not a 问题).
        let last_month = months_back(today, 1);
        let as_of = Period::containing(PeriodKind::Month, last_month).start + chrono::Days::new(3);
        check_region(db, &Actor::system("test"), w.root.region_id, as_of, |_, _| {}).await.unwrap();
        // A write during the check: b's record is touched, so the catch-up refreshes b —
        // and must judge it as of the check's day too.
        record(db, &w, w.b, "branch_committee", as_of, &all_present(&w, w.b)).await;
        let since = db.clock().now_ms() - 10_000;
        catch_up(db, w.root.region_id, since, as_of).await.unwrap();
        let rows = finding_rows(db).await;
        let problem =
            |org: i64| open_of(&rows, THEME, org).iter().any(|f| f.period_key == key(last_month) && f.severity == "finding");
        assert!(!problem(w.b), "[{}] judged as of {as_of}, last month is still open for b", t.backend);
        db.close().await;
    }
}

/// c held everything due; a held its 主题党日; b held nothing.
async fn cockpit_world(db: &Db) -> (World, NaiveDate) {
    let today = db.clock().today();
    let last_month = months_back(today, 1);
    let w = world(db, last_month).await;
    let on = last_month + chrono::Days::new(8);
    record(db, &w, w.a, "theme_day", on, &all_present(&w, w.a)).await;
    for t in ["theme_day", "branch_assembly", "party_lecture", "life_meeting", "democratic_review"] {
        record(db, &w, w.c, t, on, &all_present(&w, w.c)).await;
    }
    recompute_all(db, w.root.region_id, today, |_, _| {}).await.unwrap();
    (w, last_month)
}

#[tokio::test]
async fn cockpit_rates_sum_over_the_subtree_and_children_are_ranked() {
    for t in backends().await {
        let db = &t.db;
        let (w, month) = cockpit_world(db).await;
        let sys = system(&w.root);
        let s = db.scoped(&sys);
        let c = s.cockpit().overview(w.d1, Some(&key(month))).await.unwrap();
        let theme = c.rules.iter().find(|r| r.rule_code == THEME).expect("theme day rate");
        assert_eq!((theme.rate.compliant, theme.rate.total, theme.open), (2, 3, false), "[{}]", t.backend);
        assert_eq!(theme.rate.rag, Rag::Red, "2/3 is below the amber line of 70%");
        assert_eq!(c.children.iter().map(|ch| ch.org.id).collect::<Vec<_>>(), vec![w.s2, w.s1], "[{}] ranking", t.backend);
        assert_eq!(c.children.iter().map(|ch| ch.rank).collect::<Vec<_>>(), vec![Some(1), Some(2)]);
        assert!(c.children[0].overall.basis_points > c.children[1].overall.basis_points);
        let s1_theme = c.children[1].rules.iter().find(|r| r.rule_code == THEME).unwrap();
        assert_eq!((s1_theme.rate.compliant, s1_theme.rate.total), (1, 2));
        // A branch rule's figure for the district is the sum of its streets' figures.
        let summed: u32 =
            c.children.iter().flat_map(|ch| ch.rules.iter()).filter(|r| r.rule_code == THEME).map(|r| r.rate.total).sum();
        assert_eq!(summed, theme.rate.total, "[{}]", t.backend);
        assert!(c.findings.iter().any(|f| f.rule_code == THEME && f.count >= 1));
        // The city root sees the other district too.
        let city = s.cockpit().overview(w.root.id, Some(&key(month))).await.unwrap();
        let city_theme = city.rules.iter().find(|r| r.rule_code == THEME).unwrap();
        assert_eq!((city_theme.rate.compliant, city_theme.rate.total), (2, 4), "[{}]", t.backend);
        assert_eq!(city.children.len(), 2);
        // The trend has twelve points per rule, last month's matching the cockpit.
        let trend = s.cockpit().cockpit_trend(w.d1, Some(month.year())).await.unwrap();
        let line = trend.series.iter().find(|l| l.rule_code == THEME).unwrap();
        assert_eq!(line.points.len(), 12);
        let point = line.points.iter().find(|p| p.month == key(month)).and_then(|p| p.rate).unwrap();
        assert_eq!((point.compliant, point.total), (2, 3));
        assert!(trend.chart["series"].as_array().is_some_and(|s| !s.is_empty()));
        // Every view exports to a workbook.
        for view in ["overview", "tree", "trend", "branches", "members", "findings"] {
            let req =
                vanguard_store::cockpit::ExportRequest { view: view.into(), period: Some(key(month)), ..Default::default() };
            let file = s.cockpit().cockpit_export(w.d1, &req).await.unwrap();
            assert!(file.bytes.starts_with(b"PK"), "[{}] {view} is not an xlsx", t.backend);
            assert!(file.filename.ends_with(".xlsx") && file.filename.contains("江北区"), "{}", file.filename);
        }
        db.close().await;
    }
}

#[tokio::test]
async fn drill_down_lists_exactly_the_branches_that_fell_short() {
    for t in backends().await {
        let db = &t.db;
        let (w, month) = cockpit_world(db).await;
        let sys = system(&w.root);
        let s = db.scoped(&sys);
        let ids = |l: &vanguard_domain::kernel::paging::Page<vanguard_store::cockpit::BranchFigure>| {
            let mut v: Vec<i64> = l.items.iter().map(|b| b.org.id).collect();
            v.sort();
            v
        };
        let short = s
            .cockpit()
            .cockpit_branches(
                w.d1,
                THEME,
                Some(&key(month)),
                Some(false),
                &vanguard_domain::kernel::paging::PageRequest::first(50),
            )
            .await
            .unwrap();
        assert_eq!((ids(&short), short.total.map_or(-1, |t| t as i64)), (vec![w.b], 1), "[{}]", t.backend);
        assert_eq!(short.items[0].parent_name.as_deref(), Some("甲街道党工委"));
        let ok = s
            .cockpit()
            .cockpit_branches(
                w.d1,
                THEME,
                Some(&key(month)),
                Some(true),
                &vanguard_domain::kernel::paging::PageRequest::first(50),
            )
            .await
            .unwrap();
        let mut expected = vec![w.a, w.c];
        expected.sort();
        assert_eq!(ids(&ok), expected, "[{}]", t.backend);
        let all = s
            .cockpit()
            .cockpit_branches(w.d1, THEME, Some(&key(month)), None, &vanguard_domain::kernel::paging::PageRequest::first(50))
            .await
            .unwrap();
        assert_eq!(all.total.map_or(-1, |t| t as i64), 3);
        assert_eq!(all.items[0].org.id, w.b, "those that fell short come first");
        let unknown = s
            .cockpit()
            .cockpit_branches(w.d1, "orglife.nothing", None, None, &vanguard_domain::kernel::paging::PageRequest::first(50))
            .await;
        assert!(matches!(unknown, Err(StoreError::Invalid(_))), "[{}]", t.backend);
        // The findings list of the street holds b's finding and not c's (another street).
        let f = vanguard_store::cockpit::FindingFilter { org_id: Some(w.s1), rule: Some(THEME.into()), ..Default::default() };
        let l = s.cockpit().findings(&f, &vanguard_domain::kernel::paging::PageRequest::first(50)).await.unwrap();
        assert!(l.items.iter().any(|x| x.subject_id == w.b && x.period_key == key(month)), "[{}]", t.backend);
        assert!(l.items.iter().all(|x| x.subject_id != w.c), "[{}] c is in another street", t.backend);
        assert!(l.items.iter().all(|x| x.subject_id != w.a || x.period_key != key(month)), "[{}] a held it", t.backend);
        db.close().await;
    }
}

#[tokio::test]
async fn another_districts_admin_gets_404_for_this_orgs_cockpit() {
    for t in backends().await {
        let db = &t.db;
        let (w, month) = cockpit_world(db).await;
        let d2_path = db.scoped(&system(&w.root)).orgs().org(w.d2).await.unwrap().path;
        let other = admin_of(&w.root, &d2_path);
        let s = db.scoped(&other);
        for target in [w.d1, w.a, w.root.id] {
            assert!(
                matches!(s.cockpit().overview(target, None).await, Err(StoreError::NotFound)),
                "[{}] cockpit {target}",
                t.backend
            );
            assert!(matches!(s.cockpit().cockpit_trend(target, None).await, Err(StoreError::NotFound)));
            assert!(matches!(
                s.cockpit()
                    .cockpit_branches(target, THEME, None, None, &vanguard_domain::kernel::paging::PageRequest::first(50))
                    .await,
                Err(StoreError::NotFound)
            ));
            assert!(matches!(
                s.cockpit().cockpit_members(target, None, &vanguard_domain::kernel::paging::PageRequest::first(50)).await,
                Err(StoreError::NotFound)
            ));
            let f = vanguard_store::cockpit::FindingFilter { org_id: Some(target), ..Default::default() };
            assert!(matches!(
                s.cockpit().findings(&f, &vanguard_domain::kernel::paging::PageRequest::first(50)).await,
                Err(StoreError::NotFound)
            ));
        }
        // Its own district works and shows only its own branch.
        let own = s.cockpit().overview(w.d2, Some(&key(month))).await.unwrap();
        let theme = own.rules.iter().find(|r| r.rule_code == THEME).unwrap();
        assert_eq!((theme.rate.compliant, theme.rate.total), (0, 1), "[{}]", t.backend);
        let everything =
            s.cockpit().findings(&Default::default(), &vanguard_domain::kernel::paging::PageRequest::first(50)).await.unwrap();
        assert!(everything.items.iter().all(|f| f.org_id == w.x || f.org_id == w.d2), "[{}]", t.backend);
        db.close().await;
    }
}

#[tokio::test]
async fn the_engine_leaves_other_features_findings_and_compliance_rows_alone() {
    for t in backends().await {
        let db = &t.db;
        let today = db.clock().today();
        let w = world(db, months_back(today, 2)).await;
        let region = w.root.region_id;
        let member = w.members[&w.a][0];
        let a_path = db.scoped(&system(&w.root)).orgs().org(w.a).await.unwrap().path;
        // Rows another feature (学习) keeps in the shared tables.
        for (kind, subject) in [("member", member), ("org", w.a)] {
            vanguard_testkit::raw_execute(
                db,
                &format!(
                    "INSERT INTO findings (region_id, id, rule_code, rule_version, subject_kind, subject_id, org_id, org_path, period_key, \
                     severity, evidence, first_seen_at, last_seen_at, resolved_at) VALUES ({region}, {}, 'learning.hours', 1, '{kind}', {subject}, \
                     {}, '{a_path}', '{}', 'warning', '学时不足', 0, 0, NULL)",
                    vanguard_store::platform::ids::next(),
                    w.a,
                    today.format("%Y")
                ),
            )
            .await
            .unwrap();
        }
        vanguard_testkit::raw_execute(
            db,
            &format!(
                "INSERT INTO compliance (region_id, org_id, org_path, rule_code, period_key, expected, held, complete, updated_at) \
                 VALUES ({region}, {}, '{a_path}', 'learning.plan_filed', '{}', 1, 0, FALSE, 0)",
                w.a,
                today.format("%Y")
            ),
        )
        .await
        .unwrap();
        record(db, &w, w.a, "theme_day", today, &all_present(&w, w.a)).await;
        recompute_all(db, region, today, |_, _| {}).await.unwrap();
        let rows = finding_rows(db).await;
        let learning: Vec<&FindingRow> = rows.iter().filter(|f| f.rule_code == "learning.hours").collect();
        assert_eq!(learning.len(), 2, "[{}]", t.backend);
        assert!(learning.iter().all(|f| f.resolved_at.is_none()), "[{}] not resolved by the 组织生活 engine", t.backend);
        assert!(
            tally_rows(db).await.iter().any(|r| r.rule_code == "learning.plan_filed"),
            "[{}] another feature's compliance row survives a recompute",
            t.backend
        );
        db.close().await;
    }
}

#[tokio::test]
async fn a_finding_is_answered_by_its_branch_returned_answered_again_and_accepted_by_the_parent() {
    use vanguard_domain::cockpit::rectify::{RectifyAction, RectifyInput};
    for t in backends().await {
        let db = &t.db;
        let (w, month) = cockpit_world(db).await;
        let sys = system(&w.root);
        let path_of = async |id: i64| db.scoped(&sys).orgs().org(id).await.unwrap().path;
        let f = vanguard_store::cockpit::FindingFilter { org_id: Some(w.b), rule: Some(THEME.into()), ..Default::default() };
        let page =
            db.scoped(&sys).cockpit().findings(&f, &vanguard_domain::kernel::paging::PageRequest::first(50)).await.unwrap();
        let finding = page.items.iter().find(|x| x.subject_id == w.b && x.period_key == key(month)).expect("b's finding").id;
        let mut secretary = admin_of(&w.root, &path_of(w.b).await);
        secretary.role = Role::BranchSecretary;
        let parent = admin_of(&w.root, &path_of(w.s1).await);
        let input = |m: &str, e: &str| RectifyInput { measure: m.into(), explanation: e.into(), evidence: "会议记录".into() };
        let own = db.scoped(&secretary);
        let up = db.scoped(&parent);
        assert_eq!(own.cockpit().rectification(finding).await.unwrap().actions, vec!["respond"], "[{}]", t.backend);
        assert_eq!(up.cockpit().rectification(finding).await.unwrap().actions, vec!["urge"], "[{}]", t.backend);
        let r = up.cockpit().rectify(finding, RectifyAction::Urge, &input("", "月底前整改")).await.unwrap();
        assert_eq!(r.state, "urged");
        let e = own.cockpit().rectify(finding, RectifyAction::Respond, &input(" ", "")).await.unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)), "[{}] a measure is required: {e:?}", t.backend);
        let r = own.cockpit().rectify(finding, RectifyAction::Respond, &input("补开主题党日", "")).await.unwrap();
        assert_eq!(r.state, "responded");
        let e = own.cockpit().rectify(finding, RectifyAction::Accept, &input("", "")).await.unwrap_err();
        assert!(matches!(e, StoreError::Conflict { .. }), "[{}] the branch does not accept its own: {e:?}", t.backend);
        let r = up.cockpit().rectify(finding, RectifyAction::Return, &input("", "请附照片")).await.unwrap();
        assert_eq!(r.state, "returned");
        own.cockpit().rectify(finding, RectifyAction::Respond, &input("补开并附照片", "")).await.unwrap();
        let r = up.cockpit().rectify(finding, RectifyAction::Accept, &input("", "")).await.unwrap();
        assert_eq!((r.state, r.steps.len()), ("accepted", 5), "[{}]", t.backend);
        assert!(r.actions.is_empty(), "[{}] closed", t.backend);
        // Another street's admin does not reach it.
        let other = admin_of(&w.root, &path_of(w.s2).await);
        let e = db.scoped(&other).cockpit().rectify(finding, RectifyAction::Urge, &input("", "x")).await.unwrap_err();
        assert!(matches!(e, StoreError::NotFound), "[{}] {e:?}", t.backend);
        let audited = crate::audit_rows(
            db,
            &vanguard_store::platform::audit::AuditFilter { action: "finding.".into(), ..Default::default() },
        )
        .await;
        assert_eq!(audited.len(), 5, "[{}] every step audited", t.backend);
        db.close().await;
    }
}
