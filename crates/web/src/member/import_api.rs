//! 花名册导入与导出 routes: the template, upload and preview, batch status, commit and
//! discard, and the .xlsx export of any roster view.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Ctx, Id, QueryParams};
use axum::Json;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use vanguard_domain::kernel::auth::Permission;
use vanguard_store::member::MemberFilter;
use vanguard_store::member::roster::{ImportOptions, ImportPreview, ImportResult, ImportStatus, MAX_FILE_BYTES, template_xlsx};
use vanguard_store::platform::audit::{self, Event};

pub async fn template(_ctx: Ctx) -> ApiResult<Response> {
    let bytes = template_xlsx()?;
    Ok(crate::download::xlsx(bytes, "党员花名册导入模板.xlsx", "roster-template.xlsx"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UploadQuery {
    /// The file's name, for a raw (non-multipart) body: its extension says the type.
    pub filename: Option<String>,
    /// The branch for rows without 所在党组织.
    pub org_id: Option<i64>,
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "upload.too_large",
        format!("文件超过 {} MB，请分成几个文件导入", MAX_FILE_BYTES / 1024 / 1024),
    )
}

/// The uploaded file: the `file` part of a multipart form (with its file name), or the
/// raw body named by `?filename=`.
pub(crate) async fn uploaded(req: Request, q: &mut UploadQuery) -> ApiResult<(String, Vec<u8>)> {
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let limit = MAX_FILE_BYTES + 64 * 1024;
    if content_type.starts_with("multipart/form-data") {
        let boundary = multer::parse_boundary(&content_type)
            .map_err(|_| ApiError::bad_request("upload.invalid", "上传的表单格式不正确，请重新选择文件上传"))?;
        let constraints = multer::Constraints::new().size_limit(multer::SizeLimit::new().whole_stream(limit as u64));
        let mut form = multer::Multipart::with_constraints(req.into_body().into_data_stream(), boundary, constraints);
        let mut file = None;
        let broken = |e: multer::Error| match e {
            multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => too_large(),
            multer::Error::StreamReadFailed(e) if crate::server::is_body_timeout(&*e) => ApiError::body_unreadable(&*e),
            _ => ApiError::bad_request("upload.invalid", "上传的内容不完整或格式不正确，请重新选择文件上传"),
        };
        while let Some(field) = form.next_field().await.map_err(broken)? {
            match field.name() {
                Some("file") => {
                    let name = field.file_name().map(str::to_string).or_else(|| q.filename.clone()).unwrap_or_default();
                    let bytes = field.bytes().await.map_err(broken)?;
                    file = Some((name, bytes.to_vec()));
                }
                Some("org_id") => {
                    let text = field.text().await.map_err(broken)?;
                    if let Ok(id) = text.trim().parse::<i64>() {
                        q.org_id = Some(id);
                    }
                }
                _ => {}
            }
        }
        let (name, bytes) =
            file.ok_or_else(|| ApiError::bad_request("upload.no_file", "请选择要上传的花名册文件（表单字段 file）"))?;
        if name.trim().is_empty() {
            return Err(ApiError::bad_request("upload.no_filename", "上传的文件没有文件名，无法判断文件类型"));
        }
        Ok((name, bytes))
    } else {
        let bytes = axum::body::to_bytes(req.into_body(), limit)
            .await
            .map_err(|e| if crate::server::is_body_timeout(&e) { ApiError::body_unreadable(&e) } else { too_large() })?;
        let name = q.filename.clone().filter(|n| !n.trim().is_empty()).ok_or_else(|| {
            ApiError::bad_request(
                "upload.no_filename",
                "请用 multipart 表单的 file 字段上传文件，或在地址中用 ?filename= 注明文件名（如 花名册.xlsx）",
            )
        })?;
        if bytes.is_empty() {
            return Err(ApiError::bad_request("upload.no_file", "上传的文件是空的"));
        }
        Ok((name, bytes.to_vec()))
    }
}

pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    QueryParams(mut q): QueryParams<UploadQuery>,
    req: Request,
) -> ApiResult<Json<ImportPreview>> {
    let (filename, bytes) = uploaded(req, &mut q).await?;
    let filename = filename.rsplit(['/', '\\']).next().unwrap_or(&filename).to_string();
    let opts = ImportOptions { default_org_id: q.org_id, dry_run: false };
    Ok(Json(ctx.scoped(&state.db).roster().preview_import(&filename, &bytes, &opts).await?))
}

pub async fn status(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<ImportStatus>> {
    Ok(Json(ctx.scoped(&state.db).roster().import_status(id).await?))
}

pub async fn commit(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<ImportResult>> {
    Ok(Json(ctx.scoped(&state.db).roster().commit_import(id, |_, _| {}).await?))
}

pub async fn discard(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<StatusCode> {
    ctx.scoped(&state.db).roster().discard_import(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Default)]
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
    Ok(crate::download::xlsx(file.bytes, &file.filename, "roster.xlsx"))
}
