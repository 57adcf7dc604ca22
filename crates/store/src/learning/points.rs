//! 积分 and 微排行: points events (append-only, each with its source, unique per member,
//! action and source so a retried award counts once), totals per member and period, and
//! rank buckets per scope and period.
//!
//! "My rank" is never a `COUNT(*)` over the members above (the trap of `performance.md`:
//! 25–290 ms at 1M members): a bucket row holds how many members of a scope (an org and
//! its subtree) have exactly `points` in a period, kept on write for each org the member
//! belongs to, and a rank is one plus the sum of the buckets above the member's points —
//! an index range over distinct point values, not over members. The top 100 of a scope is
//! read in points order from the totals' index.

use super::{Learning, in_list, scopes_of};
use crate::platform::bulk::{self, bulk_row};
use crate::platform::hooks::{Change, HookFuture};
use crate::platform::ids;
use crate::platform::query::Sql;
use crate::{Db, StoreError, StoreResult, Tx};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use vanguard_domain::kernel::time::{china_date, date_text};
use vanguard_domain::learning::{PointsAction, PointsTally, RankPeriod, award};

/// Most rows of a ranking's list.
pub const TOP: i64 = 100;

/// "My rank", read per view of a ranking: the member's points in a period, then the
/// members of the scope above them (the sum of the rank buckets above, never a count of
/// members). On Citus each goes to one shard (the region's).
pub const MY_PERIOD_POINTS_SQL: &str =
    "SELECT points FROM learning_points_totals WHERE region_id = $1 AND member_id = $2 AND period_key = $3";

/// See [`MY_PERIOD_POINTS_SQL`].
pub const RANK_ABOVE_SQL: &str = "SELECT CAST(COALESCE(SUM(members), 0) AS BIGINT) FROM learning_rank_buckets \
     WHERE region_id = $1 AND scope_path = $2 AND period_key = $3 AND points > $4";

/// The periods every award adds to.
const PERIODS: [RankPeriod; 4] = [RankPeriod::Week, RankPeriod::Month, RankPeriod::Year, RankPeriod::All];

/// The Monday and Sunday of the ISO week holding `d`.
fn week_bounds(d: NaiveDate) -> (NaiveDate, NaiveDate) {
    let monday = d - chrono::Days::new(u64::from(d.weekday().num_days_from_monday()));
    (monday, monday + chrono::Days::new(6))
}

/// Records one event for a member and awards its points under the rules in force (caps
/// from the member's events of the day and week). Runs inside the caller's transaction;
/// an event whose (member, action, source) was already recorded adds nothing. Returns
/// the points awarded.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record(
    tx: &mut Tx,
    db: &Db,
    region_id: i64,
    member_id: i64,
    org_path: &str,
    action: PointsAction,
    units: u32,
    at_ms: i64,
    source: &str,
) -> StoreResult<u32> {
    let rules = db.rules();
    let date = china_date(at_ms);
    let day = date_text(date);
    let now = db.clock().now_ms();
    // Serialize one member's awards: the all-time row is written (and so locked) first.
    crate::exec_tx!(tx, c => sqlx::query(
        "INSERT INTO learning_points_totals (region_id, member_id, period_key, org_path, points, updated_at) VALUES ($1, $2, 'all', $3, 0, $4) \
         ON CONFLICT (region_id, member_id, period_key) DO UPDATE SET updated_at = excluded.updated_at")
        .bind(region_id).bind(member_id).bind(org_path).bind(now).execute(c).await)?;
    let (day_units, day_points): (i64, i64) = crate::on_tx!(tx, c => sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(units), 0) AS BIGINT), CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM learning_points_events \
         WHERE region_id = $1 AND member_id = $2 AND action = $3 AND day = $4")
        .bind(region_id).bind(member_id).bind(action.code()).bind(&day).fetch_one(c).await)?;
    let (mon, sun) = week_bounds(date);
    let week_points: i64 = crate::on_tx!(tx, c => sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM learning_points_events \
         WHERE region_id = $1 AND member_id = $2 AND action = $3 AND day >= $4 AND day <= $5")
        .bind(region_id).bind(member_id).bind(action.code()).bind(date_text(mon)).bind(date_text(sun)).fetch_one(c).await)?;
    let tally = PointsTally {
        day_units: u32::try_from(day_units).unwrap_or(u32::MAX),
        day_points: u32::try_from(day_points).unwrap_or(u32::MAX),
        week_points: u32::try_from(week_points).unwrap_or(u32::MAX),
    };
    let got = award(&rules.learning, action, units, at_ms, tally);
    let inserted = crate::exec_tx!(tx, c => sqlx::query(
        "INSERT INTO learning_points_events (region_id, id, member_id, org_path, action, units, points, occurred_at, day, source) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (region_id, member_id, action, source) DO NOTHING")
        .bind(region_id).bind(ids::next()).bind(member_id).bind(org_path).bind(action.code()).bind(i64::from(units))
        .bind(i64::from(got.points)).bind(at_ms).bind(&day).bind(source).execute(c).await)?;
    if inserted == 0 || got.points == 0 {
        return Ok(0);
    }
    let add = i64::from(got.points);
    let scopes = scopes_of(org_path);
    for period in PERIODS {
        let key = period.key(date);
        let new: i64 = crate::on_tx!(tx, c => sqlx::query_scalar(
            "INSERT INTO learning_points_totals (region_id, member_id, period_key, org_path, points, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (region_id, member_id, period_key) DO UPDATE SET points = learning_points_totals.points + excluded.points, \
             org_path = excluded.org_path, updated_at = excluded.updated_at RETURNING points")
            .bind(region_id).bind(member_id).bind(&key).bind(org_path).bind(add).bind(now).fetch_one(c).await)?;
        let old = new - add;
        if old > 0 {
            leave_buckets(tx, region_id, &key, &scopes, old).await?;
        }
        enter_buckets(tx, region_id, &key, &scopes, new).await?;
    }
    Ok(got.points)
}

/// A member leaves the buckets of `points` of each scope.
async fn leave_buckets(tx: &mut Tx, region_id: i64, key: &str, scopes: &[String], points: i64) -> StoreResult<()> {
    let mut dec = Sql::new("UPDATE learning_rank_buckets SET members = members - 1 WHERE region_id = ");
    dec.bind(region_id).push(" AND period_key = ").bind(key).push(" AND points = ").bind(points).push(" AND scope_path IN ");
    dec.append(&in_list(scopes));
    dec.execute_tx(tx).await?;
    Ok(())
}

/// A member enters the buckets of `points` of each scope.
async fn enter_buckets(tx: &mut Tx, region_id: i64, key: &str, scopes: &[String], points: i64) -> StoreResult<()> {
    let mut inc = Sql::new("INSERT INTO learning_rank_buckets (region_id, scope_path, period_key, points, members) VALUES ");
    for (i, s) in scopes.iter().enumerate() {
        inc.push(if i == 0 { "(" } else { ", (" });
        inc.bind(region_id).push(", ").bind(s.clone()).push(", ").bind(key).push(", ").bind(points).push(", 1)");
    }
    inc.push(
        " ON CONFLICT (region_id, scope_path, period_key, points) DO UPDATE SET members = learning_rank_buckets.members + 1",
    );
    inc.execute_tx(tx).await?;
    Ok(())
}

/// Learning's subscription to member writes (see [`crate::platform::hooks`]): a member
/// moved to another branch or group has their totals filed under the new org and moves
/// from the old orgs' rank buckets to the new ones', in the moving transaction.
pub(crate) fn on_change<'a>(tx: &'a mut Tx, _db: &'a Db, change: &'a Change) -> HookFuture<'a> {
    Box::pin(async move {
        let Change::MembersWritten { region_id, members, .. } = change else { return Ok(()) };
        // One read per 500 members finds the totals filed under another org than the
        // member's (none at all for an import of new members).
        for chunk in members.chunks(500) {
            let mut sql = Sql::new(
                "SELECT t.period_key, t.member_id, t.org_path, m.org_path AS now_path, t.points FROM learning_points_totals t \
                 JOIN members m ON m.region_id = t.region_id AND m.id = t.member_id WHERE t.region_id = ",
            );
            sql.bind(*region_id).push(" AND t.org_path <> m.org_path AND t.member_id IN ").append(&in_list(chunk));
            let moved: Vec<(String, i64, String, String, i64)> = sql.fetch_all_tx(tx).await?;
            for (key, member_id, old_path, path, points) in moved {
                if points > 0 {
                    leave_buckets(tx, *region_id, &key, &scopes_of(&old_path), points).await?;
                    enter_buckets(tx, *region_id, &key, &scopes_of(&path), points).await?;
                }
                crate::exec_tx!(tx, c => sqlx::query(
                    "UPDATE learning_points_totals SET org_path = $1 WHERE region_id = $2 AND member_id = $3 AND period_key = $4")
                    .bind(&path).bind(*region_id).bind(member_id).bind(&key).execute(c).await)?;
            }
        }
        Ok(())
    })
}

/// A member's points per period and today's by action.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyPoints {
    pub week: i64,
    pub month: i64,
    pub year: i64,
    pub all: i64,
    pub today: i64,
    /// Today's points by action, with each action's daily cap (0 = none), in the rule
    /// table's order.
    pub today_by_action: Vec<TodayLine>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TodayLine {
    pub action: PointsAction,
    pub label: &'static str,
    pub points: i64,
    pub daily_cap: u32,
}

/// One line of a ranking. Outside the viewer's scope the name and org are left out.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RankEntry {
    pub rank: u64,
    pub name: Option<String>,
    pub org_name: Option<String>,
    pub points: i64,
    /// The viewer's own line.
    pub me: bool,
}

/// A scope's ranking for a period: the viewer's rank and the top [`TOP`].
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RankView {
    pub scope_org_id: i64,
    pub scope_name: String,
    pub period: RankPeriod,
    pub period_label: &'static str,
    pub period_key: String,
    /// Members of the scope with points in the period.
    pub count: u64,
    pub my_points: Option<i64>,
    /// One plus the members with more points; `None` for an account without a member.
    pub my_rank: Option<u64>,
    pub top: Vec<RankEntry>,
}

/// What a comparison of the stored totals and buckets with the events found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PointsCheck {
    /// Totals rows (member, period) worked out from the events.
    pub totals: usize,
    /// Totals rows that differ from the stored ones (missing, extra or another sum).
    pub totals_mismatched: usize,
    /// Bucket rows worked out from the totals.
    pub buckets: usize,
    pub buckets_mismatched: usize,
    /// Whether the stored rows were rewritten from the events.
    pub repaired: bool,
}

#[derive(sqlx::FromRow)]
struct TopRow {
    points: i64,
    org_path: String,
    member_id: i64,
    name: String,
    org_name: String,
}

impl Learning<'_> {
    /// Awards the day's login points to the caller (once a day; later calls add
    /// nothing). Returns the points awarded.
    pub async fn record_login(&self) -> StoreResult<u32> {
        let me = self.me().await?;
        let now = self.db.clock().now_ms();
        let source = format!("login:{}", date_text(china_date(now)));
        let mut tx = self.db.begin().await?;
        let got = record(&mut tx, self.db, me.region_id, me.id, &me.org_path, PointsAction::Login, 1, now, &source).await?;
        tx.commit().await?;
        Ok(got)
    }

    /// The caller's points.
    pub async fn my_points(&self) -> StoreResult<MyPoints> {
        let me = self.me().await?;
        let today = china_date(self.db.clock().now_ms());
        let keys: Vec<String> = PERIODS.iter().map(|p| p.key(today)).collect();
        let rows: Vec<(String, i64)> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT period_key, points FROM learning_points_totals WHERE region_id = $1 AND member_id = $2 AND period_key IN ($3, $4, $5, $6)")
            .bind(me.region_id).bind(me.id).bind(&keys[0]).bind(&keys[1]).bind(&keys[2]).bind(&keys[3]).fetch_all(c).await)?;
        let of = |i: usize| rows.iter().find(|(k, _)| *k == keys[i]).map(|(_, p)| *p).unwrap_or(0);
        let by_action: Vec<(String, i64)> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT action, CAST(SUM(points) AS BIGINT) FROM learning_points_events WHERE region_id = $1 AND member_id = $2 AND day = $3 GROUP BY action")
            .bind(me.region_id).bind(me.id).bind(date_text(today)).fetch_all(c).await)?;
        let rules = self.db.rules();
        let today_by_action: Vec<TodayLine> = rules
            .learning
            .points
            .iter()
            .filter(|r| r.enabled)
            .map(|r| TodayLine {
                action: r.action,
                label: r.action.label(),
                points: by_action.iter().find(|(a, _)| a == r.action.code()).map(|(_, p)| *p).unwrap_or(0),
                daily_cap: r.daily_cap,
            })
            .collect();
        Ok(MyPoints {
            week: of(0),
            month: of(1),
            year: of(2),
            all: of(3),
            today: by_action.iter().map(|(_, p)| *p).sum(),
            today_by_action,
        })
    }

    /// The ranking of a scope (an org's subtree) for a period: the viewer's rank and the
    /// top [`TOP`]. The scope must be within the viewer's reach or one the viewer's own
    /// branch belongs to; names (and orgs) outside the viewer's reach are left out.
    pub async fn ranking(&self, scope_org_id: i64, period: RankPeriod) -> StoreResult<RankView> {
        let region_id = self.scope.region_id;
        let org: Option<(String, String)> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT path, name FROM orgs WHERE region_id = $1 AND id = $2").bind(region_id).bind(scope_org_id).fetch_optional(c).await)?;
        let (path, scope_name) = org.ok_or(StoreError::NotFound)?;
        let (lo, hi) = self.scope.org_range();
        let in_reach = !lo.is_empty() && path >= lo && path < hi;
        let me = match self.scope.member_id {
            Some(_) => Some(self.me().await?),
            None => None,
        };
        let own_scope = me.as_ref().is_some_and(|m| m.org_path.starts_with(&path));
        if !in_reach && !own_scope {
            return Err(StoreError::NotFound);
        }
        let key = period.key(china_date(self.db.clock().now_ms()));
        let count: i64 = crate::read!(self.db, c => sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(members), 0) AS BIGINT) FROM learning_rank_buckets WHERE region_id = $1 AND scope_path = $2 AND period_key = $3 AND points > 0")
            .bind(region_id).bind(&path).bind(&key).fetch_one(c).await)?;
        let (mut my_points, mut my_rank) = (None, None);
        if let Some(me) = me.as_ref().filter(|_| own_scope) {
            let mine: Option<i64> = crate::read!(self.db, c => sqlx::query_scalar(MY_PERIOD_POINTS_SQL)
                .bind(region_id).bind(me.id).bind(&key).fetch_optional(c).await)?;
            let mine = mine.unwrap_or(0);
            let above: i64 = crate::read!(self.db, c => sqlx::query_scalar(RANK_ABOVE_SQL)
                .bind(region_id).bind(&path).bind(&key).bind(mine).fetch_one(c).await)?;
            my_points = Some(mine);
            my_rank = Some(u64::try_from(above).unwrap_or(0) + 1);
        }
        let upper = vanguard_domain::org::path::upper(&path);
        let mut top_sql = Sql::new(
            "SELECT t.points, t.org_path, t.member_id, m.name, o.name AS org_name FROM learning_points_totals t \
             JOIN members m ON m.region_id = t.region_id AND m.id = t.member_id \
             JOIN orgs o ON o.region_id = m.region_id AND o.id = m.org_id \
             WHERE t.region_id = ",
        );
        top_sql.bind(region_id).push(" AND t.period_key = ").bind(key.clone()).push(" AND t.org_path >= ").bind(path.clone());
        top_sql.push(" AND t.org_path < ").bind(upper).push(" AND t.points > 0 ORDER BY t.points DESC, t.member_id");
        top_sql.limit(TOP);
        let rows: Vec<TopRow> = top_sql.fetch_all(self.db).await?;
        let mut top = Vec::with_capacity(rows.len());
        let mut rank = 0u64;
        let mut last = None;
        for (i, r) in rows.into_iter().enumerate() {
            if last != Some(r.points) {
                rank = i as u64 + 1;
                last = Some(r.points);
            }
            let is_me = me.as_ref().is_some_and(|m| m.id == r.member_id);
            let visible = is_me || (!lo.is_empty() && r.org_path >= lo && r.org_path < hi);
            top.push(RankEntry {
                rank,
                name: visible.then_some(r.name),
                org_name: visible.then_some(r.org_name),
                points: r.points,
                me: is_me,
            });
        }
        Ok(RankView {
            scope_org_id,
            scope_name,
            period,
            period_label: period.label(),
            period_key: key,
            count: u64::try_from(count).unwrap_or(0),
            my_points,
            my_rank,
            top,
        })
    }

    /// The ranking of an org within the viewer's reach (the workbench's view; a member
    /// reaches their branch). An org outside reach is not found, even one the viewer's
    /// branch belongs to: those are in [`Learning::my_ranks`].
    pub async fn ranking_within_reach(&self, org_id: i64, period: RankPeriod) -> StoreResult<RankView> {
        let path: Option<String> = crate::read!(self.db, c => sqlx::query_scalar(
            "SELECT path FROM orgs WHERE region_id = $1 AND id = $2").bind(self.scope.region_id).bind(org_id).fetch_optional(c).await)?;
        let (lo, hi) = self.scope.org_range();
        match path {
            Some(p) if !lo.is_empty() && p >= lo && p < hi => self.ranking(org_id, period).await,
            _ => Err(StoreError::NotFound),
        }
    }

    /// The caller's rank in their branch and in each org above it (street, district,
    /// city), the branch first; names outside the caller's reach left out.
    pub async fn my_ranks(&self, period: RankPeriod) -> StoreResult<Vec<RankView>> {
        let me = self.me().await?;
        let mut out = Vec::new();
        for id in vanguard_domain::org::path::ids(&me.org_path).into_iter().rev() {
            out.push(self.ranking(id, period).await?);
        }
        Ok(out)
    }

    /// Compares the stored totals and rank buckets of the region with what its events
    /// give, and with `repair` rewrites them from the events. Needs the whole region
    /// within reach.
    pub async fn check_points(&self, repair: bool) -> StoreResult<PointsCheck> {
        let region_id = self.scope.region_id;
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?;
        if root != vanguard_domain::org::path::root(region_id) {
            return Err(StoreError::Forbidden);
        }
        let days: Vec<(i64, String, String, i64)> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT member_id, day, org_path, CAST(SUM(points) AS BIGINT) FROM learning_points_events \
             WHERE region_id = $1 GROUP BY member_id, day, org_path")
            .bind(region_id).fetch_all(c).await)?;
        // A member's totals are filed under the org of their stored all-time total (kept
        // up to date when the member moves), else of their latest event.
        let filed: Vec<(i64, String)> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT member_id, org_path FROM learning_points_totals WHERE region_id = $1 AND period_key = 'all'")
            .bind(region_id).fetch_all(c).await)?;
        let mut latest: HashMap<i64, (String, String)> = filed.into_iter().map(|(m, p)| (m, ("~".to_string(), p))).collect();
        for (member_id, day, org_path, _) in &days {
            let e = latest.entry(*member_id).or_insert_with(|| (day.clone(), org_path.clone()));
            if *day > e.0 {
                *e = (day.clone(), org_path.clone());
            }
        }
        let mut want: BTreeMap<(i64, String), (String, i64)> = BTreeMap::new();
        for (member_id, day, _, points) in days {
            let org_path = latest.get(&member_id).map(|l| l.1.clone()).unwrap_or_default();
            let date = vanguard_domain::kernel::time::parse_iso_date(&day)
                .ok_or_else(|| StoreError::Corrupt { column: "learning_points_events.day".into(), value: day.clone() })?;
            for p in PERIODS {
                let e = want.entry((member_id, p.key(date))).or_insert_with(|| (org_path.clone(), 0));
                e.1 += points;
            }
        }
        want.retain(|_, (_, p)| *p > 0);
        let stored: Vec<(i64, String, String, i64)> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT member_id, period_key, org_path, points FROM learning_points_totals WHERE region_id = $1 AND points > 0")
            .bind(region_id).fetch_all(c).await)?;
        let stored: BTreeMap<(i64, String), (String, i64)> = stored.into_iter().map(|(m, k, o, p)| ((m, k), (o, p))).collect();
        let totals_mismatched = want.iter().filter(|(k, v)| stored.get(*k).map(|s| s.1) != Some(v.1)).count()
            + stored.keys().filter(|k| !want.contains_key(*k)).count();
        let mut want_buckets: HashMap<(String, String, i64), i64> = HashMap::new();
        for ((_, key), (org_path, points)) in &want {
            for s in scopes_of(org_path) {
                *want_buckets.entry((s, key.clone(), *points)).or_insert(0) += 1;
            }
        }
        let stored_buckets: Vec<(String, String, i64, i64)> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT scope_path, period_key, points, members FROM learning_rank_buckets WHERE region_id = $1 AND members <> 0")
            .bind(region_id).fetch_all(c).await)?;
        let stored_buckets: HashMap<(String, String, i64), i64> =
            stored_buckets.into_iter().map(|(s, k, p, n)| ((s, k, p), n)).collect();
        let buckets_mismatched = want_buckets.iter().filter(|(k, v)| stored_buckets.get(*k) != Some(*v)).count()
            + stored_buckets.keys().filter(|k| !want_buckets.contains_key(*k)).count();
        let mut check = PointsCheck {
            totals: want.len(),
            totals_mismatched,
            buckets: want_buckets.len(),
            buckets_mismatched,
            repaired: false,
        };
        if repair && (totals_mismatched > 0 || buckets_mismatched > 0) {
            let now = self.db.clock().now_ms();
            let mut tx = self.db.begin().await?;
            crate::exec_tx!(tx, c => sqlx::query("DELETE FROM learning_points_totals WHERE region_id = $1 AND period_key <> 'all'")
                .bind(region_id).execute(c).await)?;
            crate::exec_tx!(tx, c => sqlx::query("UPDATE learning_points_totals SET points = 0 WHERE region_id = $1")
                .bind(region_id).execute(c).await)?;
            crate::exec_tx!(tx, c => sqlx::query("DELETE FROM learning_rank_buckets WHERE region_id = $1").bind(region_id).execute(c).await)?;
            let rows: Vec<_> =
                want.iter().map(|((m, k), (o, p))| bulk_row![region_id, *m, k.as_str(), o.as_str(), *p, now]).collect();
            bulk::upsert(
                &mut tx,
                "learning_points_totals",
                &["region_id", "member_id", "period_key", "org_path", "points", "updated_at"],
                &rows,
                bulk::OnConflict::Update { key: "region_id, member_id, period_key", set: &["points", "updated_at"] },
            )
            .await?;
            let rows: Vec<_> =
                want_buckets.iter().map(|((s, k, p), n)| bulk_row![region_id, s.as_str(), k.as_str(), *p, *n]).collect();
            bulk::insert(
                &mut tx,
                "learning_rank_buckets",
                &["region_id", "scope_path", "period_key", "points", "members"],
                &rows,
            )
            .await?;
            crate::platform::audit::append(
                &mut tx,
                self.db,
                &self.scope.actor,
                crate::platform::audit::Event::ok("learning.points.repair", format!("region:{region_id}"))
                    .detail(format!("积分合计 {totals_mismatched} 行、排行分桶 {buckets_mismatched} 行按积分记录重算")),
            )
            .await?;
            tx.commit().await?;
            check.repaired = true;
        }
        Ok(check)
    }
}
