//! `.csv`: the raw bytes scanned for line length and field count before decoding, then
//! records read with the `csv` crate.

use super::{Budget, SheetBuilder};
use vanguard_domain::kernel::upload::{UploadError, UploadLimits};
use vanguard_domain::member::roster::{Cell, Table};

/// The longest line accepted before decoding, in bytes: every column at a generous
/// average width.
fn max_line_bytes(limits: &UploadLimits) -> u64 {
    limits.max_columns.saturating_mul(4096).max(limits.max_cell_chars.saturating_mul(4))
}

/// Scans the raw bytes: no line longer than the limit, no more separators than columns,
/// no more lines than rows (quoted line breaks only make lines shorter).
fn scan(bytes: &[u8], limits: &UploadLimits) -> Result<(), UploadError> {
    let max_line = max_line_bytes(limits);
    let (mut line, mut len, mut seps) = (1u64, 0u64, [0u64; 3]);
    for &b in bytes {
        if b == b'\n' {
            line += 1;
            len = 0;
            seps = [0; 3];
            if line > limits.max_rows.saturating_add(1) {
                return Err(UploadError::TooManyRows { sheet: "CSV".into(), limit: limits.max_rows });
            }
            continue;
        }
        len += 1;
        match b {
            b',' => seps[0] += 1,
            b'\t' => seps[1] += 1,
            b';' => seps[2] += 1,
            _ => {}
        }
        if len > max_line || seps.iter().any(|s| *s >= limits.max_columns) {
            return Err(UploadError::LineTooLong { line, limit: limits.max_columns });
        }
    }
    Ok(())
}

/// Decodes a CSV file: UTF-8 with or without BOM, UTF-16 with BOM (Excel's "Unicode
/// text"), or GB18030 (what Excel on a Chinese Windows saves as plain "CSV").
pub fn decode_text(bytes: &[u8]) -> Result<String, UploadError> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8(rest.to_vec()).map_err(|_| UploadError::Encoding);
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        let enc = if bytes.starts_with(&[0xFF, 0xFE]) { encoding_rs::UTF_16LE } else { encoding_rs::UTF_16BE };
        let (text, _, bad) = enc.decode(bytes);
        return if bad { Err(UploadError::Encoding) } else { Ok(text.into_owned()) };
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_string());
    }
    let (text, _, bad) = encoding_rs::GB18030.decode(bytes);
    if bad {
        return Err(UploadError::Encoding);
    }
    Ok(text.into_owned())
}

/// The separator the first non-blank line uses most: comma, tab, semicolon or the
/// full-width comma (read as a comma).
fn delimiter(text: &str) -> char {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let best = [',', '\t', ';', '，'].into_iter().max_by_key(|d| first.matches(*d).count()).unwrap_or(',');
    if first.matches(best).count() == 0 { ',' } else { best }
}

/// Reads a CSV file as one table named after the file.
pub fn read(filename: &str, bytes: &[u8], limits: &UploadLimits) -> Result<Vec<Table>, UploadError> {
    scan(bytes, limits)?;
    let mut budget = Budget::new(limits);
    let mut text = decode_text(bytes)?;
    budget.take(text.len() as u64)?;
    let mut delim = delimiter(&text);
    if delim == '，' {
        // The csv crate splits on one byte; a file separated by full-width commas has
        // them as separators only.
        text = text.replace('，', ",");
        delim = ',';
    }
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delim as u8).from_reader(text.as_bytes());
    let mut sheet = SheetBuilder::new(filename.to_string(), limits);
    let mut record = csv::StringRecord::new();
    let mut total = 0u64;
    let mut row: u32 = 0;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(UploadError::Unreadable { expected: "CSV", detail: e.to_string() }),
        }
        for (col, field) in record.iter().enumerate() {
            if field.is_empty() {
                continue;
            }
            let col = u32::try_from(col).unwrap_or(u32::MAX);
            sheet.check_place(row, col)?;
            sheet.check_text(row, field)?;
            sheet.push(row, col, Cell::Text(field.to_string()), &mut budget, &mut total)?;
        }
        row = row.saturating_add(1);
    }
    Ok(vec![sheet.finish(Vec::new(), &mut budget)?])
}
