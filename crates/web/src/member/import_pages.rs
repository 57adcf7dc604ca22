//! 花名册导入 pages: upload (the default branch chosen with the org picker), the batch
//! page — the preview a page at a time and by status, the commit with progress, then
//! the result, whose lines keep the preview's reasons for every row not imported.

use crate::AppState;
use crate::extract::{Ctx, Id, Paged, QueryParams};
use crate::member::import_api::{RosterUploadQuery, uploaded};
use crate::org::tree::{OrgPicker, PickFor, org_picker};
use crate::shell::{PageError, PageResult, Pager, Shell, render, see_other};
use askama::Template;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use serde::Deserialize;
use vanguard_domain::member::roster::ReportStatus;
use vanguard_store::member::import_rows::ReportLine;
use vanguard_store::member::roster::{ImportPreview, ImportStatus};

/// Rows per page of a report (a line may carry a long reason: pages stay light).
const LINES_PER_PAGE_MAX: u32 = 50;

#[derive(Template)]
#[template(path = "member/import.html")]
struct UploadPage {
    shell: Shell,
    picker: OrgPicker,
    error: Option<String>,
}

async fn upload_form(state: &AppState, ctx: &Ctx, chosen: Option<i64>, error: Option<String>) -> PageResult {
    let picker = org_picker(state, ctx, PickFor::Branch, "org_id", chosen, "", None).await?;
    let shell = Shell::new(state, ctx, "import").await;
    Ok(render(&UploadPage { shell, picker, error }))
}

pub async fn upload_page(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    upload_form(&state, &ctx, None, None).await
}

/// Checks the file and shows its batch (the preview), or the form again with the reason.
pub async fn upload_submit(State(state): State<AppState>, ctx: Ctx, req: Request) -> PageResult {
    let mut q = RosterUploadQuery::default();
    async fn again(state: &AppState, ctx: &Ctx, q: &RosterUploadQuery, message: String, status: StatusCode) -> PageResult {
        let mut res = upload_form(state, ctx, q.org_id, Some(message)).await?;
        *res.status_mut() = status;
        Ok(res)
    }
    let (filename, bytes, _reserved) = match uploaded(&state, req, &mut q).await {
        Ok(f) => f,
        Err(e) => return again(&state, &ctx, &q, e.message, e.status).await,
    };
    let opts = vanguard_store::member::roster::ImportOptions { default_org_id: q.org_id, dry_run: false };
    match ctx.scoped(&state.db).roster().preview_import(&filename, bytes, &opts).await {
        Ok(p) => match p.batch_id {
            Some(id) => Ok(see_other(&format!("/imports/{id}"))),
            None => again(&state, &ctx, &q, "文件未能保存为导入批次，请重新上传".into(), StatusCode::INTERNAL_SERVER_ERROR).await,
        },
        Err(vanguard_store::StoreError::Invalid(inv)) => {
            again(&state, &ctx, &q, inv.to_string(), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(vanguard_store::StoreError::NotFound) => {
            again(&state, &ctx, &q, "所选党支部不存在或不在您的管辖范围内，请重新选择".into(), StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(e) => Err(e.into()),
    }
}

/// A status tab over the report's lines.
pub struct Tab {
    pub href: String,
    pub label: &'static str,
    pub count: usize,
    pub current: bool,
}

/// One report line as the page shows it.
pub struct LineView {
    /// `第 4 行`, with the sheet when the file has several.
    pub at: String,
    pub name: String,
    pub status_label: &'static str,
    /// Whether the row is not imported (its reason is the point).
    pub held: bool,
    pub org: String,
    pub detail: String,
    pub note: String,
    pub member_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "member/import_status.html")]
struct StatusPage {
    shell: Shell,
    s: ImportStatus,
    /// A commit failure to show (nothing was written).
    error: Option<String>,
    /// The stored preview's description of the file (while the batch is ready).
    p: Option<ImportPreview>,
    tabs: Vec<Tab>,
    lines: Vec<LineView>,
    pager: Option<Pager>,
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct LinesQuery {
    /// `create`, `update`, `problem` or `skip` (blank: every line).
    pub status: String,
}

/// The lines' tabs and counts: of the preview while ready, of the result once committed.
fn tabs(id: i64, s: &ImportStatus, current: Option<ReportStatus>) -> Vec<Tab> {
    let c = &s.counts;
    let duplicates = c.rows.saturating_sub(c.valid + c.invalid);
    let counts = match &s.result {
        Some(r) => [r.created_total, r.updated_total, c.invalid, r.skipped_total.saturating_sub(c.invalid)],
        None => [c.to_create, c.to_update, c.invalid, c.unchanged + duplicates],
    };
    let committed = s.result.is_some();
    let all = Tab { href: format!("/imports/{id}"), label: "全部", count: c.rows, current: current.is_none() };
    std::iter::once(all)
        .chain(ReportStatus::ALL.iter().zip(counts).map(|(st, count)| Tab {
            href: format!("/imports/{id}?status={}", st.code()),
            label: if committed { st.result_label() } else { st.label() },
            count,
            current: current == Some(*st),
        }))
        .collect()
}

fn line_view(l: ReportLine, committed: bool) -> LineView {
    let status = l.status();
    LineView {
        at: if l.sheet.is_empty() { format!("第 {} 行", l.row) } else { format!("{} 第 {} 行", l.sheet, l.row) },
        status_label: status.map(|s| if committed { s.result_label() } else { s.label() }).unwrap_or(""),
        held: matches!(status, Some(ReportStatus::Problem | ReportStatus::Skip)),
        name: l.name,
        org: l.org,
        detail: l.detail,
        note: l.note,
        member_id: l.member_id,
    }
}

/// The batch page: the preview while ready (a page of lines, by status), the progress
/// while committing (polled: only the batch row and the progress are read), the result
/// once committed.
pub async fn status(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    QueryParams(q): QueryParams<LinesQuery>,
    Paged(mut req): Paged,
) -> PageResult {
    let roster = ctx.scoped(&state.db);
    let roster = roster.roster();
    let s = roster.import_status(id).await?;
    let error = take_failure(id);
    let (mut p, mut tab_list, mut lines, mut pager) = (None, Vec::new(), Vec::new(), None);
    if s.status != "committing" {
        if s.status == "ready" {
            p = roster.import_report(id).await?.preview;
        }
        let filter = ReportStatus::from_code(q.status.trim());
        req.limit = req.limit.min(LINES_PER_PAGE_MAX);
        let page = roster.import_lines(id, filter, &req).await?;
        let path = format!("/imports/{id}");
        pager = Some(Pager::new(&page, &path, &[("status", filter.map(|f| f.code().to_string()).unwrap_or_default())]));
        let committed = s.result.is_some();
        lines = page.items.into_iter().map(|l| line_view(l, committed)).collect();
        tab_list = tabs(id, &s, filter);
    }
    let shell = Shell::new(&state, &ctx, "import").await;
    Ok(render(&StatusPage { shell, s, error, p, tabs: tab_list, lines, pager }))
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
        let _release = crate::upload::HeapRelease;
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
