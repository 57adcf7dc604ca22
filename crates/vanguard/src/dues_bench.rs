//! `vanguard bench dues` (hidden): the 党费 figures of issue 13, on a generated city.
//!
//! 1. Bills: one month of bills for the whole region in one call of the store's own
//!    [`Dues::generate_bills`] (target < 10 s for the city). The month is the latest of
//!    the months still payable (补交 window) that has no bills yet, so a second run takes
//!    the month before; members without a base get one first (the demo's generator),
//!    timed apart.
//! 2. Payments: members outside the district pay that month through
//!    [`Dues::record_payment`] from `clients` concurrent clients, every tenth request sent
//!    twice at once with the same idempotency key; next to it, in the same run, the
//!    group-commit ceiling ([`probe::group_commit`]: `clients` one-row writes per
//!    transaction, back to back). Afterwards the ledger must hold exactly one entry per
//!    payment and replaying keys must record nothing.
//! 3. The month-start burst: members of the district each pay at a random moment of the
//!    window through the portal's path (an order, the gateway's notification — delivered
//!    twice for some), with the latency from the moment they arrive; afterwards the
//!    district's ledger and bills are counted and summed: no payment lost or doubled.
//!
//! Figures are printed as `RESULT …` lines; a benchmark never decides pass or fail, but
//! a lost or doubled payment is an error.
//!
//! [`Dues::generate_bills`]: vanguard_store::affairs::Dues::generate_bills
//! [`Dues::record_payment`]: vanguard_store::affairs::Dues::record_payment

use anyhow::{Context, Result, bail};
use clap::Args;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use vanguard_domain::affairs::dues::{DuesBase, Month, PaymentInput};
use vanguard_domain::kernel::auth::{Reach, Role};
use vanguard_domain::org::path::upper;
use vanguard_store::affairs::dues_bulk::{BaseRecord, insert_bases};
use vanguard_store::affairs::dues_probe::{self, MonthTotals, Owing};
use vanguard_store::platform::probe;
use vanguard_store::{Actor, Db, Scope};

#[derive(Args)]
pub struct DuesBench {
    /// A depth-1 org whose name contains this text: the district of the burst.
    #[arg(long, default_value = "江北区")]
    district: String,
    /// Payments recorded for the throughput figure.
    #[arg(long, default_value_t = 20_000)]
    payments: usize,
    /// Concurrent clients of the throughput figure and its ceiling.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Members of the district paying in the burst.
    #[arg(long, default_value_t = 10_000)]
    burst_members: usize,
    /// The burst's window, in seconds.
    #[arg(long, default_value_t = 600)]
    burst_seconds: u64,
    /// Percent of payments submitted twice (same key / the notification repeated).
    #[arg(long, default_value_t = 10)]
    repeat_percent: usize,
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1e3
}

pub async fn bench(args: DuesBench, store: &crate::StoreArgs) -> Result<()> {
    let db = store.open().await?;
    let r = run(&db, &args).await;
    db.close().await;
    r
}

fn cash(month: &str, payer: &str) -> PaymentInput {
    PaymentInput { months: vec![month.to_string()], voluntary: String::new(), payer: payer.into(), payer_name: String::new() }
}

fn differs(before: MonthTotals, after: MonthTotals, expected: &[Owing]) -> Result<(i64, i64)> {
    let want = expected.len() as i64;
    let want_fen: i64 = expected.iter().map(|o| o.amount_fen).sum();
    let entries = after.entries - before.entries;
    let fen = after.entries_fen - before.entries_fen;
    let bills = after.paid_bills - before.paid_bills;
    let paid_fen = after.paid_fen - before.paid_fen;
    println!(
        "LEDGER expected={want} entries={entries} paid_bills={bills} expected_fen={want_fen} entries_fen={fen} bills_paid_fen={paid_fen} doubled={}",
        after.doubled
    );
    if entries != want || bills != want || fen != want_fen || paid_fen != want_fen || after.doubled != 0 {
        bail!(
            "党费台账与预期不符：应记 {want} 笔 {want_fen} 分，实记 {entries} 笔 {fen} 分，账单已交 {bills} 份 {paid_fen} 分，重复 {} 人",
            after.doubled
        );
    }
    Ok((want - entries, after.doubled))
}

async fn run(db: &Db, args: &DuesBench) -> Result<()> {
    let root = vanguard_store::org::regions(db).await?.into_iter().next().context("数据库中没有党组织")?;
    let region = root.region_id;
    let system = Scope::system(region, &root.path, Actor::system("bench"));
    let sys = db.scoped(&system);
    let district = sys
        .orgs()
        .children(root.id)
        .await?
        .into_iter()
        .find(|o| o.name.contains(&args.district))
        .with_context(|| format!("“{}”下没有名称含“{}”的下级党组织", root.name, args.district))?;
    let district = sys.orgs().org(district.id).await?;
    let counts = sys.orgs().subtree_counts(&root).await?;
    println!("SCALE orgs={} members={} district={} ({})", counts.orgs, counts.members, district.name, district.id);

    // ---- 1. a month of bills -------------------------------------------------------------
    let current = Month::of(db.clock().today());
    let makeup = db.rules().dues.makeup_months as i32;
    if dues_probe::members_with_base(db, region).await? == 0 {
        let started = Instant::now();
        let members = vanguard_store::member::bulk::loaded_members(db, region, &root.path, &upper(&root.path)).await?;
        let ids: Vec<i64> = members.iter().map(|m| m.id).collect();
        let seeds = vanguard_demo::generate::dues::dues_seeds(7, &ids);
        let now = db.clock().now_ms();
        let bases: Vec<BaseRecord> = ids
            .iter()
            .zip(&seeds)
            .map(|(id, s)| BaseRecord {
                member_id: *id,
                base: DuesBase {
                    category: s.category,
                    base_fen: s.base_fen,
                    fixed_fen: s.fixed_fen,
                    from_month: current.plus(-makeup),
                },
                recorded_at: now,
            })
            .collect();
        let mut tx = db.begin().await?;
        insert_bases(&mut tx, db, region, &bases).await?;
        tx.commit().await?;
        println!("BASES inserted={} seconds={:.2}", bases.len(), started.elapsed().as_secs_f64());
    }
    let mut month = None;
    for back in 0..=makeup {
        let m = current.plus(-back);
        if dues_probe::bills_in_month(db, region, &m.key()).await? == 0 {
            month = Some(m);
            break;
        }
    }
    let Some(month) = month else {
        bail!("可补交的{}个月都已生成账单：请重新生成基准数据（vanguard demo --scale city）", makeup + 1)
    };
    let key = month.key();
    let started = Instant::now();
    let out = sys.dues().generate_bills(root.id, &key).await?;
    let bills_seconds = started.elapsed().as_secs_f64();
    println!(
        "RESULT bills_month={key} bills_created={} without_base={} bills_seconds={bills_seconds:.2} target_seconds=10 met={}",
        out.created,
        out.without_base,
        bills_seconds < 10.0
    );

    // ---- 2. recording payments, and the group-commit ceiling -----------------------------
    let (dlo, dhi) = (district.path.clone(), upper(&district.path));
    let (rlo, rhi) = (root.path.clone(), upper(&root.path));
    let mut payers = dues_probe::owing(db, region, &rlo, &rhi, &key, (args.payments + args.burst_members * 2) as i64).await?;
    payers.retain(|o| !(o.org_path >= dlo && o.org_path < dhi));
    payers.truncate(args.payments);
    if payers.is_empty() {
        bail!("{key} 没有未交的账单可用于测量");
    }
    let clients = args.clients.max(1);
    // The ceiling first, for as long as the payments will roughly take (at least 3 s).
    let cstart = Instant::now();
    let mut writes = 0usize;
    while writes == 0 || cstart.elapsed() < Duration::from_secs(3) {
        probe::group_commit(db, clients).await?;
        writes += clients;
    }
    let ceiling = writes as f64 / cstart.elapsed().as_secs_f64();
    println!("RESULT ceiling_group_commit_writes_per_s={ceiling:.0} rows_per_tx={clients}");

    let before = dues_probe::month_totals(db, region, &rlo, &rhi, &key).await?;
    let run_id = db.clock().now_ms();
    let payers = Arc::new(payers);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (db, payers, next, system) = (db.clone(), payers.clone(), next.clone(), system.clone());
        let every = if args.repeat_percent == 0 { usize::MAX } else { 100 / args.repeat_percent.min(100) };
        tasks.push(tokio::spawn(async move {
            let dues = db.scoped(&system);
            let mut lat = Vec::new();
            let mut replays = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(o) = payers.get(i) else { break };
                let k = format!("bench:{run_id}:{}", o.member_id);
                let input = cash(&o.month, "cash");
                let t = Instant::now();
                if i % every == 0 {
                    let d = dues.dues();
                    let (a, b) =
                        tokio::join!(d.record_payment(o.member_id, &input, &k), d.record_payment(o.member_id, &input, &k));
                    let (a, b) = (a?, b?);
                    if a.entries.len() != 1 || b.entries.first().map(|e| e.id) != a.entries.first().map(|e| e.id) {
                        anyhow::bail!("同一幂等键的两次请求得到了不同的回执（党员 {}）", o.member_id);
                    }
                    replays += usize::from(a.replayed) + usize::from(b.replayed);
                } else {
                    dues.dues().record_payment(o.member_id, &input, &k).await?;
                }
                lat.push(t.elapsed());
            }
            Ok::<_, anyhow::Error>((lat, replays))
        }));
    }
    let mut lat = Vec::new();
    let mut replays = 0;
    for t in tasks {
        let (l, r) = t.await??;
        lat.extend(l);
        replays += r;
    }
    let seconds = started.elapsed().as_secs_f64();
    lat.sort();
    let rate = payers.len() as f64 / seconds;
    let after = dues_probe::month_totals(db, region, &rlo, &rhi, &key).await?;
    differs(before, after, &payers)?;
    // Replaying keys already recorded records nothing.
    let sample: Vec<&Owing> = payers.iter().step_by((payers.len() / 500).max(1)).collect();
    for o in &sample {
        let r =
            sys.dues().record_payment(o.member_id, &cash(&o.month, "cash"), &format!("bench:{run_id}:{}", o.member_id)).await?;
        if !r.replayed {
            bail!("重放的幂等键又记了一笔（党员 {}）", o.member_id);
        }
    }
    let replayed = dues_probe::month_totals(db, region, &rlo, &rhi, &key).await?;
    if replayed != after {
        bail!("重放幂等键后台账发生了变化");
    }
    println!(
        "RESULT payments={} clients={clients} seconds={seconds:.2} payments_per_s={rate:.0} p50_ms={:.2} p99_ms={:.2} \
         double_submits_answered_replayed={replays} replayed_keys={} ratio_to_group_commit={:.3} target=0.3 met={}",
        payers.len(),
        pct(&lat, 50.0),
        pct(&lat, 99.0),
        sample.len(),
        rate / ceiling,
        rate / ceiling >= 0.3
    );

    // ---- 3. the month-start burst in the district ----------------------------------------
    if args.burst_members == 0 {
        return Ok(());
    }
    let burst = dues_probe::owing(db, region, &dlo, &dhi, &key, args.burst_members as i64).await?;
    if burst.len() < args.burst_members {
        println!("NOTE {} has only {} members owing {key}", district.name, burst.len());
    }
    let before = dues_probe::month_totals(db, region, &dlo, &dhi, &key).await?;
    let window = Duration::from_secs(args.burst_seconds.max(1));
    let every = if args.repeat_percent == 0 { usize::MAX } else { 100 / args.repeat_percent.min(100) };
    let started = Instant::now();
    let mut s: u64 = 0x2545_F491_4F6C_DD1D;
    let mut tasks = Vec::with_capacity(burst.len());
    for (i, o) in burst.iter().cloned().enumerate() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        let at = window.mul_f64((s % 1_000_000) as f64 / 1_000_000.0);
        let db = db.clone();
        let twice = i % every == 0;
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until(tokio::time::Instant::from_std(started + at)).await;
            let arrived = Instant::now();
            let scope = Scope {
                actor: Actor::system("bench-member"),
                role: Role::Member,
                region_id: region,
                reach: Reach::OwnRecord { member_id: o.member_id, branch_path: o.org_path.clone() },
                member_id: Some(o.member_id),
                scope_org_id: Some(o.org_id),
            };
            let dues = db.scoped(&scope);
            let d = dues.dues();
            let order = d.create_order(&cash(&o.month, "member"), "simulated").await?;
            let reference = format!("SIM-{}", order.id);
            if twice {
                // The gateway's notification arrives twice at once (a retry).
                let (a, b) = tokio::join!(d.settle_order(order.id, true, &reference), d.settle_order(order.id, true, &reference));
                a?;
                b?;
            } else {
                d.settle_order(order.id, true, &reference).await?;
            }
            Ok::<_, anyhow::Error>(arrived.elapsed())
        }));
    }
    let mut lat = Vec::with_capacity(tasks.len());
    let mut failed = 0usize;
    for t in tasks {
        match t.await? {
            Ok(d) => lat.push(d),
            Err(e) => {
                failed += 1;
                eprintln!("burst payment failed: {e:#}");
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    lat.sort();
    let after = dues_probe::month_totals(db, region, &dlo, &dhi, &key).await?;
    let (lost, doubled) = differs(before, after, &burst)?;
    println!(
        "RESULT burst_members={} window_s={} seconds={seconds:.1} failed={failed} lost={lost} doubled={doubled} \
         p50_ms={:.2} p95_ms={:.2} p99_ms={:.2} max_ms={:.2}",
        burst.len(),
        window.as_secs(),
        pct(&lat, 50.0),
        pct(&lat, 95.0),
        pct(&lat, 99.0),
        pct(&lat, 100.0)
    );
    Ok(())
}
