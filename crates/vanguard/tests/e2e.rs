//! Browser tests: the real `vanguard` binary serving a demo district, driven by
//! playwright-core in Debian's headless Chromium (the scenarios are in `e2e/tests/`).
//!
//! Runs on SQLite, and on a fresh PostgreSQL database when one is reachable. Without a
//! browser the test is skipped loudly, except with `CI=true`, where it fails
//! (`.ci/run` installs the `chromium` package first).
//!
//! The command-line tests (`e2e/cli.rs`) run the same binary in this one test binary, and
//! the rules about the source tree (`e2e/source.rs`) live here too.

#[path = "e2e/cli.rs"]
mod cli;
#[path = "e2e/source.rs"]
mod source;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repository root")
}

/// Gives up on the browser tests: a failure under `CI=true` (see `vanguard_testkit::skip_or_fail`).
fn skip_or_fail(why: &str) {
    vanguard_testkit::skip_or_fail(
        &format!("the browser tests cannot run: {why}"),
        "Install Debian's `chromium` package and Node.js to run them.",
    );
}

struct Server(Child, PathBuf);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let _ = std::fs::remove_dir_all(&self.1);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

fn healthy(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").is_err() {
        return false;
    }
    let mut buf = String::new();
    let _ = s.read_to_string(&mut buf);
    buf.starts_with("HTTP/1.1 200")
}

fn start_server(database_url: Option<&str>, label: &str) -> (Server, u16) {
    let port = free_port();
    let dir = std::env::temp_dir().join(format!("vanguard-e2e-{}-{label}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vanguard"));
    cmd.args([
        "serve",
        "--demo",
        "--login-burst",
        "1000",
        "--daily-check",
        "off",
        "--addr",
        &format!("127.0.0.1:{port}"),
        "--data-dir",
    ])
    .arg(&dir);
    if let Some(url) = database_url {
        cmd.args(["--database-url", url]);
    }
    cmd.env("RUST_LOG", "warn").stdout(Stdio::null()).stderr(Stdio::inherit());
    let child = cmd.spawn().expect("start vanguard serve");
    let server = Server(child, dir);
    let started = Instant::now();
    while !healthy(port) {
        assert!(started.elapsed() < Duration::from_secs(240), "server did not become healthy");
        std::thread::sleep(Duration::from_millis(250));
    }
    (server, port)
}

fn ensure_node_modules(e2e: &Path) {
    if e2e.join("node_modules/playwright-core").exists() {
        return;
    }
    let status = Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(e2e).status().expect("run npm ci");
    assert!(status.success(), "npm ci failed in e2e/");
}

fn run_scenarios(port: u16, label: &str) {
    let e2e = repo_root().join("e2e");
    let status = Command::new("node")
        .args(["--test", "--test-concurrency=1", "tests/"])
        .current_dir(&e2e)
        .env("BASE_URL", format!("http://127.0.0.1:{port}"))
        .env("SCREENSHOT_DIR", e2e.join("screenshots").join(label))
        .status()
        .expect("run node --test");
    assert!(status.success(), "browser scenarios failed on {label}");
}

/// A fresh PostgreSQL (or Citus) database for the server, or `None` when no server is
/// reachable outside CI.
fn postgres_url() -> Option<String> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
    rt.block_on(vanguard_testkit::fresh_database())
}

#[test]
fn browser_scenarios_pass_on_sqlite_and_postgres() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return skip_or_fail(&format!("no browser at {chromium}"));
    }
    if Command::new("node").arg("--version").output().is_err() {
        return skip_or_fail("no `node` on PATH");
    }
    ensure_node_modules(&repo_root().join("e2e"));
    {
        let (_server, port) = start_server(None, "sqlite");
        run_scenarios(port, "sqlite");
    }
    if let Some(url) = postgres_url() {
        let (_server, port) = start_server(Some(&url), "postgres");
        run_scenarios(port, "postgres");
    }
}
