//! 会议附件: photos (JPG, PNG) and PDFs of a meeting, their type checked by their first
//! bytes (not by the name alone), at most [`ATTACHMENT_MAX_BYTES`], stored under
//! `<attachments dir>/<region>/<random name>` (see [`crate::Db::attachments_dir`]) and
//! read back only through the scope of the meeting they belong to.
//!
//! Adding evidence to a record stays open after the correction window (it changes
//! nothing that was recorded); removing an attachment is an edit and follows the window.

use super::OrgLife;
use super::meeting::{MeetingRow, ensure_directly_editable};
use crate::platform::audit::{self, Event};
use crate::platform::files;
use crate::{StoreError, StoreResult, platform::ids};
use serde::Serialize;
use std::path::PathBuf;
use vanguard_domain::org::path;

/// The largest attachment accepted: the domain's upload limit for attachments (10 MB).
pub const ATTACHMENT_MAX_BYTES: usize = vanguard_domain::kernel::upload::ATTACHMENT_MAX_FILE_BYTES as usize;
/// Longest file name kept, in characters.
const NAME_MAX: usize = 100;

/// One attachment as listed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AttachmentView {
    pub id: i64,
    pub meeting_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub created_at: i64,
}

/// An attachment with its content, for download.
#[derive(Debug, Clone)]
pub struct AttachmentFile {
    pub view: AttachmentView,
    pub bytes: Vec<u8>,
}

#[derive(sqlx::FromRow)]
struct Stored {
    region_id: i64,
    id: i64,
    meeting_id: i64,
    file_name: String,
    content_type: String,
    size_bytes: i64,
    created_at: i64,
    stored_name: String,
}

impl Stored {
    fn view(&self) -> AttachmentView {
        AttachmentView {
            id: self.id,
            meeting_id: self.meeting_id,
            file_name: self.file_name.clone(),
            content_type: self.content_type.clone(),
            size_bytes: self.size_bytes,
            created_at: self.created_at,
        }
    }
}

/// The type of a file by its first bytes: `(content type, extension)` for JPEG, PNG and
/// PDF, `None` for anything else.
pub fn sniff_attachment(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("image/jpeg", "jpg"))
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some(("image/png", "png"))
    } else if bytes.starts_with(b"%PDF-") {
        Some(("application/pdf", "pdf"))
    } else {
        None
    }
}

/// The file name as shown: its last path component, without control characters,
/// shortened keeping the extension.
fn clean_name(name: &str, ext: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    // Bidirectional controls too: “照片\u{202e}gpj.exe” would show as “照片exe.jpg”.
    let cleaned: String =
        base.chars().filter(|c| !c.is_control() && !is_bidi_control(*c) && !matches!(c, '"' | '<' | '>')).collect();
    let cleaned = cleaned.trim().to_string();
    if cleaned.is_empty() {
        return format!("附件.{ext}");
    }
    if cleaned.chars().count() <= NAME_MAX {
        return cleaned;
    }
    let stem: String = cleaned.chars().take(NAME_MAX - ext.len() - 1).collect();
    format!("{stem}.{ext}")
}

/// Unicode's explicit directional formatting characters (UAX #9).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn file_error(code: &'static str, message: impl Into<String>) -> StoreError {
    StoreError::invalid("file", code, message)
}

/// Checks an uploaded attachment (any bytes, any name) and returns its content type, the
/// extension it is stored with and the name it is shown with; anything else is a
/// validation error of the `file` field.
pub fn check_attachment(name: &str, bytes: &[u8]) -> StoreResult<(&'static str, &'static str, String)> {
    if bytes.is_empty() {
        return Err(file_error("file.empty", "上传的文件是空的"));
    }
    if bytes.len() > ATTACHMENT_MAX_BYTES {
        return Err(file_error(
            "file.too_large",
            format!("附件不能超过{} MB，请压缩照片或拆分 PDF 后再上传", ATTACHMENT_MAX_BYTES / 1024 / 1024),
        ));
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e.trim().to_ascii_lowercase()).unwrap_or_default();
    if !matches!(ext.as_str(), "jpg" | "jpeg" | "png" | "pdf") {
        return Err(file_error("file.type", "只能上传照片（JPG、PNG）或 PDF 文件"));
    }
    let (content_type, stored_ext) = sniff_attachment(bytes).ok_or_else(|| {
        file_error(
            "file.content",
            format!(
                "文件“{}”的内容不是 JPG、PNG 或 PDF（可能是改了扩展名的其他文件），请上传原始照片或 PDF",
                clean_name(name, &ext)
            ),
        )
    })?;
    Ok((content_type, stored_ext, clean_name(name, stored_ext)))
}

fn io_error(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("{what}：{e}"))
}

impl OrgLife<'_> {
    fn stored_path(&self, region_id: i64, stored_name: &str) -> PathBuf {
        self.db.attachments_dir().join(region_id.to_string()).join(stored_name)
    }

    pub(crate) async fn attachments_of(&self, m: &MeetingRow) -> StoreResult<Vec<AttachmentView>> {
        Ok(crate::read!(self.db, c => sqlx::query_as(
            "SELECT id, meeting_id, file_name, content_type, size_bytes, created_at FROM meeting_attachments \
             WHERE region_id = $1 AND meeting_id = $2 ORDER BY created_at, id")
            .bind(m.region_id).bind(m.id).fetch_all(c).await)?)
    }

    /// Adds a photo or PDF to a meeting within the writable subtree.
    pub async fn add_attachment(&self, meeting_id: i64, file_name: &str, bytes: &[u8]) -> StoreResult<AttachmentView> {
        let mut tx = self.db.begin().await?;
        // Reach first: outside it the meeting is not found, whatever the file.
        let m = self.meeting_for_write(&mut tx, meeting_id).await?;
        if m.is_cancelled() {
            return Err(StoreError::conflict("meeting.cancelled", "该会议已取消，不能再上传附件"));
        }
        let (content_type, ext, shown) = check_attachment(file_name, bytes)?;
        let stored_name = format!("{}.{ext}", hex::encode(rand::random::<[u8; 16]>()));
        let file = self.stored_path(m.region_id, &stored_name);
        let data = bytes.to_vec();
        let target = file.clone();
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            if let Some(region_dir) = target.parent() {
                if let Some(root) = region_dir.parent() {
                    files::private_dir(root)?;
                }
                files::private_dir(region_dir)?;
            }
            files::write_new_private(&target, &data)
        })
        .await
        .map_err(|e| io_error("保存附件失败", e))?
        .map_err(|e| io_error("保存附件失败", e))?;
        let id = ids::next();
        let now = self.db.clock().now_ms();
        let view = AttachmentView {
            id,
            meeting_id,
            file_name: shown.clone(),
            content_type: content_type.to_string(),
            size_bytes: bytes.len() as i64,
            created_at: now,
        };
        let written = async {
            crate::exec_tx!(tx, c => sqlx::query(
                "INSERT INTO meeting_attachments (region_id, id, meeting_id, file_name, content_type, size_bytes, stored_name, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .bind(m.region_id).bind(id).bind(meeting_id).bind(&shown).bind(content_type).bind(view.size_bytes)
                .bind(&stored_name).bind(self.scope.actor.account_id).bind(now).execute(c).await)?;
            audit::append(
                &mut tx,
                self.db,
                &self.scope.actor,
                Event::ok("meeting.attachment_add", format!("meeting:{meeting_id}"))
                    .detail(format!("attachment:{id} {shown}（{} 字节）", view.size_bytes)),
            )
            .await?;
            tx.commit().await
        }
        .await;
        if let Err(e) = written {
            let _ = std::fs::remove_file(&file);
            return Err(e);
        }
        Ok(view)
    }

    /// An attachment within reach, with its content.
    pub async fn attachment(&self, id: i64) -> StoreResult<AttachmentFile> {
        let (lo, hi) = self.meeting_range();
        let row: Option<Stored> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT a.region_id, a.id, a.meeting_id, a.file_name, a.content_type, a.size_bytes, a.created_at, a.stored_name \
             FROM meeting_attachments a JOIN meetings m ON m.region_id = a.region_id AND m.id = a.meeting_id \
             WHERE a.region_id = $1 AND a.id = $2 AND m.org_path >= $3 AND m.org_path < $4")
            .bind(self.scope.region_id).bind(id).bind(&lo).bind(&hi).fetch_optional(c).await)?;
        let row = row.ok_or(StoreError::NotFound)?;
        let file = self.stored_path(row.region_id, &row.stored_name);
        let bytes = tokio::task::spawn_blocking(move || std::fs::read(&file))
            .await
            .map_err(|e| io_error("读取附件失败", e))?
            .map_err(|e| io_error("附件文件缺失或无法读取", e))?;
        Ok(AttachmentFile { view: row.view(), bytes })
    }

    /// Removes an attachment (within the correction window of its meeting).
    pub async fn delete_attachment(&self, id: i64) -> StoreResult<()> {
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?.to_string();
        let hi = path::upper(&root);
        let mut tx = self.db.begin().await?;
        let row: Option<Stored> = crate::on_tx!(tx, c => sqlx::query_as(
            "SELECT a.region_id, a.id, a.meeting_id, a.file_name, a.content_type, a.size_bytes, a.created_at, a.stored_name \
             FROM meeting_attachments a JOIN meetings m ON m.region_id = a.region_id AND m.id = a.meeting_id \
             WHERE a.region_id = $1 AND a.id = $2 AND m.org_path >= $3 AND m.org_path < $4")
            .bind(self.scope.region_id).bind(id).bind(&root).bind(&hi).fetch_optional(c).await)?;
        let row = row.ok_or(StoreError::NotFound)?;
        let m = self.meeting_for_write(&mut tx, row.meeting_id).await?;
        ensure_directly_editable(self.db, &m)?;
        crate::exec_tx!(tx, c => sqlx::query("DELETE FROM meeting_attachments WHERE region_id = $1 AND id = $2")
            .bind(row.region_id).bind(id).execute(c).await)?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("meeting.attachment_delete", format!("meeting:{}", row.meeting_id))
                .detail(format!("attachment:{id} {}", row.file_name)),
        )
        .await?;
        tx.commit().await?;
        let _ = std::fs::remove_file(self.stored_path(row.region_id, &row.stored_name));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_recognized_by_their_first_bytes() {
        assert_eq!(sniff_attachment(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some(("image/jpeg", "jpg")));
        assert_eq!(sniff_attachment(b"\x89PNG\r\n\x1a\n...."), Some(("image/png", "png")));
        assert_eq!(sniff_attachment(b"%PDF-1.7\n"), Some(("application/pdf", "pdf")));
        assert_eq!(sniff_attachment(b"hello, I am text"), None);
        assert_eq!(sniff_attachment(b"MZ\x90\x00"), None);
        assert_eq!(sniff_attachment(b""), None);
    }

    #[test]
    fn names_are_cleaned_and_kept_short() {
        assert_eq!(clean_name("C:\\照片\\会场.jpg", "jpg"), "会场.jpg");
        assert_eq!(clean_name("../../etc/passwd.pdf", "pdf"), "passwd.pdf");
        assert_eq!(clean_name("  ", "png"), "附件.png");
        assert_eq!(clean_name("照片\u{202e}gpj.pdf", "pdf"), "照片gpj.pdf");
        let long = format!("{}.pdf", "长".repeat(300));
        let c = clean_name(&long, "pdf");
        assert!(c.ends_with(".pdf") && c.chars().count() == NAME_MAX, "{c}");
    }

    #[test]
    fn a_text_file_named_jpg_is_refused() {
        let e = check_attachment("会场.jpg", b"just some text").unwrap_err();
        assert!(matches!(&e, StoreError::Invalid(i) if i.has("file.content")), "{e:?}");
        let e = check_attachment("程序.exe", &[0xFF, 0xD8, 0xFF]).unwrap_err();
        assert!(matches!(&e, StoreError::Invalid(i) if i.has("file.type")), "{e:?}");
        assert!(check_attachment("会场.JPG", &[0xFF, 0xD8, 0xFF, 0xE0]).is_ok());
    }
}
