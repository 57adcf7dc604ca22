//! `vanguard backup` and `vanguard restore`: a consistent copy of the SQLite database
//! taken while the server runs (see `vanguard_store::platform::backup` for the snapshot
//! point), the attachments and the master key only when asked (the key is best kept
//! apart from the backup: together they read every ID number), the audit chain's
//! checkpoint and archives (always: without them the chain cannot be verified whole),
//! and a restore that checks what it restored (SQLite's integrity check, the audit chain
//! with the key — archives, live records and checkpoint) before it puts it in place.

use crate::{StoreArgs, progress_bar};
use anyhow::{Context, Result, bail};
use clap::Args;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use vanguard_store::platform::backup::{self, BackupReport};
use vanguard_store::platform::crypto::Crypto;
use vanguard_store::platform::{audit, files};
use vanguard_store::{Actor, Db};

/// The manifest in every backup directory.
const MANIFEST: &str = "backup.json";

#[derive(Args)]
pub struct BackupArgs {
    /// The directory to write the backup into (created private; must be missing or empty).
    #[arg(long, value_name = "DIR")]
    to: PathBuf,
    /// Also copy the meeting attachments.
    #[arg(long)]
    with_attachments: bool,
    /// Also copy the master key. A backup with its key reads every ID and phone number:
    /// keep such a copy as carefully as the server itself, or store the key elsewhere.
    #[arg(long)]
    with_key: bool,
}

#[derive(Args)]
pub struct RestoreArgs {
    /// The backup directory (written by `vanguard backup`).
    #[arg(long, value_name = "DIR")]
    from: PathBuf,
    /// Replace the database of a data directory that already has one. Stop the server
    /// first; the replaced files are kept in DATA_DIR/replaced-<time>/.
    #[arg(long)]
    force: bool,
}

fn postgres_note() -> &'static str {
    "PostgreSQL 的数据库请用 pg_dump（或 pg_basebackup 加 WAL 归档）备份和恢复，主密钥文件和附件目录另行复制；步骤见 README 的“生产部署”一节"
}

fn is_empty_dir(dir: &Path) -> Result<bool> {
    Ok(std::fs::read_dir(dir).with_context(|| format!("无法读取 {}", dir.display()))?.next().is_none())
}

pub fn backup(args: &BackupArgs, store: &StoreArgs) -> Result<()> {
    let Some(db_file) = store.sqlite_file() else { bail!("{}", postgres_note()) };
    if !db_file.exists() {
        bail!("数据目录 {} 中没有数据库文件 {}", store.data_dir.display(), files::SQLITE_FILE);
    }
    if args.to.exists() && !is_empty_dir(&args.to)? {
        bail!("备份目录 {} 不是空目录；为免覆盖之前的备份，请指定一个新目录", args.to.display());
    }
    files::private_dir(&args.to).with_context(|| format!("无法创建备份目录 {}", args.to.display()))?;
    // The checkpoint is read before the snapshot: it names no record the copy lacks.
    let anchor = match std::fs::read(store.data_dir.join(files::ANCHOR_FILE)) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => bail!("无法读取审计检查点 {}：{e}", store.data_dir.join(files::ANCHOR_FILE).display()),
    };
    let report: BackupReport = backup::backup_sqlite(&db_file, &args.to.join(files::SQLITE_FILE))?;
    let archives = copy_archives(&store.data_dir, &args.to)?;
    if let Some(bytes) = &anchor {
        files::write_new_private(&args.to.join(files::ANCHOR_FILE), bytes).context("复制审计检查点失败")?;
    } else {
        eprintln!("注意：数据目录中没有审计检查点 {}，备份不含检查点", files::ANCHOR_FILE);
    }
    let mut attachments = Value::Null;
    if args.with_attachments {
        let src = store.data_dir.join(files::ATTACHMENTS_DIR);
        let dst = args.to.join(files::ATTACHMENTS_DIR);
        let copied = if src.is_dir() { files::copy_tree_private(&src, &dst).context("复制附件失败")? } else { 0 };
        // Files are written before their rows commit and removed after; one deleted
        // since the snapshot is referenced but gone. Say so rather than hide it.
        let missing: Vec<String> = backup::referenced_attachments(&args.to.join(files::SQLITE_FILE))?
            .into_iter()
            .filter(|rel| !dst.join(rel).is_file())
            .collect();
        if !missing.is_empty() {
            eprintln!("注意：备份时有 {} 个附件已被删除，备份中的会议记录仍引用它们：{}", missing.len(), missing.join("、"));
        }
        attachments = json!({ "files": copied, "missing": missing });
    }
    let key = if args.with_key {
        let key_file = store.key_file();
        if !key_file.is_file() {
            bail!("数据目录中没有密钥文件 {}（密钥可能来自环境变量 VANGUARD_MASTER_KEY，请另行保管）", key_file.display());
        }
        files::write_new_private(&args.to.join(files::KEY_FILE), &std::fs::read(&key_file)?).context("复制主密钥失败")?;
        true
    } else {
        false
    };
    let manifest = json!({
        "format": 2,
        "created_at": chrono::Utc::now().to_rfc3339(),
        "database": { "file": files::SQLITE_FILE, "bytes": report.bytes, "sm3": report.sm3, "audit_seq": report.audit_seq },
        "audit": { "anchor": anchor.is_some(), "archives": archives },
        "attachments": attachments,
        "key": key,
    });
    files::write_new_private(&args.to.join(MANIFEST), serde_json::to_string_pretty(&manifest)?.as_bytes())
        .context("无法写入备份清单")?;
    println!(
        "备份完成：{}（数据库 {:.1} MB，用时 {:.1} 秒）。备份包含审计记录至第 {} 条：开始备份前已确认的每一笔写入都在其中；另含审计检查点{}和 {} 个审计归档文件。",
        args.to.display(),
        report.bytes as f64 / 1e6,
        report.took_ms as f64 / 1000.0,
        report.audit_seq,
        if anchor.is_some() { "" } else { "（无）" },
        archives.len()
    );
    if !key {
        println!(
            "备份不含主密钥：恢复时需要原数据目录的 {} 或环境变量 VANGUARD_MASTER_KEY。请把密钥与备份分开保管，两者缺一都无法读取身份证号和手机号。",
            files::KEY_FILE
        );
    }
    if !args.with_attachments {
        println!("备份不含会议附件（需要时加 --with-attachments）。");
    }
    Ok(())
}

/// Copies the audit archive files the backup's database refers to into the backup
/// (after the snapshot: a file is written before its row commits and never removed).
fn copy_archives(data_dir: &Path, to: &Path) -> Result<Vec<String>> {
    let names = backup::referenced_archives(&to.join(files::SQLITE_FILE))?;
    if names.is_empty() {
        return Ok(names);
    }
    let (src, dst) = (data_dir.join(files::AUDIT_ARCHIVE_DIR), to.join(files::AUDIT_ARCHIVE_DIR));
    files::private_dir(&dst).with_context(|| format!("无法创建 {}", dst.display()))?;
    for name in &names {
        let bytes = std::fs::read(src.join(name)).with_context(|| {
            format!("审计归档文件 {} 缺失或无法读取：备份的审计日志将无法校验，请先查明原因", src.join(name).display())
        })?;
        files::write_new_private(&dst.join(name), &bytes).with_context(|| format!("无法复制审计归档文件 {name}"))?;
    }
    Ok(names)
}

/// The key to check and read the backup with: the backup's own, else the data
/// directory's, else `VANGUARD_MASTER_KEY` (which, when set, always wins).
fn restore_key(from: &Path, data_dir: &Path) -> Result<(Crypto, Option<PathBuf>)> {
    let env = std::env::var("VANGUARD_MASTER_KEY").is_ok();
    for candidate in [from.join(files::KEY_FILE), data_dir.join(files::KEY_FILE)] {
        if candidate.is_file() {
            let crypto = Crypto::load_or_create(&candidate).map_err(anyhow::Error::msg)?;
            return Ok((crypto, (!env && candidate.starts_with(from)).then_some(candidate)));
        }
    }
    if env {
        // Any path: with the variable set the file is never read or written.
        return Ok((Crypto::load_or_create(&from.join(files::KEY_FILE)).map_err(anyhow::Error::msg)?, None));
    }
    bail!(
        "找不到主密钥：备份中没有 {key}，数据目录 {} 中也没有，且未设置 VANGUARD_MASTER_KEY。请把原来的 {key} 放进数据目录后再恢复",
        data_dir.display(),
        key = files::KEY_FILE
    )
}

/// Copies the backup's audit checkpoint and archives into `staging` (a fresh private
/// directory), refusing a backup whose manifest lists files it lacks.
fn stage_audit_files(from: &Path, staging: &Path, manifest: &Value) -> Result<()> {
    files::private_dir(staging).with_context(|| format!("无法创建 {}", staging.display()))?;
    let anchor = from.join(files::ANCHOR_FILE);
    if anchor.is_file() {
        files::write_new_private(&staging.join(files::ANCHOR_FILE), &std::fs::read(&anchor)?).context("无法复制审计检查点")?;
    } else if manifest["audit"]["anchor"].as_bool() == Some(true) {
        bail!("备份清单记有审计检查点 {}，备份目录中却没有：备份不完整", files::ANCHOR_FILE);
    }
    let listed: Vec<&str> =
        manifest["audit"]["archives"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    let (src, dst) = (from.join(files::AUDIT_ARCHIVE_DIR), staging.join(files::AUDIT_ARCHIVE_DIR));
    if let Some(missing) = listed.iter().find(|name| !src.join(name).is_file()) {
        bail!("备份清单记有审计归档文件 {missing}，备份目录中却没有：备份不完整");
    }
    if src.is_dir() {
        files::copy_tree_private(&src, &dst).context("无法复制审计归档")?;
    }
    Ok(())
}

pub async fn restore(args: &RestoreArgs, store: &StoreArgs) -> Result<()> {
    let Some(target) = store.sqlite_file() else { bail!("{}", postgres_note()) };
    let data_dir = &store.data_dir;
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(args.from.join(MANIFEST))
            .with_context(|| format!("{} 不是 vanguard backup 写的备份目录（没有 {MANIFEST}）", args.from.display()))?,
    )
    .context("备份清单无法读取")?;
    let backup_file = args.from.join(files::SQLITE_FILE);
    let live = target.exists();
    if live && !args.force {
        bail!(
            "数据目录 {} 中已有数据库。确认服务已停止后加 --force 覆盖（被替换的文件会移到该目录的 replaced-时间/ 下保留）",
            data_dir.display()
        );
    }
    files::private_dir(data_dir).with_context(|| format!("无法创建数据目录 {}", data_dir.display()))?;

    // 1. The copy is the file the backup wrote.
    let staged = data_dir.join(format!("{}.restoring", files::SQLITE_FILE));
    let stale_files = ["", "-wal", "-shm"].map(|s| data_dir.join(format!("{}.restoring{s}", files::SQLITE_FILE)));
    for stale in stale_files {
        if stale.exists() {
            std::fs::remove_file(&stale).with_context(|| format!("无法删除上次未完成的恢复文件 {}", stale.display()))?;
        }
    }
    files::write_new_private(&staged, &std::fs::read(&backup_file).context("无法读取备份中的数据库")?)?;
    let (bytes, sm3) = backup::digest(&staged)?;
    let expected = &manifest["database"];
    if expected["sm3"].as_str() != Some(sm3.as_str()) || expected["bytes"].as_u64() != Some(bytes) {
        std::fs::remove_file(&staged)?;
        bail!("备份中的数据库文件与清单不符（大小或 SM3 校验值不同），备份可能已损坏，未作任何改动");
    }
    // 2. SQLite finds nothing wrong in it.
    if let Err(e) = backup::integrity_check(&staged) {
        std::fs::remove_file(&staged)?;
        bail!("{e}；未作任何改动");
    }
    // 3. The audit chain verifies with the key: the backup's archives, its records up to
    // the snapshot point, and its checkpoint (which the records must reach and match).
    // Checked in a staging directory; the verification is recorded and checkpointed
    // there, and replaces the data directory's (kept aside) below.
    let staging = data_dir.join(".restoring-audit");
    if staging.exists() {
        std::fs::remove_dir_all(&staging).with_context(|| format!("无法删除上次未完成的恢复文件 {}", staging.display()))?;
    }
    let discard = |staged: &Path, staging: &Path| {
        let _ = std::fs::remove_file(staged);
        let _ = std::fs::remove_dir_all(staging);
    };
    if let Err(e) = stage_audit_files(&args.from, &staging, &manifest) {
        discard(&staged, &staging);
        return Err(e.context("未作任何改动"));
    }
    let has_anchor = staging.join(files::ANCHOR_FILE).is_file();
    let (crypto, backup_key) = match restore_key(&args.from, data_dir) {
        Ok(k) => k,
        Err(e) => {
            discard(&staged, &staging);
            return Err(e);
        }
    };
    let db = match Db::open(&staged.display().to_string(), crypto).await {
        Ok(db) => db,
        Err(e) => {
            discard(&staged, &staging);
            return Err(anyhow::Error::new(e).context("无法打开恢复的数据库，未作任何改动"));
        }
    };
    db.set_anchor_file(staging.join(files::ANCHOR_FILE));
    let pb = progress_bar(0, "校验审计日志");
    let checked = audit::verify(&db, |done, total| {
        pb.set_length(total.max(0) as u64);
        pb.set_position(done.max(0) as u64);
    })
    .await;
    pb.finish_and_clear();
    let mut v = match checked {
        Ok(v) => v,
        Err(e) => {
            db.close().await;
            discard(&staged, &staging);
            return Err(e).context("无法校验审计日志，未作任何改动");
        }
    };
    // A backup without a checkpoint (written before backups carried one, or of a data
    // directory that had none) cannot show one missing: said, not refused.
    if !has_anchor && v.problems.iter().any(|p| matches!(p, audit::ChainProblem::AnchorMissing { .. })) {
        v.problems.retain(|p| !matches!(p, audit::ChainProblem::AnchorMissing { .. }));
        eprintln!("注意：备份中没有审计检查点，无法确认备份前日志末尾未被截断；恢复后将以恢复时的链尾为新的检查点");
    }
    let snapshot = expected["audit_seq"].as_i64().unwrap_or(0);
    if !v.is_intact() || v.last_seq < snapshot {
        db.close().await;
        discard(&staged, &staging);
        for p in v.problems.iter().take(10) {
            eprintln!("  {}", p.describe());
        }
        bail!(
            "恢复的数据库审计日志校验未通过（记录至第 {} 条，备份时为第 {snapshot} 条，发现 {} 处问题）。密钥不是备份时的密钥，或备份被改动过；未作任何改动",
            v.last_seq,
            v.problems.len()
        );
    }
    // The verification on the record, and the restored head as the new checkpoint.
    let recorded = async {
        let event = audit::Event::ok(audit::VERIFY_ACTION, "audit_log").detail(format!("恢复备份前校验：{}", v.summary()));
        audit::record(&db, &Actor::system("restore"), event).await?;
        if has_anchor { audit::checkpoint(&db).await } else { audit::anchor_anew(&db).await.map(|()| None) }
    }
    .await;
    db.close().await;
    match recorded {
        Ok(None) => {}
        Ok(Some(p)) => {
            discard(&staged, &staging);
            bail!("无法为恢复的审计日志写入检查点：{}；未作任何改动", p.describe());
        }
        Err(e) => {
            discard(&staged, &staging);
            return Err(anyhow::Error::new(e).context("无法记录恢复前的校验，未作任何改动"));
        }
    }
    backup::self_contained(&staged)?;

    // 4. Put it in place; whatever it replaces is kept aside, not deleted.
    let aside = data_dir.join(format!("replaced-{}", chrono::Utc::now().format("%Y%m%dT%H%M%SZ")));
    let backup_attachments = args.from.join(files::ATTACHMENTS_DIR);
    let mut moved = Vec::new();
    let mut replace = |name: String| -> Result<()> {
        let p = data_dir.join(&name);
        if p.exists() {
            files::private_dir(&aside)?;
            std::fs::rename(&p, aside.join(&name)).with_context(|| format!("无法移走 {}", p.display()))?;
            moved.push(name);
        }
        Ok(())
    };
    for suffix in ["", "-wal", "-shm", "-journal"] {
        replace(format!("{}{suffix}", files::SQLITE_FILE))?;
    }
    // The checkpoint and archives belong to the database they came with: the old ones
    // go aside with it.
    replace(files::ANCHOR_FILE.to_string())?;
    replace(files::AUDIT_ARCHIVE_DIR.to_string())?;
    if backup_attachments.is_dir() {
        replace(files::ATTACHMENTS_DIR.to_string())?;
    }
    if let Some(key) = &backup_key
        && std::fs::read(key).ok() != std::fs::read(data_dir.join(files::KEY_FILE)).ok()
    {
        replace(files::KEY_FILE.to_string())?;
        files::write_new_private(&data_dir.join(files::KEY_FILE), &std::fs::read(key)?)?;
    }
    std::fs::rename(&staged, &target).context("无法把恢复的数据库放到位")?;
    std::fs::rename(staging.join(files::ANCHOR_FILE), data_dir.join(files::ANCHOR_FILE)).context("无法把审计检查点放到位")?;
    let archives = staging.join(files::AUDIT_ARCHIVE_DIR);
    if archives.is_dir() {
        std::fs::rename(&archives, data_dir.join(files::AUDIT_ARCHIVE_DIR)).context("无法把审计归档放到位")?;
    }
    std::fs::remove_dir_all(&staging).with_context(|| format!("无法删除 {}", staging.display()))?;
    let attachments = if backup_attachments.is_dir() {
        files::copy_tree_private(&backup_attachments, &data_dir.join(files::ATTACHMENTS_DIR)).context("复制附件失败")?
    } else {
        0
    };
    files::secure_data_dir(data_dir)?;
    println!(
        "恢复完成：{}。完整性检查通过；审计日志 {} 条（另有归档 {} 段），哈希链校验通过{}（本次校验已记入审计日志）；附件 {attachments} 个。",
        target.display(),
        v.records,
        manifest["audit"]["archives"].as_array().map_or(0, Vec::len),
        if has_anchor { "，与备份的检查点相符" } else { "" }
    );
    if !moved.is_empty() {
        println!("被替换的文件已移到 {}：{}", aside.display(), moved.join("、"));
    }
    Ok(())
}
