//! 党费 storage: bases, bills generated for a subtree, the idempotent append-only ledger,
//! reversals, the report, the gateway's orders and the scope — each case on every backend.

use super::{Tree, member, subtree_scope, system, tree};
use chrono::NaiveDate;
use vanguard_domain::affairs::dues::{BaseInput, DuesCategory, Month, PaymentInput};
use vanguard_domain::kernel::auth::{Reach, Role};
use vanguard_domain::kernel::money::yuan;
use vanguard_domain::kernel::paging::PageRequest;
use vanguard_store::affairs::BillFilter;
use vanguard_store::member::Leave;
use vanguard_store::org::OrgRow;
use vanguard_store::platform::audit::AuditFilter;
use vanguard_store::{Actor, Db, Scope, StoreError};
use vanguard_testkit::backends;

/// Branch A: 张一 (在职, 4000 元 → 40 元), 张二 (离退休, 5000 元 → 25 元), 预一 (预备党员
/// since this month, 学生 → 0.2 元), 无基 (no base yet); branch B: 李一 (在职, 3000 元 →
/// 15 元).
struct Fixture {
    tr: Tree,
    branch_a: OrgRow,
    branch_b: OrgRow,
    street: OrgRow,
    zhang1: i64,
    zhang2: i64,
    pre: i64,
    li: i64,
    now: Month,
}

fn base(category: DuesCategory, fen: i64, from: Month) -> BaseInput {
    BaseInput {
        category: category.code().into(),
        base: yuan(fen),
        fixed: String::new(),
        from_month: from.key(),
        quarterly: false,
    }
}

async fn fixture(db: &Db) -> Fixture {
    let tr = tree(db).await;
    let sys = system(&tr.root);
    let s = db.scoped(&sys);
    let now = s.dues().current_month();
    let start = now.plus(-12);
    let add = async |name: &str, seq: u16, org_id: i64, joined: Option<NaiveDate>| {
        let mut m = member(name, seq, org_id);
        if let Some(j) = joined {
            m.fields.category = Some("预备党员".into());
            m.fields.confirmed_on = None;
            m.fields.joined_on = Some(j.to_string());
        }
        s.members().create_member(&m).await.unwrap().id
    };
    let zhang1 = add("张一", 301, tr.branch_a, None).await;
    let zhang2 = add("张二", 302, tr.branch_a, None).await;
    let pre = add("预一", 303, tr.branch_a, Some(now.first_day())).await;
    add("无基", 304, tr.branch_a, None).await;
    let li = add("李一", 305, tr.branch_b, None).await;
    let d = s.dues();
    d.set_base(zhang1, &base(DuesCategory::Employed, 400_000, start)).await.unwrap();
    d.set_base(zhang2, &base(DuesCategory::Retired, 500_000, start)).await.unwrap();
    d.set_base(pre, &base(DuesCategory::Needy, 0, start)).await.unwrap();
    d.set_base(li, &base(DuesCategory::Employed, 300_000, start)).await.unwrap();
    Fixture {
        branch_a: s.orgs().org(tr.branch_a).await.unwrap(),
        branch_b: s.orgs().org(tr.branch_b).await.unwrap(),
        street: s.orgs().org(tr.street).await.unwrap(),
        tr,
        zhang1,
        zhang2,
        pre,
        li,
        now,
    }
}

impl Fixture {
    fn secretary(&self, branch: &OrgRow) -> Scope {
        subtree_scope(&self.tr.root, &branch.path, Role::BranchSecretary)
    }
    fn own(&self, member_id: i64) -> Scope {
        Scope {
            actor: Actor { account_id: 500, name: "党员账户".into(), ip: "127.0.0.1".into() },
            role: Role::Member,
            region_id: self.tr.root.region_id,
            reach: Reach::OwnRecord { member_id, branch_path: self.branch_a.path.clone() },
            member_id: Some(member_id),
            scope_org_id: None,
        }
    }
}

fn cash(months: &[Month]) -> PaymentInput {
    PaymentInput { months: months.iter().map(|m| m.key()).collect(), payer: "cash".into(), ..Default::default() }
}

#[tokio::test]
async fn a_months_bills_follow_the_base_in_force_and_generating_twice_changes_nothing() {
    for t in backends().await {
        let f = fixture(&t.db).await;
        let sys = system(&f.tr.root);
        let d = t.db.scoped(&sys).dues();
        let out = d.generate_bills(f.street.id, &f.now.key()).await.unwrap();
        // 张一, 张二, 预一 (joined this month), 李一; 无基 has no base.
        assert_eq!((out.created, out.without_base), (4, 1), "[{}]", t.backend);
        let again = d.generate_bills(f.street.id, &f.now.key()).await.unwrap();
        assert_eq!(again.created, 0, "[{}]", t.backend);
        let page = d.bills(f.branch_a.id, f.now, BillFilter::All, &PageRequest::first(50)).await.unwrap();
        let amounts: Vec<(String, i64)> = page.items.iter().map(|b| (b.member_name.clone(), b.amount_fen)).collect();
        assert_eq!(amounts, vec![("张一".into(), 4000), ("张二".into(), 2500), ("预一".into(), 20)], "[{}]", t.backend);
        // The probationary member joined this month: nothing for last month.
        d.generate_bills(f.street.id, &f.now.plus(-1).key()).await.unwrap();
        let last = d.bills(f.branch_a.id, f.now.plus(-1), BillFilter::All, &PageRequest::first(50)).await.unwrap();
        assert!(last.items.iter().all(|b| b.member_id != f.pre), "[{}]", t.backend);
        assert_eq!(last.items.len(), 2);
    }
}

#[tokio::test]
async fn an_archived_member_is_billed_up_to_the_month_they_left() {
    for t in backends().await {
        let f = fixture(&t.db).await;
        let sys = system(&f.tr.root);
        let s = t.db.scoped(&sys);
        let left = f.now.plus(-2).first_day().to_string();
        s.members().archive_member(f.li, &Leave { reason: "died".into(), left_on: left, note: String::new() }).await.unwrap();
        for (back, expected) in [(-3, 1), (-2, 1), (-1, 0)] {
            s.dues().generate_bills(f.branch_b.id, &f.now.plus(back).key()).await.unwrap();
            let page = s.dues().bills(f.branch_b.id, f.now.plus(back), BillFilter::All, &PageRequest::first(10)).await.unwrap();
            assert_eq!(page.items.len(), expected, "[{}] {back}", t.backend);
        }
    }
}

#[tokio::test]
async fn a_new_base_from_a_month_changes_the_unpaid_bills_from_that_month_only() {
    for t in backends().await {
        let f = fixture(&t.db).await;
        let sys = system(&f.tr.root);
        let d = t.db.scoped(&sys).dues();
        for back in 0..4 {
            d.generate_bills(f.branch_a.id, &f.now.plus(-back).key()).await.unwrap();
        }
        d.record_payment(f.zhang1, &cash(&[f.now.plus(-3)]), "k-paid").await.unwrap();
        // A raise to 6000 元 that started two months ago: 1.5 % of the whole base.
        d.set_base(f.zhang1, &base(DuesCategory::Employed, 600_000, f.now.plus(-2))).await.unwrap();
        let mine = d.member_dues(f.zhang1).await.unwrap();
        let by_month = |m: Month| mine.bills.iter().find(|b| b.month == m.key()).map(|b| b.amount_fen);
        assert_eq!(by_month(f.now.plus(-3)), Some(4000), "[{}]", t.backend);
        assert_eq!(by_month(f.now.plus(-2)), Some(9000));
        assert_eq!(by_month(f.now), Some(9000));
        assert_eq!(mine.bases.len(), 2);
    }
}

#[tokio::test]
async fn the_same_payment_request_twice_records_once() {
    for t in backends().await {
        let f = fixture(&t.db).await;
        let sys = system(&f.tr.root);
        let d = t.db.scoped(&sys).dues();
        d.generate_bills(f.branch_a.id, &f.now.key()).await.unwrap();
        let first = d.record_payment(f.zhang1, &cash(&[f.now]), "pay-1").await.unwrap();
        let second = d.record_payment(f.zhang1, &cash(&[f.now]), "pay-1").await.unwrap();
        assert!(!first.replayed && second.replayed, "[{}]", t.backend);
        assert_eq!(first.entries.len(), 1);
        assert_eq!(second.entries[0].id, first.entries[0].id);
        let mine = d.member_dues(f.zhang1).await.unwrap();
        assert_eq!(mine.entries.len(), 1, "[{}]", t.backend);
        assert_eq!((mine.balance.due_fen, mine.balance.paid_fen), (4000, 4000));
        // The key cannot be reused for someone else.
        let err = d.record_payment(f.zhang2, &cash(&[f.now]), "pay-1").await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict { code: "dues.key_reused", .. }), "[{}] {err:?}", t.backend);
    }
}

#[tokio::test]
async fn two_concurrent_requests_with_one_key_record_once() {
    for t in backends().await {
        let f = fixture(&t.db).await;
        let sys = system(&f.tr.root);
        let d = t.db.scoped(&sys).dues();
        d.generate_bills(f.branch_a.id, &f.now.key()).await.unwrap();
        let req = cash(&[f.now]);
        let (a, b) = tokio::join!(d.record_payment(f.zhang1, &req, "same"), d.record_payment(f.zhang1, &req, "same"));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.entries[0].id, b.entries[0].id, "[{}]", t.backend);
        assert!(a.replayed || b.replayed);
        let mine = d.member_dues(f.zhang1).await.unwrap();
        assert_eq!((mine.entries.len(), mine.balance.paid_fen), (1, 4000), "[{}]", t.backend);
    }
}

#[tokio::test]
async fn two_payments_of_one_month_under_different_keys_land_once() {
    for t in backends().await {
        let f = fixture(&t.db).await;
        let sys = system(&f.tr.root);
        let d = t.db.scoped(&sys).dues();
        d.generate_bills(f.branch_a.id, &f.now.key()).await.unwrap();
        let req = cash(&[f.now]);
        let (a, b) = tokio::join!(d.record_payment(f.zhang1, &req, "one"), d.record_payment(f.zhang1, &req, "two"));
        assert_eq!([a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(), 1, "[{}] {a:?} {b:?}", t.backend);
        let mine = d.member_dues(f.zhang1).await.unwrap();
        assert_eq!((mine.entries.len(), mine.balance.paid_fen), (1, 4000), "[{}]", t.backend);
    }
}

#[tokio::test]
async fn makeup_is_recorded_six_months_back_and_refused_seven() {
    for t in backends().await {
        let f = fixture(&t.db).await;
        let sys = system(&f.tr.root);
        let d = t.db.scoped(&sys).dues();
        for back in [6, 7] {
            d.generate_bills(f.branch_b.id, &f.now.plus(-back).key()).await.unwrap();
        }
        d.record_payment(f.li, &cash(&[f.now.plus(-6)]), "six").await.unwrap();
        let err = d.record_payment(f.li, &cash(&[f.now.plus(-7)]), "seven").await.unwrap_err();
        assert!(matches!(&err, StoreError::Invalid(i) if i.has("dues.makeup_too_old")), "[{}] {err:?}", t.backend);
    }
}

#[tokio::test]
async fn a_reversal_appends_the_opposite_entry_once_and_the_bill_is_owed_again() {
    for t in backends().await {
        let f = fixture(&t.db).await;
        let sys = system(&f.tr.root);
        let d = t.db.scoped(&sys).dues();
        d.generate_bills(f.branch_a.id, &f.now.key()).await.unwrap();
        let paid = d.record_payment(f.zhang1, &cash(&[f.now]), "r-1").await.unwrap();
        let rev = d.reverse(paid.entries[0].id, "误登记").await.unwrap();
        assert_eq!((rev.kind.as_str(), rev.amount_fen, rev.reverses_id), ("reversal", -4000, Some(paid.entries[0].id)));
        let err = d.reverse(paid.entries[0].id, "误登记").await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict { code: "dues.already_reversed", .. }), "[{}] {err:?}", t.backend);
        let err = d.reverse(rev.id, "再冲").await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict { code: "dues.reverse_reversal", .. }), "[{}] {err:?}", t.backend);
        let mine = d.member_dues(f.zhang1).await.unwrap();
        assert_eq!((mine.entries.len(), mine.balance.paid_fen, mine.balance.outstanding_fen), (2, 0, 4000), "[{}]", t.backend);
        assert!(mine.entries.iter().any(|e| e.id == paid.entries[0].id && e.reversed));
        // The month may be paid again.
        d.record_payment(f.zhang1, &cash(&[f.now]), "r-2").await.unwrap();
        let audit = vanguard_store::platform::audit::list(
            &t.db,
            &AuditFilter { action: "dues.reverse".into(), ..Default::default() },
            &PageRequest::first(10),
        )
        .await
        .unwrap();
        assert_eq!(audit.items.len(), 1, "[{}]", t.backend);
    }
}

#[tokio::test]
async fn the_ledger_balances_per_member_and_per_org() {
    for t in backends().await {
        let f = fixture(&t.db).await;
        let sys = system(&f.tr.root);
        let d = t.db.scoped(&sys).dues();
        for back in 0..3 {
            d.generate_bills(f.street.id, &f.now.plus(-back).key()).await.unwrap();
        }
        d.record_payment(f.zhang1, &cash(&[f.now.plus(-2), f.now.plus(-1)]), "b-1").await.unwrap();
        let entrusted = PaymentInput {
            months: vec![f.now.key()],
            voluntary: "1000".into(),
            payer: "entrusted".into(),
            payer_name: "王小红".into(),
        };
        let r = d.record_payment(f.zhang2, &entrusted, "b-2").await.unwrap();
        assert!(r.entries.iter().any(|e| e.kind == "voluntary" && e.remit_upward), "[{}]", t.backend);
        let rev = d.record_payment(f.li, &cash(&[f.now]), "b-3").await.unwrap();
        d.reverse(rev.entries[0].id, "退回").await.unwrap();
        let mut paid_sum = 0;
        for id in [f.zhang1, f.zhang2, f.pre, f.li] {
            let m = d.member_dues(id).await.unwrap();
            let entries: i64 = m.entries.iter().filter(|e| e.month.is_some()).map(|e| e.amount_fen).sum();
            let bills: i64 = m.bills.iter().map(|b| b.paid_fen).sum();
            assert_eq!((m.balance.paid_fen, bills), (entries, entries), "[{}] member {id}", t.backend);
            assert_eq!(m.balance.outstanding_fen, m.balance.due_fen - m.balance.paid_fen);
            paid_sum += entries;
        }
        let report = d.report(f.street.id, f.now.plus(-2), f.now).await.unwrap();
        let paid: i64 = report.months.iter().map(|m| m.paid_fen).sum();
        let due: i64 = report.months.iter().map(|m| m.due_fen).sum();
        let by_child: i64 = report.children.iter().map(|c| c.paid_fen).sum();
        assert_eq!((paid, by_child), (paid_sum, paid_sum), "[{}]", t.backend);
        assert_eq!(paid_sum, 8000 + 2500);
        // 张一 40, 张二 25, 李一 15 for 3 months, 预一 0.2 this month.
        assert_eq!(due, 3 * (4000 + 2500 + 1500) + 20);
        let a = report.children.iter().find(|c| c.org_id == Some(f.branch_a.id)).unwrap();
        assert_eq!((a.due_fen, a.paid_fen, a.outstanding_fen), (3 * 6500 + 20, 10_500, 3 * 6500 + 20 - 10_500));
        assert_eq!(report.cells.len(), 6, "[{}]", t.backend);
    }
}

#[tokio::test]
async fn another_branchs_secretary_can_neither_see_nor_write_its_dues() {
    for t in backends().await {
        let f = fixture(&t.db).await;
        let sys = system(&f.tr.root);
        t.db.scoped(&sys).dues().generate_bills(f.street.id, &f.now.key()).await.unwrap();
        let b = f.secretary(&f.branch_b);
        let d = t.db.scoped(&b).dues();
        let not_found = |r: Result<(), StoreError>| assert!(matches!(r, Err(StoreError::NotFound)), "[{}] {r:?}", t.backend);
        not_found(d.set_base(f.zhang1, &base(DuesCategory::Employed, 100_000, f.now)).await.map(|_| ()));
        not_found(d.record_payment(f.zhang1, &cash(&[f.now]), "x").await.map(|_| ()));
        not_found(d.generate_bills(f.branch_a.id, &f.now.key()).await.map(|_| ()));
        not_found(d.bills(f.branch_a.id, f.now, BillFilter::All, &PageRequest::first(10)).await.map(|_| ()));
        not_found(d.member_dues(f.zhang1).await.map(|_| ()));
        not_found(d.report(f.branch_a.id, f.now, f.now).await.map(|_| ()));
        // Its own branch works.
        assert_eq!(d.bills(f.branch_b.id, f.now, BillFilter::Unpaid, &PageRequest::first(10)).await.unwrap().items.len(), 1);
        // A member sees their own dues only and may not record payments.
        let own = f.own(f.zhang2);
        let mine = t.db.scoped(&own).dues();
        assert_eq!(mine.my_dues().await.unwrap().member_id, f.zhang2);
        assert!(matches!(mine.member_dues(f.zhang1).await, Err(StoreError::NotFound)));
        assert!(matches!(mine.record_payment(f.zhang2, &cash(&[f.now]), "y").await, Err(StoreError::Forbidden)));
    }
}

#[tokio::test]
async fn an_online_order_is_recorded_once_when_the_gateway_says_paid() {
    for t in backends().await {
        let f = fixture(&t.db).await;
        let sys = system(&f.tr.root);
        t.db.scoped(&sys).dues().generate_bills(f.street.id, &f.now.key()).await.unwrap();
        let own = f.own(f.zhang1);
        let d = t.db.scoped(&own).dues();
        let order = d.create_order(&cash(&[f.now]), "simulated").await.unwrap();
        assert_eq!((order.amount_fen, order.state.as_str()), (4000, "created"));
        let paid = d.settle_order(order.id, true, "SIM-1").await.unwrap();
        assert_eq!(paid.state, "paid", "[{}]", t.backend);
        // The gateway repeats its notification: nothing new.
        d.settle_order(order.id, true, "SIM-1").await.unwrap();
        let mine = d.my_dues().await.unwrap();
        assert_eq!((mine.entries.len(), mine.balance.outstanding_fen), (1, 0), "[{}]", t.backend);
        assert_eq!(mine.entries[0].payer, "member");
        // A failed order records nothing.
        let again = d.create_order(&PaymentInput { voluntary: "50".into(), ..Default::default() }, "simulated").await.unwrap();
        assert_eq!(d.settle_order(again.id, false, "SIM-2").await.unwrap().state, "failed");
        assert_eq!(d.my_dues().await.unwrap().entries.len(), 1);
    }
}

#[tokio::test]
async fn six_unpaid_months_feed_article_nine_and_paying_turns_them_into_the_dues_warning_then_nothing() {
    use vanguard_domain::orglife::rules::PARTICIPATION_CODE;
    for t in backends().await {
        let f = fixture(&t.db).await;
        let sys = system(&f.tr.root);
        let s = t.db.scoped(&sys);
        for back in 1..=6 {
            s.dues().generate_bills(f.branch_b.id, &f.now.plus(-back).key()).await.unwrap();
        }
        let region = f.tr.root.region_id;
        let today = t.db.clock().today();
        let runs = vanguard_store::platform::engines::run_all(&t.db, region, today).await.unwrap();
        let dues_run = runs.iter().find(|r| r.name == "党费").expect("the dues engine runs in the daily check");
        assert_eq!(dues_run.changes.opened, 0, "[{}] six months are no 党费 warning", t.backend);
        vanguard_store::orglife::check::check_region(&t.db, &Actor::system("test"), region, today, |_, _| {}).await.unwrap();
        let article = vanguard_store::cockpit::FindingFilter { rule: Some(PARTICIPATION_CODE.into()), ..Default::default() };
        let warning = vanguard_store::cockpit::FindingFilter {
            rule: Some(vanguard_domain::affairs::dues::ARREARS_CODE.into()),
            ..Default::default()
        };
        let open = s.cockpit().findings(&article, &PageRequest::first(10)).await.unwrap();
        let of_li: Vec<_> = open.items.iter().filter(|i| i.subject_id == f.li).collect();
        assert_eq!(of_li.len(), 1, "[{}] one 党章第九条 finding", t.backend);
        assert_eq!(of_li[0].severity, "finding", "[{}]", t.backend);
        assert!(of_li[0].evidence.contains("连续6个月未交纳党费"), "{}", of_li[0].evidence);
        // Paying the oldest month within the 补交 window shortens the run to 5: the
        // article's finding resolves and the secretary's 预警 opens, in the same transaction.
        s.dues().record_payment(f.li, &cash(&[f.now.plus(-6)]), "late-1").await.unwrap();
        let open = s.cockpit().findings(&article, &PageRequest::first(10)).await.unwrap();
        assert!(open.items.iter().all(|i| i.subject_id != f.li), "[{}] {:?}", t.backend, open.items);
        let now_open = s.cockpit().findings(&warning, &PageRequest::first(10)).await.unwrap();
        assert_eq!(now_open.items.iter().map(|i| i.severity.as_str()).collect::<Vec<_>>(), vec!["warning"], "[{}]", t.backend);
        // Paying the rest resolves it in the same transaction.
        let rest: Vec<Month> = (1..=5).map(|b| f.now.plus(-b)).collect();
        s.dues().record_payment(f.li, &cash(&rest), "late-2").await.unwrap();
        assert!(s.cockpit().findings(&warning, &PageRequest::first(10)).await.unwrap().items.is_empty(), "[{}]", t.backend);
    }
}

#[tokio::test]
async fn a_relief_is_studied_by_the_branch_and_approved_by_another_account_of_the_parent() {
    use vanguard_domain::affairs::dues_relief::ReliefInput;
    for t in backends().await {
        let f = fixture(&t.db).await;
        let sys = system(&f.tr.root);
        t.db.scoped(&sys).dues().generate_bills(f.branch_a.id, &f.now.key()).await.unwrap();
        let secretary = f.secretary(&f.branch_a);
        let mut street = subtree_scope(&f.tr.root, &f.street.path, Role::CommitteeAdmin);
        street.actor.account_id = 77;
        let input = ReliefInput {
            from_month: f.now.key(),
            to_month: f.now.plus(2).key(),
            amount: String::new(),
            reason: "长期患病，生活困难".into(),
        };
        // The member applies for 免交.
        let own = f.own(f.zhang1);
        let r = t.db.scoped(&own).dues().apply_relief(f.zhang1, &input).await.unwrap();
        assert_eq!(r.state, "pending_branch", "[{}]", t.backend);
        // The street studies it for the branch (its step); then the branch cannot approve it.
        let err = t.db.scoped(&street).dues().decide_relief(r.id, true, "").await.map(|_| ());
        assert!(err.is_ok(), "[{}] the street may study it for the branch as well: {err:?}", t.backend);
        let err = t.db.scoped(&secretary).dues().decide_relief(r.id, true, "").await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict { code: "dues.relief_parent_only", .. }), "[{}] {err:?}", t.backend);
        // The same account that studied it may not approve it.
        let err = t.db.scoped(&street).dues().decide_relief(r.id, true, "").await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict { code: "dues.relief_same_account", .. }), "[{}] {err:?}", t.backend);
        let mut district = subtree_scope(&f.tr.root, &f.tr.root.path, Role::CommitteeAdmin);
        district.actor.account_id = 78;
        assert_eq!(t.db.scoped(&district).dues().reliefs_awaiting_me().await.unwrap().len(), 1, "[{}]", t.backend);
        let done = t.db.scoped(&district).dues().decide_relief(r.id, true, "").await.unwrap();
        assert_eq!(done.state, "approved", "[{}]", t.backend);
        // This month's bill is now 0 (counts as paid); a month billed later too.
        let d = t.db.scoped(&sys).dues();
        let mine = d.member_dues(f.zhang1).await.unwrap();
        let this = mine.bills.iter().find(|b| b.month == f.now.key()).unwrap();
        assert_eq!((this.amount_fen, this.paid), (0, true), "[{}]", t.backend);
        // Another branch's secretary sees nothing of it.
        let other = t.db.scoped(&f.secretary(&f.branch_b)).dues().decide_relief(r.id, false, "x").await.unwrap_err();
        assert!(matches!(other, StoreError::NotFound), "[{}] {other:?}", t.backend);
    }
}
