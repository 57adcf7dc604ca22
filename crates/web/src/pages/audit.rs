//! The audit-log viewer (审计员 only): filters, paging back in time, chain verification.

use super::{PageResult, Shell, fmt_time, render};
use crate::AppState;
use crate::extract::{Ctx, QueryParams};
use askama::Template;
use axum::extract::State;
use serde::Deserialize;
use vanguard_store::audit::{self, AuditFilter};

pub struct Line {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub ip: String,
    pub action: String,
    pub object: String,
    pub result: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    shell: Shell,
    q: AuditQuery,
    lines: Vec<Line>,
    next_before: Option<i64>,
    verification: Option<String>,
    intact: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AuditQuery {
    pub action: String,
    pub actor: String,
    pub result: String,
    /// YYYY-MM-DD (China dates).
    pub from: String,
    pub to: String,
    pub before: String,
    pub verify: String,
}

fn day_start_ms(s: &str) -> Option<i64> {
    let d = vanguard_domain::member::parse_iso_date(s)?;
    let t = d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis();
    Some(t - i64::from(vanguard_domain::CHINA_OFFSET_SECONDS) * 1000)
}

pub async fn list(State(state): State<AppState>, ctx: Ctx, QueryParams(q): QueryParams<AuditQuery>) -> PageResult {
    let f = AuditFilter {
        action: q.action.trim().to_string(),
        actor: q.actor.trim().to_string(),
        result: q.result.trim().to_string(),
        from_ms: day_start_ms(&q.from),
        to_ms: day_start_ms(&q.to).map(|t| t + 86_400_000),
        before_seq: q.before.parse().ok(),
        limit: Some(100),
    };
    let rows = audit::list(&state.db, &f).await?;
    let next_before = (rows.len() == 100).then(|| rows.last().map(|r| r.seq)).flatten();
    let lines = rows
        .into_iter()
        .map(|r| Line {
            seq: r.seq,
            at: fmt_time(r.at),
            actor: r.actor_name,
            ip: r.ip,
            action: r.action,
            object: r.object,
            result: r.result,
            detail: r.detail,
        })
        .collect();
    let (verification, intact) = if q.verify == "1" {
        let v = audit::verify(&state.db, |_, _| {}).await?;
        let text = if v.is_intact() {
            format!("哈希链完整：共 {} 条记录，未发现修改、插入或删除。", v.records)
        } else {
            format!("发现 {} 处问题（共 {} 条记录）：{}", v.problems.len(), v.records, serde_json_lite(&v.problems))
        };
        (Some(text), v.is_intact())
    } else {
        (None, true)
    };
    let shell = Shell::new(&state, &ctx, "audit").await;
    Ok(render(&AuditPage { shell, q, lines, next_before, verification, intact }))
}

fn serde_json_lite(problems: &[audit::ChainProblem]) -> String {
    problems
        .iter()
        .map(|p| match p {
            audit::ChainProblem::Modified { seq } => format!("第{seq}条被修改或伪造"),
            audit::ChainProblem::Missing { from_seq, to_seq } => format!("第{from_seq}至{to_seq}条被删除"),
            audit::ChainProblem::HeadMismatch { head_seq, last_seq } => {
                format!("链尾不符（应至第{head_seq}条，实至第{last_seq}条）")
            }
        })
        .collect::<Vec<_>>()
        .join("；")
}
