//! 驾驶舱 pages: compliance per rule over the caller's subtree with red/amber/green, the
//! children ranked, the month-by-month trend (ECharts), and drill-down to the branches
//! and the members behind every number; the findings list (预警/问题清单).

use crate::AppState;
use crate::extract::{Ctx, Id, Paged, QueryParams};
use crate::shell::{PageResult, Pager, Shell, fmt_time, render};
use askama::Template;
use axum::extract::State;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use vanguard_domain::kernel::finding::Severity;
use vanguard_domain::kernel::paging::Page;
use vanguard_domain::kernel::period::{Period, PeriodKind};
use vanguard_store::cockpit::{BranchFigure, Cockpit, FindingFilter, FindingView, RuleRate, Trend};

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct CockpitQuery {
    pub period: String,
    pub year: String,
}

/// A rule's line: a period still running is 进行中 against its deadline, not 未达标.
pub struct RuleLine {
    pub r: RuleRate,
    /// The last day of a running period (`2026-12-31`).
    pub deadline: Option<String>,
}

/// Open findings of one rule, subject kind and severity; the number links to the list
/// of exactly these findings, so the two agree.
pub struct FindingSum {
    pub rule_code: String,
    pub title: String,
    pub subject_kind: &'static str,
    /// The severity's code (`warning`, `finding`), carried by the link.
    pub severity: &'static str,
    pub severity_label: &'static str,
    pub count: i64,
}

#[derive(Template)]
#[template(path = "cockpit/cockpit.html")]
struct CockpitPage {
    shell: Shell,
    c: Cockpit,
    rules: Vec<RuleLine>,
    findings: Vec<FindingSum>,
    trend: Trend,
    chart: TrendChart,
    /// The period picker: (key, label, selected).
    periods: Vec<(String, String, bool)>,
    /// The period asked for could not be read: the current one is shown instead.
    bad_period: bool,
}

/// The periods offered: this year's and last year's months, quarters, halves and years.
fn period_options(today: NaiveDate, selected: &str) -> Vec<(String, String, bool)> {
    let mut out = Vec::new();
    for year in [today.year(), today.year() - 1] {
        let mut add = |p: Period| {
            if p.start <= today {
                let key = p.key();
                out.push((key.clone(), p.label(), key == selected));
            }
        };
        add(Period::containing(PeriodKind::Year, NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today)));
        for h in [1, 7] {
            add(Period::containing(PeriodKind::HalfYear, NaiveDate::from_ymd_opt(year, h, 1).unwrap_or(today)));
        }
        for q in [10, 7, 4, 1] {
            add(Period::containing(PeriodKind::Quarter, NaiveDate::from_ymd_opt(year, q, 1).unwrap_or(today)));
        }
        for m in (1..=12).rev() {
            add(Period::containing(PeriodKind::Month, NaiveDate::from_ymd_opt(year, m, 1).unwrap_or(today)));
        }
    }
    out
}

pub async fn overview(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    QueryParams(q): QueryParams<CockpitQuery>,
) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    let asked = q.period.trim();
    let bad_period = !asked.is_empty() && Period::parse_key(asked).is_none();
    let period = Some(asked).filter(|p| !p.is_empty() && !bad_period);
    let c = scoped.cockpit().overview(id, period).await?;
    let trend = scoped.cockpit().cockpit_trend(id, q.year.trim().parse().ok()).await?;
    let today = state.db.clock().today();
    let chart = TrendChart::of(&trend, today);
    let rules = c
        .rules
        .iter()
        .cloned()
        .map(|r| {
            let deadline = if r.open { Period::parse_key(&r.period_key).map(|p| p.end.to_string()) } else { None };
            RuleLine { r, deadline }
        })
        .collect();
    let mut findings: Vec<FindingSum> = Vec::new();
    for f in &c.findings {
        let severity = f.severity.code();
        match findings
            .iter_mut()
            .find(|s| s.rule_code == f.rule_code && s.subject_kind == f.subject_kind && s.severity == severity)
        {
            Some(s) => s.count += f.count,
            None => findings.push(FindingSum {
                rule_code: f.rule_code.clone(),
                title: f.title.clone(),
                subject_kind: f.subject_kind,
                severity,
                severity_label: f.severity_label,
                count: f.count,
            }),
        }
    }
    let periods = period_options(today, &c.period_key);
    let shell = Shell::new(&state, &ctx, "cockpit").await;
    Ok(render(&CockpitPage { shell, c, rules, findings, trend, chart, periods, bad_period }))
}

/// The trend drawn as a small inline SVG (no chart library: the page stays light). The
/// month still running is drawn hollow and labelled 进行中.
pub struct TrendChart {
    pub lines: Vec<ChartLine>,
    /// (x, month label).
    pub ticks: Vec<(u32, String)>,
    /// The x of the running month, if it is in the chart.
    pub running_x: Option<u32>,
}

pub struct ChartLine {
    pub title: String,
    pub color: &'static str,
    /// `x,y x,y …` of the closed months.
    pub points: String,
    /// (x, y, percent) of every drawn point, and whether it is the running month.
    pub dots: Vec<(u32, u32, u32, bool)>,
    /// Legend position.
    pub legend_x: u32,
    pub legend_y: u32,
}

const PALETTE: [&str; 8] = ["#b71c1c", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037", "#c2185b"];

impl TrendChart {
    /// Plot area: x 40–700, y 40 (100 %) – 220 (0 %).
    fn of(t: &Trend, today: NaiveDate) -> TrendChart {
        let x = |i: usize| 40 + (i as u32) * 60;
        let y = |pct: u32| 220 - pct.min(100) * 18 / 10;
        let running = format!("{:04}-{:02}", today.year(), today.month());
        let running_i = t.months.iter().position(|m| *m == running);
        let lines = t
            .series
            .iter()
            .enumerate()
            .map(|(n, s)| {
                let mut dots = Vec::new();
                let mut points = Vec::new();
                for (i, p) in s.points.iter().enumerate() {
                    let Some(pct) = p.rate.as_ref().and_then(|r| r.percent) else { continue };
                    let is_running = Some(i) == running_i;
                    dots.push((x(i), y(pct), pct, is_running));
                    if !is_running {
                        points.push(format!("{},{}", x(i), y(pct)));
                    }
                }
                ChartLine {
                    title: s.title.clone(),
                    color: PALETTE[n % PALETTE.len()],
                    points: points.join(" "),
                    dots,
                    legend_x: 40 + (n as u32 % 4) * 170,
                    legend_y: 256 + (n as u32 / 4) * 18,
                }
            })
            .collect();
        let ticks = t
            .months
            .iter()
            .enumerate()
            .map(|(i, m)| (x(i), format!("{}月", m.get(5..).unwrap_or(m).trim_start_matches('0'))))
            .collect();
        TrendChart { lines, ticks, running_x: running_i.map(x) }
    }

    /// Height of the drawing: the plot and the legend rows.
    pub fn height(&self) -> usize {
        262 + self.lines.len().div_ceil(4) * 18
    }
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
/// The drill-down filters as the page's form sends them (blank fields allowed).
pub struct BranchFilterForm {
    pub rule: String,
    pub period: String,
    pub compliant: String,
}

#[derive(Template)]
#[template(path = "cockpit/branches.html")]
struct BranchesPage {
    shell: Shell,
    org_id: i64,
    /// The rule the figures are about, and the period's name.
    rule_title: String,
    period_label: String,
    /// The meeting type the rule counts (for the 补记 link), if it counts one.
    rule_type: String,
    /// The period is still running: not yet done is not yet failed.
    running: bool,
    q: BranchFilterForm,
    l: Page<BranchFigure>,
    pager: Pager,
}

pub async fn branches(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    QueryParams(q): QueryParams<BranchFilterForm>,
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
    let rule_title = vanguard_domain::orglife::check::rule_title(&state.db.rules(), q.rule.trim());
    let period_label = l
        .items
        .first()
        .map(|b| b.period_label.clone())
        .or_else(|| Period::parse_key(q.period.trim()).map(|p| p.label()))
        .unwrap_or_default();
    let shell = Shell::new(&state, &ctx, "cockpit").await;
    let rule_type = match q.rule.trim().strip_prefix("orglife.") {
        Some("secretary_lecture") => "party_lecture".to_string(),
        Some(t) => vanguard_domain::orglife::MeetingType::from_code(t).map(|t| t.code().to_string()).unwrap_or_default(),
        None => String::new(),
    };
    let today = state.db.clock().today();
    let running = l.items.first().and_then(|b| Period::parse_key(&b.period_key)).is_some_and(|p| p.end >= today);
    Ok(render(&BranchesPage { shell, org_id: id, rule_title, period_label, rule_type, running, q, l, pager }))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct FindingsQuery {
    pub org_id: String,
    pub rule: String,
    pub subject: String,
    pub status: String,
    /// Exactly this severity (blank: all).
    pub severity: String,
}

/// A finding as listed on the page.
pub struct FindingLine {
    pub f: FindingView,
    pub first_seen: String,
    pub resolved: String,
    /// 整改 state, as a label.
    pub rectify: &'static str,
}

#[derive(Template)]
#[template(path = "cockpit/findings.html")]
struct FindingsPage {
    shell: Shell,
    q: FindingsQuery,
    /// The severity picker: (code, label).
    severities: Vec<(&'static str, &'static str)>,
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
        severity_is: opt(&q.severity),
        id: None,
    };
    let l = ctx.scoped(&state.db).cockpit().findings(&f, &req).await?;
    let ids: Vec<i64> = l.items.iter().map(|f| f.id).collect();
    let states = ctx.scoped(&state.db).cockpit().rectify_states(&ids).await?;
    let pager = Pager::new(
        &l,
        "/findings",
        &[
            ("org_id", q.org_id.clone()),
            ("rule", q.rule.clone()),
            ("subject", q.subject.clone()),
            ("status", q.status.clone()),
            ("severity", q.severity.clone()),
        ],
    );
    let lines = l
        .items
        .into_iter()
        .map(|f| FindingLine {
            rectify: states.get(&f.id).copied().unwrap_or(vanguard_domain::cockpit::rectify::RectifyState::Open).label(),
            first_seen: fmt_time(f.first_seen_at),
            resolved: f.resolved_at.map(fmt_time).unwrap_or_default(),
            f,
        })
        .collect();
    let shell = Shell::new(&state, &ctx, "findings").await;
    let severities = Severity::ALL.iter().rev().map(|s| (s.code(), s.label())).collect();
    Ok(render(&FindingsPage { shell, q, severities, pager, lines }))
}

#[derive(Template)]
#[template(path = "cockpit/finding.html")]
struct FindingPage {
    shell: Shell,
    r: vanguard_store::cockpit::rectify::Rectification,
    form: crate::shell::FormState,
    error: String,
}

impl FindingPage {
    fn time(&self, ms: &i64) -> String {
        fmt_time(*ms)
    }
    fn may(&self, action: &str) -> bool {
        self.r.actions.contains(&action)
    }
}

async fn finding_page(state: &AppState, ctx: &Ctx, id: i64, form: crate::shell::FormState, error: String) -> PageResult {
    let r = ctx.scoped(&state.db).cockpit().rectification(id).await?;
    let shell = Shell::new(state, ctx, "findings").await;
    let failed = !error.is_empty();
    let mut res = render(&FindingPage { shell, r, form, error });
    if failed {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// One finding with its 整改 and the forms of the steps open to the caller.
pub async fn finding(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    finding_page(&state, &ctx, id, crate::shell::FormState::default(), String::new()).await
}

pub async fn rectify(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    axum::Form(v): axum::Form<std::collections::HashMap<String, String>>,
) -> PageResult {
    let g = |k: &str| v.get(k).cloned().unwrap_or_default();
    let req = super::api::RectifyRequest {
        action: g("action"),
        measure: g("measure"),
        explanation: g("explanation"),
        evidence: g("evidence"),
    };
    let (action, input) = req.parts().map_err(crate::shell::PageError)?;
    match ctx.scoped(&state.db).cockpit().rectify(id, action, &input).await {
        Ok(_) => Ok(crate::shell::see_other(&format!("/findings/{id}?done=finding"))),
        Err(e) => {
            let errors = crate::shell::form_errors(e)?;
            let error = errors.values().cloned().collect::<Vec<_>>().join("；");
            finding_page(&state, &ctx, id, crate::shell::FormState::with_errors(v, errors), error).await
        }
    }
}
