//! Uploaded images are content-addressed: their id is the SHA-256 of their bytes.

use super::error::{Field, ValidationError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MediaId(String);

impl MediaId {
    /// Accepts exactly 64 lowercase hex digits, so an id can never be used as a path.
    pub fn parse(field: Field, raw: &str) -> Result<Self, ValidationError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(ValidationError::Required { field });
        }
        if raw.len() == 64 && raw.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ValidationError::UnknownMedia { field })
        }
    }

    /// The id of content whose SHA-256 digest is `digest`.
    pub fn from_sha256(digest: &[u8; 32]) -> Self {
        Self(digest.iter().map(|b| format!("{b:02x}")).collect())
    }

    pub fn url(&self) -> String {
        media_url(&self.0)
    }
}

impl std::fmt::Display for MediaId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for MediaId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

pub fn media_url(id: &str) -> String {
    format!("/media/{id}")
}

pub fn thumbnail_url(id: &str) -> String {
    format!("/media/{id}/thumb")
}

/// What the upload endpoint answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadedMedia {
    pub id: String,
    pub content_type: String,
    pub bytes: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_id_accepts_only_sha256_hex() {
        let ok = "a".repeat(64);
        assert_eq!(MediaId::parse(Field::ProfilePhoto, &ok).unwrap().as_ref(), ok);
        for bad in ["../../etc/passwd", &"A".repeat(64), &"a".repeat(63), &"g".repeat(64)] {
            assert_eq!(
                MediaId::parse(Field::ProfilePhoto, bad),
                Err(ValidationError::UnknownMedia { field: Field::ProfilePhoto })
            );
        }
        assert_eq!(
            MediaId::parse(Field::ProfilePhoto, " "),
            Err(ValidationError::Required { field: Field::ProfilePhoto })
        );
    }
}
