//! Loads 三亮三比 and 挂职 into a demo district, through the store's own functions,
//! after the members are in. The street second by name (the demo accounts' branch, in
//! the first street, is left for the portal's own commitment): its members write the
//! year's commitment (every ninth does not — the missing ones the rules engine reports;
//! every seventh is still waiting for the branch), the branch approves the others;
//! every fifth gets a label of a kind its branch's 领域 allows, every fourth a 比 record
//! (source `demo`); the street's first two branches publish their page. Ten cadres of
//! the street are seconded to branches of other streets over the last two years: some
//! serving with reports (one overdue), some ended and evaluated, one recalled.
//!
//! Deterministic: members in the order of their branch's path, name and joining date;
//! every date relative to the day of the load.

use chrono::{Days, Months};
use vanguard_domain::kernel::auth::{Reach, Role};
use vanguard_domain::kernel::time::date_text;
use vanguard_domain::member::{Flow, PartyStatus};
use vanguard_domain::org::{OrgKind, path::upper};
use vanguard_domain::service::pledge::{CompareInput, CompareKind};
use vanguard_domain::service::secondment::SecondmentInput;
use vanguard_store::member::bulk::loaded_members;
use vanguard_store::service::pledge::PledgeLabelInput;
use vanguard_store::service::secondment::SecondmentStep;
use vanguard_store::{Actor, Db, Scope, StoreError, StoreResult};

/// What was loaded.
#[derive(Debug, Clone, Default)]
pub struct PledgeSummary {
    pub commitments: usize,
    pub labels: usize,
    pub records: usize,
    pub published: usize,
    pub secondments: usize,
}

const PROMISES: [&str; 5] = [
    "带头做好本职工作，群众办事一次办好",
    "每月参加一次志愿服务，结对帮扶一户困难家庭",
    "当好楼道长，邻里矛盾不出楼道",
    "带头学习，每月完成学习任务并交流心得",
    "带头参与垃圾分类和文明创建，做好宣传",
];
const DEEDS: [(&str, &str); 3] = [
    ("为社区独居老人上门服务", "社区志愿服务台账"),
    ("窗口服务零差评，获季度服务之星", "单位季度考核通报"),
    ("组织党员捐款帮扶困难群众", "捐款收据及公示照片"),
];

/// Loads the district's 三亮三比 and secondments.
pub async fn generate(db: &Db, region_id: i64) -> StoreResult<PledgeSummary> {
    let root = vanguard_store::org::regions(db).await?.into_iter().find(|r| r.id == region_id).ok_or(StoreError::NotFound)?;
    let branch_scope =
        Scope::system(region_id, &root.path, Actor { account_id: 1, name: "演示：党支部".into(), ip: "local".into() });
    let recv_scope =
        Scope::system(region_id, &root.path, Actor { account_id: 2, name: "演示：挂职单位".into(), ip: "local".into() });
    let s = db.scoped(&branch_scope);
    let orgs = s.orgs().active_orgs().await?;
    let mut streets: Vec<_> = orgs.iter().filter(|o| o.kind == OrgKind::WorkCommittee).collect();
    streets.sort_by(|a, b| a.name.cmp(&b.name));
    let Some(street) = streets.get(1) else { return Ok(PledgeSummary::default()) };
    let mut members: Vec<_> = loaded_members(db, region_id, &street.path, &upper(&street.path))
        .await?
        .into_iter()
        .filter(|m| m.flow == Flow::None && m.lost_contact_since.is_none() && m.party_status == PartyStatus::Normal)
        .collect();
    let path_of = |org_id: i64| orgs.iter().find(|o| o.id == org_id).map(|o| o.path.clone()).unwrap_or_default();
    members.sort_by(|a, b| (path_of(a.org_id), &a.name, a.joined_on).cmp(&(path_of(b.org_id), &b.name, b.joined_on)));
    let today = db.clock().today();
    let mut out = PledgeSummary::default();
    for (i, m) in members.iter().enumerate() {
        if i % 9 != 8 {
            let me = Scope {
                actor: Actor { account_id: 10_000_000 + m.id % 1_000_000, name: m.name.clone(), ip: "local".into() },
                role: Role::Member,
                region_id,
                reach: Reach::OwnRecord { member_id: m.id, branch_path: path_of(m.org_id) },
                member_id: Some(m.id),
                scope_org_id: None,
            };
            let c = db.scoped(&me).pledges().write_commitment(PROMISES[i % PROMISES.len()]).await?;
            out.commitments += 1;
            if let (Some(id), true) = (c.id, i % 7 != 6) {
                s.pledges().review(id, true, "").await?;
            }
        }
        let branch = orgs.iter().find(|o| o.id == m.org_id);
        if let (0, Some(b)) = (i % 5, branch)
            && let Some(kind) = db.rules().pledges.kinds_for(b.sector).first()
        {
            let post = match kind.code() {
                "household" => format!("{}号", 1 + i % 30),
                _ => "服务窗口".to_string(),
            };
            let input = PledgeLabelInput { member_id: m.id, kind: kind.code().into(), post };
            s.pledges().grant_label(b.id, &input).await?;
            out.labels += 1;
        }
        if i % 4 == 1 {
            let kind = [CompareKind::Service, CompareKind::Performance, CompareKind::Contribution][i % 3];
            let (what, evidence) = DEEDS[i % 3];
            let on = today.checked_sub_days(Days::new(7 + (i as u64 * 13) % 200)).unwrap_or(today);
            let input =
                CompareInput { kind: kind.code().into(), on: date_text(on), what: what.into(), evidence: evidence.into() };
            s.pledges().add_record(m.id, &input, "demo").await?;
            out.records += 1;
        }
    }
    let mut branches: Vec<i64> = members.iter().map(|m| m.org_id).collect();
    branches.dedup();
    for b in branches.iter().take(2) {
        s.pledges().set_published(*b, true).await?;
        out.published += 1;
    }

    // Ten cadres to branches of the other streets.
    let targets: Vec<_> = orgs
        .iter()
        .filter(|o| o.kind.is_branch() && o.kind != OrgKind::MobileBranch && !o.path.starts_with(&street.path))
        .collect();
    let recv = db.scoped(&recv_scope);
    for (k, m) in members.iter().rev().take(10).enumerate() {
        let Some(to) = targets.get((k * 7) % targets.len().max(1)) else { break };
        let start = today.checked_sub_months(Months::new(2 + 2 * k as u32)).unwrap_or(today);
        let input = SecondmentInput {
            member_id: m.id,
            to_org_id: to.id,
            starts_on: date_text(start),
            ends_on: String::new(),
            post: if k % 2 == 0 {
                "村（社区）党组织第一书记".into()
            } else {
                "党组织副书记（挂职）".into()
            },
            duties: "抓党建促基层治理，协助推进重点项目".into(),
        };
        let id = s.secondments().create(&input).await?.secondment.id;
        out.secondments += 1;
        // Reports every quarter up to today, except the fourth cadre's last one (overdue).
        let mut on = start.checked_add_months(Months::new(3)).unwrap_or(start);
        while on <= today && on < start.checked_add_months(Months::new(12)).unwrap_or(start) {
            let late = k == 3 && on.checked_add_months(Months::new(3)).is_none_or(|n| n > today);
            if !late {
                let step = SecondmentStep {
                    step: "report".into(),
                    on: date_text(on),
                    text: "季度工作汇报".into(),
                    grade: String::new(),
                };
                s.secondments().step(id, &step).await?;
            }
            on = on.checked_add_months(Months::new(3)).unwrap_or(today + Days::new(1));
        }
        let ended = start.checked_add_months(Months::new(12)).is_some_and(|e| e <= today);
        if ended {
            let end = SecondmentStep { step: "end".into(), ..Default::default() };
            s.secondments().step(id, &end).await?;
            if k % 3 != 0 {
                let eval = SecondmentStep {
                    step: "evaluate".into(),
                    text: "圆满完成挂职任务".into(),
                    grade: "good".into(),
                    ..Default::default()
                };
                recv.secondments().step(id, &eval).await?;
            }
        } else if k == 1 {
            let recall = SecondmentStep {
                step: "recall".into(), text: "原单位工作需要，提前召回".into(), ..Default::default()
            };
            s.secondments().step(id, &recall).await?;
        }
    }
    Ok(out)
}
