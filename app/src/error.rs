//! The error every server function returns. It keeps "the operator can fix this" apart from
//! "something broke on our side": the first is shown as is (4xx), the second is logged on
//! the server with its context and shown as a generic message (5xx).

use crate::domain::ValidationError;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Invalid(#[from] ValidationError),
    #[error("{0}")]
    NotFound(String),
    /// The request itself was malformed (missing or unparsable arguments).
    #[error("The request was not understood: {0}")]
    BadRequest(String),
    #[error("The request is too large for this server.")]
    TooLarge,
    #[error("{0}")]
    Forbidden(String),
    /// No operator is signed in (or the session ended): the browser goes to the sign-in page.
    #[error("Your session has ended. Sign in again to continue.")]
    Unauthorized,
    /// Sign-in failed. One message for a wrong name and a wrong password, so that the
    /// answer does not tell which operator names exist.
    #[error("The operator name or the password is wrong.")]
    WrongCredentials,
    #[error("Too many failed sign-ins from this address. Try again in {retry_after_secs} seconds.")]
    TooManyAttempts { retry_after_secs: u64 },
    /// The request conflicts with what is stored (a name already taken, the last operator).
    #[error("{0}")]
    Conflict(String),
    /// The browser could not reach the server, or could not read its answer.
    #[error("Could not reach the server. Check the connection and try again. ({0})")]
    Network(String),
    #[error("Something went wrong on the server; nothing was changed. Please try again.")]
    Unexpected,
}

impl AppError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Invalid(ValidationError::FileTooLarge { .. }) => 413,
            AppError::Invalid(_) => 422,
            AppError::NotFound(_) => 404,
            AppError::TooLarge => 413,
            AppError::Forbidden(_) => 403,
            AppError::Unauthorized | AppError::WrongCredentials => 401,
            AppError::TooManyAttempts { .. } => 429,
            AppError::Conflict(_) => 409,
            // On the server this means the request body could not be read: the client's.
            AppError::BadRequest(_) | AppError::Network(_) => 400,
            AppError::Unexpected => 500,
        }
    }

    pub fn post_not_found() -> Self {
        AppError::NotFound("This post does not exist or was recalled.".into())
    }

    pub fn channel_not_found() -> Self {
        AppError::NotFound("This channel no longer exists; it may have been deleted.".into())
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::MissingArg(msg) => {
                AppError::BadRequest(msg)
            }
            // What tower-http's body limit says when a server function's body is too large.
            ServerFnErrorErr::Request(msg) | ServerFnErrorErr::Deserialization(msg)
                if msg.contains("length limit exceeded") =>
            {
                AppError::TooLarge
            }
            ServerFnErrorErr::Request(msg) | ServerFnErrorErr::Deserialization(msg) => {
                AppError::Network(msg)
            }
            _ => AppError::Unexpected,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        tracing::error!(error = %err, "database error");
        AppError::Unexpected
    }
}

#[cfg(feature = "ssr")]
impl From<std::io::Error> for AppError {
    fn from(err: std::io::Error) -> Self {
        tracing::error!(error = %err, "i/o error");
        AppError::Unexpected
    }
}
