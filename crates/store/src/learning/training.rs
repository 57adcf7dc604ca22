//! Training classes (`training_classes`, `training_enrolments`): an org's classes, the
//! members enrolled, their attendance, and the hours each enrolee is credited in the 学时
//! ledger (one line per class and member, rewritten on every attendance save). Rules:
//! `domain::learning::training`; the duties' findings are the 学时 engine's.

use super::hours::{HourLineRecord, SOURCE_TRAINING, StudyHours, upsert_lines};
use crate::platform::audit::{self, Event};
use crate::platform::ids;
use crate::{StoreError, StoreResult};
use serde::{Deserialize, Serialize};
use vanguard_domain::kernel::time::{date_text, parse_iso_date};
use vanguard_domain::learning::hours::hours_text;
use vanguard_domain::learning::training::{TrainingClass, TrainingClassInput, TrainingKind, parse_class};
use vanguard_domain::org::path;

/// The most members enrolled or marked in one request.
pub const TRAINING_BATCH_MAX: usize = 500;

/// A class as listed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TrainingClassView {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub kind: String,
    #[sqlx(skip)]
    pub kind_label: String,
    pub title: String,
    pub starts_on: String,
    pub ends_on: String,
    pub full_time: bool,
    pub seconds: i64,
    pub place: String,
    pub enrolled: i64,
    pub attended: i64,
}

/// One enrolee of a class.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TrainingEnrolee {
    pub member_id: i64,
    pub name: String,
    pub org_name: String,
    pub attended: bool,
    pub days_attended: i64,
    pub seconds: i64,
    #[sqlx(skip)]
    pub hours: String,
}

/// A class with its enrolees.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrainingClassDetail {
    pub class: TrainingClassView,
    pub enrolees: Vec<TrainingEnrolee>,
}

/// Members to enrol.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TrainingEnrolInput {
    pub member_ids: Vec<i64>,
}

/// One enrolee's attendance.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TrainingMark {
    pub member_id: i64,
    pub attended: bool,
    /// Days attended of a full-time class (all days when 0 and attended).
    pub days_attended: u32,
}

/// Attendance of several enrolees.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TrainingAttendanceInput {
    pub marks: Vec<TrainingMark>,
}

const CLASS_SELECT: &str = "SELECT k.id, k.org_id, o.name AS org_name, k.kind, k.title, k.starts_on, k.ends_on, k.full_time, k.seconds, \
     k.place, (SELECT COUNT(*) FROM training_enrolments e WHERE e.region_id = k.region_id AND e.class_id = k.id) AS enrolled, \
     (SELECT COUNT(*) FROM training_enrolments e WHERE e.region_id = k.region_id AND e.class_id = k.id AND e.attended = TRUE) AS attended \
     FROM training_classes k JOIN orgs o ON o.region_id = k.region_id AND o.id = k.org_id";

fn labelled(mut v: TrainingClassView) -> TrainingClassView {
    v.kind_label = TrainingKind::from_code(&v.kind).map_or("其他培训", |k| k.label()).into();
    v
}

impl StudyHours<'_> {
    /// Creates a class held by an org within the writable subtree (audited).
    pub async fn create_class(&self, org_id: i64, input: &TrainingClassInput) -> StoreResult<TrainingClassDetail> {
        let mut tx = self.db.begin().await?;
        let org = self.scoped().orgs().org_for_write(&mut tx, org_id).await?;
        let c = parse_class(input)?;
        let id = ids::next();
        let now = self.db.clock().now_ms();
        crate::exec_tx!(tx, conn => sqlx::query(
            "INSERT INTO training_classes (region_id, id, org_id, org_path, kind, title, starts_on, ends_on, full_time, seconds, place, \
             created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)")
            .bind(org.region_id).bind(id).bind(org.id).bind(&org.path).bind(c.kind.code()).bind(&c.title)
            .bind(date_text(c.starts_on)).bind(date_text(c.ends_on)).bind(c.full_time).bind(c.seconds).bind(&c.place)
            .bind(self.scope.actor.account_id).bind(now).execute(conn).await)?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("learning.training.create", format!("training:{id}")).detail(format!(
                "{} {}（{}，{}至{}）",
                org.name,
                c.title,
                c.kind.label(),
                date_text(c.starts_on),
                date_text(c.ends_on)
            )),
        )
        .await?;
        tx.commit().await?;
        self.class(id).await
    }

    /// The classes of orgs within reach, newest first (at most 200).
    pub async fn classes(&self) -> StoreResult<Vec<TrainingClassView>> {
        let (lo, hi) = self.scope.org_range();
        let sql = format!("{CLASS_SELECT} WHERE k.region_id = $1 AND k.org_path >= $2 AND k.org_path < $3 ORDER BY k.starts_on DESC, k.id DESC LIMIT 200");
        let rows: Vec<TrainingClassView> = crate::read!(self.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(self.scope.region_id).bind(&lo).bind(&hi).fetch_all(c).await)?;
        Ok(rows.into_iter().map(labelled).collect())
    }

    /// A class within reach with its enrolees.
    pub async fn class(&self, id: i64) -> StoreResult<TrainingClassDetail> {
        let (lo, hi) = self.scope.org_range();
        let sql = format!("{CLASS_SELECT} WHERE k.region_id = $1 AND k.id = $2 AND k.org_path >= $3 AND k.org_path < $4");
        let class: Option<TrainingClassView> = crate::read!(self.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(self.scope.region_id).bind(id).bind(&lo).bind(&hi).fetch_optional(c).await)?;
        let class = labelled(class.ok_or(StoreError::NotFound)?);
        let mut enrolees: Vec<TrainingEnrolee> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT e.member_id, m.name, o.name AS org_name, e.attended, e.days_attended, e.seconds FROM training_enrolments e \
             JOIN members m ON m.region_id = e.region_id AND m.id = e.member_id JOIN orgs o ON o.region_id = m.region_id AND o.id = m.org_id \
             WHERE e.region_id = $1 AND e.class_id = $2 ORDER BY m.org_path, e.member_id")
            .bind(self.scope.region_id).bind(id).fetch_all(c).await)?;
        for e in &mut enrolees {
            e.hours = hours_text(e.seconds);
        }
        Ok(TrainingClassDetail { class, enrolees })
    }

    /// The class as the domain sees it, for a write (within the writable subtree).
    async fn class_for_write(&self, id: i64) -> StoreResult<(TrainingClass, String)> {
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?;
        let row: Option<(String, String, String, String, bool, i64, String, String)> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT kind, title, starts_on, ends_on, full_time, seconds, place, org_path FROM training_classes WHERE region_id = $1 AND id = $2")
            .bind(self.scope.region_id).bind(id).fetch_optional(c).await)?;
        let (kind, title, starts_on, ends_on, full_time, seconds, place, org_path) = row.ok_or(StoreError::NotFound)?;
        if !path::within(&org_path, root) {
            return Err(StoreError::NotFound);
        }
        let class = TrainingClass {
            title,
            kind: TrainingKind::from_code(&kind).unwrap_or(TrainingKind::Other),
            starts_on: parse_iso_date(&starts_on).ok_or(StoreError::NotFound)?,
            ends_on: parse_iso_date(&ends_on).ok_or(StoreError::NotFound)?,
            full_time,
            seconds,
            place,
        };
        Ok((class, org_path))
    }

    /// Members of the writable subtree, checked: every id must be one (else 422 naming them).
    async fn members_for_write(&self, ids: &[i64]) -> StoreResult<Vec<i64>> {
        if ids.is_empty() || ids.len() > TRAINING_BATCH_MAX {
            return Err(StoreError::invalid("member_ids", "training.batch", format!("请选择1至{TRAINING_BATCH_MAX}名党员")));
        }
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?;
        let mut sql = crate::platform::query::Sql::new("SELECT id FROM members WHERE region_id = ");
        sql.bind(self.scope.region_id).push(" AND archived = FALSE AND org_path >= ").bind(root);
        sql.push(" AND org_path < ").bind(path::upper(root)).push(" AND id IN ").append(&super::in_list(ids));
        let found: Vec<(i64,)> = sql.fetch_all(self.db).await?;
        let found: std::collections::BTreeSet<i64> = found.into_iter().map(|(id,)| id).collect();
        let missing: Vec<String> = ids.iter().filter(|id| !found.contains(id)).map(|id| id.to_string()).collect();
        if !missing.is_empty() {
            return Err(StoreError::invalid(
                "member_ids",
                "training.member",
                format!("以下编号不是您管辖范围内的在册党员：{}", missing.join("、")),
            ));
        }
        Ok(found.into_iter().collect())
    }

    /// Enrols members of the writable subtree in a class (already enrolled ones are kept).
    pub async fn enrol(&self, class_id: i64, input: &TrainingEnrolInput) -> StoreResult<TrainingClassDetail> {
        let (class, _) = self.class_for_write(class_id).await?;
        let members = self.members_for_write(&input.member_ids).await?;
        let mut tx = self.db.begin().await?;
        let now = self.db.clock().now_ms();
        for m in &members {
            crate::exec_tx!(tx, c => sqlx::query(
                "INSERT INTO training_enrolments (region_id, class_id, member_id, attended, days_attended, seconds, updated_at) \
                 VALUES ($1, $2, $3, FALSE, 0, 0, $4) ON CONFLICT (region_id, class_id, member_id) DO NOTHING")
                .bind(self.scope.region_id).bind(class_id).bind(*m).bind(now).execute(c).await)?;
        }
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("learning.training.enrol", format!("training:{class_id}")).detail(format!("{} 报名{}人", class.title, members.len())),
        )
        .await?;
        tx.commit().await?;
        self.class(class_id).await
    }

    /// Records enrolees' attendance and credits their hours (a line per class and member,
    /// rewritten on every save: saving twice never doubles the hours).
    pub async fn record_training(&self, class_id: i64, input: &TrainingAttendanceInput) -> StoreResult<TrainingClassDetail> {
        let (class, _) = self.class_for_write(class_id).await?;
        let ids: Vec<i64> = input.marks.iter().map(|m| m.member_id).collect();
        self.members_for_write(&ids).await?;
        let rules = self.db.rules();
        let mut tx = self.db.begin().await?;
        let now = self.db.clock().now_ms();
        let mut lines = Vec::new();
        let mut attended = 0;
        for m in &input.marks {
            let days = if m.attended && m.days_attended == 0 { class.days() } else { m.days_attended.min(class.days()) };
            let seconds = class.credited_seconds(&rules.study_hours, m.attended, days);
            let n = crate::exec_tx!(tx, c => sqlx::query(
                "UPDATE training_enrolments SET attended = $1, days_attended = $2, seconds = $3, updated_at = $4 \
                 WHERE region_id = $5 AND class_id = $6 AND member_id = $7")
                .bind(m.attended).bind(i64::from(if m.attended { days } else { 0 })).bind(seconds).bind(now)
                .bind(self.scope.region_id).bind(class_id).bind(m.member_id).execute(c).await)?;
            if n == 0 {
                return Err(StoreError::invalid("marks", "training.not_enrolled", format!("编号{}的党员未报名该培训班，请先报名", m.member_id)));
            }
            if m.attended {
                attended += 1;
            }
            crate::exec_tx!(tx, c => sqlx::query(
                "DELETE FROM study_hour_lines WHERE region_id = $1 AND member_id = $2 AND source_kind = $3 AND source_key = $4")
                .bind(self.scope.region_id).bind(m.member_id).bind(SOURCE_TRAINING).bind(class_id.to_string()).execute(c).await)?;
            if seconds > 0 {
                lines.push(HourLineRecord {
                    member_id: m.member_id,
                    source_kind: SOURCE_TRAINING,
                    source_key: class_id.to_string(),
                    on: class.ends_on,
                    seconds,
                    label: format!("{}（{}）", class.title, class.kind.label()),
                });
            }
        }
        upsert_lines(&mut tx, self.scope.region_id, now, &lines).await?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("learning.training.attendance", format!("training:{class_id}"))
                .detail(format!("{} 登记{}人，出席{}人", class.title, input.marks.len(), attended)),
        )
        .await?;
        tx.commit().await?;
        self.class(class_id).await
    }
}
