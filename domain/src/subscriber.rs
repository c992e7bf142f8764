//! A channel's subscribers: the app's users who follow it, as the vendor's API names them.

use crate::bytes;
use crate::error::{Field, ValidationError};
use serde::{Deserialize, Serialize};

/// The app's id of a user who subscribes (`Subscriber_Account`): 1 to 32 bytes of UTF-8,
/// no control characters, kept as given (not trimmed: ids are the app's, compared exactly).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubscriberAccount(String);

impl SubscriberAccount {
    pub const MAX_BYTES: usize = 32;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let field = Field::SubscriberAccount;
        if raw.is_empty() {
            return Err(ValidationError::Required { field });
        }
        if raw.chars().any(char::is_control) {
            return Err(ValidationError::ControlCharacter { field });
        }
        bytes::check_max(field, raw, Self::MAX_BYTES)?;
        Ok(Self(raw.to_owned()))
    }
}

impl AsRef<str> for SubscriberAccount {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// How a subscriber's device takes the channel's posts (`MsgFlag`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum MsgFlag {
    /// Delivered, with a notification (the default).
    #[default]
    AcceptAndNotify,
    /// Delivered without an offline push.
    AcceptNotNotify,
    /// Not pushed to the device.
    Discard,
}

impl MsgFlag {
    pub const ALL: [MsgFlag; 3] = [MsgFlag::AcceptAndNotify, MsgFlag::AcceptNotNotify, MsgFlag::Discard];

    /// The vendor's name, which is also how it is stored.
    pub fn as_str(self) -> &'static str {
        match self {
            MsgFlag::AcceptAndNotify => "AcceptAndNotify",
            MsgFlag::AcceptNotNotify => "AcceptNotNotify",
            MsgFlag::Discard => "Discard",
        }
    }

    pub fn from_code(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == raw)
    }
}

/// A subscriber as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscriber {
    pub account: String,
    /// Unix seconds.
    pub subscribed_at: i64,
    pub custom_string: String,
    pub msg_flag: MsgFlag,
    /// When a post was last sent to them (unix seconds; 0: never).
    pub last_send_msg_time: i64,
}

/// A channel's subscribers as the console's subscribers page shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriberList {
    pub channel_id: i64,
    pub channel_name: String,
    pub total: i64,
    pub max: i64,
    /// Newest first.
    pub subscribers: Vec<Subscriber>,
    /// The cursor of the next page.
    pub next: Option<i64>,
    /// The count at the end of each of the last [`SubscriberList::HISTORY_DAYS`] days,
    /// oldest first, the last being `last_day` (a unix day number, UTC).
    pub history: Vec<i64>,
    pub last_day: i64,
}

impl SubscriberList {
    pub const PAGE_SIZE: u32 = 50;
    pub const HISTORY_DAYS: u32 = 30;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriber_accounts() {
        assert!(SubscriberAccount::parse("user_1").is_ok());
        assert_eq!(SubscriberAccount::parse(" padded ").unwrap().as_ref(), " padded ");
        assert!(SubscriberAccount::parse(&"a".repeat(32)).is_ok());
        assert_eq!(
            SubscriberAccount::parse(&"a".repeat(33)),
            Err(ValidationError::TooLong { field: Field::SubscriberAccount, max: 32, actual: 33 })
        );
        // 10 Hangul syllables are 30 bytes, 11 are 33.
        assert!(SubscriberAccount::parse(&"가".repeat(10)).is_ok());
        assert_eq!(
            SubscriberAccount::parse(&"가".repeat(11)),
            Err(ValidationError::TooLong { field: Field::SubscriberAccount, max: 32, actual: 33 })
        );
        assert_eq!(SubscriberAccount::parse(""), Err(ValidationError::Required { field: Field::SubscriberAccount }));
        assert_eq!(
            SubscriberAccount::parse("a\u{0}b"),
            Err(ValidationError::ControlCharacter { field: Field::SubscriberAccount })
        );
        assert_eq!(
            SubscriberAccount::parse("line\nbreak"),
            Err(ValidationError::ControlCharacter { field: Field::SubscriberAccount })
        );
    }

    #[test]
    fn msg_flags_by_their_vendor_names() {
        for flag in MsgFlag::ALL {
            assert_eq!(MsgFlag::from_code(flag.as_str()), Some(flag));
        }
        assert_eq!(MsgFlag::from_code("acceptandnotify"), None);
        assert_eq!(MsgFlag::default(), MsgFlag::AcceptAndNotify);
    }
}
