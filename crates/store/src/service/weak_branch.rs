//! 软弱涣散整顿 (`weak_branches`, `weak_measures`, `weak_tasks`): the yearly list of weak
//! branches of a subtree with their reasons, the measures linked to each (a person or a
//! helping org with dates), rectification tasks with deadlines, the branch's evidence and
//! the parent's 验收 by another account, 销号 once every task is accepted, and the 清零
//! rate per subtree and year with its drill-down to the child orgs. Overdue tasks are
//! findings of the branch (reconciled in each write's transaction and by the daily
//! check). Rules: `domain::service::weak_branch`.

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
use vanguard_domain::service::weak_branch::{
    WEAK_PREFIX, WeakClearRate, WeakListingInput, WeakMeasureInput, WeakState, WeakTaskDue, WeakTaskFacts, WeakTaskInput,
    WeakTaskState, clear_branch, clear_rate, decide_task, overdue_task_findings, parse_listing, parse_measure, parse_task,
    submit_task,
};

crate::platform::scope::feature_handle!(
    /// 软弱涣散整顿: the yearly list, measures, tasks and 验收, 销号, the 清零 rate.
    WeakBranches,
    weak_branches
);

/// A listed branch as shown.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct WeakBranchView {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub year: i64,
    /// Reason codes, comma-separated.
    pub reasons: String,
    #[sqlx(skip)]
    pub reason_labels: Vec<String>,
    pub note: String,
    pub state: String,
    #[sqlx(skip)]
    pub state_label: &'static str,
    pub cleared_on: Option<String>,
    pub clear_note: Option<String>,
    pub tasks: i64,
    pub accepted: i64,
    pub submitted: i64,
    pub measures: i64,
}

/// A measure linked to a listed branch.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct WeakMeasureView {
    pub id: i64,
    pub kind: String,
    #[sqlx(skip)]
    pub kind_label: String,
    pub person: String,
    pub helper_org_id: Option<i64>,
    pub helper_org_name: Option<String>,
    pub from_on: String,
    pub to_on: Option<String>,
}

/// A rectification task.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct WeakTaskView {
    pub id: i64,
    pub weak_id: i64,
    pub title: String,
    pub deadline: String,
    pub state: String,
    #[sqlx(skip)]
    pub state_label: &'static str,
    /// Past its deadline and neither submitted nor accepted.
    #[sqlx(skip)]
    pub overdue: bool,
    pub evidence: Option<String>,
    pub submitted_by: Option<i64>,
    pub opinion: Option<String>,
}

/// A listed branch with its measures and tasks.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WeakDetail {
    #[serde(flatten)]
    pub branch: WeakBranchView,
    pub measures: Vec<WeakMeasureView>,
    pub tasks: Vec<WeakTaskView>,
}

/// The 清零 rate of one child org's subtree.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WeakChildRate {
    pub org_id: i64,
    pub org_name: String,
    pub rate: WeakClearRate,
}

/// A subtree's list for a year: the 清零 rate, the drill-down per child org, the branches.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WeakOverview {
    pub org_id: i64,
    pub org_name: String,
    pub year: i64,
    pub rate: WeakClearRate,
    /// Child orgs with at least one listed branch in their subtree.
    pub children: Vec<WeakChildRate>,
    /// At most [`OVERVIEW_MAX`] branches, the ones still rectifying first.
    pub items: Vec<WeakBranchView>,
}

/// The most branches an overview lists.
pub const OVERVIEW_MAX: i64 = 500;

const VIEW_SELECT: &str = "SELECT w.id, w.org_id, o.name AS org_name, w.year, w.reasons, w.note, w.state, w.cleared_on, \
     w.clear_note, \
     (SELECT COUNT(*) FROM weak_tasks t WHERE t.region_id = w.region_id AND t.weak_id = w.id) AS tasks, \
     (SELECT COUNT(*) FROM weak_tasks t WHERE t.region_id = w.region_id AND t.weak_id = w.id AND t.state = 'accepted') AS accepted, \
     (SELECT COUNT(*) FROM weak_tasks t WHERE t.region_id = w.region_id AND t.weak_id = w.id AND t.state = 'submitted') AS submitted, \
     (SELECT COUNT(*) FROM weak_measures m WHERE m.region_id = w.region_id AND m.weak_id = w.id) AS measures \
     FROM weak_branches w JOIN orgs o ON o.region_id = w.region_id AND o.id = w.org_id";

fn labelled(db: &Db, mut rows: Vec<WeakBranchView>) -> StoreResult<Vec<WeakBranchView>> {
    let rules = db.rules();
    for r in &mut rows {
        r.state_label = decode("weak_branches.state", &r.state, WeakState::from_code)?.label();
        r.reason_labels = r.reasons.split(',').filter(|c| !c.is_empty()).map(|c| rules.weak_branches.reason_label(c)).collect();
    }
    Ok(rows)
}

#[derive(sqlx::FromRow)]
struct BranchRow {
    org_id: i64,
    org_path: String,
    state: String,
}

#[derive(sqlx::FromRow)]
struct TaskRow {
    weak_id: i64,
    org_id: i64,
    org_path: String,
    state: String,
    submitted_by: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct DueRow {
    org_id: i64,
    org_path: String,
    title: String,
    deadline: String,
    state: String,
}

fn placed(db: &Db, as_of: NaiveDate, rows: &[DueRow]) -> StoreResult<Vec<Placed>> {
    let rules = db.rules();
    let mut by_org: BTreeMap<(i64, String), Vec<WeakTaskDue>> = BTreeMap::new();
    for r in rows {
        by_org.entry((r.org_id, r.org_path.clone())).or_default().push(WeakTaskDue {
            title: r.title.clone(),
            deadline: decode("weak_tasks.deadline", &r.deadline, parse_iso_date)?,
            state: decode("weak_tasks.state", &r.state, WeakTaskState::from_code)?,
        });
    }
    let mut out = Vec::new();
    for ((org_id, org_path), tasks) in by_org {
        for finding in overdue_task_findings(&rules.severity, org_id, &tasks, as_of) {
            out.push(Placed { finding, org_id, org_path: org_path.clone() });
        }
    }
    Ok(out)
}

const DUE_SELECT: &str = "SELECT org_id, org_path, title, deadline, state FROM weak_tasks";

/// Re-judges one branch's tasks inside a write's transaction.
async fn refresh_org(tx: &mut Tx, db: &Db, region_id: i64, org_id: i64) -> StoreResult<()> {
    let sql = format!("{DUE_SELECT} WHERE region_id = $1 AND org_id = $2 AND state IN ('open', 'returned')");
    let rows: Vec<DueRow> = crate::on_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(region_id).bind(org_id).fetch_all(c).await)?;
    let new = placed(db, db.clock().today(), &rows)?;
    reconcile(tx, region_id, db.clock().now_ms(), WEAK_PREFIX, &[Subject::Org(org_id)], new, &|_| "已整改".into()).await?;
    Ok(())
}

/// The orgs judged plus those with an open finding under `prefix`, each once.
pub(super) async fn org_subjects(
    db: &Db,
    region_id: i64,
    prefix: &str,
    judged: impl Iterator<Item = i64>,
) -> StoreResult<Vec<Subject>> {
    let open: Vec<i64> = crate::read!(db, c => sqlx::query_scalar(
        "SELECT DISTINCT subject_id FROM findings WHERE region_id = $1 AND subject_kind = 'org' AND rule_code LIKE $2 \
         AND resolved_at IS NULL")
        .bind(region_id).bind(format!("{prefix}%")).fetch_all(c).await)?;
    let mut subjects: Vec<Subject> = judged.chain(open).map(Subject::Org).collect();
    subjects.sort();
    subjects.dedup();
    Ok(subjects)
}

/// The full check of a region (one line in [`crate::ENGINES`]): every task still open,
/// and every branch with an open finding of overdue tasks.
pub fn check_region(db: &Db, region_id: i64, as_of: NaiveDate) -> EngineFuture<'_> {
    Box::pin(async move {
        let started = std::time::Instant::now();
        let sql = format!("{DUE_SELECT} WHERE region_id = $1 AND state IN ('open', 'returned') ORDER BY org_id");
        let rows: Vec<DueRow> =
            crate::read!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(region_id).fetch_all(c).await)?;
        let subjects = org_subjects(db, region_id, WEAK_PREFIX, rows.iter().map(|r| r.org_id)).await?;
        let new = placed(db, as_of, &rows)?;
        let mut tx = db.begin().await?;
        let changes =
            reconcile(&mut tx, region_id, db.clock().now_ms(), WEAK_PREFIX, &subjects, new, &|_| "已整改".into()).await?;
        tx.commit().await?;
        Ok(EngineRun {
            name: "软弱涣散整顿", subjects: subjects.len() as u64, changes, seconds: started.elapsed().as_secs_f64()
        })
    })
}

/// A state rule's refusal as a conflict; a missing or bad field stays a validation error.
fn refusal(inv: Invalid) -> StoreError {
    match inv.errors.first() {
        Some(e) if e.field == "state" => StoreError::Conflict { code: e.code, message: e.message.clone() },
        _ => StoreError::Invalid(inv),
    }
}

fn raced() -> StoreError {
    StoreError::conflict("weak.raced", "该事项刚刚已由他人办理，请刷新后查看")
}

/// Whether `root` lies strictly above `org_path` (the parent or an org above it).
fn above(root: &str, org_path: &str) -> bool {
    root != org_path && path::within(org_path, root)
}

impl WeakBranches<'_> {
    fn root(&self) -> StoreResult<String> {
        Ok(self.scope.writable_root().ok_or(StoreError::Forbidden)?.to_string())
    }

    async fn branch_row(&self, tx: &mut Tx, id: i64) -> StoreResult<BranchRow> {
        let root = self.root()?;
        let found: Option<BranchRow> = crate::on_tx!(tx, c => sqlx::query_as(
            "SELECT org_id, org_path, state FROM weak_branches WHERE region_id = $1 AND id = $2")
            .bind(self.scope.region_id).bind(id).fetch_optional(c).await)?;
        found.filter(|r| path::within(&r.org_path, &root)).ok_or(StoreError::NotFound)
    }

    async fn task_row(&self, tx: &mut Tx, id: i64) -> StoreResult<TaskRow> {
        let root = self.root()?;
        let found: Option<TaskRow> = crate::on_tx!(tx, c => sqlx::query_as(
            "SELECT weak_id, org_id, org_path, state, submitted_by FROM weak_tasks WHERE region_id = $1 AND id = $2")
            .bind(self.scope.region_id).bind(id).fetch_optional(c).await)?;
        found.filter(|r| path::within(&r.org_path, &root)).ok_or(StoreError::NotFound)
    }

    async fn audit(&self, tx: &mut Tx, action: &'static str, org_id: i64, detail: String) -> StoreResult<()> {
        audit::append(tx, self.db, &self.scope.actor, Event::ok(action, format!("org:{org_id}")).detail(detail)).await?;
        Ok(())
    }

    /// A listed branch with its measures and tasks, within reach.
    pub async fn detail(&self, id: i64) -> StoreResult<WeakDetail> {
        let (lo, hi) = self.scope.org_range();
        let sql = format!("{VIEW_SELECT} WHERE w.region_id = $1 AND w.id = $2 AND w.org_path >= $3 AND w.org_path < $4");
        let rows: Vec<WeakBranchView> = crate::read!(self.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(self.scope.region_id).bind(id).bind(&lo).bind(&hi).fetch_all(c).await)?;
        let branch = labelled(self.db, rows)?.into_iter().next().ok_or(StoreError::NotFound)?;
        let rules = self.db.rules();
        let mut measures: Vec<WeakMeasureView> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT m.id, m.kind, m.person, m.helper_org_id, h.name AS helper_org_name, m.from_on, m.to_on FROM weak_measures m \
             LEFT JOIN orgs h ON h.region_id = m.region_id AND h.id = m.helper_org_id \
             WHERE m.region_id = $1 AND m.weak_id = $2 ORDER BY m.from_on, m.id")
            .bind(self.scope.region_id).bind(id).fetch_all(c).await)?;
        for m in &mut measures {
            m.kind_label = rules.weak_branches.measure_label(&m.kind);
        }
        let mut tasks: Vec<WeakTaskView> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT id, weak_id, title, deadline, state, evidence, submitted_by, opinion FROM weak_tasks \
             WHERE region_id = $1 AND weak_id = $2 ORDER BY deadline, id")
            .bind(self.scope.region_id).bind(id).fetch_all(c).await)?;
        let today = self.db.clock().today();
        for t in &mut tasks {
            let state = decode("weak_tasks.state", &t.state, WeakTaskState::from_code)?;
            t.state_label = state.label();
            t.overdue = matches!(state, WeakTaskState::Open | WeakTaskState::Returned)
                && parse_iso_date(&t.deadline).is_some_and(|d| today > d);
        }
        Ok(WeakDetail { branch, measures, tasks })
    }

    /// Puts an org of the caller's subtree on the year's list with its reasons. Only an
    /// org above it lists it (the parent or higher); once per org and year. Audited.
    pub async fn list_branch(&self, org_id: i64, input: &WeakListingInput) -> StoreResult<WeakDetail> {
        let root = self.root()?;
        let rules = self.db.rules();
        let this_year = i64::from(chrono::Datelike::year(&self.db.clock().today()));
        let mut tx = self.db.begin().await?;
        let org = self.scoped().orgs().org_for_write(&mut tx, org_id).await?;
        let (year, reasons, note) = parse_listing(&rules.weak_branches, input, this_year).map_err(StoreError::Invalid)?;
        if !above(&root, &org.path) {
            return Err(StoreError::conflict("weak.parent_only", "列入软弱涣散整顿名单须由上级党组织办理"));
        }
        let id = ids::next();
        let now = self.db.clock().now_ms();
        let inserted = crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO weak_branches (region_id, id, org_id, org_path, year, reasons, note, state, listed_by, listed_at, \
             cleared_by, cleared_on, clear_note, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'rectifying', $8, $9, NULL, NULL, NULL, $9) \
             ON CONFLICT (region_id, org_id, year) DO NOTHING")
            .bind(org.region_id).bind(id).bind(org.id).bind(&org.path).bind(year).bind(reasons.join(",")).bind(&note)
            .bind(self.scope.actor.account_id).bind(now).execute(c).await)?;
        if inserted == 0 {
            return Err(StoreError::conflict("weak.already", format!("{}已列入{}年度整顿名单", org.name, year)));
        }
        let labels: Vec<String> = reasons.iter().map(|c| rules.weak_branches.reason_label(c)).collect();
        self.audit(&mut tx, "weak.list", org.id, format!("{}列入{}年度软弱涣散整顿名单：{}", org.name, year, labels.join("、")))
            .await?;
        tx.commit().await?;
        self.detail(id).await
    }

    /// Links a measure (挂点, 包村, 结对, 工作组, 第一书记) to a listed branch: by an org
    /// above it; a helping org must be within the caller's reach. Audited.
    pub async fn add_measure(&self, id: i64, input: &WeakMeasureInput) -> StoreResult<WeakDetail> {
        let root = self.root()?;
        let rules = self.db.rules();
        // Reach first: a listing out of reach is not found whatever the body.
        self.detail(id).await?;
        let m = parse_measure(&rules.weak_branches, input).map_err(StoreError::Invalid)?;
        if let Some(h) = m.helper_org_id {
            self.scoped().orgs().org(h).await.map_err(|e| match e {
                StoreError::NotFound => StoreError::invalid(
                    "helper_org_id",
                    "weak.helper_org",
                    "帮扶单位须在本级党组织的管理范围内；其他单位请写在负责人一栏",
                ),
                e => e,
            })?;
        }
        let mut tx = self.db.begin().await?;
        let b = self.branch_row(&mut tx, id).await?;
        if !above(&root, &b.org_path) {
            return Err(StoreError::conflict("weak.parent_only", "帮扶措施由上级党组织登记"));
        }
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO weak_measures (region_id, id, weak_id, kind, person, helper_org_id, from_on, to_on, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(self.scope.region_id).bind(ids::next()).bind(id).bind(&m.kind).bind(&m.person).bind(m.helper_org_id)
            .bind(date_text(m.from)).bind(m.to.map(date_text)).bind(self.scope.actor.account_id).bind(self.db.clock().now_ms())
            .execute(c).await)?;
        let label = rules.weak_branches.measure_label(&m.kind);
        self.audit(&mut tx, "weak.measure", b.org_id, format!("{}：{}（{}起）", label, m.person, date_text(m.from))).await?;
        tx.commit().await?;
        self.detail(id).await
    }

    /// Adds a rectification task with its deadline to a branch still on the list; by
    /// the branch itself or an org above it. Audited.
    pub async fn add_task(&self, id: i64, input: &WeakTaskInput) -> StoreResult<WeakDetail> {
        self.add_task_as_of(id, input, self.db.clock().today()).await
    }

    /// [`Self::add_task`] with the deadline judged as of `as_of` instead of today: for
    /// loading a year of history (the demo), where a task set months ago is overdue now.
    pub async fn add_task_as_of(&self, id: i64, input: &WeakTaskInput, as_of: NaiveDate) -> StoreResult<WeakDetail> {
        let rules = self.db.rules();
        let mut tx = self.db.begin().await?;
        let b = self.branch_row(&mut tx, id).await?;
        let (title, deadline) = parse_task(&rules.weak_branches, input, as_of).map_err(StoreError::Invalid)?;
        if b.state != WeakState::Rectifying.code() {
            return Err(StoreError::conflict("weak.cleared", "该党组织已销号"));
        }
        let now = self.db.clock().now_ms();
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO weak_tasks (region_id, id, weak_id, org_id, org_path, title, deadline, state, evidence, submitted_by, \
             submitted_at, decided_by, decided_at, opinion, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', NULL, NULL, NULL, NULL, NULL, NULL, $8, $9)")
            .bind(self.scope.region_id).bind(ids::next()).bind(id).bind(b.org_id).bind(&b.org_path).bind(&title)
            .bind(date_text(deadline)).bind(self.scope.actor.account_id).bind(now).execute(c).await)?;
        self.audit(&mut tx, "weak.task", b.org_id, format!("整顿任务“{}”，{}前完成", title, date_text(deadline))).await?;
        refresh_org(&mut tx, self.db, self.scope.region_id, b.org_id).await?;
        tx.commit().await?;
        self.detail(id).await
    }

    /// The branch submits a task with its evidence (整改情况和佐证), for the parent's
    /// 验收. Audited.
    pub async fn submit_task(&self, task_id: i64, evidence: &str) -> StoreResult<WeakDetail> {
        let mut tx = self.db.begin().await?;
        let t = self.task_row(&mut tx, task_id).await?;
        let state = decode("weak_tasks.state", &t.state, WeakTaskState::from_code)?;
        let next = submit_task(state, evidence).map_err(refusal)?;
        let changed = crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE weak_tasks SET state = $1, evidence = $2, submitted_by = $3, submitted_at = $4 \
             WHERE region_id = $5 AND id = $6 AND state = $7")
            .bind(next.code()).bind(evidence.trim()).bind(self.scope.actor.account_id).bind(self.db.clock().now_ms())
            .bind(self.scope.region_id).bind(task_id).bind(&t.state).execute(c).await)?;
        if changed == 0 {
            return Err(raced());
        }
        self.audit(&mut tx, "weak.submit", t.org_id, format!("提交整改情况：{}", evidence.trim())).await?;
        refresh_org(&mut tx, self.db, self.scope.region_id, t.org_id).await?;
        tx.commit().await?;
        self.detail(t.weak_id).await
    }

    /// The parent's 验收 of a submitted task — accepted, or returned with the reason —
    /// by an account reaching strictly above the branch and not the one that submitted
    /// it. Audited.
    pub async fn decide_task(&self, task_id: i64, accept: bool, opinion: &str) -> StoreResult<WeakDetail> {
        let root = self.root()?;
        let mut tx = self.db.begin().await?;
        let t = self.task_row(&mut tx, task_id).await?;
        let facts = WeakTaskFacts {
            state: decode("weak_tasks.state", &t.state, WeakTaskState::from_code)?,
            submitted_by: t.submitted_by,
        };
        let next =
            decide_task(&facts, accept, self.scope.actor.account_id, above(&root, &t.org_path), opinion).map_err(refusal)?;
        let changed = crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE weak_tasks SET state = $1, opinion = $2, decided_by = $3, decided_at = $4 \
             WHERE region_id = $5 AND id = $6 AND state = $7")
            .bind(next.code()).bind(opinion.trim()).bind(self.scope.actor.account_id).bind(self.db.clock().now_ms())
            .bind(self.scope.region_id).bind(task_id).bind(&t.state).execute(c).await)?;
        if changed == 0 {
            return Err(raced());
        }
        let what = if accept { "验收通过" } else { "退回重改" };
        self.audit(&mut tx, "weak.decide", t.org_id, format!("整顿任务{what}：{}", opinion.trim())).await?;
        refresh_org(&mut tx, self.db, self.scope.region_id, t.org_id).await?;
        tx.commit().await?;
        self.detail(t.weak_id).await
    }

    /// 销号: the parent accepts the branch once every task is accepted; it leaves the
    /// list (counts as cleared in the 清零 rate). Audited.
    pub async fn clear(&self, id: i64, note: &str) -> StoreResult<WeakDetail> {
        let root = self.root()?;
        self.detail(id).await?;
        let mut inv = Invalid::default();
        vanguard_domain::kernel::error::check_text(
            &mut inv,
            "note",
            "验收意见",
            note,
            vanguard_domain::service::weak_branch::WEAK_TEXT_MAX,
            false,
        );
        if !inv.is_empty() {
            return Err(StoreError::Invalid(inv));
        }
        let mut tx = self.db.begin().await?;
        let b = self.branch_row(&mut tx, id).await?;
        let states: Vec<String> = crate::on_tx!(tx, c => sqlx::query_scalar(
            "SELECT state FROM weak_tasks WHERE region_id = $1 AND weak_id = $2")
            .bind(self.scope.region_id).bind(id).fetch_all(c).await)?;
        let tasks =
            states.iter().map(|s| decode("weak_tasks.state", s, WeakTaskState::from_code)).collect::<StoreResult<Vec<_>>>()?;
        let state = decode("weak_branches.state", &b.state, WeakState::from_code)?;
        let next = clear_branch(state, &tasks, above(&root, &b.org_path)).map_err(refusal)?;
        let today = date_text(self.db.clock().today());
        let changed = crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE weak_branches SET state = $1, cleared_by = $2, cleared_on = $3, clear_note = $4, updated_at = $5 \
             WHERE region_id = $6 AND id = $7 AND state = $8")
            .bind(next.code()).bind(self.scope.actor.account_id).bind(&today).bind(note.trim()).bind(self.db.clock().now_ms())
            .bind(self.scope.region_id).bind(id).bind(&b.state).execute(c).await)?;
        if changed == 0 {
            return Err(raced());
        }
        self.audit(&mut tx, "weak.clear", b.org_id, format!("整顿验收销号（{today}）：{}", note.trim())).await?;
        tx.commit().await?;
        self.detail(id).await
    }

    /// The year's list of `org_id`'s subtree with its 清零 rate (cleared / listed) and
    /// the rate of each child org's subtree (the drill-down).
    pub async fn overview(&self, org_id: i64, year: i64) -> StoreResult<WeakOverview> {
        let org = self.scoped().orgs().org(org_id).await?;
        let hi = path::upper(&org.path);
        let rows: Vec<(String, String)> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT org_path, state FROM weak_branches WHERE region_id = $1 AND year = $2 AND org_path >= $3 AND org_path < $4")
            .bind(org.region_id).bind(year).bind(&org.path).bind(&hi).fetch_all(c).await)?;
        let cleared_code = WeakState::Cleared.code();
        let count = |p: &str| {
            let listed = rows.iter().filter(|(op, _)| path::within(op, p)).count() as i64;
            let cleared = rows.iter().filter(|(op, s)| path::within(op, p) && s == cleared_code).count() as i64;
            clear_rate(listed, cleared)
        };
        let kids: Vec<(i64, String, String)> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT id, name, path FROM orgs WHERE region_id = $1 AND parent_id = $2 ORDER BY path")
            .bind(org.region_id).bind(org.id).fetch_all(c).await)?;
        let children = kids
            .into_iter()
            .map(|(id, name, p)| WeakChildRate { org_id: id, org_name: name, rate: count(&p) })
            .filter(|c| c.rate.listed > 0)
            .collect();
        let sql = format!(
            "{VIEW_SELECT} WHERE w.region_id = $1 AND w.year = $2 AND w.org_path >= $3 AND w.org_path < $4 \
             ORDER BY w.state DESC, w.org_path LIMIT {OVERVIEW_MAX}"
        );
        let items: Vec<WeakBranchView> = crate::read!(self.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(org.region_id).bind(year).bind(&org.path).bind(&hi).fetch_all(c).await)?;
        Ok(WeakOverview {
            org_id: org.id,
            org_name: org.name.clone(),
            year,
            rate: count(&org.path),
            children,
            items: labelled(self.db, items)?,
        })
    }

    /// Tasks submitted by branches strictly below the caller's root, waiting for its
    /// 验收 (at most 200, oldest first), with their branch's listing id.
    pub async fn awaiting_me(&self) -> StoreResult<Vec<WeakTaskView>> {
        let Some(root) = self.scope.writable_root().map(str::to_string) else { return Ok(Vec::new()) };
        let mut rows: Vec<WeakTaskView> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT id, weak_id, title, deadline, state, evidence, submitted_by, opinion FROM weak_tasks \
             WHERE region_id = $1 AND state = 'submitted' AND org_path > $2 AND org_path < $3 ORDER BY submitted_at, id LIMIT 200")
            .bind(self.scope.region_id).bind(&root).bind(path::upper(&root)).fetch_all(c).await)?;
        for t in &mut rows {
            t.state_label = WeakTaskState::Submitted.label();
        }
        Ok(rows)
    }

    /// The listings of the caller's own branch (any year, newest first; at most 20).
    pub async fn mine(&self) -> StoreResult<Vec<WeakBranchView>> {
        let (lo, _) = self.scope.org_range();
        let sql = format!("{VIEW_SELECT} WHERE w.region_id = $1 AND w.org_path = $2 ORDER BY w.year DESC LIMIT 20");
        let rows: Vec<WeakBranchView> = crate::read!(self.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(self.scope.region_id).bind(&lo).fetch_all(c).await)?;
        labelled(self.db, rows)
    }
}
