//! The session cookie. No Max-Age: the server decides when a session ends (after
//! inactivity), and a cookie with a fixed lifetime would cut off an operator who is still
//! working.

pub const SESSION_COOKIE: &str = "console_session";

/// The `Set-Cookie` value that stores a session token in the browser.
pub fn session_cookie(token: &str, secure: bool) -> String {
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{}", if secure { "; Secure" } else { "" })
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}", if secure { "; Secure" } else { "" })
}

/// The session token in a `Cookie` request header, if any.
pub fn token_from_cookies(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies() {
        let token = "a".repeat(64);
        let set = session_cookie(&token, false);
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict") && !set.contains("Secure"));
        assert!(session_cookie(&token, true).ends_with("; Secure"));
        assert_eq!(token_from_cookies(&format!("x=1; {SESSION_COOKIE}={token}")), Some(token.as_str()));
        assert_eq!(token_from_cookies(&format!("{SESSION_COOKIE}=short")), None);
        assert_eq!(token_from_cookies("other=1"), None);
    }
}
