//! The holes issue 10 §2 found by probing, and the 等保三级 items of §3, each with the
//! test named after it that failed on the code before the fix. Every case runs on
//! SQLite and PostgreSQL.

use super::{each_backend, member, system, tree};
use std::path::PathBuf;
use vanguard_domain::kernel::auth::Role;
use vanguard_store::account::grants::{self, RoleRequest};
use vanguard_store::account::{self, AdminAction, LoginError, NewAccount, RoleChange};
use vanguard_store::platform::audit::{self, ChainProblem};
use vanguard_store::platform::{alerts, refusals};
use vanguard_store::{Actor, Db, StoreError};
use vanguard_testkit::{RawConn, TestDb};

const DAY: i64 = 86_400_000;
const PASSWORD: &str = "Kq7#wVz2pL";

fn is_conflict(e: &StoreError, code: &str) -> bool {
    matches!(e, StoreError::Conflict { code: c, .. } if *c == code)
}

/// An account made by the installer (no approval needed), and the actor for it.
async fn admin(db: &Db, username: &str, role: Role) -> Actor {
    let new = NewAccount {
        username: username.into(),
        display_name: username.into(),
        role,
        scope_org_id: None,
        member_id: None,
        password: Some(PASSWORD.into()),
    };
    let (row, _) = account::create_account(db, &Actor::system("install"), &new).await.unwrap();
    Actor { account_id: row.id, name: username.into(), ip: "10.0.0.1".into() }
}

fn secretary(username: &str, branch: i64, password: Option<&str>) -> NewAccount {
    NewAccount {
        username: username.into(),
        display_name: username.into(),
        role: Role::BranchSecretary,
        scope_org_id: Some(branch),
        member_id: None,
        password: password.map(str::to_string),
    }
}

/// A private directory for the data files outside the database (anchor, archives).
fn data_dir(t: &TestDb, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vanguard-secure-{}-{name}-{}", std::process::id(), t.backend));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    t.db.set_anchor_file(dir.join("audit.anchor"));
    dir
}

async fn raw(db: &Db, sql: &str) {
    RawConn::open(db).await.unwrap().execute(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

// ---- A masked 身份证号 cannot be rebuilt -------------------------------------------------

#[tokio::test]
async fn masked_id_number_stored_beside_the_birth_date_cannot_rebuild_the_number() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let new = member("甲", 7, tr.branch_a);
        let clear = new.fields.id_number.clone().unwrap();
        s.members().create_member(&new).await.unwrap();
        let stored: Vec<(String, String)> =
            vanguard_testkit::raw_fetch_all(&t.db, "SELECT id_number_masked, birth_date FROM members").await.unwrap();
        let (masked, birth) = &stored[0];
        assert_eq!(masked, &format!("{}****************{}", &clear[..1], &clear[17..]), "{}", t.backend);
        // What the database holds in clear: the birth date, the first and the last character.
        assert!(!masked.contains(&birth.replace('-', "")), "{}", t.backend);
        assert!(!masked.contains(&clear[..6]) && !masked.contains(&clear[14..17]), "{}: {masked}", t.backend);
    }
}

#[tokio::test]
async fn migration_0009_remasks_values_stored_the_old_way() {
    // The pair is the same portable SQL on both backends.
    let text = include_str!("../../migrations/sqlite/0009_id_number_mask.sql");
    assert_eq!(text, include_str!("../../migrations/postgres/0009_id_number_mask.sql"));
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let m = s.members().create_member(&member("乙", 8, tr.branch_a)).await.unwrap();
        raw(&t.db, &format!("UPDATE members SET id_number_masked = '330205********0123' WHERE id = {}", m.id)).await;
        raw(
            &t.db,
            &format!(
                "INSERT INTO member_history (region_id, id, member_id, at, actor_id, actor_name, field, old_value, new_value) \
             VALUES ({}, 1, {}, 0, 0, 'x', 'id_number', '330205********0123', '110105********002X')",
                tr.root.region_id, m.id
            ),
        )
        .await;
        let mut conn = RawConn::open(&t.db).await.unwrap();
        let body: String = text.lines().filter(|l| !l.trim_start().starts_with("--")).collect::<Vec<_>>().join("\n");
        for stmt in body.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            conn.execute(stmt).await.unwrap();
        }
        let rows: Vec<(String,)> =
            conn.fetch_all(&format!("SELECT id_number_masked FROM members WHERE id = {}", m.id)).await.unwrap();
        assert_eq!(rows[0].0, "3****************3", "{}", t.backend);
        let hist: Vec<(String, String)> =
            conn.fetch_all("SELECT old_value, new_value FROM member_history WHERE id = 1").await.unwrap();
        assert_eq!(hist[0], ("3****************3".to_string(), "1****************X".to_string()), "{}", t.backend);
    }
}

// ---- 三员分立 --------------------------------------------------------------------------

#[tokio::test]
async fn nobody_changes_their_own_role() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = admin(&t.db, "sysadmin", Role::SysAdmin).await;
        let e = account::set_role(&t.db, &sys, sys.account_id, Role::OrgDeptAdmin, Some(tr.root.id), None).await.unwrap_err();
        assert!(is_conflict(&e, "account.self_role"), "{}: {e:?}", t.backend);
        assert_eq!(account::account(&t.db, sys.account_id).await.unwrap().role(), Role::SysAdmin);
    }
}

#[tokio::test]
async fn a_sysadmin_granting_a_data_role_only_files_a_request_until_a_secadmin_approves() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = admin(&t.db, "sysadmin", Role::SysAdmin).await;
        let sec = admin(&t.db, "secadmin", Role::SecAdmin).await;
        let target = admin(&t.db, "someone", Role::Auditor).await;
        let change = account::set_role(&t.db, &sys, target.account_id, Role::OrgDeptAdmin, Some(tr.root.id), None).await.unwrap();
        let RoleChange::Pending(req) = change else { panic!("{}: granted at once", t.backend) };
        assert_eq!((req.status.as_str(), req.role.code()), ("pending", "org_dept_admin"));
        assert_eq!(account::account(&t.db, target.account_id).await.unwrap().role(), Role::Auditor, "{}", t.backend);

        let done = grants::decide(&t.db, &sec, req.id, true).await.unwrap();
        assert_eq!(done.status, "approved");
        assert_eq!(account::account(&t.db, target.account_id).await.unwrap().role(), Role::OrgDeptAdmin, "{}", t.backend);
        let e = grants::decide(&t.db, &sec, req.id, false).await.unwrap_err();
        assert!(is_conflict(&e, "role_request.decided"), "{e:?}");
        let rows = crate::audit_rows(&t.db, &audit::AuditFilter { action: "account.role_".into(), ..Default::default() }).await;
        let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(actions, vec!["account.role_decide", "account.role_request"], "{}", t.backend);
    }
}

#[tokio::test]
async fn only_another_secadmin_may_approve_a_grant() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = admin(&t.db, "sysadmin", Role::SysAdmin).await;
        let sec = admin(&t.db, "secadmin", Role::SecAdmin).await;
        let auditor = admin(&t.db, "auditor", Role::Auditor).await;
        // The sysadmin cannot approve its own request, nor can an auditor.
        let RoleChange::Pending(req) =
            account::set_role(&t.db, &sys, auditor.account_id, Role::OrgDeptAdmin, Some(tr.root.id), None).await.unwrap()
        else {
            panic!("granted at once")
        };
        for who in [&sys, &auditor] {
            let e = grants::decide(&t.db, who, req.id, true).await.unwrap_err();
            assert!(matches!(e, StoreError::Forbidden), "{}: {e:?}", t.backend);
        }
        // A secadmin cannot approve a grant to itself: another secadmin must.
        let RoleChange::Pending(own) =
            account::set_role(&t.db, &sys, sec.account_id, Role::OrgDeptAdmin, Some(tr.root.id), None).await.unwrap()
        else {
            panic!("granted at once")
        };
        let e = grants::decide(&t.db, &sec, own.id, true).await.unwrap_err();
        assert!(is_conflict(&e, "role_request.same_person"), "{}: {e:?}", t.backend);
        assert_eq!(account::account(&t.db, sec.account_id).await.unwrap().role(), Role::SecAdmin);
        // Granting the secadmin role itself needs the approval too.
        let RoleChange::Pending(_) =
            account::set_role(&t.db, &sys, auditor.account_id, Role::SecAdmin, None, None).await.unwrap()
        else {
            panic!("{}: secadmin granted at once", t.backend)
        };
    }
}

#[tokio::test]
async fn an_account_created_with_a_data_role_stays_disabled_until_approved_and_cannot_be_enabled_around_it() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = admin(&t.db, "sysadmin", Role::SysAdmin).await;
        let sec = admin(&t.db, "secadmin", Role::SecAdmin).await;
        let (row, otp) = account::create_account(&t.db, &sys, &secretary("newsec", tr.branch_a, None)).await.unwrap();
        assert!(row.disabled, "{}", t.backend);
        let otp = otp.unwrap();
        assert_eq!(account::login(&t.db, "newsec", &otp, "10.0.0.2").await.unwrap().unwrap_err(), LoginError::Failed);
        let e = account::admin_action(&t.db, &sys, row.id, AdminAction::Enable).await.unwrap_err();
        assert!(is_conflict(&e, "account.role_unapproved"), "{}: {e:?}", t.backend);

        let req: RoleRequest = grants::pending_for(&t.db, row.id).await.unwrap().expect("request filed");
        assert_eq!(req.kind, "create");
        grants::decide(&t.db, &sec, req.id, true).await.unwrap();
        let ok = account::login(&t.db, "newsec", &otp, "10.0.0.2").await.unwrap();
        assert!(ok.is_ok(), "{}: approved account logs in: {ok:?}", t.backend);
    }
}

#[tokio::test]
async fn an_account_created_with_a_password_an_admin_chose_must_change_it_at_first_login() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = admin(&t.db, "sysadmin", Role::SysAdmin).await;
        let sec = admin(&t.db, "secadmin", Role::SecAdmin).await;
        let (row, otp) =
            account::create_account(&t.db, &sys, &secretary("chosen", tr.branch_a, Some("Xr5!tuvQ9m"))).await.unwrap();
        assert!(otp.is_none());
        assert!(row.must_change_password, "{}: an administrator's password is not the user's", t.backend);
        let req = grants::pending_for(&t.db, row.id).await.unwrap().unwrap();
        grants::decide(&t.db, &sec, req.id, true).await.unwrap();
        let ok = account::login(&t.db, "chosen", "Xr5!tuvQ9m", "10.0.0.2").await.unwrap().unwrap();
        assert!(ok.account.must_change_password, "{}", t.backend);
    }
}

// ---- Lockout decided atomically --------------------------------------------------------

async fn concurrent_logins(db: &Db, user: &str, passwords: Vec<String>) -> Vec<bool> {
    let tasks: Vec<_> = passwords
        .into_iter()
        .enumerate()
        .map(|(i, pw)| {
            let db = db.clone();
            let user = user.to_string();
            tokio::spawn(async move { account::login(&db, &user, &pw, &format!("10.1.0.{i}")).await.unwrap().is_ok() })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

// ---- Enum columns fail loudly ----------------------------------------------------------

#[tokio::test]
async fn an_account_with_an_unknown_stored_role_fails_to_read_instead_of_becoming_a_member() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        account::create_account(&t.db, &Actor::system("t"), &secretary("target", tr.branch_a, Some(PASSWORD))).await.unwrap();
        raw(&t.db, "UPDATE accounts SET role = 'emperor' WHERE username = 'target'").await;
        let e = account::account_by_username(&t.db, "target").await.unwrap_err();
        assert!(matches!(&e, StoreError::Corrupt { column, .. } if column == "role"), "{}: {e:?}", t.backend);
        assert!(e.to_string().contains("role 列的取值未知"), "{}: the message names the column in Chinese: {e}", t.backend);
        let first = vanguard_domain::kernel::paging::PageRequest::first(20);
        assert!(account::list_accounts(&t.db, &Default::default(), &first).await.is_err(), "{}", t.backend);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_concurrent_wrong_passwords_lock_the_account() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        account::create_account(&t.db, &Actor::system("t"), &secretary("target", tr.branch_a, Some(PASSWORD))).await.unwrap();
        let results = concurrent_logins(&t.db, "target", (0..30).map(|i| format!("Wrong#{i:04}x")).collect()).await;
        assert!(results.iter().all(|ok| !ok));
        let row = account::account_by_username(&t.db, "target").await.unwrap().unwrap();
        assert!(row.failed_count >= 5, "{}: failure count {}", t.backend, row.failed_count);
        assert!(row.locked_until.is_some_and(|u| u > t.db.clock().now_ms()), "{}: not locked", t.backend);
        let refused = account::login(&t.db, "target", PASSWORD, "10.1.1.1").await.unwrap();
        assert!(refused.is_err(), "{}: the right password right after", t.backend);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_nine_wrong_and_one_right_password_at_once_do_not_log_in() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        account::create_account(&t.db, &Actor::system("t"), &secretary("target", tr.branch_a, Some(PASSWORD))).await.unwrap();
        let mut passwords: Vec<String> = (0..39).map(|i| format!("Wrong#{i:04}x")).collect();
        passwords.insert(20, PASSWORD.to_string());
        let results = concurrent_logins(&t.db, "target", passwords).await;
        assert_eq!(results.iter().filter(|ok| **ok).count(), 0, "{}: logged in among 39 wrong attempts", t.backend);
    }
}

#[tokio::test]
async fn four_failures_then_the_right_password_still_log_in() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        account::create_account(&t.db, &Actor::system("t"), &secretary("target", tr.branch_a, Some(PASSWORD))).await.unwrap();
        for i in 0..4 {
            assert!(account::login(&t.db, "target", &format!("Wrong#{i}x1"), "10.0.0.3").await.unwrap().is_err());
        }
        assert!(account::login(&t.db, "target", PASSWORD, "10.0.0.3").await.unwrap().is_ok(), "{}", t.backend);
        let row = account::account_by_username(&t.db, "target").await.unwrap().unwrap();
        assert_eq!((row.failed_count, row.locked_until), (0, None), "{}", t.backend);
    }
}

#[tokio::test]
async fn a_lock_that_ran_out_starts_a_fresh_count() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        account::create_account(&t.db, &Actor::system("t"), &secretary("target", tr.branch_a, Some(PASSWORD))).await.unwrap();
        for i in 0..5 {
            assert!(account::login(&t.db, "target", &format!("Wrong#{i}x1"), "10.0.0.3").await.unwrap().is_err());
        }
        assert!(account::login(&t.db, "target", PASSWORD, "10.0.0.3").await.unwrap().is_err(), "{}: locked", t.backend);
        t.db.clock().advance(31 * 60_000);
        assert!(account::login(&t.db, "target", PASSWORD, "10.0.0.3").await.unwrap().is_ok(), "{}: lock ran out", t.backend);
    }
}

// ---- Audit anchored outside the database ----------------------------------------------

async fn some_records(t: &TestDb) {
    let tr = tree(&t.db).await;
    let sys = system(&tr.root);
    let s = t.db.scoped(&sys);
    for i in 0..4u16 {
        s.members().create_member(&member("锚", 500 + i, tr.branch_a)).await.unwrap();
    }
}

async fn drop_delete_guard(db: &Db) {
    let sql = if db.is_postgres() { "DROP TRIGGER audit_log_no_delete ON audit_log" } else { "DROP TRIGGER audit_log_no_delete" };
    raw(db, sql).await;
}

#[tokio::test]
async fn truncating_the_newest_records_and_rewriting_the_head_is_detected() {
    for t in each_backend().await {
        let _dir = data_dir(&t, "truncate");
        some_records(&t).await;
        let v = audit::verify_and_record(&t.db, &Actor::system("scheduler"), |_, _| {}).await.unwrap();
        assert!(v.is_intact(), "{}: {:?}", t.backend, v.problems);
        let anchored = audit::read_anchor(&t.db).unwrap().expect("checkpoint written").seq;
        // The attack: cut the last three records and make the head match the new end.
        drop_delete_guard(&t.db).await;
        raw(&t.db, &format!("DELETE FROM audit_log WHERE seq > {}", anchored - 3)).await;
        raw(
            &t.db,
            &format!(
                "UPDATE audit_head SET seq = {0}, hash = (SELECT hash FROM audit_log WHERE seq = {0}) WHERE id = 1",
                anchored - 3
            ),
        )
        .await;
        let v = audit::verify(&t.db, |_, _| {}).await.unwrap();
        assert_eq!(v.problems, vec![ChainProblem::Truncated { anchor_seq: anchored, last_seq: anchored - 3 }], "{}", t.backend);
        // A checkpoint does not move back over the cut.
        assert!(audit::checkpoint(&t.db).await.unwrap().is_some());
        assert_eq!(audit::read_anchor(&t.db).unwrap().unwrap().seq, anchored);
    }
}

#[tokio::test]
async fn wiping_the_whole_audit_log_is_detected() {
    for t in each_backend().await {
        let _dir = data_dir(&t, "wipe");
        some_records(&t).await;
        audit::checkpoint(&t.db).await.unwrap();
        drop_delete_guard(&t.db).await;
        raw(&t.db, "DELETE FROM audit_log").await;
        raw(&t.db, "UPDATE audit_head SET seq = 0 WHERE id = 1").await;
        RawConn::open(&t.db)
            .await
            .unwrap()
            .execute_with_bytes("UPDATE audit_head SET hash = $1 WHERE id = 1", vec![0u8; 32])
            .await
            .unwrap();
        let v = audit::verify(&t.db, |_, _| {}).await.unwrap();
        assert!(
            matches!(v.problems.as_slice(), [ChainProblem::Truncated { last_seq: 0, .. }]),
            "{}: {:?}",
            t.backend,
            v.problems
        );
    }
}

#[tokio::test]
async fn a_checkpoint_file_written_without_the_key_is_detected() {
    for t in each_backend().await {
        let dir = data_dir(&t, "forged");
        some_records(&t).await;
        audit::checkpoint(&t.db).await.unwrap();
        std::fs::write(dir.join("audit.anchor"), "v1 1 00 00\n").unwrap();
        let v = audit::verify(&t.db, |_, _| {}).await.unwrap();
        assert!(v.problems.contains(&ChainProblem::AnchorForged), "{}: {:?}", t.backend, v.problems);
    }
}

#[tokio::test]
async fn the_checkpoint_file_is_private() {
    for t in each_backend().await {
        let dir = data_dir(&t, "mode");
        some_records(&t).await;
        audit::checkpoint(&t.db).await.unwrap();
        let mode = vanguard_store::platform::files::mode_of(&dir.join("audit.anchor")).unwrap();
        assert_eq!(mode, 0o600, "{}", t.backend);
    }
}

#[tokio::test]
async fn a_deleted_checkpoint_file_is_reported_once_the_chain_must_have_one_and_raises_an_alert() {
    use vanguard_domain::kernel::audit::ANCHOR_GRACE_MS;
    for t in each_backend().await {
        let dir = data_dir(&t, "missing");
        some_records(&t).await;
        // A young chain without a checkpoint: a fresh install, nothing to report.
        assert!(audit::verify(&t.db, |_, _| {}).await.unwrap().is_intact(), "{}", t.backend);
        audit::checkpoint(&t.db).await.unwrap();
        std::fs::remove_file(dir.join("audit.anchor")).unwrap();
        // The platform goes on being used.
        t.db.clock().advance(ANCHOR_GRACE_MS + 60_000);
        audit::record(&t.db, &Actor::system("later"), audit::Event::ok("auth.login", "account:1")).await.unwrap();
        let v = audit::verify_and_record(&t.db, &Actor::system("scheduler"), |_, _| {}).await.unwrap();
        assert!(matches!(v.problems.as_slice(), [ChainProblem::AnchorMissing { .. }]), "{}: {:?}", t.backend, v.problems);
        assert!(v.summary().contains("检查点文件 audit.anchor 缺失"), "{}", v.summary());
        let a = alerts::recent(&t.db, 10).await.unwrap();
        assert_eq!(a.len(), 1, "{}", t.backend);
        assert_eq!(a[0].kind, alerts::AUDIT_VERIFY_FAILED);
        assert!(a[0].detail.contains("缺失"), "{}", a[0].detail);
        // A checkpoint does not paper over the deletion with a fresh file.
        assert!(matches!(audit::checkpoint(&t.db).await.unwrap(), Some(ChainProblem::AnchorMissing { .. })), "{}", t.backend);
        assert!(!dir.join("audit.anchor").exists(), "{}", t.backend);
    }
}

#[tokio::test]
async fn records_written_after_a_checkpoint_are_anchored_by_the_next_and_cutting_them_off_is_detected() {
    for t in each_backend().await {
        let _dir = data_dir(&t, "gap");
        some_records(&t).await;
        audit::checkpoint(&t.db).await.unwrap();
        let first = audit::read_anchor(&t.db).unwrap().expect("checkpoint").seq;
        for i in 0..3 {
            audit::record(&t.db, &Actor::system("later"), audit::Event::ok("auth.login", format!("account:{i}"))).await.unwrap();
        }
        // The server's write-behind checkpoint, at most CHECKPOINT_INTERVAL_MS later.
        assert_eq!(audit::checkpoint(&t.db).await.unwrap(), None);
        let head = audit::read_anchor(&t.db).unwrap().expect("checkpoint").seq;
        assert_eq!(head, first + 3, "{}", t.backend);
        // Nothing new: the file is left as it is.
        let before = std::fs::metadata(_dir.join("audit.anchor")).unwrap().modified().unwrap();
        assert_eq!(audit::checkpoint(&t.db).await.unwrap(), None);
        assert_eq!(std::fs::metadata(_dir.join("audit.anchor")).unwrap().modified().unwrap(), before);
        // Cut the newest record, written after the first checkpoint, and rewrite the head.
        drop_delete_guard(&t.db).await;
        raw(&t.db, &format!("DELETE FROM audit_log WHERE seq = {head}")).await;
        raw(
            &t.db,
            &format!(
                "UPDATE audit_head SET seq = {0}, hash = (SELECT hash FROM audit_log WHERE seq = {0}) WHERE id = 1",
                head - 1
            ),
        )
        .await;
        let v = audit::verify(&t.db, |_, _| {}).await.unwrap();
        assert_eq!(v.problems, vec![ChainProblem::Truncated { anchor_seq: head, last_seq: head - 1 }], "{}", t.backend);
    }
}

// ---- Alerts when the verification fails ------------------------------------------------

#[tokio::test]
async fn a_failed_audit_verification_raises_a_security_alert() {
    for t in each_backend().await {
        let _dir = data_dir(&t, "alert");
        some_records(&t).await;
        assert!(alerts::recent(&t.db, 10).await.unwrap().is_empty());
        let guard =
            if t.db.is_postgres() { "DROP TRIGGER audit_log_no_update ON audit_log" } else { "DROP TRIGGER audit_log_no_update" };
        raw(&t.db, guard).await;
        raw(&t.db, "UPDATE audit_log SET detail = 'forged' WHERE seq = 2").await;
        let v = audit::verify_and_record(&t.db, &Actor::system("scheduler"), |_, _| {}).await.unwrap();
        assert!(!v.is_intact());
        let a = alerts::recent(&t.db, 10).await.unwrap();
        assert_eq!(a.len(), 1, "{}", t.backend);
        assert_eq!(a[0].kind, alerts::AUDIT_VERIFY_FAILED);
        assert!(a[0].detail.contains("第 2 条记录被修改"), "{}", a[0].detail);
    }
}

// ---- Refusals aggregated ----------------------------------------------------------------

#[tokio::test]
async fn a_flood_of_refused_logins_adds_one_audit_record_per_address_and_window() {
    for t in each_backend().await {
        // Start at the beginning of a window, so the flood cannot straddle two on a slow run.
        let now = t.db.clock().now_ms();
        t.db.clock().advance(refusals::WINDOW_MS - now.rem_euclid(refusals::WINDOW_MS) + 1);
        let before = audit::verify(&t.db, |_, _| {}).await.unwrap().records;
        for _ in 0..300 {
            refusals::note(&t.db, "203.0.113.9", "auth.rate_limit", "admin").await.unwrap();
        }
        refusals::note(&t.db, "203.0.113.10", "auth.rate_limit", "admin").await.unwrap();
        let after = audit::verify(&t.db, |_, _| {}).await.unwrap().records;
        assert_eq!(after - before, 2, "{}: one record per address and window", t.backend);
        let now = t.db.clock().now_ms();
        assert_eq!(refusals::count(&t.db, "203.0.113.9", "auth.rate_limit", now).await.unwrap(), 300, "{}", t.backend);
        // The next window starts a new record.
        t.db.clock().advance(refusals::WINDOW_MS);
        refusals::note(&t.db, "203.0.113.9", "auth.rate_limit", "admin").await.unwrap();
        assert_eq!(audit::verify(&t.db, |_, _| {}).await.unwrap().records - before, 3, "{}", t.backend);
    }
}

// ---- Audit retention ------------------------------------------------------------------

#[tokio::test]
async fn the_retention_job_never_archives_a_record_younger_than_180_days() {
    for t in each_backend().await {
        let _dir = data_dir(&t, "retain");
        some_records(&t).await;
        let n = audit::verify(&t.db, |_, _| {}).await.unwrap().records;
        let job = Actor::system("retention");
        // A retention of 30 days configured: still nothing before 180 days.
        t.db.clock().advance(179 * DAY);
        let out = audit::archive_older_than(&t.db, &job, 30, 100_000).await.unwrap();
        assert_eq!(out.records, 0, "{}: archived at 179 days", t.backend);
        t.db.clock().advance(2 * DAY);
        let out = audit::archive_older_than(&t.db, &job, 30, 100_000).await.unwrap();
        assert_eq!((out.from_seq, out.to_seq, out.records), (1, n, n), "{}", t.backend);
        // Only the archive's own record is left live, and it is younger: it stays.
        let again = audit::archive_older_than(&t.db, &job, 30, 100_000).await.unwrap();
        assert_eq!(again.records, 0);
    }
}

#[tokio::test]
async fn archived_audit_records_still_verify_and_a_tampered_archive_is_found() {
    for t in each_backend().await {
        let dir = data_dir(&t, "archive");
        some_records(&t).await;
        // As the running server does within a second of each write.
        audit::checkpoint(&t.db).await.unwrap();
        t.db.clock().advance(181 * DAY);
        let out = audit::archive_older_than(&t.db, &Actor::system("retention"), 180, 100_000).await.unwrap();
        assert!(out.records > 0);
        let v = audit::verify_and_record(&t.db, &Actor::system("scheduler"), |_, _| {}).await.unwrap();
        assert!(v.is_intact(), "{}: {:?}", t.backend, v.problems);
        // Records that are archived may now leave the live log; others still may not.
        let live_first: i64 = RawConn::open(&t.db).await.unwrap().scalar("SELECT MIN(seq) FROM audit_log").await.unwrap();
        assert_eq!(live_first, out.to_seq + 1, "{}", t.backend);
        assert!(vanguard_testkit::raw_execute(&t.db, &format!("DELETE FROM audit_log WHERE seq = {live_first}")).await.is_err());

        let file = dir.join("audit-archive").join(&out.file);
        let text = std::fs::read_to_string(&file).unwrap();
        std::fs::write(&file, text.replacen("\"ok\"", "\"failed\"", 1)).unwrap();
        let v = audit::verify(&t.db, |_, _| {}).await.unwrap();
        assert!(
            v.problems.contains(&ChainProblem::ArchiveBroken { from_seq: out.from_seq, to_seq: out.to_seq }),
            "{}: {:?}",
            t.backend,
            v.problems
        );
    }
}

// ---- Second factor (TOTP, RFC 6238) ------------------------------------------------------

use vanguard_store::account::totp;

async fn session(db: &Db, user: &str) -> account::Session {
    let ok = account::login(db, user, PASSWORD, "10.0.0.5").await.unwrap().unwrap();
    account::authenticate(db, &ok.token, "10.0.0.5").await.unwrap().expect("session")
}

/// Enrols `user`'s second factor; returns its secret and recovery codes.
async fn enrol(db: &Db, user: &str) -> (Vec<u8>, Vec<String>) {
    let s = session(db, user).await;
    let e = totp::begin_enrolment(db, &s).await.unwrap();
    let secret = totp::from_base32(&e.secret).unwrap();
    assert!(e.otpauth_uri.starts_with("otpauth://totp/Vanguard:"));
    let codes = totp::confirm_enrolment(db, &s, &totp::code_at(&secret, db.clock().now_ms())).await.unwrap();
    (secret, codes)
}

#[tokio::test]
async fn an_administrator_owes_a_second_factor_until_one_is_enrolled_and_a_member_does_not() {
    for t in each_backend().await {
        admin(&t.db, "sysadmin", Role::SysAdmin).await;
        let policy = t.db.rules().login.clone();
        assert!(session(&t.db, "sysadmin").await.account.second_factor_owed(&policy), "{}", t.backend);
        enrol(&t.db, "sysadmin").await;
        t.db.forget_sessions();
        let s = account::login(&t.db, "sysadmin", PASSWORD, "10.0.0.5").await.unwrap().unwrap();
        assert!(s.second_factor_required && !s.account.second_factor_owed(&policy), "{}", t.backend);
    }
}

#[tokio::test]
async fn a_login_with_a_second_factor_needs_the_current_code_and_a_code_works_once() {
    for t in each_backend().await {
        admin(&t.db, "secadmin", Role::SecAdmin).await;
        let (secret, _) = enrol(&t.db, "secadmin").await;
        t.db.clock().advance(totp::STEP_SECONDS * 1000);
        let s = session(&t.db, "secadmin").await;
        assert!(s.mfa_pending, "{}", t.backend);
        assert!(
            !totp::verify_session(&t.db, &s, "000000").await.unwrap()
                || totp::code_at(&secret, t.db.clock().now_ms()) == "000000"
        );
        let code = totp::code_at(&secret, t.db.clock().now_ms());
        assert!(totp::verify_session(&t.db, &s, &code).await.unwrap(), "{}", t.backend);
        t.db.forget_sessions();
        let token_session = session(&t.db, "secadmin").await;
        assert!(!totp::verify_session(&t.db, &token_session, &code).await.unwrap(), "{}: a code replayed", t.backend);
        // A code from ten minutes ago is no good either.
        let old = totp::code_at(&secret, t.db.clock().now_ms() - 600_000);
        assert!(!totp::verify_session(&t.db, &token_session, &old).await.unwrap() || old == code);
    }
}

#[tokio::test]
async fn a_recovery_code_stands_in_for_the_second_factor_once_and_is_stored_only_hashed() {
    for t in each_backend().await {
        admin(&t.db, "auditor", Role::Auditor).await;
        let (_, codes) = enrol(&t.db, "auditor").await;
        assert_eq!(codes.len(), 10);
        let stored: Vec<(Vec<u8>,)> =
            vanguard_testkit::raw_fetch_all(&t.db, "SELECT code_hash FROM recovery_codes").await.unwrap();
        assert_eq!(stored.len(), 10);
        assert!(stored.iter().all(|(h,)| !String::from_utf8_lossy(h).contains(&codes[0])), "{}", t.backend);
        let s = session(&t.db, "auditor").await;
        assert!(totp::verify_session(&t.db, &s, &codes[3]).await.unwrap(), "{}", t.backend);
        let s = session(&t.db, "auditor").await;
        assert!(!totp::verify_session(&t.db, &s, &codes[3]).await.unwrap(), "{}: a recovery code twice", t.backend);
    }
}

#[tokio::test]
async fn the_totp_secret_is_encrypted_at_rest() {
    for t in each_backend().await {
        admin(&t.db, "sysadmin", Role::SysAdmin).await;
        let s = session(&t.db, "sysadmin").await;
        let e = totp::begin_enrolment(&t.db, &s).await.unwrap();
        let stored: Vec<(Vec<u8>,)> =
            vanguard_testkit::raw_fetch_all(&t.db, "SELECT totp_secret_enc FROM accounts WHERE username = 'sysadmin'")
                .await
                .unwrap();
        assert!(!String::from_utf8_lossy(&stored[0].0).contains(&e.secret), "{}", t.backend);
    }
}

// ---- Import batches hold no ID number in the clear -------------------------------------

#[tokio::test]
async fn an_import_batch_keeps_no_id_number_in_the_clear_not_even_one_pasted_into_another_column() {
    use crate::roster_support::{X, headings, id, row, xlsx};
    use vanguard_store::member::roster::ImportOptions;
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        // A good row, and one whose 入党时间 cell holds another person's ID number: the
        // preview quotes the unreadable cell back to the uploader.
        let pasted = id(902);
        let mut wrong_column = row("错列", 2, "槐树社区第一党支部");
        wrong_column[3] = X::from(pasted.clone());
        let p = s
            .roster()
            .preview_import(
                "花名册.xlsx",
                xlsx(vec![headings(), row("正常", 1, "槐树社区第一党支部"), wrong_column]),
                &ImportOptions::default(),
            )
            .await
            .unwrap();
        assert!(
            p.problems.iter().any(|pr| pr.message.contains(&pasted)),
            "{}: the case quotes the cell: {:?}",
            t.backend,
            p.problems
        );
        let batch = p.batch_id.expect("stored");
        let clear = [id(1), id(2), pasted.clone()];
        let stored = |db: Db| async move {
            let rows: Vec<(String, Option<String>, Vec<u8>)> =
                vanguard_testkit::raw_fetch_all(&db, "SELECT report, result, payload FROM import_batches").await.unwrap();
            let lines: Vec<(String, String, String)> =
                vanguard_testkit::raw_fetch_all(&db, "SELECT name, detail, note FROM import_rows").await.unwrap();
            rows.into_iter()
                .map(|(report, result, payload)| {
                    format!("{report}{}{}", result.unwrap_or_default(), String::from_utf8_lossy(&payload))
                })
                .chain(lines.into_iter().map(|(name, detail, note)| format!("{name}{detail}{note}")))
                .collect::<String>()
        };
        let raw = stored(t.db.clone()).await;
        for n in &clear {
            assert!(!raw.contains(n.as_str()), "{}: {n} in the stored batch", t.backend);
        }
        // The owner still reads the report's line about that row (the number masked), and
        // the commit its rows.
        let masked = vanguard_domain::member::idcard::mask_id_number(&pasted);
        let lines = s
            .roster()
            .import_lines(
                batch,
                Some(vanguard_domain::member::roster::ReportStatus::Problem),
                &vanguard_domain::kernel::paging::PageRequest::first(20),
            )
            .await
            .unwrap();
        assert!(lines.items.iter().any(|l| l.detail.contains(&masked)), "{}: {:?}", t.backend, lines.items);
        let result = s.roster().commit_import(batch, |_, _| {}).await.unwrap();
        assert_eq!((result.created_total, result.skipped_total), (1, 1), "{}", t.backend);
        let raw = stored(t.db.clone()).await;
        for n in &clear {
            assert!(!raw.contains(n.as_str()), "{}: {n} in the committed batch", t.backend);
        }
        assert_eq!(s.roster().import_status(batch).await.unwrap().result.expect("result").created_total, 1);
    }
}

// ---- Login timing: every failing path does the same work --------------------------------

#[tokio::test]
async fn an_unknown_user_a_wrong_password_a_locked_and_a_disabled_account_cost_the_same_login_work() {
    for t in each_backend().await {
        let sys = admin(&t.db, "sysop", Role::SysAdmin).await;
        admin(&t.db, "known", Role::Auditor).await;
        admin(&t.db, "locked", Role::Auditor).await;
        let off = admin(&t.db, "off", Role::Auditor).await;
        account::admin_action(&t.db, &sys, off.account_id, AdminAction::Disable).await.unwrap();
        for i in 0..5 {
            let _ = account::login(&t.db, "locked", &format!("Wrong#{i}x1"), "10.0.0.9").await.unwrap();
        }
        let stored: Vec<(String,)> =
            vanguard_testkit::raw_fetch_all(&t.db, "SELECT password_hash FROM accounts WHERE username = 'known'").await.unwrap();
        let params = account::hash_params(&stored[0].0);
        assert!(params.contains("m=19456") && params.contains("t=2"), "{}: {params}", t.backend);
        let work = |user: &'static str| {
            let db = t.db.clone();
            async move {
                let (result, work) = account::login_with_work(&db, user, "Wrong#pass9", "10.0.0.8").await.unwrap();
                assert_eq!(result.unwrap_err(), LoginError::Failed, "{user}");
                work
            }
        };
        let wrong = work("known").await;
        assert_eq!(wrong.hash_checks, vec![params.clone()], "{}: one argon2 check with the stored parameters", t.backend);
        assert_eq!(wrong.attempt_writes, 2, "{}", t.backend);
        for user in ["nobody", "locked", "off", "13800000999"] {
            assert_eq!(work(user).await, wrong, "{}: {user} does the work of a wrong password", t.backend);
        }
    }
}
