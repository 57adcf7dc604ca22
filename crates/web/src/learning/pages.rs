//! 学 pages: the member portal's 每日一测 and exams (the paper carries no key; the result
//! shows keys and explanations), 我的积分 with ranks, 错题本; the workbench's 题库 with
//! its import and the exams' results with the questions most often wrong.

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Ctx, Id, Paged, QueryParams};
use crate::shell::{PageResult, Pager, Shell, render, see_other};
use askama::Template;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use vanguard_domain::kernel::paging::Page;
use vanguard_domain::kernel::time::china_time_text;
use vanguard_domain::learning::{QuestionKind, RankPeriod, Response as Answer};
use vanguard_store::StoreError;
use vanguard_store::learning::{
    AttemptResult, BankImport, DailyStatus, ExamView, MyPoints, QuestionStat, QuestionView, QuizPaper, RankView, ResultRow,
    WrongAnswer,
};
use vanguard_store::org::OrgView;

fn with_status(mut res: axum::response::Response, status: StatusCode) -> axum::response::Response {
    *res.status_mut() = status;
    res
}

/// A store refusal shown on the page (a conflict or invalid input); anything else is
/// the error page.
fn refusal(e: StoreError) -> Result<String, crate::shell::PageError> {
    match e {
        StoreError::Conflict { message, .. } => Ok(message),
        StoreError::Invalid(inv) => Ok(inv.to_string()),
        other => Err(ApiError::from(other).into()),
    }
}

// ---- Portal ------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "learning/portal.html")]
struct PortalPage {
    csrf: String,
    daily: Option<DailyStatus>,
    daily_size: u32,
    exams: Vec<ExamView>,
    now: i64,
    error: String,
}

impl PortalPage {
    fn time(&self, ms: &i64) -> String {
        china_time_text(*ms)
    }
}

async fn portal_page(state: &AppState, ctx: &Ctx, error: String) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    let l = scoped.learning();
    let daily = l.daily_today().await?;
    let exams = l.my_exams().await?;
    let failed = !error.is_empty();
    let page = PortalPage {
        csrf: ctx.0.csrf_token.clone(),
        daily,
        daily_size: state.db.rules().learning.daily_quiz_size,
        exams,
        now: state.db.clock().now_ms(),
        error,
    };
    let res = render(&page);
    Ok(if failed { with_status(res, StatusCode::CONFLICT) } else { res })
}

pub async fn portal(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    portal_page(&state, &ctx, String::new()).await
}

pub async fn start_daily(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    match ctx.scoped(&state.db).learning().daily_quiz().await {
        Ok(p) => Ok(see_other(&format!("/m/learning/attempts/{}", p.attempt_id))),
        Err(e) => portal_page(&state, &ctx, refusal(e)?).await,
    }
}

pub async fn start_exam(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    match ctx.scoped(&state.db).learning().start_exam(id).await {
        Ok(p) => Ok(see_other(&format!("/m/learning/attempts/{}", p.attempt_id))),
        Err(e) => portal_page(&state, &ctx, refusal(e)?).await,
    }
}

#[derive(Template)]
#[template(path = "learning/paper.html")]
struct PaperPage {
    csrf: String,
    p: QuizPaper,
    deadline: String,
    error: String,
}

impl PaperPage {
    fn multiple(&self, k: &QuestionKind) -> bool {
        *k == QuestionKind::Multiple
    }
    fn fill_in(&self, k: &QuestionKind) -> bool {
        *k == QuestionKind::FillIn
    }
}

#[derive(Template)]
#[template(path = "learning/result.html")]
struct ResultPage {
    csrf: String,
    r: AttemptResult,
}

async fn attempt_page(state: &AppState, ctx: &Ctx, id: i64, error: String) -> PageResult {
    let l = ctx.scoped(&state.db);
    let l = l.learning();
    let p = l.attempt_paper(id).await?;
    if p.submitted {
        let r = l.attempt_result(id).await?;
        return Ok(render(&ResultPage { csrf: ctx.0.csrf_token.clone(), r }));
    }
    let failed = !error.is_empty();
    let deadline = china_time_text(p.deadline_at);
    let res = render(&PaperPage { csrf: ctx.0.csrf_token.clone(), p, deadline, error });
    Ok(if failed { with_status(res, StatusCode::CONFLICT) } else { res })
}

pub async fn attempt(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    attempt_page(&state, &ctx, id, String::new()).await
}

/// Most form fields a paper's submission may carry.
const MAX_FIELDS: usize = 1000;

/// The answers of a paper's form: `q<id>` (one per chosen option) and `q<id>_<n>` (the
/// n-th blank).
fn answers_of(p: &QuizPaper, fields: &[(String, String)]) -> Vec<(i64, Answer)> {
    p.questions
        .iter()
        .map(|q| {
            let name = format!("q{}", q.id);
            let choices = fields.iter().filter(|(k, _)| *k == name).filter_map(|(_, v)| v.parse::<u8>().ok()).collect();
            let blanks = (0..q.blanks)
                .map(|n| {
                    let key = format!("{name}_{n}");
                    fields.iter().find(|(k, _)| *k == key).map(|(_, v)| v.chars().take(200).collect()).unwrap_or_default()
                })
                .collect();
            (q.id, Answer { choices, blanks })
        })
        .collect()
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> PageResult {
    if fields.len() > MAX_FIELDS {
        return Err(ApiError::bad_request("quiz.too_many_answers", "提交的答案过多").into());
    }
    let l = ctx.scoped(&state.db);
    let l = l.learning();
    let p = l.attempt_paper(id).await?;
    let answers = answers_of(&p, &fields);
    match l.submit(id, &answers).await {
        Ok(_) => Ok(see_other(&format!("/m/learning/attempts/{id}"))),
        Err(e) => attempt_page(&state, &ctx, id, refusal(e)?).await,
    }
}

#[derive(Template)]
#[template(path = "learning/points.html")]
struct PointsPage {
    csrf: String,
    p: MyPoints,
    period: RankPeriod,
    periods: &'static [RankPeriod],
    ranks: Vec<RankView>,
}

pub async fn points(
    State(state): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<super::api::RankPeriodQuery>,
) -> PageResult {
    let period = q.period.unwrap_or(RankPeriod::Week);
    let l = ctx.scoped(&state.db);
    let l = l.learning();
    let p = l.my_points().await?;
    let ranks = l.my_ranks(period).await?;
    Ok(render(&PointsPage { csrf: ctx.0.csrf_token.clone(), p, period, periods: RankPeriod::ALL, ranks }))
}

#[derive(Template)]
#[template(path = "learning/wrong.html")]
struct WrongPage {
    csrf: String,
    book: Page<WrongAnswer>,
}

pub async fn wrong(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let book = ctx.scoped(&state.db).learning().wrong_answers().await?;
    Ok(render(&WrongPage { csrf: ctx.0.csrf_token.clone(), book }))
}

// ---- Workbench ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "learning/bank.html")]
struct BankPage {
    shell: Shell,
    org: OrgView,
    questions: Page<QuestionView>,
    pager: Pager,
    exams: Vec<ExamView>,
    daily: Vec<QuestionStat>,
    import: Option<BankImport>,
    error: String,
}

impl BankPage {
    fn time(&self, ms: &i64) -> String {
        china_time_text(*ms)
    }
}

async fn bank_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    page: &vanguard_domain::kernel::paging::PageRequest,
    import: Option<BankImport>,
    error: String,
) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    let org = scoped.orgs().org_view(id).await?;
    let l = scoped.learning();
    let questions = l.questions(Some(id), None, false, page).await?;
    let pager = Pager::new(&questions, &format!("/orgs/{id}/learning"), &[]);
    let exams = l.exams(&vanguard_domain::kernel::paging::PageRequest::first(20)).await?.items;
    let mut daily = l.daily_stats(30).await?;
    daily.retain(|s| s.wrong > 0);
    daily.truncate(10);
    let shell = Shell::new(state, ctx, "learning").await;
    let status = if !error.is_empty() || import.as_ref().is_some_and(|i| !i.problems.is_empty()) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(with_status(render(&BankPage { shell, org, questions, pager, exams, daily, import, error }), status))
}

pub async fn bank(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Paged(page): Paged) -> PageResult {
    bank_page(&state, &ctx, id, &page, None, String::new()).await
}

pub async fn import(State(state): State<AppState>, ctx: Ctx, Id(id): Id, req: Request) -> PageResult {
    ctx.scoped(&state.db).orgs().org(id).await?;
    let up = super::api::uploaded(&state, req, None).await?;
    let first = vanguard_domain::kernel::paging::PageRequest::first(20);
    match ctx.scoped(&state.db).learning().import_file(id, &up.name, up.bytes).await {
        Ok(r) => bank_page(&state, &ctx, id, &first, Some(r), String::new()).await,
        Err(e) => bank_page(&state, &ctx, id, &first, None, refusal(e)?).await,
    }
}

#[derive(Template)]
#[template(path = "learning/exam.html")]
struct ExamPage {
    shell: Shell,
    e: ExamView,
    results: Page<ResultRow>,
    pager: Pager,
    stats: Vec<QuestionStat>,
}

impl ExamPage {
    fn time(&self, ms: &i64) -> String {
        china_time_text(*ms)
    }
}

pub async fn exam(State(state): State<AppState>, ctx: Ctx, Id(id): Id, Paged(page): Paged) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    let l = scoped.learning();
    let e = l.exam(id).await?;
    let results = l.exam_results(id, &page).await?;
    let pager = Pager::new(&results, &format!("/learning/exams/{id}"), &[]);
    let stats = l.exam_stats(id).await?;
    let shell = Shell::new(&state, &ctx, "learning").await;
    Ok(render(&ExamPage { shell, e, results, pager, stats }))
}
