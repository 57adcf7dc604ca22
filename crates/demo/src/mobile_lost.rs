//! Loads 流动党员 and 失联党员 into a demo district, through the store's own functions
//! (registrations, the e支部's meetings, lost-contact steps), after the members are in:
//! the first street gets its 流动党员党支部 (e支部) with 3 members of its own; 8 of the
//! street's members are registered away (some 6 months or more: a transfer is due) and
//! belong to the e支部; 5 are lost, at different steps (searching, due for 停止党籍,
//! suspended, due for 除名).
//!
//! Deterministic: members are picked in the order of their branch's name, their name and
//! their joining date, and every date is relative to the day of the load. The generated
//! district itself (and its golden digest) is unchanged.

use chrono::{Datelike, Days, Months, NaiveDate};
use std::collections::HashMap;
use vanguard_domain::affairs::lost_contact::LostEntryInput;
use vanguard_domain::affairs::mobile::MobileInput;
use vanguard_domain::kernel::time::date_text;
use vanguard_domain::member::{Flow, PartyStatus};
use vanguard_domain::org::{OrgInput, OrgKind, path::upper};
use vanguard_store::member::bulk::loaded_members;
use vanguard_store::{Actor, Db, Scope, StoreError, StoreResult};

/// What was loaded.
#[derive(Debug, Clone, Default)]
pub struct MobileLostSummary {
    pub e_branch: Option<i64>,
    pub mobile: usize,
    pub lost: usize,
}

const PLACES: [&str; 4] = ["杭州市西湖区", "上海市浦东新区", "苏州工业园区", "深圳市南山区"];
const REASONS: [&str; 3] = ["外出务工", "经商", "随子女居住"];

fn entry(on: NaiveDate, text: &str) -> LostEntryInput {
    LostEntryInput { on: date_text(on), text: text.into() }
}

/// Loads the street's e支部, its mobile members and the lost members of a district.
pub async fn generate(db: &Db, region_id: i64) -> StoreResult<MobileLostSummary> {
    let root = vanguard_store::org::regions(db).await?.into_iter().find(|r| r.id == region_id).ok_or(StoreError::NotFound)?;
    let branch_actor = Actor { account_id: 1, name: "演示：党支部".into(), ip: "local".into() };
    let parent_actor = Actor { account_id: 2, name: "演示：上级党组织".into(), ip: "local".into() };
    let branch_scope = Scope::system(region_id, &root.path, branch_actor);
    let parent_scope = Scope::system(region_id, &root.path, parent_actor);
    let s = db.scoped(&branch_scope);
    let orgs = s.orgs().active_orgs().await?;
    let mut streets: Vec<_> = orgs.iter().filter(|o| o.kind == OrgKind::WorkCommittee).collect();
    streets.sort_by(|a, b| a.name.cmp(&b.name));
    let Some(street) = streets.first() else { return Ok(MobileLostSummary::default()) };
    let names: HashMap<i64, String> = orgs.iter().map(|o| (o.id, o.name.clone())).collect();
    let mut members: Vec<_> = loaded_members(db, region_id, &street.path, &upper(&street.path))
        .await?
        .into_iter()
        .filter(|m| m.flow == Flow::None && m.lost_contact_since.is_none() && m.party_status == PartyStatus::Normal)
        .collect();
    // From the end of the order: the demo accounts are bound to the street's first branch.
    members.sort_by(|a, b| (names.get(&b.org_id), &b.name, b.joined_on).cmp(&(names.get(&a.org_id), &a.name, a.joined_on)));
    if members.len() < 16 {
        return Ok(MobileLostSummary::default());
    }
    let input = OrgInput {
        name: Some(format!("{}流动党员党支部", street.name.trim_end_matches("党工委"))),
        kind: Some(OrgKind::MobileBranch.label().into()),
        sector: Some("社区".into()),
        ..Default::default()
    };
    let e = s.orgs().create_org(street.id, &input).await?.id;
    for m in &members[..3] {
        s.members().move_member(m.id, e, None).await?;
    }
    let today = db.clock().today();
    let mut mobile = 0;
    for (i, m) in members[3..11].iter().enumerate() {
        // Away 1 to 10 months: the longer ones owe a formal transfer.
        let since = today.checked_sub_days(Days::new(30 + 38 * i as u64)).unwrap_or(today);
        let input = MobileInput {
            place: PLACES[i % PLACES.len()].into(),
            reason: REASONS[i % REASONS.len()].into(),
            since: date_text(since),
            certificate_no: format!("LD{}{:02}{:03}", since.year(), since.month(), i + 1),
            issuing_org: names.get(&m.org_id).cloned().unwrap_or_default(),
            valid_from: date_text(since),
            valid_until: date_text(since.checked_add_months(Months::new(12)).unwrap_or(since)),
            e_branch_id: Some(e),
        };
        s.mobile().register(m.id, &input).await?;
        mobile += 1;
    }
    let l = s.lost_contacts();
    let p = db.scoped(&parent_scope);
    let p = p.lost_contacts();
    let months = [2u32, 5, 8, 14, 40];
    for (m, back) in members[11..16].iter().zip(months) {
        let since = today.checked_sub_months(Months::new(back)).unwrap_or(today);
        let id = l.record(m.id, &entry(since, "电话无人接听，原住址已搬离")).await?.case.id;
        let searched = since.checked_add_days(Days::new(20)).unwrap_or(since).min(today);
        l.search(id, &entry(searched, "走访原工作单位、联系亲属，均未找到本人")).await?;
        if back >= 14 {
            let due = since.checked_add_months(Months::new(6)).unwrap_or(since);
            l.propose(id, &entry(due, "支部党员大会表决通过，决定停止其党籍")).await?;
            p.approve(id, true, &entry(due, "上级党组织批准停止党籍")).await?;
        }
    }
    Ok(MobileLostSummary { e_branch: Some(e), mobile, lost: months.len() })
}
