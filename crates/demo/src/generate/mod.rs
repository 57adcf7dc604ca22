//! Deterministic demo data: a realistic org tree of 宁波 (one district or the whole
//! city) and its party members, generated from a seed without any I/O.
//!
//! [`generate_orgs`] builds the tree; [`MemberGenerator::members_of`] then fills one
//! branch at a time, so the 500 000 members of the city model never have to be held
//! in memory together. Both are pure functions of their seed, the date and (for
//! members) the sequence of calls.
//!
//! The size of a branch is shared knowledge between the two: the tree decides how many
//! 党小组 a branch gets (none, 2, 3 or 4), which fixes the band its member count is
//! drawn from (see [`size_band`]), and the tree is balanced so the expected number of
//! members meets the scale's target.

mod data;
pub mod dues;
pub mod history;
pub mod learning;
mod members;
mod orgs;
mod rng;

#[cfg(test)]
mod tests;

use chrono::NaiveDate;
use vanguard_domain::member::MemberFields;
use vanguard_domain::org::{OrgKind, Sector};

pub use members::MemberGenerator;
pub use orgs::generate_orgs;

/// How much of 宁波 to model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// 江北区: about 1 000 branches and 20 000 members.
    District,
    /// 宁波市 with its 10 区县(市): about 25 000 orgs and 500 000 members.
    City,
}

/// One organization to create. `parent` is an index into the Vec returned by
/// [`generate_orgs`]; parents always come before children, and the 党小组 of a branch
/// directly follow it.
#[derive(Debug, Clone)]
pub struct OrgSeed {
    pub parent: Option<usize>,
    pub name: String,
    pub kind: OrgKind,
    pub sector: Sector,
    pub established_on: NaiveDate,
    /// `None` for 党小组.
    pub term_started_on: Option<NaiveDate>,
    /// [`vanguard_domain::org::default_term_years`] under the default rule set; `None` for 党小组.
    pub term_years: Option<u8>,
}

/// One member to create in branch `branch` (an index into the orgs Vec, always a kind
/// with [`OrgKind::is_branch`]), optionally in 党小组 `group` (the index of a
/// [`OrgKind::Group`] child of that branch).
#[derive(Debug, Clone)]
pub struct MemberSeed {
    pub branch: usize,
    pub group: Option<usize>,
    /// Passes `MemberFields::validate(&fields.to_input(), today)` unchanged.
    pub fields: MemberFields,
    /// Exactly one 正式党员 per branch is its secretary.
    pub is_secretary: bool,
    /// Exactly one member per 党小组 is its leader.
    pub is_group_leader: bool,
}

/// The expected number of members over the whole tree, per scale.
fn member_target(scale: Scale) -> f64 {
    match scale {
        Scale::District => 20_000.0,
        Scale::City => 500_000.0,
    }
}

/// The member-count band of a branch with `groups` 党小组: sizes are `lo` plus the sum
/// of two uniform draws splitting `hi - lo`, so the mean is exactly the midpoint.
fn size_band(kind: OrgKind, groups: u8) -> (u32, u32) {
    match (kind, groups) {
        (OrgKind::TemporaryBranch, _) => (2, 9),
        (_, 0) => (4, 14),
        (_, 2) => (15, 28),
        (_, 3) => (24, 40),
        _ => (34, 58),
    }
}

/// The chance that a branch without 党小组 is tiny (1–3 members, so fewer than three
/// 正式党员): small 非公企业 and 社会组织 branches that have shrunk.
fn tiny_share(kind: OrgKind, sector: Sector, groups: u8) -> f64 {
    let small_unit = matches!(sector, Sector::PrivateEnterprise | Sector::SocialOrganization);
    if groups == 0 && kind == OrgKind::Branch && small_unit { 0.12 } else { 0.0 }
}

/// The mean of [`sample_size`].
fn expected_size(kind: OrgKind, sector: Sector, groups: u8) -> f64 {
    let (lo, hi) = size_band(kind, groups);
    let tiny = tiny_share(kind, sector, groups);
    tiny * 2.0 + (1.0 - tiny) * f64::from(lo + hi) / 2.0
}

/// Draws the member count of a branch.
fn sample_size(rng: &mut chacha20::ChaCha12Rng, kind: OrgKind, sector: Sector, groups: u8) -> usize {
    use rand::RngExt;
    let tiny = tiny_share(kind, sector, groups);
    if tiny > 0.0 && rng.random_bool(tiny) {
        return rng.random_range(1..=3);
    }
    let (lo, hi) = size_band(kind, groups);
    let w = hi - lo;
    let h = w / 2;
    (lo + rng.random_range(0..=h) + rng.random_range(0..=w - h)) as usize
}
