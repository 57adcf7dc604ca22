//! 花名册导入与导出 (roster import and export): reading .xlsx/.xls/.csv files, the
//! import preview (every row checked against the archive; nothing written to members),
//! the commit of a previewed batch in one transaction with bulk inserts, and the .xlsx
//! template and export.
//!
//! A preview stores its normalized valid rows, its report and later the commit's result,
//! all sealed (SM4; they quote the file's cells), in `import_batches` (keyed by
//! region, owned by the account that uploaded, expiring after [`BATCH_TTL_MS`]). The
//! commit re-checks everything inside its transaction — scope, placement, ID numbers
//! claimed meanwhile, members edited meanwhile — and writes all rows or none, with one
//! `member.import` audit record. The pure rules (headings, cells, rows, placement) are in
//! [`vanguard_domain::member::roster`].

use crate::member::bulk::{NewMemberRecord, insert_identities, insert_members};
use crate::member::import_rows::{self, Line, Written};
use crate::member::{CTX_ID, CTX_PHONE, MemberFilter, MemberRow, roster_key};
use crate::platform::audit::{self, Event};
use crate::platform::query::Sql;
use crate::platform::xlsx::{self, Spool, XlsxCell, error as xlsx_error};
use crate::{Db, StoreError, StoreResult, Tx, platform::ids};

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;
use vanguard_domain::kernel::auth::Permission;
use vanguard_domain::kernel::error::{FieldError, Invalid};
use vanguard_domain::kernel::paging::{PageRequest, Seek};
use vanguard_domain::kernel::time::{date_text, opt_date_text};
use vanguard_domain::member::idcard::IdNumber;
use vanguard_domain::member::roster::{
    Column, Layout, MASKED_EXPORT, OrgEntry, OrgIndex, Problem, ReportStatus, RowInput, Table, bounded_text, is_footer_row,
    is_roster_sheet, looks_masked, read_row, reasons_line, recognize, validate_row,
};
use vanguard_domain::member::{
    Category, Education, FieldChange, Flow, Gender, LeaveReason, MemberFields, PartyStatus, mask_phone,
};
use vanguard_domain::org::{OrgKind, path};

crate::platform::scope::feature_handle!(
    /// 花名册's Excel round trip: import batches and exports.
    Roster,
    roster
);

// The sealing contexts of stored batches (members use crate::member::CTX_ID / CTX_PHONE).
const CTX_BATCH: &str = "import.batch";
const CTX_REPORT: &str = "import.report";
const CTX_RESULT: &str = "import.result";

/// The prefix of a sealed text column: `sm4:` and the hex of the SM4-GCM ciphertext.
const SEALED_TEXT: &str = "sm4:";

/// Seals a batch's stored report or result: they quote cells of the file (names, and
/// whatever a user pasted into the wrong column — an ID number in a date column is
/// echoed in its problem's message), so they are personal data at rest like the rows.
/// Stored as text (`sm4:` + hex) in the batch's text columns.
fn seal_json<T: Serialize>(db: &Db, value: &T, context: &str) -> StoreResult<String> {
    let json = serde_json::to_string(value).map_err(|e| StoreError::Other(format!("导入批次无法保存：{e}")))?;
    Ok(format!("{SEALED_TEXT}{}", hex::encode(db.crypto().encrypt_str(&json, context))))
}

/// Opens what [`seal_json`] stored. A batch written before reports were sealed (plain
/// JSON, at most [`BATCH_TTL_MS`] old) still reads.
fn open_json<T: serde::de::DeserializeOwned>(db: &Db, stored: &str, context: &str) -> StoreResult<T> {
    let corrupt = |e: String| StoreError::Other(format!("导入批次记录已损坏：{e}"));
    match stored.strip_prefix(SEALED_TEXT) {
        Some(sealed) => {
            let bytes = hex::decode(sealed).map_err(|e| corrupt(e.to_string()))?;
            let json = db.crypto().decrypt_str(&bytes, context).ok_or(StoreError::Crypto)?;
            serde_json::from_str(&json).map_err(|e| corrupt(e.to_string()))
        }
        None => serde_json::from_str(stored).map_err(|e| corrupt(e.to_string())),
    }
}

/// How long a preview can be committed.
pub const BATCH_TTL_MS: i64 = 24 * 3600 * 1000;
/// The most data rows one file may hold.
pub const MAX_ROWS: usize = 100_000;

const MEMBER_CHUNK: usize = 400;
const SMALL_CHUNK: usize = 1000;
const PROGRESS_EVERY: usize = 1000;

// ---- Reading files ------------------------------------------------------------------------

fn file_invalid(code: &'static str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid(Invalid { errors: vec![FieldError::new("file", code, message)] })
}

/// The tables to import: every sheet with a heading row (the template's notes sheet has
/// none; 正式党员 and 预备党员 on two sheets are both read), or the first sheet for the
/// error message.
fn pick_tables(tables: Vec<Table>) -> StoreResult<Vec<Table>> {
    if tables.is_empty() {
        return Err(file_invalid("roster.no_sheet", "文件中没有工作表"));
    }
    let roster: Vec<bool> = tables.iter().map(is_roster_sheet).collect();
    if roster.iter().any(|r| *r) {
        Ok(tables.into_iter().zip(roster).filter(|(_, r)| *r).map(|(t, _)| t).collect())
    } else {
        Ok(tables.into_iter().take(1).collect())
    }
}

/// How many rows, problems and warnings a stored report keeps (the counts cover all).
pub const REPORT_LIMIT: usize = 1000;
/// The longest message kept in a report (a message may quote a cell).
const MESSAGE_MAX: usize = 300;

fn bounded(mut p: Problem) -> Problem {
    if p.message.chars().count() > MESSAGE_MAX {
        p.message = p.message.chars().take(MESSAGE_MAX).collect::<String>() + "……";
    }
    p.column = p.column.chars().take(60).collect();
    p
}

// ---- Preview and batch types ----------------------------------------------------------------

/// Row counts of a preview.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportCounts {
    /// Data rows (blank rows not counted).
    pub rows: usize,
    /// Rows without errors: to create, to update and unchanged.
    pub valid: usize,
    pub to_create: usize,
    pub to_update: usize,
    pub unchanged: usize,
    pub invalid: usize,
    /// Rows identical to an earlier row (imported once).
    #[serde(default)]
    pub duplicates: usize,
    /// Updates whose 公民身份号码 belongs to a member of another name: they need an
    /// explicit confirmation to commit.
    #[serde(default)]
    pub conflicts: usize,
    /// Totals and signature lines under the table, not read as members.
    #[serde(default)]
    pub footer_rows: usize,
    /// Hidden rows of the workbook that were read.
    #[serde(default)]
    pub hidden_rows: usize,
}

/// What the commit will do with a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RowAction {
    Create,
    Update,
    Unchanged,
    Invalid,
    /// The same as an earlier row: imported once.
    Duplicate,
}

impl RowAction {
    pub fn label(self) -> &'static str {
        match self {
            RowAction::Create => "新建",
            RowAction::Update => "更新",
            RowAction::Unchanged => "无变化",
            RowAction::Invalid => "有错误",
            RowAction::Duplicate => "重复行",
        }
    }
}

/// One row of a preview.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PreviewRow {
    /// The sheet, when a file has several roster sheets.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sheet: String,
    pub row: usize,
    pub name: String,
    pub action: RowAction,
    /// The branch the member will be in (path from the caller's scope root).
    pub org: String,
    /// The fields an update changes (Chinese labels).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
    /// Why the row needs an explicit confirmation (a different name under the same
    /// 公民身份号码).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflict: Option<String>,
}

/// A recognized column.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ColumnInfo {
    pub letter: String,
    /// As written in the file.
    pub heading: String,
    /// The template heading it was taken as.
    pub means: String,
}

/// The outcome of checking a file: nothing has been written to members.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportPreview {
    /// The batch to commit (absent for a dry run).
    pub batch_id: Option<i64>,
    pub filename: String,
    /// The sheets read (each roster-shaped sheet of the file), joined by “、”.
    pub sheet: String,
    pub heading_row: usize,
    pub columns: Vec<ColumnInfo>,
    /// Headings not recognized: their cells are not imported.
    pub unknown_columns: Vec<String>,
    /// Notes about the file as a whole.
    pub file_warnings: Vec<String>,
    /// The branch for rows that name none, if any.
    pub default_org: Option<String>,
    pub counts: ImportCounts,
    /// Errors: the row is not imported.
    pub problems: Vec<Problem>,
    /// Warnings: the row is imported as described.
    pub warnings: Vec<Problem>,
    /// The first [`REPORT_LIMIT`] rows (all rows are in `counts`).
    pub rows: Vec<PreviewRow>,
    /// How many problems, warnings and rows there are in all (the lists keep the first
    /// [`REPORT_LIMIT`]).
    #[serde(default)]
    pub problems_total: usize,
    #[serde(default)]
    pub warnings_total: usize,
    #[serde(default)]
    pub rows_total: usize,
    pub expires_at: Option<i64>,
}

/// Options of a preview.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The branch for rows without 所在党组织 (default: the scope root, if a branch).
    pub default_org_id: Option<i64>,
    /// Check only; store no batch.
    pub dry_run: bool,
}

/// A row the commit wrote.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportedRow {
    pub row: usize,
    pub name: String,
    pub member_id: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
}

/// What a commit is told beside the batch.
#[derive(Debug, Clone, Copy, Default)]
pub struct CommitOptions {
    /// The user confirmed the rows whose 公民身份号码 belongs to a member of another name
    /// (the member was renamed); without it such a batch is refused.
    pub confirm_renames: bool,
}

/// A row the commit did not write.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SkippedRow {
    pub row: usize,
    pub name: String,
    pub reason: String,
}

/// What a commit did.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportResult {
    pub batch_id: i64,
    /// The first [`REPORT_LIMIT`] rows of each list; the totals count all.
    pub created: Vec<ImportedRow>,
    pub updated: Vec<ImportedRow>,
    pub skipped: Vec<SkippedRow>,
    #[serde(default)]
    pub created_total: usize,
    #[serde(default)]
    pub updated_total: usize,
    #[serde(default)]
    pub skipped_total: usize,
}

/// Commit progress: rows written so far of the rows to write.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

/// A batch as its page polls it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportStatus {
    pub batch_id: i64,
    pub filename: String,
    /// `ready`, `committing`, `committed`, `discarded` or `expired`.
    pub status: &'static str,
    pub status_label: &'static str,
    pub counts: ImportCounts,
    pub progress: Option<Progress>,
    pub created_at: i64,
    pub expires_at: i64,
    /// The stored preview: only from [`Roster::import_report`] (polling the status does
    /// not read it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preview: Option<ImportPreview>,
    pub result: Option<ImportResult>,
}

/// One valid row as stored in a batch (sealed).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Planned {
    /// The row's line in the batch's report ([`import_rows`](crate::member::import_rows)).
    #[serde(default)]
    seq: i64,
    row: usize,
    name: String,
    /// The member an update changes.
    member_id: Option<i64>,
    org_id: i64,
    group_id: Option<i64>,
    input: vanguard_domain::member::MemberInput,
    /// The name on file when the row gives another one (needs confirmation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    renames: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct BatchRow {
    scope_path: String,
    filename: String,
    status: String,
    total_rows: i64,
    valid_rows: i64,
    to_create: i64,
    to_update: i64,
    unchanged: i64,
    invalid_rows: i64,
    result: Option<String>,
    created_at: i64,
    expires_at: i64,
}

macro_rules! batch_cols {
    () => {
        "scope_path, filename, status, total_rows, valid_rows, to_create, to_update, unchanged, invalid_rows, \
         result, created_at, expires_at"
    };
}

/// In-flight commits: batch id → progress. Readers of another process do not see it;
/// they see the batch as `ready` until the commit's transaction ends.
static PROGRESS: Mutex<BTreeMap<i64, (u64, u64)>> = Mutex::new(BTreeMap::new());

fn set_progress(batch: i64, done: u64, total: u64) {
    PROGRESS.lock().unwrap_or_else(|p| p.into_inner()).insert(batch, (done, total));
}

fn clear_progress(batch: i64) {
    PROGRESS.lock().unwrap_or_else(|p| p.into_inner()).remove(&batch);
}

/// Removes a commit's progress entry when the commit ends, however it ends.
struct InFlight(i64);

impl Drop for InFlight {
    fn drop(&mut self) {
        clear_progress(self.0);
    }
}

fn progress_of(batch: i64) -> Option<(u64, u64)> {
    PROGRESS.lock().unwrap_or_else(|p| p.into_inner()).get(&batch).copied()
}

// ---- Queries shared by preview (read pool) and commit (transaction) ----------------------

enum Conn<'a> {
    Read(&'a Db),
    Tx(&'a mut Tx),
}

macro_rules! on_conn {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            Conn::Read(db) => crate::read!(db, $c => $body),
            Conn::Tx(tx) => crate::on_tx!(tx, $c => $body),
        }
    };
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct OrgLite {
    id: i64,
    parent_id: Option<i64>,
    path: String,
    name: String,
    /// An unknown stored kind fails the read ([`StoreError::Corrupt`]), never becomes a 党支部.
    #[sqlx(try_from = "String")]
    kind: OrgKind,
    status: String,
}

impl OrgLite {
    fn kind(&self) -> OrgKind {
        self.kind
    }
    fn dissolved(&self) -> bool {
        self.status == "dissolved"
    }
}

#[derive(sqlx::FromRow)]
struct Identity {
    id_number_hash: Vec<u8>,
    region_id: i64,
    member_id: i64,
}

macro_rules! member_select {
    () => {
        "SELECT m.region_id, m.id, m.org_id, m.group_id, m.org_path, m.name, m.gender, m.ethnicity, m.birth_date, m.id_number_enc, \
         m.id_number_masked, m.education, m.phone_enc, m.phone_masked, m.joined_on, m.confirmed_on, m.category, m.party_status, \
         m.work_unit, m.residence, m.flow, m.flow_place, m.lost_contact_since, m.archived, m.left_reason, m.left_on, m.left_note, \
         m.version, m.created_at, m.updated_at, o.name AS org_name FROM members m JOIN orgs o ON o.region_id = m.region_id AND o.id = m.org_id"
    };
}

/// The orgs of the writable subtree (and, for matching written paths, the names of the
/// scope root's ancestors).
async fn load_orgs(conn: &mut Conn<'_>, region_id: i64, root: &str) -> StoreResult<(OrgIndex, HashMap<i64, OrgLite>)> {
    let hi = path::upper(root);
    let in_scope: Vec<OrgLite> = on_conn!(conn, c => sqlx::query_as(
        "SELECT id, parent_id, path, name, kind, status FROM orgs WHERE region_id = $1 AND path >= $2 AND path < $3")
        .bind(region_id).bind(root).bind(&hi).fetch_all(c).await)?;
    let mut above: Vec<i64> = path::ids(root);
    above.pop();
    let ancestors: Vec<OrgLite> = if above.is_empty() {
        Vec::new()
    } else {
        on_conn!(conn, c => {
            let mut qb = sqlx::QueryBuilder::new("SELECT id, parent_id, path, name, kind, status FROM orgs WHERE region_id = ");
            qb.push_bind(region_id).push(" AND id IN (");
            let mut sep = qb.separated(", ");
            for id in &above {
                sep.push_bind(*id);
            }
            qb.push(")");
            qb.build_query_as().fetch_all(c).await
        })?
    };
    let entries = in_scope.iter().map(|o| (o, true)).chain(ancestors.iter().map(|o| (o, false))).map(|(o, in_scope)| OrgEntry {
        id: o.id,
        parent_id: o.parent_id,
        name: o.name.clone(),
        kind: o.kind(),
        dissolved: o.dissolved(),
        in_scope,
    });
    let index = OrgIndex::new(entries);
    Ok((index, in_scope.into_iter().map(|o| (o.id, o)).collect()))
}

async fn identities(conn: &mut Conn<'_>, hashes: &[Vec<u8>]) -> StoreResult<HashMap<Vec<u8>, (i64, i64)>> {
    let mut out = HashMap::with_capacity(hashes.len());
    for chunk in hashes.chunks(SMALL_CHUNK) {
        let rows: Vec<Identity> = on_conn!(conn, c => {
            let mut qb = sqlx::QueryBuilder::new("SELECT id_number_hash, region_id, member_id FROM member_identities WHERE id_number_hash IN (");
            let mut sep = qb.separated(", ");
            for h in chunk {
                sep.push_bind(h.clone());
            }
            qb.push(")");
            qb.build_query_as().fetch_all(c).await
        })?;
        out.extend(rows.into_iter().map(|r| (r.id_number_hash, (r.region_id, r.member_id))));
    }
    Ok(out)
}

async fn members_by_id(conn: &mut Conn<'_>, region_id: i64, ids: &[i64]) -> StoreResult<HashMap<i64, MemberRow>> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(SMALL_CHUNK) {
        let rows: Vec<MemberRow> = on_conn!(conn, c => {
            let mut qb = sqlx::QueryBuilder::new(concat!(member_select!(), " WHERE m.region_id = "));
            qb.push_bind(region_id).push(" AND m.id IN (");
            let mut sep = qb.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            qb.push(")");
            qb.build_query_as().fetch_all(c).await
        })?;
        out.extend(rows.into_iter().map(|r| (r.id, r)));
    }
    Ok(out)
}

/// Who holds an ID number already.
enum Holder {
    /// A current member within the writable subtree.
    Mine(Box<(MemberRow, MemberFields)>),
    /// A member of the history archive within reach.
    Archived(String),
    /// Anyone else: another region, outside the subtree.
    Elsewhere,
}

const HELD_ELSEWHERE: &str =
    "该公民身份号码已登记在您管辖范围以外的党员档案中，请核对号码；如该党员转入，请联系其原党组织办理组织关系转接";

fn held_archived(name: &str) -> String {
    format!("该公民身份号码属于历史库中的党员“{name}”，不能再作为在册党员导入；如需恢复，请联系上级党组织")
}

/// The holders of the given hashes, as seen from the writable subtree `root`.
async fn holders(
    conn: &mut Conn<'_>,
    db: &Db,
    region_id: i64,
    root: &str,
    hashes: &[Vec<u8>],
) -> StoreResult<HashMap<Vec<u8>, Holder>> {
    let found = identities(conn, hashes).await?;
    let ids: Vec<i64> = found.values().filter(|(r, _)| *r == region_id).map(|(_, m)| *m).collect();
    let rows = members_by_id(conn, region_id, &ids).await?;
    let hi = path::upper(root);
    let mut out = HashMap::with_capacity(found.len());
    for (hash, (region, member_id)) in found {
        let holder = match rows.get(&member_id) {
            Some(row) if region == region_id && row.org_path.as_str() >= root && row.org_path < hi => {
                if row.archived {
                    Holder::Archived(row.name.clone())
                } else {
                    Holder::Mine(Box::new((row.clone(), crate::member::unseal(db, row)?)))
                }
            }
            _ => Holder::Elsewhere,
        };
        out.insert(hash, holder);
    }
    Ok(out)
}

/// The changes of an update as Chinese labels (fields and placement).
fn change_labels(changes: &[FieldChange]) -> Vec<String> {
    changes.iter().map(|c| vanguard_domain::member::field_label(c.field).to_string()).collect()
}

// ---- Preview --------------------------------------------------------------------------------

struct Resolver<'a> {
    index: &'a OrgIndex,
    branches: HashMap<String, Result<i64, String>>,
    groups: HashMap<(i64, String), Result<i64, String>>,
}

impl Resolver<'_> {
    fn branch(&mut self, written: &str) -> Result<i64, String> {
        let index = self.index;
        self.branches.entry(written.to_string()).or_insert_with(|| index.resolve_branch(written)).clone()
    }
    fn group(&mut self, branch: i64, written: &str) -> Result<i64, String> {
        let index = self.index;
        self.groups.entry((branch, written.to_string())).or_insert_with(|| index.resolve_group(branch, written)).clone()
    }
}

impl Roster<'_> {
    fn import_root(&self) -> StoreResult<String> {
        self.scope.writable_root().map(str::to_string).ok_or(StoreError::Forbidden)
    }

    /// Checks an uploaded roster and, unless `dry_run`, stores its valid rows as a batch
    /// to commit. Nothing is written to the archive. The file is read by the bounded
    /// reader ([`crate::platform::upload`]) on the blocking pool.
    pub async fn preview_import(&self, filename: &str, bytes: Vec<u8>, opts: &ImportOptions) -> StoreResult<ImportPreview> {
        let root = self.import_root()?;
        let region_id = self.scope.region_id;
        let today = self.db.clock().today();
        let crypto = self.db.crypto();
        let tables = crate::platform::upload::read_tables(self.db, filename, bytes)
            .await
            .map_err(|e| StoreError::Invalid(e.into_invalid()))?;
        let tables = pick_tables(tables)?;
        let several = tables.len() > 1;
        let mut conn = Conn::Read(self.db);
        let (index, orgs) = load_orgs(&mut conn, region_id, &root).await?;

        // The branch for rows that name none.
        let default_org = match opts.default_org_id {
            Some(id) => {
                let o = orgs.get(&id).ok_or(StoreError::NotFound)?;
                if !o.kind().is_branch() || o.dissolved() {
                    return Err(StoreError::invalid(
                        "org_id",
                        "org.not_branch",
                        format!("默认党组织应为党支部，“{}”是{}", o.name, o.kind().label()),
                    ));
                }
                Some(id)
            }
            None => {
                path::ids(&root).last().copied().filter(|id| orgs.get(id).is_some_and(|o| o.kind().is_branch() && !o.dissolved()))
            }
        };
        // Every roster sheet's layout; a sheet that cannot be read stops the file.
        let mut layouts = Vec::with_capacity(tables.len());
        let mut file_errors = Invalid::default();
        for t in &tables {
            match recognize(t, default_org.is_none()) {
                Ok(l) => layouts.push(l),
                Err(inv) => file_errors.errors.extend(inv.errors),
            }
        }
        if !file_errors.is_empty() {
            return Err(StoreError::Invalid(file_errors));
        }
        // The rows of every sheet: (sheet index, row); totals and signature lines skipped.
        let mut rows: Vec<(usize, RowInput)> = Vec::new();
        let mut footer_rows = 0usize;
        let mut hidden_read: Vec<(usize, usize)> = Vec::new();
        for (si, (table, layout)) in tables.iter().zip(&layouts).enumerate() {
            let hidden: HashSet<usize> = table.hidden_rows.iter().copied().collect();
            for (i, cells) in table.rows.iter().enumerate().skip(layout.data_start) {
                let row_no = table.first_row + i;
                if is_footer_row(layout, cells) {
                    footer_rows += 1;
                    continue;
                }
                if let Some(mut r) = read_row(layout, row_no, cells) {
                    if hidden.contains(&row_no) {
                        hidden_read.push((si, row_no));
                        r.warnings.push(Problem {
                            sheet: String::new(),
                            row: row_no,
                            column: "（整行）".into(),
                            message: "该行在 Excel 中是隐藏行，已一并读取；如不应导入，请删除该行后重新上传".into(),
                        });
                    }
                    rows.push((si, r));
                }
            }
        }
        let sheet_of = |si: usize| if several { tables[si].sheet.clone() } else { String::new() };
        let where_of = |si: usize, row: usize| {
            if several { format!("工作表“{}”第{row}行", tables[si].sheet) } else { format!("第{row}行") }
        };
        if rows.is_empty() {
            return Err(file_invalid("roster.no_rows", format!("表头（第{}行）下面没有党员数据", layouts[0].heading_row)));
        }
        if rows.len() > MAX_ROWS {
            return Err(file_invalid("roster.too_many_rows", format!("一个文件最多导入 {MAX_ROWS} 行，请分成几个文件")));
        }
        // A masked export brought back: say so, and how to export the full file.
        let masked = rows.iter().filter(|(_, r)| r.input.id_number.as_deref().is_some_and(looks_masked)).count();
        let with_id = rows.iter().filter(|(_, r)| r.input.id_number.is_some()).count();
        if masked > 0 && masked == with_id {
            return Err(file_invalid("roster.masked_export", MASKED_EXPORT));
        }

        let ids: Vec<Option<IdNumber>> =
            rows.iter().map(|(_, r)| r.input.id_number.as_deref().and_then(|s| IdNumber::parse(s).ok())).collect();
        // Rows sharing an ID number: identical ones import once, differing ones are held.
        let mut by_id: HashMap<&str, Vec<usize>> = HashMap::new();
        for (k, id) in ids.iter().enumerate() {
            if let Some(id) = id {
                by_id.entry(id.as_str()).or_default().push(k);
            }
        }
        let mut duplicate_of: HashMap<usize, usize> = HashMap::new();
        let mut conflicting: HashMap<usize, Vec<usize>> = HashMap::new();
        for group in by_id.values().filter(|g| g.len() > 1) {
            let same = |a: usize, b: usize| {
                let (x, y) = (&rows[a].1, &rows[b].1);
                x.input == y.input && x.org == y.org && x.group == y.group
            };
            if group.iter().all(|k| same(group[0], *k)) {
                for k in &group[1..] {
                    duplicate_of.insert(*k, group[0]);
                }
            } else {
                for k in group {
                    conflicting.insert(*k, group.iter().copied().filter(|o| o != k).collect());
                }
            }
        }
        let hashes: Vec<Option<Vec<u8>>> = ids.iter().map(|id| id.as_ref().map(|id| crypto.lookup_hash(id.as_str()))).collect();
        let distinct: Vec<Vec<u8>> = hashes.iter().flatten().cloned().collect::<HashSet<_>>().into_iter().collect();
        let held = holders(&mut conn, self.db, region_id, &root, &distinct).await?;

        let mut resolver = Resolver { index: &index, branches: HashMap::new(), groups: HashMap::new() };
        let mut preview_rows = Vec::new();
        let mut lines: Vec<Line> = Vec::with_capacity(rows.len());
        let mut planned = Vec::new();
        let mut problems = Vec::new();
        let mut warnings = Vec::new();
        let (mut problems_total, mut warnings_total) = (0usize, 0usize);
        let mut counts = ImportCounts { rows: rows.len(), footer_rows, hidden_rows: hidden_read.len(), ..Default::default() };
        for (k, ((si, r), hash)) in rows.iter().zip(&hashes).enumerate() {
            let si = *si;
            let layout = &layouts[si];
            let id_heading = layout.heading_of(Column::IdNumber);
            let org_heading = layout.heading_of(Column::Org);
            let group_heading = layout.heading_of(Column::Group);
            let mut row_problems = Vec::new();
            let mut row_warnings: Vec<Problem> = r.warnings.clone();
            let problem =
                |column: &str, message: String| Problem { sheet: String::new(), row: r.row, column: column.to_string(), message };
            if let Some(first) = duplicate_of.get(&k) {
                let (fsi, first_row) = (rows[*first].0, rows[*first].1.row);
                let same = format!("与{}完全相同，只导入一次", where_of(fsi, first_row));
                lines.push(Line {
                    seq: k as i64,
                    sheet: sheet_of(si),
                    row: r.row,
                    name: r.name().chars().take(60).collect(),
                    status: ReportStatus::Skip,
                    org: String::new(),
                    detail: same.clone(),
                    note: reasons_line(&row_warnings),
                });
                row_warnings.push(problem(&id_heading, same));
                counts.duplicates += 1;
                warnings_total += row_warnings.len();
                for w in row_warnings {
                    if warnings.len() < REPORT_LIMIT {
                        warnings.push(bounded(Problem { sheet: sheet_of(si), ..w }));
                    }
                }
                if preview_rows.len() < REPORT_LIMIT {
                    preview_rows.push(PreviewRow {
                        sheet: sheet_of(si),
                        row: r.row,
                        name: r.name().chars().take(60).collect(),
                        action: RowAction::Duplicate,
                        org: String::new(),
                        changes: Vec::new(),
                        conflict: None,
                    });
                }
                continue;
            }
            let holder = hash.as_ref().and_then(|h| held.get(h));
            let mine = match holder {
                Some(Holder::Mine(b)) => Some(&**b),
                _ => None,
            };
            let validated = match validate_row(layout, r, mine.map(|m| &m.1), today) {
                Ok(f) => Some(f),
                Err(p) => {
                    row_problems.extend(p);
                    None
                }
            };
            if r.input.id_number.as_deref().is_some_and(looks_masked) {
                row_problems.retain(|p: &Problem| p.column != id_heading);
                row_problems.push(problem(&id_heading, MASKED_EXPORT.to_string()));
            }
            if let Some(others) = conflicting.get(&k) {
                let named: Vec<String> = others.iter().map(|o| where_of(rows[*o].0, rows[*o].1.row)).collect();
                row_problems.push(problem(
                    &id_heading,
                    format!(
                        "与{}的公民身份号码相同但其他内容不同，同一人只能出现一次：请核对后只保留正确的一行",
                        named.join("、")
                    ),
                ));
            }
            match holder {
                Some(Holder::Archived(name)) => row_problems.push(problem(&id_heading, held_archived(name))),
                Some(Holder::Elsewhere) => row_problems.push(problem(&id_heading, HELD_ELSEWHERE.to_string())),
                _ => {}
            }
            // Placement: what the row names, else where the member is, else the default.
            let current = mine.map(|m| (m.0.org_id, m.0.group_id));
            let group_of = |resolver: &mut Resolver, branch: i64, keep: Option<i64>, out: &mut Vec<Problem>| -> Option<i64> {
                match &r.group {
                    Some(g) => match resolver.group(branch, g) {
                        Ok(id) => Some(id),
                        Err(m) => {
                            out.push(problem(&group_heading, m));
                            None
                        }
                    },
                    None => keep,
                }
            };
            let target: Option<(i64, Option<i64>)> = match (&r.org, current, default_org) {
                (Some(text), _, _) => match resolver.branch(text) {
                    Ok(b) => {
                        let keep = current.filter(|(o, _)| *o == b).and_then(|(_, g)| g);
                        Some((b, group_of(&mut resolver, b, keep, &mut row_problems)))
                    }
                    Err(m) => {
                        row_problems.push(problem(&org_heading, m));
                        None
                    }
                },
                (None, Some((o, g)), _) => Some((o, group_of(&mut resolver, o, g, &mut row_problems))),
                (None, None, Some(d)) => Some((d, group_of(&mut resolver, d, None, &mut row_problems))),
                (None, None, None) => {
                    row_problems.push(problem(&org_heading, "请填写所在党组织".into()));
                    None
                }
            };
            let org_label = target.map(|(o, _)| index.path_of(o)).unwrap_or_default();
            let mut conflict = None;
            let (action, changes) = match (validated, target) {
                (Some(fields), Some((org_id, group_id))) if row_problems.is_empty() => match mine {
                    None => {
                        planned.push(Planned {
                            seq: k as i64,
                            row: r.row,
                            name: fields.name.clone(),
                            member_id: None,
                            org_id,
                            group_id,
                            input: r.input.clone(),
                            renames: None,
                        });
                        (RowAction::Create, Vec::new())
                    }
                    Some((row, old)) => {
                        let mut changes = change_labels(&MemberFields::diff(old, &fields));
                        if row.org_id != org_id {
                            changes.push("所在党组织".into());
                        } else if row.group_id != group_id {
                            changes.push("所在党小组".into());
                        }
                        let renames = (old.name != fields.name).then(|| old.name.clone());
                        if let Some(was) = &renames {
                            let message = format!(
                                "该公民身份号码属于在册党员“{was}”（{}），本行姓名为“{}”。如确为同一人改名，请勾选“确认改名”后导入；否则请核对号码",
                                row.org_name, fields.name
                            );
                            row_warnings.push(problem(&id_heading, message.clone()));
                            conflict = Some(message);
                            counts.conflicts += 1;
                        }
                        if changes.is_empty() {
                            (RowAction::Unchanged, changes)
                        } else {
                            planned.push(Planned {
                                seq: k as i64,
                                row: r.row,
                                name: fields.name.clone(),
                                member_id: Some(row.id),
                                org_id,
                                group_id,
                                input: r.input.clone(),
                                renames,
                            });
                            (RowAction::Update, changes)
                        }
                    }
                },
                _ => (RowAction::Invalid, Vec::new()),
            };
            let (status, detail) = match action {
                RowAction::Create => (ReportStatus::Create, String::new()),
                RowAction::Update => (ReportStatus::Update, bounded_text(format!("变更：{}", changes.join("、")))),
                RowAction::Unchanged => (ReportStatus::Skip, "无变化".to_string()),
                RowAction::Invalid | RowAction::Duplicate => (ReportStatus::Problem, reasons_line(&row_problems)),
            };
            lines.push(Line {
                seq: k as i64,
                sheet: sheet_of(si),
                row: r.row,
                name: r.name().chars().take(60).collect(),
                status,
                org: org_label.clone(),
                detail,
                note: reasons_line(&row_warnings),
            });
            match action {
                RowAction::Create => counts.to_create += 1,
                RowAction::Update => counts.to_update += 1,
                RowAction::Unchanged => counts.unchanged += 1,
                RowAction::Invalid | RowAction::Duplicate => counts.invalid += 1,
            }
            problems_total += row_problems.len();
            warnings_total += row_warnings.len();
            for p in row_problems {
                if problems.len() < REPORT_LIMIT {
                    problems.push(bounded(Problem { sheet: sheet_of(si), ..p }));
                }
            }
            for w in row_warnings {
                if warnings.len() < REPORT_LIMIT {
                    warnings.push(bounded(Problem { sheet: sheet_of(si), ..w }));
                }
            }
            if preview_rows.len() < REPORT_LIMIT {
                preview_rows.push(PreviewRow {
                    sheet: sheet_of(si),
                    row: r.row,
                    name: r.name().chars().take(60).collect(),
                    action,
                    org: org_label,
                    changes,
                    conflict,
                });
            }
        }
        counts.valid = counts.to_create + counts.to_update + counts.unchanged;

        let mut file_warnings: Vec<String> = layouts.iter().flat_map(|l| l.warnings.iter().cloned()).collect();
        if several {
            let names: Vec<String> = tables.iter().map(|t| format!("“{}”", t.sheet)).collect();
            file_warnings.push(format!("文件中有 {} 个花名册工作表（{}），已全部读取", tables.len(), names.join("、")));
        }
        if !hidden_read.is_empty() {
            let list: Vec<String> = hidden_read.iter().take(20).map(|(si, row)| where_of(*si, *row)).collect();
            let more = if hidden_read.len() > 20 { format!("等 {} 行", hidden_read.len()) } else { String::new() };
            file_warnings.push(format!("{}{more}在 Excel 中是隐藏行，已一并读取，请确认是否应导入", list.join("、")));
        }
        let unknown_columns: Vec<String> = layouts.iter().flat_map(|l| l.unknown.iter().cloned()).take(200).collect();
        let mut preview = ImportPreview {
            batch_id: None,
            filename: filename.chars().take(200).collect(),
            sheet: tables.iter().map(|t| t.sheet.clone()).collect::<Vec<_>>().join("、"),
            heading_row: layouts[0].heading_row,
            columns: column_infos(&layouts[0]),
            unknown_columns,
            file_warnings,
            default_org: default_org.map(|d| index.path_of(d)),
            counts,
            problems,
            warnings,
            rows: preview_rows,
            problems_total,
            warnings_total,
            rows_total: rows.len(),
            expires_at: None,
        };
        if !opts.dry_run {
            let (id, expires_at) = self.save_batch(&root, &preview, &planned, &lines).await?;
            preview.batch_id = Some(id);
            preview.expires_at = Some(expires_at);
        }
        Ok(preview)
    }

    async fn save_batch(
        &self,
        root: &str,
        preview: &ImportPreview,
        planned: &[Planned],
        lines: &[Line],
    ) -> StoreResult<(i64, i64)> {
        let id = ids::next();
        let now = self.db.clock().now_ms();
        let expires_at = now + BATCH_TTL_MS;
        let payload = serde_json::to_string(planned).map_err(|e| StoreError::Other(format!("导入批次无法保存：{e}")))?;
        let sealed = self.db.crypto().encrypt_str(&payload, CTX_BATCH);
        // The rows, problems and warnings are the report's lines: the stored preview keeps
        // only the file's description and the counts (sealed: it quotes the file).
        let summary = ImportPreview { rows: Vec::new(), problems: Vec::new(), warnings: Vec::new(), ..preview.clone() };
        let report = seal_json(self.db, &summary, CTX_REPORT)?;
        let c = &preview.counts;
        let n = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
        let mut tx = self.db.begin().await?;
        // Housekeeping: batches past their day are of no use to anyone.
        import_rows::delete_expired(&mut tx, self.scope.region_id, now).await?;
        crate::exec_tx!(tx, c => sqlx::query("DELETE FROM import_batches WHERE region_id = $1 AND expires_at < $2")
            .bind(self.scope.region_id).bind(now).execute(c).await)?;
        crate::exec_tx!(tx, conn => sqlx::query(
            "INSERT INTO import_batches (region_id, id, account_id, actor_name, scope_path, kind, filename, status, total_rows, valid_rows, \
             to_create, to_update, unchanged, invalid_rows, payload, report, result, created_at, expires_at, finished_at) \
             VALUES ($1, $2, $3, $4, $5, 'members', $6, 'ready', $7, $8, $9, $10, $11, $12, $13, $14, NULL, $15, $16, NULL)")
            .bind(self.scope.region_id).bind(id).bind(self.scope.actor.account_id).bind(&self.scope.actor.name).bind(root)
            .bind(&preview.filename).bind(n(c.rows)).bind(n(c.valid)).bind(n(c.to_create)).bind(n(c.to_update))
            .bind(n(c.unchanged)).bind(n(c.invalid)).bind(&sealed).bind(&report).bind(now).bind(expires_at)
            .execute(conn).await)?;
        import_rows::insert_lines(&mut tx, self.scope.region_id, id, lines).await?;
        tx.commit().await?;
        Ok((id, expires_at))
    }

    /// The caller's own batch (another account's batch is not found).
    pub(crate) async fn batch(&self, id: i64) -> StoreResult<BatchRow> {
        let row: Option<BatchRow> = crate::read!(self.db, c => sqlx::query_as(concat!("SELECT ", batch_cols!(),
            " FROM import_batches WHERE region_id = $1 AND id = $2 AND account_id = $3"))
            .bind(self.scope.region_id).bind(id).bind(self.scope.actor.account_id).fetch_optional(c).await)?;
        let row = row.ok_or(StoreError::NotFound)?;
        // A batch previewed under another reach (the account's scope changed) is not
        // the caller's to use.
        if self.scope.writable_root() != Some(row.scope_path.as_str()) {
            return Err(StoreError::NotFound);
        }
        Ok(row)
    }

    /// A batch's state, its preview, progress while committing, and its result.
    pub async fn import_status(&self, id: i64) -> StoreResult<ImportStatus> {
        self.import_root()?;
        let b = self.batch(id).await?;
        let now = self.db.clock().now_ms();
        let progress = progress_of(id);
        let status: &'static str = match b.status.as_str() {
            "ready" if progress.is_some() => "committing",
            "ready" if b.expires_at < now => "expired",
            "ready" => "ready",
            "committed" => "committed",
            _ => "discarded",
        };
        let status_label = match status {
            "ready" => "待导入",
            "committing" => "正在导入",
            "committed" => "已导入",
            "expired" => "已过期",
            _ => "已放弃",
        };
        // Polled every second while committing: the stored preview is not read here.
        let result = match &b.result {
            Some(r) => Some(open_json(self.db, r, CTX_RESULT)?),
            None => None,
        };
        let u = |v: i64| usize::try_from(v).unwrap_or_default();
        Ok(ImportStatus {
            batch_id: id,
            filename: b.filename,
            status,
            status_label,
            counts: ImportCounts {
                rows: u(b.total_rows),
                valid: u(b.valid_rows),
                to_create: u(b.to_create),
                to_update: u(b.to_update),
                unchanged: u(b.unchanged),
                invalid: u(b.invalid_rows),
                ..Default::default()
            },
            // Only while committing: a finished batch shows its result, never a bar.
            progress: progress.filter(|_| status == "committing").map(|(done, total)| Progress { done, total }),
            created_at: b.created_at,
            expires_at: b.expires_at,
            preview: None,
            result,
        })
    }

    /// A batch's state with its stored preview (bounded to [`REPORT_LIMIT`] rows,
    /// problems and warnings).
    pub async fn import_report(&self, id: i64) -> StoreResult<ImportStatus> {
        let mut status = self.import_status(id).await?;
        let report: String = crate::read!(self.db, c => sqlx::query_scalar(
            "SELECT report FROM import_batches WHERE region_id = $1 AND id = $2 AND account_id = $3")
            .bind(self.scope.region_id).bind(id).bind(self.scope.actor.account_id).fetch_one(c).await)?;
        let preview: ImportPreview = open_json(self.db, &report, CTX_REPORT)?;
        status.counts = preview.counts.clone();
        status.preview = Some(preview);
        Ok(status)
    }

    /// Drops a batch that was not committed.
    pub async fn discard_import(&self, id: i64) -> StoreResult<()> {
        self.import_root()?;
        let b = self.batch(id).await?;
        refuse_unusable(&b, self.db.clock().now_ms(), true)?;
        let mut tx = self.db.begin().await?;
        let n = crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE import_batches SET status = 'discarded', payload = $1, finished_at = $2 WHERE region_id = $3 AND id = $4 AND account_id = $5 AND status = 'ready'")
            .bind(Vec::<u8>::new()).bind(self.db.clock().now_ms()).bind(self.scope.region_id).bind(id)
            .bind(self.scope.actor.account_id).execute(c).await)?;
        if n == 0 {
            return Err(StoreError::conflict("import.committed", "该批次已经导入，不能再放弃"));
        }
        tx.commit().await
    }
}

fn column_infos(layout: &Layout) -> Vec<ColumnInfo> {
    layout
        .columns
        .iter()
        .map(|c| ColumnInfo { letter: c.letter.clone(), heading: c.heading.clone(), means: c.means.to_string() })
        .collect()
}

/// Refuses a batch that is committed, discarded or expired (`allow_expired` for discard).
fn refuse_unusable(b: &BatchRow, now: i64, allow_expired: bool) -> StoreResult<()> {
    match b.status.as_str() {
        "committed" => {
            Err(StoreError::conflict("import.committed", "该批次已经导入过，不能重复导入；如需再次导入，请重新上传文件"))
        }
        "discarded" => Err(StoreError::conflict("import.discarded", "该批次已放弃，请重新上传文件")),
        "ready" if !allow_expired && b.expires_at < now => {
            Err(StoreError::conflict("import.expired", "预览已超过24小时失效，请重新上传文件"))
        }
        _ => Ok(()),
    }
}

// ---- Commit -----------------------------------------------------------------------------------

struct HistoryRow {
    member_id: i64,
    field: &'static str,
    old: String,
    new: String,
}

async fn insert_history(tx: &mut Tx, region_id: i64, now: i64, actor: &crate::Actor, rows: &[HistoryRow]) -> StoreResult<()> {
    for chunk in rows.chunks(SMALL_CHUNK) {
        crate::exec_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO member_history (region_id, id, member_id, at, actor_id, actor_name, field, old_value, new_value) ");
            qb.push_values(chunk, |mut b, h| {
                b.push_bind(region_id).push_bind(ids::next()).push_bind(h.member_id).push_bind(now).push_bind(actor.account_id)
                    .push_bind(actor.name.clone()).push_bind(h.field).push_bind(h.old.clone()).push_bind(h.new.clone());
            });
            qb.build().execute(c).await
        })?;
    }
    Ok(())
}

fn row_error(row: usize, column: &str, message: impl Into<String>) -> Problem {
    Problem { sheet: String::new(), row, column: column.to_string(), message: message.into() }
}

/// The problems found at commit time, as one validation error (nothing was written).
fn commit_refused(problems: Vec<Problem>) -> StoreError {
    let errors = problems
        .into_iter()
        .map(|p| FieldError::new("rows", "import.row_changed", format!("第{}行（{}）：{}", p.row, p.column, p.message)))
        .collect();
    StoreError::Invalid(Invalid { errors })
}

impl Roster<'_> {
    /// Imports a previewed batch: every valid row or none, in one transaction, with one
    /// `member.import` audit record. `progress(done, total)` is called every thousand rows.
    pub async fn commit_import(&self, batch_id: i64, progress: impl FnMut(u64, u64)) -> StoreResult<ImportResult> {
        self.commit_import_with(batch_id, CommitOptions::default(), progress).await
    }

    /// [`Roster::commit_import`] with options: `confirm_renames` lets rows through whose
    /// 公民身份号码 belongs to a member of another name (refused otherwise).
    pub async fn commit_import_with(
        &self,
        batch_id: i64,
        opts: CommitOptions,
        mut progress: impl FnMut(u64, u64),
    ) -> StoreResult<ImportResult> {
        let root = self.import_root()?;
        let b = self.batch(batch_id).await?;
        let now = self.db.clock().now_ms();
        refuse_unusable(&b, now, false)?;
        let outcome = self.commit_inner(batch_id, &root, &b, opts, &mut progress).await;
        outcome.map_err(|e| {
            if e.is_unique_violation() {
                StoreError::conflict(
                    "import.concurrent",
                    "导入期间有其他人登记了相同公民身份号码的党员，本次导入已全部撤销、没有写入任何数据，请重新上传文件预览",
                )
            } else {
                e
            }
        })
    }

    async fn commit_inner(
        &self,
        batch_id: i64,
        root: &str,
        b: &BatchRow,
        opts: CommitOptions,
        progress: &mut impl FnMut(u64, u64),
    ) -> StoreResult<ImportResult> {
        let region_id = self.scope.region_id;
        let actor = &self.scope.actor;
        let crypto = self.db.crypto();
        let today = self.db.clock().today();
        let now = self.db.clock().now_ms();
        let mut tx = self.db.begin().await?;
        // Claim the batch; a second commit waits here for the first, then finds it done.
        let claimed = crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE import_batches SET status = 'committing' WHERE region_id = $1 AND id = $2 AND account_id = $3 AND status = 'ready'")
            .bind(region_id).bind(batch_id).bind(actor.account_id).execute(c).await)?;
        if claimed == 0 {
            return Err(StoreError::conflict("import.committed", "该批次已经导入过，不能重复导入；如需再次导入，请重新上传文件"));
        }
        set_progress(batch_id, 0, (b.to_create + b.to_update).max(0) as u64);
        let _in_flight = InFlight(batch_id);
        let sealed: Vec<u8> = crate::on_tx!(tx, c => sqlx::query_scalar("SELECT payload FROM import_batches WHERE region_id = $1 AND id = $2")
            .bind(region_id).bind(batch_id).fetch_one(c).await)?;
        let payload = crypto.decrypt_str(&sealed, CTX_BATCH).ok_or(StoreError::Crypto)?;
        let planned: Vec<Planned> =
            serde_json::from_str(&payload).map_err(|e| StoreError::Other(format!("导入批次记录已损坏：{e}")))?;
        drop(payload);

        // Everything again, as of now, inside the transaction.
        let mut conn = Conn::Tx(&mut tx);
        let (_, orgs) = load_orgs(&mut conn, region_id, root).await?;
        let mut problems = Vec::new();
        let place_ok = |p: &Planned, problems: &mut Vec<Problem>| -> Option<String> {
            let Some(org) = orgs.get(&p.org_id).filter(|o| o.kind().is_branch() && !o.dissolved()) else {
                problems.push(row_error(p.row, Column::Org.heading(), "所在党组织已撤销、迁出您的管辖范围或不再是党支部"));
                return None;
            };
            match p.group_id {
                None => Some(org.path.clone()),
                Some(g) => match orgs.get(&g) {
                    Some(grp) if grp.kind() == OrgKind::Group && grp.parent_id == Some(org.id) && !grp.dissolved() => {
                        Some(grp.path.clone())
                    }
                    _ => {
                        problems.push(row_error(p.row, Column::Group.heading(), "所在党小组已撤销或已不在该党支部下"));
                        None
                    }
                },
            }
        };
        // Validate every stored row again (dates are checked against today).
        let mut validated: Vec<(usize, MemberFields)> = Vec::with_capacity(planned.len());
        for (i, p) in planned.iter().enumerate() {
            // Updates are validated over the member's current fields below.
            if p.member_id.is_some() {
                continue;
            }
            match MemberFields::validate(&p.input, today) {
                Ok(f) => validated.push((i, f)),
                Err(inv) => problems.extend(
                    inv.errors.into_iter().map(|e| row_error(p.row, vanguard_domain::member::field_label(e.field), e.message)),
                ),
            }
        }
        let hashes: Vec<Vec<u8>> = planned
            .iter()
            .filter_map(|p| p.input.id_number.as_deref().and_then(|s| IdNumber::parse(s).ok()))
            .map(|id| crypto.lookup_hash(id.as_str()))
            .collect();
        let held = identities(&mut conn, &hashes).await?;
        let update_ids: Vec<i64> = planned.iter().filter_map(|p| p.member_id).collect();
        let current = members_by_id(&mut conn, region_id, &update_ids).await?;

        let hi = path::upper(root);
        let mut creates: Vec<NewMemberRecord> = Vec::new();
        let mut created: Vec<ImportedRow> = Vec::new();
        // What became of each planned row, by its report line.
        let mut written: HashMap<i64, Written> = HashMap::new();
        let mut history: Vec<HistoryRow> = Vec::new();
        let mut counters: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
        for (i, fields) in validated {
            let p = &planned[i];
            let Some(member_path) = place_ok(p, &mut problems) else { continue };
            let id_hash = crypto.lookup_hash(fields.id_number.as_str());
            if held.contains_key(&id_hash) {
                problems.push(row_error(
                    p.row,
                    Column::IdNumber.heading(),
                    "预览之后，该公民身份号码已被登记到其他党员档案中，请重新上传文件预览",
                ));
                continue;
            }
            let id = ids::next();
            let c = counters.entry(p.org_id).or_default();
            c.0 += 1;
            c.1 += i64::from(fields.category == Category::Formal);
            history
                .push(HistoryRow { member_id: id, field: "archive", old: String::new(), new: "建立档案（导入）".into() });
            created.push(ImportedRow { row: p.row, name: fields.name.clone(), member_id: id, changes: Vec::new() });
            written.insert(p.seq, Written::Member { member_id: id, changes: None });
            creates.push(NewMemberRecord { id, org_id: p.org_id, group_id: p.group_id, org_path: member_path, fields });
        }
        // Updates: over the member as it is now.
        struct Change {
            row: MemberRow,
            new: MemberFields,
            org_id: i64,
            group_id: Option<i64>,
            path: String,
            phone_changed: bool,
        }
        let mut updates: Vec<Change> = Vec::new();
        let mut updated: Vec<ImportedRow> = Vec::new();
        let mut late_unchanged: Vec<SkippedRow> = Vec::new();
        for p in planned.iter().filter(|p| p.member_id.is_some()) {
            let mid = p.member_id.unwrap_or_default();
            let Some(row) = current.get(&mid).filter(|r| !r.archived && r.org_path.as_str() >= root && r.org_path < hi) else {
                problems.push(row_error(
                    p.row,
                    Column::Name.heading(),
                    "预览之后，该党员已被移入历史库或迁出您的管辖范围，请重新上传文件预览",
                ));
                continue;
            };
            let old = crate::member::unseal(self.db, row)?;
            if !opts.confirm_renames && p.input.name.as_deref().is_some_and(|n| n != old.name) {
                problems.push(row_error(
                    p.row,
                    Column::Name.heading(),
                    format!(
                        "该公民身份号码属于在册党员“{}”，本行姓名为“{}”：如确为同一人改名，请确认改名后再导入；否则请核对号码",
                        old.name,
                        p.input.name.as_deref().unwrap_or_default()
                    ),
                ));
                continue;
            }
            let new = match MemberFields::validate(&old.to_input().overlay(&p.input), today) {
                Ok(f) => f,
                Err(inv) => {
                    problems.extend(
                        inv.errors
                            .into_iter()
                            .map(|e| row_error(p.row, vanguard_domain::member::field_label(e.field), e.message)),
                    );
                    continue;
                }
            };
            let Some(member_path) = place_ok(p, &mut problems) else { continue };
            let mut changes = MemberFields::diff(&old, &new);
            let moved = row.org_id != p.org_id;
            if moved {
                let name = |id: i64| orgs.get(&id).map(|o| o.name.clone()).unwrap_or_default();
                changes.push(FieldChange { field: "org_id", old: row.org_name.clone(), new: name(p.org_id) });
            } else if row.group_id != p.group_id {
                let name = |id: Option<i64>| id.and_then(|g| orgs.get(&g)).map(|o| o.name.clone()).unwrap_or_default();
                changes.push(FieldChange { field: "group_id", old: name(row.group_id), new: name(p.group_id) });
            }
            if changes.is_empty() {
                late_unchanged.push(SkippedRow { row: p.row, name: new.name.clone(), reason: "无变化".into() });
                written.insert(p.seq, Written::Unchanged);
                continue;
            }
            let old_formal = i64::from(old.category == Category::Formal);
            let new_formal = i64::from(new.category == Category::Formal);
            if moved {
                let c = counters.entry(row.org_id).or_default();
                c.0 -= 1;
                c.1 -= old_formal;
                let c = counters.entry(p.org_id).or_default();
                c.0 += 1;
                c.1 += new_formal;
            } else {
                counters.entry(row.org_id).or_default().1 += new_formal - old_formal;
            }
            history.extend(changes.iter().map(|c| HistoryRow {
                member_id: mid,
                field: c.field,
                old: c.old.clone(),
                new: c.new.clone(),
            }));
            let labels = change_labels(&changes);
            written.insert(
                p.seq,
                Written::Member { member_id: mid, changes: Some(bounded_text(format!("变更：{}", labels.join("、")))) },
            );
            updated.push(ImportedRow { row: p.row, name: new.name.clone(), member_id: mid, changes: labels });
            updates.push(Change {
                row: row.clone(),
                phone_changed: new.phone != old.phone,
                new,
                org_id: p.org_id,
                group_id: p.group_id,
                path: member_path,
            });
        }
        if !problems.is_empty() {
            problems.sort_by_key(|p| p.row);
            return Err(commit_refused(problems));
        }

        // Write.
        let total = (creates.len() + updates.len()) as u64;
        let mut done = 0u64;
        let mut since = 0usize;
        let mut report = |n: usize| {
            done += n as u64;
            since += n;
            if since >= PROGRESS_EVERY || done == total {
                since = 0;
                set_progress(batch_id, done, total);
                progress(done, total);
            }
        };
        for chunk in creates.chunks(MEMBER_CHUNK) {
            insert_members(&mut tx, crypto, region_id, now, chunk).await?;
            report(chunk.len());
        }
        insert_identities(&mut tx, crypto, region_id, &creates).await?;
        for u in &updates {
            let f = &u.new;
            let phone_enc = f.phone.as_deref().map(|ph| crypto.encrypt_str(ph, CTX_PHONE));
            let phone_hash = f.phone.as_deref().map(|ph| crypto.lookup_hash(ph));
            crate::exec_tx!(tx, c => sqlx::query(
                "UPDATE members SET name = $1, gender = $2, ethnicity = $3, birth_date = $4, education = $5, phone_enc = $6, phone_hash = $7, \
                 phone_masked = $8, joined_on = $9, confirmed_on = $10, category = $11, party_status = $12, work_unit = $13, residence = $14, \
                 flow = $15, flow_place = $16, lost_contact_since = $17, org_id = $18, group_id = $19, org_path = $20, version = version + 1, \
                 updated_at = $21 WHERE region_id = $22 AND id = $23")
                .bind(&f.name).bind(f.gender.code()).bind(f.ethnicity.label()).bind(date_text(f.birth_date))
                .bind(f.education.map(Education::code)).bind(&phone_enc).bind(&phone_hash).bind(f.phone.as_deref().map(mask_phone))
                .bind(date_text(f.joined_on)).bind(opt_date_text(f.confirmed_on)).bind(f.category.code()).bind(f.party_status.code())
                .bind(&f.work_unit).bind(&f.residence).bind(f.flow.code()).bind(&f.flow_place).bind(opt_date_text(f.lost_contact_since))
                .bind(u.org_id).bind(u.group_id).bind(&u.path).bind(now).bind(region_id).bind(u.row.id)
                .execute(c).await)?;
            if u.phone_changed {
                crate::exec_tx!(tx, c => sqlx::query("UPDATE accounts SET phone_hash = $1, updated_at = $2 WHERE member_region_id = $3 AND member_id = $4")
                    .bind(&phone_hash).bind(now).bind(region_id).bind(u.row.id).execute(c).await)?;
            }
            report(1);
        }
        insert_history(&mut tx, region_id, now, actor, &history).await?;
        for (org_id, (members, formal)) in counters.iter().filter(|(_, d)| **d != (0, 0)) {
            crate::exec_tx!(tx, c => sqlx::query(
                "UPDATE orgs SET direct_members = direct_members + $1, direct_formal = direct_formal + $2 WHERE region_id = $3 AND id = $4")
                .bind(members).bind(formal).bind(region_id).bind(org_id).execute(c).await)?;
        }

        // Rows not written: the report's 有问题 and 跳过 lines, with rows found unchanged now.
        import_rows::mark_committed(&mut tx, region_id, batch_id, &written).await?;
        drop(written);
        let late = late_unchanged.len();
        let mut skipped: Vec<SkippedRow> = import_rows::skipped_lines(&mut tx, region_id, batch_id, REPORT_LIMIT)
            .await?
            .into_iter()
            .map(|l| SkippedRow { row: usize::try_from(l.row).unwrap_or_default(), name: l.name, reason: l.detail })
            .collect();
        let (unchanged_before, invalid) = (b.unchanged.max(0), b.invalid_rows.max(0));
        // The features that derive rows from members (the rules engine today) see the
        // import like any other member write, in this transaction.
        let touched_members: Vec<i64> = created.iter().chain(&updated).map(|r| r.member_id).collect();
        if !touched_members.is_empty() {
            let change = crate::platform::hooks::Change::MembersWritten {
                region_id,
                branches: counters.keys().copied().collect(),
                members: touched_members,
            };
            crate::platform::hooks::publish(&mut tx, self.db, change).await?;
        }
        let unchanged = unchanged_before as usize + late;
        // Rows identical to an earlier one are neither valid nor invalid: skipped too.
        let duplicates = (b.total_rows - b.valid_rows - b.invalid_rows).max(0);
        let invalid = (invalid + duplicates) as usize;
        skipped.sort_by_key(|s| s.row);
        skipped.truncate(REPORT_LIMIT);
        let (created_total, updated_total) = (created.len(), updated.len());
        let skipped_total = unchanged + invalid;
        let cap = |mut v: Vec<ImportedRow>| {
            v.truncate(REPORT_LIMIT);
            v
        };
        let result = ImportResult {
            batch_id,
            created: cap(created),
            updated: cap(updated),
            skipped,
            created_total,
            updated_total,
            skipped_total,
        };
        audit::append(
            &mut tx,
            self.db,
            actor,
            Event::ok("member.import", format!("import:{batch_id}")).detail(format!(
                "文件“{}”：新建 {} 人，更新 {} 人，无变化 {} 人，有错误未导入 {} 行",
                b.filename, result.created_total, result.updated_total, unchanged, invalid
            )),
        )
        .await?;
        // The stored result keeps the totals; its rows are the report's lines.
        let totals = ImportResult { created: Vec::new(), updated: Vec::new(), skipped: Vec::new(), ..result.clone() };
        let result_json = seal_json(self.db, &totals, CTX_RESULT)?;
        crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE import_batches SET status = 'committed', payload = $1, result = $2, finished_at = $3 WHERE region_id = $4 AND id = $5")
            .bind(Vec::<u8>::new()).bind(&result_json).bind(now).bind(region_id).bind(batch_id).execute(c).await)?;
        tx.commit().await?;
        Ok(result)
    }
}

// ---- Template --------------------------------------------------------------------------------------

const DATA_ROWS: u32 = 20_000;

/// The import template: the columns with notes on their headings (required ones in red),
/// dropdowns for the enumerated ones, text format for ID and phone numbers, a sheet of
/// instructions and a hidden sheet with the dropdowns' options. Written by the one
/// writer ([`xlsx::Book`]), like the export, so both have the same columns and look.
pub fn template_xlsx() -> StoreResult<Vec<u8>> {
    use rust_xlsxwriter::{Color, DataValidation, DataValidationErrorStyle, Format, FormatAlign, FormatBorder, Formula, Note};
    let heading = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xC00000))
        .set_font_color(Color::White)
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center);
    let required: Vec<Column> = vanguard_domain::member::roster::REQUIRED.iter().copied().chain([Column::Org]).collect();

    // The options of the dropdowns live on a hidden sheet (the 56 民族 exceed the
    // 255 characters Excel allows in an inline list).
    let mut lists: Vec<(Column, Vec<&'static str>)> = Vec::new();
    for c in Column::ALL {
        if let Some(o) = c.options() {
            lists.push((c, o));
        }
    }
    // The template is small: its sheets' rows go to the system's temporary directory.
    let mut book = xlsx::Book::new(&std::env::temp_dir())?;
    book.sheet("党员花名册", None, &roster_columns(false))?;
    {
        let ws = book.worksheet()?;
        for (i, c) in Column::ALL.iter().enumerate() {
            let col = i as u16;
            if required.contains(c) {
                ws.write_string_with_format(0, col, c.heading(), &heading).map_err(xlsx_error)?;
            }
            let mark = if required.contains(c) { "（必填）" } else { "" };
            let note = Note::new(format!("{}{mark}：{}", c.heading(), c.note()))
                .set_author("锋领")
                .add_author_prefix(false)
                .set_width(320)
                .set_height(120);
            ws.insert_note(0, col, &note).map_err(xlsx_error)?;
            let title: String = c.heading().chars().take(30).collect();
            let message: String = c.note().chars().take(250).collect();
            let dv = match lists.iter().position(|(lc, _)| lc == c) {
                Some(li) => {
                    let letter = vanguard_domain::member::roster::column_letter(li);
                    let n = lists[li].1.len();
                    DataValidation::new()
                        .allow_list_formula(Formula::new(format!("='选项'!${letter}$2:${letter}${}", n + 1)))
                        .set_error_style(DataValidationErrorStyle::Warning)
                        .set_error_title("请从列表中选择")
                        .map_err(xlsx_error)?
                        .set_error_message(format!("{}建议从下拉列表中选择；其他常见写法导入时也会尽量识别。", c.heading()))
                        .map_err(xlsx_error)?
                }
                None => DataValidation::new().allow_any_value(),
            };
            let dv = dv.set_input_title(title).map_err(xlsx_error)?.set_input_message(message).map_err(xlsx_error)?;
            ws.add_data_validation(1, col, DATA_ROWS, col, &dv).map_err(xlsx_error)?;
        }
    }
    book.sheet("填写说明", None, &[])?;
    {
        let ws = book.worksheet()?;
        let bold = Format::new().set_bold();
        let wrap = Format::new().set_text_wrap();
        ws.write_string_with_format(0, 0, "党员花名册导入说明", &bold).map_err(xlsx_error)?;
        let general = [
            "1. 在“党员花名册”工作表第1行列名下方逐行填写，每行一名党员；不要改动列名。列名也可以沿用其他系统导出表格的写法（如“身份证号”“所在党支部”），系统会按含义识别，无法识别的列会在预览中列出。",
            "2. “公民身份号码”和“手机号码”两列已设为文本格式；如从别处粘贴，请用“选择性粘贴—数值”，避免号码被改成科学计数法。",
            "3. 日期可写成 2001-07-01、2001.7.1、2001/7/1 或 2001年7月1日；只写到月（2001.7）时按当月1日导入，并在预览中提示。",
            "4. 所在党组织填写党支部全称；有重名时，写从上级党组织开始、用“/”分隔的路径，如“XX街道党工委/XX社区党委/第一党支部”。",
            "5. 上传后先显示预览：每一行的问题（行号、列名、原因）都会列出，此时不会写入任何数据。确认后再导入没有问题的行，导入要么全部完成，要么完全不写入。",
            "6. 公民身份号码已在册的党员，按本表更新其档案（空白单元格保留原有内容）；没有变化的行会跳过。",
        ];
        for (i, line) in general.iter().enumerate() {
            ws.set_row_height(1 + i as u32, 32).map_err(xlsx_error)?;
            ws.write_string_with_format(1 + i as u32, 0, *line, &wrap).map_err(xlsx_error)?;
        }
        let top = 2 + general.len() as u32;
        for (j, h) in ["列名", "是否必填", "填写要求", "可选值", "也可识别的列名"].iter().enumerate() {
            ws.write_string_with_format(top, j as u16, *h, &bold).map_err(xlsx_error)?;
        }
        for (i, c) in Column::ALL.iter().enumerate() {
            let r = top + 1 + i as u32;
            ws.write_string(r, 0, c.heading()).map_err(xlsx_error)?;
            let req = if required.contains(c) {
                if *c == Column::Org { "必填（党支部书记导入本支部时可不填）" } else { "必填" }
            } else {
                "选填"
            };
            ws.write_string(r, 1, req).map_err(xlsx_error)?;
            ws.write_string_with_format(r, 2, c.note(), &wrap).map_err(xlsx_error)?;
            ws.write_string_with_format(r, 3, c.options().map(|o| o.join("、")).unwrap_or_default(), &wrap)
                .map_err(xlsx_error)?;
            ws.write_string_with_format(r, 4, c.synonyms()[1..].join("、"), &wrap).map_err(xlsx_error)?;
        }
        for (col, width) in [(0, 60), (1, 14), (2, 60), (3, 40), (4, 40)] {
            ws.set_column_width(col, width).map_err(xlsx_error)?;
        }
    }
    // Row by row (a constant-memory sheet is written top to bottom): each list a column.
    book.sheet("选项", None, &[])?;
    {
        let ws = book.worksheet()?;
        for (j, (c, _)) in lists.iter().enumerate() {
            ws.write_string(0, j as u16, c.heading()).map_err(xlsx_error)?;
        }
        let longest = lists.iter().map(|(_, o)| o.len()).max().unwrap_or(0);
        for i in 0..longest {
            for (j, (_, options)) in lists.iter().enumerate() {
                if let Some(o) = options.get(i) {
                    ws.write_string(1 + i as u32, j as u16, *o).map_err(xlsx_error)?;
                }
            }
        }
        ws.set_hidden(true);
    }
    book.into_bytes()
}

// ---- Export ---------------------------------------------------------------------------------

/// Members read per query while exporting: a bounded read by keyset, then written out
/// before the next one, so an export of the whole city (500,000 members) holds one
/// chunk in memory, never the roster.
const EXPORT_CHUNK: u32 = 2_000;

#[derive(sqlx::FromRow)]
struct ExportRow {
    id: i64,
    org_path: String,
    org_id: i64,
    name: String,
    gender: String,
    ethnicity: String,
    birth_date: String,
    id_number_enc: Vec<u8>,
    id_number_masked: String,
    education: Option<String>,
    phone_enc: Option<Vec<u8>>,
    phone_masked: Option<String>,
    joined_on: String,
    confirmed_on: Option<String>,
    category: String,
    party_status: String,
    work_unit: String,
    residence: String,
    flow: String,
    flow_place: String,
    lost_contact_since: Option<String>,
    left_reason: Option<String>,
    left_on: Option<String>,
    org_name: String,
    group_name: Option<String>,
}

/// An exported roster: the finished workbook in an unlinked file, to stream.
#[derive(Debug)]
pub struct ExportFile {
    pub file: Spool,
    pub count: usize,
    /// A suggested file name (Chinese; the web layer encodes it).
    pub filename: String,
}

impl ExportFile {
    /// The whole workbook in memory (tests and small files; servers stream `file`).
    pub fn bytes(&mut self) -> StoreResult<Vec<u8>> {
        self.file.to_bytes().map_err(|e| StoreError::Other(format!("无法读取导出文件：{e}")))
    }
}

/// The filters of an export, for its audit record (ID and phone numbers never appear).
fn describe_filter(f: &MemberFilter) -> String {
    let mut parts = Vec::new();
    if let Some(o) = f.org_id {
        parts.push(format!("org_id={o}"));
    }
    let q = f.q.trim();
    if !q.is_empty() {
        if IdNumber::parse(q).is_ok() {
            parts.push("q=公民身份号码".to_string());
        } else if vanguard_domain::member::parse_phone(q).is_some() {
            parts.push("q=手机号码".to_string());
        } else {
            parts.push(format!("q={}", q.chars().take(20).collect::<String>()));
        }
    }
    for (k, v) in [("category", &f.category), ("party_status", &f.party_status), ("flow", &f.flow), ("sort", &f.sort)] {
        if !v.is_empty() {
            parts.push(format!("{k}={v}"));
        }
    }
    if f.lost == Some(true) {
        parts.push("lost=true".into());
    }
    if f.archived == Some(true) {
        parts.push("archived=true".into());
    }
    if parts.is_empty() { "无".into() } else { parts.join("&") }
}

/// The roster's columns as the template and the export write them (the export of the
/// archive adds 减少原因 and 离开日期).
fn roster_columns(archived: bool) -> Vec<xlsx::XlsxColumn> {
    let mut cols: Vec<xlsx::XlsxColumn> = Column::ALL
        .iter()
        .map(|c| {
            let (width, kind) = match c {
                Column::IdNumber => (22.0, xlsx::Kind::Digits),
                Column::Phone => (16.0, xlsx::Kind::Digits),
                Column::Org => (44.0, xlsx::Kind::Plain),
                Column::WorkUnit | Column::Residence => (28.0, xlsx::Kind::Plain),
                Column::FlowPlace => (16.0, xlsx::Kind::Plain),
                c if c.is_date() => (12.0, xlsx::Kind::Date),
                _ => (10.0, xlsx::Kind::Plain),
            };
            xlsx::XlsxColumn::of(c.heading(), width, kind)
        })
        .collect();
    if archived {
        cols.push(xlsx::XlsxColumn::new("减少原因", 12.0));
        cols.push(xlsx::XlsxColumn::of("离开日期", 12.0, xlsx::Kind::Date));
    }
    cols
}

/// One member as a row of the export. Stored codes are shown by their labels; an
/// unknown code is an error, never a blank.
fn export_cells(m: ExportRow, id_number: String, phone: String, org_path: String, archived: bool) -> StoreResult<Vec<XlsxCell>> {
    use crate::platform::error::decode;
    let mut cells = Vec::with_capacity(Column::ALL.len() + 2);
    for c in Column::ALL {
        cells.push(match c {
            Column::Name => XlsxCell::text(m.name.clone()),
            Column::Gender => XlsxCell::text(decode("members.gender", &m.gender, Gender::from_code)?.label()),
            Column::Ethnicity => XlsxCell::text(m.ethnicity.clone()),
            Column::BirthDate => XlsxCell::date(Some(m.birth_date.clone())),
            Column::IdNumber => XlsxCell::text(id_number.clone()),
            Column::Education => match m.education.as_deref() {
                Some(e) => XlsxCell::text(decode("members.education", e, Education::from_code)?.label()),
                None => XlsxCell::Empty,
            },
            Column::Phone => XlsxCell::text(phone.clone()),
            Column::JoinedOn => XlsxCell::date(Some(m.joined_on.clone())),
            Column::ConfirmedOn => XlsxCell::date(m.confirmed_on.clone()),
            Column::Category => XlsxCell::text(decode("members.category", &m.category, Category::from_code)?.label()),
            Column::PartyStatus => {
                XlsxCell::text(decode("members.party_status", &m.party_status, PartyStatus::from_code)?.label())
            }
            Column::WorkUnit => XlsxCell::text(m.work_unit.clone()),
            Column::Residence => XlsxCell::text(m.residence.clone()),
            Column::Org => XlsxCell::text(org_path.clone()),
            Column::Group => XlsxCell::text(m.group_name.clone().unwrap_or_default()),
            Column::Flow => XlsxCell::text(decode("members.flow", &m.flow, Flow::from_code)?.label()),
            Column::FlowPlace => XlsxCell::text(m.flow_place.clone()),
            Column::LostContactSince => XlsxCell::date(m.lost_contact_since.clone()),
        });
    }
    if archived {
        cells.push(match m.left_reason.as_deref() {
            Some(r) => XlsxCell::text(decode("members.left_reason", r, LeaveReason::from_code)?.label()),
            None => XlsxCell::Empty,
        });
        cells.push(XlsxCell::date(m.left_on));
    }
    Ok(cells)
}

/// Runs `write` on the blocking pool with the book, and hands the book back.
async fn on_book(
    book: xlsx::Book,
    write: impl FnOnce(&mut xlsx::Book) -> StoreResult<()> + Send + 'static,
) -> StoreResult<xlsx::Book> {
    let (book, done) = tokio::task::spawn_blocking(move || {
        let mut book = book;
        let done = write(&mut book);
        (book, done)
    })
    .await
    .map_err(|e| StoreError::Other(format!("生成 Excel 文件时出错：{e}")))?;
    done.map(|()| book)
}

impl Roster<'_> {
    /// Every member the roster filters select (all pages), as an .xlsx file with the
    /// template's columns (dates as date cells). ID and phone numbers are masked unless
    /// `reveal` (which needs [`Permission::MemberReveal`]). Every export is audited;
    /// an export that cannot be audited is not handed out.
    ///
    /// Memory stays bounded at any size: members are read by keyset in chunks of
    /// [`EXPORT_CHUNK`] in the roster's order and written to a constant-memory sheet
    /// as they come (on the blocking pool), and the workbook is finished into an
    /// unlinked file under [`Db::scratch_dir`](crate::Db::scratch_dir) for the caller
    /// to stream. The chunks are separate reads: a member added or moved while a large
    /// export runs may or may not be in it, and none appears twice.
    pub async fn export_members(&self, f: &MemberFilter, reveal: bool) -> StoreResult<ExportFile> {
        if reveal && !self.scope.role.grants(Permission::MemberReveal) {
            return Err(StoreError::Forbidden);
        }
        let sel = self.scoped().members().selection(f).await?;
        let archived = sel.archived;
        let crypto = self.db.crypto();

        // 所在党组织 as the path from the caller's scope root, so the file imports again.
        let (olo, ohi) = self.scope.org_range();
        let orgs: Vec<OrgLite> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT id, parent_id, path, name, kind, status FROM orgs WHERE region_id = $1 AND path >= $2 AND path < $3")
            .bind(self.scope.region_id).bind(&olo).bind(&ohi).fetch_all(c).await)?;
        let index = OrgIndex::new(orgs.iter().map(|o| OrgEntry {
            id: o.id,
            parent_id: o.parent_id,
            name: o.name.clone(),
            kind: o.kind(),
            dissolved: o.dissolved(),
            in_scope: true,
        }));
        drop(orgs);
        let mut paths: HashMap<i64, String> = HashMap::new();

        let scratch = self.db.scratch_dir();
        let mut book = xlsx::Book::new(&scratch)?;
        book.sheet(if archived { "历史库" } else { "党员花名册" }, None, &roster_columns(archived))?;
        let mut count = 0usize;
        let mut req = PageRequest { seek: Seek::First, limit: EXPORT_CHUNK };
        loop {
            // The same filters as the roster (member/mod.rs `list_members`), narrowed to
            // the cursor so each chunk is a short index range.
            let chunk_sel = sel.clone().narrowed_to(&req.seek);
            let mut sql = Sql::new(
                "SELECT m.id, m.org_path, m.org_id, m.name, m.gender, m.ethnicity, m.birth_date, m.id_number_enc, m.id_number_masked, \
                 m.education, m.phone_enc, m.phone_masked, m.joined_on, m.confirmed_on, m.category, m.party_status, m.work_unit, \
                 m.residence, m.flow, m.flow_place, m.lost_contact_since, m.left_reason, m.left_on, o.name AS org_name, \
                 g.name AS group_name FROM members m \
                 JOIN orgs o ON o.region_id = m.region_id AND o.id = m.org_id \
                 LEFT JOIN orgs g ON g.region_id = m.region_id AND g.id = m.group_id",
            );
            chunk_sel.push_filters(&mut sql);
            sql.keyset(&sel.sort, &req)?.order_limit(&sel.sort, &req, None);
            let mut rows: Vec<ExportRow> = sql.fetch_all(self.db).await?;
            let more = rows.len() > EXPORT_CHUNK as usize;
            rows.truncate(EXPORT_CHUNK as usize);
            let next = rows.last().map(|m| roster_key(&sel.sort, &m.org_path, &m.name, &m.joined_on, m.id));
            let mut lines = Vec::with_capacity(rows.len());
            for m in rows {
                let id_number = if reveal {
                    crypto.decrypt_str(&m.id_number_enc, CTX_ID).ok_or(StoreError::Crypto)?
                } else {
                    m.id_number_masked.clone()
                };
                let phone = match (&m.phone_enc, reveal) {
                    (Some(p), true) => crypto.decrypt_str(p, CTX_PHONE).ok_or(StoreError::Crypto)?,
                    _ => m.phone_masked.clone().unwrap_or_default(),
                };
                let org_path = paths
                    .entry(m.org_id)
                    .or_insert_with(|| {
                        let p = index.path_of(m.org_id);
                        if p.is_empty() { m.org_name.clone() } else { p }
                    })
                    .clone();
                lines.push(export_cells(m, id_number, phone, org_path, archived)?);
            }
            count += lines.len();
            book = on_book(book, move |b| lines.iter().try_for_each(|cells| b.row(cells))).await?;
            match next {
                Some(key) if more => {
                    req = PageRequest { seek: Seek::After { key, position: count as u64 }, limit: EXPORT_CHUNK };
                }
                _ => break,
            }
        }
        let file = tokio::task::spawn_blocking(move || book.spool(&scratch))
            .await
            .map_err(|e| StoreError::Other(format!("生成 Excel 文件时出错：{e}")))??;
        audit::record(
            self.db,
            &self.scope.actor,
            Event::ok("member.export", "members").detail(format!(
                "{count} 人；筛选：{}；明文：{}",
                describe_filter(f),
                if reveal { "是" } else { "否" }
            )),
        )
        .await?;
        let today = self.db.clock().today().format("%Y%m%d");
        let filename = format!("{}{today}.xlsx", if archived { "历史库党员" } else { "党员花名册" });
        Ok(ExportFile { file, count, filename })
    }
}
