//! The one reader of uploaded files: the `file` part of a multipart form (with its file
//! name) or a raw body named by `?filename=`, read within the size limit of what is
//! uploaded (a roster, an attachment) and refused with that upload's own wording. The
//! content is then read by the store's bounded reader (`platform::upload`) or stored as
//! it is (attachments).

use crate::error::{ApiError, ApiResult};
use axum::extract::Request;
use axum::http::{StatusCode, header};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use vanguard_domain::kernel::upload::{UploadLimits, mb};

/// The room for uploaded bytes held at once ([`UploadLimits::max_bytes_in_flight`]), in
/// KiB permits. An upload reserves its declared length (or the largest file allowed when
/// it declares none) before its first byte is read and keeps it until it is answered, so
/// bodies that wait for a parse slot count too.
#[derive(Clone, Debug)]
pub struct InFlight {
    room: Arc<Semaphore>,
    whole_kib: u64,
    wait: Duration,
}

/// An upload's reservation of [`InFlight`] room; returned when dropped, and the heap the
/// upload used is given back to the system then ([`HeapRelease`]).
#[derive(Debug)]
pub struct Reserved(#[allow(dead_code)] OwnedSemaphorePermit, #[allow(dead_code)] HeapRelease);

/// Gives the heap freed by a large request (an upload's parse, an import's commit) back
/// to the system when dropped. glibc keeps what a thread freed in that thread's arena for
/// later use, so a 20,000-row preview parsed on one thread and committed on another left
/// both peaks resident (issue 10's budget: the import < 150 MB above idle); `malloc_trim`
/// returns the whole free pages of every arena. It runs on the blocking pool: on a large
/// heap it takes milliseconds.
#[derive(Debug, Default)]
pub struct HeapRelease;

impl Drop for HeapRelease {
    fn drop(&mut self) {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        {
            // SAFETY: malloc_trim only walks glibc's own free lists; it takes no pointers.
            let trim = || unsafe {
                libc::malloc_trim(0);
            };
            match tokio::runtime::Handle::try_current() {
                Ok(rt) => drop(rt.spawn_blocking(trim)),
                Err(_) => trim(),
            }
        }
    }
}

/// How long an upload waits for room before it is told the server is busy.
const WAIT_FOR_ROOM: Duration = Duration::from_secs(30);

impl InFlight {
    pub fn new(max_bytes: u64) -> Self {
        Self::with_wait(max_bytes, WAIT_FOR_ROOM)
    }

    /// Room for `max_bytes`, and uploads that wait `wait` for it.
    pub fn with_wait(max_bytes: u64, wait: Duration) -> Self {
        let permits = usize::try_from(kib(max_bytes).clamp(1, u64::from(u32::MAX))).unwrap_or(usize::MAX);
        InFlight { room: Arc::new(Semaphore::new(permits)), whole_kib: permits as u64, wait }
    }

    /// Reserves `bytes`, waiting up to the configured time. A file larger than the whole
    /// room takes all of it (it was already allowed by the file-size limit).
    async fn reserve(&self, bytes: u64) -> ApiResult<Reserved> {
        let whole = u32::try_from(self.whole_kib).unwrap_or(u32::MAX);
        let want = u32::try_from(kib(bytes)).unwrap_or(u32::MAX).clamp(1, whole.max(1));
        match tokio::time::timeout(self.wait, self.room.clone().acquire_many_owned(want)).await {
            Ok(Ok(permit)) => Ok(Reserved(permit, HeapRelease)),
            _ => Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "upload.busy",
                "服务器正在处理较多的上传文件，请过一两分钟再上传",
            )),
        }
    }

    /// The room not reserved now, in bytes.
    pub fn available_bytes(&self) -> u64 {
        self.room.available_permits() as u64 * 1024
    }
}

fn kib(bytes: u64) -> u64 {
    bytes.div_ceil(1024)
}

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
    /// The room this upload holds until it is answered: keep it while `bytes` are used.
    pub reserved: Reserved,
}

impl Uploaded {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Reads the uploaded file of a request within the room for uploads in flight.
/// `filename` names a raw body.
pub async fn read(
    room: &InFlight,
    req: Request,
    purpose: Purpose,
    filename: Option<&str>,
    max_bytes: Option<u64>,
) -> ApiResult<Uploaded> {
    let max = max_bytes.unwrap_or(purpose.limits().max_file_bytes);
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let limit = max + 64 * 1024;
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    // A body over the limit is refused once the limit is read (answering before the
    // client has sent it would cut its connection before it sees the reason).
    let reserved = room.reserve(declared.unwrap_or(limit).min(limit)).await?;
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
                    file = Some((name, Vec::from(bytes)));
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
        // The collected body is one unshared buffer: taken over, not copied.
        (name, Vec::from(bytes), Vec::new())
    };
    if bytes.is_empty() {
        return Err(ApiError::bad_request("upload.no_file", "上传的文件是空的，请重新选择文件"));
    }
    let name = name.rsplit(['/', '\\']).next().unwrap_or(&name).to_string();
    Ok(Uploaded { name, bytes, fields, reserved })
}
