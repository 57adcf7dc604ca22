//! 失联党员 (`lost_contacts`, `lost_contact_events`): a case per member from the day
//! contact was lost, its dated entries (searches, the branch's decisions, the parent's
//! approvals, 恢复), and the rules engine's findings on the steps that are due. Rules:
//! `domain::affairs::lost_contact`.
//!
//! The archive follows each step through the member feature's own published functions —
//! `update_member` (失联日期, 党籍状态 停止党籍/正常) and `archive_member` (除名) —,
//! never by writing `members` here. Each is applied before the case's step is recorded,
//! and each is exact and idempotent: a repeated step changes nothing in the archive (no
//! change, no write) and the step itself is recorded once (`UPDATE … WHERE state = …`).

use crate::platform::audit::{self, Event};
use crate::platform::engines::{EngineFuture, EngineRun};
use crate::platform::error::decode;
use crate::platform::findings::{Placed, reconcile};
use crate::platform::ids;
use crate::platform::paging::{SortKey, capped_page};
use crate::platform::query::Sql;
use crate::{Db, StoreError, StoreResult, Tx};
use chrono::NaiveDate;
use serde::Serialize;
use vanguard_domain::Invalid;
use vanguard_domain::affairs::lost_contact::{
    CaseFacts, LOST_PREFIX, LostEntryInput, LostEventKind, LostState, approve, overdue_finding, parse_entry, propose,
    remove_due_on, restore, suspend_due_on,
};
use vanguard_domain::kernel::finding::Subject;
use vanguard_domain::kernel::paging::{Page, PageRequest};
use vanguard_domain::kernel::time::{date_text, parse_iso_date};
use vanguard_domain::member::{LeaveReason, MemberInput, PartyStatus};
use vanguard_domain::org::path;

crate::platform::scope::feature_handle!(
    /// 失联党员: cases, searches, 停止党籍, 除名 and 恢复.
    LostContacts,
    lost_contacts
);

/// A case as listed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct LostView {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub org_id: i64,
    pub org_name: String,
    pub since: String,
    pub state: String,
    #[sqlx(skip)]
    pub state_label: &'static str,
    pub searches: i64,
    pub last_on: String,
    pub proposed_on: Option<String>,
    pub suspended_on: Option<String>,
    pub closed_on: Option<String>,
    /// The day the next step is due (停止党籍 or 除名), for open cases.
    #[sqlx(skip)]
    pub next_due_on: Option<String>,
}

/// One dated entry of a case.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct LostEventView {
    pub id: i64,
    pub kind: String,
    #[sqlx(skip)]
    pub kind_label: &'static str,
    pub on_date: String,
    pub text: String,
    pub by_account: i64,
    pub at: i64,
}

/// A case with its entries, oldest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LostCase {
    #[serde(flatten)]
    pub case: LostView,
    pub events: Vec<LostEventView>,
}

/// Open cases within reach by state (the cockpit's counts).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct LostCounts {
    /// 失联 (being searched for, incl. a 停止党籍 decision waiting for approval).
    pub lost: i64,
    /// 已停止党籍 (incl. a 除名 decision waiting for approval).
    pub suspended: i64,
    /// Decisions waiting for the parent's approval.
    pub pending: i64,
    /// Open findings of overdue steps.
    pub overdue: i64,
}

const VIEW_SELECT: &str = "SELECT l.id, l.member_id, mb.name AS member_name, l.org_id, o.name AS org_name, l.since, l.state, \
     l.searches, l.last_on, l.proposed_on, l.suspended_on, l.closed_on FROM lost_contacts l \
     JOIN members mb ON mb.region_id = l.region_id AND mb.id = l.member_id \
     JOIN orgs o ON o.region_id = l.region_id AND o.id = l.org_id";

const LIST_ORDER: SortKey = SortKey { columns: &["l.id"], descending: true };

#[derive(sqlx::FromRow)]
struct CaseRow {
    member_id: i64,
    org_id: i64,
    org_path: String,
    since: String,
    state: String,
    searches: i64,
    last_on: String,
    proposed_by: Option<i64>,
    suspended_on: Option<String>,
}

const CASE_SELECT: &str =
    "SELECT member_id, org_id, org_path, since, state, searches, last_on, proposed_by, suspended_on FROM lost_contacts";

impl CaseRow {
    fn facts(&self) -> StoreResult<CaseFacts> {
        Ok(CaseFacts {
            state: decode("lost_contacts.state", &self.state, LostState::from_code)?,
            since: decode("lost_contacts.since", &self.since, parse_iso_date)?,
            suspended_on: self
                .suspended_on
                .as_deref()
                .map(|s| decode("lost_contacts.suspended_on", s, parse_iso_date))
                .transpose()?,
            searches: u32::try_from(self.searches).unwrap_or(0),
            proposed_by: self.proposed_by,
        })
    }
}

fn labelled(db: &Db, mut rows: Vec<LostView>) -> StoreResult<Vec<LostView>> {
    let rules = db.rules();
    for r in &mut rows {
        let state = decode("lost_contacts.state", &r.state, LostState::from_code)?;
        r.state_label = state.label();
        let since = parse_iso_date(&r.since);
        r.next_due_on = match state {
            LostState::Lost => since.map(|s| date_text(suspend_due_on(&rules.lost_contact, s))),
            LostState::Suspended => {
                r.suspended_on.as_deref().and_then(parse_iso_date).map(|s| date_text(remove_due_on(&rules.lost_contact, s)))
            }
            _ => None,
        };
    }
    Ok(rows)
}

fn placed(db: &Db, as_of: NaiveDate, rows: &[CaseRow]) -> StoreResult<Vec<Placed>> {
    let rules = db.rules();
    let mut out = Vec::new();
    for r in rows {
        if let Some(finding) = overdue_finding(&rules.lost_contact, &rules.severity, r.member_id, &r.facts()?, as_of) {
            out.push(Placed { finding, org_id: r.org_id, org_path: r.org_path.clone() });
        }
    }
    Ok(out)
}

const OPEN: &str = "state IN ('lost', 'suspend_pending', 'suspended', 'remove_pending')";

async fn refresh_member(tx: &mut Tx, db: &Db, region_id: i64, member_id: i64) -> StoreResult<()> {
    let sql = format!("{CASE_SELECT} WHERE region_id = $1 AND member_id = $2 AND {OPEN}");
    let rows: Vec<CaseRow> = crate::on_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(region_id).bind(member_id).fetch_all(c).await)?;
    let new = placed(db, db.clock().today(), &rows)?;
    reconcile(tx, region_id, db.clock().now_ms(), LOST_PREFIX, &[Subject::Member(member_id)], new, &|_| "已办理".into()).await?;
    Ok(())
}

/// The full check of a region (one line in [`crate::ENGINES`]): every open case, and
/// every member with an open lost-contact finding.
pub fn check_region(db: &Db, region_id: i64, as_of: NaiveDate) -> EngineFuture<'_> {
    Box::pin(async move {
        let started = std::time::Instant::now();
        let sql = format!("{CASE_SELECT} WHERE region_id = $1 AND {OPEN} ORDER BY member_id");
        let rows: Vec<CaseRow> =
            crate::read!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(region_id).fetch_all(c).await)?;
        let subjects = super::mobile::member_subjects(db, region_id, LOST_PREFIX, rows.iter().map(|r| r.member_id)).await?;
        let new = placed(db, as_of, &rows)?;
        let mut tx = db.begin().await?;
        let changes =
            reconcile(&mut tx, region_id, db.clock().now_ms(), LOST_PREFIX, &subjects, new, &|_| "已办理".into()).await?;
        tx.commit().await?;
        Ok(EngineRun { name: "失联党员", subjects: subjects.len() as u64, changes, seconds: started.elapsed().as_secs_f64() })
    })
}

/// A state rule's refusal as a conflict; a missing or bad field stays a validation error.
fn refusal(inv: Invalid) -> StoreError {
    match inv.errors.first() {
        Some(e) if e.field == "state" => StoreError::Conflict { code: e.code, message: e.message.clone() },
        _ => StoreError::Invalid(inv),
    }
}

impl LostContacts<'_> {
    async fn case_row(&self, tx: &mut Tx, id: i64) -> StoreResult<CaseRow> {
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?.to_string();
        let sql = format!("{CASE_SELECT} WHERE region_id = $1 AND id = $2");
        let found: Option<CaseRow> = crate::on_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(self.scope.region_id).bind(id).fetch_optional(c).await)?;
        found.filter(|r| path::within(&r.org_path, &root)).ok_or(StoreError::NotFound)
    }

    /// The case and its entries, within reach.
    pub async fn case(&self, id: i64) -> StoreResult<LostCase> {
        let (lo, hi) = self.scope.org_range();
        let sql = format!("{VIEW_SELECT} WHERE l.region_id = $1 AND l.id = $2 AND l.org_path >= $3 AND l.org_path < $4");
        let rows: Vec<LostView> = crate::read!(self.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(self.scope.region_id).bind(id).bind(&lo).bind(&hi).fetch_all(c).await)?;
        let case = labelled(self.db, rows)?.into_iter().next().ok_or(StoreError::NotFound)?;
        let mut events: Vec<LostEventView> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT id, kind, on_date, text, by_account, at FROM lost_contact_events WHERE region_id = $1 AND case_id = $2 \
             ORDER BY on_date, at, id")
            .bind(self.scope.region_id).bind(id).fetch_all(c).await)?;
        for e in &mut events {
            e.kind_label = decode("lost_contact_events.kind", &e.kind, LostEventKind::from_code)?.label();
        }
        Ok(LostCase { case, events })
    }

    async fn event(&self, tx: &mut Tx, case_id: i64, kind: LostEventKind, on: NaiveDate, text: &str) -> StoreResult<()> {
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO lost_contact_events (region_id, id, case_id, kind, on_date, text, by_account, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(self.scope.region_id).bind(ids::next()).bind(case_id).bind(kind.code()).bind(date_text(on)).bind(text)
            .bind(self.scope.actor.account_id).bind(self.db.clock().now_ms()).execute(c).await)?;
        Ok(())
    }

    async fn audit(&self, tx: &mut Tx, action: &'static str, member_id: i64, detail: String) -> StoreResult<()> {
        audit::append(tx, self.db, &self.scope.actor, Event::ok(action, format!("member:{member_id}")).detail(detail)).await?;
        Ok(())
    }

    /// Records a member of the caller's subtree as 失联 from `input.on`, with what is
    /// known (`input.text`). One open case per member; the archive's 失联日期 is set.
    /// Audited.
    pub async fn record(&self, member_id: i64, input: &LostEntryInput) -> StoreResult<LostCase> {
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?.to_string();
        let m = self.scoped().members().member_row(member_id).await?;
        if !path::within(&m.org_path, &root) {
            return Err(StoreError::NotFound);
        }
        if m.archived {
            return Err(StoreError::conflict("member.archived", "该党员已在历史库中"));
        }
        let (on, text) = parse_entry(input, "失联情况", None, self.db.clock().today()).map_err(StoreError::Invalid)?;
        let open: Option<i64> = crate::read!(self.db, c => sqlx::query_scalar(
            "SELECT id FROM lost_contacts WHERE region_id = $1 AND member_id = $2 AND open_key = 0")
            .bind(m.region_id).bind(m.id).fetch_optional(c).await)?;
        if open.is_some() {
            return Err(already());
        }
        let lost = MemberInput { lost_contact_since: Some(date_text(on)), ..Default::default() };
        self.scoped().members().update_member(m.id, &lost, None).await?;
        let id = ids::next();
        let now = self.db.clock().now_ms();
        let mut tx = self.db.begin().await?;
        let inserted = crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO lost_contacts (region_id, id, member_id, org_id, org_path, since, state, open_key, searches, last_on, \
             proposed_by, proposed_on, suspended_on, closed_on, recorded_by, recorded_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'lost', 0, 0, $6, NULL, NULL, NULL, NULL, $7, $8, $8) \
             ON CONFLICT (region_id, member_id, open_key) DO NOTHING")
            .bind(m.region_id).bind(id).bind(m.id).bind(m.org_id).bind(&m.org_path).bind(date_text(on))
            .bind(self.scope.actor.account_id).bind(now).execute(c).await)?;
        if inserted == 0 {
            return Err(already());
        }
        self.event(&mut tx, id, LostEventKind::Recorded, on, &text).await?;
        self.audit(&mut tx, "lost.record", m.id, format!("{}自{}失联：{}", m.name, on, text)).await?;
        refresh_member(&mut tx, self.db, m.region_id, m.id).await?;
        tx.commit().await?;
        self.case(id).await
    }

    /// Adds a dated search entry (how, where, with what result). Audited.
    pub async fn search(&self, id: i64, input: &LostEntryInput) -> StoreResult<LostCase> {
        let mut tx = self.db.begin().await?;
        let r = self.case_row(&mut tx, id).await?;
        let c = r.facts()?;
        if !c.state.is_open() {
            return Err(StoreError::conflict("lost.closed", format!("该失联登记已{}", c.state.label())));
        }
        let (on, text) = parse_entry(input, "寻找情况", Some(c.since), self.db.clock().today()).map_err(StoreError::Invalid)?;
        crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE lost_contacts SET searches = searches + 1, last_on = CASE WHEN last_on < $1 THEN $1 ELSE last_on END, updated_at = $2 \
             WHERE region_id = $3 AND id = $4")
            .bind(date_text(on)).bind(self.db.clock().now_ms()).bind(self.scope.region_id).bind(id).execute(c).await)?;
        self.event(&mut tx, id, LostEventKind::Search, on, &text).await?;
        self.audit(&mut tx, "lost.search", r.member_id, format!("{}：{}", on, text)).await?;
        refresh_member(&mut tx, self.db, self.scope.region_id, r.member_id).await?;
        tx.commit().await?;
        self.case(id).await
    }

    /// The branch's decision — 停止党籍 (6 months after contact was lost, after a search)
    /// or 除名 (2 years after 停止党籍) — with its day and evidence (e.g. the 支部大会's
    /// vote), for the parent to approve. Only the member's own branch (or an org above
    /// it acting for it) decides. Audited.
    pub async fn propose(&self, id: i64, input: &LostEntryInput) -> StoreResult<LostCase> {
        let mut tx = self.db.begin().await?;
        let r = self.case_row(&mut tx, id).await?;
        let c = r.facts()?;
        let last = parse_iso_date(&r.last_on);
        let (on, text) = parse_entry(input, "决定及依据", last, self.db.clock().today()).map_err(StoreError::Invalid)?;
        let next = propose(&self.db.rules().lost_contact, &c, on).map_err(refusal)?;
        let kind = if next == LostState::SuspendPending { LostEventKind::ProposeSuspend } else { LostEventKind::ProposeRemove };
        let changed = crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE lost_contacts SET state = $1, proposed_by = $2, proposed_on = $3, last_on = $3, updated_at = $4 \
             WHERE region_id = $5 AND id = $6 AND state = $7")
            .bind(next.code()).bind(self.scope.actor.account_id).bind(date_text(on)).bind(self.db.clock().now_ms())
            .bind(self.scope.region_id).bind(id).bind(&r.state).execute(c).await)?;
        if changed == 0 {
            return Err(raced());
        }
        self.event(&mut tx, id, kind, on, &text).await?;
        self.audit(&mut tx, "lost.propose", r.member_id, format!("{}：{}（{}）", kind.label(), text, on)).await?;
        refresh_member(&mut tx, self.db, self.scope.region_id, r.member_id).await?;
        tx.commit().await?;
        self.case(id).await
    }

    /// The parent's approval of the branch's pending decision, by an account reaching
    /// strictly above the member's branch and not the one that decided. Approved, the
    /// archive follows: 停止党籍 (党籍状态), or 除名 (to the history archive, 减少原因 除名).
    /// Declined (with the reason), the case goes back a step. Audited.
    pub async fn approve(&self, id: i64, yes: bool, input: &LostEntryInput) -> StoreResult<LostCase> {
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?.to_string();
        let mut tx = self.db.begin().await?;
        let r = self.case_row(&mut tx, id).await?;
        if root == r.org_path {
            return Err(StoreError::conflict("lost.parent_only", "支部的决定须由上级党组织批准"));
        }
        let c = r.facts()?;
        let next = approve(&c, yes, self.scope.actor.account_id).map_err(refusal)?;
        let last = parse_iso_date(&r.last_on);
        let label = if yes { "批准依据" } else { "不批准的理由" };
        let (on, text) = parse_entry(input, label, last, self.db.clock().today()).map_err(StoreError::Invalid)?;
        drop(tx);
        // The archive first, through the member feature; a repeat changes nothing.
        match next {
            LostState::Suspended if yes => {
                let s = MemberInput { party_status: Some(PartyStatus::Suspended.code().into()), ..Default::default() };
                self.scoped().members().update_member(r.member_id, &s, None).await?;
            }
            LostState::Removed => {
                let m = self.scoped().members().member_row(r.member_id).await?;
                if !m.archived {
                    let leave = crate::member::Leave {
                        reason: LeaveReason::Removed.code().into(),
                        left_on: date_text(on),
                        note: format!("失联，停止党籍满2年仍无法联系，按自行脱党除名：{text}"),
                    };
                    self.scoped().members().archive_member(r.member_id, &leave).await?;
                }
            }
            _ => {}
        }
        let mut tx = self.db.begin().await?;
        let closed = (next == LostState::Removed).then(|| date_text(on));
        let suspended = (next == LostState::Suspended && c.state == LostState::SuspendPending).then(|| date_text(on));
        let changed = crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE lost_contacts SET state = $1, proposed_by = NULL, last_on = $2, suspended_on = COALESCE($3, suspended_on), \
             closed_on = $4, open_key = CASE WHEN $4 IS NULL THEN 0 ELSE id END, updated_at = $5 WHERE region_id = $6 AND id = $7 AND state = $8")
            .bind(next.code()).bind(date_text(on)).bind(&suspended).bind(&closed).bind(self.db.clock().now_ms())
            .bind(self.scope.region_id).bind(id).bind(&r.state).execute(c).await)?;
        if changed == 0 {
            return Err(raced());
        }
        let kind = match (yes, next) {
            (false, _) => LostEventKind::Reject,
            (true, LostState::Removed) => LostEventKind::ApproveRemove,
            (true, _) => LostEventKind::ApproveSuspend,
        };
        self.event(&mut tx, id, kind, on, &text).await?;
        self.audit(&mut tx, "lost.approve", r.member_id, format!("{}：{}（{}）", kind.label(), text, on)).await?;
        refresh_member(&mut tx, self.db, self.scope.region_id, r.member_id).await?;
        tx.commit().await?;
        self.case(id).await
    }

    /// The member is found: 恢复 (not after 除名). The archive's 党籍状态 returns to 正常
    /// and its 失联日期 is cleared. Audited.
    pub async fn restore(&self, id: i64, input: &LostEntryInput) -> StoreResult<LostCase> {
        let mut tx = self.db.begin().await?;
        let r = self.case_row(&mut tx, id).await?;
        let c = r.facts()?;
        restore(c.state).map_err(refusal)?;
        let (on, text) =
            parse_entry(input, "恢复联系的情况", Some(c.since), self.db.clock().today()).map_err(StoreError::Invalid)?;
        drop(tx);
        let back = MemberInput {
            party_status: Some(PartyStatus::Normal.code().into()),
            lost_contact_since: Some(String::new()),
            ..Default::default()
        };
        self.scoped().members().update_member(r.member_id, &back, None).await?;
        let mut tx = self.db.begin().await?;
        let changed = crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE lost_contacts SET state = 'restored', proposed_by = NULL, closed_on = $1, open_key = id, updated_at = $2 \
             WHERE region_id = $3 AND id = $4 AND state = $5")
            .bind(date_text(on)).bind(self.db.clock().now_ms()).bind(self.scope.region_id).bind(id).bind(&r.state).execute(c).await)?;
        if changed == 0 {
            return Err(raced());
        }
        self.event(&mut tx, id, LostEventKind::Restore, on, &text).await?;
        self.audit(&mut tx, "lost.restore", r.member_id, format!("{}恢复联系：{}", on, text)).await?;
        refresh_member(&mut tx, self.db, self.scope.region_id, r.member_id).await?;
        tx.commit().await?;
        self.case(id).await
    }

    /// Cases of members of `org_id`'s subtree, newest first; `open_only` leaves out the
    /// closed ones.
    pub async fn list(&self, org_id: i64, open_only: bool, req: &PageRequest) -> StoreResult<Page<LostView>> {
        let org = self.scoped().orgs().org(org_id).await?;
        let mut filters = Sql::new(" WHERE l.region_id = ");
        filters.bind(org.region_id).push(" AND l.org_path >= ").bind(org.path.clone());
        filters.push(" AND l.org_path < ").bind(path::upper(&org.path));
        if open_only {
            filters.push(" AND l.").push(OPEN);
        }
        let page: Page<LostView> =
            capped_page(self.db, "lost_contacts l", VIEW_SELECT, &filters, &LIST_ORDER, req, |v: &LostView| vec![v.id.into()])
                .await?;
        Ok(Page { items: labelled(self.db, page.items)?, ..page })
    }

    /// Decisions waiting for the caller's approval (待我审批): pending cases of branches
    /// strictly below the caller's root (at most 200, oldest first).
    pub async fn awaiting_me(&self) -> StoreResult<Vec<LostView>> {
        let Some(root) = self.scope.writable_root().map(str::to_string) else { return Ok(Vec::new()) };
        let sql = format!(
            "{VIEW_SELECT} WHERE l.region_id = $1 AND l.org_path > $2 AND l.org_path < $3 \
             AND l.state IN ('suspend_pending', 'remove_pending') ORDER BY l.updated_at, l.id LIMIT 200"
        );
        let rows: Vec<LostView> = crate::read!(self.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(self.scope.region_id).bind(&root).bind(path::upper(&root)).fetch_all(c).await)?;
        labelled(self.db, rows)
    }

    /// Counts of open cases within reach, for the cockpit.
    pub async fn counts(&self) -> StoreResult<LostCounts> {
        let (lo, hi) = self.scope.org_range();
        let rows: Vec<(String, i64)> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT state, COUNT(*) FROM lost_contacts WHERE region_id = $1 AND org_path >= $2 AND org_path < $3 GROUP BY state")
            .bind(self.scope.region_id).bind(&lo).bind(&hi).fetch_all(c).await)?;
        let mut out = LostCounts::default();
        for (state, n) in rows {
            match decode("lost_contacts.state", &state, LostState::from_code)? {
                LostState::Lost => out.lost += n,
                LostState::SuspendPending => (out.lost, out.pending) = (out.lost + n, out.pending + n),
                LostState::Suspended => out.suspended += n,
                LostState::RemovePending => (out.suspended, out.pending) = (out.suspended + n, out.pending + n),
                LostState::Removed | LostState::Restored => {}
            }
        }
        out.overdue = crate::read!(self.db, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM findings WHERE region_id = $1 AND org_path >= $2 AND org_path < $3 AND rule_code LIKE $4 \
             AND resolved_at IS NULL")
            .bind(self.scope.region_id).bind(&lo).bind(&hi).bind(format!("{LOST_PREFIX}%")).fetch_one(c).await)?;
        Ok(out)
    }
}

fn already() -> StoreError {
    StoreError::conflict("lost.already", "该党员已登记为失联党员，请在原登记中续记寻找情况")
}

fn raced() -> StoreError {
    StoreError::conflict("lost.raced", "该登记刚刚已由他人办理，请刷新后查看")
}
