//! 党组织 pages: details, create, edit, move, dissolve.

use crate::AppState;
use crate::extract::{Ctx, Id};
use crate::shell::FormValues;
use crate::shell::{FormState, PageError, PageResult, Shell, form_errors, render, see_other};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use vanguard_domain::kernel::auth::Permission;
use vanguard_domain::org::{OrgInput, OrgKind, Sector};
use vanguard_store::org::{OrgDetail, OrgView};

#[derive(Template)]
#[template(path = "org/org.html")]
struct OrgPage {
    shell: Shell,
    d: OrgDetail,
    can_write: bool,
}

pub async fn detail(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    let mut d = ctx.scoped(&state.db).orgs().org_detail(id).await?;
    super::tree::count_groups(&state, &ctx, &mut d.children).await?;
    let can_write = ctx.0.scope.role.grants(Permission::OrgWrite);
    let shell = Shell::new(&state, &ctx, "org").await;
    Ok(render(&OrgPage { shell, d, can_write }))
}

/// The values of the org form, as typed.

#[derive(Template)]
#[template(path = "org/form.html")]
struct OrgForm {
    shell: Shell,
    title: String,
    action: String,
    cancel: String,
    /// Creating (kind can be chosen) or editing.
    creating: bool,
    form: FormState,
    kinds: Vec<(&'static str, &'static str)>,
    sectors: Vec<(&'static str, &'static str)>,
    /// The 书记 picker when editing: (member id, "name（org）") of the org's members,
    /// its own members first.
    secretaries: Vec<(String, String)>,
    /// The org has more members than the picker lists.
    secretaries_cut: bool,
}

/// The most members the 书记 picker lists.
const SECRETARY_CHOICES: u32 = 200;

/// The members the 书记 can be picked from: the org's subtree (its own first), and the
/// current secretary whatever the cut.
async fn secretary_choices(state: &AppState, ctx: &Ctx, o: &OrgView) -> Result<(Vec<(String, String)>, bool), PageError> {
    let f = vanguard_store::member::MemberFilter { org_id: Some(o.id), ..Default::default() };
    let page = ctx
        .scoped(&state.db)
        .members()
        .list_members(&f, &vanguard_domain::kernel::paging::PageRequest::first(SECRETARY_CHOICES))
        .await?;
    let cut = page.next.is_some();
    let mut out: Vec<(String, String)> = page
        .items
        .into_iter()
        .map(|m| {
            let label = if m.org_id == o.id { m.name } else { format!("{}（{}）", m.name, m.org_name) };
            (m.id.to_string(), label)
        })
        .collect();
    if let Some(sid) = o.secretary_member_id.filter(|sid| !out.iter().any(|(id, _)| *id == sid.to_string())) {
        let name = ctx.scoped(&state.db).members().member(sid).await.map(|m| m.name).unwrap_or_else(|_| "现任书记".into());
        out.insert(0, (sid.to_string(), name));
    }
    Ok((out, cut))
}

fn options_kinds(parent: Option<OrgKind>) -> Vec<(&'static str, &'static str)> {
    OrgKind::ALL.iter().filter(|k| parent.is_none_or(|p| p.may_contain(**k))).map(|k| (k.code(), k.label())).collect()
}

fn options_sectors() -> Vec<(&'static str, &'static str)> {
    Sector::ALL.iter().map(|s| (s.code(), s.label())).collect()
}

fn input_from(v: &FormValues, creating: bool) -> OrgInput {
    let t = |k: &str| v.get(k).map(|s| s.trim().to_string());
    OrgInput {
        name: t("name"),
        kind: if creating { t("kind") } else { None },
        sector: t("sector").filter(|s| !s.is_empty()),
        established_on: t("established_on"),
        term_started_on: t("term_started_on"),
        term_years: v.get("term_years").and_then(|s| s.trim().parse().ok()),
        has_committee: Some(v.get("has_committee").is_some_and(|s| s == "on" || s == "true")),
        status: t("status").filter(|s| !s.is_empty()),
    }
}

pub async fn new_form(State(state): State<AppState>, ctx: Ctx, Id(parent_id): Id) -> PageResult {
    let parent = ctx.scoped(&state.db).orgs().org_view(parent_id).await?;
    let shell = Shell::new(&state, &ctx, "org").await;
    let pk = OrgKind::from_code(&parent.kind);
    let mut v = FormValues::new();
    v.insert("sector".into(), parent.sector.clone());
    Ok(render(&OrgForm {
        shell,
        title: format!("在“{}”下新建党组织", parent.name),
        action: format!("/orgs/{parent_id}/new"),
        cancel: format!("/orgs/{parent_id}"),
        creating: true,
        form: FormState::new(v),
        kinds: options_kinds(pk),
        sectors: options_sectors(),
        secretaries: Vec::new(),
        secretaries_cut: false,
    }))
}

pub async fn new_submit(State(state): State<AppState>, ctx: Ctx, Id(parent_id): Id, Form(v): Form<FormValues>) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    match scoped.orgs().create_org(parent_id, &input_from(&v, true)).await {
        Ok(o) => Ok(see_other(&format!("/orgs/{}?done=created", o.id))),
        Err(e) => {
            let errors = form_errors(e)?;
            let parent = scoped.orgs().org_view(parent_id).await?;
            let pk = OrgKind::from_code(&parent.kind);
            let shell = Shell::new(&state, &ctx, "org").await;
            let mut res = render(&OrgForm {
                shell,
                title: format!("在“{}”下新建党组织", parent.name),
                action: format!("/orgs/{parent_id}/new"),
                cancel: format!("/orgs/{parent_id}"),
                creating: true,
                form: FormState::with_errors(v, errors),
                kinds: options_kinds(pk),
                sectors: options_sectors(),
                secretaries: Vec::new(),
                secretaries_cut: false,
            });
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
    }
}

fn values_of(o: &OrgView) -> FormValues {
    let mut v = FormValues::new();
    v.insert("name".into(), o.name.clone());
    v.insert("kind".into(), o.kind.clone());
    v.insert("sector".into(), o.sector.clone());
    v.insert("established_on".into(), o.established_on.clone().unwrap_or_default());
    v.insert("term_started_on".into(), o.term_started_on.clone().unwrap_or_default());
    v.insert("term_years".into(), o.term_years.map(|y| y.to_string()).unwrap_or_default());
    if o.has_committee {
        v.insert("has_committee".into(), "on".into());
    }
    v.insert("status".into(), o.status.clone());
    v.insert("secretary_member_id".into(), o.secretary_member_id.map(|y| y.to_string()).unwrap_or_default());
    v
}

pub async fn edit_form(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    let o = ctx.scoped(&state.db).orgs().org_view(id).await?;
    let (secretaries, secretaries_cut) = secretary_choices(&state, &ctx, &o).await?;
    let shell = Shell::new(&state, &ctx, "org").await;
    Ok(render(&OrgForm {
        shell,
        title: format!("修改“{}”", o.name),
        action: format!("/orgs/{id}/edit"),
        cancel: format!("/orgs/{id}"),
        creating: false,
        form: FormState::new(values_of(&o)),
        kinds: options_kinds(None),
        sectors: options_sectors(),
        secretaries,
        secretaries_cut,
    }))
}

pub async fn edit_submit(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(v): Form<FormValues>) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    let secretary = match v.get("secretary_member_id").map(|s| s.trim()) {
        None | Some("") => Some(0),
        Some(s) => match s.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => Some(-1),
        },
    };
    match scoped.orgs().update_org(id, &input_from(&v, false), secretary).await {
        Ok(_) => Ok(see_other(&format!("/orgs/{id}?done=saved"))),
        Err(e) => {
            let errors = form_errors(e)?;
            let o = scoped.orgs().org_view(id).await?;
            let (secretaries, secretaries_cut) = secretary_choices(&state, &ctx, &o).await?;
            let shell = Shell::new(&state, &ctx, "org").await;
            let mut res = render(&OrgForm {
                shell,
                title: format!("修改“{}”", o.name),
                action: format!("/orgs/{id}/edit"),
                cancel: format!("/orgs/{id}"),
                creating: false,
                form: FormState::with_errors(v, errors),
                kinds: options_kinds(None),
                sectors: options_sectors(),
                secretaries,
                secretaries_cut,
            });
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
    }
}

#[derive(Template)]
#[template(path = "org/move.html")]
struct MovePage {
    shell: Shell,
    o: OrgView,
    picker: super::tree::OrgPicker,
    error: Option<String>,
}

/// The move form: the new parent is chosen with the org picker (the current parent
/// preselected), never typed as an id.
async fn move_page(state: &AppState, ctx: &Ctx, id: i64, chosen: Option<i64>, q: &str, error: Option<String>) -> PageResult {
    let o = ctx.scoped(&state.db).orgs().org_view(id).await?;
    let picker = super::tree::org_picker(state, ctx, super::tree::PickFor::Parent, "parent_id", chosen, q, Some(id)).await?;
    let shell = Shell::new(state, ctx, "org").await;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let mut res = render(&MovePage { shell, o, picker, error });
    *res.status_mut() = status;
    Ok(res)
}

pub async fn move_form(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    let parent = ctx.scoped(&state.db).orgs().org_view(id).await?.parent_id;
    move_page(&state, &ctx, id, parent, "", None).await
}

pub async fn move_submit(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Form(v): Form<FormValues>) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    let chosen = v.get("parent_id").and_then(|raw| raw.trim().parse::<i64>().ok());
    let q = v.get("pick_q").cloned().unwrap_or_default();
    let result = match chosen {
        Some(p) => scoped.orgs().move_org(id, p).await,
        None => Err(vanguard_store::StoreError::invalid("parent_id", "required", "请在列表中选择新的上级党组织")),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/orgs/{id}?done=moved"))),
        Err(vanguard_store::StoreError::NotFound) => {
            move_page(&state, &ctx, id, None, &q, Some("所选上级党组织不存在或不在您的管辖范围内，请重新选择".into())).await
        }
        Err(e) => {
            let errors = form_errors(e)?;
            let msg = errors.into_values().collect::<Vec<_>>().join("；");
            move_page(&state, &ctx, id, chosen, &q, Some(msg)).await
        }
    }
}

pub async fn dissolve_submit(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    match ctx.scoped(&state.db).orgs().dissolve_org(id, None).await {
        Ok(_) => Ok(see_other(&format!("/orgs/{id}"))),
        Err(e) => Err(PageError::from(e)),
    }
}
