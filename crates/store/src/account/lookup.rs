//! What the 系统管理员 needs to bind an account to an org and a member without reading
//! member data (三员分立): orgs found by name — their names and where they sit, org names
//! are not personal data —, a member found by 公民身份号码 through the keyed hash and
//! answered only as found or not with a masked name (`张*明`), never a member list; and
//! the names the accounts list shows instead of internal ids.

use super::AccountRow;
use crate::platform::audit::{self, Event};
use crate::platform::paging::{SortKey, capped_page};
use crate::platform::query::Sql;
use crate::platform::scope::Actor;
use crate::{Db, StoreError, StoreResult};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use vanguard_domain::kernel::paging::{Page, PageRequest};
use vanguard_domain::member::idcard::IdNumber;
use vanguard_domain::member::mask_name;
use vanguard_domain::org::{OrgKind, path};

/// The longest name text searched for.
const MAX_QUERY_CHARS: usize = 50;

/// An org as the account administrator picks it: a name and where it sits.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrgChoice {
    pub id: i64,
    pub name: String,
    pub kind_label: &'static str,
    /// The names of its ancestors, top first (`宁波市委 / 海曙区委`); empty at the top.
    pub within: String,
}

impl OrgChoice {
    /// `宁波市委 / 海曙区委 / 第一党支部`.
    pub fn path_text(&self) -> String {
        if self.within.is_empty() { self.name.clone() } else { format!("{} / {}", self.within, self.name) }
    }
}

#[derive(sqlx::FromRow)]
struct OrgHit {
    region_id: i64,
    id: i64,
    name: String,
    #[sqlx(try_from = "String")]
    kind: OrgKind,
    path: String,
    depth: i64,
}

/// Shallow first, then by name (ids are unique platform-wide).
const PICK_ORDER: SortKey = SortKey { columns: &["depth", "name", "id"], descending: false };

/// Open orgs of every region whose name contains `q` (all when blank), one page at a time.
pub async fn find_orgs(db: &Db, q: &str, req: &PageRequest) -> StoreResult<Page<OrgChoice>> {
    let q = q.trim();
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(StoreError::invalid("q", "q.too_long", format!("查找的党组织名称不超过{MAX_QUERY_CHARS}个字")));
    }
    let mut filters = Sql::new(" WHERE status <> 'dissolved'");
    if !q.is_empty() {
        filters.push(" AND name LIKE ").bind(format!("%{}%", q.replace(['%', '_'], "")));
    }
    let select = "SELECT region_id, id, name, kind, path, depth FROM orgs";
    let page: Page<OrgHit> = capped_page(db, "orgs", select, &filters, &PICK_ORDER, req, |o: &OrgHit| {
        vec![o.depth.into(), o.name.as_str().into(), o.id.into()]
    })
    .await?;
    let names = names_along(db, page.items.iter().map(|o| (o.region_id, o.path.as_str()))).await?;
    Ok(page.map(|o| choice(&names, o)))
}

/// The orgs `(region_id, id)` as choices, by id (an org that no longer exists is left out).
pub async fn org_choices(db: &Db, orgs: &[(i64, i64)]) -> StoreResult<HashMap<i64, OrgChoice>> {
    let mut hits = Vec::new();
    for (region, id) in orgs.iter().copied().collect::<BTreeSet<_>>() {
        let hit: Option<OrgHit> = crate::read!(db, c => sqlx::query_as(
            "SELECT region_id, id, name, kind, path, depth FROM orgs WHERE region_id = $1 AND id = $2")
            .bind(region).bind(id).fetch_optional(c).await)?;
        hits.extend(hit);
    }
    let names = names_along(db, hits.iter().map(|o| (o.region_id, o.path.as_str()))).await?;
    Ok(hits.into_iter().map(|o| (o.id, choice(&names, o))).collect())
}

/// One org by id alone (tried region by region), as a choice.
pub async fn find_org(db: &Db, id: i64) -> StoreResult<Option<OrgChoice>> {
    for region in super::region_ids(db).await? {
        if let Some(o) = org_choices(db, &[(region, id)]).await?.remove(&id) {
            return Ok(Some(o));
        }
    }
    Ok(None)
}

fn choice(names: &HashMap<i64, String>, o: OrgHit) -> OrgChoice {
    let within: Vec<&str> =
        path::ids(&o.path).iter().filter(|a| **a != o.id).filter_map(|a| names.get(a).map(String::as_str)).collect();
    OrgChoice { id: o.id, name: o.name, kind_label: o.kind.label(), within: within.join(" / ") }
}

/// The names of every org along the given paths, by id: one read per region.
async fn names_along<'a>(db: &Db, paths: impl Iterator<Item = (i64, &'a str)>) -> StoreResult<HashMap<i64, String>> {
    let mut by_region: HashMap<i64, BTreeSet<i64>> = HashMap::new();
    for (region, p) in paths {
        by_region.entry(region).or_default().extend(path::ids(p));
    }
    let mut names = HashMap::new();
    for (region, ids) in by_region {
        let mut sql = Sql::new("SELECT id, name FROM orgs WHERE region_id = ");
        sql.bind(region).push(" AND id IN (");
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(*id);
        }
        sql.push(")");
        let rows: Vec<(i64, String)> = sql.fetch_all(db).await?;
        names.extend(rows);
    }
    Ok(names)
}

/// What a lookup by 公民身份号码 answers: found or not, and a masked name.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MemberMatch {
    pub found: bool,
    /// `张*明` when found.
    pub masked_name: Option<String>,
    /// What to tell the administrator, in Chinese.
    pub message: String,
}

/// Not found: said the same way by the lookup and by a link.
const NOT_FOUND: &str = "未找到该公民身份号码对应的在册党员，请核对号码后重新输入";

/// The member on the rolls holding a 公民身份号码: `(region_id, id, name)`.
async fn member_by_id_number(db: &Db, id: &IdNumber) -> StoreResult<Option<(i64, i64, String)>> {
    let hash = db.crypto().lookup_hash(id.as_str());
    let hit: Option<(i64, i64)> = crate::read!(db, c => sqlx::query_as(
        "SELECT region_id, member_id FROM member_identities WHERE id_number_hash = $1")
        .bind(&hash).fetch_optional(c).await)?;
    let Some((region, member)) = hit else { return Ok(None) };
    let name: Option<String> = crate::read!(db, c => sqlx::query_scalar(
        "SELECT name FROM members WHERE region_id = $1 AND id = $2 AND archived = FALSE")
        .bind(region).bind(member).fetch_optional(c).await)?;
    Ok(name.map(|n| (region, member, n)))
}

fn parse_id_number(raw: &str) -> StoreResult<IdNumber> {
    IdNumber::parse(raw).map_err(|e| StoreError::invalid("member_id_number", e.code(), e.message()))
}

/// Looks a member up by 公民身份号码 for the administrator: found or not and a masked
/// name, nothing more. Audited (the number masked).
pub async fn find_member(db: &Db, actor: &Actor, id_number: &str) -> StoreResult<MemberMatch> {
    let id = parse_id_number(id_number)?;
    let hit = member_by_id_number(db, &id).await?;
    let mut tx = db.begin().await?;
    let outcome = if hit.is_some() { "找到" } else { "未找到" };
    audit::append(
        &mut tx,
        db,
        actor,
        Event::ok("account.member_lookup", "member").detail(format!("按公民身份号码 {} 查找在册党员：{outcome}", id.masked())),
    )
    .await?;
    tx.commit().await?;
    Ok(match hit {
        Some((_, _, name)) => {
            let masked = mask_name(&name);
            MemberMatch { found: true, message: format!("找到在册党员 {masked}"), masked_name: Some(masked) }
        }
        None => MemberMatch { found: false, masked_name: None, message: NOT_FOUND.to_string() },
    })
}

/// The member an account is to be linked to: the one a 公民身份号码 names when one is
/// given (not found is an input error on `member_id_number`, in Chinese), else `member_id`.
pub async fn member_to_link(db: &Db, member_id: Option<i64>, id_number: Option<&str>) -> StoreResult<Option<i64>> {
    let Some(number) = id_number.map(str::trim).filter(|n| !n.is_empty()) else { return Ok(member_id) };
    match member_by_id_number(db, &parse_id_number(number)?).await? {
        Some((_, member, _)) => Ok(Some(member)),
        None => Err(StoreError::invalid("member_id_number", "member.not_found", NOT_FOUND)),
    }
}

/// An account as the administrator's list shows it: the org it reaches by name and path,
/// the member it is linked to by masked name.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NamedAccount {
    #[serde(flatten)]
    pub account: AccountRow,
    pub scope_org: Option<OrgChoice>,
    pub member_masked_name: Option<String>,
}

/// Names the accounts of a page.
pub async fn name_accounts(db: &Db, page: Page<AccountRow>) -> StoreResult<Page<NamedAccount>> {
    let orgs: Vec<(i64, i64)> = page.items.iter().filter_map(|a| Some((a.scope_region_id?, a.scope_org_id?))).collect();
    let orgs = org_choices(db, &orgs).await?;
    let mut members: HashMap<i64, String> = HashMap::new();
    for a in &page.items {
        if let (Some(region), Some(member)) = (a.member_region_id, a.member_id) {
            let name: Option<String> = crate::read!(db, c => sqlx::query_scalar(
                "SELECT name FROM members WHERE region_id = $1 AND id = $2")
                .bind(region).bind(member).fetch_optional(c).await)?;
            members.extend(name.map(|n| (member, mask_name(&n))));
        }
    }
    Ok(page.map(|account| NamedAccount {
        scope_org: account.scope_org_id.and_then(|o| orgs.get(&o).cloned()),
        member_masked_name: account.member_id.and_then(|m| members.get(&m).cloned()),
        account,
    }))
}
