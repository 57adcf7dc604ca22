//! Bulk loading of a whole tree (demo data): the region, its orgs, and the branch
//! counters and leaders set once the members are in.

use crate::platform::bulk::{self, Val, bulk_row};
use crate::{StoreResult, Tx};
use chrono::NaiveDate;
use vanguard_domain::kernel::time::date_text;
use vanguard_domain::org::{OrgKind, Sector};

/// One org of a tree being loaded, already placed (id, path, depth).
#[derive(Debug, Clone)]
pub struct NewOrgRecord {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub path: String,
    pub depth: i64,
    pub name: String,
    pub kind: OrgKind,
    pub sector: Sector,
    pub established_on: NaiveDate,
    pub term_started_on: Option<NaiveDate>,
    pub term_years: Option<u8>,
}

/// Creates a region (the top-level org's id names it).
pub async fn insert_region(tx: &mut Tx, region_id: i64, name: &str, now: i64) -> StoreResult<()> {
    crate::exec_tx!(tx, c => sqlx::query("INSERT INTO regions (id, name, created_at) VALUES ($1, $2, $3)")
        .bind(region_id).bind(name).bind(now).execute(c).await)?;
    Ok(())
}

/// Inserts placed orgs of one region (parents before children).
pub async fn insert_orgs(tx: &mut Tx, region_id: i64, now: i64, orgs: &[NewOrgRecord]) -> StoreResult<()> {
    const COLUMNS: &[&str] = &[
        "region_id",
        "id",
        "parent_id",
        "path",
        "depth",
        "name",
        "kind",
        "sector",
        "established_on",
        "term_started_on",
        "term_years",
        "has_committee",
        "status",
        "created_at",
        "updated_at",
    ];
    let rows: Vec<Vec<Val>> = orgs
        .iter()
        .map(|o| {
            bulk_row![
                region_id,
                o.id,
                o.parent_id,
                o.path.as_str(),
                o.depth,
                o.name.as_str(),
                o.kind.code(),
                o.sector.code(),
                date_text(o.established_on),
                o.term_started_on.map(date_text),
                o.term_years.map(i64::from),
                false,
                "normal",
                now,
                now
            ]
        })
        .collect();
    bulk::insert(tx, "orgs", COLUMNS, &rows).await?;
    Ok(())
}

/// Sets a loaded branch's member counters, secretary and committee flag.
pub async fn set_branch_counters(
    tx: &mut Tx,
    region_id: i64,
    org_id: i64,
    members: i64,
    formal: i64,
    secretary: Option<i64>,
    has_committee: bool,
) -> StoreResult<()> {
    crate::exec_tx!(tx, c => sqlx::query(
        "UPDATE orgs SET direct_members = $1, direct_formal = $2, secretary_member_id = $3, has_committee = $4 WHERE region_id = $5 AND id = $6")
        .bind(members).bind(formal).bind(secretary).bind(has_committee).bind(region_id).bind(org_id).execute(c).await)?;
    Ok(())
}

/// Sets the leader (书记, or 组长 of a 党小组) of a loaded org.
pub async fn set_leader(tx: &mut Tx, region_id: i64, org_id: i64, member_id: i64) -> StoreResult<()> {
    crate::exec_tx!(tx, c => sqlx::query("UPDATE orgs SET secretary_member_id = $1 WHERE region_id = $2 AND id = $3")
        .bind(member_id).bind(region_id).bind(org_id).execute(c).await)?;
    Ok(())
}
