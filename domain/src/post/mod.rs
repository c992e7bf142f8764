//! A post published from a channel: its type, text, images and links, and the rules a draft
//! must meet before it can be published. Posts are never edited once published.

use super::bytes;
use super::error::{Field, ValidationError};
use super::media::MediaId;

mod list;
pub use list::{ChannelOption, PostFilter, PostPage, ValidFilter, MAX_QUERY_BYTES};
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
    /// When the post was recalled (unix seconds): only lists asked for recalled posts
    /// carry such a post.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recalled_at: Option<i64>,
}

#[cfg(test)]
mod tests;
