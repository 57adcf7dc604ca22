//! The audit-log viewer (审计员 only): filters, paging back in time, chain verification.

use super::AuditQuery;
use crate::AppState;
use crate::extract::{Ctx, Paged, QueryParams};
use crate::shell::{PageResult, Pager, Shell, fmt_time, render};
use askama::Template;
use axum::extract::State;
use vanguard_store::platform::audit;

pub struct AuditLine {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub ip: String,
    pub action: String,
    /// The action's Chinese name (the code when it has none).
    pub action_label: String,
    pub object: String,
    pub result: String,
    pub result_label: &'static str,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "audit/audit.html")]
struct AuditPage {
    shell: Shell,
    q: AuditQuery,
    lines: Vec<AuditLine>,
    pager: Pager,
    verification: Option<String>,
    intact: bool,
    last_verification: Option<LastVerification>,
    /// Security alerts (a failed verification), newest first.
    alerts: Vec<(String, String)>,
}

/// The newest verification on record (the daily job's, the CLI's or an auditor's).
struct LastVerification {
    at: String,
    by: String,
    intact: bool,
    detail: String,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<AuditQuery>,
    Paged(req): Paged,
) -> PageResult {
    let f = q.filter()?;
    // Verify first, so the list shows the verification's own record.
    let (verification, intact) = if q.verify == "1" {
        let v = audit::verify_and_record(&state.db, ctx.actor(), |_, _| {}).await?;
        (Some(v.summary()), v.is_intact())
    } else {
        (None, true)
    };
    let rows = audit::list(&state.db, &f, &req).await?;
    let pager = Pager::new(
        &rows,
        "/audit",
        &[
            ("action", q.action.clone()),
            ("actor", q.actor.clone()),
            ("result", q.result.clone()),
            ("from", q.from.clone()),
            ("to", q.to.clone()),
        ],
    );
    let lines = rows
        .items
        .into_iter()
        .map(|r| AuditLine {
            seq: r.seq,
            at: fmt_time(r.at),
            actor: r.actor_name,
            ip: r.ip,
            action_label: vanguard_domain::kernel::audit::action_label(&r.action)
                .map_or_else(|| r.action.clone(), str::to_string),
            action: r.action,
            object: vanguard_domain::kernel::audit::object_label(&r.object),
            result_label: vanguard_domain::kernel::audit::result_label(&r.result),
            result: r.result,
            detail: r.detail,
        })
        .collect();
    let last_verification = audit::last_verification(&state.db).await?.map(|r| LastVerification {
        at: fmt_time(r.at),
        by: r.actor_name,
        intact: r.result == "ok",
        detail: r.detail,
    });
    let alerts = vanguard_store::platform::alerts::recent(&state.db, 20)
        .await?
        .into_iter()
        .map(|a| (fmt_time(a.at), format!("{}：{}", a.kind_label(), a.detail)))
        .collect();
    let shell = Shell::new(&state, &ctx, "audit").await;
    Ok(render(&AuditPage { shell, q, lines, pager, verification, intact, last_verification, alerts }))
}
