//! A post published from a channel: its type, text, images and links, and the rules a draft
//! must meet before it can be published. Posts are never edited once published.

use super::bytes;
use super::error::{Field, ValidationError};
use super::media::MediaId;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum PostType {
    #[default]
    ImageAndText,
    ImageOnly,
    TextOnly,
}

impl PostType {
    pub const ALL: [PostType; 3] = [PostType::ImageAndText, PostType::ImageOnly, PostType::TextOnly];

    /// As the operator sees it.
    pub fn label(self) -> &'static str {
        match self {
            PostType::ImageAndText => "Image and Text",
            PostType::ImageOnly => "Image Only",
            PostType::TextOnly => "Text Only",
        }
    }

    /// As it is stored and sent in forms and URLs.
    pub fn code(self) -> &'static str {
        match self {
            PostType::ImageAndText => "image_text",
            PostType::ImageOnly => "image",
            PostType::TextOnly => "text",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }

    /// Text and links go together: a link is part of what a post says.
    pub fn carries_text(self) -> bool {
        !matches!(self, PostType::ImageOnly)
    }

    pub fn carries_images(self) -> bool {
        !matches!(self, PostType::TextOnly)
    }
}

pub const MAX_TEXT_BYTES: usize = 10_000;
pub const MAX_IMAGES: usize = 9;
pub const MAX_LINKS: usize = 5;
pub const MAX_LINK_LABEL_BYTES: usize = 100;
pub const MAX_URL_BYTES: usize = 2_048;
pub const MAX_ALT_BYTES: usize = 300;

fn refuse_controls(field: Field, value: &str, allow_line_breaks: bool) -> Result<(), ValidationError> {
    let bad = |c: char| c.is_control() && !(allow_line_breaks && matches!(c, '\n' | '\r' | '\t'));
    if value.chars().any(bad) {
        Err(ValidationError::ControlCharacter { field })
    } else {
        Ok(())
    }
}

/// The body of a post: trimmed, at most 10,000 bytes; line breaks allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostText(String);

impl PostText {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let field = Field::PostText;
        let value = raw.trim();
        if value.is_empty() {
            return Err(ValidationError::Required { field });
        }
        refuse_controls(field, value, true)?;
        bytes::check_max(field, value, MAX_TEXT_BYTES)?;
        Ok(Self(value.to_owned()))
    }
}

impl AsRef<str> for PostText {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A link's address: http or https only (never `javascript:`, `data:` and the like), with a
/// host, no spaces, at most 2,048 bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkUrl(String);

impl LinkUrl {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        Self::parse_field(Field::LinkUrl, MAX_URL_BYTES, raw)
    }

    /// The same rules for another field that holds a web address (a channel's FaceUrl).
    pub fn parse_field(field: Field, max_bytes: usize, raw: &str) -> Result<Self, ValidationError> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(ValidationError::Required { field });
        }
        bytes::check_max(field, value, max_bytes)?;
        let lower = value.get(..8).unwrap_or(value).to_ascii_lowercase();
        let rest = if lower.starts_with("https://") {
            &value[8..]
        } else if lower.starts_with("http://") {
            &value[7..]
        } else {
            return Err(ValidationError::UnsupportedScheme { field });
        };
        if value.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '\\' | '`')) {
            return Err(ValidationError::InvalidUrl { field });
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host_and_port = authority.rsplit('@').next().unwrap_or_default();
        let host = match host_and_port.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => host_and_port.split(':').next().unwrap_or_default(),
        };
        if host.is_empty() || host.starts_with('.') || host.ends_with("..") {
            return Err(ValidationError::InvalidUrl { field });
        }
        Ok(Self(value.to_owned()))
    }
}

impl AsRef<str> for LinkUrl {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A link as drafted and as stored: an optional label and an address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PostLink {
    pub label: String,
    pub url: String,
}

impl PostLink {
    pub fn validate(&self) -> Result<ValidLink, ValidationError> {
        let label = self.label.trim();
        refuse_controls(Field::LinkLabel, label, false)?;
        bytes::check_max(Field::LinkLabel, label, MAX_LINK_LABEL_BYTES)?;
        let url = LinkUrl::parse(&self.url)?;
        Ok(ValidLink { label: label.to_owned(), url })
    }

    /// What the link shows: its label, or its address when it has none.
    pub fn text(&self) -> &str {
        if self.label.is_empty() {
            &self.url
        } else {
            &self.label
        }
    }
}

/// An image of a post: an uploaded image and its optional alt text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PostImage {
    pub media: String,
    pub alt: String,
}

impl PostImage {
    pub fn validate(&self) -> Result<ValidImage, ValidationError> {
        let media = MediaId::parse(Field::PostImages, &self.media)?;
        let alt = self.alt.trim();
        refuse_controls(Field::ImageAlt, alt, false)?;
        bytes::check_max(Field::ImageAlt, alt, MAX_ALT_BYTES)?;
        Ok(ValidImage { media, alt: alt.to_owned() })
    }
}

/// A link that meets the rules: a label within its limit (possibly empty) and a checked
/// http(s) address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidLink {
    pub label: String,
    pub url: LinkUrl,
}

impl From<&ValidLink> for PostLink {
    fn from(link: &ValidLink) -> Self {
        PostLink { label: link.label.clone(), url: link.url.as_ref().to_owned() }
    }
}

/// An image that meets the rules: a well-formed media id and alt text within its limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidImage {
    pub media: MediaId,
    pub alt: String,
}

impl From<&ValidImage> for PostImage {
    fn from(image: &ValidImage) -> Self {
        PostImage { media: image.media.as_ref().to_owned(), alt: image.alt.clone() }
    }
}

/// What the operator composes. It may hold text and images the chosen type does not carry
/// (switching type back and forth keeps them); `for_publishing` drops them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PostDraft {
    pub channel_id: Option<i64>,
    pub kind: PostType,
    pub text: String,
    pub images: Vec<PostImage>,
    pub links: Vec<PostLink>,
}

impl PostDraft {
    /// The draft with only what its type carries.
    pub fn for_publishing(&self) -> PostDraft {
        let kind = self.kind;
        PostDraft {
            channel_id: self.channel_id,
            kind,
            text: if kind.carries_text() { self.text.clone() } else { String::new() },
            images: if kind.carries_images() { self.images.clone() } else { vec![] },
            links: if kind.carries_text() { self.links.clone() } else { vec![] },
        }
    }

    /// Checks every rule for the draft's type. Content the type does not carry is an error
    /// here: the browser strips it before sending, so only a bypassing request has it.
    pub fn validate(&self) -> Result<ValidPost, ValidationError> {
        let kind = self.kind;
        let channel_id = self.channel_id.ok_or(ValidationError::Required { field: Field::PostChannel })?;
        let text = if kind.carries_text() {
            Some(PostText::parse(&self.text)?)
        } else {
            if !self.text.trim().is_empty() {
                return Err(ValidationError::NotCarried { field: Field::PostText, kind: kind.label().to_owned() });
            }
            if !self.links.is_empty() {
                return Err(ValidationError::NotCarried { field: Field::PostLinks, kind: kind.label().to_owned() });
            }
            None
        };
        if kind.carries_images() {
            if self.images.is_empty() {
                return Err(ValidationError::Required { field: Field::PostImages });
            }
            if self.images.len() > MAX_IMAGES {
                return Err(ValidationError::TooMany {
                    field: Field::PostImages,
                    max: MAX_IMAGES,
                    actual: self.images.len(),
                });
            }
        } else if !self.images.is_empty() {
            return Err(ValidationError::NotCarried { field: Field::PostImages, kind: kind.label().to_owned() });
        }
        if self.links.len() > MAX_LINKS {
            return Err(ValidationError::TooMany { field: Field::PostLinks, max: MAX_LINKS, actual: self.links.len() });
        }
        let images = self.images.iter().map(PostImage::validate).collect::<Result<Vec<_>, _>>()?;
        let links = self.links.iter().map(PostLink::validate).collect::<Result<Vec<_>, _>>()?;
        Ok(ValidPost { channel_id, kind, text, images, links })
    }
}

/// A draft that meets every rule, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPost {
    pub channel_id: i64,
    pub kind: PostType,
    pub text: Option<PostText>,
    pub images: Vec<ValidImage>,
    pub links: Vec<ValidLink>,
}

impl ValidPost {
    /// The text, or nothing for a post type without text.
    pub fn text(&self) -> &str {
        self.text.as_ref().map(AsRef::as_ref).unwrap_or_default()
    }

    /// What search looks in: the text and the link labels.
    pub fn search_body(&self) -> String {
        let mut body = self.text().to_owned();
        for link in self.links.iter().filter(|l| !l.label.is_empty()) {
            body.push('\n');
            body.push_str(&link.label);
        }
        body
    }
}

/// A published post as the list and the detail view show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Post {
    pub id: i64,
    pub channel_id: i64,
    pub channel_name: String,
    pub channel_photo: Option<String>,
    pub kind: PostType,
    pub text: String,
    pub images: Vec<PostImage>,
    pub links: Vec<PostLink>,
    /// Unix seconds.
    pub created_at: i64,
}

#[cfg(test)]
mod tests {
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
        assert_eq!(
            err(&draft(PostType::ImageAndText, "hi", 0, 0)),
            ValidationError::Required { field: Field::PostImages }
        );
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
        assert_eq!(
            err(&draft(PostType::ImageAndText, "hi", 10, 0)).to_string(),
            "Images: 10 is too many; the limit is 9."
        );
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
}

/// What the post list shows: a search and filters, and a cursor. `before` is the id of the
/// last post already shown: pages are cut by id, so posts published meanwhile never shift
/// what the next page holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PostFilter {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub channel_id: Option<i64>,
    #[serde(default)]
    pub kind: Option<PostType>,
    /// `YYYY-MM-DD`, UTC, inclusive.
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub before: Option<i64>,
}

pub const MAX_QUERY_BYTES: usize = 200;

/// A filter whose dates and query were checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidFilter {
    pub terms: Vec<String>,
    pub channel_id: Option<i64>,
    pub kind: Option<PostType>,
    /// Unix seconds, inclusive.
    pub from: Option<i64>,
    /// Unix seconds, exclusive (the day after `to`).
    pub until: Option<i64>,
    pub before: Option<i64>,
}

impl PostFilter {
    pub fn validate(&self) -> Result<ValidFilter, ValidationError> {
        bytes::check_max(Field::SearchQuery, self.q.trim(), MAX_QUERY_BYTES)?;
        let date = |d: &Option<String>| -> Result<Option<i64>, ValidationError> {
            match d.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
                Some(d) => super::dates::parse_date(d).map(Some),
                None => Ok(None),
            }
        };
        Ok(ValidFilter {
            terms: super::search::terms(&self.q),
            channel_id: self.channel_id,
            kind: self.kind,
            from: date(&self.from)?,
            until: date(&self.to)?.map(|t| t + 86_400),
            before: self.before,
        })
    }
}

/// One page of the post list, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostPage {
    pub posts: Vec<Post>,
    /// The cursor of the next page, when there is one.
    pub next_before: Option<i64>,
}

impl PostPage {
    pub const PAGE_SIZE: usize = 20;
}

/// A channel as the composer's and the filter's select show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelOption {
    pub id: i64,
    pub name: String,
    pub photo: Option<String>,
}

#[cfg(test)]
mod filter_tests {
    use super::*;

    #[test]
    fn filter_dates_are_inclusive_days_in_utc() {
        let f = PostFilter { from: Some("1970-01-02".into()), to: Some("1970-01-02".into()), ..Default::default() };
        let v = f.validate().unwrap();
        assert_eq!((v.from, v.until), (Some(86_400), Some(2 * 86_400)));
        let bad = PostFilter { to: Some("2026-02-30".into()), ..Default::default() };
        assert_eq!(bad.validate(), Err(ValidationError::InvalidDate { field: Field::SearchDate }));
    }

    #[test]
    fn query_is_limited() {
        let long = PostFilter { q: "a".repeat(201), ..Default::default() };
        assert_eq!(long.validate(), Err(ValidationError::TooLong { field: Field::SearchQuery, max: 200, actual: 201 }));
    }
}
