//! 党组织 storage: the tree by materialized path, its edits, and per-branch counters.
//!
//! Member counters live on the member's own branch row only (updated in the member's
//! transaction); subtree totals are summed at read time over the path range, so no
//! write ever touches an ancestor row.

pub mod bulk;

use crate::platform::audit::{self, Event};
use crate::platform::hooks::{self, Change};
use crate::platform::paging::{SortKey, capped_page};
use crate::platform::query::Sql;
use crate::{Db, StoreError, StoreResult, Tx, platform::ids};
use chrono::NaiveDate;
use serde::Serialize;
use vanguard_domain::kernel::paging::{Page, PageRequest};
use vanguard_domain::kernel::time::{date_text, opt_date_text};
use vanguard_domain::org::{
    BranchCounts, OrgFields, OrgInput, OrgKind, OrgStatus, Sector, StructureFinding, check_branch_structure, path,
};

crate::platform::scope::feature_handle!(
    /// 党组织: the tree, its counts and its edits.
    Orgs,
    orgs
);

macro_rules! org_cols {
    () => {
        "region_id, id, parent_id, path, depth, name, kind, sector, established_on, term_started_on, term_years, \
         secretary_member_id, has_committee, status, dissolved_on, direct_members, direct_formal, created_at, updated_at"
    };
}

/// An org's children: current before dissolved, then by name (the id breaks ties).
const CHILD_ORDER: SortKey =
    SortKey { columns: &["CASE WHEN status = 'dissolved' THEN 1 ELSE 0 END", "name", "id"], descending: false };

/// The API's org list: by depth, then name (the id breaks ties).
const ORG_LIST_ORDER: SortKey = SortKey { columns: &["depth", "name", "id"], descending: false };

/// One org as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OrgRow {
    pub region_id: i64,
    pub id: i64,
    pub parent_id: Option<i64>,
    pub path: String,
    pub depth: i64,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub kind: OrgKind,
    #[sqlx(try_from = "String")]
    pub sector: Sector,
    pub established_on: Option<String>,
    pub term_started_on: Option<String>,
    pub term_years: Option<i64>,
    pub secretary_member_id: Option<i64>,
    pub has_committee: bool,
    #[sqlx(try_from = "String")]
    pub status: OrgStatus,
    pub dissolved_on: Option<String>,
    pub direct_members: i64,
    pub direct_formal: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl OrgRow {
    pub fn kind(&self) -> OrgKind {
        self.kind
    }
    pub fn is_dissolved(&self) -> bool {
        self.status == OrgStatus::Dissolved
    }
    pub fn fields(&self) -> OrgFields {
        let d = |s: &Option<String>| s.as_deref().and_then(vanguard_domain::kernel::time::parse_iso_date);
        OrgFields {
            name: self.name.clone(),
            kind: self.kind(),
            sector: self.sector,
            established_on: d(&self.established_on),
            term_started_on: d(&self.term_started_on),
            term_years: self.term_years.and_then(|y| u8::try_from(y).ok()),
            has_committee: self.has_committee,
            status: self.status,
        }
    }
}

/// Totals over a subtree.
#[derive(Debug, Clone, Copy, Default, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SubtreeCounts {
    pub members: i64,
    pub formal: i64,
    pub orgs: i64,
    pub branches: i64,
}

/// An org as the API and pages show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrgView {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub kind: String,
    pub kind_label: &'static str,
    pub sector: String,
    pub sector_label: &'static str,
    pub status: String,
    pub status_label: &'static str,
    pub established_on: Option<String>,
    pub term_started_on: Option<String>,
    pub term_years: Option<i64>,
    pub term_ends_on: Option<String>,
    pub has_committee: bool,
    pub secretary_member_id: Option<i64>,
    pub dissolved_on: Option<String>,
    pub depth: i64,
    pub counts: SubtreeCounts,
}

/// An org with what its page needs: breadcrumb, children with counts, structural findings.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrgDetail {
    #[serde(flatten)]
    pub org: OrgView,
    pub secretary_name: Option<String>,
    /// Ancestors within the caller's reach, root first.
    pub ancestors: Vec<OrgRef>,
    pub children: Vec<OrgView>,
    pub findings: Vec<StructureFinding>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct OrgRef {
    pub id: i64,
    pub name: String,
}

fn view(row: &OrgRow, counts: SubtreeCounts) -> OrgView {
    let f = row.fields();
    OrgView {
        id: row.id,
        parent_id: row.parent_id,
        name: row.name.clone(),
        kind: row.kind.code().to_string(),
        kind_label: f.kind.label(),
        sector: row.sector.code().to_string(),
        sector_label: f.sector.label(),
        status: row.status.code().to_string(),
        status_label: f.status.label(),
        established_on: row.established_on.clone(),
        term_started_on: row.term_started_on.clone(),
        term_years: row.term_years,
        term_ends_on: f.term_ends_on().map(date_text),
        has_committee: row.has_committee,
        secretary_member_id: row.secretary_member_id,
        dissolved_on: row.dissolved_on.clone(),
        depth: row.depth,
        counts,
    }
}

/// Creates the top-level org of a new region (CLI and demo only).
pub async fn create_root(
    db: &Db,
    tx: &mut Tx,
    name: &str,
    kind: OrgKind,
    sector: Sector,
    established_on: Option<NaiveDate>,
) -> StoreResult<OrgRow> {
    let id = ids::next();
    let now = db.clock().now_ms();
    let p = path::root(id);
    let est = opt_date_text(established_on);
    let term_years = vanguard_domain::org::default_term_years(kind, sector, &db.rules().org).map(i64::from);
    crate::exec_tx!(tx, c => sqlx::query("INSERT INTO regions (id, name, created_at) VALUES ($1, $2, $3)")
        .bind(id).bind(name).bind(now).execute(c).await)?;
    crate::exec_tx!(tx, c => sqlx::query(
        "INSERT INTO orgs (region_id, id, parent_id, path, depth, name, kind, sector, established_on, term_years, status, created_at, updated_at) \
         VALUES ($1, $2, NULL, $3, 0, $4, $5, $6, $7, $8, 'normal', $9, $9)")
        .bind(id).bind(id).bind(&p).bind(name).bind(kind.code()).bind(sector.code()).bind(&est).bind(term_years).bind(now)
        .execute(c).await)?;
    fetch_in_tx(tx, id, id).await
}

async fn fetch_in_tx(tx: &mut Tx, region_id: i64, id: i64) -> StoreResult<OrgRow> {
    let row: Option<OrgRow> = crate::on_tx!(tx, c => sqlx::query_as(concat!("SELECT ", org_cols!(), " FROM orgs WHERE region_id = $1 AND id = $2"))
        .bind(region_id).bind(id).fetch_optional(c).await)?;
    row.ok_or(StoreError::NotFound)
}

/// Restarts an org's committee term after a completed 换届 (`affairs::election`, the only
/// caller): the new term runs from `started_on` with `secretary_member_id` as 书记, written
/// in the caller's transaction (which audits it) and published, so the term-expiry
/// finding resolves in the same transaction.
pub(crate) async fn restart_term(
    tx: &mut Tx,
    db: &Db,
    region_id: i64,
    org_id: i64,
    started_on: NaiveDate,
    secretary_member_id: i64,
) -> StoreResult<()> {
    let now = db.clock().now_ms();
    crate::exec_tx!(tx, c => sqlx::query(
        "UPDATE orgs SET term_started_on = $1, secretary_member_id = $2, updated_at = $3 WHERE region_id = $4 AND id = $5")
        .bind(date_text(started_on)).bind(secretary_member_id).bind(now).bind(region_id).bind(org_id).execute(c).await)?;
    hooks::publish(tx, db, Change::OrgsWritten { region_id, orgs: vec![org_id] }).await
}

/// All regions (top-level orgs) and their root paths.
pub async fn regions(db: &Db) -> StoreResult<Vec<OrgRow>> {
    Ok(
        crate::read!(db, c => sqlx::query_as(concat!("SELECT ", org_cols!(), " FROM orgs WHERE parent_id IS NULL ORDER BY id")).fetch_all(c).await)?,
    )
}

/// One org by `(region_id, id)` within the subtree `$3..$4`: a single-shard read on
/// Citus (the shard-pruning test explains this text).
#[doc(hidden)]
pub const ORG_BY_ID_SQL: &str =
    concat!("SELECT ", org_cols!(), " FROM orgs WHERE region_id = $1 AND id = $2 AND path >= $3 AND path < $4");

impl Orgs<'_> {
    /// One org within reach.
    pub async fn org(&self, id: i64) -> StoreResult<OrgRow> {
        let (lo, hi) = self.scope.org_range();
        let row: Option<OrgRow> = crate::read!(self.db, c => sqlx::query_as(ORG_BY_ID_SQL)
            .bind(self.scope.region_id).bind(id).bind(&lo).bind(&hi).fetch_optional(c).await)?;
        row.ok_or(StoreError::NotFound)
    }

    /// The same inside a write transaction, confined to the writable subtree.
    pub(crate) async fn org_for_write(&self, tx: &mut Tx, id: i64) -> StoreResult<OrgRow> {
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?;
        let hi = path::upper(root);
        let row: Option<OrgRow> = crate::on_tx!(tx, c => sqlx::query_as(ORG_BY_ID_SQL)
            .bind(self.scope.region_id).bind(id).bind(root).bind(&hi).fetch_optional(c).await)?;
        row.ok_or(StoreError::NotFound)
    }

    /// The totals of the subtree rooted at `row` (dissolved orgs excluded).
    pub async fn subtree_counts(&self, row: &OrgRow) -> StoreResult<SubtreeCounts> {
        let hi = path::upper(&row.path);
        let sql = concat!(
            "SELECT CAST(COALESCE(SUM(direct_members), 0) AS BIGINT) AS members, CAST(COALESCE(SUM(direct_formal), 0) AS BIGINT) AS formal, ",
            "COUNT(*) AS orgs, CAST(COALESCE(SUM(CASE WHEN kind IN ('branch', 'joint_branch', 'temporary_branch', 'mobile_branch') THEN 1 ELSE 0 END), 0) AS BIGINT) AS branches ",
            "FROM orgs WHERE region_id = $1 AND path >= $2 AND path < $3 AND status <> 'dissolved'"
        );
        Ok(crate::read!(self.db, c => sqlx::query_as(sql).bind(row.region_id).bind(&row.path).bind(&hi).fetch_one(c).await)?)
    }

    /// The org as shown, with its subtree totals.
    pub async fn org_view(&self, id: i64) -> StoreResult<OrgView> {
        let row = self.org(id).await?;
        let counts = self.subtree_counts(&row).await?;
        Ok(view(&row, counts))
    }

    /// The org page: details, breadcrumb, children with totals, structural findings.
    pub async fn org_detail(&self, id: i64) -> StoreResult<OrgDetail> {
        let row = self.org(id).await?;
        let counts = self.subtree_counts(&row).await?;
        let children = self.children(id).await?;
        let ancestor_ids: Vec<i64> = path::ids(&row.path).into_iter().filter(|a| *a != id).collect();
        let mut ancestors = Vec::new();
        for a in ancestor_ids {
            if let Ok(o) = self.org(a).await {
                ancestors.push(OrgRef { id: o.id, name: o.name });
            }
        }
        let secretary_name = match row.secretary_member_id {
            Some(mid) => self.scoped().members().member_name(mid).await?,
            None => None,
        };
        let kind = row.kind();
        let findings = if kind.is_branch() && !row.is_dissolved() {
            let bc = BranchCounts { members: counts.members as u32, formal: counts.formal as u32 };
            let rules = self.db.rules();
            check_branch_structure(kind, bc, row.has_committee, &rules.org, &rules.severity)
        } else {
            Vec::new()
        };
        Ok(OrgDetail { org: view(&row, counts), secretary_name, ancestors, children, findings })
    }

    /// The children of an org within reach, each with its subtree totals, in one query
    /// over the path ranges (no recursion).
    pub async fn children(&self, id: i64) -> StoreResult<Vec<OrgView>> {
        let parent = self.org(id).await?;
        let (lo, hi) = self.scope.org_range();
        let rows: Vec<OrgRow> = crate::read!(self.db, c => sqlx::query_as(concat!("SELECT ", org_cols!(),
            " FROM orgs WHERE region_id = $1 AND parent_id = $2 AND path >= $3 AND path < $4 ORDER BY status = 'dissolved', name"))
            .bind(parent.region_id).bind(id).bind(&lo).bind(&hi).fetch_all(c).await)?;
        let by_id = self.child_counts(parent.region_id, id, None).await?;
        Ok(rows.iter().map(|r| view(r, by_id.get(&r.id).copied().unwrap_or_default())).collect())
    }

    /// An org's children within reach, one page at a time (dissolved last, then by name;
    /// keyset on the unique id), each with its subtree totals.
    pub async fn children_page(&self, id: i64, req: &PageRequest) -> StoreResult<Page<OrgView>> {
        let parent = self.org(id).await?;
        let (lo, hi) = self.scope.org_range();
        let mut filters = Sql::new(" WHERE region_id = ");
        filters.bind(parent.region_id).push(" AND parent_id = ").bind(id);
        filters.push(" AND path >= ").bind(lo.as_str()).push(" AND path < ").bind(hi.as_str());
        let select = concat!("SELECT ", org_cols!(), " FROM orgs");
        let page: Page<OrgRow> = capped_page(self.db, "orgs", select, &filters, &CHILD_ORDER, req, |r: &OrgRow| {
            vec![i64::from(r.status == OrgStatus::Dissolved).into(), r.name.as_str().into(), r.id.into()]
        })
        .await?;
        let by_id = self.child_counts(parent.region_id, id, Some(&page.items)).await?;
        Ok(page.map(|r| view(&r, by_id.get(&r.id).copied().unwrap_or_default())))
    }

    /// The subtree totals of `parent`'s children (of only `rows`, when given), by id.
    async fn child_counts(
        &self,
        region_id: i64,
        parent: i64,
        rows: Option<&[OrgRow]>,
    ) -> StoreResult<std::collections::HashMap<i64, SubtreeCounts>> {
        #[derive(sqlx::FromRow)]
        struct ChildCounts {
            id: i64,
            members: i64,
            formal: i64,
            orgs: i64,
            branches: i64,
        }
        if rows.is_some_and(<[OrgRow]>::is_empty) {
            return Ok(Default::default());
        }
        let mut sql = Sql::new(concat!(
            "SELECT c.id AS id, CAST(COALESCE(SUM(o.direct_members), 0) AS BIGINT) AS members, CAST(COALESCE(SUM(o.direct_formal), 0) AS BIGINT) AS formal, ",
            "COUNT(o.id) AS orgs, CAST(COALESCE(SUM(CASE WHEN o.kind IN ('branch', 'joint_branch', 'temporary_branch', 'mobile_branch') THEN 1 ELSE 0 END), 0) AS BIGINT) AS branches ",
            "FROM orgs c JOIN orgs o ON o.region_id = c.region_id AND o.path >= c.path AND o.path < c.path || '~' AND o.status <> 'dissolved' ",
            "WHERE c.region_id = "
        ));
        sql.bind(region_id).push(" AND c.parent_id = ").bind(parent);
        if let Some(rows) = rows {
            sql.push(" AND c.id IN (");
            for (i, r) in rows.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind(r.id);
            }
            sql.push(")");
        }
        sql.push(" GROUP BY c.id");
        let counts: Vec<ChildCounts> = sql.fetch_all(self.db).await?;
        Ok(counts
            .into_iter()
            .map(|c| (c.id, SubtreeCounts { members: c.members, formal: c.formal, orgs: c.orgs, branches: c.branches }))
            .collect())
    }

    /// The org list of the API, one page at a time by depth, name and id: without `q` the
    /// top orgs the caller can see (with subtree totals, as [`Orgs::roots`]); with `q` the
    /// orgs within reach whose name contains it (as [`Orgs::search_orgs`], without totals).
    pub async fn orgs_page(&self, q: &str, req: &PageRequest) -> StoreResult<Page<OrgView>> {
        let (lo, hi) = self.scope.org_range();
        let mut filters = Sql::new(" WHERE region_id = ");
        filters.bind(self.scope.region_id).push(" AND path >= ").bind(lo.as_str()).push(" AND path < ").bind(hi.as_str());
        let search = !q.trim().is_empty();
        if search {
            filters.push(" AND name LIKE ").bind(format!("%{}%", q.trim().replace(['%', '_'], "")));
        } else {
            filters.push(" AND depth = (SELECT MIN(depth) FROM orgs WHERE region_id = ").bind(self.scope.region_id);
            filters.push(" AND path >= ").bind(lo.as_str()).push(" AND path < ").bind(hi.as_str()).push(")");
        }
        let select = concat!("SELECT ", org_cols!(), " FROM orgs");
        let page: Page<OrgRow> = capped_page(self.db, "orgs", select, &filters, &ORG_LIST_ORDER, req, |r: &OrgRow| {
            vec![r.depth.into(), r.name.as_str().into(), r.id.into()]
        })
        .await?;
        let mut counts = Vec::with_capacity(page.items.len());
        for r in &page.items {
            counts.push(if search { SubtreeCounts::default() } else { self.subtree_counts(r).await? });
        }
        let mut counts = counts.into_iter();
        Ok(page.map(|r| view(&r, counts.next().unwrap_or_default())))
    }

    /// The top orgs the caller can see: the scope org, or the member's branch.
    pub async fn roots(&self) -> StoreResult<Vec<OrgView>> {
        let (lo, hi) = self.scope.org_range();
        let row: Option<OrgRow> = crate::read!(self.db, c => sqlx::query_as(concat!("SELECT ", org_cols!(),
            " FROM orgs WHERE region_id = $1 AND path >= $2 AND path < $3 ORDER BY depth, id LIMIT 1"))
            .bind(self.scope.region_id).bind(&lo).bind(&hi).fetch_optional(c).await)?;
        match row {
            None => Ok(Vec::new()),
            Some(r) => {
                let counts = self.subtree_counts(&r).await?;
                Ok(vec![view(&r, counts)])
            }
        }
    }

    /// Orgs within reach whose name contains `q` (at most 50).
    pub async fn search_orgs(&self, q: &str) -> StoreResult<Vec<OrgView>> {
        let (lo, hi) = self.scope.org_range();
        let pattern = format!("%{}%", q.trim().replace(['%', '_'], ""));
        let rows: Vec<OrgRow> = crate::read!(self.db, c => sqlx::query_as(concat!("SELECT ", org_cols!(),
            " FROM orgs WHERE region_id = $1 AND path >= $2 AND path < $3 AND name LIKE $4 ORDER BY depth, name LIMIT 50"))
            .bind(self.scope.region_id).bind(&lo).bind(&hi).bind(&pattern).fetch_all(c).await)?;
        Ok(rows.iter().map(|r| view(r, SubtreeCounts::default())).collect())
    }

    async fn sibling_name_taken(&self, tx: &mut Tx, parent_id: i64, name: &str, except_id: i64) -> StoreResult<bool> {
        let n: i64 = crate::on_tx!(tx, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM orgs WHERE region_id = $1 AND parent_id = $2 AND name = $3 AND id <> $4 AND status <> 'dissolved'")
            .bind(self.scope.region_id).bind(parent_id).bind(name).bind(except_id).fetch_one(c).await)?;
        Ok(n > 0)
    }

    /// Creates an org under `parent_id` (which must be within the writable subtree).
    pub async fn create_org(&self, parent_id: i64, input: &OrgInput) -> StoreResult<OrgView> {
        let mut tx = self.db.begin().await?;
        // Reach first: outside it the parent is not found, whatever the input (never 422).
        let parent = self.org_for_write(&mut tx, parent_id).await?;
        let rules = self.db.rules();
        let fields = OrgFields::validate(None, input, &rules.org, self.db.clock().today())?;
        if parent.is_dissolved() {
            return Err(StoreError::conflict("org.parent_dissolved", "上级党组织已撤销，不能在其下新建党组织"));
        }
        if !parent.kind().may_contain(fields.kind) {
            return Err(StoreError::invalid(
                "kind",
                "kind.nesting",
                format!("{}下不能设立{}", parent.kind().label(), fields.kind.label()),
            ));
        }
        if self.sibling_name_taken(&mut tx, parent.id, &fields.name, 0).await? {
            return Err(StoreError::invalid("name", "name.duplicate", "同一上级党组织下已有同名党组织，请换一个名称"));
        }
        let id = ids::next();
        let now = self.db.clock().now_ms();
        let p = path::child(&parent.path, id);
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO orgs (region_id, id, parent_id, path, depth, name, kind, sector, established_on, term_started_on, term_years, has_committee, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)")
            .bind(parent.region_id).bind(id).bind(parent.id).bind(&p).bind(parent.depth + 1).bind(&fields.name)
            .bind(fields.kind.code()).bind(fields.sector.code()).bind(opt_date_text(fields.established_on))
            .bind(opt_date_text(fields.term_started_on)).bind(fields.term_years.map(i64::from)).bind(fields.has_committee)
            .bind(fields.status.code()).bind(now).execute(c).await)?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("org.create", format!("org:{id}")).detail(format!("{} → 上级 {}", fields.name, parent.name)),
        )
        .await?;
        let row = fetch_in_tx(&mut tx, parent.region_id, id).await?;
        // A new branch is judged at once (e.g. fewer than 3 正式党员 yet).
        hooks::publish(&mut tx, self.db, Change::OrgsWritten { region_id: row.region_id, orgs: vec![id] }).await?;
        tx.commit().await?;
        Ok(view(&row, SubtreeCounts { orgs: 1, branches: i64::from(fields.kind.is_branch()), ..Default::default() }))
    }

    /// Edits an org's fields (name, sector, dates, term, committee, status) and secretary.
    pub async fn update_org(&self, id: i64, input: &OrgInput, secretary_member_id: Option<i64>) -> StoreResult<OrgView> {
        let mut tx = self.db.begin().await?;
        let row = self.org_for_write(&mut tx, id).await?;
        if row.is_dissolved() {
            return Err(StoreError::conflict("org.dissolved", "该党组织已撤销，不能再修改"));
        }
        let rules = self.db.rules();
        let old = row.fields();
        let fields = OrgFields::validate(Some(&old), input, &rules.org, self.db.clock().today())?;
        if let Some(parent_id) = row.parent_id
            && fields.name != old.name
            && self.sibling_name_taken(&mut tx, parent_id, &fields.name, id).await?
        {
            return Err(StoreError::invalid("name", "name.duplicate", "同一上级党组织下已有同名党组织，请换一个名称"));
        }
        let secretary = match secretary_member_id {
            None => row.secretary_member_id,
            Some(0) => None,
            Some(mid) => {
                let hi = path::upper(&row.path);
                let n: i64 = crate::on_tx!(tx, c => sqlx::query_scalar(
                    "SELECT COUNT(*) FROM members WHERE region_id = $1 AND id = $2 AND archived = FALSE AND org_path >= $3 AND org_path < $4")
                    .bind(row.region_id).bind(mid).bind(&row.path).bind(&hi).fetch_one(c).await)?;
                if n == 0 {
                    return Err(StoreError::invalid(
                        "secretary_member_id",
                        "secretary.not_member",
                        "书记应为本党组织（含下级）的在册党员",
                    ));
                }
                Some(mid)
            }
        };
        let now = self.db.clock().now_ms();
        crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE orgs SET name = $1, sector = $2, established_on = $3, term_started_on = $4, term_years = $5, has_committee = $6, status = $7, \
             secretary_member_id = $8, updated_at = $9 WHERE region_id = $10 AND id = $11")
            .bind(&fields.name).bind(fields.sector.code()).bind(opt_date_text(fields.established_on)).bind(opt_date_text(fields.term_started_on))
            .bind(fields.term_years.map(i64::from)).bind(fields.has_committee).bind(fields.status.code()).bind(secretary)
            .bind(now).bind(row.region_id).bind(id).execute(c).await)?;
        let mut changed = Vec::new();
        if fields.name != old.name {
            changed.push(format!("名称：{} → {}", old.name, fields.name));
        }
        if fields.status != old.status {
            changed.push(format!("状态：{} → {}", old.status.label(), fields.status.label()));
        }
        if secretary != row.secretary_member_id {
            changed.push("书记变更".to_string());
        }
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("org.update", format!("org:{id}")).detail(changed.join("；")),
        )
        .await?;
        let row = fetch_in_tx(&mut tx, row.region_id, id).await?;
        // A recorded 换届 or a new 支委会 clears its finding now, not at the next check.
        hooks::publish(&mut tx, self.db, Change::OrgsWritten { region_id: row.region_id, orgs: vec![id] }).await?;
        tx.commit().await?;
        self.org_view(row.id).await
    }

    /// Moves an org and its whole subtree (orgs and members) under a new parent. Scopes
    /// follow at once, because reach is resolved from paths on every request.
    pub async fn move_org(&self, id: i64, new_parent_id: i64) -> StoreResult<OrgView> {
        let mut tx = self.db.begin().await?;
        let org = self.org_for_write(&mut tx, id).await?;
        if !self.scope.reach.may_restructure(&org.path) {
            return Err(StoreError::conflict("org.move_scope_root", "不能迁移您自己管辖范围的最上级党组织"));
        }
        let parent = self.org_for_write(&mut tx, new_parent_id).await?;
        if parent.path.starts_with(&org.path) {
            return Err(StoreError::invalid(
                "parent_id",
                "move.into_own_subtree",
                "不能把党组织迁移到它自己或它的下级党组织之下",
            ));
        }
        if parent.is_dissolved() || org.is_dissolved() {
            return Err(StoreError::conflict("org.dissolved", "已撤销的党组织不能参与迁移"));
        }
        if !parent.kind().may_contain(org.kind()) {
            return Err(StoreError::invalid(
                "parent_id",
                "kind.nesting",
                format!("{}下不能设立{}", parent.kind().label(), org.kind().label()),
            ));
        }
        if org.parent_id == Some(parent.id) {
            return self.org_view(id).await;
        }
        if self.sibling_name_taken(&mut tx, parent.id, &org.name, org.id).await? {
            return Err(StoreError::invalid("parent_id", "name.duplicate", "目标党组织下已有同名党组织，请先改名"));
        }
        let new_path = path::child(&parent.path, org.id);
        let old_hi = path::upper(&org.path);
        let cut = i32::try_from(org.path.len() + 1).map_err(|_| StoreError::Other("路径过长".into()))?;
        let delta = parent.depth + 1 - org.depth;
        let now = self.db.clock().now_ms();
        crate::exec_tx!(tx, c => sqlx::query("UPDATE orgs SET parent_id = $1, updated_at = $2 WHERE region_id = $3 AND id = $4")
            .bind(parent.id).bind(now).bind(org.region_id).bind(org.id).execute(c).await)?;
        crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE orgs SET path = $1 || substr(path, $2), depth = depth + $3, updated_at = $4 WHERE region_id = $5 AND path >= $6 AND path < $7")
            .bind(&new_path).bind(cut).bind(delta).bind(now).bind(org.region_id).bind(&org.path).bind(&old_hi).execute(c).await)?;
        crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE members SET org_path = $1 || substr(org_path, $2), updated_at = $3 WHERE region_id = $4 AND org_path >= $5 AND org_path < $6")
            .bind(&new_path).bind(cut).bind(now).bind(org.region_id).bind(&org.path).bind(&old_hi).execute(c).await)?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("org.move", format!("org:{}", org.id)).detail(format!("{} 迁移至 {}", org.name, parent.name)),
        )
        .await?;
        tx.commit().await?;
        // Reach follows the tree at once: cached sessions resolve their paths again.
        self.db.forget_sessions();
        self.org_view(id).await
    }

    /// Dissolves an org and everything below it; refused while members remain.
    pub async fn dissolve_org(&self, id: i64, on: Option<NaiveDate>) -> StoreResult<OrgView> {
        let mut tx = self.db.begin().await?;
        let org = self.org_for_write(&mut tx, id).await?;
        if !self.scope.reach.may_restructure(&org.path) {
            return Err(StoreError::conflict("org.dissolve_scope_root", "不能撤销您自己管辖范围的最上级党组织"));
        }
        if org.is_dissolved() {
            return Err(StoreError::conflict("org.dissolved", "该党组织已撤销"));
        }
        let hi = path::upper(&org.path);
        let remaining: i64 = crate::on_tx!(tx, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM members WHERE region_id = $1 AND archived = FALSE AND org_path >= $2 AND org_path < $3")
            .bind(org.region_id).bind(&org.path).bind(&hi).fetch_one(c).await)?;
        if remaining > 0 {
            return Err(StoreError::conflict(
                "org.has_members",
                format!("该党组织（含下级）还有 {remaining} 名党员，请先将党员转出或迁移后再撤销"),
            ));
        }
        let today = self.db.clock().today();
        let on = on.unwrap_or(today);
        if on > today {
            return Err(StoreError::invalid("dissolved_on", "date.future", "撤销日期不能晚于今天"));
        }
        let now = self.db.clock().now_ms();
        crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE orgs SET status = 'dissolved', dissolved_on = $1, updated_at = $2 WHERE region_id = $3 AND path >= $4 AND path < $5 AND status <> 'dissolved'")
            .bind(date_text(on)).bind(now).bind(org.region_id).bind(&org.path).bind(&hi).execute(c).await)?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("org.dissolve", format!("org:{}", org.id)).detail(org.name.clone()),
        )
        .await?;
        let dissolved: Vec<i64> = crate::on_tx!(tx, c => sqlx::query_scalar(
            "SELECT id FROM orgs WHERE region_id = $1 AND path >= $2 AND path < $3")
            .bind(org.region_id).bind(&org.path).bind(&hi).fetch_all(c).await)?;
        hooks::publish(&mut tx, self.db, Change::OrgsWritten { region_id: org.region_id, orgs: dissolved }).await?;
        tx.commit().await?;
        self.org_view(id).await
    }
}

impl Orgs<'_> {
    /// Every active org (党小组 excluded) within reach, for the health checks of the home
    /// page and the rules engine: structure, term dates.
    pub async fn active_orgs(&self) -> StoreResult<Vec<OrgRow>> {
        let (lo, hi) = self.scope.org_range();
        Ok(crate::read!(self.db, c => sqlx::query_as(concat!("SELECT ", org_cols!(),
            " FROM orgs WHERE region_id = $1 AND path >= $2 AND path < $3 AND status <> 'dissolved' AND kind <> 'group' ORDER BY path"))
            .bind(self.scope.region_id).bind(&lo).bind(&hi).fetch_all(c).await)?)
    }

    /// The 党小组 of a branch within reach.
    pub async fn groups_of(&self, branch_id: i64) -> StoreResult<Vec<OrgRow>> {
        let (lo, hi) = self.scope.org_range();
        Ok(crate::read!(self.db, c => sqlx::query_as(concat!("SELECT ", org_cols!(),
            " FROM orgs WHERE region_id = $1 AND parent_id = $2 AND kind = 'group' AND status <> 'dissolved' AND path >= $3 AND path < $4 ORDER BY name"))
            .bind(self.scope.region_id).bind(branch_id).bind(&lo).bind(&hi).fetch_all(c).await)?)
    }
}
