//! What of a `postgres://` URL reaches sqlx. sqlx logs a query parameter it does not know
//! with its value (`ignoring unrecognized connect parameter`), and libpq's parameters that
//! it does not take include secrets (`sslpassword`): such a parameter is dropped here
//! first, and logged by its name alone.

/// The parameters sqlx's PostgreSQL driver reads (sqlx-postgres 0.8, `options/parse.rs`).
const KNOWN: &[&str] = &[
    "sslmode",
    "ssl-mode",
    "sslrootcert",
    "ssl-root-cert",
    "ssl-ca",
    "sslcert",
    "ssl-cert",
    "sslkey",
    "ssl-key",
    "statement-cache-capacity",
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "application_name",
    "options",
];

fn known(key: &str) -> bool {
    KNOWN.contains(&key) || (key.starts_with("options[") && key.ends_with(']'))
}

/// `url` without the query parameters sqlx does not read; the names of those dropped.
/// A URL that does not parse is returned as it is (sqlx refuses it without echoing it).
pub fn known_parameters_only(url: &str) -> (String, Vec<String>) {
    let Ok(mut parsed) = url::Url::parse(url) else { return (url.to_owned(), Vec::new()) };
    type Pairs = Vec<(String, String)>;
    let (kept, dropped): (Pairs, Pairs) =
        parsed.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).partition(|(k, _)| known(k));
    if dropped.is_empty() {
        return (url.to_owned(), Vec::new());
    }
    if kept.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(kept);
    }
    (parsed.to_string(), dropped.into_iter().map(|(k, _)| k).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_parameters_are_dropped_by_name() {
        let (url, dropped) = known_parameters_only(
            "postgres://app@db/console?sslmode=require&sslpassword=s3cret&password=pw&connect_timeout=5",
        );
        assert_eq!(url, "postgres://app@db/console?sslmode=require&password=pw");
        assert_eq!(dropped, ["sslpassword", "connect_timeout"]);
        let (url, dropped) = known_parameters_only("postgres://app@db/console?sslpassword=s3cret");
        assert_eq!((url.as_str(), dropped.len()), ("postgres://app@db/console", 1));
        let plain = "postgres://app:pw@db/console?host=/run/postgresql&options[search_path]=x";
        assert_eq!(known_parameters_only(plain), (plain.to_owned(), Vec::new()));
    }
}
