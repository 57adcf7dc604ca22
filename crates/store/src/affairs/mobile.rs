//! 流动党员 (`mobile_members`, `mobile_attendance`): a member's registration away from
//! their branch with the 活动证 and the e支部 joined; their attendance at the e支部's
//! meetings; the rules engine's findings (a transfer due after 6 months away, a lapsed
//! 活动证). Rules: `domain::affairs::mobile`.
//!
//! **The e支部's attendance counts at home without touching 组织生活's tables.** A mobile
//! member's attendance at an e支部 meeting is kept here, beside the meeting's roll (which
//! holds the e支部's own members only — so its quorum and votes leave them out). The
//! 组织生活 engine reads it through [`push_attended`], a published read it runs on its own
//! connection, and each write here refreshes the members' findings with
//! `orglife::check::refresh_after_meeting`, the engine's published refresher.
//!
//! The archive's 流动党员 fields (流出, 流入地) follow a registration through the member
//! feature's own `update_member`.

use crate::platform::audit::{self, Event};
use crate::platform::engines::{EngineFuture, EngineRun};
use crate::platform::error::decode;
use crate::platform::findings::{Placed, reconcile};
use crate::platform::ids;
use crate::platform::paging::{SortKey, capped_page};
use crate::platform::query::Sql;
use crate::{Db, StoreError, StoreResult, Tx};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use vanguard_domain::affairs::mobile::{
    MOBILE_PREFIX, MobileInput, Registration, certificate_finding, parse_registration, transfer_due_on, transfer_finding,
};
use vanguard_domain::kernel::finding::Subject;
use vanguard_domain::kernel::paging::{Page, PageRequest};
use vanguard_domain::kernel::time::{date_text, parse_iso_date};
use vanguard_domain::member::{Flow, MemberInput};
use vanguard_domain::org::{OrgKind, path};
use vanguard_domain::orglife::{Attendance, MeetingType};

crate::platform::scope::feature_handle!(
    /// 流动党员: registrations, the 活动证, the e支部 and its attendance.
    Mobile,
    mobile
);

/// A registration as listed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MobileView {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub org_id: i64,
    pub org_name: String,
    pub place: String,
    pub reason: String,
    pub since: String,
    pub certificate_no: String,
    pub issuing_org: String,
    pub valid_from: String,
    pub valid_until: String,
    pub e_branch_id: Option<i64>,
    pub e_branch_name: Option<String>,
    /// `away` or `ended`.
    pub state: String,
    pub ended_on: Option<String>,
    pub end_note: String,
    /// The day 6 months away are up (a formal transfer is due from then).
    #[sqlx(skip)]
    pub transfer_due_on: String,
}

/// An e支部 (流动党员党支部) a member may join: any open one of the region, by name.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct EBranch {
    pub id: i64,
    pub name: String,
}

/// A mobile member's attendance at an e支部 meeting.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct MobileMark {
    pub member_id: i64,
    /// `present`, `excused` (with a reason) or `absent`.
    pub attendance: String,
    pub reason: String,
}

/// One line of an e支部 meeting's mobile roll.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MobileAttendanceView {
    pub member_id: i64,
    pub member_name: String,
    pub home_org: String,
    /// `pending` when not yet recorded.
    pub attendance: String,
    pub reason: String,
}

const VIEW_SELECT: &str = "SELECT r.id, r.member_id, mb.name AS member_name, r.org_id, o.name AS org_name, r.place, r.reason, \
     r.since, r.certificate_no, r.issuing_org, r.valid_from, r.valid_until, r.e_branch_id, e.name AS e_branch_name, r.state, \
     r.ended_on, r.end_note FROM mobile_members r \
     JOIN members mb ON mb.region_id = r.region_id AND mb.id = r.member_id \
     JOIN orgs o ON o.region_id = r.region_id AND o.id = r.org_id \
     LEFT JOIN orgs e ON e.region_id = r.region_id AND e.id = r.e_branch_id";

const LIST_ORDER: SortKey = SortKey { columns: &["r.id"], descending: true };

#[derive(sqlx::FromRow)]
struct OpenRow {
    member_id: i64,
    org_id: i64,
    org_path: String,
    place: String,
    since: String,
    certificate_no: String,
    valid_until: String,
}

const OPEN_SELECT: &str = "SELECT member_id, org_id, org_path, place, since, certificate_no, valid_until FROM mobile_members";

fn with_due(db: &Db, mut rows: Vec<MobileView>) -> Vec<MobileView> {
    let rules = db.rules();
    for r in &mut rows {
        r.transfer_due_on = parse_iso_date(&r.since).map(|s| date_text(transfer_due_on(&rules.mobile, s))).unwrap_or_default();
    }
    rows
}

/// The findings of open registrations, each filed at the member's branch.
fn placed(db: &Db, as_of: NaiveDate, rows: &[OpenRow]) -> StoreResult<Vec<Placed>> {
    let rules = db.rules();
    let mut out = Vec::new();
    for r in rows {
        let since = decode("mobile_members.since", &r.since, parse_iso_date)?;
        let until = decode("mobile_members.valid_until", &r.valid_until, parse_iso_date)?;
        let found = [
            transfer_finding(&rules.mobile, &rules.severity, r.member_id, since, &r.place, as_of),
            certificate_finding(&rules.severity, r.member_id, &r.certificate_no, until, as_of),
        ];
        out.extend(found.into_iter().flatten().map(|finding| Placed { finding, org_id: r.org_id, org_path: r.org_path.clone() }));
    }
    Ok(out)
}

/// Brings one member's 流动党员 findings up to date inside a write's transaction.
async fn refresh_member(tx: &mut Tx, db: &Db, region_id: i64, member_id: i64) -> StoreResult<()> {
    let sql = format!("{OPEN_SELECT} WHERE region_id = $1 AND member_id = $2 AND state = 'away'");
    let rows: Vec<OpenRow> = crate::on_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(region_id).bind(member_id).fetch_all(c).await)?;
    let new = placed(db, db.clock().today(), &rows)?;
    reconcile(tx, region_id, db.clock().now_ms(), MOBILE_PREFIX, &[Subject::Member(member_id)], new, &|_| {
        "已返回或已转接".into()
    })
    .await?;
    Ok(())
}

/// The members a full check of a region judges under `prefix`: `judged` (those with
/// open records) and every member with an open finding of the prefix (which resolves once
/// the record is closed), sorted and without repeats.
pub(crate) async fn member_subjects(
    db: &Db,
    region_id: i64,
    prefix: &str,
    judged: impl Iterator<Item = i64>,
) -> StoreResult<Vec<Subject>> {
    let open: Vec<i64> = crate::read!(db, c => sqlx::query_scalar(
        "SELECT DISTINCT subject_id FROM findings WHERE region_id = $1 AND subject_kind = 'member' AND rule_code LIKE $2 \
         AND resolved_at IS NULL")
        .bind(region_id).bind(format!("{prefix}%")).fetch_all(c).await)?;
    let mut subjects: Vec<Subject> = judged.chain(open).map(Subject::Member).collect();
    subjects.sort();
    subjects.dedup();
    Ok(subjects)
}

/// The full check of a region: every open registration, and every member with an open
/// 流动党员 finding (which resolves once they return or transfer). One line in
/// [`crate::ENGINES`].
pub fn check_region(db: &Db, region_id: i64, as_of: NaiveDate) -> EngineFuture<'_> {
    Box::pin(async move {
        let started = std::time::Instant::now();
        let sql = format!("{OPEN_SELECT} WHERE region_id = $1 AND state = 'away' ORDER BY member_id");
        let rows: Vec<OpenRow> =
            crate::read!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(region_id).fetch_all(c).await)?;
        let subjects = member_subjects(db, region_id, MOBILE_PREFIX, rows.iter().map(|r| r.member_id)).await?;
        let new = placed(db, as_of, &rows)?;
        let mut tx = db.begin().await?;
        let changes =
            reconcile(&mut tx, region_id, db.clock().now_ms(), MOBILE_PREFIX, &subjects, new, &|_| "已返回或已转接".into())
                .await?;
        tx.commit().await?;
        Ok(EngineRun { name: "流动党员", subjects: subjects.len() as u64, changes, seconds: started.elapsed().as_secs_f64() })
    })
}

/// The published read behind the 组织生活 engine: pushes a query of `(member_id, held_on,
/// meeting_type, attendance, reason)` — the e支部 meetings the members took part in (出席, or 请假 with a
/// reason) between `from` and `to` (both included) — onto `qb`, for the engine to run on
/// its own connection.
pub(crate) fn push_attended<DB: sqlx::Database>(
    qb: &mut sqlx::QueryBuilder<DB>,
    region_id: i64,
    member_ids: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) where
    i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    String: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    qb.push("SELECT member_id, held_on, meeting_type, attendance, reason FROM mobile_attendance WHERE region_id = ")
        .push_bind(region_id);
    qb.push(" AND (attendance = 'present' OR (attendance = 'excused' AND TRIM(reason) <> ''))");
    qb.push(" AND held_on >= ").push_bind(date_text(from)).push(" AND held_on <= ").push_bind(date_text(to));
    qb.push(" AND member_id IN (");
    let mut sep = qb.separated(", ");
    for id in member_ids {
        sep.push_bind(*id);
    }
    qb.push(")");
}

impl Mobile<'_> {
    /// A member within the writable subtree.
    async fn member_for_write(&self, member_id: i64) -> StoreResult<crate::member::MemberRow> {
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?;
        let m = self.scoped().members().member_row(member_id).await?;
        if !path::within(&m.org_path, root) {
            return Err(StoreError::NotFound);
        }
        if m.archived {
            return Err(StoreError::conflict("member.archived", "该党员已在历史库中"));
        }
        Ok(m)
    }

    /// The open e支部 of the region (any member may join the one of the street where they
    /// live, wherever it sits in the tree), by name.
    pub async fn e_branches(&self) -> StoreResult<Vec<EBranch>> {
        Ok(crate::read!(self.db, c => sqlx::query_as(
            "SELECT id, name FROM orgs WHERE region_id = $1 AND kind = $2 AND status <> 'dissolved' ORDER BY name, id LIMIT 500")
            .bind(self.scope.region_id).bind(OrgKind::MobileBranch.code()).fetch_all(c).await)?)
    }

    /// The path of an open e支部 of the region.
    async fn e_branch_path(&self, id: i64) -> StoreResult<String> {
        let found: Option<String> = crate::read!(self.db, c => sqlx::query_scalar(
            "SELECT path FROM orgs WHERE region_id = $1 AND id = $2 AND kind = $3 AND status <> 'dissolved'")
            .bind(self.scope.region_id).bind(id).bind(OrgKind::MobileBranch.code()).fetch_optional(c).await)?;
        found.ok_or_else(|| StoreError::invalid("e_branch_id", "mobile.e_branch", "请选择本地区现有的流动党员党支部（e支部）"))
    }

    async fn view(&self, id: i64) -> StoreResult<MobileView> {
        let sql = format!("{VIEW_SELECT} WHERE r.region_id = $1 AND r.id = $2");
        let rows: Vec<MobileView> = crate::read!(self.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(self.scope.region_id).bind(id).fetch_all(c).await)?;
        with_due(self.db, rows).into_iter().next().ok_or(StoreError::NotFound)
    }

    /// Registers a member of the caller's subtree as away: where, why, since when, the
    /// 活动证 and the e支部 joined. One open registration per member; the archive shows
    /// 流出 and the place. Audited.
    pub async fn register(&self, member_id: i64, input: &MobileInput) -> StoreResult<MobileView> {
        let m = self.member_for_write(member_id).await?;
        let rules = self.db.rules();
        let reg: Registration = parse_registration(&rules.mobile, input, self.db.clock().today()).map_err(StoreError::Invalid)?;
        let e_path = match reg.e_branch_id {
            Some(e) => Some(self.e_branch_path(e).await?),
            None => None,
        };
        let open: Option<i64> = crate::read!(self.db, c => sqlx::query_scalar(
            "SELECT id FROM mobile_members WHERE region_id = $1 AND member_id = $2 AND open_key = 0")
            .bind(m.region_id).bind(m.id).fetch_optional(c).await)?;
        if open.is_some() {
            return Err(already());
        }
        // The archive first, through the member feature (no change: no write).
        let flow = MemberInput { flow: Some(Flow::Out.code().into()), flow_place: Some(reg.place.clone()), ..Default::default() };
        self.scoped().members().update_member(m.id, &flow, None).await?;
        let id = ids::next();
        let now = self.db.clock().now_ms();
        let mut tx = self.db.begin().await?;
        let inserted = crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO mobile_members (region_id, id, member_id, org_id, org_path, place, reason, since, certificate_no, issuing_org, \
             valid_from, valid_until, e_branch_id, e_branch_path, state, open_key, ended_on, end_note, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'away', 0, NULL, '', $15, $16) \
             ON CONFLICT (region_id, member_id, open_key) DO NOTHING")
            .bind(m.region_id).bind(id).bind(m.id).bind(m.org_id).bind(&m.org_path).bind(&reg.place).bind(&reg.reason)
            .bind(date_text(reg.since)).bind(&reg.certificate_no).bind(&reg.issuing_org).bind(date_text(reg.valid_from))
            .bind(date_text(reg.valid_until)).bind(reg.e_branch_id).bind(&e_path).bind(self.scope.actor.account_id).bind(now)
            .execute(c).await)?;
        if inserted == 0 {
            return Err(already());
        }
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("mobile.register", format!("member:{}", m.id)).detail(format!(
                "{}自{}在{}（{}），活动证{}，有效期至{}",
                m.name, reg.since, reg.place, reg.reason, reg.certificate_no, reg.valid_until
            )),
        )
        .await?;
        refresh_member(&mut tx, self.db, m.region_id, m.id).await?;
        tx.commit().await?;
        self.view(id).await
    }

    /// Ends a registration: the member came back, or transferred formally. The archive's
    /// 流动 fields are cleared. Audited.
    pub async fn end(&self, id: i64, on: &str, note: &str) -> StoreResult<MobileView> {
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?.to_string();
        let r = self.view(id).await?;
        let m = self.scoped().members().member_row(r.member_id).await?;
        if !path::within(&m.org_path, &root) {
            return Err(StoreError::NotFound);
        }
        if r.state != "away" {
            return Err(StoreError::conflict("mobile.ended", "该登记已结束"));
        }
        let on_day = parse_iso_date(on)
            .ok_or_else(|| StoreError::invalid("on", "date.format", "请填写返回或转出日期，格式如 2026-07-01"))?;
        if on_day > self.db.clock().today() || parse_iso_date(&r.since).is_some_and(|s| on_day < s) {
            return Err(StoreError::invalid("on", "mobile.end_date", "返回日期应在外出日期之后，且不晚于今天"));
        }
        if !m.archived {
            let flow =
                MemberInput { flow: Some(Flow::None.code().into()), flow_place: Some(String::new()), ..Default::default() };
            self.scoped().members().update_member(m.id, &flow, None).await?;
        }
        let mut tx = self.db.begin().await?;
        let changed = crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE mobile_members SET state = 'ended', open_key = id, ended_on = $1, end_note = $2 WHERE region_id = $3 AND id = $4 AND state = 'away'")
            .bind(date_text(on_day)).bind(note.trim()).bind(m.region_id).bind(id).execute(c).await)?;
        if changed == 0 {
            return Err(StoreError::conflict("mobile.ended", "该登记刚刚已由他人办理结束"));
        }
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("mobile.end", format!("member:{}", m.id)).detail(format!(
                "{}于{}返回或转出：{}",
                m.name,
                on_day,
                note.trim()
            )),
        )
        .await?;
        refresh_member(&mut tx, self.db, m.region_id, m.id).await?;
        tx.commit().await?;
        self.view(id).await
    }

    /// Registrations of members of `org_id`'s subtree (away from their branch), or of the
    /// e支部 `org_id` (its mobile members), newest first; `open_only` leaves out ended ones.
    pub async fn list(&self, org_id: i64, open_only: bool, req: &PageRequest) -> StoreResult<Page<MobileView>> {
        let org = self.scoped().orgs().org(org_id).await?;
        let mut filters = Sql::new(" WHERE r.region_id = ");
        filters.bind(org.region_id);
        if org.kind == OrgKind::MobileBranch {
            filters.push(" AND r.e_branch_id = ").bind(org.id);
        } else {
            filters.push(" AND r.org_path >= ").bind(org.path.clone()).push(" AND r.org_path < ").bind(path::upper(&org.path));
        }
        if open_only {
            filters.push(" AND r.state = 'away'");
        }
        let page: Page<MobileView> =
            capped_page(self.db, "mobile_members r", VIEW_SELECT, &filters, &LIST_ORDER, req, |v: &MobileView| vec![v.id.into()])
                .await?;
        Ok(Page { items: with_due(self.db, page.items), ..page })
    }

    /// The caller's own registrations (the portal's 我的活动证), newest first; an account
    /// bound to no member has none to read (not found).
    pub async fn mine(&self) -> StoreResult<Vec<MobileView>> {
        let me = self.scope.member_id.ok_or(StoreError::NotFound)?;
        let sql = format!("{VIEW_SELECT} WHERE r.region_id = $1 AND r.member_id = $2 ORDER BY r.id DESC LIMIT 20");
        let rows: Vec<MobileView> = crate::read!(self.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(self.scope.region_id).bind(me).fetch_all(c).await)?;
        Ok(with_due(self.db, rows))
    }

    /// The mobile roll of an e支部 meeting: its members away at the meeting's day (joined
    /// before or on it, not ended before it), with what was recorded.
    pub async fn meeting_roll(&self, meeting_id: i64) -> StoreResult<Vec<MobileAttendanceView>> {
        let m = self.scoped().orglife().meeting_row(meeting_id).await?;
        let day = m.held_on.clone().unwrap_or_else(|| date_text(self.db.clock().today()));
        Ok(crate::read!(self.db, c => sqlx::query_as(
            "SELECT r.member_id, mb.name AS member_name, o.name AS home_org, COALESCE(a.attendance, 'pending') AS attendance, \
             COALESCE(a.reason, '') AS reason FROM mobile_members r \
             JOIN members mb ON mb.region_id = r.region_id AND mb.id = r.member_id \
             JOIN orgs o ON o.region_id = r.region_id AND o.id = r.org_id \
             LEFT JOIN mobile_attendance a ON a.region_id = r.region_id AND a.meeting_id = $2 AND a.member_id = r.member_id \
             WHERE r.region_id = $1 AND r.e_branch_id = $3 AND r.since <= $4 AND (r.ended_on IS NULL OR r.ended_on >= $4) \
             ORDER BY mb.name, r.member_id")
            .bind(m.region_id).bind(m.id).bind(m.org_id).bind(&day).fetch_all(c).await)?)
    }

    /// Records mobile members' attendance at a held meeting of an e支部 within the
    /// caller's subtree. Only members of that e支部 (away on the day) can be marked; the
    /// meeting's roll, quorum and votes stay the e支部's own. Each member's home-branch
    /// findings are refreshed in the same transaction. Audited.
    pub async fn record_attendance(&self, meeting_id: i64, marks: &[MobileMark]) -> StoreResult<Vec<MobileAttendanceView>> {
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?.to_string();
        let m = self.scoped().orglife().meeting_row(meeting_id).await?;
        if !path::within(&m.org_path, &root) {
            return Err(StoreError::NotFound);
        }
        let org = self.scoped().orgs().org(m.org_id).await?;
        if org.kind != OrgKind::MobileBranch {
            return Err(StoreError::conflict("mobile.not_e_branch", "只有流动党员党支部（e支部）的会议才登记流动党员参加情况"));
        }
        let Some(held_on) = m.held_on.clone().filter(|_| m.status == vanguard_domain::orglife::MeetingStatus::Held) else {
            return Err(StoreError::conflict("mobile.not_held", "会议尚未召开（未填写实际召开时间），不能登记参加情况"));
        };
        let roll = self.meeting_roll(meeting_id).await?;
        let homes: BTreeMap<i64, String> = roll.iter().map(|r| (r.member_id, r.member_name.clone())).collect();
        let mut inv = vanguard_domain::Invalid::default();
        let mut lines = Vec::new();
        for mark in marks {
            let Some(name) = homes.get(&mark.member_id) else {
                inv.push(vanguard_domain::kernel::error::FieldError::new(
                    "attendance",
                    "mobile.not_member",
                    format!("编号{}：不是本e支部在册的流动党员", mark.member_id),
                ));
                continue;
            };
            let a = Attendance::parse(&mark.attendance).filter(|a| *a != Attendance::Observer);
            match a {
                None => inv.push(vanguard_domain::kernel::error::FieldError::new(
                    "attendance",
                    "attendance.unknown",
                    format!("{name}：参加情况应为出席、请假或缺席"),
                )),
                Some(Attendance::Excused) if mark.reason.trim().is_empty() => {
                    inv.push(vanguard_domain::kernel::error::FieldError::new(
                        "attendance",
                        "attendance.reason",
                        format!("{name}：请假须填写原因"),
                    ))
                }
                Some(a) => lines.push((mark.member_id, a, mark.reason.trim().to_string())),
            }
        }
        if !inv.is_empty() {
            return Err(StoreError::Invalid(inv));
        }
        let now = self.db.clock().now_ms();
        let mut tx = self.db.begin().await?;
        for (member_id, a, reason) in &lines {
            crate::exec_tx!(tx, c => sqlx::query(
                "INSERT INTO mobile_attendance (region_id, meeting_id, member_id, e_branch_id, held_on, meeting_type, attendance, reason, \
                 recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (region_id, meeting_id, member_id) DO UPDATE SET attendance = excluded.attendance, reason = excluded.reason, \
                 held_on = excluded.held_on, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at")
                .bind(m.region_id).bind(m.id).bind(*member_id).bind(m.org_id).bind(&held_on).bind(m.meeting_type.code())
                .bind(a.code()).bind(reason).bind(self.scope.actor.account_id).bind(now).execute(c).await)?;
        }
        // Each member's own branch judges their participation (党章第九条) with this too.
        let member_ids: Vec<i64> = lines.iter().map(|l| l.0).collect();
        let mut by_home: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        if !member_ids.is_empty() {
            let homes: Vec<(i64, i64)> = crate::on_tx!(tx, c => {
                let mut qb = sqlx::QueryBuilder::new("SELECT id, org_id FROM members WHERE region_id = ");
                qb.push_bind(m.region_id).push(" AND id IN (");
                let mut sep = qb.separated(", ");
                for id in &member_ids {
                    sep.push_bind(*id);
                }
                qb.push(")");
                qb.build_query_as().fetch_all(c).await
            })?;
            for (id, org_id) in homes {
                by_home.entry(org_id).or_default().push(id);
            }
        }
        for (home, members) in &by_home {
            crate::orglife::check::refresh_after_meeting(&mut tx, self.db, m.region_id, *home, members).await?;
        }
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("mobile.attendance", format!("meeting:{}", m.id)).detail(format!(
                "{}（{}，{}）登记流动党员参加情况{}人",
                org.name,
                MeetingType::label(m.meeting_type),
                held_on,
                lines.len()
            )),
        )
        .await?;
        tx.commit().await?;
        self.meeting_roll(meeting_id).await
    }

    /// Open registrations within the caller's reach (the cockpit's count).
    pub async fn count_open(&self) -> StoreResult<i64> {
        let (lo, hi) = self.scope.org_range();
        Ok(crate::read!(self.db, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM mobile_members WHERE region_id = $1 AND state = 'away' AND org_path >= $2 AND org_path < $3")
            .bind(self.scope.region_id).bind(&lo).bind(&hi).fetch_one(c).await)?)
    }
}

fn already() -> StoreError {
    StoreError::conflict("mobile.already", "该党员已登记为流动党员；信息有变的，请先登记返回，再重新登记")
}
