//! File downloads: one way to answer with a file, its type and a Chinese file name
//! (`filename*` per RFC 5987, with an ASCII `filename` for old clients), never cached.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

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
    let kind = match disposition {
        Disposition::Attachment => "attachment",
        Disposition::Inline => "inline",
    };
    let ascii: String = ascii.chars().filter(|c| c.is_ascii_graphic() && *c != '"' && *c != '\\').collect();
    let value = format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{}", rfc5987(filename));
    let mut res = (StatusCode::OK, bytes).into_response();
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
