//! The member portal (党员端): phone-first pages for ordinary members.

use crate::AppState;
use crate::extract::Ctx;
use crate::shell::{PageResult, render};
use askama::Template;
use axum::extract::State;
use vanguard_domain::member::selfservice::{PoliticalBirthday, political_birthday};
use vanguard_store::member::{MemberView, MyBranch};
use vanguard_store::orglife::{MyOrgLife, PlanView};

#[derive(Template)]
#[template(path = "home/portal_home.html")]
struct PortalHome {
    name: String,
    csrf: String,
    branch: Option<MyBranch>,
    life: Option<MyOrgLife>,
    /// 出席 of the recent meetings shown: (present, counted, percent).
    rate: Option<(usize, usize, usize)>,
    /// This week's points and rank in the member's nearest org (党小组 or 支部) (学).
    rank: Option<(i64, u64, String)>,
    /// The greeting when today is the member's 政治生日.
    birthday_greeting: Option<String>,
}

pub async fn home(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    let branch = scoped.members().my_branch().await.ok();
    let life = if ctx.0.scope.member_id.is_some() { scoped.orglife().my_orglife(None).await.ok() } else { None };
    // Greet the member by the name on the archive, not the account's label.
    let me = match ctx.0.scope.member_id {
        Some(id) => scoped.members().member(id).await.ok(),
        None => None,
    };
    let name = me.as_ref().map(|m| m.name.clone()).unwrap_or_else(|| ctx.0.account.display_name.clone());
    let birthday_greeting = me.as_ref().and_then(|m| birthday_of(&state, m)).filter(|b| b.is_today).map(|b| match b.years {
        0 => "今天是您的政治生日。不忘初心、牢记使命，祝您政治生日快乐！".to_string(),
        y => format!("今天是您的政治生日，入党 {y} 周年。不忘初心、牢记使命，祝您政治生日快乐！"),
    });
    let rate = life.as_ref().and_then(|l| {
        let counted: Vec<_> = l.attendance.iter().filter(|a| a.attendance != "observer" && a.attendance != "pending").collect();
        let present = counted.iter().filter(|a| a.attendance == "present").count();
        (!counted.is_empty()).then(|| (present, counted.len(), present * 100 / counted.len()))
    });
    // The day's 登录 points (学): once a day, later visits add nothing.
    if ctx.0.scope.member_id.is_some()
        && let Err(e) = scoped.learning().record_login().await
    {
        tracing::warn!(error = %e, "login points not recorded");
    }
    let rank = match ctx.0.scope.member_id {
        Some(_) => scoped
            .learning()
            .my_ranks(vanguard_domain::learning::RankPeriod::Week)
            .await
            .ok()
            .and_then(|r| r.into_iter().next())
            .and_then(|b| Some((b.my_points?, b.my_rank?, b.scope_name))),
        None => None,
    };
    Ok(render(&PortalHome { name, csrf: ctx.0.csrf_token.clone(), branch, life, rate, rank, birthday_greeting }))
}

#[derive(Template)]
#[template(path = "orglife/portal_meeting.html")]
struct PortalMeeting {
    csrf: String,
    m: vanguard_store::orglife::MeetingSummary,
    /// The member's own line, if on the roll.
    mine: Option<vanguard_store::orglife::AttendanceView>,
    leave: Option<vanguard_store::orglife::LeaveView>,
    /// The meeting is planned, the member on its roll, and no request pending or approved.
    can_ask: bool,
    flash: Option<&'static str>,
    error: String,
    reason: String,
}

async fn portal_meeting(state: &AppState, ctx: &Ctx, id: i64, error: String, reason: String) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    let m = scoped.orglife().signin_meeting(id).await?;
    let mine = match ctx.0.scope.member_id {
        Some(me) => scoped.orglife().meeting(id).await.ok().and_then(|d| d.attendance.into_iter().find(|a| a.member_id == me)),
        None => None,
    };
    let leave = scoped.orglife().my_leave_request(id).await?;
    let failed = !error.is_empty();
    let can_ask = m.status == "planned" && mine.is_some() && leave.as_ref().is_none_or(|l| l.state == "rejected");
    let flash = crate::middleware::current_flash();
    let mut res = render(&PortalMeeting { csrf: ctx.0.csrf_token.clone(), m, mine, leave, can_ask, flash, error, reason });
    if failed {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// A meeting as the member sees it: when and where, their own attendance, and 请假.
pub async fn meeting(State(state): State<AppState>, ctx: Ctx, crate::extract::Id(id): crate::extract::Id) -> PageResult {
    portal_meeting(&state, &ctx, id, String::new(), String::new()).await
}

pub async fn leave(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::extract::Id(id): crate::extract::Id,
    axum::Form(v): axum::Form<std::collections::HashMap<String, String>>,
) -> PageResult {
    let reason = v.get("reason").cloned().unwrap_or_default();
    match ctx.scoped(&state.db).orglife().request_leave(id, &reason).await {
        Ok(_) => Ok(crate::shell::see_other(&format!("/m/meetings/{id}?done=leave"))),
        Err(e) => {
            let errors = crate::shell::form_errors(e)?;
            let error = errors.values().cloned().collect::<Vec<_>>().join("；");
            portal_meeting(&state, &ctx, id, error, reason).await
        }
    }
}

#[derive(Template)]
#[template(path = "orglife/portal_plan.html")]
struct PortalPlan {
    csrf: String,
    year: i32,
    plan: Option<PlanView>,
    /// Other years to look at: last year, this year, next year.
    years: Vec<i32>,
}

pub async fn plan(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::extract::QueryParams(q): crate::extract::QueryParams<crate::extract::YearParams>,
) -> PageResult {
    ctx.0.scope.member_id.ok_or_else(crate::error::ApiError::not_found)?;
    let year = q.or_this_year(&state.db);
    let plan = ctx.scoped(&state.db).orglife().my_plan(year).await?;
    let this = chrono::Datelike::year(&state.db.clock().today());
    let years = vec![this - 1, this, this + 1];
    Ok(render(&PortalPlan { csrf: ctx.0.csrf_token.clone(), year, plan, years }))
}

#[derive(Template)]
#[template(path = "member/portal_profile.html")]
struct PortalProfile {
    csrf: String,
    m: MemberView,
    /// 政治生日 (the anniversary of joining).
    birthday: Option<PoliticalBirthday>,
}

/// The member's 政治生日 as of today, from the archive's 入党日期.
fn birthday_of(state: &AppState, m: &MemberView) -> Option<PoliticalBirthday> {
    let joined = vanguard_domain::kernel::time::parse_iso_date(&m.joined_on)?;
    Some(political_birthday(joined, state.db.clock().today()))
}

pub async fn profile(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let id = ctx.0.scope.member_id.ok_or_else(crate::error::ApiError::not_found)?;
    let m = ctx.scoped(&state.db).members().member(id).await?;
    let birthday = birthday_of(&state, &m);
    Ok(render(&PortalProfile { csrf: ctx.0.csrf_token.clone(), m, birthday }))
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

#[derive(Template)]
#[template(path = "home/portal_scan.html")]
struct PortalScan {
    csrf: String,
}

/// How to scan the meeting's code: the phone's camera or WeChat's scanner.
pub async fn scan(ctx: Ctx) -> PageResult {
    Ok(render(&PortalScan { csrf: ctx.0.csrf_token.clone() }))
}
