//! Loads generated demo data ([`crate::generate`]) in bulk through the store's bulk
//! functions: large transactions, members streamed branch by branch so a city never sits
//! in memory.

use crate::generate::{MemberGenerator, MemberSeed, OrgSeed, Scale, generate_orgs};
use vanguard_domain::kernel::auth::Role;
use vanguard_domain::member::Category;
use vanguard_domain::org::path;
use vanguard_store::account::{NewAccount, create_demo_account};
use vanguard_store::member::bulk::{NewMemberRecord, insert_identities, insert_members};
use vanguard_store::org::bulk::{NewOrgRecord, insert_orgs, insert_region, set_branch_counters, set_leader};
use vanguard_store::platform::audit::{self, Event};
use vanguard_store::platform::ids;
use vanguard_store::{Actor, Db, StoreError, StoreResult};

/// The password of every demo account (demo mode only; printed at start and in README).
pub const DEMO_PASSWORD: &str = "Demo@2026";

/// What was generated.
#[derive(Debug, Clone, Default)]
pub struct DemoSummary {
    pub region_id: i64,
    pub root_name: String,
    pub orgs: usize,
    pub branches: usize,
    pub members: usize,
    /// (username, role, what it reaches).
    pub accounts: Vec<(String, Role, String)>,
}

struct PlacedOrg {
    id: i64,
    path: String,
    depth: i64,
}

const MEMBER_CHUNK: usize = 2_000;

/// Generates a demo district or city into an empty database. `progress(done, total)`
/// counts members.
pub async fn generate(db: &Db, scale: Scale, seed: u64, mut progress: impl FnMut(u64, u64)) -> StoreResult<DemoSummary> {
    if !vanguard_store::org::regions(db).await?.is_empty() {
        return Err(StoreError::conflict("demo.not_empty", "数据库中已有党组织数据，演示数据只能生成到空数据库中"));
    }
    let today = db.clock().today();
    let now = db.clock().now_ms();
    // Demo accounts share a published password, so a second factor protects nothing
    // here and would only stand in the way of trying the platform: the demo's rules
    // turn it off for administrators and 支部书记 (a production install keeps the defaults, on).
    if db.rules().login.second_factor_for_admins || db.rules().login.second_factor_for_secretaries {
        let mut rules = (*db.rules()).clone();
        rules.version += 1;
        rules.login.second_factor_for_admins = false;
        rules.login.second_factor_for_secretaries = false;
        let mut tx = db.begin().await?;
        vanguard_store::platform::rules::save(&mut tx, &rules, now).await?;
        tx.commit().await?;
        db.set_rules(rules);
    }
    let seeds = generate_orgs(scale, seed, today);
    let mut placed: Vec<PlacedOrg> = Vec::with_capacity(seeds.len());
    for s in &seeds {
        let id = ids::next();
        let (p, depth) = match s.parent {
            None => (path::root(id), 0),
            Some(pi) => (path::child(&placed[pi].path, id), placed[pi].depth + 1),
        };
        placed.push(PlacedOrg { id, path: p, depth });
    }
    let region_id = placed.first().map(|p| p.id).ok_or_else(|| StoreError::Other("演示数据生成器没有产生党组织".into()))?;
    let mut tx = db.begin().await?;
    insert_region(&mut tx, region_id, &seeds[0].name, now).await?;
    let records: Vec<NewOrgRecord> = seeds
        .iter()
        .zip(&placed)
        .map(|(s, p)| NewOrgRecord {
            id: p.id,
            parent_id: s.parent.map(|i| placed[i].id),
            path: p.path.clone(),
            depth: p.depth,
            name: s.name.clone(),
            kind: s.kind,
            sector: s.sector,
            established_on: s.established_on,
            term_started_on: s.term_started_on,
            term_years: s.term_years,
        })
        .collect();
    insert_orgs(&mut tx, region_id, now, &records).await?;
    tx.commit().await?;

    let branches: Vec<usize> = seeds.iter().enumerate().filter(|(_, s)| s.kind.is_branch()).map(|(i, _)| i).collect();
    // Rough total for progress: 20 members per branch.
    let estimate = (branches.len() as u64) * 20;
    let mut generator = MemberGenerator::new(seed, today);
    let crypto = db.crypto().clone();
    let mut pending: Vec<NewMemberRecord> = Vec::with_capacity(MEMBER_CHUNK * 2);
    let mut counters: Vec<(i64, i64, i64, Option<i64>)> = Vec::with_capacity(branches.len());
    let mut members_total = 0usize;
    // 党小组长, kept as the group's secretary_member_id.
    let mut group_leaders: Vec<(i64, i64)> = Vec::new();
    let mut picks: Picks = Picks::default();
    let mut tx = db.begin().await?;
    let mut in_tx = 0usize;
    for &bi in &branches {
        let ms = generator.members_of(&seeds, bi);
        let mut count = 0i64;
        let mut formal = 0i64;
        let mut secretary = None;
        for m in ms {
            let id = ids::next();
            let f = &m.fields;
            count += 1;
            formal += i64::from(f.category == Category::Formal);
            if m.is_secretary {
                secretary = Some(id);
            }
            if let (true, Some(g)) = (m.is_group_leader, m.group) {
                group_leaders.push((placed[g].id, id));
            }
            picks.observe(bi, &m, id, &seeds);
            let path = match m.group {
                Some(g) => placed[g].path.clone(),
                None => placed[bi].path.clone(),
            };
            pending.push(NewMemberRecord {
                id,
                org_id: placed[bi].id,
                group_id: m.group.map(|g| placed[g].id),
                org_path: path,
                fields: m.fields,
            });
            if pending.len() >= MEMBER_CHUNK {
                insert_members(&mut tx, &crypto, region_id, now, &pending).await?;
                insert_identities(&mut tx, &crypto, region_id, &pending).await?;
                members_total += pending.len();
                in_tx += pending.len();
                pending.clear();
                progress(members_total as u64, estimate.max(members_total as u64));
                if in_tx >= 50_000 {
                    tx.commit().await?;
                    tx = db.begin().await?;
                    in_tx = 0;
                }
            }
        }
        counters.push((placed[bi].id, count, formal, secretary));
    }
    if !pending.is_empty() {
        insert_members(&mut tx, &crypto, region_id, now, &pending).await?;
        insert_identities(&mut tx, &crypto, region_id, &pending).await?;
        members_total += pending.len();
        pending.clear();
    }
    for (org_id, count, formal, secretary) in &counters {
        set_branch_counters(&mut tx, region_id, *org_id, *count, *formal, *secretary, *formal >= 7).await?;
    }
    for (group_id, leader) in &group_leaders {
        set_leader(&mut tx, region_id, *group_id, *leader).await?;
    }
    tx.commit().await?;
    progress(members_total as u64, members_total as u64);

    let actor = Actor::system("demo");
    audit::record(
        db,
        &actor,
        Event::ok("demo.generate", format!("region:{region_id}")).detail(format!(
            "{} 个党组织，{} 名党员",
            seeds.len(),
            members_total
        )),
    )
    .await?;
    let accounts = create_demo_accounts(db, &actor, &seeds, &placed, &picks).await?;
    crate::history::generate_for(db, scale, region_id, seed).await?;
    crate::dues::generate_for(db, scale, region_id, seed).await?;
    crate::elections::generate(db, region_id).await?;
    crate::transfer::generate_for(db, scale, region_id).await?;
    if scale == crate::generate::Scale::District {
        crate::mobile_lost::generate(db, region_id).await?;
    }
    Ok(DemoSummary {
        region_id,
        root_name: seeds[0].name.clone(),
        orgs: seeds.len(),
        branches: branches.len(),
        members: members_total,
        accounts,
    })
}

/// The members and orgs the demo accounts are bound to: the first street-level
/// committee, its first branch with groups, that branch's secretary, a group leader and
/// an ordinary member.
#[derive(Default)]
struct Picks {
    branch: Option<usize>,
    secretary: Option<i64>,
    group: Option<usize>,
    group_leader: Option<i64>,
    member: Option<i64>,
}

impl Picks {
    fn observe(&mut self, branch: usize, m: &MemberSeed, id: i64, seeds: &[OrgSeed]) {
        if self.branch.is_none() && m.group.is_some() && seeds[branch].kind == vanguard_domain::org::OrgKind::Branch {
            self.branch = Some(branch);
        }
        if self.branch != Some(branch) {
            return;
        }
        if m.is_secretary && self.secretary.is_none() {
            self.secretary = Some(id);
        } else if m.is_group_leader && self.group_leader.is_none() {
            self.group_leader = Some(id);
            self.group = m.group;
        } else if !m.is_secretary
            && !m.is_group_leader
            && self.member.is_none()
            && m.group.is_some()
            && self.group.is_some()
            && m.group == self.group
        {
            self.member = Some(id);
        }
    }
}

async fn create_demo_accounts(
    db: &Db,
    actor: &Actor,
    seeds: &[OrgSeed],
    placed: &[PlacedOrg],
    picks: &Picks,
) -> StoreResult<Vec<(String, Role, String)>> {
    let branch = picks.branch.ok_or_else(|| StoreError::Other("演示数据中没有设党小组的党支部".into()))?;
    // The committee above the branch at depth 1 (a 街道/镇 党(工)委 or a system committee).
    let committee = {
        let mut i = branch;
        while let Some(p) = seeds[i].parent {
            if placed[p].depth == 1 {
                i = p;
                break;
            }
            i = p;
        }
        i
    };
    // (username, role, scope org, member, what it reaches)
    type Plan<'a> = (&'a str, Role, Option<i64>, Option<i64>, String);
    let plan: Vec<Plan> = vec![
        ("sysadmin", Role::SysAdmin, None, None, "账户与设置（不含党员数据）".into()),
        ("auditor", Role::Auditor, None, None, "审计日志".into()),
        ("secadmin", Role::SecAdmin, None, None, "角色授权审批与安全告警（不含党员数据）".into()),
        ("orgadmin", Role::OrgDeptAdmin, Some(placed[0].id), None, seeds[0].name.clone()),
        ("committee", Role::CommitteeAdmin, Some(placed[committee].id), None, seeds[committee].name.clone()),
        ("secretary", Role::BranchSecretary, Some(placed[branch].id), picks.secretary, seeds[branch].name.clone()),
        (
            "groupleader",
            Role::GroupLeader,
            picks.group.map(|g| placed[g].id),
            picks.group_leader,
            picks.group.map(|g| format!("{} {}", seeds[branch].name, seeds[g].name)).unwrap_or_default(),
        ),
        ("member", Role::Member, None, picks.member, format!("{}（本人）", seeds[branch].name)),
    ];
    let mut out = Vec::new();
    for (username, role, scope, member, reach) in plan {
        let new = NewAccount {
            username: username.into(),
            display_name: format!("演示{}", role.label()),
            role,
            scope_org_id: scope,
            member_id: member,
            password: Some(DEMO_PASSWORD.into()),
        };
        create_demo_account(db, actor, &new).await?;
        out.push((username.to_string(), role, reach));
    }
    Ok(out)
}
