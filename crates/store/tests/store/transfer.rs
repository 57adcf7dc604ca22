//! 组织关系接转 storage: a transfer across region roots seen and accepted by the receiving
//! branch, separation of duties, idempotent accept, 拒接 seen by the parent, expiry and
//! re-issue by the daily check — each case on every backend.

use super::{Tree, member, subtree_scope, system, tree};
use vanguard_domain::affairs::transfer::TransferInput;
use vanguard_domain::kernel::auth::Role;
use vanguard_domain::kernel::paging::PageRequest;
use vanguard_domain::org::{OrgKind, Sector};
use vanguard_store::affairs::{TransferBox, TransferDecision};
use vanguard_store::org::OrgRow;
use vanguard_store::{Db, Scope, StoreError};
use vanguard_testkit::backends;

/// A second district (its own region) with one branch.
async fn other_region(db: &Db) -> (OrgRow, OrgRow) {
    let mut tx = db.begin().await.unwrap();
    let root = vanguard_store::org::create_root(db, &mut tx, "中共另一区委员会", OrgKind::Committee, Sector::Government, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let sys = system(&root);
    let input = super::org("另一社区党支部", "党支部", "社区");
    let id = db.scoped(&sys).orgs().create_org(root.id, &input).await.unwrap().id;
    let branch = db.scoped(&sys).orgs().org(id).await.unwrap();
    (root, branch)
}

fn as_account(mut s: Scope, account: i64) -> Scope {
    s.actor.account_id = account;
    s
}

async fn branch_scope(db: &Db, tr: &Tree, org: i64, account: i64) -> Scope {
    let row = db.scoped(&system(&tr.root)).orgs().org(org).await.unwrap();
    as_account(subtree_scope(&tr.root, &row.path, Role::BranchSecretary), account)
}

fn act(action: &str, note: &str) -> TransferDecision {
    TransferDecision { action: action.into(), note: note.into(), valid_days: String::new() }
}

fn to(member_id: i64, to_org_id: i64) -> TransferInput {
    TransferInput { member_id, to_org_id, reason: "工作调动".into(), ..Default::default() }
}

#[tokio::test]
async fn a_transfer_across_region_roots_is_seen_and_accepted_by_the_receiving_branch_once() {
    for t in backends().await {
        let tr = tree(&t.db).await;
        let (root2, branch2) = other_region(&t.db).await;
        let sys = system(&tr.root);
        let m = t.db.scoped(&sys).members().create_member(&member("转一", 401, tr.branch_a)).await.unwrap().id;
        let sender = branch_scope(&t.db, &tr, tr.branch_a, 10).await;
        let tf = t.db.scoped(&sender).transfers().initiate(&to(m, branch2.id)).await.unwrap();
        assert_eq!((tf.state.as_str(), tf.valid_days), ("initiated", 10), "[{}]", t.backend);
        // The initiator may not approve it; another account of the sending side does.
        let err = t.db.scoped(&sender).transfers().decide(tf.id, &act("approve", "")).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict { code: "transfer.same_account", .. }), "[{}] {err:?}", t.backend);
        let street = branch_scope(&t.db, &tr, tr.street, 11).await;
        let tf = t.db.scoped(&street).transfers().decide(tf.id, &act("approve", "")).await.unwrap();
        assert_eq!(tf.state, "in_transit", "[{}]", t.backend);
        assert!(tf.letter_no.as_deref().is_some_and(|n| n.contains("转字第0001号")), "[{}] {:?}", t.backend, tf.letter_no);
        // The receiving branch, in another region, sees it although the member is not in its subtree.
        let receiver = as_account(subtree_scope(&root2, &branch2.path, Role::BranchSecretary), 20);
        let incoming =
            t.db.scoped(&receiver).transfers().list(TransferBox::Incoming, None, &PageRequest::first(20)).await.unwrap();
        assert_eq!(incoming.items.iter().map(|x| x.id).collect::<Vec<_>>(), vec![tf.id], "[{}]", t.backend);
        assert_eq!(t.db.scoped(&receiver).transfers().awaiting_me().await.unwrap().len(), 1, "[{}]", t.backend);
        // A sibling branch of the sender sees nothing of it, and the receiver cannot withdraw it.
        let sibling = branch_scope(&t.db, &tr, tr.branch_b, 12).await;
        assert!(matches!(t.db.scoped(&sibling).transfers().transfer(tf.id).await, Err(StoreError::NotFound)), "[{}]", t.backend);
        let err = t.db.scoped(&receiver).transfers().decide(tf.id, &act("withdraw", "")).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict { code: "transfer.wrong_side", .. }), "[{}] {err:?}", t.backend);
        // Accepting moves the member into the receiving region; a second accept records nothing more.
        let done = t.db.scoped(&receiver).transfers().decide(tf.id, &act("accept", "")).await.unwrap();
        assert_eq!(done.state, "accepted", "[{}]", t.backend);
        let again = t.db.scoped(&receiver).transfers().decide(tf.id, &act("accept", "")).await.unwrap();
        assert_eq!((again.state.as_str(), again.new_member_id), ("accepted", done.new_member_id), "[{}]", t.backend);
        let old = t.db.scoped(&sys).members().member_row(m).await.unwrap();
        assert!(old.archived && old.left_reason.as_deref() == Some("transferred_out"), "[{}]", t.backend);
        let new_id = done.new_member_id.unwrap();
        let moved = t.db.scoped(&receiver).members().member_row(new_id).await.unwrap();
        assert_eq!((moved.name.as_str(), moved.org_id, moved.archived), ("转一", branch2.id, false), "[{}]", t.backend);
        let counts = t.db.scoped(&receiver).orgs().org(branch2.id).await.unwrap();
        assert_eq!(counts.direct_members, 1, "[{}]", t.backend);
        // The sender records the 回执: completed.
        let fin = t.db.scoped(&sender).transfers().decide(tf.id, &act("receipt", "")).await.unwrap();
        assert_eq!(fin.state, "completed", "[{}]", t.backend);
    }
}

#[tokio::test]
async fn refusing_needs_a_reason_that_the_receiving_parent_sees() {
    for t in backends().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let m = t.db.scoped(&sys).members().create_member(&member("转二", 402, tr.branch_a)).await.unwrap().id;
        let sender = branch_scope(&t.db, &tr, tr.branch_a, 10).await;
        let tf = t.db.scoped(&sender).transfers().initiate(&to(m, tr.branch_b)).await.unwrap();
        // A second open transfer of the same member is refused.
        let err = t.db.scoped(&sender).transfers().initiate(&to(m, tr.branch_b)).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict { code: "transfer.open", .. }), "[{}] {err:?}", t.backend);
        let street = branch_scope(&t.db, &tr, tr.street, 11).await;
        t.db.scoped(&street).transfers().decide(tf.id, &act("approve", "")).await.unwrap();
        let receiver = branch_scope(&t.db, &tr, tr.branch_b, 20).await;
        let err = t.db.scoped(&receiver).transfers().decide(tf.id, &act("refuse", " ")).await.unwrap_err();
        assert!(matches!(err, StoreError::Invalid(ref inv) if inv.has("text.required")), "[{}] {err:?}", t.backend);
        let r = t.db.scoped(&receiver).transfers().decide(tf.id, &act("refuse", "本支部无此人员的接收计划")).await.unwrap();
        assert_eq!(r.state, "refused", "[{}]", t.backend);
        let district = as_account(subtree_scope(&tr.root, &tr.root.path, Role::CommitteeAdmin), 30);
        let seen = t.db.scoped(&district).transfers().list(TransferBox::Incoming, None, &PageRequest::first(20)).await.unwrap();
        assert_eq!(seen.items[0].note, "本支部无此人员的接收计划", "[{}]", t.backend);
        // Still in the sending branch.
        assert_eq!(t.db.scoped(&sys).members().member_row(m).await.unwrap().org_id, tr.branch_a, "[{}]", t.backend);
    }
}

#[tokio::test]
async fn a_lapsed_letter_expires_in_the_daily_check_is_a_finding_and_is_reissued_with_a_new_number() {
    for t in backends().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let m = t.db.scoped(&sys).members().create_member(&member("转三", 403, tr.branch_a)).await.unwrap().id;
        let sender = branch_scope(&t.db, &tr, tr.branch_a, 10).await;
        let input = TransferInput { valid_days: "3".into(), ..to(m, tr.branch_b) };
        let tf = t.db.scoped(&sender).transfers().initiate(&input).await.unwrap();
        let street = branch_scope(&t.db, &tr, tr.street, 11).await;
        let tf = t.db.scoped(&street).transfers().decide(tf.id, &act("approve", "")).await.unwrap();
        let first = tf.letter_no.clone().unwrap();
        let today = t.db.clock().today();
        vanguard_store::platform::engines::run_all(&t.db, tr.root.region_id, today + chrono::Days::new(2)).await.unwrap();
        let still = t.db.scoped(&sender).transfers().transfer(tf.id).await.unwrap();
        assert_eq!(still.state, "in_transit", "[{}] valid through its third day (the day of issue is the first)", t.backend);
        vanguard_store::platform::engines::run_all(&t.db, tr.root.region_id, today + chrono::Days::new(3)).await.unwrap();
        let lapsed = t.db.scoped(&sender).transfers().transfer(tf.id).await.unwrap();
        assert_eq!(lapsed.state, "expired", "[{}]", t.backend);
        let filter =
            vanguard_store::cockpit::FindingFilter { rule: Some("affairs.transfer_overdue".into()), ..Default::default() };
        let open = t.db.scoped(&sys).cockpit().findings(&filter, &PageRequest::first(10)).await.unwrap();
        assert_eq!(open.items.len(), 1, "[{}]", t.backend);
        assert!(open.items[0].evidence.contains("已过期"), "{}", open.items[0].evidence);
        let receiver = branch_scope(&t.db, &tr, tr.branch_b, 20).await;
        let err = t.db.scoped(&receiver).transfers().decide(tf.id, &act("accept", "")).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict { code: "transfer.state", .. }), "[{}] {err:?}", t.backend);
        let re = t.db.scoped(&sender).transfers().decide(tf.id, &act("reissue", "")).await.unwrap();
        assert_eq!(re.state, "in_transit", "[{}]", t.backend);
        assert_ne!(re.letter_no.unwrap(), first, "[{}]", t.backend);
    }
}
