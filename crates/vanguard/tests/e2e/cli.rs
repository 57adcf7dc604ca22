//! The command line as an operator uses it: the real binary, on SQLite in scratch
//! directories (options in any position, a private data directory, backup and restore
//! with their checks, a graceful stop).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};
use vanguard_store::platform::files::mode_of;

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let d = std::env::temp_dir().join(format!("vanguard-cli-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("scratch dir");
        Scratch(d)
    }
    fn join(&self, p: &str) -> PathBuf {
        self.0.join(p)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn vanguard() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vanguard"));
    for var in ["VANGUARD_MASTER_KEY", "VANGUARD_DATA_DIR", "VANGUARD_DATABASE_URL", "VANGUARD_TRUSTED_PROXIES"] {
        c.env_remove(var);
    }
    c.env("RUST_LOG", "warn");
    c
}

/// Runs `vanguard ARGS`, then each `FLAG PATH` pair (so `--data-dir` comes last).
fn run(args: &[&str], dirs: &[(&str, &Path)]) -> Output {
    let mut c = vanguard();
    c.args(args);
    for (flag, dir) in dirs {
        c.arg(flag).arg(dir);
    }
    c.output().expect("run vanguard")
}

fn ok(out: &Output, what: &str) -> String {
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{what} failed: {text}");
    text
}

fn refused(out: &Output, what: &str) -> String {
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!out.status.success(), "{what} should have been refused: {text}");
    text
}

/// A data directory with its database, key and one account.
fn prepared(s: &Scratch, name: &str) -> PathBuf {
    let d = s.join(name);
    ok(&run(&["migrate"], &[("--data-dir", &d)]), "migrate");
    ok(&run(&["user", "create", "--username", "opscheck", "--role", "sysadmin"], &[("--data-dir", &d)]), "user create");
    d
}

#[test]
fn every_command_takes_data_dir_after_its_subcommand_and_keeps_the_directory_private() {
    let s = Scratch::new("anywhere");
    let d = prepared(&s, "data");
    // After the subcommand (the README's promise), before the command, in between.
    let verified = ok(&run(&["audit", "verify"], &[("--data-dir", &d)]), "audit verify --data-dir");
    assert!(verified.contains("审计日志完整"), "{verified}");
    assert!(ok(&run(&["user", "list"], &[("--data-dir", &d)]), "user list --data-dir").contains("opscheck"));
    let mut before = vanguard();
    before.arg("--data-dir").arg(&d).args(["user", "list"]);
    assert!(ok(&before.output().expect("run"), "--data-dir user list").contains("opscheck"));
    let mut between = vanguard();
    between.args(["user", "--data-dir"]).arg(&d).arg("list");
    assert!(ok(&between.output().expect("run"), "user --data-dir list").contains("opscheck"));

    assert_eq!(mode_of(&d).expect("mode"), 0o700, "data directory");
    for f in ["vanguard.key", "vanguard.sqlite3"] {
        assert_eq!(mode_of(&d.join(f)).expect("mode"), 0o600, "{f}");
    }
}

#[test]
fn a_backup_restores_only_after_its_checks_and_never_over_a_live_directory_unasked() {
    let s = Scratch::new("backup");
    let d = prepared(&s, "data");
    std::fs::create_dir_all(d.join("attachments/1")).expect("attachments");
    std::fs::write(d.join("attachments/1/minutes.pdf"), b"%PDF-1.7 minutes").expect("attachment");

    // Without the key: the backup says where the key must come from.
    let plain = s.join("backup-plain");
    let said = ok(&run(&["backup"], &[("--to", &plain), ("--data-dir", &d)]), "backup");
    assert!(said.contains("审计记录至第") && said.contains("不含主密钥"), "{said}");
    assert!(plain.join("vanguard.sqlite3").is_file() && plain.join("backup.json").is_file());
    assert!(!plain.join("vanguard.key").exists(), "the key was copied unasked");
    assert_eq!(mode_of(&plain).expect("mode"), 0o700);
    assert_eq!(mode_of(&plain.join("vanguard.sqlite3")).expect("mode"), 0o600);
    let again = refused(&run(&["backup"], &[("--to", &plain), ("--data-dir", &d)]), "a backup into a used directory");
    assert!(again.contains("不是空目录"), "{again}");

    // Not over a live data directory without --force.
    let live = refused(&run(&["restore"], &[("--from", &plain), ("--data-dir", &d)]), "restore over live data");
    assert!(live.contains("--force"), "{live}");
    // Not without a key to check the audit chain with.
    let fresh = s.join("fresh");
    let keyless = refused(&run(&["restore"], &[("--from", &plain), ("--data-dir", &fresh)]), "restore without a key");
    assert!(keyless.contains("找不到主密钥"), "{keyless}");
    assert!(!fresh.join("vanguard.sqlite3").exists(), "a restore that failed left a database behind");
    // With the key beside it: restored, checked, usable.
    std::fs::copy(d.join("vanguard.key"), fresh.join("vanguard.key")).expect("key");
    let restored = ok(&run(&["restore"], &[("--from", &plain), ("--data-dir", &fresh)]), "restore");
    assert!(restored.contains("完整性检查通过") && restored.contains("哈希链校验通过"), "{restored}");
    assert!(ok(&run(&["user", "list"], &[("--data-dir", &fresh)]), "user list").contains("opscheck"));
    ok(&run(&["audit", "verify"], &[("--data-dir", &fresh)]), "audit verify after restore");

    // The wrong key: the audit chain does not verify, nothing is replaced.
    let other = prepared(&s, "other");
    let before = std::fs::read(other.join("vanguard.sqlite3")).expect("db");
    let wrong = refused(&run(&["restore", "--force"], &[("--from", &plain), ("--data-dir", &other)]), "restore with another key");
    assert!(wrong.contains("审计日志校验未通过"), "{wrong}");
    assert_eq!(std::fs::read(other.join("vanguard.sqlite3")).expect("db"), before, "the live database was touched");

    // With key and attachments; a damaged copy is refused before anything is replaced.
    let full = s.join("backup-full");
    ok(&run(&["backup", "--with-key", "--with-attachments"], &[("--to", &full), ("--data-dir", &d)]), "full backup");
    assert_eq!(mode_of(&full.join("vanguard.key")).expect("mode"), 0o600);
    let damaged = s.join("backup-damaged");
    std::fs::create_dir_all(&damaged).expect("dir");
    for f in ["vanguard.sqlite3", "backup.json", "vanguard.key"] {
        std::fs::copy(full.join(f), damaged.join(f)).expect("copy");
    }
    let mut bytes = std::fs::read(damaged.join("vanguard.sqlite3")).expect("read");
    let last = bytes.len() - 100;
    bytes[last] ^= 0xFF;
    std::fs::write(damaged.join("vanguard.sqlite3"), bytes).expect("write");
    let bad = refused(&run(&["restore", "--force"], &[("--from", &damaged), ("--data-dir", &other)]), "a damaged backup");
    assert!(bad.contains("损坏"), "{bad}");
    // Over a live directory with --force: the old files are kept aside.
    ok(&run(&["restore", "--force"], &[("--from", &full), ("--data-dir", &other)]), "restore --force");
    assert!(ok(&run(&["user", "list"], &[("--data-dir", &other)]), "user list").contains("opscheck"));
    assert_eq!(std::fs::read(other.join("attachments/1/minutes.pdf")).expect("attachment"), b"%PDF-1.7 minutes");
    assert_eq!(std::fs::read(other.join("vanguard.key")).expect("key"), std::fs::read(d.join("vanguard.key")).expect("key"));
    let aside: Vec<_> = std::fs::read_dir(&other)
        .expect("list")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("replaced-"))
        .collect();
    assert_eq!(aside.len(), 1, "the replaced files are kept");
    assert!(aside[0].path().join("vanguard.sqlite3").is_file() && aside[0].path().join("vanguard.key").is_file());
}

#[test]
fn serve_stops_gracefully_on_sigterm() {
    let s = Scratch::new("serve");
    let d = s.join("data");
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("port");
    let mut child = vanguard()
        .args(["serve", "--daily-check", "off", "--addr", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(&d)
        .env("VANGUARD_TRUSTED_PROXIES", "10.0.0.0/8,fd00::/8")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start serve");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(60), "serve did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
    assert!(status.success());
    let stopping = Instant::now();
    loop {
        if let Some(code) = child.try_wait().expect("wait") {
            assert!(code.success(), "serve exited with {code} on SIGTERM");
            break;
        }
        assert!(stopping.elapsed() < Duration::from_secs(20), "serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    }
}
