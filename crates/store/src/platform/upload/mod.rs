//! The one bounded reader of untrusted tabular files (.xlsx, .xls, .csv). Every limit of
//! [`UploadLimits`] is checked before the memory it guards is allocated:
//! - `.xlsx` ([`xlsx`]): the zip's entry count, each entry's declared and actual size and
//!   ratio, every XML token's length, a sheet's declared `<dimension>` and the shared
//!   strings' declared and actual count and size, all before calamine opens the
//!   workbook; cells are then read streaming with calamine's cell reader (never the
//!   dense range), each checked against the row, column, cell-text and memory limits.
//! - `.xls` ([`xls`]): a walk of the BIFF records of the compound file's workbook stream
//!   (the `cfb` crate) checks dimensions, cell positions, the shared strings and the
//!   memory the dense range will take, before calamine parses it.
//! - `.csv` ([`csv`]): the raw bytes are scanned for line length and field count before
//!   decoding; records are read with the `csv` crate.
//!
//! Parses run on the blocking pool, at most `max_concurrent_parses` at a time (a
//! semaphore on [`Db`](crate::Db)); a panic inside a parser library becomes an
//! "unreadable file" error, never a dead server.

pub mod csv;
pub mod xls;
pub mod xlsx;

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use vanguard_domain::kernel::upload::{UploadError, UploadLimits, mb};
use vanguard_domain::member::roster::{Cell, Table};

/// The limits and a semaphore with one permit per parse allowed at once.
pub(crate) fn slots(limits: UploadLimits) -> (Arc<UploadLimits>, Arc<Semaphore>) {
    let n = limits.max_concurrent_parses.max(1) as usize;
    (Arc::new(limits), Arc::new(Semaphore::new(n)))
}

/// How long an upload waits for a parse slot before it is told the server is busy.
const WAIT_FOR_SLOT: Duration = Duration::from_secs(60);

/// The kinds of files read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Xlsx,
    Xls,
    Csv,
}

/// The kind of a file from its first bytes, else its name's extension.
pub fn kind_of(filename: &str, bytes: &[u8]) -> Result<FileKind, UploadError> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Ok(FileKind::Xlsx);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Ok(FileKind::Xls);
    }
    let ext = filename.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "csv" | "txt" => Ok(FileKind::Csv),
        "xlsx" | "xlsm" => {
            Err(UploadError::Unreadable { expected: "Excel", detail: "文件开头不是 .xlsx 的压缩包格式".into() })
        }
        "xls" => {
            Err(UploadError::Unreadable { expected: "Excel", detail: "文件开头不是 .xls 的复合文档格式".into() })
        }
        _ => Err(UploadError::UnsupportedType),
    }
}

/// What one parse has taken of its memory budget.
#[derive(Debug)]
pub struct Budget {
    limit: u64,
    used: u64,
}

impl Budget {
    pub fn new(limits: &UploadLimits) -> Self {
        Budget { limit: limits.memory_budget_bytes, used: 0 }
    }
    /// Takes `bytes` more, or refuses when that would pass the budget.
    pub fn take(&mut self, bytes: u64) -> Result<(), UploadError> {
        self.used = self.used.saturating_add(bytes);
        if self.used > self.limit { Err(UploadError::OverBudget { limit_mb: mb(self.limit) }) } else { Ok(()) }
    }
    /// Whether `bytes` more would fit.
    pub fn fits(&self, bytes: u64) -> bool {
        self.used.saturating_add(bytes) <= self.limit
    }
    pub fn used(&self) -> u64 {
        self.used
    }
}

/// A sheet's non-empty cells as they are read, turned into a dense [`Table`] once the
/// padded size is known to fit the budget.
pub(crate) struct SheetBuilder<'a> {
    name: String,
    limits: &'a UploadLimits,
    cells: Vec<(u32, u32, Cell)>,
    text_bytes: u64,
}

impl<'a> SheetBuilder<'a> {
    pub(crate) fn new(name: String, limits: &'a UploadLimits) -> Self {
        SheetBuilder { name, limits, cells: Vec::new(), text_bytes: 0 }
    }

    /// Checks a cell's place before its value is converted.
    pub(crate) fn check_place(&self, row: u32, col: u32) -> Result<(), UploadError> {
        if u64::from(row) >= self.limits.max_rows {
            return Err(UploadError::TooManyRows { sheet: self.name.clone(), limit: self.limits.max_rows });
        }
        if u64::from(col) >= self.limits.max_columns {
            return Err(UploadError::TooManyColumns {
                sheet: self.name.clone(),
                limit: self.limits.max_columns,
                row: u64::from(row) + 1,
                column: u64::from(col) + 1,
            });
        }
        Ok(())
    }

    /// Checks a text's length (in characters) before it is copied.
    pub(crate) fn check_text(&self, row: u32, text: &str) -> Result<(), UploadError> {
        // Bytes bound characters from above: count only when it might matter.
        if text.len() as u64 > self.limits.max_cell_chars && text.chars().count() as u64 > self.limits.max_cell_chars {
            return Err(UploadError::CellTooLong {
                sheet: self.name.clone(),
                row: u64::from(row) + 1,
                limit: self.limits.max_cell_chars,
            });
        }
        Ok(())
    }

    /// Adds a non-empty cell (its place and text already checked).
    pub(crate) fn push(
        &mut self,
        row: u32,
        col: u32,
        cell: Cell,
        budget: &mut Budget,
        total_cells: &mut u64,
    ) -> Result<(), UploadError> {
        if matches!(cell, Cell::Empty) {
            return Ok(());
        }
        *total_cells += 1;
        if *total_cells > self.limits.max_cells {
            return Err(UploadError::TooManyCells { limit: self.limits.max_cells });
        }
        let text = match &cell {
            Cell::Text(s) => s.len() as u64,
            _ => 0,
        };
        self.text_bytes += text;
        // The sparse cell (40 bytes) and its text, now.
        budget.take(40 + text)?;
        self.cells.push((row, col, cell));
        Ok(())
    }

    /// The dense table, if the padded rows fit the budget.
    pub(crate) fn finish(mut self, hidden_rows: Vec<usize>, budget: &mut Budget) -> Result<Table, UploadError> {
        if self.cells.is_empty() {
            return Ok(Table { sheet: self.name, rows: Vec::new(), first_row: 1, first_col: 0, hidden_rows });
        }
        self.cells.sort_by_key(|(r, c, _)| (*r, *c));
        let first_row = self.cells.iter().map(|c| c.0).min().unwrap_or(0);
        let first_col = self.cells.iter().map(|c| c.1).min().unwrap_or(0);
        let last_row = self.cells.iter().map(|c| c.0).max().unwrap_or(0);
        // Padded size: every row as long as its last cell.
        let mut padded: u64 = 0;
        let mut i = 0;
        while i < self.cells.len() {
            let r = self.cells[i].0;
            let mut last = self.cells[i].1;
            while i < self.cells.len() && self.cells[i].0 == r {
                last = self.cells[i].1;
                i += 1;
            }
            padded += u64::from(last - first_col + 1);
        }
        let rows_n = u64::from(last_row - first_row + 1);
        let dense = UploadLimits::cells_cost(padded, 0).saturating_add(rows_n.saturating_mul(24));
        budget.take(dense)?;
        let mut rows: Vec<Vec<Cell>> = (0..rows_n).map(|_| Vec::new()).collect();
        for (r, c, cell) in self.cells.drain(..) {
            let row = &mut rows[(r - first_row) as usize];
            let at = (c - first_col) as usize;
            if row.len() <= at {
                row.resize(at + 1, Cell::Empty);
            }
            row[at] = cell;
        }
        Ok(Table { sheet: self.name, rows, first_row: first_row as usize + 1, first_col: first_col as usize, hidden_rows })
    }
}

/// Reads every sheet of an untrusted file on the calling thread, within `limits`. A
/// panic inside a parser library is caught and answered as an unreadable file.
pub fn read_tables_blocking(filename: &str, bytes: &[u8], limits: &UploadLimits) -> Result<Vec<Table>, UploadError> {
    if bytes.is_empty() {
        return Err(UploadError::Empty);
    }
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(UploadError::FileTooLarge { actual_mb: mb(bytes.len() as u64), limit_mb: mb(limits.max_file_bytes) });
    }
    let kind = kind_of(filename, bytes)?;
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match kind {
        FileKind::Xlsx => xlsx::read(bytes, limits),
        FileKind::Xls => xls::read(bytes, limits),
        FileKind::Csv => csv::read(filename, bytes, limits),
    }));
    match outcome {
        Ok(r) => r,
        Err(_) => Err(UploadError::Unreadable { expected: "Excel", detail: "文件结构异常，读取时出错".into() }),
    }
}

/// Reads every sheet of an untrusted file on the blocking pool, waiting for one of the
/// parse slots of `db` (at most `max_concurrent_parses` at once).
pub async fn read_tables(db: &crate::Db, filename: &str, bytes: Vec<u8>) -> Result<Vec<Table>, UploadError> {
    let (limits, slots) = db.upload_limits();
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(UploadError::FileTooLarge { actual_mb: mb(bytes.len() as u64), limit_mb: mb(limits.max_file_bytes) });
    }
    let permit = tokio::time::timeout(WAIT_FOR_SLOT, slots.acquire_owned())
        .await
        .map_err(|_| UploadError::Busy)?
        .map_err(|_| UploadError::Busy)?;
    let filename = filename.to_string();
    let handle = tokio::task::spawn_blocking(move || {
        let out = read_tables_blocking(&filename, &bytes, &limits);
        drop(permit);
        out
    });
    match handle.await {
        Ok(r) => r,
        Err(_) => Err(UploadError::Unreadable { expected: "Excel", detail: "文件结构异常，读取时出错".into() }),
    }
}
