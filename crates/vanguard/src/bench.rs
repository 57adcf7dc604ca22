//! `vanguard bench …` (hidden): the in-process parts of `bench/run.sh`.
//!
//! - `hello` serves the axum hello-world that the HTTP figures are compared against
//!   (same axum and tokio as the application, same binary).
//! - `one-read` serves `GET /m/{id}` doing one indexed SQLite read through the store's
//!   point-read path (the API's own): the "axum + one indexed read" ceiling of the spec.
//! - `roster` times [`vanguard_store::Scoped::list_members`] (server time, no HTTP) for
//!   one district of a generated city, next to the bare subtree-filter `COUNT(*)` over
//!   the same district measured in the same run.
//!
//! Benchmarks print figures; they never decide pass or fail.

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use vanguard_domain::kernel::auth::{Reach, Role};
use vanguard_domain::kernel::paging::{PageQuery, PageRequest};
use vanguard_domain::org::path;
use vanguard_store::member::MemberFilter;
use vanguard_store::platform::probe;
use vanguard_store::{Actor, Db, Scope};

#[derive(Subcommand)]
pub enum BenchAction {
    /// Serve `GET /` → "Hello, World!" with axum (the HTTP ceiling).
    Hello {
        #[arg(long, default_value = "127.0.0.1:8091")]
        addr: SocketAddr,
    },
    /// Serve `GET /m/{id}` → one indexed read of a member by primary key (the one-read ceiling).
    OneRead {
        #[arg(long, default_value = "127.0.0.1:8092")]
        addr: SocketAddr,
    },
    /// Time the paged, filtered roster of one district (in-process server time).
    Roster {
        /// A depth-1 org whose name contains this text.
        #[arg(long, default_value = "江北区")]
        district: String,
        /// Pages 1..=PAGES of every filter.
        #[arg(long, default_value_t = 50)]
        pages: i64,
        #[arg(long, default_value_t = 20)]
        per_page: i64,
        /// Measure for about this long (rounds over the whole mix; at least one).
        #[arg(long, default_value_t = 15)]
        seconds: u64,
        /// Name prefix of the `q` filter.
        #[arg(long, default_value = "王")]
        surname: String,
    },
    /// Time the 组织生活 rules engine and cockpit (bench/orglife.sh).
    Orglife(crate::orglife_cli::OrglifeBench),
    /// Time 党费: a month of bills, recording payments, the month-start burst.
    Dues(crate::dues_bench::DuesBench),
    /// Time a request that notifies a group with a slow robot against one without.
    Webhook(crate::webhook_bench::WebhookBench),
}

pub async fn run(action: BenchAction, store: &crate::StoreArgs) -> Result<()> {
    match action {
        BenchAction::Hello { addr } => hello(addr).await,
        BenchAction::Orglife(args) => crate::orglife_cli::bench(args, store).await,
        BenchAction::Dues(args) => crate::dues_bench::bench(args, store).await,
        BenchAction::Webhook(args) => crate::webhook_bench::bench(args, store).await,
        BenchAction::OneRead { addr } => {
            let db = store.open().await?;
            let r = one_read(db.clone(), addr).await;
            db.close().await;
            r
        }
        BenchAction::Roster { district, pages, per_page, seconds, surname } => {
            let db = store.open().await?;
            let r = roster(&db, &district, pages, per_page, Duration::from_secs(seconds), &surname).await;
            db.close().await;
            r
        }
    }
}

async fn hello(addr: SocketAddr) -> Result<()> {
    let app = axum::Router::new().route("/", axum::routing::get(|| async { "Hello, World!" }));
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("无法监听 {addr}"))?;
    eprintln!("hello-world listening on http://{addr}/");
    tokio::select! {
        r = axum::serve(listener, app) => r?,
        _ = tokio::signal::ctrl_c() => {},
    }
    Ok(())
}

async fn one_read(db: Db, addr: SocketAddr) -> Result<()> {
    use axum::extract::{Path, State};
    use axum::http::StatusCode;
    let region = vanguard_store::org::regions(&db).await?.first().map(|r| r.id).context("数据库中没有党组织")?;
    async fn member(
        State((db, region)): State<(Db, i64)>,
        Path(id): Path<i64>,
    ) -> Result<axum::Json<serde_json::Value>, StatusCode> {
        // The store's fastest read of one row by key: the same path as the API's.
        let row = probe::one_point_read(&db, region, id).await.map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
        let probe::NamedRow { id, name } = row.ok_or(StatusCode::NOT_FOUND)?;
        Ok(axum::Json(serde_json::json!({ "id": id, "name": name })))
    }
    let app = axum::Router::new().route("/m/{id}", axum::routing::get(member)).with_state((db, region));
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("无法监听 {addr}"))?;
    eprintln!("one-read listening on http://{addr}/m/{{id}}");
    tokio::select! {
        r = axum::serve(listener, app) => r?,
        _ = tokio::signal::ctrl_c() => {},
    }
    Ok(())
}

/// Nearest-rank percentile of sorted durations, in milliseconds.
fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1e3
}

struct Stats {
    n: usize,
    p50: f64,
    p95: f64,
    p99: f64,
    max: f64,
}

fn stats(mut d: Vec<Duration>) -> Stats {
    d.sort_unstable();
    Stats { n: d.len(), p50: pct(&d, 50.0), p95: pct(&d, 95.0), p99: pct(&d, 99.0), max: pct(&d, 100.0) }
}

fn print_stats(label: &str, s: &Stats) {
    println!(
        "  {label:<28} n={:<6} p50={:>8.3} ms  p95={:>8.3} ms  p99={:>8.3} ms  max={:>8.3} ms",
        s.n, s.p50, s.p95, s.p99, s.max
    );
}

async fn roster(db: &Db, district: &str, pages: i64, per_page: i64, budget: Duration, surname: &str) -> Result<()> {
    let regions = vanguard_store::org::regions(db).await?;
    let Some(region) = regions.first() else { bail!("数据库中没有党组织，请先运行 vanguard demo --scale city") };
    let system = Scope::system(region.id, &region.path, Actor::system("bench"));
    let sys = db.scoped(&system);
    let mut target = None;
    for child in sys.orgs().children(region.id).await? {
        if child.name.contains(district) {
            target = Some(sys.orgs().org(child.id).await?);
            break;
        }
    }
    let Some(d) = target else { bail!("“{}”下没有名称含“{district}”的下级党组织", region.name) };
    let district_members = sys.orgs().subtree_counts(&d).await?.members;
    let region_members = sys.orgs().subtree_counts(region).await?.members;
    let scope = Scope {
        actor: Actor::system("bench"),
        role: Role::CommitteeAdmin,
        region_id: d.region_id,
        reach: Reach::Subtree { root_path: d.path.clone() },
        member_id: None,
        scope_org_id: Some(d.id),
    };
    let scoped = db.scoped(&scope);
    println!(
        "district: {} (org {}, path {}), {district_members} members of {region_members} in the region",
        d.name, d.id, d.path
    );

    // The mix: pages 1..=pages of each filter, interleaved deterministically so that no
    // filter runs its pages back to back.
    let kinds = ["none", "category=formal", "flow=out", "q=surname"];
    let mut mix: Vec<(usize, MemberFilter, PageRequest)> = Vec::new();
    for page in 1..=pages {
        for (k, _) in kinds.iter().enumerate() {
            let q = PageQuery { page: Some(page as u64), limit: Some(per_page as u32), cursor: None };
            let req = PageRequest::from_query(&q).map_err(|e| anyhow::anyhow!(e.message()))?;
            let mut f = MemberFilter::default();
            match k {
                1 => f.category = "formal".into(),
                2 => f.flow = "out".into(),
                3 => f.q = surname.into(),
                _ => {}
            }
            mix.push((k, f, req));
        }
    }
    // A fixed shuffle (LCG) keeps runs comparable.
    let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in (1..mix.len()).rev() {
        s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        mix.swap(i, (s >> 33) as usize % (i + 1));
    }

    // Warm-up: one pass, and a sanity line per filter.
    for (k, kind) in kinds.iter().enumerate() {
        let (_, f, req) = mix.iter().find(|(kk, _, _)| *kk == k).context("empty mix")?;
        let p = scoped.members().list_members(f, req).await?;
        println!("  filter {kind:<16} total={:<7?} (page {} → {} rows)", p.total, p.number(), p.items.len());
    }
    for (_, f, req) in &mix {
        scoped.members().list_members(f, req).await?;
    }

    // Measured rounds, bounded by the time budget (at least one full round).
    let started = Instant::now();
    let mut all = Vec::new();
    let mut per_kind: Vec<Vec<Duration>> = vec![Vec::new(); kinds.len()];
    let mut rounds = 0;
    while rounds == 0 || started.elapsed() < budget {
        for (k, f, req) in &mix {
            let t = Instant::now();
            let p = scoped.members().list_members(f, req).await?;
            let e = t.elapsed();
            std::hint::black_box(p);
            all.push(e);
            per_kind[*k].push(e);
        }
        rounds += 1;
        if rounds >= 1000 {
            break;
        }
    }

    // The ceiling: the bare subtree filter over the same district, same pool, same run.
    let hi = path::upper(&d.path);
    let mut ceiling = Vec::new();
    let mut count = 0i64;
    let cstart = Instant::now();
    for i in 0..100_000 {
        if i >= 20 && cstart.elapsed() > budget / 3 {
            break;
        }
        let t = Instant::now();
        count = probe::subtree_member_count(db, d.region_id, &d.path, &hi).await?;
        ceiling.push(t.elapsed());
    }

    let list = stats(all);
    let ceil = stats(ceiling);
    println!("list_members, {rounds} round(s) of {} requests (pages 1..={pages}, per_page {per_page}):", mix.len());
    print_stats("all", &list);
    for (k, kind) in kinds.iter().enumerate() {
        print_stats(kind, &stats(std::mem::take(&mut per_kind[k])));
    }
    println!("ceiling: bare COUNT(*) over the district subtree (count = {count}):");
    print_stats("subtree COUNT(*)", &ceil);
    println!("ratio list p50 / ceiling p50 = {:.2}", list.p50 / ceil.p50);
    // One machine-readable line for bench/run.sh.
    println!(
        "RESULT roster_p50_ms={:.3} roster_p95_ms={:.3} roster_p99_ms={:.3} ceiling_p50_ms={:.3} ratio={:.2} district_members={district_members}",
        list.p50,
        list.p95,
        list.p99,
        ceil.p50,
        list.p50 / ceil.p50
    );
    Ok(())
}
