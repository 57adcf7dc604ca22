//! `vanguard import members` and `vanguard export members`: the roster round trip from
//! the command line, acting with a system scope on the region (or an org's subtree).

use crate::{StoreArgs, progress_bar};
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use std::path::PathBuf;
use vanguard_store::member::MemberFilter;
use vanguard_store::member::roster::{CommitOptions, ImportOptions, ImportPreview};
use vanguard_store::{Actor, Db, Scope};

#[derive(Subcommand)]
pub enum ImportWhat {
    /// Import a roster (.xlsx, .xls or .csv): every row is checked first; without
    /// --dry-run the valid rows are then written in one transaction.
    Members {
        /// The roster file.
        file: PathBuf,
        /// Check and report only; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Import into this org's subtree (a branch: also the default for rows without 所在党组织).
        #[arg(long)]
        org_id: Option<i64>,
        /// Confirm the rows whose 公民身份号码 belongs to a member of another name (the
        /// member was renamed); without it such an import is refused.
        #[arg(long)]
        confirm_renames: bool,
        #[command(flatten)]
        upload: crate::upload_cli::UploadArgs,
    },
}

#[derive(Subcommand)]
pub enum ExportWhat {
    /// Export the roster (current members) to an .xlsx file.
    Members {
        /// Only this org's subtree.
        #[arg(long)]
        org_id: Option<i64>,
        /// The file to write (default: 党员花名册YYYYMMDD.xlsx in the current directory).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// ID and phone numbers in the clear (audited).
        #[arg(long)]
        reveal: bool,
    },
}

/// The system scope of the region holding `org_id` (its subtree if `narrow`), or of the
/// only region.
async fn system_scope(db: &Db, org_id: Option<i64>, narrow: bool) -> Result<Scope> {
    let regions = vanguard_store::org::regions(db).await?;
    let actor = || Actor::system("cli");
    match org_id {
        Some(id) => {
            for r in &regions {
                let region = Scope::system(r.region_id, &r.path, actor());
                if let Ok(org) = db.scoped(&region).orgs().org(id).await {
                    return Ok(if narrow { Scope::system(r.region_id, &org.path, actor()) } else { region });
                }
            }
            bail!("没有编号为 {id} 的党组织")
        }
        None => match regions.as_slice() {
            [r] => Ok(Scope::system(r.region_id, &r.path, actor())),
            [] => bail!("数据库中还没有党组织"),
            _ => bail!("数据库中有多个地区，请用 --org-id 指明导入或导出的党组织"),
        },
    }
}

fn sheet_prefix(sheet: &str) -> String {
    if sheet.is_empty() { String::new() } else { format!("工作表“{sheet}”") }
}

fn print_report(p: &ImportPreview) {
    println!("文件：{}（工作表“{}”，表头在第 {} 行）", p.filename, p.sheet, p.heading_row);
    let cols: Vec<String> = p
        .columns
        .iter()
        .map(|c| {
            if c.heading == c.means {
                format!("{} {}", c.letter, c.heading)
            } else {
                format!("{} {}→{}", c.letter, c.heading, c.means)
            }
        })
        .collect();
    println!("识别的列：{}", cols.join("，"));
    if !p.unknown_columns.is_empty() {
        println!("未识别的列（其内容不导入）：{}", p.unknown_columns.join("，"));
    }
    for w in &p.file_warnings {
        println!("提示：{w}");
    }
    if let Some(d) = &p.default_org {
        println!("未填所在党组织的行编入：{d}");
    }
    let c = &p.counts;
    println!(
        "共 {} 行：可导入 {} 行（新建 {}，更新 {}，无变化 {}），有错误 {} 行",
        c.rows, c.valid, c.to_create, c.to_update, c.unchanged, c.invalid
    );
    if c.duplicates > 0 {
        println!("其中完全重复的行 {} 行（只导入一次）", c.duplicates);
    }
    if c.conflicts > 0 {
        println!("有 {} 行的公民身份号码属于另一姓名的在册党员：如确为改名，请加 --confirm-renames 重新导入", c.conflicts);
    }
    if p.problems_total > p.problems.len() || p.warnings_total > p.warnings.len() {
        println!(
            "（共 {} 条错误、{} 条提示，以下只列出前 {} 条）",
            p.problems_total,
            p.warnings_total,
            p.problems.len().max(p.warnings.len())
        );
    }
    if !p.problems.is_empty() {
        println!("\n错误（这些行不会导入）：");
        for e in &p.problems {
            println!("  {}第 {} 行 [{}] {}", sheet_prefix(&e.sheet), e.row, e.column, e.message);
        }
    }
    if !p.warnings.is_empty() {
        println!("\n提示（这些行按说明导入）：");
        for w in &p.warnings {
            println!("  {}第 {} 行 [{}] {}", sheet_prefix(&w.sheet), w.row, w.column, w.message);
        }
    }
}

pub async fn import(what: ImportWhat, store: &StoreArgs) -> Result<()> {
    let ImportWhat::Members { file, dry_run, org_id, confirm_renames, upload } = what;
    let limits = upload.limits()?;
    let db = store.open().await?;
    db.set_upload_limits(limits);
    // Refuse a file over the limit before reading it into memory.
    let max = db.upload_limits().0.max_file_bytes;
    let size = std::fs::metadata(&file).with_context(|| format!("无法读取文件 {}", file.display()))?.len();
    if size > max {
        let e = vanguard_domain::kernel::upload::UploadError::FileTooLarge {
            actual_mb: vanguard_domain::kernel::upload::mb(size),
            limit_mb: vanguard_domain::kernel::upload::mb(max),
        };
        bail!("{e}");
    }
    let bytes = std::fs::read(&file).with_context(|| format!("无法读取文件 {}", file.display()))?;
    let filename = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let scope = system_scope(&db, org_id, true).await?;
    let s = db.scoped(&scope);
    let started = std::time::Instant::now();
    let preview = s.roster().preview_import(&filename, bytes, &ImportOptions { default_org_id: None, dry_run }).await?;
    print_report(&preview);
    eprintln!("校验用时 {:.1} 秒", started.elapsed().as_secs_f64());
    let Some(batch) = preview.batch_id else {
        println!("\n试运行（--dry-run）：没有写入任何数据");
        db.close().await;
        return Ok(());
    };
    if preview.counts.to_create + preview.counts.to_update == 0 {
        s.roster().discard_import(batch).await?;
        println!("\n没有需要新建或更新的党员，未写入任何数据");
        db.close().await;
        return Ok(());
    }
    let pb = progress_bar((preview.counts.to_create + preview.counts.to_update) as u64, "导入党员");
    let started = std::time::Instant::now();
    let result = s
        .roster()
        .commit_import_with(batch, CommitOptions { confirm_renames }, |done, total| {
            pb.set_length(total);
            pb.set_position(done);
        })
        .await;
    pb.finish_and_clear();
    let result = result?;
    println!(
        "\n导入完成：新建 {} 人，更新 {} 人，跳过 {} 行（无变化或有错误），用时 {:.1} 秒",
        result.created_total,
        result.updated_total,
        result.skipped_total,
        started.elapsed().as_secs_f64()
    );
    db.close().await;
    Ok(())
}

pub async fn export(what: ExportWhat, store: &StoreArgs) -> Result<()> {
    let ExportWhat::Members { org_id, output, reveal } = what;
    let db = store.open().await?;
    let scope = system_scope(&db, org_id, false).await?;
    let filter = MemberFilter { org_id, ..Default::default() };
    let mut file = db.scoped(&scope).roster().export_members(&filter, reveal).await?;
    let path = output.unwrap_or_else(|| PathBuf::from(&file.filename));
    let mut out = std::fs::File::create(&path).with_context(|| format!("无法写入 {}", path.display()))?;
    std::io::copy(&mut file.file, &mut out).with_context(|| format!("无法写入 {}", path.display()))?;
    println!(
        "已导出 {} 名党员到 {}{}",
        file.count,
        path.display(),
        if reveal { "（含明文身份证号和手机号，请妥善保管）" } else { "" }
    );
    db.close().await;
    Ok(())
}
