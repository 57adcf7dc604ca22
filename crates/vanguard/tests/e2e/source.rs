//! Rules about the source tree itself (issue 9 §4): they read the files under `crates/`
//! and need no server, so they run in a moment (`cargo test -p vanguard --test e2e source::`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir` (skipping build output and dependencies), with its text.
fn rust_files(dir: &Path) -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().to_string();
            if p.is_dir() && !matches!(name.as_str(), "target" | "node_modules" | ".git") {
                walk(&p, out);
            } else if name.ends_with(".rs") {
                out.push((p.clone(), std::fs::read_to_string(&p).unwrap_or_default()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}

/// The `src/` folder of every crate of the workspace.
fn crate_sources() -> Vec<(PathBuf, String)> {
    let crates = super::repo_root().join("crates");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&crates).expect("crates/").flatten() {
        out.extend(rust_files(&e.path().join("src")));
    }
    out.sort();
    out
}

/// Every `#[ignore]` in the workspace says why (`#[ignore = "reason"]`): a test that is
/// skipped silently cannot fail.
#[test]
fn every_ignored_test_carries_its_reason() {
    let mut bare = Vec::new();
    for (p, text) in rust_files(&super::repo_root().join("crates")) {
        for (i, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("#[ignore]") {
                bare.push(format!("{}:{}", p.display(), i + 1));
            }
        }
    }
    assert!(bare.is_empty(), "#[ignore] without a reason (write #[ignore = \"why\"]): {bare:?}");
}

/// One name per type: a public `struct`, `enum`, `type` or `trait` name is defined once
/// across `crates/*/src`, so a name means one thing wherever it is read (two `NewQuery`,
/// `Cell` and `Column` once did). Crate- or module-private types (`pub(crate)`, `pub(super)`)
/// may repeat.
#[test]
fn every_public_type_name_is_defined_once() {
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (p, text) in crate_sources() {
        for (i, line) in text.lines().enumerate() {
            let Some(rest) = line.trim_start().strip_prefix("pub ") else { continue };
            let Some(rest) = ["struct ", "enum ", "type ", "trait "].iter().find_map(|k| rest.strip_prefix(k)) else { continue };
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                seen.entry(name).or_default().push(format!("{}:{}", p.display(), i + 1));
            }
        }
    }
    let twice: Vec<_> = seen.into_iter().filter(|(_, at)| at.len() > 1).collect();
    assert!(twice.is_empty(), "public type names defined more than once (rename one so each name means one thing): {twice:#?}");
}

/// One date helper: dates are written as text by `vanguard_domain::kernel::time`
/// (`date_text`, `opt_date_text`, `china_time_text*`) and read by `parse_iso_date`; no
/// other file spells out the `%Y-%m-%d` format, so the stored form cannot drift.
#[test]
fn dates_are_formatted_only_by_the_kernel_time_helpers() {
    // Built from pieces so that this file does not contain the pattern itself.
    let pattern = concat!("\"%Y-", "%m-%d");
    let helper = Path::new("domain").join("src").join("kernel").join("time.rs");
    let mut inline = Vec::new();
    for (p, text) in rust_files(&super::repo_root().join("crates")) {
        if p.ends_with(&helper) {
            continue;
        }
        for (i, line) in text.lines().enumerate() {
            if line.contains(pattern) {
                inline.push(format!("{}:{}", p.display(), i + 1));
            }
        }
    }
    assert!(inline.is_empty(), "dates formatted inline (use vanguard_domain::kernel::time::date_text): {inline:?}");
}
