//! The console in Korean and English. Every string an operator sees is a field of
//! [`Messages`]; `en.rs` and `ko.rs` fill it, one file per language, and a language that
//! misses a string does not compile. Strings with values in them are templates (`{name}`),
//! filled by [`fill`]; a test checks both languages name the same values.
//!
//! The language is chosen on the server for each page (the `lang` cookie, then the
//! browser's `Accept-Language`), written into `<html lang>`, and read back from there by the
//! browser, so hydration renders the same words. Switching is a link to `/language/<tag>`
//! that sets the cookie and reloads the page (drafts are kept in the browser's storage).
//! The REST API does not use this: it keeps the vendor's English messages.

mod en;
mod errors;
mod ko;
mod messages;
mod negotiate;
pub mod pages;

#[cfg(feature = "ssr")]
pub use errors::{audit_action, audit_operator};
pub use errors::{error_text, field_name, post_type, validation_text};
pub use messages::Messages;
#[cfg(feature = "ssr")]
pub use negotiate::from_cookie;
pub use negotiate::{from_accept_language, lang_cookie, LANG_COOKIE};

use leptos::prelude::*;
use std::fmt::Display;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Locale {
    #[default]
    En,
    Ko,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::Ko];

    /// The BCP 47 tag, as in `<html lang>` and the cookie.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Ko => "ko",
        }
    }

    /// The language's name in itself, as the switch offers it.
    pub fn autonym(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::Ko => "한국어",
        }
    }

    /// `ko`, `ko-KR`, `EN-us`…: the primary subtag decides.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        Self::ALL.into_iter().find(|l| l.tag().eq_ignore_ascii_case(primary))
    }

    pub fn messages(self) -> &'static Messages {
        match self {
            Locale::En => &en::EN,
            Locale::Ko => &ko::KO,
        }
    }
}

/// The language of what is being rendered or answered. The app provides it as context; a
/// server function (no page around it) reads it from its request; outside both (the REST
/// API, command-line tools) it is English.
pub fn current() -> Locale {
    if let Some(locale) = use_context::<Locale>() {
        return locale;
    }
    #[cfg(feature = "ssr")]
    if let Some(parts) = use_context::<axum::http::request::Parts>() {
        return of_headers(&parts.headers);
    }
    #[cfg(feature = "hydrate")]
    if let Some(lang) = document().document_element().and_then(|html| html.get_attribute("lang")) {
        return Locale::from_tag(&lang).unwrap_or_default();
    }
    Locale::En
}

/// The strings of the current language.
pub fn t() -> &'static Messages {
    current().messages()
}

#[cfg(feature = "ssr")]
pub fn of_headers(headers: &axum::http::HeaderMap) -> Locale {
    use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};
    let cookie = headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(from_cookie);
    let accept = headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    cookie.or_else(|| accept.and_then(from_accept_language)).unwrap_or_default()
}

/// Puts values into a template: `{name}` becomes the value given for `name`. A name
/// without a value stays as written, so a mistake shows instead of vanishing.
pub fn fill(template: &str, values: &[(&str, &dyn Display)]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let named = after.find('}').and_then(|close| {
            let value = values.iter().find(|(name, _)| *name == &after[..close])?.1;
            Some((value, close))
        });
        match named {
            Some((value, close)) => {
                let _ = write!(out, "{value}");
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The text before and after `{name}` in a template, for a value rendered as markup of its
/// own (a name in bold, a path in code).
pub fn around<'a>(template: &'a str, name: &str) -> (&'a str, &'a str) {
    let mark = format!("{{{name}}}");
    template.split_once(mark.as_str()).unwrap_or((template, ""))
}

/// A time as the operator's language writes it, in UTC (server and browser must agree).
pub fn timestamp(unix: i64) -> String {
    let p = crate::domain::dates::utc_parts(unix);
    let (mo, dd) = (format!("{:02}", p.month), format!("{:02}", p.day));
    let (h, mi) = (format!("{:02}", p.hour), format!("{:02}", p.minute));
    let values: [(&str, &dyn Display); 7] =
        [("y", &p.year), ("m", &p.month), ("mo", &mo), ("d", &p.day), ("dd", &dd), ("h", &h), ("mi", &mi)];
    fill(t().date_time, &values)
}

#[cfg(test)]
mod tests;
