//! Operators (the people who sign in to the console) and the audit log of what they did.

use super::bytes;
use super::error::{Field, ValidationError};
use serde::{Deserialize, Serialize};

/// An operator's sign-in name: 1 to 64 bytes of letters, digits and `.`, `_`, `-`, `@`.
/// Names compare without regard to ASCII case (the database column is `COLLATE NOCASE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorName(String);

impl OperatorName {
    pub const MAX_BYTES: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let field = Field::OperatorName;
        let value = raw.trim();
        if value.is_empty() {
            return Err(ValidationError::Required { field });
        }
        bytes::check_max(field, value, Self::MAX_BYTES)?;
        if !value.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')) {
            return Err(ValidationError::InvalidCharacters { field, allowed: "letters, digits and . _ - @".into() });
        }
        Ok(Self(value.to_owned()))
    }
}

impl AsRef<str> for OperatorName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A password an operator chooses: at least 12 characters, at most 1,024 bytes. Not
/// trimmed: spaces are part of a passphrase. Signing in takes any string; only new
/// passwords must meet this.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_BYTES: usize = 1024;

    pub fn parse(field: Field, raw: &str) -> Result<Self, ValidationError> {
        if raw.is_empty() {
            return Err(ValidationError::Required { field });
        }
        if raw.chars().any(char::is_control) {
            return Err(ValidationError::ControlCharacter { field });
        }
        let chars = raw.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(ValidationError::TooShort { field, min: Self::MIN_CHARS, actual: chars });
        }
        bytes::check_max(field, raw, Self::MAX_BYTES)?;
        Ok(Self(raw.to_owned()))
    }
}

impl AsRef<str> for NewPassword {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

// Never print a password, not even in a debug log.
impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(..)")
    }
}

/// An operator as the Operators page lists them (never with the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operator {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub last_sign_in: Option<i64>,
}

/// What the audit log records. Stored as the text of [`AuditAction::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuditAction {
    SignIn,
    SignInFailed,
    SignOut,
    ChannelCreated,
    ChannelEdited,
    ChannelDeleted,
    PostPublished,
    OperatorAdded,
    OperatorRemoved,
    PasswordChanged,
    PasswordReset,
    PostRecalled,
    ApiKeyRotated,
    ApiAdminAdded,
    ApiAdminRemoved,
    PasswordCheckFailed,
    SubscribersAdded,
    SubscribersRemoved,
    SubscriberChanged,
    WebhookChanged,
    WebhookSecretRotated,
    WebhookRedelivered,
    WebhookTested,
}

impl AuditAction {
    pub const ALL: [AuditAction; 23] = [
        AuditAction::SignIn,
        AuditAction::SignInFailed,
        AuditAction::SignOut,
        AuditAction::ChannelCreated,
        AuditAction::ChannelEdited,
        AuditAction::ChannelDeleted,
        AuditAction::PostPublished,
        AuditAction::OperatorAdded,
        AuditAction::OperatorRemoved,
        AuditAction::PasswordChanged,
        AuditAction::PasswordReset,
        AuditAction::PostRecalled,
        AuditAction::ApiKeyRotated,
        AuditAction::ApiAdminAdded,
        AuditAction::ApiAdminRemoved,
        AuditAction::PasswordCheckFailed,
        AuditAction::SubscribersAdded,
        AuditAction::SubscribersRemoved,
        AuditAction::SubscriberChanged,
        AuditAction::WebhookChanged,
        AuditAction::WebhookSecretRotated,
        AuditAction::WebhookRedelivered,
        AuditAction::WebhookTested,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::SignIn => "sign_in",
            AuditAction::SignInFailed => "sign_in_failed",
            AuditAction::SignOut => "sign_out",
            AuditAction::ChannelCreated => "channel_created",
            AuditAction::ChannelEdited => "channel_edited",
            AuditAction::ChannelDeleted => "channel_deleted",
            AuditAction::PostPublished => "post_published",
            AuditAction::OperatorAdded => "operator_added",
            AuditAction::OperatorRemoved => "operator_removed",
            AuditAction::PasswordChanged => "password_changed",
            AuditAction::PasswordReset => "password_reset",
            AuditAction::PostRecalled => "post_recalled",
            AuditAction::ApiKeyRotated => "api_key_rotated",
            AuditAction::ApiAdminAdded => "api_admin_added",
            AuditAction::ApiAdminRemoved => "api_admin_removed",
            AuditAction::PasswordCheckFailed => "password_check_failed",
            AuditAction::SubscribersAdded => "subscribers_added",
            AuditAction::SubscribersRemoved => "subscribers_removed",
            AuditAction::SubscriberChanged => "subscriber_changed",
            AuditAction::WebhookChanged => "webhook_changed",
            AuditAction::WebhookSecretRotated => "webhook_secret_rotated",
            AuditAction::WebhookRedelivered => "webhook_redelivered",
            AuditAction::WebhookTested => "webhook_tested",
        }
    }

    pub fn from_code(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == raw)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub operator: String,
    /// The stored action text.
    pub action: String,
    pub subject: String,
    pub address: String,
    /// The action in the operator's language (the stored text when a newer version stored
    /// one this one does not know); the server fills it in.
    #[serde(default)]
    pub label: String,
}

/// One page of the audit log, newest first; `next` is the cursor for the page after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub next: Option<i64>,
}

impl AuditPage {
    pub const SIZE: usize = 50;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_names() {
        assert_eq!(OperatorName::parse("  admin ").unwrap().as_ref(), "admin");
        assert!(OperatorName::parse("jane.doe@example").is_ok());
        assert!(OperatorName::parse("김민준").is_ok());
        assert_eq!(OperatorName::parse("   ").unwrap_err(), ValidationError::Required { field: Field::OperatorName });
        assert!(matches!(OperatorName::parse("jane doe").unwrap_err(), ValidationError::InvalidCharacters { .. }));
        assert!(matches!(OperatorName::parse("<script>").unwrap_err(), ValidationError::InvalidCharacters { .. }));
        assert!(OperatorName::parse(&"a".repeat(64)).is_ok());
        assert_eq!(
            OperatorName::parse(&"a".repeat(65)).unwrap_err(),
            ValidationError::TooLong { field: Field::OperatorName, max: 64, actual: 65 }
        );
        // 21 Hangul syllables are 63 bytes, 22 are 66.
        assert!(OperatorName::parse(&"가".repeat(21)).is_ok());
        assert!(matches!(
            OperatorName::parse(&"가".repeat(22)),
            Err(ValidationError::TooLong { max: 64, actual: 66, .. })
        ));
    }

    #[test]
    fn new_passwords() {
        let f = Field::NewPassword;
        assert!(NewPassword::parse(f, "twelve chars").is_ok());
        assert_eq!(
            NewPassword::parse(f, "eleven char").unwrap_err(),
            ValidationError::TooShort { field: f, min: 12, actual: 11 }
        );
        // Characters, not bytes, count toward the minimum.
        assert!(NewPassword::parse(f, &"비".repeat(12)).is_ok());
        assert_eq!(
            NewPassword::parse(f, &"비".repeat(11)).unwrap_err(),
            ValidationError::TooShort { field: f, min: 12, actual: 11 }
        );
        assert_eq!(NewPassword::parse(f, "").unwrap_err(), ValidationError::Required { field: f });
        // Spaces count: a passphrase keeps them.
        assert_eq!(NewPassword::parse(f, "  padded pass  ").unwrap().as_ref(), "  padded pass  ");
        assert_eq!(
            NewPassword::parse(f, "line\nbreak in it").unwrap_err(),
            ValidationError::ControlCharacter { field: f }
        );
        assert!(NewPassword::parse(f, &"a".repeat(1024)).is_ok());
        assert!(matches!(
            NewPassword::parse(f, &"a".repeat(1025)),
            Err(ValidationError::TooLong { max: 1024, actual: 1025, .. })
        ));
        assert_eq!(format!("{:?}", NewPassword::parse(f, "secret secret").unwrap()), "NewPassword(..)");
    }

    #[test]
    fn audit_actions_round_trip() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::from_code(action.as_str()), Some(action));
        }
        assert_eq!(AuditAction::from_code("nope"), None);
    }
}
