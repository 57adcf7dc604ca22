//! 花名册导入 pages: upload, the row-by-row preview, the commit with progress, the result.

use crate::AppState;
use crate::extract::{Ctx, Id};
use crate::member::import_api::{RosterUploadQuery, uploaded};
use crate::shell::{PageError, PageResult, Shell, render, see_other};
use askama::Template;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use vanguard_store::member::roster::{ImportOptions, ImportPreview, ImportStatus};

#[derive(Template)]
#[template(path = "member/import.html")]
struct UploadPage {
    shell: Shell,
    error: Option<String>,
}

pub async fn upload_page(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let shell = Shell::new(&state, &ctx, "import").await;
    Ok(render(&UploadPage { shell, error: None }))
}

#[derive(Template)]
#[template(path = "member/import_preview.html")]
struct PreviewPage {
    shell: Shell,
    p: ImportPreview,
}

pub async fn upload_submit(State(state): State<AppState>, ctx: Ctx, req: Request) -> PageResult {
    let mut q = RosterUploadQuery::default();
    let again = |shell: Shell, message: String, status: StatusCode| {
        let mut res = render(&UploadPage { shell, error: Some(message) });
        *res.status_mut() = status;
        Ok(res)
    };
    let (filename, bytes, _reserved) = match uploaded(&state, req, &mut q).await {
        Ok(f) => f,
        Err(e) => return again(Shell::new(&state, &ctx, "import").await, e.message, e.status),
    };
    let opts = ImportOptions { default_org_id: q.org_id, dry_run: false };
    match ctx.scoped(&state.db).roster().preview_import(&filename, bytes, &opts).await {
        Ok(p) => {
            let shell = Shell::new(&state, &ctx, "import").await;
            Ok(render(&PreviewPage { shell, p }))
        }
        Err(vanguard_store::StoreError::Invalid(inv)) => {
            again(Shell::new(&state, &ctx, "import").await, inv.to_string(), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "member/import_status.html")]
struct StatusPage {
    shell: Shell,
    s: ImportStatus,
    /// A commit failure to show (nothing was written).
    error: Option<String>,
}

pub async fn status(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    let s = ctx.scoped(&state.db).roster().import_status(id).await?;
    let error = super::import_pages::take_failure(id);
    let shell = Shell::new(&state, &ctx, "import").await;
    Ok(render(&StatusPage { shell, s, error }))
}

/// Commit failures of background imports, shown once on the status page.
static FAILURES: std::sync::Mutex<Vec<(i64, String)>> = std::sync::Mutex::new(Vec::new());

fn take_failure(id: i64) -> Option<String> {
    let mut f = FAILURES.lock().unwrap_or_else(|p| p.into_inner());
    let pos = f.iter().position(|(b, _)| *b == id)?;
    Some(f.remove(pos).1)
}

/// Starts the commit in the background and shows the status page, which polls progress.
/// The form's `confirm_renames` box confirms rows that rename a member.
pub async fn commit(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    axum::Form(form): axum::Form<std::collections::HashMap<String, String>>,
) -> PageResult {
    let confirm_renames = form.get("confirm_renames").is_some_and(|v| v == "1" || v == "on" || v == "true");
    // Refuse at once what cannot be committed (someone else's, expired, committed).
    let s = ctx.scoped(&state.db).roster().import_status(id).await?;
    if s.status != "ready" {
        return Err(PageError(crate::error::ApiError::new(
            StatusCode::CONFLICT,
            "import.not_ready",
            format!("该批次{}，不能再导入", s.status_label),
        )));
    }
    let db = state.db.clone();
    let scope = ctx.0.scope.clone();
    tokio::spawn(async move {
        let opts = vanguard_store::member::roster::CommitOptions { confirm_renames };
        if let Err(e) = db.scoped(&scope).roster().commit_import_with(id, opts, |_, _| {}).await {
            FAILURES.lock().unwrap_or_else(|p| p.into_inner()).push((id, e.to_string()));
        }
    });
    // Give a small file the chance to finish before the first look.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    Ok(see_other(&format!("/imports/{id}")))
}

pub async fn discard(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    ctx.scoped(&state.db).roster().discard_import(id).await?;
    Ok(see_other("/imports/members"))
}
