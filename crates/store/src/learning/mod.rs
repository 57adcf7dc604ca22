//! 学 (learning) storage: the question bank, quizzes and exams with their attempts and
//! answers, and points (积分) with totals and rankings (微排行). Content, 微发布, study
//! plans, 学时 and search are later siblings in this folder.
//!
//! Everything goes through [`Scoped`](crate::Scoped). Administrative writes (question bank
//! edits and imports, exam setup) are audited in their transaction; a member's own
//! answers and points are not (they are the member's own, kept in their own tables with
//! their source, and would otherwise serialize every quiz on the audit chain's head).
//!
//! - [`bank`]: questions, written by a branch or committee for its subtree.
//! - [`quiz`]: the daily quiz, exams, attempts (one row per member, quiz and attempt
//!   number), submission, results and per-question statistics, the wrong-answer book.
//! - [`points`]: points events, totals per period, rank buckets, "my rank" and the
//!   top-100 of a scope, and the recomputation of totals from events.
//! - [`hours`]: 学时 — the ledger per member and year (online study, attended sessions,
//!   training), exemptions, reports with drill-down, and the 学时/training/plan engine.
//! - [`plan`]: yearly study plans filed upward, and the children's 已报/未报.
//! - [`training`]: training classes, enrolment and attendance credited to the ledger.

use crate::{StoreError, StoreResult};

pub mod bank;
pub mod bulk;
pub mod hours;
pub mod plan;
pub mod points;
pub mod quiz;
pub mod training;

pub use bank::{BankImport, QuestionView, template_xlsx};
pub use points::{MyPoints, PointsCheck, RankEntry, RankView, TodayLine};
pub use quiz::{
    AnswerOutcome, AttemptResult, DailyStatus, ExamView, PaperOption, PaperQuestion, QuestionStat, QuizPaper, ResultRow,
    WrongAnswer,
};

crate::platform::scope::feature_handle!(
    /// 学: the question bank, quizzes and exams, points and rankings.
    Learning,
    learning
);

/// The caller's own member record, as learning needs it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct Me {
    pub region_id: i64,
    pub id: i64,
    pub org_path: String,
}

impl Learning<'_> {
    /// The caller's member record; not found for an account bound to none (the portal's
    /// rule: what is one's own does not exist without a member record).
    pub(crate) async fn me(&self) -> StoreResult<Me> {
        let member_id = self.scope.member_id.ok_or(StoreError::NotFound)?;
        let me: Option<Me> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT region_id, id, org_path FROM members WHERE region_id = $1 AND id = $2 AND archived = FALSE")
            .bind(self.scope.region_id).bind(member_id).fetch_optional(c).await)?;
        me.ok_or(StoreError::NotFound)
    }
}

/// The org paths a member at `path` belongs to, root first: each ancestor and the
/// branch itself (`/1/5/9/` → `/1/`, `/1/5/`, `/1/5/9/`). These are the scopes a
/// member's points are ranked in and the banks the member draws from.
pub(crate) fn scopes_of(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut acc = String::from("/");
    for id in vanguard_domain::org::path::ids(path) {
        acc.push_str(&format!("{id}/"));
        out.push(acc.clone());
    }
    out
}

/// `($n, …)`: an `IN` list of bound values (`(NULL)` when empty, matching nothing).
pub(crate) fn in_list<T: Into<crate::platform::bulk::Val> + Clone>(values: &[T]) -> crate::platform::query::Sql {
    let mut s = crate::platform::query::Sql::new("(");
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            s.push(", ");
        }
        s.bind(v.clone());
    }
    if values.is_empty() {
        s.push("NULL");
    }
    s.push(")");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_belongs_to_each_ancestor_and_itself() {
        assert_eq!(scopes_of("/1/5/9/"), vec!["/1/", "/1/5/", "/1/5/9/"]);
    }
}
