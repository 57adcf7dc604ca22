//! 党费减免 (`dues_reliefs`): an application recorded for a member (by the member or the
//! branch), the 党支部's study, the 上一级党委's approval by another account; an approved
//! relief sets the amount of its months' unpaid bills (and of bills made later, see
//! [`super::Dues::generate_bills`]). Rules: `domain::affairs::dues_relief`.

use super::Dues;
use crate::platform::audit::{self, Event};
use crate::platform::error::decode;
use crate::platform::ids;
use crate::{StoreError, StoreResult};
use serde::Serialize;
use vanguard_domain::Invalid;
use vanguard_domain::affairs::dues_relief::{ReliefInput, ReliefState, ReliefStep, decide, parse_relief};
use vanguard_domain::kernel::money::yuan;
use vanguard_domain::org::path;

/// An application as listed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ReliefView {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub from_month: String,
    pub to_month: String,
    /// The monthly amount while it applies (0: 免交).
    pub amount_fen: i64,
    pub reason: String,
    pub state: String,
    #[sqlx(skip)]
    pub state_label: &'static str,
    pub applied_at: i64,
    pub note: String,
}

#[derive(sqlx::FromRow)]
struct ReliefRow {
    member_id: i64,
    org_path: String,
    state: String,
    branch_by: Option<i64>,
    from_month: String,
    to_month: String,
    amount_fen: i64,
}

macro_rules! relief_select {
    () => {
        "SELECT r.id, r.member_id, mb.name AS member_name, r.from_month, r.to_month, r.amount_fen, r.reason, r.state, \
         r.applied_at, r.note FROM dues_reliefs r JOIN members mb ON mb.region_id = r.region_id AND mb.id = r.member_id "
    };
}

fn labelled(mut rows: Vec<ReliefView>) -> StoreResult<Vec<ReliefView>> {
    for r in &mut rows {
        r.state_label = decode("dues_reliefs.state", &r.state, ReliefState::from_code)?.label();
    }
    Ok(rows)
}

/// A state rule's refusal as a conflict; a missing note stays a validation error.
fn refusal(inv: Invalid) -> StoreError {
    match inv.errors.first() {
        Some(e) if e.code.starts_with("dues.") => StoreError::Conflict { code: e.code, message: e.message.clone() },
        _ => StoreError::Invalid(inv),
    }
}

impl Dues<'_> {
    /// Records a member's application for 少交/免交: by the member themselves, or by the
    /// branch on their behalf. Audited.
    pub async fn apply_relief(&self, member_id: i64, input: &ReliefInput) -> StoreResult<ReliefView> {
        let p = if self.scope.member_id == Some(member_id) {
            self.payee(member_id).await?
        } else {
            self.payee_for_write(member_id).await?
        };
        let regular = self.bases(p.region_id, p.id).await?.first().map(|b| b.amount_fen);
        let relief = parse_relief(input, regular).map_err(StoreError::Invalid)?;
        let id = ids::next();
        let now = self.db.clock().now_ms();
        let mut tx = self.db.begin().await?;
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO dues_reliefs (region_id, id, member_id, org_path, from_month, to_month, amount_fen, reason, state, \
             applied_by, applied_at, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending_branch', $9, $10, '')")
            .bind(p.region_id).bind(id).bind(p.id).bind(&p.org_path).bind(relief.from.key()).bind(relief.to.key())
            .bind(relief.amount_fen).bind(&relief.reason).bind(self.scope.actor.account_id).bind(now).execute(c).await)?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("dues.relief_apply", format!("member:{}", p.id)).detail(format!(
                "{}申请{}（{}至{}）：{}",
                p.name,
                if relief.amount_fen == 0 {
                    "免交党费".to_string()
                } else {
                    format!("少交党费，每月{}元", yuan(relief.amount_fen))
                },
                relief.from.label(),
                relief.to.label(),
                relief.reason
            )),
        )
        .await?;
        let approvers = crate::notify::Audience::OrgManagers(p.org_id);
        let link = format!("/members/{}/dues", p.id);
        crate::notify::approval_waiting(
            &mut tx,
            self.db,
            p.region_id,
            approvers,
            &format!("relief:{id}"),
            "党费减免申请",
            &p.name,
            &link,
        )
        .await?;
        tx.commit().await?;
        self.relief(id).await
    }

    async fn relief(&self, id: i64) -> StoreResult<ReliefView> {
        let rows: Vec<ReliefView> = crate::read!(self.db, c => sqlx::query_as(concat!(relief_select!(), "WHERE r.region_id = $1 AND r.id = $2"))
            .bind(self.scope.region_id).bind(id).fetch_all(c).await)?;
        labelled(rows)?.into_iter().next().ok_or(StoreError::NotFound)
    }

    /// Applications waiting for the caller: the branch's study within the writable
    /// subtree, and the parent's approval of branches strictly below the caller's root
    /// (at most 200, oldest first).
    pub async fn reliefs_awaiting_me(&self) -> StoreResult<Vec<ReliefView>> {
        let Some(root) = self.scope.writable_root().map(str::to_string) else { return Ok(Vec::new()) };
        let rows: Vec<ReliefView> = crate::read!(self.db, c => sqlx::query_as(concat!(relief_select!(),
            "WHERE r.region_id = $1 AND r.org_path >= $2 AND r.org_path < $3 AND (r.state = 'pending_branch' \
             OR (r.state = 'pending_parent' AND r.org_path <> $2)) ORDER BY r.applied_at, r.id LIMIT 200"))
            .bind(self.scope.region_id).bind(&root).bind(path::upper(&root)).fetch_all(c).await)?;
        labelled(rows)
    }

    /// Decides an application: the 党支部's study (any account writing the member's
    /// branch), then the 上一级党委's approval (an account reaching strictly above the
    /// branch, not the one that studied it). An approval sets the amount of the months'
    /// unpaid bills. Audited.
    pub async fn decide_relief(&self, id: i64, approve: bool, note: &str) -> StoreResult<ReliefView> {
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?.to_string();
        let mut tx = self.db.begin().await?;
        let found: Option<ReliefRow> = crate::on_tx!(tx, c => sqlx::query_as(
            "SELECT member_id, org_path, state, branch_by, from_month, to_month, amount_fen FROM dues_reliefs \
             WHERE region_id = $1 AND id = $2")
            .bind(self.scope.region_id).bind(id).fetch_optional(c).await)?;
        let r = found.filter(|r| path::within(&r.org_path, &root)).ok_or(StoreError::NotFound)?;
        let state = decode("dues_reliefs.state", &r.state, ReliefState::from_code)?;
        let step =
            if state == ReliefState::PendingParent && root != r.org_path { ReliefStep::Parent } else { ReliefStep::Branch };
        let actor = self.scope.actor.account_id;
        let next = decide(state, step, approve, note, actor, r.branch_by).map_err(refusal)?;
        let now = self.db.clock().now_ms();
        let sql = match step {
            ReliefStep::Branch => {
                "UPDATE dues_reliefs SET state = $1, note = $2, branch_by = $3, branch_at = $4 WHERE region_id = $5 AND id = $6 AND state = $7"
            }
            ReliefStep::Parent => {
                "UPDATE dues_reliefs SET state = $1, note = $2, parent_by = $3, parent_at = $4 WHERE region_id = $5 AND id = $6 AND state = $7"
            }
        };
        let changed = crate::exec_tx!(tx, c => sqlx::query(sql).bind(next.code()).bind(note.trim()).bind(actor).bind(now)
            .bind(self.scope.region_id).bind(id).bind(state.code()).execute(c).await)?;
        if changed == 0 {
            return Err(StoreError::conflict("dues.relief_decided", "该申请刚刚已由他人办理，请刷新后查看"));
        }
        if next == ReliefState::Approved {
            crate::exec_tx!(tx, c => sqlx::query(
                "UPDATE dues_bills SET amount_fen = $1 WHERE region_id = $2 AND member_id = $3 AND month >= $4 AND month <= $5 AND paid_fen = 0")
                .bind(r.amount_fen).bind(self.scope.region_id).bind(r.member_id).bind(&r.from_month).bind(&r.to_month)
                .execute(c).await)?;
            super::dues_check::refresh_member(&mut tx, self.db, self.scope.region_id, r.member_id).await?;
        }
        let what = match (step, approve) {
            (ReliefStep::Branch, true) => "支部研究同意，报上级党委批准",
            (ReliefStep::Branch, false) => "支部研究不同意",
            (ReliefStep::Parent, true) => "上级党委批准",
            (ReliefStep::Parent, false) => "上级党委不批准",
        };
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("dues.relief_decide", format!("member:{}", r.member_id)).detail(format!(
                "党费减免申请（{}至{}）：{}{}",
                r.from_month,
                r.to_month,
                what,
                if note.trim().is_empty() { String::new() } else { format!("；{}", note.trim()) }
            )),
        )
        .await?;
        tx.commit().await?;
        self.relief(id).await
    }
}
