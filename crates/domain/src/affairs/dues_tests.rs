//! 党费 rules, one case per rule (`domain.md` §4.5).

use super::*;
use crate::kernel::rules::RuleSet;

fn m(key: &str) -> Month {
    Month::parse(key).unwrap()
}

fn base(category: DuesCategory, yuan: &str, from: &str) -> DuesBase {
    DuesBase { category, base_fen: crate::kernel::money::parse_yuan(yuan).unwrap(), fixed_fen: None, from_month: m(from) }
}

fn rules() -> DuesRules {
    DuesRules::default()
}

#[test]
fn employed_brackets_apply_the_rate_to_the_whole_base_at_every_edge() {
    // (base in 元, monthly dues in 分)
    let cases = [
        ("1000", 500),       // 0.5 %
        ("3000.00", 1500),   // ≤3000: 0.5 %
        ("3000.01", 3000),   // just above: 1 % of the whole base (30.0001 元 → 30.00)
        ("4000", 4000),      // 1 %
        ("5000", 5000),      // ≤5000: 1 %
        ("5000.01", 7500),   // 1.5 % of the whole base (75.00015 元)
        ("10000", 15000),    // ≤10000: 1.5 %
        ("10000.01", 20000), // 2 % (200.0002 元)
        ("25000", 50000),    // 2 %
    ];
    for (yuan, fen) in cases {
        for category in [DuesCategory::Employed, DuesCategory::AnnualSalary, DuesCategory::SelfEmployed] {
            assert_eq!(monthly_amount(&rules(), &base(category, yuan, "2026-01")), fen, "{category} {yuan}");
        }
    }
}

#[test]
fn retirees_pay_half_a_percent_up_to_5000_and_one_percent_above() {
    for (yuan, fen) in [("2000", 1000), ("5000", 2500), ("5000.01", 5000), ("8000", 8000)] {
        assert_eq!(monthly_amount(&rules(), &base(DuesCategory::Retired, yuan, "2026-01")), fen, "{yuan}");
    }
}

#[test]
fn farmers_pay_their_fixed_amount_or_the_configured_default() {
    let mut b = DuesBase { category: DuesCategory::Farmer, base_fen: 0, fixed_fen: None, from_month: m("2026-01") };
    assert_eq!(monthly_amount(&rules(), &b), 20);
    b.fixed_fen = Some(100);
    assert_eq!(monthly_amount(&rules(), &b), 100);
    assert!(validate_base(&rules(), &b).is_ok());
    b.fixed_fen = Some(101);
    assert!(validate_base(&rules(), &b).unwrap_err().has("dues.fixed_out_of_range"));
    b.fixed_fen = Some(19);
    assert!(validate_base(&rules(), &b).unwrap_err().has("dues.fixed_out_of_range"));
}

#[test]
fn students_and_the_needy_pay_twenty_fen() {
    let b = DuesBase { category: DuesCategory::Needy, base_fen: 0, fixed_fen: None, from_month: m("2026-01") };
    assert_eq!(monthly_amount(&rules(), &b), 20);
    let with_fixed = DuesBase { fixed_fen: Some(50), ..b };
    assert!(validate_base(&rules(), &with_fixed).unwrap_err().has("dues.fixed_not_applicable"));
}

#[test]
fn a_category_with_a_base_needs_one_and_fixed_categories_take_none() {
    assert!(
        validate_base(&rules(), &DuesBase { base_fen: 0, ..base(DuesCategory::Employed, "1", "2026-01") })
            .unwrap_err()
            .has("dues.base_required")
    );
    let farmer = DuesBase { category: DuesCategory::Farmer, base_fen: 300_000, fixed_fen: None, from_month: m("2026-01") };
    assert!(validate_base(&rules(), &farmer).unwrap_err().has("dues.base_not_applicable"));
}

#[test]
fn rounding_is_configuration_half_up_to_the_fen_by_default() {
    // 3333.33 元 × 1 % = 33.3333 元.
    let b = base(DuesCategory::Employed, "3333.33", "2026-01");
    let mut r = rules();
    assert_eq!(monthly_amount(&r, &b), 3333);
    r.rounding = DuesRounding::UpFen;
    assert_eq!(monthly_amount(&r, &b), 3334);
    r.rounding = DuesRounding::UpJiao;
    assert_eq!(monthly_amount(&r, &b), 3340);
    // 2999.50 元 × 0.5 % = 14.9975 元: half up gives 15.00.
    assert_eq!(monthly_amount(&rules(), &base(DuesCategory::Employed, "2999.50", "2026-01")), 1500);
    // scmt1's floor of 0.1 元.
    assert_eq!(monthly_amount(&r, &base(DuesCategory::Employed, "1", "2026-01")), 10);
}

#[test]
fn self_employed_base_is_last_quarters_average_net_income() {
    assert_eq!(quarter_average([300_000, 300_000, 300_001]), 300_000);
    assert_eq!(quarter_average([300_000, 300_001, 300_001]), 300_001);
    assert_eq!(quarter_average([-5_000, 0, 30_000]), 10_000);
}

#[test]
fn a_new_base_applies_from_the_month_the_new_pay_starts_even_mid_year() {
    let history = [base(DuesCategory::Employed, "4000", "2025-01"), base(DuesCategory::Employed, "6000", "2026-07")];
    let amount = |k: &str| base_for(&history, m(k)).map(|b| monthly_amount(&rules(), b));
    assert_eq!(amount("2024-12"), None);
    assert_eq!(amount("2026-06"), Some(4000));
    assert_eq!(amount("2026-07"), Some(9000));
    assert_eq!(amount("2026-12"), Some(9000));
}

#[test]
fn a_probationary_member_owes_from_the_month_the_branch_assembly_passed_them() {
    let ms = Membership { joined_on: NaiveDate::from_ymd_opt(2026, 3, 20).unwrap(), left_on: None, suspended: false };
    assert!(!owes(&ms, m("2026-02")));
    assert!(owes(&ms, m("2026-03")));
    assert!(owes(&ms, m("2030-01")));
}

#[test]
fn an_archived_member_owes_until_the_month_they_left_and_a_suspended_one_nothing() {
    let left = Membership {
        joined_on: NaiveDate::from_ymd_opt(2000, 7, 1).unwrap(),
        left_on: NaiveDate::from_ymd_opt(2026, 5, 10),
        suspended: false,
    };
    assert!(owes(&left, m("2026-05")));
    assert!(!owes(&left, m("2026-06")));
    assert!(!owes(&Membership { suspended: true, ..left }, m("2026-01")));
}

fn bills(keys: &[&str], amount: i64) -> Vec<BillState> {
    keys.iter().map(|k| BillState { month: m(k), amount_fen: amount, paid_fen: 0 }).collect()
}

fn pay(months: &[&str]) -> PaymentRequest {
    PaymentRequest {
        months: months.iter().map(|k| m(k)).collect(),
        voluntary_fen: 0,
        payer: Payer::Member,
        payer_name: String::new(),
    }
}

#[test]
fn makeup_payment_exactly_six_months_back_is_allowed() {
    let b = bills(&["2026-06", "2026-12"], 1500);
    let lines = check_payment(&rules(), m("2026-12"), &b, &pay(&["2026-06"]), false).unwrap();
    assert_eq!(lines, vec![PaymentLine { kind: EntryKind::Dues, month: Some(m("2026-06")), amount_fen: 1500 }]);
}

#[test]
fn makeup_payment_seven_months_back_is_refused() {
    let b = bills(&["2026-05"], 1500);
    let err = check_payment(&rules(), m("2026-12"), &b, &pay(&["2026-05"]), false).unwrap_err();
    assert!(err.has("dues.makeup_too_old"), "{err}");
}

#[test]
fn a_paid_month_a_month_without_a_bill_and_a_repeated_month_are_refused() {
    let mut b = bills(&["2026-11", "2026-12"], 1500);
    b[0].paid_fen = 1500;
    let r = rules();
    assert!(check_payment(&r, m("2026-12"), &b, &pay(&["2026-11"]), false).unwrap_err().has("dues.already_paid"));
    assert!(check_payment(&r, m("2026-12"), &b, &pay(&["2026-10"]), false).unwrap_err().has("dues.no_bill"));
    assert!(check_payment(&r, m("2026-12"), &b, &pay(&["2026-12", "2026-12"]), false).unwrap_err().has("dues.month_repeated"));
    assert!(check_payment(&r, m("2026-12"), &b, &pay(&[]), false).unwrap_err().has("dues.nothing_to_pay"));
}

#[test]
fn quarterly_payment_may_prepay_to_the_end_of_the_quarter_only() {
    let b = bills(&["2026-10", "2026-11", "2026-12", "2027-01"], 1500);
    assert_eq!(check_payment(&rules(), m("2026-10"), &b, &pay(&["2026-10", "2026-11", "2026-12"]), true).unwrap().len(), 3);
    assert!(check_payment(&rules(), m("2026-10"), &b, &pay(&["2027-01"]), true).unwrap_err().has("dues.too_early"));
}

#[test]
fn without_the_branchs_consent_to_pay_quarterly_a_month_ahead_is_refused() {
    let b = bills(&["2026-10", "2026-11"], 1500);
    assert!(check_payment(&rules(), m("2026-10"), &b, &pay(&["2026-11"]), false).unwrap_err().has("dues.prepay_needs_consent"));
    assert!(check_payment(&rules(), m("2026-10"), &b, &pay(&["2026-10"]), false).is_ok());
}

#[test]
fn an_entrusted_payment_names_the_person() {
    let b = bills(&["2026-12"], 1500);
    let mut req = pay(&["2026-12"]);
    req.payer = Payer::Entrusted;
    assert!(check_payment(&rules(), m("2026-12"), &b, &req, false).unwrap_err().has("text.required"));
    req.payer_name = "王小红".into();
    assert!(check_payment(&rules(), m("2026-12"), &b, &req, false).is_ok());
}

#[test]
fn a_partly_paid_bill_asks_for_the_rest() {
    let mut b = bills(&["2026-12"], 9000);
    b[0].paid_fen = 4000;
    let lines = check_payment(&rules(), m("2026-12"), &b, &pay(&["2026-12"]), false).unwrap();
    assert_eq!(lines[0].amount_fen, 5000);
}

#[test]
fn a_voluntary_payment_of_1000_yuan_or_more_is_remitted_upward() {
    let r = rules();
    assert!(!remit_upward(&r, 99_999));
    assert!(remit_upward(&r, 100_000));
    let req = PaymentRequest { voluntary_fen: 100_000, ..pay(&[]) };
    let lines = check_payment(&r, m("2026-12"), &[], &req, false).unwrap();
    assert_eq!(lines, vec![PaymentLine { kind: EntryKind::Voluntary, month: None, amount_fen: 100_000 }]);
}

#[test]
fn a_reversal_cancels_a_payment_and_the_bill_is_owed_again() {
    let months = [(m("2026-11"), 1500), (m("2026-12"), 1500)];
    let paid = [
        LedgerEntry { kind: EntryKind::Dues, month: Some(m("2026-11")), amount_fen: 1500 },
        LedgerEntry { kind: EntryKind::Dues, month: Some(m("2026-12")), amount_fen: 1500 },
    ];
    let (_, before) = balance(&months, &paid);
    assert_eq!((before.due_fen, before.paid_fen, before.outstanding_fen), (3000, 3000, 0));
    let mut entries = paid.to_vec();
    entries.push(LedgerEntry { kind: EntryKind::Reversal, month: Some(m("2026-12")), amount_fen: -1500 });
    let (states, after) = balance(&months, &entries);
    assert_eq!((after.due_fen, after.paid_fen, after.outstanding_fen), (3000, 1500, 1500));
    assert!(states[0].is_paid() && !states[1].is_paid());
}

#[test]
fn a_reversal_needs_a_reason_and_happens_once_and_is_never_reversed() {
    let payment = EntryState { kind: EntryKind::Dues, reversed: false };
    assert!(check_reversal(payment, "误登记").is_ok());
    assert!(check_reversal(payment, "").unwrap_err().has("text.required"));
    assert!(check_reversal(EntryState { reversed: true, ..payment }, "误登记").unwrap_err().has("dues.already_reversed"));
    assert!(
        check_reversal(EntryState { kind: EntryKind::Reversal, reversed: false }, "x").unwrap_err().has("dues.reverse_reversal")
    );
}

#[test]
fn voluntary_payments_are_counted_beside_the_bills() {
    let (_, b) = balance(&[(m("2026-12"), 1500)], &[LedgerEntry { kind: EntryKind::Voluntary, month: None, amount_fen: 5000 }]);
    assert_eq!((b.due_fen, b.paid_fen, b.outstanding_fen, b.voluntary_fen), (1500, 0, 1500, 5000));
}

fn run(unpaid: &[&str], paid: &[&str]) -> Vec<BillState> {
    let mut out = bills(unpaid, 1500);
    out.extend(paid.iter().map(|k| BillState { month: m(k), amount_fen: 1500, paid_fen: 1500 }));
    out
}

#[test]
fn six_consecutive_unpaid_months_are_a_problem_under_article_nine() {
    let b = run(&["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12"], &["2026-05"]);
    let a = arrears(&rules(), &SeverityPolicy::default(), m("2026-12"), &b).unwrap();
    assert_eq!((a.since, a.until, a.months, a.severity), (m("2026-06"), m("2026-11"), 6, Severity::Finding));
}

#[test]
fn shorter_arrears_are_a_warning_and_the_open_month_does_not_count() {
    let b = run(&["2026-09", "2026-10", "2026-11", "2026-12"], &["2026-08"]);
    let a = arrears(&rules(), &SeverityPolicy::default(), m("2026-12"), &b).unwrap();
    assert_eq!((a.months, a.severity), (3, Severity::Warning));
    let two = run(&["2026-10", "2026-11"], &["2026-09"]);
    assert_eq!(arrears(&rules(), &SeverityPolicy::default(), m("2026-12"), &two), None);
}

#[test]
fn an_exempted_month_of_zero_ends_a_run_of_arrears() {
    let mut b = run(&["2026-08", "2026-09", "2026-10", "2026-11"], &[]);
    b.push(BillState { month: m("2026-07"), amount_fen: 0, paid_fen: 0 });
    b[0].amount_fen = 0; // 2026-08 免交
    let a = arrears(&rules(), &SeverityPolicy::default(), m("2026-12"), &b).unwrap();
    assert_eq!((a.since, a.months), (m("2026-09"), 3));
}

#[test]
fn months_are_keyed_like_2026_07_and_know_their_quarter() {
    assert_eq!(m("2026-07").key(), "2026-07");
    assert_eq!(m("2026-07").label(), "2026年7月");
    assert_eq!(m("2026-08").quarter_end(), m("2026-09"));
    assert_eq!(m("2026-12").quarter_end(), m("2026-12"));
    assert_eq!(m("2027-01").since(m("2026-06")), 7);
    assert_eq!(m("2026-02").last_day(), NaiveDate::from_ymd_opt(2026, 2, 28).unwrap());
    for bad in ["2026-7", "2026-13", "26-07", "2026-00", "abcd-ef"] {
        assert_eq!(Month::parse(bad), None, "{bad}");
    }
}

#[test]
fn the_rule_set_carries_the_dues_section_and_old_stored_sets_get_its_defaults() {
    let r: RuleSet = serde_json::from_str(r#"{"version":3}"#).unwrap();
    assert_eq!(r.dues, DuesRules::default());
    let r: RuleSet = serde_json::from_str(r#"{"version":4,"dues":{"rounding":"up_jiao","farmer_default_fen":50}}"#).unwrap();
    assert_eq!((r.dues.rounding, r.dues.farmer_default_fen, r.dues.makeup_months), (DuesRounding::UpJiao, 50, 6));
}

#[test]
fn a_typed_base_is_read_in_yuan_and_every_problem_is_named() {
    let input =
        BaseInput { category: "在职".into(), base: "4,500.50".into(), from_month: "2026-07".into(), ..Default::default() };
    let b = parse_base(&rules(), &input).unwrap();
    assert_eq!((b.category, b.base_fen, b.from_month), (DuesCategory::Employed, 450_050, m("2026-07")));
    let err = parse_base(&rules(), &BaseInput { category: "无".into(), base: "abc".into(), ..Default::default() }).unwrap_err();
    assert!(err.has("dues.category") && err.has("dues.base_format") && err.has("dues.month"), "{err}");
    let farmer = BaseInput { category: "farmer".into(), fixed: "0.5".into(), from_month: "2026-01".into(), ..Default::default() };
    assert_eq!(parse_base(&rules(), &farmer).unwrap().fixed_fen, Some(50));
}

#[test]
fn a_typed_payment_names_its_months_payer_and_extra() {
    let input = PaymentInput {
        months: vec!["2026-11".into()],
        voluntary: "10".into(),
        payer: "现金（支部代收）".into(),
        payer_name: String::new(),
    };
    let p = parse_payment(&input).unwrap();
    assert_eq!((p.months, p.voluntary_fen, p.payer), (vec![m("2026-11")], 1000, Payer::Cash));
    let bad = PaymentInput { months: vec!["11月".into()], payer: "转账".into(), ..Default::default() };
    let err = parse_payment(&bad).unwrap_err();
    assert!(err.has("dues.month") && err.has("dues.payer"));
    let many = PaymentInput { months: vec!["2026-01".into(); 13], payer: "cash".into(), ..Default::default() };
    assert!(parse_payment(&many).unwrap_err().has("dues.too_many_months"));
}

#[test]
fn shorter_arrears_are_one_warning_for_the_secretary_filed_under_the_first_unpaid_month() {
    let b = run(&["2026-08", "2026-09", "2026-10", "2026-11"], &["2026-07"]);
    let f = arrears_finding(&rules(), &SeverityPolicy::default(), m("2026-12"), 42, &b).unwrap();
    assert_eq!(
        (f.rule_code.as_str(), f.subject, f.severity),
        (ARREARS_CODE, crate::kernel::finding::Subject::Member(42), SeverityPolicy::default().open_at_risk)
    );
    assert_eq!(f.period.key(), "2026-08");
    assert!(f.evidence.contains("连续4个月") && f.evidence.contains("60.00元"), "{}", f.evidence);
    // A month later the run is longer but the finding is the same one.
    let mut later = b.clone();
    later.push(BillState { month: m("2026-12"), amount_fen: 1500, paid_fen: 0 });
    let g = arrears_finding(&rules(), &SeverityPolicy::default(), m("2027-01"), 42, &later).unwrap();
    assert_eq!(g.key(), f.key());
    assert_eq!(arrears_finding(&rules(), &SeverityPolicy::default(), m("2026-12"), 42, &run(&["2026-11"], &[])), None);
}

#[test]
fn six_unpaid_months_leave_the_dues_warning_for_the_article_nine_finding() {
    let b = run(&["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"], &["2026-05"]);
    // The run is still reported (the member's page, and the published read of 党章第九条)…
    let a = arrears(&rules(), &SeverityPolicy::default(), m("2026-12"), &b).unwrap();
    assert_eq!((a.months, a.since, a.severity), (6, m("2026-06"), SeverityPolicy::default().breach));
    // …but it is no 党费 warning any more: the orglife engine files it under 党章第九条.
    assert_eq!(arrears_finding(&rules(), &SeverityPolicy::default(), m("2026-12"), 42, &b), None);
}
