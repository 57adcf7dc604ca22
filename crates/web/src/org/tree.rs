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

pub async fn children(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    let nodes = ctx.scoped(&state.db).orgs().children(id).await?;
    Ok(render(&Nodes { nodes, empty_text: "（无下级党组织）" }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Search {
    pub q: String,
}

pub async fn search(State(state): State<AppState>, ctx: Ctx, QueryParams(s): QueryParams<Search>) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    let nodes = if s.q.trim().is_empty() { scoped.orgs().roots().await? } else { scoped.orgs().search_orgs(&s.q).await? };
    Ok(render(&Nodes { nodes, empty_text: "没有找到名称包含该文字的党组织" }))
}
