//! `.xlsx`: the zip container and its XML parts checked before calamine opens them,
//! then cells read streaming with calamine's cell reader.

use super::{Budget, SheetBuilder};
use calamine::{DataRef, Reader, Xlsx};
use quick_xml::events::Event;
use std::collections::HashMap;
use std::io::{BufReader, Cursor, Read};
use vanguard_domain::kernel::upload::{UploadError, UploadLimits, mb};
use vanguard_domain::member::roster::{Cell, Table};

fn unreadable(detail: impl Into<String>) -> UploadError {
    UploadError::Unreadable { expected: "Excel", detail: detail.into() }
}

/// Entries smaller than this are not held to the ratio limit (tiny parts compress well).
const RATIO_FLOOR: u64 = 1024 * 1024;

/// A reader that refuses more than `max` bytes in all and any run of more than
/// `max_token` bytes without a `<` or `>`: every buffer of an XML parser reading through
/// it stays bounded.
pub struct Guard<R> {
    inner: R,
    entry: String,
    max: u64,
    max_token: u64,
    read: u64,
    run: u64,
    xml: bool,
    /// The first limit passed, kept for the caller (io errors carry no type).
    pub error: Option<UploadError>,
}

impl<R: Read> Guard<R> {
    pub fn new(inner: R, entry: &str, max: u64, max_token: u64, xml: bool) -> Self {
        Guard { inner, entry: entry.to_string(), max, max_token, read: 0, run: 0, xml, error: None }
    }
    pub fn bytes_read(&self) -> u64 {
        self.read
    }
    fn refuse(&mut self, e: UploadError) -> std::io::Error {
        let io = std::io::Error::other(e.to_string());
        self.error = Some(e);
        io
    }
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.max {
            let e = UploadError::EntryTooLarge { entry: self.entry.clone(), limit_mb: mb(self.max) };
            return Err(self.refuse(e));
        }
        if self.xml {
            for &b in &buf[..n] {
                if b == b'<' || b == b'>' {
                    self.run = 0;
                } else {
                    self.run += 1;
                }
            }
            if self.run > self.max_token {
                let e = UploadError::TokenTooLong { limit_kb: self.max_token / 1024 };
                return Err(self.refuse(e));
            }
        }
        Ok(n)
    }
}

/// What the checks learned about one worksheet part.
#[derive(Debug, Default)]
struct SheetFacts {
    hidden_rows: Vec<usize>,
}

/// The facts of a checked workbook: sheet names with their parts, and each part's facts.
#[derive(Debug, Default)]
pub struct Checked {
    sheets: Vec<(String, String)>,
    facts: HashMap<String, SheetFacts>,
}

fn xml_error<R>(guard: &mut Guard<R>, e: impl std::fmt::Display) -> UploadError {
    guard.error.take().unwrap_or_else(|| unreadable(format!("XML 格式错误：{e}")))
}

/// A1-style reference → (row, column), both 0-based.
fn cell_ref(s: &str) -> Option<(u64, u64)> {
    let s = s.trim().trim_start_matches('$');
    let letters: String = s.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let digits = s[letters.len()..].trim_start_matches('$');
    if letters.is_empty() || letters.len() > 3 || digits.is_empty() || digits.len() > 7 {
        return None;
    }
    let col = letters.bytes().fold(0u64, |acc, b| acc * 26 + u64::from(b.to_ascii_uppercase() - b'A' + 1));
    let row: u64 = digits.parse().ok()?;
    // `then`, not `then_some`: the subtraction must not run for row 0 (found by the fuzzer).
    (row >= 1 && col >= 1).then(|| (row - 1, col - 1))
}

fn attr(e: &quick_xml::events::BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes().with_checks(false).flatten().find(|a| a.key.as_ref() == name).map(|a| a.value.to_string())
}

/// Checks the container and every XML part against `limits`, before anything of the
/// workbook is allocated by calamine.
pub fn check(bytes: &[u8], limits: &UploadLimits) -> Result<Checked, UploadError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(format!("压缩包无法读取：{e}")))?;
    let entries = zip.len() as u64;
    if entries > limits.max_entries {
        return Err(UploadError::TooManyEntries { actual: entries, limit: limits.max_entries });
    }
    // Declared sizes first: nothing is inflated yet.
    let mut names = Vec::with_capacity(zip.len());
    let mut declared_total: u64 = 0;
    for i in 0..zip.len() {
        let f = zip.by_index_raw(i).map_err(|e| unreadable(format!("压缩包无法读取：{e}")))?;
        let name = f.name().map_err(|e| unreadable(format!("压缩包无法读取：{e}")))?.to_string();
        let (size, packed) = (f.size(), f.compressed_size());
        if size > limits.max_entry_bytes {
            return Err(UploadError::EntryTooLarge { entry: name, limit_mb: mb(limits.max_entry_bytes) });
        }
        if size > RATIO_FLOOR && size / packed.max(1) > limits.max_ratio {
            return Err(UploadError::RatioTooHigh { entry: name, ratio: size / packed.max(1), limit: limits.max_ratio });
        }
        declared_total = declared_total.saturating_add(size);
        if declared_total > limits.max_total_bytes {
            return Err(UploadError::TotalTooLarge { limit_mb: mb(limits.max_total_bytes) });
        }
        names.push((name, packed));
    }
    // Then every XML part, inflated through a guard (declared sizes may lie).
    let mut checked = Checked::default();
    let mut actual_total: u64 = 0;
    let mut workbook: Vec<(String, String)> = Vec::new();
    let mut rels: HashMap<String, String> = HashMap::new();
    // The workbook and its relations first: a sheet's messages then name the sheet.
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by_key(|i| {
        let n = names[*i].0.to_ascii_lowercase();
        !(n == "xl/workbook.xml" || n == "xl/_rels/workbook.xml.rels")
    });
    let sheet_name = |part: &str, workbook: &[(String, String)], rels: &HashMap<String, String>| -> String {
        workbook
            .iter()
            .find(|(_, rid)| {
                rels.get(rid)
                    .is_some_and(|t| t.trim_start_matches('/').trim_start_matches("xl/") == part.trim_start_matches("xl/"))
            })
            .map(|(n, _)| n.clone())
            .unwrap_or_else(|| part.rsplit('/').next().unwrap_or(part).trim_end_matches(".xml").to_string())
    };
    for i in order {
        let (name, packed) = &names[i];
        let lower = name.to_ascii_lowercase();
        if !(lower.ends_with(".xml") || lower.ends_with(".rels")) {
            continue;
        }
        let f = zip.by_index(i).map_err(|e| unreadable(format!("压缩包无法读取：{e}")))?;
        // The ratio is bounded as the entry inflates, whatever its header says.
        let max = limits.max_entry_bytes.min(if *packed > 0 {
            packed.saturating_mul(limits.max_ratio).max(RATIO_FLOOR)
        } else {
            RATIO_FLOOR
        });
        let mut guard = Guard::new(f, name, max, limits.max_xml_token_bytes, true);
        let outcome = if lower == "xl/sharedstrings.xml" {
            check_shared_strings(&mut guard, limits)
        } else if lower.starts_with("xl/worksheets/") && !lower.contains("/_rels/") {
            check_sheet(&mut guard, &sheet_name(name, &workbook, &rels), limits).map(|facts| {
                checked.facts.insert(name.clone(), facts);
            })
        } else if lower == "xl/workbook.xml" {
            workbook_sheets(&mut guard).map(|s| workbook = s)
        } else if lower == "xl/_rels/workbook.xml.rels" {
            workbook_rels(&mut guard).map(|r| rels = r)
        } else {
            std::io::copy(&mut guard, &mut std::io::sink()).map(|_| ()).map_err(|e| xml_error(&mut guard, e))
        };
        if let Err(e) = outcome {
            // A ratio passed while inflating reads as the ratio it is.
            return Err(match e {
                UploadError::EntryTooLarge { entry, .. } if max < limits.max_entry_bytes => {
                    UploadError::RatioTooHigh { entry, ratio: max / packed.max(&1), limit: limits.max_ratio }
                }
                e => e,
            });
        }
        actual_total = actual_total.saturating_add(guard.bytes_read());
        if actual_total > limits.max_total_bytes {
            return Err(UploadError::TotalTooLarge { limit_mb: mb(limits.max_total_bytes) });
        }
    }
    for (sheet, rid) in workbook {
        if let Some(target) = rels.get(&rid) {
            let path = match target.strip_prefix('/') {
                Some(abs) => abs.to_string(),
                None => format!("xl/{}", target.trim_start_matches("./")),
            };
            checked.sheets.push((sheet, path));
        }
    }
    Ok(checked)
}

fn check_shared_strings<R: Read>(guard: &mut Guard<R>, limits: &UploadLimits) -> Result<(), UploadError> {
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(&mut *guard));
    let mut buf = Vec::new();
    let mut count: u64 = 0;
    let mut text: u64 = 0;
    let result = loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.local_name().as_ref() {
                "sst" => {
                    let declared = ["count", "uniqueCount"]
                        .into_iter()
                        .filter_map(|key| attr(&e, key).and_then(|v| v.trim().parse::<u64>().ok()))
                        .max()
                        .unwrap_or(0);
                    if declared > limits.max_shared_strings {
                        break Err(UploadError::TooManySharedStrings { actual: declared, limit: limits.max_shared_strings });
                    }
                }
                "si" => {
                    count += 1;
                    if count > limits.max_shared_strings {
                        break Err(UploadError::TooManySharedStrings { actual: count, limit: limits.max_shared_strings });
                    }
                }
                _ => {}
            },
            Ok(Event::Text(t)) => {
                text += t.len() as u64;
                if text > limits.max_shared_string_bytes {
                    break Err(UploadError::SharedStringsTooLarge { limit_mb: mb(limits.max_shared_string_bytes) });
                }
            }
            Ok(Event::Eof) => break Ok(()),
            Ok(_) => {}
            Err(e) => break Err(unreadable(format!("XML 格式错误：{e}"))),
        }
    };
    drop(xml);
    result.map_err(|e| guard.error.take().unwrap_or(e))
}

fn check_sheet<R: Read>(guard: &mut Guard<R>, part: &str, limits: &UploadLimits) -> Result<SheetFacts, UploadError> {
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(&mut *guard));
    let mut buf = Vec::new();
    let mut facts = SheetFacts::default();
    let (mut rows, mut cells) = (0u64, 0u64);
    let result = loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.local_name().as_ref() {
                "dimension" => {
                    let range = attr(&e, "ref").unwrap_or_default();
                    let end = range.split(':').next_back().and_then(cell_ref);
                    let start = range.split(':').next().and_then(cell_ref).unwrap_or((0, 0));
                    match end {
                        Some((r, c)) => {
                            let rows = r.saturating_sub(start.0) + 1;
                            let columns = c.saturating_sub(start.1) + 1;
                            if r + 1 > limits.max_rows || c + 1 > limits.max_columns {
                                break Err(UploadError::DeclaredTooLarge {
                                    sheet: part.to_string(),
                                    range: range.chars().take(40).collect(),
                                    rows,
                                    columns,
                                    max_rows: limits.max_rows,
                                    max_columns: limits.max_columns,
                                });
                            }
                        }
                        None if range.len() > 20 => {
                            break Err(unreadable("工作表的范围声明无法识别"));
                        }
                        None => {}
                    }
                }
                "c" => {
                    cells += 1;
                    if cells > limits.max_cells {
                        break Err(UploadError::TooManyCells { limit: limits.max_cells });
                    }
                }
                "row" => {
                    rows += 1;
                    let r = attr(&e, "r").and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(rows);
                    if rows > limits.max_rows || r > limits.max_rows {
                        break Err(UploadError::TooManyRows { sheet: part.to_string(), limit: limits.max_rows });
                    }
                    let hidden = attr(&e, "hidden").is_some_and(|v| v == "1" || v == "true");
                    if hidden
                        && let Some(r) = attr(&e, "r").and_then(|v| v.trim().parse::<usize>().ok())
                        && facts.hidden_rows.len() < limits.max_rows as usize
                    {
                        facts.hidden_rows.push(r);
                    }
                }
                _ => {}
            },
            Ok(Event::Eof) => break Ok(facts),
            Ok(_) => {}
            Err(e) => break Err(unreadable(format!("XML 格式错误：{e}"))),
        }
    };
    drop(xml);
    result.map_err(|e| guard.error.take().unwrap_or(e))
}

fn workbook_sheets<R: Read>(guard: &mut Guard<R>) -> Result<Vec<(String, String)>, UploadError> {
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(&mut *guard));
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let result = loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.local_name().as_ref() == "sheet" => {
                let name = attr(&e, "name").unwrap_or_default();
                let rid = e
                    .attributes()
                    .with_checks(false)
                    .flatten()
                    .find(|a| a.key.local_name().as_ref() == "id")
                    .map(|a| a.value.to_string())
                    .unwrap_or_default();
                out.push((quick_xml::escape::unescape(&name).map(|c| c.into_owned()).unwrap_or(name), rid));
            }
            Ok(Event::Eof) => break Ok(out),
            Ok(_) => {}
            Err(e) => break Err(unreadable(format!("XML 格式错误：{e}"))),
        }
    };
    drop(xml);
    result.map_err(|e| guard.error.take().unwrap_or(e))
}

fn workbook_rels<R: Read>(guard: &mut Guard<R>) -> Result<HashMap<String, String>, UploadError> {
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(&mut *guard));
    let mut buf = Vec::new();
    let mut out = HashMap::new();
    let result = loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.local_name().as_ref() == "Relationship" => {
                if let (Some(id), Some(target)) = (attr(&e, "Id"), attr(&e, "Target")) {
                    out.insert(id, target);
                }
            }
            Ok(Event::Eof) => break Ok(out),
            Ok(_) => {}
            Err(e) => break Err(unreadable(format!("XML 格式错误：{e}"))),
        }
    };
    drop(xml);
    result.map_err(|e| guard.error.take().unwrap_or(e))
}

pub(super) fn date_cell(dt: &calamine::ExcelDateTime) -> Cell {
    if dt.is_datetime() {
        let (y, m, d, ..) = dt.to_ymd_hms_milli();
        chrono::NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d))
            .map(Cell::Date)
            .unwrap_or(Cell::Number(dt.as_f64()))
    } else {
        Cell::Number(dt.as_f64())
    }
}

/// Reads every worksheet: the container checked first, then cells streamed.
pub fn read(bytes: &[u8], limits: &UploadLimits) -> Result<Vec<Table>, UploadError> {
    let checked = check(bytes, limits)?;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(format!("工作簿无法打开：{e}")))?;
    let mut budget = Budget::new(limits);
    // The shared strings calamine now holds count against the budget.
    budget.take(0)?;
    let mut total_cells = 0u64;
    let mut out = Vec::new();
    let names: Vec<String> = book.sheet_names();
    for name in names {
        let hidden = checked
            .sheets
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, path)| checked.facts.get(path))
            .map(|f| f.hidden_rows.clone())
            .unwrap_or_default();
        let mut reader = match book.worksheet_cells_reader(&name) {
            Ok(r) => r,
            // Chart sheets and other non-worksheets hold no table.
            Err(calamine::XlsxError::NotAWorksheet(_)) => continue,
            Err(e) => return Err(unreadable(format!("工作表“{name}”无法读取：{e}"))),
        };
        let mut sheet = SheetBuilder::new(name.clone(), limits);
        loop {
            let next = reader.next_cell().map_err(|e| unreadable(format!("工作表“{name}”无法读取：{e}")))?;
            let Some(c) = next else { break };
            let (row, col) = c.get_position();
            let value = c.get_value();
            if matches!(value, DataRef::Empty) {
                continue;
            }
            sheet.check_place(row, col)?;
            let cell = match value {
                DataRef::Empty => Cell::Empty,
                DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
                    sheet.check_text(row, s)?;
                    Cell::Text(s.clone())
                }
                DataRef::SharedString(s) => {
                    sheet.check_text(row, s)?;
                    Cell::Text((*s).to_string())
                }
                DataRef::Int(i) => Cell::Number(*i as f64),
                DataRef::Float(f) => Cell::Number(*f),
                DataRef::Bool(b) => Cell::Bool(*b),
                DataRef::DateTime(dt) => date_cell(dt),
                DataRef::Error(e) => Cell::Text(format!("#{e:?}")),
            };
            sheet.push(row, col, cell, &mut budget, &mut total_cells)?;
        }
        drop(reader);
        out.push(sheet.finish(hidden, &mut budget)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::cell_ref;

    #[test]
    fn a_cell_reference_is_read_as_zero_based_row_and_column() {
        assert_eq!(cell_ref("A1"), Some((0, 0)));
        assert_eq!(cell_ref("$XFD$1048576"), Some((1_048_575, 16_383)));
    }

    #[test]
    fn row_zero_and_references_without_a_row_are_not_cells() {
        assert_eq!(cell_ref("A0"), None);
        assert_eq!(cell_ref("A"), None);
        assert_eq!(cell_ref("1"), None);
        assert_eq!(cell_ref("ABCD1"), None);
    }
}
