//! Store tests: every case runs on SQLite and on PostgreSQL (see `testkit`).

use chrono::NaiveDate;
use vanguard_domain::kernel::auth::{Reach, Role};
use vanguard_domain::kernel::paging::{LAST, PageQuery, PageRequest};
use vanguard_domain::kernel::time::date_text;
use vanguard_domain::member::MemberInput;
use vanguard_domain::member::idcard::compose;
use vanguard_domain::org::{OrgInput, OrgKind, Sector};
use vanguard_store::member::{Leave, MemberFilter, NewMember};
use vanguard_store::org::OrgRow;
use vanguard_store::platform::audit::{self, ChainProblem};
use vanguard_store::{Actor, Db, Scope, StoreError};
use vanguard_testkit::{TestDb, backends};

#[path = "store/dues.rs"]
mod dues;
#[path = "store/election.rs"]
mod election;
#[path = "store/export.rs"]
mod export;
#[path = "store/learning.rs"]
mod learning;
#[path = "store/mobile_lost.rs"]
mod mobile_lost;
#[path = "store/ops.rs"]
mod ops;
#[path = "store/orglife.rs"]
mod orglife;
#[path = "store/pledge.rs"]
mod pledge;
#[path = "store/recruit.rs"]
mod recruit;
#[path = "store/rectification.rs"]
mod rectification;
#[path = "store/schema.rs"]
mod schema;
#[path = "store/secure.rs"]
mod secure;
#[path = "store/study_hours.rs"]
mod study_hours;
#[path = "store/transfer.rs"]
mod transfer;
#[path = "store/upload.rs"]
mod upload;

/// Every audit record matching `f`, newest first, read page by page along the cursors
/// (the one list envelope; no page holds more than 200).
async fn audit_rows(db: &Db, f: &audit::AuditFilter) -> Vec<audit::AuditRow> {
    let mut out = Vec::new();
    let mut req = PageRequest::first(200);
    loop {
        let page = audit::list(db, f, &req).await.unwrap();
        out.extend(page.items);
        let Some(next) = page.next else { return out };
        req = PageRequest::from_query(&PageQuery { cursor: Some(next), limit: Some(200), page: None }).unwrap();
    }
}

struct Tree {
    root: OrgRow,
    street: i64,
    branch_a: i64,
    branch_b: i64,
    group_a: i64,
    other_street: i64,
}

fn system(root: &OrgRow) -> Scope {
    Scope::system(root.region_id, &root.path, Actor::system("test"))
}

fn subtree_scope(root: &OrgRow, org_path: &str, role: Role) -> Scope {
    Scope {
        actor: Actor { account_id: 99, name: "tester".into(), ip: "127.0.0.1".into() },
        role,
        region_id: root.region_id,
        reach: Reach::Subtree { root_path: org_path.to_string() },
        member_id: None,
        scope_org_id: None,
    }
}

fn org(name: &str, kind: &str, sector: &str) -> OrgInput {
    OrgInput { name: Some(name.into()), kind: Some(kind.into()), sector: Some(sector.into()), ..Default::default() }
}

async fn tree(db: &Db) -> Tree {
    let mut tx = db.begin().await.unwrap();
    let root = vanguard_store::org::create_root(db, &mut tx, "中共测试区委员会", OrgKind::Committee, Sector::Government, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let sys = system(&root);
    let s = db.scoped(&sys);
    let street = s.orgs().create_org(root.id, &org("甲街道党工委", "党工委", "机关")).await.unwrap().id;
    let other_street = s.orgs().create_org(root.id, &org("乙街道党工委", "党工委", "机关")).await.unwrap().id;
    let branch_a = s.orgs().create_org(street, &org("槐树社区第一党支部", "党支部", "社区")).await.unwrap().id;
    let branch_b = s.orgs().create_org(street, &org("槐树社区第二党支部", "党支部", "社区")).await.unwrap().id;
    let group_a = s.orgs().create_org(branch_a, &org("第一党小组", "党小组", "社区")).await.unwrap().id;
    Tree { root, street, branch_a, branch_b, group_a, other_street }
}

fn member(name: &str, seq: u16, org_id: i64) -> NewMember {
    let birth = NaiveDate::from_ymd_opt(1980, 1, 1).unwrap() + chrono::Days::new(u64::from(seq));
    NewMember {
        org_id,
        group_id: None,
        fields: MemberInput {
            name: Some(name.into()),
            ethnicity: Some("汉族".into()),
            id_number: Some(compose("330205", birth, seq * 2 + 1)),
            phone: Some(format!("138{:08}", seq)),
            joined_on: Some("2005-07-01".into()),
            confirmed_on: Some("2006-07-01".into()),
            category: Some("正式党员".into()),
            ..Default::default()
        },
    }
}

async fn each_backend() -> Vec<TestDb> {
    backends().await
}

#[tokio::test]
async fn nesting_rules_refuse_a_group_under_a_committee() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let err = t.db.scoped(&sys).orgs().create_org(tr.street, &org("第九党小组", "党小组", "其他")).await.unwrap_err();
        assert!(matches!(&err, StoreError::Invalid(i) if i.has("kind.nesting")), "{}: {err:?}", t.backend);
    }
}

#[tokio::test]
async fn sibling_orgs_cannot_share_a_name() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let err = t.db.scoped(&sys).orgs().create_org(tr.street, &org("槐树社区第一党支部", "党支部", "社区")).await.unwrap_err();
        assert!(matches!(&err, StoreError::Invalid(i) if i.has("name.duplicate")), "{}: {err:?}", t.backend);
    }
}

#[tokio::test]
async fn moving_a_subtree_moves_its_orgs_members_and_scopes() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let mut m = member("张三", 1, tr.branch_a);
        m.group_id = Some(tr.group_a);
        let m = s.members().create_member(&m).await.unwrap();
        let street_row = s.orgs().org(tr.street).await.unwrap();
        let street_admin = subtree_scope(&tr.root, &street_row.path, Role::CommitteeAdmin);
        assert!(t.db.scoped(&street_admin).members().member(m.id).await.is_ok());

        s.orgs().move_org(tr.branch_a, tr.other_street).await.unwrap();

        let moved = s.orgs().org(tr.branch_a).await.unwrap();
        let other = s.orgs().org(tr.other_street).await.unwrap();
        assert!(moved.path.starts_with(&other.path), "{}", t.backend);
        assert_eq!(moved.depth, other.depth + 1);
        let group = s.orgs().org(tr.group_a).await.unwrap();
        assert!(group.path.starts_with(&moved.path));
        assert_eq!(group.depth, moved.depth + 1);
        // The old street's admin loses the branch and its member at once.
        assert!(matches!(t.db.scoped(&street_admin).members().member(m.id).await, Err(StoreError::NotFound)));
        assert!(matches!(t.db.scoped(&street_admin).orgs().org(tr.branch_a).await, Err(StoreError::NotFound)));
        let other_admin = subtree_scope(&tr.root, &other.path, Role::CommitteeAdmin);
        assert_eq!(t.db.scoped(&other_admin).members().member(m.id).await.unwrap().name, "张三");
        // Counts follow the subtree.
        let counts = s.orgs().subtree_counts(&other).await.unwrap();
        assert_eq!(counts.members, 1);
        assert_eq!(s.orgs().subtree_counts(&street_row).await.unwrap().members, 0);
    }
}

#[tokio::test]
async fn an_org_cannot_move_under_its_own_descendant() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let err = t.db.scoped(&sys).orgs().move_org(tr.street, tr.branch_a).await.unwrap_err();
        assert!(matches!(&err, StoreError::Invalid(i) if i.has("move.into_own_subtree")), "{}: {err:?}", t.backend);
    }
}

#[tokio::test]
async fn nobody_moves_or_dissolves_their_own_scope_root() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let street = t.db.scoped(&sys).orgs().org(tr.street).await.unwrap();
        let admin = subtree_scope(&tr.root, &street.path, Role::CommitteeAdmin);
        let err = t.db.scoped(&admin).orgs().dissolve_org(tr.street, None).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict { code: "org.dissolve_scope_root", .. }), "{}", t.backend);
    }
}

#[tokio::test]
async fn dissolving_is_refused_while_members_remain_and_allowed_after_they_leave() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let m = s.members().create_member(&member("李四", 2, tr.branch_b)).await.unwrap();
        let err = s.orgs().dissolve_org(tr.branch_b, None).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict { code: "org.has_members", .. }), "{}", t.backend);
        s.members()
            .archive_member(m.id, &Leave { reason: "died".into(), left_on: "2026-01-02".into(), note: String::new() })
            .await
            .unwrap();
        let view = s.orgs().dissolve_org(tr.branch_b, None).await.unwrap();
        assert_eq!(view.status, "dissolved");
        // The member is still there, in the history archive.
        let archived = s
            .members()
            .list_members(
                &MemberFilter { archived: Some(true), ..Default::default() },
                &vanguard_domain::kernel::paging::PageRequest::first(50),
            )
            .await
            .unwrap();
        assert_eq!(archived.total.map_or(-1, |t| t as i64), 1);
        assert_eq!(archived.items[0].left_reason.as_deref(), Some("died"));
    }
}

/// Walks a paged list along its `next` cursors, one row per page.
macro_rules! walk_pages {
    ($req:ident => $fetch:expr) => {{
        let mut out = Vec::new();
        let mut $req = PageRequest::first(1);
        loop {
            let page = $fetch.await.unwrap();
            assert!(page.items.len() <= 1);
            out.extend(page.items);
            match page.next {
                Some(cursor) => {
                    $req = PageRequest::from_query(&PageQuery { cursor: Some(cursor), limit: Some(1), page: None }).unwrap();
                }
                None => break,
            }
        }
        out
    }};
}

#[tokio::test]
async fn an_orgs_children_and_a_members_history_page_by_keyset_in_the_order_of_the_whole_list() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let whole: Vec<(i64, String)> =
            s.orgs().children(tr.root.id).await.unwrap().into_iter().map(|o| (o.id, o.name)).collect();
        let paged: Vec<(i64, String)> =
            walk_pages!(req => s.orgs().children_page(tr.root.id, &req)).into_iter().map(|o| (o.id, o.name)).collect();
        assert!(whole.len() > 1, "{whole:?}");
        assert_eq!(paged, whole, "[{}]", t.backend);
        let m = s.members().create_member(&member("赵六", 4, tr.branch_a)).await.unwrap();
        let patch = MemberInput { residence: Some("江北区庄桥街道".into()), ..Default::default() };
        s.members().update_member(m.id, &patch, Some(m.version)).await.unwrap();
        let whole: Vec<i64> = s.members().member_history(m.id).await.unwrap().into_iter().map(|h| h.id).collect();
        let paged: Vec<i64> = walk_pages!(req => s.members().history_page(m.id, &req)).into_iter().map(|h| h.id).collect();
        assert!(whole.len() > 1, "{whole:?}");
        assert_eq!(paged, whole, "[{}]", t.backend);
    }
}

#[tokio::test]
async fn every_member_change_is_kept_as_history_with_masked_sensitive_values() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let m = s.members().create_member(&member("王五", 3, tr.branch_a)).await.unwrap();
        let patch =
            MemberInput {
                residence: Some("江北区庄桥街道".into()), phone: Some("13912345678".into()), ..Default::default()
            };
        let updated = s.members().update_member(m.id, &patch, Some(m.version)).await.unwrap();
        assert_eq!(updated.version, m.version + 1);
        assert_eq!(updated.phone.as_deref(), Some("139****5678"));
        let h = s.members().member_history(m.id).await.unwrap();
        let fields: Vec<&str> = h.iter().map(|e| e.field.as_str()).collect();
        assert!(fields.contains(&"phone") && fields.contains(&"residence") && fields.contains(&"archive"), "{fields:?}");
        let phone = h.iter().find(|e| e.field == "phone").unwrap();
        assert_eq!(phone.new_value, "139****5678");
        assert_eq!(phone.actor_name, "test");
        assert!(!phone.old_value.contains("00000003"), "history must not hold the clear phone");
    }
}

#[tokio::test]
async fn a_stale_edit_is_refused_and_changes_nothing() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let m = s.members().create_member(&member("赵六", 4, tr.branch_a)).await.unwrap();
        s.members()
            .update_member(m.id, &MemberInput { residence: Some("甲".into()), ..Default::default() }, Some(m.version))
            .await
            .unwrap();
        let err = s
            .members()
            .update_member(m.id, &MemberInput { residence: Some("乙".into()), ..Default::default() }, Some(m.version))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict { code: "member.stale", .. }));
        assert_eq!(s.members().member(m.id).await.unwrap().residence, "甲");
    }
}

#[tokio::test]
async fn a_duplicate_id_number_is_refused_and_nothing_is_half_written() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        s.members().create_member(&member("孙七", 5, tr.branch_a)).await.unwrap();
        let before = crate::audit_rows(&t.db, &Default::default()).await.len();
        let mut dup = member("周八", 5, tr.branch_b);
        dup.fields.phone = Some("13700000000".into());
        let err = s.members().create_member(&dup).await.unwrap_err();
        assert!(matches!(&err, StoreError::Invalid(i) if i.has("id_number.duplicate")), "{}: {err:?}", t.backend);
        let all = s
            .members()
            .list_members(&MemberFilter::default(), &vanguard_domain::kernel::paging::PageRequest::first(50))
            .await
            .unwrap();
        assert_eq!(all.total.map_or(-1, |t| t as i64), 1, "{}", t.backend);
        let b = s.orgs().org(tr.branch_b).await.unwrap();
        assert_eq!(b.direct_members, 0, "counter must roll back with the failed insert");
        assert_eq!(crate::audit_rows(&t.db, &Default::default()).await.len(), before);
    }
}

#[tokio::test]
async fn members_belong_to_branches_not_committees() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let err = t.db.scoped(&sys).members().create_member(&member("吴九", 6, tr.street)).await.unwrap_err();
        assert!(matches!(&err, StoreError::Invalid(i) if i.has("org.not_branch")), "{err:?}");
    }
}

#[tokio::test]
async fn out_of_scope_objects_are_not_found_and_cannot_be_written() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let a = s.members().create_member(&member("郑十", 7, tr.branch_a)).await.unwrap();
        let b = s.members().create_member(&member("钱一", 8, tr.branch_b)).await.unwrap();
        let ba = s.orgs().org(tr.branch_a).await.unwrap();
        let secretary = subtree_scope(&tr.root, &ba.path, Role::BranchSecretary);
        let sec = t.db.scoped(&secretary);
        assert!(sec.members().member(a.id).await.is_ok());
        assert!(matches!(sec.members().member(b.id).await, Err(StoreError::NotFound)));
        assert!(matches!(sec.orgs().org(tr.branch_b).await, Err(StoreError::NotFound)));
        let err = sec
            .members()
            .update_member(b.id, &MemberInput { residence: Some("x".into()), ..Default::default() }, None)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound));
        let err = sec.members().create_member(&member("越界", 9, tr.branch_b)).await.unwrap_err();
        assert!(matches!(&err, StoreError::Invalid(i) if i.has("org.not_found")), "{err:?}");
        let roster = sec
            .members()
            .list_members(&MemberFilter::default(), &vanguard_domain::kernel::paging::PageRequest::first(50))
            .await
            .unwrap();
        assert_eq!(roster.items.iter().map(|m| m.id).collect::<Vec<_>>(), vec![a.id]);
        // Asking for another subtree's roster is a not-found, not an empty list.
        assert!(matches!(
            sec.members()
                .list_members(
                    &MemberFilter { org_id: Some(tr.branch_b), ..Default::default() },
                    &vanguard_domain::kernel::paging::PageRequest::first(50)
                )
                .await,
            Err(StoreError::NotFound)
        ));
    }
}

#[tokio::test]
async fn a_member_reaches_only_their_own_record_and_cannot_write() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let me = s.members().create_member(&member("本人", 10, tr.branch_a)).await.unwrap();
        let other = s.members().create_member(&member("同支部", 11, tr.branch_a)).await.unwrap();
        let ba = s.orgs().org(tr.branch_a).await.unwrap();
        let own = Scope {
            actor: Actor { account_id: 5, name: "me".into(), ip: "x".into() },
            role: Role::Member,
            region_id: tr.root.region_id,
            reach: Reach::OwnRecord { member_id: me.id, branch_path: ba.path.clone() },
            member_id: Some(me.id),
            scope_org_id: None,
        };
        let o = t.db.scoped(&own);
        assert!(o.members().member(me.id).await.is_ok());
        assert!(matches!(o.members().member(other.id).await, Err(StoreError::NotFound)));
        assert!(o.orgs().org(tr.branch_a).await.is_ok());
        assert!(matches!(o.orgs().org(tr.group_a).await, Err(StoreError::NotFound)));
        assert_eq!(
            o.members()
                .list_members(&MemberFilter::default(), &vanguard_domain::kernel::paging::PageRequest::first(50))
                .await
                .unwrap()
                .total
                .map_or(-1, |t| t as i64),
            1
        );
        let err = o
            .members()
            .update_member(me.id, &MemberInput { residence: Some("x".into()), ..Default::default() }, None)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Forbidden));
    }
}

#[tokio::test]
async fn roster_search_finds_by_name_prefix_id_number_and_phone() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let m = member("欧阳明", 12, tr.branch_a);
        let id_number = m.fields.id_number.clone().unwrap();
        let created = s.members().create_member(&m).await.unwrap();
        s.members().create_member(&member("欧文", 13, tr.branch_b)).await.unwrap();
        let by = |q: &str| MemberFilter { q: q.to_string(), ..Default::default() };
        assert_eq!(
            s.members()
                .list_members(&by("欧阳"), &vanguard_domain::kernel::paging::PageRequest::first(50))
                .await
                .unwrap()
                .total
                .map_or(-1, |t| t as i64),
            1
        );
        assert_eq!(
            s.members()
                .list_members(&by("欧"), &vanguard_domain::kernel::paging::PageRequest::first(50))
                .await
                .unwrap()
                .total
                .map_or(-1, |t| t as i64),
            2
        );
        assert_eq!(
            s.members()
                .list_members(&by(&id_number), &vanguard_domain::kernel::paging::PageRequest::first(50))
                .await
                .unwrap()
                .items[0]
                .id,
            created.id
        );
        assert_eq!(
            s.members()
                .list_members(&by("13800000012"), &vanguard_domain::kernel::paging::PageRequest::first(50))
                .await
                .unwrap()
                .items[0]
                .id,
            created.id
        );
        let in_b = MemberFilter { org_id: Some(tr.branch_b), ..Default::default() };
        assert_eq!(
            s.members()
                .list_members(&in_b, &vanguard_domain::kernel::paging::PageRequest::first(50))
                .await
                .unwrap()
                .total
                .map_or(-1, |t| t as i64),
            1
        );
        let probationers = MemberFilter { category: "预备党员".into(), ..Default::default() };
        assert_eq!(
            s.members()
                .list_members(&probationers, &vanguard_domain::kernel::paging::PageRequest::first(50))
                .await
                .unwrap()
                .total
                .map_or(-1, |t| t as i64),
            0
        );
    }
}

#[tokio::test]
async fn roster_totals_from_branch_counters_equal_a_count_of_the_members() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let mut in_group = member("张三", 21, tr.branch_a);
        in_group.group_id = Some(tr.group_a);
        s.members().create_member(&in_group).await.unwrap();
        s.members().create_member(&member("李四", 22, tr.branch_a)).await.unwrap();
        let leaving = s.members().create_member(&member("王五", 23, tr.branch_b)).await.unwrap();
        s.members().create_member(&member("赵六", 24, tr.branch_b)).await.unwrap();
        s.members()
            .archive_member(leaving.id, &Leave { reason: "died".into(), left_on: "2026-01-02".into(), note: String::new() })
            .await
            .unwrap();
        let s = &s;
        let total = |org_id: Option<i64>| {
            let f = MemberFilter { org_id, ..Default::default() };
            async move { s.members().list_members(&f, &vanguard_domain::kernel::paging::PageRequest::first(50)).await.unwrap() }
        };
        // Unfiltered: counted from the branch rows; the archived member is not counted.
        assert_eq!(total(None).await.total.map_or(-1, |t| t as i64), 3, "{}", t.backend);
        assert_eq!(total(Some(tr.street)).await.total.map_or(-1, |t| t as i64), 3, "{}", t.backend);
        assert_eq!(total(Some(tr.branch_a)).await.total.map_or(-1, |t| t as i64), 2, "{}", t.backend);
        assert_eq!(total(Some(tr.branch_b)).await.total.map_or(-1, |t| t as i64), 1, "{}", t.backend);
        assert_eq!(total(Some(tr.other_street)).await.total.map_or(-1, |t| t as i64), 0, "{}", t.backend);
        // A 党小组's members are counted on its branch: its roster counts its members.
        let group = total(Some(tr.group_a)).await;
        assert_eq!((group.total.map_or(-1, |t| t as i64), group.items.len()), (1, 1), "{}", t.backend);
        // A group leader's reach is the group itself.
        let group_org = s.orgs().org(tr.group_a).await.unwrap();
        let leader = subtree_scope(&tr.root, &group_org.path, Role::GroupLeader);
        assert_eq!(
            t.db.scoped(&leader)
                .members()
                .list_members(&MemberFilter::default(), &vanguard_domain::kernel::paging::PageRequest::first(50))
                .await
                .unwrap()
                .total,
            Some(1),
            "{}",
            t.backend
        );
        // Every page agrees with its total.
        let all = total(None).await;
        assert_eq!(Some(all.items.len() as u64), all.total, "{}", t.backend);
    }
}

#[tokio::test]
async fn id_numbers_and_phones_are_encrypted_at_rest() {
    let t = vanguard_testkit::sqlite().await;
    let tr = tree(&t.db).await;
    let sys = system(&tr.root);
    let s = t.db.scoped(&sys);
    let mut ids = Vec::new();
    for i in 0..50u16 {
        let m = member("测试员", 100 + i, tr.branch_a);
        ids.push(m.fields.id_number.clone().unwrap());
        s.members().create_member(&m).await.unwrap();
    }
    // Reveal is the only way back to the clear value.
    let first = s
        .members()
        .list_members(&MemberFilter::default(), &vanguard_domain::kernel::paging::PageRequest::first(50))
        .await
        .unwrap()
        .items[0]
        .id;
    let clear = s.members().reveal(first, vanguard_store::member::SensitiveField::IdNumber).await.unwrap().unwrap();
    assert!(ids.contains(&clear));
    let url = t.db.url().to_string();
    t.db.close().await;
    let mut raw = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        if let Ok(b) = std::fs::read(format!("{url}{suffix}")) {
            raw.extend(b);
        }
    }
    assert!(raw.len() > 10_000);
    let digits_run = raw.windows(18).any(|w| w[..17].iter().all(u8::is_ascii_digit) && (w[17].is_ascii_digit() || w[17] == b'X'));
    assert!(!digits_run, "an 18-character ID number appears in the clear in the database file");
    assert!(!raw.windows(11).any(|w| w == b"13800000100"), "a phone number appears in the clear");
}

#[tokio::test]
async fn the_audit_chain_detects_modified_deleted_and_forged_records() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        for i in 0..5u16 {
            s.members().create_member(&member("审计员", 200 + i, tr.branch_a)).await.unwrap();
        }
        let v = audit::verify(&t.db, |_, _| {}).await.unwrap();
        assert!(v.is_intact(), "{}: {:?}", t.backend, v.problems);
        assert!(v.records >= 10);

        // The database itself refuses to change or remove a record.
        for sql in ["UPDATE audit_log SET detail = 'forged' WHERE seq = 3", "DELETE FROM audit_log WHERE seq = 6"] {
            let refused = vanguard_testkit::raw_execute(&t.db, sql).await;
            assert!(refused.is_err(), "{}: {sql} must be refused", t.backend);
        }
        // Someone with the rights to drop the guard can; the chain shows what they did.
        let drop_guard: &[&'static str] = if t.db.is_postgres() {
            &["DROP TRIGGER audit_log_no_update ON audit_log", "DROP TRIGGER audit_log_no_delete ON audit_log"]
        } else {
            &["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"]
        };
        for sql in drop_guard {
            vanguard_testkit::raw_execute(&t.db, sql).await.unwrap();
        }
        let v = audit::verify(&t.db, |_, _| {}).await.unwrap();
        assert!(v.is_intact(), "{}: the refused statements changed nothing: {:?}", t.backend, v.problems);

        // Modify one record's content.
        vanguard_testkit::raw_execute(&t.db, "UPDATE audit_log SET detail = 'forged' WHERE seq = 3").await.unwrap();
        let v = audit::verify(&t.db, |_, _| {}).await.unwrap();
        assert_eq!(v.problems, vec![ChainProblem::Modified { seq: 3 }], "{}", t.backend);

        // Delete a record in the middle.
        vanguard_testkit::raw_execute(&t.db, "DELETE FROM audit_log WHERE seq = 6").await.unwrap();
        let v = audit::verify(&t.db, |_, _| {}).await.unwrap();
        assert!(v.problems.contains(&ChainProblem::Missing { from_seq: 6, to_seq: 6 }), "{:?}", v.problems);

        // Delete the last record: the head no longer matches.
        let last = v.records + 1;
        vanguard_testkit::raw_execute(&t.db, "DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)").await.unwrap();
        let v = audit::verify(&t.db, |_, _| {}).await.unwrap();
        assert!(v.problems.iter().any(|p| matches!(p, ChainProblem::HeadMismatch { .. })), "{last}: {:?}", v.problems);

        // Insert a forged record into the gap.
        vanguard_testkit::RawConn::open(&t.db)
            .await
            .unwrap()
            .execute_with_bytes(
                "INSERT INTO audit_log (seq, at, actor_id, actor_name, ip, action, object, result, detail, hash) VALUES (6, 0, 0, 'x', 'x', 'x', 'x', 'ok', '', $1)",
                vec![0u8; 32],
            )
            .await
            .unwrap();
        let v = audit::verify(&t.db, |_, _| {}).await.unwrap();
        assert!(v.problems.contains(&ChainProblem::Modified { seq: 6 }), "{:?}", v.problems);
    }
}

#[tokio::test]
async fn a_verification_is_recorded_and_the_last_one_can_be_shown() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        t.db.scoped(&system(&tr.root)).members().create_member(&member("校验", 310, tr.branch_a)).await.unwrap();
        assert!(audit::last_verification(&t.db).await.unwrap().is_none(), "{}", t.backend);
        let v = audit::verify_and_record(&t.db, &Actor::system("scheduler"), |_, _| {}).await.unwrap();
        assert!(v.is_intact(), "{}", t.backend);
        let last = audit::last_verification(&t.db).await.unwrap().expect("recorded");
        assert_eq!((last.action.as_str(), last.result.as_str(), last.actor_name.as_str()), ("audit.verify", "ok", "scheduler"));
        assert!(last.detail.contains(&format!("共 {} 条记录", v.records)), "{}", last.detail);
        // The record of the verification is itself part of the chain.
        let again = audit::verify(&t.db, |_, _| {}).await.unwrap();
        assert_eq!((again.records, again.is_intact()), (v.records + 1, true), "{}", t.backend);
    }
}

#[tokio::test]
async fn writes_are_audited_with_actor_action_object_and_result() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let m = t.db.scoped(&sys).members().create_member(&member("记录", 300, tr.branch_a)).await.unwrap();
        let rows = crate::audit_rows(&t.db, &audit::AuditFilter { action: "member.".into(), ..Default::default() }).await;
        let r = rows.iter().find(|r| r.action == "member.create").expect("member.create audited");
        assert_eq!(r.object, format!("member:{}", m.id));
        assert_eq!(r.actor_name, "test");
        assert_eq!(r.result, "ok");
        assert!(r.at > 0);
        assert!(!r.detail.contains("330205"), "no ID number in the audit detail");
    }
}

#[tokio::test]
async fn rule_sets_are_versioned_and_the_newest_is_used() {
    for t in each_backend().await {
        assert_eq!(t.db.rules().version, 1);
        let mut rules = (*t.db.rules()).clone();
        rules.version = 2;
        rules.org.branch_max_members = 40;
        let mut tx = t.db.begin().await.unwrap();
        vanguard_store::platform::rules::save(&mut tx, &rules, 0).await.unwrap();
        tx.commit().await.unwrap();
        let loaded = vanguard_store::platform::rules::load_or_init(&t.db).await.unwrap();
        assert_eq!(loaded.version, 2);
        assert_eq!(loaded.org.branch_max_members, 40);
    }
}

#[tokio::test]
async fn branch_structure_findings_come_from_the_counts() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        s.members().create_member(&member("甲", 400, tr.branch_b)).await.unwrap();
        let detail = s.orgs().org_detail(tr.branch_b).await.unwrap();
        assert_eq!(detail.findings.iter().map(|f| f.code).collect::<Vec<_>>(), vec!["branch.too_few_formal"]);
        assert_eq!(detail.org.counts.members, 1);
        let street = s.orgs().org_detail(tr.street).await.unwrap();
        assert_eq!(street.children.len(), 2);
        assert_eq!(street.children.iter().map(|c| c.counts.members).sum::<i64>(), 1);
        assert_eq!(street.ancestors.first().map(|a| a.id), Some(tr.root.id));
    }
}

#[tokio::test]
async fn demo_district_is_generated_with_one_account_per_role() {
    for t in each_backend().await {
        let summary = vanguard_demo::load::generate(&t.db, vanguard_demo::generate::Scale::District, 7, |_, _| {}).await.unwrap();
        assert!((19_000..=21_000).contains(&summary.members), "{}", summary.members);
        assert!((900..=1_100).contains(&summary.branches), "{}", summary.branches);
        let roles: Vec<Role> = summary.accounts.iter().map(|a| a.1).collect();
        for r in Role::ALL {
            assert!(roles.contains(r), "no demo account for {r}");
        }
        for (user, _, _) in &summary.accounts {
            let ok = vanguard_store::account::login(&t.db, user, vanguard_demo::load::DEMO_PASSWORD, "127.0.0.1").await.unwrap();
            assert!(ok.is_ok(), "{user} cannot log in");
        }
        let root = vanguard_store::org::regions(&t.db).await.unwrap().remove(0);
        let sys = system(&root);
        let counts = t.db.scoped(&sys).orgs().subtree_counts(&root).await.unwrap();
        assert_eq!(counts.members as usize, summary.members, "{}", t.backend);
        // 换届: overdue committees asked for a delayed election, due ones on time.
        let asked = t.db.scoped(&sys).elections().elections_awaiting_me().await.unwrap();
        assert!(asked.iter().any(|e| e.delayed) && asked.iter().any(|e| !e.delayed), "[{}] {}", t.backend, asked.len());
        // A year of 党费: most paid, some in arrears (预警; 6 months and more go to 党章第九条).
        let dues = t.db.scoped(&sys).dues();
        let now = dues.current_month();
        let report = dues.report(root.id, now.plus(-11), now.plus(-1)).await.unwrap();
        let (due, paid): (i64, i64) = report.months.iter().fold((0, 0), |(d, p), m| (d + m.due_fen, p + m.paid_fen));
        assert!(due > 0 && paid * 100 / due >= 85 && paid < due, "[{}] {paid} of {due}", t.backend);
        let filter = vanguard_store::cockpit::FindingFilter {
            rule: Some(vanguard_domain::affairs::dues::ARREARS_CODE.into()),
            ..Default::default()
        };
        let arrears = t.db.scoped(&sys).cockpit().findings(&filter, &PageRequest::first(200)).await.unwrap();
        assert!(arrears.items.iter().all(|f| f.severity != "finding"), "[{}] 6 months are 党章第九条's", t.backend);
        // Most severe first: the warnings are on the last page.
        let last = PageRequest::from_query(&PageQuery { cursor: Some(LAST.into()), limit: Some(50), page: None }).unwrap();
        let tail = t.db.scoped(&sys).cockpit().findings(&filter, &last).await.unwrap();
        assert!(tail.items.iter().any(|f| f.severity == "warning"), "[{}]", t.backend);
        // 流动党员 with an e支部 and lost members at different steps.
        let lost = t.db.scoped(&sys).lost_contacts().counts().await.unwrap();
        assert!(lost.lost >= 3 && lost.suspended >= 2 && lost.overdue >= 2, "[{}] {lost:?}", t.backend);
        assert!(t.db.scoped(&sys).mobile().count_open().await.unwrap() >= 8, "[{}]", t.backend);
        // 学: a bank of about 1,000 questions, a month of quizzes whose totals match the events.
        let bank = t.db.scoped(&sys).learning().questions(None, None, true, &PageRequest::first(1)).await.unwrap();
        assert!(bank.total.is_some_and(|n| (900..=1_100).contains(&n)), "{:?}", bank.total);
        let check = t.db.scoped(&sys).learning().check_points(false).await.unwrap();
        assert!(check.totals > 10_000 && check.totals_mismatched == 0 && check.buckets_mismatched == 0, "{check:?}");
        assert!(audit::verify(&t.db, |_, _| {}).await.unwrap().is_intact());
        // Generation refuses a database that already has data.
        assert!(vanguard_demo::load::generate(&t.db, vanguard_demo::generate::Scale::District, 7, |_, _| {}).await.is_err());
    }
}

/// Logs in and resolves the session, as a request would.
async fn session_of(db: &Db, user: &str, password: &str) -> vanguard_store::account::Session {
    let ok = vanguard_store::account::login(db, user, password, "127.0.0.1")
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("{user}: {e:?}"));
    vanguard_store::account::authenticate(db, &ok.token, "127.0.0.1").await.unwrap().expect("session")
}

/// A branch secretary's account with a chosen password.
async fn secretary_account(db: &Db, branch: i64, username: &str, password: &str) {
    let new = vanguard_store::account::NewAccount {
        username: username.into(),
        display_name: username.into(),
        role: Role::BranchSecretary,
        scope_org_id: Some(branch),
        member_id: None,
        password: Some(password.into()),
    };
    vanguard_store::account::create_account(db, &Actor::system("test"), &new).await.unwrap();
}

#[tokio::test]
async fn a_password_older_than_90_days_must_be_changed_at_the_next_login() {
    use vanguard_store::account::change_password;
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        secretary_account(&t.db, tr.branch_a, "zhangsan", "First#2026").await;
        t.db.clock().advance(89 * 86_400_000);
        assert!(!session_of(&t.db, "zhangsan", "First#2026").await.account.must_change_password, "{}: day 89", t.backend);
        t.db.clock().advance(2 * 86_400_000);
        t.db.forget_sessions();
        let s = session_of(&t.db, "zhangsan", "First#2026").await;
        assert!(s.account.must_change_password, "{}: day 91", t.backend);
        let rows =
            crate::audit_rows(&t.db, &audit::AuditFilter { action: "account.password_expired".into(), ..Default::default() })
                .await;
        assert_eq!(rows.len(), 1, "{}", t.backend);
        change_password(&t.db, &s, "First#2026", "Second#2026").await.unwrap();
        t.db.clock().advance(30 * 86_400_000);
        assert!(!session_of(&t.db, "zhangsan", "Second#2026").await.account.must_change_password, "{}", t.backend);
    }
}

#[tokio::test]
async fn a_new_password_may_not_repeat_any_of_the_last_five() {
    use vanguard_store::account::change_password;
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        secretary_account(&t.db, tr.branch_a, "lisi", "Pass#0001").await;
        // Five passwords in a row: 0001 (the first) … 0005 (current).
        for i in 1..5 {
            let s = session_of(&t.db, "lisi", &format!("Pass#000{i}")).await;
            change_password(&t.db, &s, &format!("Pass#000{i}"), &format!("Pass#000{}", i + 1)).await.unwrap();
        }
        let s = session_of(&t.db, "lisi", "Pass#0005").await;
        for reused in ["Pass#0001", "Pass#0003", "Pass#0004"] {
            let e = change_password(&t.db, &s, "Pass#0005", reused).await.unwrap_err();
            assert!(
                matches!(&e, StoreError::Invalid(i) if i.errors.iter().any(|f| f.code == "password.reused")),
                "{}: {reused}: {e:?}",
                t.backend
            );
        }
        // A sixth change pushes the first out of the last five: it may come back after.
        change_password(&t.db, &s, "Pass#0005", "Pass#0006").await.unwrap();
        let s = session_of(&t.db, "lisi", "Pass#0006").await;
        change_password(&t.db, &s, "Pass#0006", "Pass#0001").await.unwrap();
        session_of(&t.db, "lisi", "Pass#0001").await;
    }
}

// ---- 花名册导入与导出 (roster import and export) --------------------------------------------

pub(crate) mod roster_support {
    use chrono::NaiveDate;
    use vanguard_domain::member::idcard::compose;

    /// A cell of a test spreadsheet: text, or a number cell (as Excel stores typed digits).
    pub enum X {
        S(String),
        N(f64),
    }

    impl From<&str> for X {
        fn from(s: &str) -> Self {
            X::S(s.to_string())
        }
    }
    impl From<String> for X {
        fn from(s: String) -> Self {
            X::S(s)
        }
    }

    /// An .xlsx file with one sheet holding `rows` (the first is the heading row).
    pub fn xlsx(rows: Vec<Vec<X>>) -> Vec<u8> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                match cell {
                    X::S(s) if s.is_empty() => {}
                    X::S(s) => {
                        ws.write_string(r as u32, c as u16, s.as_str()).unwrap();
                    }
                    X::N(v) => {
                        ws.write_number(r as u32, c as u16, *v).unwrap();
                    }
                }
            }
        }
        wb.save_to_buffer().unwrap()
    }

    /// An ID number, distinct per `seq`, for a man born in the 1980s.
    pub fn id(seq: u16) -> String {
        compose("330205", NaiveDate::from_ymd_opt(1980, 1, 1).unwrap() + chrono::Days::new(u64::from(seq)), seq * 2 + 1)
    }

    /// Headings as a common export writes them (synonyms of the template's) and one
    /// column the roster does not know.
    pub fn headings() -> Vec<X> {
        ["姓名", "身份证号", "民族", "入党时间", "党员类别", "所在党支部", "手机", "现居住地", "备注"]
            .into_iter()
            .map(X::from)
            .collect()
    }

    pub fn row(name: &str, seq: u16, org: &str) -> Vec<X> {
        vec![
            name.into(),
            id(seq).into(),
            "汉".into(),
            "2005.7.1".into(),
            "正式".into(),
            org.into(),
            format!("139{:08}", seq).into(),
            "江北区".into(),
            "".into(),
        ]
    }

    /// The sheet cell at (row, col) of the first sheet of an .xlsx file, as text.
    pub fn read_back(bytes: &[u8]) -> Vec<Vec<String>> {
        use calamine::Reader;
        let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let (_, range) = book.worksheets().into_iter().next().unwrap();
        range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
    }
}

use roster_support::{X, headings, read_back, row, xlsx};
use vanguard_store::member::roster::{ImportOptions, RowAction};

fn opts() -> ImportOptions {
    ImportOptions::default()
}

async fn total_members(db: &Db, scope: &Scope) -> i64 {
    db.scoped(scope)
        .members()
        .list_members(&MemberFilter::default(), &vanguard_domain::kernel::paging::PageRequest::first(50))
        .await
        .unwrap()
        .total
        .map_or(-1, |t| t as i64)
}

#[tokio::test]
async fn an_import_file_with_bad_rows_reports_each_with_its_row_and_column_and_writes_nothing() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let mut bad_check = roster_support::id(3);
        let last = if bad_check.ends_with('1') { '2' } else { '1' };
        bad_check.pop();
        bad_check.push(last);
        let mut as_number = row("数字号", 6, "槐树社区第一党支部");
        as_number[1] = X::N(roster_support::id(6).parse::<f64>().unwrap_or(3.3e17));
        let mut bad_date = row("日期错", 4, "槐树社区第一党支部");
        bad_date[3] = "去年七一".into();
        let mut bad_digit = row("校验错", 3, "槐树社区第一党支部");
        bad_digit[1] = bad_check.into();
        let rows = vec![
            vec!["槐树社区党员花名册".into()],
            headings(),
            row("张三", 1, "槐树社区第一党支部"),
            row("李四", 2, "甲街道党工委/槐树社区第二党支部"),
            bad_digit,
            bad_date,
            row("无此支部", 5, "不存在党支部"),
            as_number,
            row("重复甲", 7, "槐树社区第一党支部"),
            row("重复乙", 7, "槐树社区第二党支部"),
            row("党委里", 8, "甲街道党工委"),
        ];
        let p = s.roster().preview_import("花名册.xlsx", xlsx(rows), &opts()).await.unwrap();
        assert_eq!(p.heading_row, 2, "{}", t.backend);
        assert_eq!(p.unknown_columns, vec!["第I列“备注”".to_string()]);
        assert_eq!(p.counts.rows, 9);
        assert_eq!((p.counts.to_create, p.counts.invalid), (2, 7), "{}: {:#?}", t.backend, p.problems);
        let at = |row: usize| p.problems.iter().filter(|e| e.row == row).collect::<Vec<_>>();
        assert_eq!(at(5)[0].column, "身份证号");
        assert!(at(5)[0].message.contains("校验位"), "{:?}", at(5));
        assert_eq!(at(6)[0].column, "入党时间");
        assert!(at(6)[0].message.contains("去年七一"));
        assert_eq!(at(7)[0].column, "所在党支部");
        assert!(at(7)[0].message.contains("找不到"));
        assert!(at(8)[0].message.contains("文本"), "an ID number stored as a number: {:?}", at(8));
        assert!(at(9)[0].message.contains("第10行") && at(10)[0].message.contains("第9行"), "duplicates point at each other");
        assert!(at(11)[0].message.contains("党支部"), "{:?}", at(11));
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let actions: Vec<RowAction> = p.rows.iter().map(|r| r.action).collect();
        assert_eq!(actions[..2], [RowAction::Create, RowAction::Create]);
        assert_eq!(p.rows[1].org, "中共测试区委员会/甲街道党工委/槐树社区第二党支部");
        // Nothing is written by a preview.
        assert_eq!(total_members(&t.db, &sys).await, 0, "{}", t.backend);
        assert!(
            crate::audit_rows(&t.db, &audit::AuditFilter { action: "member.".into(), ..Default::default() }).await.is_empty()
        );
    }
}

#[tokio::test]
async fn committing_imports_the_valid_rows_in_one_transaction_and_only_once() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let mut in_group = row("王五", 3, "槐树社区第一党支部");
        in_group[8] = "x".into();
        let mut h = headings();
        h.push("所在党小组".into());
        in_group.push("第一党小组".into());
        let mut bad = row("坏行", 4, "槐树社区第一党支部");
        bad[3] = "".into();
        let rows = vec![h, row("张三", 1, "槐树社区第一党支部"), row("李四", 2, "槐树社区第二党支部"), in_group, bad];
        let p = s.roster().preview_import("花名册.xlsx", xlsx(rows), &opts()).await.unwrap();
        assert_eq!((p.counts.to_create, p.counts.invalid), (3, 1), "{}: {:?}", t.backend, p.problems);
        let mut seen = Vec::new();
        let result = s.roster().commit_import(p.batch_id.unwrap(), |done, total| seen.push((done, total))).await.unwrap();
        assert_eq!(result.created.len(), 3);
        assert_eq!(result.created.iter().map(|c| c.row).collect::<Vec<_>>(), vec![2, 3, 4]);
        assert_eq!(result.skipped.len(), 1);
        assert_eq!(result.skipped[0].row, 5);
        assert_eq!(seen.last(), Some(&(3, 3)), "progress reaches the total");
        assert_eq!(total_members(&t.db, &sys).await, 3, "{}", t.backend);
        let a = s.orgs().org(tr.branch_a).await.unwrap();
        assert_eq!((a.direct_members, a.direct_formal), (2, 2), "counters follow the import");
        let wang = s
            .members()
            .list_members(
                &MemberFilter { q: "王五".into(), ..Default::default() },
                &vanguard_domain::kernel::paging::PageRequest::first(50),
            )
            .await
            .unwrap()
            .items[0]
            .id;
        let view = s.members().member(wang).await.unwrap();
        assert_eq!(view.group_id, Some(tr.group_a));
        assert_eq!(view.ethnicity, "汉族");
        assert_eq!(view.joined_on, "2005-07-01");
        assert_eq!(view.phone.as_deref(), Some("139****0003"));
        let history = s.members().member_history(wang).await.unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].new_value, "建立档案（导入）");
        let imports =
            crate::audit_rows(&t.db, &audit::AuditFilter { action: "member.import".into(), ..Default::default() }).await;
        assert_eq!(imports.len(), 1, "one audit record for the whole import");
        assert!(imports[0].detail.contains("新建 3 人"), "{}", imports[0].detail);
        assert!(
            crate::audit_rows(&t.db, &audit::AuditFilter { action: "member.create".into(), ..Default::default() })
                .await
                .is_empty()
        );
        // Committing twice is refused.
        let err = s.roster().commit_import(p.batch_id.unwrap(), |_, _| {}).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict { code: "import.committed", .. }), "{}: {err:?}", t.backend);
        let status = s.roster().import_status(p.batch_id.unwrap()).await.unwrap();
        assert_eq!(status.status, "committed");
        assert_eq!(status.result.unwrap().created_total, 3);
        assert!(audit::verify(&t.db, |_, _| {}).await.unwrap().is_intact());
    }
}

#[tokio::test]
async fn the_import_report_is_read_a_page_at_a_time_in_file_order_and_by_status() {
    use vanguard_domain::kernel::paging::{PageQuery, PageRequest};
    use vanguard_domain::member::roster::ReportStatus;
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let mut bad = row("坏行", 4, "槐树社区第一党支部");
        bad[3] = "".into();
        let rows = vec![
            headings(),
            row("张三", 1, "槐树社区第一党支部"),
            row("李四", 2, "槐树社区第二党支部"),
            bad,
            row("王五", 3, "槐树社区第一党支部"),
        ];
        let p = s.roster().preview_import("花名册.xlsx", xlsx(rows), &opts()).await.unwrap();
        let id = p.batch_id.unwrap();
        let first = s.roster().import_lines(id, None, &PageRequest::first(2)).await.unwrap();
        assert_eq!(first.total, Some(4), "{}", t.backend);
        assert_eq!(first.items.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(), vec!["张三", "李四"]);
        let next = PageRequest::from_query(&PageQuery { cursor: first.next.clone(), limit: Some(2), page: None }).unwrap();
        let second = s.roster().import_lines(id, None, &next).await.unwrap();
        assert_eq!(second.items.iter().map(|l| l.row).collect::<Vec<_>>(), vec![4, 5]);
        assert!(second.next.is_none() && second.prev.is_some());
        let problems = s.roster().import_lines(id, Some(ReportStatus::Problem), &PageRequest::first(20)).await.unwrap();
        assert_eq!(problems.total, Some(1));
        assert_eq!(problems.items[0].row, 4);
        assert!(problems.items[0].detail.contains("入党时间"), "{}: {:?}", t.backend, problems.items[0]);
        // The stored preview keeps only the file's description and counts.
        let report = s.roster().import_report(id).await.unwrap().preview.unwrap();
        assert!(report.rows.is_empty() && report.problems.is_empty());
        assert_eq!(report.counts.to_create, 3);
    }
}

#[tokio::test]
async fn the_committed_report_keeps_the_reason_of_each_skipped_row_and_names_the_members_written() {
    use vanguard_domain::kernel::paging::PageRequest;
    use vanguard_domain::member::roster::ReportStatus;
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let mut bad = row("坏行", 4, "槐树社区第一党支部");
        bad[3] = "".into();
        let rows = vec![headings(), row("张三", 1, "槐树社区第一党支部"), bad];
        let p = s.roster().preview_import("花名册.xlsx", xlsx(rows), &opts()).await.unwrap();
        let id = p.batch_id.unwrap();
        let r = s.roster().commit_import(id, |_, _| {}).await.unwrap();
        let created = s.roster().import_lines(id, Some(ReportStatus::Create), &PageRequest::first(20)).await.unwrap();
        assert_eq!(created.items[0].member_id, Some(r.created[0].member_id), "{}", t.backend);
        let skipped = s.roster().import_lines(id, Some(ReportStatus::Problem), &PageRequest::first(20)).await.unwrap();
        assert_eq!((skipped.items[0].row, skipped.items[0].name.as_str()), (3, "坏行"));
        assert!(skipped.items[0].detail.contains("入党时间"), "{:?}", skipped.items[0]);
        assert_eq!(r.skipped[0].reason, skipped.items[0].detail, "the result names the preview's reason");
    }
}

#[tokio::test]
async fn a_failure_during_commit_leaves_nothing_written() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let rows = vec![
            headings(),
            row("张三", 1, "槐树社区第一党支部"),
            row("李四", 2, "槐树社区第一党支部"),
            row("王五", 3, "槐树社区第一党支部"),
        ];
        let p = s.roster().preview_import("花名册.xlsx", xlsx(rows), &opts()).await.unwrap();
        assert_eq!(p.counts.to_create, 3);
        // Meanwhile someone registers the person of row 3 by hand.
        let mut m = member("李四", 2, tr.branch_b);
        m.fields.id_number = Some(roster_support::id(2));
        s.members().create_member(&m).await.unwrap();
        let err = s.roster().commit_import(p.batch_id.unwrap(), |_, _| {}).await.unwrap_err();
        match &err {
            StoreError::Invalid(inv) => assert!(inv.errors[0].message.contains("第3行"), "{inv:?}"),
            other => panic!("{}: {other:?}", t.backend),
        }
        assert_eq!(total_members(&t.db, &sys).await, 1, "{}: nothing of the import is written", t.backend);
        assert_eq!(s.orgs().org(tr.branch_a).await.unwrap().direct_members, 0);
        assert!(
            crate::audit_rows(&t.db, &audit::AuditFilter { action: "member.import".into(), ..Default::default() })
                .await
                .is_empty()
        );
        // The batch is still there to look at; a new upload reports the row as held.
        assert_eq!(s.roster().import_status(p.batch_id.unwrap()).await.unwrap().status, "ready");
        s.roster().discard_import(p.batch_id.unwrap()).await.unwrap();
        assert_eq!(s.roster().import_status(p.batch_id.unwrap()).await.unwrap().status, "discarded");
        let err = s.roster().commit_import(p.batch_id.unwrap(), |_, _| {}).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict { code: "import.discarded", .. }), "{err:?}");
    }
}

#[tokio::test]
async fn an_import_is_a_member_write_the_rules_engine_sees_in_the_same_transaction() {
    const TOO_FEW: &str = "branch.too_few_formal";
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let open_too_few = || async {
            let rows: Vec<(i64,)> = vanguard_testkit::raw_fetch_all(
                &t.db,
                &format!(
                    "SELECT subject_id FROM findings WHERE rule_code = '{TOO_FEW}' AND subject_id = {} AND resolved_at IS NULL",
                    tr.branch_a
                ),
            )
            .await
            .unwrap();
            !rows.is_empty()
        };
        assert!(open_too_few().await, "{}: an empty branch has fewer than three 正式党员", t.backend);
        let rows = vec![
            headings(),
            row("张三", 1, "槐树社区第一党支部"),
            row("李四", 2, "槐树社区第一党支部"),
            row("王五", 3, "槐树社区第一党支部"),
        ];
        let p = s.roster().preview_import("花名册.xlsx", xlsx(rows), &opts()).await.unwrap();
        s.roster().commit_import(p.batch_id.unwrap(), |_, _| {}).await.unwrap();
        assert!(!open_too_few().await, "{}: three imported 正式党员 resolve the finding at once", t.backend);
    }
}

#[tokio::test]
async fn reimporting_the_same_file_changes_nothing() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let file = xlsx(vec![headings(), row("张三", 1, "槐树社区第一党支部"), row("李四", 2, "槐树社区第二党支部")]);
        let p = s.roster().preview_import("花名册.xlsx", file.clone(), &opts()).await.unwrap();
        s.roster().commit_import(p.batch_id.unwrap(), |_, _| {}).await.unwrap();
        let again = s.roster().preview_import("花名册.xlsx", file.clone(), &opts()).await.unwrap();
        assert_eq!(
            (again.counts.unchanged, again.counts.to_create, again.counts.to_update),
            (2, 0, 0),
            "{}: {:?}",
            t.backend,
            again.problems
        );
        let r = s.roster().commit_import(again.batch_id.unwrap(), |_, _| {}).await.unwrap();
        assert!(r.created.is_empty() && r.updated.is_empty());
        assert_eq!(r.skipped.iter().map(|s| s.reason.as_str()).collect::<Vec<_>>(), vec!["无变化", "无变化"]);
        assert_eq!(total_members(&t.db, &sys).await, 2);
    }
}

#[tokio::test]
async fn an_update_row_changes_fields_moves_the_member_and_writes_history() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let mut m = member("张三", 1, tr.branch_a);
        m.fields.id_number = Some(roster_support::id(1));
        let before = s.members().create_member(&m).await.unwrap();
        let mut changed = row("张三", 1, "槐树社区第二党支部");
        changed[7] = "江北区庄桥街道".into();
        let p = s.roster().preview_import("花名册.xlsx", xlsx(vec![headings(), changed]), &opts()).await.unwrap();
        assert_eq!(p.counts.to_update, 1, "{}: {:?}", t.backend, p.problems);
        assert!(
            p.rows[0].changes.contains(&"现居住地".to_string()) && p.rows[0].changes.contains(&"所在党组织".to_string()),
            "{:?}",
            p.rows[0]
        );
        let r = s.roster().commit_import(p.batch_id.unwrap(), |_, _| {}).await.unwrap();
        assert_eq!(r.updated.len(), 1);
        assert_eq!(r.updated[0].member_id, before.id);
        let after = s.members().member(before.id).await.unwrap();
        assert_eq!(after.residence, "江北区庄桥街道");
        assert_eq!(after.org_id, tr.branch_b);
        assert_eq!(after.phone.as_deref(), Some("139****0001"));
        assert_eq!(after.version, before.version + 1);
        // Fields the file leaves out are kept.
        assert_eq!(after.confirmed_on, before.confirmed_on);
        let fields: Vec<String> = s.members().member_history(before.id).await.unwrap().into_iter().map(|h| h.field).collect();
        for f in ["residence", "phone", "org_id", "archive"] {
            assert!(fields.contains(&f.to_string()), "{}: {f} missing from {fields:?}", t.backend);
        }
        assert_eq!(s.orgs().org(tr.branch_a).await.unwrap().direct_members, 0);
        assert_eq!(s.orgs().org(tr.branch_b).await.unwrap().direct_members, 1);
    }
}

#[tokio::test]
async fn id_numbers_held_outside_the_scope_or_in_the_history_archive_are_errors() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let mut elsewhere = member("外支部", 1, tr.branch_b);
        elsewhere.fields.id_number = Some(roster_support::id(1));
        s.members().create_member(&elsewhere).await.unwrap();
        let mut left = member("已离开", 2, tr.branch_a);
        left.fields.id_number = Some(roster_support::id(2));
        let left = s.members().create_member(&left).await.unwrap();
        s.members()
            .archive_member(
                left.id,
                &Leave { reason: "transferred_out".into(), left_on: "2026-01-02".into(), note: String::new() },
            )
            .await
            .unwrap();
        let ba = s.orgs().org(tr.branch_a).await.unwrap();
        let secretary = subtree_scope(&tr.root, &ba.path, Role::BranchSecretary);
        let sec = t.db.scoped(&secretary);
        // The secretary's branch is the default: no 所在党支部 needed.
        let rows = vec![
            vec!["姓名".into(), "身份证号".into(), "民族".into(), "入党时间".into(), "类别".into()],
            vec!["外支部".into(), roster_support::id(1).into(), "汉族".into(), "2005-07-01".into(), "正式党员".into()],
            vec!["已离开".into(), roster_support::id(2).into(), "汉族".into(), "2005-07-01".into(), "正式党员".into()],
            vec!["新人".into(), roster_support::id(3).into(), "汉族".into(), "2005-07".into(), "预备党员".into()],
        ];
        let p = sec.roster().preview_import("本支部.xlsx", xlsx(rows), &opts()).await.unwrap();
        assert_eq!(p.default_org.as_deref(), Some("槐树社区第一党支部"));
        assert_eq!((p.counts.to_create, p.counts.invalid), (1, 2), "{}: {:?}", t.backend, p.problems);
        assert!(p.problems[0].message.contains("管辖范围以外"), "{:?}", p.problems[0]);
        assert!(!p.problems[0].message.contains("外支部"), "nothing about the other member is told");
        assert!(p.problems[1].message.contains("历史库"), "{:?}", p.problems[1]);
        assert!(p.warnings.iter().any(|w| w.row == 4 && w.message.contains("只填写到月")), "{:?}", p.warnings);
        // A batch is the uploader's: another account does not find it.
        let other = Scope { actor: Actor { account_id: 77, name: "other".into(), ip: "x".into() }, ..secretary.clone() };
        let id = p.batch_id.unwrap();
        assert!(matches!(t.db.scoped(&other).roster().import_status(id).await, Err(StoreError::NotFound)));
        assert!(matches!(t.db.scoped(&other).roster().commit_import(id, |_, _| {}).await, Err(StoreError::NotFound)));
        assert!(matches!(s.roster().commit_import(id, |_, _| {}).await, Err(StoreError::NotFound)), "not even the system scope");
        let r = sec.roster().commit_import(id, |_, _| {}).await.unwrap();
        assert_eq!(r.created.len(), 1);
        let created = sec.members().member(r.created[0].member_id).await.unwrap();
        assert_eq!(created.org_id, tr.branch_a);
        assert_eq!(created.category, "probationary");
    }
}

#[tokio::test]
async fn csv_files_with_a_bom_or_in_gb18030_are_read() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let csv = format!(
            "公民身份号码,姓名,民族,入党日期,人员类别,所在党组织,学历\r\n{},\"张 三\",汉族,2001年7月1日,正式党员,槐树社区第一党支部,本科\r\n",
            roster_support::id(1)
        );
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(csv.as_bytes());
        let p = s.roster().preview_import("名单.csv", bom.clone(), &opts()).await.unwrap();
        assert_eq!(p.counts.to_create, 1, "{}: {:?}", t.backend, p.problems);
        assert_eq!(p.rows[0].name, "张三");
        let (gb, _, _) = encoding_rs::GB18030.encode(&csv);
        let p = s.roster().preview_import("名单.csv", gb.to_vec(), &ImportOptions { dry_run: true, ..opts() }).await.unwrap();
        assert_eq!(p.counts.to_create, 1, "{:?}", p.problems);
        assert_eq!(p.batch_id, None, "a dry run stores no batch");
        let err = s.roster().preview_import("名单.pdf", b"%PDF-1.4".to_vec(), &opts()).await.unwrap_err();
        assert!(matches!(&err, StoreError::Invalid(i) if i.has("upload.file_type")), "{err:?}");
    }
}

#[tokio::test]
async fn a_file_without_a_required_column_is_refused_as_a_whole() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let file = xlsx(vec![vec!["姓名".into(), "身份证号".into(), "民族".into(), "所在党支部".into()], row("张三", 1, "x")]);
        let err = t.db.scoped(&sys).roster().preview_import("a.xlsx", file.clone(), &opts()).await.unwrap_err();
        match err {
            StoreError::Invalid(i) => {
                assert!(i.errors.iter().all(|e| e.code == "roster.column_missing"), "{i:?}");
                assert_eq!(i.errors.len(), 2, "入党日期 and 人员类别: {i:?}");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn the_template_has_every_column_and_an_untouched_template_has_no_rows() {
    let t = vanguard_testkit::sqlite().await;
    let tr = tree(&t.db).await;
    let bytes = vanguard_store::member::roster::template_xlsx().unwrap();
    let sheet = read_back(&bytes);
    let want: Vec<String> = vanguard_domain::member::roster::Column::ALL.iter().map(|c| c.heading().to_string()).collect();
    assert_eq!(sheet[0], want);
    let err = t.db.scoped(&system(&tr.root)).roster().preview_import("模板.xlsx", bytes.clone(), &opts()).await.unwrap_err();
    assert!(matches!(&err, StoreError::Invalid(i) if i.has("roster.no_rows")), "{err:?}");
}

#[tokio::test]
async fn export_honors_scope_and_masking_and_is_audited() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let a = s.members().create_member(&member("甲一", 1, tr.branch_a)).await.unwrap();
        s.members().create_member(&member("乙一", 2, tr.branch_b)).await.unwrap();
        let ba = s.orgs().org(tr.branch_a).await.unwrap();
        let secretary = subtree_scope(&tr.root, &ba.path, Role::BranchSecretary);
        let sec = t.db.scoped(&secretary);
        let mut file = sec.roster().export_members(&MemberFilter::default(), false).await.unwrap();
        assert_eq!(file.count, 1, "{}", t.backend);
        let sheet = read_back(&file.bytes().unwrap());
        assert_eq!(sheet.len(), 2);
        assert_eq!(sheet[1][0], "甲一");
        let id_col = sheet[0].iter().position(|h| h == "公民身份号码").unwrap();
        let clear = member("甲一", 1, tr.branch_a).fields.id_number.unwrap();
        assert_eq!(sheet[1][id_col], format!("{}****************{}", &clear[..1], &clear[17..]));
        assert!(!sheet[1].iter().any(|c| c.contains("13800000001")), "phone masked");
        let org_col = sheet[0].iter().position(|h| h == "所在党组织").unwrap();
        assert_eq!(sheet[1][org_col], "槐树社区第一党支部", "paths start at the caller's scope root");
        // Revealed, for a role that may see sensitive fields.
        let mut file = sec.roster().export_members(&MemberFilter::default(), true).await.unwrap();
        let sheet = read_back(&file.bytes().unwrap());
        assert_eq!(sheet[1][id_col], clear);
        // A member may export only their own record, and never in the clear.
        let own = Scope {
            actor: Actor { account_id: 5, name: "me".into(), ip: "x".into() },
            role: Role::Member,
            region_id: tr.root.region_id,
            reach: Reach::OwnRecord { member_id: a.id, branch_path: ba.path.clone() },
            member_id: Some(a.id),
            scope_org_id: None,
        };
        assert!(matches!(
            t.db.scoped(&own).roster().export_members(&MemberFilter::default(), true).await,
            Err(StoreError::Forbidden)
        ));
        assert_eq!(t.db.scoped(&own).roster().export_members(&MemberFilter::default(), false).await.unwrap().count, 1);
        // Filters: another subtree is not found; a category filter applies.
        assert!(matches!(
            sec.roster().export_members(&MemberFilter { org_id: Some(tr.branch_b), ..Default::default() }, false).await,
            Err(StoreError::NotFound)
        ));
        let none =
            s.roster().export_members(&MemberFilter { category: "预备党员".into(), ..Default::default() }, false).await.unwrap();
        assert_eq!(none.count, 0);
        let records =
            crate::audit_rows(&t.db, &audit::AuditFilter { action: "member.export".into(), ..Default::default() }).await;
        assert_eq!(records.len(), 4, "{}: {records:?}", t.backend);
        assert!(records.iter().any(|r| r.detail.contains("明文：是")) && records.iter().any(|r| r.detail.contains("明文：否")));
        let q = s.roster().export_members(&MemberFilter { q: clear.clone(), ..Default::default() }, false).await.unwrap();
        assert_eq!(q.count, 1);
        let last = crate::audit_rows(&t.db, &audit::AuditFilter { action: "member.export".into(), ..Default::default() }).await;
        assert!(!last[0].detail.contains(&clear[..10]), "no ID number in the audit detail: {}", last[0].detail);
        // The clear export imports again unchanged.
        let mut full = s.roster().export_members(&MemberFilter::default(), true).await.unwrap();
        let bytes = full.bytes().unwrap();
        let p = s.roster().preview_import(&full.filename, bytes, &opts()).await.unwrap();
        assert_eq!((p.counts.unchanged, p.counts.invalid), (2, 0), "{}: {:?}", t.backend, p.problems);
    }
}

/// Release-mode timing of a 20,000-row import (preview and commit, on each backend):
/// `cargo test --release -p vanguard-store --test store -- --ignored --nocapture import_of_20000`
#[tokio::test]
#[ignore = "timing; run in release mode"]
async fn import_of_20000_rows_is_timed() {
    use vanguard_demo::generate::{MemberGenerator, Scale, generate_orgs};
    for t in each_backend().await {
        vanguard_demo::load::generate(&t.db, Scale::District, 7, |_, _| {}).await.unwrap();
        let today = t.db.clock().today();
        let seeds = generate_orgs(Scale::District, 7, today);
        let path_of = |mut i: usize| {
            let mut names = vec![seeds[i].name.clone()];
            while let Some(p) = seeds[i].parent {
                names.push(seeds[p].name.clone());
                i = p;
            }
            names.reverse();
            names.join("/")
        };
        let heading: Vec<X> = vanguard_domain::member::roster::Column::ALL.iter().map(|c| X::from(c.heading())).collect();
        let mut rows = vec![heading];
        let mut generator = MemberGenerator::new(2026, today);
        let d = |d: Option<NaiveDate>| d.map(date_text).unwrap_or_default();
        'fill: for bi in 0..seeds.len() {
            let org = path_of(bi);
            for m in generator.members_of(&seeds, bi) {
                let f = &m.fields;
                rows.push(vec![
                    f.name.clone().into(),
                    f.gender.label().into(),
                    f.ethnicity.label().into(),
                    d(Some(f.birth_date)).into(),
                    f.id_number.as_str().into(),
                    f.education.map(|e| e.label()).unwrap_or("").into(),
                    f.phone.clone().unwrap_or_default().into(),
                    d(Some(f.joined_on)).into(),
                    d(f.confirmed_on).into(),
                    f.category.label().into(),
                    f.party_status.label().into(),
                    f.work_unit.clone().into(),
                    f.residence.clone().into(),
                    org.clone().into(),
                    m.group.map(|g| seeds[g].name.clone()).unwrap_or_default().into(),
                    f.flow.label().into(),
                    f.flow_place.clone().into(),
                    d(f.lost_contact_since).into(),
                ]);
                if rows.len() > 20_000 {
                    break 'fill;
                }
            }
        }
        let file = xlsx(rows);
        let root = vanguard_store::org::regions(&t.db).await.unwrap().remove(0);
        let sys = system(&root);
        let s = t.db.scoped(&sys);
        let started = std::time::Instant::now();
        let p = s.roster().preview_import("江北区花名册.xlsx", file.clone(), &opts()).await.unwrap();
        let previewed = started.elapsed();
        let r = s.roster().commit_import(p.batch_id.unwrap(), |_, _| {}).await.unwrap();
        let total = started.elapsed();
        println!(
            "20k-row import on {}: file {} KB, preview {:.2} s, commit {:.2} s, total {:.2} s; rows {}, created {}, updated {}, skipped {}",
            t.backend,
            file.len() / 1024,
            previewed.as_secs_f64(),
            (total - previewed).as_secs_f64(),
            total.as_secs_f64(),
            p.counts.rows,
            r.created.len(),
            r.updated.len(),
            r.skipped.len()
        );
        for e in p.problems.iter().take(5) {
            println!("  第{}行 [{}] {}", e.row, e.column, e.message);
        }
        assert_eq!(p.counts.rows, 20_000);
        assert!(r.created.len() > 19_000, "{:?}", p.counts);
    }
}
#[path = "store/findings.rs"]
mod findings;

/// A name for the n-th generated member (names may not contain digits).
fn cn_name(prefix: &str, n: u16) -> String {
    const D: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    format!("{prefix}{}{}", D[(n / 10 % 10) as usize], D[(n % 10) as usize])
}

fn page_req(cursor: Option<&str>, page: Option<u64>, limit: u32) -> PageRequest {
    PageRequest::from_query(&PageQuery { cursor: cursor.map(str::to_string), limit: Some(limit), page }).unwrap()
}

#[tokio::test]
async fn roster_pages_walk_forward_and_back_by_cursor_without_gaps_or_repeats() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        // 23 members over two branches and a group: pages of 5 cross branch boundaries.
        for i in 0..23u16 {
            let org = if i % 3 == 0 { tr.branch_b } else { tr.branch_a };
            let mut m = member(&cn_name("党员", i), 400 + i, org);
            if i % 5 == 0 && org == tr.branch_a {
                m.group_id = Some(tr.group_a);
            }
            s.members().create_member(&m).await.unwrap();
        }
        let f = MemberFilter::default();
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let p = s.members().list_members(&f, &page_req(cursor.as_deref(), None, 5)).await.unwrap();
            assert_eq!(p.total, Some(23), "{}", t.backend);
            assert_eq!(p.position as usize, seen.len(), "{}", t.backend);
            seen.extend(p.items.iter().map(|m| m.id));
            pages += 1;
            match p.next {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(pages, 5, "{}", t.backend);
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!((seen.len(), unique.len()), (23, 23), "{}: every member once", t.backend);

        // The last page (the last five rows, read backwards whatever the list's length), then
        // back by `prev` to the first: the same rows in the same order.
        let mut back = Vec::new();
        let mut p = s.members().list_members(&f, &page_req(Some(LAST), None, 5)).await.unwrap();
        assert_eq!((p.position, p.items.len(), p.next.is_none(), p.number()), (18, 5, true, 5), "{}", t.backend);
        loop {
            back.splice(0..0, p.items.iter().map(|m| m.id));
            match p.prev.clone() {
                Some(c) => p = s.members().list_members(&f, &page_req(Some(&c), None, 5)).await.unwrap(),
                None => break,
            }
        }
        assert_eq!(back, seen, "{}", t.backend);
    }
}

#[tokio::test]
async fn a_jump_by_page_number_lands_where_walking_would() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        for i in 0..17u16 {
            let org = if i % 2 == 0 { tr.branch_a } else { tr.branch_b };
            s.members().create_member(&member(&cn_name("跳页", i), 500 + i, org)).await.unwrap();
        }
        let f = MemberFilter::default();
        let all: Vec<i64> =
            s.members().list_members(&f, &page_req(None, None, 50)).await.unwrap().items.iter().map(|m| m.id).collect();
        for page in 1..=4u64 {
            let p = s.members().list_members(&f, &page_req(None, Some(page), 4)).await.unwrap();
            let want: Vec<i64> = all.iter().skip(((page - 1) * 4) as usize).take(4).copied().collect();
            assert_eq!(p.items.iter().map(|m| m.id).collect::<Vec<_>>(), want, "{} page {page}", t.backend);
            assert_eq!(p.number(), page, "{}", t.backend);
        }
        // A filtered roster jumps by a bounded offset; past the end is an empty page.
        let by_name = MemberFilter { sort: "name".into(), ..Default::default() };
        let p = s.members().list_members(&by_name, &page_req(None, Some(2), 10)).await.unwrap();
        assert_eq!(p.items.len(), 7, "{}", t.backend);
        let past = s.members().list_members(&f, &page_req(None, Some(99), 10)).await.unwrap();
        assert!(past.items.is_empty(), "{}", t.backend);
        // Page numbers that cannot be a position are refused before any query.
        assert!(PageRequest::from_query(&PageQuery { page: Some(9_223_372_036_854_775_807), ..Default::default() }).is_err());
    }
}

#[tokio::test]
async fn percent_and_underscore_in_a_search_match_themselves() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        s.members().create_member(&member("张三", 600, tr.branch_a)).await.unwrap();
        s.members().create_member(&member("李四", 601, tr.branch_a)).await.unwrap();
        for q in ["%", "_", "张%", "_三"] {
            let f = MemberFilter { q: q.into(), ..Default::default() };
            let p = s.members().list_members(&f, &page_req(None, None, 20)).await.unwrap();
            assert!(p.items.is_empty(), "{}: q={q} must not act as a wildcard", t.backend);
        }
        let f = MemberFilter { q: "张".into(), ..Default::default() };
        assert_eq!(s.members().list_members(&f, &page_req(None, None, 20)).await.unwrap().items.len(), 1, "{}", t.backend);
    }
}

#[tokio::test]
async fn a_forged_cursor_is_refused_not_misread() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        s.members().create_member(&member("游标", 610, tr.branch_a)).await.unwrap();
        // A cursor of another list (one key part instead of two) is an input error.
        let other =
            PageRequest { seek: vanguard_domain::kernel::paging::Seek::After { key: vec![1i64.into()], position: 1 }, limit: 5 };
        assert!(matches!(s.members().list_members(&MemberFilter::default(), &other).await, Err(StoreError::Invalid(_))));
    }
}

#[tokio::test]
async fn a_stored_code_the_program_does_not_know_is_an_error_not_a_default() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let m = s.members().create_member(&member("错码", 620, tr.branch_a)).await.unwrap();
        // Written by a newer version, or by hand.
        vanguard_testkit::raw_execute(&t.db, &format!("UPDATE orgs SET kind = 'martian' WHERE id = {}", tr.branch_b))
            .await
            .unwrap();
        vanguard_testkit::raw_execute(&t.db, &format!("UPDATE members SET category = 'alien' WHERE id = {}", m.id))
            .await
            .unwrap();
        let org = s.orgs().org(tr.branch_b).await;
        assert!(org.is_err(), "{}: an unknown org kind must not read as a 党支部: {org:?}", t.backend);
        let member = s.members().member(m.id).await;
        assert!(
            matches!(&member, Err(StoreError::Corrupt { column, .. }) if column == "members.category"),
            "{}: an unknown category must not read as 正式党员: {member:?}",
            t.backend
        );
    }
}

#[tokio::test]
async fn an_engine_reconciles_only_its_own_findings_about_the_subjects_it_judged() {
    use vanguard_domain::kernel::finding::{Finding, Severity, Subject};
    use vanguard_domain::kernel::period::{Period, PeriodKind};
    use vanguard_store::platform::findings::{Placed, Reconciled, reconcile};
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let m = s.members().create_member(&member("引擎", 630, tr.branch_a)).await.unwrap();
        let branch = s.orgs().org(tr.branch_a).await.unwrap();
        let year = Period::containing(PeriodKind::Year, NaiveDate::from_ymd_opt(2026, 6, 1).unwrap());
        let finding = |code: &str, subject: Subject, severity: Severity| Placed {
            finding: Finding {
                rule_code: code.into(),
                rule_version: 1,
                subject,
                period: year,
                severity,
                evidence: format!("{code} 证据"),
            },
            org_id: branch.id,
            org_path: branch.path.clone(),
        };
        let region = branch.region_id;
        let subjects = [Subject::Member(m.id), Subject::Org(branch.id)];
        let none = |_: Subject| String::new();
        let run = |new: Vec<Placed>, prefix: &'static str| {
            let db = t.db.clone();
            async move {
                let mut tx = db.begin().await.unwrap();
                let r = reconcile(&mut tx, region, db.clock().now_ms(), prefix, &subjects, new, &none).await.unwrap();
                tx.commit().await.unwrap();
                r
            }
        };
        // Another engine's finding about the same member.
        assert_eq!(run(vec![finding("other.x", Subject::Member(m.id), Severity::Warning)], "other.").await.opened, 1);
        let first = vec![
            finding("test.a", Subject::Member(m.id), Severity::Warning),
            finding("test.b", Subject::Org(branch.id), Severity::Info),
        ];
        assert_eq!(run(first.clone(), "test.").await, Reconciled { opened: 2, updated: 0, resolved: 0 }, "{}", t.backend);
        assert_eq!(run(first, "test.").await, Reconciled::default(), "{}: unchanged facts write nothing", t.backend);
        let escalated = vec![finding("test.a", Subject::Member(m.id), Severity::Finding)];
        assert_eq!(run(escalated, "test.").await, Reconciled { opened: 0, updated: 1, resolved: 1 }, "{}", t.backend);
        let open = |rule: &'static str| {
            let f = vanguard_store::cockpit::FindingFilter { rule: Some(rule.into()), ..Default::default() };
            let s = &s;
            async move { s.cockpit().findings(&f, &PageRequest::first(50)).await.unwrap().items }
        };
        assert_eq!(open("other.x").await.len(), 1, "{}: another engine's finding is untouched", t.backend);
        let a = open("test.a").await;
        assert_eq!((a.len(), a[0].severity.as_str()), (1, "finding"), "{}", t.backend);
        assert!(open("test.b").await.is_empty(), "{}: vanished, so resolved", t.backend);
    }
}
