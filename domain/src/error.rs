//! What is wrong with an operator's input, said so that the operator can fix it.

use serde::{Deserialize, Serialize};
use std::fmt;

mod wire;

/// The form field a validation error belongs to, named as the operator sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Field {
    ChannelName,
    ChannelProfile,
    ProfilePhoto,
    PostChannel,
    PostText,
    PostImages,
    PostLinks,
    ImageAlt,
    LinkLabel,
    LinkUrl,
    SearchDate,
    SearchQuery,
    OperatorName,
    Password,
    NewPassword,
    CurrentPassword,
    AccountId,
    OwnerAccount,
    FaceUrl,
    Organization,
    CustomString,
    AdminIdentifier,
    SubscriberAccount,
    WebhookUrl,
    WebhookToken,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::ChannelName => "Name",
            Field::ChannelProfile => "Profile",
            Field::ProfilePhoto => "Profile photo",
            Field::PostChannel => "Channel",
            Field::PostText => "Content",
            Field::PostImages => "Images",
            Field::PostLinks => "Links",
            Field::ImageAlt => "Alt text",
            Field::LinkLabel => "Link text",
            Field::LinkUrl => "URL",
            Field::SearchDate => "Date",
            Field::SearchQuery => "Search",
            Field::OperatorName => "Operator",
            Field::Password => "Password",
            Field::NewPassword => "New password",
            Field::CurrentPassword => "Current password",
            Field::AccountId => "Official_Account",
            Field::OwnerAccount => "Owner_Account",
            Field::FaceUrl => "FaceUrl",
            Field::Organization => "Organization",
            Field::CustomString => "CustomString",
            Field::AdminIdentifier => "Administrator identifier",
            Field::SubscriberAccount => "Subscriber_Account",
            Field::WebhookUrl => "Webhook URL",
            Field::WebhookToken => "Token",
        })
    }
}

impl Field {
    fn required_message(self) -> String {
        match self {
            Field::PostImages => "Images: add at least one image.".to_owned(),
            Field::PostChannel => "Channel: choose the channel to publish from.".to_owned(),
            other => format!("{other} is required."),
        }
    }
}

/// Read back by hand (`wire.rs`), in the same form the derived `Serialize` writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub enum ValidationError {
    #[error("{}", .field.required_message())]
    Required { field: Field },
    #[error("{field} is {actual} bytes; the limit is {max} bytes.")]
    TooLong { field: Field, max: usize, actual: usize },
    #[error("{field} must not contain control characters such as line breaks or tabs.")]
    ControlCharacter { field: Field },
    #[error(
        "{field}: the file is not an image a browser can show \
         (PNG, JPEG, GIF, WebP, AVIF, BMP, ICO or SVG)."
    )]
    NotAnImage { field: Field },
    #[error("{field}: the file is larger than this server's limit of {max_mb} MB.")]
    FileTooLarge { field: Field, max_mb: u64 },
    #[error("{field}: the image is missing; upload it again.")]
    UnknownMedia { field: Field },
    #[error("{field}: {actual} is too many; the limit is {max}.")]
    TooMany { field: Field, max: usize, actual: usize },
    #[error("{field} must start with http:// or https://.")]
    UnsupportedScheme { field: Field },
    #[error("{field} is not a valid web address.")]
    InvalidUrl { field: Field },
    #[error("{kind} posts carry no {field}.")]
    NotCarried { field: Field, kind: String },
    #[error("{field} must be a calendar date (YYYY-MM-DD).")]
    InvalidDate { field: Field },
    #[error("{field} is {actual} characters; it must be at least {min}.")]
    TooShort { field: Field, min: usize, actual: usize },
    #[error("{field} may contain only {allowed}.")]
    InvalidCharacters { field: Field, allowed: String },
    #[error("{field} is not correct.")]
    Mismatch { field: Field },
    #[error("{field} must reach a public address; its host is (or resolves to) a loopback, private or link-local address, or does not resolve.")]
    NotPublic { field: Field },
}

impl ValidationError {
    pub fn field(&self) -> Field {
        match self {
            ValidationError::Required { field }
            | ValidationError::TooLong { field, .. }
            | ValidationError::ControlCharacter { field }
            | ValidationError::NotAnImage { field }
            | ValidationError::FileTooLarge { field, .. }
            | ValidationError::UnknownMedia { field }
            | ValidationError::TooMany { field, .. }
            | ValidationError::UnsupportedScheme { field }
            | ValidationError::InvalidUrl { field }
            | ValidationError::NotCarried { field, .. }
            | ValidationError::InvalidDate { field }
            | ValidationError::TooShort { field, .. }
            | ValidationError::InvalidCharacters { field, .. }
            | ValidationError::Mismatch { field }
            | ValidationError::NotPublic { field } => *field,
        }
    }
}
