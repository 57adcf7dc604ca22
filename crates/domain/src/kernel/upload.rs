//! Limits on untrusted files (spreadsheets, CSV, attachments) and the errors that name
//! them. Every reader checks these **before** it allocates for what a file claims:
//! a zip entry's sizes and ratio before inflating it, a sheet's declared dimension and a
//! shared-strings table's count before the spreadsheet library reserves room for them,
//! every row and cell as it is read. The numbers are configuration with defaults
//! ([`UploadLimits::default`], [`UploadLimits::attachments`]); a violation is an
//! [`UploadError`] whose Chinese message names the limit and says what to do.

use serde::{Deserialize, Serialize};

/// What a reader of untrusted files may accept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UploadLimits {
    /// The largest file accepted, in bytes.
    pub max_file_bytes: u64,
    /// The largest decompressed size of one zip entry (a worksheet's XML, the shared strings).
    pub max_entry_bytes: u64,
    /// The largest decompressed size of all entries together.
    pub max_total_bytes: u64,
    /// The most entries a zip container may hold.
    pub max_entries: u64,
    /// The largest ratio of decompressed to compressed size of one entry (zip bombs
    /// reach thousands; real workbooks stay well under 100).
    pub max_ratio: u64,
    /// The most rows of one sheet, declared or actual.
    pub max_rows: u64,
    /// The most columns of one sheet, declared or actual.
    pub max_columns: u64,
    /// The most non-empty cells of one file.
    pub max_cells: u64,
    /// The most entries of a shared-strings table (declared or actual).
    pub max_shared_strings: u64,
    /// The most bytes of all shared strings together.
    pub max_shared_string_bytes: u64,
    /// The longest text of one cell, in characters (Excel's own limit is 32,767).
    pub max_cell_chars: u64,
    /// The longest run of markup or text between two XML tags, in bytes (bounds every
    /// buffer of the XML parser).
    pub max_xml_token_bytes: u64,
    /// How many files may be parsed at the same time (more wait their turn).
    pub max_concurrent_parses: u32,
    /// What one parse may hold in memory for the cells it read, in bytes (estimated).
    pub memory_budget_bytes: u64,
    /// The most bytes of uploaded files the server holds at once, from the first byte
    /// received until the request is answered (bodies waiting for a parse slot
    /// included); more uploads wait for room, then are told the server is busy.
    pub max_bytes_in_flight: u64,
}

const MB: u64 = 1024 * 1024;

impl Default for UploadLimits {
    /// Spreadsheets and CSV files (the roster import, and any later table upload):
    /// 100,000 rows of up to 200 columns.
    fn default() -> Self {
        UploadLimits {
            max_file_bytes: 32 * MB,
            max_entry_bytes: 160 * MB,
            max_total_bytes: 200 * MB,
            max_entries: 1000,
            max_ratio: 100,
            max_rows: 100_000,
            max_columns: 200,
            max_cells: 2_500_000,
            max_shared_strings: 1_000_000,
            max_shared_string_bytes: 24 * MB,
            max_cell_chars: 32_767,
            max_xml_token_bytes: 256 * 1024,
            max_concurrent_parses: 2,
            memory_budget_bytes: 64 * MB,
            // Three of the largest rosters at once: with two parses of 64 MB each, the
            // uploads' peak stays near 100 MB above idle however many arrive together.
            max_bytes_in_flight: 96 * MB,
        }
    }
}

/// The largest meeting attachment accepted: 10 MB (the one number; the store checks it too).
pub const ATTACHMENT_MAX_FILE_BYTES: u64 = 10 * MB;

impl UploadLimits {
    /// Meeting attachments (photos and PDFs): stored as they are, never parsed.
    pub fn attachments() -> Self {
        UploadLimits { max_file_bytes: ATTACHMENT_MAX_FILE_BYTES, ..Default::default() }
    }

    /// Whether the limits can work together (an operator's configuration is checked at
    /// start): every limit above zero, one entry no larger than all of them, a file no
    /// larger than the room for uploads in flight. The message says which setting to fix.
    pub fn check(&self) -> Result<(), String> {
        let counts: [(&str, u64); 15] = [
            ("max_file_bytes", self.max_file_bytes),
            ("max_entry_bytes", self.max_entry_bytes),
            ("max_total_bytes", self.max_total_bytes),
            ("max_entries", self.max_entries),
            ("max_ratio", self.max_ratio),
            ("max_rows", self.max_rows),
            ("max_columns", self.max_columns),
            ("max_cells", self.max_cells),
            ("max_shared_strings", self.max_shared_strings),
            ("max_shared_string_bytes", self.max_shared_string_bytes),
            ("max_cell_chars", self.max_cell_chars),
            ("max_xml_token_bytes", self.max_xml_token_bytes),
            ("max_concurrent_parses", u64::from(self.max_concurrent_parses)),
            ("memory_budget_bytes", self.memory_budget_bytes),
            ("max_bytes_in_flight", self.max_bytes_in_flight),
        ];
        if let Some((name, _)) = counts.iter().find(|(_, v)| *v == 0) {
            return Err(format!("上传限制 {name} 不能为 0，请设为正数或不设（使用默认值）"));
        }
        if self.max_entry_bytes > self.max_total_bytes {
            return Err(format!(
                "上传限制不一致：单个部件解压后上限（{} MB）大于解压后总大小上限（{} MB），请调小前者或调大后者",
                mb(self.max_entry_bytes),
                mb(self.max_total_bytes)
            ));
        }
        if self.max_file_bytes > self.max_bytes_in_flight {
            return Err(format!(
                "上传限制不一致：单个文件上限（{} MB）大于同时处理的上传总量上限（{} MB），请调小前者或调大后者",
                mb(self.max_file_bytes),
                mb(self.max_bytes_in_flight)
            ));
        }
        Ok(())
    }

    /// The estimated memory of `cells` cells holding `text_bytes` bytes of text.
    pub fn cells_cost(cells: u64, text_bytes: u64) -> u64 {
        // A cell is an enum of 32 bytes plus its text's heap block.
        cells.saturating_mul(32).saturating_add(text_bytes)
    }
}

/// A file refused by a limit, or unreadable. Each message names what was exceeded and
/// what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    #[error("上传的文件是空的，请重新选择文件")]
    Empty,
    #[error("文件大小 {actual_mb} MB 超过上限 {limit_mb} MB，请分成几个文件上传")]
    FileTooLarge { actual_mb: u64, limit_mb: u64 },
    #[error("不支持这种文件类型，请上传 Excel 文件（.xlsx 或 .xls）或 CSV 文件（.csv）")]
    UnsupportedType,
    #[error("文件无法打开：它可能已损坏、被加密，或并不是{expected}文件（{detail}）。请用 Excel 打开确认后另存为 .xlsx 再上传")]
    Unreadable { expected: &'static str, detail: String },
    #[error("文件的编码无法识别。请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后重新上传")]
    Encoding,
    #[error("文件中的“{entry}”解压后超过上限 {limit_mb} MB（压缩包内容异常或表格过大），请删除多余内容或分成几个文件后重新上传")]
    EntryTooLarge { entry: String, limit_mb: u64 },
    #[error("文件解压后总大小超过上限 {limit_mb} MB，请删除多余的工作表、图片或分成几个文件后重新上传")]
    TotalTooLarge { limit_mb: u64 },
    #[error(
        "文件中的“{entry}”压缩比为 {ratio} 倍，超过上限 {limit} 倍：这不像正常的 Excel 文件（可能是“压缩炸弹”），已拒绝。请用 Excel 打开后另存为新文件再上传"
    )]
    RatioTooHigh { entry: String, ratio: u64, limit: u64 },
    #[error("文件中的部件数 {actual} 超过上限 {limit}，这不像正常的 Excel 文件。请用 Excel 另存为新文件后再上传")]
    TooManyEntries { actual: u64, limit: u64 },
    #[error(
        "工作表“{sheet}”声明的范围是 {range}（{rows} 行 × {columns} 列），超过上限 {max_rows} 行 × {max_columns} 列。请删除多余的行列（或把有内容的区域复制到新工作表）后重新上传"
    )]
    DeclaredTooLarge { sheet: String, range: String, rows: u64, columns: u64, max_rows: u64, max_columns: u64 },
    #[error("工作表“{sheet}”的行数超过上限 {limit} 行，请分成几个文件上传")]
    TooManyRows { sheet: String, limit: u64 },
    #[error("工作表“{sheet}”的列数超过上限 {limit} 列（第{row}行用到了第{column}列），请删除多余的列后重新上传")]
    TooManyColumns { sheet: String, limit: u64, row: u64, column: u64 },
    #[error("文件中有内容的单元格超过上限 {limit} 个，请分成几个文件上传")]
    TooManyCells { limit: u64 },
    #[error(
        "文件的共享字符串表有 {actual} 项，超过上限 {limit} 项（文件内容异常或过大），请分成几个文件，或用 Excel 另存为新文件后再上传"
    )]
    TooManySharedStrings { actual: u64, limit: u64 },
    #[error("文件的共享字符串总长超过上限 {limit_mb} MB，请分成几个文件，或删除过长的内容后再上传")]
    SharedStringsTooLarge { limit_mb: u64 },
    #[error("工作表“{sheet}”第{row}行有一个单元格超过 {limit} 个字符，请删除过长的内容后重新上传")]
    CellTooLong { sheet: String, row: u64, limit: u64 },
    #[error("文件中有一段内容超过 {limit_kb} KB 没有分隔（文件内容异常），请用 Excel 另存为新文件后再上传")]
    TokenTooLong { limit_kb: u64 },
    #[error("文件第{line}行超过上限 {limit} 列（或过长），请检查分隔符或删除多余的列后重新上传")]
    LineTooLong { line: u64, limit: u64 },
    #[error("文件内容读取后超过内存上限 {limit_mb} MB，请分成几个较小的文件上传")]
    OverBudget { limit_mb: u64 },
    #[error("服务器正忙于处理其他上传的文件，请稍后再试")]
    Busy,
}

impl UploadError {
    /// A stable machine code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            UploadError::Empty => "upload.empty",
            UploadError::FileTooLarge { .. } => "upload.too_large",
            UploadError::UnsupportedType => "upload.file_type",
            UploadError::Unreadable { .. } => "upload.unreadable",
            UploadError::Encoding => "upload.encoding",
            UploadError::EntryTooLarge { .. } => "upload.entry_too_large",
            UploadError::TotalTooLarge { .. } => "upload.total_too_large",
            UploadError::RatioTooHigh { .. } => "upload.ratio",
            UploadError::TooManyEntries { .. } => "upload.entries",
            UploadError::DeclaredTooLarge { .. } => "upload.dimension",
            UploadError::TooManyRows { .. } => "upload.too_many_rows",
            UploadError::TooManyColumns { .. } => "upload.too_many_columns",
            UploadError::TooManyCells { .. } => "upload.too_many_cells",
            UploadError::TooManySharedStrings { .. } => "upload.shared_strings",
            UploadError::SharedStringsTooLarge { .. } => "upload.shared_strings_size",
            UploadError::CellTooLong { .. } => "upload.cell_too_long",
            UploadError::TokenTooLong { .. } => "upload.token_too_long",
            UploadError::LineTooLong { .. } => "upload.line_too_long",
            UploadError::OverBudget { .. } => "upload.memory",
            UploadError::Busy => "upload.busy",
        }
    }

    /// The error as a validation problem of the `file` field.
    pub fn into_invalid(self) -> crate::kernel::error::Invalid {
        crate::kernel::error::Invalid::one("file", self.code(), self.to_string())
    }
}

/// Megabytes, rounded up, for messages.
pub fn mb(bytes: u64) -> u64 {
    bytes.div_ceil(MB)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_names_its_limit() {
        let e = UploadError::DeclaredTooLarge {
            sheet: "Sheet1".into(),
            range: "A1:XFD1048576".into(),
            rows: 1_048_576,
            columns: 16_384,
            max_rows: 100_000,
            max_columns: 200,
        };
        let m = e.to_string();
        assert!(m.contains("A1:XFD1048576") && m.contains("100000 行") && m.contains("删除多余的行列"), "{m}");
        assert!(
            UploadError::RatioTooHigh { entry: "xl/sharedStrings.xml".into(), ratio: 900, limit: 100 }
                .to_string()
                .contains("100 倍")
        );
    }

    #[test]
    fn the_defaults_pass_their_own_check_and_contradictions_are_named() {
        assert_eq!(UploadLimits::default().check(), Ok(()));
        assert_eq!(UploadLimits::attachments().check(), Ok(()));
        let zero = UploadLimits { max_rows: 0, ..Default::default() }.check().unwrap_err();
        assert!(zero.contains("max_rows") && zero.contains("不能为 0"), "{zero}");
        let e = UploadLimits { max_entry_bytes: 300 * MB, ..Default::default() }.check().unwrap_err();
        assert!(e.contains("300 MB") && e.contains("200 MB"), "{e}");
        let e = UploadLimits { max_file_bytes: 100 * MB, ..Default::default() }.check().unwrap_err();
        assert!(e.contains("100 MB") && e.contains("96 MB"), "{e}");
    }

    #[test]
    fn attachments_have_their_own_size() {
        assert_eq!(UploadLimits::attachments().max_file_bytes, 10 * MB);
        assert_eq!(UploadLimits::default().max_file_bytes, 32 * MB);
    }
}
