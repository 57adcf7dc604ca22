//! 党员 pages: the roster (花名册), the member page with history, the forms, the
//! history archive (历史库), and the audited reveal of sensitive fields.

use crate::AppState;
use crate::extract::{Ctx, Id, Paged, QueryParams};
use crate::shell::FormValues;
use crate::shell::{FormState, PageResult, Pager, Shell, fmt_time, form_errors, render, see_other};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse};
use serde::Deserialize;
use std::collections::HashMap;
use vanguard_domain::kernel::auth::Permission;
use vanguard_domain::kernel::paging::Page;
use vanguard_domain::member::{Category, ETHNICITIES, Education, Flow, LeaveReason, MemberInput, PartyStatus, field_label};
use vanguard_store::member::{HistoryEntry, Leave, MemberFilter, MemberSummary, MemberView, NewMember, SensitiveField};
use vanguard_store::org::OrgView;

/// A roster line as shown.
pub struct RosterLine {
    pub m: MemberSummary,
    pub category: &'static str,
    pub status: &'static str,
    pub flow: &'static str,
    /// 减少原因 as a label (the stored code is never shown).
    pub left_reason: &'static str,
}

#[derive(Template)]
#[template(path = "member/roster.html")]
struct RosterPage {
    shell: Shell,
    table: RosterTable,
    table_html: String,
    /// Where 新增党员 adds (the filtered org or the caller's scope org), for writers.
    add_to: Option<i64>,
}

#[derive(Template)]
#[template(path = "member/roster_table.html")]
struct RosterTable {
    f: MemberFilter,
    org: Option<OrgView>,
    lines: Vec<RosterLine>,
    pager: Pager,
    query: String,
    archived: bool,
    can_export: bool,
}

impl RosterTable {
    /// The current filters as a query string, with one key replaced (the page always
    /// starts again at the first).
    fn with(&self, key: &str, value: &str) -> String {
        let mut parts: Vec<(String, String)> = filter_params(&self.f)
            .into_iter()
            .filter(|(k, v)| *k != key && !v.is_empty())
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        if !value.is_empty() {
            parts.push((key.to_string(), value.to_string()));
        }
        serde_urlencoded::to_string(&parts).unwrap_or_default()
    }
}

/// The roster's filters as query parameters (empty: not set).
fn filter_params(f: &MemberFilter) -> Vec<(&'static str, String)> {
    vec![
        ("org_id", f.org_id.map(|x| x.to_string()).unwrap_or_default()),
        ("q", f.q.clone()),
        ("category", f.category.clone()),
        ("party_status", f.party_status.clone()),
        ("flow", f.flow.clone()),
        ("lost", if f.lost == Some(true) { "true".into() } else { String::new() }),
        ("archived", if f.archived == Some(true) { "true".into() } else { String::new() }),
        ("sort", f.sort.clone()),
    ]
}

/// Accepts the roster's query string leniently: empty values mean "no filter".
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct RosterParams {
    pub org_id: String,
    pub q: String,
    pub category: String,
    pub party_status: String,
    pub flow: String,
    pub lost: String,
    pub archived: String,
    pub sort: String,
}

impl RosterParams {
    fn filter(&self) -> MemberFilter {
        MemberFilter {
            org_id: self.org_id.trim().parse().ok(),
            q: self.q.trim().to_string(),
            category: self.category.clone(),
            party_status: self.party_status.clone(),
            flow: self.flow.clone(),
            lost: (self.lost == "true" || self.lost == "on").then_some(true),
            archived: (self.archived == "true").then_some(true),
            sort: self.sort.clone(),
        }
    }
}

pub async fn roster(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    QueryParams(q): QueryParams<RosterParams>,
    Paged(req): Paged,
) -> PageResult {
    let f = q.filter();
    let scoped = ctx.scoped(&state.db);
    let org = match f.org_id {
        Some(id) => Some(scoped.orgs().org_view(id).await?),
        None => None,
    };
    let mut p: Page<MemberSummary> = scoped.members().list_members(&f, &req).await?;
    let pager = Pager::new(&p, "/members", &filter_params(&f));
    let lines = std::mem::take(&mut p.items)
        .into_iter()
        .map(|mut m| RosterLine {
            left_reason: m.left_reason.take().and_then(|r| LeaveReason::from_code(&r)).map(LeaveReason::label).unwrap_or(""),
            category: Category::from_code(&m.category).map(Category::label).unwrap_or(""),
            status: PartyStatus::from_code(&m.party_status).map(PartyStatus::label).unwrap_or(""),
            flow: Flow::from_code(&m.flow).map(Flow::label).unwrap_or(""),
            m,
        })
        .collect();
    let archived = f.archived == Some(true);
    let table = RosterTable {
        pager,
        lines,
        org,
        query: String::new(),
        archived,
        can_export: ctx.0.scope.role.grants(Permission::MemberRead),
        f,
    };
    let table = RosterTable { query: table.with("", ""), ..table };
    // htmx asks for the table only when filters change.
    if headers.contains_key("hx-request") && headers.get("hx-target").is_some_and(|v| v == "roster") {
        return Ok(render(&table));
    }
    let shell = Shell::new(&state, &ctx, if archived { "archive" } else { "roster" }).await;
    let table_html =
        table.render().map_err(|e| crate::shell::PageError(crate::error::ApiError::bad_request("render", e.to_string())))?;
    let add_to = (ctx.0.scope.role.grants(Permission::MemberWrite) && !archived)
        .then(|| table.f.org_id.or(shell.tree_root.as_ref().map(|r| r.0)))
        .flatten();
    Ok(render(&RosterPage { shell, table, table_html, add_to }))
}

/// A history line as shown.
pub struct HistoryLine {
    pub at: String,
    pub actor: String,
    pub field: &'static str,
    pub old: String,
    pub new: String,
}

#[derive(Template)]
#[template(path = "member/member.html")]
struct MemberPage {
    shell: Shell,
    m: MemberView,
    group: Option<String>,
    history: Vec<HistoryLine>,
    attendance: Vec<vanguard_store::orglife::MyAttendance>,
    attendance_total: u64,
    /// Open findings about the member (预警), with their 整改 links.
    findings: Vec<vanguard_store::cockpit::FindingView>,
    can_write: bool,
    can_restore: bool,
    can_reveal: bool,
}

fn changes(h: Vec<HistoryEntry>) -> Vec<HistoryLine> {
    h.into_iter()
        .map(|e| HistoryLine {
            at: fmt_time(e.at),
            actor: e.actor_name,
            field: field_label(&e.field),
            old: e.old_value,
            new: e.new_value,
        })
        .collect()
}

pub async fn detail(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    let m = scoped.members().member(id).await?;
    let history = changes(scoped.members().member_history(id).await?);
    let group = match m.group_id {
        Some(g) => groups(&state, &ctx, m.org_id).await.into_iter().find(|(id, _)| *id == g).map(|(_, n)| n),
        None => None,
    };
    let attendance = scoped.orglife().member_attendance(id, &vanguard_domain::kernel::paging::PageRequest::first(10)).await?;
    let f = vanguard_store::cockpit::FindingFilter {
        org_id: Some(m.org_id),
        subject: Some("member".into()),
        status: Some("open".into()),
        ..Default::default()
    };
    let findings = scoped
        .cockpit()
        .findings(&f, &vanguard_domain::kernel::paging::PageRequest::first(200))
        .await
        .map(|p| p.items.into_iter().filter(|x| x.subject_id == id).collect())
        .unwrap_or_default();
    let role = ctx.0.scope.role;
    let shell = Shell::new(&state, &ctx, if m.archived { "archive" } else { "roster" }).await;
    Ok(render(&MemberPage {
        findings,
        shell,
        can_write: role.grants(Permission::MemberWrite) && !m.archived,
        can_restore: role.grants(Permission::MemberWrite) && m.archived,
        can_reveal: role.grants(Permission::MemberReveal),
        m,
        group,
        history,
        attendance_total: attendance.total.unwrap_or(0),
        attendance: attendance.items,
    }))
}

#[derive(Deserialize)]
pub struct RevealForm {
    pub field: SensitiveField,
}

pub async fn reveal(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(f): Form<RevealForm>) -> PageResult {
    let value = ctx.scoped(&state.db).members().reveal(id, f.field).await?;
    let text = value.unwrap_or_else(|| "（未填写）".into());
    let escaped = text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    Ok(Html(format!("<span class=\"masked\" title=\"已记入审计日志\">{escaped}</span>")).into_response())
}

#[derive(Template)]
#[template(path = "member/form.html")]
struct MemberForm {
    shell: Shell,
    title: String,
    action: String,
    cancel: String,
    creating: bool,
    form: FormState,
    groups: Vec<(i64, String)>,
    ethnicities: &'static [&'static str],
    educations: Vec<(&'static str, &'static str)>,
    categories: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    flows: Vec<(&'static str, &'static str)>,
}

impl MemberForm {
    fn new(shell: Shell, title: String, action: String, cancel: String, creating: bool, v: FormValues) -> Self {
        MemberForm {
            shell,
            title,
            action,
            cancel,
            creating,
            form: FormState::new(v),
            groups: Vec::new(),
            ethnicities: &ETHNICITIES,
            educations: Education::ALL.iter().map(|e| (e.code(), e.label())).collect(),
            categories: Category::ALL.iter().map(|e| (e.code(), e.label())).collect(),
            statuses: PartyStatus::ALL.iter().map(|e| (e.code(), e.label())).collect(),
            flows: Flow::ALL.iter().map(|e| (e.code(), e.label())).collect(),
        }
    }
}

fn input_from(v: &FormValues) -> MemberInput {
    let g = |k: &str| v.get(k).map(|s| s.trim().to_string());
    MemberInput {
        name: g("name"),
        gender: g("gender"),
        ethnicity: g("ethnicity"),
        birth_date: g("birth_date"),
        id_number: g("id_number"),
        education: g("education"),
        phone: g("phone"),
        joined_on: g("joined_on"),
        confirmed_on: g("confirmed_on"),
        category: g("category"),
        party_status: g("party_status"),
        work_unit: g("work_unit"),
        residence: g("residence"),
        flow: g("flow"),
        flow_place: g("flow_place"),
        lost_contact_since: g("lost_contact_since"),
    }
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct NewMemberQuery {
    pub org_id: String,
}

async fn groups(state: &AppState, ctx: &Ctx, org_id: i64) -> Vec<(i64, String)> {
    ctx.scoped(&state.db)
        .orgs()
        .groups_of(org_id)
        .await
        .map(|g| g.into_iter().map(|o| (o.id, o.name)).collect())
        .unwrap_or_default()
}

pub async fn new_form(State(state): State<AppState>, ctx: Ctx, QueryParams(q): QueryParams<NewMemberQuery>) -> PageResult {
    let org_id: i64 = q.org_id.trim().parse().unwrap_or(0);
    let org = ctx.scoped(&state.db).orgs().org_view(org_id).await?;
    let shell = Shell::new(&state, &ctx, "roster").await;
    let mut v = FormValues::from([
        ("org_id".to_string(), org_id.to_string()),
        ("category".into(), "formal".into()),
        ("ethnicity".into(), "汉族".into()),
    ]);
    v.insert("flow".into(), "none".into());
    let mut form =
        MemberForm::new(shell, format!("在“{}”新增党员", org.name), "/members/new".into(), format!("/orgs/{org_id}"), true, v);
    form.groups = groups(&state, &ctx, org_id).await;
    Ok(render(&form))
}

pub async fn new_submit(State(state): State<AppState>, ctx: Ctx, Form(v): Form<FormValues>) -> PageResult {
    let org_id: i64 = v.get("org_id").and_then(|s| s.trim().parse().ok()).unwrap_or(0);
    let group_id = v.get("group_id").and_then(|s| s.trim().parse().ok());
    let new = NewMember { org_id, group_id, fields: input_from(&v) };
    match ctx.scoped(&state.db).members().create_member(&new).await {
        Ok(m) => Ok(see_other(&format!("/members/{}?done=created", m.id))),
        Err(e) => {
            let errors = form_errors(e)?;
            let shell = Shell::new(&state, &ctx, "roster").await;
            let mut form = MemberForm::new(shell, "新增党员".into(), "/members/new".into(), format!("/orgs/{org_id}"), true, v);
            form.form.errors = errors;
            form.groups = groups(&state, &ctx, org_id).await;
            let mut res = render(&form);
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
    }
}

fn values_of(m: &MemberView) -> FormValues {
    let mut v = FormValues::new();
    v.insert("name".into(), m.name.clone());
    v.insert("gender".into(), m.gender.clone());
    v.insert("ethnicity".into(), m.ethnicity.clone());
    v.insert("birth_date".into(), m.birth_date.clone());
    v.insert("education".into(), m.education.clone().unwrap_or_default());
    v.insert("joined_on".into(), m.joined_on.clone());
    v.insert("confirmed_on".into(), m.confirmed_on.clone().unwrap_or_default());
    v.insert("category".into(), m.category.clone());
    v.insert("party_status".into(), m.party_status.clone());
    v.insert("work_unit".into(), m.work_unit.clone());
    v.insert("residence".into(), m.residence.clone());
    v.insert("flow".into(), m.flow.clone());
    v.insert("flow_place".into(), m.flow_place.clone());
    v.insert("lost_contact_since".into(), m.lost_contact_since.clone().unwrap_or_default());
    v.insert("version".into(), m.version.to_string());
    v.insert("id_number_masked".into(), m.id_number.clone());
    v.insert("phone_masked".into(), m.phone.clone().unwrap_or_default());
    v
}

pub async fn edit_form(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    let m = ctx.scoped(&state.db).members().member(id).await?;
    let shell = Shell::new(&state, &ctx, "roster").await;
    Ok(render(&MemberForm::new(
        shell,
        format!("修改“{}”的档案", m.name),
        format!("/members/{id}/edit"),
        format!("/members/{id}"),
        false,
        values_of(&m),
    )))
}

pub async fn edit_submit(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(v): Form<FormValues>) -> PageResult {
    let mut patch = input_from(&v);
    // Sensitive fields are shown masked; an untouched (empty) input keeps the stored value.
    if patch.id_number.as_deref().is_some_and(str::is_empty) {
        patch.id_number = None;
    }
    if patch.phone.as_deref().is_some_and(str::is_empty) {
        patch.phone = None;
    }
    let version = v.get("version").and_then(|s| s.parse().ok());
    match ctx.scoped(&state.db).members().update_member(id, &patch, version).await {
        Ok(_) => Ok(see_other(&format!("/members/{id}?done=saved"))),
        Err(e) => {
            let errors = form_errors(e)?;
            let shell = Shell::new(&state, &ctx, "roster").await;
            let mut form =
                MemberForm::new(shell, "修改党员档案".into(), format!("/members/{id}/edit"), format!("/members/{id}"), false, v);
            form.form.errors = errors;
            let mut res = render(&form);
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
    }
}

#[derive(Template)]
#[template(path = "member/archive.html")]
struct ArchiveForm {
    shell: Shell,
    m: MemberView,
    reasons: Vec<(&'static str, &'static str)>,
    form: FormState,
}

/// The second step of 党员减少: the member, the reason and the date spelled out, to be
/// confirmed once more before anything is written.
#[derive(Template)]
#[template(path = "member/archive_confirm.html")]
struct ArchiveConfirm {
    shell: Shell,
    m: MemberView,
    reason: &'static str,
    form: FormState,
}

fn reasons() -> Vec<(&'static str, &'static str)> {
    LeaveReason::ALL.iter().map(|r| (r.code(), r.label())).collect()
}

/// No reason and no date are filled in: 减少 is chosen, never defaulted.
pub async fn archive_form(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    let m = ctx.scoped(&state.db).members().member(id).await?;
    let shell = Shell::new(&state, &ctx, "roster").await;
    Ok(render(&ArchiveForm { shell, m, reasons: reasons(), form: FormState::default() }))
}

/// The form's own checks before the confirmation step (the store checks again).
fn archive_input_errors(v: &FormValues) -> (Option<LeaveReason>, HashMap<String, String>) {
    let mut errors = HashMap::new();
    let reason = v.get("reason").map(String::as_str).and_then(LeaveReason::parse);
    if reason.is_none() {
        errors.insert("reason".to_string(), "请选择减少原因".to_string());
    }
    if v.get("left_on").and_then(|d| vanguard_domain::kernel::time::parse_iso_date(d.trim())).is_none() {
        errors.insert("left_on".to_string(), "请填写减少日期".to_string());
    }
    (reason, errors)
}

pub async fn archive_submit(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(v): Form<FormValues>) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    let m = scoped.members().member(id).await?;
    let (reason, errors) = archive_input_errors(&v);
    let confirmed = v.get("confirmed").is_some_and(|c| c == "yes");
    let failed = |shell, errors| {
        let mut res =
            render(&ArchiveForm { shell, m: m.clone(), reasons: reasons(), form: FormState::with_errors(v.clone(), errors) });
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        res
    };
    let Some(reason) = reason.filter(|_| errors.is_empty()) else {
        return Ok(failed(Shell::new(&state, &ctx, "roster").await, errors));
    };
    if !confirmed {
        let shell = Shell::new(&state, &ctx, "roster").await;
        return Ok(render(&ArchiveConfirm { shell, m: m.clone(), reason: reason.label(), form: FormState::new(v.clone()) }));
    }
    let leave = Leave {
        reason: reason.code().to_string(),
        left_on: v.get("left_on").cloned().unwrap_or_default(),
        note: v.get("note").cloned().unwrap_or_default(),
    };
    match scoped.members().archive_member(id, &leave).await {
        Ok(_) => Ok(see_other(&format!("/members/{id}?done=archived"))),
        Err(e) => {
            let errors = form_errors(e)?;
            Ok(failed(Shell::new(&state, &ctx, "roster").await, errors))
        }
    }
}

#[derive(Template)]
#[template(path = "member/restore.html")]
struct RestoreForm {
    shell: Shell,
    m: MemberView,
    form: FormState,
}

pub async fn restore_form(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    let m = ctx.scoped(&state.db).members().member(id).await?;
    let shell = Shell::new(&state, &ctx, "archive").await;
    Ok(render(&RestoreForm { shell, m, form: FormState::default() }))
}

pub async fn restore_submit(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(v): Form<FormValues>) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    match scoped.members().restore_member(id, v.get("note").map(String::as_str).unwrap_or_default()).await {
        Ok(_) => Ok(see_other(&format!("/members/{id}?done=restored"))),
        Err(e) => {
            let errors = form_errors(e)?;
            let m = scoped.members().member(id).await?;
            let shell = Shell::new(&state, &ctx, "archive").await;
            let mut res = render(&RestoreForm { shell, m, form: FormState::with_errors(v, errors) });
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
    }
}
