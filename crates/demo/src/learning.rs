//! Loads the demo's learning (学): a question bank of about 1,000 questions in the
//! region's bank and four weeks of logins and daily quizzes up to yesterday, members
//! keen, steady or never ([`crate::generate::learning`]); points follow the rules in
//! force, and totals and rank buckets are rebuilt from the events.
//!
//! The past days' quizzes are loaded as their points events only (source
//! `daily:<date>`), not as attempts with answers.

use crate::generate::learning::{question_bank, quiz_days};
use std::collections::HashMap;
use vanguard_domain::kernel::time::{china_ms, date_text};
use vanguard_domain::learning::{PointsAction, PointsTally, award};
use vanguard_store::learning::bulk::{EventRecord, insert_events};
use vanguard_store::member::bulk::loaded_members;
use vanguard_store::{Actor, Db, Scope, StoreError, StoreResult};

/// Days of activity loaded.
pub const DAYS: u64 = 28;
/// Questions in the demo bank (about).
pub const BANK_SIZE: usize = 1_000;

/// Loads the bank and the activity for `region_id`. Returns (questions, events).
pub async fn generate(db: &Db, region_id: i64, seed: u64) -> StoreResult<(usize, u64)> {
    let root = vanguard_store::org::regions(db).await?.into_iter().find(|r| r.id == region_id).ok_or(StoreError::NotFound)?;
    let system = Scope::system(region_id, &root.path, Actor::system("demo"));
    let scoped = db.scoped(&system);
    let bank: Vec<_> = question_bank(seed, BANK_SIZE).into_iter().filter_map(|q| q.validate().ok()).collect();
    let questions = scoped.learning().import_questions(root.id, &bank, "演示题库").await?;

    let orgs = scoped.orgs().active_orgs().await?;
    let paths: HashMap<i64, String> = orgs.iter().map(|o| (o.id, o.path.clone())).collect();
    let rules = db.rules();
    let size = rules.learning.daily_quiz_size;
    let today = db.clock().today();
    let days: Vec<_> = (1..=DAYS).rev().filter_map(|d| today.checked_sub_days(chrono::Days::new(d))).collect();
    let members = loaded_members(db, region_id, &root.path, &vanguard_domain::org::path::upper(&root.path)).await?;
    let mut events = Vec::new();
    for m in &members {
        let Some(path) = m.group_id.or(Some(m.org_id)).and_then(|o| paths.get(&o)) else { continue };
        for d in quiz_days(seed, m.id, &days, size) {
            let at = china_ms(d.date, d.minute);
            let day = date_text(d.date);
            for (action, units, source) in
                [(PointsAction::Login, 1, format!("login:{day}")), (PointsAction::DailyQuiz, d.right, format!("daily:{day}"))]
            {
                let got = award(&rules.learning, action, units, at, PointsTally::default());
                events.push(EventRecord {
                    member_id: m.id,
                    org_path: path.clone(),
                    action,
                    units,
                    points: got.points,
                    at,
                    source,
                });
            }
        }
    }
    let mut tx = db.begin().await?;
    let mut written = 0;
    for chunk in events.chunks(20_000) {
        written += insert_events(&mut tx, region_id, chunk).await?;
    }
    tx.commit().await?;
    scoped.learning().check_points(true).await?;
    tracing::info!(questions, events = written, "demo learning loaded");
    Ok((questions, written))
}
