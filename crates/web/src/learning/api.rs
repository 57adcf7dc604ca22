//! 学 routes: the question bank (editors, with keys), exams and their results, the
//! member's daily quiz, attempts, points and ranks. Answers are graded in the store;
//! the paper a member takes carries no key.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Ctx, Id, JsonBody, Paged, QueryParams};
use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use vanguard_domain::kernel::paging::Page;
use vanguard_domain::learning::{ExamSetup, QuestionDraft, QuestionKind, RankPeriod, Response as Answer};
use vanguard_store::learning::{
    AttemptResult, BankImport, ExamView, MyPoints, QuestionStat, QuestionView, QuizPaper, RankView, ResultRow, WrongAnswer,
};

// ---- The question bank -----------------------------------------------------------------

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct BankQuery {
    /// The bank of this org and its subtree (default: everything within reach).
    pub org_id: Option<i64>,
    pub kind: Option<QuestionKind>,
    /// Only questions in the draw (not withdrawn).
    pub active: bool,
}

pub async fn questions(
    State(state): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<BankQuery>,
    Paged(page): Paged,
) -> ApiResult<Json<Page<QuestionView>>> {
    Ok(Json(ctx.scoped(&state.db).learning().questions(q.org_id, q.kind, q.active, &page).await?))
}

pub async fn create_question(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(org_id): Id,
    JsonBody(q): JsonBody<QuestionDraft>,
) -> ApiResult<(StatusCode, Json<QuestionView>)> {
    Ok((StatusCode::CREATED, Json(ctx.scoped(&state.db).learning().create_question(org_id, q).await?)))
}

pub async fn update_question(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(q): JsonBody<QuestionDraft>,
) -> ApiResult<Json<QuestionView>> {
    Ok(Json(ctx.scoped(&state.db).learning().update_question(id, q).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct QuestionActive {
    /// `false` withdraws the question from every draw; `true` puts it back.
    pub active: bool,
}

pub async fn set_question_active(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(a): JsonBody<QuestionActive>,
) -> ApiResult<Json<QuestionView>> {
    Ok(Json(ctx.scoped(&state.db).learning().set_question_active(id, a.active).await?))
}

pub async fn template(_ctx: Ctx) -> ApiResult<Response> {
    let bytes = vanguard_store::learning::template_xlsx()?;
    Ok(crate::download::xlsx(bytes, "题库导入模板.xlsx", "question-bank-template.xlsx"))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct ImportQuery {
    /// The file's name, for a raw (non-multipart) body.
    pub filename: Option<String>,
}

/// Reads the uploaded bank file through the one upload reader.
pub(crate) async fn uploaded(state: &AppState, req: Request, filename: Option<&str>) -> ApiResult<crate::upload::Uploaded> {
    let max = state.db.upload_limits().0.max_file_bytes;
    crate::upload::read(&state.uploads_in_flight, req, crate::upload::Purpose::Roster, filename, Some(max)).await
}

pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(org_id): Id,
    QueryParams(q): QueryParams<ImportQuery>,
    req: Request,
) -> ApiResult<Json<BankImport>> {
    // Reach first: nothing is read for an org out of reach.
    ctx.scoped(&state.db).orgs().org(org_id).await?;
    let up = uploaded(&state, req, q.filename.as_deref()).await?;
    Ok(Json(ctx.scoped(&state.db).learning().import_file(org_id, &up.name, up.bytes).await?))
}

// ---- Exams -------------------------------------------------------------------------------

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ExamInput {
    #[serde(flatten)]
    pub setup: ExamSetupInput,
    /// The questions, in order (1–100).
    pub question_ids: Vec<i64>,
}

/// An exam's setup as sent: times as epoch ms or China wall-clock text.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ExamSetupInput {
    pub title: String,
    pub kind: vanguard_domain::learning::QuizKind,
    #[serde(default, deserialize_with = "vanguard_domain::kernel::time::de_time")]
    #[schema(value_type = String)]
    pub opens_at: Option<i64>,
    #[serde(default, deserialize_with = "vanguard_domain::kernel::time::de_time")]
    #[schema(value_type = String)]
    pub closes_at: Option<i64>,
    #[serde(default)]
    pub time_limit_minutes: u32,
    #[serde(default = "one")]
    pub max_attempts: u32,
    #[serde(default = "first")]
    pub keep: vanguard_domain::learning::KeepPolicy,
    #[serde(default)]
    pub partial_multiple: bool,
    #[serde(default = "one")]
    pub question_points: u32,
}

fn one() -> u32 {
    1
}

fn first() -> vanguard_domain::learning::KeepPolicy {
    vanguard_domain::learning::KeepPolicy::First
}

pub async fn create_exam(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(org_id): Id,
    JsonBody(e): JsonBody<ExamInput>,
) -> ApiResult<(StatusCode, Json<ExamView>)> {
    let s = e.setup;
    // Missing times fail the setup's validation (the window must close after it opens).
    let (opens_at, closes_at) = (s.opens_at.unwrap_or(0), s.closes_at.unwrap_or(0));
    let setup = ExamSetup {
        title: s.title,
        kind: s.kind,
        opens_at,
        closes_at,
        time_limit_minutes: s.time_limit_minutes,
        max_attempts: s.max_attempts,
        keep: s.keep,
        partial_multiple: s.partial_multiple,
        question_points: s.question_points,
    };
    Ok((StatusCode::CREATED, Json(ctx.scoped(&state.db).learning().create_exam(org_id, setup, &e.question_ids).await?)))
}

pub async fn exams(State(state): State<AppState>, ctx: Ctx, Paged(page): Paged) -> ApiResult<Json<Page<ExamView>>> {
    Ok(Json(ctx.scoped(&state.db).learning().exams(&page).await?))
}

pub async fn exam_results(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Paged(page): Paged,
) -> ApiResult<Json<Page<ResultRow>>> {
    Ok(Json(ctx.scoped(&state.db).learning().exam_results(id, &page).await?))
}

pub async fn exam_stats(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<Vec<QuestionStat>>> {
    Ok(Json(ctx.scoped(&state.db).learning().exam_stats(id).await?))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct DaysQuery {
    /// The last this many days (1–90, default 30).
    pub days: Option<u32>,
}

pub async fn daily_stats(
    State(state): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<DaysQuery>,
) -> ApiResult<Json<Vec<QuestionStat>>> {
    Ok(Json(ctx.scoped(&state.db).learning().daily_stats(q.days.unwrap_or(30)).await?))
}

// ---- Taking quizzes ----------------------------------------------------------------------

pub async fn start_daily(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Json<QuizPaper>> {
    Ok(Json(ctx.scoped(&state.db).learning().daily_quiz().await?))
}

pub async fn start_exam(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<QuizPaper>> {
    Ok(Json(ctx.scoped(&state.db).learning().start_exam(id).await?))
}

pub async fn attempt(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<QuizPaper>> {
    Ok(Json(ctx.scoped(&state.db).learning().attempt_paper(id).await?))
}

/// One answer: the question and the options' stored indexes or the blanks' texts.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct AnswerInput {
    pub question_id: i64,
    #[serde(flatten)]
    pub answer: Answer,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Submission {
    /// At most one per question of the paper; questions left out count as unanswered.
    pub answers: Vec<AnswerInput>,
}

/// Most answers one submission may carry.
const MAX_ANSWERS: usize = 200;

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(s): JsonBody<Submission>,
) -> ApiResult<Json<AttemptResult>> {
    if s.answers.len() > MAX_ANSWERS {
        return Err(ApiError::bad_request("quiz.too_many_answers", format!("一次交卷最多 {MAX_ANSWERS} 个答案")));
    }
    let answers: Vec<(i64, Answer)> = s.answers.into_iter().map(|a| (a.question_id, a.answer)).collect();
    Ok(Json(ctx.scoped(&state.db).learning().submit(id, &answers).await?))
}

pub async fn result(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<AttemptResult>> {
    Ok(Json(ctx.scoped(&state.db).learning().attempt_result(id).await?))
}

// ---- Points and ranks --------------------------------------------------------------------

pub async fn my_points(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Json<MyPoints>> {
    Ok(Json(ctx.scoped(&state.db).learning().my_points().await?))
}

pub async fn my_exams(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Json<Vec<ExamView>>> {
    Ok(Json(ctx.scoped(&state.db).learning().my_exams().await?))
}

pub async fn my_wrong(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Json<Page<WrongAnswer>>> {
    Ok(Json(ctx.scoped(&state.db).learning().wrong_answers().await?))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct RankPeriodQuery {
    /// week, month, year or all (default week).
    pub period: Option<RankPeriod>,
}

pub async fn my_ranks(
    State(state): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<RankPeriodQuery>,
) -> ApiResult<Json<Vec<RankView>>> {
    Ok(Json(ctx.scoped(&state.db).learning().my_ranks(q.period.unwrap_or(RankPeriod::Week)).await?))
}

pub async fn ranking(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    QueryParams(q): QueryParams<RankPeriodQuery>,
) -> ApiResult<Json<RankView>> {
    Ok(Json(ctx.scoped(&state.db).learning().ranking_within_reach(id, q.period.unwrap_or(RankPeriod::Week)).await?))
}
