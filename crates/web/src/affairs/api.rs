//! 党费 JSON API (`/api/v1/dues/…`): bases, bills, payments (with an `Idempotency-Key`),
//! reversals, the report, and the member's own dues and online orders. Every call goes
//! through the caller's scope; the store checks reach before reading the input.

use super::gateway::{PaymentGateway, SimulatedGateway};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Ctx, Id, JsonBody, Paged, QueryParams};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use vanguard_domain::affairs::dues::{BaseInput, Month, PaymentInput};
use vanguard_domain::affairs::dues_relief::ReliefInput;
use vanguard_domain::kernel::paging::Page;
use vanguard_store::affairs::{
    BaseView, BillFilter, BillView, DuesReport, EntryView, GenerateOutcome, MemberDues, OrderView, Receipt, ReliefView,
};

/// `?month=2026-07&status=unpaid`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct BillQuery {
    /// Default: this month.
    pub month: String,
    /// `paid`, `unpaid` or empty (all).
    pub status: String,
}

impl BillQuery {
    pub fn filter(&self) -> BillFilter {
        match self.status.as_str() {
            "paid" => BillFilter::Paid,
            "unpaid" => BillFilter::Unpaid,
            _ => BillFilter::All,
        }
    }
}

/// A month from a query, or `default` when none is given.
pub fn month_or(text: &str, default: Month) -> ApiResult<Month> {
    if text.trim().is_empty() {
        return Ok(default);
    }
    Month::parse(text).ok_or_else(|| ApiError::bad_request("dues.month", "月份应写成 2026-07 的形式"))
}

pub async fn bills(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(org_id): Id,
    QueryParams(q): QueryParams<BillQuery>,
    Paged(page): Paged,
) -> ApiResult<Json<Page<BillView>>> {
    let dues = ctx.scoped(&state.db).dues();
    let month = month_or(&q.month, dues.current_month())?;
    Ok(Json(dues.bills(org_id, month, q.filter(), &page).await?))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct GenerateBills {
    /// The month to bill, `2026-07` (at the latest the current quarter's last month).
    pub month: String,
}

pub async fn generate_bills(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(org_id): Id,
    JsonBody(b): JsonBody<GenerateBills>,
) -> ApiResult<Json<GenerateOutcome>> {
    Ok(Json(ctx.scoped(&state.db).dues().generate_bills(org_id, &b.month).await?))
}

/// `?from=2026-01&to=2026-12` (default: this year up to this month).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct ReportQuery {
    pub from: String,
    pub to: String,
}

impl ReportQuery {
    /// The months asked for: `to` defaults to `now`, `from` to January of `to`'s year.
    pub fn range(&self, now: Month) -> ApiResult<(Month, Month)> {
        let to = month_or(&self.to, now)?;
        Ok((month_or(&self.from, to.plus(1 - to.month() as i32))?, to))
    }
}

pub async fn report(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(org_id): Id,
    QueryParams(q): QueryParams<ReportQuery>,
) -> ApiResult<Json<DuesReport>> {
    let dues = ctx.scoped(&state.db).dues();
    let (from, to) = q.range(dues.current_month())?;
    Ok(Json(dues.report(org_id, from, to).await?))
}

/// The report as an .xlsx workbook (same query as the JSON report).
pub async fn report_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(org_id): Id,
    QueryParams(q): QueryParams<ReportQuery>,
) -> ApiResult<axum::response::Response> {
    let dues = ctx.scoped(&state.db).dues();
    let (from, to) = q.range(dues.current_month())?;
    let (bytes, filename) = dues.report_xlsx(org_id, from, to).await?;
    Ok(crate::download::xlsx(bytes, &filename, "dues-report.xlsx"))
}

pub async fn member_dues(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<MemberDues>> {
    Ok(Json(ctx.scoped(&state.db).dues().member_dues(id).await?))
}

pub async fn set_base(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<BaseInput>,
) -> ApiResult<Json<BaseView>> {
    Ok(Json(ctx.scoped(&state.db).dues().set_base(id, &b).await?))
}

/// The request's `Idempotency-Key` header (empty when absent; the store refuses that).
fn idempotency_key(headers: &HeaderMap) -> String {
    headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

/// Records a payment; 201 with the receipt, or 200 with the first receipt when the same
/// `Idempotency-Key` was recorded before.
pub async fn record_payment(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    headers: HeaderMap,
    JsonBody(b): JsonBody<PaymentInput>,
) -> ApiResult<(StatusCode, Json<Receipt>)> {
    let r = ctx.scoped(&state.db).dues().record_payment(id, &b, &idempotency_key(&headers)).await?;
    Ok((if r.replayed { StatusCode::OK } else { StatusCode::CREATED }, Json(r)))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Reversal {
    /// 冲正原因.
    pub reason: String,
}

pub async fn reverse(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<Reversal>,
) -> ApiResult<Json<EntryView>> {
    Ok(Json(ctx.scoped(&state.db).dues().reverse(id, &b.reason).await?))
}

pub async fn my_dues(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Json<MemberDues>> {
    Ok(Json(ctx.scoped(&state.db).dues().my_dues().await?))
}

/// Starts an online payment of the caller's own dues with the local gateway: the order
/// and where to pay it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Checkout {
    pub order: OrderView,
    pub checkout_url: String,
}

pub async fn create_order(
    State(state): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<PaymentInput>,
) -> ApiResult<(StatusCode, Json<Checkout>)> {
    let gateway = SimulatedGateway;
    let order = ctx.scoped(&state.db).dues().create_order(&b, gateway.name()).await?;
    let checkout_url = gateway.checkout_url(&order);
    Ok((StatusCode::CREATED, Json(Checkout { order, checkout_url })))
}

// ---- 减免 --------------------------------------------------------------------------------

/// The branch records a member's application for 少交/免交.
pub async fn apply_relief(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<ReliefInput>,
) -> ApiResult<(StatusCode, Json<ReliefView>)> {
    Ok((StatusCode::CREATED, Json(ctx.scoped(&state.db).dues().apply_relief(id, &b).await?)))
}

/// A member applies for 少交/免交 of their own dues.
pub async fn apply_my_relief(
    State(state): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<ReliefInput>,
) -> ApiResult<(StatusCode, Json<ReliefView>)> {
    let me = ctx.0.scope.member_id.ok_or_else(ApiError::not_found)?;
    Ok((StatusCode::CREATED, Json(ctx.scoped(&state.db).dues().apply_relief(me, &b).await?)))
}

pub async fn reliefs(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Json<Vec<ReliefView>>> {
    Ok(Json(ctx.scoped(&state.db).dues().reliefs_awaiting_me().await?))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ReliefDecision {
    pub approve: bool,
    /// 不同意的理由 (required when not approving).
    pub note: String,
}

pub async fn decide_relief(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<ReliefDecision>,
) -> ApiResult<Json<ReliefView>> {
    Ok(Json(ctx.scoped(&state.db).dues().decide_relief(id, b.approve, &b.note).await?))
}
