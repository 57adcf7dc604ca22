//! 请假 asked online (`leave_requests`): a member asks for leave from an upcoming meeting,
//! the branch approves or declines; an approval marks the member 请假 with the reason in
//! the same transaction. Rules: `domain::orglife::leave`.

use super::OrgLife;
use super::meeting::{MeetingRow, fetch_meeting_tx, finish_meeting};
use crate::platform::audit::{self, Event};
use crate::platform::ids;
use crate::platform::paging::{SortKey, capped_page};
use crate::platform::query::Sql;
use crate::{StoreError, StoreResult, orglife::check};
use serde::Serialize;
use vanguard_domain::kernel::paging::{Page, PageRequest};
use vanguard_domain::orglife::leave::{LeaveContext, LeaveState, check_request, decide};

/// A leave request as listed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct LeaveView {
    pub id: i64,
    pub meeting_id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub reason: String,
    pub state: String,
    #[sqlx(skip)]
    pub state_label: &'static str,
    pub note: String,
    pub requested_at: i64,
    pub decided_at: Option<i64>,
}

macro_rules! leave_select {
    () => {
        "SELECT l.id, l.meeting_id, l.member_id, mb.name AS member_name, l.reason, l.state, l.note, l.requested_at, l.decided_at \
         FROM leave_requests l JOIN members mb ON mb.region_id = l.region_id AND mb.id = l.member_id "
    };
}

/// Newest first.
const LEAVE_ORDER: SortKey = SortKey { columns: &["l.requested_at", "l.id"], descending: true };

/// A stored state's label; an unknown state fails the read.
fn state_label(state: &str) -> StoreResult<&'static str> {
    Ok(crate::platform::error::decode("leave_requests.state", state, LeaveState::from_code)?.label())
}

fn labelled(mut rows: Vec<LeaveView>) -> StoreResult<Vec<LeaveView>> {
    for r in &mut rows {
        r.state_label = state_label(&r.state)?;
    }
    Ok(rows)
}

impl OrgLife<'_> {
    /// The caller's own request for leave from a meeting (within reach or with the caller
    /// on its roll). Audited.
    pub async fn request_leave(&self, meeting_id: i64, reason: &str) -> StoreResult<LeaveView> {
        // Reach first: the meeting must be one the caller may see.
        let meeting = self.signin_meeting(meeting_id).await?;
        let member_id = self
            .scope
            .member_id
            .ok_or_else(|| StoreError::conflict("leave.no_member", "您的账户未关联党员档案，无法请假；请用本人的党员账户登录"))?;
        let mut tx = self.db.begin().await?;
        let row: MeetingRow = fetch_meeting_tx(&mut tx, self.scope.region_id, meeting_id).await?;
        let line: Option<String> = crate::on_tx!(tx, c => sqlx::query_scalar(
            "SELECT attendance FROM meeting_attendance WHERE region_id = $1 AND meeting_id = $2 AND member_id = $3")
            .bind(row.region_id).bind(meeting_id).bind(member_id).fetch_optional(c).await)?;
        let open: i64 = crate::on_tx!(tx, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM leave_requests WHERE region_id = $1 AND meeting_id = $2 AND member_id = $3 AND state <> 'rejected'")
            .bind(row.region_id).bind(meeting_id).bind(member_id).fetch_one(c).await)?;
        let ctx = LeaveContext {
            planned: !row.is_held() && !row.is_cancelled(),
            on_roll: line.as_deref().is_some_and(|a| a != "observer"),
            already: open > 0,
        };
        check_request(ctx, reason).map_err(|inv| match inv.errors.first() {
            Some(e) if e.code.starts_with("leave.") => StoreError::Conflict { code: e.code, message: e.message.clone() },
            _ => StoreError::Invalid(inv),
        })?;
        let id = ids::next();
        let now = self.db.clock().now_ms();
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO leave_requests (region_id, id, meeting_id, member_id, org_path, reason, state, note, requested_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', '', $7)")
            .bind(row.region_id).bind(id).bind(meeting_id).bind(member_id).bind(&row.org_path).bind(reason.trim()).bind(now)
            .execute(c).await)?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("leave.request", format!("meeting:{meeting_id}")).detail(format!("{}：{}", meeting.title, reason.trim())),
        )
        .await?;
        let approvers = crate::notify::Audience::OrgManagers(row.org_id);
        let link = format!("/meetings/{meeting_id}");
        crate::notify::approval_waiting(
            &mut tx,
            self.db,
            row.region_id,
            approvers,
            &format!("leave:{id}"),
            "请假申请",
            &meeting.title,
            &link,
        )
        .await?;
        tx.commit().await?;
        self.leave_request(id).await
    }

    async fn leave_request(&self, id: i64) -> StoreResult<LeaveView> {
        let rows: Vec<LeaveView> = crate::read!(self.db, c => sqlx::query_as(concat!(leave_select!(), "WHERE l.region_id = $1 AND l.id = $2"))
            .bind(self.scope.region_id).bind(id).fetch_all(c).await)?;
        labelled(rows)?.into_iter().next().ok_or(StoreError::NotFound)
    }

    /// The leave requests of a meeting within reach, newest first, one page at a time
    /// (keyset on the time asked and the id; the total counted up to the cap).
    pub async fn meeting_leave_requests(&self, meeting_id: i64, req: &PageRequest) -> StoreResult<Page<LeaveView>> {
        let row = self.meeting_row(meeting_id).await?;
        let mut filters = Sql::new(" WHERE l.region_id = ");
        filters.bind(row.region_id).push(" AND l.meeting_id = ").bind(meeting_id);
        let page = capped_page(self.db, "leave_requests l", leave_select!(), &filters, &LEAVE_ORDER, req, |l: &LeaveView| {
            vec![l.requested_at.into(), l.id.into()]
        })
        .await?;
        page.try_map(|mut l| {
            l.state_label = state_label(&l.state)?;
            Ok(l)
        })
    }

    /// The caller's own request for a meeting, if any (the latest).
    pub async fn my_leave_request(&self, meeting_id: i64) -> StoreResult<Option<LeaveView>> {
        let Some(member_id) = self.scope.member_id else { return Ok(None) };
        let rows: Vec<LeaveView> = crate::read!(self.db, c => sqlx::query_as(concat!(leave_select!(),
            "WHERE l.region_id = $1 AND l.meeting_id = $2 AND l.member_id = $3 ORDER BY l.requested_at DESC, l.id DESC"))
            .bind(self.scope.region_id).bind(meeting_id).bind(member_id).fetch_all(c).await)?;
        Ok(labelled(rows)?.into_iter().next())
    }

    /// How many leave requests wait for a decision within the writable subtree.
    pub async fn pending_leave_count(&self) -> StoreResult<i64> {
        let Some(root) = self.scope.writable_root().map(str::to_string) else { return Ok(0) };
        let hi = vanguard_domain::org::path::upper(&root);
        Ok(crate::read!(self.db, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM leave_requests WHERE region_id = $1 AND org_path >= $2 AND org_path < $3 AND state = 'pending'")
            .bind(self.scope.region_id).bind(&root).bind(&hi).fetch_one(c).await)?)
    }

    /// Approves (the member is marked 请假 with the reason) or declines (with a note) a
    /// request for a meeting within the writable subtree. Audited.
    pub async fn decide_leave(&self, id: i64, approve: bool, note: &str) -> StoreResult<LeaveView> {
        let mut tx = self.db.begin().await?;
        let found: Option<(i64, i64, String, String)> = crate::on_tx!(tx, c => sqlx::query_as(
            "SELECT meeting_id, member_id, state, reason FROM leave_requests WHERE region_id = $1 AND id = $2")
            .bind(self.scope.region_id).bind(id).fetch_optional(c).await)?;
        let (meeting_id, member_id, state, reason) = found.ok_or(StoreError::NotFound)?;
        // Reach: the meeting must be within the writable subtree.
        let row = self.meeting_for_write(&mut tx, meeting_id).await?;
        let state = crate::platform::error::decode("leave_requests.state", &state, LeaveState::from_code)?;
        let next = decide(state, approve, note).map_err(|inv| match inv.errors.first() {
            Some(e) if e.code == "leave.decided" => StoreError::Conflict { code: e.code, message: e.message.clone() },
            _ => StoreError::Invalid(inv),
        })?;
        let now = self.db.clock().now_ms();
        crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE leave_requests SET state = $1, note = $2, decided_by = $3, decided_at = $4 WHERE region_id = $5 AND id = $6")
            .bind(next.code()).bind(note.trim()).bind(self.scope.actor.account_id).bind(now).bind(row.region_id).bind(id)
            .execute(c).await)?;
        if next == LeaveState::Approved {
            crate::exec_tx!(tx, c => sqlx::query(
                "UPDATE meeting_attendance SET attendance = 'excused', reason = $1 WHERE region_id = $2 AND meeting_id = $3 AND member_id = $4")
                .bind(&reason).bind(row.region_id).bind(meeting_id).bind(member_id).execute(c).await)?;
            finish_meeting(&mut tx, row.region_id, meeting_id, now).await?;
        }
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok(if approve { "leave.approve" } else { "leave.reject" }, format!("meeting:{meeting_id}")).detail(format!(
                "member:{member_id} {reason}{}",
                if note.trim().is_empty() { String::new() } else { format!("；{}", note.trim()) }
            )),
        )
        .await?;
        check::refresh_after_meeting(&mut tx, self.db, row.region_id, row.org_id, &[member_id]).await?;
        super::meeting::publish_attendance(&mut tx, self.db, row.region_id, row.id).await?;
        tx.commit().await?;
        self.leave_request(id).await
    }
}
