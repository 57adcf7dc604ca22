//! 挂职 pages: an org's secondments (from or to its subtree) with the counts per year and
//! the form to second a cadre; a secondment's page with its reports and the next step.

use crate::AppState;
use crate::extract::{Ctx, Id};
use crate::shell::{PageResult, Shell, form_errors, render, see_other};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use vanguard_domain::service::secondment::SecondmentInput;
use vanguard_store::StoreError;
use vanguard_store::org::OrgView;
use vanguard_store::service::secondment::{SecondmentDetail, SecondmentStep, SecondmentView, SecondmentYear};

type Pairs = Vec<(String, String)>;

fn one(pairs: &Pairs, key: &str) -> String {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default()
}

#[derive(Template)]
#[template(path = "service/secondment_org.html")]
struct OrgPage {
    shell: Shell,
    org: OrgView,
    years: Vec<SecondmentYear>,
    items: Vec<SecondmentView>,
    error: String,
    term_months: u32,
}

async fn org_page(state: &AppState, ctx: &Ctx, id: i64, error: String) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    let org = scoped.orgs().org_view(id).await?;
    let s = scoped.secondments();
    let years = s.per_year(id).await?;
    let items = s.list(id).await?;
    let shell = Shell::new(state, ctx, "org").await;
    let failed = !error.is_empty();
    let term_months = state.db.rules().secondments.term_months;
    let mut res = render(&OrgPage { shell, org, years, items, error, term_months });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn org_html(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    org_page(&state, &ctx, id, String::new()).await
}

pub async fn create_html(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(pairs): Form<Pairs>) -> PageResult {
    let num = |k: &str| one(&pairs, k).trim().parse::<i64>().unwrap_or(0);
    let input = SecondmentInput {
        member_id: num("member_id"),
        to_org_id: num("to_org_id"),
        starts_on: one(&pairs, "starts_on"),
        ends_on: one(&pairs, "ends_on"),
        post: one(&pairs, "post"),
        duties: one(&pairs, "duties"),
    };
    // The sending org in reach first: its page is the form's.
    ctx.scoped(&state.db).orgs().org(id).await?;
    match ctx.scoped(&state.db).secondments().create(&input).await {
        Ok(d) => Ok(see_other(&format!("/secondments/{}?done=saved", d.secondment.id))),
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict { .. })) => {
            let error = form_errors(e)?.into_values().collect::<Vec<_>>().join("；");
            org_page(&state, &ctx, id, error).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "service/secondment.html")]
struct DetailPage {
    shell: Shell,
    d: SecondmentDetail,
    error: String,
}

async fn detail_page(state: &AppState, ctx: &Ctx, id: i64, error: String) -> PageResult {
    let d = ctx.scoped(&state.db).secondments().get(id).await?;
    let shell = Shell::new(state, ctx, "org").await;
    let failed = !error.is_empty();
    let mut res = render(&DetailPage { shell, d, error });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn detail_html(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    detail_page(&state, &ctx, id, String::new()).await
}

pub async fn step_html(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(pairs): Form<Pairs>) -> PageResult {
    let s = SecondmentStep {
        step: one(&pairs, "step"),
        on: one(&pairs, "on"),
        text: one(&pairs, "text"),
        grade: one(&pairs, "grade"),
    };
    match ctx.scoped(&state.db).secondments().step(id, &s).await {
        Ok(_) => Ok(see_other(&format!("/secondments/{id}?done=saved"))),
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict { .. })) => {
            let error = form_errors(e)?.into_values().collect::<Vec<_>>().join("；");
            detail_page(&state, &ctx, id, error).await
        }
        Err(e) => Err(e.into()),
    }
}
