//! 组织关系接转 pages. The workbench: 组织关系转接 (`/transfers`) with 待我办理, the
//! transfers sent from and addressed to the caller's subtree; initiating a member's
//! transfer from their page (`/members/{id}/transfer`, the receiving branch picked by name
//! in any district, or an org outside the city by name); the letter (`/transfers/{id}`,
//! a printable 介绍信 with its number, validity and 党费交至) with the actions the caller's
//! side may take. The portal: 我的组织关系转接 (`/m/transfer`).

use crate::AppState;
use crate::extract::{Ctx, Id, QueryParams};
use crate::org::tree::{OrgPicker, PickOption, PickerOptions};
use crate::shell::{FormState, PageResult, Shell, fmt_time, form_errors, render, see_other};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use std::collections::HashMap;
use vanguard_domain::affairs::dues::Month;
use vanguard_domain::affairs::transfer::{TransferInput, TransferState};
use vanguard_domain::kernel::paging::{Page, PageRequest};
use vanguard_store::account::lookup;
use vanguard_store::affairs::{TransferBox, TransferDecision, TransferView};
use vanguard_store::member::MemberView;

/// Small helpers for the templates.
pub struct Fmt;

impl Fmt {
    pub fn time(&self, ms: &i64) -> String {
        fmt_time(*ms)
    }
    pub fn month(&self, key: &str) -> String {
        Month::parse(key).map(|m| m.label()).unwrap_or_else(|| "无交纳记录".into())
    }
    pub fn badge(&self, state: &str) -> &'static str {
        match TransferState::from_code(state) {
            Some(TransferState::Completed | TransferState::Accepted) => "ok",
            Some(TransferState::Refused | TransferState::Returned | TransferState::Expired) => "bad",
            _ => "warn",
        }
    }
}

#[derive(Template)]
#[template(path = "affairs/transfer_list.html")]
struct ListPage {
    shell: Shell,
    f: Fmt,
    awaiting: Vec<TransferView>,
    outgoing: Page<TransferView>,
    incoming: Page<TransferView>,
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let t = ctx.scoped(&state.db).transfers();
    let awaiting = t.awaiting_me().await?;
    let outgoing = t.list(TransferBox::Outgoing, None, &PageRequest::first(50)).await?;
    let incoming = t.list(TransferBox::Incoming, None, &PageRequest::first(50)).await?;
    let shell = Shell::new(&state, &ctx, "transfers").await;
    Ok(render(&ListPage { shell, f: Fmt, awaiting, outgoing, incoming }))
}

// ---- Initiating ------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "affairs/transfer_new.html")]
struct NewPage {
    shell: Shell,
    member: MemberView,
    picker: OrgPicker,
    form: FormState,
    in_city_days: u32,
    out_of_city_days: u32,
    max_days: u32,
}

/// Branches a picker offers at once.
const PICK_LIMIT: u32 = 20;

/// The receiving branch is chosen by name among the open orgs of every district (names
/// and paths only, as the account administrator's picker).
async fn picker(state: &AppState, q: &str, chosen: Option<i64>) -> Result<OrgPicker, vanguard_store::StoreError> {
    let found = lookup::find_orgs(&state.db, q, &PageRequest::first(PICK_LIMIT)).await?.items;
    let mut options: Vec<PickOption> = found
        .into_iter()
        .filter(|o| o.kind_label.contains("支部"))
        .map(|o| PickOption { chosen: Some(o.id) == chosen, id: o.id, name: o.name, kind_label: o.kind_label, within: o.within })
        .collect();
    if let Some(c) = chosen.filter(|c| !options.iter().any(|o| o.id == *c))
        && let Some(o) = lookup::find_org(&state.db, c).await?
    {
        options.insert(0, PickOption { chosen: true, id: o.id, name: o.name, kind_label: o.kind_label, within: o.within });
    }
    Ok(OrgPicker {
        source: "/transfers/pick-org",
        name: "to_org_id",
        purpose: "transfer",
        legend: "接收党支部（平台内，可跨区县；转往市外的请留空并填写下方名称）",
        none_label: Some("不选（转往市外）"),
        except: None,
        q: q.trim().to_string(),
        none_chosen: chosen.is_none(),
        options,
    })
}

async fn new_page(state: &AppState, ctx: &Ctx, member_id: i64, form: FormState) -> PageResult {
    let member = ctx.scoped(&state.db).members().member(member_id).await?;
    let chosen = form.v.get("to_org_id").and_then(|v| v.trim().parse().ok());
    let picker = picker(state, form.v.get("pick_q").map(String::as_str).unwrap_or(""), chosen).await?;
    let rules = state.db.rules().transfer.clone();
    let failed = !form.errors.is_empty();
    let shell = Shell::new(state, ctx, "transfers").await;
    let mut res = render(&NewPage {
        shell,
        member,
        picker,
        form,
        in_city_days: rules.in_city_days,
        out_of_city_days: rules.out_of_city_days,
        max_days: rules.max_days,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn new_form(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    new_page(&state, &ctx, id, FormState::new(HashMap::new())).await
}

pub async fn initiate(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(v): Form<HashMap<String, String>>) -> PageResult {
    let get = |k: &str| v.get(k).cloned().unwrap_or_default();
    let input = TransferInput {
        member_id: id,
        to_org_id: get("to_org_id").trim().parse().unwrap_or(0),
        to_external: get("to_external"),
        valid_days: get("valid_days"),
        reason: get("reason"),
    };
    match ctx.scoped(&state.db).transfers().initiate(&input).await {
        Ok(t) => Ok(see_other(&format!("/transfers/{}?done=transfer_initiated", t.id))),
        Err(e) => {
            let errors = form_errors(e)?;
            new_page(&state, &ctx, id, FormState::with_errors(v, errors)).await
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams, Default)]
#[serde(default)]
pub struct TransferPickQuery {
    pub pick_q: String,
    pub to_org_id: Option<String>,
}

/// The receiving branch picker's options for a search.
pub async fn pick_org(State(state): State<AppState>, QueryParams(q): QueryParams<TransferPickQuery>) -> PageResult {
    let chosen = q.to_org_id.as_deref().and_then(|v| v.trim().parse().ok());
    Ok(render(&PickerOptions { picker: picker(&state, &q.pick_q, chosen).await? }))
}

// ---- The letter and its actions ----------------------------------------------------------

#[derive(Template)]
#[template(path = "affairs/transfer_letter.html")]
struct LetterPage {
    shell: Shell,
    f: Fmt,
    t: TransferView,
    sender: bool,
    receiver: bool,
    /// Actions the caller's side may take now: (code, label, needs a reason).
    actions: Vec<(&'static str, &'static str, bool)>,
    error: String,
}

fn actions_for(t: &TransferView, sender: bool, receiver: bool, me: i64) -> Vec<(&'static str, &'static str, bool)> {
    let state = TransferState::from_code(&t.state);
    let out_of_city = t.reach == "out_of_city";
    let mut a = Vec::new();
    match state {
        Some(TransferState::Initiated) if sender => {
            if t.initiated_by != me {
                a.push(("approve", "转出审批同意，开具介绍信", false));
                a.push(("return", "退回", true));
            }
            a.push(("withdraw", "撤回", false));
        }
        Some(TransferState::InTransit) => {
            if receiver {
                a.push(("accept", "接收", false));
                a.push(("refuse", "拒接", true));
            }
            if sender {
                if out_of_city {
                    a.push(("receipt", "回执已收到（转出完成）", false));
                }
                a.push(("withdraw", "撤回", false));
            }
        }
        Some(TransferState::Expired) if sender => {
            a.push(("reissue", "重新开具介绍信", false));
            a.push(("withdraw", "撤回", false));
        }
        Some(TransferState::Accepted) if sender => a.push(("receipt", "回执已收到", false)),
        _ => {}
    }
    a
}

async fn letter_page(state: &AppState, ctx: &Ctx, id: i64, error: String) -> PageResult {
    let t = ctx.scoped(&state.db).transfers().transfer(id).await?;
    let scope = &ctx.0.scope;
    let (sender, receiver) = (t.sender_is(scope), t.receiver_is(scope));
    let actions = actions_for(&t, sender, receiver, scope.actor.account_id);
    let failed = !error.is_empty();
    let shell = Shell::new(state, ctx, "transfers").await;
    let mut res = render(&LetterPage { shell, f: Fmt, t, sender, receiver, actions, error });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn letter(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    letter_page(&state, &ctx, id, String::new()).await
}

pub async fn act(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(v): Form<HashMap<String, String>>) -> PageResult {
    let get = |k: &str| v.get(k).cloned().unwrap_or_default();
    let input = TransferDecision { action: get("action"), note: get("note"), valid_days: get("valid_days") };
    match ctx.scoped(&state.db).transfers().decide(id, &input).await {
        Ok(_) => Ok(see_other(&format!("/transfers/{id}?done=transfer_done"))),
        Err(e) => {
            let error = form_errors(e)?.into_values().collect::<Vec<_>>().join("；");
            letter_page(&state, &ctx, id, error).await
        }
    }
}

// ---- The portal --------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "affairs/transfer_portal.html")]
struct PortalPage {
    csrf: String,
    f: Fmt,
    transfers: Vec<TransferView>,
}

pub async fn mine(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let transfers = ctx.scoped(&state.db).transfers().mine().await?;
    Ok(render(&PortalPage { csrf: ctx.0.csrf_token.clone(), f: Fmt, transfers }))
}
