//! Time helpers: "today" is a date in Europe/Stockholm derived from an instant (R4).

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use chrono_tz::Europe::Stockholm;

/// The calendar date in Europe/Stockholm at `now`.
pub fn stockholm_date(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&Stockholm).date_naive()
}

/// `now` truncated to microseconds, the precision every store keeps, so that what is hashed
/// and what is read back are equal.
pub fn store_precision(now: DateTime<Utc>) -> DateTime<Utc> {
    now.trunc_subsecs(6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_swedish() {
        // 23:30 UTC on 31 Dec is already 1 Jan in Stockholm (UTC+1 in winter).
        let t = DateTime::parse_from_rfc3339("2026-12-31T23:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(stockholm_date(t), NaiveDate::from_ymd_opt(2027, 1, 1).unwrap());
        // 22:30 UTC in June is 00:30 the next day (UTC+2 in summer).
        let t = DateTime::parse_from_rfc3339("2026-06-14T22:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(stockholm_date(t), NaiveDate::from_ymd_opt(2026, 6, 15).unwrap());
    }
}
