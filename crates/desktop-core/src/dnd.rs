//! Do not disturb: until when, and whether it is on.

use chrono::{DateTime, Days, Local, NaiveTime, TimeZone};

/// One hour from `now`, in Unix milliseconds.
pub fn for_one_hour(now: DateTime<Local>) -> i64 {
    (now + chrono::Duration::hours(1)).timestamp_millis()
}

/// Tomorrow at 08:00 local time, in Unix milliseconds.
pub fn until_tomorrow_morning(now: DateTime<Local>) -> i64 {
    let eight = NaiveTime::from_hms_opt(8, 0, 0).expect("valid time");
    let tomorrow = now.date_naive().checked_add_days(Days::new(1)).expect("a tomorrow exists");
    Local
        .from_local_datetime(&tomorrow.and_time(eight))
        .earliest()
        .map(|t| t.timestamp_millis())
        // 08:00 does not exist that day (a DST jump): fall back to 24 h.
        .unwrap_or_else(|| (now + chrono::Duration::hours(24)).timestamp_millis())
}

/// Whether do-not-disturb is on at `now_ms`.
pub fn is_active(until: Option<i64>, now_ms: i64) -> bool {
    until.is_some_and(|until| now_ms < until)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tomorrow_morning_is_eight_oclock_the_next_day() {
        let now = Local.with_ymd_and_hms(2026, 11, 25, 22, 30, 0).unwrap();
        let until = Local.timestamp_millis_opt(until_tomorrow_morning(now)).unwrap();
        assert_eq!(until.format("%Y-%m-%d %H:%M").to_string(), "2026-11-26 08:00");
        // Just after midnight, "tomorrow" is still the next calendar day.
        let now = Local.with_ymd_and_hms(2026, 11, 26, 0, 10, 0).unwrap();
        let until = Local.timestamp_millis_opt(until_tomorrow_morning(now)).unwrap();
        assert_eq!(until.format("%Y-%m-%d %H:%M").to_string(), "2026-11-27 08:00");
    }

    #[test]
    fn active_until_the_deadline() {
        let now = Local.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap();
        let until = for_one_hour(now);
        assert!(is_active(Some(until), now.timestamp_millis()));
        assert!(!is_active(Some(until), until));
        assert!(!is_active(None, 0));
    }
}
