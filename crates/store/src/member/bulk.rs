//! Writing member rows: the one place the `members` columns are listed for an insert,
//! used by a single new member, a roster import and the demo loader alike. Sensitive
//! fields are sealed here (SM4-GCM) with their keyed lookup hashes.

use crate::platform::bulk::{self, Val, bulk_row};
use crate::platform::crypto::Crypto;
use crate::platform::error::decode;
use crate::{Db, StoreResult, Tx};
use chrono::NaiveDate;
use vanguard_domain::kernel::time::{date_text, parse_iso_date};
use vanguard_domain::member::{Category, Education, Flow, MemberFields, PartyStatus, mask_phone};

/// The sealing context of 公民身份号码.
pub(crate) const CTX_ID: &str = "member.id_number";
/// The sealing context of 手机号码.
pub(crate) const CTX_PHONE: &str = "member.phone";

/// A member to insert, already placed in a branch (and maybe a 党小组).
#[derive(Debug, Clone)]
pub struct NewMemberRecord {
    pub id: i64,
    pub org_id: i64,
    pub group_id: Option<i64>,
    /// The path of the group when in one, else of the branch.
    pub org_path: String,
    pub fields: MemberFields,
}

const COLUMNS: &[&str] = &[
    "region_id",
    "id",
    "org_id",
    "group_id",
    "org_path",
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "id_number_enc",
    "id_number_hash",
    "id_number_masked",
    "education",
    "phone_enc",
    "phone_hash",
    "phone_masked",
    "joined_on",
    "confirmed_on",
    "category",
    "party_status",
    "work_unit",
    "residence",
    "flow",
    "flow_place",
    "lost_contact_since",
    "archived",
    "version",
    "created_at",
    "updated_at",
];

fn values(crypto: &Crypto, region_id: i64, now: i64, m: &NewMemberRecord) -> Vec<Val> {
    let f = &m.fields;
    bulk_row![
        region_id,
        m.id,
        m.org_id,
        m.group_id,
        m.org_path.as_str(),
        f.name.as_str(),
        f.gender.code(),
        f.ethnicity.label(),
        date_text(f.birth_date),
        crypto.encrypt_str(f.id_number.as_str(), CTX_ID),
        crypto.lookup_hash(f.id_number.as_str()),
        f.id_number.masked(),
        f.education.map(Education::code),
        f.phone.as_deref().map(|p| crypto.encrypt_str(p, CTX_PHONE)),
        f.phone.as_deref().map(|p| crypto.lookup_hash(p)),
        f.phone.as_deref().map(mask_phone),
        date_text(f.joined_on),
        f.confirmed_on.map(date_text),
        f.category.code(),
        f.party_status.code(),
        f.work_unit.as_str(),
        f.residence.as_str(),
        f.flow.code(),
        f.flow_place.as_str(),
        f.lost_contact_since.map(date_text),
        false,
        1i64,
        now,
        now
    ]
}

/// Inserts members (without claiming their ID numbers; see [`insert_identities`]).
pub async fn insert_members(tx: &mut Tx, crypto: &Crypto, region_id: i64, now: i64, rows: &[NewMemberRecord]) -> StoreResult<()> {
    let values: Vec<Vec<Val>> = rows.iter().map(|m| values(crypto, region_id, now, m)).collect();
    bulk::insert(tx, "members", COLUMNS, &values).await?;
    Ok(())
}

/// Claims the ID numbers of new members nation-wide (`member_identities`): fails on a
/// number already held, so the caller's transaction rolls back.
pub async fn insert_identities(tx: &mut Tx, crypto: &Crypto, region_id: i64, rows: &[NewMemberRecord]) -> StoreResult<()> {
    let values: Vec<Vec<Val>> =
        rows.iter().map(|m| bulk_row![crypto.lookup_hash(m.fields.id_number.as_str()), region_id, m.id]).collect();
    bulk::insert(tx, "member_identities", &["id_number_hash", "region_id", "member_id"], &values).await?;
    Ok(())
}

/// A loaded member as the demo history generator needs it.
#[derive(Debug, Clone)]
pub struct LoadedMember {
    pub id: i64,
    pub org_id: i64,
    pub group_id: Option<i64>,
    pub name: String,
    pub category: Category,
    pub joined_on: NaiveDate,
    pub flow: Flow,
    pub lost_contact_since: Option<NaiveDate>,
    pub party_status: PartyStatus,
}

/// The current members placed in the path range `[lo, hi)` of a region, by id.
pub async fn loaded_members(db: &Db, region_id: i64, lo: &str, hi: &str) -> StoreResult<Vec<LoadedMember>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        org_id: i64,
        group_id: Option<i64>,
        name: String,
        category: String,
        joined_on: String,
        flow: String,
        lost_contact_since: Option<String>,
        party_status: String,
    }
    let rows: Vec<Row> = crate::read!(db, c => sqlx::query_as(
        "SELECT id, org_id, group_id, name, category, joined_on, flow, lost_contact_since, party_status FROM members \
         WHERE region_id = $1 AND archived = FALSE AND org_path >= $2 AND org_path < $3 ORDER BY id")
        .bind(region_id).bind(lo).bind(hi).fetch_all(c).await)?;
    rows.into_iter()
        .map(|r| {
            Ok(LoadedMember {
                id: r.id,
                org_id: r.org_id,
                group_id: r.group_id,
                name: r.name,
                category: decode("members.category", &r.category, Category::from_code)?,
                joined_on: decode("members.joined_on", &r.joined_on, parse_iso_date)?,
                flow: decode("members.flow", &r.flow, Flow::from_code)?,
                lost_contact_since: r
                    .lost_contact_since
                    .as_deref()
                    .map(|d| decode("members.lost_contact_since", d, parse_iso_date))
                    .transpose()?,
                party_status: decode("members.party_status", &r.party_status, PartyStatus::from_code)?,
            })
        })
        .collect()
}
