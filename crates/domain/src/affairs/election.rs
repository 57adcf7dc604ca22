//! 换届选举 (elections on schedule, `domain.md` §4.4 and §4.2 "换届 delay/advance"): an
//! election record backs the term-expiry reminders of the rules engine. The org asks its
//! 上级党组织 for approval to hold the election (or to delay it, at most
//! [`ElectionRules::max_delay_months`] past the term's end); the assembly votes on the
//! candidates with the 支部党员大会's quorum (`orglife::meeting::AssemblyRoll`); the new
//! committee takes its roles; the 上级党组织 approves the elected 书记 with another
//! account, and the term restarts on the day of the vote. Pure: the store keeps the
//! records and restarts the term through the org feature.

use crate::kernel::error::{FieldError, Invalid, check_text};
use crate::kernel::time::parse_iso_date;
use crate::orglife::meeting::{AssemblyRoll, exceeds_half, more_than_half};
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// The numbers of 换届, part of the rule set. Terms themselves are `OrgRules`
/// (支部 3 years, 村/社区 5, 党委 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ElectionRules {
    /// The longest delay of an election past the term's end, with the 上级's approval:
    /// 12 months (基层组织选举工作暂行条例 第三条 "延期一般不超过一年", `domain.md` §4.2;
    /// the 2020 条例's value is unverified, M).
    pub max_delay_months: u32,
    /// The most members a committee may have: 7 (支部工作条例 2018: 支委会 3–5, ≤7).
    pub max_committee_size: u32,
}

impl Default for ElectionRules {
    fn default() -> Self {
        Self { max_delay_months: 12, max_committee_size: 7 }
    }
}

labelled_enum! {
    /// Where an election stands.
    pub enum ElectionState {
        /// Asked; waiting for the 上级党组织's approval to hold it (or to delay it).
        PendingApproval = ("pending_approval", "待上级批复"),
        /// The 上级 approved holding it; the vote is to be recorded.
        Approved = ("approved", "已批复，待选举"),
        /// Voted; waiting for the 上级 to approve the elected 书记.
        Voted = ("voted", "已选举，待上级批准书记"),
        /// The 书记 was approved; the new term runs from the vote.
        Completed = ("completed", "已完成换届"),
        /// The 上级 declined the request or the 书记.
        Rejected = ("rejected", "上级未批准"),
    }
}

labelled_enum! {
    /// A role in the new committee (支部工作条例 2018: 书记, 组织委员, 宣传委员, 纪检委员,
    /// and a 副书记 if needed).
    pub enum CommitteeRole {
        Secretary = ("secretary", "书记"),
        DeputySecretary = ("deputy_secretary", "副书记"),
        Organization = ("organization", "组织委员"),
        Publicity = ("publicity", "宣传委员"),
        Discipline = ("discipline", "纪检委员"),
        Member = ("member", "委员"),
    }
}

/// The longest reason or note, in characters.
pub const ELECTION_TEXT_MAX: usize = 200;

/// A request to hold the election as typed: the planned day of the vote, the seats of
/// the new committee, and, for a delay, the reason (a planned day after the term's end
/// is a delay).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ElectionRequestInput {
    /// 拟选举日期, `2026-07-01`.
    pub planned_on: String,
    /// 应选委员人数 (1 for a branch with only a 书记).
    pub seats: i64,
    /// 请示事由; for a delay, why.
    pub reason: String,
}

/// A checked request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElectionRequest {
    pub planned_on: NaiveDate,
    pub seats: u32,
    pub reason: String,
    /// Whether the planned day lies after the term's end (延期换届).
    pub delayed: bool,
}

/// Reads a request against the current term's end (`None` when the org has no term
/// recorded): a planned day more than `max_delay_months` past the end is refused.
pub fn check_request(
    input: &ElectionRequestInput,
    term_ends_on: Option<NaiveDate>,
    rules: &ElectionRules,
) -> Result<ElectionRequest, Invalid> {
    let mut inv = Invalid::default();
    let planned_on = parse_iso_date(&input.planned_on);
    if planned_on.is_none() {
        inv.push(FieldError::new("planned_on", "election.date", "请填写拟选举日期，如 2026-07-01"));
    }
    if input.seats < 1 || input.seats > i64::from(rules.max_committee_size) {
        inv.push(FieldError::new(
            "seats",
            "election.seats",
            format!("应选委员人数应为1至{}名（不设支委会的支部选举书记1名）", rules.max_committee_size),
        ));
    }
    let delayed = matches!((planned_on, term_ends_on), (Some(p), Some(end)) if p > end);
    if let (Some(p), Some(end)) = (planned_on, term_ends_on) {
        let latest = end.checked_add_months(Months::new(rules.max_delay_months)).unwrap_or(NaiveDate::MAX);
        if p > latest {
            inv.push(FieldError::new(
                "planned_on",
                "election.delay_too_long",
                format!("延期换届一般不超过{}个月：本届任期于{}届满，拟选举日期最晚为{}", rules.max_delay_months, end, latest),
            ));
        }
    }
    check_text(&mut inv, "reason", if delayed { "延期理由" } else { "请示事由" }, &input.reason, ELECTION_TEXT_MAX, true);
    match planned_on {
        Some(planned_on) if inv.is_empty() => {
            Ok(ElectionRequest { planned_on, seats: input.seats as u32, reason: input.reason.trim().to_string(), delayed })
        }
        _ => Err(inv),
    }
}

/// The 上级's decision on a request: by an account other than the one that asked;
/// declining says why.
pub fn approve_request(
    state: ElectionState,
    approve: bool,
    note: &str,
    decider: i64,
    requester: i64,
) -> Result<ElectionState, Invalid> {
    if state != ElectionState::PendingApproval {
        return Err(Invalid::one("state", "election.not_pending", format!("该换届请示{}，不能再批复", state.label())));
    }
    if decider == requester {
        return Err(Invalid::one("state", "election.same_account", "换届请示须由上级党组织的另一账户批复"));
    }
    let mut inv = Invalid::default();
    check_text(&mut inv, "note", "不批准的理由", note, ELECTION_TEXT_MAX, !approve);
    inv.into_result(if approve { ElectionState::Approved } else { ElectionState::Rejected })
}

/// One candidate's result as typed: the member, the votes for, and the role taken if
/// elected (empty: none yet, or not elected).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct CandidateInput {
    pub member_id: i64,
    /// 得票数 (赞成).
    pub votes: i64,
    /// Role in the new committee (`secretary`, `deputy_secretary`, `organization`,
    /// `publicity`, `discipline`, `member`); only for an elected candidate.
    pub role: String,
}

/// The vote as typed: the day, the roll of the assembly and each candidate's votes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ElectionVoteInput {
    /// 选举日期.
    pub held_on: String,
    /// 有选举权的党员 (正式党员).
    pub voting_members: i64,
    /// Voting members not counted in the 应到会人数 (quorum exclusions).
    pub excluded: i64,
    /// 实到会有选举权的党员.
    pub present_voters: i64,
    pub candidates: Vec<CandidateInput>,
}

/// A candidate's checked result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateResult {
    pub member_id: i64,
    pub votes: u32,
    pub elected: bool,
    pub role: Option<CommitteeRole>,
}

/// A checked vote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElectionVote {
    pub held_on: NaiveDate,
    pub roll: AssemblyRoll,
    pub candidates: Vec<CandidateResult>,
    /// The elected 书记's member id.
    pub secretary: i64,
}

fn count(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

/// Checks the vote of an approved election: the assembly has a quorum (more than half of
/// those entitled present, as for any 支部党员大会); a candidate is elected with votes from
/// more than half of the voters present (选举工作条例: 赞成票超过实到会有选举权人数的一半);
/// no more are elected than seats, at least as many candidates stand as seats, and exactly
/// one elected candidate is 书记, every other role at most once (委员 excepted). `today`
/// bounds the day of the vote.
pub fn check_vote(
    state: ElectionState,
    seats: u32,
    input: &ElectionVoteInput,
    today: NaiveDate,
) -> Result<ElectionVote, Invalid> {
    if state != ElectionState::Approved {
        return Err(Invalid::one(
            "state",
            "election.not_approved",
            format!("该换届{}，须经上级批复同意后才能登记选举结果", state.label()),
        ));
    }
    let mut inv = Invalid::default();
    let held_on = parse_iso_date(&input.held_on);
    match held_on {
        None => inv.push(FieldError::new("held_on", "election.date", "请填写选举日期，如 2026-07-01")),
        Some(d) if d > today => inv.push(FieldError::new("held_on", "election.future", "选举日期不能晚于今天")),
        _ => {}
    }
    let roll = AssemblyRoll {
        voting_members: count(input.voting_members),
        excluded: count(input.excluded),
        present_voters: count(input.present_voters),
    };
    if roll.excluded > roll.voting_members || roll.present_voters > roll.entitled() {
        inv.push(FieldError::new(
            "present_voters",
            "election.roll",
            "实到人数不能超过应到会人数（有选举权的党员减去不计入应到会的人数）",
        ));
        return Err(inv);
    }
    let quorum = roll.quorum();
    if !quorum.met {
        inv.push(FieldError::new(
            "present_voters",
            "assembly.no_quorum",
            format!(
                "到会有选举权党员 {} 名，未超过应到会 {} 名的半数（至少需 {} 名），选举无效，请另行召开党员大会",
                quorum.present, quorum.entitled, quorum.needed
            ),
        ));
        return Err(inv);
    }
    if (input.candidates.len() as u64) < u64::from(seats) {
        inv.push(FieldError::new("candidates", "election.too_few_candidates", format!("候选人应不少于应选委员人数 {seats} 名")));
    }
    let mut results = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut roles = std::collections::BTreeSet::new();
    let mut secretary = None;
    for c in &input.candidates {
        if !seen.insert(c.member_id) {
            inv.push(FieldError::new("candidates", "election.duplicate", "同一候选人只能填写一次"));
            continue;
        }
        let votes = count(c.votes);
        if votes > roll.present_voters {
            inv.push(FieldError::new(
                "candidates",
                "election.too_many_votes",
                format!("候选人得票 {votes} 票，超过实到会有选举权党员 {} 名", roll.present_voters),
            ));
        }
        let elected = exceeds_half(votes, roll.present_voters);
        let role = match c.role.trim() {
            "" => None,
            code => match CommitteeRole::from_code(code) {
                Some(r) => Some(r),
                None => {
                    inv.push(FieldError::new(
                        "candidates",
                        "election.role",
                        "职务应为书记、副书记、组织委员、宣传委员、纪检委员或委员",
                    ));
                    None
                }
            },
        };
        if let Some(r) = role {
            if !elected {
                inv.push(FieldError::new(
                    "candidates",
                    "election.role_not_elected",
                    format!(
                        "得票 {votes} 票未超过实到会人数的半数（至少需 {} 票），未当选，不能担任{}",
                        more_than_half(roll.present_voters),
                        r.label()
                    ),
                ));
            } else if r != CommitteeRole::Member && !roles.insert(r) {
                inv.push(FieldError::new("candidates", "election.role_twice", format!("{}只能由一人担任", r.label())));
            }
            if r == CommitteeRole::Secretary && elected {
                secretary = Some(c.member_id);
            }
        }
        results.push(CandidateResult { member_id: c.member_id, votes, elected, role });
    }
    let elected = results.iter().filter(|r| r.elected).count() as u64;
    if elected > u64::from(seats) {
        inv.push(FieldError::new(
            "candidates",
            "election.too_many_elected",
            format!("过半数当选的 {elected} 名多于应选 {seats} 名：按选举办法对得票相同或超出名额的候选人另行投票后再登记"),
        ));
    }
    if secretary.is_none() && inv.is_empty() {
        inv.push(FieldError::new("candidates", "election.no_secretary", "请在当选的委员中指定书记"));
    }
    match (held_on, secretary) {
        (Some(held_on), Some(secretary)) if inv.is_empty() => Ok(ElectionVote { held_on, roll, candidates: results, secretary }),
        _ => Err(inv),
    }
}

/// The 上级's approval of the elected 书记: by an account other than the one that recorded
/// the vote; declining says why (the election goes back to be voted again).
pub fn approve_secretary(
    state: ElectionState,
    approve: bool,
    note: &str,
    decider: i64,
    vote_recorder: i64,
) -> Result<ElectionState, Invalid> {
    if state != ElectionState::Voted {
        return Err(Invalid::one("state", "election.not_voted", format!("该换届{}，没有待批准的书记人选", state.label())));
    }
    if decider == vote_recorder {
        return Err(Invalid::one(
            "state",
            "election.same_account",
            "书记人选须由上级党组织的另一账户批准，不能由登记选举结果的账户批准",
        ));
    }
    let mut inv = Invalid::default();
    check_text(&mut inv, "note", "不批准的理由", note, ELECTION_TEXT_MAX, !approve);
    inv.into_result(if approve { ElectionState::Completed } else { ElectionState::Approved })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::rules::OrgRules;
    use crate::org::{OrgKind, Sector, default_term_years, term_end};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn request(planned: &str) -> ElectionRequestInput {
        ElectionRequestInput {
            planned_on: planned.into(), seats: 5, reason: "本届任期即将届满，拟召开党员大会换届".into()
        }
    }

    #[test]
    fn term_ends_three_years_after_for_a_branch_and_five_for_village_community_and_committee() {
        let r = OrgRules::default();
        let start = d(2024, 3, 1);
        let end = |k, s| term_end(start, default_term_years(k, s, &r).unwrap());
        assert_eq!(end(OrgKind::Branch, Sector::Government), d(2027, 3, 1));
        assert_eq!(end(OrgKind::Branch, Sector::Rural), d(2029, 3, 1));
        assert_eq!(end(OrgKind::Branch, Sector::Community), d(2029, 3, 1));
        assert_eq!(end(OrgKind::Committee, Sector::StateEnterprise), d(2029, 3, 1));
    }

    #[test]
    fn a_delay_of_at_most_a_year_past_the_term_end_is_accepted_and_longer_is_refused() {
        let rules = ElectionRules::default();
        let end = Some(d(2027, 3, 1));
        let on_time = check_request(&request("2027-02-20"), end, &rules).unwrap();
        assert!(!on_time.delayed);
        let a_year = check_request(&request("2028-03-01"), end, &rules).unwrap();
        assert!(a_year.delayed);
        assert!(check_request(&request("2028-03-02"), end, &rules).unwrap_err().has("election.delay_too_long"));
    }

    #[test]
    fn a_request_needs_a_date_seats_within_the_committee_size_and_a_reason() {
        let rules = ElectionRules::default();
        let bad = ElectionRequestInput { planned_on: "2027/3/1".into(), seats: 8, reason: " ".into() };
        let e = check_request(&bad, None, &rules).unwrap_err();
        assert!(e.has("election.date") && e.has("election.seats") && e.has("text.required"));
    }

    #[test]
    fn the_request_is_approved_by_another_account_and_declining_says_why() {
        use ElectionState::*;
        assert_eq!(approve_request(PendingApproval, true, "", 2, 1), Ok(Approved));
        assert!(approve_request(PendingApproval, true, "", 1, 1).unwrap_err().has("election.same_account"));
        assert!(approve_request(PendingApproval, false, "", 2, 1).unwrap_err().has("text.required"));
        assert_eq!(approve_request(PendingApproval, false, "人选尚未酝酿成熟", 2, 1), Ok(Rejected));
        assert!(approve_request(Approved, true, "", 2, 1).unwrap_err().has("election.not_pending"));
    }

    fn cand(member_id: i64, votes: i64, role: &str) -> CandidateInput {
        CandidateInput { member_id, votes, role: role.into() }
    }

    fn vote(present: i64, candidates: Vec<CandidateInput>) -> ElectionVoteInput {
        ElectionVoteInput { held_on: "2027-02-20".into(), voting_members: 20, excluded: 2, present_voters: present, candidates }
    }

    #[test]
    fn quorum_not_met_refuses_the_vote() {
        // 应到会 18: 9 present is not more than half.
        let e = check_vote(ElectionState::Approved, 1, &vote(9, vec![cand(1, 9, "secretary")]), d(2027, 3, 1)).unwrap_err();
        assert!(e.has("assembly.no_quorum"));
        let ok = check_vote(ElectionState::Approved, 1, &vote(10, vec![cand(1, 9, "secretary")]), d(2027, 3, 1)).unwrap();
        assert_eq!((ok.roll.quorum().needed, ok.secretary), (10, 1));
    }

    #[test]
    fn a_candidate_is_elected_with_more_than_half_of_the_voters_present() {
        let v = vote(16, vec![cand(1, 15, "secretary"), cand(2, 9, "organization"), cand(3, 8, ""), cand(4, 12, "member")]);
        let r = check_vote(ElectionState::Approved, 3, &v, d(2027, 3, 1)).unwrap();
        let elected: Vec<i64> = r.candidates.iter().filter(|c| c.elected).map(|c| c.member_id).collect();
        assert_eq!(elected, vec![1, 2, 4]);
        let not_elected = vote(16, vec![cand(1, 15, "secretary"), cand(3, 8, "publicity")]);
        assert!(
            check_vote(ElectionState::Approved, 1, &not_elected, d(2027, 3, 1)).unwrap_err().has("election.role_not_elected")
        );
    }

    #[test]
    fn the_committee_has_exactly_one_secretary_and_each_role_once() {
        let today = d(2027, 3, 1);
        let none = vote(16, vec![cand(1, 15, "organization"), cand(2, 14, "")]);
        assert!(check_vote(ElectionState::Approved, 2, &none, today).unwrap_err().has("election.no_secretary"));
        let two = vote(16, vec![cand(1, 15, "secretary"), cand(2, 14, "secretary")]);
        assert!(check_vote(ElectionState::Approved, 2, &two, today).unwrap_err().has("election.role_twice"));
        let members = vote(16, vec![cand(1, 15, "secretary"), cand(2, 14, "member"), cand(3, 13, "member")]);
        assert!(check_vote(ElectionState::Approved, 3, &members, today).is_ok());
    }

    #[test]
    fn more_elected_than_seats_too_few_candidates_or_too_many_votes_are_refused() {
        let today = d(2027, 3, 1);
        let over = vote(16, vec![cand(1, 15, "secretary"), cand(2, 14, ""), cand(3, 13, "")]);
        assert!(check_vote(ElectionState::Approved, 2, &over, today).unwrap_err().has("election.too_many_elected"));
        let few = vote(16, vec![cand(1, 15, "secretary")]);
        assert!(check_vote(ElectionState::Approved, 3, &few, today).unwrap_err().has("election.too_few_candidates"));
        let many = vote(16, vec![cand(1, 17, "secretary")]);
        assert!(check_vote(ElectionState::Approved, 1, &many, today).unwrap_err().has("election.too_many_votes"));
    }

    #[test]
    fn the_vote_needs_an_approved_request_and_a_day_not_in_the_future() {
        let v = vote(16, vec![cand(1, 15, "secretary")]);
        assert!(check_vote(ElectionState::PendingApproval, 1, &v, d(2027, 3, 1)).unwrap_err().has("election.not_approved"));
        assert!(check_vote(ElectionState::Approved, 1, &v, d(2027, 2, 19)).unwrap_err().has("election.future"));
    }

    #[test]
    fn secretary_approval_by_the_account_that_recorded_the_vote_is_refused() {
        use ElectionState::*;
        assert!(approve_secretary(Voted, true, "", 7, 7).unwrap_err().has("election.same_account"));
        assert_eq!(approve_secretary(Voted, true, "", 8, 7), Ok(Completed));
        assert_eq!(approve_secretary(Voted, false, "书记人选不符合条件，请重新选举", 8, 7), Ok(Approved));
        assert!(approve_secretary(Approved, true, "", 8, 7).unwrap_err().has("election.not_voted"));
    }
}
