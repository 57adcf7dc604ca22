//! The one reader of uploaded files: the `file` part of a multipart form (with its file
//! name) or a raw body named by `?filename=`, read within the size limit of what is
//! uploaded (a roster, an attachment) and refused with that upload's own wording. The
//! content is then read by the store's bounded reader (`platform::upload`) or stored as
//! it is (attachments).

use crate::error::{ApiError, ApiResult};
use axum::extract::Request;
use axum::http::{StatusCode, header};
use vanguard_domain::kernel::upload::{UploadLimits, mb};

/// What is being uploaded: its size limit and its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A 花名册 (.xlsx, .xls, .csv) to import.
    Roster,
    /// A meeting's photo or PDF.
    Attachment,
}

impl Purpose {
    fn limits(self) -> UploadLimits {
        match self {
            Purpose::Roster => UploadLimits::default(),
            Purpose::Attachment => UploadLimits::attachments(),
        }
    }
    fn what(self) -> &'static str {
        match self {
            Purpose::Roster => "花名册文件（.xlsx、.xls 或 .csv）",
            Purpose::Attachment => "照片或 PDF 文件",
        }
    }
    fn example(self) -> &'static str {
        match self {
            Purpose::Roster => "花名册.xlsx",
            Purpose::Attachment => "会场.jpg",
        }
    }
    /// The answer to a file over the limit.
    pub fn too_large(self, limit_bytes: u64) -> ApiError {
        let message = match self {
            Purpose::Roster => format!("花名册文件超过 {} MB，请分成几个文件导入", mb(limit_bytes)),
            Purpose::Attachment => format!("附件不能超过 {} MB，请压缩照片或拆分 PDF 后再上传", mb(limit_bytes)),
        };
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "upload.too_large", message)
    }
}

/// An uploaded file with the form's other text fields.
pub struct Uploaded {
    /// The file name's last path component.
    pub name: String,
    pub bytes: Vec<u8>,
    /// Other fields of a multipart form (`org_id`, `confirm_renames`, …), at most a few.
    pub fields: Vec<(String, String)>,
}

impl Uploaded {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Reads the uploaded file of a request. `filename` names a raw body.
pub async fn read(req: Request, purpose: Purpose, filename: Option<&str>, max_bytes: Option<u64>) -> ApiResult<Uploaded> {
    let max = max_bytes.unwrap_or(purpose.limits().max_file_bytes);
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let limit = max + 64 * 1024;
    let (name, bytes, fields) = if content_type.starts_with("multipart/form-data") {
        let boundary = multer::parse_boundary(&content_type)
            .map_err(|_| ApiError::bad_request("upload.invalid", "上传的表单格式不正确，请重新选择文件上传"))?;
        let constraints = multer::Constraints::new()
            .size_limit(multer::SizeLimit::new().whole_stream(limit).per_field(max + 1).for_field("org_id", 64));
        let mut form = multer::Multipart::with_constraints(req.into_body().into_data_stream(), boundary, constraints);
        let broken = |e: multer::Error| match e {
            multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => purpose.too_large(max),
            multer::Error::StreamReadFailed(e) if crate::server::is_body_timeout(&*e) => ApiError::body_unreadable(&*e),
            _ => ApiError::bad_request("upload.invalid", "上传的内容不完整或格式不正确，请重新选择文件上传"),
        };
        let mut file = None;
        let mut fields = Vec::new();
        while let Some(field) = form.next_field().await.map_err(broken)? {
            match field.name().map(str::to_string) {
                Some(n) if n == "file" && file.is_none() => {
                    let name = field.file_name().map(str::to_string).or_else(|| filename.map(str::to_string)).unwrap_or_default();
                    let bytes = field.bytes().await.map_err(broken)?;
                    if bytes.len() as u64 > max {
                        return Err(purpose.too_large(max));
                    }
                    file = Some((name, bytes.to_vec()));
                }
                Some(n) if fields.len() < 8 && n.len() <= 40 => {
                    let text = field.text().await.map_err(broken)?;
                    fields.push((n, text.chars().take(200).collect()));
                }
                _ => {}
            }
        }
        let (name, bytes) = file.ok_or_else(|| {
            ApiError::bad_request("upload.no_file", format!("请选择要上传的{}（表单字段 file）", purpose.what()))
        })?;
        if name.trim().is_empty() {
            return Err(ApiError::bad_request("upload.no_filename", "上传的文件没有文件名，无法判断文件类型"));
        }
        (name, bytes, fields)
    } else {
        let bytes = axum::body::to_bytes(req.into_body(), limit as usize).await.map_err(|e| {
            if crate::server::is_body_timeout(&e) { ApiError::body_unreadable(&e) } else { purpose.too_large(max) }
        })?;
        if bytes.len() as u64 > max {
            return Err(purpose.too_large(max));
        }
        let name = filename.map(str::to_string).filter(|n| !n.trim().is_empty()).ok_or_else(|| {
            ApiError::bad_request(
                "upload.no_filename",
                format!(
                    "请用 multipart 表单的 file 字段上传文件，或在地址中用 ?filename= 注明文件名（如 {}）",
                    purpose.example()
                ),
            )
        })?;
        (name, bytes.to_vec(), Vec::new())
    };
    if bytes.is_empty() {
        return Err(ApiError::bad_request("upload.no_file", "上传的文件是空的，请重新选择文件"));
    }
    let name = name.rsplit(['/', '\\']).next().unwrap_or(&name).to_string();
    Ok(Uploaded { name, bytes, fields })
}
