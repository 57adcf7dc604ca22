//! `vanguard bench webhook` (hidden): a request that causes a group notification is not
//! slowed by the robot's delivery (issue 14 §8's benchmark).
//!
//! The request is a member writing the year's commitment (三亮三比): its transaction
//! enqueues an `approval_waiting` notification to the branch (in-app rows, and an outbox
//! row for each of the branch's robots). In this process only, the rules send that kind to
//! the branch's group as well (the stored rules are unchanged). Branches of side **A** get
//! a robot at a local receiver that answers after `--delay-ms` (500 ms by default); side
//! **B**'s branches have none. The delivery worker (`vanguard_web::notify::deliver::run`,
//! the server's own) runs in the same process throughout. Requests alternate A, B, A, B …
//! from `--clients` concurrent clients in the same run, each timed from call to commit;
//! the figures are both sides' p50/p99 and the ratio of the p99s. Afterwards the worker
//! is given time to drain and the receiver's hits are counted (each A request is one
//! delivery).

use anyhow::{Context, Result, bail};
use clap::Args;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use vanguard_domain::kernel::auth::{Reach, Role};
use vanguard_domain::notify::{NotifyKind, RobotKind};
use vanguard_domain::org::path::upper;
use vanguard_store::notify::WebhookInput;
use vanguard_store::{Actor, Db, Scope};

#[derive(Args)]
pub struct WebhookBench {
    /// Requests on each side (with a robot / without).
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// How long the local robot takes to answer, in milliseconds.
    #[arg(long, default_value_t = 500)]
    delay_ms: u64,
    /// Concurrent clients.
    #[arg(long, default_value_t = 4)]
    clients: usize,
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1e3
}

pub async fn bench(args: WebhookBench, store: &crate::StoreArgs) -> Result<()> {
    let db = store.open().await?;
    let r = run(&db, &args).await;
    db.close().await;
    r
}

/// A robot that answers `{"errcode":0}` after `delay`; counts the posts it received.
async fn slow_robot(delay: Duration, hits: Arc<AtomicUsize>) -> Result<std::net::SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = axum::Router::new().route(
        "/robot",
        axum::routing::post(move || {
            let hits = hits.clone();
            async move {
                tokio::time::sleep(delay).await;
                hits.fetch_add(1, Ordering::Relaxed);
                r#"{"errcode":0,"errmsg":"ok"}"#
            }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(addr)
}

struct Writer {
    scope: Scope,
    with_robot: bool,
}

async fn run(db: &Db, args: &WebhookBench) -> Result<()> {
    let root = vanguard_store::org::regions(db).await?.into_iter().next().context("数据库中没有党组织，请先生成演示数据")?;
    let region = root.region_id;
    let system = Scope::system(region, &root.path, Actor::system("bench"));
    let sys = db.scoped(&system);
    let members = vanguard_store::member::bulk::loaded_members(db, region, &root.path, &upper(&root.path)).await?;
    let mut by_branch: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for m in &members {
        by_branch.entry(m.org_id).or_default().push(m.id);
    }
    // Alternate whole branches between the sides until each has its requests.
    let (mut a, mut b) = (Vec::<(i64, i64)>::new(), Vec::<(i64, i64)>::new());
    let mut hook_branches = Vec::new();
    for (i, (branch, ids)) in by_branch.iter().enumerate() {
        let side = if i % 2 == 0 { &mut a } else { &mut b };
        if side.len() >= args.requests {
            continue;
        }
        if i % 2 == 0 {
            hook_branches.push(*branch);
        }
        side.extend(ids.iter().map(|id| (*branch, *id)));
        if a.len() >= args.requests && b.len() >= args.requests {
            break;
        }
    }
    a.truncate(args.requests);
    b.truncate(args.requests);
    if a.len() < args.requests || b.len() < args.requests {
        bail!("党员不足：每边需要 {} 人，实有 {} 和 {}", args.requests, a.len(), b.len());
    }

    // In this process only: 待审批 also goes to the org's group.
    let mut rules = (*db.rules()).clone();
    for k in &mut rules.notify.kinds {
        if k.kind == NotifyKind::ApprovalWaiting {
            k.webhook = true;
        }
    }
    db.set_rules(rules);

    let hits = Arc::new(AtomicUsize::new(0));
    let addr = slow_robot(Duration::from_millis(args.delay_ms), hits.clone()).await?;
    for branch in &hook_branches {
        let input = WebhookInput {
            robot: Some(RobotKind::Wecom),
            name: "压测慢速机器人".into(),
            url: format!("http://{addr}/robot"),
            secret: None,
            markdown: Some(true),
            enabled: Some(true),
        };
        sys.notices().create_webhook(*branch, &input).await?;
    }
    let worker = tokio::spawn(vanguard_web::notify::deliver::run(db.clone(), Duration::from_millis(100)));

    let mut paths = BTreeMap::new();
    let mut writers = Vec::new();
    for (i, ((ba, ma), (bb, mb))) in a.iter().zip(b.iter()).enumerate() {
        for (with_robot, branch, member) in [(true, *ba, *ma), (false, *bb, *mb)] {
            if let std::collections::btree_map::Entry::Vacant(e) = paths.entry(branch) {
                e.insert(sys.orgs().org(branch).await?.path);
            }
            let scope = Scope {
                actor: Actor {
                    account_id: 9_000_000 + i as i64 * 2 + i64::from(with_robot),
                    name: "bench".into(),
                    ip: "local".into(),
                },
                role: Role::Member,
                region_id: region,
                reach: Reach::OwnRecord { member_id: member, branch_path: paths[&branch].clone() },
                member_id: Some(member),
                scope_org_id: None,
            };
            writers.push(Writer { scope, with_robot });
        }
    }
    println!(
        "SETUP members_a={} members_b={} robots={} robot_delay_ms={} clients={}",
        a.len(),
        b.len(),
        hook_branches.len(),
        args.delay_ms,
        args.clients
    );

    let writers = Arc::new(writers);
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..args.clients.max(1) {
        let (db, writers, next) = (db.clone(), writers.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut out: Vec<(bool, Duration)> = Vec::new();
            let mut failed = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(w) = writers.get(i) else { break };
                let started = Instant::now();
                let r = db.scoped(&w.scope).pledges().write_commitment("压测：带头做好本职工作，每月参加一次志愿服务").await;
                let took = started.elapsed();
                match r {
                    Ok(_) => out.push((w.with_robot, took)),
                    Err(_) => failed += 1,
                }
            }
            (out, failed)
        }));
    }
    let (mut with, mut without, mut failed) = (Vec::new(), Vec::new(), 0);
    for t in tasks {
        let (out, f) = t.await?;
        failed += f;
        for (robot, d) in out {
            if robot { with.push(d) } else { without.push(d) }
        }
    }
    with.sort();
    without.sort();
    // Let the worker drain: every A request is one post of `delay` each, one at a time.
    let deadline = Instant::now() + Duration::from_millis(args.delay_ms * with.len() as u64 + 30_000);
    while hits.load(Ordering::Relaxed) < with.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    worker.abort();
    let (p99a, p99b) = (pct(&with, 99.0), pct(&without, 99.0));
    println!("RESULT webhook with_robot n={} p50_ms={:.2} p99_ms={:.2}", with.len(), pct(&with, 50.0), p99a);
    println!("RESULT webhook without_robot n={} p50_ms={:.2} p99_ms={:.2}", without.len(), pct(&without, 50.0), p99b);
    println!("RESULT webhook p99_ratio={:.3} (with/without) failed={failed}", p99a / p99b);
    println!(
        "RESULT webhook delivered={} of {} (robot answers after {} ms)",
        hits.load(Ordering::Relaxed),
        with.len(),
        args.delay_ms
    );
    Ok(())
}
