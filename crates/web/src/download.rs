//! File downloads: one way to answer with a file, its type and a Chinese file name
//! (`filename*` per RFC 5987, with an ASCII `filename` for old clients), never cached.

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::io::Read;
use std::pin::Pin;
use std::task::{Context, Poll};
use vanguard_store::platform::xlsx::Spool;

/// The media type of .xlsx workbooks.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// `filename*` per RFC 5987: UTF-8, percent-encoded except attr-chars.
fn rfc5987(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// How the browser should treat a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Save it (the default for everything users upload).
    Attachment,
    /// Show it in the browser (images and PDFs on request, sandboxed by the CSP).
    Inline,
}

/// Answers with `bytes` as a file named `filename` (`ascii` for clients without RFC 5987).
pub fn file(bytes: Vec<u8>, content_type: &str, filename: &str, ascii: &str, disposition: Disposition) -> Response {
    with_file_headers((StatusCode::OK, bytes).into_response(), content_type, filename, ascii, disposition)
}

/// A file answer's headers: its type, its name, never cached.
fn with_file_headers(mut res: Response, content_type: &str, filename: &str, ascii: &str, disposition: Disposition) -> Response {
    let kind = match disposition {
        Disposition::Attachment => "attachment",
        Disposition::Inline => "inline",
    };
    let ascii: String = ascii.chars().filter(|c| c.is_ascii_graphic() && *c != '"' && *c != '\\').collect();
    let value = format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{}", rfc5987(filename));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&value) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The CSP of files users uploaded: a sandbox with no scripts, plugins, forms or
/// same-origin access, whatever the browser makes of the file.
pub const USER_FILE_CSP: &str = "sandbox; default-src 'none'; img-src 'self' data:; frame-ancestors 'none'";

/// A file a user uploaded: like [`file`], under [`USER_FILE_CSP`] (the security-headers
/// middleware keeps a CSP an answer already has).
pub fn user_file(bytes: Vec<u8>, content_type: &str, filename: &str, ascii: &str, disposition: Disposition) -> Response {
    let mut res = file(bytes, content_type, filename, ascii, disposition);
    res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(USER_FILE_CSP));
    res
}

/// An .xlsx workbook to save.
pub fn xlsx(bytes: Vec<u8>, filename: &str, ascii: &str) -> Response {
    file(bytes, XLSX, filename, ascii, Disposition::Attachment)
}

/// An .xlsx workbook to save, streamed from its spooled file: read in chunks on the
/// blocking pool as the client takes them (at most [`SPOOL_CHUNKS`] chunks of
/// [`SPOOL_CHUNK`] bytes in flight), so a city-wide export is never held in memory. The
/// file goes away when the stream ends or the client leaves.
pub fn xlsx_spool(spool: Spool, filename: &str, ascii: &str) -> Response {
    let len = spool.len();
    let (tx, rx) = tokio::sync::mpsc::channel(SPOOL_CHUNKS);
    tokio::task::spawn_blocking(move || {
        let mut spool = spool;
        loop {
            let mut buf = vec![0u8; SPOOL_CHUNK];
            let sent = match spool.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    buf.truncate(n);
                    tx.blocking_send(Ok(Bytes::from(buf)))
                }
                Err(e) => {
                    tracing::error!(error = %e, "export file unreadable while streaming");
                    tx.blocking_send(Err(e))
                }
            };
            if sent.is_err() {
                break; // the client left
            }
        }
    });
    let mut res = Response::new(Body::new(SpoolBody { rx, len }));
    if let Ok(v) = HeaderValue::from_str(&len.to_string()) {
        res.headers_mut().insert(header::CONTENT_LENGTH, v);
    }
    with_file_headers(res, XLSX, filename, ascii, Disposition::Attachment)
}

/// Bytes read ahead of a slow client, per chunk and in chunks.
pub const SPOOL_CHUNK: usize = 64 * 1024;
pub const SPOOL_CHUNKS: usize = 4;

/// The body of a streamed file: the chunks the reader sends.
struct SpoolBody {
    rx: tokio::sync::mpsc::Receiver<std::io::Result<Bytes>>,
    len: u64,
}

impl http_body::Body for SpoolBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
        self.rx.poll_recv(cx).map(|chunk| chunk.map(|r| r.map(http_body::Frame::data)))
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_file_names_are_percent_encoded_as_utf8() {
        assert_eq!(rfc5987("花名册 1.xlsx"), "%E8%8A%B1%E5%90%8D%E5%86%8C%201.xlsx");
    }

    #[test]
    fn the_ascii_name_cannot_break_out_of_its_quotes() {
        let res = xlsx(Vec::new(), "a.xlsx", "x\"; evil=1.xlsx");
        let v = res.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().to_string();
        assert!(v.starts_with("attachment; filename=\"x;evil=1.xlsx\""), "{v}");
    }
}
