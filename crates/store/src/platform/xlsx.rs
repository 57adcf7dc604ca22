//! The one .xlsx writer: every workbook the platform hands out (the roster export, the
//! import template, the cockpit's views) is written here, so they all look alike — a
//! bold, shaded heading row, set column widths, the heading row frozen, dates as real
//! Excel date cells (a serial number with a `yyyy-mm-dd` format, so Excel sorts and
//! filters them as dates), ID and phone columns formatted as text.
//!
//! Memory stays bounded whatever the size: every sheet is a rust_xlsxwriter
//! "constant memory" sheet, whose rows go to an unlinked temporary file in the scratch
//! directory as they are written (rows are written in order, top to bottom), and a
//! finished workbook is either returned as bytes (small files) or [`Book::spool`]ed to
//! an unlinked file of its own that the caller streams ([`Spool`]). Nothing of a large
//! export is held in memory twice, and nothing of it outlives the export on disk.
//!
//! Masked exports need no marker of their own: a masked 公民身份号码 keeps its `*`s,
//! which the roster import recognises (`domain::member::roster::looks_masked`) and
//! answers with how to export the full file.

use crate::{StoreError, StoreResult};
use rust_xlsxwriter::{Color, ExcelDateTime, Format, FormatBorder, Workbook, XlsxError};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Excel's last row (1,048,576 rows, numbered from 0).
const MAX_ROW: u32 = 1_048_575;

/// A writer error as the user sees it.
pub(crate) fn error(e: XlsxError) -> StoreError {
    StoreError::Other(format!("无法生成 Excel 文件：{e}"))
}

fn io_error(e: io::Error) -> StoreError {
    StoreError::Other(format!("无法写入导出文件：{e}。请检查数据目录的剩余空间和权限后重试"))
}

/// How a column's cells are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Plain text or numbers.
    Plain,
    /// Numbers that are text (ID and phone numbers): the column is formatted as text,
    /// so Excel keeps leading zeros and all 18 digits when someone types into it.
    Digits,
    /// Dates.
    Date,
}

/// One column of a sheet.
#[derive(Debug, Clone)]
pub struct XlsxColumn {
    pub heading: String,
    /// In Excel's character units.
    pub width: f64,
    pub kind: Kind,
}

impl XlsxColumn {
    pub fn new(heading: impl Into<String>, width: f64) -> XlsxColumn {
        XlsxColumn { heading: heading.into(), width, kind: Kind::Plain }
    }
    pub fn of(heading: impl Into<String>, width: f64, kind: Kind) -> XlsxColumn {
        XlsxColumn { heading: heading.into(), width, kind }
    }
}

/// A judgement shown as a cell's fill (红黄绿).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    Green,
    Amber,
    Red,
    None,
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum XlsxCell {
    Empty,
    Text(String),
    Number(f64),
    /// A stored `YYYY-MM-DD` date: written as a date cell (text if it is not a date).
    Date(String),
    /// Text on a coloured fill.
    Filled(Fill, String),
}

impl XlsxCell {
    /// Text, or an empty cell for empty text.
    pub fn text(s: impl Into<String>) -> XlsxCell {
        let s = s.into();
        if s.is_empty() { XlsxCell::Empty } else { XlsxCell::Text(s) }
    }
    /// A date, or an empty cell for none.
    pub fn date(d: Option<impl Into<String>>) -> XlsxCell {
        match d.map(Into::into) {
            Some(d) if !d.is_empty() => XlsxCell::Date(d),
            _ => XlsxCell::Empty,
        }
    }
}

/// A stored `YYYY-MM-DD` date as an Excel date.
fn excel_date(text: &str) -> Option<ExcelDateTime> {
    use chrono::Datelike;
    let d = vanguard_domain::kernel::time::parse_iso_date(text)?;
    ExcelDateTime::from_ymd(u16::try_from(d.year()).ok()?, u8::try_from(d.month()).ok()?, u8::try_from(d.day()).ok()?).ok()
}

struct Formats {
    heading: Format,
    caption: Format,
    date: Format,
    text: Format,
    green: Format,
    amber: Format,
    red: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            heading: heading_format(),
            caption: Format::new().set_bold().set_font_size(13),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            text: Format::new().set_num_format("@"),
            green: Format::new().set_background_color(Color::RGB(0xC6EFCE)),
            amber: Format::new().set_background_color(Color::RGB(0xFFEB9C)),
            red: Format::new().set_background_color(Color::RGB(0xFFC7CE)),
        }
    }
}

/// The heading cells' format: bold on a light red, thin borders.
pub(crate) fn heading_format() -> Format {
    Format::new().set_bold().set_background_color(Color::RGB(0xF2DCDB)).set_border(FormatBorder::Thin)
}

/// A workbook being written, one sheet after the other, each row after the previous.
pub struct Book {
    wb: Workbook,
    formats: Formats,
    /// The sheet being written (index) and its next row.
    sheet: Option<usize>,
    next_row: u32,
    sheets: usize,
}

impl Book {
    /// A new workbook whose sheets keep their rows in unlinked temporary files under
    /// `scratch` (created 0700 if missing).
    pub fn new(scratch: &Path) -> StoreResult<Book> {
        crate::platform::files::ensure_dir(scratch).map_err(io_error)?;
        let mut wb = Workbook::new();
        wb.set_tempdir(scratch).map_err(error)?;
        Ok(Book { wb, formats: Formats::new(), sheet: None, next_row: 0, sheets: 0 })
    }

    /// Starts a sheet: an optional caption (bold, in the first row, a blank row under
    /// it), then the headings, frozen with the first column. Rows written after this go
    /// to this sheet.
    pub fn sheet(&mut self, name: &str, caption: Option<&str>, columns: &[XlsxColumn]) -> StoreResult<()> {
        let ws = self.wb.add_worksheet_with_constant_memory().map_err(error)?;
        ws.set_name(name).map_err(error)?;
        let mut row = 0;
        if let Some(c) = caption {
            ws.write_string_with_format(0, 0, c, &self.formats.caption).map_err(error)?;
            row = 2;
        }
        for (i, c) in columns.iter().enumerate() {
            let col = u16::try_from(i).map_err(|_| StoreError::Other("导出的列数过多".into()))?;
            ws.set_column_width(col, c.width).map_err(error)?;
            if c.kind == Kind::Digits {
                ws.set_column_format(col, &self.formats.text).map_err(error)?;
            }
            ws.write_string_with_format(row, col, &c.heading, &self.formats.heading).map_err(error)?;
        }
        if !columns.is_empty() {
            ws.set_freeze_panes(row + 1, 1).map_err(error)?;
        }
        self.sheet = Some(self.sheets);
        self.sheets += 1;
        self.next_row = if columns.is_empty() { row } else { row + 1 };
        Ok(())
    }

    /// The sheet being written, for what only one workbook needs (the import template's
    /// notes, dropdowns and hidden sheet of options). Rows written through it must keep
    /// the order (a constant-memory sheet cannot go back to an earlier row).
    pub(crate) fn worksheet(&mut self) -> StoreResult<&mut rust_xlsxwriter::Worksheet> {
        let Some(index) = self.sheet else {
            return Err(StoreError::Other("导出文件还没有工作表".into()));
        };
        self.wb.worksheet_from_index(index).map_err(error)
    }

    /// Appends a row to the current sheet.
    pub fn row(&mut self, cells: &[XlsxCell]) -> StoreResult<()> {
        let Some(index) = self.sheet else {
            return Err(StoreError::Other("导出文件还没有工作表".into()));
        };
        let r = self.next_row;
        if r > MAX_ROW {
            return Err(StoreError::invalid(
                "rows",
                "export.too_many_rows",
                "导出的行数超过了 Excel 一个工作表的上限（1,048,576 行），请按党组织或筛选条件分几次导出",
            ));
        }
        let f = &self.formats;
        let ws = self.wb.worksheet_from_index(index).map_err(error)?;
        for (i, cell) in cells.iter().enumerate() {
            let col = u16::try_from(i).map_err(|_| StoreError::Other("导出的列数过多".into()))?;
            match cell {
                XlsxCell::Empty => {}
                XlsxCell::Text(t) if t.is_empty() => {}
                XlsxCell::Text(t) => {
                    ws.write_string(r, col, t).map_err(error)?;
                }
                XlsxCell::Number(v) => {
                    ws.write_number(r, col, *v).map_err(error)?;
                }
                XlsxCell::Date(d) => match excel_date(d) {
                    Some(x) => {
                        ws.write_date_with_format(r, col, &x, &f.date).map_err(error)?;
                    }
                    None if d.is_empty() => {}
                    None => {
                        ws.write_string(r, col, d).map_err(error)?;
                    }
                },
                XlsxCell::Filled(fill, t) => {
                    let format = match fill {
                        Fill::Green => &f.green,
                        Fill::Amber => &f.amber,
                        Fill::Red => &f.red,
                        Fill::None => {
                            ws.write_string(r, col, t).map_err(error)?;
                            continue;
                        }
                    };
                    ws.write_string_with_format(r, col, t, format).map_err(error)?;
                }
            }
        }
        self.next_row += 1;
        Ok(())
    }

    /// The finished workbook in memory (for files bounded by their own limits).
    pub fn into_bytes(mut self) -> StoreResult<Vec<u8>> {
        self.wb.save_to_buffer().map_err(error)
    }

    /// The finished workbook in an unlinked file under `dir`, to stream.
    pub fn spool(mut self, dir: &Path) -> StoreResult<Spool> {
        let mut spool = Spool::create(dir).map_err(io_error)?;
        {
            let mut w = io::BufWriter::with_capacity(256 * 1024, &mut spool.file);
            self.wb.save_to_writer(&mut w).map_err(error)?;
            w.flush().map_err(io_error)?;
        }
        drop(self);
        spool.len = spool.file.seek(SeekFrom::End(0)).map_err(io_error)?;
        spool.file.seek(SeekFrom::Start(0)).map_err(io_error)?;
        Ok(spool)
    }
}

/// A finished file on disk, read once from its start. Its name is removed as soon as it
/// is created (where the system allows; otherwise when it is dropped), so a crash leaves
/// nothing behind and only this handle can read it.
#[derive(Debug)]
pub struct Spool {
    file: std::fs::File,
    len: u64,
    /// The name still to remove on drop (systems that cannot unlink an open file).
    path: Option<PathBuf>,
}

impl Spool {
    fn create(dir: &Path) -> io::Result<Spool> {
        crate::platform::files::ensure_dir(dir)?;
        let mut opts = std::fs::OpenOptions::new();
        opts.read(true).write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(crate::platform::files::FILE_MODE);
        }
        let (file, path) = loop {
            let path = dir.join(format!("export-{:016x}.xlsx", rand::random::<u64>()));
            match opts.open(&path) {
                Ok(f) => break (f, path),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        };
        let path = match std::fs::remove_file(&path) {
            Ok(()) => None,
            Err(_) => Some(path),
        };
        Ok(Spool { file, len: 0, path })
    }

    /// The file's size in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The whole file in memory (tests, and callers that need the bytes).
    pub fn to_bytes(&mut self) -> io::Result<Vec<u8>> {
        let mut v = Vec::with_capacity(usize::try_from(self.len).unwrap_or(0));
        self.file.seek(SeekFrom::Start(0))?;
        self.file.read_to_end(&mut v)?;
        self.file.seek(SeekFrom::Start(0))?;
        Ok(v)
    }
}

impl Read for Spool {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.file.read(buf)
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        if let Some(p) = self.path.take()
            && let Err(e) = std::fs::remove_file(&p)
        {
            tracing::warn!(path = %p.display(), error = %e, "export file not removed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_dates_become_excel_dates_and_anything_else_stays_text() {
        assert!(excel_date("2021-07-01").is_some());
        assert!(excel_date("2021-02-30").is_none());
        assert!(excel_date("不详").is_none());
    }

    #[test]
    fn empty_text_and_missing_dates_are_empty_cells() {
        assert_eq!(XlsxCell::text(""), XlsxCell::Empty);
        assert_eq!(XlsxCell::date(None::<String>), XlsxCell::Empty);
        assert_eq!(XlsxCell::date(Some("")), XlsxCell::Empty);
        assert_eq!(XlsxCell::date(Some("2020-01-01")), XlsxCell::Date("2020-01-01".into()));
    }

    #[test]
    fn a_spooled_book_leaves_no_file_behind_and_reads_back_whole() {
        let dir = std::env::temp_dir().join(format!("vanguard-xlsx-{:x}", rand::random::<u64>()));
        let mut book = Book::new(&dir).unwrap();
        book.sheet("表", Some("标题"), &[XlsxColumn::new("姓名", 10.0), XlsxColumn::of("日期", 12.0, Kind::Date)]).unwrap();
        book.row(&[XlsxCell::text("张三"), XlsxCell::date(Some("2020-01-02"))]).unwrap();
        let mut spool = book.spool(&dir).unwrap();
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "no named file while the spool is open");
        let bytes = spool.to_bytes().unwrap();
        assert_eq!(bytes.len() as u64, spool.len());
        assert!(bytes.starts_with(b"PK"));
        drop(spool);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_sheet_without_headings_starts_at_its_first_row() {
        let dir = std::env::temp_dir();
        let mut book = Book::new(&dir).unwrap();
        book.sheet("说明", None, &[]).unwrap();
        assert_eq!(book.next_row, 0);
        book.sheet("表", None, &[XlsxColumn::new("姓名", 10.0)]).unwrap();
        assert_eq!(book.next_row, 1);
        book.sheet("标题表", Some("标题"), &[XlsxColumn::new("姓名", 10.0)]).unwrap();
        assert_eq!(book.next_row, 3, "caption, a blank row, the headings");
    }

    #[test]
    fn a_row_before_any_sheet_is_an_error_not_a_panic() {
        let dir = std::env::temp_dir();
        let mut book = Book::new(&dir).unwrap();
        assert!(book.row(&[XlsxCell::text("x")]).is_err());
    }
}
