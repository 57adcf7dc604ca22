//! The report of a roster import batch, one stored line per data row: what the preview
//! found (将导入、将更新、有问题、跳过, with the row's reasons in Chinese) and, once
//! committed, the member each written row became. The preview and result pages read it
//! a page at a time, by keyset over the row's place in the file and filtered by status;
//! the batch row keeps only counts, so neither a page nor the status poll reads a whole
//! report.
//!
//! Lines are written with the batch ([`insert_lines`]), amended by the commit
//! ([`mark_committed`]) and deleted with the batch.

use crate::member::roster::Roster;
use crate::platform::bulk::{self, OnConflict, Val, bulk_row};
use crate::platform::paging::{SortKey, finish, jump_offset};
use crate::platform::query::Sql;
use crate::{StoreResult, Tx};
use serde::Serialize;
use std::collections::HashMap;
use vanguard_domain::kernel::paging::{KeyPart, Page, PageRequest};
use vanguard_domain::member::idcard::mask_number_runs;
use vanguard_domain::member::roster::ReportStatus;

const TABLE: &str = "import_rows";
const COLUMNS: &[&str] =
    &["region_id", "batch_id", "seq", "sheet", "row_no", "name", "status", "org", "detail", "note", "member_id"];
/// Lines in file order (`seq` is the row's place among the file's data rows).
const LINE_ORDER: SortKey = SortKey { columns: &["seq"], descending: false };

/// One line of a batch's report, as stored.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub seq: i64,
    pub sheet: String,
    pub row: usize,
    pub name: String,
    pub status: ReportStatus,
    /// The branch the member is (to be) in, as a path from the caller's scope root.
    pub org: String,
    /// Why (有问题: the problems; 跳过: why skipped) or what (将更新: the fields). Stored
    /// with long digit runs masked (`mask_number_runs`): a reason may quote an ID or phone
    /// number typed into another column, and the lines are kept in clear for paging.
    pub detail: String,
    /// Warnings: the row is imported as described.
    pub note: String,
}

/// One line of a report page.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ReportLine {
    /// The row's place among the file's data rows (the page cursor).
    pub seq: i64,
    /// The sheet, when the file has several roster sheets.
    pub sheet: String,
    /// The row number in the sheet.
    #[sqlx(rename = "row_no")]
    pub row: i64,
    pub name: String,
    /// `create`, `update`, `problem` or `skip`.
    pub status: String,
    pub org: String,
    pub detail: String,
    pub note: String,
    /// The member written, once committed.
    pub member_id: Option<i64>,
}

impl ReportLine {
    pub fn status(&self) -> Option<ReportStatus> {
        ReportStatus::from_code(&self.status)
    }
}

/// Writes a new batch's lines.
pub(crate) async fn insert_lines(tx: &mut Tx, region_id: i64, batch_id: i64, lines: &[Line]) -> StoreResult<()> {
    let rows: Vec<Vec<Val>> = lines
        .iter()
        .map(|l| {
            bulk_row![
                region_id,
                batch_id,
                l.seq,
                l.sheet.as_str(),
                i64::try_from(l.row).unwrap_or(i64::MAX),
                l.name.as_str(),
                l.status.code(),
                l.org.as_str(),
                mask_number_runs(&l.detail),
                mask_number_runs(&l.note),
                Option::<i64>::None,
            ]
        })
        .collect();
    bulk::insert(tx, TABLE, COLUMNS, &rows).await?;
    Ok(())
}

/// Deletes the lines of the region's batches that expired before `now` (with the
/// batches themselves).
pub(crate) async fn delete_expired(tx: &mut Tx, region_id: i64, now: i64) -> StoreResult<()> {
    crate::exec_tx!(tx, c => sqlx::query(
        "DELETE FROM import_rows WHERE region_id = $1 AND batch_id IN \
         (SELECT id FROM import_batches WHERE region_id = $1 AND expires_at < $2)")
        .bind(region_id).bind(now).execute(c).await)?;
    Ok(())
}

/// What the commit did with a planned row.
pub(crate) enum Written {
    /// Created or updated as the member; the update's fields as changed now.
    Member { member_id: i64, changes: Option<String> },
    /// Found unchanged at commit time: skipped.
    Unchanged,
}

/// Records on a batch's lines what the commit wrote: the member of each written row,
/// and 跳过（无变化） for rows found unchanged at commit time. `written` is keyed by seq.
pub(crate) async fn mark_committed(
    tx: &mut Tx,
    region_id: i64,
    batch_id: i64,
    written: &HashMap<i64, Written>,
) -> StoreResult<()> {
    if written.is_empty() {
        return Ok(());
    }
    let lines = {
        let sql = lines_of(region_id, batch_id, [ReportStatus::Create, ReportStatus::Update]);
        sql.fetch_all_tx::<ReportLine>(tx).await?
    };
    let rows: Vec<Vec<Val>> = lines
        .into_iter()
        .filter_map(|l| {
            let (status, detail, member_id) = match written.get(&l.seq)? {
                Written::Member { member_id, changes } => {
                    (l.status.clone(), changes.as_deref().map(mask_number_runs).unwrap_or(l.detail), Some(*member_id))
                }
                Written::Unchanged => (ReportStatus::Skip.code().to_string(), "无变化".to_string(), None),
            };
            Some(bulk_row![region_id, batch_id, l.seq, l.sheet, l.row, l.name, status, l.org, detail, l.note, member_id])
        })
        .collect();
    bulk::upsert(
        tx,
        TABLE,
        COLUMNS,
        &rows,
        OnConflict::Update { key: "region_id, batch_id, seq", set: &["status", "detail", "member_id"] },
    )
    .await?;
    Ok(())
}

/// The lines of a batch with one of two statuses.
fn lines_of(region_id: i64, batch_id: i64, statuses: [ReportStatus; 2]) -> Sql {
    let mut sql = Sql::new(&format!(
        "SELECT seq, sheet, row_no, name, status, org, detail, note, member_id FROM {TABLE} WHERE region_id = "
    ));
    sql.bind(region_id)
        .push(" AND batch_id = ")
        .bind(batch_id)
        .push(" AND status IN (")
        .bind(statuses[0].code())
        .push(", ")
        .bind(statuses[1].code())
        .push(")");
    sql
}

/// The skipped lines (有问题 and 跳过) of a batch in file order, at most `max`: the result
/// a commit returns.
pub(crate) async fn skipped_lines(tx: &mut Tx, region_id: i64, batch_id: i64, max: usize) -> StoreResult<Vec<ReportLine>> {
    let mut sql = lines_of(region_id, batch_id, [ReportStatus::Problem, ReportStatus::Skip]);
    sql.push(" ORDER BY seq").limit(i64::try_from(max).unwrap_or(i64::MAX));
    sql.fetch_all_tx(tx).await
}

impl Roster<'_> {
    /// A page of the caller's batch's report, in file order, optionally only the lines of
    /// one status.
    pub async fn import_lines(
        &self,
        batch_id: i64,
        status: Option<ReportStatus>,
        req: &PageRequest,
    ) -> StoreResult<Page<ReportLine>> {
        self.batch(batch_id).await?;
        let region_id = self.scope.region_id;
        let mut filters = Sql::new(&format!(" FROM {TABLE} WHERE region_id = "));
        filters.bind(region_id).push(" AND batch_id = ").bind(batch_id);
        if let Some(s) = status {
            filters.push(" AND status = ").bind(s.code());
        }
        let mut count = Sql::new("SELECT COUNT(*)");
        count.append(&filters);
        let total = u64::try_from(count.fetch_i64(self.db).await?).unwrap_or(0);
        let offset = jump_offset(req)?;
        let mut sql = Sql::new("SELECT seq, sheet, row_no, name, status, org, detail, note, member_id");
        sql.append(&filters);
        sql.keyset(&LINE_ORDER, req)?.order_limit(&LINE_ORDER, req, offset);
        let items: Vec<ReportLine> = sql.fetch_all(self.db).await?;
        Ok(finish(req, items, Some(total), false, |l| vec![KeyPart::Int(l.seq)]))
    }
}
