//! Vanguard's pure domain core: the rules of party organization, membership and
//! access, with no I/O, no async and no knowledge of storage or HTTP.
//!
//! Feature areas keep their names in every layer: [`org`] (组织), [`member`] (党员),
//! [`auth`] (accounts, roles, scope decisions), [`audit`] (the record of changes),
//! [`orglife`] (组织生活: meetings, the yearly plan and the rules engine).
//! Regulation numbers live in [`rules::RuleSet`], never in scattered constants.

#[macro_use]
mod labels;

pub mod audit;
pub mod auth;
pub mod demo;
pub mod error;
pub mod idcard;
pub mod member;
pub mod org;
pub mod orglife;
pub mod roster;
pub mod rules;

pub use error::{FieldError, Invalid};

/// Business dates are Asia/Shanghai calendar dates; this is the fixed UTC+8 offset
/// (China has no daylight saving time).
pub const CHINA_OFFSET_SECONDS: i32 = 8 * 3600;

/// Today's calendar date in China for a UTC instant given in epoch milliseconds.
pub fn china_date(epoch_ms: i64) -> chrono::NaiveDate {
    let secs = epoch_ms.div_euclid(1000) + i64::from(CHINA_OFFSET_SECONDS);
    chrono::DateTime::from_timestamp(secs, 0).map(|t| t.date_naive()).unwrap_or_default()
}

/// Milliseconds in one day.
pub const DAY_MS: i64 = 24 * 3600 * 1000;

/// The UTC instant (epoch ms) of 00:00 China time on `d`.
pub fn china_midnight_ms(d: chrono::NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis()).unwrap_or(0) - i64::from(CHINA_OFFSET_SECONDS) * 1000
}

/// The instant (epoch ms) the China calendar day containing `epoch_ms` began.
pub fn china_day_start_ms(epoch_ms: i64) -> i64 {
    china_midnight_ms(china_date(epoch_ms))
}

/// A time of day written `HH:MM` (24-hour), as minutes after midnight.
pub fn parse_time_of_day(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && s.trim().len() <= 5).then_some(h * 60 + m)
}

/// The next instant strictly after `now_ms` at which it is `minute_of_day` o'clock in
/// China (a daily job's next run).
pub fn next_daily_run_ms(now_ms: i64, minute_of_day: u32) -> i64 {
    let today = china_day_start_ms(now_ms) + i64::from(minute_of_day) * 60_000;
    if today > now_ms { today } else { today + DAY_MS }
}

#[cfg(test)]
mod time_tests {
    use super::*;

    /// 2026-11-27 23:30 UTC = 2026-11-28 07:30 in China.
    const NOW: i64 = 1_795_822_200_000;

    #[test]
    fn the_china_day_starts_at_16_00_utc_the_day_before() {
        assert_eq!(china_day_start_ms(NOW), 1_795_795_200_000); // 2026-11-27 16:00 UTC
        assert_eq!(china_date(china_day_start_ms(NOW)), china_date(NOW));
        assert_eq!(china_date(china_day_start_ms(NOW) - 1), china_date(NOW).pred_opt().unwrap());
    }

    #[test]
    fn a_daily_run_later_today_is_today() {
        // 20:00 China is 12.5 hours after 07:30.
        assert_eq!(next_daily_run_ms(NOW, 20 * 60), NOW + 12 * 3_600_000 + 1_800_000);
    }

    #[test]
    fn a_daily_run_earlier_today_is_tomorrow() {
        // 02:00 China: tomorrow, 18.5 hours after 07:30.
        assert_eq!(next_daily_run_ms(NOW, 2 * 60), NOW + 18 * 3_600_000 + 1_800_000);
    }

    #[test]
    fn a_daily_run_due_exactly_now_is_the_next_one() {
        assert_eq!(next_daily_run_ms(NOW, 7 * 60 + 30), NOW + DAY_MS);
    }

    #[test]
    fn times_of_day_are_hh_mm_within_a_day() {
        assert_eq!(parse_time_of_day("02:00"), Some(120));
        assert_eq!(parse_time_of_day("23:59"), Some(1439));
        assert_eq!(parse_time_of_day("7:05"), Some(425));
        for bad in ["24:00", "12:60", "noon", "12", "-1:00", "002:00", ""] {
            assert_eq!(parse_time_of_day(bad), None, "{bad}");
        }
    }
}
