//! 微测试 storage: the daily quiz drawn per member, exams set up by an org for its
//! subtree, attempts, submission and grading on the server, kept scores, results with
//! per-question statistics, and the member's wrong-answer book.
//!
//! Anti-cheat, as issue 12 §3 asks: the reads that serve a quiz being taken
//! ([`QuizPaper`]) never select the answer key; a submission is graded here; one after
//! the attempt's deadline is refused; an attempt is submitted once (`UPDATE … WHERE
//! submitted_at IS NULL`, so of two devices submitting at once one wins and the other
//! is told it was already submitted); attempts have a unique key per member, quiz and
//! attempt number; the kept score follows the exam's policy (first, or best of N) and
//! points are awarded once per quiz (their source is the quiz).

use super::bank::{QuestionRow, json_column, question_cols, to_json};
use super::{Learning, Me, in_list, scopes_of};
use crate::platform::audit::{self, Event};
use crate::platform::bulk::{self, bulk_row};
use crate::platform::error::decode;
use crate::platform::ids;
use crate::platform::paging::{SortKey, capped_page};
use crate::platform::query::Sql;
use crate::{StoreError, StoreResult, Tx};
use serde::Serialize;
use std::collections::HashMap;
use vanguard_domain::Invalid;
use vanguard_domain::kernel::paging::{Page, PageRequest};
use vanguard_domain::kernel::time::{DAY_MS, china_date, china_midnight_ms, date_text};
use vanguard_domain::learning::quiz::{daily_seed, may_start};
use vanguard_domain::learning::{
    AnswerKey, ExamSetup, KeepPolicy, PointsAction, QuestionKind, QuizKind, Response, attempt_order, check_submission,
    draw_daily, grade, kept_score, submission_deadline,
};

/// Most questions of one exam.
pub const MAX_EXAM_QUESTIONS: usize = 100;

/// One option as shown: its stored index (what the answer names) and text.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PaperOption {
    pub index: u8,
    pub letter: String,
    pub text: String,
}

/// A question as shown to the member taking the quiz: no key, no explanation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PaperQuestion {
    pub id: i64,
    pub kind: QuestionKind,
    pub kind_label: &'static str,
    pub stem: String,
    /// In the order this attempt shows them.
    pub options: Vec<PaperOption>,
    /// Blanks of a 填空题.
    pub blanks: usize,
}

/// A quiz being taken.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuizPaper {
    pub attempt_id: i64,
    pub kind: QuizKind,
    pub kind_label: &'static str,
    pub title: String,
    pub attempt_no: i64,
    pub started_at: i64,
    /// Submissions after this instant are refused.
    pub deadline_at: i64,
    pub submitted: bool,
    pub questions: Vec<PaperQuestion>,
}

/// One answered question in a result, with the key and explanation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AnswerOutcome {
    pub question_id: i64,
    pub kind: QuestionKind,
    pub kind_label: &'static str,
    pub stem: String,
    pub options: Vec<PaperOption>,
    pub given: Response,
    /// The answer given, as people write it.
    pub given_text: String,
    pub correct: bool,
    pub score: i64,
    pub key_text: String,
    pub source: String,
    pub explanation: String,
}

/// A submitted attempt.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttemptResult {
    pub attempt_id: i64,
    pub kind: QuizKind,
    pub title: String,
    pub attempt_no: i64,
    pub score: i64,
    pub max_score: i64,
    pub correct_count: i64,
    pub question_count: usize,
    /// The score that counts for this quiz after this attempt.
    pub kept_score: i64,
    pub submitted_at: i64,
    pub answers: Vec<AnswerOutcome>,
}

/// An exam or weekly quiz as set up.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct ExamView {
    pub id: i64,
    pub org_id: i64,
    pub title: String,
    #[sqlx(try_from = "String")]
    pub kind: QuizKind,
    pub opens_at: i64,
    pub closes_at: i64,
    pub time_limit_minutes: i64,
    pub max_attempts: i64,
    #[sqlx(try_from = "String", rename = "keep_policy")]
    pub keep: KeepPolicy,
    pub partial_multiple: bool,
    pub question_points: i64,
    #[serde(skip)]
    pub question_ids: String,
    #[sqlx(skip)]
    pub question_count: usize,
    /// The caller's attempts and kept score (the member's list only).
    #[sqlx(skip)]
    pub my_attempts: Option<i64>,
    #[sqlx(skip)]
    pub my_score: Option<i64>,
}

macro_rules! exam_cols {
    () => {
        "SELECT id, org_id, title, kind, opens_at, closes_at, time_limit_minutes, max_attempts, keep_policy, partial_multiple, \
         question_points, question_ids FROM learning_quizzes"
    };
}

impl ExamView {
    fn question_ids(&self) -> StoreResult<Vec<i64>> {
        json_column("learning_quizzes.question_ids", &self.question_ids)
    }
    fn counted(mut self) -> StoreResult<Self> {
        self.question_count = self.question_ids()?.len();
        Ok(self)
    }
}

/// A member's kept result in an exam.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct ResultRow {
    pub member_id: i64,
    pub name: String,
    pub org_name: String,
    pub attempts: i64,
    pub kept_score: i64,
    pub max_score: i64,
    pub first_submitted_at: i64,
}

/// How one question fared: answers and wrong answers.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuestionStat {
    pub question_id: i64,
    pub kind_label: &'static str,
    pub stem: String,
    pub key_text: String,
    pub answered: i64,
    pub wrong: i64,
    /// Wrong answers per thousand answers.
    pub wrong_permille: i64,
}

/// Today's daily quiz of a member, once started.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DailyStatus {
    pub attempt_id: i64,
    pub submitted: bool,
    pub score: i64,
    pub max_score: i64,
}

/// A question the member got wrong, with the key and explanation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WrongAnswer {
    pub question_id: i64,
    pub kind_label: &'static str,
    pub stem: String,
    pub options: Vec<String>,
    pub key_text: String,
    pub source: String,
    pub explanation: String,
    pub wrong_times: i64,
    pub last_wrong_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct AttemptRow {
    id: i64,
    quiz_key: String,
    kind: String,
    attempt_no: i64,
    started_at: i64,
    deadline_at: i64,
    question_order: String,
    question_points: i64,
    partial_multiple: bool,
    submitted_at: Option<i64>,
    score: Option<i64>,
    max_score: i64,
    correct_count: Option<i64>,
}

macro_rules! attempt_cols {
    () => {
        "SELECT id, quiz_key, kind, attempt_no, started_at, deadline_at, question_order, question_points, \
         partial_multiple, submitted_at, score, max_score, correct_count FROM learning_attempts"
    };
}

/// The columns a paper reads: the answer key and explanation are not among them.
#[derive(sqlx::FromRow)]
struct PaperRow {
    id: i64,
    kind: String,
    stem: String,
    options: String,
    blanks: i64,
}

impl AttemptRow {
    fn kind(&self) -> StoreResult<QuizKind> {
        decode("learning_attempts.kind", &self.kind, QuizKind::from_code)
    }
    fn order(&self) -> StoreResult<Vec<(i64, Vec<u8>)>> {
        json_column("learning_attempts.question_order", &self.question_order)
    }
}

fn shown_options(texts: &[String], order: &[u8]) -> Vec<PaperOption> {
    let idx: Vec<u8> = if order.is_empty() { (0..texts.len().min(255) as u8).collect() } else { order.to_vec() };
    idx.iter()
        .enumerate()
        .filter_map(|(pos, i)| {
            texts.get(usize::from(*i)).map(|t| PaperOption {
                index: *i,
                letter: vanguard_domain::learning::quiz::option_letter(pos as u8).to_string(),
                text: t.clone(),
            })
        })
        .collect()
}

fn action_of(kind: QuizKind) -> PointsAction {
    match kind {
        QuizKind::Daily => PointsAction::DailyQuiz,
        QuizKind::Weekly => PointsAction::WeeklyQuiz,
        QuizKind::Special => PointsAction::SpecialExam,
    }
}

/// The answer as people read it: the letters as shown, 正确/错误, or the blanks.
fn given_text(kind: QuestionKind, options: &[PaperOption], given: &Response) -> String {
    match kind {
        QuestionKind::FillIn => given.blanks.join("；"),
        QuestionKind::TrueFalse => {
            options.iter().filter(|o| given.choices.contains(&o.index)).map(|o| o.text.as_str()).collect::<Vec<_>>().join("、")
        }
        _ => options.iter().filter(|o| given.choices.contains(&o.index)).map(|o| o.letter.as_str()).collect::<String>(),
    }
}

fn exam_key(id: i64) -> String {
    format!("exam:{id}")
}

impl Learning<'_> {
    async fn attempt_by_no(&self, me: &Me, quiz_key: &str, no: i64) -> StoreResult<Option<AttemptRow>> {
        Ok(crate::read!(self.db, c => sqlx::query_as(concat!(attempt_cols!(),
            " WHERE region_id = $1 AND member_id = $2 AND quiz_key = $3 AND attempt_no = $4"))
            .bind(me.region_id).bind(me.id).bind(quiz_key).bind(no).fetch_optional(c).await)?)
    }

    async fn own_attempt(&self, attempt_id: i64) -> StoreResult<(Me, AttemptRow)> {
        let me = self.me().await?;
        let row: Option<AttemptRow> = crate::read!(self.db, c => sqlx::query_as(concat!(attempt_cols!(),
            " WHERE region_id = $1 AND id = $2 AND member_id = $3"))
            .bind(me.region_id).bind(attempt_id).bind(me.id).fetch_optional(c).await)?;
        Ok((me, row.ok_or(StoreError::NotFound)?))
    }

    async fn exam_row(&self, region_id: i64, exam_id: i64) -> StoreResult<(ExamView, String)> {
        let row: Option<(i64, String)> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT id, org_path FROM learning_quizzes WHERE region_id = $1 AND id = $2")
            .bind(region_id).bind(exam_id).fetch_optional(c).await)?;
        let (_, path) = row.ok_or(StoreError::NotFound)?;
        let exam: ExamView = crate::read!(self.db, c => sqlx::query_as(concat!(exam_cols!(), " WHERE region_id = $1 AND id = $2"))
            .bind(region_id).bind(exam_id).fetch_one(c).await)?;
        Ok((exam.counted()?, path))
    }

    fn title_of(quiz_key: &str, exams: Option<&ExamView>) -> String {
        match exams {
            Some(e) => e.title.clone(),
            None => format!("每日答题 {}", quiz_key.trim_start_matches("daily:")),
        }
    }

    async fn exam_of_attempt(&self, region_id: i64, row: &AttemptRow) -> StoreResult<Option<ExamView>> {
        match row.quiz_key.strip_prefix("exam:").and_then(|s| s.parse::<i64>().ok()) {
            Some(id) => Ok(Some(self.exam_row(region_id, id).await?.0)),
            None => Ok(None),
        }
    }

    /// The paper of an attempt: the questions and options in the attempt's order, read
    /// without their keys.
    async fn paper(&self, region_id: i64, row: &AttemptRow) -> StoreResult<QuizPaper> {
        let order = row.order()?;
        let ids: Vec<i64> = order.iter().map(|(id, _)| *id).collect();
        // Neither the key nor the explanation is read: the number of blanks is all a
        // 填空题 shows of its key.
        let mut sql = Sql::new("SELECT id, kind, stem, options, blanks FROM learning_questions WHERE region_id = ");
        sql.bind(region_id).push(" AND id IN ").append(&id_list(&ids));
        let rows: Vec<PaperRow> = sql.fetch_all(self.db).await?;
        let by_id: HashMap<i64, &PaperRow> = rows.iter().map(|r| (r.id, r)).collect();
        let mut questions = Vec::with_capacity(order.len());
        for (id, opts) in &order {
            let Some(r) = by_id.get(id) else { continue };
            let kind = decode("learning_questions.kind", &r.kind, QuestionKind::from_code)?;
            let texts: Vec<String> = json_column("learning_questions.options", &r.options)?;
            questions.push(PaperQuestion {
                id: *id,
                kind,
                kind_label: kind.label(),
                stem: r.stem.clone(),
                options: shown_options(&texts, opts),
                blanks: usize::try_from(r.blanks).unwrap_or(0),
            });
        }
        let kind = row.kind()?;
        let exam = self.exam_of_attempt(region_id, row).await?;
        Ok(QuizPaper {
            attempt_id: row.id,
            kind,
            kind_label: kind.label(),
            title: Self::title_of(&row.quiz_key, exam.as_ref()),
            attempt_no: row.attempt_no,
            started_at: row.started_at,
            deadline_at: row.deadline_at,
            submitted: row.submitted_at.is_some(),
            questions,
        })
    }

    /// Today's 每日答题 of the caller, if started: its attempt, without starting one.
    pub async fn daily_today(&self) -> StoreResult<Option<DailyStatus>> {
        let me = self.me().await?;
        let key = format!("daily:{}", date_text(china_date(self.db.clock().now_ms())));
        Ok(self.attempt_by_no(&me, &key, 1).await?.map(|a| DailyStatus {
            attempt_id: a.id,
            submitted: a.submitted_at.is_some(),
            score: a.score.unwrap_or(0),
            max_score: a.max_score,
        }))
    }

    /// Today's 每日答题 of the caller: drawn from the banks of the member's branch and its
    /// ancestors, the same on every reload of the day (one attempt a day, closing at
    /// midnight China time).
    pub async fn daily_quiz(&self) -> StoreResult<QuizPaper> {
        let me = self.me().await?;
        let now = self.db.clock().now_ms();
        let date = china_date(now);
        let key = format!("daily:{}", date_text(date));
        if let Some(a) = self.attempt_by_no(&me, &key, 1).await? {
            return self.paper(me.region_id, &a).await;
        }
        let scopes = scopes_of(&me.org_path);
        let mut bank_sql = Sql::new("SELECT id, kind, options FROM learning_questions WHERE region_id = ");
        bank_sql.bind(me.region_id).push(" AND active = ").bind(true).push(" AND org_path IN ");
        bank_sql.append(&in_list(&scopes));
        let bank: Vec<(i64, String, String)> = bank_sql.fetch_all(self.db).await?;
        if bank.is_empty() {
            return Err(StoreError::conflict(
                "learning.empty_bank",
                "题库中还没有题目，暂时无法答题；请联系支部或上级党组织添加题目",
            ));
        }
        let size = self.db.rules().learning.daily_quiz_size as usize;
        let ids: Vec<i64> = bank.iter().map(|(id, _, _)| *id).collect();
        let drawn = draw_daily(&ids, me.id, date, size);
        let mut pairs = Vec::with_capacity(drawn.len());
        for id in &drawn {
            if let Some((_, kind, options)) = bank.iter().find(|(b, _, _)| b == id) {
                pairs.push((*id, option_count(kind, options)?));
            }
        }
        let order = attempt_order(&pairs, daily_seed(me.id, date).rotate_left(7));
        let deadline = china_midnight_ms(date) + DAY_MS - 1;
        self.insert_attempt(&me, &key, QuizKind::Daily, 1, now, deadline, &order, 1, false).await?;
        let a = self.attempt_by_no(&me, &key, 1).await?.ok_or(StoreError::NotFound)?;
        self.paper(me.region_id, &a).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn insert_attempt(
        &self,
        me: &Me,
        key: &str,
        kind: QuizKind,
        no: i64,
        now: i64,
        deadline: i64,
        order: &[(i64, Vec<u8>)],
        question_points: i64,
        partial: bool,
    ) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        // Two devices starting at once: the unique key keeps one row, both read it.
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO learning_attempts (region_id, id, member_id, org_path, quiz_key, kind, attempt_no, started_at, deadline_at, \
             question_order, question_points, partial_multiple, max_score) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
             ON CONFLICT (region_id, member_id, quiz_key, attempt_no) DO NOTHING")
            .bind(me.region_id).bind(ids::next()).bind(me.id).bind(&me.org_path).bind(key).bind(kind.code()).bind(no)
            .bind(now).bind(deadline).bind(to_json(&order)).bind(question_points).bind(partial)
            .bind(question_points * order.len() as i64).execute(c).await)?;
        tx.commit().await?;
        Ok(())
    }

    /// Starts (or resumes, while its time runs) the caller's attempt at an exam set up
    /// for their branch or an org above it.
    pub async fn start_exam(&self, exam_id: i64) -> StoreResult<QuizPaper> {
        let me = self.me().await?;
        let (exam, path) = self.exam_row(me.region_id, exam_id).await?;
        if !me.org_path.starts_with(&path) {
            return Err(StoreError::NotFound);
        }
        let key = exam_key(exam_id);
        let now = self.db.clock().now_ms();
        let attempts: Vec<AttemptRow> = crate::read!(self.db, c => sqlx::query_as(concat!(attempt_cols!(),
            " WHERE region_id = $1 AND member_id = $2 AND quiz_key = $3 ORDER BY attempt_no"))
            .bind(me.region_id).bind(me.id).bind(&key).fetch_all(c).await)?;
        if let Some(open) = attempts.iter().find(|a| a.submitted_at.is_none() && a.deadline_at >= now) {
            return self.paper(me.region_id, open).await;
        }
        let started = u32::try_from(attempts.len()).unwrap_or(u32::MAX);
        let no = may_start(exam.opens_at, exam.closes_at, u32::try_from(exam.max_attempts).unwrap_or(1), started, now)
            .map_err(conflict)?;
        let ids = exam.question_ids()?;
        let mut sql = Sql::new("SELECT id, kind, options FROM learning_questions WHERE region_id = ");
        sql.bind(me.region_id).push(" AND id IN ").append(&id_list(&ids));
        let rows: Vec<(i64, String, String)> = sql.fetch_all(self.db).await?;
        let mut pairs = Vec::with_capacity(ids.len());
        for id in &ids {
            if let Some((_, kind, options)) = rows.iter().find(|(r, _, _)| r == id) {
                pairs.push((*id, option_count(kind, options)?));
            }
        }
        let order = attempt_order(&pairs, ids::next() as u64);
        let deadline = submission_deadline(exam.closes_at, now, u32::try_from(exam.time_limit_minutes).unwrap_or(0));
        self.insert_attempt(
            &me,
            &key,
            exam.kind,
            i64::from(no),
            now,
            deadline,
            &order,
            exam.question_points,
            exam.partial_multiple,
        )
        .await?;
        let a = self.attempt_by_no(&me, &key, i64::from(no)).await?.ok_or(StoreError::NotFound)?;
        self.paper(me.region_id, &a).await
    }

    /// The paper of one of the caller's attempts (to continue it).
    pub async fn attempt_paper(&self, attempt_id: i64) -> StoreResult<QuizPaper> {
        let (me, row) = self.own_attempt(attempt_id).await?;
        self.paper(me.region_id, &row).await
    }

    /// Submits the caller's answers to an attempt: graded here, refused after the
    /// deadline or when the attempt was already submitted (from another device too).
    /// Keeps the score by the quiz's policy and awards the quiz's points once.
    pub async fn submit(&self, attempt_id: i64, answers: &[(i64, Response)]) -> StoreResult<AttemptResult> {
        let (me, row) = self.own_attempt(attempt_id).await?;
        let now = self.db.clock().now_ms();
        check_submission(row.deadline_at, row.submitted_at.is_some(), now).map_err(conflict)?;
        let kind = row.kind()?;
        let exam = self.exam_of_attempt(me.region_id, &row).await?;
        let keep = exam.as_ref().map(|e| e.keep).unwrap_or(KeepPolicy::First);
        let order = row.order()?;
        let ids: Vec<i64> = order.iter().map(|(id, _)| *id).collect();
        let questions = self.questions_by_id(me.region_id, &ids).await?;
        let points = u32::try_from(row.question_points).unwrap_or(1);
        let mut graded = Vec::with_capacity(order.len());
        for (id, _) in &order {
            let Some(q) = questions.get(id) else { continue };
            let given = answers.iter().find(|(a, _)| a == id).map(|(_, r)| r.clone()).unwrap_or_default();
            let g = grade(q.kind()?, &q.key()?, &given, points, row.partial_multiple);
            graded.push((*id, given, g));
        }
        let score: i64 = graded.iter().map(|(_, _, g)| i64::from(g.score)).sum();
        let correct = graded.iter().filter(|(_, _, g)| g.correct).count() as i64;
        let mut tx = self.db.begin().await?;
        let won = crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE learning_attempts SET submitted_at = $1, score = $2, correct_count = $3 WHERE region_id = $4 AND id = $5 AND submitted_at IS NULL")
            .bind(now).bind(score).bind(correct).bind(me.region_id).bind(attempt_id).execute(c).await)?;
        if won == 0 {
            return Err(conflict(check_submission(row.deadline_at, true, now).err().unwrap_or_default()));
        }
        let rows: Vec<_> = graded
            .iter()
            .map(|(qid, given, g)| {
                bulk_row![
                    me.region_id,
                    attempt_id,
                    *qid,
                    me.id,
                    row.quiz_key.as_str(),
                    to_json(given),
                    g.correct,
                    i64::from(g.score),
                    now
                ]
            })
            .collect();
        bulk::insert(
            &mut tx,
            "learning_answers",
            &["region_id", "attempt_id", "question_id", "member_id", "quiz_key", "response", "correct", "score", "answered_at"],
            &rows,
        )
        .await?;
        let kept = keep_result(&mut tx, &me, &row, keep, score, now).await?;
        super::points::record(
            &mut tx,
            self.db,
            me.region_id,
            me.id,
            &me.org_path,
            action_of(kind),
            u32::try_from(correct).unwrap_or(0),
            now,
            &row.quiz_key,
        )
        .await?;
        tx.commit().await?;
        self.attempt_result(attempt_id).await.map(|mut r| {
            r.kept_score = kept;
            r
        })
    }

    async fn questions_by_id(&self, region_id: i64, ids: &[i64]) -> StoreResult<HashMap<i64, QuestionRow>> {
        let mut sql = Sql::new(concat!(question_cols!(), " WHERE region_id = "));
        sql.bind(region_id).push(" AND id IN ").append(&id_list(ids));
        let rows: Vec<QuestionRow> = sql.fetch_all(self.db).await?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }

    /// A submitted attempt of the caller's, with each answer's key and explanation.
    pub async fn attempt_result(&self, attempt_id: i64) -> StoreResult<AttemptResult> {
        let (me, row) = self.own_attempt(attempt_id).await?;
        let Some(submitted_at) = row.submitted_at else {
            return Err(StoreError::conflict("quiz.not_submitted", "这次作答尚未交卷，交卷后才能查看答案和解析"));
        };
        let order = row.order()?;
        let ids: Vec<i64> = order.iter().map(|(id, _)| *id).collect();
        let questions = self.questions_by_id(me.region_id, &ids).await?;
        let given: Vec<(i64, String, bool, i64)> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT question_id, response, correct, score FROM learning_answers WHERE region_id = $1 AND attempt_id = $2")
            .bind(me.region_id).bind(attempt_id).fetch_all(c).await)?;
        let mut answers = Vec::with_capacity(order.len());
        for (id, opts) in &order {
            let (Some(q), Some((_, resp, correct, score))) = (questions.get(id), given.iter().find(|g| g.0 == *id)) else {
                continue;
            };
            let kind = q.kind()?;
            let options = shown_options(&q.options()?, opts);
            let resp: Response = json_column("learning_answers.response", resp)?;
            answers.push(AnswerOutcome {
                question_id: *id,
                kind,
                kind_label: kind.label(),
                stem: q.stem.clone(),
                given_text: given_text(kind, &options, &resp),
                options,
                given: resp,
                correct: *correct,
                score: *score,
                key_text: shown_key(kind, &q.key()?, opts),
                source: q.source.clone(),
                explanation: q.explanation.clone(),
            });
        }
        let kept: Option<i64> = crate::read!(self.db, c => sqlx::query_scalar(
            "SELECT kept_score FROM learning_results WHERE region_id = $1 AND member_id = $2 AND quiz_key = $3")
            .bind(me.region_id).bind(me.id).bind(&row.quiz_key).fetch_optional(c).await)?;
        let exam = self.exam_of_attempt(me.region_id, &row).await?;
        Ok(AttemptResult {
            attempt_id,
            kind: row.kind()?,
            title: Self::title_of(&row.quiz_key, exam.as_ref()),
            attempt_no: row.attempt_no,
            score: row.score.unwrap_or(0),
            max_score: row.max_score,
            correct_count: row.correct_count.unwrap_or(0),
            question_count: order.len(),
            kept_score: kept.unwrap_or(row.score.unwrap_or(0)),
            submitted_at,
            answers,
        })
    }

    /// Sets up an exam (or weekly quiz) of `org_id` for its subtree, from questions of
    /// the banks of that org, its ancestors or the caller's subtree. Audited.
    pub async fn create_exam(&self, org_id: i64, setup: ExamSetup, question_ids: &[i64]) -> StoreResult<ExamView> {
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?.to_string();
        let org = self.scoped().orgs().org(org_id).await?;
        if !org.path.starts_with(&root) {
            return Err(StoreError::NotFound);
        }
        let setup = setup.validate().map_err(StoreError::Invalid)?;
        let mut ids = question_ids.to_vec();
        ids.dedup();
        if ids.is_empty() || ids.len() > MAX_EXAM_QUESTIONS {
            return Err(StoreError::invalid("question_ids", "exam.questions", format!("请选择 1—{MAX_EXAM_QUESTIONS} 道题目")));
        }
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?.to_string();
        let org = self.scoped().orgs().org(org_id).await?;
        if !org.path.starts_with(&root) {
            return Err(StoreError::NotFound);
        }
        let found = self.questions_by_id(org.region_id, &ids).await?;
        let usable = |q: &QuestionRow| q.active && (org.path.starts_with(&q.org_path) || q.org_path.starts_with(&root));
        let missing = ids.iter().filter(|id| !found.get(id).is_some_and(usable)).count();
        if missing > 0 {
            return Err(StoreError::invalid(
                "question_ids",
                "exam.question_unavailable",
                format!("有 {missing} 道题目不存在、已停用或不在可用的题库中，请重新选择"),
            ));
        }
        let id = ids::next();
        let now = self.db.clock().now_ms();
        let mut tx = self.db.begin().await?;
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO learning_quizzes (region_id, id, org_id, org_path, kind, title, opens_at, closes_at, time_limit_minutes, \
             max_attempts, keep_policy, partial_multiple, question_points, question_ids, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)")
            .bind(org.region_id).bind(id).bind(org.id).bind(&org.path).bind(setup.kind.code()).bind(&setup.title)
            .bind(setup.opens_at).bind(setup.closes_at).bind(i64::from(setup.time_limit_minutes)).bind(i64::from(setup.max_attempts))
            .bind(setup.keep.code()).bind(setup.partial_multiple).bind(i64::from(setup.question_points)).bind(to_json(&ids))
            .bind(self.scope.actor.account_id).bind(now).execute(c).await)?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("learning.exam.create", format!("exam:{id}")).detail(format!(
                "{}：{}，{} 道题",
                org.name,
                setup.title,
                ids.len()
            )),
        )
        .await?;
        tx.commit().await?;
        self.exam(id).await
    }

    /// An exam within reach.
    pub async fn exam(&self, exam_id: i64) -> StoreResult<ExamView> {
        let (exam, path) = self.exam_row(self.scope.region_id, exam_id).await?;
        let (lo, hi) = self.scope.org_range();
        if lo.is_empty() || path < lo || path >= hi {
            return Err(StoreError::NotFound);
        }
        Ok(exam)
    }

    /// The exams set up within reach, newest first.
    pub async fn exams(&self, req: &PageRequest) -> StoreResult<Page<ExamView>> {
        let (lo, hi) = self.scope.org_range();
        let mut filters = Sql::new(" WHERE region_id = ");
        filters.bind(self.scope.region_id).push(" AND org_path >= ").bind(lo).push(" AND org_path < ").bind(hi);
        const ORDER: SortKey = SortKey { columns: &["id"], descending: true };
        let page: Page<ExamView> =
            capped_page(self.db, "learning_quizzes", exam_cols!(), &filters, &ORDER, req, |e: &ExamView| vec![e.id.into()])
                .await?;
        page.try_map(ExamView::counted)
    }

    /// The exams open to the caller (set up by the member's branch or an org above it)
    /// that closed within the last 30 days or are still to close, with the caller's
    /// attempts and kept score; at most 50, the latest opening first.
    pub async fn my_exams(&self) -> StoreResult<Vec<ExamView>> {
        let me = self.me().await?;
        let now = self.db.clock().now_ms();
        let scopes = scopes_of(&me.org_path);
        let mut sql = Sql::new(concat!(exam_cols!(), " WHERE region_id = "));
        sql.bind(me.region_id).push(" AND closes_at > ").bind(now - 30 * DAY_MS).push(" AND org_path IN ");
        sql.append(&in_list(&scopes)).push(" ORDER BY opens_at DESC, id DESC").limit(50);
        let exams: Vec<ExamView> = sql.fetch_all(self.db).await?;
        let mine: Vec<(String, i64, i64)> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT quiz_key, attempts, kept_score FROM learning_results WHERE region_id = $1 AND member_id = $2 AND quiz_key >= 'exam:' AND quiz_key < 'exam;'")
            .bind(me.region_id).bind(me.id).fetch_all(c).await)?;
        exams
            .into_iter()
            .map(|e| {
                let mut e = e.counted()?;
                if let Some((_, a, k)) = mine.iter().find(|(key, _, _)| *key == exam_key(e.id)) {
                    e.my_attempts = Some(*a);
                    e.my_score = Some(*k);
                }
                Ok(e)
            })
            .collect()
    }

    /// The kept results of an exam within reach, best first, of the members within reach.
    pub async fn exam_results(&self, exam_id: i64, req: &PageRequest) -> StoreResult<Page<ResultRow>> {
        self.exam(exam_id).await?;
        let (lo, hi) = self.scope.org_range();
        let mut filters = Sql::new(
            " FROM learning_results r JOIN members m ON m.region_id = r.region_id AND m.id = r.member_id \
             JOIN orgs o ON o.region_id = m.region_id AND o.id = m.org_id WHERE r.region_id = ",
        );
        filters.bind(self.scope.region_id).push(" AND r.quiz_key = ").bind(exam_key(exam_id));
        filters.push(" AND r.org_path >= ").bind(lo).push(" AND r.org_path < ").bind(hi);
        const ORDER: SortKey = SortKey { columns: &["r.kept_score", "r.member_id"], descending: true };
        let select =
            "SELECT r.member_id, m.name, o.name AS org_name, r.attempts, r.kept_score, r.max_score, r.first_submitted_at";
        // The count reads the filters' own FROM.
        let mut count = Sql::new("SELECT COUNT(*) FROM (SELECT 1");
        count.append(&filters).limit(crate::platform::paging::COUNT_CAP + 1).push(") capped");
        let (total, lower) = crate::platform::paging::capped(count.fetch_i64(self.db).await?, crate::platform::paging::COUNT_CAP);
        let offset = crate::platform::paging::jump_offset(req)?;
        let mut sql = Sql::new(select);
        sql.append(&filters).keyset(&ORDER, req)?.order_limit(&ORDER, req, offset);
        let rows: Vec<ResultRow> = sql.fetch_all(self.db).await?;
        Ok(crate::platform::paging::finish(req, rows, total, lower, |r: &ResultRow| {
            vec![r.kept_score.into(), r.member_id.into()]
        }))
    }

    /// Per-question statistics of an exam within reach: answers and wrong answers, the
    /// most often wrong first.
    pub async fn exam_stats(&self, exam_id: i64) -> StoreResult<Vec<QuestionStat>> {
        let exam = self.exam(exam_id).await?;
        let ids = exam.question_ids()?;
        let counts: Vec<(i64, i64, i64)> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT question_id, COUNT(*), CAST(SUM(CASE WHEN correct THEN 0 ELSE 1 END) AS BIGINT) FROM learning_answers \
             WHERE region_id = $1 AND quiz_key = $2 GROUP BY question_id")
            .bind(self.scope.region_id).bind(exam_key(exam_id)).fetch_all(c).await)?;
        let questions = self.questions_by_id(self.scope.region_id, &ids).await?;
        stats(&ids, &questions, &counts)
    }

    /// Per-question statistics of the daily quizzes of the members within reach over the
    /// last `days` days (1–90), the most often wrong first, at most 50 questions.
    pub async fn daily_stats(&self, days: u32) -> StoreResult<Vec<QuestionStat>> {
        let (lo, hi) = self.scope.org_range();
        let today = china_date(self.db.clock().now_ms());
        let from = today - chrono::Days::new(u64::from(days.clamp(1, 90) - 1));
        let counts: Vec<(i64, i64, i64)> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT a.question_id, COUNT(*), CAST(SUM(CASE WHEN a.correct THEN 0 ELSE 1 END) AS BIGINT) FROM learning_answers a \
             JOIN learning_attempts t ON t.region_id = a.region_id AND t.id = a.attempt_id \
             WHERE a.region_id = $1 AND a.quiz_key >= $2 AND a.quiz_key < 'daily;' AND t.org_path >= $3 AND t.org_path < $4 \
             GROUP BY a.question_id")
            .bind(self.scope.region_id).bind(format!("daily:{}", date_text(from))).bind(&lo).bind(&hi).fetch_all(c).await)?;
        let mut counts = counts;
        counts.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        counts.truncate(50);
        let ids: Vec<i64> = counts.iter().map(|c| c.0).collect();
        let questions = self.questions_by_id(self.scope.region_id, &ids).await?;
        stats(&ids, &questions, &counts)
    }

    /// The caller's wrong-answer book: the questions they got wrong, the latest first,
    /// with key and explanation (one page of at most 100).
    pub async fn wrong_answers(&self) -> StoreResult<Page<WrongAnswer>> {
        let me = self.me().await?;
        let rows: Vec<(i64, i64, i64)> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT question_id, COUNT(*), MAX(answered_at) FROM learning_answers WHERE region_id = $1 AND member_id = $2 AND correct = $3 \
             GROUP BY question_id ORDER BY MAX(answered_at) DESC, question_id LIMIT 100")
            .bind(me.region_id).bind(me.id).bind(false).fetch_all(c).await)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let questions = self.questions_by_id(me.region_id, &ids).await?;
        let mut items = Vec::with_capacity(rows.len());
        for (id, times, last) in rows {
            let Some(q) = questions.get(&id) else { continue };
            let kind = q.kind()?;
            items.push(WrongAnswer {
                question_id: id,
                kind_label: kind.label(),
                stem: q.stem.clone(),
                options: q.options()?,
                key_text: q.key()?.display(kind),
                source: q.source.clone(),
                explanation: q.explanation.clone(),
                wrong_times: times,
                last_wrong_at: last,
            });
        }
        let n = items.len() as u64;
        let mut page = Page::empty(100, 0, Some(n));
        page.items = items;
        Ok(page)
    }
}

fn stats(ids: &[i64], questions: &HashMap<i64, QuestionRow>, counts: &[(i64, i64, i64)]) -> StoreResult<Vec<QuestionStat>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(q) = questions.get(id) else { continue };
        let kind = q.kind()?;
        let (answered, wrong) = counts.iter().find(|c| c.0 == *id).map(|c| (c.1, c.2)).unwrap_or((0, 0));
        out.push(QuestionStat {
            question_id: *id,
            kind_label: kind.label(),
            stem: q.stem.clone(),
            key_text: q.key()?.display(kind),
            answered,
            wrong,
            wrong_permille: if answered > 0 { wrong * 1000 / answered } else { 0 },
        });
    }
    out.sort_by(|a, b| {
        b.wrong.cmp(&a.wrong).then(b.wrong_permille.cmp(&a.wrong_permille)).then(a.question_id.cmp(&b.question_id))
    });
    Ok(out)
}

/// The key in the letters this attempt showed.
fn shown_key(kind: QuestionKind, key: &AnswerKey, order: &[u8]) -> String {
    match (kind, key) {
        (QuestionKind::Single | QuestionKind::Multiple, AnswerKey::Choices(c)) if !order.is_empty() => {
            let mut letters: Vec<char> = c
                .iter()
                .filter_map(|i| order.iter().position(|o| o == i))
                .map(|p| vanguard_domain::learning::quiz::option_letter(p as u8))
                .collect();
            letters.sort_unstable();
            letters.into_iter().collect()
        }
        _ => key.display(kind),
    }
}

fn option_count(kind: &str, options: &str) -> StoreResult<usize> {
    let kind = decode("learning_questions.kind", kind, QuestionKind::from_code)?;
    Ok(match kind {
        QuestionKind::Single | QuestionKind::Multiple => json_column::<Vec<String>>("learning_questions.options", options)?.len(),
        QuestionKind::TrueFalse | QuestionKind::FillIn => 0,
    })
}

/// `($n, …)` of ids, bound.
fn id_list(ids: &[i64]) -> Sql {
    in_list(ids)
}

fn conflict(inv: Invalid) -> StoreError {
    match inv.errors.first() {
        Some(e) => StoreError::Conflict { code: e.code, message: e.message.clone() },
        None => StoreError::Invalid(inv),
    }
}

/// Keeps the member's score of the quiz by its policy, the result row locked first so
/// two attempts submitted at once keep what the policy says.
async fn keep_result(tx: &mut Tx, me: &Me, row: &AttemptRow, keep: KeepPolicy, score: i64, now: i64) -> StoreResult<i64> {
    let (attempts, kept): (i64, i64) = crate::on_tx!(tx, c => sqlx::query_as(
        "INSERT INTO learning_results (region_id, member_id, quiz_key, org_path, attempts, kept_score, max_score, first_submitted_at, updated_at) \
         VALUES ($1, $2, $3, $4, 0, 0, $5, $6, $6) ON CONFLICT (region_id, member_id, quiz_key) DO UPDATE SET updated_at = excluded.updated_at \
         RETURNING attempts, kept_score")
        .bind(me.region_id).bind(me.id).bind(&row.quiz_key).bind(&me.org_path).bind(row.max_score).bind(now).fetch_one(c).await)?;
    let previous = (attempts > 0).then_some(u32::try_from(kept).unwrap_or(0));
    let new = i64::from(kept_score(keep, previous, u32::try_from(score).unwrap_or(0)));
    crate::exec_tx!(tx, c => sqlx::query(
        "UPDATE learning_results SET attempts = attempts + 1, kept_score = $1, updated_at = $2 WHERE region_id = $3 AND member_id = $4 AND quiz_key = $5")
        .bind(new).bind(now).bind(me.region_id).bind(me.id).bind(&row.quiz_key).execute(c).await)?;
    Ok(new)
}
