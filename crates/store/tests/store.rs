//! Store tests: every case runs on SQLite and on PostgreSQL (see `testkit`).

use chrono::NaiveDate;
use vanguard_domain::auth::{Reach, Role};
use vanguard_domain::idcard::compose;
use vanguard_domain::member::MemberInput;
use vanguard_domain::org::{OrgInput, OrgKind, Sector};
use vanguard_store::audit::{self, ChainProblem};
use vanguard_store::member::{Leave, MemberFilter, NewMember};
use vanguard_store::org::OrgRow;
use vanguard_store::testkit::{TestDb, backends};
use vanguard_store::{Actor, Db, Scope, StoreError};

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
    let street = s.create_org(root.id, &org("甲街道党工委", "党工委", "机关")).await.unwrap().id;
    let other_street = s.create_org(root.id, &org("乙街道党工委", "党工委", "机关")).await.unwrap().id;
    let branch_a = s.create_org(street, &org("槐树社区第一党支部", "党支部", "社区")).await.unwrap().id;
    let branch_b = s.create_org(street, &org("槐树社区第二党支部", "党支部", "社区")).await.unwrap().id;
    let group_a = s.create_org(branch_a, &org("第一党小组", "党小组", "社区")).await.unwrap().id;
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
async fn sqlite_and_postgres_schemas_match_column_for_column() {
    let sqlite = vanguard_store::testkit::sqlite().await;
    let Some(pg) = vanguard_store::testkit::postgres().await else { return };
    let a = vanguard_store::schema::columns(&sqlite.db).await.unwrap();
    let b = vanguard_store::schema::columns(&pg.db).await.unwrap();
    assert!(a.len() > 50, "expected the whole schema, got {} columns", a.len());
    assert!(a.iter().all(|c| c.kind != "other"), "unmapped column type in SQLite: {a:?}");
    assert_eq!(a, b, "SQLite and PostgreSQL schemas differ");
    assert_eq!(
        vanguard_store::schema::migration_versions(&sqlite.db).await.unwrap(),
        vanguard_store::schema::migration_versions(&pg.db).await.unwrap()
    );
}

#[tokio::test]
async fn every_org_owned_table_carries_the_region_key_first_in_its_primary_key() {
    for t in each_backend().await {
        let cols = vanguard_store::schema::columns(&t.db).await.unwrap();
        for table in ["orgs", "members", "member_history"] {
            assert!(cols.iter().any(|c| c.table == table && c.name == "region_id" && !c.nullable), "{} {table}", t.backend);
        }
    }
}

#[tokio::test]
async fn nesting_rules_refuse_a_group_under_a_committee() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let err = t.db.scoped(&sys).create_org(tr.street, &org("第九党小组", "党小组", "其他")).await.unwrap_err();
        assert!(matches!(&err, StoreError::Invalid(i) if i.has("kind.nesting")), "{}: {err:?}", t.backend);
    }
}

#[tokio::test]
async fn sibling_orgs_cannot_share_a_name() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let err = t.db.scoped(&sys).create_org(tr.street, &org("槐树社区第一党支部", "党支部", "社区")).await.unwrap_err();
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
        let m = s.create_member(&m).await.unwrap();
        let street_row = s.org(tr.street).await.unwrap();
        let street_admin = subtree_scope(&tr.root, &street_row.path, Role::CommitteeAdmin);
        assert!(t.db.scoped(&street_admin).member(m.id).await.is_ok());

        s.move_org(tr.branch_a, tr.other_street).await.unwrap();

        let moved = s.org(tr.branch_a).await.unwrap();
        let other = s.org(tr.other_street).await.unwrap();
        assert!(moved.path.starts_with(&other.path), "{}", t.backend);
        assert_eq!(moved.depth, other.depth + 1);
        let group = s.org(tr.group_a).await.unwrap();
        assert!(group.path.starts_with(&moved.path));
        assert_eq!(group.depth, moved.depth + 1);
        // The old street's admin loses the branch and its member at once.
        assert!(matches!(t.db.scoped(&street_admin).member(m.id).await, Err(StoreError::NotFound)));
        assert!(matches!(t.db.scoped(&street_admin).org(tr.branch_a).await, Err(StoreError::NotFound)));
        let other_admin = subtree_scope(&tr.root, &other.path, Role::CommitteeAdmin);
        assert_eq!(t.db.scoped(&other_admin).member(m.id).await.unwrap().name, "张三");
        // Counts follow the subtree.
        let counts = s.subtree_counts(&other).await.unwrap();
        assert_eq!(counts.members, 1);
        assert_eq!(s.subtree_counts(&street_row).await.unwrap().members, 0);
    }
}

#[tokio::test]
async fn an_org_cannot_move_under_its_own_descendant() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let err = t.db.scoped(&sys).move_org(tr.street, tr.branch_a).await.unwrap_err();
        assert!(matches!(&err, StoreError::Invalid(i) if i.has("move.into_own_subtree")), "{}: {err:?}", t.backend);
    }
}

#[tokio::test]
async fn nobody_moves_or_dissolves_their_own_scope_root() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let street = t.db.scoped(&sys).org(tr.street).await.unwrap();
        let admin = subtree_scope(&tr.root, &street.path, Role::CommitteeAdmin);
        let err = t.db.scoped(&admin).dissolve_org(tr.street, None).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict { code: "org.dissolve_scope_root", .. }), "{}", t.backend);
    }
}

#[tokio::test]
async fn dissolving_is_refused_while_members_remain_and_allowed_after_they_leave() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let m = s.create_member(&member("李四", 2, tr.branch_b)).await.unwrap();
        let err = s.dissolve_org(tr.branch_b, None).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict { code: "org.has_members", .. }), "{}", t.backend);
        s.archive_member(m.id, &Leave { reason: "died".into(), left_on: "2026-01-02".into(), note: String::new() })
            .await
            .unwrap();
        let view = s.dissolve_org(tr.branch_b, None).await.unwrap();
        assert_eq!(view.status, "dissolved");
        // The member is still there, in the history archive.
        let archived = s.list_members(&MemberFilter { archived: Some(true), ..Default::default() }).await.unwrap();
        assert_eq!(archived.total, 1);
        assert_eq!(archived.items[0].left_reason.as_deref(), Some("died"));
    }
}

#[tokio::test]
async fn every_member_change_is_kept_as_history_with_masked_sensitive_values() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let m = s.create_member(&member("王五", 3, tr.branch_a)).await.unwrap();
        let patch =
            MemberInput {
                residence: Some("江北区庄桥街道".into()), phone: Some("13912345678".into()), ..Default::default()
            };
        let updated = s.update_member(m.id, &patch, Some(m.version)).await.unwrap();
        assert_eq!(updated.version, m.version + 1);
        assert_eq!(updated.phone.as_deref(), Some("139****5678"));
        let h = s.member_history(m.id).await.unwrap();
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
        let m = s.create_member(&member("赵六", 4, tr.branch_a)).await.unwrap();
        s.update_member(m.id, &MemberInput { residence: Some("甲".into()), ..Default::default() }, Some(m.version))
            .await
            .unwrap();
        let err = s
            .update_member(m.id, &MemberInput { residence: Some("乙".into()), ..Default::default() }, Some(m.version))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict { code: "member.stale", .. }));
        assert_eq!(s.member(m.id).await.unwrap().residence, "甲");
    }
}

#[tokio::test]
async fn a_duplicate_id_number_is_refused_and_nothing_is_half_written() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        s.create_member(&member("孙七", 5, tr.branch_a)).await.unwrap();
        let before = audit::list(&t.db, &Default::default()).await.unwrap().len();
        let mut dup = member("周八", 5, tr.branch_b);
        dup.fields.phone = Some("13700000000".into());
        let err = s.create_member(&dup).await.unwrap_err();
        assert!(matches!(&err, StoreError::Invalid(i) if i.has("id_number.duplicate")), "{}: {err:?}", t.backend);
        let all = s.list_members(&MemberFilter::default()).await.unwrap();
        assert_eq!(all.total, 1, "{}", t.backend);
        let b = s.org(tr.branch_b).await.unwrap();
        assert_eq!(b.direct_members, 0, "counter must roll back with the failed insert");
        assert_eq!(audit::list(&t.db, &Default::default()).await.unwrap().len(), before);
    }
}

#[tokio::test]
async fn members_belong_to_branches_not_committees() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let err = t.db.scoped(&sys).create_member(&member("吴九", 6, tr.street)).await.unwrap_err();
        assert!(matches!(&err, StoreError::Invalid(i) if i.has("org.not_branch")), "{err:?}");
    }
}

#[tokio::test]
async fn out_of_scope_objects_are_not_found_and_cannot_be_written() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let a = s.create_member(&member("郑十", 7, tr.branch_a)).await.unwrap();
        let b = s.create_member(&member("钱一", 8, tr.branch_b)).await.unwrap();
        let ba = s.org(tr.branch_a).await.unwrap();
        let secretary = subtree_scope(&tr.root, &ba.path, Role::BranchSecretary);
        let sec = t.db.scoped(&secretary);
        assert!(sec.member(a.id).await.is_ok());
        assert!(matches!(sec.member(b.id).await, Err(StoreError::NotFound)));
        assert!(matches!(sec.org(tr.branch_b).await, Err(StoreError::NotFound)));
        let err =
            sec.update_member(b.id, &MemberInput { residence: Some("x".into()), ..Default::default() }, None).await.unwrap_err();
        assert!(matches!(err, StoreError::NotFound));
        let err = sec.create_member(&member("越界", 9, tr.branch_b)).await.unwrap_err();
        assert!(matches!(&err, StoreError::Invalid(i) if i.has("org.not_found")), "{err:?}");
        let roster = sec.list_members(&MemberFilter::default()).await.unwrap();
        assert_eq!(roster.items.iter().map(|m| m.id).collect::<Vec<_>>(), vec![a.id]);
        // Asking for another subtree's roster is a not-found, not an empty list.
        assert!(matches!(
            sec.list_members(&MemberFilter { org_id: Some(tr.branch_b), ..Default::default() }).await,
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
        let me = s.create_member(&member("本人", 10, tr.branch_a)).await.unwrap();
        let other = s.create_member(&member("同支部", 11, tr.branch_a)).await.unwrap();
        let ba = s.org(tr.branch_a).await.unwrap();
        let own = Scope {
            actor: Actor { account_id: 5, name: "me".into(), ip: "x".into() },
            role: Role::Member,
            region_id: tr.root.region_id,
            reach: Reach::OwnRecord { member_id: me.id, branch_path: ba.path.clone() },
            member_id: Some(me.id),
            scope_org_id: None,
        };
        let o = t.db.scoped(&own);
        assert!(o.member(me.id).await.is_ok());
        assert!(matches!(o.member(other.id).await, Err(StoreError::NotFound)));
        assert!(o.org(tr.branch_a).await.is_ok());
        assert!(matches!(o.org(tr.group_a).await, Err(StoreError::NotFound)));
        assert_eq!(o.list_members(&MemberFilter::default()).await.unwrap().total, 1);
        let err =
            o.update_member(me.id, &MemberInput { residence: Some("x".into()), ..Default::default() }, None).await.unwrap_err();
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
        let created = s.create_member(&m).await.unwrap();
        s.create_member(&member("欧文", 13, tr.branch_b)).await.unwrap();
        let by = |q: &str| MemberFilter { q: q.to_string(), ..Default::default() };
        assert_eq!(s.list_members(&by("欧阳")).await.unwrap().total, 1);
        assert_eq!(s.list_members(&by("欧")).await.unwrap().total, 2);
        assert_eq!(s.list_members(&by(&id_number)).await.unwrap().items[0].id, created.id);
        assert_eq!(s.list_members(&by("13800000012")).await.unwrap().items[0].id, created.id);
        let in_b = MemberFilter { org_id: Some(tr.branch_b), ..Default::default() };
        assert_eq!(s.list_members(&in_b).await.unwrap().total, 1);
        let probationers = MemberFilter { category: "预备党员".into(), ..Default::default() };
        assert_eq!(s.list_members(&probationers).await.unwrap().total, 0);
    }
}

#[tokio::test]
async fn id_numbers_and_phones_are_encrypted_at_rest() {
    let t = vanguard_store::testkit::sqlite().await;
    let tr = tree(&t.db).await;
    let sys = system(&tr.root);
    let s = t.db.scoped(&sys);
    let mut ids = Vec::new();
    for i in 0..50u16 {
        let m = member("测试员", 100 + i, tr.branch_a);
        ids.push(m.fields.id_number.clone().unwrap());
        s.create_member(&m).await.unwrap();
    }
    // Reveal is the only way back to the clear value.
    let first = s.list_members(&MemberFilter { per_page: Some(1), ..Default::default() }).await.unwrap().items[0].id;
    let clear = s.reveal(first, vanguard_store::member::SensitiveField::IdNumber).await.unwrap().unwrap();
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
            s.create_member(&member("审计员", 200 + i, tr.branch_a)).await.unwrap();
        }
        let v = audit::verify(&t.db, |_, _| {}).await.unwrap();
        assert!(v.is_intact(), "{}: {:?}", t.backend, v.problems);
        assert!(v.records >= 10);

        // Modify one record's content.
        let mut tx = t.db.begin().await.unwrap();
        vanguard_store::exec_tx!(tx, c => sqlx::query("UPDATE audit_log SET detail = 'forged' WHERE seq = 3").execute(c).await)
            .unwrap();
        tx.commit().await.unwrap();
        let v = audit::verify(&t.db, |_, _| {}).await.unwrap();
        assert_eq!(v.problems, vec![ChainProblem::Modified { seq: 3 }], "{}", t.backend);

        // Delete a record in the middle.
        let mut tx = t.db.begin().await.unwrap();
        vanguard_store::exec_tx!(tx, c => sqlx::query("DELETE FROM audit_log WHERE seq = 6").execute(c).await).unwrap();
        tx.commit().await.unwrap();
        let v = audit::verify(&t.db, |_, _| {}).await.unwrap();
        assert!(v.problems.contains(&ChainProblem::Missing { from_seq: 6, to_seq: 6 }), "{:?}", v.problems);

        // Delete the last record: the head no longer matches.
        let last = v.records + 1;
        let mut tx = t.db.begin().await.unwrap();
        vanguard_store::exec_tx!(tx, c => sqlx::query("DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)").execute(c).await).unwrap();
        tx.commit().await.unwrap();
        let v = audit::verify(&t.db, |_, _| {}).await.unwrap();
        assert!(v.problems.iter().any(|p| matches!(p, ChainProblem::HeadMismatch { .. })), "{last}: {:?}", v.problems);

        // Insert a forged record into the gap.
        let mut tx = t.db.begin().await.unwrap();
        vanguard_store::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO audit_log (seq, at, actor_id, actor_name, ip, action, object, result, detail, hash) VALUES (6, 0, 0, 'x', 'x', 'x', 'x', 'ok', '', $1)")
            .bind(vec![0u8; 32]).execute(c).await).unwrap();
        tx.commit().await.unwrap();
        let v = audit::verify(&t.db, |_, _| {}).await.unwrap();
        assert!(v.problems.contains(&ChainProblem::Modified { seq: 6 }), "{:?}", v.problems);
    }
}

#[tokio::test]
async fn writes_are_audited_with_actor_action_object_and_result() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let m = t.db.scoped(&sys).create_member(&member("记录", 300, tr.branch_a)).await.unwrap();
        let rows = audit::list(&t.db, &audit::AuditFilter { action: "member.".into(), ..Default::default() }).await.unwrap();
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
        vanguard_store::rules::save(&mut tx, &rules, 0).await.unwrap();
        tx.commit().await.unwrap();
        let loaded = vanguard_store::rules::load_or_init(&t.db).await.unwrap();
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
        s.create_member(&member("甲", 400, tr.branch_b)).await.unwrap();
        let detail = s.org_detail(tr.branch_b).await.unwrap();
        assert_eq!(detail.findings.iter().map(|f| f.code).collect::<Vec<_>>(), vec!["branch.too_few_formal"]);
        assert_eq!(detail.org.counts.members, 1);
        let street = s.org_detail(tr.street).await.unwrap();
        assert_eq!(street.children.len(), 2);
        assert_eq!(street.children.iter().map(|c| c.counts.members).sum::<i64>(), 1);
        assert_eq!(street.ancestors.first().map(|a| a.id), Some(tr.root.id));
    }
}

#[tokio::test]
async fn demo_district_is_generated_with_one_account_per_role() {
    for t in each_backend().await {
        let summary = vanguard_store::demo::generate(&t.db, vanguard_domain::demo::Scale::District, 7, |_, _| {}).await.unwrap();
        assert!((19_000..=21_000).contains(&summary.members), "{}", summary.members);
        assert!((900..=1_100).contains(&summary.branches), "{}", summary.branches);
        let roles: Vec<Role> = summary.accounts.iter().map(|a| a.1).collect();
        for r in Role::ALL {
            assert!(roles.contains(r), "no demo account for {r}");
        }
        for (user, _, _) in &summary.accounts {
            let ok = vanguard_store::account::login(&t.db, user, vanguard_store::demo::DEMO_PASSWORD, "127.0.0.1").await.unwrap();
            assert!(ok.is_ok(), "{user} cannot log in");
        }
        let root = vanguard_store::org::regions(&t.db).await.unwrap().remove(0);
        let sys = system(&root);
        let counts = t.db.scoped(&sys).subtree_counts(&root).await.unwrap();
        assert_eq!(counts.members as usize, summary.members, "{}", t.backend);
        assert!(audit::verify(&t.db, |_, _| {}).await.unwrap().is_intact());
        // Generation refuses a database that already has data.
        assert!(vanguard_store::demo::generate(&t.db, vanguard_domain::demo::Scale::District, 7, |_, _| {}).await.is_err());
    }
}
