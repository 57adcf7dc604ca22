//! China time: business dates are Asia/Shanghai calendar dates, instants are UTC epoch
//! milliseconds. Every conversion between the two, and every date written or read as
//! text, goes through here.

use chrono::NaiveDate;

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

/// A calendar date as stored and sent: `YYYY-MM-DD`.
pub fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// [`date_text`] of an optional date.
pub fn opt_date_text(d: Option<NaiveDate>) -> Option<String> {
    d.map(date_text)
}

/// Reads a stored or sent `YYYY-MM-DD` date (surrounding spaces allowed).
pub fn parse_iso_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// The latest instant the platform accepts (9999-12-31 in China): anything later is a
/// typing error or an attack, never a real meeting.
pub const MAX_INSTANT_MS: i64 = 253_402_271_999_000 - CHINA_OFFSET_SECONDS as i64 * 1000;
/// The earliest instant the platform accepts (1900-01-01 in China).
pub const MIN_INSTANT_MS: i64 = -2_208_988_800_000 - CHINA_OFFSET_SECONDS as i64 * 1000;

/// Whether an instant lies in the range the platform accepts (1900–9999).
pub fn plausible_instant(ms: i64) -> bool {
    (MIN_INSTANT_MS..=MAX_INSTANT_MS).contains(&ms)
}

/// Parses a China wall-clock time (`2026-03-05T09:30`, `2026-03-05 09:30[:00]`, as a
/// `datetime-local` form field sends it) or an RFC 3339 instant into epoch ms; `None`
/// outside 1900–9999.
pub fn parse_china_datetime(s: &str) -> Option<i64> {
    let s = s.trim();
    let offset_ms = i64::from(CHINA_OFFSET_SECONDS) * 1000;
    let ms = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        .iter()
        .find_map(|fmt| chrono::NaiveDateTime::parse_from_str(s, fmt).ok())
        .map(|t| t.and_utc().timestamp_millis() - offset_ms)
        .or_else(|| chrono::DateTime::parse_from_rfc3339(s).ok().map(|t| t.timestamp_millis()))?;
    plausible_instant(ms).then_some(ms)
}

/// `2026-03-05 09:30` in China time.
pub fn china_time_text(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms + i64::from(CHINA_OFFSET_SECONDS) * 1000)
        .map(|t| t.naive_utc().format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// `2026-03-05 09:30:15` in China time (audit trails, exact records).
pub fn china_time_text_seconds(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms + i64::from(CHINA_OFFSET_SECONDS) * 1000)
        .map(|t| t.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// Epoch ms of `minute` minutes after 00:00 China time on `day`.
pub fn china_ms(day: NaiveDate, minute: u32) -> i64 {
    china_midnight_ms(day) + i64::from(minute) * 60_000
}

/// Deserializes an optional time given as epoch ms or as China wall-clock text.
pub fn de_time<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum T {
        Ms(i64),
        Text(String),
    }
    match <Option<T> as serde::Deserialize>::deserialize(d)? {
        None => Ok(None),
        Some(T::Ms(ms)) if plausible_instant(ms) => Ok(Some(ms)),
        Some(T::Ms(ms)) => Err(serde::de::Error::custom(format!(
            "时间 {ms} 超出可接受的范围（1900—9999 年的毫秒时间戳），应为 YYYY-MM-DDTHH:MM（北京时间）或毫秒时间戳"
        ))),
        Some(T::Text(s)) if s.trim().is_empty() => Ok(None),
        Some(T::Text(s)) => parse_china_datetime(&s).map(Some).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "时间“{s}”无法识别或不在 1900—9999 年之间，应为 YYYY-MM-DDTHH:MM（北京时间）或毫秒时间戳"
            ))
        }),
    }
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

#[cfg(test)]
mod text_tests {
    use super::*;

    #[test]
    fn dates_round_trip_as_yyyy_mm_dd() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 5).unwrap();
        assert_eq!(date_text(d), "2026-03-05");
        assert_eq!(parse_iso_date(" 2026-03-05 "), Some(d));
        assert_eq!(parse_iso_date("2026-02-30"), None);
    }

    #[test]
    fn china_wall_clock_times_parse_in_every_form_a_browser_sends() {
        let expect = china_ms(NaiveDate::from_ymd_opt(2026, 3, 5).unwrap(), 9 * 60 + 30);
        for s in ["2026-03-05T09:30", "2026-03-05 09:30", "2026-03-05 09:30:00", "2026-03-05T01:30:00Z"] {
            assert_eq!(parse_china_datetime(s), Some(expect), "{s}");
        }
        assert_eq!(china_time_text(expect), "2026-03-05 09:30");
    }

    #[test]
    fn instants_outside_1900_to_9999_are_refused() {
        assert_eq!(parse_china_datetime("0001-01-01 00:00"), None);
        assert!(!plausible_instant(i64::MAX));
        assert!(!plausible_instant(-1_000_000_000_000_000_000));
        assert!(plausible_instant(0));
    }
}
