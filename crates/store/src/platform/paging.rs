//! Keyset paging in SQL: the one way every list reads a page (see
//! [`vanguard_domain::kernel::paging`] for the request and the envelope).
//!
//! A list names its sort key as SQL expressions, all ascending or all descending, ending
//! in a unique column (the id), and selects them. [`Sql::keyset`] adds
//! `AND (k1, k2, …) > (…)` for a cursor; [`Sql::order_limit`] adds the `ORDER BY` in the
//! read direction and `LIMIT limit + 1`; [`finish`] turns the rows read into a [`Page`].
//!
//! [`Sql::keyset`]: crate::platform::query::Sql::keyset
//! [`Sql::order_limit`]: crate::platform::query::Sql::order_limit A jump to a page number reads by `OFFSET` only up to
//! [`MAX_OFFSET_JUMP`] rows; deeper jumps are refused unless the list has a seek of its
//! own (the roster's, by the per-branch counters).

use crate::platform::query::Sql;
use crate::{StoreError, StoreResult};
use vanguard_domain::kernel::paging::{KeyPart, Page, PageRequest, Seek};

/// The deepest `OFFSET` a jump by page number may use (a bounded index scan).
pub const MAX_OFFSET_JUMP: u64 = 10_000;

/// A list's sort key.
#[derive(Debug, Clone, Copy)]
pub struct SortKey {
    /// SQL expressions, as selected (e.g. `m.org_path`, `m.id`); the last is unique.
    pub columns: &'static [&'static str],
    /// Whether the list is sorted descending.
    pub descending: bool,
}

/// Whether this request reads the list backwards (towards its start).
pub(crate) fn backward(req: &PageRequest) -> bool {
    matches!(req.seek, Seek::Before { .. } | Seek::Last)
}

/// The `OFFSET` of a jump by page number, refused beyond [`MAX_OFFSET_JUMP`].
pub(crate) fn jump_offset(req: &PageRequest) -> StoreResult<Option<i64>> {
    match req.seek {
        Seek::Position(p) if p > MAX_OFFSET_JUMP => Err(StoreError::invalid(
            "page",
            "page.too_deep",
            format!("页码过大：按页码最多可跳到第 {} 条，请使用筛选条件缩小范围，或逐页翻看", MAX_OFFSET_JUMP),
        )),
        Seek::Position(p) => Ok(Some(p as i64)),
        _ => Ok(None),
    }
}

/// Turns the rows of a keyset read (at most `limit + 1`, in read order) into a page.
/// `total` is the list's size when known (`lower_bound`: at least that many).
pub(crate) fn finish<T>(
    req: &PageRequest,
    mut rows: Vec<T>,
    total: Option<u64>,
    lower_bound: bool,
    key_of: impl Fn(&T) -> Vec<KeyPart>,
) -> Page<T> {
    let back = backward(req);
    if back {
        rows.reverse();
    }
    let shown = rows.len().min(req.limit as usize) as u64;
    let position = match &req.seek {
        Seek::First => 0,
        Seek::After { position, .. } | Seek::Position(position) => *position,
        Seek::Before { position, .. } => position.saturating_sub(shown),
        Seek::Last => total.map(|t| t.saturating_sub(shown)).unwrap_or(0),
    };
    let mut page = vanguard_domain::kernel::paging::assemble(req, rows, back, position, total, lower_bound, key_of);
    // A backward read that reached the start has nothing before it.
    if back && page.position == 0 {
        page.prev = None;
    }
    page
}

/// One page of a filtered list, the common way: the total counted up to [`COUNT_CAP`]
/// (`SELECT COUNT(*)` over `count_from` + `filters`, stopped after the cap), then the
/// rows of `select` + `filters` by keyset along `key` (a jump by page number by a bounded
/// `OFFSET`, see [`jump_offset`]). For lists without an aggregate to take the total from.
pub(crate) async fn capped_page<T>(
    db: &crate::Db,
    count_from: &str,
    select: &str,
    filters: &Sql,
    key: &SortKey,
    req: &PageRequest,
    key_of: impl Fn(&T) -> Vec<KeyPart>,
) -> StoreResult<Page<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    let mut count = Sql::new(&format!("SELECT COUNT(*) FROM (SELECT 1 FROM {count_from}"));
    count.append(filters).push(" LIMIT ").bind(COUNT_CAP + 1).push(") capped");
    let (total, lower_bound) = capped(count.fetch_i64(db).await?, COUNT_CAP);
    let offset = jump_offset(req)?;
    let mut sql = Sql::new(select);
    sql.append(filters).keyset(key, req)?.order_limit(key, req, offset);
    let rows: Vec<T> = sql.fetch_all(db).await?;
    Ok(finish(req, rows, total, lower_bound, key_of))
}

/// Every row of a list, page by page along its cursors, up to `$max` rows (exports and
/// reports that must not hold more): `collect_pages!(10_000, req => self.list(&req))`,
/// where the expression reads one page for the `PageRequest` bound to `req`. (A macro,
/// not a function taking an async closure: the handler's future must stay `Send`.)
macro_rules! collect_pages {
    ($max:expr, $req:ident => $fetch:expr) => {{
        let max: usize = $max;
        let mut out = Vec::new();
        let mut $req = ::vanguard_domain::kernel::paging::PageRequest::first(::vanguard_domain::kernel::paging::MAX_LIMIT);
        loop {
            let page = $fetch.await?;
            out.extend(page.items);
            match page.next {
                Some(cursor) if out.len() < max => {
                    $req = ::vanguard_domain::kernel::paging::PageRequest {
                        seek: $crate::platform::paging::after_cursor(&cursor)?,
                        limit: $req.limit,
                    };
                }
                _ => break,
            }
        }
        out.truncate(max);
        out
    }};
}
pub(crate) use collect_pages;

/// The seek a `next` cursor names (for walking a list inside the store).
pub(crate) fn after_cursor(cursor: &str) -> StoreResult<Seek> {
    let q = vanguard_domain::kernel::paging::PageQuery { cursor: Some(cursor.to_string()), limit: None, page: None };
    PageRequest::from_query(&q).map(|r| r.seek).map_err(|e| StoreError::Other(e.message().to_string()))
}

/// A total counted up to a cap: `(count, is_lower_bound)`.
pub(crate) fn capped(count: i64, cap: i64) -> (Option<u64>, bool) {
    let count = u64::try_from(count).unwrap_or(0);
    (Some(count.min(cap as u64)), count > cap as u64)
}

/// Counting beyond this many rows stops; the total then reads "at least".
pub const COUNT_CAP: i64 = 10_000;

/// The branches of a subtree in path order with the number of current members before
/// each: row `n` of the unfiltered roster lies in the last branch whose count-before is
/// at most `n`. Lets a jump to a deep page find its branch by binary search instead of
/// reading every branch of the subtree per request.
#[derive(Debug, Default)]
pub(crate) struct BranchIndex {
    pub branches: Vec<(String, u64)>,
}

impl BranchIndex {
    /// From `(path, direct members)` in path order.
    pub fn from_counts(counts: impl IntoIterator<Item = (String, u64)>) -> BranchIndex {
        let mut before = 0u64;
        let branches = counts
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(path, n)| {
                let entry = (path, before);
                before += n;
                entry
            })
            .collect();
        BranchIndex { branches }
    }

    /// The branch holding row `position` and that row's place within it.
    pub fn locate(&self, position: u64) -> Option<(&str, u64)> {
        let i = self.branches.partition_point(|(_, before)| *before <= position).checked_sub(1)?;
        let (path, before) = &self.branches[i];
        Some((path.as_str(), position - before))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vanguard_domain::kernel::paging::PageQuery;

    fn index() -> BranchIndex {
        BranchIndex::from_counts([("/1/".to_string(), 3), ("/2/".to_string(), 0), ("/3/".to_string(), 2)])
    }

    #[test]
    fn a_row_is_located_in_the_branch_that_holds_it_with_its_place_there() {
        let i = index();
        assert_eq!(i.locate(0), Some(("/1/", 0)));
        assert_eq!(i.locate(2), Some(("/1/", 2)));
        assert_eq!(i.locate(3), Some(("/3/", 0)));
        assert_eq!(i.locate(4), Some(("/3/", 1)));
    }

    #[test]
    fn branches_without_members_hold_no_row() {
        assert!(index().branches.iter().all(|(p, _)| p != "/2/"));
    }

    #[test]
    fn a_row_past_the_last_branch_is_located_in_it_and_the_caller_finds_no_row_there() {
        // The roster's total is checked before a jump; past the end the in-branch offset
        // simply finds nothing.
        assert_eq!(index().locate(9), Some(("/3/", 6)));
        assert_eq!(BranchIndex::default().locate(0), None);
    }

    fn req(seek: Seek, limit: u32) -> PageRequest {
        PageRequest { seek, limit }
    }

    #[test]
    fn jumps_beyond_the_offset_bound_are_refused_with_a_reason() {
        assert!(jump_offset(&req(Seek::Position(MAX_OFFSET_JUMP), 20)).is_ok());
        let e = jump_offset(&req(Seek::Position(MAX_OFFSET_JUMP + 1), 20)).unwrap_err();
        assert!(e.to_string().contains("页码过大"));
    }

    #[test]
    fn a_backward_page_counts_its_position_back_from_the_cursor() {
        let r = req(Seek::Before { key: vec![KeyPart::Int(10)], position: 40 }, 20);
        let rows: Vec<i64> = (20..=40).rev().collect(); // 21 rows read downwards: one more than a page
        let p = finish(&r, rows, Some(100), false, |v| vec![KeyPart::Int(*v)]);
        assert_eq!(p.items.first(), Some(&21));
        assert_eq!(p.items.len(), 20);
        assert_eq!(p.position, 20);
        assert!(p.prev.is_some() && p.next.is_some());
    }

    #[test]
    fn the_first_page_reached_backwards_has_no_previous_page() {
        let r = req(Seek::Before { key: vec![KeyPart::Int(3)], position: 2 }, 20);
        let p = finish(&r, vec![2i64, 1], Some(10), false, |v| vec![KeyPart::Int(*v)]);
        assert_eq!((p.items, p.position, p.prev.is_none()), (vec![1, 2], 0, true));
    }

    #[test]
    fn counts_above_the_cap_are_lower_bounds() {
        assert_eq!(capped(10, COUNT_CAP), (Some(10), false));
        assert_eq!(capped(COUNT_CAP + 1, COUNT_CAP), (Some(COUNT_CAP as u64), true));
        let _ = PageQuery::default();
    }
}
