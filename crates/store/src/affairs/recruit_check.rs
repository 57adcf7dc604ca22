//! The 发展党员 rules engine's persisted side: steps overdue (per branch) and 预备期
//! ending without a 转正 application (per 预备党员), decided by
//! `domain::affairs::recruit::recruit_findings`, in the shared `findings` table —
//! recomputed for a whole region by the daily check ([`check_region`], one line in
//! [`crate::ENGINES`]) and for one branch in the transaction of each step ([`refresh_file`]).

use crate::platform::engines::{EngineFuture, EngineRun};
use crate::platform::error::decode;
use crate::platform::findings::{Placed, reconcile};
use crate::{Db, StoreResult, Tx};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use vanguard_domain::affairs::recruit::{FileCheck, FileFacts, RULE_PREFIX, StepDone, recruit_findings};
use vanguard_domain::kernel::finding::Subject;
use vanguard_domain::kernel::time::parse_iso_date;

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    org_id: i64,
    org_path: String,
    name: String,
    birth_date: String,
    member_id: Option<i64>,
    extension_months: i64,
    active: bool,
    no: Option<i64>,
    done_on: Option<String>,
    done_by: Option<i64>,
}

const FILES: &str = "SELECT f.id, f.org_id, f.org_path, f.name, f.birth_date, f.member_id, f.extension_months, \
     f.state = 'active' AS active, s.no, s.done_on, s.done_by FROM recruit_files f \
     LEFT JOIN recruit_steps s ON s.region_id = f.region_id AND s.file_id = f.id WHERE f.region_id = $1";

/// The files read, with every subject they may have findings about.
struct Read {
    files: Vec<(FileCheck, String)>,
    subjects: Vec<Subject>,
}

fn assemble(rows: Vec<Row>) -> StoreResult<Read> {
    let mut by_file: BTreeMap<i64, (FileCheck, String, bool)> = BTreeMap::new();
    let mut subjects = Vec::new();
    for r in rows {
        subjects.push(Subject::Org(r.org_id));
        if let Some(m) = r.member_id {
            subjects.push(Subject::Member(m));
        }
        let e = match by_file.entry(r.id) {
            std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::btree_map::Entry::Vacant(v) => {
                let birth_date = decode("recruit_files.birth_date", &r.birth_date, parse_iso_date)?;
                let facts = FileFacts { birth_date, done: Vec::new(), extension_months: r.extension_months as u32 };
                v.insert((
                    FileCheck { name: r.name.clone(), branch_id: r.org_id, member_id: r.member_id, facts },
                    r.org_path.clone(),
                    r.active,
                ))
            }
        };
        if let (Some(no), Some(on)) = (r.no, r.done_on.as_deref()) {
            let on = decode("recruit_steps.done_on", on, parse_iso_date)?;
            e.0.facts.done.push(StepDone { no: no as u8, on, by: r.done_by.unwrap_or(0) });
        }
    }
    subjects.sort();
    subjects.dedup();
    let files = by_file
        .into_values()
        .filter(|(_, _, active)| *active)
        .map(|(mut f, p, _)| {
            f.facts.done.sort_by_key(|d| d.no);
            (f, p)
        })
        .collect();
    Ok(Read { files, subjects })
}

fn placed(db: &Db, read: &Read, today: NaiveDate) -> Vec<Placed> {
    let rules = db.rules();
    let checks: Vec<FileCheck> = read.files.iter().map(|(f, _)| f.clone()).collect();
    let paths: BTreeMap<i64, String> = read.files.iter().map(|(f, p)| (f.branch_id, p.clone())).collect();
    let members: BTreeMap<i64, i64> = read.files.iter().filter_map(|(f, _)| f.member_id.map(|m| (m, f.branch_id))).collect();
    recruit_findings(&rules.recruit, rules.severity.open_at_risk, &checks, today)
        .into_iter()
        .filter_map(|finding| {
            let org_id = match finding.subject {
                Subject::Org(o) => o,
                Subject::Member(m) => *members.get(&m)?,
            };
            let org_path = paths.get(&org_id)?.clone();
            Some(Placed { finding, org_id, org_path })
        })
        .collect()
}

fn resolved(_: Subject) -> String {
    "已办理".into()
}

/// Brings one branch's 发展党员 findings up to date inside a write's transaction.
pub(crate) async fn refresh_file(tx: &mut Tx, db: &Db, region_id: i64, branch_id: i64) -> StoreResult<()> {
    let sql = format!("{FILES} AND f.org_id = $2 ORDER BY f.id, s.no");
    let rows: Vec<Row> = crate::on_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(region_id).bind(branch_id).fetch_all(c).await)?;
    let mut read = assemble(rows)?;
    read.subjects.push(Subject::Org(branch_id));
    read.subjects.sort();
    read.subjects.dedup();
    let new = placed(db, &read, db.clock().today());
    reconcile(tx, region_id, db.clock().now_ms(), RULE_PREFIX, &read.subjects, new, &resolved).await?;
    Ok(())
}

/// The full check of a region as of a day.
pub fn check_region(db: &Db, region_id: i64, as_of: NaiveDate) -> EngineFuture<'_> {
    Box::pin(async move {
        let started = std::time::Instant::now();
        let sql = format!("{FILES} ORDER BY f.id, s.no");
        let rows: Vec<Row> = crate::read!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(region_id).fetch_all(c).await)?;
        let mut read = assemble(rows)?;
        let open: Vec<(String, i64)> = crate::read!(db, c => sqlx::query_as(
            "SELECT DISTINCT subject_kind, subject_id FROM findings WHERE region_id = $1 AND rule_code LIKE $2 AND resolved_at IS NULL")
            .bind(region_id).bind(format!("{RULE_PREFIX}%")).fetch_all(c).await)?;
        for (kind, id) in open {
            read.subjects.push(if kind == "org" { Subject::Org(id) } else { Subject::Member(id) });
        }
        read.subjects.sort();
        read.subjects.dedup();
        let new = placed(db, &read, as_of);
        let mut tx = db.begin().await?;
        let changes = reconcile(&mut tx, region_id, db.clock().now_ms(), RULE_PREFIX, &read.subjects, new, &resolved).await?;
        tx.commit().await?;
        Ok(EngineRun {
            name: "发展党员",
            subjects: read.subjects.len() as u64,
            changes,
            seconds: started.elapsed().as_secs_f64(),
        })
    })
}
