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
    Ok(render(&Nodes { nodes, empty_text: "（无下级党组织）" }))
}

#[derive(Deserialize, Default)]
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
    Ok(render(&Nodes { nodes, empty_text: "没有找到名称包含该文字的党组织" }))
}
