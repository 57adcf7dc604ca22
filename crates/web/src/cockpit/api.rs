//! 驾驶舱 and 预警/问题清单 routes: compliance rates with red/amber/green, children
//! ranked, the tree view, month-by-month trends, drill-down to branches and members,
//! the findings list and to-do list, and the .xlsx export of any cockpit view. Every
//! call goes through the caller's scope (out of reach: 404).

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Ctx, Id, Paged, QueryParams, YearParams};
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use vanguard_domain::kernel::auth::Permission;
use vanguard_domain::kernel::paging::Page;
use vanguard_store::cockpit::{BranchFigure, Cockpit, ExportRequest, FindingFilter, FindingView, Trend};
use vanguard_store::platform::audit::{self, Event};

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct PeriodQuery {
    /// `2026-10`, `2026-Q3`, `2026-H2` or `2026`; default: last month.
    pub period: Option<String>,
}

pub async fn overview(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    QueryParams(q): QueryParams<PeriodQuery>,
) -> ApiResult<Json<Cockpit>> {
    Ok(Json(ctx.scoped(&state.db).cockpit().overview(id, q.period.as_deref()).await?))
}

pub async fn tree(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    QueryParams(q): QueryParams<PeriodQuery>,
) -> ApiResult<Json<Cockpit>> {
    Ok(Json(ctx.scoped(&state.db).cockpit().cockpit_tree(id, q.period.as_deref()).await?))
}

pub async fn trend(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    QueryParams(q): QueryParams<YearParams>,
) -> ApiResult<Json<Trend>> {
    Ok(Json(ctx.scoped(&state.db).cockpit().cockpit_trend(id, q.year).await?))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct BranchQuery {
    /// A meeting rule code; default `orglife.theme_day`.
    pub rule: Option<String>,
    pub period: Option<String>,
    /// `false`: only those that fell short; `true`: only compliant ones; absent: all.
    pub compliant: Option<bool>,
}

pub async fn branches(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    QueryParams(q): QueryParams<BranchQuery>,
    Paged(page): Paged,
) -> ApiResult<Json<Page<BranchFigure>>> {
    let rule = q.rule.as_deref().filter(|r| !r.trim().is_empty()).unwrap_or("orglife.theme_day");
    Ok(Json(ctx.scoped(&state.db).cockpit().cockpit_branches(id, rule, q.period.as_deref(), q.compliant, &page).await?))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct MemberQuery {
    /// `member.no_org_life` (党章第九条) or `member.repeated_absence`; absent: both.
    pub rule: Option<String>,
}

pub async fn members(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    QueryParams(q): QueryParams<MemberQuery>,
    Paged(page): Paged,
) -> ApiResult<Json<Page<FindingView>>> {
    let rule = q.rule.as_deref().filter(|r| !r.trim().is_empty());
    Ok(Json(ctx.scoped(&state.db).cockpit().cockpit_members(id, rule, &page).await?))
}

pub async fn findings(
    State(state): State<AppState>,
    ctx: Ctx,
    QueryParams(f): QueryParams<FindingFilter>,
    Paged(page): Paged,
) -> ApiResult<Json<Page<FindingView>>> {
    Ok(Json(ctx.scoped(&state.db).cockpit().findings(&f, &page).await?))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct TodoQuery {
    /// Default: the caller's scope org.
    pub org_id: Option<i64>,
    pub limit: Option<u32>,
}

pub async fn todo(
    State(state): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<TodoQuery>,
) -> ApiResult<Json<Page<FindingView>>> {
    Ok(Json(ctx.scoped(&state.db).cockpit().todos(q.org_id, q.limit).await?))
}

pub async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    QueryParams(req): QueryParams<ExportRequest>,
) -> ApiResult<Response> {
    // Views that list members need the member-read permission too.
    if matches!(req.view.trim(), "members" | "findings" | "todo") && !ctx.0.scope.role.grants(Permission::MemberRead) {
        return Err(ApiError::forbidden());
    }
    let file = ctx.scoped(&state.db).cockpit().cockpit_export(id, &req).await?;
    let view = if req.view.trim().is_empty() { "overview" } else { req.view.trim() };
    // An export that cannot be audited is not handed out (security.md L5: fail closed).
    audit::record(
        &state.db,
        ctx.actor(),
        Event::ok("cockpit.export", format!("org:{id}")).detail(format!("{}（{view}）", file.filename)),
    )
    .await?;
    Ok(crate::download::xlsx(file.bytes, &file.filename, &format!("cockpit-{view}.xlsx")))
}

/// One 整改 step: `action` is `respond`, `accept`, `return` or `urge`.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct RectifyRequest {
    pub action: String,
    pub measure: String,
    pub explanation: String,
    pub evidence: String,
}

impl RectifyRequest {
    pub(crate) fn parts(
        &self,
    ) -> Result<(vanguard_domain::cockpit::rectify::RectifyAction, vanguard_domain::cockpit::rectify::RectifyInput), ApiError>
    {
        let action = vanguard_domain::cockpit::rectify::RectifyAction::parse(self.action.trim())
            .ok_or_else(|| ApiError::bad_request("rectify.action", "操作应为提交整改、整改通过、退回或督办"))?;
        let input = vanguard_domain::cockpit::rectify::RectifyInput {
            measure: self.measure.clone(),
            explanation: self.explanation.clone(),
            evidence: self.evidence.clone(),
        };
        Ok((action, input))
    }
}

pub async fn rectification(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
) -> ApiResult<Json<vanguard_store::cockpit::rectify::Rectification>> {
    Ok(Json(ctx.scoped(&state.db).cockpit().rectification(id).await?))
}

pub async fn rectify(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    crate::extract::JsonBody(r): crate::extract::JsonBody<RectifyRequest>,
) -> ApiResult<Json<vanguard_store::cockpit::rectify::Rectification>> {
    let (action, input) = r.parts()?;
    Ok(Json(ctx.scoped(&state.db).cockpit().rectify(id, action, &input).await?))
}
