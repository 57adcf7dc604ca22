//! 换届选举 (`elections`, `election_candidates`): an org asks its 上级 to hold the election
//! (or to delay it), the 上级 approves with another account, the org records the vote
//! (roll, candidates, roles), the 上级 approves the elected 书记 with an account other than
//! the one that recorded the vote — and the org's term restarts on the day of the vote
//! through [`crate::org::restart_term`], which resolves the term-expiry finding in the same
//! transaction. Rules: `domain::affairs::election`.

use crate::platform::audit::{self, Event};
use crate::platform::error::decode;
use crate::platform::ids;
use crate::{StoreError, StoreResult};
use serde::Serialize;
use vanguard_domain::Invalid;
use vanguard_domain::affairs::election::{
    CommitteeRole, ElectionRequestInput, ElectionState, ElectionVoteInput, approve_request, approve_secretary, check_request,
    check_vote,
};
use vanguard_domain::kernel::time::{date_text, opt_date_text, parse_iso_date};
use vanguard_domain::member::Category;
use vanguard_domain::org::path;

crate::platform::scope::feature_handle!(
    /// 换届选举: requests, votes, the new committee and the 上级's approvals.
    Elections,
    elections
);

/// An election as listed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ElectionView {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub state: String,
    #[sqlx(skip)]
    pub state_label: &'static str,
    /// The term's end when the election was asked for.
    pub term_ends_on: Option<String>,
    pub planned_on: String,
    /// 延期换届: planned after the term's end.
    pub delayed: bool,
    pub seats: i64,
    pub reason: String,
    pub note: String,
    pub requested_at: i64,
    pub held_on: Option<String>,
    pub voting_members: Option<i64>,
    pub excluded: Option<i64>,
    pub present_voters: Option<i64>,
    #[sqlx(skip)]
    pub candidates: Vec<CandidateView>,
}

/// A candidate of a recorded vote.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CandidateView {
    pub member_id: i64,
    pub name: String,
    pub votes: i64,
    pub elected: bool,
    pub role: Option<String>,
    #[sqlx(skip)]
    pub role_label: Option<&'static str>,
}

#[derive(sqlx::FromRow)]
struct ElectionRow {
    org_id: i64,
    org_path: String,
    state: String,
    requested_by: i64,
    voted_by: Option<i64>,
    seats: i64,
    held_on: Option<String>,
    secretary_member_id: Option<i64>,
}

macro_rules! election_select {
    () => {
        "SELECT e.id, e.org_id, o.name AS org_name, e.state, e.term_ends_on, e.planned_on, e.delayed, e.seats, e.reason, e.note, \
         e.requested_at, e.held_on, e.voting_members, e.excluded, e.present_voters FROM elections e \
         JOIN orgs o ON o.region_id = e.region_id AND o.id = e.org_id "
    };
}

/// A state rule's refusal as a conflict; a field's problem stays a validation error.
fn refusal(inv: Invalid) -> StoreError {
    match inv.errors.first() {
        Some(e) if e.field == "state" => StoreError::Conflict { code: e.code, message: e.message.clone() },
        _ => StoreError::Invalid(inv),
    }
}

impl Elections<'_> {
    async fn with_candidates(&self, mut rows: Vec<ElectionView>) -> StoreResult<Vec<ElectionView>> {
        for e in &mut rows {
            e.state_label = decode("elections.state", &e.state, ElectionState::from_code)?.label();
            let mut cands: Vec<CandidateView> = crate::read!(self.db, c => sqlx::query_as(
                "SELECT ec.member_id, m.name, ec.votes, ec.elected, ec.role FROM election_candidates ec \
                 JOIN members m ON m.region_id = ec.region_id AND m.id = ec.member_id \
                 WHERE ec.region_id = $1 AND ec.election_id = $2 ORDER BY ec.votes DESC, ec.member_id")
                .bind(self.scope.region_id).bind(e.id).fetch_all(c).await)?;
            for c in &mut cands {
                c.role_label = c
                    .role
                    .as_deref()
                    .map(|r| decode("election_candidates.role", r, CommitteeRole::from_code))
                    .transpose()?
                    .map(|r| r.label());
            }
            e.candidates = cands;
        }
        Ok(rows)
    }

    /// One election within the caller's reach.
    pub async fn election(&self, id: i64) -> StoreResult<ElectionView> {
        let (lo, hi) = self.scope.org_range();
        let rows: Vec<ElectionView> = crate::read!(self.db, c => sqlx::query_as(concat!(election_select!(),
            "WHERE e.region_id = $1 AND e.id = $2 AND e.org_path >= $3 AND e.org_path < $4"))
            .bind(self.scope.region_id).bind(id).bind(&lo).bind(&hi).fetch_all(c).await)?;
        self.with_candidates(rows).await?.into_iter().next().ok_or(StoreError::NotFound)
    }

    /// An org's elections, newest first (at most 20): the current one and the past.
    pub async fn elections_of(&self, org_id: i64) -> StoreResult<Vec<ElectionView>> {
        let org = self.scoped().orgs().org(org_id).await?;
        let rows: Vec<ElectionView> = crate::read!(self.db, c => sqlx::query_as(concat!(election_select!(),
            "WHERE e.region_id = $1 AND e.org_id = $2 ORDER BY e.requested_at DESC, e.id DESC LIMIT 20"))
            .bind(self.scope.region_id).bind(org.id).fetch_all(c).await)?;
        self.with_candidates(rows).await
    }

    /// Elections waiting for the caller as 上级: requests to approve and elected 书记 to
    /// approve, of orgs strictly below the caller's root (at most 200, oldest first).
    pub async fn elections_awaiting_me(&self) -> StoreResult<Vec<ElectionView>> {
        let Some(root) = self.scope.writable_root().map(str::to_string) else { return Ok(Vec::new()) };
        let rows: Vec<ElectionView> = crate::read!(self.db, c => sqlx::query_as(concat!(election_select!(),
            "WHERE e.region_id = $1 AND e.org_path > $2 AND e.org_path < $3 AND e.state IN ('pending_approval', 'voted') \
             ORDER BY e.requested_at, e.id LIMIT 200"))
            .bind(self.scope.region_id).bind(&root).bind(path::upper(&root)).fetch_all(c).await)?;
        self.with_candidates(rows).await
    }

    /// Asks the 上级 to hold the org's election (a planned day after the term's end is a
    /// delay, at most the rule set's months). One open election per org. Audited.
    pub async fn request_election(&self, org_id: i64, input: &ElectionRequestInput) -> StoreResult<ElectionView> {
        let mut tx = self.db.begin().await?;
        let org = self.scoped().orgs().org_for_write(&mut tx, org_id).await?;
        let term_ends_on = org.fields().term_ends_on();
        let rules = self.db.rules();
        let req = check_request(input, term_ends_on, &rules.elections).map_err(StoreError::Invalid)?;
        if org.is_dissolved() || org.kind() == vanguard_domain::org::OrgKind::Group {
            return Err(StoreError::conflict("election.org", "已撤销的党组织和党小组不进行换届选举"));
        }
        let open: Option<i64> = crate::on_tx!(tx, c => sqlx::query_scalar(
            "SELECT id FROM elections WHERE region_id = $1 AND org_id = $2 AND state IN ('pending_approval', 'approved', 'voted') LIMIT 1")
            .bind(org.region_id).bind(org.id).fetch_optional(c).await)?;
        if open.is_some() {
            return Err(StoreError::conflict("election.open", "该党组织已有进行中的换届，请在其页面继续办理"));
        }
        let id = ids::next();
        let now = self.db.clock().now_ms();
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO elections (region_id, id, org_id, org_path, state, term_ends_on, planned_on, delayed, seats, reason, note, \
             requested_by, requested_at) VALUES ($1, $2, $3, $4, 'pending_approval', $5, $6, $7, $8, $9, '', $10, $11)")
            .bind(org.region_id).bind(id).bind(org.id).bind(&org.path).bind(opt_date_text(term_ends_on)).bind(date_text(req.planned_on))
            .bind(req.delayed).bind(i64::from(req.seats)).bind(&req.reason).bind(self.scope.actor.account_id).bind(now)
            .execute(c).await)?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("election.request", format!("org:{}", org.id)).detail(format!(
                "{}{}，拟于{}选举，应选{}名：{}",
                org.name,
                if req.delayed { "请示延期换届" } else { "请示换届" },
                date_text(req.planned_on),
                req.seats,
                req.reason
            )),
        )
        .await?;
        tx.commit().await?;
        self.election(id).await
    }

    /// Reads an election for a write: within the writable subtree; `parent` also asks the
    /// caller to stand strictly above the org (the 上级).
    async fn for_write(&self, tx: &mut crate::Tx, id: i64, parent: bool) -> StoreResult<(ElectionRow, ElectionState)> {
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?.to_string();
        let found: Option<ElectionRow> = crate::on_tx!(tx, c => sqlx::query_as(
            "SELECT org_id, org_path, state, requested_by, voted_by, seats, held_on, secretary_member_id FROM elections \
             WHERE region_id = $1 AND id = $2")
            .bind(self.scope.region_id).bind(id).fetch_optional(c).await)?;
        let e = found.filter(|e| path::within(&e.org_path, &root)).ok_or(StoreError::NotFound)?;
        if parent && e.org_path == root {
            return Err(StoreError::conflict("election.parent_only", "须由上级党组织批复，本级不能自行批准"));
        }
        let state = decode("elections.state", &e.state, ElectionState::from_code)?;
        Ok((e, state))
    }

    /// The 上级's decision on a request (by another account than the requester's).
    /// Declining says why. Audited.
    pub async fn decide_election_request(&self, id: i64, approve: bool, note: &str) -> StoreResult<ElectionView> {
        let mut tx = self.db.begin().await?;
        let (e, state) = self.for_write(&mut tx, id, true).await?;
        let actor = self.scope.actor.account_id;
        let next = approve_request(state, approve, note, actor, e.requested_by).map_err(refusal)?;
        let now = self.db.clock().now_ms();
        let changed = crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE elections SET state = $1, note = $2, approved_by = $3, approved_at = $4 WHERE region_id = $5 AND id = $6 AND state = $7")
            .bind(next.code()).bind(note.trim()).bind(actor).bind(now).bind(self.scope.region_id).bind(id).bind(state.code())
            .execute(c).await)?;
        if changed == 0 {
            return Err(StoreError::conflict("election.not_pending", "该换届请示刚刚已由他人批复，请刷新后查看"));
        }
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("election.approve", format!("org:{}", e.org_id)).detail(format!(
                "换届请示：{}{}",
                if approve { "同意" } else { "不同意" },
                if note.trim().is_empty() { String::new() } else { format!("；{}", note.trim()) }
            )),
        )
        .await?;
        tx.commit().await?;
        self.election(id).await
    }

    /// Records the vote of an approved election: the roll (quorum as for any 支部党员大会),
    /// each candidate's votes and role. Candidates are 正式党员 of the org's subtree.
    /// Audited.
    pub async fn record_election_vote(&self, id: i64, input: &ElectionVoteInput) -> StoreResult<ElectionView> {
        let mut tx = self.db.begin().await?;
        let (e, state) = self.for_write(&mut tx, id, false).await?;
        let vote = check_vote(state, e.seats as u32, input, self.db.clock().today()).map_err(refusal)?;
        let members = self.scoped().members();
        let mut names = Vec::new();
        for c in &vote.candidates {
            let m = match members.member_row(c.member_id).await {
                Ok(m) => m,
                Err(StoreError::NotFound) => {
                    return Err(StoreError::invalid(
                        "candidates",
                        "election.candidate",
                        "候选人应为本党组织的党员，请从名单中选择",
                    ));
                }
                Err(err) => return Err(err),
            };
            if m.archived || !path::within(&m.org_path, &e.org_path) {
                return Err(StoreError::invalid(
                    "candidates",
                    "election.candidate",
                    format!("{}不是本党组织在册党员，不能作为候选人", m.name),
                ));
            }
            if decode("members.category", &m.category, Category::from_code)? != Category::Formal {
                return Err(StoreError::invalid(
                    "candidates",
                    "election.candidate_probationary",
                    format!("{}是预备党员，没有被选举权，不能作为候选人", m.name),
                ));
            }
            names.push(m.name);
        }
        for c in &vote.candidates {
            crate::exec_tx!(tx, cn => sqlx::query(
                "INSERT INTO election_candidates (region_id, election_id, member_id, votes, elected, role) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(self.scope.region_id).bind(id).bind(c.member_id).bind(i64::from(c.votes)).bind(c.elected)
                .bind(c.role.map(CommitteeRole::code)).execute(cn).await)?;
        }
        let now = self.db.clock().now_ms();
        let changed = crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE elections SET state = 'voted', held_on = $1, voting_members = $2, excluded = $3, present_voters = $4, \
             secretary_member_id = $5, voted_by = $6, voted_at = $7 WHERE region_id = $8 AND id = $9 AND state = 'approved'")
            .bind(date_text(vote.held_on)).bind(i64::from(vote.roll.voting_members)).bind(i64::from(vote.roll.excluded))
            .bind(i64::from(vote.roll.present_voters)).bind(vote.secretary).bind(self.scope.actor.account_id).bind(now)
            .bind(self.scope.region_id).bind(id).execute(c).await)?;
        if changed == 0 {
            return Err(StoreError::conflict("election.not_approved", "该换届的选举结果刚刚已由他人登记，请刷新后查看"));
        }
        let elected: Vec<String> = vote
            .candidates
            .iter()
            .zip(&names)
            .filter(|(c, _)| c.elected)
            .map(|(c, n)| format!("{n}{}", c.role.map(|r| format!("（{}）", r.label())).unwrap_or_default()))
            .collect();
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("election.vote", format!("org:{}", e.org_id)).detail(format!(
                "{}选举：应到会{}名，实到{}名；当选：{}",
                date_text(vote.held_on),
                vote.roll.entitled(),
                vote.roll.present_voters,
                elected.join("、")
            )),
        )
        .await?;
        tx.commit().await?;
        self.election(id).await
    }

    /// The 上级's approval of the elected 书记, by an account other than the one that
    /// recorded the vote. Approved: the term restarts on the day of the vote with the new
    /// 书记 (through the org feature). Declined: the vote is set aside to be held again.
    /// Audited.
    pub async fn decide_election_secretary(&self, id: i64, approve: bool, note: &str) -> StoreResult<ElectionView> {
        let mut tx = self.db.begin().await?;
        let (e, state) = self.for_write(&mut tx, id, true).await?;
        let actor = self.scope.actor.account_id;
        let next = approve_secretary(state, approve, note, actor, e.voted_by.unwrap_or(e.requested_by)).map_err(refusal)?;
        let now = self.db.clock().now_ms();
        let changed = crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE elections SET state = $1, note = $2, secretary_by = $3, secretary_at = $4 WHERE region_id = $5 AND id = $6 AND state = 'voted'")
            .bind(next.code()).bind(note.trim()).bind(actor).bind(now).bind(self.scope.region_id).bind(id).execute(c).await)?;
        if changed == 0 {
            return Err(StoreError::conflict("election.not_voted", "该书记人选刚刚已由他人批复，请刷新后查看"));
        }
        match (next, e.held_on.as_deref().and_then(parse_iso_date), e.secretary_member_id) {
            (ElectionState::Completed, Some(held_on), Some(secretary)) => {
                crate::org::restart_term(&mut tx, self.db, self.scope.region_id, e.org_id, held_on, secretary).await?;
            }
            (ElectionState::Completed, _, _) => {
                return Err(StoreError::Corrupt { column: "elections.held_on".into(), value: format!("election {id}") });
            }
            _ => {
                crate::exec_tx!(tx, c => sqlx::query("DELETE FROM election_candidates WHERE region_id = $1 AND election_id = $2")
                    .bind(self.scope.region_id).bind(id).execute(c).await)?;
                crate::exec_tx!(tx, c => sqlx::query(
                    "UPDATE elections SET held_on = NULL, voting_members = NULL, excluded = NULL, present_voters = NULL, \
                     secretary_member_id = NULL, voted_by = NULL, voted_at = NULL WHERE region_id = $1 AND id = $2")
                    .bind(self.scope.region_id).bind(id).execute(c).await)?;
            }
        }
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("election.secretary", format!("org:{}", e.org_id)).detail(format!(
                "书记人选：{}{}",
                if approve { "批准，新一届任期自选举之日起计算" } else { "不批准，须重新选举" },
                if note.trim().is_empty() { String::new() } else { format!("；{}", note.trim()) }
            )),
        )
        .await?;
        tx.commit().await?;
        self.election(id).await
    }
}
