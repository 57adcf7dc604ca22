//! The findings every rules engine keeps (预警/问题清单), in the shared `findings` table.
//!
//! Each engine owns the rule codes under its prefix (`learning.`, `affairs.`, …; the
//! 组织生活 engine keeps its own optimised batch path in `orglife::check`). An engine
//! evaluates some subjects from their facts (a pure function in `domain`) and hands the
//! result to [`reconcile`], which brings the stored rows of exactly those subjects and
//! rules in line: new findings are inserted, changed ones updated (first sighting kept),
//! vanished ones resolved with an optional note, and nothing else is touched — findings
//! are never deleted, and another engine's rows are never seen.

use crate::platform::bulk::{self, OnConflict, Val, bulk_row};
use crate::platform::ids;
use crate::platform::query::Sql;
use crate::{StoreResult, Tx};
use vanguard_domain::kernel::finding::{Finding, FindingKey, Severity, Subject, findings_diff};
use vanguard_domain::kernel::period::Period;

/// A finding with the org it is filed under (whose subtree sees it).
#[derive(Debug, Clone)]
pub struct Placed {
    pub finding: Finding,
    pub org_id: i64,
    pub org_path: String,
}

/// What a reconciliation changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reconciled {
    pub opened: u64,
    pub updated: u64,
    pub resolved: u64,
}

/// A `findings` row as every engine and view reads it ([`FINDING_ROW_COLUMNS`]); a view that
/// needs more columns flattens it into its own row (`#[sqlx(flatten)]`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FindingRow {
    pub id: i64,
    pub rule_code: String,
    pub rule_version: i64,
    pub subject_kind: String,
    pub subject_id: i64,
    pub org_id: i64,
    pub org_path: String,
    pub period_key: String,
    pub severity: String,
    pub evidence: String,
    pub resolved_at: Option<i64>,
}

/// The columns of a [`FindingRow`], for `SELECT {FINDING_ROW_COLUMNS} FROM findings …`.
pub const FINDING_ROW_COLUMNS: &str =
    "id, rule_code, rule_version, subject_kind, subject_id, org_id, org_path, period_key, severity, evidence, resolved_at";

impl FindingRow {
    fn finding(&self) -> Option<Finding> {
        let subject = match self.subject_kind.as_str() {
            "org" => Subject::Org(self.subject_id),
            "member" => Subject::Member(self.subject_id),
            _ => return None,
        };
        Some(Finding {
            rule_code: self.rule_code.clone(),
            rule_version: u32::try_from(self.rule_version).unwrap_or(0),
            subject,
            period: Period::parse_key(&self.period_key)?,
            severity: Severity::from_code(&self.severity)?,
            evidence: self.evidence.clone(),
        })
    }
}

/// Brings the stored findings under `prefix` (e.g. `learning.`) about exactly `subjects`
/// in line with `new` (which must be about those subjects only), inside `tx`. Resolved
/// findings get `note(subject)` as the reason when it is not empty (e.g. the member left).
pub async fn reconcile(
    tx: &mut Tx,
    region_id: i64,
    now: i64,
    prefix: &str,
    subjects: &[Subject],
    new: Vec<Placed>,
    note: &(dyn Fn(Subject) -> String + Sync),
) -> StoreResult<Reconciled> {
    let mut out = Reconciled::default();
    if subjects.is_empty() {
        return Ok(out);
    }
    let mut stored: Vec<FindingRow> = Vec::new();
    for kind in ["org", "member"] {
        let ids: Vec<i64> = subjects.iter().filter(|s| s.kind() == kind).map(|s| s.id()).collect();
        for chunk in ids.chunks(500) {
            let mut sql = Sql::new(&format!("SELECT {FINDING_ROW_COLUMNS} FROM findings WHERE region_id = "));
            sql.bind(region_id).push(" AND subject_kind = ").bind(kind).push(" AND rule_code LIKE ");
            sql.bind(format!("{}%", prefix.replace(['%', '_'], ""))).push(" AND subject_id IN (");
            for (i, id) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind(*id);
            }
            sql.push(")");
            stored.extend(sql.fetch_all_tx::<FindingRow>(tx).await?);
        }
    }
    let open: Vec<&FindingRow> = stored.iter().filter(|s| s.resolved_at.is_none()).collect();
    let old: Vec<Finding> = open.iter().filter_map(|s| s.finding()).collect();
    let by_key: std::collections::HashMap<FindingKey, &FindingRow> =
        stored.iter().filter_map(|s| s.finding().map(|f| (f.key(), s))).collect();
    let place: std::collections::HashMap<FindingKey, (i64, String)> =
        new.iter().map(|p| (p.finding.key(), (p.org_id, p.org_path.clone()))).collect();
    let news: Vec<Finding> = new.into_iter().map(|p| p.finding).collect();
    let (to_open, to_resolve) = findings_diff(&old, &news);
    // Unchanged findings whose subject moved follow it to its new org.
    let moved = news.iter().filter(|f| {
        by_key.get(&f.key()).is_some_and(|s| {
            s.resolved_at.is_none() && place.get(&f.key()).is_some_and(|(o, p)| (*o, p) != (s.org_id, &s.org_path))
        })
    });
    let mut upserts: Vec<Vec<Val>> = Vec::new();
    for f in to_open.iter().chain(moved) {
        let Some((org_id, org_path)) = place.get(&f.key()) else { continue };
        match by_key.get(&f.key()) {
            Some(s) if s.resolved_at.is_none() => out.updated += 1,
            _ => out.opened += 1,
        }
        upserts.push(bulk_row![
            region_id,
            ids::next(),
            f.rule_code.as_str(),
            i64::from(f.rule_version),
            f.subject.kind(),
            f.subject.id(),
            *org_id,
            org_path.as_str(),
            f.period.key(),
            f.severity.code(),
            f.evidence.as_str(),
            now,
            now,
            None::<i64>
        ]);
    }
    write_findings(tx, &upserts).await?;
    for f in to_resolve {
        let Some(s) = by_key.get(&f.key()) else { continue };
        let mut sql = Sql::new("UPDATE findings SET resolved_at = ");
        sql.bind(now).push(", resolved_note = ").bind(note(f.subject)).push(" WHERE region_id = ").bind(region_id);
        sql.push(" AND id = ").bind(s.id).push(" AND resolved_at IS NULL");
        out.resolved += sql.execute_tx(tx).await?;
    }
    Ok(out)
}

/// Writes finding rows (in [`FINDING_COLUMNS`] order): new ones inserted, seen ones
/// refreshed by their natural key. Every engine writes findings through this.
pub(crate) async fn write_findings(tx: &mut Tx, rows: &[Vec<Val>]) -> StoreResult<()> {
    bulk::upsert(
        tx,
        "findings",
        FINDING_COLUMNS,
        rows,
        OnConflict::Update {
            key: "region_id, subject_kind, subject_id, rule_code, period_key",
            set: &["rule_version", "severity", "evidence", "org_id", "org_path", "last_seen_at", "resolved_at"],
        },
    )
    .await?;
    Ok(())
}

/// The columns of a finding row for [`write_findings`].
pub(crate) const FINDING_COLUMNS: &[&str] = &[
    "region_id",
    "id",
    "rule_code",
    "rule_version",
    "subject_kind",
    "subject_id",
    "org_id",
    "org_path",
    "period_key",
    "severity",
    "evidence",
    "first_seen_at",
    "last_seen_at",
    "resolved_at",
];

/// An open finding of one severity first seen before a time, with its org's name: what the
/// notifications' overdue producer reads (`notify::produce`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OpenFinding {
    pub id: i64,
    pub rule_code: String,
    pub org_id: i64,
    pub org_name: String,
    pub first_seen_at: i64,
}

/// Open findings of `severity` in a region first seen before `before_ms` (at most `limit`,
/// oldest first).
pub async fn open_before(
    db: &crate::Db,
    region_id: i64,
    severity: Severity,
    before_ms: i64,
    limit: i64,
) -> StoreResult<Vec<OpenFinding>> {
    Ok(crate::read!(db, c => sqlx::query_as(
        "SELECT f.id, f.rule_code, f.org_id, o.name AS org_name, f.first_seen_at FROM findings f \
         JOIN orgs o ON o.region_id = f.region_id AND o.id = f.org_id \
         WHERE f.region_id = $1 AND f.resolved_at IS NULL AND f.severity = $2 AND f.first_seen_at < $3 \
         ORDER BY f.first_seen_at, f.id LIMIT $4")
        .bind(region_id).bind(severity.code()).bind(before_ms).bind(limit).fetch_all(c).await)?)
}
