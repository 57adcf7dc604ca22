//! 组织关系接转 (`transfers`, `transfer_arrivals`). Rules: `domain::affairs::transfer`.
//!
//! A transfer lives in the **sending** member's region (`transfers`). When its letter is
//! issued to an org of the platform, an arrival row is written in the **receiving** org's
//! region (`transfer_arrivals`, keyed by that region and the transfer's id, with the
//! receiving org's path and the state mirrored): that is how the receiving side sees a
//! transfer addressed to it although the member is outside its subtree. Both reads go
//! through [`Transfers`] on [`Scoped`](crate::Scoped) and name their region: the sender's
//! by the member's path in the caller's range, the receiver's by the arrival's path in
//! the caller's range — out of either, not found.
//!
//! Writes: the sending side (an account writing the member's branch) initiates,
//! approves (another account: separation of duties), returns, withdraws, re-issues an
//! expired letter and records the 回执; the receiving side (an account writing the
//! receiving org) accepts or refuses (with a reason its parent sees through the same
//! range). Accepting moves the member through the member feature's published move
//! (`member::relocate`), which publishes the change so dues, the rules engine and points
//! follow. Every write is audited. The daily check ([`check_region`], in
//! [`crate::ENGINES`]) lets lapsed letters expire and files transfers waiting too long as
//! findings for the sending org, which stays responsible until the receiver accepts.

use crate::platform::audit::{self, Event};
use crate::platform::engines::{EngineFuture, EngineRun};
use crate::platform::error::decode;
use crate::platform::findings::{Placed, reconcile};
use crate::platform::ids;
use crate::platform::paging::{SortKey, capped_page};
use crate::platform::query::Sql;
use crate::{Db, Scope, StoreError, StoreResult, Tx};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use vanguard_domain::Invalid;
use vanguard_domain::affairs::dues::Month;
use vanguard_domain::affairs::transfer::{
    RULE_PREFIX, TransferAction, TransferInput, TransferReach, TransferSide, TransferState, TransferStep, Waiting, letter_number,
    next_state, overdue_finding, parse_transfer, parse_valid_days, valid_until,
};
use vanguard_domain::kernel::finding::Subject;
use vanguard_domain::kernel::paging::{Page, PageRequest};
use vanguard_domain::kernel::time::{date_text, parse_iso_date};
use vanguard_domain::org::path;

crate::platform::scope::feature_handle!(
    /// 组织关系接转: letters, their approval, acceptance and 回执.
    Transfers,
    transfers
);

/// A transfer as shown: the letter's fields and where it stands.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TransferView {
    pub region_id: i64,
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub from_org_id: i64,
    pub from_org_name: String,
    #[serde(skip)]
    pub from_path: String,
    pub reach: String,
    pub to_region_id: Option<i64>,
    pub to_org_id: Option<i64>,
    pub to_org_name: String,
    #[serde(skip)]
    pub to_path: Option<String>,
    pub reason: String,
    pub state: String,
    #[sqlx(skip)]
    pub state_label: &'static str,
    pub valid_days: i64,
    /// 介绍信编号, once issued.
    pub letter_no: Option<String>,
    pub issued_on: Option<String>,
    pub valid_until: Option<String>,
    /// 党费交至 (`2026-06`), from the dues ledger when the letter is issued; empty: none.
    pub dues_paid_to: String,
    /// The day the current step began.
    pub step_since: String,
    pub initiated_by: i64,
    pub initiated_at: i64,
    pub approved_by: Option<i64>,
    pub decided_by: Option<i64>,
    pub accepted_on: Option<String>,
    /// 回执编号.
    pub receipt_no: Option<String>,
    /// The reason of a 退回 or 拒接.
    pub note: String,
    /// Where the member is after a completed transfer across regions.
    pub new_member_id: Option<i64>,
    pub updated_at: i64,
}

impl TransferView {
    pub fn state(&self) -> StoreResult<TransferState> {
        decode("transfers.state", &self.state, TransferState::from_code)
    }
    fn reach(&self) -> StoreResult<TransferReach> {
        decode("transfers.reach", &self.reach, TransferReach::from_code)
    }
    /// Whether a scope writes the sending side (the member's branch at initiation).
    pub fn sender_is(&self, scope: &Scope) -> bool {
        self.region_id == scope.region_id && scope.writable_root().is_some_and(|r| path::within(&self.from_path, r))
    }
    /// Whether a scope writes the receiving org.
    pub fn receiver_is(&self, scope: &Scope) -> bool {
        self.to_region_id == Some(scope.region_id)
            && scope.writable_root().zip(self.to_path.as_deref()).is_some_and(|(r, p)| path::within(p, r))
    }
}

/// An action as sent: what to do, the reason (退回/拒接), a new validity (重新开具).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TransferDecision {
    /// approve, return, withdraw, accept, refuse, reissue, receipt
    pub action: String,
    pub note: String,
    pub valid_days: String,
}

/// Which list: the caller's outgoing transfers, incoming ones, or those waiting for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferBox {
    Outgoing,
    Incoming,
}

macro_rules! transfer_cols {
    () => {
        "SELECT region_id, id, member_id, member_name, from_org_id, from_org_name, from_path, reach, to_region_id, to_org_id, \
         to_org_name, to_path, reason, state, valid_days, letter_no, issued_on, valid_until, dues_paid_to, step_since, \
         initiated_by, initiated_at, approved_by, decided_by, accepted_on, receipt_no, note, new_member_id, updated_at FROM transfers"
    };
}

const TRANSFER_ORDER: SortKey = SortKey { columns: &["updated_at", "id"], descending: true };

#[derive(sqlx::FromRow)]
struct Arrival {
    id: i64,
    from_region_id: i64,
    arrived_at: i64,
}

const ARRIVAL_ORDER: SortKey = SortKey { columns: &["arrived_at", "id"], descending: true };

fn labelled(mut t: TransferView) -> StoreResult<TransferView> {
    t.state_label = t.state()?.label();
    Ok(t)
}

/// A state rule's refusal as a conflict; a missing reason stays a validation error.
fn refusal(inv: Invalid) -> StoreError {
    match inv.errors.first() {
        Some(e) if e.code.starts_with("transfer.") && e.field == "state" => {
            StoreError::Conflict { code: e.code, message: e.message.clone() }
        }
        _ => StoreError::Invalid(inv),
    }
}

async fn read_transfer(db: &Db, region_id: i64, id: i64) -> StoreResult<Option<TransferView>> {
    let row: Option<TransferView> = crate::read!(db, c => sqlx::query_as(concat!(transfer_cols!(), " WHERE region_id = $1 AND id = $2"))
        .bind(region_id).bind(id).fetch_optional(c).await)?;
    row.map(labelled).transpose()
}

/// The root path of a region (its top-level org).
async fn region_root(db: &Db, region_id: i64) -> StoreResult<String> {
    let p: Option<String> = crate::read!(db, c => sqlx::query_scalar("SELECT path FROM orgs WHERE region_id = $1 AND id = $1")
        .bind(region_id).fetch_optional(c).await)?;
    p.ok_or(StoreError::NotFound)
}

#[derive(sqlx::FromRow)]
struct Target {
    region_id: i64,
    id: i64,
    name: String,
    path: String,
    kind: String,
    status: String,
}

/// An open 党支部 of the platform by id alone (tried region by region).
async fn target_branch(db: &Db, id: i64) -> StoreResult<Target> {
    for region in crate::org::regions(db).await? {
        let t: Option<Target> = crate::read!(db, c => sqlx::query_as(
            "SELECT region_id, id, name, path, kind, status FROM orgs WHERE region_id = $1 AND id = $2")
            .bind(region.id).bind(id).fetch_optional(c).await)?;
        if let Some(t) = t {
            let kind = vanguard_domain::org::OrgKind::from_code(&t.kind);
            if t.status == "dissolved" || !kind.is_some_and(|k| k.is_branch()) {
                return Err(StoreError::invalid(
                    "to_org_id",
                    "transfer.not_branch",
                    format!("“{}”不是在册的党支部，请选择接收的党支部", t.name),
                ));
            }
            return Ok(t);
        }
    }
    Err(StoreError::invalid("to_org_id", "transfer.no_target", "接收的党组织不存在，请重新选择"))
}

/// 党费交至: the last month before the first unpaid bill, or the last bill's month.
async fn dues_paid_to(tx: &mut Tx, region_id: i64, member_id: i64) -> StoreResult<String> {
    let bills: Vec<(String, bool)> = crate::on_tx!(tx, c => sqlx::query_as(
        "SELECT month, paid_fen >= amount_fen FROM dues_bills WHERE region_id = $1 AND member_id = $2 ORDER BY month")
        .bind(region_id).bind(member_id).fetch_all(c).await)?;
    let mut paid_to = None;
    for (month, paid) in bills {
        if !paid {
            break;
        }
        paid_to = Some(month);
    }
    Ok(paid_to.and_then(|m| Month::parse(&m)).map(|m| m.key()).unwrap_or_default())
}

impl Transfers<'_> {
    /// One transfer the caller may see: as its sender (the member's branch in range), its
    /// receiver (the arrival in the caller's region and range), or the member themselves.
    pub async fn transfer(&self, id: i64) -> StoreResult<TransferView> {
        let (lo, hi) = self.scope.org_range();
        if let Some(t) = read_transfer(self.db, self.scope.region_id, id).await?
            && ((t.from_path >= lo && t.from_path < hi) || self.scope.member_id == Some(t.member_id))
        {
            return Ok(t);
        }
        let arrival: Option<i64> = crate::read!(self.db, c => sqlx::query_scalar(
            "SELECT from_region_id FROM transfer_arrivals WHERE region_id = $1 AND id = $2 AND to_path >= $3 AND to_path < $4")
            .bind(self.scope.region_id).bind(id).bind(&lo).bind(&hi).fetch_optional(c).await)?;
        match arrival {
            Some(from) => read_transfer(self.db, from, id).await?.ok_or(StoreError::NotFound),
            None => Err(StoreError::NotFound),
        }
    }

    /// The caller's outgoing (sent from its subtree) or incoming (addressed to it)
    /// transfers, newest first; `state` filters by a state code.
    pub async fn list(
        &self,
        which: TransferBox,
        state: Option<TransferState>,
        req: &PageRequest,
    ) -> StoreResult<Page<TransferView>> {
        let (lo, hi) = self.scope.org_range();
        match which {
            TransferBox::Outgoing => {
                let mut filters = Sql::new(" WHERE region_id = ");
                filters.bind(self.scope.region_id).push(" AND from_path >= ").bind(lo).push(" AND from_path < ").bind(hi);
                if let Some(s) = state {
                    filters.push(" AND state = ").bind(s.code());
                }
                let mut page: Page<TransferView> =
                    capped_page(self.db, "transfers", transfer_cols!(), &filters, &TRANSFER_ORDER, req, |t: &TransferView| {
                        vec![t.updated_at.into(), t.id.into()]
                    })
                    .await?;
                for t in &mut page.items {
                    t.state_label = t.state()?.label();
                }
                Ok(page)
            }
            TransferBox::Incoming => {
                let mut filters = Sql::new(" WHERE region_id = ");
                filters.bind(self.scope.region_id).push(" AND to_path >= ").bind(lo).push(" AND to_path < ").bind(hi);
                if let Some(s) = state {
                    filters.push(" AND state = ").bind(s.code());
                }
                let page: Page<Arrival> = capped_page(
                    self.db,
                    "transfer_arrivals",
                    "SELECT id, from_region_id, arrived_at FROM transfer_arrivals",
                    &filters,
                    &ARRIVAL_ORDER,
                    req,
                    |a: &Arrival| vec![a.arrived_at.into(), a.id.into()],
                )
                .await?;
                let mut items = Vec::with_capacity(page.items.len());
                for a in &page.items {
                    items.extend(read_transfer(self.db, a.from_region_id, a.id).await?);
                }
                let page = page.map(|_| ());
                Ok(Page {
                    items,
                    total: page.total,
                    total_is_lower_bound: page.total_is_lower_bound,
                    limit: page.limit,
                    position: page.position,
                    next: page.next,
                    prev: page.prev,
                })
            }
        }
    }

    /// What waits for the caller (at most 200 each, oldest first): the 转出审批 of
    /// transfers others initiated in its subtree, incoming letters to accept, lapsed
    /// letters to re-issue and 回执 to record.
    pub async fn awaiting_me(&self) -> StoreResult<Vec<TransferView>> {
        let Some(root) = self.scope.writable_root().map(str::to_string) else { return Ok(Vec::new()) };
        let hi = path::upper(&root);
        let own: Vec<TransferView> = crate::read!(self.db, c => sqlx::query_as(concat!(transfer_cols!(),
            " WHERE region_id = $1 AND from_path >= $2 AND from_path < $3 AND ((state = 'initiated' AND initiated_by <> $4) \
             OR state = 'expired' OR state = 'accepted' OR (state = 'in_transit' AND reach = 'out_of_city')) \
             ORDER BY updated_at, id LIMIT 200"))
            .bind(self.scope.region_id).bind(&root).bind(&hi).bind(self.scope.actor.account_id).fetch_all(c).await)?;
        let arrivals: Vec<(i64, i64)> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT id, from_region_id FROM transfer_arrivals WHERE region_id = $1 AND to_path >= $2 AND to_path < $3 \
             AND state = 'in_transit' ORDER BY arrived_at, id LIMIT 200")
            .bind(self.scope.region_id).bind(&root).bind(&hi).fetch_all(c).await)?;
        let mut out = own.into_iter().map(labelled).collect::<StoreResult<Vec<_>>>()?;
        for (id, from) in arrivals {
            out.extend(read_transfer(self.db, from, id).await?);
        }
        Ok(out)
    }

    /// The caller's own transfers as a member (portal), newest first; not found for an
    /// account bound to no member.
    pub async fn mine(&self) -> StoreResult<Vec<TransferView>> {
        let me = self.scope.member_id.ok_or(StoreError::NotFound)?;
        let rows: Vec<TransferView> = crate::read!(self.db, c => sqlx::query_as(concat!(transfer_cols!(),
            " WHERE region_id = $1 AND member_id = $2 ORDER BY initiated_at DESC, id DESC LIMIT 20"))
            .bind(self.scope.region_id).bind(me).fetch_all(c).await)?;
        rows.into_iter().map(labelled).collect()
    }

    /// 发起: a transfer of a member of the writable subtree to a 党支部 of the platform (any
    /// district) or to an org outside it by name. A member has at most one open transfer.
    /// Audited.
    pub async fn initiate(&self, input: &TransferInput) -> StoreResult<TransferView> {
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?.to_string();
        // Reach first: a member outside it is not found, whatever the input.
        let m = self.scoped().members().member_row(input.member_id).await?;
        if !path::within(&m.org_path, &root) {
            return Err(StoreError::NotFound);
        }
        if m.archived {
            return Err(StoreError::conflict("member.archived", "该党员已在历史库中，不能转接组织关系"));
        }
        let rules = self.db.rules();
        let plan = parse_transfer(&rules.transfer, input).map_err(StoreError::Invalid)?;
        let target = match plan.reach {
            TransferReach::InCity => {
                let t = target_branch(self.db, input.to_org_id).await?;
                if t.region_id == m.region_id && t.id == m.org_id {
                    return Err(StoreError::invalid(
                        "to_org_id",
                        "transfer.same_branch",
                        "接收党支部与现所在党支部相同，请重新选择",
                    ));
                }
                Some(t)
            }
            TransferReach::OutOfCity => None,
        };
        let id = ids::next();
        let now = self.db.clock().now_ms();
        let today = date_text(self.db.clock().today());
        let mut tx = self.db.begin().await?;
        let open: i64 = crate::on_tx!(tx, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM transfers WHERE region_id = $1 AND member_id = $2 AND state IN ('initiated', 'in_transit', 'accepted', 'expired')")
            .bind(m.region_id).bind(m.id).fetch_one(c).await)?;
        if open > 0 {
            return Err(StoreError::conflict("transfer.open", format!("{}已有办理中的组织关系转接，请先办结或撤回", m.name)));
        }
        let to_name = target.as_ref().map(|t| t.name.clone()).unwrap_or_else(|| plan.to_external.clone());
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO transfers (region_id, id, member_id, member_name, from_org_id, from_org_name, from_path, reach, to_region_id, \
             to_org_id, to_org_name, to_path, reason, state, valid_days, dues_paid_to, step_since, initiated_by, initiated_at, note, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'initiated', $14, '', $15, $16, $17, '', $17)")
            .bind(m.region_id).bind(id).bind(m.id).bind(&m.name).bind(m.org_id).bind(&m.org_name).bind(&m.org_path)
            .bind(plan.reach.code()).bind(target.as_ref().map(|t| t.region_id)).bind(target.as_ref().map(|t| t.id))
            .bind(&to_name).bind(target.as_ref().map(|t| t.path.clone())).bind(&plan.reason).bind(i64::from(plan.valid_days))
            .bind(&today).bind(self.scope.actor.account_id).bind(now).execute(c).await)?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("transfer.initiate", format!("member:{}", m.id)).detail(format!(
                "{}：{} → {}（{}）：{}",
                m.name,
                m.org_name,
                to_name,
                plan.reach.label(),
                plan.reason
            )),
        )
        .await?;
        tx.commit().await?;
        self.transfer(id).await
    }

    /// Acts on a transfer: see `domain::affairs::transfer::next_state`. Accepting moves the
    /// member; a repeated accept of an accepted transfer answers it unchanged. Audited.
    pub async fn decide(&self, id: i64, input: &TransferDecision) -> StoreResult<TransferView> {
        let t = self.transfer(id).await?;
        let action = TransferAction::parse(&input.action)
            .filter(|a| *a != TransferAction::Expire)
            .ok_or_else(|| StoreError::invalid("action", "transfer.action", "请选择要办理的事项"))?;
        let side = match action {
            TransferAction::Accept | TransferAction::Refuse if t.receiver_is(self.scope) => TransferSide::Receiver,
            _ if t.sender_is(self.scope) => TransferSide::Sender,
            _ if t.receiver_is(self.scope) => TransferSide::Receiver,
            _ => return Err(StoreError::Forbidden),
        };
        let state = t.state()?;
        if action == TransferAction::Accept && state == TransferState::Accepted
            || action == TransferAction::Receipt && state == TransferState::Completed
        {
            // Idempotent: the same accept (or 回执) twice records once.
            return Ok(t);
        }
        self.apply(t, action, side, input).await
    }

    async fn apply(
        &self,
        t: TransferView,
        action: TransferAction,
        side: TransferSide,
        input: &TransferDecision,
    ) -> StoreResult<TransferView> {
        let today = self.db.clock().today();
        let actor = self.scope.actor.account_id;
        let state = t.state()?;
        let until = t.valid_until.as_deref().and_then(parse_iso_date);
        let note = input.note.trim();
        let d =
            TransferStep { action, side, actor, initiator: t.initiated_by, reach: t.reach()?, today, valid_until: until, note };
        let next = next_state(state, &d).map_err(refusal)?;
        let rules = self.db.rules();
        let valid_days = if action == TransferAction::Reissue {
            i64::from(
                parse_valid_days(&rules.transfer, t.reach()?, &input.valid_days)
                    .map_err(|e| StoreError::Invalid(Invalid { errors: vec![e] }))?,
            )
        } else {
            t.valid_days
        };
        drop(rules);
        let now = self.db.clock().now_ms();
        let mut tx = self.db.begin().await?;
        let changed = crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE transfers SET state = $1, updated_at = $2 WHERE region_id = $3 AND id = $4 AND state = $5")
            .bind(next.code()).bind(now).bind(t.region_id).bind(t.id).bind(state.code()).execute(c).await)?;
        if changed == 0 {
            return Err(StoreError::conflict("transfer.changed", "该转接刚刚已由他人办理，请刷新后查看"));
        }
        let mut detail = format!("{}：{} → {}，{}", t.member_name, t.from_org_name, t.to_org_name, action.label());
        match action {
            TransferAction::Approve | TransferAction::Reissue => {
                let letter = self.issue(&mut tx, &t, today, valid_days).await?;
                detail.push_str(&format!("，介绍信{letter}，有效期{valid_days}天"));
                if action == TransferAction::Approve {
                    crate::exec_tx!(tx, c => sqlx::query("UPDATE transfers SET approved_by = $1, approved_at = $2 WHERE region_id = $3 AND id = $4")
                        .bind(actor).bind(now).bind(t.region_id).bind(t.id).execute(c).await)?;
                }
            }
            TransferAction::Return | TransferAction::Refuse | TransferAction::Withdraw => {
                crate::exec_tx!(tx, c => sqlx::query("UPDATE transfers SET note = $1, decided_by = $2, decided_at = $3 WHERE region_id = $4 AND id = $5")
                    .bind(note).bind(actor).bind(now).bind(t.region_id).bind(t.id).execute(c).await)?;
                if !note.is_empty() {
                    detail.push_str(&format!("：{note}"));
                }
            }
            TransferAction::Accept => {
                let moved = self.complete_move(&mut tx, &t, today).await?;
                let receipt = format!("{}回", t.letter_no.clone().unwrap_or_default());
                crate::exec_tx!(tx, c => sqlx::query(
                    "UPDATE transfers SET decided_by = $1, decided_at = $2, accepted_on = $3, receipt_no = $4, new_region_id = $5, new_member_id = $6 \
                     WHERE region_id = $7 AND id = $8")
                    .bind(actor).bind(now).bind(date_text(today)).bind(&receipt).bind(moved.region_id).bind(moved.member_id)
                    .bind(t.region_id).bind(t.id).execute(c).await)?;
                detail.push_str(&format!("，{}起编入{}", today, t.to_org_name));
            }
            TransferAction::Receipt => {
                if t.reach()? == TransferReach::OutOfCity {
                    // The 回执 from outside: the member leaves the roster as 组织关系转出.
                    let leave = crate::member::Leave {
                        reason: vanguard_domain::member::LeaveReason::TransferredOut.code().into(),
                        left_on: date_text(today),
                        note: format!("介绍信{}，转至{}", t.letter_no.clone().unwrap_or_default(), t.to_org_name),
                    };
                    self.scoped().members().archive_member_in(&mut tx, t.member_id, &leave).await?;
                    crate::exec_tx!(tx, c => sqlx::query("UPDATE transfers SET accepted_on = $1, receipt_no = $2 WHERE region_id = $3 AND id = $4")
                        .bind(date_text(today)).bind(note).bind(t.region_id).bind(t.id).execute(c).await)?;
                }
            }
            TransferAction::Expire => {}
        }
        if t.to_region_id.is_some() {
            crate::exec_tx!(tx, c => sqlx::query("UPDATE transfer_arrivals SET state = $1 WHERE region_id = $2 AND id = $3")
                .bind(next.code()).bind(t.to_region_id).bind(t.id).execute(c).await)?;
        }
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok(action_code(action), format!("member:{}", t.member_id)).detail(detail),
        )
        .await?;
        tx.commit().await?;
        read_transfer(self.db, t.region_id, t.id).await?.ok_or(StoreError::NotFound)
    }

    /// Gives the transfer a new letter: number, issue date, validity, 党费交至; writes
    /// (or refreshes) its arrival in the receiving region.
    async fn issue(&self, tx: &mut Tx, t: &TransferView, today: NaiveDate, valid_days: i64) -> StoreResult<String> {
        let year_prefix = format!("〔{}〕%", chrono::Datelike::year(&today));
        let seq: i64 = crate::on_tx!(tx, c => sqlx::query_scalar(
            "SELECT COALESCE(MAX(letter_seq), 0) + 1 FROM transfers WHERE region_id = $1 AND letter_no LIKE $2")
            .bind(t.region_id).bind(&year_prefix).fetch_one(c).await)?;
        let letter = letter_number(today, seq);
        let until = valid_until(today, u32::try_from(valid_days).unwrap_or(1));
        let paid_to = dues_paid_to(tx, t.region_id, t.member_id).await?;
        crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE transfers SET letter_no = $1, letter_seq = $2, issued_on = $3, valid_until = $4, valid_days = $5, dues_paid_to = $6, \
             step_since = $3 WHERE region_id = $7 AND id = $8")
            .bind(&letter).bind(seq).bind(date_text(today)).bind(date_text(until)).bind(valid_days).bind(&paid_to)
            .bind(t.region_id).bind(t.id).execute(c).await)?;
        if let (Some(region), Some(to_path)) = (t.to_region_id, t.to_path.as_deref()) {
            crate::exec_tx!(tx, c => sqlx::query(
                "INSERT INTO transfer_arrivals (region_id, id, from_region_id, to_path, state, arrived_at) VALUES ($1, $2, $3, $4, 'in_transit', $5) \
                 ON CONFLICT (region_id, id) DO UPDATE SET state = 'in_transit', arrived_at = $5")
                .bind(region).bind(t.id).bind(t.region_id).bind(to_path).bind(self.db.clock().now_ms()).execute(c).await)?;
        }
        Ok(letter)
    }

    async fn complete_move(&self, tx: &mut Tx, t: &TransferView, on: NaiveDate) -> StoreResult<crate::member::Relocated> {
        let to_region = t.to_region_id.ok_or(StoreError::NotFound)?;
        let to_org = t.to_org_id.ok_or(StoreError::NotFound)?;
        let from_scope = Scope::system(t.region_id, &region_root(self.db, t.region_id).await?, self.scope.actor.clone());
        let to_scope = Scope::system(to_region, &region_root(self.db, to_region).await?, self.scope.actor.clone());
        let from = self.db.scoped(&from_scope).members();
        let to = self.db.scoped(&to_scope).members();
        let note = format!("介绍信{}", t.letter_no.clone().unwrap_or_default());
        from.relocate(tx, t.member_id, &to, to_org, on, &note).await
    }
}

fn action_code(a: TransferAction) -> &'static str {
    match a {
        TransferAction::Approve => "transfer.approve",
        TransferAction::Return => "transfer.return",
        TransferAction::Withdraw => "transfer.withdraw",
        TransferAction::Accept => "transfer.accept",
        TransferAction::Refuse => "transfer.refuse",
        TransferAction::Expire => "transfer.expire",
        TransferAction::Reissue => "transfer.reissue",
        TransferAction::Receipt => "transfer.receipt",
    }
}

#[derive(sqlx::FromRow)]
struct Open {
    id: i64,
    member_id: i64,
    member_name: String,
    from_org_id: i64,
    from_path: String,
    state: String,
    step_since: String,
    valid_until: Option<String>,
    to_region_id: Option<i64>,
}

/// The transfer engine's full check of a region as of a day: lapsed letters expire
/// (audited as the system), and transfers waiting too long — for the 转出审批, in transit,
/// or lapsed — are findings for the sending org (`affairs.transfer_overdue`).
pub fn check_region(db: &Db, region_id: i64, as_of: NaiveDate) -> EngineFuture<'_> {
    Box::pin(async move {
        let started = std::time::Instant::now();
        let rows: Vec<Open> = crate::read!(db, c => sqlx::query_as(
            "SELECT id, member_id, member_name, from_org_id, from_path, state, step_since, valid_until, to_region_id FROM transfers \
             WHERE region_id = $1 AND state IN ('initiated', 'in_transit', 'expired') ORDER BY id")
            .bind(region_id).fetch_all(c).await)?;
        let open: Vec<i64> = crate::read!(db, c => sqlx::query_scalar(
            "SELECT DISTINCT subject_id FROM findings WHERE region_id = $1 AND subject_kind = 'member' AND rule_code LIKE $2 \
             AND resolved_at IS NULL")
            .bind(region_id).bind(format!("{RULE_PREFIX}%")).fetch_all(c).await)?;
        let rules = db.rules();
        let now = db.clock().now_ms();
        let mut tx = db.begin().await?;
        let mut new = Vec::new();
        for r in &rows {
            let mut state = decode("transfers.state", &r.state, TransferState::from_code)?;
            let until = r.valid_until.as_deref().and_then(parse_iso_date);
            if state == TransferState::InTransit && until.is_some_and(|u| as_of > u) {
                expire(&mut tx, db, region_id, r, now).await?;
                state = TransferState::Expired;
            }
            let since = decode("transfers.step_since", &r.step_since, parse_iso_date)?;
            let w = Waiting { member_id: r.member_id, member_name: r.member_name.clone(), state, since, valid_until: until };
            if let Some(finding) = overdue_finding(&rules.transfer, as_of, &w) {
                new.push(Placed { finding, org_id: r.from_org_id, org_path: r.from_path.clone() });
            }
        }
        let mut subjects: Vec<Subject> = rows.iter().map(|r| r.member_id).chain(open).map(Subject::Member).collect();
        subjects.sort();
        subjects.dedup();
        let changes = reconcile(&mut tx, region_id, now, RULE_PREFIX, &subjects, new, &|_| "已办理".into()).await?;
        tx.commit().await?;
        Ok(EngineRun {
            name: "组织关系接转", subjects: subjects.len() as u64, changes, seconds: started.elapsed().as_secs_f64()
        })
    })
}

async fn expire(tx: &mut Tx, db: &Db, region_id: i64, r: &Open, now: i64) -> StoreResult<()> {
    crate::exec_tx!(tx, c => sqlx::query("UPDATE transfers SET state = 'expired', updated_at = $1 WHERE region_id = $2 AND id = $3 AND state = 'in_transit'")
        .bind(now).bind(region_id).bind(r.id).execute(c).await)?;
    if let Some(to) = r.to_region_id {
        crate::exec_tx!(tx, c => sqlx::query("UPDATE transfer_arrivals SET state = 'expired' WHERE region_id = $1 AND id = $2")
            .bind(to).bind(r.id).execute(c).await)?;
    }
    audit::append(
        tx,
        db,
        &crate::Actor::system("规则引擎"),
        Event::ok("transfer.expire", format!("member:{}", r.member_id))
            .detail(format!("{}的组织关系介绍信已过有效期", r.member_name)),
    )
    .await?;
    Ok(())
}
