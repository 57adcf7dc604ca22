//! 学时 pages: the member portal's 我的学时 (total, by source, progress toward the year's
//! target); the workbench's hours report per org with drill-down to members, the yearly
//! study plans (file, and the children's 已报/未报), and training classes with enrolment
//! and attendance.

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Ctx, Id, QueryParams, YearParams};
use crate::shell::{PageResult, Shell, render, see_other};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use vanguard_domain::learning::hours::hours_text;
use vanguard_domain::learning::plan::{StudyPlanInput, StudyPlanSession, StudyPlanTopic};
use vanguard_domain::learning::training::{TrainingClassInput, TrainingKind};
use vanguard_store::StoreError;
use vanguard_store::learning::hours::{HoursReport, MemberHours, source_label};
use vanguard_store::learning::plan::StudyPlanStatus;
use vanguard_store::learning::training::{
    TrainingAttendanceInput, TrainingClassDetail, TrainingClassView, TrainingEnrolInput, TrainingMark,
};
use vanguard_store::org::OrgView;

/// The most form fields a page accepts (an attendance form of 500 enrolees has ~1,500).
const MAX_FIELDS: usize = 2000;
/// The longest text area, in characters.
const MAX_TEXT: usize = 20_000;

fn with_status(mut res: axum::response::Response, status: StatusCode) -> axum::response::Response {
    *res.status_mut() = status;
    res
}

/// A store refusal shown on the page; anything else is the error page.
fn refusal(e: StoreError) -> Result<String, crate::shell::PageError> {
    match e {
        StoreError::Conflict { message, .. } => Ok(message),
        StoreError::Invalid(inv) => Ok(inv.to_string()),
        other => Err(ApiError::from(other).into()),
    }
}

fn bounded(fields: &[(String, String)]) -> Result<(), crate::shell::PageError> {
    if fields.len() > MAX_FIELDS || fields.iter().any(|(_, v)| v.chars().count() > MAX_TEXT) {
        return Err(ApiError::bad_request("form.too_large", "提交的内容过多，请分批填写").into());
    }
    Ok(())
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

// ---- Portal ------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "learning/hours_me.html")]
struct MyHoursPage {
    csrf: String,
    h: MemberHours,
}

pub async fn my_hours(State(state): State<AppState>, ctx: Ctx, QueryParams(y): QueryParams<YearParams>) -> PageResult {
    let h = ctx.scoped(&state.db).study_hours().my_hours(y.year).await?;
    Ok(render(&MyHoursPage { csrf: ctx.0.csrf_token.clone(), h }))
}

// ---- Reports -----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "learning/hours_report.html")]
struct ReportPage {
    shell: Shell,
    r: HoursReport,
}

pub async fn report(State(state): State<AppState>, ctx: Ctx, Id(id): Id, QueryParams(y): QueryParams<YearParams>) -> PageResult {
    let r = ctx.scoped(&state.db).study_hours().report(id, y.year).await?;
    let shell = Shell::new(&state, &ctx, "learning").await;
    Ok(render(&ReportPage { shell, r }))
}

#[derive(Template)]
#[template(path = "learning/hours_member.html")]
struct MemberPage {
    shell: Shell,
    h: MemberHours,
}

impl MemberPage {
    fn source(&self, kind: &str) -> &'static str {
        source_label(kind)
    }
}

pub async fn member(State(state): State<AppState>, ctx: Ctx, Id(id): Id, QueryParams(y): QueryParams<YearParams>) -> PageResult {
    let h = ctx.scoped(&state.db).study_hours().member_hours(id, y.year).await?;
    let shell = Shell::new(&state, &ctx, "learning").await;
    Ok(render(&MemberPage { shell, h }))
}

// ---- Plans -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "learning/plans.html")]
struct PlansPage {
    shell: Shell,
    s: StudyPlanStatus,
    topics_text: String,
    required_text: String,
    sessions_text: String,
    error: String,
}

impl PlansPage {
    fn period(&self, p: &str) -> String {
        if p.starts_with('Q') { format!("第{}季度", &p[1..]) } else { format!("{p}月") }
    }
}

async fn plans_page(state: &AppState, ctx: &Ctx, id: i64, year: Option<i32>, form: Option<StudyPlanInput>, error: String) -> PageResult {
    let s = ctx.scoped(&state.db).study_hours().plan_status(id, year).await?;
    let shown = form.or_else(|| {
        s.own.as_ref().map(|p| StudyPlanInput {
            year: p.year,
            topics: p.topics.clone(),
            required: p.required.clone(),
            sessions: p.sessions.clone(),
        })
    });
    let (topics_text, required_text, sessions_text) = match &shown {
        Some(p) => (
            p.topics.iter().map(|t| format!("{} {}", t.period, t.topic)).collect::<Vec<_>>().join("\n"),
            p.required.clone(),
            p.sessions.iter().map(|x| format!("{} {}", x.on, x.topic)).collect::<Vec<_>>().join("\n"),
        ),
        None => Default::default(),
    };
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let shell = Shell::new(state, ctx, "learning").await;
    Ok(with_status(render(&PlansPage { shell, s, topics_text, required_text, sessions_text, error }), status))
}

pub async fn plans(State(state): State<AppState>, ctx: Ctx, Id(id): Id, QueryParams(y): QueryParams<YearParams>) -> PageResult {
    plans_page(&state, &ctx, id, y.year, None, String::new()).await
}

/// Splits a line into its first word and the rest (`Q1 学党章` → `Q1`, `学党章`).
fn head_rest(line: &str) -> (String, String) {
    let line = line.trim();
    match line.split_once(char::is_whitespace) {
        Some((a, b)) => (a.trim().to_string(), b.trim().to_string()),
        None => (line.to_string(), String::new()),
    }
}

fn plan_of(fields: &[(String, String)], year: i32) -> StudyPlanInput {
    let lines = |name: &str| -> Vec<(String, String)> {
        field(fields, name).lines().filter(|l| !l.trim().is_empty()).map(head_rest).collect()
    };
    StudyPlanInput {
        year,
        topics: lines("topics").into_iter().map(|(period, topic)| StudyPlanTopic { period, topic }).collect(),
        required: field(fields, "required").to_string(),
        sessions: lines("sessions").into_iter().map(|(on, topic)| StudyPlanSession { on, topic }).collect(),
    }
}

pub async fn file_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> PageResult {
    bounded(&fields)?;
    let year = field(&fields, "year").trim().parse().unwrap_or_else(|_| chrono::Datelike::year(&state.db.clock().today()));
    let input = plan_of(&fields, year);
    match ctx.scoped(&state.db).study_hours().file_plan(id, &input).await {
        Ok(p) => Ok(see_other(&format!("/orgs/{id}/study-plans?year={}", p.year))),
        Err(e) => plans_page(&state, &ctx, id, Some(year), Some(input), refusal(e)?).await,
    }
}

// ---- Training ----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "learning/training.html")]
struct TrainingPage {
    shell: Shell,
    org: OrgView,
    classes: Vec<TrainingClassView>,
    kinds: &'static [TrainingKind],
    error: String,
}

impl TrainingPage {
    fn hours(&self, seconds: &i64) -> String {
        hours_text(*seconds)
    }
}

async fn training_page(state: &AppState, ctx: &Ctx, id: i64, error: String) -> PageResult {
    let scoped = ctx.scoped(&state.db);
    let org = scoped.orgs().org_view(id).await?;
    let mut classes = scoped.study_hours().classes().await?;
    classes.retain(|c| c.org_id == id);
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let shell = Shell::new(state, ctx, "learning").await;
    Ok(with_status(render(&TrainingPage { shell, org, classes, kinds: TrainingKind::ALL, error }), status))
}

pub async fn training(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    training_page(&state, &ctx, id, String::new()).await
}

pub async fn create_class(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> PageResult {
    bounded(&fields)?;
    let hours = field(&fields, "hours").trim();
    let input = TrainingClassInput {
        title: field(&fields, "title").into(),
        kind: field(&fields, "kind").into(),
        starts_on: field(&fields, "starts_on").into(),
        ends_on: field(&fields, "ends_on").into(),
        full_time: !field(&fields, "full_time").is_empty(),
        hours: if hours.is_empty() { 0.0 } else { hours.parse().unwrap_or(-1.0) },
        place: field(&fields, "place").into(),
    };
    match ctx.scoped(&state.db).study_hours().create_class(id, &input).await {
        Ok(d) => Ok(see_other(&format!("/learning/training/{}", d.class.id))),
        Err(e) => training_page(&state, &ctx, id, refusal(e)?).await,
    }
}

#[derive(Template)]
#[template(path = "learning/training_class.html")]
struct ClassPage {
    shell: Shell,
    d: TrainingClassDetail,
    error: String,
}

impl ClassPage {
    fn hours(&self, seconds: &i64) -> String {
        hours_text(*seconds)
    }
}

async fn class_page(state: &AppState, ctx: &Ctx, id: i64, error: String) -> PageResult {
    let d = ctx.scoped(&state.db).study_hours().class(id).await?;
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let shell = Shell::new(state, ctx, "learning").await;
    Ok(with_status(render(&ClassPage { shell, d, error }), status))
}

pub async fn class(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> PageResult {
    class_page(&state, &ctx, id, String::new()).await
}

pub async fn class_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> PageResult {
    bounded(&fields)?;
    let scoped = ctx.scoped(&state.db);
    let h = scoped.study_hours();
    let done = if field(&fields, "action") == "enrol" {
        let mut ids = Vec::new();
        for part in field(&fields, "member_ids").split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace()) {
            if part.is_empty() {
                continue;
            }
            match part.parse::<i64>() {
                Ok(v) => ids.push(v),
                Err(_) => return class_page(&state, &ctx, id, format!("党员编号“{part}”应为数字")).await,
            }
        }
        h.enrol(id, &TrainingEnrolInput { member_ids: ids }).await
    } else {
        let marks = fields
            .iter()
            .filter(|(k, _)| k == "member")
            .filter_map(|(_, v)| v.trim().parse::<i64>().ok())
            .map(|m| TrainingMark {
                member_id: m,
                attended: !field(&fields, &format!("present_{m}")).is_empty(),
                days_attended: field(&fields, &format!("days_{m}")).trim().parse().unwrap_or(0),
            })
            .collect();
        h.record_training(id, &TrainingAttendanceInput { marks }).await
    };
    match done {
        Ok(_) => Ok(see_other(&format!("/learning/training/{id}"))),
        Err(e) => class_page(&state, &ctx, id, refusal(e)?).await,
    }
}
