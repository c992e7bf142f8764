//! The vendor's error codes, and how the console's errors become them. Every refusal names
//! the vendor's field and, where there is one, the limit.

use app::domain::{Field, ValidationError};
use app::error::AppError;
use storage::{Conflict, Missing, StoreError};

pub const INVALID_PARAMETER: i64 = 6017;
pub const INTERNAL: i64 = 10004;
pub const INVALID_PACKET: i64 = 20001;
/// The app's before-callback refused a create or a subscription (the vendor's 20006).
pub const REFUSED_BY_APP: i64 = 20006;
/// The app's before-callback refused a message (the vendor's 10016).
pub const SEND_REFUSED: i64 = 10016;
pub const NO_PERMISSION: i64 = 130002;
pub const NO_SUCH_ACCOUNT: i64 = 130004;
pub const INVALID_ACCOUNT_ID: i64 = 130007;
pub const ACCOUNT_ID_TAKEN: i64 = 130008;
pub const NOT_ENABLED: i64 = 131000;
/// The subscribers' API: no valid UserSig (missing, expired, forged, or another
/// application's or user's); which of them is not said.
pub const NOT_SIGNED_IN: i64 = 70003;
/// The subscribers' API: the caller does not subscribe to the channel.
pub const NOT_SUBSCRIBED: i64 = 130010;
/// The subscribers' API: the channel has `MaxSubscriberNum` subscribers.
pub const FULL: i64 = 130011;

/// A refused call: the vendor's error code and what to tell the caller.
#[derive(Debug)]
pub struct Fail {
    pub code: i64,
    pub info: String,
}

pub fn fail(code: i64, info: impl Into<String>) -> Fail {
    Fail { code, info: info.into() }
}

impl Fail {
    /// The vendor's envelope of a refused call.
    pub fn envelope(&self) -> serde_json::Value {
        serde_json::json!({ "ActionStatus": "FAIL", "ErrorCode": self.code, "ErrorInfo": self.info })
    }
}

/// What a call is told when the server is past capacity (HTTP 503 with `Retry-After`).
pub fn busy() -> Fail {
    fail(INTERNAL, "the server is busy; nothing was changed, try again after Retry-After seconds")
}

pub fn invalid(info: impl std::fmt::Display) -> Fail {
    fail(INVALID_PARAMETER, format!("invalid parameter: {info}"))
}

pub fn packet(info: impl std::fmt::Display) -> Fail {
    fail(INVALID_PACKET, format!("invalid request packet: {info}"))
}

/// A fault on our side: logged here, once, with its cause; the caller learns only that
/// nothing was changed.
pub fn internal(error: &dyn std::error::Error) -> Fail {
    app::error::log_fault(error);
    fail(INTERNAL, "internal error; nothing was changed, try again")
}

/// The vendor's field name for each of our fields, so that messages name what the caller
/// sent.
fn vendor_field(field: Field) -> &'static str {
    match field {
        Field::ChannelName => "Name",
        Field::ChannelProfile => "Introduction",
        Field::PostText => "MsgBody (TIMTextElem Text)",
        Field::PostImages => "MsgBody (TIMImageElem)",
        Field::AccountId => "Official_Account",
        Field::OwnerAccount => "Owner_Account",
        Field::FaceUrl => "FaceUrl",
        Field::Organization => "Organization",
        Field::CustomString => "CustomString",
        Field::SubscriberAccount => "Subscriber_Account",
        _ => "",
    }
}

/// A broken rule of the shared domain, naming the vendor's field.
pub fn from_validation(err: ValidationError) -> Fail {
    if let ValidationError::NotCarried { .. } = err {
        return invalid("MsgBody");
    }
    let name = vendor_field(err.field());
    let message = err.to_string();
    if name.is_empty() || message.starts_with(name) {
        invalid(message)
    } else {
        invalid(format!("{name}: {message}"))
    }
}

pub fn from_store(err: StoreError) -> Fail {
    match err {
        StoreError::NotFound(Missing::Channel) => {
            fail(NO_SUCH_ACCOUNT, "the official account does not exist or was destroyed")
        }
        StoreError::Conflict(Conflict::AccountIdTaken(id)) => {
            fail(ACCOUNT_ID_TAKEN, format!("Official_Account {id} is already in use."))
        }
        // The rest are the console's own words for the client's mistakes.
        err @ (StoreError::NotFound(_) | StoreError::Conflict(_) | StoreError::UnknownMedia { .. }) => {
            from_app(AppError::from(err))
        }
        fault @ (StoreError::Database(_) | StoreError::Io(_) | StoreError::Corrupt(_)) => internal(&fault),
    }
}

/// A console error (from an upload) in the vendor's codes.
pub fn from_app(err: AppError) -> Fail {
    match err {
        AppError::Invalid(v) => from_validation(v),
        AppError::NotFound(message) => fail(NO_SUCH_ACCOUNT, message),
        AppError::Conflict(message) => fail(ACCOUNT_ID_TAKEN, message),
        AppError::TooLarge => packet("too large"),
        other @ (AppError::BadRequest(_) | AppError::Network(_)) => fail(INVALID_PACKET, other.to_string()),
        // A fault, logged with its cause where the AppError was made.
        _ => fail(INTERNAL, "internal error; nothing was changed, try again"),
    }
}
