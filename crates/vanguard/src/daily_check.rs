//! The server's daily check, run in the background at a set time of day (China time):
//! the full recompute of `vanguard check`, so that what became late overnight — a month
//! without its 主题党日, a term that ran out — shows the next morning without a cron job;
//! then the audit chain's verification (security.md L2), whose outcome is recorded and
//! shown on the auditor's page; then the time-based notifications (`store::notify::produce`).
//! A check missed while the server was down runs at start.

use std::time::Duration;
use vanguard_domain::kernel::audit::CHECKPOINT_INTERVAL_MS;
use vanguard_store::orglife::check as findings;
use vanguard_store::{Actor, Db};

/// `--daily-check`: a time of day `HH:MM`, or `off`.
#[derive(Clone, Copy, Debug)]
pub struct DailyCheck(pub Option<u32>);

impl std::str::FromStr for DailyCheck {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("off") {
            return Ok(DailyCheck(None));
        }
        vanguard_domain::kernel::time::parse_time_of_day(s)
            .map(|m| DailyCheck(Some(m)))
            .ok_or_else(|| format!("“{s}”不是有效的时间，请写成 HH:MM（如 02:00），或写 off 关闭每日检查"))
    }
}

/// Runs forever: a catch-up check if none ran today, then one at `minute_of_day` every day.
pub async fn run(db: Db, minute_of_day: u32) {
    let today_start = vanguard_domain::kernel::time::china_day_start_ms(db.clock().now_ms());
    match findings::checked_since(&db, today_start).await {
        Ok(true) => {}
        Ok(false) => check_all(&db).await,
        Err(e) => tracing::error!(error = %e, "每日检查：无法读取上次检查时间"),
    }
    loop {
        let now = db.clock().now_ms();
        let next = vanguard_domain::kernel::time::next_daily_run_ms(now, minute_of_day);
        tokio::time::sleep(Duration::from_millis(u64::try_from(next - now).unwrap_or(0))).await;
        check_all(&db).await;
    }
}

/// One check of every region; failures are logged, and the next day tries again.
async fn check_all(db: &Db) {
    let regions = match vanguard_store::org::regions(db).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "每日检查：无法读取党组织");
            return;
        }
    };
    let actor = Actor::system("scheduler");
    for root in regions {
        let as_of = db.clock().today();
        match findings::check_region(db, &actor, root.region_id, as_of, |_, _| {}).await {
            Ok(s) => tracing::info!(
                region = %root.name, as_of = %s.as_of, opened = s.opened, updated = s.updated,
                resolved = s.resolved, caught_up = s.caught_up, seconds = s.seconds, "每日检查完成"
            ),
            Err(e) => tracing::error!(region = %root.name, error = %e, "每日检查失败"),
        }
        match vanguard_store::platform::engines::run_all(db, root.region_id, as_of).await {
            Ok(runs) => {
                for r in runs {
                    tracing::info!(
                        region = %root.name, engine = r.name, opened = r.changes.opened, updated = r.changes.updated,
                        resolved = r.changes.resolved, seconds = r.seconds, "每日检查完成"
                    );
                }
            }
            Err(e) => tracing::error!(region = %root.name, error = %e, "每日检查失败"),
        }
        // Time-based notifications (the day-before meeting reminder, overdue 问题), after
        // the findings are up to date; keyed, so a second run the same day sends nothing.
        match vanguard_store::notify::produce::run_region(db, root.region_id, as_of).await {
            Ok(p) => {
                tracing::info!(region = %root.name, meetings = p.meetings, findings = p.findings, in_app = p.in_app, outbox = p.outbox, "每日通知已生成")
            }
            Err(e) => tracing::error!(region = %root.name, error = %e, "每日通知生成失败"),
        }
        reconcile_dues(db, &actor, &root).await;
    }
    // A failed verification also raises a security alert for the 安全管理员 and the 审计员.
    match vanguard_store::platform::audit::verify_and_record(db, &actor, |_, _| {}).await {
        Ok(v) if v.is_intact() => tracing::info!(records = v.records, "审计日志哈希链校验通过"),
        Ok(v) => tracing::error!(records = v.records, problems = %v.summary(), "审计日志哈希链校验未通过"),
        Err(e) => tracing::error!(error = %e, "审计日志哈希链无法校验"),
    }
    // Retention: records past it (never younger than 180 days) move to the archive.
    let retention = vanguard_domain::kernel::audit::MIN_RETENTION_DAYS;
    match vanguard_store::platform::audit::archive_older_than(db, &actor, retention, 1_000_000).await {
        Ok(out) if out.records > 0 => tracing::info!(records = out.records, file = %out.file, "审计记录已归档"),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "审计记录归档失败"),
    }
    match vanguard_store::platform::refusals::prune(db, 7 * 86_400_000).await {
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "拒绝计数清理失败"),
    }
}

/// The 党费 gateways' reconciliation of one region: payments taken at a gateway whose
/// notification never came are recorded (once), orders recorded here that the gateway
/// does not know are flagged for the secretary.
pub(crate) async fn reconcile_dues(db: &Db, actor: &Actor, root: &vanguard_store::org::OrgRow) {
    let scope = vanguard_store::Scope::system(root.region_id, &root.path, actor.clone());
    let scoped = db.scoped(&scope);
    let gateways = |name: &str| vanguard_web::affairs::gateway::gateway_for(name);
    match vanguard_web::affairs::gateway::reconcile(&scoped.dues(), &gateways, db.clock().now_ms()).await {
        Ok(r) if r.flagged > 0 => tracing::error!(
            region = %root.name, recorded = r.recorded, failed = r.failed, flagged = r.flagged, pending = r.pending,
            "党费对账：有订单与支付渠道不符，已标记待支部核查"
        ),
        Ok(r) => tracing::info!(
            region = %root.name, recorded = r.recorded, failed = r.failed, pending = r.pending, "党费对账完成"
        ),
        Err(e) => tracing::error!(region = %root.name, error = %e, "党费对账失败"),
    }
}

/// Runs forever: write-behind checkpoints of the audit chain outside the database
/// (`DATA_DIR/audit.anchor`). Every [`CHECKPOINT_INTERVAL_MS`] the head is read (one
/// row by key) and, when it moved, written to the file — so records committed more than
/// an interval ago cannot be cut off the chain's end unnoticed. Bursts of writes are
/// coalesced into one file write per interval.
pub async fn checkpoints(db: Db) {
    // One alert per kind of problem found, not one every interval (a problem's numbers
    // move on with every record written after it).
    let mut alerted = None;
    loop {
        tokio::time::sleep(Duration::from_millis(CHECKPOINT_INTERVAL_MS as u64)).await;
        match vanguard_store::platform::audit::checkpoint(&db).await {
            Ok(None) => {}
            Ok(Some(problem)) if alerted != Some(std::mem::discriminant(&problem)) => {
                let detail = problem.describe();
                tracing::error!(problem = %detail, "审计检查点与数据库不符");
                let kind = vanguard_store::platform::alerts::AUDIT_VERIFY_FAILED;
                if let Err(e) = vanguard_store::platform::alerts::raise(&db, kind, &detail).await {
                    tracing::error!(error = %e, "无法记录安全告警");
                }
                alerted = Some(std::mem::discriminant(&problem));
            }
            Ok(Some(_)) => {}
            Err(e) => tracing::error!(error = %e, "无法写入审计检查点"),
        }
    }
}
