//! 三重三跨 挂职 (`secondments`, `secondment_reports`). Rules:
//! `domain::service::secondment`.
//!
//! The sending side (an org reaching the cadre's branch) records the secondment to a
//! receiving org of the same region. Both sides see it (either org path within reach);
//! either side records reports and ends the term; the end-of-term evaluation is the
//! receiving org's (an account reaching it, not the cadre). Overdue reports are findings
//! about the cadre, placed at the sending branch.

use crate::platform::audit::{self, Event};
use crate::platform::engines::{EngineFuture, EngineRun};
use crate::platform::error::decode;
use crate::platform::findings::{Placed, reconcile};
use crate::platform::ids;
use crate::{Db, StoreError, StoreResult, Tx};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use vanguard_domain::Invalid;
use vanguard_domain::kernel::finding::Subject;
use vanguard_domain::kernel::time::{date_text, parse_iso_date};
use vanguard_domain::org::path;
use vanguard_domain::service::pledge::FulfilmentGrade;
use vanguard_domain::service::secondment::{
    SECONDMENT_PREFIX, SecondmentFacts, SecondmentInput, SecondmentState, check_report, end, evaluate, parse_plan, report_due_on,
    report_overdue_finding,
};

crate::platform::scope::feature_handle!(
    /// 挂职: secondments seen from either side, reports, end, evaluation.
    Secondments,
    secondments
);

/// A secondment as listed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SecondmentView {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub from_org_id: i64,
    pub from_org_name: String,
    pub to_org_id: i64,
    pub to_org_name: String,
    pub starts_on: String,
    pub ends_on: String,
    pub post: String,
    pub duties: String,
    pub state: String,
    #[sqlx(skip)]
    pub state_label: &'static str,
    pub reports: i64,
    pub last_report_on: Option<String>,
    /// The day the next report is due, while 挂职中.
    #[sqlx(skip)]
    pub next_report_due: Option<String>,
    pub ended_on: Option<String>,
    pub end_note: String,
    pub grade: Option<String>,
    #[sqlx(skip)]
    pub grade_label: &'static str,
    pub evaluation: String,
}

/// One report.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SecondmentReportView {
    pub id: i64,
    pub on_date: String,
    pub text: String,
    pub by_account: i64,
    pub at: i64,
}

/// A secondment with its reports, oldest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SecondmentDetail {
    #[serde(flatten)]
    pub secondment: SecondmentView,
    pub report_list: Vec<SecondmentReportView>,
}

/// Counts of one year (the article's 151 cadres): started that year, and on secondment
/// at any time of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SecondmentYear {
    pub year: i32,
    pub started: i64,
    pub serving: i64,
}

/// A step as typed: `report` (on, text), `end` (期满), `recall` (text: the reason),
/// `evaluate` (grade, text).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct SecondmentStep {
    pub step: String,
    pub on: String,
    pub text: String,
    pub grade: String,
}

const VIEW_SELECT: &str = "SELECT s.id, s.member_id, mb.name AS member_name, s.from_org_id, fo.name AS from_org_name, \
     s.to_org_id, tox.name AS to_org_name, s.starts_on, s.ends_on, s.post, s.duties, s.state, s.reports, s.last_report_on, \
     s.ended_on, s.end_note, s.grade, s.evaluation FROM secondments s \
     JOIN members mb ON mb.region_id = s.region_id AND mb.id = s.member_id \
     JOIN orgs fo ON fo.region_id = s.region_id AND fo.id = s.from_org_id \
     JOIN orgs tox ON tox.region_id = s.region_id AND tox.id = s.to_org_id";

#[derive(sqlx::FromRow)]
struct FactRow {
    member_id: i64,
    from_org_id: i64,
    from_org_path: String,
    to_org_path: String,
    starts_on: String,
    ends_on: String,
    state: String,
    last_report_on: Option<String>,
}

const FACT_SELECT: &str = "SELECT member_id, from_org_id, from_org_path, to_org_path, starts_on, ends_on, state, \
     last_report_on FROM secondments";

impl FactRow {
    fn facts(&self) -> StoreResult<SecondmentFacts> {
        Ok(SecondmentFacts {
            state: decode("secondments.state", &self.state, SecondmentState::from_code)?,
            starts_on: decode("secondments.starts_on", &self.starts_on, parse_iso_date)?,
            ends_on: decode("secondments.ends_on", &self.ends_on, parse_iso_date)?,
            last_report_on: self
                .last_report_on
                .as_deref()
                .map(|s| decode("secondments.last_report_on", s, parse_iso_date))
                .transpose()?,
            member_id: self.member_id,
        })
    }
}

fn labelled(db: &Db, mut rows: Vec<SecondmentView>) -> StoreResult<Vec<SecondmentView>> {
    let rules = db.rules();
    for r in &mut rows {
        let state = decode("secondments.state", &r.state, SecondmentState::from_code)?;
        r.state_label = state.label();
        r.grade_label = match &r.grade {
            Some(g) => decode("secondments.grade", g, FulfilmentGrade::from_code)?.label(),
            None => "",
        };
        if state == SecondmentState::Active {
            let f = SecondmentFacts {
                state,
                starts_on: decode("secondments.starts_on", &r.starts_on, parse_iso_date)?,
                ends_on: decode("secondments.ends_on", &r.ends_on, parse_iso_date)?,
                last_report_on: r.last_report_on.as_deref().and_then(parse_iso_date),
                member_id: r.member_id,
            };
            r.next_report_due = Some(date_text(report_due_on(&rules.secondments, &f)));
        }
    }
    Ok(rows)
}

fn placed(db: &Db, as_of: NaiveDate, rows: &[FactRow]) -> StoreResult<Vec<Placed>> {
    let rules = db.rules();
    let mut out = Vec::new();
    for r in rows {
        if let Some(finding) = report_overdue_finding(&rules.secondments, &rules.severity, &r.facts()?, as_of) {
            out.push(Placed { finding, org_id: r.from_org_id, org_path: r.from_org_path.clone() });
        }
    }
    Ok(out)
}

async fn refresh_member(tx: &mut Tx, db: &Db, region_id: i64, member_id: i64) -> StoreResult<()> {
    let sql = format!("{FACT_SELECT} WHERE region_id = $1 AND member_id = $2 AND state = 'active'");
    let rows: Vec<FactRow> = crate::on_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(region_id).bind(member_id).fetch_all(c).await)?;
    let new = placed(db, db.clock().today(), &rows)?;
    reconcile(tx, region_id, db.clock().now_ms(), SECONDMENT_PREFIX, &[Subject::Member(member_id)], new, &|_| "已报告".into())
        .await?;
    Ok(())
}

/// The full check of a region (one line in [`crate::ENGINES`]).
pub fn check_region(db: &Db, region_id: i64, as_of: NaiveDate) -> EngineFuture<'_> {
    Box::pin(async move {
        let started = std::time::Instant::now();
        let sql = format!("{FACT_SELECT} WHERE region_id = $1 AND state = 'active' ORDER BY member_id");
        let rows: Vec<FactRow> =
            crate::read!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(region_id).fetch_all(c).await)?;
        let subjects =
            crate::affairs::mobile::member_subjects(db, region_id, SECONDMENT_PREFIX, rows.iter().map(|r| r.member_id)).await?;
        let new = placed(db, as_of, &rows)?;
        let mut tx = db.begin().await?;
        let changes =
            reconcile(&mut tx, region_id, db.clock().now_ms(), SECONDMENT_PREFIX, &subjects, new, &|_| "已报告".into()).await?;
        tx.commit().await?;
        Ok(EngineRun { name: "挂职", subjects: subjects.len() as u64, changes, seconds: started.elapsed().as_secs_f64() })
    })
}

fn refusal(inv: Invalid) -> StoreError {
    match inv.errors.first() {
        Some(e) if e.field == "state" => StoreError::Conflict { code: e.code, message: e.message.clone() },
        _ => StoreError::Invalid(inv),
    }
}

impl Secondments<'_> {
    fn reach(&self) -> (String, String) {
        self.scope.org_range()
    }

    /// A secondment within reach (either side).
    pub async fn get(&self, id: i64) -> StoreResult<SecondmentDetail> {
        let (lo, hi) = self.reach();
        let sql = format!(
            "{VIEW_SELECT} WHERE s.region_id = $1 AND s.id = $2 AND ((s.from_org_path >= $3 AND s.from_org_path < $4) \
             OR (s.to_org_path >= $3 AND s.to_org_path < $4))"
        );
        let rows: Vec<SecondmentView> = crate::read!(self.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(self.scope.region_id).bind(id).bind(&lo).bind(&hi).fetch_all(c).await)?;
        let secondment = labelled(self.db, rows)?.into_iter().next().ok_or(StoreError::NotFound)?;
        let report_list: Vec<SecondmentReportView> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT id, on_date, text, by_account, at FROM secondment_reports WHERE region_id = $1 AND secondment_id = $2 \
             ORDER BY on_date, at, id")
            .bind(self.scope.region_id).bind(id).fetch_all(c).await)?;
        Ok(SecondmentDetail { secondment, report_list })
    }

    /// Secondments from or to `org_id`'s subtree, newest first (at most 500).
    pub async fn list(&self, org_id: i64) -> StoreResult<Vec<SecondmentView>> {
        let org = self.scoped().orgs().org(org_id).await?;
        let sql = format!(
            "{VIEW_SELECT} WHERE s.region_id = $1 AND ((s.from_org_path >= $2 AND s.from_org_path < $3) \
             OR (s.to_org_path >= $2 AND s.to_org_path < $3)) ORDER BY s.starts_on DESC, s.id DESC LIMIT 500"
        );
        let rows: Vec<SecondmentView> = crate::read!(self.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(org.region_id).bind(&org.path).bind(path::upper(&org.path)).fetch_all(c).await)?;
        labelled(self.db, rows)
    }

    /// Counts per year of secondments from or to `org_id`'s subtree: started in the
    /// year, and serving at any time of it (a recall ends the service on its day).
    pub async fn per_year(&self, org_id: i64) -> StoreResult<Vec<SecondmentYear>> {
        let org = self.scoped().orgs().org(org_id).await?;
        let rows: Vec<(String, String, Option<String>)> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT starts_on, ends_on, ended_on FROM secondments WHERE region_id = $1 AND ((from_org_path >= $2 AND from_org_path < $3) \
             OR (to_org_path >= $2 AND to_org_path < $3))")
            .bind(org.region_id).bind(&org.path).bind(path::upper(&org.path)).fetch_all(c).await)?;
        let mut spans = Vec::new();
        for (s, e, ended) in &rows {
            let start = decode("secondments.starts_on", s, parse_iso_date)?;
            let mut stop = decode("secondments.ends_on", e, parse_iso_date)?;
            if let Some(d) = ended.as_deref().and_then(parse_iso_date) {
                stop = stop.min(d);
            }
            spans.push((start, stop.max(start)));
        }
        Ok(count_years(&spans))
    }

    /// Records a secondment of a member within writable reach to a receiving org of the
    /// region. Audited.
    pub async fn create(&self, input: &SecondmentInput) -> StoreResult<SecondmentDetail> {
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?.to_string();
        // The form's own problems first (whoever the member is), then the member's reach.
        parse_plan(&self.db.rules().secondments, input, -1).map_err(StoreError::Invalid)?;
        let m = self.scoped().members().member_row(input.member_id).await?;
        if !path::within(&m.org_path, &root) || m.archived {
            return Err(StoreError::NotFound);
        }
        let plan = parse_plan(&self.db.rules().secondments, input, m.org_id).map_err(StoreError::Invalid)?;
        let to: Option<(String, String, String)> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT name, path, status FROM orgs WHERE region_id = $1 AND id = $2")
            .bind(m.region_id).bind(input.to_org_id).fetch_optional(c).await)?;
        let (to_name, to_path, _) = to
            .filter(|t| t.2 != "dissolved")
            .ok_or_else(|| StoreError::invalid("to_org_id", "secondment.to_org", "挂职单位不存在或已撤销，请重新选择"))?;
        let id = ids::next();
        let now = self.db.clock().now_ms();
        let mut tx = self.db.begin().await?;
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO secondments (region_id, id, member_id, from_org_id, from_org_path, to_org_id, to_org_path, starts_on, ends_on, \
             post, duties, state, last_report_on, reports, ended_on, end_note, grade, evaluation, evaluated_by, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'active', NULL, 0, NULL, '', NULL, '', NULL, $12, $13, $13)")
            .bind(m.region_id).bind(id).bind(m.id).bind(m.org_id).bind(&m.org_path).bind(input.to_org_id).bind(&to_path)
            .bind(date_text(plan.starts_on)).bind(date_text(plan.ends_on)).bind(&plan.post).bind(&plan.duties)
            .bind(self.scope.actor.account_id).bind(now).execute(c).await)?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("secondment.create", format!("member:{}", m.id)).detail(format!(
                "{}挂职{}（{}），{}至{}",
                m.name,
                to_name,
                plan.post,
                date_text(plan.starts_on),
                date_text(plan.ends_on)
            )),
        )
        .await?;
        refresh_member(&mut tx, self.db, m.region_id, m.id).await?;
        tx.commit().await?;
        self.get(id).await
    }

    async fn fact_row(&self, tx: &mut Tx, id: i64) -> StoreResult<(FactRow, String)> {
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?.to_string();
        let sql = format!("{FACT_SELECT} WHERE region_id = $1 AND id = $2");
        let row: Option<FactRow> = crate::on_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(self.scope.region_id).bind(id).fetch_optional(c).await)?;
        let row = row
            .filter(|r| path::within(&r.from_org_path, &root) || path::within(&r.to_org_path, &root))
            .ok_or(StoreError::NotFound)?;
        Ok((row, root))
    }

    /// One step: a report, the end of the term (期满) or a recall, the evaluation. Audited.
    pub async fn step(&self, id: i64, s: &SecondmentStep) -> StoreResult<SecondmentDetail> {
        let today = self.db.clock().today();
        let now = self.db.clock().now_ms();
        let mut tx = self.db.begin().await?;
        let (r, root) = self.fact_row(&mut tx, id).await?;
        let f = r.facts()?;
        let (action, detail) = match s.step.as_str() {
            "report" => {
                let on = parse_iso_date(&s.on)
                    .ok_or_else(|| StoreError::invalid("on", "date.format", "请填写报告日期，格式如 2026-07-01"))?;
                check_report(&f, on, today).map_err(refusal)?;
                let mut inv = Invalid::default();
                vanguard_domain::kernel::error::check_text(&mut inv, "text", "报告内容", &s.text, 1000, true);
                if !inv.is_empty() {
                    return Err(StoreError::Invalid(inv));
                }
                crate::exec_tx!(tx, c => sqlx::query(
                    "INSERT INTO secondment_reports (region_id, id, secondment_id, on_date, text, by_account, at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(self.scope.region_id).bind(ids::next()).bind(id).bind(date_text(on)).bind(s.text.trim())
                    .bind(self.scope.actor.account_id).bind(now).execute(c).await)?;
                crate::exec_tx!(tx, c => sqlx::query(
                    "UPDATE secondments SET reports = reports + 1, last_report_on = CASE WHEN last_report_on IS NULL OR last_report_on < $1 \
                     THEN $1 ELSE last_report_on END, updated_at = $2 WHERE region_id = $3 AND id = $4")
                    .bind(date_text(on)).bind(now).bind(self.scope.region_id).bind(id).execute(c).await)?;
                ("secondment.report", format!("{}报告：{}", date_text(on), s.text.trim()))
            }
            "end" | "recall" => {
                let next = end(&f, s.step == "recall", &s.text, today).map_err(refusal)?;
                let n = crate::exec_tx!(tx, c => sqlx::query(
                    "UPDATE secondments SET state = $1, ended_on = $2, end_note = $3, updated_at = $4 \
                     WHERE region_id = $5 AND id = $6 AND state = 'active'")
                    .bind(next.code()).bind(date_text(today)).bind(s.text.trim()).bind(now).bind(self.scope.region_id).bind(id)
                    .execute(c).await)?;
                if n == 0 {
                    return Err(raced());
                }
                ("secondment.end", format!("{}：{}", next.label(), s.text.trim()))
            }
            "evaluate" => {
                if !path::within(&r.to_org_path, &root) {
                    return Err(StoreError::conflict("secondment.receiver_only", "挂职期满考核由挂职单位办理"));
                }
                let g = FulfilmentGrade::from_code(s.grade.trim())
                    .ok_or_else(|| StoreError::invalid("grade", "secondment.grade", "请选择考核等次：优秀、良好、一般或较差"))?;
                evaluate(&f, self.scope.member_id, &s.text).map_err(refusal)?;
                let n = crate::exec_tx!(tx, c => sqlx::query(
                    "UPDATE secondments SET state = 'evaluated', grade = $1, evaluation = $2, evaluated_by = $3, updated_at = $4 \
                     WHERE region_id = $5 AND id = $6 AND state = 'ended'")
                    .bind(g.code()).bind(s.text.trim()).bind(self.scope.actor.account_id).bind(now).bind(self.scope.region_id)
                    .bind(id).execute(c).await)?;
                if n == 0 {
                    return Err(raced());
                }
                ("secondment.evaluate", format!("考核{}：{}", g.label(), s.text.trim()))
            }
            _ => {
                return Err(StoreError::invalid("step", "secondment.step", "请选择办理事项：报告、期满结束、提前结束或考核"));
            }
        };
        audit::append(&mut tx, self.db, &self.scope.actor, Event::ok(action, format!("member:{}", r.member_id)).detail(detail))
            .await?;
        refresh_member(&mut tx, self.db, self.scope.region_id, r.member_id).await?;
        tx.commit().await?;
        self.get(id).await
    }
}

fn raced() -> StoreError {
    StoreError::conflict("secondment.raced", "该挂职刚刚已由他人办理，请刷新后查看")
}

/// Counts per calendar year of spans `(start, stop)`: started in the year, and serving on
/// any day of it; years from the first start to the last stop, oldest first.
pub fn count_years(spans: &[(NaiveDate, NaiveDate)]) -> Vec<SecondmentYear> {
    let (Some(first), Some(last)) = (spans.iter().map(|s| s.0.year()).min(), spans.iter().map(|s| s.1.year()).max()) else {
        return Vec::new();
    };
    (first..=last)
        .map(|year| SecondmentYear {
            year,
            started: spans.iter().filter(|s| s.0.year() == year).count() as i64,
            serving: spans.iter().filter(|s| s.0.year() <= year && s.1.year() >= year).count() as i64,
        })
        .collect()
}
