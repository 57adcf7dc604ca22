//! 组织生活: 三会一课, the monthly 主题党日 (固定组织生活日) and its yearly plan, meeting
//! records and attendance, and the rules engine that turns facts into findings
//! (`domain.md` §1 A3/A4/A20, §4.1–§4.4, §6).
//!
//! - [`meeting`]: meeting types, who is expected to hold what, attendance, the quorum and
//!   vote rules of the 支部党员大会, the record correction window.
//! - [`record`]: a meeting record's input, patch and validation, attendance marks.
//! - [`plan`]: the yearly plan, its items, deadline and state machine.
//! - [`rules`]: the rules as versioned data ([`OrgLifeRules`], part of
//!   [`crate::kernel::rules::RuleSet`]).
//! - [`engine`]: [`evaluate_org`], [`evaluate_member`] and [`meeting_tallies`].
//! - [`check`]: rule titles and the pure decisions of reconciling findings with the
//!   stored ones (the period a finding is filed under, which stored ones are frozen).

pub mod check;
pub mod engine;
pub mod leave;
pub mod meeting;
pub mod plan;
pub mod record;
pub mod rules;

pub use engine::{
    HeldMeeting, MemberFacts, MemberMeeting, OrgFacts, PlanFacts, Tally, evaluate_member, evaluate_org, expected_in,
    meeting_tallies,
};
pub use meeting::{
    AssemblyRoll, Attendance, Correction, Decision, MeetingStatus, MeetingType, Quorum, Votes, committee_quorum, correction,
    decide, decision_passes, expected_types,
};
pub use plan::{PlanAction, PlanItem, PlanState, deadline, is_late, transition, validate_items};
pub use rules::{
    ABSENCE_CODE, AbsenceRule, Frequency, MeetingRule, OrgLifeRules, PARTICIPATION_CODE, PLAN_CODE, ParticipationRule, PlanRule,
    RagThresholds, RuleInfo, STRUCTURE_CODE, StructureRule, TERM_CODE, TermRule,
};

#[cfg(test)]
mod tests;
