//! 党费 pages. The workbench: a branch's bills of a month with who paid and who did not,
//! generating the month's bills, a cash payment in one click; a member's dues with the
//! base, a payment by the member, an entrusted person or in cash, and reversals. The
//! portal (我的党费): the member's bills, paying online through the gateway, the history.

use super::api::month_or;
use super::gateway::{PaymentGateway, SimulatedGateway, apply, gateway_for};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Ctx, Id, QueryParams};
use crate::shell::{FormState, PageResult, Shell, fmt_time, form_errors, render, see_other};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use std::collections::HashMap;
use vanguard_domain::affairs::dues::{BaseInput, DuesCategory, Month, Payer, PaymentInput};
use vanguard_domain::affairs::dues_relief::ReliefInput;
use vanguard_domain::kernel::money::yuan;
use vanguard_domain::kernel::paging::{Page, PageRequest};
use vanguard_store::affairs::{BillView, DuesReport, MemberDues, OrderView, ReliefView};
use vanguard_store::org::OrgView;

pub(super) type Pairs = Vec<(String, String)>;

pub(super) fn one(pairs: &Pairs, key: &str) -> String {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default()
}

fn all(pairs: &Pairs, key: &str) -> Vec<String> {
    pairs.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).take(24).collect()
}

/// A store error's messages in one line for the top of a page, or a page error.
fn summary_of(e: vanguard_store::StoreError) -> Result<String, crate::shell::PageError> {
    Ok(form_errors(e)?.into_values().collect::<Vec<_>>().join("；"))
}

/// A fresh idempotency key for a payment form: a repeated submit of the same form
/// records once.
fn form_key() -> String {
    format!("form-{:032x}", rand::random::<u128>())
}

fn payment_input(pairs: &Pairs) -> PaymentInput {
    PaymentInput {
        months: all(pairs, "months"),
        voluntary: one(pairs, "voluntary"),
        payer: one(pairs, "payer"),
        payer_name: one(pairs, "payer_name"),
    }
}

/// Money in 元 for the templates.
pub struct Yuan;

impl Yuan {
    pub fn of(&self, fen: &i64) -> String {
        yuan(*fen)
    }
    pub fn rate(&self, permille: &Option<i64>) -> String {
        permille.map(|p| format!("{}.{}%", p / 10, p % 10)).unwrap_or_else(|| "—".into())
    }
    pub fn month(&self, key: impl AsRef<str>) -> String {
        let key = key.as_ref();
        Month::parse(key).map(|m| m.label()).unwrap_or_else(|| key.to_string())
    }
    pub fn time(&self, ms: &i64) -> String {
        fmt_time(*ms)
    }
}

// ---- The branch's month ----------------------------------------------------------------

#[derive(Template)]
#[template(path = "affairs/branch.html")]
struct BranchPage {
    shell: Shell,
    y: Yuan,
    org: OrgView,
    month: String,
    month_label: String,
    prev: String,
    next: String,
    status: String,
    page: Page<BillView>,
    report: DuesReport,
    /// 减免 applications waiting for the caller (待我审批).
    reliefs: Vec<ReliefView>,
    error: String,
    key: String,
}

/// `?month=2026-07&status=unpaid`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct MonthQuery {
    pub month: String,
    pub status: String,
}

async fn branch_page(state: &AppState, ctx: &Ctx, id: i64, q: &MonthQuery, error: String) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    let dues = scoped.dues();
    let month = month_or(&q.month, dues.current_month())?;
    let org = scoped.orgs().org_view(id).await?;
    let filter = super::api::BillQuery { month: month.key(), status: q.status.clone() }.filter();
    let page = dues.bills(id, month, filter, &PageRequest::first(200)).await?;
    let report = dues.report(id, month, month).await?;
    let reliefs = dues.reliefs_awaiting_me().await?;
    let shell = Shell::new(state, ctx, "org").await;
    let failed = !error.is_empty();
    let mut res = render(&BranchPage {
        shell,
        y: Yuan,
        org,
        month: month.key(),
        month_label: month.label(),
        prev: month.plus(-1).key(),
        next: month.plus(1).key(),
        status: q.status.clone(),
        page,
        report,
        reliefs,
        error,
        key: form_key(),
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn branch(State(state): State<AppState>, ctx: Ctx, Id(id): Id, QueryParams(q): QueryParams<MonthQuery>) -> PageResult {
    branch_page(&state, &ctx, id, &q, String::new()).await
}

pub async fn generate(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(pairs): Form<Pairs>) -> PageResult {
    let month = one(&pairs, "month");
    match ctx.scoped(&state.db).dues().generate_bills(id, &month).await {
        Ok(_) => Ok(see_other(&format!("/orgs/{id}/dues?month={}&done=dues_bills", month.trim()))),
        Err(e) => {
            let error = summary_of(e)?;
            let q =
                MonthQuery { month: if Month::parse(&month).is_some() { month } else { String::new() }, status: String::new() };
            branch_page(&state, &ctx, id, &q, error).await
        }
    }
}

// ---- A member's dues -------------------------------------------------------------------

#[derive(Template)]
#[template(path = "affairs/member.html")]
struct MemberPage {
    shell: Shell,
    y: Yuan,
    d: MemberDues,
    categories: Vec<(&'static str, &'static str)>,
    payers: Vec<(&'static str, &'static str)>,
    base_form: FormState,
    pay_form: FormState,
    summary: String,
    key: String,
}

impl MemberPage {
    fn checked(&self, month: &str) -> bool {
        self.pay_form.v.get("months").is_some_and(|m| m.split(',').any(|x| x == month))
    }
}

async fn member_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    base_form: FormState,
    pay_form: FormState,
    summary: String,
) -> PageResult {
    let d = ctx.scoped(&state.db).dues().member_dues(id).await?;
    let shell = Shell::new(state, ctx, "roster").await;
    let failed = !summary.is_empty() || !base_form.errors.is_empty() || !pay_form.errors.is_empty();
    let mut res = render(&MemberPage {
        shell,
        y: Yuan,
        d,
        categories: DuesCategory::ALL.iter().map(|c| (c.code(), c.label())).collect(),
        payers: [Payer::Cash, Payer::Member, Payer::Entrusted].iter().map(|p| (p.code(), p.label())).collect(),
        base_form,
        pay_form,
        summary,
        key: form_key(),
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn member(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    member_page(&state, &ctx, id, FormState::default(), FormState::default(), String::new()).await
}

pub async fn set_base(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(pairs): Form<Pairs>) -> PageResult {
    let input = BaseInput {
        category: one(&pairs, "category"),
        base: one(&pairs, "base"),
        fixed: one(&pairs, "fixed"),
        from_month: one(&pairs, "from_month"),
        quarterly: one(&pairs, "quarterly") == "on",
    };
    match ctx.scoped(&state.db).dues().set_base(id, &input).await {
        Ok(_) => Ok(see_other(&format!("/members/{id}/dues?done=dues_base"))),
        Err(e) => {
            let errors = form_errors(e)?;
            let v = HashMap::from([
                ("category".to_string(), input.category),
                ("base".to_string(), input.base),
                ("fixed".to_string(), input.fixed),
                ("from_month".to_string(), input.from_month),
                ("quarterly".to_string(), if input.quarterly { "on".into() } else { String::new() }),
            ]);
            member_page(&state, &ctx, id, FormState::with_errors(v, errors), FormState::default(), "核定基数未保存".into()).await
        }
    }
}

pub async fn pay(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(pairs): Form<Pairs>) -> PageResult {
    let input = payment_input(&pairs);
    let key = one(&pairs, "key");
    // A one-click cash payment from the branch's month returns there.
    let back = one(&pairs, "from_org").parse::<i64>().ok().map(|org| {
        let month = input.months.first().cloned().unwrap_or_default();
        format!("/orgs/{org}/dues?month={}&done=dues_paid", if Month::parse(&month).is_some() { month } else { String::new() })
    });
    match ctx.scoped(&state.db).dues().record_payment(id, &input, &key).await {
        Ok(_) => Ok(see_other(&back.unwrap_or_else(|| format!("/members/{id}/dues?done=dues_paid")))),
        Err(e) => {
            let errors = form_errors(e)?;
            let v = HashMap::from([
                ("months".to_string(), input.months.join(",")),
                ("voluntary".to_string(), input.voluntary),
                ("payer".to_string(), input.payer),
                ("payer_name".to_string(), input.payer_name),
            ]);
            member_page(&state, &ctx, id, FormState::default(), FormState::with_errors(v, errors), "交纳未登记".into()).await
        }
    }
}

pub async fn reverse(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(pairs): Form<Pairs>) -> PageResult {
    let member = one(&pairs, "member_id").parse::<i64>().ok();
    match ctx.scoped(&state.db).dues().reverse(id, &one(&pairs, "reason")).await {
        Ok(e) => Ok(see_other(&format!("/members/{}/dues?done=dues_reversed", e.member_id))),
        Err(e) => {
            let summary = summary_of(e)?;
            match member {
                Some(m) => member_page(&state, &ctx, m, FormState::default(), FormState::default(), summary).await,
                None => Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "dues.reverse", summary).into()),
            }
        }
    }
}

fn relief_input(pairs: &Pairs) -> ReliefInput {
    ReliefInput {
        from_month: one(pairs, "from_month"),
        to_month: one(pairs, "to_month"),
        amount: one(pairs, "amount"),
        reason: one(pairs, "reason"),
    }
}

pub async fn apply_relief(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(pairs): Form<Pairs>) -> PageResult {
    let input = relief_input(&pairs);
    match ctx.scoped(&state.db).dues().apply_relief(id, &input).await {
        Ok(_) => Ok(see_other(&format!("/members/{id}/dues?done=dues_relief"))),
        Err(e) => {
            let summary = summary_of(e)?;
            member_page(&state, &ctx, id, FormState::default(), FormState::default(), format!("减免申请未提交：{summary}")).await
        }
    }
}

/// The branch's study or the parent's approval of a 减免 application; back to the org's
/// dues page it was decided from.
pub async fn decide_relief(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(pairs): Form<Pairs>) -> PageResult {
    let approve = one(&pairs, "decision") == "approve";
    ctx.scoped(&state.db).dues().decide_relief(id, approve, &one(&pairs, "note")).await?;
    Ok(see_other(&match one(&pairs, "org_id").parse::<i64>() {
        Ok(org) => format!("/orgs/{org}/dues?done=dues_relief_decided"),
        Err(_) => "/?done=dues_relief_decided".to_string(),
    }))
}

// ---- The portal ------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "affairs/portal.html")]
struct PortalPage {
    csrf: String,
    y: Yuan,
    d: MemberDues,
    /// The unpaid months that may still be paid (补交 at most 6 months back).
    payable: Vec<String>,
    flash: Option<&'static str>,
    error: String,
}

async fn portal_page(state: &AppState, ctx: &Ctx, error: String) -> PageResult {
    let dues = ctx.scoped(&state.db).dues();
    let d = dues.my_dues().await?;
    let (now, window) = (dues.current_month(), state.db.rules().dues.makeup_months as i32);
    let payable = d
        .bills
        .iter()
        .filter(|b| !b.paid && Month::parse(&b.month).is_some_and(|m| now.since(m) <= window && m <= now.quarter_end()))
        .map(|b| b.month.clone())
        .collect();
    let failed = !error.is_empty();
    let flash = crate::middleware::current_flash();
    let mut res = render(&PortalPage { csrf: ctx.0.csrf_token.clone(), y: Yuan, d, payable, flash, error });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn my_dues(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    portal_page(&state, &ctx, String::new()).await
}

pub async fn my_pay(State(state): State<AppState>, ctx: Ctx, Form(pairs): Form<Pairs>) -> PageResult {
    let gateway = SimulatedGateway;
    match ctx.scoped(&state.db).dues().create_order(&payment_input(&pairs), gateway.name()).await {
        Ok(order) => Ok(see_other(&gateway.checkout_url(&order))),
        Err(e) => {
            let error = summary_of(e)?;
            portal_page(&state, &ctx, error).await
        }
    }
}

/// The member's own 减免 application from the portal; the branch studies it, then the
/// parent approves it (on the workbench).
pub async fn my_relief(State(state): State<AppState>, ctx: Ctx, Form(pairs): Form<Pairs>) -> PageResult {
    let me = ctx.0.scope.member_id.ok_or_else(ApiError::not_found)?;
    match ctx.scoped(&state.db).dues().apply_relief(me, &relief_input(&pairs)).await {
        Ok(_) => Ok(see_other("/m/dues?done=dues_relief")),
        Err(e) => {
            let summary = summary_of(e)?;
            portal_page(&state, &ctx, format!("减免申请未提交：{summary}")).await
        }
    }
}

#[derive(Template)]
#[template(path = "affairs/checkout.html")]
struct CheckoutPage {
    csrf: String,
    y: Yuan,
    order: OrderView,
    months: Vec<String>,
}

/// The simulated gateway's checkout: the amount, and 确认支付 or 取消.
pub async fn checkout(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    let order = ctx.scoped(&state.db).dues().order(id).await?;
    if order.state != "created" {
        return Ok(see_other("/m/dues"));
    }
    let months = order.months.split(',').filter(|m| !m.is_empty()).map(|m| Yuan.month(m)).collect();
    Ok(render(&CheckoutPage { csrf: ctx.0.csrf_token.clone(), y: Yuan, order, months }))
}

/// The simulated gateway's notification, sent by the payer's confirmation.
pub async fn checkout_notify(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(pairs): Form<Pairs>) -> PageResult {
    let dues = ctx.scoped(&state.db).dues();
    // Reach first: the order must be the caller's own.
    let order = dues.order(id).await?;
    let gateway = gateway_for(&order.gateway).ok_or_else(ApiError::not_found)?;
    let fields: HashMap<String, String> = pairs.into_iter().collect();
    let notice = gateway
        .notification(&fields)
        .filter(|n| n.order_id == id)
        .ok_or_else(|| ApiError::bad_request("dues.notification", "支付结果无法识别，请返回“我的党费”重新交纳"))?;
    let settled = apply(&dues, &notice).await?;
    Ok(see_other(if settled.state == "paid" { "/m/dues?done=dues_online" } else { "/m/dues?done=dues_cancelled" }))
}
