//! 花名册导入与导出 routes: the template, upload and preview, batch status, commit and
//! discard, and the .xlsx export of any roster view.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Ctx, Id, Paged, QueryParams};
use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use vanguard_domain::kernel::auth::Permission;
use vanguard_domain::kernel::paging::Page;
use vanguard_domain::member::roster::ReportStatus;
use vanguard_store::member::MemberFilter;
use vanguard_store::member::import_rows::ReportLine;
use vanguard_store::member::roster::{CommitOptions, ImportOptions, ImportPreview, ImportResult, ImportStatus, template_xlsx};
use vanguard_store::platform::audit::{self, Event};

pub async fn template(_ctx: Ctx) -> ApiResult<Response> {
    let bytes = template_xlsx()?;
    Ok(crate::download::xlsx(bytes, "党员花名册导入模板.xlsx", "roster-template.xlsx"))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct RosterUploadQuery {
    /// The file's name, for a raw (non-multipart) body: its extension says the type.
    pub filename: Option<String>,
    /// The branch for rows without 所在党组织.
    pub org_id: Option<i64>,
}

/// The uploaded roster and the options given with it (query or form fields).
/// The third value is the upload's room in memory ([`crate::upload::Reserved`]): hold it
/// until the file has been read.
pub(crate) async fn uploaded(
    state: &AppState,
    req: Request,
    q: &mut RosterUploadQuery,
) -> ApiResult<(String, Vec<u8>, crate::upload::Reserved)> {
    let max = state.db.upload_limits().0.max_file_bytes;
    let up = crate::upload::read(&state.uploads_in_flight, req, crate::upload::Purpose::Roster, q.filename.as_deref(), Some(max))
        .await?;
    if let Some(id) = up.field("org_id").and_then(|t| t.trim().parse::<i64>().ok()) {
        q.org_id = Some(id);
    }
    Ok((up.name, up.bytes, up.reserved))
}

pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    QueryParams(mut q): QueryParams<RosterUploadQuery>,
    req: Request,
) -> ApiResult<Json<ImportPreview>> {
    let (filename, bytes, _reserved) = uploaded(&state, req, &mut q).await?;
    let opts = ImportOptions { default_org_id: q.org_id, dry_run: false };
    Ok(Json(ctx.scoped(&state.db).roster().preview_import(&filename, bytes, &opts).await?))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct StatusQuery {
    /// Include the stored preview's description of the file and its counts (the rows
    /// with their problems are paged at `/api/v1/imports/{id}/rows`).
    pub report: bool,
}

pub async fn status(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    QueryParams(q): QueryParams<StatusQuery>,
) -> ApiResult<Json<ImportStatus>> {
    let roster = ctx.scoped(&state.db);
    let roster = roster.roster();
    Ok(Json(if q.report { roster.import_report(id).await? } else { roster.import_status(id).await? }))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct LinesFilter {
    /// `create`, `update`, `problem` or `skip` (blank: every row).
    pub status: String,
}

/// A page of a batch's report, in file order: each row's status and its reasons (the
/// problems of a row not imported), and once committed the member written.
pub async fn lines(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    QueryParams(f): QueryParams<LinesFilter>,
    Paged(req): Paged,
) -> ApiResult<Json<Page<ReportLine>>> {
    let status = match f.status.trim() {
        "" => None,
        s => Some(ReportStatus::parse(s).ok_or_else(|| {
            ApiError::bad_request(
                "import.status",
                "status 应为 create（将导入）、update（将更新）、problem（有问题）或 skip（跳过）",
            )
        })?),
    };
    Ok(Json(ctx.scoped(&state.db).roster().import_lines(id, status, &req).await?))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct CommitQuery {
    /// Confirms the rows whose 公民身份号码 belongs to a member of another name.
    pub confirm_renames: bool,
}

pub async fn commit(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    QueryParams(q): QueryParams<CommitQuery>,
) -> ApiResult<Json<ImportResult>> {
    let opts = CommitOptions { confirm_renames: q.confirm_renames };
    let _release = crate::upload::HeapRelease;
    Ok(Json(ctx.scoped(&state.db).roster().commit_import_with(id, opts, |_, _| {}).await?))
}

pub async fn discard(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<StatusCode> {
    ctx.scoped(&state.db).roster().discard_import(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct RevealQuery {
    /// Export ID and phone numbers in the clear (needs the reveal permission).
    pub reveal: Option<bool>,
}

pub async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    QueryParams(f): QueryParams<MemberFilter>,
    QueryParams(r): QueryParams<RevealQuery>,
) -> ApiResult<Response> {
    let reveal = r.reveal.unwrap_or(false);
    if reveal && !ctx.0.scope.role.grants(Permission::MemberReveal) {
        audit::record(
            &state.db,
            ctx.actor(),
            Event::ok("authz.deny", "GET /api/v1/members/export.xlsx")
                .with_result("denied")
                .detail(Permission::MemberReveal.code()),
        )
        .await?;
        return Err(ApiError::forbidden());
    }
    let file = ctx.scoped(&state.db).roster().export_members(&f, reveal).await?;
    Ok(crate::download::xlsx_spool(file.file, &file.filename, "roster.xlsx"))
}
