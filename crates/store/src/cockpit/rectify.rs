//! 整改闭环 storage: a finding's current 整改 state (`finding_rectifications`) and every
//! step (`finding_steps`), written in one transaction with the audit record. The rules
//! (who may do what, what must be filled in) are `domain::cockpit::rectify`.

use super::{CockpitReads, FindingFilter, FindingView};
use crate::platform::audit::{self, Event};
use crate::platform::ids;
use crate::{StoreError, StoreResult};
use serde::Serialize;
use std::collections::HashMap;
use vanguard_domain::cockpit::rectify::{RectifyAction, RectifyInput, RectifyState, Side, rectify};
use vanguard_domain::kernel::paging::PageRequest;
use vanguard_domain::org::OrgKind;

/// One step of a finding's 整改.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RectifyStep {
    pub action: String,
    #[sqlx(skip)]
    pub action_label: &'static str,
    pub measure: String,
    pub explanation: String,
    pub evidence: String,
    pub actor_name: String,
    pub at: i64,
}

/// A finding with its 整改 state, its steps and what the caller may do now.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Rectification {
    pub finding: FindingView,
    pub state: &'static str,
    pub state_label: &'static str,
    pub steps: Vec<RectifyStep>,
    /// Actions open to the caller (codes), in the order to offer them.
    pub actions: Vec<&'static str>,
}

impl CockpitReads<'_> {
    /// Whether the caller acts for the finding's own org or as a parent above it.
    async fn side(&self, org_path: &str) -> StoreResult<Side> {
        let root = self.scoped().orgs().roots().await?.into_iter().next();
        let own_level =
            root.as_ref().and_then(|o| OrgKind::from_code(&o.kind)).is_some_and(|k| k.is_branch() || k == OrgKind::Group);
        Ok(if !own_level && self.scope.reach.may_restructure(org_path) { Side::Parent } else { Side::Own })
    }

    async fn finding_path(&self, id: i64) -> StoreResult<(FindingView, String)> {
        let f = FindingFilter { id: Some(id), status: Some("all".into()), ..Default::default() };
        let view = self.findings(&f, &PageRequest::first(1)).await?.items.into_iter().next().ok_or(StoreError::NotFound)?;
        let path: Option<String> = crate::read!(self.db, c => sqlx::query_scalar(
            "SELECT org_path FROM findings WHERE region_id = $1 AND id = $2")
            .bind(self.scope.region_id).bind(id).fetch_optional(c).await)?;
        Ok((view, path.ok_or(StoreError::NotFound)?))
    }

    /// The 整改 states of findings (those without a row are 待整改).
    pub async fn rectify_states(&self, ids: &[i64]) -> StoreResult<HashMap<i64, RectifyState>> {
        let mut out = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let rows: Vec<(i64, String)> = crate::read!(self.db, c => {
            let mut qb = sqlx::QueryBuilder::new("SELECT finding_id, state FROM finding_rectifications WHERE region_id = ");
            qb.push_bind(self.scope.region_id);
            qb.push(" AND finding_id IN (");
            let mut sep = qb.separated(", ");
            for id in ids {
                sep.push_bind(*id);
            }
            sep.push_unseparated(")");
            qb.build_query_as().fetch_all(c).await
        })?;
        for (id, state) in rows {
            out.insert(id, crate::platform::error::decode("finding_rectifications.state", &state, RectifyState::from_code)?);
        }
        Ok(out)
    }

    /// A finding within reach with its 整改.
    pub async fn rectification(&self, id: i64) -> StoreResult<Rectification> {
        let (finding, path) = self.finding_path(id).await?;
        let state = self.rectify_states(&[id]).await?.remove(&id).unwrap_or(RectifyState::Open);
        let mut steps: Vec<RectifyStep> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT action, measure, explanation, evidence, actor_name, at FROM finding_steps WHERE region_id = $1 AND finding_id = $2 ORDER BY at, id")
            .bind(self.scope.region_id).bind(id).fetch_all(c).await)?;
        for s in &mut steps {
            s.action_label = crate::platform::error::decode("finding_steps.action", &s.action, RectifyAction::from_code)?.label();
        }
        let may_write = self.scope.role.grants(vanguard_domain::kernel::auth::Permission::OrgWrite)
            && matches!(&self.scope.reach, vanguard_domain::kernel::auth::Reach::Subtree { root_path } if path.starts_with(root_path.as_str()));
        let actions = if may_write && finding.resolved_at.is_none() {
            let side = self.side(&path).await?;
            let probe = RectifyInput { measure: "x".into(), explanation: "x".into(), evidence: String::new() };
            RectifyAction::ALL.iter().filter(|a| rectify(state, **a, side, &probe).is_ok()).map(|a| a.code()).collect()
        } else {
            Vec::new()
        };
        Ok(Rectification { finding, state: state.code(), state_label: state.label(), steps, actions })
    }

    /// Takes one 整改 step on a finding within the writable subtree. Audited.
    pub async fn rectify(&self, id: i64, action: RectifyAction, input: &RectifyInput) -> StoreResult<Rectification> {
        let (finding, path) = self.finding_path(id).await?;
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?;
        if !path.starts_with(root) {
            return Err(StoreError::NotFound);
        }
        if finding.resolved_at.is_some() {
            return Err(StoreError::conflict("finding.resolved", "该问题已按规则消除，无需整改"));
        }
        let side = self.side(&path).await?;
        let mut tx = self.db.begin().await?;
        let current: Option<String> = crate::on_tx!(tx, c => sqlx::query_scalar(
            "SELECT state FROM finding_rectifications WHERE region_id = $1 AND finding_id = $2")
            .bind(self.scope.region_id).bind(id).fetch_optional(c).await)?;
        let state = match current {
            Some(s) => crate::platform::error::decode("finding_rectifications.state", &s, RectifyState::from_code)?,
            None => RectifyState::Open,
        };
        // A step that does not fit the state is a conflict; missing text is invalid input.
        let next = rectify(state, action, side, input).map_err(|inv| match inv.errors.first() {
            Some(e) if e.code == "rectify.action" => StoreError::Conflict { code: e.code, message: e.message.clone() },
            _ => StoreError::Invalid(inv),
        })?;
        let now = self.db.clock().now_ms();
        let (measure, explanation, evidence) = (input.measure.trim(), input.explanation.trim(), input.evidence.trim());
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO finding_rectifications (region_id, finding_id, org_path, state, measure, explanation, evidence, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (region_id, finding_id) DO UPDATE SET state = $4, \
             measure = CASE WHEN $5 = '' THEN finding_rectifications.measure ELSE $5 END, explanation = $6, \
             evidence = CASE WHEN $7 = '' THEN finding_rectifications.evidence ELSE $7 END, updated_at = $8")
            .bind(self.scope.region_id).bind(id).bind(&path).bind(next.code()).bind(measure).bind(explanation).bind(evidence).bind(now)
            .execute(c).await)?;
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO finding_steps (region_id, id, finding_id, action, measure, explanation, evidence, actor_id, actor_name, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(self.scope.region_id).bind(ids::next()).bind(id).bind(action.code()).bind(measure).bind(explanation).bind(evidence)
            .bind(self.scope.actor.account_id).bind(&self.scope.actor.name).bind(now).execute(c).await)?;
        let detail = [measure, explanation].iter().filter(|t| !t.is_empty()).copied().collect::<Vec<_>>().join("；");
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok(audit_action(action), format!("finding:{id}")).detail(format!(
                "{}（{}）{}",
                finding.rule_title,
                finding.subject_name,
                if detail.is_empty() { String::new() } else { format!("：{detail}") }
            )),
        )
        .await?;
        tx.commit().await?;
        self.rectification(id).await
    }
}

fn audit_action(a: RectifyAction) -> &'static str {
    match a {
        RectifyAction::Respond => "finding.respond",
        RectifyAction::Accept => "finding.accept",
        RectifyAction::Return => "finding.return",
        RectifyAction::Urge => "finding.urge",
    }
}
