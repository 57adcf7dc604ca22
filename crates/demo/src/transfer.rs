//! A few 组织关系接转 in the demo district, written through the store's own transfer
//! functions (so each step is checked and audited as a real one): one completed (accepted
//! and its 回执 recorded), one in transit, one waiting for the 转出审批 and one to an org
//! outside the city in transit. Deterministic: the members are the first ones of the
//! district's last branches (away from the demo accounts' branch), the receiving branch
//! the district's first.

use vanguard_domain::affairs::transfer::TransferInput;
use vanguard_domain::member::PartyStatus;
use vanguard_domain::org::path::upper;
use vanguard_store::affairs::TransferDecision;
use vanguard_store::member::bulk::loaded_members;
use vanguard_store::{Actor, Db, Scope, StoreError, StoreResult};

/// The demo's transfers: (to an org outside the city, the last step taken).
const PLAN: [(bool, &str); 4] = [(false, "receipt"), (false, "approve"), (false, ""), (true, "approve")];

/// Loads the transfers for a district-scale region.
pub async fn generate_for(db: &Db, scale: crate::generate::Scale, region_id: i64) -> StoreResult<()> {
    if scale == crate::generate::Scale::District {
        generate(db, region_id).await?;
    }
    Ok(())
}

fn step(action: &str) -> TransferDecision {
    TransferDecision { action: action.into(), ..Default::default() }
}

/// Writes [`PLAN`] into the region.
pub async fn generate(db: &Db, region_id: i64) -> StoreResult<()> {
    let root = vanguard_store::org::regions(db).await?.into_iter().find(|r| r.id == region_id).ok_or(StoreError::NotFound)?;
    let as_actor = |id: i64, name: &str| {
        Scope::system(region_id, &root.path, Actor { account_id: id, name: name.into(), ip: "local".into() })
    };
    let sender = as_actor(0, "演示数据（支部）");
    let approver = as_actor(-1, "演示数据（上级党委）");
    let receiver = as_actor(-2, "演示数据（接收党支部）");
    let branches: Vec<_> = db.scoped(&sender).orgs().active_orgs().await?.into_iter().filter(|o| o.kind().is_branch()).collect();
    let Some(to) = branches.first() else { return Ok(()) };
    let members = loaded_members(db, region_id, &root.path, &upper(&root.path)).await?;
    let mut chosen = Vec::new();
    for b in branches.iter().rev().take(PLAN.len()) {
        if let Some(m) = members.iter().find(|m| m.org_id == b.id && m.party_status == PartyStatus::Normal) {
            chosen.push(m.id);
        }
    }
    for (member_id, (outside, until)) in chosen.into_iter().zip(PLAN) {
        let input = TransferInput {
            member_id,
            to_org_id: if outside { 0 } else { to.id },
            to_external: if outside { "上海市徐汇区某街道党工委".into() } else { String::new() },
            valid_days: String::new(),
            reason: if outside { "户籍迁移".into() } else { "工作调动".into() },
        };
        let t = db.scoped(&sender).transfers().initiate(&input).await?;
        if until.is_empty() {
            continue;
        }
        db.scoped(&approver).transfers().decide(t.id, &step("approve")).await?;
        if until == "receipt" {
            db.scoped(&receiver).transfers().decide(t.id, &step("accept")).await?;
            db.scoped(&sender).transfers().decide(t.id, &step("receipt")).await?;
        }
    }
    Ok(())
}
