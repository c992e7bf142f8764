//! The error every server function returns. It keeps "the operator can fix this" apart from
//! "something broke on our side": the first is shown as is (4xx), the second is logged on
//! the server with its context and shown as a generic message (5xx).

use crate::api::json::BrowserJson;
use crate::domain::ValidationError;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::Serialize;

mod wire;

/// Read back by hand (`wire.rs`), in the same form the derived `Serialize` writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
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
    #[error(
        "Too many failed attempts from this address or for this operator. Try again in {retry_after_secs} seconds."
    )]
    TooManyAttempts { retry_after_secs: u64 },
    /// The request conflicts with what is stored (a name already taken, the last operator).
    #[error("{0}")]
    Conflict(String),
    /// The browser could not reach the server, or could not read its answer.
    #[error("Could not reach the server. Check the connection and try again. ({0})")]
    Network(String),
    /// The server is too busy for this request right now (it was refused at once).
    #[error("The server is busy; nothing was changed. Try again in {retry_after_secs} seconds.")]
    Busy { retry_after_secs: u64 },
    /// The media store is full or cannot be written (a disk, a quota): an administrator's
    /// matter, said plainly rather than as an unexplained failure.
    #[error("The server has no room to store this image right now; nothing was stored. Try again later, or tell the administrator.")]
    NoRoom,
    #[error("Something went wrong on the server; nothing was changed. Please try again.")]
    Unexpected,
}

impl AppError {
    /// The app's backend refused the change through its before-callback (or dropped it).
    #[cfg(feature = "ssr")]
    pub fn refused_by_app(info: &str) -> Self {
        let t = crate::i18n::t();
        if info.is_empty() {
            AppError::Conflict(t.e_refused_by_app.to_owned())
        } else {
            AppError::Conflict(format!("{} ({info})", t.e_refused_by_app))
        }
    }

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
            AppError::Busy { .. } => 503,
            AppError::NoRoom => 507,
            AppError::Unexpected => 500,
        }
    }

    /// Worded in the language of the page or request at hand (English for the REST API).
    pub fn post_not_found() -> Self {
        AppError::NotFound(crate::i18n::t().e_post_not_found.into())
    }

    pub fn channel_not_found() -> Self {
        AppError::NotFound(crate::i18n::t().e_channel_not_found.into())
    }
}

impl FromServerFnError for AppError {
    type Encoder = BrowserJson;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::MissingArg(msg) => AppError::BadRequest(msg),
            // What tower-http's body limit says when a server function's body is too large.
            ServerFnErrorErr::Request(msg) | ServerFnErrorErr::Deserialization(msg)
                if msg.contains("length limit exceeded") =>
            {
                AppError::TooLarge
            }
            ServerFnErrorErr::Request(msg) | ServerFnErrorErr::Deserialization(msg) => AppError::Network(msg),
            _ => AppError::Unexpected,
        }
    }
}

#[cfg(feature = "ssr")]
pub use from_storage::log_fault;

#[cfg(feature = "ssr")]
mod from_storage {
    //! How the console says storage's errors. Faults on our side are logged here, once,
    //! with their cause; the operator is told only that nothing was changed. Messages are
    //! in the request's language: a server function's (its cookie or Accept-Language), or
    //! English where no Leptos request is around (the REST API).

    use super::AppError;
    use crate::domain::{Field, ValidationError};
    use storage::{AuthError, Conflict, MediaUse, Missing, StoreError, UploadError};

    /// Logs a fault once, with its chain of causes, where it is answered.
    pub fn log_fault(error: &dyn std::error::Error) {
        let mut causes = Vec::new();
        let mut source = error.source();
        while let Some(cause) = source {
            causes.push(cause.to_string());
            source = cause.source();
        }
        tracing::error!(%error, causes = ?causes, "request failed on the server");
    }

    fn fault(error: &dyn std::error::Error) -> AppError {
        log_fault(error);
        AppError::Unexpected
    }

    impl From<StoreError> for AppError {
        fn from(err: StoreError) -> Self {
            let t = crate::i18n::t();
            let fill = crate::i18n::fill;
            match err {
                StoreError::NotFound(Missing::Channel) => AppError::channel_not_found(),
                StoreError::NotFound(Missing::Post) => AppError::post_not_found(),
                StoreError::NotFound(Missing::Operator) => AppError::NotFound(t.e_operator_not_found.into()),
                StoreError::NotFound(Missing::ApiAdmin(identifier)) => {
                    AppError::NotFound(fill(t.e_not_admin, &[("identifier", &identifier)]))
                }
                StoreError::NotFound(Missing::Subscriber(account)) => {
                    AppError::NotFound(fill(t.e_not_subscriber, &[("account", &account)]))
                }
                StoreError::Conflict(Conflict::AccountIdTaken(id)) => {
                    AppError::Conflict(fill(t.e_account_taken, &[("id", &id)]))
                }
                StoreError::Conflict(Conflict::OperatorNameTaken(name)) => {
                    AppError::Conflict(fill(t.e_operator_taken, &[("name", &name)]))
                }
                StoreError::Conflict(Conflict::AlreadyApiAdmin(identifier)) => {
                    AppError::Conflict(fill(t.e_admin_taken, &[("identifier", &identifier)]))
                }
                StoreError::Conflict(Conflict::LastOperator) => AppError::Conflict(t.e_last_operator.into()),
                StoreError::UnknownMedia { used_as, .. } => {
                    let field = match used_as {
                        MediaUse::ChannelPhoto => Field::ProfilePhoto,
                        MediaUse::PostImage => Field::PostImages,
                    };
                    ValidationError::UnknownMedia { field }.into()
                }
                busy if busy.is_busy() => {
                    tracing::warn!(error = %busy, "the database was busy; the request was refused with 503");
                    AppError::Busy { retry_after_secs: 1 }
                }
                fault_ @ (StoreError::Database(_) | StoreError::Io(_) | StoreError::Corrupt(_)) => fault(&fault_),
            }
        }
    }

    impl From<AuthError> for AppError {
        fn from(err: AuthError) -> Self {
            match err {
                AuthError::WrongCredentials => AppError::WrongCredentials,
                AuthError::Throttled { retry_after_secs } => AppError::TooManyAttempts { retry_after_secs },
                AuthError::Store(err) => err.into(),
                AuthError::Busy => AppError::Busy { retry_after_secs: 1 },
                err @ AuthError::Hashing(_) => fault(&err),
            }
        }
    }

    impl AppError {
        /// An upload's error, naming the form field the image was for.
        pub fn from_upload(err: UploadError, field: Field) -> Self {
            match err {
                UploadError::Empty => ValidationError::Required { field }.into(),
                UploadError::TooLarge { max_bytes } => {
                    ValidationError::FileTooLarge { field, max_mb: max_bytes.div_ceil(1024 * 1024) }.into()
                }
                UploadError::NotAnImage => ValidationError::NotAnImage { field }.into(),
                UploadError::Interrupted(why) => {
                    AppError::BadRequest(format!("{}: {why}", crate::i18n::t().e_upload_interrupted))
                }
                UploadError::NoRoom(cause) => {
                    tracing::error!(error = %cause, "an upload could not be stored: the media store is full or read-only");
                    AppError::NoRoom
                }
                UploadError::Store(err) => err.into(),
            }
        }
    }
}
