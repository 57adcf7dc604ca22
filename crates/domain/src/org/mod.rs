//! 党组织: kinds, sectors, the nesting rules of the tree, and the structural rules of
//! a branch (`domain.md` §4.2).

use crate::kernel::finding::Severity;
use crate::kernel::rules::{OrgRules, SeverityPolicy};
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
    start.checked_add_months(chrono::Months::new(u32::from(years) * 12)).unwrap_or(start)
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StructureFinding {
    /// Stable code: `branch.too_few_formal`, `branch.too_large`, `branch.needs_committee`,
    /// `branch.committee_not_required`.
    pub code: &'static str,
    /// From the [`SeverityPolicy`]: a breach of the 条例 (问题), a caution or a notice.
    pub severity: Severity,
    pub message: String,
}

/// The structural rules of a branch: ≥ 3 正式党员 to form a 党支部, normally ≤ 50
/// members, and a 支委会 once it has ≥ 7 正式党员.
pub fn check_branch_structure(
    kind: OrgKind,
    counts: BranchCounts,
    has_committee: bool,
    rules: &OrgRules,
    policy: &SeverityPolicy,
) -> Vec<StructureFinding> {
    let mut out = Vec::new();
    if !kind.is_branch() {
        return out;
    }
    if counts.formal < rules.branch_min_formal && kind != OrgKind::TemporaryBranch {
        out.push(StructureFinding {
            code: "branch.too_few_formal",
            severity: policy.breach,
            message: format!(
                "正式党员仅 {} 名，少于成立党支部所需的 {} 名，应考虑与邻近单位成立联合党支部",
                counts.formal, rules.branch_min_formal
            ),
        });
    }
    if counts.members > rules.branch_max_members {
        out.push(StructureFinding {
            code: "branch.too_large",
            severity: policy.caution,
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
            severity: policy.breach,
            message: format!("正式党员 {} 名，达到 {} 名以上，应设立支部委员会", counts.formal, rules.committee_threshold_formal),
        });
    }
    if !needs_committee && has_committee {
        out.push(StructureFinding {
            code: "branch.committee_not_required",
            severity: policy.notice,
            message: format!("正式党员不足 {} 名，可不设支部委员会，只设书记（可设副书记）", rules.committee_threshold_formal),
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
    use crate::kernel::rules::RuleSet;

    fn rules() -> OrgRules {
        RuleSet::default().org
    }

    fn codes(kind: OrgKind, members: u32, formal: u32, committee: bool) -> Vec<&'static str> {
        check_branch_structure(kind, BranchCounts { members, formal }, committee, &rules(), &SeverityPolicy::default())
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

/// The editable fields of an org as they arrive from a form or the API; `None` means
/// "not given" (for an update: unchanged).
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct OrgInput {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub sector: Option<String>,
    pub established_on: Option<String>,
    pub term_started_on: Option<String>,
    pub term_years: Option<i64>,
    pub has_committee: Option<bool>,
    /// `normal` or `weak` (软弱涣散); dissolution has its own action.
    pub status: Option<String>,
}

/// An org's fields after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgFields {
    pub name: String,
    pub kind: OrgKind,
    pub sector: Sector,
    pub established_on: Option<NaiveDate>,
    pub term_started_on: Option<NaiveDate>,
    pub term_years: Option<u8>,
    pub has_committee: bool,
    pub status: OrgStatus,
}

impl OrgFields {
    /// Validates `input` laid over `base` (an existing org, or `None` for a new one).
    pub fn validate(
        base: Option<&OrgFields>,
        input: &OrgInput,
        rules: &OrgRules,
        today: NaiveDate,
    ) -> Result<OrgFields, crate::Invalid> {
        use crate::kernel::error::FieldError;
        let mut inv = crate::Invalid::default();
        let text = |v: &Option<String>| v.as_deref().map(str::trim).map(str::to_string);
        let name = text(&input.name).or_else(|| base.map(|b| b.name.clone())).unwrap_or_default();
        if name.is_empty() {
            inv.push(FieldError::new("name", "required", "请填写党组织名称"));
        } else if name.chars().count() > 60 {
            inv.push(FieldError::new("name", "name.length", "党组织名称不能超过60个字"));
        }
        let kind = match (text(&input.kind), base) {
            (Some(k), Some(b)) if OrgKind::parse(&k) != Some(b.kind) => {
                inv.push(FieldError::new("kind", "kind.immutable", "党组织类别创建后不能修改，如需调整请新建党组织后迁移党员"));
                Some(b.kind)
            }
            (_, Some(b)) => Some(b.kind),
            (Some(k), None) => {
                let parsed = OrgKind::parse(&k);
                if parsed.is_none() {
                    let all: Vec<&str> = OrgKind::ALL.iter().map(|k| k.label()).collect();
                    inv.push(FieldError::new("kind", "kind.unknown", format!("党组织类别应为：{}", all.join("、"))));
                }
                parsed
            }
            (None, None) => {
                inv.push(FieldError::new("kind", "required", "请选择党组织类别"));
                None
            }
        };
        let sector = match text(&input.sector) {
            Some(s) => {
                let parsed = Sector::parse(&s);
                if parsed.is_none() {
                    let all: Vec<&str> = Sector::ALL.iter().map(|k| k.label()).collect();
                    inv.push(FieldError::new("sector", "sector.unknown", format!("所属领域应为：{}", all.join("、"))));
                }
                parsed
            }
            None => Some(base.map(|b| b.sector).unwrap_or(Sector::Other)),
        };
        let mut date = |field: &'static str, label: &str, v: &Option<String>, old: Option<NaiveDate>| -> Option<NaiveDate> {
            match text(v) {
                None => old,
                Some(s) if s.is_empty() => None,
                Some(s) => match crate::kernel::time::parse_iso_date(&s) {
                    Some(d) if d > today => {
                        inv.push(FieldError::new(field, "date.future", format!("{label}不能晚于今天")));
                        None
                    }
                    Some(d) => Some(d),
                    None => {
                        inv.push(FieldError::new(field, "date.format", format!("{label}格式应为 YYYY-MM-DD")));
                        None
                    }
                },
            }
        };
        let established_on = date("established_on", "成立日期", &input.established_on, base.and_then(|b| b.established_on));
        let term_started_on =
            date("term_started_on", "本届任期开始日期", &input.term_started_on, base.and_then(|b| b.term_started_on));
        let term_years = match (input.term_years, kind) {
            (_, Some(OrgKind::Group)) => None,
            (Some(y), _) if y < i64::from(rules.term_years_min) || y > i64::from(rules.term_years_max) => {
                inv.push(FieldError::new(
                    "term_years",
                    "term_years.range",
                    format!("任期应为 {} 至 {} 年（党章第三十一条）", rules.term_years_min, rules.term_years_max),
                ));
                None
            }
            (Some(y), _) => u8::try_from(y).ok(),
            (None, Some(k)) => base.and_then(|b| b.term_years).or_else(|| sector.and_then(|s| default_term_years(k, s, rules))),
            (None, None) => None,
        };
        let status = match text(&input.status) {
            None => base.map(|b| b.status).unwrap_or(OrgStatus::Normal),
            Some(s) => match OrgStatus::parse(&s) {
                Some(OrgStatus::Dissolved) => {
                    inv.push(FieldError::new("status", "status.dissolve_action", "撤销党组织请使用“撤销”操作"));
                    OrgStatus::Normal
                }
                Some(st) => st,
                None => {
                    inv.push(FieldError::new("status", "status.unknown", "组织状态应为“正常”或“软弱涣散”"));
                    OrgStatus::Normal
                }
            },
        };
        let has_committee = input.has_committee.or(base.map(|b| b.has_committee)).unwrap_or(false);
        match (inv.is_empty(), kind, sector) {
            (true, Some(kind), Some(sector)) => {
                Ok(OrgFields { name, kind, sector, established_on, term_started_on, term_years, has_committee, status })
            }
            _ => Err(inv),
        }
    }

    /// The day the current term ends, when a start and length are known.
    pub fn term_ends_on(&self) -> Option<NaiveDate> {
        Some(term_end(self.term_started_on?, self.term_years?))
    }
}

#[cfg(test)]
mod input_tests {
    use super::*;
    use crate::kernel::rules::RuleSet;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    fn new_branch() -> OrgInput {
        OrgInput {
            name: Some("槐树路社区第一党支部".into()),
            kind: Some("党支部".into()),
            sector: Some("社区".into()),
            ..Default::default()
        }
    }

    #[test]
    fn new_community_branch_gets_a_five_year_term_by_default() {
        let f = OrgFields::validate(None, &new_branch(), &RuleSet::default().org, today()).unwrap();
        assert_eq!(f.term_years, Some(5));
        assert_eq!(f.status, OrgStatus::Normal);
    }

    #[test]
    fn term_outside_three_to_five_years_is_rejected() {
        let input = OrgInput { term_years: Some(6), ..new_branch() };
        let e = OrgFields::validate(None, &input, &RuleSet::default().org, today()).unwrap_err();
        assert!(e.has("term_years.range"));
    }

    #[test]
    fn kind_cannot_change_after_creation() {
        let base = OrgFields::validate(None, &new_branch(), &RuleSet::default().org, today()).unwrap();
        let e = OrgFields::validate(
            Some(&base),
            &OrgInput { kind: Some("党总支".into()), ..Default::default() },
            &RuleSet::default().org,
            today(),
        )
        .unwrap_err();
        assert!(e.has("kind.immutable"));
    }

    #[test]
    fn empty_name_and_unknown_kind_are_both_reported() {
        let e = OrgFields::validate(
            None,
            &OrgInput { name: Some(" ".into()), kind: Some("委员会".into()), ..Default::default() },
            &RuleSet::default().org,
            today(),
        )
        .unwrap_err();
        assert!(e.has("required") && e.has("kind.unknown"));
    }

    #[test]
    fn status_cannot_be_set_to_dissolved_by_editing() {
        let e = OrgFields::validate(
            None,
            &OrgInput { status: Some("已撤销".into()), ..new_branch() },
            &RuleSet::default().org,
            today(),
        )
        .unwrap_err();
        assert!(e.has("status.dissolve_action"));
    }

    #[test]
    fn update_keeps_unspecified_fields() {
        let base = OrgFields::validate(
            None,
            &OrgInput { term_started_on: Some("2024-03-01".into()), ..new_branch() },
            &RuleSet::default().org,
            today(),
        )
        .unwrap();
        let f = OrgFields::validate(
            Some(&base),
            &OrgInput { name: Some("新名称党支部".into()), ..Default::default() },
            &RuleSet::default().org,
            today(),
        )
        .unwrap();
        assert_eq!(f.name, "新名称党支部");
        assert_eq!(f.term_started_on, base.term_started_on);
        assert_eq!(f.term_ends_on(), NaiveDate::from_ymd_opt(2029, 3, 1));
    }
}
