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
    // As on a machine whose environment asks for backtraces: a refusal must still read
    // as its Chinese message only.
    c.env("RUST_BACKTRACE", "1");
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
    assert!(!text.contains("backtrace"), "{what}: a refusal prints no Rust backtrace: {text}");
    text
}

/// A data directory with its database, key and one account.
fn prepared(s: &Scratch, name: &str) -> PathBuf {
    let d = s.join(name);
    ok(&run(&["migrate"], &[("--data-dir", &d)]), "migrate");
    ok(&run(&["user", "create", "--username", "opscheck", "--role", "sysadmin"], &[("--data-dir", &d)]), "user create");
    d
}

/// A prepared data directory holding one root org, 中共测试市委员会, for imports.
fn prepared_with_root(s: &Scratch, name: &str) -> PathBuf {
    let d = prepared(s, name);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let db = open_db(&d).await;
        let mut tx = db.begin().await.expect("tx");
        vanguard_store::org::create_root(
            &db,
            &mut tx,
            "中共测试市委员会",
            vanguard_domain::org::OrgKind::Committee,
            vanguard_domain::org::Sector::Government,
            None,
        )
        .await
        .expect("root");
        tx.commit().await.expect("commit");
        db.close().await;
    });
    d
}

/// Opens a data directory's database in this process, as the binary does.
async fn open_db(d: &Path) -> vanguard_store::Db {
    let crypto = vanguard_store::platform::crypto::Crypto::load_or_create(&d.join("vanguard.key")).expect("key");
    let db = vanguard_store::Db::open(&d.join("vanguard.sqlite3").display().to_string(), crypto).await.expect("open");
    db.set_anchor_file(d.join("audit.anchor"));
    db
}

/// Archives every audit record of a data directory as the retention job would 181 days
/// on (the clock moved forward in this process), and checkpoints the chain.
fn archive_everything(d: &Path) -> String {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let db = open_db(d).await;
        db.clock().advance(181 * 86_400_000);
        let actor = vanguard_store::Actor::system("retention");
        let out = vanguard_store::platform::audit::archive_older_than(&db, &actor, 180, 1_000_000).await.expect("archive");
        assert!(out.records > 0, "nothing archived");
        db.close().await;
        out.file
    })
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
    // The audit chain has an archived segment and a checkpoint: both must come back.
    let archive = archive_everything(&d);
    ok(&run(&["user", "create", "--username", "aftercut", "--role", "auditor"], &[("--data-dir", &d)]), "user create");
    let archived = std::fs::read(d.join("audit-archive").join(&archive)).expect("archive file");
    assert!(d.join("audit.anchor").is_file(), "the commands checkpoint the chain");

    // Without the key: the backup says where the key must come from.
    let plain = s.join("backup-plain");
    let said = ok(&run(&["backup"], &[("--to", &plain), ("--data-dir", &d)]), "backup");
    assert!(said.contains("审计记录至第") && said.contains("不含主密钥"), "{said}");
    assert!(plain.join("vanguard.sqlite3").is_file() && plain.join("backup.json").is_file());
    assert_eq!(std::fs::read(plain.join("audit-archive").join(&archive)).expect("archive in the backup"), archived);
    assert!(plain.join("audit.anchor").is_file(), "the checkpoint is in the backup");
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
    assert_eq!(std::fs::read(fresh.join("audit-archive").join(&archive)).expect("archive restored"), archived);
    assert_eq!(mode_of(&fresh.join("audit.anchor")).expect("checkpoint restored"), 0o600);
    let verified = ok(&run(&["audit", "verify"], &[("--data-dir", &fresh)]), "audit verify after restore");
    assert!(verified.contains("审计日志完整"), "{verified}");
    assert!(!fresh.join(".restoring-audit").exists(), "the staging directory is cleaned up");
    // A backup missing its archive is refused before anything is replaced.
    let cut = s.join("backup-without-archive");
    std::fs::create_dir_all(&cut).expect("dir");
    for f in ["vanguard.sqlite3", "backup.json", "audit.anchor"] {
        std::fs::copy(plain.join(f), cut.join(f)).expect("copy");
    }
    let lacking = s.join("lacking");
    std::fs::create_dir_all(&lacking).expect("dir");
    std::fs::copy(d.join("vanguard.key"), lacking.join("vanguard.key")).expect("key");
    let refused_cut = refused(&run(&["restore"], &[("--from", &cut), ("--data-dir", &lacking)]), "a backup without its archive");
    assert!(refused_cut.contains("审计归档") && refused_cut.contains("不完整"), "{refused_cut}");
    assert!(!lacking.join("vanguard.sqlite3").exists(), "a restore that failed left a database behind");

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
    for f in ["vanguard.sqlite3", "backup.json", "vanguard.key", "audit.anchor"] {
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
    assert!(aside[0].path().join("audit.anchor").is_file(), "the replaced checkpoint is kept aside with its database");
    assert_eq!(std::fs::read(other.join("audit-archive").join(&archive)).expect("archive restored"), archived);
    let verified = ok(&run(&["audit", "verify"], &[("--data-dir", &other)]), "audit verify after restore --force");
    assert!(verified.contains("审计日志完整"), "{verified}");
}

#[test]
fn a_deleted_audit_checkpoint_fails_audit_verify() {
    let s = Scratch::new("no-anchor");
    let d = prepared(&s, "data");
    archive_everything(&d);
    ok(&run(&["audit", "verify"], &[("--data-dir", &d)]), "audit verify with its checkpoint");
    std::fs::remove_file(d.join("audit.anchor")).expect("delete the checkpoint");
    let said = refused(&run(&["audit", "verify"], &[("--data-dir", &d)]), "audit verify without its checkpoint");
    assert!(said.contains("检查点文件 audit.anchor 缺失"), "{said}");
    assert!(!d.join("audit.anchor").exists(), "no command papers over the deletion");
}

/// One HTTP/1.1 request over a plain socket; the status line's code.
fn http_post(port: u16, path: &str, body: &str) -> u16 {
    use std::io::{Read, Write};
    let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    c.write_all(req.as_bytes()).expect("send");
    let mut answer = String::new();
    let _ = c.read_to_string(&mut answer);
    answer.split_whitespace().nth(1).and_then(|code| code.parse().ok()).unwrap_or(0)
}

#[test]
fn serve_checkpoints_each_audit_record_within_a_second_so_cutting_it_off_shows() {
    let s = Scratch::new("serve-anchor");
    let d = s.join("data");
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("port");
    let mut child = vanguard()
        .args(["serve", "--daily-check", "off", "--addr", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(&d)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start serve");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(60), "serve did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    // A failed login is an audit record written while the server runs.
    assert_eq!(http_post(port, "/api/v1/auth/login", r#"{"login":"nobody","password":"Wrong#pass1"}"#), 401);
    std::thread::sleep(Duration::from_millis(2_500));
    // Killed, not stopped: no checkpoint on the way out.
    let _ = child.kill();
    let _ = child.wait();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let head = rt.block_on(async {
        let db = open_db(&d).await;
        let anchor = vanguard_store::platform::audit::read_anchor(&db).expect("checkpoint verifies").expect("checkpoint written");
        let v = vanguard_store::platform::audit::verify(&db, |_, _| {}).await.expect("verify");
        assert!(v.is_intact(), "{:?}", v.problems);
        assert_eq!(anchor.seq, v.last_seq, "the last record, written a moment before the kill, is checkpointed");
        // The attack: the newest record cut off and the head rewritten to match.
        for sql in [
            "DROP TRIGGER audit_log_no_delete".to_string(),
            format!("DELETE FROM audit_log WHERE seq = {}", v.last_seq),
            format!(
                "UPDATE audit_head SET seq = {0}, hash = (SELECT hash FROM audit_log WHERE seq = {0}) WHERE id = 1",
                v.last_seq - 1
            ),
        ] {
            vanguard_testkit::raw_execute(&db, &sql).await.expect("tamper");
        }
        v.last_seq
    });
    let said = refused(&run(&["audit", "verify"], &[("--data-dir", &d)]), "audit verify after the cut");
    assert!(said.contains("日志被截断") && said.contains(&format!("第 {head} 条")), "{said}");
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

/// The upload limits are the operator's: an import refused by a smaller row limit (set by
/// option or environment variable) names the configured number; the default reads the
/// same file; a limit that is not a number stops the command before it opens anything.
#[test]
fn upload_limits_are_configuration_and_a_smaller_row_limit_refuses_what_the_default_reads() {
    let s = Scratch::new("limits");
    let d = prepared_with_root(&s, "data");
    let file = s.join("花名册.csv");
    let rows: String = ["张三", "李四", "王五"]
        .iter()
        .map(|n| format!("{n},330205198001010011,汉族,2005-07-01,正式党员,中共测试市委员会\n"))
        .collect();
    std::fs::write(&file, format!("姓名,身份证号,民族,入党时间,党员类别,所在党支部\n{rows}")).expect("csv");
    let f = file.to_str().expect("path");
    let read = ok(&run(&["import", "members", f, "--dry-run"], &[("--data-dir", &d)]), "import with the defaults");
    assert!(read.contains("试运行") && !read.contains("行数超过上限"), "{read}");
    let by_option = refused(
        &run(&["import", "members", f, "--dry-run", "--upload-max-rows", "2"], &[("--data-dir", &d)]),
        "import with --upload-max-rows 2",
    );
    assert!(by_option.contains("行数超过上限 2 行"), "{by_option}");
    let mut by_env = vanguard();
    by_env.env("VANGUARD_UPLOAD_MAX_ROWS", "2").args(["import", "members", f, "--dry-run", "--data-dir"]).arg(&d);
    let by_env = refused(&by_env.output().expect("run"), "import with VANGUARD_UPLOAD_MAX_ROWS=2");
    assert!(by_env.contains("行数超过上限 2 行"), "{by_env}");
    let bad = refused(&run(&["serve", "--upload-max-file-size", "32XB"], &[("--data-dir", &d)]), "serve with a bad size");
    assert!(bad.contains("“32XB”不是大小"), "{bad}");
    let contradicting = refused(
        &run(&["serve", "--upload-max-file-size", "200MB", "--addr", "127.0.0.1:1"], &[("--data-dir", &d)]),
        "serve with a file limit over the room in flight",
    );
    assert!(contradicting.contains("上传限制不一致"), "{contradicting}");
}

// ---- Hostile files: refused, within the memory budget (issue 10 §1) ---------------------------

/// A roster workbook with its sheet and shared strings rewritten by `edit(entry name, text)`.
fn crafted_xlsx(edit: impl Fn(&str, String) -> String) -> Vec<u8> {
    use std::io::{Cursor, Read, Write};
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("花名册").expect("sheet name");
    for (c, h) in ["姓名", "身份证号", "民族"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).expect("heading");
        ws.write_string(1, c as u16, format!("值{c}")).expect("cell");
    }
    let plain = wb.save_to_buffer().expect("workbook");
    let mut zip = zip::ZipArchive::new(Cursor::new(plain)).expect("zip");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).expect("entry");
        let name = entry.name().expect("name").to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("read entry");
        let bytes = match String::from_utf8(bytes) {
            Ok(text) => edit(&name, text).into_bytes(),
            Err(e) => e.into_bytes(),
        };
        out.start_file(name.as_str(), deflated).expect("start");
        out.write_all(&bytes).expect("write");
    }
    out.finish().expect("finish").into_inner()
}

/// Runs `vanguard ARGS --data-dir D` and answers (succeeded, output, peak RSS in KiB) — the
/// child's own peak, read by `wait4`, so other tests' processes do not count.
#[cfg(target_os = "linux")]
fn with_peak_rss(args: &[&str], d: &Path, out: &Path) -> (bool, String, i64) {
    let file = std::fs::File::create(out).expect("output file");
    let mut c = vanguard();
    c.args(args).arg("--data-dir").arg(d).stdout(file.try_clone().expect("clone")).stderr(file);
    // What is measured is the file's handling: with RUST_BACKTRACE=1 in the environment,
    // anyhow would also capture and symbolize a backtrace of the debug binary for the
    // refusal (tens of MB of debug info), which is not the import's memory.
    c.env("RUST_LIB_BACKTRACE", "0");
    // Reaped below by wait4 (which std's `wait` cannot do: it drops the child's rusage).
    #[allow(clippy::zombie_processes)]
    let child = c.spawn().expect("spawn vanguard");
    let pid = i32::try_from(child.id()).expect("pid");
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it and the status for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4");
    let text = std::fs::read_to_string(out).unwrap_or_default();
    (libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, text, usage.ru_maxrss)
}

#[cfg(target_os = "linux")]
#[test]
fn hostile_files_are_refused_naming_their_limit_within_100_mb_above_idle() {
    let s = Scratch::new("hostile");
    let d = prepared_with_root(&s, "data");
    let out = s.join("out.txt");
    let tiny = s.join("一行.csv");
    std::fs::write(
        &tiny,
        "姓名,身份证号,民族,入党时间,党员类别,所在党支部\n张三,330205198001010011,汉族,2005-07-01,正式党员,中共测试市委员会\n",
    )
    .expect("csv");
    let (read, text, idle) = with_peak_rss(&["import", "members", tiny.to_str().expect("path"), "--dry-run"], &d, &out);
    assert!(read && text.contains("试运行"), "the idle run reads its one row: {text}");

    let mut files: Vec<(&str, Vec<u8>)> = Vec::new();
    // A sheet that claims the last cell of Excel (XFD1048576): once an abort of 512 GB.
    files.push((
        "范围.xlsx",
        crafted_xlsx(|name, text| {
            if name.starts_with("xl/worksheets/") {
                assert!(text.contains("<dimension ref=\"A1:C2\"/>"), "{text}");
                text.replace("<dimension ref=\"A1:C2\"/>", "<dimension ref=\"A1:XFD1048576\"/>")
            } else {
                text
            }
        }),
    ));
    // A shared-strings table that declares 50 million strings.
    files.push((
        "字符串.xlsx",
        crafted_xlsx(|name, text| {
            if name == "xl/sharedStrings.xml" {
                assert!(text.contains("uniqueCount=\""), "{text}");
                text.replacen("count=\"", "count=\"5000000", 1).replacen("uniqueCount=\"", "uniqueCount=\"5000000", 1)
            } else {
                text
            }
        }),
    ));
    // A zip bomb: 16 MB of spaces in the styles, compressed a thousandfold.
    files.push((
        "压缩.xlsx",
        crafted_xlsx(|name, text| {
            if name == "xl/styles.xml" {
                text.replacen("<styleSheet", &format!("{}<styleSheet", " ".repeat(16 << 20)), 1)
            } else {
                text
            }
        }),
    ));
    // A 28 MB line, and 150,000 rows.
    files.push(("长行.csv", format!("姓名,身份证号\n{}\n", "甲,".repeat(7 << 20)).into_bytes()));
    files.push(("多行.csv", format!("姓名,身份证号,民族\n{}", "李四,1,汉族\n".repeat(150_000)).into_bytes()));

    for (name, bytes) in files {
        let path = s.join(name);
        std::fs::write(&path, &bytes).expect("write file");
        let (succeeded, text, peak) = with_peak_rss(&["import", "members", path.to_str().expect("path"), "--dry-run"], &d, &out);
        assert!(!succeeded, "{name} should be refused: {text}");
        assert!(text.contains("上限"), "{name}: the refusal names the limit: {text}");
        let above_mb = (peak - idle) / 1024;
        assert!(above_mb < 100, "{name}: {above_mb} MB above idle ({} MB idle): {text}", idle / 1024);
    }
}
