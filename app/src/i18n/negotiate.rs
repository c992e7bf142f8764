//! Which language a request asks for: the operator's choice (a cookie), else the browser's
//! `Accept-Language`.

use super::Locale;

/// Remembers the operator's choice for a year, for the whole console. The browser learns
/// the language from `<html lang>`, so no script needs to read the cookie (HttpOnly).
pub const LANG_COOKIE: &str = "console_lang";

/// The language in a `Cookie` header, if the operator chose one.
#[cfg(feature = "ssr")]
pub fn from_cookie(header: &str) -> Option<Locale> {
    crate::cookies::cookie_value(header, |name| name == LANG_COOKIE).and_then(Locale::from_tag)
}

/// The first language of ours in the browser's list, by its weight (`q`), ties in the
/// order given; `None` when it names none of ours (the caller falls back to English).
pub fn from_accept_language(header: &str) -> Option<Locale> {
    let mut best: Option<(Locale, f32)> = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or_default().trim();
        // `q` in any case, a weight between 0 and 1 (anything else is read as 0: refused).
        let q = parts
            .filter_map(|p| p.trim().split_once('=').filter(|(name, _)| name.trim().eq_ignore_ascii_case("q")))
            .map(|(_, q)| q.trim().parse::<f32>().ok().filter(|q| (0.0..=1.0).contains(q)).unwrap_or(0.0))
            .next()
            .unwrap_or(1.0);
        let Some(locale) = Locale::from_tag(tag) else { continue };
        if q > 0.0 && best.is_none_or(|(_, top)| q > top) {
            best = Some((locale, q));
        }
    }
    best.map(|(locale, _)| locale)
}

/// The `Set-Cookie` value that remembers a choice.
pub fn lang_cookie(locale: Locale, secure: bool) -> String {
    format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax{}",
        locale.tag(),
        if secure { "; Secure" } else { "" }
    )
}
