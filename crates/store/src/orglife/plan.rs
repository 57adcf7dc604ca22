//! 固定组织生活日年度计划: the branch drafts its items for a year (month, date, theme,
//! form), submits the plan to its parent (报备), the parent acknowledges it (已备案) or
//! returns it with a reason, the branch fixes and resubmits, and after acknowledgement
//! publishes it to its members. The parent is anyone whose writable scope lies strictly
//! above the branch (`Reach::may_restructure`); a branch secretary is not the parent of
//! their own branch. The states and their rules are [`vanguard_domain::orglife::plan`].

use super::{OrgLife, as_conflict, date_text, parse_date};
use crate::org::OrgRow;
use crate::platform::audit::{self, Event};
use crate::platform::error::decode;
use crate::{StoreError, StoreResult, Tx, orglife::check, platform::ids};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use vanguard_domain::Invalid;
use vanguard_domain::kernel::auth::Reach;
use vanguard_domain::org::{OrgKind, path};
use vanguard_domain::orglife::{PlanAction, PlanItem, PlanState, deadline, is_late, transition, validate_items};

/// The state shown for a branch without a plan.
pub const NO_PLAN: &str = "none";
const NO_PLAN_LABEL: &str = "未制定";

#[derive(Debug, Clone, sqlx::FromRow)]
struct PlanRow {
    region_id: i64,
    id: i64,
    org_id: i64,
    org_path: String,
    year: i64,
    #[sqlx(try_from = "String")]
    state: PlanState,
    submitted_on: Option<String>,
    returned_reason: String,
    version: i64,
    updated_at: i64,
    org_name: String,
    established_on: Option<String>,
}

macro_rules! plan_select {
    () => {
        concat!(
            "SELECT p.region_id, p.id, p.org_id, p.org_path, p.year, p.state, p.submitted_on, p.returned_reason, p.version, p.updated_at, ",
            "o.name AS org_name, o.established_on FROM life_plans p JOIN orgs o ON o.region_id = p.region_id AND o.id = p.org_id "
        )
    };
}

impl PlanRow {
    fn state(&self) -> PlanState {
        self.state
    }
    fn year(&self) -> i32 {
        i32::try_from(self.year).unwrap_or(0)
    }
}

/// One item of a plan.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PlanItemView {
    pub id: i64,
    pub month: i64,
    /// `YYYY-MM-DD`.
    #[sqlx(rename = "day")]
    pub date: String,
    pub theme: String,
    pub form: String,
}

/// One step of a plan's way up and back.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PlanEventView {
    pub at: i64,
    pub actor_name: String,
    /// `create`, `edit`, `submit`, `acknowledge`, `return`, `publish`.
    pub action: String,
    #[sqlx(skip)]
    pub action_label: &'static str,
    pub reason: String,
}

/// A plan as the branch, the parent and the members see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanView {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub year: i32,
    pub state: String,
    pub state_label: &'static str,
    pub submitted_on: Option<String>,
    /// The parent's reason when it last returned the plan.
    pub returned_reason: String,
    pub version: i64,
    pub updated_at: i64,
    /// The filing deadline (default 31 January of the year).
    pub deadline: String,
    /// Days from today to the deadline (negative once it has passed).
    pub days_to_deadline: i64,
    /// Filed after the deadline, or still not filed with the deadline passed.
    pub late: bool,
    pub items: Vec<PlanItemView>,
    pub events: Vec<PlanEventView>,
    /// What the caller may do now: `edit`, `submit`, `acknowledge`, `return`, `publish`.
    pub actions: Vec<&'static str>,
}

/// One branch in the parent's overview.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PlanStatusRow {
    pub org_id: i64,
    pub org_name: String,
    pub parent_name: Option<String>,
    pub plan_id: Option<i64>,
    /// A plan state, or `none` (未制定).
    pub state: String,
    #[sqlx(skip)]
    pub state_label: &'static str,
    pub submitted_on: Option<String>,
    #[sqlx(skip)]
    pub late: bool,
}

/// The plan status of every branch in a subtree for one year.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanOverview {
    pub org_id: i64,
    pub year: i32,
    pub deadline: String,
    /// `(state, label, count)` for `none` and each plan state.
    pub counts: Vec<(String, &'static str, i64)>,
    pub rows: Vec<PlanStatusRow>,
}

/// The label of a stored plan event's action; `None` for a code the platform never writes.
fn event_label(action: &str) -> Option<&'static str> {
    Some(match action {
        "create" => "制定",
        "edit" => "修改",
        "submit" => "报备",
        "acknowledge" => "备案",
        "return" => "退回",
        "publish" => "公布",
        _ => return None,
    })
}

fn action_code(a: &PlanAction) -> &'static str {
    match a {
        PlanAction::Edit => "edit",
        PlanAction::Submit => "submit",
        PlanAction::Acknowledge => "acknowledge",
        PlanAction::Return { .. } => "return",
        PlanAction::Publish => "publish",
    }
}

/// The first month a branch plans for: the month it was formed in, when in the plan year.
fn from_month(established_on: Option<&str>, year: i32) -> u32 {
    match established_on.and_then(parse_date) {
        Some(d) if d.year() == year => d.month(),
        Some(d) if d.year() > year => 12,
        _ => 1,
    }
}

/// Transition errors: a refusal by state or role is a conflict, a missing reason is
/// an input error.
fn plan_error(inv: Invalid) -> StoreError {
    if inv.has("plan.return_reason") { StoreError::Invalid(inv) } else { as_conflict(inv) }
}

impl OrgLife<'_> {
    fn plan_applies(&self, kind: OrgKind) -> bool {
        self.db.rules().orglife.annual_plan.applies_to.contains(&kind)
    }

    /// Whether the caller writes for the parent of the org at `org_path`.
    fn acts_as_parent(&self, org_path: &str) -> bool {
        self.scope.reach.may_restructure(org_path)
    }

    fn late(&self, state: Option<PlanState>, submitted_on: Option<&str>, year: i32, today: NaiveDate) -> bool {
        let rules = &self.db.rules().orglife;
        match submitted_on.and_then(parse_date) {
            Some(d) => is_late(d, year, rules),
            None => matches!(state, None | Some(PlanState::Draft) | Some(PlanState::Returned)) && today > deadline(year, rules),
        }
    }

    async fn plan_view(&self, p: PlanRow) -> StoreResult<PlanView> {
        let items: Vec<PlanItemView> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT id, month, day, theme, form FROM life_plan_items WHERE region_id = $1 AND plan_id = $2 ORDER BY month, day, id")
            .bind(p.region_id).bind(p.id).fetch_all(c).await)?;
        let mut events: Vec<PlanEventView> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT at, actor_name, action, reason FROM life_plan_events WHERE region_id = $1 AND plan_id = $2 ORDER BY at, id")
            .bind(p.region_id).bind(p.id).fetch_all(c).await)?;
        for e in &mut events {
            e.action_label = decode("life_plan_events.action", &e.action, event_label)?;
        }
        let state = p.state();
        let year = p.year();
        let today = self.db.clock().today();
        let dl = deadline(year, &self.db.rules().orglife);
        let writable = self.scope.writable_root().is_some_and(|root| p.org_path.starts_with(root))
            && self.scope.role.grants(vanguard_domain::kernel::auth::Permission::OrgWrite);
        let parent = self.acts_as_parent(&p.org_path);
        let actions = if writable {
            [
                PlanAction::Edit,
                PlanAction::Submit,
                PlanAction::Acknowledge,
                PlanAction::Return { reason: "-".into() },
                PlanAction::Publish,
            ]
            .iter()
            .filter(|a| transition(state, a, parent).is_ok())
            .map(action_code)
            .collect()
        } else {
            Vec::new()
        };
        Ok(PlanView {
            id: p.id,
            org_id: p.org_id,
            org_name: p.org_name.clone(),
            year,
            state: p.state.code().to_string(),
            state_label: state.label(),
            late: self.late(Some(state), p.submitted_on.as_deref(), year, today),
            submitted_on: p.submitted_on,
            returned_reason: p.returned_reason,
            version: p.version,
            updated_at: p.updated_at,
            deadline: date_text(dl),
            days_to_deadline: (dl - today).num_days(),
            items,
            events,
            actions,
        })
    }

    /// The plan of a branch within reach for `year`, if it has one.
    pub async fn plan(&self, org_id: i64, year: i32) -> StoreResult<Option<PlanView>> {
        let org = self.scoped().orgs().org(org_id).await?;
        let row: Option<PlanRow> = crate::read!(self.db, c => sqlx::query_as(concat!(plan_select!(),
            "WHERE p.region_id = $1 AND p.org_id = $2 AND p.year = $3"))
            .bind(org.region_id).bind(org.id).bind(i64::from(year)).fetch_optional(c).await)?;
        match row {
            Some(p) => Ok(Some(self.plan_view(p).await?)),
            None => Ok(None),
        }
    }

    /// A plan within reach by id.
    pub async fn plan_by_id(&self, id: i64) -> StoreResult<PlanView> {
        let (lo, hi) = self.scope.org_range();
        let row: Option<PlanRow> = crate::read!(self.db, c => sqlx::query_as(concat!(plan_select!(),
            "WHERE p.region_id = $1 AND p.id = $2 AND p.org_path >= $3 AND p.org_path < $4"))
            .bind(self.scope.region_id).bind(id).bind(&lo).bind(&hi).fetch_optional(c).await)?;
        self.plan_view(row.ok_or(StoreError::NotFound)?).await
    }

    async fn plan_for_write(&self, tx: &mut Tx, id: i64) -> StoreResult<PlanRow> {
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?;
        let hi = path::upper(root);
        let row: Option<PlanRow> = crate::on_tx!(tx, c => sqlx::query_as(concat!(plan_select!(),
            "WHERE p.region_id = $1 AND p.id = $2 AND p.org_path >= $3 AND p.org_path < $4"))
            .bind(self.scope.region_id).bind(id).bind(root).bind(&hi).fetch_optional(c).await)?;
        row.ok_or(StoreError::NotFound)
    }

    async fn plan_event(&self, tx: &mut Tx, p: &PlanRow, action: &str, reason: &str) -> StoreResult<()> {
        let now = self.db.clock().now_ms();
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO life_plan_events (region_id, id, plan_id, at, actor_name, action, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(p.region_id).bind(ids::next()).bind(p.id).bind(now).bind(&self.scope.actor.name).bind(action).bind(reason)
            .execute(c).await)?;
        Ok(())
    }

    fn check_plan_org(&self, org: &OrgRow, year: i32) -> StoreResult<()> {
        if !self.plan_applies(org.kind()) {
            return Err(StoreError::conflict(
                "plan.not_applicable",
                format!("{}不需要制定固定组织生活日年度计划，由所属党支部制定", org.kind().label()),
            ));
        }
        if org.is_dissolved() {
            return Err(StoreError::conflict("org.dissolved", "该党组织已撤销"));
        }
        let this_year = self.db.clock().today().year();
        if !(2000..=this_year + 1).contains(&year) {
            return Err(StoreError::invalid("year", "year.range", format!("只能制定2000年至{}年的计划", this_year + 1)));
        }
        Ok(())
    }

    /// Drafts or edits the plan of a branch for `year` (a returned plan becomes a draft
    /// again). Only the branch itself edits its plan, not its parent.
    pub async fn save_plan(
        &self,
        org_id: i64,
        year: i32,
        items: &[PlanItem],
        expected_version: Option<i64>,
    ) -> StoreResult<PlanView> {
        let mut tx = self.db.begin().await?;
        // Reach first: outside it the org is not found, whatever the input.
        let org = self.scoped().orgs().org_for_write(&mut tx, org_id).await?;
        self.check_plan_org(&org, year)?;
        let parent = self.acts_as_parent(&org.path);
        let existing: Option<PlanRow> = crate::on_tx!(tx, c => sqlx::query_as(concat!(plan_select!(),
            "WHERE p.region_id = $1 AND p.org_id = $2 AND p.year = $3"))
            .bind(org.region_id).bind(org.id).bind(i64::from(year)).fetch_optional(c).await)?;
        let state = existing.as_ref().map(PlanRow::state).unwrap_or(PlanState::Draft);
        transition(state, &PlanAction::Edit, parent).map_err(plan_error)?;
        if let (Some(v), Some(p)) = (expected_version, &existing)
            && v != p.version
        {
            return Err(StoreError::conflict("plan.stale", "该计划已被他人修改，请刷新后重试"));
        }
        let items: Vec<PlanItem> = items
            .iter()
            .map(|i| PlanItem {
                month: i.month,
                date: i.date,
                theme: i.theme.trim().to_string(),
                form: i.form.trim().to_string(),
            })
            .collect();
        validate_items(year, &items, false, from_month(org.established_on.as_deref(), year))?;
        let now = self.db.clock().now_ms();
        let (plan_id, event) = match &existing {
            Some(p) => {
                crate::exec_tx!(tx, c => sqlx::query("DELETE FROM life_plan_items WHERE region_id = $1 AND plan_id = $2")
                    .bind(p.region_id).bind(p.id).execute(c).await)?;
                crate::exec_tx!(tx, c => sqlx::query(
                    "UPDATE life_plans SET state = 'draft', version = version + 1, updated_at = $1 WHERE region_id = $2 AND id = $3")
                    .bind(now).bind(p.region_id).bind(p.id).execute(c).await)?;
                (p.id, (state == PlanState::Returned).then_some("edit"))
            }
            None => {
                let id = ids::next();
                let inserted = crate::exec_tx!(tx, c => sqlx::query(
                    "INSERT INTO life_plans (region_id, id, org_id, org_path, year, state, returned_reason, version, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, 'draft', '', 1, $6, $6)")
                    .bind(org.region_id).bind(id).bind(org.id).bind(&org.path).bind(i64::from(year)).bind(now).execute(c).await);
                if let Err(e) = inserted {
                    let e = StoreError::from(e);
                    return Err(if e.is_unique_violation() {
                        StoreError::conflict("plan.stale", "该计划刚被他人创建，请刷新后重试")
                    } else {
                        e
                    });
                }
                (id, Some("create"))
            }
        };
        for it in &items {
            crate::exec_tx!(tx, c => sqlx::query(
                "INSERT INTO life_plan_items (region_id, id, plan_id, month, day, theme, form) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(org.region_id).bind(ids::next()).bind(plan_id).bind(i64::from(it.month)).bind(date_text(it.date))
                .bind(&it.theme).bind(&it.form).execute(c).await)?;
        }
        let row: PlanRow = crate::on_tx!(tx, c => sqlx::query_as(concat!(plan_select!(), "WHERE p.region_id = $1 AND p.id = $2"))
            .bind(org.region_id).bind(plan_id).fetch_one(c).await)?;
        if let Some(e) = event {
            self.plan_event(&mut tx, &row, e, "").await?;
        }
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("plan.save", format!("plan:{plan_id}")).detail(format!("{} {year}年计划，{}项", org.name, items.len())),
        )
        .await?;
        check::refresh_after_plan(&mut tx, self.db, org.region_id, org.id).await?;
        tx.commit().await?;
        self.plan_by_id(plan_id).await
    }

    /// Takes a step on a plan: `Submit` and `Publish` by the branch, `Acknowledge` and
    /// `Return` (with a reason) by its parent.
    pub async fn plan_action(&self, plan_id: i64, action: &PlanAction) -> StoreResult<PlanView> {
        let mut tx = self.db.begin().await?;
        let p = self.plan_for_write(&mut tx, plan_id).await?;
        if *action == PlanAction::Edit {
            return Err(StoreError::invalid("action", "plan.edit", "修改计划内容请直接保存计划"));
        }
        let parent = self.acts_as_parent(&p.org_path);
        let state = p.state();
        let year = p.year();
        // Role and state first, so a parent is told it cannot submit before being told
        // what is missing.
        let next = transition(state, action, parent).map_err(plan_error)?;
        if *action == PlanAction::Submit {
            let items: Vec<PlanItemView> = crate::on_tx!(tx, c => sqlx::query_as(
                "SELECT id, month, day, theme, form FROM life_plan_items WHERE region_id = $1 AND plan_id = $2 ORDER BY month, day, id")
                .bind(p.region_id).bind(p.id).fetch_all(c).await)?;
            let items: Vec<PlanItem> = items
                .into_iter()
                .map(|i| PlanItem {
                    month: u32::try_from(i.month).unwrap_or(0),
                    date: parse_date(&i.date).unwrap_or_default(),
                    theme: i.theme,
                    form: i.form,
                })
                .collect();
            validate_items(year, &items, true, from_month(p.established_on.as_deref(), year))?;
        }
        let today = date_text(self.db.clock().today());
        let now = self.db.clock().now_ms();
        let (submitted_on, returned_reason, reason) = match action {
            PlanAction::Submit => (Some(p.submitted_on.clone().unwrap_or(today)), String::new(), String::new()),
            PlanAction::Return { reason } => (p.submitted_on.clone(), reason.trim().to_string(), reason.trim().to_string()),
            _ => (p.submitted_on.clone(), p.returned_reason.clone(), String::new()),
        };
        crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE life_plans SET state = $1, submitted_on = $2, returned_reason = $3, version = version + 1, updated_at = $4 \
             WHERE region_id = $5 AND id = $6")
            .bind(next.code()).bind(&submitted_on).bind(&returned_reason).bind(now).bind(p.region_id).bind(p.id)
            .execute(c).await)?;
        let code = action_code(action);
        self.plan_event(&mut tx, &p, code, &reason).await?;
        let audit_action = match action {
            PlanAction::Submit => "plan.submit",
            PlanAction::Acknowledge => "plan.acknowledge",
            PlanAction::Return { .. } => "plan.return",
            PlanAction::Publish => "plan.publish",
            PlanAction::Edit => "plan.save",
        };
        let mut detail = format!("{} {year}年计划：{} → {}", p.org_name, state.label(), next.label());
        if !reason.is_empty() {
            detail.push_str(&format!("（{reason}）"));
        }
        audit::append(&mut tx, self.db, &self.scope.actor, Event::ok(audit_action, format!("plan:{}", p.id)).detail(detail))
            .await?;
        check::refresh_after_plan(&mut tx, self.db, p.region_id, p.org_id).await?;
        tx.commit().await?;
        self.plan_by_id(plan_id).await
    }

    /// The plan status of every active branch in the subtree of `org_id` for `year`, in
    /// one query over the path range; branches without a plan are listed as 未制定.
    pub async fn plan_overview(&self, org_id: i64, year: i32) -> StoreResult<PlanOverview> {
        let org = self.scoped().orgs().org(org_id).await?;
        let (lo, hi) = match self.scope.reach {
            Reach::Subtree { .. } => (org.path.clone(), path::upper(&org.path)),
            _ => self.scope.org_range(),
        };
        let kinds: Vec<&'static str> = self.db.rules().orglife.annual_plan.applies_to.iter().map(|k| k.code()).collect();
        let region = org.region_id;
        let mut rows: Vec<PlanStatusRow> = crate::read!(self.db, c => {
            let mut qb = sqlx::QueryBuilder::new(
                "SELECT o.id AS org_id, o.name AS org_name, po.name AS parent_name, p.id AS plan_id, COALESCE(p.state, 'none') AS state, \
                 p.submitted_on FROM orgs o LEFT JOIN orgs po ON po.region_id = o.region_id AND po.id = o.parent_id \
                 LEFT JOIN life_plans p ON p.region_id = o.region_id AND p.org_id = o.id AND p.year = ");
            qb.push_bind(i64::from(year));
            qb.push(" WHERE o.region_id = ").push_bind(region);
            qb.push(" AND o.path >= ").push_bind(lo.clone()).push(" AND o.path < ").push_bind(hi.clone());
            qb.push(" AND o.status <> 'dissolved' AND o.kind IN (");
            let mut sep = qb.separated(", ");
            for k in &kinds {
                sep.push_bind(*k);
            }
            if kinds.is_empty() {
                sep.push_bind("-");
            }
            sep.push_unseparated(")");
            qb.push(" ORDER BY o.path");
            qb.build_query_as().fetch_all(c).await
        })?;
        let today = self.db.clock().today();
        let mut counts: Vec<(String, &'static str, i64)> = std::iter::once((NO_PLAN.to_string(), NO_PLAN_LABEL, 0))
            .chain(PlanState::ALL.iter().map(|s| (s.code().to_string(), s.label(), 0)))
            .collect();
        for r in &mut rows {
            let state = if r.state == NO_PLAN { None } else { Some(decode("life_plans.state", &r.state, PlanState::from_code)?) };
            r.state_label = state.map(PlanState::label).unwrap_or(NO_PLAN_LABEL);
            r.late = self.late(state, r.submitted_on.as_deref(), year, today);
            if let Some(c) = counts.iter_mut().find(|c| c.0 == r.state) {
                c.2 += 1;
            }
        }
        Ok(PlanOverview { org_id, year, deadline: date_text(deadline(year, &self.db.rules().orglife)), counts, rows })
    }
}
