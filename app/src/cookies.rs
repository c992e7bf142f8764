//! The session cookie. No Max-Age: the server decides when a session ends (after
//! inactivity), and a cookie with a fixed lifetime would cut off an operator who is still
//! working.

pub const SESSION_COOKIE: &str = "console_session";
/// The name over https: browsers accept a `__Host-` cookie only when it is Secure, for the
/// whole site and for this host alone, so no subdomain or plain-http page can set or
/// shadow it.
pub const HOST_SESSION_COOKIE: &str = "__Host-console_session";

fn name(secure: bool) -> &'static str {
    if secure {
        HOST_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// The `Set-Cookie` value that stores a session token in the browser.
pub fn session_cookie(token: &str, secure: bool) -> String {
    format!("{}={token}; Path=/; HttpOnly; SameSite=Strict{}", name(secure), if secure { "; Secure" } else { "" })
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    format!("{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}", name(secure), if secure { "; Secure" } else { "" })
}

/// The value of the first cookie in a `Cookie` request header whose name `wanted` accepts.
pub fn cookie_value(header: &str, wanted: impl Fn(&str) -> bool) -> Option<&str> {
    header.split(';').filter_map(|pair| pair.trim().split_once('=')).find(|(name, _)| wanted(name)).map(|(_, v)| v)
}

/// The session token in a `Cookie` request header, if any (under either name).
pub fn token_from_cookies(header: &str) -> Option<&str> {
    cookie_value(header, |name| name == SESSION_COOKIE || name == HOST_SESSION_COOKIE)
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
        assert!(session_cookie(&token, true).starts_with("__Host-console_session="));
        assert_eq!(token_from_cookies(&format!("{HOST_SESSION_COOKIE}={token}")), Some(token.as_str()));
        assert_eq!(token_from_cookies(&format!("x=1; {SESSION_COOKIE}={token}")), Some(token.as_str()));
        assert_eq!(token_from_cookies(&format!("{SESSION_COOKIE}=short")), None);
        assert_eq!(token_from_cookies("other=1"), None);
    }
}
