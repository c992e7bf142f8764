//! Property-based fuzzing of the domain parsers and search-term handling: whatever the
//! input, they answer (a value or a `ValidationError`) and never panic, and what they
//! accept keeps its promises. Ignored in the normal test run; `scripts/fuzz` runs them for a
//! bounded time (`PROPTEST_CASES`). A failure proptest finds is saved under
//! `proptest-regressions/` and replayed first on every later run: commit it.

use domain::post::PostFilter;
use domain::search::{fold, highlight, split_terms, terms, trigrams, word_windows, words};
use domain::*;
use proptest::prelude::*;

/// Text as operators and attackers type it: any Unicode, with more of the interesting
/// characters (controls, bidi, CJK, combining marks, quotes, NUL) than uniform chance gives.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\x00-\\x1f\\u{202a}-\\u{202e}\\u{2066}-\\u{2069}a-z가-힣一-龥 '\"*^:()\\-]{0,64}",
        "(https?|javascript|data|ftp)://[a-z0-9.:@/?#%&=\\[\\]-]{0,40}",
        "[a-z가-힣]{0,3}( [a-z가-힣]{0,3}){0,4}",
    ]
}

proptest! {
    #[test]
    #[ignore = "fuzzing: run by scripts/fuzz"]
    fn field_parsers_never_panic(a in text(), b in text(), c in text()) {
        let _ = ChannelName::parse(&a);
        let _ = ChannelProfile::parse(&a);
        let _ = ChannelFields::parse(&a, &b, &c);
        let _ = ChannelFields::parse_without_photo(&a, &b);
        let _ = OperatorName::parse(&a);
        let _ = NewPassword::parse(Field::Password, &a);
        let _ = MediaId::parse(Field::ProfilePhoto, &a);
        let _ = AccountId::parse(&a);
        let _ = AdminIdentifier::parse(&a);
        let _ = AccountFields::parse_owner(&a);
        let _ = AccountFields::parse_face_url(&a);
        let _ = AccountFields::parse_organization(&a);
        let _ = AccountFields::parse_custom_string(&a);
        let _ = domain::dates::parse_date(&a);
        let _ = domain::post::PostText::parse(&a);
        if let Ok(url) = domain::post::LinkUrl::parse(&a) {
            let url: &str = url.as_ref();
            prop_assert!(url.starts_with("http://") || url.starts_with("https://"), "{url}");
        }
    }

    #[test]
    #[ignore = "fuzzing: run by scripts/fuzz"]
    fn drafts_never_panic(
        channel in proptest::option::of(any::<i64>()),
        text in text(),
        images in proptest::collection::vec((text(), text()), 0..11),
        links in proptest::collection::vec((text(), text()), 0..7),
        kind in 0..3u8,
    ) {
        let draft = PostDraft {
            channel_id: channel,
            kind: [PostType::TextOnly, PostType::ImageOnly, PostType::ImageAndText][kind as usize],
            text,
            images: images.into_iter().map(|(media, alt)| PostImage { media, alt }).collect(),
            links: links.into_iter().map(|(label, url)| PostLink { label, url }).collect(),
        };
        if let Ok(valid) = draft.validate() {
            prop_assert!(valid.images.len() <= 9 && valid.links.len() <= 5);
            let _ = valid.search_body();
        }
    }

    #[test]
    #[ignore = "fuzzing: run by scripts/fuzz"]
    fn search_terms_never_panic(q in text(), body in text(), from in text(), to in text()) {
        let found = terms(&q);
        for term in &found {
            prop_assert!(!term.is_empty());
            prop_assert!(!term.chars().any(char::is_control), "{term:?}");
        }
        let _ = split_terms(&found);
        let runs = highlight(&body, &found);
        prop_assert_eq!(runs.iter().map(|(s, _)| s.as_str()).collect::<String>(), body.clone());
        let _ = (words(&body), trigrams(&fold(&body)), word_windows(&body));
        let filter = PostFilter { q, from: Some(from), to: Some(to), ..Default::default() };
        let _ = filter.validate();
    }
}
