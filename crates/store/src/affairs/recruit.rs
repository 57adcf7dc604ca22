//! 发展党员 storage (`recruit_files`, `recruit_steps`, `recruit_outcomes`): an
//! applicant's file in a branch, moved step by step through the 25 steps of the rule
//! set's table (`domain::affairs::recruit` decides every check); the parent's approval
//! queue; the 支部党员大会's votes about an applicant, which arrive as
//! [`Change::PersonDecided`] from 组织生活 and complete steps 15 and 23 (or propose an
//! extension or cancellation) in the meeting's own transaction — the same decision,
//! never entered twice. The archive is written only through the member feature: the
//! parent's approval of the admission (step 17) creates the 预备党员's record, of 转正
//! (step 24) makes them 正式党员 on the approved date, of a cancellation archives them.

use crate::member::{Leave, NewMember};
use crate::platform::audit::{self, Event};
use crate::platform::error::decode;
use crate::platform::hooks::{Change, HookFuture};
use crate::platform::ids;
use crate::platform::paging::{SortKey, capped_page};
use crate::platform::query::Sql;
use crate::{Db, StoreError, StoreResult, Tx};
use chrono::NaiveDate;
use serde::Serialize;
use vanguard_domain::Invalid;
use vanguard_domain::affairs::recruit::{
    self as rules, ApplicantInput, Completion, FileFacts, FileState, PersonDecision, STEP_ADMIT_APPROVAL, STEP_ADMIT_VOTE,
    STEP_APPLY, STEP_CONFIRM_APPROVAL, STEP_CONFIRM_VOTE, STEP_INTRODUCERS, STEPS, StepActor, StepDone, StepInput,
    check_completion, check_extension, parse_applicant, parse_step,
};
use vanguard_domain::kernel::paging::{Page, PageRequest};
use vanguard_domain::kernel::time::{date_text, parse_iso_date};
use vanguard_domain::member::{Category, Education, Gender, MemberInput};
use vanguard_domain::org::path;

crate::platform::scope::feature_handle!(
    /// 发展党员: applicants' files, their steps and the parent's approvals.
    Recruits,
    recruits
);

/// The encryption context of an applicant's ID number (the same as the archive's).
const CTX_ID: &str = crate::member::CTX_ID;

#[derive(Debug, Clone, sqlx::FromRow)]
struct FileRow {
    region_id: i64,
    id: i64,
    org_id: i64,
    org_path: String,
    org_name: String,
    name: String,
    gender: String,
    ethnicity: String,
    birth_date: String,
    id_number_enc: Vec<u8>,
    id_number_masked: String,
    education: Option<String>,
    work_unit: String,
    state: String,
    next_step: i64,
    member_id: Option<i64>,
    extension_months: i64,
}

macro_rules! file_select {
    () => {
        "SELECT f.region_id, f.id, f.org_id, f.org_path, o.name AS org_name, f.name, f.gender, f.ethnicity, f.birth_date, \
         f.id_number_enc, f.id_number_masked, f.education, f.work_unit, f.state, f.next_step, f.member_id, f.extension_months \
         FROM recruit_files f JOIN orgs o ON o.region_id = f.region_id AND o.id = f.org_id "
    };
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct StepRow {
    no: i64,
    done_on: String,
    documents: String,
    publicity_from: Option<String>,
    training_days: i64,
    training_hours: i64,
    introducers: String,
    decision_id: Option<i64>,
    note: String,
    done_by: i64,
}

/// A file as listed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecruitFileView {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub name: String,
    pub gender_label: &'static str,
    pub birth_date: String,
    pub id_number: String,
    pub ethnicity: String,
    pub education_label: Option<&'static str>,
    pub work_unit: String,
    pub state: String,
    pub state_label: &'static str,
    /// The next step (26: all done).
    pub next_step: i64,
    pub next_step_name: String,
    pub stage_label: &'static str,
    pub member_id: Option<i64>,
    pub extension_months: i64,
}

/// One of the 25 steps on a file's page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecruitStepView {
    pub no: i64,
    pub stage_label: &'static str,
    pub name: String,
    pub actor: String,
    pub actor_label: &'static str,
    pub required_documents: Vec<String>,
    /// done, next, overdue, pending.
    pub status: &'static str,
    pub status_label: &'static str,
    pub done_on: Option<String>,
    pub documents: Vec<String>,
    pub publicity_from: Option<String>,
    pub note: String,
    /// Completed by this 支部党员大会 decision.
    pub decision_id: Option<i64>,
    /// For the next step: the earliest day and the last day.
    pub earliest: Option<String>,
    pub deadline: Option<String>,
    pub publicity: bool,
    pub source: String,
}

/// A 延长预备期 or 取消资格 decided by the 支部大会, for the parent.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RecruitOutcomeView {
    pub id: i64,
    pub file_id: i64,
    pub name: String,
    pub kind: String,
    #[sqlx(skip)]
    pub kind_label: &'static str,
    pub months: i64,
    pub decided_on: String,
    pub state: String,
    pub approved_on: Option<String>,
    pub note: String,
}

/// A file's page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecruitDetail {
    pub file: RecruitFileView,
    pub steps: Vec<RecruitStepView>,
    pub outcomes: Vec<RecruitOutcomeView>,
    pub probation_end: Option<String>,
}

/// What waits for the caller as the 上级党委.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecruitQueue {
    /// Files whose next step is the parent's.
    pub steps: Vec<RecruitFileView>,
    pub outcomes: Vec<RecruitOutcomeView>,
}

const FILE_ORDER: SortKey = SortKey { columns: &["f.org_path", "f.id"], descending: false };

fn view(rules: &rules::RecruitRules, r: &FileRow) -> StoreResult<RecruitFileView> {
    let state = decode("recruit_files.state", &r.state, FileState::from_code)?;
    let gender = decode("recruit_files.gender", &r.gender, Gender::from_code)?;
    let education = r.education.as_deref().map(|e| decode("recruit_files.education", e, Education::from_code)).transpose()?;
    let next = rules.step(r.next_step as u8);
    Ok(RecruitFileView {
        id: r.id,
        org_id: r.org_id,
        org_name: r.org_name.clone(),
        name: r.name.clone(),
        gender_label: gender.label(),
        birth_date: r.birth_date.clone(),
        id_number: r.id_number_masked.clone(),
        ethnicity: r.ethnicity.clone(),
        education_label: education.map(Education::label),
        work_unit: r.work_unit.clone(),
        state: r.state.clone(),
        state_label: state.label(),
        next_step: r.next_step,
        next_step_name: next.map(|s| s.name.clone()).unwrap_or_else(|| "已完成".into()),
        stage_label: next.map(|s| s.stage.label()).unwrap_or(FileState::Completed.label()),
        member_id: r.member_id,
        extension_months: r.extension_months,
    })
}

fn facts(r: &FileRow, steps: &[StepRow]) -> StoreResult<FileFacts> {
    let birth_date = decode("recruit_files.birth_date", &r.birth_date, parse_iso_date)?;
    let mut done = Vec::with_capacity(steps.len());
    for s in steps {
        done.push(StepDone { no: s.no as u8, on: decode("recruit_steps.done_on", &s.done_on, parse_iso_date)?, by: s.done_by });
    }
    Ok(FileFacts { birth_date, done, extension_months: r.extension_months as u32 })
}

fn lines(text: &str) -> Vec<String> {
    text.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect()
}

/// A step rule's refusal: order and state problems are conflicts, the rest validation.
fn refusal(inv: Invalid) -> StoreError {
    match inv.errors.first() {
        Some(e)
            if matches!(e.code, "recruit.out_of_order" | "recruit.finished" | "recruit.needs_vote" | "recruit.same_account") =>
        {
            StoreError::Conflict { code: e.code, message: e.message.clone() }
        }
        _ => StoreError::Invalid(inv),
    }
}

async fn file_row_tx(tx: &mut Tx, region_id: i64, id: i64) -> StoreResult<Option<FileRow>> {
    let row = crate::on_tx!(tx, c => sqlx::query_as(concat!(file_select!(), "WHERE f.region_id = $1 AND f.id = $2"))
        .bind(region_id).bind(id).fetch_optional(c).await)?;
    Ok(row)
}

async fn steps_tx(tx: &mut Tx, region_id: i64, id: i64) -> StoreResult<Vec<StepRow>> {
    let rows = crate::on_tx!(tx, c => sqlx::query_as(
        "SELECT no, done_on, documents, publicity_from, training_days, training_hours, introducers, decision_id, note, done_by \
         FROM recruit_steps WHERE region_id = $1 AND file_id = $2 ORDER BY no")
        .bind(region_id).bind(id).fetch_all(c).await)?;
    Ok(rows)
}

/// Records a step done (checked by the caller) and moves the file on.
/// What a step done records besides its completion.
struct Record<'a> {
    on: NaiveDate,
    introducers: &'a [i64],
    decision_id: Option<i64>,
    note: &'a str,
}

async fn insert_step(tx: &mut Tx, now: i64, f: &FileRow, c: &Completion, r: Record<'_>) -> StoreResult<()> {
    let Record { on, introducers, decision_id, note } = r;
    let intro: Vec<String> = introducers.iter().map(i64::to_string).collect();
    crate::exec_tx!(tx, cn => sqlx::query(
        "INSERT INTO recruit_steps (region_id, file_id, no, done_on, documents, publicity_from, training_days, training_hours, \
         introducers, decision_id, note, done_by, done_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)")
        .bind(f.region_id).bind(f.id).bind(i64::from(c.no)).bind(date_text(on)).bind(c.documents.join("\n"))
        .bind(c.publicity_from.map(date_text)).bind(i64::from(c.training_days)).bind(i64::from(c.training_hours))
        .bind(intro.join(",")).bind(decision_id).bind(note).bind(c.by).bind(now).execute(cn).await)?;
    let state = if c.no == STEPS { FileState::Completed } else { FileState::Active };
    let moved = crate::exec_tx!(tx, cn => sqlx::query(
        "UPDATE recruit_files SET next_step = $1, state = $2, updated_at = $3 WHERE region_id = $4 AND id = $5 AND next_step = $6")
        .bind(i64::from(c.no) + 1).bind(state.code()).bind(now).bind(f.region_id).bind(f.id).bind(i64::from(c.no))
        .execute(cn).await)?;
    if moved == 0 {
        return Err(StoreError::conflict("recruit.stale", "该档案刚刚已由他人办理，请刷新后查看"));
    }
    Ok(())
}

impl Recruits<'_> {
    fn rules(&self) -> std::sync::Arc<vanguard_domain::kernel::rules::RuleSet> {
        self.db.rules()
    }

    /// A file within reach (any reach covering its branch).
    async fn file_row(&self, id: i64) -> StoreResult<FileRow> {
        let (lo, hi) = self.scope.org_range();
        let row: Option<FileRow> = crate::read!(self.db, c => sqlx::query_as(concat!(file_select!(),
            "WHERE f.region_id = $1 AND f.id = $2 AND f.org_path >= $3 AND f.org_path < $4"))
            .bind(self.scope.region_id).bind(id).bind(&lo).bind(&hi).fetch_optional(c).await)?;
        match row {
            Some(r) => Ok(r),
            // The 预备党员 may read their own file.
            None => {
                let own: Option<FileRow> = match self.scope.member_id {
                    Some(m) => crate::read!(self.db, c => sqlx::query_as(concat!(file_select!(),
                        "WHERE f.region_id = $1 AND f.id = $2 AND f.member_id = $3"))
                        .bind(self.scope.region_id).bind(id).bind(m).fetch_optional(c).await)?,
                    None => None,
                };
                own.ok_or(StoreError::NotFound)
            }
        }
    }

    /// Opens a file: the applicant and their application (step 1, with its age and
    /// document checks), in a branch within the writable subtree. Audited.
    pub async fn create_file(&self, input: &ApplicantInput) -> StoreResult<RecruitDetail> {
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?.to_string();
        let rules = self.rules();
        let mut tx = self.db.begin().await?;
        // Reach first: outside it the org is not found, whatever the input.
        let org = self.scoped().orgs().org_for_write(&mut tx, input.org_id).await?;
        if !path::within(&org.path, &root) {
            return Err(StoreError::NotFound);
        }
        let a = parse_applicant(input).map_err(StoreError::Invalid)?;
        if !org.kind().is_branch() || org.is_dissolved() {
            return Err(StoreError::invalid(
                "org_id",
                "org.not_branch",
                format!("入党申请应由党支部受理，“{}”不是在册的党支部", org.name),
            ));
        }
        let facts = FileFacts { birth_date: a.birth_date, done: Vec::new(), extension_months: 0 };
        let c = Completion {
            no: STEP_APPLY,
            on: a.applied_on,
            documents: a.documents.clone(),
            by: self.scope.actor.account_id,
            ..Default::default()
        };
        let today = self.db.clock().today();
        let on = check_completion(&rules.recruit, &facts, &c, today).map_err(refusal)?;
        let id = ids::next();
        let now = self.db.clock().now_ms();
        let crypto = self.db.crypto();
        crate::exec_tx!(tx, cn => sqlx::query(
            "INSERT INTO recruit_files (region_id, id, org_id, org_path, name, gender, ethnicity, birth_date, id_number_enc, \
             id_number_masked, education, work_unit, state, next_step, member_id, extension_months, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'active', 1, NULL, 0, $13, $14, $14)")
            .bind(org.region_id).bind(id).bind(org.id).bind(&org.path).bind(&a.name).bind(a.gender.code())
            .bind(a.ethnicity.label()).bind(date_text(a.birth_date)).bind(crypto.encrypt_str(a.id_number.as_str(), CTX_ID))
            .bind(a.id_number.masked()).bind(a.education.map(Education::code)).bind(&a.work_unit)
            .bind(self.scope.actor.account_id).bind(now).execute(cn).await)?;
        let f = file_row_tx(&mut tx, org.region_id, id).await?.ok_or(StoreError::NotFound)?;
        insert_step(&mut tx, now, &f, &c, Record { on, introducers: &[], decision_id: None, note: "" }).await?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("recruit.create", format!("recruit:{id}")).detail(format!(
                "{}向{}递交入党申请书（{}）",
                a.name,
                org.name,
                date_text(on)
            )),
        )
        .await?;
        tx.commit().await?;
        self.file(id).await
    }

    /// A file's page: the file, the 25 steps (done, next, overdue, pending) and the
    /// outcomes waiting or decided.
    pub async fn file(&self, id: i64) -> StoreResult<RecruitDetail> {
        let f = self.file_row(id).await?;
        let rows: Vec<StepRow> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT no, done_on, documents, publicity_from, training_days, training_hours, introducers, decision_id, note, done_by \
             FROM recruit_steps WHERE region_id = $1 AND file_id = $2 ORDER BY no")
            .bind(f.region_id).bind(f.id).fetch_all(c).await)?;
        let rules = self.rules();
        let r = &rules.recruit;
        let facts = facts(&f, &rows)?;
        let today = self.db.clock().today();
        let active = f.state == FileState::Active.code();
        let mut steps = Vec::with_capacity(r.steps.len());
        for s in &r.steps {
            let done = rows.iter().find(|x| x.no == i64::from(s.no));
            let is_next = active && facts.next() == Some(s.no);
            let (status, status_label) = match (done, is_next) {
                (Some(_), _) => ("done", "已完成"),
                (None, true) if rules::overdue(r, &facts, today).is_some() => ("overdue", "已超期"),
                (None, true) => ("next", "待办理"),
                (None, false) => ("pending", "未开始"),
            };
            steps.push(RecruitStepView {
                no: i64::from(s.no),
                stage_label: s.stage.label(),
                name: s.name.clone(),
                actor: s.actor.code().into(),
                actor_label: s.actor.label(),
                required_documents: s.documents.clone(),
                status,
                status_label,
                done_on: done.map(|d| d.done_on.clone()),
                documents: done.map(|d| lines(&d.documents)).unwrap_or_default(),
                publicity_from: done.and_then(|d| d.publicity_from.clone()),
                note: done
                    .map(|d| {
                        let mut n = d.note.clone();
                        if d.training_days > 0 || d.training_hours > 0 {
                            n = format!("集中培训{}天、{}学时 {n}", d.training_days, d.training_hours);
                        }
                        if !d.introducers.is_empty() {
                            n = format!("入党介绍人（党员编号）：{} {n}", d.introducers);
                        }
                        n.trim().to_string()
                    })
                    .unwrap_or_default(),
                decision_id: done.and_then(|d| d.decision_id),
                earliest: if is_next { rules::earliest(r, &facts, s.no).map(|(d, _)| date_text(d)) } else { None },
                deadline: if is_next { rules::deadline(r, &facts, s.no).map(date_text) } else { None },
                publicity: s.publicity,
                source: s.source.clone(),
            });
        }
        let outcomes = self.outcomes_where("o.file_id = $2", f.id).await?;
        Ok(RecruitDetail { probation_end: facts.probation_end(r).map(date_text), file: view(r, &f)?, steps, outcomes })
    }

    async fn outcomes_where(&self, cond: &str, bind: i64) -> StoreResult<Vec<RecruitOutcomeView>> {
        let sql = format!(
            "SELECT o.id, o.file_id, f.name, o.kind, o.months, o.decided_on, o.state, o.approved_on, o.note FROM recruit_outcomes o \
             JOIN recruit_files f ON f.region_id = o.region_id AND f.id = o.file_id WHERE o.region_id = $1 AND {cond} ORDER BY o.id"
        );
        let mut rows: Vec<RecruitOutcomeView> = crate::read!(self.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(self.scope.region_id).bind(bind).fetch_all(c).await)?;
        for o in &mut rows {
            o.kind_label = decode("recruit_outcomes.kind", &o.kind, PersonDecision::from_code)?.label();
        }
        Ok(rows)
    }

    /// The files of an org's subtree (within reach), by branch; `active_only` leaves out
    /// files that ended.
    pub async fn files(&self, org_id: i64, active_only: bool, req: &PageRequest) -> StoreResult<Page<RecruitFileView>> {
        let org = self.scoped().orgs().org(org_id).await?;
        let mut filters = Sql::new(" WHERE f.region_id = ");
        filters
            .bind(org.region_id)
            .push(" AND f.org_path >= ")
            .bind(org.path.as_str())
            .push(" AND f.org_path < ")
            .bind(path::upper(&org.path));
        if active_only {
            filters.push(" AND f.state = 'active'");
        }
        let count_from = "recruit_files f JOIN orgs o ON o.region_id = f.region_id AND o.id = f.org_id";
        let page: Page<FileRow> = capped_page(self.db, count_from, file_select!(), &filters, &FILE_ORDER, req, |f: &FileRow| {
            vec![f.org_path.clone().into(), f.id.into()]
        })
        .await?;
        let rules = self.rules();
        page.try_map(|f| view(&rules.recruit, &f))
    }

    /// Completes the next step of a file. The branch's steps need an account writing the
    /// branch; the parent's (上级党委) an account reaching strictly above it, other than
    /// the one that did the step before; the 支部党员大会's only come from its vote. The
    /// parent's approval of the admission creates the 预备党员's archive; of 转正 makes
    /// them 正式党员 on the approved date. Audited.
    pub async fn complete_step(&self, id: i64, no: u8, input: &StepInput) -> StoreResult<RecruitDetail> {
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?.to_string();
        let rules = self.rules();
        let mut tx = self.db.begin().await?;
        let f = file_row_tx(&mut tx, self.scope.region_id, id)
            .await?
            .filter(|f| path::within(&f.org_path, &root))
            .ok_or(StoreError::NotFound)?;
        let (mut c, note) = parse_step(no, input).map_err(StoreError::Invalid)?;
        c.by = self.scope.actor.account_id;
        if f.state != FileState::Active.code() {
            return Err(StoreError::conflict("recruit.closed", "该档案已结束，不能再办理"));
        }
        let step = rules.recruit.step(no).ok_or(StoreError::NotFound)?;
        if step.actor == StepActor::Parent && root == f.org_path {
            return Err(StoreError::conflict(
                "recruit.parent_only",
                format!("第{no}步“{}”由上级党委办理，请由上级党委的账号在“待我审批”中办理", step.name),
            ));
        }
        for m in &input.introducer_ids {
            // An introducer outside reach or not in the archive is "not a 正式党员".
            let category = self.scoped().members().member_row(*m).await.ok().filter(|r| !r.archived).map(|r| r.category);
            c.introducers.push(category.as_deref().and_then(Category::from_code));
        }
        if no == STEP_INTRODUCERS
            && input.introducer_ids.iter().collect::<std::collections::BTreeSet<_>>().len() != input.introducer_ids.len()
        {
            return Err(StoreError::invalid("introducers", "recruit.introducers_count", "两名入党介绍人不能是同一人"));
        }
        let steps = steps_tx(&mut tx, f.region_id, f.id).await?;
        let facts = facts(&f, &steps)?;
        let on = check_completion(&rules.recruit, &facts, &c, self.db.clock().today()).map_err(refusal)?;
        let now = self.db.clock().now_ms();
        insert_step(&mut tx, now, &f, &c, Record { on, introducers: &input.introducer_ids, decision_id: None, note: &note })
            .await?;
        let mut detail = format!("{}：第{no}步“{}”（{}）", f.name, step.name, date_text(on));
        match no {
            STEP_ADMIT_APPROVAL => {
                let admitted = facts.on(STEP_ADMIT_VOTE).ok_or(StoreError::NotFound)?;
                let member = self.admit(&mut tx, &f, admitted).await?;
                detail.push_str(&format!("；建立预备党员档案（入党日期{}）", date_text(admitted)));
                crate::exec_tx!(tx, cn => sqlx::query("UPDATE recruit_files SET member_id = $1 WHERE region_id = $2 AND id = $3")
                    .bind(member).bind(f.region_id).bind(f.id).execute(cn).await)?;
            }
            STEP_CONFIRM_APPROVAL => {
                let member = f.member_id.ok_or_else(|| StoreError::conflict("recruit.no_member", "该预备党员尚无党员档案"))?;
                let patch = MemberInput {
                    category: Some(Category::Formal.code().into()),
                    confirmed_on: Some(date_text(on)),
                    ..Default::default()
                };
                self.scoped().members().update_member_in(&mut tx, member, &patch, None).await?;
                detail.push_str(&format!("；转为正式党员（{}）", date_text(on)));
            }
            _ => {}
        }
        audit::append(&mut tx, self.db, &self.scope.actor, Event::ok("recruit.step", format!("recruit:{id}")).detail(detail))
            .await?;
        super::recruit_check::refresh_file(&mut tx, self.db, f.region_id, f.org_id).await?;
        tx.commit().await?;
        self.file(id).await
    }

    /// Creates the 预备党员's archive from the file (党籍 from the 支部大会's day).
    async fn admit(&self, tx: &mut Tx, f: &FileRow, admitted: NaiveDate) -> StoreResult<i64> {
        let id_number = self
            .db
            .crypto()
            .decrypt_str(&f.id_number_enc, CTX_ID)
            .ok_or_else(|| StoreError::conflict("recruit.sealed", "申请人身份证号无法解密，请核对档案"))?;
        let fields = MemberInput {
            name: Some(f.name.clone()),
            gender: Some(f.gender.clone()),
            ethnicity: Some(f.ethnicity.clone()),
            birth_date: Some(f.birth_date.clone()),
            id_number: Some(id_number),
            education: f.education.clone(),
            joined_on: Some(date_text(admitted)),
            category: Some(Category::Probationary.code().into()),
            work_unit: Some(f.work_unit.clone()),
            ..Default::default()
        };
        self.scoped().members().create_member_in(tx, &NewMember { org_id: f.org_id, group_id: None, fields }).await
    }

    /// What waits for the caller as the 上级党委: files below the caller's root (not in
    /// it) whose next step is the parent's, and outcomes to approve (at most 200 each).
    pub async fn awaiting_me(&self) -> StoreResult<RecruitQueue> {
        let Some(root) = self.scope.writable_root().map(str::to_string) else {
            return Ok(RecruitQueue { steps: Vec::new(), outcomes: Vec::new() });
        };
        let rules = self.rules();
        let parent_steps: Vec<i64> =
            rules.recruit.steps.iter().filter(|s| s.actor == StepActor::Parent).map(|s| i64::from(s.no)).collect();
        let list = parent_steps.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "{} WHERE f.region_id = $1 AND f.org_path > $2 AND f.org_path < $3 AND f.state = 'active' AND f.next_step IN ({list}) \
             ORDER BY f.updated_at, f.id LIMIT 200",
            file_select!()
        );
        let rows: Vec<FileRow> = crate::read!(self.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(self.scope.region_id).bind(&root).bind(path::upper(&root)).fetch_all(c).await)?;
        let steps = rows.iter().filter(|f| f.org_path != root).map(|f| view(&rules.recruit, f)).collect::<StoreResult<_>>()?;
        let sql = "SELECT o.id, o.file_id, f.name, o.kind, o.months, o.decided_on, o.state, o.approved_on, o.note FROM recruit_outcomes o \
             JOIN recruit_files f ON f.region_id = o.region_id AND f.id = o.file_id WHERE o.region_id = $1 AND o.state = 'pending' \
             AND o.org_path > $2 AND o.org_path < $3 ORDER BY o.id LIMIT 200";
        let mut outcomes: Vec<RecruitOutcomeView> = crate::read!(self.db, c => sqlx::query_as(sql)
            .bind(self.scope.region_id).bind(&root).bind(path::upper(&root)).fetch_all(c).await)?;
        for o in &mut outcomes {
            o.kind_label = decode("recruit_outcomes.kind", &o.kind, PersonDecision::from_code)?.label();
        }
        Ok(RecruitQueue { steps, outcomes })
    }

    /// The parent's decision on an extension or cancellation voted by the 支部大会: by an
    /// account reaching strictly above the branch, other than the one that recorded the
    /// vote. An approved extension lengthens the 预备期 (once); an approved cancellation
    /// ends the file and moves the 预备党员 to the history archive. Audited.
    pub async fn decide_outcome(&self, id: i64, approve: bool, on: &str, note: &str) -> StoreResult<RecruitDetail> {
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?.to_string();
        let today = self.db.clock().today();
        let on = if on.trim().is_empty() {
            today
        } else {
            parse_iso_date(on.trim()).ok_or_else(|| StoreError::invalid("on", "date.format", "日期格式应为 YYYY-MM-DD"))?
        };
        if on > today {
            return Err(StoreError::invalid("on", "date.future", "审批日期不能晚于今天"));
        }
        let mut tx = self.db.begin().await?;
        let row: Option<(i64, String, String, i64, String, i64)> = crate::on_tx!(tx, c => sqlx::query_as(
            "SELECT file_id, org_path, kind, months, decided_on, proposed_by FROM recruit_outcomes WHERE region_id = $1 AND id = $2 AND state = 'pending'")
            .bind(self.scope.region_id).bind(id).fetch_optional(c).await)?;
        let (file_id, org_path, kind, months, decided_on, proposed_by) =
            row.filter(|r| path::within(&r.1, &root)).ok_or(StoreError::NotFound)?;
        if org_path == root {
            return Err(StoreError::conflict("recruit.parent_only", "须由上级党委的账号审批"));
        }
        if proposed_by == self.scope.actor.account_id {
            return Err(StoreError::conflict("recruit.same_account", "审批须由另一账号办理，不能由录入表决的同一账号完成"));
        }
        if decided_on.as_str() > date_text(on).as_str() {
            return Err(StoreError::invalid("on", "date.before_vote", "审批日期不能早于支部大会表决日期"));
        }
        let kind = decode("recruit_outcomes.kind", &kind, PersonDecision::from_code)?;
        let f = file_row_tx(&mut tx, self.scope.region_id, file_id).await?.ok_or(StoreError::NotFound)?;
        if f.state != FileState::Active.code() {
            return Err(StoreError::conflict("recruit.closed", "该档案已结束，不能再办理"));
        }
        let now = self.db.clock().now_ms();
        if approve {
            match kind {
                PersonDecision::Extend => {
                    let steps = steps_tx(&mut tx, f.region_id, f.id).await?;
                    check_extension(&self.rules().recruit, &facts(&f, &steps)?, months as u32).map_err(refusal)?;
                    crate::exec_tx!(tx, cn => sqlx::query("UPDATE recruit_files SET extension_months = $1, updated_at = $2 WHERE region_id = $3 AND id = $4")
                        .bind(months).bind(now).bind(f.region_id).bind(f.id).execute(cn).await)?;
                }
                _ => {
                    crate::exec_tx!(tx, cn => sqlx::query("UPDATE recruit_files SET state = 'cancelled', updated_at = $1 WHERE region_id = $2 AND id = $3")
                        .bind(now).bind(f.region_id).bind(f.id).execute(cn).await)?;
                    if let Some(member) = f.member_id {
                        let leave = Leave {
                            reason: vanguard_domain::member::LeaveReason::ProbationCancelled.code().into(),
                            left_on: date_text(on),
                            note: note.trim().to_string(),
                        };
                        self.scoped().members().archive_member_in(&mut tx, member, &leave).await?;
                    }
                }
            }
        }
        crate::exec_tx!(tx, cn => sqlx::query(
            "UPDATE recruit_outcomes SET state = $1, approved_by = $2, approved_on = $3, note = $4 WHERE region_id = $5 AND id = $6")
            .bind(if approve { "approved" } else { "rejected" }).bind(self.scope.actor.account_id).bind(date_text(on))
            .bind(note.trim()).bind(self.scope.region_id).bind(id).execute(cn).await)?;
        let what = match (kind, approve) {
            (PersonDecision::Extend, true) => format!("上级党委批准延长预备期{months}个月"),
            (_, true) => "上级党委批准取消预备党员资格".to_string(),
            (_, false) => format!("上级党委不批准{}", kind.label()),
        };
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("recruit.outcome", format!("recruit:{file_id}")).detail(format!("{}：{what}（{}）", f.name, date_text(on))),
        )
        .await?;
        super::recruit_check::refresh_file(&mut tx, self.db, f.region_id, f.org_id).await?;
        tx.commit().await?;
        self.file(file_id).await
    }

    /// The caller's own file (a 预备党员 bound to their archive), if any; an account bound
    /// to no member record has none to find.
    pub async fn my_file(&self) -> StoreResult<Option<RecruitDetail>> {
        let member = self.scope.member_id.ok_or(StoreError::NotFound)?;
        let id: Option<i64> = crate::read!(self.db, c => sqlx::query_scalar(
            "SELECT id FROM recruit_files WHERE region_id = $1 AND member_id = $2 ORDER BY id DESC LIMIT 1")
            .bind(self.scope.region_id).bind(member).fetch_optional(c).await)?;
        match id {
            Some(id) => self.file(id).await.map(Some),
            None => Ok(None),
        }
    }
}

/// 发展党员's subscription to the hooks: a 支部党员大会 decision about an applicant's file
/// completes step 15 (接收) or 23 (转正) on the meeting's day when it passes, or proposes
/// an extension or cancellation for the parent; a decision the file cannot take (wrong
/// branch, wrong step, too early) fails the meeting's write with the reason.
pub(crate) fn on_change<'a>(tx: &'a mut Tx, db: &'a Db, change: &'a Change) -> HookFuture<'a> {
    Box::pin(async move {
        let Change::PersonDecided { region_id, org_id, decision_id, held_on, subject_kind, subject_id, months, passed, by } =
            change
        else {
            return Ok(());
        };
        let kind = PersonDecision::parse(subject_kind).ok_or_else(|| {
            StoreError::invalid(
                "subject_kind",
                "decision.subject_kind",
                "表决事项类别应为：接收预备党员、预备党员转正、延长预备期、取消预备党员资格",
            )
        })?;
        let f = file_row_tx(tx, *region_id, *subject_id).await?.filter(|f| f.org_id == *org_id).ok_or_else(|| {
            StoreError::invalid("subject_id", "decision.subject", "表决对象不是本支部的发展党员档案，请重新选择")
        })?;
        if f.state != FileState::Active.code() {
            return Err(StoreError::conflict("recruit.closed", format!("{}的发展党员档案已结束，不能再表决", f.name)));
        }
        if !passed {
            return Ok(());
        }
        let rules = db.rules();
        let steps = steps_tx(tx, f.region_id, f.id).await?;
        let facts = facts(&f, &steps)?;
        let now = db.clock().now_ms();
        match kind {
            PersonDecision::Admit | PersonDecision::Confirm => {
                let no = if kind == PersonDecision::Admit { STEP_ADMIT_VOTE } else { STEP_CONFIRM_VOTE };
                let documents = rules.recruit.step(no).map(|s| s.documents.clone()).unwrap_or_default();
                let c = Completion { no, on: Some(*held_on), documents, by_vote: true, by: *by, ..Default::default() };
                let on = check_completion(&rules.recruit, &facts, &c, db.clock().today()).map_err(|inv| {
                    let msg = inv.to_string();
                    StoreError::conflict("recruit.vote_refused", format!("{}：{msg}", f.name))
                })?;
                insert_step(
                    tx,
                    now,
                    &f,
                    &c,
                    Record { on, introducers: &[], decision_id: Some(*decision_id), note: "支部党员大会表决通过" },
                )
                .await?;
            }
            PersonDecision::Extend | PersonDecision::Cancel => {
                let months = if kind == PersonDecision::Extend {
                    let m = months.unwrap_or(0);
                    check_extension(&rules.recruit, &facts, m).map_err(StoreError::Invalid)?;
                    m
                } else {
                    if f.member_id.is_none() {
                        return Err(StoreError::conflict("recruit.not_probationary", format!("{}尚未批准为预备党员", f.name)));
                    }
                    0
                };
                crate::exec_tx!(tx, cn => sqlx::query(
                    "INSERT INTO recruit_outcomes (region_id, id, file_id, org_path, kind, months, decision_id, decided_on, state, proposed_by, note) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, '')")
                    .bind(f.region_id).bind(ids::next()).bind(f.id).bind(&f.org_path).bind(kind.code()).bind(i64::from(months))
                    .bind(*decision_id).bind(date_text(*held_on)).bind(*by).execute(cn).await)?;
            }
        }
        super::recruit_check::refresh_file(tx, db, f.region_id, f.org_id).await
    })
}
