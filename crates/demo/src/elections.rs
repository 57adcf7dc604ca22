//! 换届 in a demo region: the generator already leaves about 6 % of the committees past
//! their term and others due within months (see `generate::orgs`); this backs a few of
//! them with election records through the store — overdue ones asking the 上级 for a
//! delayed election (one already approved), due ones asking on time — so the workbench's
//! 待我审批 queue and an org's 换届选举 page have something to show. Deterministic: the
//! orgs are taken in id order.

use chrono::Months;
use vanguard_domain::affairs::election::ElectionRequestInput;
use vanguard_domain::org::OrgKind;
use vanguard_store::{Actor, Db, Scope, StoreError, StoreResult};

/// How many elections of each kind the demo records.
const EACH: usize = 3;

/// Records the demo's elections for the region; answers how many were asked.
pub async fn generate(db: &Db, region_id: i64) -> StoreResult<usize> {
    let root = vanguard_store::org::regions(db).await?.into_iter().find(|r| r.id == region_id).ok_or(StoreError::NotFound)?;
    // Two accounts: the branch's (asks) and the 上级's (approves) — never the same one.
    let asker = Scope::system(region_id, &root.path, Actor { account_id: 1, name: "演示支部书记".into(), ip: "local".into() });
    let approver = Scope::system(region_id, &root.path, Actor { account_id: 2, name: "演示上级党委".into(), ip: "local".into() });
    let today = db.clock().today();
    let mut orgs = db.scoped(&asker).orgs().active_orgs().await?;
    orgs.sort_by_key(|o| o.id);
    let (mut overdue, mut due) = (0, 0);
    for o in orgs.iter().filter(|o| o.parent_id.is_some() && o.kind() != OrgKind::Group) {
        let Some(end) = o.fields().term_ends_on() else { continue };
        let latest = end.checked_add_months(Months::new(db.rules().elections.max_delay_months)).unwrap_or(end);
        let planned = today.checked_add_months(Months::new(1)).unwrap_or(today);
        let (reason, approve) = if end < today && planned <= latest && overdue < EACH {
            overdue += 1;
            ("本届任期已届满，因班子成员调整，申请延期换届", overdue == 1)
        } else if end >= today && end <= today.checked_add_months(Months::new(3)).unwrap_or(today) && due < EACH {
            due += 1;
            ("本届任期即将届满，申请按期召开党员大会换届", false)
        } else {
            continue;
        };
        // A due committee plans its vote by the term's end (on time); an overdue one today (a delay).
        let planned = planned.min(end.max(today));
        let input = ElectionRequestInput { planned_on: planned.to_string(), seats: 5, reason: reason.into() };
        let e = db.scoped(&asker).elections().request_election(o.id, &input).await?;
        if approve {
            db.scoped(&approver).elections().decide_election_request(e.id, true, "").await?;
        }
        if overdue == EACH && due == EACH {
            break;
        }
    }
    Ok(overdue + due)
}
