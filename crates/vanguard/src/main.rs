//! `vanguard`: the one binary — serves the platform and runs its administrative tasks.

mod backup_cli;
mod bench;
mod daily_check;
mod dues_bench;
mod orglife_cli;
mod roster_cli;
mod upload_cli;
mod webhook_bench;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use std::net::SocketAddr;
use std::path::PathBuf;
use vanguard_domain::kernel::auth::Role;
use vanguard_store::account::{self, AdminAction, NewAccount};
use vanguard_store::platform::crypto::Crypto;
use vanguard_store::platform::files;
use vanguard_store::{Actor, Db};

#[derive(Parser)]
#[command(name = "vanguard", version, about = "锋领 Vanguard 智慧党建平台")]
struct Cli {
    #[command(flatten)]
    store: StoreArgs,
    #[command(subcommand)]
    command: Command,
}

/// Where the data is: options of the whole program, `global` so that every command takes
/// them in any position (`vanguard --data-dir X audit verify`, `vanguard audit verify
/// --data-dir X`).
#[derive(Args, Clone)]
struct StoreArgs {
    /// Directory for the SQLite file, the master key and the attachments (kept private: 0700).
    #[arg(long, default_value = "./data", env = "VANGUARD_DATA_DIR", global = true)]
    data_dir: PathBuf,
    /// postgres://… to use PostgreSQL; default: SQLite in the data directory.
    #[arg(long, env = "VANGUARD_DATABASE_URL", global = true)]
    database_url: Option<String>,
}

impl StoreArgs {
    /// The SQLite file in the data directory, unless a PostgreSQL URL is given.
    fn sqlite_file(&self) -> Option<PathBuf> {
        self.database_url.is_none().then(|| self.data_dir.join(files::SQLITE_FILE))
    }

    fn key_file(&self) -> PathBuf {
        self.data_dir.join(files::KEY_FILE)
    }

    async fn open(&self) -> Result<Db> {
        // Private from the first start, and tightened on every start after.
        files::secure_data_dir(&self.data_dir).with_context(|| format!("无法设置数据目录 {} 的权限", self.data_dir.display()))?;
        let crypto = Crypto::load_or_create(&self.key_file()).map_err(anyhow::Error::msg)?;
        let url = match &self.database_url {
            Some(u) => u.clone(),
            None => self.data_dir.join(files::SQLITE_FILE).display().to_string(),
        };
        let db = Db::open(&url, crypto).await.with_context(|| format!("无法打开数据库 {}", redact(&url)))?;
        db.set_attachments_dir(self.data_dir.join(files::ATTACHMENTS_DIR));
        // The audit chain's checkpoints live beside the key, outside the database.
        db.set_anchor_file(self.data_dir.join(files::ANCHOR_FILE));
        Ok(db)
    }
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***{}", &url[..s], &url[at..]),
        _ => url.to_string(),
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum ScaleArg {
    /// A district like 江北区: ~20,000 members, ~1,000 branches.
    District,
    /// A city like 宁波市: ~500,000 members, ~25,000 organizations.
    City,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web application and API.
    Serve {
        /// Listen address.
        #[arg(long, default_value = "127.0.0.1:8080", env = "VANGUARD_ADDR")]
        addr: SocketAddr,
        /// On an empty database, generate a demo district and demo accounts.
        #[arg(long)]
        demo: bool,
        /// Seed of the demo generator.
        #[arg(long, default_value_t = 2017)]
        seed: u64,
        /// Name of the top-level organization created on a fresh (non-demo) database.
        #[arg(long, default_value = "中共宁波市委员会")]
        root_name: String,
        /// Send cookies without `Secure` (only for plain-HTTP setups that are not localhost).
        #[arg(long)]
        insecure_cookies: bool,
        /// Login attempts one IP may burst (default: the rule set's, 10). Test rigs that
        /// log in many times from one address raise it.
        #[arg(long)]
        login_burst: Option<u32>,
        /// When to recompute 组织生活 findings every day (China time, HH:MM), as
        /// `vanguard check` does; `off` leaves it to an external job. A check missed while
        /// the server was down runs at start.
        #[arg(long, default_value = "02:00", env = "VANGUARD_DAILY_CHECK")]
        daily_check: daily_check::DailyCheck,
        #[command(flatten)]
        net: NetArgs,
        #[command(flatten)]
        upload: upload_cli::UploadArgs,
    },
    /// Generate demo data into an empty database.
    Demo {
        #[arg(long, value_enum, default_value = "district")]
        scale: ScaleArg,
        #[arg(long, default_value_t = 2017)]
        seed: u64,
        /// With --scale city: also a year of organizational life (about 16 million
        /// attendance rows; a district always gets its year).
        #[arg(long)]
        history: bool,
    },
    /// Recompute every finding and compliance figure of 组织生活 (after a rules change,
    /// at month end, or to repair) and print the open findings by rule.
    Check {
        /// Judge as of this day (YYYY-MM-DD) instead of today; the results are stored
        /// (run it again without --as-of to return to today's view).
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Create or update the schema, then exit.
    Migrate,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Import a roster file (花名册导入).
    Import {
        #[command(subcommand)]
        what: roster_cli::ImportWhat,
    },
    /// Export the roster to .xlsx (花名册导出).
    Export {
        #[command(subcommand)]
        what: roster_cli::ExportWhat,
    },
    /// Back up the SQLite database while the server runs (one consistent snapshot), and
    /// on request the attachments and the master key, into a new directory.
    Backup(backup_cli::BackupArgs),
    /// Restore a backup into a data directory, after checking it (SQLite's integrity
    /// check and the audit chain, with the key).
    Restore(backup_cli::RestoreArgs),
    /// Benchmark helpers for bench/run.sh.
    #[command(hide = true)]
    Bench {
        #[command(subcommand)]
        action: bench::BenchAction,
    },
}

/// The HTTP server's limits and the proxies in front of it (see `vanguard_web::server`).
#[derive(Args, Clone)]
struct NetArgs {
    /// A reverse proxy (TLS terminator, load balancer) whose X-Forwarded-For names the
    /// client: an address or a network (10.0.0.0/8). Repeat for several, or give them
    /// comma-separated in the environment variable. Without it the socket's peer is the
    /// client (for lockout, rate limits and the audit log).
    #[arg(long = "trusted-proxy", value_name = "CIDR", env = "VANGUARD_TRUSTED_PROXIES", value_delimiter = ',')]
    trusted_proxies: Vec<vanguard_web::server::Cidr>,
    /// Seconds a client has to send a request's header (also the longest idle keep-alive).
    #[arg(long, value_name = "SECONDS", env = "VANGUARD_HEADER_TIMEOUT")]
    header_timeout: Option<u64>,
    /// Seconds a client has to send a request's body.
    #[arg(long, value_name = "SECONDS", env = "VANGUARD_BODY_TIMEOUT")]
    body_timeout: Option<u64>,
    /// Open connections at most (further clients wait until one closes).
    #[arg(long, value_name = "N", env = "VANGUARD_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
}

impl NetArgs {
    fn config(&self) -> vanguard_web::server::ServerConfig {
        let mut c = vanguard_web::server::ServerConfig {
            trusted_proxies: vanguard_web::server::TrustedProxies::new(self.trusted_proxies.clone()),
            ..Default::default()
        };
        if let Some(s) = self.header_timeout {
            c.header_read_timeout = std::time::Duration::from_secs(s.max(1));
        }
        if let Some(s) = self.body_timeout {
            c.body_read_timeout = std::time::Duration::from_secs(s.max(1));
        }
        if let Some(n) = self.max_connections {
            c.max_connections = n.max(1);
        }
        c
    }
}

/// Installs the stop signals' handlers now (Ctrl-C and, on Unix, SIGTERM from a service
/// manager) and returns a future that resolves when one arrives. Called before the
/// listener is bound: a SIGTERM sent as soon as the port answers is already caught
/// (installed later, the default action would kill the process).
fn stop_requested() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        async move {
            match (term, int) {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {},
                        _ = int.recv() => {},
                    }
                }
                (Ok(mut one), Err(e)) | (Err(e), Ok(mut one)) => {
                    tracing::warn!(error = %e, "one stop signal cannot be caught; stopping on the other only");
                    one.recv().await;
                }
                (Err(e), Err(_)) => {
                    tracing::error!(error = %e, "neither SIGTERM nor Ctrl-C can be caught");
                    std::future::pending::<()>().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "Ctrl-C cannot be caught");
            std::future::pending::<()>().await;
        }
    }
}

#[derive(Subcommand)]
enum UserAction {
    /// Create an account; without --password a one-time password is printed.
    Create {
        #[arg(long)]
        username: String,
        /// member, group_leader, branch_secretary, committee_admin, org_dept_admin, auditor, sysadmin
        #[arg(long)]
        role: String,
        #[arg(long)]
        org_id: Option<i64>,
        #[arg(long)]
        member_id: Option<i64>,
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long, env = "VANGUARD_NEW_PASSWORD")]
        password: Option<String>,
    },
    /// Issue a one-time password (valid 24 h, must be changed at login).
    ResetPassword { username: String },
    /// Lift a login lock.
    Unlock { username: String },
    /// List accounts.
    List,
}

#[derive(Subcommand)]
enum AuditAction {
    /// Check the hash chain; exits 1 if any record was modified, inserted or deleted.
    Verify,
    /// Archive records older than the retention (never fewer than 180 days) to
    /// DATA_DIR/audit-archive, still verifiable; the server's daily check does this too.
    Archive {
        /// Days a record stays in the live log (values below 180 count as 180).
        #[arg(long, default_value_t = vanguard_domain::kernel::audit::MIN_RETENTION_DAYS)]
        retention_days: u32,
    },
}

fn progress_bar(total: u64, what: &str) -> ProgressBar {
    // indicatif draws nothing when stderr is not a terminal, so scripts stay quiet.
    let pb = ProgressBar::new(total);
    pb.set_style(
        ProgressStyle::with_template(&format!("{what} {{bar:40}} {{pos}}/{{len}} ({{elapsed}})"))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    pb
}

async fn generate_demo(db: &Db, scale: vanguard_demo::generate::Scale, seed: u64) -> Result<vanguard_demo::load::DemoSummary> {
    let pb = progress_bar(0, "生成演示党员");
    let started = std::time::Instant::now();
    let summary = vanguard_demo::load::generate(db, scale, seed, |done, total| {
        pb.set_length(total);
        pb.set_position(done);
    })
    .await?;
    pb.finish_and_clear();
    eprintln!(
        "已生成“{}”演示数据：{} 个党组织（其中党支部 {} 个），{} 名党员，用时 {:.1} 秒",
        summary.root_name,
        summary.orgs,
        summary.branches,
        summary.members,
        started.elapsed().as_secs_f64()
    );
    Ok(summary)
}

fn print_demo_accounts() {
    eprintln!("\n演示账户（密码均为 {}）：", vanguard_demo::load::DEMO_PASSWORD);
    for (user, role) in [
        ("orgadmin", Role::OrgDeptAdmin),
        ("committee", Role::CommitteeAdmin),
        ("secretary", Role::BranchSecretary),
        ("groupleader", Role::GroupLeader),
        ("member", Role::Member),
        ("auditor", Role::Auditor),
        ("secadmin", Role::SecAdmin),
        ("sysadmin", Role::SysAdmin),
    ] {
        eprintln!("  {user:<12} {}", role.label());
    }
}

async fn find_account(db: &Db, username: &str) -> Result<account::AccountRow> {
    account::account_by_username(db, username).await?.with_context(|| format!("没有用户名为“{username}”的账户"))
}

/// Prints a failure as its chain of Chinese messages (`{e:#}`), never as a Rust backtrace:
/// the CLI is used by secretaries, and `RUST_BACKTRACE` in their environment must not turn
/// a refusal into a stack dump.
#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误：{e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let store = &cli.store;
    match cli.command {
        Command::Serve { addr, demo, seed, root_name, insecure_cookies, login_burst, daily_check, net, upload } => {
            // Refused before anything starts: limits that are not numbers or contradict.
            let limits = upload.limits()?;
            let db = store.open().await?;
            db.set_upload_limits(limits);
            let regions = vanguard_store::org::regions(&db).await?;
            if demo {
                if regions.is_empty() {
                    generate_demo(&db, vanguard_demo::generate::Scale::District, seed).await?;
                }
                print_demo_accounts();
            } else if regions.is_empty() {
                let mut tx = db.begin().await?;
                let root = vanguard_store::org::create_root(
                    &db,
                    &mut tx,
                    &root_name,
                    vanguard_domain::org::OrgKind::Committee,
                    vanguard_domain::org::Sector::Government,
                    None,
                )
                .await?;
                tx.commit().await?;
                let admins = account::bootstrap_admins(&db, root.id).await?;
                eprintln!(
                    "\n已创建最上级党组织“{root_name}”和相互独立的管理员账户（三员分立）。以下临时密码只显示这一次，24小时内有效，首次登录须修改："
                );
                for (user, role, pw) in admins {
                    eprintln!("  {user:<10} {:<8} {pw}", role.label());
                }
            }
            // The stop signals are caught from before the port opens.
            let stop = stop_requested();
            let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("无法监听 {addr}"))?;
            eprintln!("\n锋领 Vanguard 已启动：http://{addr}/  （API 文档：http://{addr}/api/openapi.json）");
            let mut state = vanguard_web::AppState::new(db.clone());
            state.secure_cookies = !insecure_cookies;
            state.server = net.config();
            if let Some(burst) = login_burst {
                state.login_limiter = vanguard_web::limiter::LoginLimiter::new(burst, db.rules().login.ip_refill_seconds);
            }
            if let daily_check::DailyCheck(Some(minute_of_day)) = daily_check {
                tokio::spawn(daily_check::run(db.clone(), minute_of_day));
            }
            tokio::spawn(daily_check::checkpoints(db.clone()));
            tokio::spawn(vanguard_web::notify::deliver::run(db.clone(), std::time::Duration::from_secs(5)));
            vanguard_web::server::serve_until(state, listener, async {
                stop.await;
                eprintln!("正在停止：不再接受新连接，等待进行中的请求完成……");
            })
            .await?;
            db.close().await;
        }
        Command::Demo { scale, seed, history } => {
            let db = store.open().await?;
            let scale = match scale {
                ScaleArg::District => vanguard_demo::generate::Scale::District,
                ScaleArg::City => vanguard_demo::generate::Scale::City,
            };
            let summary = generate_demo(&db, scale, seed).await?;
            if history && scale == vanguard_demo::generate::Scale::City {
                orglife_cli::city_history(&db, summary.region_id, seed).await?;
            }
            print_demo_accounts();
            db.close().await;
        }
        Command::Migrate => {
            let db = store.open().await?;
            let versions = vanguard_store::platform::schema::migration_versions(&db).await?;
            eprintln!("数据库结构已是最新（迁移版本：{versions:?}）");
            db.close().await;
        }
        Command::User { action } => {
            let db = store.open().await?;
            let actor = Actor::system("cli");
            match action {
                UserAction::Create { username, role, org_id, member_id, display_name, password } => {
                    let role = Role::parse(&role).with_context(|| format!("未知角色“{role}”"))?;
                    let new = NewAccount {
                        username,
                        display_name: display_name.unwrap_or_default(),
                        role,
                        scope_org_id: org_id,
                        member_id,
                        password,
                    };
                    let (acc, pw) = account::create_account(&db, &actor, &new).await?;
                    println!("已创建账户 {}（{}），编号 {}", acc.username, role.label(), acc.id);
                    if let Some(pw) = pw {
                        println!("一次性密码（24小时内有效，首次登录须修改）：{pw}");
                    }
                }
                UserAction::ResetPassword { username } => {
                    let acc = find_account(&db, &username).await?;
                    let pw = account::admin_action(&db, &actor, acc.id, AdminAction::ResetPassword).await?;
                    println!("一次性密码（24小时内有效，首次登录须修改）：{}", pw.unwrap_or_default());
                }
                UserAction::Unlock { username } => {
                    let acc = find_account(&db, &username).await?;
                    account::admin_action(&db, &actor, acc.id, AdminAction::Unlock).await?;
                    println!("已解除 {username} 的登录锁定");
                }
                UserAction::List => {
                    use vanguard_domain::kernel::paging::{MAX_LIMIT, PageQuery, PageRequest};
                    let mut req = PageRequest::first(MAX_LIMIT);
                    loop {
                        let page = account::list_accounts(&db, &account::AccountFilter::default(), &req).await?;
                        for a in &page.items {
                            let state = if a.disabled {
                                "停用"
                            } else if a.locked_until.is_some() {
                                "锁定"
                            } else {
                                "正常"
                            };
                            println!("{:<16} {:<14} {state}", a.username, a.role().label());
                        }
                        let Some(next) = page.next else { break };
                        let q = PageQuery { cursor: Some(next), limit: Some(MAX_LIMIT), page: None };
                        req = PageRequest::from_query(&q).map_err(|e| anyhow::anyhow!(e.message()))?;
                    }
                }
            }
            db.close().await;
        }
        Command::Bench { action } => bench::run(action, store).await?,
        Command::Backup(args) => backup_cli::backup(&args, store)?,
        Command::Restore(args) => backup_cli::restore(&args, store).await?,
        Command::Import { what } => roster_cli::import(what, store).await?,
        Command::Export { what } => roster_cli::export(what, store).await?,
        Command::Check { as_of } => {
            let db = store.open().await?;
            let r = orglife_cli::check(&db, as_of.as_deref()).await;
            db.close().await;
            r?;
        }
        Command::Audit { action: AuditAction::Archive { retention_days } } => {
            let db = store.open().await?;
            let r =
                vanguard_store::platform::audit::archive_older_than(&db, &Actor::system("cli"), retention_days, 1_000_000).await;
            db.close().await;
            let out = r?;
            if out.records == 0 {
                println!("没有超出保留期的审计记录，无需归档");
            } else {
                println!("已归档第 {}–{} 条审计记录（共 {} 条）到 {}", out.from_seq, out.to_seq, out.records, out.file);
            }
        }
        Command::Audit { action: AuditAction::Verify } => {
            let db = store.open().await?;
            let pb = progress_bar(0, "校验审计日志");
            let v = vanguard_store::platform::audit::verify_and_record(&db, &Actor::system("cli"), |done, total| {
                pb.set_length(total.max(0) as u64);
                pb.set_position(done.max(0) as u64);
            })
            .await?;
            pb.finish_and_clear();
            db.close().await;
            if v.is_intact() {
                println!("审计日志完整：共 {} 条记录，哈希链校验通过", v.records);
            } else {
                println!("审计日志被篡改！共 {} 条记录，发现 {} 处问题：", v.records, v.problems.len());
                for p in &v.problems {
                    println!("  {}", p.describe());
                }
                bail!("审计日志校验未通过");
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every command, with the arguments it requires.
    const COMMANDS: &[&[&str]] = &[
        &["serve"],
        &["demo"],
        &["check"],
        &["migrate"],
        &["user", "create", "--username", "u", "--role", "member"],
        &["user", "reset-password", "u"],
        &["user", "unlock", "u"],
        &["user", "list"],
        &["audit", "verify"],
        &["audit", "archive"],
        &["import", "members", "roster.xlsx"],
        &["export", "members"],
        &["backup", "--to", "backups/1"],
        &["restore", "--from", "backups/1"],
        &["bench", "hello"],
        &["bench", "one-read"],
        &["bench", "roster"],
        &["bench", "orglife"],
        &["bench", "dues"],
        &["bench", "webhook"],
    ];

    fn leaves(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<Vec<String>>) {
        let subs: Vec<&clap::Command> = cmd.get_subcommands().filter(|c| c.get_name() != "help").collect();
        if subs.is_empty() {
            out.push(path);
            return;
        }
        for sub in subs {
            let mut p = path.clone();
            p.push(sub.get_name().to_string());
            leaves(sub, p, out);
        }
    }

    #[test]
    fn the_table_lists_every_command() {
        let mut all = Vec::new();
        leaves(&Cli::command(), Vec::new(), &mut all);
        for path in all {
            assert!(
                COMMANDS.iter().any(|c| c.starts_with(&path.iter().map(String::as_str).collect::<Vec<_>>())),
                "command {path:?} is missing from the table of options-anywhere cases"
            );
        }
    }

    /// `--data-dir` and `--database-url` in every position: before the command, between
    /// a command and its subcommand, and last (`vanguard audit verify --data-dir X`).
    #[test]
    fn every_command_takes_the_store_options_in_any_position() {
        Cli::command().debug_assert();
        for cmd in COMMANDS {
            let (head, tail) = cmd.split_at(1);
            let opts = ["--data-dir", "/srv/x", "--database-url", "postgres://db/v"];
            let mut positions: Vec<Vec<&str>> =
                vec![[&opts[..], cmd].concat(), [head, &opts[..], tail].concat(), [cmd, &opts[..]].concat()];
            if let Some(sub_at) = tail.iter().position(|a| !a.starts_with('-')).filter(|_| tail.len() > 1) {
                let (mid, rest) = tail.split_at(sub_at + 1);
                positions.push([head, mid, &opts[..], rest].concat());
            }
            for args in positions {
                let argv: Vec<&str> = std::iter::once("vanguard").chain(args.iter().copied()).collect();
                let cli = Cli::try_parse_from(&argv).unwrap_or_else(|e| panic!("{argv:?}: {e}"));
                assert_eq!(cli.store.data_dir, PathBuf::from("/srv/x"), "{argv:?}");
                assert_eq!(cli.store.database_url.as_deref(), Some("postgres://db/v"), "{argv:?}");
            }
        }
    }

    #[test]
    fn upload_limits_are_options_with_the_domains_defaults() {
        let cli = Cli::try_parse_from(["vanguard", "serve"]).unwrap();
        let Command::Serve { upload, .. } = cli.command else { panic!("not serve") };
        assert_eq!(upload.limits().unwrap(), vanguard_domain::kernel::upload::UploadLimits::default());
        let cli = Cli::try_parse_from([
            "vanguard",
            "serve",
            "--upload-max-rows",
            "500",
            "--upload-max-file-size",
            "8MB",
            "--upload-max-parses",
            "1",
            "--upload-max-entry-size",
            "16MB",
            "--upload-max-total-size",
            "20MB",
            "--upload-memory-budget",
            "1GB",
            "--upload-max-ratio",
            "50",
            "--upload-max-columns",
            "60",
            "--upload-max-cells",
            "9000",
            "--upload-max-shared-strings",
            "7000",
            "--upload-max-shared-strings-size",
            "4MB",
            "--upload-max-cell-chars",
            "1000",
            "--upload-max-in-flight",
            "64MB",
        ])
        .unwrap();
        let Command::Serve { upload, .. } = cli.command else { panic!("not serve") };
        let l = upload.limits().unwrap();
        let mb = 1024 * 1024;
        assert_eq!((l.max_rows, l.max_file_bytes, l.max_concurrent_parses), (500, 8 * mb, 1));
        assert_eq!((l.max_entry_bytes, l.max_total_bytes, l.memory_budget_bytes), (16 * mb, 20 * mb, 1024 * mb));
        assert_eq!((l.max_ratio, l.max_columns, l.max_cells, l.max_shared_strings), (50, 60, 9000, 7000));
        assert_eq!((l.max_shared_string_bytes, l.max_cell_chars, l.max_bytes_in_flight), (4 * mb, 1000, 64 * mb));
        // The import command takes the same options.
        let cli = Cli::try_parse_from(["vanguard", "import", "members", "a.xlsx", "--upload-max-rows", "3"]).unwrap();
        let Command::Import { what: roster_cli::ImportWhat::Members { upload, .. } } = cli.command else { panic!("not import") };
        assert_eq!(upload.limits().unwrap().max_rows, 3);
    }

    #[test]
    fn an_upload_limit_that_is_not_a_positive_number_or_contradicts_another_is_refused_in_chinese() {
        for (opt, bad) in [("--upload-max-rows", "0"), ("--upload-max-rows", "很多"), ("--upload-max-file-size", "32XB")] {
            let e = Cli::try_parse_from(["vanguard", "serve", opt, bad]).err().expect(bad).to_string();
            assert!(e.contains(&format!("“{bad}”")), "{e}");
        }
        let cli = Cli::try_parse_from(["vanguard", "serve", "--upload-max-entry-size", "300MB"]).unwrap();
        let Command::Serve { upload, .. } = cli.command else { panic!("not serve") };
        let e = upload.limits().unwrap_err().to_string();
        assert!(e.contains("上传限制不一致") && e.contains("300 MB"), "{e}");
    }

    #[test]
    fn trusted_proxies_are_repeatable_and_checked() {
        let cli = Cli::try_parse_from(["vanguard", "serve", "--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "::1"]).unwrap();
        let Command::Serve { net, .. } = cli.command else { panic!("not serve") };
        let cfg = net.config();
        assert!(cfg.trusted_proxies.trusts("10.9.8.7".parse().unwrap()));
        assert!(cfg.trusted_proxies.trusts("::1".parse().unwrap()));
        assert!(!cfg.trusted_proxies.trusts("192.168.0.1".parse().unwrap()));
        assert!(Cli::try_parse_from(["vanguard", "serve", "--trusted-proxy", "10.0.0.0/40"]).is_err());
    }
}
