//! 组织生活 on the command line: `vanguard check` (recompute every finding and
//! compliance figure), the optional history of a demo city, and the hidden
//! `vanguard bench orglife` behind `bench/orglife.sh`.

use anyhow::{Context, Result, bail};
use chrono::Datelike;
use clap::Args;
use std::time::{Duration, Instant};
use vanguard_domain::kernel::auth::{Reach, Role};
use vanguard_domain::kernel::finding::Severity;
use vanguard_domain::kernel::paging::PageRequest;
use vanguard_domain::kernel::time::date_text;
use vanguard_store::orglife::check::{self, RecomputeSummary};
use vanguard_store::platform::probe;
use vanguard_store::{Actor, Db, Scope};

/// `vanguard check`: recomputes every region as of `as_of` (default today) and prints
/// the open findings by rule.
pub async fn check(db: &Db, as_of: Option<&str>) -> Result<()> {
    let as_of = match as_of {
        Some(s) => vanguard_domain::kernel::time::parse_iso_date(s)
            .with_context(|| format!("日期“{s}”无效，请按 YYYY-MM-DD 填写，如 2026-11-30"))?,
        None => db.clock().today(),
    };
    let regions = vanguard_store::org::regions(db).await?;
    if regions.is_empty() {
        bail!("数据库中还没有党组织，无需检查");
    }
    for root in regions {
        let pb = crate::progress_bar(0, "重新计算组织生活预警");
        let s = check::check_region(db, &Actor::system("cli"), root.region_id, as_of, |done, total| {
            pb.set_length(total);
            pb.set_position(done);
        })
        .await?;
        pb.finish_and_clear();
        print_summary(db, &root.name, &s);
        for r in vanguard_store::platform::engines::run_all(db, root.region_id, as_of).await? {
            println!(
                "  {}：检查 {} 项，新增 {} 条，更新 {} 条，已整改 {} 条，用时 {:.1} 秒",
                r.name, r.subjects, r.changes.opened, r.changes.updated, r.changes.resolved, r.seconds
            );
        }
    }
    Ok(())
}

fn print_summary(db: &Db, name: &str, s: &RecomputeSummary) {
    println!(
        "已按 {} 重新计算“{name}”的组织生活预警（评估自 {} 起）：党组织 {} 个，党员 {} 名，用时 {:.1} 秒",
        s.as_of, s.window_start, s.orgs, s.members, s.seconds
    );
    println!(
        "  预警与问题：新增或再次出现 {} 条，内容更新 {} 条，已整改 {} 条；达标统计写入 {} 行，删除 {} 行",
        s.opened, s.updated, s.resolved, s.compliance_written, s.compliance_deleted
    );
    if s.caught_up > 0 {
        println!("  检查期间有 {} 个党组织的记录发生变化，已按最新记录重新计算", s.caught_up);
    }
    if s.open_by_rule.is_empty() {
        println!("  没有未整改的预警与问题");
        return;
    }
    println!("  未整改的预警与问题（按规则）：");
    let rules = db.rules();
    let mut total = 0;
    for c in &s.open_by_rule {
        let severity = Severity::from_code(&c.severity).map(Severity::label).unwrap_or("?");
        println!(
            "    {:<26} {severity} {:>7}  {}",
            c.rule_code,
            c.count,
            vanguard_domain::orglife::check::rule_title(&rules, &c.rule_code)
        );
        total += c.count;
    }
    println!("    合计 {total} 条");
}

/// `vanguard demo --scale city --history`: the year of organizational life of a city.
pub async fn city_history(db: &Db, region_id: i64, seed: u64) -> Result<()> {
    let pb = crate::progress_bar(0, "生成组织生活历史");
    let started = Instant::now();
    let h = vanguard_demo::history::generate(db, region_id, seed, |done, total| {
        pb.set_length(total);
        pb.set_position(done);
    })
    .await?;
    pb.finish_and_clear();
    eprintln!(
        "已生成自 {} 起的组织生活记录：{} 次会议，{} 条出勤，{} 份年度计划；载入 {:.1} 秒，计算预警 {:.1} 秒，共 {:.1} 秒",
        h.start,
        h.meetings,
        h.attendance,
        h.plans,
        h.load_seconds,
        h.recompute.seconds,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

// ---- bench orglife ----------------------------------------------------------------------

#[derive(Args)]
pub struct OrglifeBench {
    /// A depth-1 org whose name contains this text: the district of the district figures
    /// and of the incremental updates.
    #[arg(long, default_value = "江北区")]
    district: String,
    /// Meetings saved for the incremental figure.
    #[arg(long, default_value_t = 200)]
    meetings: usize,
    /// Requests per cockpit figure.
    #[arg(long, default_value_t = 40)]
    requests: usize,
    /// Skip the full recompute.
    #[arg(long)]
    no_recompute: bool,
    /// Empty the findings and compliance tables before the first recompute, so it writes
    /// everything (destroys their history: benchmark databases only).
    #[arg(long)]
    cold: bool,
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1e3
}

/// Runs `f` `n` times after two warm-ups; returns sorted durations.
async fn timed<F, Fut, T>(n: usize, mut f: F) -> Result<Vec<Duration>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    for _ in 0..2 {
        f().await?;
    }
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f().await?;
        v.push(t.elapsed());
    }
    v.sort();
    Ok(v)
}

/// One figure line the script reads: `RESULT <name> <p50> <p95> <p99>` (milliseconds).
fn report(name: &str, sorted: &[Duration]) {
    println!("RESULT {name} {:.3} {:.3} {:.3} n={}", pct(sorted, 50.0), pct(sorted, 95.0), pct(sorted, 99.0), sorted.len());
}

pub async fn bench(args: OrglifeBench, store: &crate::StoreArgs) -> Result<()> {
    let db = store.open().await?;
    let r = run_bench(&db, &args).await;
    db.close().await;
    r
}

async fn run_bench(db: &Db, args: &OrglifeBench) -> Result<()> {
    let root = vanguard_store::org::regions(db).await?.into_iter().next().context("数据库中没有党组织")?;
    let region = root.region_id;
    let city = Scope::system(region, &root.path, Actor::system("bench"));
    let district =
        db.scoped(&city).orgs().children(root.id).await?.into_iter().find(|o| o.name.contains(&args.district)).map(|o| o.id);
    let district_id = district.unwrap_or(root.id);
    let district_row = db.scoped(&city).orgs().org(district_id).await?;
    let dscope = Scope {
        actor: Actor::system("bench"),
        role: Role::CommitteeAdmin,
        region_id: region,
        reach: Reach::Subtree { root_path: district_row.path.clone() },
        member_id: None,
        scope_org_id: Some(district_id),
    };
    let counts = db.scoped(&city).orgs().subtree_counts(&root).await?;
    let attendance = probe::attendance_rows(db, region).await?;
    println!(
        "SCALE orgs={} members={} attendance={} district={} ({})",
        counts.orgs, counts.members, attendance, district_row.name, district_row.id
    );

    // Ceilings measured in this run.
    let hi = vanguard_domain::org::path::upper(&root.path);
    let all_orgs = timed(args.requests, || async { Ok(probe::preaggregate_sum(db, region, &root.path, &hi).await?) }).await?;
    report("ceiling_city_preaggregate", &all_orgs);
    let dhi = vanguard_domain::org::path::upper(&district_row.path);
    let subtree =
        timed(args.requests, || async { Ok(probe::subtree_member_count(db, region, &district_row.path, &dhi).await?) }).await?;
    report("ceiling_district_subtree_filter", &subtree);
    let bare_write = timed(args.requests, || async { Ok(probe::one_write(db, region).await?) }).await?;
    report("ceiling_one_write_tx", &bare_write);

    // The full recompute.
    if !args.no_recompute {
        if args.cold {
            probe::clear_findings(db, region).await?;
        }
        let today = db.clock().today();
        for pass in ["first", "again"] {
            let s = check::recompute_all(db, region, today, |_, _| {}).await?;
            println!(
                "RECOMPUTE {pass} seconds={:.2} org_part={:.2} read={:.2} evaluate={:.2} write={:.2} orgs={} members={} attendance={} opened={} updated={} resolved={} compliance_written={}",
                s.seconds,
                s.org_seconds,
                s.read_seconds,
                s.evaluate_seconds,
                s.write_seconds,
                s.orgs,
                s.members,
                s.attendance_rows,
                s.opened,
                s.updated,
                s.resolved,
                s.compliance_written
            );
        }
    }

    check::refresh_statistics(db).await?;

    // The incremental update after saving one meeting: a 主题党日 of last month with
    // everyone present, written and refreshed in a transaction that is then rolled back.
    let branches = probe::populated_branches(db, region, &district_row.path, &dhi).await?;
    if branches.is_empty() {
        bail!("{} 下没有党支部", district_row.name);
    }
    let step = (branches.len() / args.meetings.max(1)).max(1);
    let picked: Vec<&(i64, String)> = branches.iter().step_by(step).take(args.meetings).collect();
    let today = db.clock().today();
    let held_on = date_text(today.with_day0(0).and_then(|d| d.pred_opt()).unwrap_or(today));
    let mut refresh = Vec::new();
    let mut whole = Vec::new();
    let mut roll = 0usize;
    for (i, (branch_id, path)) in picked.iter().cycle().take(picked.len() + 2).enumerate() {
        let t = probe::synthetic_theme_day(db, region, *branch_id, path, &held_on).await?;
        roll += t.roll;
        if i >= 2 {
            refresh.push(t.refresh);
            whole.push(t.whole);
        }
    }
    refresh.sort();
    whole.sort();
    println!("INCREMENTAL meetings={} avg_roll={:.1}", refresh.len(), roll as f64 / (picked.len() + 2) as f64);
    report("refresh_after_meeting", &refresh);
    report("meeting_write_plus_refresh", &whole);

    // The cockpit.
    let sc = db.scoped(&city);
    let sd = db.scoped(&dscope);
    report("cockpit_city_root", &timed(args.requests, || async { Ok(sc.cockpit().overview(root.id, None).await?) }).await?);
    report(
        "cockpit_city_root_year",
        &timed(args.requests / 4 + 1, || async {
            Ok(sc.cockpit().overview(root.id, Some(&today.format("%Y").to_string())).await?)
        })
        .await?,
    );
    report(
        "trend_city_root",
        &timed(args.requests / 4 + 1, || async { Ok(sc.cockpit().cockpit_trend(root.id, None).await?) }).await?,
    );
    report("cockpit_district", &timed(args.requests, || async { Ok(sd.cockpit().overview(district_id, None).await?) }).await?);
    report("trend_district", &timed(args.requests, || async { Ok(sd.cockpit().cockpit_trend(district_id, None).await?) }).await?);
    report(
        "drilldown_branches_district",
        &timed(args.requests, || async {
            Ok(sd
                .cockpit()
                .cockpit_branches(district_id, "orglife.theme_day", None, Some(false), &PageRequest::first(50))
                .await?)
        })
        .await?,
    );
    report(
        "drilldown_members_district",
        &timed(args.requests, || async { Ok(sd.cockpit().cockpit_members(district_id, None, &PageRequest::first(50)).await?) })
            .await?,
    );
    report("todo_district", &timed(args.requests, || async { Ok(sd.cockpit().todos(Some(district_id), None).await?) }).await?);
    let c = sc.cockpit().overview(root.id, None).await?;
    println!(
        "COCKPIT city {} period={} rules={} children={} overall={:?}/{:?}",
        c.org.name,
        c.period_key,
        c.rules.len(),
        c.children.len(),
        c.overall.compliant,
        c.overall.total
    );
    Ok(())
}
