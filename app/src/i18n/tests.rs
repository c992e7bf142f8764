use super::*;
use std::collections::BTreeSet;

/// The `{name}`s a template fills.
fn placeholders(template: &str) -> BTreeSet<&str> {
    template.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name)).collect()
}

/// Each language writes a date with the parts it needs (Korean months without a zero).
const OWN_PLACEHOLDERS: [&str; 1] = ["date_time"];

#[test]
fn every_language_has_every_string_with_the_same_values() {
    // A key missing from a language file does not compile; this catches what compiles but
    // is still wrong: an empty string, a value named in one language and not the other.
    let en = Locale::En.messages().entries();
    for locale in Locale::ALL {
        let entries = locale.messages().entries();
        assert_eq!(entries.len(), en.len());
        for ((key, text), (en_key, en_text)) in entries.iter().zip(&en) {
            assert_eq!(key, en_key);
            assert!(!text.trim().is_empty(), "{}: {key} is empty", locale.tag());
            if !OWN_PLACEHOLDERS.contains(key) {
                assert_eq!(placeholders(text), placeholders(en_text), "{}: {key} names other values", locale.tag());
            }
        }
    }
}

#[test]
fn korean_is_not_english_left_untranslated() {
    // Names of the vendor's API fields and "REST API" read the same in both languages.
    let same: BTreeSet<&str> =
        ["f_link_url", "f_account_id", "f_owner_account", "f_face_url", "f_organization", "f_custom_string"]
            .into_iter()
            .collect();
    for ((key, ko), (_, en)) in Locale::Ko.messages().entries().iter().zip(Locale::En.messages().entries()) {
        if !same.contains(key) {
            assert_ne!(*ko, en, "ko: {key} is still in English");
        }
    }
}

#[test]
fn templates_are_filled() {
    assert_eq!(fill("{a} of {b}", &[("a", &1), ("b", &"two")]), "1 of two");
    // Unknown names and stray braces stay as written.
    assert_eq!(fill("{x} {a} {", &[("a", &1)]), "{x} 1 {");
    assert_eq!(around("Delete “{name}”?", "name"), ("Delete “", "”?"));
}

#[test]
fn validation_messages_name_the_field_and_the_limit_in_bytes() {
    let err = crate::domain::ChannelName::parse(&"가".repeat(60)).unwrap_err();
    assert_eq!(validation_text(Locale::En.messages(), &err), "Name is 180 bytes; the limit is 150 bytes.");
    assert_eq!(validation_text(Locale::Ko.messages(), &err), "이름: 180바이트로, 한도 150바이트를 넘었습니다.");
}

#[test]
fn the_choice_wins_over_the_browser() {
    assert_eq!(from_cookie("a=1; console_lang=ko; b=2"), Some(Locale::Ko));
    assert_eq!(from_cookie("console_lang=fr"), None);
    assert_eq!(from_cookie("lang=ko"), None, "another application's cookie");
    assert_eq!(from_accept_language("ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7"), Some(Locale::Ko));
    assert_eq!(from_accept_language("en-US,en;q=0.9,ko;q=0.8"), Some(Locale::En));
    assert_eq!(from_accept_language("fr-FR, ko;q=0.5, en;q=0.4"), Some(Locale::Ko));
    assert_eq!(from_accept_language("en;q=0.2, ko;q=0.8"), Some(Locale::Ko));
    assert_eq!(from_accept_language("ko;q=0, fr"), None);
    assert_eq!(from_accept_language("*"), None);
    assert_eq!(from_accept_language("en;Q=0.1, ko"), Some(Locale::Ko), "q in either case");
    assert_eq!(from_accept_language("en;q=inf, ko;q=0.5"), Some(Locale::Ko), "no weight above 1");
    assert_eq!(from_accept_language("en;q=NaN, ko;q=0.1"), Some(Locale::Ko));
    assert_eq!(
        lang_cookie(Locale::Ko, true),
        "console_lang=ko; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax; Secure"
    );
}

#[cfg(feature = "ssr")]
#[test]
fn a_request_gets_the_operators_choice_then_the_browsers() {
    use axum::http::{header, HeaderMap, HeaderValue};
    let mut headers = HeaderMap::new();
    assert_eq!(of_headers(&headers), Locale::En);
    headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("ko-KR,ko;q=0.9"));
    assert_eq!(of_headers(&headers), Locale::Ko);
    headers.insert(header::COOKIE, HeaderValue::from_static("console_session=x; console_lang=en"));
    assert_eq!(of_headers(&headers), Locale::En);
}
