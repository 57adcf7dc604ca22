//! 党费 storage (`dues_bases`, `dues_bills`, `dues_entries`, `dues_orders`).
//!
//! - A member's base: [`Dues::set_base`] keeps every entry by the month it applies from;
//!   the monthly amount is decided by `domain::affairs::dues` when the base is set (under
//!   the rules in force) and kept beside it, so generating bills is one set-based
//!   `INSERT … SELECT` ([`Dues::generate_bills`]) however many members a subtree holds.
//! - The ledger is appended, never updated: [`Dues::record_payment`] writes one entry
//!   per month paid (and one for a voluntary extra) under the request's idempotency key —
//!   a repeated request, also a concurrent one, records once and answers the first
//!   receipt — and [`Dues::reverse`] appends the opposite entry. A bill's `paid_fen` is
//!   the sum of its entries, kept in the same transaction, guarded so that two payments
//!   of one month cannot both land.
//! - Online payment goes through a gateway's order ([`Dues::create_order`],
//!   [`Dues::settle_order`]); the settlement records the payment under the key
//!   `order:<id>`, so a gateway's repeated notification records once.
//!
//! Reads and writes go through the caller's [`Scope`](crate::Scope); every write is
//! audited in its transaction.

use crate::platform::audit::{self, Event};
use crate::platform::error::decode;
use crate::platform::ids;
use crate::platform::paging::{SortKey, capped_page};
use crate::platform::query::Sql;
use crate::platform::xlsx::{Book, XlsxCell, XlsxColumn};
use crate::{StoreError, StoreResult};
use serde::Serialize;
use vanguard_domain::Invalid;
use vanguard_domain::affairs::dues::{
    self as rules, Arrears, Balance, BaseInput, BillState, DuesCategory, EntryKind, EntryState, LedgerEntry, Month, Payer,
    PaymentInput, PaymentRequest,
};
use vanguard_domain::kernel::money::yuan;
use vanguard_domain::kernel::paging::{Page, PageRequest};
use vanguard_domain::kernel::time::china_date;
use vanguard_domain::org::path;

crate::platform::scope::feature_handle!(
    /// 党费: bases, bills, the ledger, orders and reports.
    Dues,
    dues
);

/// The longest idempotency key accepted, in bytes.
pub const KEY_MAX: usize = 100;

/// How many months back a member's page and the payment check read.
const HISTORY_MONTHS: i32 = 36;

/// One entry of a member's base history.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct BaseView {
    pub member_id: i64,
    pub category: String,
    #[sqlx(skip)]
    pub category_label: &'static str,
    pub base_fen: i64,
    pub fixed_fen: Option<i64>,
    /// The monthly dues this base gives.
    pub amount_fen: i64,
    pub from_month: String,
    /// The branch agreed the member pays quarterly.
    pub quarterly: bool,
    pub recorded_at: i64,
}

/// A member's bill of a month.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct BillView {
    pub member_id: i64,
    pub member_name: String,
    pub month: String,
    pub org_id: i64,
    pub category: String,
    #[sqlx(skip)]
    pub category_label: &'static str,
    pub base_fen: i64,
    pub amount_fen: i64,
    pub paid_fen: i64,
    #[sqlx(skip)]
    pub outstanding_fen: i64,
    #[sqlx(skip)]
    pub paid: bool,
}

/// One ledger entry.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct EntryView {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub kind: String,
    #[sqlx(skip)]
    pub kind_label: &'static str,
    pub month: Option<String>,
    /// Negative for a reversal.
    pub amount_fen: i64,
    pub payer: String,
    #[sqlx(skip)]
    pub payer_label: &'static str,
    pub payer_name: String,
    pub reverses_id: Option<i64>,
    /// Reversed by a later entry.
    pub reversed: bool,
    /// A voluntary payment of 1000 元 or more, to be remitted upward (第十一条).
    pub remit_upward: bool,
    pub note: String,
    pub recorded_at: i64,
}

/// What a payment recorded (or had recorded, for a repeated request).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Receipt {
    pub request_key: String,
    pub member_id: i64,
    pub entries: Vec<EntryView>,
    pub total_fen: i64,
    /// The request had been recorded before: nothing new was written.
    pub replayed: bool,
}

/// What generating a month's bills did.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct GenerateOutcome {
    /// Bills made now (members already billed for the month are left alone).
    pub created: u64,
    /// Members who owe the month but have no base yet (no bill until one is set).
    pub without_base: i64,
}

/// Which bills a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BillFilter {
    #[default]
    All,
    Paid,
    Unpaid,
}

/// A member's dues: base history, bills and entries of the last three years, the balance
/// and any arrears.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MemberDues {
    pub member_id: i64,
    pub member_name: String,
    pub current_month: String,
    pub bases: Vec<BaseView>,
    pub bills: Vec<BillView>,
    pub entries: Vec<EntryView>,
    pub balance: Balance,
    /// The current run of unpaid months, when it is long enough to report.
    #[schema(value_type = Option<Object>)]
    pub arrears: Option<Arrears>,
}

/// One line of the report: an org (or the whole subtree) in a month (or the range).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportRow {
    /// The child org (or the org itself for its own members); `None` for the subtree's total.
    pub org_id: Option<i64>,
    pub org_name: String,
    /// `None` for the whole range.
    pub month: Option<String>,
    pub bills: i64,
    pub paid_count: i64,
    pub due_fen: i64,
    pub paid_fen: i64,
    pub outstanding_fen: i64,
    /// Paid of due, in ‰; `None` when nothing is due.
    pub rate_permille: Option<i64>,
}

/// The report of a subtree over a range of months, with a drill-down to its children.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DuesReport {
    pub org_id: i64,
    pub org_name: String,
    pub from: String,
    pub to: String,
    /// The subtree month by month.
    pub months: Vec<ReportRow>,
    /// Each direct child (and the org's own members) over the range.
    pub children: Vec<ReportRow>,
    /// Each direct child month by month.
    pub cells: Vec<ReportRow>,
}

/// An online payment's order.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct OrderView {
    pub id: i64,
    pub member_id: i64,
    pub months: String,
    pub voluntary_fen: i64,
    pub amount_fen: i64,
    pub gateway: String,
    pub gateway_ref: Option<String>,
    /// created, paid, failed; flagged when reconciliation found the order and its
    /// gateway disagree.
    pub state: String,
    pub created_at: i64,
    pub settled_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct BillRow {
    month: String,
    amount_fen: i64,
    paid_fen: i64,
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    org_path: String,
    kind: String,
    month: Option<String>,
    amount_fen: i64,
    payer: String,
    payer_name: String,
    member_id: i64,
    org_id: i64,
    reversed: bool,
}

#[derive(sqlx::FromRow)]
struct ReportRaw {
    org_path: String,
    month: String,
    bills: i64,
    paid_count: i64,
    due_fen: i64,
    paid_fen: i64,
}

/// The member facts a dues write needs.
pub(super) struct Payee {
    pub(super) region_id: i64,
    pub(super) id: i64,
    pub(super) org_id: i64,
    pub(super) org_path: String,
    pub(super) name: String,
}

// Whether an entry was reversed is a LEFT JOIN on equal region keys, not a correlated
// EXISTS: Citus routes the join to the region's one shard but sends the EXISTS to all.
macro_rules! entry_select {
    () => {
        "SELECT e.id, e.member_id, mb.name AS member_name, e.kind, e.month, e.amount_fen, e.payer, e.payer_name, e.reverses_id, \
         (r.id IS NOT NULL) AS reversed, e.remit_upward, e.note, e.recorded_at \
         FROM dues_entries e JOIN members mb ON mb.region_id = e.region_id AND mb.id = e.member_id \
         LEFT JOIN dues_entries r ON r.region_id = e.region_id AND r.reverses_id = e.id "
    };
}

/// A payment's receipt: the lines recorded under its request key. On Citus, like every
/// read of the payment path, one shard (the region's).
pub const RECEIPT_SQL: &str = concat!(entry_select!(), "WHERE e.region_id = $1 AND e.request_key = $2 ORDER BY e.line");

/// Whether the base in force in a month says the member pays quarterly.
pub const PAYS_QUARTERLY_SQL: &str = "SELECT quarterly FROM dues_bases WHERE region_id = $1 AND member_id = $2 AND from_month <= $3 ORDER BY from_month DESC LIMIT 1";

/// The bills a payment is checked against: the member's, from the oldest month that may
/// still be made up.
pub const PAYMENT_BILLS_SQL: &str =
    "SELECT month, amount_fen, paid_fen FROM dues_bills WHERE region_id = $1 AND member_id = $2 AND month >= $3";

macro_rules! bill_select {
    () => {
        "SELECT b.member_id, mb.name AS member_name, b.month, b.org_id, b.category, b.base_fen, b.amount_fen, b.paid_fen \
         FROM dues_bills b JOIN members mb ON mb.region_id = b.region_id AND mb.id = b.member_id "
    };
}

/// The bills of a branch: by member name, then id.
const BILL_ORDER: SortKey = SortKey { columns: &["mb.name", "b.member_id"], descending: false };

fn label_bills(mut rows: Vec<BillView>) -> StoreResult<Vec<BillView>> {
    for r in &mut rows {
        r.category_label = decode("dues_bills.category", &r.category, DuesCategory::from_code)?.label();
        r.outstanding_fen = (r.amount_fen - r.paid_fen).max(0);
        r.paid = r.paid_fen >= r.amount_fen;
    }
    Ok(rows)
}

fn label_entries(mut rows: Vec<EntryView>) -> StoreResult<Vec<EntryView>> {
    for r in &mut rows {
        r.kind_label = decode("dues_entries.kind", &r.kind, EntryKind::from_code)?.label();
        r.payer_label = decode("dues_entries.payer", &r.payer, Payer::from_code)?.label();
    }
    Ok(rows)
}

fn label_bases(mut rows: Vec<BaseView>) -> StoreResult<Vec<BaseView>> {
    for r in &mut rows {
        r.category_label = decode("dues_bases.category", &r.category, DuesCategory::from_code)?.label();
    }
    Ok(rows)
}

fn month_of(column: &'static str, key: &str) -> StoreResult<Month> {
    decode(column, key, Month::parse)
}

/// An idempotency key as sent: 1–100 visible ASCII characters.
pub fn check_key(key: &str) -> StoreResult<String> {
    let key = key.trim();
    if key.is_empty() || key.len() > KEY_MAX || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(StoreError::invalid(
            "idempotency_key",
            "dues.key",
            format!("请求缺少有效的幂等键（Idempotency-Key：1–{KEY_MAX} 个可见 ASCII 字符），请刷新页面后重试"),
        ));
    }
    Ok(key.to_string())
}

fn rate(due: i64, paid: i64) -> Option<i64> {
    (due > 0).then(|| paid * 1000 / due)
}

fn row(org_id: Option<i64>, org_name: &str, month: Option<String>, r: &ReportRaw) -> ReportRow {
    ReportRow {
        org_id,
        org_name: org_name.to_string(),
        month,
        bills: r.bills,
        paid_count: r.paid_count,
        due_fen: r.due_fen,
        paid_fen: r.paid_fen,
        outstanding_fen: r.due_fen - r.paid_fen,
        rate_permille: rate(r.due_fen, r.paid_fen),
    }
}

fn add(into: &mut ReportRow, r: &ReportRaw) {
    into.bills += r.bills;
    into.paid_count += r.paid_count;
    into.due_fen += r.due_fen;
    into.paid_fen += r.paid_fen;
    into.outstanding_fen = into.due_fen - into.paid_fen;
    into.rate_permille = rate(into.due_fen, into.paid_fen);
}

impl Dues<'_> {
    /// The current month (Asia/Shanghai).
    pub fn current_month(&self) -> Month {
        Month::of(china_date(self.db.clock().now_ms()))
    }

    /// A member within reach, as a dues write or read needs them.
    pub(super) async fn payee(&self, member_id: i64) -> StoreResult<Payee> {
        let m = self.scoped().members().member_row(member_id).await?;
        Ok(Payee { region_id: m.region_id, id: m.id, org_id: m.org_id, org_path: m.org_path, name: m.name })
    }

    /// A member within the writable subtree.
    pub(super) async fn payee_for_write(&self, member_id: i64) -> StoreResult<Payee> {
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?;
        let p = self.payee(member_id).await?;
        if !path::within(&p.org_path, root) {
            return Err(StoreError::NotFound);
        }
        Ok(p)
    }

    /// Sets a member's category and base from a month on (第十条). Setting the same month
    /// again replaces that entry. Bills of that month onwards not yet paid at all take
    /// the new amount. Audited.
    pub async fn set_base(&self, member_id: i64, input: &BaseInput) -> StoreResult<BaseView> {
        // Reach first: outside it the member is not found, whatever the input.
        let p = self.payee_for_write(member_id).await?;
        let dues_rules = self.db.rules();
        let base = &rules::parse_base(&dues_rules.dues, input).map_err(StoreError::Invalid)?;
        let amount = rules::monthly_amount(&dues_rules.dues, base);
        let now = self.db.clock().now_ms();
        let from = base.from_month.key();
        let mut tx = self.db.begin().await?;
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO dues_bases (region_id, id, member_id, category, base_fen, fixed_fen, amount_fen, from_month, quarterly, rules_version, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $12, $9, $10, $11) \
             ON CONFLICT (region_id, member_id, from_month) DO UPDATE SET category = excluded.category, base_fen = excluded.base_fen, \
             fixed_fen = excluded.fixed_fen, amount_fen = excluded.amount_fen, quarterly = excluded.quarterly, rules_version = excluded.rules_version, \
             recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at")
            .bind(p.region_id).bind(ids::next()).bind(p.id).bind(base.category.code()).bind(base.base_fen).bind(base.fixed_fen)
            .bind(amount).bind(&from).bind(i64::from(dues_rules.version)).bind(self.scope.actor.account_id).bind(now)
            .bind(input.quarterly).execute(c).await)?;
        // Unpaid bills from that month up to the next base entry follow the new base.
        let next: Option<String> = crate::on_tx!(tx, c => sqlx::query_scalar(
            "SELECT MIN(from_month) FROM dues_bases WHERE region_id = $1 AND member_id = $2 AND from_month > $3")
            .bind(p.region_id).bind(p.id).bind(&from).fetch_one(c).await)?;
        crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE dues_bills SET category = $1, base_fen = $2, amount_fen = $3 \
             WHERE region_id = $4 AND member_id = $5 AND month >= $6 AND month < $7 AND paid_fen = 0")
            .bind(base.category.code()).bind(base.base_fen).bind(amount).bind(p.region_id).bind(p.id).bind(&from)
            .bind(next.as_deref().unwrap_or("9999-99")).execute(c).await)?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("dues.base", format!("member:{}", p.id)).detail(format!(
                "{}：{}，基数{}元，自{}起每月{}元",
                p.name,
                base.category.label(),
                yuan(base.base_fen),
                base.from_month.label(),
                yuan(amount)
            )),
        )
        .await?;
        tx.commit().await?;
        let bases = self.bases(p.region_id, p.id).await?;
        bases.into_iter().find(|b| b.from_month == from).ok_or(StoreError::NotFound)
    }

    pub(super) async fn bases(&self, region_id: i64, member_id: i64) -> StoreResult<Vec<BaseView>> {
        let rows: Vec<BaseView> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT member_id, category, base_fen, fixed_fen, amount_fen, from_month, quarterly, recorded_at FROM dues_bases \
             WHERE region_id = $1 AND member_id = $2 ORDER BY from_month DESC")
            .bind(region_id).bind(member_id).fetch_all(c).await)?;
        label_bases(rows)
    }

    /// Makes the month's bills for every member of the org's subtree who owes it (from the
    /// month the 支部大会 passed them to the month they left; not while 停止党籍), from
    /// the base in force that month, in one statement. Members already billed for the month
    /// are left alone, so running it again changes nothing. Audited.
    pub async fn generate_bills(&self, org_id: i64, month: &str) -> StoreResult<GenerateOutcome> {
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?;
        let org = self.scoped().orgs().org(org_id).await?;
        if !path::within(&org.path, root) {
            return Err(StoreError::NotFound);
        }
        let month = Month::parse(month).ok_or_else(|| StoreError::invalid("month", "dues.month", "请选择月份，如 2026-07"))?;
        if month > self.current_month().quarter_end() {
            return Err(StoreError::invalid("month", "dues.month_future", "只能生成本季度及以前月份的党费账单"));
        }
        let hi = path::upper(&org.path);
        let (key, first, last) = (month.key(), month.first_day().to_string(), month.last_day().to_string());
        let now = self.db.clock().now_ms();
        let mut tx = self.db.begin().await?;
        let created = crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO dues_bills (region_id, member_id, month, org_id, org_path, category, base_fen, amount_fen, paid_fen, created_at) \
             SELECT m.region_id, m.id, $2, m.org_id, m.org_path, b.category, b.base_fen, \
             COALESCE((SELECT MIN(r.amount_fen) FROM dues_reliefs r WHERE r.region_id = m.region_id AND r.member_id = m.id \
                 AND r.state = 'approved' AND r.from_month <= $2 AND r.to_month >= $2), b.amount_fen), 0, $3 \
             FROM members m JOIN dues_bases b ON b.region_id = m.region_id AND b.member_id = m.id \
             WHERE m.region_id = $1 AND m.org_path >= $4 AND m.org_path < $5 AND m.joined_on <= $6 \
             AND (m.archived = FALSE OR m.left_on >= $7) AND m.party_status = 'normal' \
             AND b.from_month = (SELECT MAX(b2.from_month) FROM dues_bases b2 \
                 WHERE b2.region_id = m.region_id AND b2.member_id = m.id AND b2.from_month <= $2) \
             ON CONFLICT (region_id, member_id, month) DO NOTHING")
            .bind(org.region_id).bind(&key).bind(now).bind(&org.path).bind(&hi).bind(&last).bind(&first)
            .execute(c).await)?;
        let without_base: i64 = crate::on_tx!(tx, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM members m WHERE m.region_id = $1 AND m.org_path >= $2 AND m.org_path < $3 AND m.joined_on <= $4 \
             AND (m.archived = FALSE OR m.left_on >= $5) AND m.party_status = 'normal' \
             AND NOT EXISTS (SELECT 1 FROM dues_bases b WHERE b.region_id = m.region_id AND b.member_id = m.id AND b.from_month <= $6)")
            .bind(org.region_id).bind(&org.path).bind(&hi).bind(&last).bind(&first).bind(&key).fetch_one(c).await)?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("dues.bills", format!("org:{org_id}")).detail(format!(
                "{}{}党费账单：新生成{}份，未核定基数{}人",
                org.name,
                month.label(),
                created,
                without_base
            )),
        )
        .await?;
        tx.commit().await?;
        Ok(GenerateOutcome { created, without_base })
    }

    /// The bills of a month in the org's subtree (within reach), by member name.
    pub async fn bills(&self, org_id: i64, month: Month, filter: BillFilter, req: &PageRequest) -> StoreResult<Page<BillView>> {
        let org = self.scoped().orgs().org(org_id).await?;
        let mut filters = Sql::new(" WHERE b.region_id = ");
        filters
            .bind(org.region_id)
            .push(" AND b.month = ")
            .bind(month.key())
            .push(" AND b.org_path >= ")
            .bind(org.path.as_str())
            .push(" AND b.org_path < ")
            .bind(path::upper(&org.path));
        match filter {
            BillFilter::All => {}
            BillFilter::Paid => {
                filters.push(" AND b.paid_fen >= b.amount_fen");
            }
            BillFilter::Unpaid => {
                filters.push(" AND b.paid_fen < b.amount_fen");
            }
        }
        let count_from = "dues_bills b JOIN members mb ON mb.region_id = b.region_id AND mb.id = b.member_id";
        let mut page = capped_page(self.db, count_from, bill_select!(), &filters, &BILL_ORDER, req, |b: &BillView| {
            vec![b.member_name.clone().into(), b.member_id.into()]
        })
        .await?;
        page.items = label_bills(std::mem::take(&mut page.items))?;
        Ok(page)
    }

    /// A member's dues (within reach, or the caller's own): bases, the bills and entries of
    /// the last three years, the balance and any arrears.
    pub async fn member_dues(&self, member_id: i64) -> StoreResult<MemberDues> {
        let p = self.payee(member_id).await?;
        let current = self.current_month();
        let since = current.plus(-HISTORY_MONTHS).key();
        let bills: Vec<BillView> = crate::read!(self.db, c => sqlx::query_as(concat!(bill_select!(),
            "WHERE b.region_id = $1 AND b.member_id = $2 AND b.month >= $3 ORDER BY b.month DESC"))
            .bind(p.region_id).bind(p.id).bind(&since).fetch_all(c).await)?;
        let bills = label_bills(bills)?;
        let entries: Vec<EntryView> = crate::read!(self.db, c => sqlx::query_as(concat!(entry_select!(),
            "WHERE e.region_id = $1 AND e.member_id = $2 AND e.recorded_at >= $3 ORDER BY e.recorded_at DESC, e.id DESC"))
            .bind(p.region_id).bind(p.id).bind(vanguard_domain::kernel::time::china_midnight_ms(current.plus(-HISTORY_MONTHS).first_day()))
            .fetch_all(c).await)?;
        let entries = label_entries(entries)?;
        let mut months = Vec::with_capacity(bills.len());
        for b in &bills {
            months.push((month_of("dues_bills.month", &b.month)?, b.amount_fen));
        }
        let mut ledger = Vec::with_capacity(entries.len());
        for e in &entries {
            let month = e.month.as_deref().map(|m| month_of("dues_entries.month", m)).transpose()?;
            let kind = decode("dues_entries.kind", &e.kind, EntryKind::from_code)?;
            // Entries for months older than the bills read are left out of both sides.
            if month.is_none_or(|m| months.iter().any(|(b, _)| *b == m)) {
                ledger.push(LedgerEntry { kind, month, amount_fen: e.amount_fen });
            }
        }
        let (states, balance) = rules::balance(&months, &ledger);
        let all = self.db.rules();
        let arrears = rules::arrears(&all.dues, &all.severity, current, &states);
        Ok(MemberDues {
            member_id: p.id,
            member_name: p.name,
            current_month: current.key(),
            bases: self.bases(p.region_id, p.id).await?,
            bills,
            entries,
            balance,
            arrears,
        })
    }

    /// Records a payment for a member within the writable subtree — handed over by the
    /// member, an entrusted person (代缴) or in cash to the secretary — under an
    /// idempotency key: a repeated request (also a concurrent one) records nothing new and
    /// answers the first receipt. Audited.
    pub async fn record_payment(&self, member_id: i64, input: &PaymentInput, key: &str) -> StoreResult<Receipt> {
        // Reach first: outside it the member is not found, whatever the input.
        let p = self.payee_for_write(member_id).await?;
        let key = check_key(key)?;
        let req = rules::parse_payment(input).map_err(StoreError::Invalid)?;
        self.pay(&p, &req, &key, "").await
    }

    /// Whether the base in force this month says the branch agreed to quarterly payment.
    async fn pays_quarterly(&self, region_id: i64, member_id: i64, current: Month) -> StoreResult<bool> {
        let q: Option<bool> = crate::read!(self.db, c => sqlx::query_scalar(PAYS_QUARTERLY_SQL)
            .bind(region_id).bind(member_id).bind(current.key()).fetch_optional(c).await)?;
        Ok(q.unwrap_or(false))
    }

    async fn pay(&self, p: &Payee, req: &PaymentRequest, key: &str, note: &str) -> StoreResult<Receipt> {
        if let Some(r) = self.receipt(p, key).await? {
            return Ok(r);
        }
        let current = self.current_month();
        let quarterly = self.pays_quarterly(p.region_id, p.id, current).await?;
        let all = self.db.rules();
        let mut tx = self.db.begin().await?;
        let rows: Vec<BillRow> = crate::on_tx!(tx, c => sqlx::query_as(PAYMENT_BILLS_SQL)
            .bind(p.region_id).bind(p.id).bind(current.plus(-(all.dues.makeup_months as i32) - 1).key()).fetch_all(c).await)?;
        let mut bills = Vec::with_capacity(rows.len());
        for r in rows {
            bills.push(BillState {
                month: month_of("dues_bills.month", &r.month)?,
                amount_fen: r.amount_fen,
                paid_fen: r.paid_fen,
            });
        }
        let lines = match rules::check_payment(&all.dues, current, &bills, req, quarterly) {
            Ok(lines) => lines,
            // The same request may have committed since the first look: answer its receipt.
            Err(inv) => {
                drop(tx);
                return self.receipt(p, key).await?.ok_or(StoreError::Invalid(inv));
            }
        };
        let now = self.db.clock().now_ms();
        for (i, line) in lines.iter().enumerate() {
            let remit = line.kind == EntryKind::Voluntary && rules::remit_upward(&all.dues, line.amount_fen);
            let inserted = crate::exec_tx!(tx, c => sqlx::query(
                "INSERT INTO dues_entries (region_id, id, member_id, org_id, org_path, kind, month, amount_fen, payer, payer_name, \
                 request_key, line, reverses_id, remit_upward, note, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, $13, $14, $15, $16) ON CONFLICT DO NOTHING")
                .bind(p.region_id).bind(ids::next()).bind(p.id).bind(p.org_id).bind(&p.org_path).bind(line.kind.code())
                .bind(line.month.map(|m| m.key())).bind(line.amount_fen).bind(req.payer.code()).bind(req.payer_name.trim())
                .bind(key).bind(i as i64).bind(remit).bind(note).bind(self.scope.actor.account_id).bind(now)
                .execute(c).await)?;
            if inserted == 0 {
                // The same request committed meanwhile: answer its receipt.
                drop(tx);
                return self.receipt(p, key).await?.ok_or(StoreError::NotFound);
            }
            if let Some(month) = line.month {
                let updated = crate::exec_tx!(tx, c => sqlx::query(
                    "UPDATE dues_bills SET paid_fen = paid_fen + $1 WHERE region_id = $2 AND member_id = $3 AND month = $4 \
                     AND paid_fen + $1 <= amount_fen")
                    .bind(line.amount_fen).bind(p.region_id).bind(p.id).bind(month.key()).execute(c).await)?;
                if updated == 0 {
                    drop(tx);
                    if let Some(r) = self.receipt(p, key).await? {
                        return Ok(r);
                    }
                    return Err(StoreError::conflict(
                        "dues.already_paid",
                        format!("{}的党费刚刚已由他人登记交纳，请刷新后查看", month.label()),
                    ));
                }
            }
        }
        super::dues_check::refresh_member(&mut tx, self.db, p.region_id, p.id).await?;
        let total: i64 = lines.iter().map(|l| l.amount_fen).sum();
        let months: Vec<String> = lines.iter().filter_map(|l| l.month.map(|m| m.label())).collect();
        let voluntary = lines.iter().find(|l| l.kind == EntryKind::Voluntary).map(|l| l.amount_fen).unwrap_or(0);
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("dues.pay", format!("member:{}", p.id)).detail(format!(
                "{}：{}{}，合计{}元（{}{}）",
                p.name,
                if months.is_empty() { "自愿多交".to_string() } else { months.join("、") },
                if voluntary > 0 && !months.is_empty() {
                    format!("，另自愿多交{}元", yuan(voluntary))
                } else {
                    String::new()
                },
                yuan(total),
                req.payer.label(),
                if req.payer_name.trim().is_empty() { String::new() } else { format!("：{}", req.payer_name.trim()) }
            )),
        )
        .await?;
        tx.commit().await?;
        let mut r = self.receipt(p, key).await?.ok_or(StoreError::NotFound)?;
        r.replayed = false;
        Ok(r)
    }

    /// The receipt of a request already recorded (marked replayed), if any; a key used for
    /// another member is refused.
    async fn receipt(&self, p: &Payee, key: &str) -> StoreResult<Option<Receipt>> {
        let entries: Vec<EntryView> = crate::read!(self.db, c => sqlx::query_as(RECEIPT_SQL)
            .bind(p.region_id).bind(key).fetch_all(c).await)?;
        if entries.is_empty() {
            return Ok(None);
        }
        if entries.iter().any(|e| e.member_id != p.id) {
            return Err(StoreError::conflict("dues.key_reused", "该幂等键已用于另一笔交纳，请刷新页面后重新提交"));
        }
        let entries = label_entries(entries)?;
        let total_fen = entries.iter().map(|e| e.amount_fen).sum();
        Ok(Some(Receipt { request_key: key.to_string(), member_id: p.id, entries, total_fen, replayed: true }))
    }

    /// Reverses a payment entry within the writable subtree by appending the opposite
    /// entry (冲正); the bill is owed again. Once per entry; a reversal is never reversed.
    /// Audited.
    pub async fn reverse(&self, entry_id: i64, reason: &str) -> StoreResult<EntryView> {
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?.to_string();
        let mut tx = self.db.begin().await?;
        let found: Option<EntryRow> = crate::on_tx!(tx, c => sqlx::query_as(
            "SELECT e.org_path, e.kind, e.month, e.amount_fen, e.payer, e.payer_name, e.member_id, e.org_id, \
             (r.id IS NOT NULL) AS reversed \
             FROM dues_entries e LEFT JOIN dues_entries r ON r.region_id = e.region_id AND r.reverses_id = e.id \
             WHERE e.region_id = $1 AND e.id = $2")
            .bind(self.scope.region_id).bind(entry_id).fetch_optional(c).await)?;
        let e = found.filter(|e| path::within(&e.org_path, &root)).ok_or(StoreError::NotFound)?;
        let kind = decode("dues_entries.kind", &e.kind, EntryKind::from_code)?;
        rules::check_reversal(EntryState { kind, reversed: e.reversed }, reason).map_err(conflict_or_invalid)?;
        let id = ids::next();
        let now = self.db.clock().now_ms();
        let inserted = crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO dues_entries (region_id, id, member_id, org_id, org_path, kind, month, amount_fen, payer, payer_name, \
             request_key, line, reverses_id, remit_upward, note, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, 'reversal', $6, $7, $8, $9, $10, 0, $11, FALSE, $12, $13, $14) ON CONFLICT DO NOTHING")
            .bind(self.scope.region_id).bind(id).bind(e.member_id).bind(e.org_id).bind(&e.org_path).bind(&e.month)
            .bind(-e.amount_fen).bind(&e.payer).bind(&e.payer_name).bind(format!("reverse:{entry_id}")).bind(entry_id)
            .bind(reason.trim()).bind(self.scope.actor.account_id).bind(now)
            .execute(c).await)?;
        if inserted == 0 {
            return Err(StoreError::conflict("dues.already_reversed", "这笔交纳已冲正过"));
        }
        if let Some(month) = &e.month {
            crate::exec_tx!(tx, c => sqlx::query(
                "UPDATE dues_bills SET paid_fen = paid_fen - $1 WHERE region_id = $2 AND member_id = $3 AND month = $4")
                .bind(e.amount_fen).bind(self.scope.region_id).bind(e.member_id).bind(month).execute(c).await)?;
        }
        super::dues_check::refresh_member(&mut tx, self.db, self.scope.region_id, e.member_id).await?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("dues.reverse", format!("member:{}", e.member_id)).detail(format!(
                "冲正{}元（{}）：{}",
                yuan(e.amount_fen),
                e.month.as_deref().unwrap_or("自愿多交"),
                reason.trim()
            )),
        )
        .await?;
        tx.commit().await?;
        let rows: Vec<EntryView> = crate::read!(self.db, c => sqlx::query_as(concat!(entry_select!(), "WHERE e.region_id = $1 AND e.id = $2"))
            .bind(self.scope.region_id).bind(id).fetch_all(c).await)?;
        label_entries(rows)?.into_iter().next().ok_or(StoreError::NotFound)
    }

    /// Due, paid, outstanding and rate of the org's subtree (within reach) month by month
    /// from `from` to `to` (at most 24 months), with each direct child's share.
    pub async fn report(&self, org_id: i64, from: Month, to: Month) -> StoreResult<DuesReport> {
        if to < from || to.since(from) >= 24 {
            return Err(StoreError::invalid("to", "dues.report_range", "报表的月份范围应为1至24个月，且结束月份不早于开始月份"));
        }
        let org = self.scoped().orgs().org(org_id).await?;
        let raws: Vec<ReportRaw> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT org_path, month, COUNT(*) AS bills, \
             CAST(COALESCE(SUM(CASE WHEN paid_fen >= amount_fen THEN 1 ELSE 0 END), 0) AS BIGINT) AS paid_count, \
             CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) AS due_fen, CAST(COALESCE(SUM(paid_fen), 0) AS BIGINT) AS paid_fen \
             FROM dues_bills WHERE region_id = $1 AND month >= $2 AND month <= $3 AND org_path >= $4 AND org_path < $5 \
             GROUP BY org_path, month ORDER BY month")
            .bind(org.region_id).bind(from.key()).bind(to.key()).bind(&org.path).bind(path::upper(&org.path))
            .fetch_all(c).await)?;
        let children = self.scoped().orgs().children(org_id).await?;
        let depth = path::ids(&org.path).len();
        let child_of = |org_path: &str| -> (Option<i64>, String) {
            match path::ids(org_path).get(depth).copied() {
                Some(id) => {
                    (Some(id), children.iter().find(|c| c.id == id).map_or_else(|| "其他".to_string(), |c| c.name.clone()))
                }
                None => (Some(org.id), format!("{}（本级）", org.name)),
            }
        };
        let zero = ReportRaw { org_path: String::new(), month: String::new(), bills: 0, paid_count: 0, due_fen: 0, paid_fen: 0 };
        let mut months: Vec<ReportRow> = Month::range(from, to).map(|m| row(None, &org.name, Some(m.key()), &zero)).collect();
        let mut by_child: Vec<ReportRow> = Vec::new();
        let mut cells: Vec<ReportRow> = Vec::new();
        for r in &raws {
            if let Some(m) = months.iter_mut().find(|m| m.month.as_deref() == Some(r.month.as_str())) {
                add(m, r);
            }
            let (id, name) = child_of(&r.org_path);
            match by_child.iter_mut().find(|c| c.org_id == id) {
                Some(c) => add(c, r),
                None => by_child.push(row(id, &name, None, r)),
            }
            match cells.iter_mut().find(|c| c.org_id == id && c.month.as_deref() == Some(r.month.as_str())) {
                Some(c) => add(c, r),
                None => cells.push(row(id, &name, Some(r.month.clone()), r)),
            }
        }
        by_child.sort_by(|a, b| a.org_name.cmp(&b.org_name));
        cells.sort_by(|a, b| (&a.org_name, &a.month).cmp(&(&b.org_name, &b.month)));
        Ok(DuesReport { org_id: org.id, org_name: org.name, from: from.key(), to: to.key(), months, children: by_child, cells })
    }

    /// The report as an .xlsx workbook: the subtree month by month, each direct child over
    /// the range, and each child month by month. Answers the bytes and a file name.
    pub async fn report_xlsx(&self, org_id: i64, from: Month, to: Month) -> StoreResult<(Vec<u8>, String)> {
        let r = self.report(org_id, from, to).await?;
        let columns = |first: &str| {
            vec![
                XlsxColumn::new(first, 24.0),
                XlsxColumn::new("月份", 12.0),
                XlsxColumn::new("应交人数", 10.0),
                XlsxColumn::new("已交人数", 10.0),
                XlsxColumn::new("应交（元）", 14.0),
                XlsxColumn::new("实交（元）", 14.0),
                XlsxColumn::new("未交（元）", 14.0),
                XlsxColumn::new("收缴率", 10.0),
            ]
        };
        let line = |x: &ReportRow| {
            vec![
                XlsxCell::text(x.org_name.clone()),
                XlsxCell::text(x.month.as_deref().and_then(Month::parse).map(|m| m.label()).unwrap_or_else(|| "合计".into())),
                XlsxCell::Number(x.bills as f64),
                XlsxCell::Number(x.paid_count as f64),
                XlsxCell::text(yuan(x.due_fen)),
                XlsxCell::text(yuan(x.paid_fen)),
                XlsxCell::text(yuan(x.outstanding_fen)),
                XlsxCell::text(x.rate_permille.map(|p| format!("{}.{}%", p / 10, p % 10)).unwrap_or_default()),
            ]
        };
        let sheets: Vec<(&str, &str, Vec<Vec<XlsxCell>>)> = vec![
            ("按月", "党组织", r.months.iter().map(line).collect()),
            ("按下级组织", "下级党组织", r.children.iter().map(line).collect()),
            ("下级组织按月", "下级党组织", r.cells.iter().map(line).collect()),
        ];
        let range = if from == to { from.label() } else { format!("{}至{}", from.label(), to.label()) };
        let title = format!("{} {}党费收缴情况", r.org_name, range);
        let scratch = self.db.scratch_dir();
        let caption = title.clone();
        let bytes = tokio::task::spawn_blocking(move || {
            let mut book = Book::new(&scratch)?;
            for (name, first, rows) in &sheets {
                book.sheet(name, Some(&caption), &columns(first))?;
                for row in rows {
                    book.row(row)?;
                }
            }
            book.into_bytes()
        })
        .await
        .map_err(|e| StoreError::Other(format!("生成 Excel 文件时出错：{e}")))??;
        Ok((bytes, format!("{title}.xlsx")))
    }

    /// The caller's own dues (the portal).
    pub async fn my_dues(&self) -> StoreResult<MemberDues> {
        let id = self.own_member()?;
        self.member_dues(id).await
    }

    /// The caller's own member record; an account without one has no dues (not found).
    fn own_member(&self) -> StoreResult<i64> {
        self.scope.member_id.ok_or(StoreError::NotFound)
    }

    /// Starts an online payment of the caller's own dues: the months and any voluntary
    /// extra are checked as a payment would be, and an order for the total is kept for
    /// the gateway. Audited.
    pub async fn create_order(&self, input: &PaymentInput, gateway: &str) -> StoreResult<OrderView> {
        let p = self.payee(self.own_member()?).await?;
        let PaymentRequest { months, voluntary_fen, .. } = rules::parse_payment(&PaymentInput {
            payer: Payer::Member.code().into(),
            payer_name: String::new(),
            ..input.clone()
        })
        .map_err(StoreError::Invalid)?;
        let current = self.current_month();
        let all = self.db.rules();
        let dues = self.member_dues(p.id).await?;
        let mut bills = Vec::with_capacity(dues.bills.len());
        for b in &dues.bills {
            bills.push(BillState {
                month: month_of("dues_bills.month", &b.month)?,
                amount_fen: b.amount_fen,
                paid_fen: b.paid_fen,
            });
        }
        let req = PaymentRequest { months: months.clone(), voluntary_fen, payer: Payer::Member, payer_name: String::new() };
        let quarterly = self.pays_quarterly(p.region_id, p.id, current).await?;
        let lines = rules::check_payment(&all.dues, current, &bills, &req, quarterly).map_err(StoreError::Invalid)?;
        let total: i64 = lines.iter().map(|l| l.amount_fen).sum();
        let keys: Vec<String> = months.iter().map(|m| m.key()).collect();
        let id = ids::next();
        let now = self.db.clock().now_ms();
        let mut tx = self.db.begin().await?;
        crate::exec_tx!(tx, c => sqlx::query(
            "INSERT INTO dues_orders (region_id, id, member_id, org_path, months, voluntary_fen, amount_fen, gateway, gateway_ref, state, created_at, settled_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, 'created', $9, NULL)")
            .bind(p.region_id).bind(id).bind(p.id).bind(&p.org_path).bind(keys.join(",")).bind(voluntary_fen).bind(total)
            .bind(gateway).bind(now).execute(c).await)?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("dues.order", format!("member:{}", p.id)).detail(format!("在线交纳党费{}元（{}）", yuan(total), gateway)),
        )
        .await?;
        tx.commit().await?;
        self.order(id).await
    }

    /// One order of the caller's own, or of a member within reach.
    pub async fn order(&self, id: i64) -> StoreResult<OrderView> {
        let (lo, hi, own) = self.scope.member_binds();
        let row: Option<OrderView> = crate::read!(self.db, c => sqlx::query_as(
            "SELECT id, member_id, months, voluntary_fen, amount_fen, gateway, gateway_ref, state, created_at, settled_at \
             FROM dues_orders WHERE region_id = $1 AND id = $2 AND ((org_path >= $3 AND org_path < $4) OR member_id = $5)")
            .bind(self.scope.region_id).bind(id).bind(&lo).bind(&hi).bind(own).fetch_optional(c).await)?;
        row.ok_or(StoreError::NotFound)
    }

    /// The gateway's word on an order (its notification, or a reconciliation's query):
    /// paid → the payment is recorded under the key `order:<id>` (so a repeated
    /// notification records once) and the order marked paid; failed → marked failed. The
    /// caller (the gateway adapter) has verified the notification. Audited.
    pub async fn settle_order(&self, id: i64, paid: bool, gateway_ref: &str) -> StoreResult<OrderView> {
        let order = self.order(id).await?;
        if order.state != "created" {
            return Ok(order);
        }
        let p = self.payee(order.member_id).await?;
        if paid {
            let mut months = Vec::new();
            for key in order.months.split(',').filter(|k| !k.is_empty()) {
                months.push(month_of("dues_orders.months", key)?);
            }
            let req =
                PaymentRequest { months, voluntary_fen: order.voluntary_fen, payer: Payer::Member, payer_name: String::new() };
            self.pay(&p, &req, &format!("order:{id}"), &format!("在线支付（{}：{}）", order.gateway, gateway_ref)).await?;
        }
        let now = self.db.clock().now_ms();
        let mut tx = self.db.begin().await?;
        crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE dues_orders SET state = $1, gateway_ref = $2, settled_at = $3 WHERE region_id = $4 AND id = $5 AND state = 'created'")
            .bind(if paid { "paid" } else { "failed" }).bind(gateway_ref).bind(now).bind(p.region_id).bind(id).execute(c).await)?;
        if !paid {
            audit::append(
                &mut tx,
                self.db,
                &self.scope.actor,
                Event::ok("dues.order_failed", format!("member:{}", p.id)).detail(format!("订单支付未成功（{}）", gateway_ref)),
            )
            .await?;
        }
        tx.commit().await?;
        self.order(id).await
    }

    /// Orders still waiting for the gateway's word, created before `before_ms`, for a
    /// reconciliation run (at most 500).
    pub async fn open_orders(&self, before_ms: i64) -> StoreResult<Vec<OrderView>> {
        let (lo, hi, own) = self.scope.member_binds();
        Ok(crate::read!(self.db, c => sqlx::query_as(
            "SELECT id, member_id, months, voluntary_fen, amount_fen, gateway, gateway_ref, state, created_at, settled_at \
             FROM dues_orders WHERE region_id = $1 AND state = 'created' AND created_at < $2 \
             AND ((org_path >= $3 AND org_path < $4) OR member_id = $5) ORDER BY created_at LIMIT 500")
            .bind(self.scope.region_id).bind(before_ms).bind(&lo).bind(&hi).bind(own).fetch_all(c).await)?)
    }
}

impl Dues<'_> {
    /// Orders recorded as paid (settled since `since_ms`), for reconciliation to confirm
    /// with their gateway (at most 500, oldest first).
    pub async fn paid_orders(&self, since_ms: i64) -> StoreResult<Vec<OrderView>> {
        let (lo, hi, own) = self.scope.member_binds();
        Ok(crate::read!(self.db, c => sqlx::query_as(
            "SELECT id, member_id, months, voluntary_fen, amount_fen, gateway, gateway_ref, state, created_at, settled_at \
             FROM dues_orders WHERE region_id = $1 AND state = 'paid' AND settled_at >= $2 \
             AND ((org_path >= $3 AND org_path < $4) OR member_id = $5) ORDER BY settled_at LIMIT 500")
            .bind(self.scope.region_id).bind(since_ms).bind(&lo).bind(&hi).bind(own).fetch_all(c).await)?)
    }

    /// Flags an order for the secretary when reconciliation finds that it and its gateway
    /// disagree — recorded paid here but unknown there, or paid there but not recordable
    /// here. The ledger stays as it is (a wrong entry is reversed by the secretary, a
    /// payment not recordable is refunded). Once per order. Audited.
    pub async fn flag_order(&self, id: i64, reason: &str) -> StoreResult<OrderView> {
        let order = self.order(id).await?;
        let now = self.db.clock().now_ms();
        let mut tx = self.db.begin().await?;
        let flagged = crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE dues_orders SET state = 'flagged', settled_at = $1 WHERE region_id = $2 AND id = $3 AND state IN ('created', 'paid')")
            .bind(now).bind(self.scope.region_id).bind(id).execute(c).await)?;
        if flagged > 0 {
            audit::append(
                &mut tx,
                self.db,
                &self.scope.actor,
                Event::ok("dues.order_flagged", format!("member:{}", order.member_id)).detail(format!(
                    "在线交纳党费{}元的订单与支付渠道对账不符：{}",
                    yuan(order.amount_fen),
                    reason
                )),
            )
            .await?;
        }
        tx.commit().await?;
        self.order(id).await
    }
}

/// A refusal by a state rule (already reversed, a reversal) as a conflict; a missing
/// reason stays a validation error.
fn conflict_or_invalid(inv: Invalid) -> StoreError {
    match inv.errors.first() {
        Some(e) if e.code.starts_with("dues.") => StoreError::Conflict { code: e.code, message: e.message.clone() },
        _ => StoreError::Invalid(inv),
    }
}
