//! Webhooks: the vendor's callbacks an app backend can switch on, and the settings an
//! operator gives on the Webhooks page (checked as they type and again on the server).

use crate::bytes;
use crate::error::{Field, ValidationError};
use crate::post::LinkUrl;
use serde::{Deserialize, Serialize};

/// One of the vendor's official-channel callbacks (`CallbackCommand`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Callback {
    BeforeCreateOfficialAccount,
    AfterCreateOfficialAccount,
    AfterOfficialAccountInfoChanged,
    AfterOfficialAccountDestroyed,
    BeforeAddSubscriber,
    AfterAddSubscriber,
    AfterOfficialAccountFull,
    AfterDeleteSubscriber,
    BeforeSendMsg,
    AfterSendMsg,
    AfterMsgWithDraw,
}

impl Callback {
    pub const ALL: [Callback; 11] = [
        Callback::BeforeCreateOfficialAccount,
        Callback::AfterCreateOfficialAccount,
        Callback::AfterOfficialAccountInfoChanged,
        Callback::AfterOfficialAccountDestroyed,
        Callback::BeforeAddSubscriber,
        Callback::AfterAddSubscriber,
        Callback::AfterOfficialAccountFull,
        Callback::AfterDeleteSubscriber,
        Callback::BeforeSendMsg,
        Callback::AfterSendMsg,
        Callback::AfterMsgWithDraw,
    ];

    /// The vendor's `CallbackCommand`.
    pub fn command(self) -> &'static str {
        match self {
            Callback::BeforeCreateOfficialAccount => "OfficialAccount.CallbackBeforeCreateOfficialAccount",
            Callback::AfterCreateOfficialAccount => "OfficialAccount.CallbackAfterCreateOfficialAccount",
            Callback::AfterOfficialAccountInfoChanged => "OfficialAccount.CallbackAfterOfficialAccountInfoChanged",
            Callback::AfterOfficialAccountDestroyed => "OfficialAccount.CallbackAfterOfficialAccountDestroyed",
            Callback::BeforeAddSubscriber => "OfficialAccount.CallbackBeforeAddSubscriber",
            Callback::AfterAddSubscriber => "OfficialAccount.CallbackAfterAddSubscriber",
            Callback::AfterOfficialAccountFull => "OfficialAccount.CallbackAfterOfficialAccountFull",
            Callback::AfterDeleteSubscriber => "OfficialAccount.CallbackAfterDeleteSubscriber",
            Callback::BeforeSendMsg => "OfficialAccount.CallbackBeforeSendMsg",
            Callback::AfterSendMsg => "OfficialAccount.CallbackAfterSendMsg",
            Callback::AfterMsgWithDraw => "OfficialAccount.CallbackAfterMsgWithDraw",
        }
    }

    pub fn from_command(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.command() == raw)
    }

    /// Its bit in the stored set of callbacks switched on (the order of [`Callback::ALL`],
    /// which must therefore only ever grow at the end).
    pub fn bit(self) -> i64 {
        1 << Self::ALL.iter().position(|c| *c == self).unwrap_or(0)
    }

    /// Called before the change, which waits for the answer (never retried).
    pub fn is_before(self) -> bool {
        matches!(self, Callback::BeforeCreateOfficialAccount | Callback::BeforeAddSubscriber | Callback::BeforeSendMsg)
    }

    /// The callbacks a bit set holds.
    pub fn from_bits(bits: i64) -> Vec<Callback> {
        Self::ALL.into_iter().filter(|c| bits & c.bit() != 0).collect()
    }

    pub fn to_bits(callbacks: &[Callback]) -> i64 {
        callbacks.iter().fold(0, |bits, c| bits | c.bit())
    }
}

/// The `CallbackCommand` of the event "Send test event" delivers (not one of the vendor's).
pub const TEST_COMMAND: &str = "OfficialAccount.CallbackTest";

/// Where events go: an http or https address (as links are checked), at most 1,024 bytes.
/// Whether its host is a public address is checked by the server, which resolves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    pub const MAX_BYTES: usize = 1024;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let url = LinkUrl::parse_field(Field::WebhookUrl, Self::MAX_BYTES, raw)?;
        Ok(Self(url.as_ref().to_owned()))
    }
}

impl AsRef<str> for WebhookUrl {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The vendor's authentication token (`Sign` = SHA-256 of token + RequestTime): empty (no
/// `Sign`), or 1 to 64 printable ASCII characters without spaces.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WebhookToken(String);

impl WebhookToken {
    pub const MAX_BYTES: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let field = Field::WebhookToken;
        bytes::check_max(field, raw, Self::MAX_BYTES)?;
        if !raw.chars().all(|c| c.is_ascii_graphic()) {
            return Err(ValidationError::InvalidCharacters {
                field,
                allowed: "letters, digits and punctuation (ASCII, no spaces)".to_owned(),
            });
        }
        Ok(Self(raw.to_owned()))
    }
}

impl AsRef<str> for WebhookToken {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// What to do when a "before" callback cannot be reached (timeout, connection refused, not
/// 200, not JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum WhenUnreachable {
    /// Carry on as if the app allowed it (the vendor's default).
    #[default]
    Allow,
    Refuse,
}

/// The Webhooks page's form, as typed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WebhookForm {
    pub url: String,
    pub token: String,
    pub callbacks: Vec<Callback>,
    pub when_unreachable: WhenUnreachable,
}

/// The form checked: an empty URL switches webhooks off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidWebhook {
    pub url: Option<WebhookUrl>,
    pub token: WebhookToken,
    pub callbacks: i64,
    pub when_unreachable: WhenUnreachable,
}

impl WebhookForm {
    pub fn validate(&self) -> Result<ValidWebhook, ValidationError> {
        let url = if self.url.trim().is_empty() { None } else { Some(WebhookUrl::parse(&self.url)?) };
        Ok(ValidWebhook {
            url,
            token: WebhookToken::parse(self.token.trim())?,
            callbacks: Callback::to_bits(&self.callbacks),
            when_unreachable: self.when_unreachable,
        })
    }
}

/// The settings as the Webhooks page shows them (the signing secret only as a hint).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WebhookSettings {
    pub url: String,
    pub token: String,
    pub callbacks: Vec<Callback>,
    pub when_unreachable: WhenUnreachable,
    /// The last 4 characters of the signing secret; empty before one is made.
    pub secret_hint: String,
}

/// What became of an event's delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeliveryState {
    Pending,
    Delivered,
    /// Retried until the retry window closed; can still be redelivered.
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    pub fn from_code(raw: &str) -> Option<Self> {
        [DeliveryState::Pending, DeliveryState::Delivered, DeliveryState::Failed]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }
}

/// One event's delivery, as the deliveries log shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: i64,
    pub command: String,
    pub channel: String,
    /// Unix milliseconds.
    pub created_at: i64,
    pub state: DeliveryState,
    pub attempts: i64,
    pub last_status: Option<i64>,
    /// Empty when the last attempt succeeded (or none was made yet).
    pub last_error: String,
    pub last_latency_ms: Option<i64>,
    /// Unix milliseconds, while pending.
    pub next_attempt_at: Option<i64>,
}

impl Delivery {
    /// The last attempt failed (whether it is still retried or has been given up).
    pub fn failing(&self) -> bool {
        self.state == DeliveryState::Failed || (self.state == DeliveryState::Pending && !self.last_error.is_empty())
    }
}

/// A page of the deliveries log, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeliveryPage {
    pub deliveries: Vec<Delivery>,
    pub next: Option<i64>,
}

impl DeliveryPage {
    pub const SIZE: usize = 50;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callbacks_round_trip_and_bits() {
        for c in Callback::ALL {
            assert_eq!(Callback::from_command(c.command()), Some(c));
        }
        let some = [Callback::AfterSendMsg, Callback::BeforeCreateOfficialAccount];
        let bits = Callback::to_bits(&some);
        assert_eq!(Callback::from_bits(bits), vec![Callback::BeforeCreateOfficialAccount, Callback::AfterSendMsg]);
        assert_eq!(Callback::ALL.iter().filter(|c| c.is_before()).count(), 3);
    }

    #[test]
    fn forms() {
        let form = WebhookForm { url: " https://hooks.example.com/im ".into(), ..Default::default() };
        assert_eq!(
            form.validate().map(|v| v.url.map(|u| u.as_ref().to_owned())),
            Ok(Some("https://hooks.example.com/im".into()))
        );
        let off = WebhookForm::default().validate();
        assert_eq!(off.map(|v| v.url), Ok(None));
        let ftp = WebhookForm { url: "ftp://x".into(), ..Default::default() };
        assert_eq!(ftp.validate(), Err(ValidationError::UnsupportedScheme { field: Field::WebhookUrl }));
        let long = WebhookForm { url: format!("https://x.example/{}", "a".repeat(1024)), ..Default::default() };
        assert!(matches!(long.validate(), Err(ValidationError::TooLong { field: Field::WebhookUrl, max: 1024, .. })));
        let spaced = WebhookForm { token: "a b".into(), ..Default::default() };
        assert!(matches!(
            spaced.validate(),
            Err(ValidationError::InvalidCharacters { field: Field::WebhookToken, .. })
        ));
        let token = WebhookForm { token: "x".repeat(65), ..Default::default() };
        assert!(matches!(token.validate(), Err(ValidationError::TooLong { field: Field::WebhookToken, max: 64, .. })));
    }
}
