//! 发展党员 pages. The workbench: a branch's applicants with their stage and next step,
//! opening a file; a file's 25 steps (done, next, overdue, pending, with documents) and
//! the form of the next step — or, for the 支部党员大会's steps, the form that records
//! the vote at a held 支部党员大会 (the meeting's own decision, posted to 组织生活); the
//! parent's queue (待我审批). The portal: the 预备党员's own progress.

use crate::AppState;
use crate::extract::{Ctx, Id};
use crate::shell::{PageResult, Shell, form_errors, render, see_other};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use vanguard_domain::affairs::recruit::{ApplicantInput, StepInput};
use vanguard_domain::kernel::paging::{Page, PageRequest};
use vanguard_store::affairs::{RecruitDetail, RecruitFileView, RecruitQueue, RecruitStepView};
use vanguard_store::member::{MemberFilter, MemberSummary};
use vanguard_store::org::OrgView;
use vanguard_store::orglife::{MeetingFilter, MeetingSummary};

type Pairs = Vec<(String, String)>;

fn one(pairs: &Pairs, key: &str) -> String {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim().to_string()).unwrap_or_default()
}

fn all(pairs: &Pairs, key: &str) -> Vec<String> {
    pairs.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).take(20).collect()
}

fn summary_of(e: vanguard_store::StoreError) -> Result<String, crate::shell::PageError> {
    Ok(form_errors(e)?.into_values().collect::<Vec<_>>().join("；"))
}

fn failed(mut res: axum::response::Response, error: &str) -> PageResult {
    if !error.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

// ---- The branch's applicants -----------------------------------------------------------

#[derive(Template)]
#[template(path = "affairs/recruit_branch.html")]
struct BranchPage {
    shell: Shell,
    org: OrgView,
    page: Page<RecruitFileView>,
    error: String,
}

async fn branch_page(state: &AppState, ctx: &Ctx, id: i64, error: String) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    let org = scoped.orgs().org_view(id).await?;
    let page = scoped.recruits().files(id, true, &PageRequest::first(200)).await?;
    let shell = Shell::new(state, ctx, "org").await;
    failed(render(&BranchPage { shell, org, page, error: error.clone() }), &error)
}

pub async fn branch(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    branch_page(&state, &ctx, id, String::new()).await
}

pub async fn create(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(pairs): Form<Pairs>) -> PageResult {
    let input = ApplicantInput {
        org_id: id,
        name: one(&pairs, "name"),
        id_number: one(&pairs, "id_number"),
        ethnicity: one(&pairs, "ethnicity"),
        education: one(&pairs, "education"),
        work_unit: one(&pairs, "work_unit"),
        applied_on: one(&pairs, "applied_on"),
        documents: all(&pairs, "documents"),
    };
    match ctx.scoped(&state.db).recruits().create_file(&input).await {
        Ok(d) => Ok(see_other(&format!("/recruit/{}?done=recruit_create", d.file.id))),
        Err(e) => {
            let error = summary_of(e)?;
            branch_page(&state, &ctx, id, error).await
        }
    }
}

// ---- A file ----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "affairs/recruit_file.html")]
struct FilePage {
    shell: Shell,
    d: RecruitDetail,
    /// The next step, when the file is active.
    next: Option<RecruitStepView>,
    /// 正式党员 of the branch, for the 入党介绍人.
    formal: Vec<MemberSummary>,
    /// Held 支部党员大会 of the branch, for recording a vote.
    assemblies: Vec<MeetingSummary>,
    error: String,
}

async fn file_page(state: &AppState, ctx: &Ctx, id: i64, error: String) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    let d = scoped.recruits().file(id).await?;
    let next = d.steps.iter().find(|s| s.status == "next" || s.status == "overdue").cloned();
    let filter = MemberFilter { org_id: Some(d.file.org_id), category: "formal".into(), ..Default::default() };
    let formal = scoped.members().list_members(&filter, &PageRequest::first(100)).await.map(|p| p.items).unwrap_or_default();
    let mf = MeetingFilter { meeting_type: "branch_assembly".into(), status: "held".into(), ..Default::default() };
    let assemblies =
        scoped.orglife().list_meetings(d.file.org_id, &mf, &PageRequest::first(20)).await.map(|p| p.items).unwrap_or_default();
    let shell = Shell::new(state, ctx, "org").await;
    failed(render(&FilePage { shell, d, next, formal, assemblies, error: error.clone() }), &error)
}

pub async fn file(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    file_page(&state, &ctx, id, String::new()).await
}

pub async fn complete(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(pairs): Form<Pairs>) -> PageResult {
    let n = |k: &str| one(&pairs, k).parse().unwrap_or(0);
    let no: u8 = n("no") as u8;
    let input = StepInput {
        on: one(&pairs, "on"),
        documents: all(&pairs, "documents"),
        publicity_from: one(&pairs, "publicity_from"),
        training_days: n("training_days"),
        training_hours: n("training_hours"),
        introducer_ids: all(&pairs, "introducer_ids").iter().filter_map(|s| s.trim().parse().ok()).collect(),
        note: one(&pairs, "note"),
    };
    match ctx.scoped(&state.db).recruits().complete_step(id, no, &input).await {
        Ok(_) => Ok(see_other(&format!("/recruit/{id}?done=recruit_step"))),
        Err(e) => {
            let error = summary_of(e)?;
            file_page(&state, &ctx, id, error).await
        }
    }
}

// ---- The parent's queue ----------------------------------------------------------------

#[derive(Template)]
#[template(path = "affairs/recruit_queue.html")]
struct QueuePage {
    shell: Shell,
    q: RecruitQueue,
    error: String,
}

async fn queue_page(state: &AppState, ctx: &Ctx, error: String) -> PageResult {
    let q = ctx.scoped(&state.db).recruits().awaiting_me().await?;
    let shell = Shell::new(state, ctx, "org").await;
    failed(render(&QueuePage { shell, q, error: error.clone() }), &error)
}

pub async fn queue(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    queue_page(&state, &ctx, String::new()).await
}

pub async fn decide(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(pairs): Form<Pairs>) -> PageResult {
    let approve = one(&pairs, "approve") == "true";
    match ctx.scoped(&state.db).recruits().decide_outcome(id, approve, &one(&pairs, "on"), &one(&pairs, "note")).await {
        Ok(_) => Ok(see_other("/recruit/queue?done=recruit_outcome")),
        Err(e) => {
            let error = summary_of(e)?;
            queue_page(&state, &ctx, error).await
        }
    }
}

// ---- The portal ------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "affairs/recruit_portal.html")]
struct PortalPage {
    csrf: String,
    d: Option<RecruitDetail>,
}

pub async fn mine(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let d = ctx.scoped(&state.db).recruits().my_file().await?;
    Ok(render(&PortalPage { csrf: ctx.0.csrf_token.clone(), d }))
}
