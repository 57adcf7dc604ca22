//! Loads a year of 党费 into a demo region: each member's base (from the generator in
//! [`crate::generate::dues`]), the bills of the last twelve months made by the store's
//! own bulk generation, and the payments — most members paid every month, some are a
//! few months behind (预警), a few six or more (问题 under 党章第九条) — written to the
//! ledger in bulk; then the 党费 engine files the arrears as findings.

use crate::generate::dues::dues_seeds;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;
use std::time::Instant;
use vanguard_domain::affairs::dues::{DuesBase, Membership, Month, Payer, monthly_amount, owes};
use vanguard_domain::kernel::time::china_ms;
use vanguard_domain::member::PartyStatus;
use vanguard_domain::org::path::upper;
use vanguard_store::affairs::dues_bulk::{BaseRecord, PaymentRecord, insert_bases, insert_payments};
use vanguard_store::member::bulk::loaded_members;
use vanguard_store::platform::audit::{self, Event};
use vanguard_store::{Actor, Db, Scope, StoreError, StoreResult};

/// What was loaded.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DuesSummary {
    pub members: usize,
    pub bills: u64,
    pub payments: usize,
    pub arrears_findings: u64,
    pub seconds: f64,
}

/// Loads the year for the region's current members.
pub async fn generate(db: &Db, region_id: i64, seed: u64) -> StoreResult<DuesSummary> {
    let started = Instant::now();
    let root = vanguard_store::org::regions(db).await?.into_iter().find(|r| r.id == region_id).ok_or(StoreError::NotFound)?;
    let actor = Actor::system("demo");
    let scope = Scope::system(region_id, &root.path, actor.clone());
    let scoped = db.scoped(&scope);
    let paths: HashMap<i64, String> = scoped.orgs().active_orgs().await?.into_iter().map(|o| (o.id, o.path)).collect();
    let members: Vec<_> = loaded_members(db, region_id, &root.path, &upper(&root.path))
        .await?
        .into_iter()
        .filter(|m| m.party_status == PartyStatus::Normal)
        .collect();
    let ids: Vec<i64> = members.iter().map(|m| m.id).collect();
    let seeds = dues_seeds(seed, &ids);
    let now = db.clock().now_ms();
    let current = Month::of(db.clock().today());
    let first = current.plus(-11);
    let bases: Vec<BaseRecord> = members
        .iter()
        .zip(&seeds)
        .map(|(m, s)| BaseRecord {
            member_id: m.id,
            base: DuesBase { category: s.category, base_fen: s.base_fen, fixed_fen: s.fixed_fen, from_month: first },
            recorded_at: now,
        })
        .collect();
    let mut tx = db.begin().await?;
    insert_bases(&mut tx, db, region_id, &bases).await?;
    tx.commit().await?;
    let mut bills = 0;
    for month in Month::range(first, current) {
        bills += scoped.dues().generate_bills(root.id, &month.key()).await?.created;
    }
    let rules = db.rules();
    let mut payments = Vec::new();
    for ((m, s), b) in members.iter().zip(&seeds).zip(&bases) {
        let Some(path) = paths.get(&m.org_id) else { continue };
        let amount = monthly_amount(&rules.dues, &b.base);
        let membership = Membership { joined_on: m.joined_on, left_on: None, suspended: false };
        for month in Month::range(first, current) {
            let back = current.since(month);
            let paid = if back == 0 { s.paid_current } else { back as u32 > s.behind };
            if !owes(&membership, month) || !paid {
                continue;
            }
            let day = 5 + m.id.rem_euclid(15) as u32;
            let on = NaiveDate::from_ymd_opt(month.year(), month.month(), day).unwrap_or_else(|| month.first_day());
            payments.push(PaymentRecord {
                member_id: m.id,
                org_id: m.org_id,
                org_path: path.clone(),
                month: Some(month),
                amount_fen: amount,
                payer: s.payer,
                payer_name: if s.payer == Payer::Entrusted { "家属".into() } else { String::new() },
                recorded_at: china_ms(on, 10 * 60).min(now),
            });
        }
    }
    let mut tx = db.begin().await?;
    insert_payments(&mut tx, region_id, &payments).await?;
    tx.commit().await?;
    let run = vanguard_store::affairs::dues_check::check_region(db, region_id, db.clock().today()).await?;
    audit::record(
        db,
        &actor,
        Event::ok("demo.dues", format!("region:{region_id}")).detail(format!(
            "{} 名党员一年的党费：账单 {} 份，交纳 {} 笔",
            members.len(),
            bills,
            payments.len()
        )),
    )
    .await?;
    Ok(DuesSummary {
        members: members.len(),
        bills,
        payments: payments.len(),
        arrears_findings: run.changes.opened,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The hook of [`crate::load::generate`]: a district gets its year of dues at once; a
/// city does not (about six million ledger entries).
pub async fn generate_for(db: &Db, scale: crate::generate::Scale, region_id: i64, seed: u64) -> StoreResult<()> {
    if scale == crate::generate::Scale::District {
        generate(db, region_id, seed).await?;
    }
    Ok(())
}
