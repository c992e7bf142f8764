//! The console's cookies: the session, and the device cookie that a browser gets on signing
//! in (see `storage::device`). Over https both are `__Host-` cookies and only that name is
//! read: browsers accept a `__Host-` cookie only when it is Secure, for the whole site and
//! for this host alone, so no subdomain or plain-http page can set or shadow it.
//!
//! The session cookie has no Max-Age: the server decides when a session ends (after
//! inactivity, or at its absolute lifetime), and a cookie with a fixed lifetime would cut
//! off an operator who is still working.

pub const SESSION_COOKIE: &str = "console_session";
/// The session cookie's name over https.
pub const HOST_SESSION_COOKIE: &str = "__Host-console_session";
/// The device cookie's name over http (`__Host-console_device` over https).
pub const DEVICE_COOKIE: &str = "console_device";
/// How long a browser keeps its device cookie: a year, renewed by every sign-in.
pub const DEVICE_COOKIE_MAX_AGE_SECS: u64 = 365 * 24 * 3600;

/// A cookie's name as sent: `__Host-<plain>` over https, `<plain>` over http.
fn name(plain: &str, secure: bool) -> String {
    if secure {
        format!("__Host-{plain}")
    } else {
        plain.to_owned()
    }
}

fn set(plain: &str, value: &str, secure: bool, max_age: Option<u64>) -> String {
    let max_age = max_age.map(|secs| format!("; Max-Age={secs}")).unwrap_or_default();
    let flag = if secure { "; Secure" } else { "" };
    format!("{}={value}; Path=/; HttpOnly; SameSite=Strict{max_age}{flag}", name(plain, secure))
}

/// The `Set-Cookie` value that stores a session token in the browser.
pub fn session_cookie(token: &str, secure: bool) -> String {
    set(SESSION_COOKIE, token, secure, None)
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    set(SESSION_COOKIE, "", secure, Some(0))
}

/// The `Set-Cookie` value that stores a device cookie, kept a year.
pub fn device_cookie(value: &str, secure: bool) -> String {
    set(DEVICE_COOKIE, value, secure, Some(DEVICE_COOKIE_MAX_AGE_SECS))
}

/// The value of the first cookie in a `Cookie` request header whose name `wanted` accepts.
pub fn cookie_value(header: &str, wanted: impl Fn(&str) -> bool) -> Option<&str> {
    header.split(';').filter_map(|pair| pair.trim().split_once('=')).find(|(name, _)| wanted(name)).map(|(_, v)| v)
}

/// The value of the cookie `plain` under the one name it has over http or https.
pub fn named<'a>(header: &'a str, plain: &str, secure: bool) -> Option<&'a str> {
    let wanted = name(plain, secure);
    cookie_value(header, |name| name == wanted)
}

/// The session token in a `Cookie` request header, if any: under `__Host-console_session`
/// over https, `console_session` over http.
pub fn token_from_cookies(header: &str, secure: bool) -> Option<&str> {
    named(header, SESSION_COOKIE, secure).filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies() {
        let token = "a".repeat(64);
        let set = session_cookie(&token, false);
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict") && !set.contains("Secure"));
        assert!(!set.contains("Max-Age"), "{set}");
        assert!(session_cookie(&token, true).ends_with("; Secure"));
        assert!(session_cookie(&token, true).starts_with("__Host-console_session="));
        assert_eq!(token_from_cookies(&format!("{HOST_SESSION_COOKIE}={token}"), true), Some(token.as_str()));
        assert_eq!(token_from_cookies(&format!("x=1; {SESSION_COOKIE}={token}"), false), Some(token.as_str()));
        assert_eq!(token_from_cookies(&format!("{SESSION_COOKIE}=short"), false), None);
        assert_eq!(token_from_cookies("other=1", false), None);
        assert!(clear_cookie(true).contains("Max-Age=0"));
        let device = device_cookie("v1.x", true);
        assert!(device.starts_with("__Host-console_device=v1.x; Path=/; HttpOnly; SameSite=Strict"), "{device}");
        assert!(device.contains("Max-Age=31536000") && device.ends_with("; Secure"), "{device}");
    }

    #[test]
    fn over_https_only_the_host_cookie_counts_and_over_http_only_the_plain_one() {
        let (planted, real) = ("b".repeat(64), "c".repeat(64));
        // A plain cookie planted by a subdomain, sent first: never read over https.
        let both = format!("{SESSION_COOKIE}={planted}; {HOST_SESSION_COOKIE}={real}");
        assert_eq!(token_from_cookies(&both, true), Some(real.as_str()));
        assert_eq!(token_from_cookies(&format!("{SESSION_COOKIE}={planted}"), true), None);
        assert_eq!(token_from_cookies(&both, false), Some(planted.as_str()));
        assert_eq!(token_from_cookies(&format!("{HOST_SESSION_COOKIE}={real}"), false), None);
        assert_eq!(named("__Host-console_device=v; console_device=w", DEVICE_COOKIE, true), Some("v"));
        assert_eq!(named("__Host-console_device=v; console_device=w", DEVICE_COOKIE, false), Some("w"));
    }
}
