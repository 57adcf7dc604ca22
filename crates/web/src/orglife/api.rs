//! 组织生活 routes: meetings and their records, attendance, QR sign-in, decisions,
//! attachments, corrections, the yearly plans, the member portal and the to-do list.
//! Every call goes through the caller's scope; parent-only steps (备案, 退回, approving a
//! correction) are checked again in the store.

use crate::AppState;
use crate::download::Disposition;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Ctx, Id, JsonBody, Paged, QueryParams, YearParams};
use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use vanguard_domain::kernel::paging::Page;
use vanguard_domain::orglife::{PlanAction, PlanItem};
use vanguard_domain::{FieldError, Invalid};
use vanguard_store::StoreError;
use vanguard_store::orglife::{
    AttachmentView, AttendanceMark, CorrectionFilter, CorrectionView, DecisionInput, DecisionView, MeetingDetail, MeetingFilter,
    MeetingInput, MeetingPatch, MeetingSummary, MyAttendance, MyOrgLife, OrgLifeTodo, PlanOverview, PlanView, SigninOutcome,
    SigninTicket,
};

/// A JSON body that may also be absent (an empty body means the defaults).
async fn optional_json<T: DeserializeOwned + Default>(req: Request) -> ApiResult<T> {
    let bytes = axum::body::to_bytes(req.into_body(), 64 * 1024).await.map_err(|e| ApiError::body_unreadable(&e))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::bad_request("body.invalid", format!("请求内容不是有效的 JSON 或字段不符合要求：{e}")))
}

// ---- Meetings ----------------------------------------------------------------------------

pub async fn list_meetings(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(org_id): Id,
    QueryParams(f): QueryParams<MeetingFilter>,
    Paged(page): Paged,
) -> ApiResult<Json<Page<MeetingSummary>>> {
    Ok(Json(ctx.scoped(&state.db).orglife().list_meetings(org_id, &f, &page).await?))
}

pub async fn create_meeting(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(org_id): Id,
    JsonBody(input): JsonBody<MeetingInput>,
) -> ApiResult<(StatusCode, Json<MeetingDetail>)> {
    Ok((StatusCode::CREATED, Json(ctx.scoped(&state.db).orglife().create_meeting(org_id, &input).await?)))
}

pub async fn meeting(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<MeetingDetail>> {
    Ok(Json(ctx.scoped(&state.db).orglife().meeting(id).await?))
}

pub async fn update_meeting(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(patch): JsonBody<MeetingPatch>,
) -> ApiResult<Json<MeetingDetail>> {
    Ok(Json(ctx.scoped(&state.db).orglife().update_meeting(id, &patch).await?))
}

pub async fn cancel_meeting(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<MeetingDetail>> {
    Ok(Json(ctx.scoped(&state.db).orglife().cancel_meeting(id).await?))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct MeetingRoll {
    pub member_ids: Vec<i64>,
}

pub async fn set_roll(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(r): JsonBody<MeetingRoll>,
) -> ApiResult<Json<MeetingDetail>> {
    Ok(Json(ctx.scoped(&state.db).orglife().set_roll(id, &r.member_ids).await?))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct AttendanceMarks {
    pub marks: Vec<AttendanceMark>,
}

pub async fn mark_attendance(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(m): JsonBody<AttendanceMarks>,
) -> ApiResult<Json<MeetingDetail>> {
    Ok(Json(ctx.scoped(&state.db).orglife().mark_attendance(id, &m.marks).await?))
}

pub async fn record_decision(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(d): JsonBody<DecisionInput>,
) -> ApiResult<(StatusCode, Json<DecisionView>)> {
    Ok((StatusCode::CREATED, Json(ctx.scoped(&state.db).orglife().record_decision(id, &d).await?)))
}

// ---- Sign-in -----------------------------------------------------------------------------

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct SigninOpen {
    /// How long the code stays valid, in minutes (default 120).
    pub minutes: Option<u32>,
}

pub async fn open_signin(State(state): State<AppState>, ctx: Ctx, Id(id): Id, req: Request) -> ApiResult<Json<SigninTicket>> {
    let o: SigninOpen = optional_json(req).await?;
    Ok(Json(ctx.scoped(&state.db).orglife().open_signin(id, o.minutes).await?))
}

pub async fn close_signin(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<StatusCode> {
    ctx.scoped(&state.db).orglife().close_signin(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The live sign-in count the QR page polls.
pub async fn signin_count(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
) -> ApiResult<Json<vanguard_store::orglife::SigninCount>> {
    Ok(Json(ctx.scoped(&state.db).orglife().signin_count(id).await?))
}

/// The site's address as the client reached it, for the QR code's URL. The host is
/// taken only if it looks like a host name (no injection into the code).
pub(crate) fn base_url(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
    let host = if !host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)) {
        host
    } else {
        "localhost"
    };
    let forwarded = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).map(str::trim);
    let scheme = match forwarded {
        Some("http") => "http",
        Some("https") => "https",
        _ if host.starts_with("localhost") || host.starts_with("127.") || host.starts_with("[::1]") => "http",
        _ => "https",
    };
    format!("{scheme}://{host}")
}

pub async fn signin_qr(State(state): State<AppState>, ctx: Ctx, Id(id): Id, headers: HeaderMap) -> ApiResult<Response> {
    let svg = ctx.scoped(&state.db).orglife().signin_qr_svg(id, &base_url(&headers)).await?;
    let mut res = (StatusCode::OK, svg).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml; charset=utf-8"));
    Ok(res)
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct SigninRequest {
    pub token: String,
}

pub async fn sign_in(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(s): JsonBody<SigninRequest>,
) -> ApiResult<Json<SigninOutcome>> {
    Ok(Json(ctx.scoped(&state.db).orglife().sign_in(id, &s.token).await?))
}

// ---- Attachments -------------------------------------------------------------------------

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct AttachmentUploadQuery {
    /// The file's name for a raw (non-multipart) body.
    pub filename: Option<String>,
}

pub async fn upload_attachment(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    QueryParams(q): QueryParams<AttachmentUploadQuery>,
    req: Request,
) -> ApiResult<(StatusCode, Json<AttachmentView>)> {
    // Reach first: a meeting outside it is not found, whatever is uploaded.
    ctx.scoped(&state.db).orglife().meeting_row(id).await?;
    let up = crate::upload::read(&state.uploads_in_flight, req, crate::upload::Purpose::Attachment, q.filename.as_deref(), None)
        .await?;
    Ok((StatusCode::CREATED, Json(ctx.scoped(&state.db).orglife().add_attachment(id, &up.name, &up.bytes).await?)))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct DownloadQuery {
    /// Show in the browser rather than save.
    pub inline: bool,
}

pub async fn download_attachment(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    QueryParams(q): QueryParams<DownloadQuery>,
) -> ApiResult<Response> {
    let file = ctx.scoped(&state.db).orglife().attachment(id).await?;
    let ext = file.view.file_name.rsplit_once('.').map(|(_, e)| e).unwrap_or("bin");
    let ascii = format!("attachment-{id}.{}", ext.chars().filter(char::is_ascii_alphanumeric).collect::<String>());
    // Only photos are shown in the browser; a PDF (which may carry scripts) is always
    // saved. Either way the answer is sandboxed (see download::user_file).
    let inline = q.inline && file.view.content_type.starts_with("image/");
    let disposition = if inline { Disposition::Inline } else { Disposition::Attachment };
    Ok(crate::download::user_file(file.bytes, &file.view.content_type, &file.view.file_name, &ascii, disposition))
}

pub async fn delete_attachment(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<StatusCode> {
    ctx.scoped(&state.db).orglife().delete_attachment(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- Corrections -------------------------------------------------------------------------

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct CorrectionRequest {
    pub reason: String,
    pub changes: MeetingPatch,
}

pub async fn request_correction(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(r): JsonBody<CorrectionRequest>,
) -> ApiResult<(StatusCode, Json<CorrectionView>)> {
    Ok((StatusCode::CREATED, Json(ctx.scoped(&state.db).orglife().request_correction(id, &r.reason, &r.changes).await?)))
}

pub async fn list_corrections(
    State(state): State<AppState>,
    ctx: Ctx,
    QueryParams(f): QueryParams<CorrectionFilter>,
    Paged(page): Paged,
) -> ApiResult<Json<Page<CorrectionView>>> {
    Ok(Json(ctx.scoped(&state.db).orglife().list_corrections(&f, &page).await?))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct CorrectionDecision {
    pub note: String,
}

pub async fn approve_correction(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    req: Request,
) -> ApiResult<Json<CorrectionView>> {
    let d: CorrectionDecision = optional_json(req).await?;
    Ok(Json(ctx.scoped(&state.db).orglife().decide_correction(id, true, &d.note).await?))
}

pub async fn reject_correction(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    req: Request,
) -> ApiResult<Json<CorrectionView>> {
    let d: CorrectionDecision = optional_json(req).await?;
    Ok(Json(ctx.scoped(&state.db).orglife().decide_correction(id, false, &d.note).await?))
}

// ---- Plans -------------------------------------------------------------------------------

pub async fn org_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(org_id): Id,
    QueryParams(q): QueryParams<YearParams>,
) -> ApiResult<Json<Option<PlanView>>> {
    Ok(Json(ctx.scoped(&state.db).orglife().plan(org_id, q.or_this_year(&state.db)).await?))
}

/// One item as sent: the month defaults to the date's.
#[derive(Deserialize, Serialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct PlanItemInput {
    pub month: Option<u32>,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub theme: String,
    pub form: String,
}

#[derive(Deserialize, Serialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct PlanSave {
    /// Default: this year.
    pub year: Option<i32>,
    pub items: Vec<PlanItemInput>,
    /// The version last read; a stale one is refused.
    pub version: Option<i64>,
}

fn plan_items(items: &[PlanItemInput]) -> Result<Vec<PlanItem>, Invalid> {
    let mut inv = Invalid::default();
    let mut out = Vec::new();
    for (i, it) in items.iter().enumerate() {
        match vanguard_domain::kernel::time::parse_iso_date(&it.date) {
            Some(date) => out.push(PlanItem {
                month: it.month.unwrap_or(date.month()),
                date,
                theme: it.theme.clone(),
                form: it.form.clone(),
            }),
            None => inv.push(FieldError::new("items", "item.date", format!("第{}项：日期格式应为 YYYY-MM-DD", i + 1))),
        }
    }
    inv.into_result(out)
}

pub async fn save_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(org_id): Id,
    JsonBody(p): JsonBody<PlanSave>,
) -> ApiResult<Json<PlanView>> {
    let scoped = ctx.scoped(&state.db);
    // Reach first: an org outside it is not found, whatever the items.
    scoped.orgs().org(org_id).await?;
    let items = plan_items(&p.items).map_err(StoreError::Invalid)?;
    let year = YearParams { year: p.year }.or_this_year(&state.db);
    Ok(Json(scoped.orglife().save_plan(org_id, year, &items, p.version).await?))
}

pub async fn plan_overview(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(org_id): Id,
    QueryParams(q): QueryParams<YearParams>,
) -> ApiResult<Json<PlanOverview>> {
    Ok(Json(ctx.scoped(&state.db).orglife().plan_overview(org_id, q.or_this_year(&state.db)).await?))
}

pub async fn plan(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<PlanView>> {
    Ok(Json(ctx.scoped(&state.db).orglife().plan_by_id(id).await?))
}

pub async fn submit_plan(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<PlanView>> {
    Ok(Json(ctx.scoped(&state.db).orglife().plan_action(id, &PlanAction::Submit).await?))
}

pub async fn acknowledge_plan(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<PlanView>> {
    Ok(Json(ctx.scoped(&state.db).orglife().plan_action(id, &PlanAction::Acknowledge).await?))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct PlanReturn {
    pub reason: String,
}

pub async fn return_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(r): JsonBody<PlanReturn>,
) -> ApiResult<Json<PlanView>> {
    Ok(Json(ctx.scoped(&state.db).orglife().plan_action(id, &PlanAction::Return { reason: r.reason }).await?))
}

pub async fn publish_plan(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult<Json<PlanView>> {
    Ok(Json(ctx.scoped(&state.db).orglife().plan_action(id, &PlanAction::Publish).await?))
}

// ---- Member portal and to-do -------------------------------------------------------------

pub async fn member_attendance(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(member_id): Id,
    Paged(page): Paged,
) -> ApiResult<Json<Page<MyAttendance>>> {
    Ok(Json(ctx.scoped(&state.db).orglife().member_attendance(member_id, &page).await?))
}

pub async fn my_orglife(
    State(state): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<YearParams>,
) -> ApiResult<Json<MyOrgLife>> {
    Ok(Json(ctx.scoped(&state.db).orglife().my_orglife(q.year).await?))
}

pub async fn todo(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Json<OrgLifeTodo>> {
    Ok(Json(ctx.scoped(&state.db).orglife().orglife_todo().await?))
}

/// A member's 请假 for an upcoming meeting.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct LeaveAsk {
    pub reason: String,
}

pub async fn request_leave(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<LeaveAsk>,
) -> ApiResult<Json<vanguard_store::orglife::LeaveView>> {
    Ok(Json(ctx.scoped(&state.db).orglife().request_leave(id, &b.reason).await?))
}

/// A meeting's leave requests, newest first, in the one list envelope.
pub async fn leave_requests(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Paged(page): Paged,
) -> ApiResult<Json<Page<vanguard_store::orglife::LeaveView>>> {
    Ok(Json(ctx.scoped(&state.db).orglife().meeting_leave_requests(id, &page).await?))
}

/// The branch's decision on a leave request; declining says why (`note`).
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct LeaveDecision {
    pub approve: bool,
    pub note: String,
}

pub async fn decide_leave(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    JsonBody(b): JsonBody<LeaveDecision>,
) -> ApiResult<Json<vanguard_store::orglife::LeaveView>> {
    Ok(Json(ctx.scoped(&state.db).orglife().decide_leave(id, b.approve, &b.note).await?))
}
