//! Operations: the data directory kept private, and backups taken while the platform
//! writes (SQLite; PostgreSQL is backed up with its own tools, see README.md).

use super::{system, tree};
use chrono::NaiveDate;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use vanguard_domain::member::MemberInput;
use vanguard_domain::member::idcard::compose;
use vanguard_store::member::NewMember;
use vanguard_store::platform::audit;
use vanguard_store::platform::backup::{backup_sqlite, integrity_check};
use vanguard_store::platform::crypto::Crypto;
use vanguard_store::platform::files::{mode_of, set_mode};
use vanguard_store::{Db, Scope};

fn sqlite_path(db: &Db) -> std::path::PathBuf {
    std::path::PathBuf::from(db.url().strip_prefix("sqlite://").unwrap_or(db.url()))
}

fn companion(path: &std::path::Path, suffix: &str) -> std::path::PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    s.into()
}

#[tokio::test]
async fn the_sqlite_database_its_journals_and_the_key_are_private_at_creation_and_at_start() {
    let t = vanguard_testkit::sqlite().await;
    let path = sqlite_path(&t.db);
    assert_eq!(mode_of(&path).unwrap(), 0o600, "database file");
    assert_eq!(mode_of(&companion(&path, "-wal")).unwrap(), 0o600, "write-ahead log");
    assert_eq!(mode_of(&companion(&path, "-shm")).unwrap(), 0o600, "shared-memory index");
    let crypto = t.db.crypto().clone();
    t.db.close().await;
    // A database an older version left readable is tightened when it is opened again.
    set_mode(&path, 0o644).unwrap();
    let db = Db::open(&path.display().to_string(), crypto).await.unwrap();
    assert_eq!(mode_of(&path).unwrap(), 0o600, "database file after a start");
    db.close().await;

    let key = path.with_file_name("vanguard.key");
    Crypto::load_or_create(&key).unwrap();
    assert_eq!(mode_of(&key).unwrap(), 0o600, "new key file");
    set_mode(&key, 0o644).unwrap();
    Crypto::load_or_create(&key).unwrap();
    assert_eq!(mode_of(&key).unwrap(), 0o600, "key file after a start");
}

fn numbered_member(i: u32, org_id: i64) -> NewMember {
    let birth = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::Days::new(u64::from(i));
    NewMember {
        org_id,
        group_id: None,
        fields: MemberInput {
            name: Some(format!(
                "党员{}",
                i.to_string()
                    .chars()
                    .map(|d| "零一二三四五六七八九".chars().nth(d as usize - '0' as usize).unwrap_or('零'))
                    .collect::<String>()
            )),
            ethnicity: Some("汉族".into()),
            id_number: Some(compose("330205", birth, 1)),
            phone: Some(format!("137{i:08}")),
            joined_on: Some("2005-07-01".into()),
            confirmed_on: Some("2006-07-01".into()),
            category: Some("正式党员".into()),
            ..Default::default()
        },
    }
}

/// Acknowledged = `create_member` returned, i.e. its transaction (with its audit record)
/// committed. The backup's snapshot point is the start of its one read transaction,
/// which is after `backup_sqlite` is called; so every write acknowledged before the call
/// must be in the copy. Writes acknowledged while it ran may be in or out, but the copy
/// holds exactly a prefix of the commit order (one writer commits them one by one), and
/// the audit chain in it is whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_writes_holds_every_acknowledged_write() {
    let t = vanguard_testkit::sqlite().await;
    let tr = tree(&t.db).await;
    let scope: Scope = system(&tr.root);
    let acked: Arc<Mutex<Vec<(i64, Instant)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (db, acked, stop, scope, branch) = (t.db.clone(), acked.clone(), stop.clone(), scope.clone(), tr.branch_a);
        tokio::spawn(async move {
            let mut i = 0u32;
            while !stop.load(Ordering::Relaxed) && i < 5000 {
                let m = db.scoped(&scope).members().create_member(&numbered_member(i, branch)).await.expect("write");
                acked.lock().unwrap().push((m.id, Instant::now()));
                i += 1;
            }
        })
    };
    let wait_for = async |n: usize| {
        let deadline = Instant::now() + Duration::from_secs(120);
        while acked.lock().unwrap().len() < n {
            assert!(
                Instant::now() < deadline && !writer.is_finished(),
                "the writer stopped at {} writes",
                acked.lock().unwrap().len()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    wait_for(150).await;
    let dir = std::env::temp_dir().join(format!("vanguard-backup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join("vanguard.sqlite3");
    let src = sqlite_path(&t.db);
    let called = Instant::now();
    let report = {
        let (src, copy) = (src.clone(), copy.clone());
        tokio::task::spawn_blocking(move || backup_sqlite(&src, &copy)).await.unwrap().unwrap()
    };
    // The writer goes on after the backup; none of that may be in it.
    let after = acked.lock().unwrap().len();
    wait_for(after + 50).await;
    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    let acked = acked.lock().unwrap().clone();
    assert_eq!(mode_of(&copy).unwrap(), 0o600, "the backup file is private");
    assert!(!companion(&copy, "-wal").exists(), "the backup is one self-contained file");

    // Restore: SQLite's integrity check, then the copy opened as a database with the
    // same key, and its audit chain verified.
    integrity_check(&copy).unwrap();
    let restored_path = dir.join("restored.sqlite3");
    std::fs::copy(&copy, &restored_path).unwrap();
    let restored = Db::open(&restored_path.display().to_string(), t.db.crypto().clone()).await.unwrap();
    let v = audit::verify(&restored, |_, _| {}).await.unwrap();
    assert!(v.is_intact(), "{:?}", v.problems);
    assert_eq!(v.records, report.audit_seq, "the report names the copy's last audit record");

    let present: std::collections::HashSet<i64> = vanguard_testkit::raw_fetch_all::<(i64,)>(&restored, "SELECT id FROM members")
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.0)
        .collect();
    let before_call = acked.iter().filter(|(_, at)| *at < called).count();
    for (n, (id, _)) in acked.iter().take(before_call).enumerate() {
        assert!(present.contains(id), "write {n} was acknowledged before the backup began and is missing");
    }
    let k = present.len();
    assert!(
        k >= before_call && k < acked.len(),
        "{k} of {} writes in the backup ({before_call} acknowledged before it)",
        acked.len()
    );
    let prefix: std::collections::HashSet<i64> = acked.iter().take(k).map(|(id, _)| *id).collect();
    assert_eq!(present, prefix, "the backup holds a prefix of the commit order, nothing else");
    // Each member write appends one audit record: the chain in the copy ends at the last
    // of them (tree building wrote the records before).
    let total: Vec<(i64,)> =
        vanguard_testkit::raw_fetch_all(&restored, "SELECT COUNT(*) FROM audit_log WHERE action = 'member.create'")
            .await
            .unwrap();
    assert_eq!(total[0].0 as usize, k, "audit records and members of the copy agree");
    restored.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_backup_never_overwrites_an_existing_file() {
    let dir = std::env::temp_dir().join(format!("vanguard-backup-exists-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("old.sqlite3"), b"an earlier backup").unwrap();
    let e = backup_sqlite(&dir.join("missing.sqlite3"), &dir.join("old.sqlite3")).unwrap_err();
    assert!(e.to_string().contains("已存在"), "{e}");
    assert_eq!(std::fs::read(dir.join("old.sqlite3")).unwrap(), b"an earlier backup");
    let e = backup_sqlite(&dir.join("missing.sqlite3"), &dir.join("new.sqlite3")).unwrap_err();
    assert!(e.to_string().contains("无法打开数据库"), "{e}");
    assert!(!dir.join("new.sqlite3").exists() && !dir.join("new.sqlite3.partial").exists());
    let _ = std::fs::remove_dir_all(&dir);
}
