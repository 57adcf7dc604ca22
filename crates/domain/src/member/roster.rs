//! 花名册导入 (roster import), the pure part: the template's columns, recognizing the
//! headings people actually write by meaning, normalizing the cells they type (dates in
//! any common form, 民族, 学历 and category variants, full-width characters, ID numbers
//! that Excel turned into floating-point numbers), validating each row into a
//! [`MemberInput`], and resolving the 所在党组织 / 所在党小组 a row names against an
//! index of the caller's orgs.
//!
//! The store reads the file and the database and calls these; nothing here does I/O.
//!
//! 学历 variants map as follows (a guess is reported as a warning on the row):
//! 博士 → 博士研究生; 硕士 → 硕士研究生; 研究生 → 硕士研究生 (warned); 本科, 学士 →
//! 大学本科; 大学 → 大学本科 (warned); 大专, 专科, 高职 → 大学专科; 中专, 中技, 技校,
//! 职高, 中职 → 中等专科; 初中及以下 → 初中 (warned); 高中及以下 → 高中 (warned); 小学,
//! 文盲 → 小学及以下. A trailing 学历/毕业/文化/程度 and anything in parentheses are
//! ignored (本科毕业, 本科（学士）).

use crate::kernel::error::{FieldError, Invalid};
use crate::kernel::time::date_text;
use crate::member::{Category, ETHNICITIES, Education, Ethnicity, Flow, Gender, MemberFields, MemberInput, PartyStatus};
use crate::org::OrgKind;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

// ---- Cells and tables ------------------------------------------------------------------

/// One cell as a spreadsheet reader delivers it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    /// A number cell (Excel stores every number, and so long digit strings typed into a
    /// number cell, as a 64-bit float).
    Number(f64),
    /// A cell with a date format, already converted from its serial number.
    Date(NaiveDate),
    Bool(bool),
}

impl Cell {
    /// Whether the cell holds nothing but whitespace.
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.chars().all(|c| c.is_whitespace() || c == '\u{3000}'),
            _ => false,
        }
    }

    /// The cell as text, full-width characters made half-width and trimmed. Whole
    /// numbers lose their `.0`.
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => half_width(s).trim().to_string(),
            Cell::Number(v) => number_text(*v),
            Cell::Date(d) => date_text(*d),
            Cell::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        }
    }
}

fn number_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v}") }
}

/// A worksheet (or CSV file) as rows of cells.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub sheet: String,
    pub rows: Vec<Vec<Cell>>,
    /// The sheet row number (1-based, as the user sees it) of `rows[0]`.
    pub first_row: usize,
    /// The sheet column index (0 = A) of each row's first cell.
    pub first_col: usize,
    /// Sheet row numbers (1-based) hidden in the workbook.
    pub hidden_rows: Vec<usize>,
}

/// The column letter of a 0-based column index: 0 → A, 26 → AA.
pub fn column_letter(mut idx: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (idx % 26) as u8);
        if idx < 26 {
            break;
        }
        idx = idx / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

// ---- Text normalization -----------------------------------------------------------------

/// Full-width ASCII (Ａ，１，（) made half-width, the ideographic space and other odd
/// spaces made plain spaces.
pub fn half_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' | '\u{00A0}' | '\u{2002}'..='\u{200B}' | '\u{FEFF}' => ' ',
            other => other,
        })
        .collect()
}

/// Half-width, without any whitespace.
fn compact(s: &str) -> String {
    half_width(s).chars().filter(|c| !c.is_whitespace()).collect()
}

/// Half-width, trimmed, inner runs of whitespace made one space.
fn tidy(s: &str) -> String {
    half_width(s).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Removes parenthesized parts: `本科(学士)` → `本科`.
fn without_parenthesized(s: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '(' | '[' | '【' | '〔' => depth += 1,
            ')' | ']' | '】' | '〕' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

// ---- The columns ------------------------------------------------------------------------

/// A column of the roster, in the template's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    Name,
    Gender,
    Ethnicity,
    BirthDate,
    IdNumber,
    Education,
    Phone,
    JoinedOn,
    ConfirmedOn,
    Category,
    PartyStatus,
    WorkUnit,
    Residence,
    Org,
    Group,
    Flow,
    FlowPlace,
    LostContactSince,
}

impl Column {
    /// Every column, in the template's order.
    pub const ALL: [Column; 18] = [
        Column::Name,
        Column::Gender,
        Column::Ethnicity,
        Column::BirthDate,
        Column::IdNumber,
        Column::Education,
        Column::Phone,
        Column::JoinedOn,
        Column::ConfirmedOn,
        Column::Category,
        Column::PartyStatus,
        Column::WorkUnit,
        Column::Residence,
        Column::Org,
        Column::Group,
        Column::Flow,
        Column::FlowPlace,
        Column::LostContactSince,
    ];

    /// The template's heading.
    pub fn heading(self) -> &'static str {
        match self {
            Column::Name => "姓名",
            Column::Gender => "性别",
            Column::Ethnicity => "民族",
            Column::BirthDate => "出生日期",
            Column::IdNumber => "公民身份号码",
            Column::Education => "学历",
            Column::Phone => "手机号码",
            Column::JoinedOn => "入党日期",
            Column::ConfirmedOn => "转正日期",
            Column::Category => "人员类别",
            Column::PartyStatus => "党籍状态",
            Column::WorkUnit => "工作单位及职务",
            Column::Residence => "现居住地",
            Column::Org => "所在党组织",
            Column::Group => "所在党小组",
            Column::Flow => "流动党员",
            Column::FlowPlace => "流出地/流入地",
            Column::LostContactSince => "失联日期",
        }
    }

    /// The [`MemberInput`] field (as named in validation errors); `org` and `group`
    /// for the placement columns.
    pub fn field(self) -> &'static str {
        match self {
            Column::Name => "name",
            Column::Gender => "gender",
            Column::Ethnicity => "ethnicity",
            Column::BirthDate => "birth_date",
            Column::IdNumber => "id_number",
            Column::Education => "education",
            Column::Phone => "phone",
            Column::JoinedOn => "joined_on",
            Column::ConfirmedOn => "confirmed_on",
            Column::Category => "category",
            Column::PartyStatus => "party_status",
            Column::WorkUnit => "work_unit",
            Column::Residence => "residence",
            Column::Org => "org",
            Column::Group => "group",
            Column::Flow => "flow",
            Column::FlowPlace => "flow_place",
            Column::LostContactSince => "lost_contact_since",
        }
    }

    pub fn from_field(field: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|c| c.field() == field || (field == "org_id" && *c == Column::Org))
    }

    /// Headings of common exports and hand-made rosters that mean this column, in
    /// normalized form (see [`normalize_heading`]). The template's heading comes first.
    pub fn synonyms(self) -> &'static [&'static str] {
        match self {
            Column::Name => &["姓名", "党员姓名", "名字", "姓名全称"],
            Column::Gender => &["性别"],
            Column::Ethnicity => &["民族", "族别"],
            Column::BirthDate => &["出生日期", "出生年月", "出生年月日", "出生时间", "生日"],
            Column::IdNumber => &[
                "公民身份号码",
                "身份证号",
                "身份证号码",
                "身份证",
                "证件号码",
                "证件号",
                "公民身份证号",
                "公民身份证号码",
                "身份证件号码",
                "居民身份证号码",
                "居民身份证号",
            ],
            Column::Education => &["学历", "文化程度", "最高学历", "全日制学历", "学历学位"],
            Column::Phone => &["手机号码", "手机", "联系电话", "手机号", "联系方式", "移动电话", "电话", "电话号码", "联系手机"],
            Column::JoinedOn => &["入党日期", "入党时间", "入党年月"],
            Column::ConfirmedOn => &["转正日期", "转正时间", "转正年月"],
            Column::Category => &["人员类别", "党员类别", "类别", "党员类型", "党员身份"],
            Column::PartyStatus => &["党籍状态", "党籍", "党员状态"],
            Column::WorkUnit => {
                &["工作单位及职务", "工作单位", "单位及职务", "工作单位及职务职称", "单位职务", "工作单位和职务", "单位"]
            }
            Column::Residence => &["现居住地", "居住地", "家庭住址", "现住址", "住址", "家庭地址", "居住地址", "现居住地址"],
            Column::Org => &[
                "所在党组织",
                "所在党支部",
                "党组织名称",
                "所在支部",
                "党支部",
                "党组织",
                "所属党支部",
                "所属党组织",
                "支部名称",
                "党支部名称",
                "所在党组织名称",
                "所在党支部名称",
            ],
            Column::Group => &["所在党小组", "党小组", "所属党小组", "党小组名称"],
            Column::Flow => &["流动党员", "是否流动党员", "流动情况", "流动党员情况", "流动状态", "流动类型"],
            Column::FlowPlace => &[
                "流出地/流入地",
                "流出地流入地",
                "流入地/流出地",
                "流入地流出地",
                "流出地",
                "流入地",
                "流向",
                "流动地点",
                "外出流向",
            ],
            Column::LostContactSince => &["失联日期", "失联时间", "失去联系日期", "失去联系时间"],
        }
    }

    /// The note on the template's heading: what to write and in which form.
    pub fn note(self) -> &'static str {
        match self {
            Column::Name => "必填。党员的姓名，不含空格和数字。",
            Column::Gender => "选填，可从下拉列表选择“男”或“女”；不填时按公民身份号码第17位确定，填写时须与身份证号一致。",
            Column::Ethnicity => "必填。56个民族之一，如“汉族”（也可写“汉”或民族代码“01”）。",
            Column::BirthDate => {
                "选填。不填时按公民身份号码确定；填写时须与身份证号一致。日期写法如 1985-03-14、1985.3.14、1985年3月14日均可。"
            }
            Column::IdNumber => {
                "必填，用于识别党员：已在册的党员按此号码更新，新号码建立新档案。18位，最后一位可为X。请先把本列设为“文本”格式，否则Excel会把号码改成科学计数法并丢失后几位。"
            }
            Column::Education => "选填，可从下拉列表选择，如“大学本科”“大学专科”“硕士研究生”。",
            Column::Phone => "选填。11位手机号码。",
            Column::JoinedOn => {
                "必填。入党时应年满18周岁。写法如 2001-07-01、2001.7.1、2001年7月1日；只写到月（2001.7）时按当月1日导入。"
            }
            Column::ConfirmedOn => "正式党员填写，须晚于入党日期；预备党员不填。",
            Column::Category => "必填：“正式党员”或“预备党员”（也可写“正式”“预备”）。",
            Column::PartyStatus => "选填：“正常”或“停止党籍”，不填为“正常”。",
            Column::WorkUnit => "选填，100字以内。",
            Column::Residence => "选填，100字以内。",
            Column::Org => {
                "党员所在的党支部。填写全称（在您的管辖范围内唯一时），或从上级党组织开始、用“/”分隔的完整路径，如“中共XX区委员会/XX街道党工委/XX社区党委/XX党支部”。"
            }
            Column::Group => "选填。所在党支部下设的党小组名称，如“第一党小组”。",
            Column::Flow => "选填：“非流动党员”“流出”或“流入”，不填为非流动党员。",
            Column::FlowPlace => "流出党员填写流入地，流入党员填写流出地。",
            Column::LostContactSince => "与党组织失去联系的党员填写失联日期，其他党员不填。",
        }
    }

    /// The values of an enumerated column (the template's dropdown).
    pub fn options(self) -> Option<Vec<&'static str>> {
        match self {
            Column::Gender => Some(Gender::ALL.iter().map(|g| g.label()).collect()),
            Column::Ethnicity => Some(ETHNICITIES.to_vec()),
            Column::Education => Some(Education::ALL.iter().map(|e| e.label()).collect()),
            Column::Category => Some(Category::ALL.iter().map(|c| c.label()).collect()),
            Column::PartyStatus => Some(PartyStatus::ALL.iter().map(|p| p.label()).collect()),
            Column::Flow => Some(Flow::ALL.iter().map(|f| f.label()).collect()),
            _ => None,
        }
    }

    /// Whether the column is a date.
    pub fn is_date(self) -> bool {
        matches!(self, Column::BirthDate | Column::JoinedOn | Column::ConfirmedOn | Column::LostContactSince)
    }
}

/// The columns a file must have (所在党组织 too, unless a default branch is given).
pub const REQUIRED: [Column; 5] = [Column::Name, Column::IdNumber, Column::Ethnicity, Column::JoinedOn, Column::Category];

/// A heading reduced to what carries its meaning: half-width, no spaces, no asterisks
/// (required-field marks), no colons, and without parenthesized remarks.
pub fn normalize_heading(raw: &str) -> String {
    let s = without_parenthesized(&half_width(raw));
    s.chars().filter(|c| !c.is_whitespace() && !matches!(c, '*' | ':' | '※' | '★' | '"' | '“' | '”')).collect()
}

/// The column a heading means, if any.
pub fn recognize_heading(raw: &str) -> Option<Column> {
    let find = |h: &str| Column::ALL.into_iter().find(|c| c.synonyms().contains(&h));
    let h = normalize_heading(raw);
    if h.is_empty() {
        return None;
    }
    find(&h).or_else(|| {
        // Parentheses that hold part of the name: 手机(号码) → 手机号码.
        let kept: String = half_width(raw)
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '*' | ':' | '(' | ')' | '[' | ']' | '【' | '】'))
            .collect();
        find(&kept)
    })
}

// ---- The layout of a sheet --------------------------------------------------------------

/// Where the headings are and what each column means.
#[derive(Debug, Clone, Serialize)]
pub struct Layout {
    /// The heading row's number in the sheet (1-based).
    pub heading_row: usize,
    /// The index into [`Table::rows`] of the first row after the headings.
    #[serde(skip)]
    pub data_start: usize,
    /// The recognized columns: index within a row, meaning, heading as written.
    pub columns: Vec<RecognizedColumn>,
    /// Headings that mean nothing known: reported, their cells not imported.
    pub unknown: Vec<String>,
    /// Cells under no heading, and similar notes about the file as a whole.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecognizedColumn {
    #[serde(skip)]
    pub index: usize,
    /// The column letter in the sheet.
    pub letter: String,
    pub column: Column,
    /// The heading as written in the file.
    pub heading: String,
    /// The template's heading it was taken as.
    pub means: &'static str,
}

impl Layout {
    /// The heading as written for a column, or the template's heading if the file does
    /// not have it.
    pub fn heading_of(&self, column: Column) -> String {
        self.columns.iter().find(|c| c.column == column).map(|c| c.heading.clone()).unwrap_or_else(|| column.heading().into())
    }
    pub fn has(&self, column: Column) -> bool {
        self.columns.iter().any(|c| c.column == column)
    }
}

const HEADING_SCAN_ROWS: usize = 20;
const MIN_HEADINGS: usize = 3;

/// The heading of a table: its row, and its cells (two rows merged into one when a
/// group heading stands over the column headings).
#[derive(Debug, Clone)]
pub struct Heading {
    /// The index into [`Table::rows`] of the (lower) heading row.
    pub index: usize,
    /// Whether the row above was merged in: its cells stand for the blank cells below.
    pub two_rows: bool,
    pub cells: Vec<Cell>,
}

fn distinct_headings(cells: &[Cell]) -> usize {
    cells.iter().filter_map(|c| recognize_heading(&c.text())).collect::<HashSet<Column>>().len()
}

/// A heading row with the row above merged in: a cell blank below (a heading merged
/// down over two rows) takes the text above it.
fn merged_with_above(above: &[Cell], row: &[Cell]) -> Vec<Cell> {
    let n = above.len().max(row.len());
    (0..n)
        .map(|i| match (row.get(i), above.get(i)) {
            (Some(c), _) if !c.is_blank() => c.clone(),
            (_, Some(a)) => a.clone(),
            _ => Cell::Empty,
        })
        .collect()
}

/// The heading: among the first rows (a title may stand above the headings), the one
/// where the most cells are known headings, if at least three are; a two-row heading
/// (a group heading such as 基本信息 over 姓名/性别/…, with headings merged down over
/// both rows) is read as one.
pub fn find_heading(table: &Table) -> Option<Heading> {
    let mut best: Option<(Heading, usize)> = None;
    for (i, row) in table.rows.iter().take(HEADING_SCAN_ROWS).enumerate() {
        let single = distinct_headings(row);
        let mut candidate = (Heading { index: i, two_rows: false, cells: row.clone() }, single);
        if i > 0 {
            let merged = merged_with_above(&table.rows[i - 1], row);
            let n = distinct_headings(&merged);
            if n > single && distinct_headings(&table.rows[i - 1]) < n {
                candidate = (Heading { index: i, two_rows: true, cells: merged }, n);
            }
        }
        if candidate.1 >= MIN_HEADINGS && best.as_ref().is_none_or(|(_, n)| candidate.1 > *n) {
            best = Some(candidate);
        }
    }
    best.map(|(h, _)| h)
}

/// Whether a sheet holds a roster: a heading row that names people (姓名 or 公民身份号码
/// among its headings), not only option lists or notes.
pub fn is_roster_sheet(table: &Table) -> bool {
    find_heading(table).is_some_and(|h| {
        h.cells.iter().filter_map(|c| recognize_heading(&c.text())).any(|c| matches!(c, Column::Name | Column::IdNumber))
    })
}

/// The index of the heading row (see [`find_heading`]).
pub fn find_heading_row(table: &Table) -> Option<usize> {
    find_heading(table).map(|h| h.index)
}

fn file_error(code: &'static str, message: impl Into<String>) -> FieldError {
    FieldError::new("file", code, message)
}

/// Recognizes the columns of a table. A missing required column, a column given twice
/// or no heading row at all is an error for the whole file; unknown headings are
/// listed, never silently dropped.
pub fn recognize(table: &Table, org_required: bool) -> Result<Layout, Invalid> {
    let Some(heading) = find_heading(table) else {
        return Err(Invalid {
            errors: vec![file_error(
                "roster.no_headings",
                format!(
                    "工作表“{}”中没有找到表头行：请确认表格前几行中有“姓名”“公民身份号码”“入党日期”等列名，或下载导入模板按模板填写",
                    table.sheet
                ),
            )],
        });
    };
    let mut inv = Invalid::default();
    let mut columns: Vec<RecognizedColumn> = Vec::new();
    let mut unknown = Vec::new();
    let hi = heading.index;
    let letter = |i: usize| column_letter(table.first_col + i);
    let read_as = if heading.two_rows {
        format!("按第{}–{}行（两行表头）读取", table.first_row + hi - 1, table.first_row + hi)
    } else {
        format!("按第{}行作为表头读取", table.first_row + hi)
    };
    for (i, cell) in heading.cells.iter().enumerate() {
        let heading = tidy(&cell.text());
        if heading.is_empty() {
            continue;
        }
        match recognize_heading(&heading) {
            Some(column) => {
                if let Some(first) = columns.iter().find(|c| c.column == column) {
                    inv.push(file_error(
                        "roster.column_twice",
                        format!(
                            "第{}列“{}”和第{}列“{}”都表示“{}”，请只保留其中一列",
                            first.letter,
                            first.heading,
                            letter(i),
                            heading,
                            column.heading()
                        ),
                    ));
                } else {
                    columns.push(RecognizedColumn { index: i, letter: letter(i), column, heading, means: column.heading() });
                }
            }
            None => unknown.push(format!("第{}列“{}”", letter(i), heading)),
        }
    }
    let mut required: Vec<Column> = REQUIRED.to_vec();
    if org_required {
        required.push(Column::Org);
    }
    for column in required {
        if !columns.iter().any(|c| c.column == column) {
            let also: Vec<&str> = column.synonyms().iter().skip(1).take(3).copied().collect();
            let also = if also.is_empty() { String::new() } else { format!("（也可写作“{}”）", also.join("”“")) };
            inv.push(file_error(
                "roster.column_missing",
                format!("工作表“{}”缺少必填的“{}”列{also}（{read_as}），请补上这一列后重新上传", table.sheet, column.heading()),
            ));
        }
    }
    if !inv.is_empty() {
        return Err(inv);
    }
    // Cells under no heading would be lost without a word.
    let mut warnings = Vec::new();
    if heading.two_rows {
        warnings.push(format!("工作表“{}”的表头占两行，已{read_as}", table.sheet));
    }
    let headed: HashSet<usize> = heading.cells.iter().enumerate().filter(|(_, c)| !c.is_blank()).map(|(i, _)| i).collect();
    let mut stray: Vec<usize> = Vec::new();
    for row in &table.rows[hi + 1..] {
        for (i, c) in row.iter().enumerate() {
            if !headed.contains(&i) && !c.is_blank() && !stray.contains(&i) {
                stray.push(i);
            }
        }
    }
    stray.sort_unstable();
    for i in stray {
        warnings.push(format!("第{}列没有列名，其中的内容未导入", letter(i)));
    }
    Ok(Layout { heading_row: table.first_row + hi, data_start: hi + 1, columns, unknown, warnings })
}

// ---- Cell values ------------------------------------------------------------------------

/// A date read from a cell, with a note when it was completed or guessed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateValue {
    pub date: NaiveDate,
    pub note: Option<String>,
}

/// The date an Excel serial number stands for (1900 date system; serials count days
/// from 1899-12-30 once past Excel's phantom 1900-02-29, which no party date precedes).
pub fn excel_serial_date(serial: f64) -> Option<NaiveDate> {
    if !(61.0..2_958_466.0).contains(&serial) {
        return None;
    }
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_days(chrono::Days::new(serial.floor() as u64))
}

fn ymd(y: i64, m: i64, d: i64) -> Option<NaiveDate> {
    if !(1900..=2100).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, u32::try_from(m).ok()?, u32::try_from(d).ok()?)
}

fn month_note(label: &str, d: NaiveDate) -> String {
    format!("{label}只填写到月，已按当月1日（{}）导入", date_text(d))
}

/// Reads a date written any common way: `2001-07-01`, `2001.07.01`, `2001/7/1`,
/// `2001年7月1日`, `20010701`, `2001-07-01 00:00:00`; month precision (`2001.7`,
/// `2001-07`, `2001年7月`, `200107`) gives the first of the month and a note; number
/// cells may hold an Excel date serial, `20010701`, or `2001.07`. `Ok(None)` for a blank
/// cell; the error is a Chinese message naming the value.
pub fn parse_date(cell: &Cell, label: &str) -> Result<Option<DateValue>, String> {
    let unreadable = |raw: &str| format!("{label}“{raw}”无法识别为日期，请写成 2001-07-01 这样的年-月-日");
    match cell {
        Cell::Empty => Ok(None),
        Cell::Date(d) => Ok(Some(DateValue { date: *d, note: None })),
        Cell::Bool(_) => Err(unreadable(&cell.text())),
        Cell::Number(v) => {
            let v = *v;
            let raw = number_text(v);
            if v.fract() == 0.0 {
                let n = v as i64;
                if (19_000_101..=21_001_231).contains(&n) {
                    return ymd(n / 10_000, n / 100 % 100, n % 100)
                        .map(|date| Some(DateValue { date, note: None }))
                        .ok_or_else(|| unreadable(&raw));
                }
                if (190_001..=210_012).contains(&n) {
                    let date = ymd(n / 100, n % 100, 1).ok_or_else(|| unreadable(&raw))?;
                    return Ok(Some(DateValue { date, note: Some(month_note(label, date)) }));
                }
                if (1900..=2100).contains(&n) {
                    return Err(format!("{label}只有年份“{raw}”，请至少写到月，如 {raw}-07"));
                }
            }
            if (1900.0..2101.0).contains(&v) && v.fract() != 0.0 {
                // 2001.07 typed into a number cell: year.month.
                let (y, m) = raw.split_once('.').unwrap_or((&raw, ""));
                let year: i64 = y.parse().map_err(|_| unreadable(&raw))?;
                let month: i64 = m.parse().map_err(|_| unreadable(&raw))?;
                let date = ymd(year, month, 1).ok_or_else(|| unreadable(&raw))?;
                let mut note = month_note(label, date);
                if m.len() == 1 && month == 1 {
                    note.push_str(&format!(
                        "；Excel把“{year}.10”存成了“{year}.1”，如实为10月，请把该列设为文本格式后填写 {year}.10"
                    ));
                }
                return Ok(Some(DateValue { date, note: Some(note) }));
            }
            excel_serial_date(v).map(|date| Some(DateValue { date, note: None })).ok_or_else(|| unreadable(&raw))
        }
        Cell::Text(t) => {
            let trimmed = half_width(t).trim().to_string();
            if trimmed.is_empty() {
                return Ok(None);
            }
            let mut s = trimmed.as_str();
            // A date with a time of day: keep the date.
            if let Some((d, time)) = s.split_once([' ', 'T'])
                && time.contains(':')
            {
                s = d;
            }
            let s: String = s
                .replace(['年', '月'], "-")
                .replace(['日', '号'], "")
                .chars()
                .filter(|c| !c.is_whitespace())
                .map(|c| if matches!(c, '.' | '/' | '\\' | '—' | '－' | '_' | '。' | '、') { '-' } else { c })
                .collect();
            let s = s.trim_matches('-');
            let month_only = |y: i64, m: i64| -> Result<Option<DateValue>, String> {
                let date = ymd(y, m, 1).ok_or_else(|| unreadable(&trimmed))?;
                Ok(Some(DateValue { date, note: Some(month_note(label, date)) }))
            };
            if s.bytes().all(|b| b.is_ascii_digit()) {
                let n: i64 = s.parse().map_err(|_| unreadable(&trimmed))?;
                return match s.len() {
                    8 => ymd(n / 10_000, n / 100 % 100, n % 100)
                        .map(|date| Some(DateValue { date, note: None }))
                        .ok_or_else(|| unreadable(&trimmed)),
                    6 => month_only(n / 100, n % 100),
                    4 => Err(format!("{label}只有年份“{trimmed}”，请至少写到月，如 {trimmed}-07")),
                    _ => Err(unreadable(&trimmed)),
                };
            }
            let parts: Vec<&str> = s.split('-').collect();
            if parts.iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
                return Err(unreadable(&trimmed));
            }
            let nums: Vec<i64> = parts.iter().filter_map(|p| p.parse().ok()).collect();
            if parts[0].len() != 4 {
                if parts.last().is_some_and(|p| p.len() == 4) {
                    return Err(format!("{label}“{trimmed}”的年月日顺序无法确定，请按“年-月-日”的顺序填写，如 2001-07-01"));
                }
                return Err(unreadable(&trimmed));
            }
            match nums.as_slice() {
                [y, m, d] => ymd(*y, *m, *d).map(|date| Some(DateValue { date, note: None })).ok_or_else(|| unreadable(&trimmed)),
                [y, m] => month_only(*y, *m),
                _ => Err(unreadable(&trimmed)),
            }
        }
    }
}

/// The message for an ID number that Excel stored as a number.
pub const ID_AS_NUMBER: &str =
    "公民身份号码被Excel当成数字保存，后几位已经丢失（显示为 1.10105E+17 之类）。请把这一列设为“文本”格式，重新填写号码后再导入";

/// Reads a 公民身份号码 cell. A number cell or scientific notation means Excel has
/// already rounded the number: that is an error, not something to repair.
pub fn read_id_number(cell: &Cell) -> Result<Option<String>, &'static str> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Number(v) if v.abs() >= 1e15 || v.fract() != 0.0 => Err(ID_AS_NUMBER),
        Cell::Text(t) => {
            let s: String = compact(t).trim_start_matches(['\'', '`']).to_string();
            if s.is_empty() {
                return Ok(None);
            }
            let lower = s.to_ascii_lowercase();
            if let Some((mantissa, exp)) = lower.split_once('e') {
                let exp = exp.trim_start_matches('+');
                if !mantissa.is_empty()
                    && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                    && !exp.is_empty()
                    && exp.bytes().all(|b| b.is_ascii_digit())
                {
                    return Err(ID_AS_NUMBER);
                }
            }
            Ok(Some(s))
        }
        other => {
            let s = other.text();
            Ok((!s.is_empty()).then_some(s))
        }
    }
}

/// The 学历 a common variant means, with a warning when the mapping is a guess.
pub fn normalize_education(raw: &str) -> Option<(Education, Option<String>)> {
    let s = compact(raw);
    let exact = |s: &str| -> Option<(Education, Option<&'static str>)> {
        use Education::*;
        if let Some(e) = Education::parse(s) {
            return Some((e, None));
        }
        Some(match s {
            "博士" | "博士研究生" | "研究生博士" => (Doctorate, None),
            "硕士" | "硕士研究生" | "研究生硕士" => (Master, None),
            "研究生" => (Master, Some("“研究生”已按“硕士研究生”导入；如为博士研究生，请导入后改正")),
            "本科" | "大学本科" | "学士" => (Bachelor, None),
            "大学" => (Bachelor, Some("“大学”已按“大学本科”导入；如为大学专科，请导入后改正")),
            "大专" | "专科" | "大学专科" | "高职" | "高职高专" => (Associate, None),
            "中专" | "中等专科" | "中技" | "技校" | "职高" | "中职" | "中等职业教育" | "中等专业学校" => {
                (SecondaryVocational, None)
            }
            "高中" | "普通高中" => (HighSchool, None),
            "高中及以下" => (HighSchool, Some("“高中及以下”已按“高中”导入；如实际更低，请导入后改正")),
            "初中" | "初级中学" => (JuniorHigh, None),
            "初中及以下" => (JuniorHigh, Some("“初中及以下”已按“初中”导入；如为小学及以下，请导入后改正")),
            "小学" | "小学及以下" | "文盲" | "半文盲" | "不识字或识字很少" => (Primary, None),
            _ => return None,
        })
    };
    let strip_suffix = |s: &str| -> String {
        let mut t = s.to_string();
        for suffix in ["学历", "毕业", "文化", "程度"] {
            if let Some(x) = t.strip_suffix(suffix)
                && !x.is_empty()
            {
                t = x.to_string();
            }
        }
        t
    };
    let candidates = [s.clone(), strip_suffix(&s), without_parenthesized(&s), strip_suffix(&without_parenthesized(&s))];
    candidates.iter().find_map(|c| exact(c)).map(|(e, w)| (e, w.map(str::to_string)))
}

fn normalize_gender(s: &str) -> Option<Gender> {
    Gender::parse(s).or(match s.to_ascii_lowercase().as_str() {
        "男性" | "m" | "1" | "男士" => Some(Gender::Male),
        "女性" | "f" | "2" | "女士" => Some(Gender::Female),
        _ => None,
    })
}

fn normalize_category(s: &str) -> Option<Category> {
    Category::parse(s).or(match s {
        "正式" => Some(Category::Formal),
        "预备" => Some(Category::Probationary),
        _ => None,
    })
}

fn normalize_party_status(s: &str) -> Option<PartyStatus> {
    PartyStatus::parse(s).or(match s {
        "在籍" | "正常党籍" => Some(PartyStatus::Normal),
        "停止" | "停籍" | "已停止党籍" => Some(PartyStatus::Suspended),
        _ => None,
    })
}

/// 流动党员 status; `Err` when the value says "yes" without saying which way.
fn normalize_flow(s: &str) -> Result<Option<Flow>, &'static str> {
    if let Some(f) = Flow::parse(s) {
        return Ok(Some(f));
    }
    if s.contains("流出") || s.contains("外出") {
        return Ok(Some(Flow::Out));
    }
    if s.contains("流入") {
        return Ok(Some(Flow::In));
    }
    match s {
        "否" | "无" | "不是" | "非流动" | "非流动党员" | "-" | "/" => Ok(Some(Flow::None)),
        "是" | "流动" | "流动党员" => Err("请写明是“流出”还是“流入”"),
        _ => Ok(None),
    }
}

// ---- Rows -------------------------------------------------------------------------------

/// One problem (or warning) of one row, placed as the user sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Problem {
    /// The sheet, when a file has several roster sheets.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sheet: String,
    /// The row number in the sheet (the heading row counts).
    pub row: usize,
    /// The column heading as written in the file (or the template's, if the file does
    /// not have the column).
    pub column: String,
    pub message: String,
}

labelled_enum! {
    /// What the import report says of one data row: the preview's verdict, which the
    /// commit keeps (a row found unchanged at commit time turns to 跳过).
    pub enum ReportStatus {
        Create = ("create", "将导入"),
        Update = ("update", "将更新"),
        Problem = ("problem", "有问题"),
        Skip = ("skip", "跳过"),
    }
}

impl ReportStatus {
    /// The label once the batch is committed (新建, 更新, 有问题未导入, 跳过).
    pub fn result_label(self) -> &'static str {
        match self {
            ReportStatus::Create => "已新建",
            ReportStatus::Update => "已更新",
            ReportStatus::Problem => "有问题，未导入",
            ReportStatus::Skip => "跳过",
        }
    }
}

/// The longest reason text one report row keeps (several problems of a row joined).
pub const REPORT_TEXT_MAX: usize = 1000;

/// A row's problems or warnings as one line: `列名：原因；列名：原因`, bounded to
/// [`REPORT_TEXT_MAX`] characters.
pub fn reasons_line(problems: &[Problem]) -> String {
    let line = problems
        .iter()
        .map(|p| if p.column.is_empty() { p.message.clone() } else { format!("{}：{}", p.column, p.message) })
        .collect::<Vec<_>>()
        .join("；");
    bounded_text(line)
}

/// `text` cut to [`REPORT_TEXT_MAX`] characters, marked when cut.
pub fn bounded_text(text: String) -> String {
    if text.chars().count() > REPORT_TEXT_MAX { text.chars().take(REPORT_TEXT_MAX).collect::<String>() + "……" } else { text }
}

/// One data row, normalized but not yet checked against the archive.
#[derive(Debug, Clone, Default)]
pub struct RowInput {
    pub row: usize,
    pub input: MemberInput,
    /// 所在党组织 as written (tidied).
    pub org: Option<String>,
    /// 所在党小组 as written (tidied).
    pub group: Option<String>,
    pub problems: Vec<Problem>,
    pub warnings: Vec<Problem>,
    /// Fields whose cell could not be read (their validation errors would repeat it).
    bad_fields: Vec<&'static str>,
}

impl RowInput {
    /// The name as given, for reports.
    pub fn name(&self) -> &str {
        self.input.name.as_deref().unwrap_or("")
    }
}

/// Reads one data row. `None` for a row with nothing in any recognized column.
pub fn read_row(layout: &Layout, row: usize, cells: &[Cell]) -> Option<RowInput> {
    let cell = |i: usize| cells.get(i).unwrap_or(&Cell::Empty);
    if layout.columns.iter().all(|c| cell(c.index).is_blank()) {
        return None;
    }
    let mut r = RowInput { row, ..Default::default() };
    for rc in &layout.columns {
        let c = without_text_marker(cell(rc.index));
        let c = &c;
        if c.is_blank() {
            continue;
        }
        let column = rc.column;
        let problem = |message: String| Problem { sheet: String::new(), row, column: rc.heading.clone(), message };
        let text = c.text();
        let set = |input: &mut MemberInput, v: String| {
            let slot = match column {
                Column::Name => &mut input.name,
                Column::Gender => &mut input.gender,
                Column::Ethnicity => &mut input.ethnicity,
                Column::BirthDate => &mut input.birth_date,
                Column::IdNumber => &mut input.id_number,
                Column::Education => &mut input.education,
                Column::Phone => &mut input.phone,
                Column::JoinedOn => &mut input.joined_on,
                Column::ConfirmedOn => &mut input.confirmed_on,
                Column::Category => &mut input.category,
                Column::PartyStatus => &mut input.party_status,
                Column::WorkUnit => &mut input.work_unit,
                Column::Residence => &mut input.residence,
                Column::Flow => &mut input.flow,
                Column::FlowPlace => &mut input.flow_place,
                Column::LostContactSince => &mut input.lost_contact_since,
                Column::Org | Column::Group => return,
            };
            *slot = Some(v);
        };
        match column {
            Column::Name => {
                let name: String =
                    compact(&text).chars().map(|c| if matches!(c, '•' | '・' | '.' | '‧') { '·' } else { c }).collect();
                set(&mut r.input, name);
            }
            Column::IdNumber => match read_id_number(c) {
                Ok(Some(id)) => set(&mut r.input, id),
                Ok(None) => {}
                Err(m) => {
                    r.problems.push(problem(m.to_string()));
                    r.bad_fields.push(column.field());
                }
            },
            c_ if c_.is_date() => match parse_date(c, column.heading()) {
                Ok(Some(d)) => {
                    if let Some(note) = d.note {
                        r.warnings.push(problem(note));
                    }
                    set(&mut r.input, date_text(d.date));
                }
                Ok(None) => {}
                Err(m) => {
                    r.problems.push(problem(m));
                    r.bad_fields.push(column.field());
                }
            },
            Column::Gender => {
                let s = compact(&text);
                set(&mut r.input, normalize_gender(&s).map(|g| g.label().to_string()).unwrap_or(s));
            }
            Column::Ethnicity => {
                let s = compact(&text);
                set(&mut r.input, Ethnicity::parse(&s).map(|e| e.label().to_string()).unwrap_or(s));
            }
            Column::Education => match normalize_education(&text) {
                Some((e, warning)) => {
                    if let Some(w) = warning {
                        r.warnings.push(problem(w));
                    }
                    set(&mut r.input, e.label().to_string());
                }
                None => set(&mut r.input, compact(&text)),
            },
            Column::Phone => {
                let s = compact(&text);
                let mut numbers = s.split([',', '，', '、', '/', ';', '；']).filter(|p| !p.is_empty());
                let first = numbers.next().unwrap_or("").trim_start_matches("86-").to_string();
                if numbers.next().is_some() {
                    r.warnings.push(problem(format!("填写了多个号码，只导入了第一个（尾号{}）", last4(&first))));
                }
                set(&mut r.input, first);
            }
            Column::Category => {
                let s = compact(&text);
                set(&mut r.input, normalize_category(&s).map(|c| c.label().to_string()).unwrap_or(s));
            }
            Column::PartyStatus => {
                let s = compact(&text);
                set(&mut r.input, normalize_party_status(&s).map(|p| p.label().to_string()).unwrap_or(s));
            }
            Column::Flow => {
                let s = compact(&text);
                match normalize_flow(&s) {
                    Ok(f) => set(&mut r.input, f.map(|f| f.label().to_string()).unwrap_or(s)),
                    Err(m) => {
                        r.problems.push(problem(format!("流动党员情况“{s}”{m}")));
                        r.bad_fields.push(column.field());
                    }
                }
            }
            Column::WorkUnit | Column::Residence | Column::FlowPlace => set(&mut r.input, tidy(&text)),
            Column::Org => r.org = Some(tidy(&text)),
            Column::Group => r.group = Some(tidy(&text)),
            _ => set(&mut r.input, tidy(&text)),
        }
    }
    Some(r)
}

/// A text cell without the apostrophe Excel uses to mark text (typed literally it stays
/// in the cell when a file is made by hand or by another program): `'0571…`, `'2001-07-01`.
fn without_text_marker(c: &Cell) -> Cell {
    match c {
        Cell::Text(t) => {
            let trimmed = t.trim_start();
            match trimmed.strip_prefix(['\'', '‘', '’', '`']) {
                Some(rest) => Cell::Text(rest.to_string()),
                None => c.clone(),
            }
        }
        other => other.clone(),
    }
}

/// Words that open a totals or signature line under a table (合计、制表人、盖章…).
const FOOTER_WORDS: [&str; 16] = [
    "合计",
    "总计",
    "小计",
    "共计",
    "总人数",
    "制表人",
    "制表",
    "填表人",
    "填报人",
    "审核人",
    "负责人",
    "签字",
    "签名",
    "盖章",
    "填报日期",
    "制表日期",
];

/// Whether a row under the table is a totals or signature line rather than a member:
/// no 公民身份号码, and its first text opens with 合计, 制表人, 盖章 and the like.
pub fn is_footer_row(layout: &Layout, cells: &[Cell]) -> bool {
    let id_col = layout.columns.iter().find(|c| c.column == Column::IdNumber).map(|c| c.index);
    if let Some(i) = id_col
        && cells.get(i).is_some_and(|c| !c.is_blank())
    {
        return false;
    }
    let Some(first) = cells.iter().find(|c| !c.is_blank()) else { return false };
    let text = compact(&first.text());
    FOOTER_WORDS.iter().any(|w| text.starts_with(w)) || text.starts_with("注:") || text.starts_with("说明")
}

/// Whether an ID number was masked by an export (`330205********1234`).
pub fn looks_masked(id: &str) -> bool {
    id.contains(['*', '＊', '×'])
}

/// The message for a masked export brought back for import.
pub const MASKED_EXPORT: &str = "这是脱敏导出的花名册：公民身份号码的中间几位已用 * 隐去，无法据此导入或更新。请由有“查看敏感信息”权限的账号在花名册页选择“导出（含完整号码）”，再用导出的完整文件导入";

fn last4(s: &str) -> &str {
    let n = s.len();
    s.get(n.saturating_sub(4)..).unwrap_or("")
}

/// Validates a row: a new member (`base` = `None`) or an existing one (`base` = the
/// archive on file; blank cells keep what is on file). Every problem is reported with
/// the row and the file's heading.
pub fn validate_row(
    layout: &Layout,
    r: &RowInput,
    base: Option<&MemberFields>,
    today: NaiveDate,
) -> Result<MemberFields, Vec<Problem>> {
    let input = match base {
        Some(b) => b.to_input().overlay(&r.input),
        None => r.input.clone(),
    };
    let mut problems = r.problems.clone();
    match MemberFields::validate(&input, today) {
        Ok(fields) if problems.is_empty() => Ok(fields),
        Ok(_) => Err(problems),
        Err(inv) => {
            for e in inv.errors {
                if r.bad_fields.contains(&e.field) {
                    continue;
                }
                let column = Column::from_field(e.field).map(|c| layout.heading_of(c)).unwrap_or_else(|| "（整行）".into());
                problems.push(Problem { sheet: String::new(), row: r.row, column, message: e.message });
            }
            Err(problems)
        }
    }
}

// ---- Placement ----------------------------------------------------------------------------

/// An org the placement of a row may name (or an ancestor, for matching paths).
#[derive(Debug, Clone)]
pub struct OrgEntry {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub kind: OrgKind,
    pub dissolved: bool,
    /// Whether the caller may place members here (the entry lies in the writable
    /// subtree); ancestors above the scope root are known only to match full paths.
    pub in_scope: bool,
}

/// The caller's orgs, to resolve the 所在党组织 and 所在党小组 a row names.
#[derive(Debug, Clone, Default)]
pub struct OrgIndex {
    entries: HashMap<i64, OrgEntry>,
    by_name: HashMap<String, Vec<i64>>,
    children: HashMap<i64, Vec<i64>>,
}

/// The separators of a written path: 中共XX区委/XX街道党工委/XX党支部.
const PATH_SEPARATORS: [char; 4] = ['/', '>', '\\', '→'];

fn org_key(name: &str) -> String {
    compact(name)
}

impl OrgIndex {
    pub fn new(entries: impl IntoIterator<Item = OrgEntry>) -> Self {
        let mut idx = OrgIndex::default();
        for e in entries {
            idx.by_name.entry(org_key(&e.name)).or_default().push(e.id);
            if let Some(p) = e.parent_id {
                idx.children.entry(p).or_default().push(e.id);
            }
            idx.entries.insert(e.id, e);
        }
        for v in idx.by_name.values_mut().chain(idx.children.values_mut()) {
            v.sort_unstable();
        }
        idx
    }

    pub fn get(&self, id: i64) -> Option<&OrgEntry> {
        self.entries.get(&id)
    }

    /// The names from the caller's scope root down to `id`, joined by `/`.
    pub fn path_of(&self, id: i64) -> String {
        let mut names = Vec::new();
        let mut cur = self.entries.get(&id);
        while let Some(e) = cur {
            if !e.in_scope {
                break;
            }
            names.push(e.name.as_str());
            cur = e.parent_id.and_then(|p| self.entries.get(&p));
        }
        names.reverse();
        names.join("/")
    }

    fn matches_path(&self, id: i64, segments: &[String]) -> bool {
        let mut cur = self.entries.get(&id);
        for seg in segments.iter().rev() {
            match cur {
                Some(e) if org_key(&e.name) == *seg => cur = e.parent_id.and_then(|p| self.entries.get(&p)),
                _ => return false,
            }
        }
        true
    }

    /// The branch a row names: its unique name within reach, or a path of names
    /// ending in it (any number of leading ancestors may be left out).
    pub fn resolve_branch(&self, written: &str) -> Result<i64, String> {
        let segments: Vec<String> = half_width(written).split(PATH_SEPARATORS).map(org_key).filter(|s| !s.is_empty()).collect();
        let Some(last) = segments.last() else {
            return Err("请填写所在党组织".into());
        };
        let named: Vec<i64> =
            self.by_name.get(last).into_iter().flatten().copied().filter(|id| self.entries[id].in_scope).collect();
        let live = |id: &i64| !self.entries[id].dissolved;
        let matching: Vec<i64> = named.iter().copied().filter(|id| self.matches_path(*id, &segments)).collect();
        let candidates: Vec<i64> = matching.iter().copied().filter(live).collect();
        match candidates.as_slice() {
            [id] => {
                let e = &self.entries[id];
                if !e.kind.is_branch() {
                    return Err(format!(
                        "“{}”是{}，党员应编入党支部（含联合党支部、临时党支部、流动党员党支部），请填写到党支部一级",
                        e.name,
                        e.kind.label()
                    ));
                }
                Ok(*id)
            }
            [] if !matching.is_empty() => Err(format!("党组织“{written}”已撤销，不能编入党员")),
            [] if !named.is_empty() && segments.len() > 1 => {
                let paths: Vec<String> =
                    named.iter().filter(|id| live(id)).take(5).map(|id| format!("“{}”", self.path_of(*id))).collect();
                Err(format!(
                    "所在党组织的路径“{written}”与实际不符；名为“{}”的党组织有：{}",
                    segments[segments.len() - 1],
                    paths.join("、")
                ))
            }
            [] => Err(format!(
                "在您的管辖范围内找不到党组织“{written}”，请填写党支部的全称，或从上级党组织开始、用“/”分隔的完整路径"
            )),
            many => {
                let paths: Vec<String> = many.iter().take(10).map(|id| format!("“{}”", self.path_of(*id))).collect();
                Err(format!("名为“{written}”的党组织有{}个，请改填完整路径以区分：{}", many.len(), paths.join("、")))
            }
        }
    }

    /// A 党小组 of the branch, by name.
    pub fn resolve_group(&self, branch: i64, written: &str) -> Result<i64, String> {
        let hw = half_width(written);
        let key = org_key(hw.rsplit(PATH_SEPARATORS).next().unwrap_or(&hw));
        let groups: Vec<&OrgEntry> = self
            .children
            .get(&branch)
            .into_iter()
            .flatten()
            .filter_map(|id| self.entries.get(id))
            .filter(|e| e.kind == OrgKind::Group && !e.dissolved)
            .collect();
        if let Some(g) = groups.iter().find(|g| org_key(&g.name) == key) {
            return Ok(g.id);
        }
        let branch_name = self.entries.get(&branch).map(|e| e.name.as_str()).unwrap_or("");
        if groups.is_empty() {
            Err(format!("“{branch_name}”没有下设党小组，请清空所在党小组，或先在该党支部下建立党小组“{written}”"))
        } else {
            let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
            Err(format!("“{branch_name}”下没有党小组“{written}”，现有：{}", names.join("、")))
        }
    }
}

/// Rows that share an ID number: for each row, the other rows with the same number.
pub fn duplicate_rows<'a>(rows: impl IntoIterator<Item = (usize, &'a str)>) -> HashMap<usize, Vec<usize>> {
    let mut by_id: HashMap<&str, Vec<usize>> = HashMap::new();
    for (row, id) in rows {
        by_id.entry(id).or_default().push(row);
    }
    let mut out = HashMap::new();
    for rows in by_id.values().filter(|r| r.len() > 1) {
        for &r in rows {
            out.insert(r, rows.iter().copied().filter(|o| *o != r).collect());
        }
    }
    out
}

/// The message for a row whose ID number is also in other rows.
pub fn duplicate_message(others: &[usize]) -> String {
    let rows: Vec<String> = others.iter().map(|r| format!("第{r}行")).collect();
    format!("与{}的公民身份号码相同，同一人只能出现一次，请删除重复的行", rows.join("、"))
}

/// The date of a cell in the Excel 1900 system for writing (days since 1899-12-30).
pub fn excel_serial(d: NaiveDate) -> f64 {
    let base = NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default();
    (d - base).num_days() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::member::idcard::compose;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn text(s: &str) -> Cell {
        Cell::Text(s.into())
    }
    fn date_of(cell: Cell) -> NaiveDate {
        parse_date(&cell, "入党日期").unwrap().unwrap().date
    }
    fn today() -> NaiveDate {
        d(2026, 11, 27)
    }

    fn table(rows: Vec<Vec<&str>>) -> Table {
        Table {
            sheet: "Sheet1".into(),
            rows: rows
                .into_iter()
                .map(|r| r.into_iter().map(|s| if s.is_empty() { Cell::Empty } else { text(s) }).collect())
                .collect(),
            first_row: 1,
            first_col: 0,
            hidden_rows: Vec::new(),
        }
    }

    const HEADINGS: [&str; 6] = ["姓名", "身份证号", "民族", "入党时间", "党员类别", "所在党支部"];

    fn valid_id() -> String {
        compose("330205", d(1985, 3, 14), 31)
    }

    fn one_row(cells: Vec<(&str, Cell)>) -> (Layout, RowInput) {
        let mut headings: Vec<&str> = HEADINGS.to_vec();
        let mut row: Vec<Cell> =
            vec![text("王建国"), text(&valid_id()), text("汉族"), text("2008-07-01"), text("正式党员"), text("第一党支部")];
        for (h, c) in cells {
            match headings.iter().position(|x| *x == h) {
                Some(i) => row[i] = c,
                None => {
                    headings.push(h);
                    row.push(c);
                }
            }
        }
        let t = Table { rows: vec![headings.iter().map(|h| text(h)).collect(), row], ..table(vec![]) };
        let layout = recognize(&t, true).unwrap();
        let r = read_row(&layout, 2, &t.rows[1]).unwrap();
        (layout, r)
    }

    // -- headings

    #[test]
    fn heading_shen_fen_zheng_hao_maps_to_id_number() {
        for h in ["身份证号", "身份证号码", "身份证", "证件号码", "公民身份号码"] {
            assert_eq!(recognize_heading(h), Some(Column::IdNumber), "{h}");
        }
    }

    #[test]
    fn heading_suo_zai_dang_zhi_bu_maps_to_org() {
        for h in ["所在党支部", "所在党组织", "党组织名称", "所在支部", "党支部"] {
            assert_eq!(recognize_heading(h), Some(Column::Org), "{h}");
        }
    }

    #[test]
    fn heading_phone_variants_map_to_phone() {
        for h in ["手机号码", "手机", "联系电话", "手机号"] {
            assert_eq!(recognize_heading(h), Some(Column::Phone), "{h}");
        }
    }

    #[test]
    fn heading_time_variants_map_to_dates() {
        assert_eq!(recognize_heading("入党时间"), Some(Column::JoinedOn));
        assert_eq!(recognize_heading("转正时间"), Some(Column::ConfirmedOn));
        assert_eq!(recognize_heading("出生年月"), Some(Column::BirthDate));
    }

    #[test]
    fn heading_category_variants_map_to_category() {
        for h in ["人员类别", "党员类别", "类别"] {
            assert_eq!(recognize_heading(h), Some(Column::Category), "{h}");
        }
    }

    #[test]
    fn heading_with_full_width_spaces_asterisks_and_remarks_is_recognized() {
        assert_eq!(recognize_heading("＊姓　名"), Some(Column::Name));
        assert_eq!(recognize_heading(" *公民身份号码（18位） "), Some(Column::IdNumber));
        assert_eq!(recognize_heading("入党日期(yyyy-mm-dd)"), Some(Column::JoinedOn));
        assert_eq!(recognize_heading("手机(号码)"), Some(Column::Phone));
        assert_eq!(recognize_heading("流出地／流入地"), Some(Column::FlowPlace));
    }

    #[test]
    fn unknown_heading_is_not_recognized() {
        assert_eq!(recognize_heading("备注"), None);
        assert_eq!(recognize_heading(""), None);
    }

    #[test]
    fn every_template_heading_recognizes_its_own_column() {
        for c in Column::ALL {
            assert_eq!(recognize_heading(c.heading()), Some(c), "{}", c.heading());
            assert_eq!(c.synonyms()[0], normalize_heading(c.heading()), "{}", c.heading());
        }
    }

    #[test]
    fn no_synonym_means_two_columns() {
        let mut seen = HashMap::new();
        for c in Column::ALL {
            for s in c.synonyms() {
                assert!(seen.insert(*s, c).is_none(), "{s} is a synonym of two columns");
            }
        }
    }

    #[test]
    fn a_title_row_above_the_headings_is_skipped() {
        let t = table(vec![vec!["槐树社区第一党支部党员花名册"], HEADINGS.to_vec(), vec!["张三"]]);
        let l = recognize(&t, true).unwrap();
        assert_eq!(l.heading_row, 2);
        assert_eq!(l.data_start, 2);
    }

    #[test]
    fn unknown_columns_are_reported_not_dropped() {
        let mut h = HEADINGS.to_vec();
        h.push("备注");
        let l = recognize(&table(vec![h]), true).unwrap();
        assert_eq!(l.unknown, vec!["第G列“备注”".to_string()]);
    }

    #[test]
    fn data_under_no_heading_is_reported() {
        let l = recognize(&table(vec![HEADINGS.to_vec(), vec!["张三", "", "", "", "", "", "", "多余"]]), true).unwrap();
        assert_eq!(l.warnings, vec!["第H列没有列名，其中的内容未导入".to_string()]);
    }

    #[test]
    fn a_missing_required_column_is_an_error_for_the_whole_file() {
        let err = recognize(&table(vec![vec!["姓名", "身份证号", "民族", "党员类别", "所在党支部"]]), true).unwrap_err();
        assert_eq!(err.errors.len(), 1);
        assert_eq!(err.errors[0].code, "roster.column_missing");
        assert!(err.errors[0].message.contains("入党日期"), "{}", err.errors[0].message);
    }

    #[test]
    fn the_org_column_is_optional_when_a_default_branch_is_given() {
        let t = table(vec![vec!["姓名", "身份证号", "民族", "入党时间", "党员类别"]]);
        assert!(recognize(&t, false).is_ok());
        assert!(recognize(&t, true).is_err());
    }

    #[test]
    fn two_headings_meaning_the_same_column_are_refused() {
        let mut h = HEADINGS.to_vec();
        h.push("公民身份号码");
        let err = recognize(&table(vec![h]), true).unwrap_err();
        assert_eq!(err.errors[0].code, "roster.column_twice");
    }

    #[test]
    fn a_sheet_without_headings_is_refused() {
        let err = recognize(&table(vec![vec!["a", "b"], vec!["1", "2"]]), true).unwrap_err();
        assert_eq!(err.errors[0].code, "roster.no_headings");
    }

    #[test]
    fn column_letters_continue_past_z() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    // -- dates

    #[test]
    fn date_written_with_dashes_is_parsed() {
        assert_eq!(date_of(text("2001-07-01")), d(2001, 7, 1));
    }

    #[test]
    fn date_written_with_dots_is_parsed() {
        assert_eq!(date_of(text("2001.07.01")), d(2001, 7, 1));
    }

    #[test]
    fn date_written_with_slashes_and_single_digits_is_parsed() {
        assert_eq!(date_of(text("2001/7/1")), d(2001, 7, 1));
    }

    #[test]
    fn date_written_with_chinese_characters_is_parsed() {
        assert_eq!(date_of(text("2001年7月1日")), d(2001, 7, 1));
        assert_eq!(date_of(text("2001年07月01号")), d(2001, 7, 1));
    }

    #[test]
    fn date_written_as_eight_digits_is_parsed() {
        assert_eq!(date_of(text("20010701")), d(2001, 7, 1));
        assert_eq!(date_of(Cell::Number(20010701.0)), d(2001, 7, 1));
    }

    #[test]
    fn date_with_full_width_digits_and_spaces_is_parsed() {
        assert_eq!(date_of(text(" ２００１－０７－０１ ")), d(2001, 7, 1));
    }

    #[test]
    fn date_with_a_time_of_day_keeps_the_date() {
        assert_eq!(date_of(text("2001-07-01 00:00:00")), d(2001, 7, 1));
    }

    #[test]
    fn month_precision_date_is_the_first_of_the_month_with_a_note() {
        for raw in ["2001.7", "2001-07", "2001年7月", "200107"] {
            let v = parse_date(&text(raw), "入党日期").unwrap().unwrap();
            assert_eq!(v.date, d(2001, 7, 1), "{raw}");
            assert!(v.note.as_deref().unwrap_or("").contains("只填写到月"), "{raw}");
        }
    }

    #[test]
    fn year_month_typed_into_a_number_cell_is_read_as_year_and_month() {
        let v = parse_date(&Cell::Number(2001.07), "入党日期").unwrap().unwrap();
        assert_eq!(v.date, d(2001, 7, 1));
        let v = parse_date(&Cell::Number(2001.1), "入党日期").unwrap().unwrap();
        assert_eq!(v.date, d(2001, 1, 1));
        assert!(v.note.unwrap().contains("10月"), "the 2001.10 ambiguity is pointed out");
    }

    #[test]
    fn excel_date_serial_in_a_number_cell_is_parsed() {
        assert_eq!(date_of(Cell::Number(37073.0)), d(2001, 7, 1));
        assert_eq!(date_of(Cell::Number(37073.5)), d(2001, 7, 1));
        assert_eq!(excel_serial(d(2001, 7, 1)), 37073.0);
    }

    #[test]
    fn date_cell_is_taken_as_is() {
        assert_eq!(date_of(Cell::Date(d(1999, 12, 31))), d(1999, 12, 31));
    }

    #[test]
    fn impossible_or_unreadable_dates_are_errors_that_name_the_value() {
        for raw in ["2001-02-30", "2001-13-01", "明年", "01.7.1", "1800-01-01"] {
            let e = parse_date(&text(raw), "入党日期").unwrap_err();
            assert!(e.contains(raw) && e.contains("入党日期"), "{raw}: {e}");
        }
    }

    #[test]
    fn day_month_year_order_is_refused_as_ambiguous() {
        let e = parse_date(&text("01/07/2001"), "入党日期").unwrap_err();
        assert!(e.contains("顺序"), "{e}");
    }

    #[test]
    fn year_alone_is_refused() {
        assert!(parse_date(&text("2001"), "入党日期").unwrap_err().contains("只有年份"));
        assert!(parse_date(&Cell::Number(2001.0), "入党日期").unwrap_err().contains("只有年份"));
    }

    #[test]
    fn blank_date_is_none() {
        assert_eq!(parse_date(&text("  "), "入党日期"), Ok(None));
        assert_eq!(parse_date(&Cell::Empty, "入党日期"), Ok(None));
    }

    // -- ID numbers

    #[test]
    fn id_number_stored_as_a_float_is_reported_as_lost_digits() {
        assert_eq!(read_id_number(&Cell::Number(110105194912310020.0)), Err(ID_AS_NUMBER));
    }

    #[test]
    fn id_number_in_scientific_notation_text_is_reported_as_lost_digits() {
        assert_eq!(read_id_number(&text("1.1010519491231E+17")), Err(ID_AS_NUMBER));
        assert_eq!(read_id_number(&text("1.10105E17")), Err(ID_AS_NUMBER));
    }

    #[test]
    fn id_number_with_spaces_full_width_digits_and_a_text_apostrophe_is_cleaned() {
        assert_eq!(read_id_number(&text(" '110105 19491231 002x")), Ok(Some("11010519491231002x".into())));
        assert_eq!(read_id_number(&text("１１０１０５１９４９１２３１００２Ｘ")), Ok(Some("11010519491231002X".into())));
    }

    // -- enumerations

    #[test]
    fn ethnicity_written_short_long_or_as_code_is_normalized() {
        for raw in ["汉", "汉族", "01", "1", " 汉 族 "] {
            let (_, r) = one_row(vec![("民族", text(raw))]);
            assert_eq!(r.input.ethnicity.as_deref(), Some("汉族"), "{raw}");
        }
        let (_, r) = one_row(vec![("民族", Cell::Number(1.0))]);
        assert_eq!(r.input.ethnicity.as_deref(), Some("汉族"));
    }

    #[test]
    fn education_variants_are_mapped_to_the_standard_labels() {
        let cases = [
            ("本科", Education::Bachelor),
            ("大学本科", Education::Bachelor),
            ("本科毕业", Education::Bachelor),
            ("本科（学士）", Education::Bachelor),
            ("大专", Education::Associate),
            ("专科", Education::Associate),
            ("中专", Education::SecondaryVocational),
            ("技校", Education::SecondaryVocational),
            ("硕士", Education::Master),
            ("博士", Education::Doctorate),
            ("高中", Education::HighSchool),
            ("初中", Education::JuniorHigh),
            ("小学", Education::Primary),
            ("bachelor", Education::Bachelor),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize_education(raw), Some((want, None)), "{raw}");
        }
    }

    #[test]
    fn education_guesses_carry_a_warning() {
        for (raw, want) in [("研究生", Education::Master), ("初中及以下", Education::JuniorHigh), ("大学", Education::Bachelor)]
        {
            let (e, w) = normalize_education(raw).unwrap();
            assert_eq!(e, want, "{raw}");
            assert!(w.is_some(), "{raw}");
        }
        assert_eq!(normalize_education("幼儿园"), None);
    }

    #[test]
    fn category_short_forms_are_normalized() {
        for (raw, want) in [("正式", "正式党员"), ("预备", "预备党员"), ("正式党员", "正式党员"), (" 预备党员 ", "预备党员")]
        {
            let (_, r) = one_row(vec![("党员类别", text(raw))]);
            assert_eq!(r.input.category.as_deref(), Some(want), "{raw}");
        }
    }

    #[test]
    fn gender_variants_are_normalized() {
        for (raw, want) in [("男", "男"), ("男性", "男"), ("女性", "女"), ("F", "女")] {
            let (_, r) = one_row(vec![("性别", text(raw))]);
            assert_eq!(r.input.gender.as_deref(), Some(want), "{raw}");
        }
    }

    #[test]
    fn flow_yes_without_direction_is_an_error() {
        let (l, r) = one_row(vec![("流动党员", text("是"))]);
        let problems = validate_row(&l, &r, None, today()).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].column, "流动党员");
        let (_, r) = one_row(vec![("流动党员", text("流出党员")), ("流出地/流入地", text("上海"))]);
        assert_eq!(r.input.flow.as_deref(), Some("流出"));
        let (_, r) = one_row(vec![("流动党员", text("否"))]);
        assert_eq!(r.input.flow.as_deref(), Some("非流动党员"));
    }

    #[test]
    fn party_status_variants_are_normalized() {
        let (_, r) = one_row(vec![("党籍状态", text("停止"))]);
        assert_eq!(r.input.party_status.as_deref(), Some("停止党籍"));
    }

    // -- rows

    #[test]
    fn names_lose_inner_spaces_and_full_width_letters() {
        let (_, r) = one_row(vec![("姓名", text("王　芳"))]);
        assert_eq!(r.name(), "王芳");
    }

    #[test]
    fn phone_numbers_stored_as_numbers_and_with_separators_are_read() {
        let (_, r) = one_row(vec![("手机号码", Cell::Number(13805741234.0))]);
        assert_eq!(r.input.phone.as_deref(), Some("13805741234"));
        let (_, r) = one_row(vec![("联系电话", text("138-0574-1234，13905741234"))]);
        assert_eq!(r.input.phone.as_deref(), Some("138-0574-1234"));
        assert_eq!(r.warnings.len(), 1);
    }

    #[test]
    fn a_valid_row_validates() {
        let (l, r) = one_row(vec![("转正日期", text("2009.7.1"))]);
        let m = validate_row(&l, &r, None, today()).unwrap();
        assert_eq!(m.confirmed_on, Some(d(2009, 7, 1)));
        assert_eq!(r.org.as_deref(), Some("第一党支部"));
    }

    #[test]
    fn validation_errors_name_the_column_as_written_in_the_file() {
        let mut bad = valid_id();
        let last = if bad.ends_with('1') { '2' } else { '1' };
        bad.pop();
        bad.push(last);
        let (l, r) = one_row(vec![("身份证号", text(&bad)), ("性别", text("女"))]);
        let problems = validate_row(&l, &r, None, today()).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].row, 2);
        assert_eq!(problems[0].column, "身份证号");
        assert!(problems[0].message.contains("校验位"));
    }

    #[test]
    fn gender_contradicting_the_id_number_is_reported_on_the_gender_column() {
        let (l, r) = one_row(vec![("性别", text("女"))]);
        let problems = validate_row(&l, &r, None, today()).unwrap_err();
        assert_eq!(problems[0].column, "性别");
    }

    #[test]
    fn an_unreadable_date_is_reported_once() {
        let (l, r) = one_row(vec![("入党时间", text("去年"))]);
        let problems = validate_row(&l, &r, None, today()).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].column, "入党时间");
    }

    #[test]
    fn an_id_number_stored_as_a_number_is_reported_once() {
        let (l, r) = one_row(vec![("身份证号", Cell::Number(330205198503140031.0))]);
        let problems = validate_row(&l, &r, None, today()).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].message, ID_AS_NUMBER);
    }

    #[test]
    fn an_update_keeps_what_blank_cells_leave_out() {
        let (l, r) = one_row(vec![]);
        let base = validate_row(&l, &r, None, today()).unwrap();
        let (l2, mut r2) = one_row(vec![("现居住地", text("江北区"))]);
        r2.input.joined_on = None;
        r2.input.category = None;
        let m = validate_row(&l2, &r2, Some(&base), today()).unwrap();
        assert_eq!(m.joined_on, base.joined_on);
        assert_eq!(m.residence, "江北区");
    }

    #[test]
    fn blank_rows_are_skipped() {
        let (l, _) = one_row(vec![]);
        assert!(read_row(&l, 3, &[Cell::Empty, text("  ")]).is_none());
    }

    #[test]
    fn duplicate_id_numbers_point_at_each_other() {
        let dups = duplicate_rows([(2, "a"), (3, "b"), (5, "a"), (9, "a")]);
        assert_eq!(dups[&2], vec![5, 9]);
        assert_eq!(dups[&9], vec![2, 5]);
        assert!(!dups.contains_key(&3));
        assert!(duplicate_message(&[5, 9]).contains("第5行、第9行"));
    }

    // -- placement

    fn entry(id: i64, parent: Option<i64>, name: &str, kind: OrgKind, in_scope: bool) -> OrgEntry {
        OrgEntry { id, parent_id: parent, name: name.into(), kind, dissolved: false, in_scope }
    }

    fn index() -> OrgIndex {
        OrgIndex::new([
            entry(1, None, "中共测试区委员会", OrgKind::Committee, false),
            entry(2, Some(1), "甲街道党工委", OrgKind::WorkCommittee, true),
            entry(3, Some(2), "槐树社区党委", OrgKind::Committee, true),
            entry(4, Some(3), "第一党支部", OrgKind::Branch, true),
            entry(5, Some(2), "柳树社区党委", OrgKind::Committee, true),
            entry(6, Some(5), "第一党支部", OrgKind::Branch, true),
            entry(7, Some(4), "第一党小组", OrgKind::Group, true),
            entry(8, Some(2), "机关党支部", OrgKind::Branch, true),
            OrgEntry { dissolved: true, ..entry(9, Some(2), "已撤党支部", OrgKind::Branch, true) },
        ])
    }

    #[test]
    fn org_by_unique_name_is_resolved() {
        assert_eq!(index().resolve_branch("机关党支部"), Ok(8));
        assert_eq!(index().resolve_branch(" 机关 党支部 "), Ok(8));
    }

    #[test]
    fn org_by_full_path_from_the_region_root_is_resolved() {
        assert_eq!(index().resolve_branch("中共测试区委员会/甲街道党工委/槐树社区党委/第一党支部"), Ok(4));
    }

    #[test]
    fn org_by_partial_path_is_resolved() {
        assert_eq!(index().resolve_branch("柳树社区党委／第一党支部"), Ok(6));
        assert_eq!(index().resolve_branch("柳树社区党委>第一党支部"), Ok(6));
    }

    #[test]
    fn ambiguous_org_name_lists_the_candidates_paths() {
        let e = index().resolve_branch("第一党支部").unwrap_err();
        assert!(e.contains("甲街道党工委/槐树社区党委/第一党支部") && e.contains("甲街道党工委/柳树社区党委/第一党支部"), "{e}");
        assert!(!e.contains("中共测试区委员会"), "paths start at the caller's scope root: {e}");
    }

    #[test]
    fn org_that_is_not_a_branch_is_refused() {
        let e = index().resolve_branch("槐树社区党委").unwrap_err();
        assert!(e.contains("党委") && e.contains("党支部"), "{e}");
    }

    #[test]
    fn org_outside_the_scope_is_not_found() {
        let e = index().resolve_branch("中共测试区委员会").unwrap_err();
        assert!(e.contains("找不到"), "{e}");
        assert!(index().resolve_branch("不存在的党支部").unwrap_err().contains("找不到"));
    }

    #[test]
    fn dissolved_org_is_refused() {
        assert!(index().resolve_branch("已撤党支部").unwrap_err().contains("已撤销"));
    }

    #[test]
    fn wrong_path_to_a_known_name_shows_where_that_name_is() {
        let e = index().resolve_branch("乙街道党工委/机关党支部").unwrap_err();
        assert!(e.contains("甲街道党工委/机关党支部"), "{e}");
    }

    #[test]
    fn group_is_resolved_among_the_branchs_groups() {
        assert_eq!(index().resolve_group(4, "第一党小组"), Ok(7));
        assert!(index().resolve_group(4, "第二党小组").unwrap_err().contains("现有：第一党小组"));
        assert!(index().resolve_group(6, "第一党小组").unwrap_err().contains("没有下设党小组"));
    }

    #[test]
    fn a_rows_reasons_read_as_one_line_naming_each_column() {
        let p = |column: &str, message: &str| Problem {
            sheet: String::new(),
            row: 4,
            column: column.into(),
            message: message.into(),
        };
        let line = reasons_line(&[p("入党时间", "请填写入党时间"), p("", "整行为空")]);
        assert_eq!(line, "入党时间：请填写入党时间；整行为空");
    }

    #[test]
    fn a_reasons_line_is_cut_at_its_bound_and_says_so() {
        let long = "很".repeat(REPORT_TEXT_MAX + 10);
        let line = bounded_text(long);
        assert_eq!(line.chars().count(), REPORT_TEXT_MAX + 2);
        assert!(line.ends_with("……"));
        assert_eq!(bounded_text("短".into()), "短");
    }
}
