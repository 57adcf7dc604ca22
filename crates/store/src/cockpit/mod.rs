//! 驾驶舱 (the cockpit): compliance rates of organizational life for any org in the
//! caller's reach, its children ranked and coloured red/amber/green, month-by-month
//! trends, drill-down to the branches and members behind a number, the to-do list of
//! open findings, and an .xlsx export of each view.
//!
//! Everything is read from the per-org aggregates that meeting writes keep up to date
//! (`compliance`, one row per holding org, rule and period; and the `findings`), summed
//! over path ranges at read time — one grouped query for the org and all its children
//! (the children's paths joined as ranges), never a query per child, and never a
//! precomputed ancestor row (no meeting write touches an ancestor).
//!
//! The figures themselves (which rule periods make up a rate, its class, the ranking of
//! children, the advice on a finding) are pure rules in [`vanguard_domain::cockpit`];
//! this module reads the cells they are worked out from.

use crate::platform::error::decode;
use crate::platform::paging::{COUNT_CAP, SortKey, capped, finish, jump_offset};
use crate::platform::query::Sql;
use crate::{StoreError, StoreResult};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::collections::HashMap;
use vanguard_domain::cockpit::{
    Cells, Rollup, action_for, enabled_rules, finding_codes, keys_for, meeting_codes, rank, resolve_period, rule_periods,
    rule_rate, severity_order,
};
pub use vanguard_domain::cockpit::{ChildRate, CockpitOrg, Rate, RuleRate};
use vanguard_domain::kernel::auth::Reach;
use vanguard_domain::kernel::finding::Severity;
use vanguard_domain::kernel::paging::{Page, PageRequest};
use vanguard_domain::kernel::period::{Period, PeriodKind};
use vanguard_domain::kernel::time::date_text;
use vanguard_domain::org::{OrgKind, path};
use vanguard_domain::orglife::STRUCTURE_CODE;
use vanguard_domain::orglife::check::rule_title;

mod export;
pub mod rectify;

pub use export::{CockpitFile, ExportRequest, ExportView};

crate::platform::scope::feature_handle!(
    /// 驾驶舱 and 预警/问题清单.
    CockpitReads,
    cockpit
);

// ---- Views -------------------------------------------------------------------------------

/// Open findings of one rule and severity.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FindingCount {
    pub rule_code: String,
    pub title: String,
    /// `org` or `member`.
    pub subject_kind: &'static str,
    pub severity: Severity,
    pub severity_label: &'static str,
    pub count: i64,
}

/// The cockpit of one org for one period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Cockpit {
    pub org: CockpitOrg,
    pub period_key: String,
    pub period_label: String,
    pub as_of: String,
    pub rules: Vec<RuleRate>,
    pub overall: Rate,
    /// Ranked, best first; children without figures last.
    pub children: Vec<ChildRate>,
    pub findings: Vec<FindingCount>,
}

/// One point of a trend line: a month and the rule's figure for the period containing
/// it (`None` for months to come).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrendPoint {
    pub month: String,
    pub period_key: String,
    pub rate: Option<Rate>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrendSeries {
    pub rule_code: String,
    pub title: String,
    pub points: Vec<TrendPoint>,
}

/// Month-by-month figures of one year, with an ECharts option to draw them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Trend {
    pub org: CockpitOrg,
    pub year: i32,
    pub months: Vec<String>,
    pub series: Vec<TrendSeries>,
    /// A line chart (ECharts option), built here so pages only hand it to the library.
    pub chart: serde_json::Value,
}

/// One (org, period) figure behind a rate: the drill-down to branches.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BranchFigure {
    #[serde(flatten)]
    pub org: CockpitOrg,
    pub parent_name: Option<String>,
    pub rule_code: String,
    pub period_key: String,
    pub period_label: String,
    pub expected: i64,
    pub held: i64,
    pub compliant: bool,
}

/// A finding as listed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FindingView {
    pub id: i64,
    pub rule_code: String,
    pub rule_title: String,
    pub rule_version: i64,
    pub subject_kind: String,
    pub subject_id: i64,
    pub subject_name: String,
    pub org_id: i64,
    pub org_name: String,
    pub period_key: String,
    pub period_label: String,
    pub severity: String,
    pub severity_label: &'static str,
    pub evidence: String,
    pub first_seen_at: i64,
    pub last_seen_at: i64,
    pub resolved_at: Option<i64>,
    /// Why it was resolved, when not by the record that fulfils it (the member left).
    pub resolved_note: String,
    /// What to do about it.
    pub action: String,
}

/// Which findings to list.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct FindingFilter {
    /// The subtree (default: the caller's whole reach).
    pub org_id: Option<i64>,
    /// A rule code; `orglife.structure` stands for every structure code.
    pub rule: Option<String>,
    /// `org` or `member`.
    pub subject: Option<String>,
    /// `open` (default), `resolved` or `all`.
    pub status: Option<String>,
    /// Lowest severity: `info`, `warning`, `alert`, `finding`.
    pub severity: Option<String>,
    /// Exactly this severity (the cockpit's count of one rule and severity links here).
    pub severity_is: Option<String>,
    /// One finding by id.
    pub id: Option<i64>,
}

/// The most rows a cockpit export holds.
const EXPORT_ROWS: usize = 20_000;

/// Compliance rows: those that fell short first, then by where they sit, then period.
const BRANCH_ORDER: SortKey =
    SortKey { columns: &["CASE WHEN x.held < x.expected THEN 0 ELSE 1 END", "x.org_path", "x.period_key"], descending: false };

/// Findings: most severe first, then the oldest, then by where, then id.
const FINDING_ORDER: SortKey = SortKey {
    columns: &[
        "CASE f.severity WHEN 'finding' THEN 0 WHEN 'alert' THEN 1 WHEN 'warning' THEN 2 ELSE 3 END",
        "f.first_seen_at",
        "f.org_path",
        "f.id",
    ],
    descending: false,
};

// ---- Queries ---------------------------------------------------------------------------------

#[derive(sqlx::FromRow)]
struct OrgLite {
    id: i64,
    name: String,
    /// An unknown stored kind fails the read (never shown as a 党支部 by default).
    #[sqlx(try_from = "String")]
    kind: OrgKind,
    path: String,
}

/// One arm of a grouped read: an org's own rows, or a child's subtree by path.
enum Arm {
    Own(i64),
    Range(i64, String),
}

impl Arm {
    fn id(&self) -> i64 {
        match self {
            Arm::Own(id) | Arm::Range(id, _) => *id,
        }
    }
}

/// Arms per statement (each binds a few dozen values).
const ARM_CHUNK: usize = 300;

#[derive(sqlx::FromRow)]
struct CellRow {
    org_id: i64,
    rule_code: String,
    period_key: String,
    compliant: i64,
    total: i64,
}

#[derive(sqlx::FromRow)]
struct CountRow {
    org_id: i64,
    rule_code: String,
    severity: String,
    count: i64,
}

fn push_keys<DB: sqlx::Database>(qb: &mut sqlx::QueryBuilder<DB>, keys: &[String])
where
    String: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    qb.push(" IN (");
    let mut sep = qb.separated(", ");
    for k in keys {
        sep.push_bind(k.clone());
    }
    qb.push(")");
}

fn to_rollup(compliant: i64, total: i64) -> Rollup {
    Rollup { compliant: u32::try_from(compliant).unwrap_or(0), total: u32::try_from(total).unwrap_or(0) }
}

const COMPLIANT_SUM: &str = "CAST(SUM(CASE WHEN x.held >= x.expected THEN 1 ELSE 0 END) AS BIGINT)";

impl CockpitReads<'_> {
    /// The org within reach, as the cockpit names it, with its path.
    async fn cockpit_org(&self, org_id: i64) -> StoreResult<(CockpitOrg, String)> {
        let row = self.scoped().orgs().org(org_id).await?;
        Ok((CockpitOrg::new(row.id, row.name.clone(), row.kind), row.path))
    }

    /// The part of `org_path`'s subtree within reach: `[lo, hi)`.
    fn subtree_range(&self, org_path: &str) -> (String, String) {
        let (lo, hi) = self.scope.org_range();
        let sub_hi = path::upper(org_path);
        (lo.max(org_path.to_string()), hi.min(sub_hi))
    }

    /// Whether the caller may count members' findings (a subtree reach; a member sees
    /// only their own record).
    fn sees_members(&self) -> bool {
        matches!(self.scope.reach, Reach::Subtree { .. })
    }

    /// The children of an org within reach, ordered by name. With a subtree reach every
    /// child of an org in reach is in reach; a member's reach holds no child.
    async fn cockpit_children(&self, org_id: i64) -> StoreResult<Vec<OrgLite>> {
        if !self.sees_members() {
            return Ok(Vec::new());
        }
        Ok(crate::read!(self.db, c => sqlx::query_as(
            "SELECT id, name, kind, path FROM orgs WHERE region_id = $1 AND parent_id = $2 ORDER BY name, id")
            .bind(self.scope.region_id).bind(org_id).fetch_all(c).await)?)
    }

    /// Compliance cells of the org itself and of each child's subtree, for the given
    /// period keys and rules: one statement whose arms (the org's own rows, then one path
    /// range per child) each stream through the covering index in group order.
    async fn cells_by_child(
        &self,
        org_id: i64,
        children: &[OrgLite],
        keys: &[String],
        codes: &[String],
    ) -> StoreResult<HashMap<i64, Cells>> {
        let mut arms: Vec<Arm> = vec![Arm::Own(org_id)];
        arms.extend(children.iter().map(|c| Arm::Range(c.id, c.path.clone())));
        let region = self.scope.region_id;
        let mut out: HashMap<i64, Cells> = HashMap::new();
        for chunk in arms.chunks(ARM_CHUNK) {
            let rows: Vec<CellRow> = crate::read!(self.db, c => {
                let mut qb = sqlx::QueryBuilder::new("");
                for (i, arm) in chunk.iter().enumerate() {
                    if i > 0 {
                        qb.push(" UNION ALL ");
                    }
                    qb.push("SELECT CAST(").push_bind(arm.id()).push(format!(
                        " AS BIGINT) AS org_id, x.rule_code, x.period_key, {COMPLIANT_SUM} AS compliant, COUNT(*) AS total \
                         FROM compliance x WHERE x.region_id = "));
                    qb.push_bind(region).push(" AND x.period_key");
                    push_keys(&mut qb, keys);
                    qb.push(" AND x.rule_code");
                    push_keys(&mut qb, codes);
                    match arm {
                        Arm::Own(id) => {
                            qb.push(" AND x.org_id = ").push_bind(*id);
                        }
                        Arm::Range(_, p) => {
                            qb.push(" AND x.org_path >= ").push_bind(p.clone()).push(" AND x.org_path < ").push_bind(path::upper(p));
                        }
                    }
                    qb.push(" GROUP BY x.period_key, x.rule_code");
                }
                qb.build_query_as().fetch_all(c).await
            })?;
            for r in rows {
                out.entry(r.org_id).or_default().insert((r.rule_code, r.period_key), to_rollup(r.compliant, r.total));
            }
        }
        Ok(out)
    }

    /// Open findings by rule and severity of the org itself (filed under its own path)
    /// and of each child's subtree: one statement of streamed arms, like the cells.
    async fn findings_by_child(&self, org_id: i64, org_path: &str, children: &[OrgLite]) -> StoreResult<Vec<CountRow>> {
        let rules = self.db.rules();
        let codes = finding_codes(&rules);
        let severities: Vec<String> = Severity::ALL.iter().map(|s| s.code().to_string()).collect();
        let mut arms: Vec<Arm> = vec![Arm::Own(org_id)];
        arms.extend(children.iter().map(|c| Arm::Range(c.id, c.path.clone())));
        let region = self.scope.region_id;
        let mut rows: Vec<CountRow> = Vec::new();
        for chunk in arms.chunks(ARM_CHUNK) {
            let part: Vec<CountRow> = crate::read!(self.db, c => {
                let mut qb = sqlx::QueryBuilder::new("");
                for (i, arm) in chunk.iter().enumerate() {
                    if i > 0 {
                        qb.push(" UNION ALL ");
                    }
                    qb.push("SELECT CAST(").push_bind(arm.id()).push(
                        " AS BIGINT) AS org_id, f.rule_code, f.severity, COUNT(*) AS count FROM findings f WHERE f.region_id = ");
                    qb.push_bind(region).push(" AND f.resolved_at IS NULL AND f.rule_code");
                    push_keys(&mut qb, &codes);
                    qb.push(" AND f.severity");
                    push_keys(&mut qb, &severities);
                    match arm {
                        Arm::Own(_) => {
                            qb.push(" AND f.org_path = ").push_bind(org_path.to_string());
                        }
                        Arm::Range(_, p) => {
                            qb.push(" AND f.org_path >= ").push_bind(p.clone()).push(" AND f.org_path < ").push_bind(path::upper(p));
                        }
                    }
                    qb.push(" GROUP BY f.rule_code, f.severity");
                }
                qb.build_query_as().fetch_all(c).await
            })?;
            rows.extend(part);
        }
        if !self.sees_members() {
            rows.retain(|r| !r.rule_code.starts_with("member."));
        }
        Ok(rows)
    }

    /// The cockpit of an org for a period (`None`: the last month that ended).
    pub async fn overview(&self, org_id: i64, period: Option<&str>) -> StoreResult<Cockpit> {
        let (org, org_path) = self.cockpit_org(org_id).await?;
        let rules = self.db.rules();
        let today = self.db.clock().today();
        let p = resolve_period(period, today)?;
        let keys = keys_for(&rules, &p);
        let children = self.cockpit_children(org_id).await?;
        // Independent reads on separate pool connections, side by side.
        let codes = meeting_codes(&rules);
        let (cells, counts, grand) = tokio::try_join!(
            self.cells_by_child(org_id, &children, &keys, &codes),
            self.findings_by_child(org_id, &org_path, &children),
            self.grandchildren(&children)
        )?;
        let mut total_cells: Cells = HashMap::new();
        for c in cells.values() {
            for (k, v) in c {
                let e = total_cells.entry(k.clone()).or_default();
                *e = *e + *v;
            }
        }
        let rule_list = enabled_rules(&rules);
        let rates = |cells: &Cells| -> Vec<RuleRate> {
            rule_list.iter().map(|r| rule_rate(r, &p, cells, today, &rules)).filter(|r| r.rate.total > 0).collect()
        };
        let overall_of = |rs: &[RuleRate]| {
            Rate::of(rs.iter().map(|r| Rollup { compliant: r.rate.compliant, total: r.rate.total }).sum(), &rules)
        };
        let empty = Cells::new();
        let mut child_rates: Vec<ChildRate> = children
            .iter()
            .map(|ch| {
                let rs = rates(cells.get(&ch.id).unwrap_or(&empty));
                ChildRate {
                    org: CockpitOrg::new(ch.id, ch.name.clone(), ch.kind),
                    rank: None,
                    overall: overall_of(&rs),
                    rules: rs,
                    open_findings: counts.iter().filter(|c| c.org_id == ch.id).map(|c| c.count).sum(),
                    has_children: grand.get(&ch.id).copied().unwrap_or(0) > 0,
                }
            })
            .collect();
        rank(&mut child_rates);
        let rule_rates = rates(&total_cells);
        let overall = overall_of(&rule_rates);
        let mut by_rule: HashMap<(String, String), i64> = HashMap::new();
        for c in &counts {
            *by_rule.entry((c.rule_code.clone(), c.severity.clone())).or_default() += c.count;
        }
        let mut findings: Vec<FindingCount> = by_rule
            .into_iter()
            .filter_map(|((code, sev), count)| {
                let severity = Severity::from_code(&sev)?;
                Some(FindingCount {
                    title: rule_title(&rules, &code),
                    subject_kind: if code.starts_with("member.") { "member" } else { "org" },
                    rule_code: code,
                    severity,
                    severity_label: severity.label(),
                    count,
                })
            })
            .collect();
        findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(b.count.cmp(&a.count)).then(a.rule_code.cmp(&b.rule_code)));
        Ok(Cockpit {
            org,
            period_key: p.key(),
            period_label: p.label(),
            as_of: date_text(today),
            rules: rule_rates,
            overall,
            children: child_rates,
            findings,
        })
    }

    /// Orgs below each child (for the tree's expanders), in one grouped query.
    async fn grandchildren(&self, children: &[OrgLite]) -> StoreResult<HashMap<i64, i64>> {
        if children.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<i64> = children.iter().map(|c| c.id).collect();
        let rows: Vec<(i64, i64)> = crate::read!(self.db, c => {
            let mut qb = sqlx::QueryBuilder::new("SELECT parent_id, COUNT(*) FROM orgs WHERE region_id = ");
            qb.push_bind(self.scope.region_id);
            qb.push(" AND parent_id IN (");
            let mut sep = qb.separated(", ");
            for id in &ids {
                sep.push_bind(*id);
            }
            qb.push(") GROUP BY parent_id");
            qb.build_query_as().fetch_all(c).await
        })?;
        Ok(rows.into_iter().collect())
    }

    /// The red/amber/green view of an org's children: each child with its figure per
    /// rule, ordered by name (expand a child by asking for its own tree).
    pub async fn cockpit_tree(&self, org_id: i64, period: Option<&str>) -> StoreResult<Cockpit> {
        let mut c = self.overview(org_id, period).await?;
        c.children.sort_by(|a, b| a.org.name.cmp(&b.org.name));
        Ok(c)
    }

    /// Month-by-month figures of every rule over a year (`None`: this year) for the
    /// org's subtree: twelve points per rule, each the rule's figure for the period
    /// containing that month.
    pub async fn cockpit_trend(&self, org_id: i64, year: Option<i32>) -> StoreResult<Trend> {
        let (org, org_path) = self.cockpit_org(org_id).await?;
        let rules = self.db.rules();
        let today = self.db.clock().today();
        let year = year.unwrap_or(today.year());
        let Some(jan) = NaiveDate::from_ymd_opt(year, 1, 1) else {
            return Err(StoreError::invalid("year", "year.invalid", "年份无效"));
        };
        let months: Vec<Period> = Period::between(PeriodKind::Month, jan, NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(jan));
        let rule_list = enabled_rules(&rules);
        let mut keys: Vec<String> =
            months.iter().flat_map(|m| rule_list.iter().map(|r| Period::containing(r.frequency.per, m.start).key())).collect();
        keys.sort();
        keys.dedup();
        let (lo, hi) = self.subtree_range(&org_path);
        let codes = meeting_codes(&rules);
        let rows: Vec<CellRow> = crate::read!(self.db, c => {
            let mut qb = sqlx::QueryBuilder::new(format!(
                "SELECT CAST(0 AS BIGINT) AS org_id, x.rule_code, x.period_key, {COMPLIANT_SUM} AS compliant, COUNT(*) AS total FROM compliance x WHERE x.region_id = "));
            qb.push_bind(self.scope.region_id).push(" AND x.period_key");
            push_keys(&mut qb, &keys);
            qb.push(" AND x.rule_code");
            push_keys(&mut qb, &codes);
            qb.push(" AND x.org_path >= ").push_bind(lo.clone()).push(" AND x.org_path < ").push_bind(hi.clone());
            qb.push(" GROUP BY x.period_key, x.rule_code");
            qb.build_query_as().fetch_all(c).await
        })?;
        let cells: Cells = rows.into_iter().map(|r| ((r.rule_code, r.period_key), to_rollup(r.compliant, r.total))).collect();
        let mut series = Vec::new();
        for r in rule_list {
            let points: Vec<TrendPoint> = months
                .iter()
                .map(|m| {
                    let q = Period::containing(r.frequency.per, m.start);
                    let cell = cells.get(&(r.code.clone(), q.key())).copied();
                    TrendPoint {
                        month: m.key(),
                        period_key: q.key(),
                        rate: cell.filter(|c| c.total > 0 && m.start <= today).map(|c| Rate::of(c, &rules)),
                    }
                })
                .collect();
            if points.iter().any(|p| p.rate.is_some()) {
                series.push(TrendSeries { rule_code: r.code.clone(), title: r.title.clone(), points });
            }
        }
        let month_labels: Vec<String> = (1..=12).map(|m| format!("{m}月")).collect();
        let chart = serde_json::json!({
            "title": {"text": format!("{}{}年组织生活落实情况", org.name, year), "left": "center", "textStyle": {"fontSize": 14}},
            "tooltip": {"trigger": "axis", "valueFormatter": "percent"},
            "legend": {"type": "scroll", "bottom": 0, "data": series.iter().map(|s| s.title.clone()).collect::<Vec<_>>()},
            "grid": {"left": 48, "right": 24, "top": 48, "bottom": 64},
            "xAxis": {"type": "category", "data": month_labels},
            "yAxis": {"type": "value", "min": 0, "max": 100, "axisLabel": {"formatter": "{value}%"}},
            "series": series.iter().map(|s| serde_json::json!({
                "name": s.title, "type": "line", "connectNulls": false,
                "data": s.points.iter().map(|p| p.rate.and_then(|r| r.basis_points).map(|b| f64::from(b) / 100.0)).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        });
        Ok(Trend { org, year, months: months.iter().map(Period::key).collect(), series, chart })
    }

    /// The branches (holding orgs) behind a rule's figure: each (org, period) row of the
    /// subtree, filtered by compliance; non-compliant first.
    pub async fn cockpit_branches(
        &self,
        org_id: i64,
        rule_code: &str,
        period: Option<&str>,
        compliant: Option<bool>,
        req: &PageRequest,
    ) -> StoreResult<Page<BranchFigure>> {
        let (_, org_path) = self.cockpit_org(org_id).await?;
        let rules = self.db.rules();
        let today = self.db.clock().today();
        let p = resolve_period(period, today)?;
        let rule = rules
            .orglife
            .meeting(rule_code)
            .ok_or_else(|| StoreError::invalid("rule", "rule.unknown", format!("没有编码为“{rule_code}”的组织生活规则")))?;
        let keys: Vec<String> = rule_periods(rule.frequency.per, &p).iter().map(Period::key).collect();
        let (lo, hi) = self.subtree_range(&org_path);
        let mut base = Sql::new(" WHERE x.region_id = ");
        base.bind(self.scope.region_id).push(" AND x.rule_code = ").bind(rule.code.as_str()).push(" AND x.period_key IN (");
        for (i, k) in keys.iter().enumerate() {
            if i > 0 {
                base.push(", ");
            }
            base.bind(k.as_str());
        }
        base.push(") AND x.org_path >= ").bind(lo.as_str()).push(" AND x.org_path < ").bind(hi.as_str());
        base.push(match compliant {
            Some(true) => " AND x.held >= x.expected",
            Some(false) => " AND x.held < x.expected",
            None => "",
        });
        let mut count = Sql::new("SELECT COUNT(*) FROM compliance x");
        count.append(&base);
        let total = u64::try_from(count.fetch_i64(self.db).await?).unwrap_or(0);
        #[derive(sqlx::FromRow)]
        struct Row {
            org_id: i64,
            name: String,
            #[sqlx(try_from = "String")]
            kind: OrgKind,
            parent_name: Option<String>,
            org_path: String,
            period_key: String,
            expected: i64,
            held: i64,
        }
        let offset = jump_offset(req)?;
        let mut sql = Sql::new(
            "SELECT x.org_id, o.name, o.kind, p.name AS parent_name, x.org_path, x.period_key, x.expected, x.held FROM compliance x \
             JOIN orgs o ON o.region_id = x.region_id AND o.id = x.org_id \
             LEFT JOIN orgs p ON p.region_id = o.region_id AND p.id = o.parent_id",
        );
        sql.append(&base).keyset(&BRANCH_ORDER, req)?.order_limit(&BRANCH_ORDER, req, offset);
        let rows: Vec<Row> = sql.fetch_all(self.db).await?;
        let page = finish(req, rows, Some(total), false, |r| {
            vec![i64::from(r.held >= r.expected).into(), r.org_path.clone().into(), r.period_key.clone().into()]
        });
        Ok(page.map(|r| {
            let label = Period::parse_key(&r.period_key).map(|p| p.label()).unwrap_or_default();
            BranchFigure {
                org: CockpitOrg::new(r.org_id, r.name, r.kind),
                parent_name: r.parent_name,
                rule_code: rule.code.clone(),
                period_label: label,
                period_key: r.period_key,
                expected: r.expected,
                held: r.held,
                compliant: r.held >= r.expected,
            }
        }))
    }

    /// The members behind member findings: open findings about members of the org's
    /// subtree (a member role sees only its own), optionally of one rule.
    pub async fn cockpit_members(
        &self,
        org_id: i64,
        rule_code: Option<&str>,
        req: &PageRequest,
    ) -> StoreResult<Page<FindingView>> {
        let f = FindingFilter {
            org_id: Some(org_id),
            rule: rule_code.map(str::to_string),
            subject: Some("member".into()),
            status: Some("open".into()),
            severity: None,
            severity_is: None,
            id: None,
        };
        self.findings(&f, req).await
    }

    /// Findings within reach, filtered; most severe first, then oldest first.
    pub async fn findings(&self, f: &FindingFilter, req: &PageRequest) -> StoreResult<Page<FindingView>> {
        let rules = self.db.rules();
        let (org_lo, org_hi) = self.scope.org_range();
        let (mem_lo, mem_hi, own) = self.scope.member_binds();
        let (sub_lo, sub_hi) = match f.org_id {
            Some(id) => {
                let row = self.scoped().orgs().org(id).await?;
                (row.path.clone(), path::upper(&row.path))
            }
            None => (String::new(), "~".to_string()),
        };
        let status = f.status.as_deref().unwrap_or("open");
        let subject = f.subject.as_deref().filter(|s| matches!(*s, "org" | "member"));
        let rule = f.rule.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let min_severity = f.severity.as_deref().and_then(Severity::parse);
        let exact_severity = f.severity_is.as_deref().and_then(Severity::parse);
        let mut base = Sql::new(" WHERE f.region_id = ");
        base.bind(self.scope.region_id);
        base.push(" AND ((f.subject_kind = 'org' AND f.org_path >= ").bind(org_lo.as_str());
        base.push(" AND f.org_path < ").bind(org_hi.as_str());
        base.push(") OR (f.subject_kind = 'member' AND ((f.org_path >= ").bind(mem_lo.as_str());
        base.push(" AND f.org_path < ").bind(mem_hi.as_str()).push(") OR f.subject_id = ").bind(own).push(")))");
        base.push(" AND f.org_path >= ").bind(sub_lo.as_str()).push(" AND f.org_path < ").bind(sub_hi.as_str());
        base.push(match status {
            "resolved" => " AND f.resolved_at IS NOT NULL",
            "all" => "",
            _ => " AND f.resolved_at IS NULL",
        });
        if let Some(s) = subject {
            base.push(" AND f.subject_kind = ").bind(s);
        }
        if let Some(id) = f.id {
            base.push(" AND f.id = ").bind(id);
        }
        match rule.as_deref() {
            Some(STRUCTURE_CODE) => {
                base.push(" AND f.rule_code LIKE 'branch.%'");
            }
            Some(r) => {
                base.push(" AND f.rule_code = ").bind(r);
            }
            None => {}
        }
        if let Some(min) = min_severity {
            base.push(" AND f.severity IN (");
            for (i, s) in Severity::ALL.iter().filter(|s| **s >= min).enumerate() {
                if i > 0 {
                    base.push(", ");
                }
                base.bind(s.code());
            }
            base.push(")");
        }
        if let Some(s) = exact_severity {
            base.push(" AND f.severity = ").bind(s.code());
        }
        let mut count = Sql::new("SELECT COUNT(*) FROM (SELECT 1 FROM findings f");
        count.append(&base).limit(COUNT_CAP + 1).push(") capped");
        let (total, lower_bound) = capped(count.fetch_i64(self.db).await?, COUNT_CAP);
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            f: crate::platform::findings::FindingRow,
            first_seen_at: i64,
            last_seen_at: i64,
            resolved_note: String,
            org_name: Option<String>,
            member_name: Option<String>,
        }
        let offset = jump_offset(req)?;
        let mut sql = Sql::new(
            "SELECT f.id, f.rule_code, f.rule_version, f.subject_kind, f.subject_id, f.org_id, f.org_path, f.period_key, f.severity, \
             f.evidence, f.first_seen_at, f.last_seen_at, f.resolved_at, f.resolved_note, o.name AS org_name, m.name AS member_name FROM findings f \
             LEFT JOIN orgs o ON o.region_id = f.region_id AND o.id = f.org_id \
             LEFT JOIN members m ON f.subject_kind = 'member' AND m.region_id = f.region_id AND m.id = f.subject_id",
        );
        sql.append(&base).keyset(&FINDING_ORDER, req)?.order_limit(&FINDING_ORDER, req, offset);
        let rows: Vec<Row> = sql.fetch_all(self.db).await?;
        let page = finish(req, rows, total, lower_bound, |r| {
            vec![severity_order(&r.f.severity).into(), r.first_seen_at.into(), r.f.org_path.clone().into(), r.f.id.into()]
        });
        page.try_map(|r| {
            let severity = decode("findings.severity", &r.f.severity, Severity::from_code)?;
            let org_name = r.org_name.unwrap_or_default();
            Ok(FindingView {
                action: action_for(&rules, &r.f.rule_code, severity, &r.f.period_key),
                rule_title: rule_title(&rules, &r.f.rule_code),
                subject_name: if r.f.subject_kind == "member" { r.member_name.unwrap_or_default() } else { org_name.clone() },
                period_label: Period::parse_key(&r.f.period_key).map(|p| p.label()).unwrap_or_default(),
                severity_label: severity.label(),
                id: r.f.id,
                rule_code: r.f.rule_code,
                rule_version: r.f.rule_version,
                subject_kind: r.f.subject_kind,
                subject_id: r.f.subject_id,
                org_id: r.f.org_id,
                org_name,
                period_key: r.f.period_key,
                severity: r.f.severity,
                evidence: r.f.evidence,
                first_seen_at: r.first_seen_at,
                last_seen_at: r.last_seen_at,
                resolved_at: r.f.resolved_at,
                resolved_note: r.resolved_note,
            })
        })
    }

    /// A secretary's to-do list: the open findings of the org's subtree (default: the
    /// caller's scope), most severe first, at most `limit` (default 100).
    pub async fn todos(&self, org_id: Option<i64>, limit: Option<u32>) -> StoreResult<Page<FindingView>> {
        let req = PageRequest::first(limit.unwrap_or(100));
        let org_id = match org_id {
            Some(id) => Some(id),
            None => self.scoped().orgs().roots().await?.first().map(|o| o.id),
        };
        let Some(org_id) = org_id else {
            return Ok(Page::empty(req.limit, 0, Some(0)));
        };
        let f = FindingFilter { org_id: Some(org_id), status: Some("open".into()), ..Default::default() };
        // Already most severe first, then oldest first.
        self.findings(&f, &req).await
    }
}
