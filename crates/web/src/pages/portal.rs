//! The member portal (党员端): phone-first pages for ordinary members.

use super::{PageResult, render};
use crate::AppState;
use crate::extract::Ctx;
use askama::Template;
use axum::extract::State;
use vanguard_store::member::{MemberView, MyBranch};

#[derive(Template)]
#[template(path = "portal_home.html")]
struct PortalHome {
    name: String,
    csrf: String,
    branch: Option<MyBranch>,
}

pub async fn home(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let branch = ctx.scoped(&state.db).my_branch().await.ok();
    Ok(render(&PortalHome { name: ctx.0.account.display_name.clone(), csrf: ctx.0.csrf_token.clone(), branch }))
}

#[derive(Template)]
#[template(path = "portal_profile.html")]
struct PortalProfile {
    csrf: String,
    m: MemberView,
}

pub async fn profile(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let id = ctx.0.scope.member_id.ok_or_else(crate::error::ApiError::not_found)?;
    let m = ctx.scoped(&state.db).member(id).await?;
    Ok(render(&PortalProfile { csrf: ctx.0.csrf_token.clone(), m }))
}

#[derive(Template)]
#[template(path = "portal_branch.html")]
struct PortalBranch {
    csrf: String,
    b: MyBranch,
}

pub async fn branch(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let b = ctx.scoped(&state.db).my_branch().await?;
    Ok(render(&PortalBranch { csrf: ctx.0.csrf_token.clone(), b }))
}
