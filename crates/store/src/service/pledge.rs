//! 三亮三比 (`pledge_labels`, `pledge_commitments`, `pledge_records`,
//! `pledge_publications`). Rules: `domain::service::pledge`.
//!
//! Labels are granted by an org within reach to a member of its subtree, of a kind its
//! 领域 may grant. A member writes the year's commitment in the portal (the branch is told
//! through notify's `approval_waiting`); the branch approves or returns it, and grades its
//! fulfilment at year end — never the member's own account. An org chooses to publish:
//! then [`public_page`] (no login) lists its labelled members and approved commitments
//! with the name and the text only; otherwise nothing is found.
//!
//! The missing-commitment rule applies to the members of branches that run 亮承诺 for
//! the year (a branch with at least one commitment of the year): a branch that has not
//! begun is not judged member by member.

use crate::platform::audit::{self, Event};
use crate::platform::engines::{EngineFuture, EngineRun};
use crate::platform::error::decode;
use crate::platform::findings::{Placed, reconcile};
use crate::platform::ids;
use crate::{Db, StoreError, StoreResult, Tx};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use vanguard_domain::Invalid;
use vanguard_domain::kernel::finding::Subject;
use vanguard_domain::kernel::time::date_text;
use vanguard_domain::org::path;
use vanguard_domain::service::pledge::{
    COMMITMENT_MAX, CommitmentFacts, CommitmentState, CompareInput, CompareKind, FulfilmentGrade, PLEDGE_NOTE_MAX, PLEDGE_PREFIX,
    PledgeLabelKind, grade, label_allowed, missing_finding, parse_commitment, parse_compare, review, rewrite,
};

crate::platform::scope::feature_handle!(
    /// 三亮三比: labels, commitments, 比 records, publishing.
    Pledges,
    pledges
);

/// A label as typed: the member, the kind, the post (岗位 or the plate's text).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PledgeLabelInput {
    pub member_id: i64,
    /// `demo_post` (党员示范岗), `pioneer_post` (党员先锋岗), `household` (共产党员户).
    pub kind: String,
    pub post: String,
}

/// A label granted (and not revoked).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PledgeLabelView {
    pub id: i64,
    pub org_id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub kind: String,
    #[sqlx(skip)]
    pub kind_label: &'static str,
    pub post: String,
    pub granted_on: String,
}

/// A member of an org with the year's commitment (if any).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CommitmentView {
    /// The commitment's id; absent when none was written.
    pub id: Option<i64>,
    pub member_id: i64,
    pub member_name: String,
    pub org_id: i64,
    pub year: i64,
    pub text: Option<String>,
    pub state: Option<String>,
    #[sqlx(skip)]
    pub state_label: &'static str,
    pub review_note: Option<String>,
    pub grade: Option<String>,
    #[sqlx(skip)]
    pub grade_label: &'static str,
    pub grade_note: Option<String>,
}

/// A 比 record.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CompareView {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub kind: String,
    #[sqlx(skip)]
    pub kind_label: &'static str,
    pub on_date: String,
    pub what: String,
    pub evidence: String,
    pub source: String,
    pub recorded_by: i64,
    pub recorded_at: i64,
}

/// An org's 三亮三比 at a glance, for its workbench page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PledgeOverview {
    pub org_id: i64,
    pub year: i32,
    pub published: bool,
    /// The label kinds this org may grant (by its 领域).
    pub may_grant: Vec<LabelChoice>,
    pub labels: Vec<PledgeLabelView>,
    pub commitments: Vec<CommitmentView>,
    pub records: Vec<CompareView>,
    /// Members without a commitment (none, or returned).
    pub missing: i64,
    /// The day the year's commitment is due.
    pub deadline: String,
}

/// A label kind an org may grant.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LabelChoice {
    pub code: &'static str,
    pub label: &'static str,
}

/// The public page of an org: names, labels and commitment texts only.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicPledges {
    pub org_name: String,
    pub year: i32,
    pub members: Vec<PublicPledgeLine>,
}

/// One member on the public page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicPledgeLine {
    pub name: String,
    /// Labels with their post, e.g. “党员先锋岗（便民服务窗口）”.
    pub labels: Vec<String>,
    /// The approved commitment of the year, if any.
    pub commitment: Option<String>,
}

/// Rows read at most per list.
const LIST_MAX: i64 = 1000;

const LABEL_SELECT: &str = "SELECT l.id, l.org_id, l.member_id, mb.name AS member_name, l.kind, l.post, l.granted_on \
     FROM pledge_labels l JOIN members mb ON mb.region_id = l.region_id AND mb.id = l.member_id";

const COMMIT_SELECT: &str = "SELECT c.id, m.id AS member_id, m.name AS member_name, m.org_id, CAST($2 AS BIGINT) AS year, \
     c.text, c.state, c.review_note, c.grade, c.grade_note FROM members m \
     LEFT JOIN pledge_commitments c ON c.region_id = m.region_id AND c.member_id = m.id AND c.year = $2";

const RECORD_SELECT: &str = "SELECT r.id, r.member_id, mb.name AS member_name, r.kind, r.on_date, r.what, r.evidence, \
     r.source, r.recorded_by, r.recorded_at FROM pledge_records r \
     JOIN members mb ON mb.region_id = r.region_id AND mb.id = r.member_id";

fn label_labels(mut rows: Vec<PledgeLabelView>) -> StoreResult<Vec<PledgeLabelView>> {
    for r in &mut rows {
        r.kind_label = decode("pledge_labels.kind", &r.kind, PledgeLabelKind::from_code)?.label();
    }
    Ok(rows)
}

fn commit_labels(mut rows: Vec<CommitmentView>) -> StoreResult<Vec<CommitmentView>> {
    for r in &mut rows {
        r.state_label = match &r.state {
            Some(s) => decode("pledge_commitments.state", s, CommitmentState::from_code)?.label(),
            None => "未亮承诺",
        };
        r.grade_label = match &r.grade {
            Some(g) => decode("pledge_commitments.grade", g, FulfilmentGrade::from_code)?.label(),
            None => "",
        };
    }
    Ok(rows)
}

fn record_labels(mut rows: Vec<CompareView>) -> StoreResult<Vec<CompareView>> {
    for r in &mut rows {
        r.kind_label = decode("pledge_records.kind", &r.kind, CompareKind::from_code)?.label();
    }
    Ok(rows)
}

#[derive(sqlx::FromRow)]
struct JudgedRow {
    member_id: i64,
    org_id: i64,
    org_path: String,
    state: Option<String>,
}

/// Members of branches running 亮承诺 in `year`, with their commitment's state.
const JUDGED_SQL: &str = "SELECT m.id AS member_id, m.org_id, m.org_path, c.state FROM members m \
     LEFT JOIN pledge_commitments c ON c.region_id = m.region_id AND c.member_id = m.id AND c.year = $2 \
     WHERE m.region_id = $1 AND m.archived = FALSE AND m.party_status = 'normal' \
     AND m.org_id IN (SELECT org_id FROM pledge_commitments WHERE region_id = $1 AND year = $2)";

fn placed(db: &Db, as_of: NaiveDate, rows: &[JudgedRow]) -> StoreResult<Vec<Placed>> {
    let rules = db.rules();
    let mut out = Vec::new();
    for r in rows {
        let state = r.state.as_deref().map(|s| decode("pledge_commitments.state", s, CommitmentState::from_code)).transpose()?;
        if let Some(finding) = missing_finding(&rules.pledges, &rules.severity, r.member_id, state, as_of) {
            out.push(Placed { finding, org_id: r.org_id, org_path: r.org_path.clone() });
        }
    }
    Ok(out)
}

/// The full check of a region (one line in [`crate::ENGINES`]).
pub fn check_region(db: &Db, region_id: i64, as_of: NaiveDate) -> EngineFuture<'_> {
    Box::pin(async move {
        let started = std::time::Instant::now();
        let rows: Vec<JudgedRow> = crate::read!(db, c => sqlx::query_as(JUDGED_SQL)
            .bind(region_id).bind(i64::from(as_of.year())).fetch_all(c).await)?;
        let subjects =
            crate::affairs::mobile::member_subjects(db, region_id, PLEDGE_PREFIX, rows.iter().map(|r| r.member_id)).await?;
        let new = placed(db, as_of, &rows)?;
        let mut tx = db.begin().await?;
        let changes =
            reconcile(&mut tx, region_id, db.clock().now_ms(), PLEDGE_PREFIX, &subjects, new, &|_| "已亮承诺".into()).await?;
        tx.commit().await?;
        Ok(EngineRun { name: "三亮三比", subjects: subjects.len() as u64, changes, seconds: started.elapsed().as_secs_f64() })
    })
}

/// The members of one branch, judged again in the writing transaction.
async fn refresh_branch(tx: &mut Tx, db: &Db, region_id: i64, org_id: i64) -> StoreResult<()> {
    let today = db.clock().today();
    let sql = format!("{JUDGED_SQL} AND m.org_id = $3");
    let rows: Vec<JudgedRow> = crate::on_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(region_id).bind(i64::from(today.year())).bind(org_id).fetch_all(c).await)?;
    let subjects: Vec<Subject> = rows.iter().map(|r| Subject::Member(r.member_id)).collect();
    let new = placed(db, today, &rows)?;
    reconcile(tx, region_id, db.clock().now_ms(), PLEDGE_PREFIX, &subjects, new, &|_| "已亮承诺".into()).await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct CommitRow {
    member_id: i64,
    org_id: i64,
    org_path: String,
    year: i64,
    state: String,
    written_by: i64,
    grade: Option<String>,
}

impl CommitRow {
    fn facts(&self) -> StoreResult<CommitmentFacts> {
        Ok(CommitmentFacts {
            state: decode("pledge_commitments.state", &self.state, CommitmentState::from_code)?,
            year: i32::try_from(self.year).unwrap_or(0),
            written_by: self.written_by,
            graded: self.grade.is_some(),
        })
    }
}

fn refusal(inv: Invalid) -> StoreError {
    match inv.errors.first() {
        Some(e) if e.field == "state" => StoreError::Conflict { code: e.code, message: e.message.clone() },
        _ => StoreError::Invalid(inv),
    }
}

fn raced() -> StoreError {
    StoreError::conflict("pledge.raced", "该承诺刚刚已由他人办理，请刷新后查看")
}

impl Pledges<'_> {
    async fn audit(&self, tx: &mut Tx, action: &'static str, object: String, detail: String) -> StoreResult<()> {
        audit::append(tx, self.db, &self.scope.actor, Event::ok(action, object).detail(detail)).await?;
        Ok(())
    }

    /// An org within writable reach.
    async fn writable_org(&self, org_id: i64) -> StoreResult<crate::org::OrgRow> {
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?.to_string();
        let org = self.scoped().orgs().org(org_id).await?;
        if !path::within(&org.path, &root) {
            return Err(StoreError::NotFound);
        }
        Ok(org)
    }

    /// The org's page: what it may grant, its labels, the year's commitments of its
    /// members, its latest 比 records, whether it publishes.
    pub async fn overview(&self, org_id: i64, year: i32) -> StoreResult<PledgeOverview> {
        let org = self.scoped().orgs().org(org_id).await?;
        let (lo, hi) = (org.path.clone(), path::upper(&org.path));
        let rules = self.db.rules();
        let may_grant =
            rules.pledges.kinds_for(org.sector).into_iter().map(|k| LabelChoice { code: k.code(), label: k.label() }).collect();
        let sql = format!(
            "{LABEL_SELECT} WHERE l.region_id = $1 AND l.org_path >= $2 AND l.org_path < $3 AND l.open_key = 0 \
             ORDER BY l.granted_on DESC, l.id DESC LIMIT {LIST_MAX}"
        );
        let labels: Vec<PledgeLabelView> = crate::read!(self.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(org.region_id).bind(&lo).bind(&hi).fetch_all(c).await)?;
        let sql = format!(
            "{COMMIT_SELECT} WHERE m.region_id = $1 AND m.archived = FALSE AND m.org_path >= $3 AND m.org_path < $4 \
             ORDER BY m.org_path, m.name, m.id LIMIT {LIST_MAX}"
        );
        let commitments: Vec<CommitmentView> = crate::read!(self.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(org.region_id).bind(i64::from(year)).bind(&lo).bind(&hi).fetch_all(c).await)?;
        let sql = format!(
            "{RECORD_SELECT} WHERE r.region_id = $1 AND r.org_path >= $2 AND r.org_path < $3 \
             ORDER BY r.on_date DESC, r.id DESC LIMIT 200"
        );
        let records: Vec<CompareView> = crate::read!(self.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(org.region_id).bind(&lo).bind(&hi).fetch_all(c).await)?;
        // Counted over the whole subtree (the list above stops at LIST_MAX rows).
        let missing: i64 = crate::read!(self.db, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM members m WHERE m.region_id = $1 AND m.archived = FALSE AND m.org_path >= $2 AND m.org_path < $3 \
             AND NOT EXISTS (SELECT 1 FROM pledge_commitments c WHERE c.region_id = m.region_id AND c.member_id = m.id \
             AND c.year = $4 AND c.state IN ('submitted', 'approved'))")
            .bind(org.region_id).bind(&lo).bind(&hi).bind(i64::from(year)).fetch_one(c).await)?;
        Ok(PledgeOverview {
            org_id,
            year,
            published: published(self.db, org.region_id, org.id).await?,
            may_grant,
            labels: label_labels(labels)?,
            commitments: commit_labels(commitments)?,
            records: record_labels(records)?,
            missing,
            deadline: date_text(rules.pledges.deadline(year)),
        })
    }

    /// Grants a label of a kind the org's 领域 allows to a member of its subtree. Audited.
    pub async fn grant_label(&self, org_id: i64, input: &PledgeLabelInput) -> StoreResult<PledgeLabelView> {
        let org = self.writable_org(org_id).await?;
        let mut inv = Invalid::default();
        let kind = PledgeLabelKind::from_code(input.kind.trim());
        if kind.is_none() {
            inv.push(vanguard_domain::FieldError::new(
                "kind",
                "pledge.label_kind",
                "请选择标识：党员示范岗、党员先锋岗或共产党员户",
            ));
        }
        vanguard_domain::kernel::error::check_text(&mut inv, "post", "岗位或挂牌内容", &input.post, 100, true);
        let Some(kind) = kind.filter(|_| inv.is_empty()) else { return Err(StoreError::Invalid(inv)) };
        label_allowed(&self.db.rules().pledges, org.sector, kind).map_err(StoreError::Invalid)?;
        let m = self.scoped().members().member_row(input.member_id).await?;
        if !path::within(&m.org_path, &org.path) || m.archived {
            return Err(StoreError::invalid("member_id", "pledge.member", format!("请选择{}的在册党员", org.name)));
        }
        let id = ids::next();
        let today = self.db.clock().today();
        let mut tx = self.db.begin().await?;
        let n = crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO pledge_labels (region_id, id, org_id, org_path, member_id, kind, post, granted_on, granted_by, \
             revoked_on, revoked_by, open_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, NULL, 0) \
             ON CONFLICT (region_id, org_id, member_id, kind, open_key) DO NOTHING")
            .bind(org.region_id).bind(id).bind(org.id).bind(&org.path).bind(m.id).bind(kind.code()).bind(input.post.trim())
            .bind(date_text(today)).bind(self.scope.actor.account_id).execute(c).await)?;
        if n == 0 {
            return Err(StoreError::conflict("pledge.label_exists", format!("{}已有“{}”标识", m.name, kind.label())));
        }
        self.audit(
            &mut tx,
            "pledge.label",
            format!("member:{}", m.id),
            format!("{}：{}（{}）", org.name, kind.label(), input.post.trim()),
        )
        .await?;
        tx.commit().await?;
        Ok(PledgeLabelView {
            id,
            org_id: org.id,
            member_id: m.id,
            member_name: m.name,
            kind: kind.code().into(),
            kind_label: kind.label(),
            post: input.post.trim().into(),
            granted_on: date_text(today),
        })
    }

    /// Revokes a label granted within reach. Audited.
    pub async fn revoke_label(&self, label_id: i64) -> StoreResult<()> {
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?.to_string();
        let row: Option<(String, i64, String)> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT org_path, member_id, kind FROM pledge_labels WHERE region_id = $1 AND id = $2 AND open_key = 0")
            .bind(self.scope.region_id).bind(label_id).fetch_optional(c).await)?;
        let (_, member_id, kind) = row.filter(|r| path::within(&r.0, &root)).ok_or(StoreError::NotFound)?;
        let mut tx = self.db.begin().await?;
        let n = crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE pledge_labels SET open_key = id, revoked_on = $1, revoked_by = $2 WHERE region_id = $3 AND id = $4 AND open_key = 0")
            .bind(date_text(self.db.clock().today())).bind(self.scope.actor.account_id).bind(self.scope.region_id).bind(label_id)
            .execute(c).await)?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let label = PledgeLabelKind::from_code(&kind).map(|k| k.label()).unwrap_or("标识");
        self.audit(&mut tx, "pledge.unlabel", format!("member:{member_id}"), format!("撤销{label}")).await?;
        tx.commit().await
    }

    /// The caller's own commitment of `year` (the portal).
    pub async fn my_commitment(&self, year: i32) -> StoreResult<Option<CommitmentView>> {
        let member_id = self.scope.member_id.ok_or(StoreError::NotFound)?;
        let sql = format!("{COMMIT_SELECT} WHERE m.region_id = $1 AND m.id = $3 AND c.id IS NOT NULL");
        let rows: Vec<CommitmentView> = crate::read!(self.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(self.scope.region_id).bind(i64::from(year)).bind(member_id).fetch_all(c).await)?;
        Ok(commit_labels(rows)?.into_iter().next())
    }

    /// The member writes (or rewrites) this year's commitment; the branch is told that it
    /// waits for review. Audited.
    pub async fn write_commitment(&self, text: &str) -> StoreResult<CommitmentView> {
        // An account bound to no member has no commitment to write: out of reach.
        let member_id = self.scope.member_id.ok_or(StoreError::NotFound)?;
        let text = parse_commitment(text).map_err(StoreError::Invalid)?;
        let m = self.scoped().members().member_row(member_id).await?;
        let year = self.db.clock().today().year();
        let now = self.db.clock().now_ms();
        let mut tx = self.db.begin().await?;
        let existing: Option<CommitRow> = crate::on_tx!(tx, c => sqlx::query_as(
            "SELECT member_id, org_id, org_path, year, state, written_by, grade FROM pledge_commitments \
             WHERE region_id = $1 AND member_id = $2 AND year = $3")
            .bind(m.region_id).bind(m.id).bind(i64::from(year)).fetch_optional(c).await)?;
        let facts = existing.as_ref().map(CommitRow::facts).transpose()?;
        rewrite(facts.as_ref()).map_err(refusal)?;
        let id = ids::next();
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO pledge_commitments (region_id, id, member_id, org_id, org_path, year, text, state, written_by, written_at, \
             reviewed_by, reviewed_at, review_note, grade, grade_note, graded_by, graded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'submitted', $8, $9, NULL, NULL, '', NULL, '', NULL, NULL) \
             ON CONFLICT (region_id, member_id, year) DO UPDATE SET text = excluded.text, state = 'submitted', \
             written_by = excluded.written_by, written_at = excluded.written_at, org_id = excluded.org_id, org_path = excluded.org_path")
            .bind(m.region_id).bind(id).bind(m.id).bind(m.org_id).bind(&m.org_path).bind(i64::from(year)).bind(&text)
            .bind(self.scope.actor.account_id).bind(now).execute(c).await)?;
        self.audit(&mut tx, "pledge.commit", format!("member:{}", m.id), format!("{year}年度承诺：{text}")).await?;
        crate::notify::approval_waiting(
            &mut tx,
            self.db,
            m.region_id,
            crate::notify::Audience::OrgManagers(m.org_id),
            &format!("pledge:{}:{year}:{now}", m.id),
            "党员承诺",
            &m.name,
            &format!("/orgs/{}/pledges", m.org_id),
        )
        .await?;
        refresh_branch(&mut tx, self.db, m.region_id, m.org_id).await?;
        tx.commit().await?;
        self.my_commitment(year).await?.ok_or(StoreError::NotFound)
    }

    async fn commit_row(&self, tx: &mut Tx, id: i64) -> StoreResult<CommitRow> {
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?.to_string();
        let row: Option<CommitRow> = crate::on_tx!(tx, c => sqlx::query_as(
            "SELECT member_id, org_id, org_path, year, state, written_by, grade FROM pledge_commitments WHERE region_id = $1 AND id = $2")
            .bind(self.scope.region_id).bind(id).fetch_optional(c).await)?;
        row.filter(|r| path::within(&r.org_path, &root)).ok_or(StoreError::NotFound)
    }

    /// The branch approves or returns (with a note) a waiting commitment; not the
    /// member's own account. Audited.
    pub async fn review(&self, id: i64, approve: bool, note: &str) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        let r = self.commit_row(&mut tx, id).await?;
        let next = review(&r.facts()?, approve, note, self.scope.actor.account_id).map_err(refusal)?;
        let n = crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE pledge_commitments SET state = $1, reviewed_by = $2, reviewed_at = $3, review_note = $4 \
             WHERE region_id = $5 AND id = $6 AND state = 'submitted'")
            .bind(next.code()).bind(self.scope.actor.account_id).bind(self.db.clock().now_ms()).bind(note.trim())
            .bind(self.scope.region_id).bind(id).execute(c).await)?;
        if n == 0 {
            return Err(raced());
        }
        let detail =
            if note.trim().is_empty() { next.label().to_string() } else { format!("{}：{}", next.label(), note.trim()) };
        self.audit(&mut tx, "pledge.review", format!("member:{}", r.member_id), format!("{}年度承诺{detail}", r.year)).await?;
        refresh_branch(&mut tx, self.db, self.scope.region_id, r.org_id).await?;
        tx.commit().await
    }

    /// The year-end 践诺评议 of an approved commitment: a grade and a note, in the
    /// window, by an account other than the member's. Audited.
    pub async fn grade(&self, id: i64, grade_code: &str, note: &str) -> StoreResult<()> {
        let g = FulfilmentGrade::from_code(grade_code.trim())
            .ok_or_else(|| StoreError::invalid("grade", "pledge.grade", "请选择评议等次：优秀、良好、一般或较差"))?;
        let mut tx = self.db.begin().await?;
        let r = self.commit_row(&mut tx, id).await?;
        grade(&self.db.rules().pledges, &r.facts()?, self.scope.actor.account_id, note, self.db.clock().today())
            .map_err(refusal)?;
        let n = crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE pledge_commitments SET grade = $1, grade_note = $2, graded_by = $3, graded_at = $4 \
             WHERE region_id = $5 AND id = $6 AND grade IS NULL")
            .bind(g.code()).bind(note.trim()).bind(self.scope.actor.account_id).bind(self.db.clock().now_ms())
            .bind(self.scope.region_id).bind(id).execute(c).await)?;
        if n == 0 {
            return Err(raced());
        }
        self.audit(
            &mut tx,
            "pledge.grade",
            format!("member:{}", r.member_id),
            format!("{}年度践诺{}：{}", r.year, g.label(), note.trim()),
        )
        .await?;
        tx.commit().await
    }

    /// Records a 比 record about a member within reach, with its source. Audited.
    pub async fn add_record(&self, member_id: i64, input: &CompareInput, source: &str) -> StoreResult<CompareView> {
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?.to_string();
        let m = self.scoped().members().member_row(member_id).await?;
        if !path::within(&m.org_path, &root) {
            return Err(StoreError::NotFound);
        }
        let (kind, on, what, evidence) = parse_compare(input, self.db.clock().today()).map_err(StoreError::Invalid)?;
        let id = ids::next();
        let now = self.db.clock().now_ms();
        let mut tx = self.db.begin().await?;
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO pledge_records (region_id, id, member_id, org_id, org_path, kind, on_date, what, evidence, source, \
             recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
            .bind(m.region_id).bind(id).bind(m.id).bind(m.org_id).bind(&m.org_path).bind(kind.code()).bind(date_text(on))
            .bind(&what).bind(&evidence).bind(source).bind(self.scope.actor.account_id).bind(now).execute(c).await)?;
        self.audit(
            &mut tx,
            "pledge.record",
            format!("member:{}", m.id),
            format!("{}：{what}（{}）", kind.label(), date_text(on)),
        )
        .await?;
        tx.commit().await?;
        Ok(CompareView {
            id,
            member_id: m.id,
            member_name: m.name,
            kind: kind.code().into(),
            kind_label: kind.label(),
            on_date: date_text(on),
            what,
            evidence,
            source: source.into(),
            recorded_by: self.scope.actor.account_id,
            recorded_at: now,
        })
    }

    /// The org chooses to publish its labelled members and commitments (or stops). Audited.
    pub async fn set_published(&self, org_id: i64, publish: bool) -> StoreResult<()> {
        let org = self.writable_org(org_id).await?;
        let mut tx = self.db.begin().await?;
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO pledge_publications (region_id, org_id, published, changed_by, changed_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (region_id, org_id) DO UPDATE SET published = excluded.published, changed_by = excluded.changed_by, \
             changed_at = excluded.changed_at")
            .bind(org.region_id).bind(org.id).bind(publish).bind(self.scope.actor.account_id).bind(self.db.clock().now_ms())
            .execute(c).await)?;
        let what = if publish { "公开本组织的三亮标识和党员承诺" } else { "停止公开本组织的党员承诺" };
        self.audit(&mut tx, "pledge.publish", format!("org:{}", org.id), format!("{}：{what}", org.name)).await?;
        tx.commit().await
    }
}

async fn published(db: &Db, region_id: i64, org_id: i64) -> StoreResult<bool> {
    let p: Option<bool> = crate::read!(db, c => sqlx::query_scalar(
        "SELECT published FROM pledge_publications WHERE region_id = $1 AND org_id = $2")
        .bind(region_id).bind(org_id).fetch_optional(c).await)?;
    Ok(p.unwrap_or(false))
}

/// The public page of an org (no login): only if it publishes — otherwise not found —,
/// the members of its subtree with a label or an approved commitment of the year, by
/// name with the labels and the commitment's text; nothing else about them.
pub async fn public_page(db: &Db, org_id: i64) -> StoreResult<PublicPledges> {
    for region in crate::org::regions(db).await? {
        let org: Option<(String, String, String)> = crate::read!(db, c => sqlx::query_as(
            "SELECT name, path, status FROM orgs WHERE region_id = $1 AND id = $2")
            .bind(region.id).bind(org_id).fetch_optional(c).await)?;
        let Some((name, org_path, status)) = org else { continue };
        if status == "dissolved" || !published(db, region.id, org_id).await? {
            return Err(StoreError::NotFound);
        }
        let year = db.clock().today().year();
        let hi = path::upper(&org_path);
        let labels: Vec<(i64, String, String, String)> = crate::read!(db, c => sqlx::query_as(
            "SELECT l.member_id, mb.name, l.kind, l.post FROM pledge_labels l \
             JOIN members mb ON mb.region_id = l.region_id AND mb.id = l.member_id \
             WHERE l.region_id = $1 AND l.org_path >= $2 AND l.org_path < $3 AND l.open_key = 0 AND mb.archived = FALSE \
             ORDER BY l.member_id, l.id LIMIT 1000")
            .bind(region.id).bind(&org_path).bind(&hi).fetch_all(c).await)?;
        let commits: Vec<(i64, String, String)> = crate::read!(db, c => sqlx::query_as(
            "SELECT c.member_id, mb.name, c.text FROM pledge_commitments c \
             JOIN members mb ON mb.region_id = c.region_id AND mb.id = c.member_id \
             WHERE c.region_id = $1 AND c.year = $2 AND c.org_path >= $3 AND c.org_path < $4 AND c.state = 'approved' \
             AND mb.archived = FALSE ORDER BY mb.name, c.member_id LIMIT 1000")
            .bind(region.id).bind(i64::from(year)).bind(&org_path).bind(&hi).fetch_all(c).await)?;
        let mut lines: Vec<(i64, PublicPledgeLine)> = Vec::new();
        for (member_id, name, text) in commits {
            lines.push((member_id, PublicPledgeLine { name, labels: Vec::new(), commitment: Some(text) }));
        }
        for (member_id, name, kind, post) in labels {
            let label = PledgeLabelKind::from_code(&kind).map(|k| k.label()).unwrap_or("三亮标识");
            let text = if post.is_empty() { label.to_string() } else { format!("{label}（{post}）") };
            match lines.iter_mut().find(|(id, _)| *id == member_id) {
                Some((_, line)) => line.labels.push(text),
                None => lines.push((member_id, PublicPledgeLine { name, labels: vec![text], commitment: None })),
            }
        }
        return Ok(PublicPledges { org_name: name, year, members: lines.into_iter().map(|(_, l)| l).collect() });
    }
    Err(StoreError::NotFound)
}

/// The bounds of the texts, for the pages' `maxlength`.
pub const TEXT_BOUNDS: (usize, usize) = (COMMITMENT_MAX, PLEDGE_NOTE_MAX);
