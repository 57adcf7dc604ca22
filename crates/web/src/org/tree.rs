//! The org-tree navigator: children fetched on demand, and a name search.

use crate::AppState;
use crate::extract::{Ctx, Id, QueryParams};
use crate::shell::{PageResult, render};
use askama::Template;
use axum::extract::State;
use serde::Deserialize;
use vanguard_store::org::OrgView;

#[derive(Template)]
#[template(path = "org/tree_nodes.html")]
struct Nodes {
    /// The org whose children these are (none for search results).
    parent: Option<i64>,
    nodes: Vec<OrgView>,
    empty_text: &'static str,
}

/// A 党小组's members are counted on its branch's row: count them by the group itself.
pub async fn count_groups(state: &AppState, ctx: &Ctx, nodes: &mut [OrgView]) -> Result<(), vanguard_store::StoreError> {
    for n in nodes.iter_mut().filter(|n| n.kind == vanguard_domain::org::OrgKind::Group.code()) {
        let f = vanguard_store::member::MemberFilter { org_id: Some(n.id), ..Default::default() };
        let members = ctx.scoped(&state.db).members().count_members(&f).await?;
        n.counts.members = i64::try_from(members).unwrap_or(i64::MAX);
    }
    Ok(())
}

pub async fn children(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    let mut nodes = ctx.scoped(&state.db).orgs().children(id).await?;
    count_groups(&state, &ctx, &mut nodes).await?;
    Ok(render(&Nodes { parent: Some(id), nodes, empty_text: "（无下级党组织）" }))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct Search {
    pub q: String,
}

pub async fn search(State(state): State<AppState>, ctx: Ctx, QueryParams(s): QueryParams<Search>) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    let mut nodes = if s.q.trim().is_empty() { scoped.orgs().roots().await? } else { scoped.orgs().search_orgs(&s.q).await? };
    // Search results carry no totals: read each one's (at most 50).
    for n in nodes.iter_mut() {
        if n.counts.orgs == 0 {
            n.counts = scoped.orgs().org_view(n.id).await?.counts;
        }
    }
    count_groups(&state, &ctx, &mut nodes).await?;
    Ok(render(&Nodes { parent: None, nodes, empty_text: "没有找到名称包含该文字的党组织" }))
}

// ---- The org picker ---------------------------------------------------------------------------

/// What an org is being chosen for: which orgs the picker offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PickFor {
    /// A 党支部 to put members in (roster import): open branches only.
    Branch,
    /// A new parent for an org (org move): open orgs that may contain it.
    Parent,
}

impl PickFor {
    fn code(self) -> &'static str {
        match self {
            PickFor::Branch => "branch",
            PickFor::Parent => "parent",
        }
    }
}

/// One org the picker offers.
pub struct PickOption {
    pub id: i64,
    pub name: String,
    pub kind_label: &'static str,
    /// The org's parent, to tell namesakes apart (empty at the top of the reach).
    pub within: String,
    pub chosen: bool,
}

/// The org picker: a name search within the caller's reach whose results are radio
/// buttons named `name` (one component for every form that chooses an org; the page
/// includes `org/picker.html` with a `picker` field). Works at 375 px and, without
/// script, offers the first matches of the reach.
pub struct OrgPicker {
    /// Where its search box fetches options from (`/tree/pick` within the caller's reach;
    /// account administration has its own, of names and paths only).
    pub source: &'static str,
    /// The form field the chosen org's id is sent as.
    pub name: &'static str,
    pub purpose: &'static str,
    pub legend: &'static str,
    /// A first option meaning "none" (its label), when choosing is optional.
    pub none_label: Option<&'static str>,
    /// The org being moved (not offered as its own parent).
    pub except: Option<i64>,
    pub q: String,
    pub options: Vec<PickOption>,
    pub none_chosen: bool,
}

/// The candidates for `purpose` whose name contains `q`, the chosen one first.
pub async fn org_picker(
    state: &AppState,
    ctx: &Ctx,
    purpose: PickFor,
    name: &'static str,
    chosen: Option<i64>,
    q: &str,
    except: Option<i64>,
) -> Result<OrgPicker, vanguard_store::StoreError> {
    let scoped = ctx.scoped(&state.db);
    let orgs = scoped.orgs();
    let moving = match except {
        Some(id) => Some(orgs.org(id).await?.kind),
        None => None,
    };
    let fits = |kind: &str, status: &str| {
        let Some(kind) = vanguard_domain::org::OrgKind::from_code(kind) else { return false };
        status != "dissolved"
            && match purpose {
                PickFor::Branch => kind.is_branch(),
                PickFor::Parent => moving.is_none_or(|m| kind.may_contain(m)),
            }
    };
    let mut found: Vec<OrgView> = orgs.search_orgs(q).await?;
    if let Some(c) = chosen.filter(|c| !found.iter().any(|o| o.id == *c))
        && let Ok(o) = orgs.org_view(c).await
    {
        found.insert(0, o);
    }
    let mut parents: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
    let mut options = Vec::new();
    for o in found.into_iter().filter(|o| fits(&o.kind, &o.status) && Some(o.id) != except) {
        let within = match o.parent_id {
            Some(p) => match parents.get(&p) {
                Some(n) => n.clone(),
                None => {
                    // A parent outside the reach is not named.
                    let n = orgs.org(p).await.map(|r| r.name).unwrap_or_default();
                    parents.insert(p, n.clone());
                    n
                }
            },
            None => String::new(),
        };
        options.push(PickOption { id: o.id, chosen: Some(o.id) == chosen, name: o.name, kind_label: o.kind_label, within });
    }
    let (legend, none_label) = match purpose {
        PickFor::Branch => ("未填写“所在党组织”的行编入", Some("不指定（每行按“所在党组织”列编入）")),
        PickFor::Parent => ("新的上级党组织", None),
    };
    Ok(OrgPicker {
        source: "/tree/pick",
        name,
        purpose: purpose.code(),
        legend,
        none_label,
        except,
        q: q.trim().to_string(),
        none_chosen: chosen.is_none(),
        options,
    })
}

/// The options of a picker, the fragment its search box fetches.
#[derive(Template)]
#[template(path = "org/picker_options.html")]
pub struct PickerOptions {
    pub picker: OrgPicker,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct PickQuery {
    #[serde(rename = "for")]
    #[param(inline)]
    pub purpose: PickFor,
    /// The form field (`org_id` or `parent_id`).
    pub name: String,
    #[serde(default)]
    pub pick_q: String,
    #[serde(default)]
    pub except: Option<i64>,
    /// The org chosen so far (sent as the field itself), kept among the results.
    #[serde(default)]
    pub org_id: Option<String>,
    #[serde(default)]
    pub parent_id: Option<String>,
}

/// The picker's options for a search (the fragment its search box fetches).
pub async fn pick(State(state): State<AppState>, ctx: Ctx, QueryParams(q): QueryParams<PickQuery>) -> PageResult {
    let name: &'static str = match q.name.as_str() {
        "parent_id" => "parent_id",
        _ => "org_id",
    };
    let chosen = match name {
        "parent_id" => q.parent_id.as_deref(),
        _ => q.org_id.as_deref(),
    }
    .and_then(|v| v.trim().parse().ok());
    let picker = org_picker(&state, &ctx, q.purpose, name, chosen, &q.pick_q, q.except).await?;
    Ok(render(&PickerOptions { picker }))
}
