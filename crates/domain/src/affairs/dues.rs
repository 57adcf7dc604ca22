//! 党费: 《关于中国共产党党费收缴、使用和管理的规定》(中组部, effective 2008-04-01;
//! `domain.md` §4.5). Pure: the store keeps bases, bills and the ledger.
//!
//! - A member's **category** ([`DuesCategory`]) and **base** (交纳基数, in 分) with its
//!   history: a new base applies from the month the new pay starts (第十条), see
//!   [`base_for`].
//! - The **amount** ([`monthly_amount`]): the rate of the base's bracket applied to the
//!   **whole** base (第二条), fixed amounts for 农民 and for students and the needy
//!   (第六条), rounded by the configured [`DuesRounding`].
//! - The **months owed** ([`owes`]): from the month the 支部大会 passed the member (a
//!   预备党员 pays from that day) to the month they left.
//! - The **ledger**: monthly bills, payments (by the member, an entrusted person, or
//!   recorded by the secretary in cash), never edited, only reversed by a new entry;
//!   [`check_payment`] decides which months a request may pay (补交 at most 6 months
//!   back, 第十二条), [`check_reversal`] whether an entry may be reversed, [`balance`]
//!   what is due, paid and outstanding.
//! - **Arrears** ([`arrears`]): 6 consecutive unpaid months → 问题 (党章第九条);
//!   shorter runs from the configured length → 预警.

use crate::kernel::error::{FieldError, Invalid, check_text};
use crate::kernel::finding::{Finding, Severity, Subject};
use crate::kernel::money::{MAX_FEN, parse_yuan, yuan};
use crate::kernel::period::{Period, PeriodKind};
use crate::kernel::rules::SeverityPolicy;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

labelled_enum! {
    /// 党费类别: what a member's dues are computed from.
    pub enum DuesCategory {
        /// 在职: monthly after-tax fixed, regular pay (第一条).
        Employed = ("employed", "在职"),
        /// 年薪制: the monthly actual pay (第三条).
        AnnualSalary = ("annual_salary", "年薪制"),
        /// 个体经营等: last quarter's average monthly net income (第四条).
        SelfEmployed = ("self_employed", "个体经营"),
        /// 离退休: the actual 离退休费/养老金 total, at the retirees' rates.
        Retired = ("retired", "离退休"),
        /// 农民: a fixed 0.2–1 元 a month (第六条).
        Farmer = ("farmer", "农民"),
        /// 学生, 下岗失业, 依靠抚恤或救济, 领取最低生活保障金: 0.2 元 a month (第六条).
        Needy = ("needy", "学生/下岗失业/低保"),
    }
}

impl DuesCategory {
    /// Whether the amount is a rate of a base (in 分) rather than a fixed amount.
    pub fn has_base(self) -> bool {
        !matches!(self, DuesCategory::Farmer | DuesCategory::Needy)
    }
}

labelled_enum! {
    /// 交纳方式: who hands the money over.
    pub enum Payer {
        /// 本人交纳 (online in the portal, or in person).
        Member = ("member", "本人交纳"),
        /// 委托代缴: a relative or another member the member entrusted (第十二条).
        Entrusted = ("entrusted", "委托代缴"),
        /// 现金交纳, recorded by the branch secretary.
        Cash = ("cash", "现金（支部代收）"),
    }
}

labelled_enum! {
    /// What a ledger entry is.
    pub enum EntryKind {
        /// Pays one month's bill.
        Dues = ("dues", "党费"),
        /// 自愿多交: beyond the bills (第十一条).
        Voluntary = ("voluntary", "自愿多交"),
        /// 冲正: cancels an earlier entry with the opposite amount.
        Reversal = ("reversal", "冲正"),
    }
}

/// How a computed amount with a fraction of a 分 becomes whole 分. The regulation does not
/// say (`domain.md` §4.5 "Rounding"); a deployment chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuesRounding {
    /// 四舍五入到分 (default): what a member computes by hand, never more than half a 分
    /// from the regulation's exact product, and each bill stays exact 分.
    #[default]
    HalfUpFen,
    /// 进位到分: any fraction of a 分 is rounded up.
    UpFen,
    /// 进位到角, at least 0.1 元 (scmt1's rule): up to 9 分 above the exact product.
    UpJiao,
}

/// One bracket: bases up to `up_to_fen` (inclusive; `None` = no upper end) pay `rate_bp`
/// 万分之 (basis points) of the **whole** base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bracket {
    pub up_to_fen: Option<i64>,
    pub rate_bp: u32,
}

/// The numbers of 党费, as a section of the versioned [`crate::kernel::rules::RuleSet`].
/// Source: 《关于中国共产党党费收缴、使用和管理的规定》(中组部, 2008), `domain.md` §4.5.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DuesRules {
    /// 在职, 年薪制, 个体经营 (第二条): ≤3000 元 0.5 %; 3000–5000 元 1 %; 5000–10000 元
    /// 1.5 %; above 10000 元 2 %, each applied to the whole base. In ascending order.
    pub brackets: Vec<Bracket>,
    /// 离退休: ≤5000 元 0.5 %; above 5000 元 1 %.
    pub retiree_brackets: Vec<Bracket>,
    /// 农民 (第六条): 0.2–1 元 a month; the branch may set each member's amount within it.
    pub farmer_min_fen: i64,
    pub farmer_max_fen: i64,
    /// 农民 without an amount of their own: 0.2 元 (the range's floor, so nobody is asked
    /// for more than the regulation's least without the branch deciding it).
    pub farmer_default_fen: i64,
    /// 学生, 下岗失业, 依靠抚恤或救济, 领低保 (第六条): 0.2 元 a month.
    pub needy_fen: i64,
    /// See [`DuesRounding`]; default 四舍五入到分.
    pub rounding: DuesRounding,
    /// 补交 is allowed for at most this many months back (第十二条): 6. A month `n`
    /// months before the current one may be paid while `n ≤ makeup_months`.
    pub makeup_months: u32,
    /// Consecutive unpaid months that are a 问题 under 党章第九条 ("连续六个月不交纳党费"): 6.
    pub arrears_problem_months: u32,
    /// Consecutive unpaid months from which the secretary gets a 预警: 3 (a quarter — a
    /// member paying quarterly with the branch's consent is normally at most 2 behind).
    pub arrears_warning_months: u32,
    /// A single voluntary payment from this amount goes wholly to the Centre (第十一条):
    /// 1000 元, flagged for remittance upward.
    pub remit_upward_fen: i64,
}

impl Default for DuesRules {
    fn default() -> Self {
        Self {
            brackets: vec![
                Bracket { up_to_fen: Some(300_000), rate_bp: 50 },
                Bracket { up_to_fen: Some(500_000), rate_bp: 100 },
                Bracket { up_to_fen: Some(1_000_000), rate_bp: 150 },
                Bracket { up_to_fen: None, rate_bp: 200 },
            ],
            retiree_brackets: vec![Bracket { up_to_fen: Some(500_000), rate_bp: 50 }, Bracket { up_to_fen: None, rate_bp: 100 }],
            farmer_min_fen: 20,
            farmer_max_fen: 100,
            farmer_default_fen: 20,
            needy_fen: 20,
            rounding: DuesRounding::HalfUpFen,
            makeup_months: 6,
            arrears_problem_months: 6,
            arrears_warning_months: 3,
            remit_upward_fen: 100_000,
        }
    }
}

/// A calendar month, stored and sent as `2026-07` (which sorts in time order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Month {
    /// Months since year 0: `year * 12 + (month - 1)`.
    index: i32,
}

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Month> {
        ((1..=12).contains(&month) && (1900..=9999).contains(&year)).then(|| Month { index: year * 12 + month as i32 - 1 })
    }
    /// The month a date falls in.
    pub fn of(date: NaiveDate) -> Month {
        Month { index: date.year() * 12 + date.month0() as i32 }
    }
    pub fn year(self) -> i32 {
        self.index.div_euclid(12)
    }
    /// 1–12.
    pub fn month(self) -> u32 {
        self.index.rem_euclid(12) as u32 + 1
    }
    /// `2026-07`.
    pub fn key(self) -> String {
        format!("{}-{:02}", self.year(), self.month())
    }
    /// The inverse of [`Month::key`].
    pub fn parse(key: &str) -> Option<Month> {
        let key = key.trim();
        let (y, m) = key.split_once('-')?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        Month::new(y.parse().ok()?, m.parse().ok()?)
    }
    /// `2026年7月`.
    pub fn label(self) -> String {
        format!("{}年{}月", self.year(), self.month())
    }
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year(), self.month(), 1).unwrap_or_default()
    }
    pub fn last_day(self) -> NaiveDate {
        self.plus(1).first_day().pred_opt().unwrap_or_default()
    }
    /// `n` months later (earlier for a negative `n`).
    pub fn plus(self, n: i32) -> Month {
        Month { index: self.index + n }
    }
    /// Months from `earlier` to `self` (negative when `earlier` is later).
    pub fn since(self, earlier: Month) -> i32 {
        self.index - earlier.index
    }
    /// The last month of this month's quarter.
    pub fn quarter_end(self) -> Month {
        Month { index: self.index - self.index.rem_euclid(3) + 2 }
    }
    /// Every month from `from` to `to`, both included.
    pub fn range(from: Month, to: Month) -> impl Iterator<Item = Month> {
        (from.index..=to.index).map(|index| Month { index })
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.key())
    }
}

impl Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.key())
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str> as Deserialize>::deserialize(d)?;
        Month::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("月份“{s}”应写成 2026-07 的形式")))
    }
}

impl utoipa::PartialSchema for Month {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(r"^\d{4}-\d{2}$"))
            .description(Some("月份，如 2026-07"))
            .into()
    }
}

impl utoipa::ToSchema for Month {}

/// One entry of a member's base history: from `from_month` on, dues are computed from
/// this category and base until a later entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuesBase {
    pub category: DuesCategory,
    /// The base in 分 (categories with a base); 0 otherwise.
    pub base_fen: i64,
    /// 农民's own amount within the configured range; `None` = the configured default.
    pub fixed_fen: Option<i64>,
    /// The month the new pay starts (第十条).
    pub from_month: Month,
}

/// The base in force in `month`: the latest entry starting on or before it.
pub fn base_for(history: &[DuesBase], month: Month) -> Option<&DuesBase> {
    history.iter().filter(|b| b.from_month <= month).max_by_key(|b| b.from_month)
}

/// Checks a new base entry as typed (the amounts already in 分).
pub fn validate_base(rules: &DuesRules, base: &DuesBase) -> Result<(), Invalid> {
    let mut inv = Invalid::default();
    if base.category.has_base() {
        if base.base_fen <= 0 {
            inv.push(FieldError::new(
                "base",
                "dues.base_required",
                format!("请填写{}党员的交纳基数（元）", base.category.label()),
            ));
        } else if base.base_fen > MAX_FEN {
            inv.push(FieldError::new("base", "dues.base_too_large", "交纳基数过大，请核对后以元为单位填写"));
        }
        if base.fixed_fen.is_some() {
            inv.push(FieldError::new("fixed", "dues.fixed_not_applicable", "按基数计算的类别不填写固定金额"));
        }
    } else if base.base_fen != 0 {
        inv.push(FieldError::new(
            "base",
            "dues.base_not_applicable",
            format!("{}党员按固定金额交纳，不填写交纳基数", base.category.label()),
        ));
    }
    match (base.category, base.fixed_fen) {
        (DuesCategory::Farmer, Some(fixed)) if !(rules.farmer_min_fen..=rules.farmer_max_fen).contains(&fixed) => {
            inv.push(FieldError::new(
                "fixed",
                "dues.fixed_out_of_range",
                format!("农民党员每月交纳{}元至{}元，请在此范围内填写", yuan(rules.farmer_min_fen), yuan(rules.farmer_max_fen)),
            ));
        }
        (DuesCategory::Needy, Some(_)) => inv.push(FieldError::new(
            "fixed",
            "dues.fixed_not_applicable",
            format!("{}党员每月交纳{}元，不另设金额", base.category.label(), yuan(rules.needy_fen)),
        )),
        _ => {}
    }
    inv.into_result(())
}

/// A base as typed in a form or sent to the API: amounts in 元, the month as `2026-07`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct BaseInput {
    /// 党费类别 (code or Chinese label): employed, annual_salary, self_employed, retired,
    /// farmer, needy.
    pub category: String,
    /// 交纳基数 in 元 (在职: monthly after-tax fixed pay; 年薪制: monthly actual pay;
    /// 个体经营: last quarter's average monthly net income; 离退休: the pension).
    pub base: String,
    /// 农民 only: the monthly amount in 元 within 0.2–1 (empty: the configured default).
    pub fixed: String,
    /// The month the new pay starts, `2026-07`.
    pub from_month: String,
    /// The branch agreed that the member pays quarterly (第十二条): they may pay the
    /// months up to the quarter's end in advance.
    pub quarterly: bool,
}

/// Reads a typed base: every problem at once, then the domain's checks.
pub fn parse_base(rules: &DuesRules, input: &BaseInput) -> Result<DuesBase, Invalid> {
    let mut inv = Invalid::default();
    let category = DuesCategory::parse(&input.category);
    if category.is_none() {
        let all: Vec<&str> = DuesCategory::ALL.iter().map(|c| c.label()).collect();
        inv.push(FieldError::new("category", "dues.category", format!("请选择党费类别：{}", all.join("、"))));
    }
    let base_fen = if input.base.trim().is_empty() {
        0
    } else {
        parse_yuan(&input.base).unwrap_or_else(|| {
            inv.push(FieldError::new("base", "dues.base_format", "交纳基数应为以元为单位的金额，最多两位小数，如 4500.00"));
            0
        })
    };
    let fixed_fen = if input.fixed.trim().is_empty() {
        None
    } else {
        match parse_yuan(&input.fixed) {
            Some(f) => Some(f),
            None => {
                inv.push(FieldError::new("fixed", "dues.fixed_format", "固定金额应为以元为单位的金额，如 0.50"));
                None
            }
        }
    };
    let from_month = Month::parse(&input.from_month);
    if from_month.is_none() {
        inv.push(FieldError::new("from_month", "dues.month", "请填写新基数开始适用的月份，如 2026-07"));
    }
    match (category, from_month) {
        (Some(category), Some(from_month)) if inv.is_empty() => {
            let base = DuesBase { category, base_fen, fixed_fen, from_month };
            validate_base(rules, &base)?;
            Ok(base)
        }
        _ => Err(inv),
    }
}

/// A payment as sent to the API or typed in a form: months as `2026-07`, the voluntary
/// extra in 元.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PaymentInput {
    /// The months to pay, each in full (at most 12).
    pub months: Vec<String>,
    /// 自愿多交 in 元 (empty: none).
    pub voluntary: String,
    /// member (本人), entrusted (委托代缴) or cash (现金，支部代收).
    pub payer: String,
    /// The entrusted person's name (代缴).
    pub payer_name: String,
}

/// Reads a typed payment.
pub fn parse_payment(input: &PaymentInput) -> Result<PaymentRequest, Invalid> {
    let mut inv = Invalid::default();
    if input.months.len() > MONTHS_PER_PAYMENT_MAX {
        return Err(Invalid::one("months", "dues.too_many_months", format!("一次最多交纳{MONTHS_PER_PAYMENT_MAX}个月的党费")));
    }
    let mut months = Vec::with_capacity(input.months.len());
    for m in &input.months {
        match Month::parse(m) {
            Some(m) => months.push(m),
            None => inv.push(FieldError::new("months", "dues.month", "月份应写成 2026-07 的形式")),
        }
    }
    let voluntary_fen = if input.voluntary.trim().is_empty() {
        0
    } else {
        parse_yuan(&input.voluntary).unwrap_or_else(|| {
            inv.push(FieldError::new("voluntary", "dues.voluntary_format", "自愿多交的金额应以元为单位，最多两位小数"));
            0
        })
    };
    let payer = Payer::parse(&input.payer).unwrap_or_else(|| {
        inv.push(FieldError::new("payer", "dues.payer", "请选择交纳方式：本人交纳、委托代缴或现金（支部代收）"));
        Payer::Cash
    });
    inv.into_result(PaymentRequest { months, voluntary_fen, payer, payer_name: input.payer_name.trim().to_string() })
}

/// `rate_bp / 10000` of `amount`, rounded by `rounding` (non-negative amounts).
fn apply_rate(amount: i64, rate_bp: u32, rounding: DuesRounding) -> i64 {
    let product = i128::from(amount) * i128::from(rate_bp);
    let fen = match rounding {
        DuesRounding::HalfUpFen => (product + 5_000) / 10_000,
        DuesRounding::UpFen => (product + 9_999) / 10_000,
        DuesRounding::UpJiao => ((product + 99_999) / 100_000 * 10).max(10),
    };
    i64::try_from(fen).unwrap_or(i64::MAX)
}

/// The bracket's rate for a base: the first bracket whose upper end is at or above it.
pub fn rate_for(brackets: &[Bracket], base_fen: i64) -> u32 {
    brackets.iter().find(|b| b.up_to_fen.is_none_or(|top| base_fen <= top)).map_or(0, |b| b.rate_bp)
}

/// A month's dues in 分 for a base entry: the bracket's rate of the whole base, or the
/// fixed amount.
pub fn monthly_amount(rules: &DuesRules, base: &DuesBase) -> i64 {
    match base.category {
        DuesCategory::Employed | DuesCategory::AnnualSalary | DuesCategory::SelfEmployed => {
            apply_rate(base.base_fen, rate_for(&rules.brackets, base.base_fen), rules.rounding)
        }
        DuesCategory::Retired => apply_rate(base.base_fen, rate_for(&rules.retiree_brackets, base.base_fen), rules.rounding),
        DuesCategory::Farmer => base.fixed_fen.unwrap_or(rules.farmer_default_fen),
        DuesCategory::Needy => rules.needy_fen,
    }
}

/// 个体经营等: the base is the last quarter's average monthly net income (第四条),
/// rounded half up to the 分.
pub fn quarter_average(monthly_net_fen: [i64; 3]) -> i64 {
    let sum: i64 = monthly_net_fen.iter().map(|v| (*v).max(0)).sum();
    (sum + 1) / 3
}

/// What decides whether a member owes a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    /// The day the 支部大会 passed the member (入党日期): a 预备党员 pays from then.
    pub joined_on: NaiveDate,
    /// The day they left (history archive), if they did; the month they left is owed.
    pub left_on: Option<NaiveDate>,
    /// 停止党籍: no dues while suspended.
    pub suspended: bool,
}

/// Whether a member owes `month`: from the month they joined to the month they left.
pub fn owes(m: &Membership, month: Month) -> bool {
    !m.suspended && Month::of(m.joined_on) <= month && m.left_on.is_none_or(|left| month <= Month::of(left))
}

/// A bill as the ledger sees it: a month's amount due and what is paid of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BillState {
    pub month: Month,
    pub amount_fen: i64,
    pub paid_fen: i64,
}

impl BillState {
    pub fn outstanding_fen(&self) -> i64 {
        (self.amount_fen - self.paid_fen).max(0)
    }
    pub fn is_paid(&self) -> bool {
        self.paid_fen >= self.amount_fen
    }
}

/// The longest name of an entrusted payer or a reversal's reason, in characters.
pub const DUES_TEXT_MAX: usize = 100;

/// A request to pay: the months to pay (each in full) and any voluntary extra.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    pub months: Vec<Month>,
    pub voluntary_fen: i64,
    pub payer: Payer,
    /// The entrusted person's name (代缴); empty otherwise.
    pub payer_name: String,
}

/// The most months one request may pay (a year of 补交 and prepayment is far less).
pub const MONTHS_PER_PAYMENT_MAX: usize = 12;

/// One line the ledger will record for an accepted request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentLine {
    pub kind: EntryKind,
    pub month: Option<Month>,
    pub amount_fen: i64,
}

/// Decides what a payment request records, given the member's bills and the current
/// month: each month named must have a bill not yet paid, lie no more than
/// `makeup_months` back (补交, 第十二条) and no later than the current month — or, for a
/// member the branch agreed pays quarterly (`quarterly`), the current quarter's end; a
/// voluntary extra is its own line. The organization never pays in advance for a member
/// (no 垫交): every line is money the payer hands over.
pub fn check_payment(
    rules: &DuesRules,
    current: Month,
    bills: &[BillState],
    req: &PaymentRequest,
    quarterly: bool,
) -> Result<Vec<PaymentLine>, Invalid> {
    let mut inv = Invalid::default();
    if req.months.is_empty() && req.voluntary_fen <= 0 {
        inv.push(FieldError::new("months", "dues.nothing_to_pay", "请选择要交纳的月份，或填写自愿多交的金额"));
    }
    if req.months.len() > MONTHS_PER_PAYMENT_MAX {
        inv.push(FieldError::new("months", "dues.too_many_months", format!("一次最多交纳{MONTHS_PER_PAYMENT_MAX}个月的党费")));
    }
    if !(0..=MAX_FEN).contains(&req.voluntary_fen) {
        inv.push(FieldError::new("voluntary", "dues.voluntary_invalid", "自愿多交的金额应为不超过1亿元的正数"));
    }
    match req.payer {
        Payer::Entrusted => check_text(&mut inv, "payer_name", "代缴人姓名", &req.payer_name, DUES_TEXT_MAX, true),
        _ => check_text(&mut inv, "payer_name", "代缴人姓名", &req.payer_name, DUES_TEXT_MAX, false),
    }
    let by_month: BTreeMap<Month, &BillState> = bills.iter().map(|b| (b.month, b)).collect();
    let mut lines = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for &month in req.months.iter().take(MONTHS_PER_PAYMENT_MAX) {
        if !seen.insert(month) {
            inv.push(FieldError::new("months", "dues.month_repeated", format!("{}重复选择了", month.label())));
            continue;
        }
        let back = current.since(month);
        if back > rules.makeup_months as i32 {
            inv.push(FieldError::new(
                "months",
                "dues.makeup_too_old",
                format!(
                    "{}的党费已超过补交期限（最多补交{}个月，《关于中国共产党党费收缴、使用和管理的规定》第十二条），不能再补交；请与党支部联系",
                    month.label(),
                    rules.makeup_months
                ),
            ));
            continue;
        }
        if month > current.quarter_end() {
            inv.push(FieldError::new("months", "dues.too_early", format!("{}尚不能预交：最多交到本季度末", month.label())));
            continue;
        }
        if month > current && !quarterly {
            inv.push(FieldError::new(
                "months",
                "dues.prepay_needs_consent",
                format!("{}尚未到期：按月交纳；经党支部同意按季度交纳的，可交到本季度末", month.label()),
            ));
            continue;
        }
        match by_month.get(&month) {
            None => inv.push(FieldError::new(
                "months",
                "dues.no_bill",
                format!("{}没有应交党费（尚未生成或不在党籍期内）", month.label()),
            )),
            Some(b) if b.is_paid() => {
                inv.push(FieldError::new("months", "dues.already_paid", format!("{}的党费已交纳", month.label())))
            }
            Some(b) => lines.push(PaymentLine { kind: EntryKind::Dues, month: Some(month), amount_fen: b.outstanding_fen() }),
        }
    }
    if req.voluntary_fen > 0 {
        lines.push(PaymentLine { kind: EntryKind::Voluntary, month: None, amount_fen: req.voluntary_fen });
    }
    inv.into_result(lines)
}

/// Whether a voluntary payment is flagged for remittance upward (第十一条: a single
/// voluntary payment of 1000 元 or more goes wholly to the Centre).
pub fn remit_upward(rules: &DuesRules, voluntary_fen: i64) -> bool {
    voluntary_fen >= rules.remit_upward_fen
}

/// An entry as a reversal sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryState {
    pub kind: EntryKind,
    /// Already reversed by a later entry.
    pub reversed: bool,
}

/// Whether an entry may be reversed: a payment not yet reversed, with a reason. A
/// reversal is never reversed (record the payment again instead).
pub fn check_reversal(entry: EntryState, reason: &str) -> Result<(), Invalid> {
    if entry.kind == EntryKind::Reversal {
        return Err(Invalid::one("entry", "dues.reverse_reversal", "冲正记录不能再冲正；如需恢复，请重新登记这笔交纳"));
    }
    if entry.reversed {
        return Err(Invalid::one("entry", "dues.already_reversed", "这笔交纳已冲正过"));
    }
    let mut inv = Invalid::default();
    check_text(&mut inv, "reason", "冲正原因", reason, DUES_TEXT_MAX, true);
    inv.into_result(())
}

/// A ledger entry for the balance: signed amount (a reversal is negative), month if it
/// pays a bill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerEntry {
    pub kind: EntryKind,
    pub month: Option<Month>,
    pub amount_fen: i64,
}

/// A member's (or an org's) dues position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
pub struct Balance {
    /// Sum of the bills.
    pub due_fen: i64,
    /// Paid towards the bills (reversals subtracted).
    pub paid_fen: i64,
    /// Still owed: `due − paid`, never below 0 per bill.
    pub outstanding_fen: i64,
    /// Voluntary extra (reversals subtracted).
    pub voluntary_fen: i64,
}

/// The bills' state after the entries, and the balance: each month's paid amount is the
/// sum of the entries for it (payments and their reversals).
pub fn balance(bills: &[(Month, i64)], entries: &[LedgerEntry]) -> (Vec<BillState>, Balance) {
    let mut paid: BTreeMap<Month, i64> = BTreeMap::new();
    let mut b = Balance::default();
    for e in entries {
        match e.month {
            Some(m) => *paid.entry(m).or_default() += e.amount_fen,
            None => b.voluntary_fen += e.amount_fen,
        }
    }
    let states: Vec<BillState> = bills
        .iter()
        .map(|&(month, amount_fen)| BillState { month, amount_fen, paid_fen: paid.get(&month).copied().unwrap_or(0) })
        .collect();
    for s in &states {
        b.due_fen += s.amount_fen;
        b.paid_fen += s.paid_fen;
        b.outstanding_fen += s.outstanding_fen();
    }
    (states, b)
}

/// A member's current run of unpaid months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Arrears {
    /// The first unpaid month of the run.
    pub since: Month,
    /// The last month judged (the month before the current one).
    pub until: Month,
    pub months: u32,
    pub severity: Severity,
}

/// The run of unpaid bills ending with the last closed month (the current month is
/// still open: it may be paid until its end). A bill of 0 (免交) counts as paid; a month
/// without a bill ends the run. 6 months or more → the policy's `breach` (问题, 党章第九条
/// "连续六个月不交纳党费"); from `arrears_warning_months` → `open_at_risk` (预警).
pub fn arrears(rules: &DuesRules, severity: &SeverityPolicy, current: Month, bills: &[BillState]) -> Option<Arrears> {
    let by_month: BTreeMap<Month, &BillState> = bills.iter().map(|b| (b.month, b)).collect();
    let until = current.plus(-1);
    let mut since = None;
    let mut m = until;
    while let Some(b) = by_month.get(&m) {
        if b.is_paid() {
            break;
        }
        since = Some(m);
        m = m.plus(-1);
    }
    let since = since?;
    let months = (until.since(since) + 1) as u32;
    let sev = if months >= rules.arrears_problem_months {
        severity.breach
    } else if months >= rules.arrears_warning_months.max(1) {
        severity.open_at_risk
    } else {
        return None;
    };
    Some(Arrears { since, until, months, severity: sev })
}

/// The rule code of arrears findings (the engine owns the codes under `affairs.dues`).
pub const ARREARS_CODE: &str = "affairs.dues_arrears";
/// The prefix of every 党费 rule code.
pub const RULE_PREFIX: &str = "affairs.dues";
/// The version of the arrears rule.
pub const ARREARS_RULE_VERSION: u32 = 1;
/// The arrears rule's title, as the findings lists show it.
pub const ARREARS_TITLE: &str = "党章第九条：连续不交纳党费";

/// A member's shorter arrears as a 预警 of the rules engine for the secretary: the run of
/// unpaid months (see [`arrears`]) filed under the month it began, so it stays one
/// finding while it grows. From 6 months (党章第九条: "连续六个月不交纳党费，又没有正当理由的，
/// 就被认为是自行脱党") there is none here: the run is then a reason of the 党章第九条 finding
/// that the 组织生活 engine files, together with not taking part (one finding per member).
pub fn arrears_finding(
    rules: &DuesRules,
    severity: &SeverityPolicy,
    current: Month,
    member_id: i64,
    bills: &[BillState],
) -> Option<Finding> {
    let a = arrears(rules, severity, current, bills).filter(|a| a.months < rules.arrears_problem_months)?;
    let owed: i64 = bills.iter().filter(|b| a.since <= b.month && b.month <= a.until).map(BillState::outstanding_fen).sum();
    let article = format!("；连续{}个月不交纳党费又无正当理由的，按党章第九条处理", rules.arrears_problem_months);
    Some(Finding {
        rule_code: ARREARS_CODE.into(),
        rule_version: ARREARS_RULE_VERSION,
        subject: Subject::Member(member_id),
        period: Period { kind: PeriodKind::Month, start: a.since.first_day(), end: a.until.last_day() },
        severity: a.severity,
        evidence: format!(
            "自{}至{}连续{}个月未交纳党费，共{}元{}",
            a.since.label(),
            a.until.label(),
            a.months,
            yuan(owed),
            article
        ),
    })
}

#[cfg(test)]
#[path = "dues_tests.rs"]
mod tests;
