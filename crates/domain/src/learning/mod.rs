//! 学 (learning): the 红客榜's 微测试 and 微排行 (`domain.md` §1 A1, A2, A6, A15; §2.1
//! 学习强国's points scheme). Content, 微发布, study plans, 学时 and search are later
//! siblings in this folder.
//!
//! - [`quiz`]: question kinds, a question's validation, grading, the daily quiz drawn per
//!   member, randomized order per attempt, an exam's window, time limit and attempts,
//!   and the score kept.
//! - [`bank_import`]: the question bank's .xlsx template headings and the reading of
//!   its rows, with each bad row's number and reasons.
//! - [`points`]: the points rule table ([`LearningRules`], part of
//!   [`crate::kernel::rules::RuleSet`]), the award of one event under the caps and
//!   time-window bonus, and the ranking periods.
//! - [`hours`]: 学时 — the targets (32 h, 56 h for 书记和班子成员), the rate per attended
//!   session type, 脱产 8 h/day, the pace at quarter ends, exemptions ([`hours::StudyHourRules`]).
//! - [`plan`]: the yearly study plan (年度学习计划) and the finding of one not filed.
//! - [`training`]: training classes (领头雁, 新任书记, 轮训, 发展对象, 预备期), the hours
//!   credited and the training duties' findings.

pub mod bank_import;
pub mod hours;
pub mod plan;
pub mod points;
pub mod quiz;
pub mod training;

pub use points::{Award, LearningRules, PointsAction, PointsRule, PointsTally, RankPeriod, award, in_active_window};
pub use quiz::{
    AnswerKey, ExamSetup, Grade, KeepPolicy, QuestionDraft, QuestionKind, QuizKind, Response, attempt_order, check_submission,
    draw_daily, grade, kept_score, may_start, normalise_fill_in, parse_key, submission_deadline,
};
