//! What the vendor's REST API adds to a channel (an "official account" there) and the
//! API's own settings. The limits are the vendor's (see `../shared/reference/rest-api.md`).

use super::bytes;
use super::error::{Field, ValidationError};
use super::post::LinkUrl;
use serde::{Deserialize, Serialize};

/// A channel's id in the API: `@TOA#_` and then up to 42 more bytes (48 in all), without
/// spaces or control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountId(String);

impl AccountId {
    pub const PREFIX: &'static str = "@TOA#_";
    pub const MAX_BYTES: usize = 48;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let field = Field::AccountId;
        let value = raw.trim();
        if value.is_empty() {
            return Err(ValidationError::Required { field });
        }
        bytes::check_max(field, value, Self::MAX_BYTES)?;
        let Some(rest) = value.strip_prefix(Self::PREFIX) else {
            return Err(ValidationError::InvalidCharacters {
                field,
                allowed: format!("an id that starts with {}", Self::PREFIX),
            });
        };
        if rest.is_empty() || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ValidationError::InvalidCharacters {
                field,
                allowed: format!("{} followed by characters without spaces", Self::PREFIX),
            });
        }
        Ok(Self(value.to_owned()))
    }

    /// A fresh id for a channel that was not given one: the prefix and 20 hex digits.
    pub fn generated(random: [u8; 10]) -> Self {
        let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
        Self(format!("{}{hex}", Self::PREFIX))
    }
}

impl AsRef<str> for AccountId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A short text field with a byte limit and no control characters but line breaks.
fn text(field: Field, raw: &str, max: usize) -> Result<String, ValidationError> {
    let value = raw.trim();
    if value.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(ValidationError::ControlCharacter { field });
    }
    bytes::check_max(field, value, max)?;
    Ok(value.to_owned())
}

/// The API-only fields of a channel, checked. `None` means "not given" (keep or default).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccountFields {
    pub owner: Option<String>,
    pub face_url: Option<String>,
    pub organization: Option<String>,
    pub custom_string: Option<String>,
    pub max_subscribers: Option<i64>,
}

impl AccountFields {
    pub const MAX_OWNER_BYTES: usize = 128;
    pub const MAX_FACE_URL_BYTES: usize = 500;
    pub const MAX_ORGANIZATION_BYTES: usize = 500;
    pub const MAX_CUSTOM_STRING_BYTES: usize = 3000;
    pub const DEFAULT_MAX_SUBSCRIBERS: i64 = 100_000;

    pub fn parse_owner(raw: &str) -> Result<String, ValidationError> {
        let owner = text(Field::OwnerAccount, raw, Self::MAX_OWNER_BYTES)?;
        if owner.is_empty() {
            return Err(ValidationError::Required { field: Field::OwnerAccount });
        }
        Ok(owner)
    }

    /// An avatar address: http or https, at most 500 bytes. Empty clears it.
    pub fn parse_face_url(raw: &str) -> Result<String, ValidationError> {
        if raw.trim().is_empty() {
            return Ok(String::new());
        }
        Ok(LinkUrl::parse_field(Field::FaceUrl, Self::MAX_FACE_URL_BYTES, raw)?.as_ref().to_owned())
    }

    pub fn parse_organization(raw: &str) -> Result<String, ValidationError> {
        text(Field::Organization, raw, Self::MAX_ORGANIZATION_BYTES)
    }

    pub fn parse_custom_string(raw: &str) -> Result<String, ValidationError> {
        // Free-form data for the caller's programs: kept as given, not trimmed; only NUL,
        // which no database text holds, is refused.
        if raw.contains('\0') {
            return Err(ValidationError::ControlCharacter { field: Field::CustomString });
        }
        bytes::check_max(Field::CustomString, raw, Self::MAX_CUSTOM_STRING_BYTES)?;
        Ok(raw.to_owned())
    }
}

/// An administrator identifier allowed to call the API: the vendor's user id rule, 1 to 32
/// bytes of letters, digits, `_` and `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminIdentifier(String);

impl AdminIdentifier {
    pub const MAX_BYTES: usize = 32;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let field = Field::AdminIdentifier;
        let value = raw.trim();
        if value.is_empty() {
            return Err(ValidationError::Required { field });
        }
        bytes::check_max(field, value, Self::MAX_BYTES)?;
        if !value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
            return Err(ValidationError::InvalidCharacters {
                field,
                allowed: "letters a-z and A-Z, digits, _ and -".into(),
            });
        }
        Ok(Self(value.to_owned()))
    }
}

impl AsRef<str> for AdminIdentifier {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The REST API's settings as the Settings page shows them (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiSettings {
    pub sdkappid: i64,
    /// The last 4 characters of the key, to tell keys apart; `None` when there is no key.
    pub key_hint: Option<String>,
    pub key_created_at: Option<i64>,
    pub admins: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids() {
        assert!(AccountId::parse("@TOA#_news").is_ok());
        assert!(AccountId::parse(&format!("@TOA#_{}", "a".repeat(42))).is_ok());
        assert_eq!(
            AccountId::parse(&format!("@TOA#_{}", "a".repeat(43))).unwrap_err(),
            ValidationError::TooLong { field: Field::AccountId, max: 48, actual: 49 }
        );
        assert!(matches!(
            AccountId::parse("news"),
            Err(ValidationError::InvalidCharacters { field: Field::AccountId, .. })
        ));
        assert!(matches!(
            AccountId::parse("@TOA#_"),
            Err(ValidationError::InvalidCharacters { field: Field::AccountId, .. })
        ));
        assert!(matches!(
            AccountId::parse("@TOA#_a b"),
            Err(ValidationError::InvalidCharacters { field: Field::AccountId, .. })
        ));
        assert_eq!(AccountId::parse(" ").unwrap_err(), ValidationError::Required { field: Field::AccountId });
        let generated = AccountId::generated([0xab; 10]);
        assert_eq!(generated.as_ref(), "@TOA#_abababababababababab");
        assert_eq!(AccountId::parse(generated.as_ref()).unwrap(), generated);
    }

    #[test]
    fn account_fields() {
        assert_eq!(AccountFields::parse_owner(" owner "), Ok("owner".into()));
        assert!(matches!(AccountFields::parse_owner(""), Err(ValidationError::Required { .. })));
        let url = format!("https://cdn.example/{}", "a".repeat(500 - 20));
        assert_eq!(url.len(), 500);
        assert!(AccountFields::parse_face_url(&url).is_ok());
        assert_eq!(
            AccountFields::parse_face_url(&format!("{url}a")).unwrap_err(),
            ValidationError::TooLong { field: Field::FaceUrl, max: 500, actual: 501 }
        );
        assert_eq!(
            AccountFields::parse_face_url("javascript:alert(1)").unwrap_err(),
            ValidationError::UnsupportedScheme { field: Field::FaceUrl }
        );
        assert_eq!(AccountFields::parse_face_url(""), Ok(String::new()));
        assert!(AccountFields::parse_organization(&"조".repeat(166)).is_ok()); // 498 bytes
        assert!(matches!(
            AccountFields::parse_organization(&"조".repeat(167)), // 501 bytes
            Err(ValidationError::TooLong { max: 500, actual: 501, .. })
        ));
        assert!(AccountFields::parse_custom_string(&"x".repeat(3000)).is_ok());
        assert!(matches!(
            AccountFields::parse_custom_string(&"x".repeat(3001)),
            Err(ValidationError::TooLong { max: 3000, actual: 3001, .. })
        ));
    }

    #[test]
    fn admin_identifiers() {
        assert!(AdminIdentifier::parse("administrator").is_ok());
        assert!(AdminIdentifier::parse("ops_bot-1").is_ok());
        assert!(AdminIdentifier::parse(&"a".repeat(32)).is_ok());
        assert!(matches!(
            AdminIdentifier::parse(&"a".repeat(33)),
            Err(ValidationError::TooLong { max: 32, actual: 33, .. })
        ));
        assert!(matches!(AdminIdentifier::parse("has space"), Err(ValidationError::InvalidCharacters { .. })));
        assert!(matches!(AdminIdentifier::parse("관리자"), Err(ValidationError::InvalidCharacters { .. })));
        assert!(matches!(AdminIdentifier::parse(""), Err(ValidationError::Required { .. })));
    }
}
