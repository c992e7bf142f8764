//! An official channel and the values it is made of.

use super::bytes;
use super::error::{Field, ValidationError};
use serde::{Deserialize, Serialize};

/// A channel's name: required, trimmed, at most 150 bytes of UTF-8, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelName(String);

impl ChannelName {
    pub const MAX_BYTES: usize = 150;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let field = Field::ChannelName;
        let value = raw.trim();
        if value.is_empty() {
            return Err(ValidationError::Required { field });
        }
        if value.chars().any(char::is_control) {
            return Err(ValidationError::ControlCharacter { field });
        }
        bytes::check_max(field, value, Self::MAX_BYTES)?;
        Ok(Self(value.to_owned()))
    }
}

impl AsRef<str> for ChannelName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A channel's short description: optional, trimmed, at most 400 bytes of UTF-8. Line
/// breaks and tabs are allowed (it is a paragraph); other control characters are not.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChannelProfile(String);

impl ChannelProfile {
    pub const MAX_BYTES: usize = 400;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let field = Field::ChannelProfile;
        let value = raw.trim();
        if value.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
            return Err(ValidationError::ControlCharacter { field });
        }
        bytes::check_max(field, value, Self::MAX_BYTES)?;
        Ok(Self(value.to_owned()))
    }
}

impl AsRef<str> for ChannelProfile {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Everything an operator sets on a channel, checked: what creating and editing store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelFields {
    pub name: ChannelName,
    pub profile: ChannelProfile,
    /// Required in the console; a channel made through the REST API may have none (it then
    /// shows its FaceUrl, or a placeholder).
    pub photo: Option<super::MediaId>,
}

impl ChannelFields {
    /// Checks the fields in form order, so the first error is the one nearest the top.
    pub fn parse(name: &str, profile: &str, photo: &str) -> Result<Self, ValidationError> {
        Ok(Self {
            name: ChannelName::parse(name)?,
            profile: ChannelProfile::parse(profile)?,
            photo: Some(super::MediaId::parse(Field::ProfilePhoto, photo)?),
        })
    }

    /// The fields the REST API sets (it has no uploaded photo, only a FaceUrl).
    pub fn parse_without_photo(name: &str, profile: &str) -> Result<Self, ValidationError> {
        Ok(Self { name: ChannelName::parse(name)?, profile: ChannelProfile::parse(profile)?, photo: None })
    }
}

/// A stored channel as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Channel {
    pub id: i64,
    pub name: String,
    pub profile: String,
    /// Content hash of the profile photo (see `MediaId`); `None` only for channels made
    /// through the REST API without one.
    pub photo: Option<String>,
    /// The channel's id in the REST API (`@TOA#_...`).
    pub account_id: String,
    /// An avatar address set through the REST API, shown when there is no uploaded photo.
    pub face_url: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    pub updated_at: i64,
    /// How many subscribe, and how many may (`MaxSubscriberNum`).
    pub subscriber_count: i64,
    pub max_subscribers: i64,
    /// Its live (not recalled) posts, and when the last of them was published (unix
    /// seconds; the vendor's `LastMsgTime`).
    pub post_count: i64,
    pub last_post_at: Option<i64>,
}

/// One page of the channel list, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelPage {
    pub channels: Vec<Channel>,
    pub page: u32,
    pub page_count: u32,
    pub total: u64,
}

impl ChannelPage {
    pub const PAGE_SIZE: u32 = 50;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn too_long(field: Field, max: usize, actual: usize) -> ValidationError {
        ValidationError::TooLong { field, max, actual }
    }

    #[test]
    fn name_of_150_ascii_bytes_is_accepted_151_refused() {
        assert_eq!(ChannelName::parse(&"a".repeat(150)).unwrap().as_ref().len(), 150);
        assert_eq!(ChannelName::parse(&"a".repeat(151)), Err(too_long(Field::ChannelName, 150, 151)));
    }

    #[test]
    fn name_of_50_hangul_syllables_is_accepted_51_refused() {
        assert!(ChannelName::parse(&"한".repeat(50)).is_ok());
        assert_eq!(ChannelName::parse(&"한".repeat(51)), Err(too_long(Field::ChannelName, 150, 153)));
    }

    #[test]
    fn four_byte_emoji_straddling_the_limit_is_refused() {
        // 148 + 4 = 152 bytes: the emoji starts inside the limit but ends outside it.
        let name = format!("{}😀", "a".repeat(148));
        assert_eq!(ChannelName::parse(&name), Err(too_long(Field::ChannelName, 150, 152)));
        // 146 + 4 = 150 bytes: fits exactly.
        assert!(ChannelName::parse(&format!("{}😀", "a".repeat(146))).is_ok());
    }

    #[test]
    fn empty_and_whitespace_only_names_are_required_errors() {
        let required = Err(ValidationError::Required { field: Field::ChannelName });
        assert_eq!(ChannelName::parse(""), required);
        assert_eq!(ChannelName::parse("   \t "), required);
    }

    #[test]
    fn name_is_trimmed_before_measuring() {
        let padded = format!("  {}  ", "a".repeat(150));
        assert_eq!(ChannelName::parse(&padded).unwrap().as_ref(), "a".repeat(150));
    }

    #[test]
    fn name_with_control_characters_is_refused() {
        for bad in ["a\nb", "a\u{0}b", "a\tb", "a\u{7f}b"] {
            assert_eq!(ChannelName::parse(bad), Err(ValidationError::ControlCharacter { field: Field::ChannelName }));
        }
    }

    #[test]
    fn profile_is_optional_and_limited_to_400_bytes() {
        assert_eq!(ChannelProfile::parse("").unwrap().as_ref(), "");
        assert_eq!(ChannelProfile::parse("   ").unwrap().as_ref(), "");
        assert!(ChannelProfile::parse(&"a".repeat(400)).is_ok());
        assert_eq!(ChannelProfile::parse(&"a".repeat(401)), Err(too_long(Field::ChannelProfile, 400, 401)));
        // 133 Hangul syllables = 399 bytes; one more is 402.
        assert!(ChannelProfile::parse(&"한".repeat(133)).is_ok());
        assert_eq!(ChannelProfile::parse(&"한".repeat(134)), Err(too_long(Field::ChannelProfile, 400, 402)));
    }

    #[test]
    fn profile_allows_line_breaks_but_not_other_controls() {
        assert!(ChannelProfile::parse("line one\nline two\r\n\tindented").is_ok());
        assert_eq!(
            ChannelProfile::parse("bell\u{7}"),
            Err(ValidationError::ControlCharacter { field: Field::ChannelProfile })
        );
    }

    #[test]
    fn messages_name_the_field_and_the_limit() {
        let msg = ChannelName::parse(&"a".repeat(151)).unwrap_err().to_string();
        assert_eq!(msg, "Name is 151 bytes; the limit is 150 bytes.");
        let msg = ChannelProfile::parse(&"a".repeat(401)).unwrap_err().to_string();
        assert_eq!(msg, "Profile is 401 bytes; the limit is 400 bytes.");
    }
}
