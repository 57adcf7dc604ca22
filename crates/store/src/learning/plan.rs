//! 年度学习计划 storage (`study_plans`): an org files its plan for the year with its
//! parent (re-filing replaces it, audited); the parent sees which children have filed.
//! Rules: `domain::learning::plan`; the finding of a plan not filed is the 学时 engine's
//! (`hours::check_region`).

use super::hours::StudyHours;
use crate::platform::audit::{self, Event};
use crate::platform::ids;
use crate::{StoreError, StoreResult};
use chrono::Datelike;
use serde::Serialize;
use vanguard_domain::kernel::time::{china_date, china_time_text};
use vanguard_domain::learning::plan::{StudyPlanInput, StudyPlanSession, StudyPlanTopic, check_plan, files_plan};
use vanguard_domain::org::OrgKind;

/// A filed plan.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StudyPlanView {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub year: i32,
    pub topics: Vec<StudyPlanTopic>,
    pub required: String,
    pub sessions: Vec<StudyPlanSession>,
    pub filed_at: String,
}

/// A child org's filing.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChildPlanStatus {
    pub org_id: i64,
    pub org_name: String,
    pub filed: bool,
    /// `已报` or `未报`.
    pub status_label: String,
    pub filed_at: Option<String>,
}

/// An org's plan for a year and its children's filings.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StudyPlanStatus {
    pub org_id: i64,
    pub org_name: String,
    pub year: i32,
    pub own: Option<StudyPlanView>,
    pub children: Vec<ChildPlanStatus>,
    pub filed_count: u64,
}

#[derive(sqlx::FromRow)]
struct PlanRow {
    id: i64,
    org_id: i64,
    org_name: String,
    year: i64,
    topics: String,
    required: String,
    sessions: String,
    filed_at: i64,
}

impl PlanRow {
    fn view(self) -> StudyPlanView {
        StudyPlanView {
            id: self.id,
            org_id: self.org_id,
            org_name: self.org_name,
            year: i32::try_from(self.year).unwrap_or(0),
            topics: serde_json::from_str(&self.topics).unwrap_or_default(),
            required: self.required,
            sessions: serde_json::from_str(&self.sessions).unwrap_or_default(),
            filed_at: china_time_text(self.filed_at),
        }
    }
}

impl StudyHours<'_> {
    /// Files (or re-files) the plan of an org within the writable subtree (audited).
    pub async fn file_plan(&self, org_id: i64, input: &StudyPlanInput) -> StoreResult<StudyPlanView> {
        let mut tx = self.db.begin().await?;
        let org = self.scoped().orgs().org_for_write(&mut tx, org_id).await?;
        let plan = check_plan(input, china_date(self.db.clock().now_ms()))?;
        if org.is_dissolved() || !files_plan(org.kind()) {
            return Err(StoreError::conflict("plan.org", "党小组随所在支部学习，不单独报送学习计划；已撤销的党组织不能报送"));
        }
        let topics = serde_json::to_string(&plan.topics).map_err(|e| StoreError::Other(e.to_string()))?;
        let sessions = serde_json::to_string(&plan.sessions).map_err(|e| StoreError::Other(e.to_string()))?;
        let now = self.db.clock().now_ms();
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO study_plans (region_id, id, org_id, org_path, year, topics, required, sessions, filed_by, filed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (region_id, org_id, year) DO UPDATE SET \
             org_path = excluded.org_path, topics = excluded.topics, required = excluded.required, sessions = excluded.sessions, \
             filed_by = excluded.filed_by, filed_at = excluded.filed_at")
            .bind(org.region_id).bind(ids::next()).bind(org.id).bind(&org.path).bind(i64::from(plan.year)).bind(&topics)
            .bind(&plan.required).bind(&sessions).bind(self.scope.actor.account_id).bind(now).execute(c).await)?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("learning.plan.file", format!("org:{}", org.id)).detail(format!(
                "{} {}年度学习计划：专题{}个，集中学习{}次",
                org.name,
                plan.year,
                plan.topics.len(),
                plan.sessions.len()
            )),
        )
        .await?;
        tx.commit().await?;
        self.plan(org_id, plan.year).await?.ok_or(StoreError::NotFound)
    }

    /// The filed plan of an org within reach for a year, if any.
    pub async fn plan(&self, org_id: i64, year: i32) -> StoreResult<Option<StudyPlanView>> {
        let (id, ..) = self.org_in_reach(org_id).await?;
        let row: Option<PlanRow> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT p.id, p.org_id, o.name AS org_name, p.year, p.topics, p.required, p.sessions, p.filed_at FROM study_plans p \
             JOIN orgs o ON o.region_id = p.region_id AND o.id = p.org_id WHERE p.region_id = $1 AND p.org_id = $2 AND p.year = $3")
            .bind(self.scope.region_id).bind(id).bind(i64::from(year)).fetch_optional(c).await)?;
        Ok(row.map(PlanRow::view))
    }

    /// An org's own plan for a year and, for each child org that files one, 已报 or 未报.
    pub async fn plan_status(&self, org_id: i64, year: Option<i32>) -> StoreResult<StudyPlanStatus> {
        let (id, name, ..) = self.org_in_reach(org_id).await?;
        let year = year.unwrap_or(china_date(self.db.clock().now_ms()).year());
        let own = self.plan(id, year).await?;
        let rows: Vec<(i64, String, String, Option<i64>)> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT o.id, o.name, o.kind, p.filed_at FROM orgs o LEFT JOIN study_plans p ON p.region_id = o.region_id \
             AND p.org_id = o.id AND p.year = $3 WHERE o.region_id = $1 AND o.parent_id = $2 AND o.status <> 'dissolved' ORDER BY o.path")
            .bind(self.scope.region_id).bind(id).bind(i64::from(year)).fetch_all(c).await)?;
        let children: Vec<ChildPlanStatus> = rows
            .into_iter()
            .filter(|(_, _, kind, _)| OrgKind::from_code(kind).is_some_and(files_plan))
            .map(|(org_id, org_name, _, filed_at)| ChildPlanStatus {
                org_id,
                org_name,
                filed: filed_at.is_some(),
                status_label: if filed_at.is_some() { "已报" } else { "未报" }.into(),
                filed_at: filed_at.map(china_time_text),
            })
            .collect();
        let filed_count = children.iter().filter(|c| c.filed).count() as u64;
        Ok(StudyPlanStatus { org_id: id, org_name: name, year, own, children, filed_count })
    }
}
