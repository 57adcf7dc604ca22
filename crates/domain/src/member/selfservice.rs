//! A member's own view of their record (党员端 self-service): the 政治生日 — the anniversary
//! of the day they joined the Party (入党日期), with a greeting on the day.

use chrono::{Datelike, NaiveDate};

/// The 政治生日 as of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PoliticalBirthday {
    /// Whole years in the Party (党龄 counted from 入党日期).
    pub years: u32,
    /// The next anniversary, today included (29 February → 28 February in other years).
    pub next_on: NaiveDate,
    /// Today is the anniversary (a greeting is shown).
    pub is_today: bool,
    /// Days until `next_on` (0 on the day).
    pub days_left: i64,
}

fn anniversary(joined_on: NaiveDate, year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, joined_on.month(), joined_on.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 2, 28))
        .unwrap_or(joined_on)
}

/// The 政治生日 of a member who joined on `joined_on`, as of `today`.
pub fn political_birthday(joined_on: NaiveDate, today: NaiveDate) -> PoliticalBirthday {
    let this_year = anniversary(joined_on, today.year());
    let next_on = if this_year >= today { this_year } else { anniversary(joined_on, today.year() + 1) };
    let passed = today >= this_year;
    let years = (today.year() - joined_on.year() - i32::from(!passed)).max(0) as u32;
    PoliticalBirthday { years, next_on, is_today: next_on == today, days_left: (next_on - today).num_days() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_political_birthday_is_the_anniversary_of_joining_with_a_greeting_on_the_day() {
        let joined = d(2005, 7, 1);
        let on_the_day = political_birthday(joined, d(2026, 7, 1));
        assert_eq!((on_the_day.years, on_the_day.is_today, on_the_day.days_left), (21, true, 0));
        let day_before = political_birthday(joined, d(2026, 6, 30));
        assert_eq!(
            (day_before.years, day_before.next_on, day_before.is_today, day_before.days_left),
            (20, d(2026, 7, 1), false, 1)
        );
        let after = political_birthday(joined, d(2026, 7, 2));
        assert_eq!((after.years, after.next_on), (21, d(2027, 7, 1)));
    }

    #[test]
    fn a_member_who_joined_on_29_february_is_greeted_on_28_february_in_other_years() {
        let joined = d(2004, 2, 29);
        let p = political_birthday(joined, d(2026, 2, 28));
        assert_eq!((p.years, p.is_today), (22, true));
        assert!(political_birthday(joined, d(2028, 2, 29)).is_today);
        assert_eq!(political_birthday(joined, d(2028, 2, 28)).next_on, d(2028, 2, 29));
    }

    #[test]
    fn a_member_who_joined_today_has_zero_years() {
        let p = political_birthday(d(2026, 5, 4), d(2026, 5, 4));
        assert_eq!((p.years, p.is_today), (0, true));
    }
}
