//! The member portal (党员端): phone-first pages for ordinary members.

use crate::AppState;
use crate::extract::Ctx;
use crate::shell::{PageResult, render};
use askama::Template;
use axum::extract::State;
use vanguard_store::member::{MemberView, MyBranch};
use vanguard_store::orglife::{MyOrgLife, PlanView};

#[derive(Template)]
#[template(path = "home/portal_home.html")]
struct PortalHome {
    name: String,
    csrf: String,
    branch: Option<MyBranch>,
    life: Option<MyOrgLife>,
}

pub async fn home(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    let branch = scoped.members().my_branch().await.ok();
    let life = if ctx.0.scope.member_id.is_some() { scoped.orglife().my_orglife(None).await.ok() } else { None };
    Ok(render(&PortalHome { name: ctx.0.account.display_name.clone(), csrf: ctx.0.csrf_token.clone(), branch, life }))
}

#[derive(Template)]
#[template(path = "orglife/portal_plan.html")]
struct PortalPlan {
    csrf: String,
    year: i32,
    plan: Option<PlanView>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct YearQuery {
    pub year: String,
}

pub async fn plan(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::extract::QueryParams(q): crate::extract::QueryParams<YearQuery>,
) -> PageResult {
    ctx.0.scope.member_id.ok_or_else(crate::error::ApiError::not_found)?;
    let year = q.year.trim().parse().unwrap_or_else(|_| chrono::Datelike::year(&state.db.clock().today()));
    let plan = ctx.scoped(&state.db).orglife().my_plan(year).await?;
    Ok(render(&PortalPlan { csrf: ctx.0.csrf_token.clone(), year, plan }))
}

#[derive(Template)]
#[template(path = "member/portal_profile.html")]
struct PortalProfile {
    csrf: String,
    m: MemberView,
}

pub async fn profile(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let id = ctx.0.scope.member_id.ok_or_else(crate::error::ApiError::not_found)?;
    let m = ctx.scoped(&state.db).members().member(id).await?;
    Ok(render(&PortalProfile { csrf: ctx.0.csrf_token.clone(), m }))
}

#[derive(Template)]
#[template(path = "member/portal_branch.html")]
struct PortalBranch {
    csrf: String,
    b: MyBranch,
}

pub async fn branch(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let b = ctx.scoped(&state.db).members().my_branch().await?;
    Ok(render(&PortalBranch { csrf: ctx.0.csrf_token.clone(), b }))
}
