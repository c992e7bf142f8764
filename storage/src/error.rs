//! What can go wrong in storage, as types: each front end (the console's server functions,
//! the REST API, the command line) decides how to say it, and logs the faults that are ours
//! once, with their cause, where it answers.

use domain::MediaId;

/// What a missing row was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    Channel,
    Post,
    Operator,
    /// This identifier is not an administrator of the REST API.
    ApiAdmin(String),
    /// This user is not a subscriber of the channel.
    Subscriber(String),
}

/// What a change collided with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// Another channel has this REST account id.
    AccountIdTaken(String),
    /// Another operator has this name (names compare without regard to ASCII case).
    OperatorNameTaken(String),
    /// The identifier is an administrator already.
    AlreadyApiAdmin(String),
    /// Nobody could sign in any more.
    LastOperator,
}

/// Where an image was to be used, so that a missing one can be named as the caller sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaUse {
    ChannelPhoto,
    PostImage,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found: {0:?}")]
    NotFound(Missing),
    #[error("conflict: {0:?}")]
    Conflict(Conflict),
    /// An image id that was never uploaded (or whose upload was removed).
    #[error("unknown media {id} (as {used_as:?})")]
    UnknownMedia { id: MediaId, used_as: MediaUse },
    /// The database failed or refused: ours, not the caller's.
    #[error("database error")]
    Database(#[source] sqlx::Error),
    /// A media file could not be read or written.
    #[error("media file error")]
    Io(#[source] std::io::Error),
    /// Stored data that this version cannot read (a row written by a newer version, or
    /// damaged): ours.
    #[error("stored data cannot be read: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// A fault on our side (to be logged), as opposed to a consequence of the request.
    pub fn is_fault(&self) -> bool {
        matches!(self, StoreError::Database(_) | StoreError::Io(_) | StoreError::Corrupt(_))
    }

    /// The database could not be had in time (every connection busy, SQLite's write lock
    /// held past the busy timeout, a PostgreSQL lock or connection limit): nothing was
    /// changed, and the same request is likely to succeed in a moment.
    pub fn is_busy(&self) -> bool {
        let StoreError::Database(err) = self else { return false };
        match err {
            sqlx::Error::PoolTimedOut => true,
            sqlx::Error::Database(db) => {
                // SQLITE_BUSY and its extended codes; PostgreSQL: lock not available,
                // too many connections, cannot connect now.
                let code = db.code();
                let code = code.as_deref().unwrap_or_default();
                code == "5"
                    || code.parse::<i64>().is_ok_and(|c| c & 0xff == 5)
                    || matches!(code, "55P03" | "53300" | "57P03")
            }
            _ => false,
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        StoreError::Database(err)
    }
}

impl From<std::io::Error> for StoreError {
    fn from(err: std::io::Error) -> Self {
        StoreError::Io(err)
    }
}

/// Why an upload was not stored.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("the upload is empty")]
    Empty,
    #[error("the upload is larger than {max_bytes} bytes")]
    TooLarge { max_bytes: u64 },
    #[error("the upload is not an image a browser can show")]
    NotAnImage,
    /// The client stopped sending (or the connection broke) before the end.
    #[error("the upload was interrupted: {0}")]
    Interrupted(String),
    /// The media store refused the bytes: a full disk, a quota, a read-only file system.
    #[error("no room to store the upload: {0}")]
    NoRoom(std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<std::io::Error> for UploadError {
    fn from(err: std::io::Error) -> Self {
        use std::io::ErrorKind::{QuotaExceeded, ReadOnlyFilesystem, StorageFull};
        match err.kind() {
            StorageFull | QuotaExceeded | ReadOnlyFilesystem => UploadError::NoRoom(err),
            _ => UploadError::Store(StoreError::Io(err)),
        }
    }
}

/// Why a sign-in or a password check was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// One answer for a wrong name and a wrong password.
    #[error("wrong operator name or password")]
    WrongCredentials,
    #[error("too many failed attempts; retry in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    #[error("password hashing failed: {0}")]
    Hashing(String),
    /// Too many passwords are being checked at once: try again in a moment.
    #[error("too many password checks at once")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for AuthError {
    fn from(err: sqlx::Error) -> Self {
        AuthError::Store(StoreError::Database(err))
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
