//! Calendar periods (月, 季度, 半年, 年度) that the rules judge, with stable keys such
//! as `2026-07`, `2026-Q3`, `2026-H2` and `2026`.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

labelled_enum! {
    /// 周期类别: the length of a period.
    pub enum PeriodKind {
        /// 月.
        Month = ("month", "月"),
        /// 季度.
        Quarter = ("quarter", "季度"),
        /// 半年 (上半年 / 下半年).
        HalfYear = ("half_year", "半年"),
        /// 年度.
        Year = ("year", "年度"),
    }
}

impl PeriodKind {
    /// Months in one period of this kind.
    pub fn months(self) -> u32 {
        match self {
            PeriodKind::Month => 1,
            PeriodKind::Quarter => 3,
            PeriodKind::HalfYear => 6,
            PeriodKind::Year => 12,
        }
    }
}

/// One calendar period, both ends inclusive.
///
/// Its identity is [`Period::key`], which depends on `kind` and `start` only: a finding
/// about a run of months (党章第九条) keeps the key of its first month while `end`
/// grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Period {
    pub kind: PeriodKind,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// The first day of `month` in `year`; `None` for an impossible date.
pub(crate) fn first_of(year: i32, month: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, 1)
}

/// The last day of the month containing `date`.
pub(crate) fn month_end(date: NaiveDate) -> NaiveDate {
    let first = date.with_day(1).unwrap_or(date);
    first.checked_add_months(Months::new(1)).and_then(|d| d.pred_opt()).unwrap_or(date)
}

/// `2026年7月31日`.
pub(crate) fn zh_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

impl Period {
    /// The period of `kind` that contains `date`.
    pub fn containing(kind: PeriodKind, date: NaiveDate) -> Period {
        let len = kind.months();
        let first_month = (date.month0() / len) * len + 1;
        let start = first_of(date.year(), first_month).unwrap_or(date);
        let end = start.checked_add_months(Months::new(len)).and_then(|d| d.pred_opt()).unwrap_or(start);
        Period { kind, start, end }
    }

    /// The period of the same kind right after this one.
    pub fn next(&self) -> Period {
        Period::containing(self.kind, self.end.succ_opt().unwrap_or(self.end))
    }

    /// The stable key: `2026-07`, `2026-Q3`, `2026-H2` or `2026`.
    pub fn key(&self) -> String {
        let y = self.start.year();
        match self.kind {
            PeriodKind::Month => format!("{y}-{:02}", self.start.month()),
            PeriodKind::Quarter => format!("{y}-Q{}", self.start.month0() / 3 + 1),
            PeriodKind::HalfYear => format!("{y}-H{}", self.start.month0() / 6 + 1),
            PeriodKind::Year => format!("{y}"),
        }
    }

    /// The period a key names (the inverse of [`Period::key`]).
    pub fn parse_key(key: &str) -> Option<Period> {
        let key = key.trim();
        let (year, rest) = match key.split_once('-') {
            Some((y, r)) => (y, Some(r)),
            None => (key, None),
        };
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let y: i32 = year.parse().ok()?;
        let number = |s: &str, max: u32| -> Option<u32> {
            let n: u32 = s.parse().ok().filter(|_| s.bytes().all(|b| b.is_ascii_digit()))?;
            (1..=max).contains(&n).then_some(n)
        };
        let (kind, month) = match rest {
            None => (PeriodKind::Year, 1),
            Some(r) if r.starts_with('Q') => (PeriodKind::Quarter, (number(&r[1..], 4)? - 1) * 3 + 1),
            Some(r) if r.starts_with('H') => (PeriodKind::HalfYear, (number(&r[1..], 2)? - 1) * 6 + 1),
            Some(r) if r.len() == 2 => (PeriodKind::Month, number(r, 12)?),
            Some(_) => return None,
        };
        Some(Period::containing(kind, first_of(y, month)?))
    }

    /// Days in the period.
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }

    /// Whether `date` falls in the period.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }

    /// Days of the period that also lie in `[from, until)`; `until` is exclusive.
    pub fn overlap_days(&self, from: NaiveDate, until: Option<NaiveDate>) -> i64 {
        let start = self.start.max(from);
        let end = match until.and_then(|u| u.pred_opt()) {
            Some(last) => self.end.min(last),
            None => self.end,
        };
        if end < start { 0 } else { (end - start).num_days() + 1 }
    }

    /// How people name it: `2026年7月`, `2026年第3季度`, `2026年上半年`, `2026年`.
    pub fn label(&self) -> String {
        let y = self.start.year();
        match self.kind {
            PeriodKind::Month => format!("{y}年{}月", self.start.month()),
            PeriodKind::Quarter => format!("{y}年第{}季度", self.start.month0() / 3 + 1),
            PeriodKind::HalfYear => format!("{y}年{}半年", if self.start.month() <= 6 { "上" } else { "下" }),
            PeriodKind::Year => format!("{y}年"),
        }
    }

    /// The periods of `kind` that overlap `[from, to]`, in order.
    pub fn between(kind: PeriodKind, from: NaiveDate, to: NaiveDate) -> Vec<Period> {
        let mut out = Vec::new();
        if to < from {
            return out;
        }
        let mut p = Period::containing(kind, from);
        while p.start <= to {
            out.push(p);
            let next = p.next();
            if next.start <= p.start {
                break;
            }
            p = next;
        }
        out
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn keys_name_month_quarter_half_year_and_year() {
        let date = d(2026, 7, 15);
        let cases = [
            (PeriodKind::Month, "2026-07", d(2026, 7, 1), d(2026, 7, 31), "2026年7月"),
            (PeriodKind::Quarter, "2026-Q3", d(2026, 7, 1), d(2026, 9, 30), "2026年第3季度"),
            (PeriodKind::HalfYear, "2026-H2", d(2026, 7, 1), d(2026, 12, 31), "2026年下半年"),
            (PeriodKind::Year, "2026", d(2026, 1, 1), d(2026, 12, 31), "2026年"),
        ];
        for (kind, key, start, end, label) in cases {
            let p = Period::containing(kind, date);
            assert_eq!((p.key().as_str(), p.start, p.end, p.label().as_str()), (key, start, end, label), "{kind:?}");
            assert_eq!(Period::parse_key(key), Some(p));
        }
    }

    #[test]
    fn malformed_keys_are_rejected() {
        for bad in ["", "26", "2026-13", "2026-00", "2026-Q5", "2026-Q0", "2026-H3", "2026-7", "2026-Qx", "abcd", "2026-+1"] {
            assert_eq!(Period::parse_key(bad), None, "{bad}");
        }
    }

    #[test]
    fn thirty_first_of_march_is_in_the_first_quarter_and_first_of_april_in_the_second() {
        assert_eq!(Period::containing(PeriodKind::Quarter, d(2026, 3, 31)).key(), "2026-Q1");
        assert_eq!(Period::containing(PeriodKind::Quarter, d(2026, 4, 1)).key(), "2026-Q2");
        assert_eq!(Period::containing(PeriodKind::HalfYear, d(2026, 6, 30)).key(), "2026-H1");
        assert_eq!(Period::containing(PeriodKind::HalfYear, d(2026, 7, 1)).key(), "2026-H2");
    }

    #[test]
    fn february_has_twenty_nine_days_in_leap_years_only() {
        assert_eq!(Period::containing(PeriodKind::Month, d(2028, 2, 29)).days(), 29);
        assert_eq!(Period::containing(PeriodKind::Month, d(2026, 2, 1)).days(), 28);
        assert_eq!(Period::containing(PeriodKind::Month, d(2100, 2, 1)).days(), 28);
        assert_eq!(Period::containing(PeriodKind::Year, d(2028, 6, 1)).days(), 366);
        assert_eq!(Period::containing(PeriodKind::Quarter, d(2028, 1, 1)).days(), 91);
    }

    #[test]
    fn next_period_crosses_the_year_end() {
        assert_eq!(Period::containing(PeriodKind::Month, d(2026, 12, 5)).next().key(), "2027-01");
        assert_eq!(Period::containing(PeriodKind::Quarter, d(2026, 12, 5)).next().key(), "2027-Q1");
        assert_eq!(Period::containing(PeriodKind::Year, d(2026, 12, 5)).next().key(), "2027");
    }

    #[test]
    fn periods_between_cover_both_ends() {
        let keys: Vec<String> =
            Period::between(PeriodKind::Quarter, d(2026, 2, 10), d(2026, 7, 1)).iter().map(Period::key).collect();
        assert_eq!(keys, vec!["2026-Q1", "2026-Q2", "2026-Q3"]);
        assert!(Period::between(PeriodKind::Month, d(2026, 2, 10), d(2026, 2, 9)).is_empty());
    }

    #[test]
    fn overlap_counts_days_in_a_half_open_range() {
        let q2 = Period::containing(PeriodKind::Quarter, d(2026, 5, 1));
        assert_eq!(q2.overlap_days(d(2026, 5, 10), None), 52);
        assert_eq!(q2.overlap_days(d(2020, 1, 1), Some(d(2026, 7, 1))), 91);
        assert_eq!(q2.overlap_days(d(2020, 1, 1), Some(d(2026, 4, 1))), 0);
        assert_eq!(q2.overlap_days(d(2026, 7, 1), None), 0);
    }
}
