//! `.xls` (BIFF8 in a compound file): the workbook stream is read with the `cfb` crate
//! and its records walked the way calamine will walk them, so that dimensions, cell
//! positions, shared strings and the memory of the dense ranges calamine builds are
//! checked before calamine parses anything. calamine itself runs under the caller's
//! `catch_unwind` (a malformed BOF position can make it panic).

use super::{Budget, SheetBuilder};
use calamine::{Data, Reader, Xls};
use std::collections::HashMap;
use std::io::{Cursor, Read};
use vanguard_domain::kernel::upload::{UploadError, UploadLimits, mb};
use vanguard_domain::member::roster::{Cell, Table};

fn unreadable(detail: impl Into<String>) -> UploadError {
    UploadError::Unreadable { expected: "Excel", detail: detail.into() }
}

fn u16_at(d: &[u8], at: usize) -> Option<u32> {
    d.get(at..at + 2).map(|b| u32::from(u16::from_le_bytes([b[0], b[1]])))
}

fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    d.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// The records of a stream from `pos`: (type, data), CONTINUE records kept as they are.
fn records(stream: &[u8], mut pos: usize) -> impl Iterator<Item = Result<(u16, &[u8]), UploadError>> {
    std::iter::from_fn(move || {
        if pos >= stream.len() {
            return None;
        }
        let head = stream.get(pos..pos + 4);
        let Some(h) = head else {
            pos = stream.len();
            return Some(Err(unreadable("记录不完整")));
        };
        let typ = u16::from_le_bytes([h[0], h[1]]);
        let len = usize::from(u16::from_le_bytes([h[2], h[3]]));
        let Some(data) = stream.get(pos + 4..pos + 4 + len) else {
            pos = stream.len();
            return Some(Err(unreadable("记录长度超出文件")));
        };
        pos += 4 + len;
        Some(Ok((typ, data)))
    })
}

/// What one sheet's records will make calamine hold.
#[derive(Debug, Default)]
struct SheetStats {
    max_row: Option<u32>,
    max_col: u32,
    min_row: u32,
    min_col: u32,
    cells: u64,
    declared: (u64, u64),
    hidden_rows: Vec<usize>,
    /// Bytes of records walked (a bound on the work of a walk).
    walked: u64,
}

impl SheetStats {
    fn cell(&mut self, row: u32, col: u32) {
        match self.max_row {
            None => {
                self.max_row = Some(row);
                self.min_row = row;
                self.max_col = col;
                self.min_col = col;
            }
            Some(r) => {
                self.max_row = Some(r.max(row));
                self.min_row = self.min_row.min(row);
                self.max_col = self.max_col.max(col);
                self.min_col = self.min_col.min(col);
            }
        }
        self.cells += 1;
    }
}

fn sheet_stats(stream: &[u8], pos: usize, limits: &UploadLimits) -> Result<SheetStats, UploadError> {
    let mut s = SheetStats::default();
    let mut seen_bof = false;
    let mut depth = 0usize;
    for rec in records(stream, pos) {
        // calamine stops a sheet at a broken record with an error; so does this walk.
        let Ok((typ, d)) = rec else { break };
        s.walked += 4 + d.len() as u64;
        if depth > 0 {
            match typ {
                0x0809 => depth += 1,
                0x000A => depth -= 1,
                _ => {}
            }
            continue;
        }
        match typ {
            0x0809 => {
                if seen_bof {
                    depth += 1
                } else {
                    seen_bof = true
                }
            }
            0x000A => break,
            0x0200 => {
                let (rf, rl, cf, cl) = match d.len() {
                    10 => (u16_at(d, 0), u16_at(d, 2), u16_at(d, 4), u16_at(d, 6)),
                    14 | 16 => (u32_at(d, 0), u32_at(d, 4), u16_at(d, 8), u16_at(d, 10)),
                    _ => (None, None, None, None),
                };
                if let (Some(rf), Some(rl), Some(cf), Some(cl)) = (rf, rl, cf, cl) {
                    let cf = if cf > 0xFF || cl < cf { 0 } else { cf };
                    let rows = u64::from(rl.saturating_sub(rf));
                    let cols = u64::from(cl.saturating_sub(cf));
                    s.declared = (s.declared.0.max(rows), s.declared.1.max(cols));
                    if u64::from(rl) > limits.max_rows || u64::from(cl) > limits.max_columns {
                        return Err(UploadError::DeclaredTooLarge {
                            sheet: String::new(),
                            range: format!("第{}–{}行、第{}–{}列", rf + 1, rl, cf + 1, cl),
                            rows,
                            columns: cols,
                            max_rows: limits.max_rows,
                            max_columns: limits.max_columns,
                        });
                    }
                }
            }
            // Number, Label, RString, BoolErr, Rk, LabelSst, Formula.
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                if let (Some(r), Some(c)) = (u16_at(d, 0), u16_at(d, 2)) {
                    s.cell(r, c);
                }
            }
            // MulRk: row, first column, 6 bytes a cell, last column.
            0x00BD => {
                if let (Some(r), Some(c0)) = (u16_at(d, 0), u16_at(d, 2))
                    && d.len() >= 6
                {
                    let n = (d.len() - 6) / 6;
                    for i in 0..n as u32 {
                        s.cell(r, c0.saturating_add(i));
                    }
                }
            }
            // Row: hidden rows have fDyZero (0x20) in grbit.
            0x0208 => {
                if let (Some(r), Some(flags)) = (u16_at(d, 0), u16_at(d, 12))
                    && flags & 0x20 != 0
                    && s.hidden_rows.len() < limits.max_rows as usize
                {
                    s.hidden_rows.push(r as usize + 1);
                }
            }
            _ => {}
        }
    }
    Ok(s)
}

/// A BoundSheet8 record: the sheet's stream position and name.
fn bound_sheet(d: &[u8]) -> Option<(usize, String)> {
    let pos = u32_at(d, 0)? as usize;
    let cch = usize::from(*d.get(6)?);
    let flags = *d.get(7)?;
    let raw = d.get(8..)?;
    let name = if flags & 1 == 1 {
        let units: Vec<u16> = raw.chunks_exact(2).take(cch).map(|b| u16::from_le_bytes([b[0], b[1]])).collect();
        String::from_utf16_lossy(&units)
    } else {
        raw.iter().take(cch).map(|b| char::from(*b)).collect()
    };
    Some((pos, name))
}

/// Checks the workbook stream; returns each sheet's hidden rows by name.
pub fn check(bytes: &[u8], limits: &UploadLimits) -> Result<HashMap<String, Vec<usize>>, UploadError> {
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|e| unreadable(format!("复合文档无法读取：{e}")))?;
    let path = ["/Workbook", "/Book"].into_iter().find(|p| file.is_stream(p)).ok_or_else(|| unreadable("文件中没有工作簿"))?;
    let mut stream = Vec::new();
    file.open_stream(path)
        .map_err(|e| unreadable(format!("工作簿无法读取：{e}")))?
        .take(limits.max_file_bytes.saturating_mul(2))
        .read_to_end(&mut stream)
        .map_err(|e| unreadable(format!("工作簿无法读取：{e}")))?;
    // Workbook globals: the shared strings and the sheets.
    let mut sheets = Vec::new();
    let mut sst_bytes: u64 = 0;
    let mut in_sst = false;
    for rec in records(&stream, 0) {
        let (typ, d) = rec?;
        match typ {
            0x00FC => {
                let unique = u64::from(u32_at(d, 4).unwrap_or(0));
                if unique > limits.max_shared_strings {
                    return Err(UploadError::TooManySharedStrings { actual: unique, limit: limits.max_shared_strings });
                }
                in_sst = true;
                sst_bytes += d.len() as u64;
            }
            0x003C if in_sst => sst_bytes += d.len() as u64,
            0x0085 => {
                if let Some(s) = bound_sheet(d) {
                    sheets.push(s);
                    if sheets.len() as u64 > limits.max_entries {
                        return Err(UploadError::TooManyEntries { actual: sheets.len() as u64, limit: limits.max_entries });
                    }
                }
                in_sst = false;
            }
            0x000A => break,
            _ => in_sst = false,
        }
        if sst_bytes > limits.max_shared_string_bytes {
            return Err(UploadError::SharedStringsTooLarge { limit_mb: mb(limits.max_shared_string_bytes) });
        }
    }
    // Each sheet as calamine will walk it (several sheets may share one position).
    let mut budget = Budget::new(limits);
    budget.take(stream.len() as u64 + sst_bytes * 2)?;
    let mut walked: u64 = 0;
    let mut cells: u64 = 0;
    let mut hidden = HashMap::new();
    for (pos, name) in sheets {
        if pos >= stream.len() {
            return Err(unreadable(format!("工作表“{name}”的位置超出文件")));
        }
        let s = sheet_stats(&stream, pos, limits).map_err(|e| match e {
            UploadError::DeclaredTooLarge { range, rows, columns, max_rows, max_columns, .. } => {
                UploadError::DeclaredTooLarge { sheet: name.clone(), range, rows, columns, max_rows, max_columns }
            }
            e => e,
        })?;
        walked += s.walked;
        if walked > (stream.len() as u64).saturating_mul(4) {
            return Err(unreadable("工作表的记录互相重叠"));
        }
        cells += s.cells;
        if cells > limits.max_cells {
            return Err(UploadError::TooManyCells { limit: limits.max_cells });
        }
        if let Some(max_row) = s.max_row {
            if u64::from(max_row) >= limits.max_rows {
                return Err(UploadError::TooManyRows { sheet: name, limit: limits.max_rows });
            }
            if u64::from(s.max_col) >= limits.max_columns {
                return Err(UploadError::TooManyColumns {
                    sheet: name,
                    limit: limits.max_columns,
                    row: u64::from(max_row) + 1,
                    column: u64::from(s.max_col) + 1,
                });
            }
            // calamine reserves the declared cells (40 bytes each), then builds a dense
            // value range and a dense formula range over the used span.
            let span = u64::from(max_row - s.min_row + 1) * u64::from(s.max_col - s.min_col + 1);
            budget.take(span.saturating_mul(56))?;
        }
        let declared = (s.declared.0 + 1).saturating_mul(s.declared.1 + 1);
        if !budget.fits(declared.saturating_mul(40)) {
            return Err(UploadError::OverBudget { limit_mb: mb(limits.memory_budget_bytes) });
        }
        budget.take(s.cells.saturating_mul(40))?;
        hidden.insert(name, s.hidden_rows);
    }
    Ok(hidden)
}

/// Reads every worksheet of a checked `.xls` file.
pub fn read(bytes: &[u8], limits: &UploadLimits) -> Result<Vec<Table>, UploadError> {
    let mut hidden = check(bytes, limits)?;
    let mut book: Xls<_> = Xls::new(Cursor::new(bytes)).map_err(|e| unreadable(format!("工作簿无法打开：{e}")))?;
    let mut budget = Budget::new(limits);
    let mut total = 0u64;
    let mut out = Vec::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).map_err(|e| unreadable(format!("工作表“{name}”无法读取：{e}")))?;
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let mut sheet = SheetBuilder::new(name.clone(), limits);
        for (r, c, v) in range.used_cells() {
            let (row, col) = (r0.saturating_add(r as u32), c0.saturating_add(c as u32));
            sheet.check_place(row, col)?;
            let cell = match v {
                Data::Empty => continue,
                Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
                    sheet.check_text(row, s)?;
                    Cell::Text(s.clone())
                }
                Data::Int(i) => Cell::Number(*i as f64),
                Data::Float(f) => Cell::Number(*f),
                Data::Bool(b) => Cell::Bool(*b),
                Data::DateTime(dt) => super::xlsx::date_cell(dt),
                Data::Error(e) => Cell::Text(format!("#{e:?}")),
            };
            sheet.push(row, col, cell, &mut budget, &mut total)?;
        }
        out.push(sheet.finish(hidden.remove(&name).unwrap_or_default(), &mut budget)?);
    }
    Ok(out)
}
