//! The limits on uploaded files as an operator's configuration: options of `vanguard
//! serve` and `vanguard import members`, each also an environment variable. Their
//! defaults are [`UploadLimits::default`] (the one place they are written); a value that
//! is not a positive number, or limits that contradict each other, stop the start with
//! a Chinese message.

use anyhow::{Result, bail};
use clap::Args;
use std::fmt;
use std::str::FromStr;
use vanguard_domain::kernel::upload::UploadLimits;

/// A size in bytes, written as bytes or with a unit: `33554432`, `512KB`, `32MB`, `1GB`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size(pub u64);

const KB: u64 = 1024;
const MB: u64 = 1024 * KB;
const GB: u64 = 1024 * MB;

impl FromStr for Size {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().to_ascii_uppercase();
        let (digits, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
            Some(at) => t.split_at(at),
            None => (t.as_str(), ""),
        };
        let unit = match unit.trim().trim_end_matches('B') {
            "" => 1,
            "K" | "KI" => KB,
            "M" | "MI" => MB,
            "G" | "GI" => GB,
            _ => return Err(format!("“{s}”不是大小：请写字节数或带单位（如 512KB、32MB、1GB）")),
        };
        let n: u64 = digits.parse().map_err(|_| format!("“{s}”不是大小：请写字节数或带单位（如 512KB、32MB、1GB）"))?;
        match n.checked_mul(unit) {
            Some(0) => Err(format!("大小“{s}”必须大于 0")),
            Some(v) => Ok(Size(v)),
            None => Err(format!("大小“{s}”过大")),
        }
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            v if v >= GB && v % GB == 0 => write!(f, "{}GB", v / GB),
            v if v >= MB && v % MB == 0 => write!(f, "{}MB", v / MB),
            v if v >= KB && v % KB == 0 => write!(f, "{}KB", v / KB),
            v => write!(f, "{v}"),
        }
    }
}

/// A count that must be positive.
fn count(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(0) => Err(format!("“{s}”必须大于 0")),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("“{s}”不是正整数")),
    }
}

fn parses(s: &str) -> Result<u32, String> {
    count(s).and_then(|n| u32::try_from(n).map_err(|_| format!("“{s}”过大")))
}

fn default() -> UploadLimits {
    UploadLimits::default()
}

/// Limits on uploaded spreadsheets and CSV files (rosters). Defaults: see
/// `UploadLimits::default` in the domain crate; `--help` shows them.
#[derive(Args, Clone, Debug)]
pub struct UploadArgs {
    /// The largest file accepted (bytes, or with a unit: 32MB).
    #[arg(long, value_name = "SIZE", env = "VANGUARD_UPLOAD_MAX_FILE_SIZE", default_value_t = Size(default().max_file_bytes))]
    pub upload_max_file_size: Size,
    /// The most rows of one sheet.
    #[arg(long, value_name = "N", env = "VANGUARD_UPLOAD_MAX_ROWS", value_parser = count, default_value_t = default().max_rows)]
    pub upload_max_rows: u64,
    /// The most columns of one sheet.
    #[arg(long, value_name = "N", env = "VANGUARD_UPLOAD_MAX_COLUMNS", value_parser = count, default_value_t = default().max_columns)]
    pub upload_max_columns: u64,
    /// The most non-empty cells of one file.
    #[arg(long, value_name = "N", env = "VANGUARD_UPLOAD_MAX_CELLS", value_parser = count, default_value_t = default().max_cells)]
    pub upload_max_cells: u64,
    /// The most entries of a shared-strings table.
    #[arg(long, value_name = "N", env = "VANGUARD_UPLOAD_MAX_SHARED_STRINGS", value_parser = count, default_value_t = default().max_shared_strings)]
    pub upload_max_shared_strings: u64,
    /// The most bytes of all shared strings together.
    #[arg(long, value_name = "SIZE", env = "VANGUARD_UPLOAD_MAX_SHARED_STRINGS_SIZE", default_value_t = Size(default().max_shared_string_bytes))]
    pub upload_max_shared_strings_size: Size,
    /// The longest text of one cell, in characters.
    #[arg(long, value_name = "N", env = "VANGUARD_UPLOAD_MAX_CELL_CHARS", value_parser = count, default_value_t = default().max_cell_chars)]
    pub upload_max_cell_chars: u64,
    /// The largest decompressed size of one zip entry (a worksheet, the shared strings).
    #[arg(long, value_name = "SIZE", env = "VANGUARD_UPLOAD_MAX_ENTRY_SIZE", default_value_t = Size(default().max_entry_bytes))]
    pub upload_max_entry_size: Size,
    /// The largest decompressed size of all entries of one file together.
    #[arg(long, value_name = "SIZE", env = "VANGUARD_UPLOAD_MAX_TOTAL_SIZE", default_value_t = Size(default().max_total_bytes))]
    pub upload_max_total_size: Size,
    /// The most entries a zip container may hold.
    #[arg(long, value_name = "N", env = "VANGUARD_UPLOAD_MAX_ENTRIES", value_parser = count, default_value_t = default().max_entries)]
    pub upload_max_entries: u64,
    /// The largest ratio of decompressed to compressed size of one entry.
    #[arg(long, value_name = "N", env = "VANGUARD_UPLOAD_MAX_RATIO", value_parser = count, default_value_t = default().max_ratio)]
    pub upload_max_ratio: u64,
    /// How many files may be parsed at the same time (more wait their turn).
    #[arg(long, value_name = "N", env = "VANGUARD_UPLOAD_MAX_PARSES", value_parser = parses, default_value_t = default().max_concurrent_parses)]
    pub upload_max_parses: u32,
    /// What one parse may hold in memory for the cells it read (estimated).
    #[arg(long, value_name = "SIZE", env = "VANGUARD_UPLOAD_MEMORY_BUDGET", default_value_t = Size(default().memory_budget_bytes))]
    pub upload_memory_budget: Size,
    /// The most bytes of uploaded files the server holds at once (more uploads wait).
    #[arg(long, value_name = "SIZE", env = "VANGUARD_UPLOAD_MAX_IN_FLIGHT", default_value_t = Size(default().max_bytes_in_flight))]
    pub upload_max_in_flight: Size,
}

impl UploadArgs {
    /// The limits configured, checked to work together.
    pub fn limits(&self) -> Result<UploadLimits> {
        let limits = UploadLimits {
            max_file_bytes: self.upload_max_file_size.0,
            max_entry_bytes: self.upload_max_entry_size.0,
            max_total_bytes: self.upload_max_total_size.0,
            max_entries: self.upload_max_entries,
            max_ratio: self.upload_max_ratio,
            max_rows: self.upload_max_rows,
            max_columns: self.upload_max_columns,
            max_cells: self.upload_max_cells,
            max_shared_strings: self.upload_max_shared_strings,
            max_shared_string_bytes: self.upload_max_shared_strings_size.0,
            max_cell_chars: self.upload_max_cell_chars,
            memory_budget_bytes: self.upload_memory_budget.0,
            max_concurrent_parses: self.upload_max_parses,
            max_bytes_in_flight: self.upload_max_in_flight.0,
            ..UploadLimits::default()
        };
        if let Err(e) = limits.check() {
            bail!(e);
        }
        Ok(limits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_bytes_or_carry_a_unit() {
        assert_eq!("33554432".parse::<Size>(), Ok(Size(32 * MB)));
        assert_eq!("32MB".parse::<Size>(), Ok(Size(32 * MB)));
        assert_eq!("512kb".parse::<Size>(), Ok(Size(512 * KB)));
        assert_eq!("1G".parse::<Size>(), Ok(Size(GB)));
        assert_eq!(Size(96 * MB).to_string(), "96MB");
        assert_eq!(Size(1000).to_string(), "1000");
        for bad in ["", "abc", "12 XB", "0", "0MB", "-1", "99999999999GB"] {
            let e = bad.parse::<Size>().unwrap_err();
            assert!(e.contains('“') || e.contains("过大"), "{bad}: {e}");
        }
    }
}
