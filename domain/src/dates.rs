//! Calendar dates and times in UTC, by hand (Howard Hinnant's civil-date algorithms): the
//! browser and the server must format identically, and a date crate would cost the wasm
//! bundle more than these few lines.

use super::error::{Field, ValidationError};

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (days since 1970-01-01).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month, day)
}

/// A Unix time's parts in UTC: year, month, day, hour, minute, second.
pub struct UtcParts {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: i64,
    pub minute: i64,
    pub second: i64,
}

pub fn utc_parts(unix: i64) -> UtcParts {
    let (date, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(date);
    UtcParts { year, month, day, hour: secs / 3600, minute: secs % 3600 / 60, second: secs % 60 }
}

/// `2026-11-22 02:15 UTC` (the console words it per language: `i18n::timestamp`).
pub fn format_timestamp(unix: i64) -> String {
    let UtcParts { year, month, day, hour, minute, .. } = utc_parts(unix);
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02} UTC")
}

/// `2026-11-22T02:15:00Z`, for `<time datetime>`.
pub fn format_iso(unix: i64) -> String {
    let UtcParts { year, month, day, hour, minute, second } = utc_parts(unix);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
}

/// Parses `YYYY-MM-DD` (as an `<input type=date>` gives it) into the Unix time of that day's
/// start, UTC. Refuses impossible dates such as 2026-02-30.
pub fn parse_date(raw: &str) -> Result<i64, ValidationError> {
    let err = ValidationError::InvalidDate { field: Field::SearchDate };
    let parts: Vec<&str> = raw.trim().split('-').collect();
    let [y, m, d] = parts.as_slice() else { return Err(err) };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(err);
    }
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i64>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return Err(err);
    };
    if !(1..=12).contains(&m) || d == 0 {
        return Err(err);
    }
    let days = days_from_civil(y, m, d);
    if civil_from_days(days) != (y, m, d) {
        return Err(err);
    }
    Ok(days * 86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_across_eras_and_leap_days() {
        for days in [-719_468, -1, 0, 1, 11_016, 20_513, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 2, 29), 11_016);
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn formats_in_utc() {
        assert_eq!(format_timestamp(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_iso(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(format_timestamp(1_700_000_000), "2023-11-14 22:13 UTC");
        assert_eq!(format_timestamp(-1), "1969-12-31 23:59 UTC");
    }

    #[test]
    fn parses_dates_and_refuses_impossible_ones() {
        assert_eq!(parse_date("1970-01-02"), Ok(86_400));
        assert_eq!(parse_date("2024-02-29"), Ok(days_from_civil(2024, 2, 29) * 86_400));
        for bad in ["2023-02-29", "2026-13-01", "2026-00-10", "2026-1-1", "yesterday", "", "2026-01-32"] {
            assert_eq!(parse_date(bad), Err(ValidationError::InvalidDate { field: Field::SearchDate }), "{bad}");
        }
    }
}
