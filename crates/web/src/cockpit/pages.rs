//! 驾驶舱 pages: compliance per rule over the caller's subtree with red/amber/green, the
//! children ranked, the month-by-month trend (ECharts), and drill-down to the branches
//! and the members behind every number; the findings list (预警/问题清单).

use crate::AppState;
use crate::extract::{Ctx, Id, Paged, QueryParams};
use crate::shell::{PageResult, Pager, Shell, fmt_time, render};
use askama::Template;
use axum::extract::State;
use serde::Deserialize;
use vanguard_domain::kernel::paging::Page;
use vanguard_store::cockpit::{BranchFigure, Cockpit, FindingFilter, FindingView, Trend};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CockpitQuery {
    pub period: String,
    pub year: String,
}

#[derive(Template)]
#[template(path = "cockpit/cockpit.html")]
struct CockpitPage {
    shell: Shell,
    c: Cockpit,
    trend: Trend,
    chart: String,
}

pub async fn overview(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    QueryParams(q): QueryParams<CockpitQuery>,
) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    let period = Some(q.period.trim()).filter(|p| !p.is_empty());
    let c = scoped.cockpit().overview(id, period).await?;
    let trend = scoped.cockpit().cockpit_trend(id, q.year.trim().parse().ok()).await?;
    let chart = serde_json::to_string(&trend.chart).unwrap_or_default();
    let shell = Shell::new(&state, &ctx, "cockpit").await;
    Ok(render(&CockpitPage { shell, c, trend, chart }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BranchQuery {
    pub rule: String,
    pub period: String,
    pub compliant: String,
}

#[derive(Template)]
#[template(path = "cockpit/branches.html")]
struct BranchesPage {
    shell: Shell,
    org_id: i64,
    q: BranchQuery,
    l: Page<BranchFigure>,
    pager: Pager,
}

pub async fn branches(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    QueryParams(q): QueryParams<BranchQuery>,
    Paged(req): Paged,
) -> PageResult {
    let compliant = match q.compliant.as_str() {
        "true" => Some(true),
        "all" => None,
        _ => Some(false),
    };
    let period = Some(q.period.trim()).filter(|p| !p.is_empty());
    let l = ctx.scoped(&state.db).cockpit().cockpit_branches(id, q.rule.trim(), period, compliant, &req).await?;
    let pager = Pager::new(
        &l,
        &format!("/cockpit/{id}/branches"),
        &[("rule", q.rule.clone()), ("period", q.period.clone()), ("compliant", q.compliant.clone())],
    );
    let shell = Shell::new(&state, &ctx, "cockpit").await;
    Ok(render(&BranchesPage { shell, org_id: id, q, l, pager }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FindingsQuery {
    pub org_id: String,
    pub rule: String,
    pub subject: String,
    pub status: String,
}

/// A finding as listed on the page.
pub struct FindingLine {
    pub f: FindingView,
    pub first_seen: String,
    pub resolved: String,
}

#[derive(Template)]
#[template(path = "cockpit/findings.html")]
struct FindingsPage {
    shell: Shell,
    q: FindingsQuery,
    pager: Pager,
    lines: Vec<FindingLine>,
}

pub async fn findings(
    State(state): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<FindingsQuery>,
    Paged(req): Paged,
) -> PageResult {
    let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let f = FindingFilter {
        org_id: q.org_id.trim().parse().ok(),
        rule: opt(&q.rule),
        subject: opt(&q.subject),
        status: opt(&q.status),
        severity: None,
    };
    let l = ctx.scoped(&state.db).cockpit().findings(&f, &req).await?;
    let pager = Pager::new(
        &l,
        "/findings",
        &[("org_id", q.org_id.clone()), ("rule", q.rule.clone()), ("subject", q.subject.clone()), ("status", q.status.clone())],
    );
    let lines = l
        .items
        .into_iter()
        .map(|f| FindingLine {
            first_seen: fmt_time(f.first_seen_at),
            resolved: f.resolved_at.map(fmt_time).unwrap_or_default(),
            f,
        })
        .collect();
    let shell = Shell::new(&state, &ctx, "cockpit").await;
    Ok(render(&FindingsPage { shell, q, pager, lines }))
}
