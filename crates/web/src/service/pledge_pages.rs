//! 三亮三比 pages: the org's page (labels, the year's commitments to review and grade,
//! 比 records, the publish switch), the portal's 我的承诺 (write it, see its review), and
//! the public page of an org that publishes (no login, names and commitments only,
//! rate-limited per address like the login).

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ClientIp, Ctx, Id, QueryParams, YearParams};
use crate::limiter::LoginLimiter;
use crate::shell::{PageResult, Shell, form_errors, render, see_other};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use std::net::IpAddr;
use std::sync::OnceLock;
use vanguard_domain::service::pledge::{COMMITMENT_MAX, CompareInput};
use vanguard_store::StoreError;
use vanguard_store::org::OrgView;
use vanguard_store::service::pledge::{CommitmentView, PledgeOverview, PublicPledges, public_page};

type Pairs = Vec<(String, String)>;

fn one(pairs: &Pairs, key: &str) -> String {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default()
}

/// Public-page requests one address may make in a burst; then one a second.
pub const PUBLIC_BURST: u32 = 60;

/// The public pages' per-address bucket (the login limiter's mechanism).
pub(super) fn limit(ip: IpAddr) -> Result<(), ApiError> {
    static LIMITER: OnceLock<LoginLimiter> = OnceLock::new();
    LIMITER.get_or_init(|| LoginLimiter::new(PUBLIC_BURST, 1)).check(ip).map_err(|wait| {
        ApiError::new(StatusCode::TOO_MANY_REQUESTS, "public.rate_limit", format!("访问过于频繁，请 {wait} 秒后再试"))
    })
}

#[derive(Template)]
#[template(path = "service/pledge_org.html")]
struct OrgPage {
    shell: Shell,
    org: OrgView,
    p: PledgeOverview,
    error: String,
}

async fn org_page(state: &AppState, ctx: &Ctx, id: i64, year: i32, error: String) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    let org = scoped.orgs().org_view(id).await?;
    let p = scoped.pledges().overview(id, year).await?;
    let shell = Shell::new(state, ctx, "org").await;
    let failed = !error.is_empty();
    let mut res = render(&OrgPage { shell, org, p, error });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn org_html(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    QueryParams(q): QueryParams<YearParams>,
) -> PageResult {
    let year = q.or_this_year(&state.db);
    org_page(&state, &ctx, id, year, String::new()).await
}

/// One form of the org's page: `do` = label | unlabel | approve | return | grade | record | publish | unpublish.
pub async fn org_submit(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(pairs): Form<Pairs>) -> PageResult {
    let p = ctx.scoped(&state.db).pledges();
    let num = |k: &str| one(&pairs, k).trim().parse::<i64>().unwrap_or(0);
    let r = match one(&pairs, "do").as_str() {
        "label" => {
            let input = vanguard_store::service::pledge::PledgeLabelInput {
                member_id: num("member_id"),
                kind: one(&pairs, "kind"),
                post: one(&pairs, "post"),
            };
            p.grant_label(id, &input).await.map(|_| ())
        }
        "unlabel" => p.revoke_label(num("label_id")).await,
        a @ ("approve" | "return" | "grade") => {
            let d = super::pledge_api::CommitmentDecision {
                action: a.into(),
                note: one(&pairs, "note"),
                grade: one(&pairs, "grade"),
            };
            super::pledge_api::decide_commitment(&ctx, &state, num("commitment_id"), &d).await
        }
        "record" => {
            let input = CompareInput {
                kind: one(&pairs, "kind"),
                on: one(&pairs, "on"),
                what: one(&pairs, "what"),
                evidence: one(&pairs, "evidence"),
            };
            p.add_record(num("member_id"), &input, "workbench").await.map(|_| ())
        }
        "publish" => p.set_published(id, true).await,
        "unpublish" => p.set_published(id, false).await,
        _ => Err(StoreError::invalid("do", "pledge.action", "请选择要办理的事项")),
    };
    match r {
        Ok(()) => Ok(see_other(&format!("/orgs/{id}/pledges?done=saved"))),
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict { .. })) => {
            let error = form_errors(e)?.into_values().collect::<Vec<_>>().join("；");
            let year = chrono::Datelike::year(&state.db.clock().today());
            org_page(&state, &ctx, id, year, error).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "service/pledge_portal.html")]
struct PortalPage {
    csrf: String,
    year: i32,
    deadline: String,
    mine: Option<CommitmentView>,
    text: String,
    error: String,
    max: usize,
    fixed: bool,
}

async fn portal_page(state: &AppState, ctx: &Ctx, text: Option<String>, error: String) -> PageResult {
    let year = chrono::Datelike::year(&state.db.clock().today());
    let mine = ctx.scoped(&state.db).pledges().my_commitment(year).await?;
    let text = text.unwrap_or_else(|| mine.as_ref().and_then(|m| m.text.clone()).unwrap_or_default());
    let deadline = vanguard_domain::kernel::time::date_text(state.db.rules().pledges.deadline(year));
    let failed = !error.is_empty();
    let fixed = mine.as_ref().is_some_and(|m| m.state.as_deref() == Some("approved"));
    let mut res =
        render(&PortalPage { csrf: ctx.0.csrf_token.clone(), year, deadline, mine, text, error, max: COMMITMENT_MAX, fixed });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn portal(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    portal_page(&state, &ctx, None, String::new()).await
}

pub async fn portal_submit(State(state): State<AppState>, ctx: Ctx, Form(pairs): Form<Pairs>) -> PageResult {
    let text = one(&pairs, "text");
    match ctx.scoped(&state.db).pledges().write_commitment(&text).await {
        Ok(_) => Ok(see_other("/m/pledge?done=saved")),
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict { .. })) => {
            let error = form_errors(e)?.into_values().collect::<Vec<_>>().join("；");
            portal_page(&state, &ctx, Some(text), error).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "service/pledge_public.html")]
struct PublicPage {
    p: PublicPledges,
}

pub async fn public_html(State(state): State<AppState>, ClientIp(ip): ClientIp, Id(id): Id) -> PageResult {
    limit(ip)?;
    let p = public_page(&state.db, id).await?;
    Ok(render(&PublicPage { p }))
}
