//! 大脚板走一线、小分队破难题 (`taskforce_projects`, `taskforce_members`,
//! `taskforce_milestones`, `taskforce_reports`). A project belongs to its leading org;
//! its members come from several orgs, and it is visible to the scope of **any** org
//! involved — the leading org's subtree or a member's org's (市县乡三级联动: a 乡's
//! secretary sees the 市's project their cadre works on). The leading org's reach
//! manages it (members, milestones, closure); any involved org's reach reports progress.
//! Overdue milestones are findings of the leading org. Rules: `domain::service::taskforce`.

use crate::platform::audit::{self, Event};
use crate::platform::engines::{EngineFuture, EngineRun};
use crate::platform::error::decode;
use crate::platform::findings::{Placed, reconcile};
use crate::platform::ids;
use crate::{Db, StoreError, StoreResult, Tx};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;
use vanguard_domain::Invalid;
use vanguard_domain::kernel::finding::Subject;
use vanguard_domain::kernel::time::{date_text, parse_iso_date};
use vanguard_domain::org::path;
use vanguard_domain::service::taskforce::{
    TASKFORCE_PREFIX, TaskForceDue, TaskForceEntryInput, TaskForceInput, TaskForceMemberInput, TaskForceMilestoneInput,
    TaskForceState, close_project, complete_milestone, ensure_active, overdue_milestone_findings, parse_entry, parse_member,
    parse_milestone, parse_project,
};

crate::platform::scope::feature_handle!(
    /// 攻坚项目: projects, task forces, milestones, reports, closure.
    TaskForces,
    task_forces
);

/// A project as listed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TaskForceView {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub title: String,
    pub problem: String,
    pub leader: String,
    pub state: String,
    #[sqlx(skip)]
    pub state_label: &'static str,
    pub results: Option<String>,
    pub closed_on: Option<String>,
    pub members: i64,
    pub milestones: i64,
    pub done: i64,
    /// Milestones past their deadline and not done.
    pub overdue: i64,
}

/// A member of the task force.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TaskForceMemberView {
    pub id: i64,
    pub name: String,
    pub org_id: i64,
    pub org_name: String,
    pub role: String,
}

/// A milestone.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TaskForceMilestoneView {
    pub id: i64,
    pub project_id: i64,
    pub title: String,
    pub due_on: String,
    pub done_on: Option<String>,
    pub done_note: Option<String>,
    #[sqlx(skip)]
    pub overdue: bool,
}

/// A progress report.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TaskForceReportView {
    pub id: i64,
    pub on_date: String,
    pub text: String,
    pub by_name: String,
    pub at: i64,
}

/// A project with its task force, milestones and reports (newest first).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskForceDetail {
    #[serde(flatten)]
    pub project: TaskForceView,
    pub team: Vec<TaskForceMemberView>,
    pub milestone_list: Vec<TaskForceMilestoneView>,
    pub reports: Vec<TaskForceReportView>,
}

/// The projects involving an org's subtree.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskForceList {
    pub org_id: i64,
    pub org_name: String,
    pub items: Vec<TaskForceView>,
}

/// The most projects a list shows.
pub const TASKFORCE_LIST_MAX: i64 = 300;

/// `$1` region, `$2` today; callers add the `WHERE` from `$3`.
const VIEW_SELECT: &str = "SELECT p.id, p.org_id, o.name AS org_name, p.title, p.problem, p.leader, p.state, p.results, \
     p.closed_on, \
     (SELECT COUNT(*) FROM taskforce_members m WHERE m.region_id = p.region_id AND m.project_id = p.id) AS members, \
     (SELECT COUNT(*) FROM taskforce_milestones s WHERE s.region_id = p.region_id AND s.project_id = p.id) AS milestones, \
     (SELECT COUNT(*) FROM taskforce_milestones s WHERE s.region_id = p.region_id AND s.project_id = p.id AND s.done_on IS NOT NULL) AS done, \
     (SELECT COUNT(*) FROM taskforce_milestones s WHERE s.region_id = p.region_id AND s.project_id = p.id AND s.done_on IS NULL \
      AND s.due_on < $2 AND p.state = 'active') AS overdue \
     FROM taskforce_projects p JOIN orgs o ON o.region_id = p.region_id AND o.id = p.org_id";

/// Involved with the path range `[$3, $4)`: the leading org or a member's org in it.
const INVOLVED: &str = "((p.org_path >= $3 AND p.org_path < $4) OR EXISTS (SELECT 1 FROM taskforce_members im \
     WHERE im.region_id = p.region_id AND im.project_id = p.id AND im.org_path >= $3 AND im.org_path < $4))";

fn labelled(mut rows: Vec<TaskForceView>) -> StoreResult<Vec<TaskForceView>> {
    for r in &mut rows {
        r.state_label = decode("taskforce_projects.state", &r.state, TaskForceState::from_code)?.label();
    }
    Ok(rows)
}

#[derive(sqlx::FromRow)]
struct ProjectRow {
    org_id: i64,
    org_path: String,
    state: String,
    title: String,
}

#[derive(sqlx::FromRow)]
struct DueRow {
    org_id: i64,
    org_path: String,
    project: String,
    title: String,
    due_on: String,
    done_on: Option<String>,
}

const DUE_SELECT: &str = "SELECT p.org_id, p.org_path, p.title AS project, s.title, s.due_on, s.done_on \
     FROM taskforce_milestones s JOIN taskforce_projects p ON p.region_id = s.region_id AND p.id = s.project_id";

fn placed(db: &Db, as_of: NaiveDate, rows: &[DueRow]) -> StoreResult<Vec<Placed>> {
    let rules = db.rules();
    let mut by_org: BTreeMap<(i64, String), Vec<TaskForceDue>> = BTreeMap::new();
    for r in rows {
        by_org.entry((r.org_id, r.org_path.clone())).or_default().push(TaskForceDue {
            project: r.project.clone(),
            title: r.title.clone(),
            due_on: decode("taskforce_milestones.due_on", &r.due_on, parse_iso_date)?,
            done: r.done_on.is_some(),
        });
    }
    let mut out = Vec::new();
    for ((org_id, org_path), ms) in by_org {
        for finding in overdue_milestone_findings(&rules.severity, org_id, &ms, as_of) {
            out.push(Placed { finding, org_id, org_path: org_path.clone() });
        }
    }
    Ok(out)
}

async fn refresh_org(tx: &mut Tx, db: &Db, region_id: i64, org_id: i64) -> StoreResult<()> {
    let sql = format!("{DUE_SELECT} WHERE p.region_id = $1 AND p.org_id = $2 AND p.state = 'active' AND s.done_on IS NULL");
    let rows: Vec<DueRow> = crate::on_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(region_id).bind(org_id).fetch_all(c).await)?;
    let new = placed(db, db.clock().today(), &rows)?;
    reconcile(tx, region_id, db.clock().now_ms(), TASKFORCE_PREFIX, &[Subject::Org(org_id)], new, &|_| "已完成".into()).await?;
    Ok(())
}

/// The full check of a region (one line in [`crate::ENGINES`]): every open milestone of
/// an active project, and every org with an open finding of overdue milestones.
pub fn check_region(db: &Db, region_id: i64, as_of: NaiveDate) -> EngineFuture<'_> {
    Box::pin(async move {
        let started = std::time::Instant::now();
        let sql = format!("{DUE_SELECT} WHERE p.region_id = $1 AND p.state = 'active' AND s.done_on IS NULL ORDER BY p.org_id");
        let rows: Vec<DueRow> =
            crate::read!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(region_id).fetch_all(c).await)?;
        let subjects = super::weak_branch::org_subjects(db, region_id, TASKFORCE_PREFIX, rows.iter().map(|r| r.org_id)).await?;
        let new = placed(db, as_of, &rows)?;
        let mut tx = db.begin().await?;
        let changes =
            reconcile(&mut tx, region_id, db.clock().now_ms(), TASKFORCE_PREFIX, &subjects, new, &|_| "已完成".into()).await?;
        tx.commit().await?;
        Ok(EngineRun { name: "攻坚项目", subjects: subjects.len() as u64, changes, seconds: started.elapsed().as_secs_f64() })
    })
}

fn refusal(inv: Invalid) -> StoreError {
    match inv.errors.first() {
        Some(e) if e.field == "state" => StoreError::Conflict { code: e.code, message: e.message.clone() },
        _ => StoreError::Invalid(inv),
    }
}

fn lead_only() -> StoreError {
    StoreError::conflict("taskforce.lead_only", "该事项由牵头党组织办理")
}

impl TaskForces<'_> {
    fn root(&self) -> StoreResult<String> {
        Ok(self.scope.writable_root().ok_or(StoreError::Forbidden)?.to_string())
    }

    /// The project for a write: it must involve the caller's writable subtree; `lead`
    /// asks that the caller reach the leading org itself.
    async fn project_row(&self, tx: &mut Tx, id: i64, lead: bool) -> StoreResult<ProjectRow> {
        let root = self.root()?;
        let found: Option<ProjectRow> = crate::on_tx!(tx, c => sqlx::query_as(
            "SELECT org_id, org_path, state, title FROM taskforce_projects WHERE region_id = $1 AND id = $2")
            .bind(self.scope.region_id).bind(id).fetch_optional(c).await)?;
        let p = found.ok_or(StoreError::NotFound)?;
        if path::within(&p.org_path, &root) {
            return Ok(p);
        }
        let hi = path::upper(&root);
        let involved: Option<i64> = crate::on_tx!(tx, c => sqlx::query_scalar(
            "SELECT id FROM taskforce_members WHERE region_id = $1 AND project_id = $2 AND org_path >= $3 AND org_path < $4 LIMIT 1")
            .bind(self.scope.region_id).bind(id).bind(&root).bind(&hi).fetch_optional(c).await)?;
        match involved {
            None => Err(StoreError::NotFound),
            Some(_) if lead => Err(lead_only()),
            Some(_) => Ok(p),
        }
    }

    async fn audit(&self, tx: &mut Tx, action: &'static str, project_id: i64, detail: String) -> StoreResult<()> {
        audit::append(tx, self.db, &self.scope.actor, Event::ok(action, format!("taskforce:{project_id}")).detail(detail))
            .await?;
        Ok(())
    }

    /// A project visible to the caller (it involves the caller's reach), with its task
    /// force, milestones and reports.
    pub async fn detail(&self, id: i64) -> StoreResult<TaskForceDetail> {
        let (lo, hi) = self.scope.org_range();
        let today = date_text(self.db.clock().today());
        let sql = format!("{VIEW_SELECT} WHERE p.region_id = $1 AND {INVOLVED} AND p.id = $5");
        let rows: Vec<TaskForceView> = crate::read!(self.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(self.scope.region_id).bind(&today).bind(&lo).bind(&hi).bind(id).fetch_all(c).await)?;
        let project = labelled(rows)?.into_iter().next().ok_or(StoreError::NotFound)?;
        let team: Vec<TaskForceMemberView> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT m.id, m.name, m.org_id, o.name AS org_name, m.role FROM taskforce_members m \
             JOIN orgs o ON o.region_id = m.region_id AND o.id = m.org_id WHERE m.region_id = $1 AND m.project_id = $2 ORDER BY m.id")
            .bind(self.scope.region_id).bind(id).fetch_all(c).await)?;
        let mut milestone_list: Vec<TaskForceMilestoneView> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT id, project_id, title, due_on, done_on, done_note FROM taskforce_milestones \
             WHERE region_id = $1 AND project_id = $2 ORDER BY due_on, id")
            .bind(self.scope.region_id).bind(id).fetch_all(c).await)?;
        let active = project.state == TaskForceState::Active.code();
        for m in &mut milestone_list {
            m.overdue = active && m.done_on.is_none() && m.due_on < today;
        }
        let reports: Vec<TaskForceReportView> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT id, on_date, text, by_name, at FROM taskforce_reports WHERE region_id = $1 AND project_id = $2 \
             ORDER BY on_date DESC, at DESC LIMIT 200")
            .bind(self.scope.region_id).bind(id).fetch_all(c).await)?;
        Ok(TaskForceDetail { project, team, milestone_list, reports })
    }

    /// The projects involving `org_id`'s subtree (led there or with a member from
    /// there), active first (at most [`TASKFORCE_LIST_MAX`]).
    pub async fn list(&self, org_id: i64) -> StoreResult<TaskForceList> {
        let org = self.scoped().orgs().org(org_id).await?;
        let today = date_text(self.db.clock().today());
        let sql = format!(
            "{VIEW_SELECT} WHERE p.region_id = $1 AND {INVOLVED} ORDER BY p.state, p.created_at DESC, p.id LIMIT {TASKFORCE_LIST_MAX}"
        );
        let rows: Vec<TaskForceView> = crate::read!(self.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(org.region_id).bind(&today).bind(&org.path).bind(path::upper(&org.path)).fetch_all(c).await)?;
        Ok(TaskForceList { org_id: org.id, org_name: org.name, items: labelled(rows)? })
    }

    /// Starts a project led by `org_id` (in the caller's writable subtree). Audited.
    pub async fn create(&self, org_id: i64, input: &TaskForceInput) -> StoreResult<TaskForceDetail> {
        let mut tx = self.db.begin().await?;
        let org = self.scoped().orgs().org_for_write(&mut tx, org_id).await?;
        let p = parse_project(input).map_err(StoreError::Invalid)?;
        let id = ids::next();
        let now = self.db.clock().now_ms();
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO taskforce_projects (region_id, id, org_id, org_path, title, problem, leader, state, results, closed_on, \
             created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', NULL, NULL, $8, $9, $9)")
            .bind(org.region_id).bind(id).bind(org.id).bind(&org.path).bind(&p.title).bind(&p.problem).bind(&p.leader)
            .bind(self.scope.actor.account_id).bind(now).execute(c).await)?;
        self.audit(&mut tx, "taskforce.create", id, format!("{}牵头“{}”，牵头领导{}", org.name, p.title, p.leader)).await?;
        tx.commit().await?;
        self.detail(id).await
    }

    /// Adds a member from an org of the caller's reach to the task force; the project is
    /// then visible under that org too. By the leading org's reach. Audited.
    pub async fn add_member(&self, id: i64, input: &TaskForceMemberInput) -> StoreResult<TaskForceDetail> {
        let mut tx = self.db.begin().await?;
        let p = self.project_row(&mut tx, id, true).await?;
        ensure_active(decode("taskforce_projects.state", &p.state, TaskForceState::from_code)?).map_err(refusal)?;
        let current: i64 = crate::on_tx!(tx, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM taskforce_members WHERE region_id = $1 AND project_id = $2")
            .bind(self.scope.region_id).bind(id).fetch_one(c).await)?;
        let (name, role) = parse_member(&self.db.rules().taskforce, input, u32::try_from(current).unwrap_or(u32::MAX))
            .map_err(StoreError::Invalid)?;
        let org = self.scoped().orgs().org_for_write(&mut tx, input.org_id).await.map_err(|e| match e {
            StoreError::NotFound => StoreError::invalid("org_id", "taskforce.org", "队员所在党组织须在本级管理范围内"),
            e => e,
        })?;
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO taskforce_members (region_id, id, project_id, name, org_id, org_path, role, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(self.scope.region_id).bind(ids::next()).bind(id).bind(&name).bind(org.id).bind(&org.path).bind(&role)
            .bind(self.db.clock().now_ms()).execute(c).await)?;
        self.audit(&mut tx, "taskforce.member", id, format!("“{}”增加队员{}（{}，{}）", p.title, name, org.name, role)).await?;
        tx.commit().await?;
        self.detail(id).await
    }

    /// Sets a milestone with its deadline. By the leading org's reach. Audited.
    pub async fn add_milestone(&self, id: i64, input: &TaskForceMilestoneInput) -> StoreResult<TaskForceDetail> {
        self.add_milestone_as_of(id, input, self.db.clock().today()).await
    }

    /// [`Self::add_milestone`] with the deadline judged as of `as_of`: for loading
    /// history (the demo), where a milestone set months ago is overdue now.
    pub async fn add_milestone_as_of(
        &self,
        id: i64,
        input: &TaskForceMilestoneInput,
        as_of: NaiveDate,
    ) -> StoreResult<TaskForceDetail> {
        let mut tx = self.db.begin().await?;
        let p = self.project_row(&mut tx, id, true).await?;
        ensure_active(decode("taskforce_projects.state", &p.state, TaskForceState::from_code)?).map_err(refusal)?;
        let current: i64 = crate::on_tx!(tx, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM taskforce_milestones WHERE region_id = $1 AND project_id = $2")
            .bind(self.scope.region_id).bind(id).fetch_one(c).await)?;
        let (title, due) = parse_milestone(&self.db.rules().taskforce, input, u32::try_from(current).unwrap_or(u32::MAX), as_of)
            .map_err(StoreError::Invalid)?;
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO taskforce_milestones (region_id, id, project_id, title, due_on, done_on, done_note, created_at) \
             VALUES ($1, $2, $3, $4, $5, NULL, NULL, $6)")
            .bind(self.scope.region_id).bind(ids::next()).bind(id).bind(&title).bind(date_text(due))
            .bind(self.db.clock().now_ms()).execute(c).await)?;
        self.audit(&mut tx, "taskforce.milestone", id, format!("“{}”节点“{}”，{}前完成", p.title, title, date_text(due))).await?;
        refresh_org(&mut tx, self.db, self.scope.region_id, p.org_id).await?;
        tx.commit().await?;
        self.detail(id).await
    }

    /// Marks a milestone done on a day with a note. By the leading org's reach. Audited.
    pub async fn complete(&self, milestone_id: i64, input: &TaskForceEntryInput) -> StoreResult<TaskForceDetail> {
        let mut tx = self.db.begin().await?;
        let found: Option<(i64, Option<String>, String)> = crate::on_tx!(tx, c => sqlx::query_as(
            "SELECT project_id, done_on, title FROM taskforce_milestones WHERE region_id = $1 AND id = $2")
            .bind(self.scope.region_id).bind(milestone_id).fetch_optional(c).await)?;
        let (project_id, done_on, title) = found.ok_or(StoreError::NotFound)?;
        let p = self.project_row(&mut tx, project_id, true).await?;
        let state = decode("taskforce_projects.state", &p.state, TaskForceState::from_code)?;
        complete_milestone(state, done_on.as_deref().and_then(parse_iso_date)).map_err(refusal)?;
        let (on, text) = parse_entry(input, "完成情况", self.db.clock().today()).map_err(StoreError::Invalid)?;
        let changed = crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE taskforce_milestones SET done_on = $1, done_note = $2 WHERE region_id = $3 AND id = $4 AND done_on IS NULL")
            .bind(date_text(on)).bind(&text).bind(self.scope.region_id).bind(milestone_id).execute(c).await)?;
        if changed == 0 {
            return Err(StoreError::conflict("taskforce.raced", "该节点刚刚已由他人办理，请刷新后查看"));
        }
        self.audit(&mut tx, "taskforce.done", project_id, format!("“{}”节点“{}”完成（{}）：{}", p.title, title, on, text))
            .await?;
        refresh_org(&mut tx, self.db, self.scope.region_id, p.org_id).await?;
        tx.commit().await?;
        self.detail(project_id).await
    }

    /// Reports progress (dated): by the reach of the leading org or of any member's org.
    /// Audited.
    pub async fn report(&self, id: i64, input: &TaskForceEntryInput) -> StoreResult<TaskForceDetail> {
        let mut tx = self.db.begin().await?;
        let p = self.project_row(&mut tx, id, false).await?;
        ensure_active(decode("taskforce_projects.state", &p.state, TaskForceState::from_code)?).map_err(refusal)?;
        let (on, text) = parse_entry(input, "进展情况", self.db.clock().today()).map_err(StoreError::Invalid)?;
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO taskforce_reports (region_id, id, project_id, on_date, text, by_account, by_name, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(self.scope.region_id).bind(ids::next()).bind(id).bind(date_text(on)).bind(&text)
            .bind(self.scope.actor.account_id).bind(&self.scope.actor.name).bind(self.db.clock().now_ms()).execute(c).await)?;
        self.audit(&mut tx, "taskforce.report", id, format!("“{}”进展（{}）：{}", p.title, on, text)).await?;
        tx.commit().await?;
        self.detail(id).await
    }

    /// Closes the project with its results once every milestone is done (一抓到底). By
    /// the leading org's reach. Audited.
    pub async fn close(&self, id: i64, input: &TaskForceEntryInput) -> StoreResult<TaskForceDetail> {
        let mut tx = self.db.begin().await?;
        let p = self.project_row(&mut tx, id, true).await?;
        let state = decode("taskforce_projects.state", &p.state, TaskForceState::from_code)?;
        let done: Vec<Option<String>> = crate::on_tx!(tx, c => sqlx::query_scalar(
            "SELECT done_on FROM taskforce_milestones WHERE region_id = $1 AND project_id = $2")
            .bind(self.scope.region_id).bind(id).fetch_all(c).await)?;
        let flags: Vec<bool> = done.iter().map(Option::is_some).collect();
        let next = close_project(state, &flags).map_err(refusal)?;
        let (on, text) = parse_entry(input, "攻坚成效", self.db.clock().today()).map_err(StoreError::Invalid)?;
        let changed = crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE taskforce_projects SET state = $1, results = $2, closed_on = $3, updated_at = $4 \
             WHERE region_id = $5 AND id = $6 AND state = 'active'")
            .bind(next.code()).bind(&text).bind(date_text(on)).bind(self.db.clock().now_ms())
            .bind(self.scope.region_id).bind(id).execute(c).await)?;
        if changed == 0 {
            return Err(StoreError::conflict("taskforce.closed", "该项目已结项"));
        }
        self.audit(&mut tx, "taskforce.close", id, format!("“{}”结项（{}）：{}", p.title, on, text)).await?;
        refresh_org(&mut tx, self.db, self.scope.region_id, p.org_id).await?;
        tx.commit().await?;
        self.detail(id).await
    }
}
