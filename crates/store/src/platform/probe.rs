//! Measurement probes for the benchmarks (`vanguard bench …`): the ceilings each
//! benchmark measures in the same run beside the platform's own figure, and the few
//! synthetic operations a benchmark times and then rolls back. Never called on a
//! request path.

use crate::orglife::check;
use crate::platform::ids;
use crate::{Db, StoreResult};
use std::time::{Duration, Instant};

crate::sqlite_row! {
    #[derive(sqlx::FromRow)]
    pub struct NamedRow {
        pub id: i64,
        pub name: String,
    }
}

/// The one-read ceiling: one member's id and name by key, on the store's fastest path
/// (the same as the member API's).
pub async fn one_point_read(db: &Db, region_id: i64, id: i64) -> StoreResult<Option<NamedRow>> {
    crate::point_read!(db, NamedRow, "SELECT id, name FROM members WHERE region_id = $1 AND id = $2", region_id, id)
}

/// The subtree-filter ceiling: current members under a path range, counted.
pub async fn subtree_member_count(db: &Db, region_id: i64, lo: &str, hi: &str) -> StoreResult<i64> {
    Ok(crate::read!(db, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM members WHERE region_id = $1 AND archived = FALSE AND org_path >= $2 AND org_path < $3")
        .bind(region_id).bind(lo).bind(hi).fetch_one(c).await)?)
}

/// The pre-aggregate ceiling: every org row under a path range, summed.
pub async fn preaggregate_sum(db: &Db, region_id: i64, lo: &str, hi: &str) -> StoreResult<(i64, i64)> {
    Ok(crate::read!(db, c => sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(direct_members), 0) AS BIGINT) FROM orgs WHERE region_id = $1 AND path >= $2 AND path < $3")
        .bind(region_id).bind(lo).bind(hi).fetch_one(c).await)?)
}

/// The write ceiling: one committed transaction that rewrites one row.
pub async fn one_write(db: &Db, region_id: i64) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    crate::exec_tx!(tx, c => sqlx::query("UPDATE regions SET name = name WHERE id = $1").bind(region_id).execute(c).await)?;
    tx.commit().await
}

/// The group-commit ceiling: `rows` one-row writes (a scratch row each, in a temporary
/// table of the writer's connection) committed together in one transaction — what a
/// group-committing writer does with the requests that arrive while it commits.
pub async fn group_commit(db: &Db, rows: usize) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    crate::exec_tx!(tx, c => sqlx::query("CREATE TEMPORARY TABLE IF NOT EXISTS probe_writes (id BIGINT PRIMARY KEY, at BIGINT NOT NULL)")
        .execute(c).await)?;
    for _ in 0..rows {
        crate::exec_tx!(tx, c => sqlx::query("INSERT INTO probe_writes (id, at) VALUES ($1, $2)")
            .bind(ids::next()).bind(db.clock().now_ms()).execute(c).await)?;
    }
    tx.commit().await
}

/// Attendance rows of a region (the scale a benchmark reports).
pub async fn attendance_rows(db: &Db, region_id: i64) -> StoreResult<i64> {
    Ok(crate::read!(db, c => sqlx::query_scalar("SELECT COUNT(*) FROM meeting_attendance WHERE region_id = $1")
        .bind(region_id).fetch_one(c).await)?)
}

/// Forgets every finding and compliance row of a region, for a cold recompute.
pub async fn clear_findings(db: &Db, region_id: i64) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    crate::exec_tx!(tx, c => sqlx::query("DELETE FROM findings WHERE region_id = $1").bind(region_id).execute(c).await)?;
    crate::exec_tx!(tx, c => sqlx::query("DELETE FROM compliance WHERE region_id = $1").bind(region_id).execute(c).await)?;
    tx.commit().await
}

/// Branches with members under a path range: (id, path).
pub async fn populated_branches(db: &Db, region_id: i64, lo: &str, hi: &str) -> StoreResult<Vec<(i64, String)>> {
    Ok(crate::read!(db, c => sqlx::query_as(
        "SELECT id, path FROM orgs WHERE region_id = $1 AND path >= $2 AND path < $3 AND kind = 'branch' AND status <> 'dissolved' \
         AND direct_members > 0 ORDER BY path")
        .bind(region_id).bind(lo).bind(hi).fetch_all(c).await)?)
}

/// What one synthetic meeting cost.
#[derive(Debug, Clone, Copy)]
pub struct MeetingTiming {
    pub roll: usize,
    /// The rules engine's refresh alone.
    pub refresh: Duration,
    /// Writing the meeting and its attendance, and the refresh.
    pub whole: Duration,
}

/// Writes a 主题党日 held on `held_on` by branch `branch_id` with every member present,
/// refreshes the rules engine's rows inside the same transaction, and rolls it all back:
/// the incremental cost of recording a meeting, leaving the data as it was.
pub async fn synthetic_theme_day(
    db: &Db,
    region_id: i64,
    branch_id: i64,
    path: &str,
    held_on: &str,
) -> StoreResult<MeetingTiming> {
    let members: Vec<i64> = crate::read!(db, c => sqlx::query_scalar(
        "SELECT id FROM members WHERE region_id = $1 AND archived = FALSE AND org_id = $2")
        .bind(region_id).bind(branch_id).fetch_all(c).await)?;
    let now = db.clock().now_ms();
    let t0 = Instant::now();
    let mut tx = db.begin().await?;
    let meeting_id = ids::next();
    crate::exec_tx!(tx, c => sqlx::query(
        "INSERT INTO meetings (region_id, id, org_id, org_path, meeting_type, status, planned_at, held_at, held_on, place, host, recorder, \
         lecturer, topic, content, minutes, is_secretary_lecture, expected_count, present_count, recorded_at, version, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'theme_day', 'held', $5, $5, $6, '党员活动室', '书记', '组织委员', '', '补记主题党日', '', '', FALSE, $7, $7, $5, 1, 0, $5, $5)")
        .bind(region_id).bind(meeting_id).bind(branch_id).bind(path).bind(now).bind(held_on).bind(members.len() as i64).execute(c).await)?;
    let rows: Vec<Vec<crate::platform::bulk::Val>> = members
        .iter()
        .map(|m| crate::platform::bulk::bulk_row![region_id, meeting_id, *m, "present", "", now, held_on, "theme_day"])
        .collect();
    crate::platform::bulk::insert(
        &mut tx,
        "meeting_attendance",
        &["region_id", "meeting_id", "member_id", "attendance", "reason", "signed_at", "held_on", "meeting_type"],
        &rows,
    )
    .await?;
    let t1 = Instant::now();
    check::refresh_after_meeting(&mut tx, db, region_id, branch_id, &members).await?;
    let t2 = Instant::now();
    drop(tx); // rolled back: the benchmark leaves the data as it was
    Ok(MeetingTiming { roll: members.len(), refresh: t2 - t1, whole: t2 - t0 })
}
