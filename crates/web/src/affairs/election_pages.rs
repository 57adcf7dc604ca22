//! 换届选举 pages: an org's term and elections (`/orgs/{id}/elections`) — the request form
//! when none is open, the vote as one table of the org's 正式党员 (votes and role per row,
//! one save) once the 上级 approved, the new committee, and the 上级's queue of requests
//! and elected 书记 to approve.

use crate::AppState;
use crate::extract::{Ctx, Id};
use crate::shell::{PageResult, Shell, form_errors, render, see_other};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use vanguard_domain::affairs::election::{CandidateInput, CommitteeRole, ElectionRequestInput, ElectionVoteInput};
use vanguard_domain::kernel::paging::PageRequest;
use vanguard_store::affairs::ElectionView;
use vanguard_store::member::{MemberFilter, MemberSummary};
use vanguard_store::org::OrgView;

type Pairs = Vec<(String, String)>;

fn one(pairs: &Pairs, key: &str) -> String {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default()
}

#[derive(Template)]
#[template(path = "affairs/election_org.html")]
struct OrgElectionsPage {
    shell: Shell,
    org: OrgView,
    elections: Vec<ElectionView>,
    /// The open election (requested, approved or voted), if any.
    open: Option<ElectionView>,
    /// The org's 正式党员 (candidates for the vote form), when the vote is due.
    members: Vec<MemberSummary>,
    roles: Vec<(&'static str, &'static str)>,
    awaiting: Vec<ElectionView>,
    error: String,
}

async fn org_page(state: &AppState, ctx: &Ctx, id: i64, error: String) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    let org = scoped.orgs().org_view(id).await?;
    let elections = scoped.elections().elections_of(id).await?;
    let open = elections.iter().find(|e| matches!(e.state.as_str(), "pending_approval" | "approved" | "voted")).cloned();
    let members = if open.as_ref().is_some_and(|e| e.state == "approved") {
        let f = MemberFilter { org_id: Some(id), category: "formal".into(), sort: "name".into(), ..Default::default() };
        scoped.members().list_members(&f, &PageRequest::first(100)).await?.items
    } else {
        Vec::new()
    };
    let awaiting = scoped.elections().elections_awaiting_me().await?;
    let shell = Shell::new(state, ctx, "org").await;
    let failed = !error.is_empty();
    let roles = [
        CommitteeRole::Secretary,
        CommitteeRole::DeputySecretary,
        CommitteeRole::Organization,
        CommitteeRole::Publicity,
        CommitteeRole::Discipline,
        CommitteeRole::Member,
    ]
    .into_iter()
    .map(|r| (r.code(), r.label()))
    .collect();
    let mut res = render(&OrgElectionsPage { shell, org, elections, open, members, roles, awaiting, error });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn org(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    org_page(&state, &ctx, id, String::new()).await
}

fn summary(e: vanguard_store::StoreError) -> Result<String, crate::shell::PageError> {
    Ok(form_errors(e)?.into_values().collect::<Vec<_>>().join("；"))
}

pub async fn request(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(pairs): Form<Pairs>) -> PageResult {
    let input = ElectionRequestInput {
        planned_on: one(&pairs, "planned_on"),
        seats: one(&pairs, "seats").trim().parse().unwrap_or(0),
        reason: one(&pairs, "reason"),
    };
    match ctx.scoped(&state.db).elections().request_election(id, &input).await {
        Ok(_) => Ok(see_other(&format!("/orgs/{id}/elections?done=election_requested"))),
        Err(e) => org_page(&state, &ctx, id, summary(e)?).await,
    }
}

/// The vote: one row per member (`votes_<id>`, `role_<id>`); a member with no votes typed
/// did not stand.
pub async fn vote(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(pairs): Form<Pairs>) -> PageResult {
    let elections = ctx.scoped(&state.db).elections();
    let e = elections.election(id).await?;
    let candidates = pairs
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("votes_")?.parse::<i64>().ok()?, v.trim())))
        .filter(|(_, v)| !v.is_empty())
        .map(|(m, v)| CandidateInput { member_id: m, votes: v.parse().unwrap_or(-1), role: one(&pairs, &format!("role_{m}")) })
        .collect();
    let num = |k: &str| one(&pairs, k).trim().parse::<i64>().unwrap_or(-1);
    let input = ElectionVoteInput {
        held_on: one(&pairs, "held_on"),
        voting_members: num("voting_members"),
        excluded: num("excluded").max(0),
        present_voters: num("present_voters"),
        candidates,
    };
    match elections.record_election_vote(id, &input).await {
        Ok(_) => Ok(see_other(&format!("/orgs/{}/elections?done=election_voted", e.org_id))),
        Err(err) => org_page(&state, &ctx, e.org_id, summary(err)?).await,
    }
}

/// The 上级's decision on a request or an elected 书记, by the election's state; back to
/// the page it was decided from.
pub async fn decide(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(pairs): Form<Pairs>) -> PageResult {
    let elections = ctx.scoped(&state.db).elections();
    let e = elections.election(id).await?;
    let approve = one(&pairs, "decision") == "approve";
    let note = one(&pairs, "note");
    let back = one(&pairs, "from").parse::<i64>().unwrap_or(e.org_id);
    let done = if e.state == "voted" {
        elections.decide_election_secretary(id, approve, &note).await
    } else {
        elections.decide_election_request(id, approve, &note).await
    };
    match done {
        Ok(_) => Ok(see_other(&format!("/orgs/{back}/elections?done=election_decided"))),
        Err(err) => org_page(&state, &ctx, back, summary(err)?).await,
    }
}
