//! Paging: one request type, one envelope, one cursor for every list of the platform.
//!
//! Lists are read by **keyset** (the sort key of the last row shown), never by a deep
//! `OFFSET`, so the thousandth page of a city-wide roster costs what the first one
//! does. A cursor is opaque to clients: it carries the sort key it continues from, the
//! direction, and the position of the row (so pages can still say "第 3 页" and
//! "第 41–60 条").

use serde::{Deserialize, Serialize};

/// Rows per page when the caller does not say: 20.
pub const DEFAULT_LIMIT: u32 = 20;
/// The most rows one page may hold: 200.
pub const MAX_LIMIT: u32 = 200;
/// The deepest position a page may be asked for by number (`page=`): far beyond any
/// real list (a province has ~5M members), so arithmetic on it can never overflow.
pub const MAX_POSITION: u64 = 100_000_000;

/// One part of a sort key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum KeyPart {
    Int(i64),
    Text(String),
}

impl From<i64> for KeyPart {
    fn from(v: i64) -> Self {
        KeyPart::Int(v)
    }
}
impl From<&str> for KeyPart {
    fn from(v: &str) -> Self {
        KeyPart::Text(v.to_string())
    }
}
impl From<String> for KeyPart {
    fn from(v: String) -> Self {
        KeyPart::Text(v)
    }
}

/// Where a page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seek {
    /// The first page.
    First,
    /// The rows after `key` (exclusive); the first of them is at `position` (0-based).
    After { key: Vec<KeyPart>, position: u64 },
    /// The rows before `key` (exclusive); the last of them is at `position - 1`.
    Before { key: Vec<KeyPart>, position: u64 },
    /// The last page.
    Last,
    /// The page whose first row is at `position` (a jump by page number).
    Position(u64),
}

/// A page as a client asks for it: `?cursor=…&limit=…` or `?page=N&limit=…`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// A cursor from a previous page's `next` or `prev`, or `last`.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Rows per page (1–200; default 20). `per_page` is accepted as a synonym.
    #[serde(default, alias = "per_page")]
    pub limit: Option<u32>,
    /// A page number (from 1), to jump to.
    #[serde(default)]
    pub page: Option<u64>,
}

/// Why a page request cannot be served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PagingError {
    /// The cursor is not one the platform issued (or was cut short).
    BadCursor,
    /// The page number is 0 or beyond any list.
    BadPage,
}

impl PagingError {
    /// What to tell the person, in Chinese.
    pub fn message(&self) -> &'static str {
        match self {
            PagingError::BadCursor => "翻页参数无效，请回到第一页重新翻页",
            PagingError::BadPage => "页码应为从 1 开始的整数",
        }
    }
}

/// A validated page request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub seek: Seek,
    pub limit: u32,
}

impl PageRequest {
    /// The first page of `limit` rows.
    pub fn first(limit: u32) -> Self {
        PageRequest { seek: Seek::First, limit: limit.clamp(1, MAX_LIMIT) }
    }

    /// Reads what a client sent. A page number wins over a cursor.
    pub fn from_query(q: &PageQuery) -> Result<PageRequest, PagingError> {
        let limit = q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
        if let Some(page) = q.page {
            let position = page
                .checked_sub(1)
                .and_then(|p| p.checked_mul(u64::from(limit)))
                .filter(|p| *p <= MAX_POSITION)
                .ok_or(PagingError::BadPage)?;
            return Ok(PageRequest { seek: if position == 0 { Seek::First } else { Seek::Position(position) }, limit });
        }
        let seek = match q.cursor.as_deref().map(str::trim) {
            None | Some("") => Seek::First,
            Some(c) => decode_cursor(c)?,
        };
        Ok(PageRequest { seek, limit })
    }

    /// The position of the first row this request can name without reading (`None` for
    /// the last page, which is counted back from the end).
    pub fn start_position(&self) -> Option<u64> {
        match &self.seek {
            Seek::First => Some(0),
            Seek::After { position, .. } | Seek::Position(position) => Some(*position),
            Seek::Before { position, .. } => Some(position.saturating_sub(u64::from(self.limit))),
            Seek::Last => None,
        }
    }
}

/// One page of a list: the envelope of every list the API returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many rows the whole list has, when known cheaply (from aggregates, or counted
    /// up to a cap: see `total_is_lower_bound`).
    pub total: Option<u64>,
    /// `true` when `total` is only "at least this many" (a capped count).
    pub total_is_lower_bound: bool,
    /// Rows per page.
    pub limit: u32,
    /// The 0-based position of the first item in the whole list.
    pub position: u64,
    /// The cursor of the next page, if there is one.
    pub next: Option<String>,
    /// The cursor of the previous page, if there is one.
    pub prev: Option<String>,
}

/// The API document's schema of a page of `T`, named `Page_T` so that every list's
/// envelope is its own schema (a derive would name them all `Page`).
impl<T: utoipa::ToSchema> utoipa::PartialSchema for Page<T> {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder};
        ObjectBuilder::new()
            .description(Some("一页列表：items 为本页条目，next/prev 为翻页游标"))
            .property("items", ArrayBuilder::new().items(utoipa::openapi::Ref::from_schema_name(T::name())))
            .required("items")
            .property("total", <Option<u64> as utoipa::PartialSchema>::schema())
            .property("total_is_lower_bound", <bool as utoipa::PartialSchema>::schema())
            .required("total_is_lower_bound")
            .property("limit", <u32 as utoipa::PartialSchema>::schema())
            .required("limit")
            .property("position", <u64 as utoipa::PartialSchema>::schema())
            .required("position")
            .property("next", <Option<String> as utoipa::PartialSchema>::schema())
            .property("prev", <Option<String> as utoipa::PartialSchema>::schema())
            .into()
    }
}

impl<T: utoipa::ToSchema> utoipa::ToSchema for Page<T> {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Owned(format!("Page_{}", T::name()))
    }
    fn schemas(out: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
        out.push((T::name().into_owned(), T::schema()));
        T::schemas(out);
    }
}

impl<T> Page<T> {
    /// An empty page (nothing matched, or a position past the end).
    pub fn empty(limit: u32, position: u64, total: Option<u64>) -> Self {
        Page { items: Vec::new(), total, total_is_lower_bound: false, limit, position, next: None, prev: None }
    }

    /// The page's number, from 1 (a page that starts between two page boundaries, as
    /// the last page read backwards may, counts as the later one).
    pub fn number(&self) -> u64 {
        self.position.div_ceil(u64::from(self.limit.max(1))) + 1
    }

    /// How many pages the list has, when its total is known exactly.
    pub fn page_count(&self) -> Option<u64> {
        match (self.total, self.total_is_lower_bound) {
            (Some(t), false) => Some(t.div_ceil(u64::from(self.limit.max(1))).max(1)),
            _ => None,
        }
    }

    /// Maps the items, keeping the paging.
    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> Page<U> {
        match self.try_map(|t| Ok::<U, std::convert::Infallible>(f(t))) {
            Ok(page) => page,
            Err(never) => match never {},
        }
    }

    /// Maps the items with a fallible `f`, keeping the paging; the first error wins.
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        let items = self.items.into_iter().map(f).collect::<Result<Vec<U>, E>>()?;
        Ok(Page {
            items,
            total: self.total,
            total_is_lower_bound: self.total_is_lower_bound,
            limit: self.limit,
            position: self.position,
            next: self.next,
            prev: self.prev,
        })
    }
}

/// A page assembled from rows read by keyset: `rows` holds up to `limit + 1` rows in
/// the list's order (already reversed back for a backward read); `more` tells whether a
/// row beyond them was seen in the read direction.
pub fn assemble<T>(
    req: &PageRequest,
    mut rows: Vec<T>,
    backward: bool,
    position: u64,
    total: Option<u64>,
    total_is_lower_bound: bool,
    key_of: impl Fn(&T) -> Vec<KeyPart>,
) -> Page<T> {
    let limit = req.limit as usize;
    let more = rows.len() > limit;
    if more {
        if backward {
            rows.remove(0);
        } else {
            rows.truncate(limit);
        }
    }
    let (has_next, has_prev) = if backward { (!matches!(req.seek, Seek::Last), more) } else { (more, position > 0) };
    let next = match (has_next, rows.last()) {
        (true, Some(last)) => Some(encode_cursor('a', position + rows.len() as u64, &key_of(last))),
        _ => None,
    };
    let prev = match (has_prev, rows.first()) {
        (true, Some(first)) => Some(encode_cursor('b', position, &key_of(first))),
        _ => None,
    };
    Page { items: rows, total, total_is_lower_bound, limit: req.limit, position, next, prev }
}

/// The cursor of the last page.
pub const LAST: &str = "last";

fn encode_cursor(dir: char, position: u64, key: &[KeyPart]) -> String {
    use base64::Engine;
    let json = serde_json::to_vec(key).unwrap_or_default();
    format!("{dir}{position}.{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json))
}

fn decode_cursor(c: &str) -> Result<Seek, PagingError> {
    if c == LAST {
        return Ok(Seek::Last);
    }
    if c.len() > 2_048 {
        return Err(PagingError::BadCursor);
    }
    let (head, body) = c.split_once('.').ok_or(PagingError::BadCursor)?;
    let mut chars = head.chars();
    let dir = chars.next().ok_or(PagingError::BadCursor)?;
    let position: u64 = chars.as_str().parse().map_err(|_| PagingError::BadCursor)?;
    if position > MAX_POSITION {
        return Err(PagingError::BadCursor);
    }
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(body).map_err(|_| PagingError::BadCursor)?;
    let key: Vec<KeyPart> = serde_json::from_slice(&bytes).map_err(|_| PagingError::BadCursor)?;
    if key.is_empty() || key.len() > 8 {
        return Err(PagingError::BadCursor);
    }
    match dir {
        'a' => Ok(Seek::After { key, position }),
        'b' => Ok(Seek::Before { key, position }),
        _ => Err(PagingError::BadCursor),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(cursor: Option<&str>, limit: Option<u32>, page: Option<u64>) -> PageQuery {
        PageQuery { cursor: cursor.map(str::to_string), limit, page }
    }

    #[test]
    fn without_parameters_a_request_is_the_first_page_of_twenty() {
        assert_eq!(PageRequest::from_query(&PageQuery::default()), Ok(PageRequest { seek: Seek::First, limit: 20 }));
    }

    #[test]
    fn the_page_size_is_clamped_to_one_through_two_hundred() {
        assert_eq!(PageRequest::from_query(&q(None, Some(0), None)).unwrap().limit, 1);
        assert_eq!(PageRequest::from_query(&q(None, Some(10_000), None)).unwrap().limit, 200);
    }

    #[test]
    fn a_page_number_becomes_a_position_without_overflow() {
        assert_eq!(PageRequest::from_query(&q(None, Some(20), Some(3))).unwrap().seek, Seek::Position(40));
        assert_eq!(PageRequest::from_query(&q(None, None, Some(0))), Err(PagingError::BadPage));
        assert_eq!(PageRequest::from_query(&q(None, Some(200), Some(9_223_372_036_854_775_807))), Err(PagingError::BadPage));
        assert_eq!(PageRequest::from_query(&q(None, Some(200), Some(u64::MAX))), Err(PagingError::BadPage));
    }

    #[test]
    fn cursors_round_trip_with_any_text_in_the_key() {
        let key = vec![KeyPart::from("/1/23/\"引号\\反斜杠\n"), KeyPart::from(-42), KeyPart::from(i64::MAX)];
        for dir in ['a', 'b'] {
            let c = encode_cursor(dir, 60, &key);
            assert!(c.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)), "{c}");
            let seek = decode_cursor(&c).unwrap();
            match (dir, seek) {
                ('a', Seek::After { key: k, position: 60 }) | ('b', Seek::Before { key: k, position: 60 }) => assert_eq!(k, key),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn forged_or_cut_cursors_are_refused_not_misread() {
        for bad in ["x1.AAAA", "a.AAAA", "a1", "a1.@@@@", "a99999999999999999999.AAAA", "a1.W10", "b1.WyJ4Il", "a1.e30"] {
            assert_eq!(decode_cursor(bad), Err(PagingError::BadCursor), "{bad}");
        }
        assert_eq!(decode_cursor(&"a1.".repeat(1000)), Err(PagingError::BadCursor));
        assert_eq!(decode_cursor(LAST), Ok(Seek::Last));
    }

    #[test]
    fn a_forward_page_with_one_row_more_has_a_next_cursor() {
        let req = PageRequest::first(2);
        let p = assemble(&req, vec![1i64, 2, 3], false, 0, Some(3), false, |r| vec![KeyPart::Int(*r)]);
        assert_eq!(p.items, vec![1, 2]);
        assert!(p.prev.is_none());
        let next = PageRequest::from_query(&q(p.next.as_deref(), Some(2), None)).unwrap();
        assert_eq!(next.seek, Seek::After { key: vec![KeyPart::Int(2)], position: 2 });
        assert_eq!((p.number(), p.page_count()), (1, Some(2)));
    }

    #[test]
    fn the_last_page_read_backwards_has_a_previous_cursor_and_no_next() {
        let req = PageRequest { seek: Seek::Last, limit: 2 };
        let p = assemble(&req, vec![2i64, 3, 4], true, 3, Some(5), false, |r| vec![KeyPart::Int(*r)]);
        assert_eq!(p.items, vec![3, 4]);
        assert!(p.next.is_none());
        assert!(p.prev.is_some());
        assert_eq!(p.number(), 3);
    }

    #[test]
    fn an_empty_list_is_one_empty_page() {
        let p: Page<i64> = Page::empty(20, 0, Some(0));
        assert_eq!((p.number(), p.page_count()), (1, Some(1)));
    }
}
