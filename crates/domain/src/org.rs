//! 党组织: kinds, sectors, the nesting rules of the tree, and the structural rules of
//! a branch (`domain.md` §4.2).

use crate::rules::OrgRules;
use chrono::NaiveDate;
use serde::Serialize;

labelled_enum! {
    /// 党组织类别.
    pub enum OrgKind {
        /// 党委 (基层党委 or a higher committee such as 区委, 市委).
        Committee = ("committee", "党委"),
        /// 党工委 (街道、开发区党工委).
        WorkCommittee = ("work_committee", "党工委"),
        /// 党总支.
        GeneralBranch = ("general_branch", "党总支"),
        /// 党支部.
        Branch = ("branch", "党支部"),
        /// 联合党支部 (several units with fewer than 3 正式党员 each).
        JointBranch = ("joint_branch", "联合党支部"),
        /// 临时党支部 (projects, training courses).
        TemporaryBranch = ("temporary_branch", "临时党支部"),
        /// 党小组.
        Group = ("group", "党小组"),
        /// 流动党员党支部 (e支部).
        MobileBranch = ("mobile_branch", "流动党员党支部"),
    }
}

labelled_enum! {
    /// 所属领域.
    pub enum Sector {
        Rural = ("rural", "农村"),
        Community = ("community", "社区"),
        Government = ("government", "机关"),
        PublicInstitution = ("public_institution", "事业单位"),
        StateEnterprise = ("state_enterprise", "国有企业"),
        PrivateEnterprise = ("private_enterprise", "非公有制企业"),
        SocialOrganization = ("social_organization", "社会组织"),
        University = ("university", "高校"),
        Other = ("other", "其他"),
    }
}

labelled_enum! {
    /// 组织状态.
    pub enum OrgStatus {
        Normal = ("normal", "正常"),
        /// 软弱涣散 (under rectification).
        Weak = ("weak", "软弱涣散"),
        /// 已撤销: kept for history, holds no members.
        Dissolved = ("dissolved", "已撤销"),
    }
}

impl OrgKind {
    /// A branch-level organization: members belong to one of these.
    pub fn is_branch(self) -> bool {
        matches!(self, OrgKind::Branch | OrgKind::JointBranch | OrgKind::TemporaryBranch | OrgKind::MobileBranch)
    }

    /// Whether an org of kind `child` may be created directly under `self`.
    pub fn may_contain(self, child: OrgKind) -> bool {
        use OrgKind::*;
        match self {
            Committee | WorkCommittee => !matches!(child, Group),
            GeneralBranch => child.is_branch(),
            Branch | JointBranch | TemporaryBranch | MobileBranch => child == Group,
            Group => false,
        }
    }
}

/// The committee term of an org, in whole years, by the defaults of the rule set
/// (`domain.md` §4.4): 支部/总支 3, 村/社区 5, 党委 5.
pub fn default_term_years(kind: OrgKind, sector: Sector, rules: &OrgRules) -> Option<u8> {
    match kind {
        OrgKind::Group => None,
        OrgKind::Committee | OrgKind::WorkCommittee => Some(rules.term_years_committee),
        _ if matches!(sector, Sector::Rural | Sector::Community) => Some(rules.term_years_village_community),
        _ => Some(rules.term_years_branch),
    }
}

/// The day a committee term ends: `years` after its start (29 February → 28 February).
pub fn term_end(start: NaiveDate, years: u8) -> NaiveDate {
    start
        .checked_add_months(chrono::Months::new(u32::from(years) * 12))
        .unwrap_or(start)
}

/// The counts of a branch that its structural rules look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct BranchCounts {
    /// All members in good standing (正式 + 预备).
    pub members: u32,
    /// 正式党员.
    pub formal: u32,
}

/// A structural finding about one org (`domain.md` §4.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StructureFinding {
    /// Stable code: `branch.too_few_formal`, `branch.too_large`, `branch.needs_committee`,
    /// `branch.committee_not_required`.
    pub code: &'static str,
    /// `warning` or `info`.
    pub severity: &'static str,
    pub message: String,
}

/// The structural rules of a branch: ≥ 3 正式党员 to form a 党支部, normally ≤ 50
/// members, and a 支委会 once it has ≥ 7 正式党员.
pub fn check_branch_structure(kind: OrgKind, counts: BranchCounts, has_committee: bool, rules: &OrgRules) -> Vec<StructureFinding> {
    let mut out = Vec::new();
    if !kind.is_branch() {
        return out;
    }
    if counts.formal < rules.branch_min_formal && kind != OrgKind::TemporaryBranch {
        out.push(StructureFinding {
            code: "branch.too_few_formal",
            severity: "warning",
            message: format!(
                "正式党员仅 {} 名，少于成立党支部所需的 {} 名，应考虑与邻近单位成立联合党支部",
                counts.formal, rules.branch_min_formal
            ),
        });
    }
    if counts.members > rules.branch_max_members {
        out.push(StructureFinding {
            code: "branch.too_large",
            severity: "warning",
            message: format!(
                "党员 {} 名，超过党支部一般不超过 {} 名的规定，应考虑分设党支部或成立党总支",
                counts.members, rules.branch_max_members
            ),
        });
    }
    let needs_committee = counts.formal >= rules.committee_threshold_formal;
    if needs_committee && !has_committee {
        out.push(StructureFinding {
            code: "branch.needs_committee",
            severity: "warning",
            message: format!(
                "正式党员 {} 名，达到 {} 名以上，应设立支部委员会",
                counts.formal, rules.committee_threshold_formal
            ),
        });
    }
    if !needs_committee && has_committee {
        out.push(StructureFinding {
            code: "branch.committee_not_required",
            severity: "info",
            message: format!(
                "正式党员不足 {} 名，可不设支部委员会，只设书记（可设副书记）",
                rules.committee_threshold_formal
            ),
        });
    }
    out
}

/// A materialized path of the org tree: `/` + ancestor ids + own id + `/`.
pub mod path {
    /// The path of a child of `parent_path` with id `id`.
    pub fn child(parent_path: &str, id: i64) -> String {
        format!("{parent_path}{id}/")
    }
    /// The root path of an org with id `id`.
    pub fn root(id: i64) -> String {
        format!("/{id}/")
    }
    /// The exclusive upper bound of a subtree's path range: every descendant path `p`
    /// satisfies `path <= p < upper(path)` in byte order (`~` sorts after digits and `/`).
    pub fn upper(path: &str) -> String {
        format!("{path}~")
    }
    /// Whether `path` lies in the subtree rooted at `root` (itself included).
    pub fn within(path: &str, root: &str) -> bool {
        path.starts_with(root)
    }
    /// The ids along a path, root first.
    pub fn ids(path: &str) -> Vec<i64> {
        path.split('/').filter(|s| !s.is_empty()).filter_map(|s| s.parse().ok()).collect()
    }
    /// Depth of a path: the root has depth 0.
    pub fn depth(path: &str) -> usize {
        ids(path).len().saturating_sub(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

    fn rules() -> OrgRules {
        RuleSet::default().org
    }

    fn codes(kind: OrgKind, members: u32, formal: u32, committee: bool) -> Vec<&'static str> {
        check_branch_structure(kind, BranchCounts { members, formal }, committee, &rules())
            .into_iter()
            .map(|f| f.code)
            .collect()
    }

    #[test]
    fn branch_with_two_formal_members_is_too_small() {
        assert_eq!(codes(OrgKind::Branch, 4, 2, false), vec!["branch.too_few_formal"]);
    }

    #[test]
    fn branch_with_three_formal_members_is_enough() {
        assert!(codes(OrgKind::Branch, 3, 3, false).is_empty());
    }

    #[test]
    fn temporary_branch_is_exempt_from_the_minimum() {
        assert!(codes(OrgKind::TemporaryBranch, 2, 2, false).is_empty());
    }

    #[test]
    fn branch_of_fifty_members_is_within_the_limit() {
        assert_eq!(codes(OrgKind::Branch, 50, 50, true), Vec::<&str>::new());
    }

    #[test]
    fn branch_of_fifty_one_members_is_too_large() {
        assert_eq!(codes(OrgKind::Branch, 51, 51, true), vec!["branch.too_large"]);
    }

    #[test]
    fn seven_formal_members_need_a_committee() {
        assert_eq!(codes(OrgKind::Branch, 8, 7, false), vec!["branch.needs_committee"]);
    }

    #[test]
    fn six_formal_members_and_probationers_need_no_committee() {
        assert!(codes(OrgKind::Branch, 9, 6, false).is_empty());
    }

    #[test]
    fn committee_below_threshold_is_reported_as_information() {
        assert_eq!(codes(OrgKind::Branch, 5, 5, true), vec!["branch.committee_not_required"]);
    }

    #[test]
    fn non_branch_orgs_have_no_branch_findings() {
        assert!(codes(OrgKind::Committee, 0, 0, false).is_empty());
        assert!(codes(OrgKind::Group, 1, 1, false).is_empty());
    }

    #[test]
    fn term_defaults_follow_kind_and_sector() {
        let r = rules();
        assert_eq!(default_term_years(OrgKind::Branch, Sector::Government, &r), Some(3));
        assert_eq!(default_term_years(OrgKind::GeneralBranch, Sector::StateEnterprise, &r), Some(3));
        assert_eq!(default_term_years(OrgKind::Branch, Sector::Rural, &r), Some(5));
        assert_eq!(default_term_years(OrgKind::Branch, Sector::Community, &r), Some(5));
        assert_eq!(default_term_years(OrgKind::Committee, Sector::Other, &r), Some(5));
        assert_eq!(default_term_years(OrgKind::Group, Sector::Other, &r), None);
    }

    #[test]
    fn term_starting_on_leap_day_ends_on_28_february() {
        let start = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        assert_eq!(term_end(start, 3), NaiveDate::from_ymd_opt(2027, 2, 28).unwrap());
        assert_eq!(term_end(start, 4), NaiveDate::from_ymd_opt(2028, 2, 29).unwrap());
    }

    #[test]
    fn nesting_rules() {
        use OrgKind::*;
        assert!(Committee.may_contain(WorkCommittee));
        assert!(Committee.may_contain(Branch));
        assert!(!Committee.may_contain(Group));
        assert!(GeneralBranch.may_contain(Branch));
        assert!(!GeneralBranch.may_contain(GeneralBranch));
        assert!(Branch.may_contain(Group));
        assert!(!Branch.may_contain(Branch));
        assert!(!Group.may_contain(Group));
        assert!(MobileBranch.may_contain(Group));
    }

    #[test]
    fn path_range_contains_descendants_and_not_siblings() {
        let p = path::child(&path::root(1), 12);
        assert_eq!(p, "/1/12/");
        let upper = path::upper(&p);
        for inside in ["/1/12/", "/1/12/345/", "/1/12/9/9/"] {
            assert!(inside >= p.as_str() && inside < upper.as_str(), "{inside}");
            assert!(path::within(inside, &p));
        }
        for outside in ["/1/120/", "/1/13/", "/1/", "/1/1/"] {
            assert!(!(outside >= p.as_str() && outside < upper.as_str()), "{outside}");
            assert!(!path::within(outside, &p));
        }
        assert_eq!(path::ids("/1/12/345/"), vec![1, 12, 345]);
        assert_eq!(path::depth("/1/12/345/"), 2);
    }

    #[test]
    fn labels_round_trip() {
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::parse(k.label()), Some(*k));
            assert_eq!(OrgKind::parse(k.code()), Some(*k));
        }
        assert_eq!(Sector::ALL.len(), 9);
        assert_eq!(OrgKind::ALL.len(), 8);
    }
}
