//! The post rules at their boundaries.

use super::*;

const IMG: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

fn image() -> PostImage {
    PostImage { media: IMG.into(), alt: String::new() }
}

fn link(url: &str) -> PostLink {
    PostLink { label: "More".into(), url: url.into() }
}

fn draft(kind: PostType, text: &str, images: usize, links: usize) -> PostDraft {
    PostDraft {
        channel_id: Some(1),
        kind,
        text: text.into(),
        images: vec![image(); images],
        links: vec![link("https://example.com/"); links],
    }
}

fn err(d: &PostDraft) -> ValidationError {
    d.validate().unwrap_err()
}

#[test]
fn image_and_text_needs_both() {
    assert!(draft(PostType::ImageAndText, "hi", 1, 0).validate().is_ok());
    assert_eq!(err(&draft(PostType::ImageAndText, "", 1, 0)), ValidationError::Required { field: Field::PostText });
    assert_eq!(
        err(&draft(PostType::ImageAndText, "  \n ", 1, 0)),
        ValidationError::Required { field: Field::PostText }
    );
    assert_eq!(err(&draft(PostType::ImageAndText, "hi", 0, 0)), ValidationError::Required { field: Field::PostImages });
}

#[test]
fn image_only_needs_an_image_and_carries_no_text_or_links() {
    assert!(draft(PostType::ImageOnly, "", 1, 0).validate().is_ok());
    assert_eq!(err(&draft(PostType::ImageOnly, "", 0, 0)), ValidationError::Required { field: Field::PostImages });
    assert_eq!(
        err(&draft(PostType::ImageOnly, "text", 1, 0)),
        ValidationError::NotCarried { field: Field::PostText, kind: "Image Only".into() }
    );
    assert_eq!(
        err(&draft(PostType::ImageOnly, "", 1, 1)),
        ValidationError::NotCarried { field: Field::PostLinks, kind: "Image Only".into() }
    );
}

#[test]
fn text_only_needs_text_and_carries_no_image() {
    assert!(draft(PostType::TextOnly, "hi", 0, 2).validate().is_ok());
    assert_eq!(err(&draft(PostType::TextOnly, "", 0, 0)), ValidationError::Required { field: Field::PostText });
    assert_eq!(
        err(&draft(PostType::TextOnly, "hi", 1, 0)),
        ValidationError::NotCarried { field: Field::PostImages, kind: "Text Only".into() }
    );
}

#[test]
fn text_is_limited_to_10000_bytes() {
    assert!(draft(PostType::TextOnly, &"a".repeat(10_000), 0, 0).validate().is_ok());
    assert_eq!(
        err(&draft(PostType::TextOnly, &"a".repeat(10_001), 0, 0)),
        ValidationError::TooLong { field: Field::PostText, max: 10_000, actual: 10_001 }
    );
    // 3,333 Hangul syllables = 9,999 bytes; one more is 10,002.
    assert!(draft(PostType::TextOnly, &"한".repeat(3_333), 0, 0).validate().is_ok());
    assert_eq!(
        err(&draft(PostType::TextOnly, &"한".repeat(3_334), 0, 0)),
        ValidationError::TooLong { field: Field::PostText, max: 10_000, actual: 10_002 }
    );
    let emoji = format!("{}😀", "a".repeat(9_997));
    assert_eq!(
        err(&draft(PostType::TextOnly, &emoji, 0, 0)),
        ValidationError::TooLong { field: Field::PostText, max: 10_000, actual: 10_001 }
    );
}

#[test]
fn at_most_9_images_and_5_links() {
    assert!(draft(PostType::ImageAndText, "hi", 9, 5).validate().is_ok());
    assert_eq!(
        err(&draft(PostType::ImageAndText, "hi", 10, 0)),
        ValidationError::TooMany { field: Field::PostImages, max: 9, actual: 10 }
    );
    assert_eq!(
        err(&draft(PostType::ImageAndText, "hi", 1, 6)),
        ValidationError::TooMany { field: Field::PostLinks, max: 5, actual: 6 }
    );
}

#[test]
fn a_channel_is_required() {
    let mut d = draft(PostType::TextOnly, "hi", 0, 0);
    d.channel_id = None;
    assert_eq!(err(&d), ValidationError::Required { field: Field::PostChannel });
}

#[test]
fn link_urls_must_be_http_or_https() {
    for ok in [
        "https://example.com",
        "http://example.com/a?b=c#d",
        "HTTPS://EXAMPLE.COM",
        "https://[::1]:8080/x",
        "https://user@host.example",
    ] {
        assert!(LinkUrl::parse(ok).is_ok(), "{ok}");
    }
    for scheme in [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<b>",
        "ftp://example.com",
        "example.com",
        "//example.com",
        "vbscript:x",
    ] {
        assert_eq!(
            LinkUrl::parse(scheme),
            Err(ValidationError::UnsupportedScheme { field: Field::LinkUrl }),
            "{scheme}"
        );
    }
    for bad in
        ["https://", "https:///path", "https://exa mple.com", "https://example.com/\"onmouseover=x", "http://:80"]
    {
        assert_eq!(LinkUrl::parse(bad), Err(ValidationError::InvalidUrl { field: Field::LinkUrl }), "{bad}");
    }
    assert_eq!(LinkUrl::parse(""), Err(ValidationError::Required { field: Field::LinkUrl }));
}

#[test]
fn link_url_is_limited_to_2048_bytes_and_label_to_100() {
    let base = "https://example.com/";
    let url = format!("{base}{}", "a".repeat(2_048 - base.len()));
    assert!(LinkUrl::parse(&url).is_ok());
    assert_eq!(
        LinkUrl::parse(&format!("{url}a")),
        Err(ValidationError::TooLong { field: Field::LinkUrl, max: 2_048, actual: 2_049 })
    );
    let labelled = |label: &str| PostLink { label: label.into(), url: base.into() }.validate();
    assert!(labelled(&"a".repeat(100)).is_ok());
    assert!(labelled("").is_ok(), "the label is optional");
    assert_eq!(
        labelled(&"링".repeat(34)),
        Err(ValidationError::TooLong { field: Field::LinkLabel, max: 100, actual: 102 })
    );
}

#[test]
fn for_publishing_keeps_only_what_the_type_carries() {
    let full = draft(PostType::ImageOnly, "kept for later", 2, 1);
    let sent = full.for_publishing();
    assert_eq!((sent.text.as_str(), sent.images.len(), sent.links.len()), ("", 2, 0));
    assert!(sent.validate().is_ok());
    let text = PostDraft { kind: PostType::TextOnly, ..full.clone() }.for_publishing();
    assert_eq!((text.text.as_str(), text.images.len(), text.links.len()), ("kept for later", 0, 1));
}

#[test]
fn messages_name_the_rule() {
    assert_eq!(
        LinkUrl::parse("javascript:alert(1)").unwrap_err().to_string(),
        "URL must start with http:// or https://."
    );
    assert_eq!(err(&draft(PostType::ImageAndText, "hi", 10, 0)).to_string(), "Images: 10 is too many; the limit is 9.");
    assert_eq!(err(&draft(PostType::ImageAndText, "hi", 0, 0)).to_string(), "Images: add at least one image.");
    assert_eq!(
        err(&draft(PostType::TextOnly, &"a".repeat(10_001), 0, 0)).to_string(),
        "Content is 10001 bytes; the limit is 10000 bytes."
    );
}

#[test]
fn post_type_codes_round_trip() {
    for t in PostType::ALL {
        assert_eq!(PostType::from_code(t.code()), Some(t));
    }
    assert_eq!(PostType::from_code("video"), None);
}
