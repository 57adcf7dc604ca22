//! 记录更正: after the correction window (`rules.orglife.correction_days`, default 30
//! days after the meeting) a record changes only through a request that the parent
//! organization approves — anyone whose writable scope lies strictly above the org that
//! held the meeting (`Reach::may_restructure`), never the org itself. Approval applies
//! the requested [`MeetingPatch`]; request, approval and rejection are each audited.

use super::OrgLife;
use super::check_text;
use super::meeting::{MeetingPatch, MeetingRow, fetch_meeting_tx};
use crate::platform::audit::{self, Event};
use crate::platform::error::decode;
use crate::platform::paging::{SortKey, capped_page};
use crate::platform::query::Sql;
use crate::{StoreError, StoreResult, orglife::check, platform::ids};
use serde::{Deserialize, Serialize};
use vanguard_domain::Invalid;
use vanguard_domain::kernel::paging::{Page, PageRequest};
use vanguard_domain::org::path;
use vanguard_domain::orglife::{Correction, correction};

/// Longest reason or note, in characters.
const REASON_MAX: usize = 500;

pub const PENDING: &str = "pending";
pub const APPROVED: &str = "approved";
pub const REJECTED: &str = "rejected";

fn status_label(s: &str) -> Option<&'static str> {
    match s {
        PENDING => Some("待审批"),
        APPROVED => Some("已批准"),
        REJECTED => Some("未批准"),
        _ => None,
    }
}

/// A correction request as listed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CorrectionView {
    pub id: i64,
    pub meeting_id: i64,
    pub meeting_title: String,
    pub org_id: i64,
    pub org_name: String,
    pub requested_by: i64,
    pub requester_name: Option<String>,
    pub requested_at: i64,
    pub reason: String,
    pub changes: MeetingPatch,
    /// The changes in words.
    pub summary: Vec<String>,
    /// `pending`, `approved`, `rejected`.
    pub status: String,
    pub status_label: &'static str,
    pub decided_by: Option<i64>,
    pub decided_at: Option<i64>,
    /// Whether the caller may approve or reject it now.
    pub may_decide: bool,
}

/// Which correction requests to list.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[serde(default)]
pub struct CorrectionFilter {
    /// `pending`, `approved`, `rejected`; empty: all.
    pub status: String,
    /// Only those the caller may decide (pending, of orgs strictly below the scope root).
    pub awaiting_me: bool,
}

#[derive(sqlx::FromRow)]
struct CorrectionJoin {
    id: i64,
    meeting_id: i64,
    org_path: String,
    requested_by: i64,
    requested_at: i64,
    reason: String,
    payload: String,
    status: String,
    decided_by: Option<i64>,
    decided_at: Option<i64>,
    org_id: i64,
    org_name: String,
    requester_name: Option<String>,
    meeting_type: String,
    held_on: Option<String>,
    planned_at: Option<i64>,
    topic: String,
}

/// The changes a correction request asked for, as stored. A payload that cannot be read
/// is an error: approving it must not apply nothing and call it done.
fn stored_changes(id: i64, payload: &str) -> StoreResult<MeetingPatch> {
    serde_json::from_str(payload)
        .map_err(|e| StoreError::Other(format!("更正申请 {id} 保存的更正内容无法读取（{e}），请联系系统管理员核查")))
}

/// Correction requests: newest first.
const CORRECTION_ORDER: SortKey = SortKey { columns: &["c.requested_at", "c.id"], descending: true };

macro_rules! correction_select {
    () => {
        concat!(
            "SELECT c.id, c.meeting_id, c.org_path, c.requested_by, c.requested_at, c.reason, c.payload, c.status, c.decided_by, c.decided_at, ",
            "m.org_id, o.name AS org_name, ac.display_name AS requester_name, m.meeting_type, m.held_on, m.planned_at, m.topic ",
            "FROM meeting_corrections c JOIN meetings m ON m.region_id = c.region_id AND m.id = c.meeting_id ",
            "JOIN orgs o ON o.region_id = m.region_id AND o.id = m.org_id ",
            "LEFT JOIN accounts ac ON ac.id = c.requested_by "
        )
    };
}

impl OrgLife<'_> {
    fn correction_view(&self, j: CorrectionJoin) -> StoreResult<CorrectionView> {
        let changes = stored_changes(j.id, &j.payload)?;
        let day = j
            .held_on
            .as_deref()
            .and_then(super::parse_date)
            .or_else(|| j.planned_at.map(vanguard_domain::kernel::time::china_date))
            .map(super::meeting::zh_date)
            .unwrap_or_default();
        let t = decode("meetings.meeting_type", &j.meeting_type, vanguard_domain::orglife::MeetingType::from_code)?.label();
        let meeting_title =
            if j.topic.trim().is_empty() { format!("{day} {t}") } else { format!("{day} {t}：{}", j.topic.trim()) };
        let may_decide = j.status == PENDING && self.scope.reach.may_restructure(&j.org_path);
        Ok(CorrectionView {
            id: j.id,
            meeting_id: j.meeting_id,
            meeting_title,
            org_id: j.org_id,
            org_name: j.org_name,
            requested_by: j.requested_by,
            requester_name: j.requester_name.filter(|n| !n.is_empty()),
            requested_at: j.requested_at,
            reason: j.reason,
            summary: changes.summary(),
            changes,
            status_label: decode("meeting_corrections.status", &j.status, status_label)?,
            status: j.status,
            decided_by: j.decided_by,
            decided_at: j.decided_at,
            may_decide,
        })
    }

    pub(crate) async fn corrections_of(&self, m: &MeetingRow) -> StoreResult<Vec<CorrectionView>> {
        let rows: Vec<CorrectionJoin> = crate::read!(self.db, c => sqlx::query_as(concat!(correction_select!(),
            "WHERE c.region_id = $1 AND c.meeting_id = $2 ORDER BY c.requested_at DESC, c.id DESC"))
            .bind(m.region_id).bind(m.id).fetch_all(c).await)?;
        rows.into_iter().map(|j| self.correction_view(j)).collect()
    }

    /// Asks the parent organization to correct a record whose correction window has
    /// passed. Within the window, edit it directly instead.
    pub async fn request_correction(&self, meeting_id: i64, reason: &str, changes: &MeetingPatch) -> StoreResult<CorrectionView> {
        let mut tx = self.db.begin().await?;
        // Reach first: outside it the meeting is not found, whatever the input.
        let m = self.meeting_for_write(&mut tx, meeting_id).await?;
        if m.is_cancelled() {
            return Err(StoreError::conflict("meeting.cancelled", "该会议已取消，不能更正"));
        }
        let days = self.db.rules().orglife.correction_days;
        let needs = m.held_on_date().is_some_and(|h| correction(h, self.db.clock().today(), days) == Correction::NeedsApproval);
        if !needs {
            return Err(StoreError::conflict(
                "correction.not_needed",
                format!("会议召开未满{days}天（或尚未召开），可直接修改记录，无需申请更正"),
            ));
        }
        let mut inv = Invalid::default();
        check_text(&mut inv, "reason", "更正理由", reason, REASON_MAX, true);
        inv.into_result(())?;
        let mut changes = changes.clone();
        changes.version = None;
        if changes.is_empty() {
            return Err(StoreError::invalid("changes", "changes.empty", "请填写要更正的内容"));
        }
        let payload = serde_json::to_string(&changes).map_err(|e| StoreError::Other(format!("无法保存更正内容：{e}")))?;
        let id = ids::next();
        let now = self.db.clock().now_ms();
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO meeting_corrections (region_id, id, meeting_id, org_path, requested_by, requested_at, reason, payload, status) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending')")
            .bind(m.region_id).bind(id).bind(meeting_id).bind(&m.org_path).bind(self.scope.actor.account_id).bind(now)
            .bind(reason.trim()).bind(&payload).execute(c).await)?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("meeting.correction_request", format!("meeting:{meeting_id}")).detail(format!(
                "correction:{id} {}：{}",
                reason.trim(),
                changes.summary().join("；")
            )),
        )
        .await?;
        if let Some(parent) = self.scoped().orgs().org(m.org_id).await?.parent_id {
            let approvers = crate::notify::Audience::OrgManagers(parent);
            let (object, link) = (format!("correction:{id}"), format!("/meetings/{meeting_id}"));
            crate::notify::approval_waiting(
                &mut tx,
                self.db,
                m.region_id,
                approvers,
                &object,
                "会议记录更正申请",
                &m.topic,
                &link,
            )
            .await?;
        }
        tx.commit().await?;
        self.correction(id).await
    }

    /// One correction request within reach.
    pub async fn correction(&self, id: i64) -> StoreResult<CorrectionView> {
        let (lo, hi) = self.meeting_range();
        let row: Option<CorrectionJoin> = crate::read!(self.db, c => sqlx::query_as(concat!(correction_select!(),
            "WHERE c.region_id = $1 AND c.id = $2 AND c.org_path >= $3 AND c.org_path < $4"))
            .bind(self.scope.region_id).bind(id).bind(&lo).bind(&hi).fetch_optional(c).await)?;
        self.correction_view(row.ok_or(StoreError::NotFound)?)
    }

    /// Correction requests of meetings within reach, newest first, one page at a time
    /// (keyset on `requested_at, id`; the total is counted up to
    /// [`COUNT_CAP`](crate::platform::paging::COUNT_CAP): there is no
    /// per-org aggregate of corrections to read it from).
    pub async fn list_corrections(&self, f: &CorrectionFilter, req: &PageRequest) -> StoreResult<Page<CorrectionView>> {
        let (mut lo, hi) = self.meeting_range();
        let mut status = f.status.trim().to_string();
        if f.awaiting_me {
            match self.scope.writable_root() {
                // Strictly below the root: every path in the subtree but the root's own.
                Some(root) => lo = format!("{root}!"),
                None => return Ok(Page::empty(req.limit, req.start_position().unwrap_or(0), Some(0))),
            }
            status = PENDING.into();
        }
        if !status.is_empty() && ![PENDING, APPROVED, REJECTED].contains(&status.as_str()) {
            return Err(StoreError::invalid(
                "status",
                "status.unknown",
                "状态应为 pending（待审批）、approved（已批准）或 rejected（未批准）",
            ));
        }
        let mut filters = Sql::new(" WHERE c.region_id = ");
        filters.bind(self.scope.region_id);
        filters.push(" AND c.org_path >= ").bind(lo.as_str()).push(" AND c.org_path < ").bind(hi.as_str());
        if !status.is_empty() {
            filters.push(" AND c.status = ").bind(status.as_str());
        }
        let key_of = |j: &CorrectionJoin| vec![j.requested_at.into(), j.id.into()];
        let page =
            capped_page(self.db, "meeting_corrections c", correction_select!(), &filters, &CORRECTION_ORDER, req, key_of).await?;
        page.try_map(|j| self.correction_view(j))
    }

    /// Approves (and applies) or rejects a pending correction request. Only the parent
    /// organization decides: the caller's writable scope must lie strictly above the org
    /// that held the meeting.
    pub async fn decide_correction(&self, id: i64, approve: bool, note: &str) -> StoreResult<CorrectionView> {
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?.to_string();
        let hi = path::upper(&root);
        let mut tx = self.db.begin().await?;
        let row: Option<CorrectionJoin> = crate::on_tx!(tx, c => sqlx::query_as(concat!(correction_select!(),
            "WHERE c.region_id = $1 AND c.id = $2 AND c.org_path >= $3 AND c.org_path < $4"))
            .bind(self.scope.region_id).bind(id).bind(&root).bind(&hi).fetch_optional(c).await)?;
        let row = row.ok_or(StoreError::NotFound)?;
        if !self.scope.reach.may_restructure(&row.org_path) {
            return Err(StoreError::conflict(
                "correction.parent_only",
                "更正申请须由上级党组织审批，本级党组织不能审批自己的申请",
            ));
        }
        if row.status != PENDING {
            let label = decode("meeting_corrections.status", &row.status, status_label)?;
            return Err(StoreError::conflict("correction.decided", format!("该更正申请已处理（{label}）")));
        }
        // Two people: whoever asked for the correction cannot also approve or reject it,
        // whatever their reach (an 组织部管理员 reaches both the branch and its parent).
        if row.requested_by == self.scope.actor.account_id {
            return Err(StoreError::conflict(
                "correction.same_account",
                "更正申请须由申请人以外、有审批权限的上级党组织人员审批，不能审批本人提交的申请",
            ));
        }
        let mut inv = Invalid::default();
        check_text(&mut inv, "note", "审批意见", note, REASON_MAX, false);
        inv.into_result(())?;
        let now = self.db.clock().now_ms();
        let changes = stored_changes(id, &row.payload)?;
        let meeting = fetch_meeting_tx(&mut tx, self.scope.region_id, row.meeting_id).await?;
        let (status, action) =
            if approve { (APPROVED, "meeting.correction_approve") } else { (REJECTED, "meeting.correction_reject") };
        let mut detail = format!("correction:{id}");
        let mut members = Vec::new();
        if approve {
            let applied = self.apply_patch(&mut tx, &meeting, &changes).await?;
            detail.push_str(&format!(" 更正：{}", applied.changes.join("；")));
            members.extend(applied.members);
        }
        if !note.trim().is_empty() {
            detail.push_str(&format!(" 意见：{}", note.trim()));
        }
        crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE meeting_corrections SET status = $1, decided_by = $2, decided_at = $3 WHERE region_id = $4 AND id = $5")
            .bind(status).bind(self.scope.actor.account_id).bind(now).bind(self.scope.region_id).bind(id).execute(c).await)?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok(action, format!("meeting:{}", row.meeting_id)).detail(detail),
        )
        .await?;
        if approve {
            check::refresh_after_meeting(&mut tx, self.db, meeting.region_id, meeting.org_id, &members).await?;
            super::meeting::publish_attendance(&mut tx, self.db, meeting.region_id, meeting.id).await?;
        }
        tx.commit().await?;
        self.correction(id).await
    }
}
