//! 会议与活动: the meeting types, which of them an org is expected to hold,
//! attendance, the quorum and vote rules of the 支部党员大会 (`domain.md` §4.2), and the
//! window in which a record (记实) may be corrected without approval.

use crate::Invalid;
use crate::member::Category;
use crate::org::OrgKind;
use chrono::NaiveDate;
use serde::Serialize;

labelled_enum! {
    /// 组织生活类型 (三会一课, 主题党日 and the rest).
    pub enum MeetingType {
        /// 支部党员大会.
        BranchAssembly = ("branch_assembly", "支部党员大会"),
        /// 支部委员会 (支委会; also the 总支委员会 of a 党总支).
        BranchCommittee = ("branch_committee", "支部委员会"),
        /// 党小组会.
        GroupMeeting = ("group_meeting", "党小组会"),
        /// 党课.
        PartyLecture = ("party_lecture", "党课"),
        /// 主题党日 (固定组织生活日).
        ThemeDay = ("theme_day", "主题党日"),
        /// 组织生活会.
        LifeMeeting = ("life_meeting", "组织生活会"),
        /// 民主评议党员.
        DemocraticReview = ("democratic_review", "民主评议党员"),
        /// 专题学习研讨 (党委中心组).
        StudySeminar = ("study_seminar", "专题学习研讨"),
        /// 集中学习.
        CollectiveStudy = ("collective_study", "集中学习"),
        /// 谈心谈话.
        HeartTalk = ("heart_talk", "谈心谈话"),
        /// 其他.
        Other = ("other", "其他"),
    }
}

impl MeetingType {
    /// The verb used with it in Chinese: 召开 for meetings (会), 开展 for the rest.
    pub fn verb(self) -> &'static str {
        use MeetingType::*;
        match self {
            BranchAssembly | BranchCommittee | GroupMeeting | LifeMeeting => "召开",
            _ => "开展",
        }
    }
}

/// The meeting types an org is expected to hold by the regulations (`domain.md` §4.2,
/// A3): a 党小组 holds 党小组会; a branch holds 支部党员大会, 党课, 主题党日,
/// 组织生活会 and 民主评议党员, plus 支部委员会 where it has a committee; a 党总支 holds
/// its committee meeting where it has one; a 党委/党工委 holds 专题学习研讨.
///
/// The rules engine reads the same expectations from [`super::OrgLifeRules`], whose
/// defaults agree with this function.
pub fn expected_types(kind: OrgKind, has_committee: bool) -> Vec<MeetingType> {
    use MeetingType::*;
    match kind {
        OrgKind::Group => vec![GroupMeeting],
        OrgKind::Committee | OrgKind::WorkCommittee => vec![StudySeminar],
        OrgKind::GeneralBranch => {
            if has_committee {
                vec![BranchCommittee]
            } else {
                vec![]
            }
        }
        k if k.is_branch() => {
            let mut v = vec![BranchAssembly];
            if has_committee {
                v.push(BranchCommittee);
            }
            v.extend([PartyLecture, ThemeDay, LifeMeeting, DemocraticReview]);
            v
        }
        _ => vec![],
    }
}

labelled_enum! {
    /// Where a meeting record stands: 计划中, 已召开 or 已取消.
    pub enum MeetingStatus {
        /// 计划中: planned, not yet held.
        Planned = ("planned", "计划中"),
        /// 已召开: held and recorded.
        Held = ("held", "已召开"),
        /// 已取消.
        Cancelled = ("cancelled", "已取消"),
    }
}

labelled_enum! {
    /// 出席情况 of one person at one meeting.
    pub enum Attendance {
        /// 出席.
        Present = ("present", "出席"),
        /// 请假: counts as a valid reason only when a reason is given.
        Excused = ("excused", "请假"),
        /// 缺席.
        Absent = ("absent", "缺席"),
        /// 列席.
        Observer = ("observer", "列席"),
    }
}

impl Attendance {
    /// Whether this counts as taking part in organizational life, or as staying away for a
    /// valid reason (党章第九条 “正当理由”): 出席, 列席, or 请假 with a non-blank reason.
    pub fn is_valid(self, reason: Option<&str>) -> bool {
        match self {
            Attendance::Present | Attendance::Observer => true,
            Attendance::Excused => reason.is_some_and(|r| !r.trim().is_empty()),
            Attendance::Absent => false,
        }
    }

    /// An absence without a valid reason (缺席, or 请假 without a reason).
    pub fn is_unexcused(self, reason: Option<&str>) -> bool {
        !self.is_valid(reason)
    }
}

/// Who counts for the quorum of a 支部党员大会: only members with a vote (正式党员;
/// 预备党员 have none, 党章第七条) who are not excluded from the 应到会人数.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct AssemblyRoll {
    /// 有表决权的党员 of the branch (正式党员).
    pub voting_members: u32,
    /// Voting members excluded from the 应到会人数 by the quorum-exclusion practice
    /// (e.g. 因病长期不能参加、出国出境、受留党察看处分); counted by the branch.
    pub excluded: u32,
    /// Voting members (not excluded) present.
    pub present_voters: u32,
}

impl AssemblyRoll {
    /// Builds a roll from each expected person's category and attendance; 预备党员 do
    /// not count, whatever their attendance.
    pub fn from_attendance(people: impl IntoIterator<Item = (Category, Attendance)>, excluded: u32) -> AssemblyRoll {
        let mut roll = AssemblyRoll { excluded, ..Default::default() };
        for (category, attendance) in people {
            if category == Category::Formal {
                roll.voting_members += 1;
                if attendance == Attendance::Present {
                    roll.present_voters += 1;
                }
            }
        }
        roll
    }

    /// 应到会有表决权党员: voting members less the excluded ones.
    pub fn entitled(&self) -> u32 {
        self.voting_members.saturating_sub(self.excluded)
    }

    /// The quorum: more than half of those entitled present.
    pub fn quorum(&self) -> Quorum {
        let entitled = self.entitled();
        Quorum {
            entitled,
            present: self.present_voters,
            needed: more_than_half(entitled),
            met: exceeds_half(self.present_voters, entitled),
        }
    }
}

/// The result of a quorum check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Quorum {
    /// 应到会人数.
    pub entitled: u32,
    /// 实到人数.
    pub present: u32,
    /// The smallest number present that makes a quorum.
    pub needed: u32,
    pub met: bool,
}

/// The smallest whole number that is more than half of `n`.
pub fn more_than_half(n: u32) -> u32 {
    n / 2 + 1
}

/// Whether `part` is more than half of `whole` (exact: `2·part > whole`).
pub fn exceeds_half(part: u32, whole: u32) -> bool {
    u64::from(part) * 2 > u64::from(whole)
}

/// A 支委会 (or any committee) meets when more than half of its members are present.
pub fn committee_quorum(members: u32, present: u32) -> bool {
    members > 0 && exceeds_half(present, members)
}

/// The votes on one decision (表决) of a 支部党员大会.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Votes {
    /// 赞成.
    pub in_favour: u32,
    /// 反对.
    pub against: u32,
    /// 弃权.
    pub abstain: u32,
}

/// The outcome of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// Votes for needed: more than half of 应到会有表决权党员.
    pub needed: u32,
    pub passed: bool,
}

/// Whether a decision passes: 赞成 more than half of 应到会有表决权党员 (not of those
/// present).
pub fn decision_passes(entitled: u32, votes_for: u32) -> bool {
    entitled > 0 && exceeds_half(votes_for, entitled)
}

/// Checks a vote against the roll and decides it. Fails when the assembly has no
/// quorum, or when more votes are cast than voters are present.
pub fn decide(roll: &AssemblyRoll, votes: Votes) -> Result<Decision, Invalid> {
    let quorum = roll.quorum();
    if !quorum.met {
        return Err(Invalid::one(
            "present_voters",
            "assembly.no_quorum",
            format!(
                "到会有表决权党员 {} 名，未超过应到会 {} 名的半数（至少需 {} 名），会议不能作出决定",
                quorum.present, quorum.entitled, quorum.needed
            ),
        ));
    }
    let cast = u64::from(votes.in_favour) + u64::from(votes.against) + u64::from(votes.abstain);
    if cast > u64::from(roll.present_voters) {
        return Err(Invalid::one(
            "votes",
            "assembly.too_many_votes",
            format!("赞成、反对、弃权合计 {cast} 票，超过到会有表决权党员 {} 名", roll.present_voters),
        ));
    }
    let entitled = roll.entitled();
    Ok(Decision { needed: more_than_half(entitled), passed: decision_passes(entitled, votes.in_favour) })
}

labelled_enum! {
    /// Whether a meeting record (记实) may be corrected now.
    pub enum Correction {
        /// 可直接更正: within the correction window.
        Allowed = ("allowed", "可直接更正"),
        /// 需上级党组织批准: the window has passed.
        NeedsApproval = ("needs_approval", "需上级党组织批准"),
    }
}

/// A record may be corrected for `window_days` days after the meeting was held (the last
/// day included); later corrections need the parent organization's approval. The
/// window is [`super::OrgLifeRules::correction_days`] (default 30).
pub fn correction(held_on: NaiveDate, today: NaiveDate, window_days: u32) -> Correction {
    let last = held_on.checked_add_days(chrono::Days::new(u64::from(window_days))).unwrap_or(NaiveDate::MAX);
    if today <= last { Correction::Allowed } else { Correction::NeedsApproval }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MeetingType::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_group_is_expected_to_hold_group_meetings_only() {
        assert_eq!(expected_types(OrgKind::Group, false), vec![GroupMeeting]);
        assert_eq!(expected_types(OrgKind::Group, true), vec![GroupMeeting]);
    }

    #[test]
    fn a_branch_without_a_committee_holds_no_committee_meeting() {
        assert_eq!(
            expected_types(OrgKind::Branch, false),
            vec![BranchAssembly, PartyLecture, ThemeDay, LifeMeeting, DemocraticReview]
        );
    }

    #[test]
    fn a_branch_with_a_committee_also_holds_committee_meetings() {
        let t = expected_types(OrgKind::JointBranch, true);
        assert!(t.contains(&BranchCommittee) && t.contains(&BranchAssembly));
        assert_eq!(t.len(), 6);
    }

    #[test]
    fn a_party_committee_holds_study_seminars() {
        assert_eq!(expected_types(OrgKind::Committee, true), vec![StudySeminar]);
        assert_eq!(expected_types(OrgKind::WorkCommittee, false), vec![StudySeminar]);
        assert_eq!(expected_types(OrgKind::GeneralBranch, true), vec![BranchCommittee]);
        assert!(expected_types(OrgKind::GeneralBranch, false).is_empty());
    }

    #[test]
    fn meeting_type_labels_round_trip() {
        assert_eq!(MeetingType::ALL.len(), 11);
        for t in MeetingType::ALL {
            assert_eq!(MeetingType::parse(t.label()), Some(*t));
            assert_eq!(MeetingType::parse(t.code()), Some(*t));
        }
        assert_eq!(Attendance::parse("请假"), Some(Attendance::Excused));
    }

    #[test]
    fn attendance_validity_per_党章第九条() {
        let cases = [
            (Attendance::Present, None, true),
            (Attendance::Observer, None, true),
            (Attendance::Excused, Some("出差"), true),
            (Attendance::Excused, Some("  "), false),
            (Attendance::Excused, None, false),
            (Attendance::Absent, Some("忘了"), false),
            (Attendance::Absent, None, false),
        ];
        for (att, reason, valid) in cases {
            assert_eq!(att.is_valid(reason), valid, "{att:?} {reason:?}");
            assert_eq!(att.is_unexcused(reason), !valid);
        }
    }

    #[test]
    fn quorum_is_more_than_half_of_voting_members() {
        // (voting members, excluded, present voters, quorum met, needed)
        let cases = [
            (10, 0, 5, false, 6),
            (10, 0, 6, true, 6),
            (9, 0, 4, false, 5),
            (9, 0, 5, true, 5),
            (12, 2, 5, false, 6),
            (12, 2, 6, true, 6),
            (1, 0, 1, true, 1),
            (0, 0, 0, false, 1),
        ];
        for (voting_members, excluded, present_voters, met, needed) in cases {
            let q = AssemblyRoll { voting_members, excluded, present_voters }.quorum();
            assert_eq!((q.met, q.needed), (met, needed), "{voting_members}/{excluded}/{present_voters}");
        }
    }

    #[test]
    fn probationary_members_do_not_count_towards_the_quorum() {
        use Attendance::*;
        use Category::*;
        let people = [
            (Formal, Present),
            (Formal, Present),
            (Formal, Absent),
            (Formal, Excused),
            (Probationary, Present),
            (Probationary, Present),
            (Probationary, Present),
        ];
        let roll = AssemblyRoll::from_attendance(people, 0);
        assert_eq!((roll.voting_members, roll.present_voters), (4, 2));
        assert!(!roll.quorum().met, "2 of 4 voters is not more than half, whatever the 预备党员");
        let roll = AssemblyRoll::from_attendance(people, 1);
        assert_eq!(roll.entitled(), 3);
        assert!(roll.quorum().met, "with one voter excluded, 2 of 3 is a quorum");
    }

    #[test]
    fn decision_passes_with_more_than_half_of_those_entitled() {
        // (entitled, votes for, passes)
        let cases = [(10, 6, true), (10, 5, false), (9, 5, true), (9, 4, false), (1, 1, true), (0, 0, false)];
        for (entitled, votes_for, passes) in cases {
            assert_eq!(decision_passes(entitled, votes_for), passes, "{votes_for} of {entitled}");
        }
    }

    #[test]
    fn a_majority_of_those_present_is_not_enough() {
        let roll = AssemblyRoll { voting_members: 10, excluded: 0, present_voters: 7 };
        let d5 = decide(&roll, Votes { in_favour: 5, against: 2, abstain: 0 }).unwrap();
        assert_eq!(d5, Decision { needed: 6, passed: false });
        let d6 = decide(&roll, Votes { in_favour: 6, against: 1, abstain: 0 }).unwrap();
        assert!(d6.passed);
    }

    #[test]
    fn no_decision_without_a_quorum_or_with_too_many_votes() {
        let roll = AssemblyRoll { voting_members: 10, excluded: 0, present_voters: 5 };
        assert!(decide(&roll, Votes { in_favour: 5, ..Default::default() }).unwrap_err().has("assembly.no_quorum"));
        let roll = AssemblyRoll { voting_members: 10, excluded: 0, present_voters: 6 };
        let e = decide(&roll, Votes { in_favour: 6, against: 1, abstain: 0 }).unwrap_err();
        assert!(e.has("assembly.too_many_votes"), "{e}");
    }

    #[test]
    fn committee_quorum_is_more_than_half_of_its_members() {
        assert!(committee_quorum(5, 3));
        assert!(!committee_quorum(5, 2));
        assert!(!committee_quorum(4, 2));
        assert!(committee_quorum(3, 2));
        assert!(!committee_quorum(0, 0));
    }

    #[test]
    fn a_record_can_be_corrected_for_thirty_days_then_needs_approval() {
        let held = d(2026, 3, 1);
        let cases = [
            (d(2026, 3, 1), Correction::Allowed),
            (d(2026, 3, 31), Correction::Allowed),
            (d(2026, 4, 1), Correction::NeedsApproval),
            (d(2027, 1, 1), Correction::NeedsApproval),
            (d(2026, 2, 20), Correction::Allowed),
        ];
        for (today, expected) in cases {
            assert_eq!(correction(held, today, 30), expected, "{today}");
        }
        assert_eq!(correction(held, d(2026, 3, 8), 7), Correction::Allowed);
        assert_eq!(correction(held, d(2026, 3, 9), 7), Correction::NeedsApproval);
    }
}
