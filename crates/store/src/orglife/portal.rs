//! What the member portal and the secretary's to-do list read: a member's upcoming
//! meetings, open sign-ins, the published plan and their own attendance; a writer's
//! plan to file, meetings to record, open sign-ins, and what waits for them as parent.

use super::meeting::{MeetingRow, MeetingSummary, upcoming_range};
use super::plan::PlanStatusRow;
use super::{CorrectionFilter, CorrectionView, OrgLife, PlanView, date_text};
use crate::platform::error::decode;
use crate::platform::paging::{SortKey, finish, jump_offset};
use crate::platform::query::Sql;
use crate::{StoreError, StoreResult};
use chrono::Datelike;
use serde::Serialize;
use vanguard_domain::kernel::auth::Permission;
use vanguard_domain::kernel::paging::{Page, PageRequest};
use vanguard_domain::org::path;
use vanguard_domain::orglife::{MeetingType, PlanState, deadline};

/// How far ahead the portal lists meetings, in days.
pub const UPCOMING_DAYS: i64 = 30;

/// The first read of [`OrgLife::my_upcoming_meetings`]: planned meetings of the member's
/// branch (`$4`) or group (`$5`) in `[$2, $3)`, by the member's region key `$1`.
#[doc(hidden)]
pub const UPCOMING_IN_BRANCH_SQL: &str = concat!(
    "SELECT ",
    meeting_cols!(),
    meeting_from!(),
    " WHERE m.region_id = $1 AND m.status = 'planned' AND m.planned_at >= $2 AND m.planned_at < $3 AND m.org_id IN ($4, $5) ",
    "ORDER BY m.planned_at, m.id LIMIT 50"
);

/// The second read: planned meetings with member `$4` on the roll, same region key.
#[doc(hidden)]
pub const UPCOMING_ON_ROLL_SQL: &str = concat!(
    "SELECT ",
    meeting_cols!(),
    meeting_from!(),
    " JOIN meeting_attendance a ON a.region_id = m.region_id AND a.meeting_id = m.id",
    " WHERE m.region_id = $1 AND a.region_id = $1 AND a.member_id = $4 AND m.status = 'planned' AND m.planned_at >= $2 AND m.planned_at < $3 ",
    "ORDER BY m.planned_at, m.id LIMIT 50"
);

/// A member's meetings, newest first.
const ATTENDANCE_ORDER: SortKey = SortKey { columns: &["COALESCE(m.held_on, '')", "a.meeting_id"], descending: true };

/// One meeting a member was expected at (or attended as 列席).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MyAttendance {
    pub meeting_id: i64,
    pub meeting_type: String,
    #[sqlx(skip)]
    pub type_label: &'static str,
    pub topic: String,
    pub org_name: String,
    pub held_on: Option<String>,
    pub attendance: String,
    #[sqlx(skip)]
    pub attendance_label: &'static str,
    pub reason: String,
    pub signed_at: Option<i64>,
}

/// The member portal's organizational life.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyOrgLife {
    /// Whether the account has a member record at all.
    pub member: bool,
    pub year: i32,
    /// Planned meetings of the member's branch and group (or with the member on the
    /// roll) in the next [`UPCOMING_DAYS`] days.
    pub upcoming: Vec<MeetingSummary>,
    /// Meetings with sign-in open that the member has not signed in to.
    pub open_signins: Vec<MeetingSummary>,
    /// The branch's published plan of the year.
    pub plan: Option<PlanView>,
    /// The latest meetings the member was expected at.
    pub attendance: Vec<MyAttendance>,
}

/// The caller's own branch's plan to file.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanDue {
    pub org_id: i64,
    pub org_name: String,
    pub year: i32,
    pub plan_id: Option<i64>,
    /// `none` (未制定), `draft`, `returned` or `acknowledged` (待公布).
    pub state: String,
    pub state_label: &'static str,
    pub deadline: String,
    pub days_to_deadline: i64,
}

/// The organizational-life part of a secretary's (or a parent's) to-do list.
#[derive(Debug, Clone, Serialize, Default, utoipa::ToSchema)]
pub struct OrgLifeTodo {
    /// The plan year in view: this year, or next year from December on.
    pub year: i32,
    pub plans_due: Vec<PlanDue>,
    /// Plans submitted to the caller (as parent) waiting for 备案 or 退回.
    pub plans_awaiting: Vec<PlanStatusRow>,
    /// Planned meetings whose time has passed without a record.
    pub unrecorded: Vec<MeetingSummary>,
    pub open_signins: Vec<MeetingSummary>,
    /// Correction requests the caller (as parent) may decide.
    pub corrections_awaiting: Vec<CorrectionView>,
}

#[derive(sqlx::FromRow)]
struct Me {
    region_id: i64,
    id: i64,
    org_id: i64,
    group_id: Option<i64>,
}

fn fill_labels(rows: &mut [MyAttendance]) -> StoreResult<()> {
    for r in rows {
        r.type_label = decode("meetings.meeting_type", &r.meeting_type, MeetingType::from_code)?.label();
        r.attendance_label = super::meeting::attendance_label(&r.attendance)?;
    }
    Ok(())
}

impl OrgLife<'_> {
    async fn me(&self) -> StoreResult<Option<Me>> {
        let Some(member_id) = self.scope.member_id else { return Ok(None) };
        Ok(crate::read!(self.db, c => sqlx::query_as(
            "SELECT region_id, id, org_id, group_id FROM members WHERE region_id = $1 AND id = $2 AND archived = FALSE")
            .bind(self.scope.region_id).bind(member_id).fetch_optional(c).await)?)
    }

    async fn attendance_page(&self, region_id: i64, member_id: i64, req: &PageRequest) -> StoreResult<Page<MyAttendance>> {
        let mut filters = Sql::new(
            " FROM meeting_attendance a JOIN meetings m ON m.region_id = a.region_id AND m.id = a.meeting_id WHERE a.region_id = ",
        );
        filters.bind(region_id).push(" AND a.member_id = ").bind(member_id).push(" AND m.status = 'held'");
        let mut count = Sql::new("SELECT COUNT(*)");
        count.append(&filters);
        let total = u64::try_from(count.fetch_i64(self.db).await?).unwrap_or(0);
        let offset = jump_offset(req)?;
        let mut sql = Sql::new(
            "SELECT a.meeting_id, m.meeting_type, m.topic, o.name AS org_name, m.held_on, a.attendance, a.reason, a.signed_at \
             FROM meeting_attendance a JOIN meetings m ON m.region_id = a.region_id AND m.id = a.meeting_id \
             JOIN orgs o ON o.region_id = m.region_id AND o.id = m.org_id WHERE a.region_id = ",
        );
        sql.bind(region_id).push(" AND a.member_id = ").bind(member_id).push(" AND m.status = 'held'");
        sql.keyset(&ATTENDANCE_ORDER, req)?.order_limit(&ATTENDANCE_ORDER, req, offset);
        let mut items: Vec<MyAttendance> = sql.fetch_all(self.db).await?;
        fill_labels(&mut items)?;
        Ok(finish(req, items, Some(total), false, |a| vec![a.held_on.clone().unwrap_or_default().into(), a.meeting_id.into()]))
    }

    /// The meetings a member within reach was expected at, newest first.
    pub async fn member_attendance(&self, member_id: i64, req: &PageRequest) -> StoreResult<Page<MyAttendance>> {
        let m = self.scoped().members().member_row(member_id).await?;
        self.attendance_page(m.region_id, m.id, req).await
    }

    /// The caller's own attendance history (empty without a member record).
    pub async fn my_attendance(&self, req: &PageRequest) -> StoreResult<Page<MyAttendance>> {
        match self.me().await? {
            Some(me) => self.attendance_page(me.region_id, me.id, req).await,
            None => Ok(Page::empty(req.limit, 0, Some(0))),
        }
    }

    /// Planned meetings of the caller's branch and group, or with the caller on the roll,
    /// in the next [`UPCOMING_DAYS`] days. Two reads, each by the member's region key (an
    /// `OR EXISTS` over both defeats shard pruning on Citus), merged here.
    pub async fn my_upcoming_meetings(&self) -> StoreResult<Vec<MeetingSummary>> {
        const LIMIT: usize = 50;
        let Some(me) = self.me().await? else { return Ok(Vec::new()) };
        let now = self.db.clock().now_ms();
        let (from, to) = upcoming_range(now, UPCOMING_DAYS);
        let mut rows: Vec<MeetingRow> = crate::read!(self.db, c => sqlx::query_as(UPCOMING_IN_BRANCH_SQL)
            .bind(me.region_id).bind(from).bind(to).bind(me.org_id).bind(me.group_id.unwrap_or(-1)).fetch_all(c).await)?;
        let on_roll: Vec<MeetingRow> = crate::read!(self.db, c => sqlx::query_as(UPCOMING_ON_ROLL_SQL)
            .bind(me.region_id).bind(from).bind(to).bind(me.id).fetch_all(c).await)?;
        for r in on_roll {
            if !rows.iter().any(|x| x.id == r.id) {
                rows.push(r);
            }
        }
        rows.sort_by_key(|r| (r.planned_at, r.id));
        rows.truncate(LIMIT);
        Ok(rows.iter().map(|r| r.summary(now)).collect())
    }

    /// Meetings with sign-in open that have the caller on the roll and no sign-in yet.
    pub async fn my_open_signins(&self) -> StoreResult<Vec<MeetingSummary>> {
        let Some(me) = self.me().await? else { return Ok(Vec::new()) };
        let now = self.db.clock().now_ms();
        let rows: Vec<MeetingRow> = crate::read!(self.db, c => sqlx::query_as(concat!("SELECT ", meeting_cols!(), meeting_from!(),
            " JOIN meeting_attendance a ON a.region_id = m.region_id AND a.meeting_id = m.id AND a.member_id = $2",
            " WHERE m.region_id = $1 AND m.status <> 'cancelled' AND m.signin_secret IS NOT NULL AND m.signin_expires_at > $3",
            " AND a.signed_at IS NULL AND a.attendance <> 'present' ORDER BY m.signin_expires_at, m.id LIMIT 20"))
            .bind(me.region_id).bind(me.id).bind(now).fetch_all(c).await)?;
        Ok(rows.iter().map(|r| r.summary(now)).collect())
    }

    /// The published plan of the caller's branch for `year`.
    pub async fn my_plan(&self, year: i32) -> StoreResult<Option<PlanView>> {
        let Some(me) = self.me().await? else { return Ok(None) };
        let id: Option<i64> = crate::read!(self.db, c => sqlx::query_scalar(
            "SELECT id FROM life_plans WHERE region_id = $1 AND org_id = $2 AND year = $3 AND state = 'published'")
            .bind(me.region_id).bind(me.org_id).bind(i64::from(year)).fetch_optional(c).await)?;
        match id {
            // Read through the branch's own reach: the member's scope covers the branch;
            // any other scope reads it by id within its own reach.
            Some(id) => match self.plan_by_id(id).await {
                Ok(p) => Ok(Some(p)),
                Err(StoreError::NotFound) => Ok(None),
                Err(e) => Err(e),
            },
            None => Ok(None),
        }
    }

    /// Everything the member portal shows about organizational life.
    pub async fn my_orglife(&self, year: Option<i32>) -> StoreResult<MyOrgLife> {
        let year = year.unwrap_or_else(|| self.db.clock().today().year());
        if self.me().await?.is_none() {
            return Ok(MyOrgLife {
                member: false,
                year,
                upcoming: Vec::new(),
                open_signins: Vec::new(),
                plan: None,
                attendance: Vec::new(),
            });
        }
        Ok(MyOrgLife {
            member: true,
            year,
            upcoming: self.my_upcoming_meetings().await?,
            open_signins: self.my_open_signins().await?,
            plan: self.my_plan(year).await?,
            attendance: self.my_attendance(&PageRequest::first(20)).await?.items,
        })
    }

    /// The organizational-life to-do list of a writer: their own branch's plan to file
    /// (with the days left), planned meetings not yet recorded, open sign-ins, and — as
    /// parent — plans and correction requests waiting for them.
    pub async fn orglife_todo(&self) -> StoreResult<OrgLifeTodo> {
        let today = self.db.clock().today();
        let year = if today.month() == 12 { today.year() + 1 } else { today.year() };
        let mut todo = OrgLifeTodo { year, ..Default::default() };
        let Some(root) = self.scope.writable_root().map(str::to_string) else { return Ok(todo) };
        if !self.scope.role.grants(Permission::OrgWrite) {
            return Ok(todo);
        }
        let hi = path::upper(&root);
        let region = self.scope.region_id;
        let rules = self.db.rules();
        let dl = deadline(year, &rules.orglife);
        // The scope root's own plan, when it is a branch.
        #[derive(sqlx::FromRow)]
        struct RootPlan {
            org_id: i64,
            org_name: String,
            kind: String,
            status: String,
            plan_id: Option<i64>,
            state: Option<String>,
        }
        let rp: Option<RootPlan> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT o.id AS org_id, o.name AS org_name, o.kind, o.status, p.id AS plan_id, p.state FROM orgs o \
             LEFT JOIN life_plans p ON p.region_id = o.region_id AND p.org_id = o.id AND p.year = $3 \
             WHERE o.region_id = $1 AND o.path = $2")
            .bind(region).bind(&root).bind(i64::from(year)).fetch_optional(c).await)?;
        if let Some(rp) = rp {
            let applies = rules.orglife.annual_plan.applies_to.contains(&decode(
                "orgs.kind",
                &rp.kind,
                vanguard_domain::org::OrgKind::from_code,
            )?);
            let state = rp.state.as_deref().map(|s| decode("life_plans.state", s, PlanState::from_code)).transpose()?;
            let due = matches!(state, None | Some(PlanState::Draft) | Some(PlanState::Returned) | Some(PlanState::Acknowledged));
            if applies && rp.status != "dissolved" && due {
                todo.plans_due.push(PlanDue {
                    org_id: rp.org_id,
                    org_name: rp.org_name,
                    year,
                    plan_id: rp.plan_id,
                    state: rp.state.clone().unwrap_or_else(|| super::plan::NO_PLAN.into()),
                    state_label: match state {
                        None => "未制定",
                        Some(PlanState::Acknowledged) => "已备案，待公布",
                        Some(s) => s.label(),
                    },
                    deadline: date_text(dl),
                    days_to_deadline: (dl - today).num_days(),
                });
            }
        }
        // Plans submitted by orgs strictly below the root.
        let below = format!("{root}!");
        let mut awaiting: Vec<PlanStatusRow> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT o.id AS org_id, o.name AS org_name, po.name AS parent_name, p.id AS plan_id, p.state, p.submitted_on \
             FROM life_plans p JOIN orgs o ON o.region_id = p.region_id AND o.id = p.org_id \
             LEFT JOIN orgs po ON po.region_id = o.region_id AND po.id = o.parent_id \
             WHERE p.region_id = $1 AND p.org_path >= $2 AND p.org_path < $3 AND p.state = 'submitted' \
             ORDER BY p.submitted_on, p.org_path LIMIT 200")
            .bind(region).bind(&below).bind(&hi).fetch_all(c).await)?;
        for r in &mut awaiting {
            r.state_label = PlanState::Submitted.label();
        }
        todo.plans_awaiting = awaiting;
        let now = self.db.clock().now_ms();
        let unrecorded: Vec<MeetingRow> = crate::read!(self.db, c => sqlx::query_as(concat!("SELECT ", meeting_cols!(), meeting_from!(),
            " WHERE m.region_id = $1 AND m.org_path >= $2 AND m.org_path < $3 AND m.status = 'planned' AND m.planned_at < $4",
            " ORDER BY m.planned_at, m.id LIMIT 100"))
            .bind(region).bind(&root).bind(&hi).bind(now).fetch_all(c).await)?;
        todo.unrecorded = unrecorded.iter().map(|r| r.summary(now)).collect();
        let open: Vec<MeetingRow> = crate::read!(self.db, c => sqlx::query_as(concat!("SELECT ", meeting_cols!(), meeting_from!(),
            " WHERE m.region_id = $1 AND m.org_path >= $2 AND m.org_path < $3 AND m.status <> 'cancelled' AND m.signin_secret IS NOT NULL",
            " AND m.signin_expires_at > $4 ORDER BY m.signin_expires_at, m.id LIMIT 50"))
            .bind(region).bind(&root).bind(&hi).bind(now).fetch_all(c).await)?;
        todo.open_signins = open.iter().map(|r| r.summary(now)).collect();
        let first = PageRequest::first(vanguard_domain::kernel::paging::MAX_LIMIT);
        todo.corrections_awaiting =
            self.list_corrections(&CorrectionFilter { awaiting_me: true, ..Default::default() }, &first).await?.items;
        Ok(todo)
    }
}
