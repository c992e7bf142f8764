use time::{macros::format_description, OffsetDateTime};

/// A stored time as shown in the console. UTC, so that the server's rendering and the
/// browser's hydration agree.
pub fn timestamp(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(format_description!("[year]-[month]-[day] [hour]:[minute] UTC")).ok())
        .unwrap_or_default()
}

/// The same time for a `<time datetime=…>` attribute.
pub fn iso(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z")).ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_in_utc() {
        assert_eq!(super::timestamp(0), "1970-01-01 00:00 UTC");
        assert_eq!(super::iso(1_700_000_000), "2023-11-14T22:13:20Z");
    }
}
