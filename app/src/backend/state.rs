use super::auth::Auth;
use super::media::MediaStore;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::SqlitePool;
use std::path::PathBuf;

/// Runtime configuration (see the README for the variables and flags that set it).
#[derive(Clone)]
pub struct Config {
    pub addr: std::net::SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub max_upload_bytes: u64,
    /// Sessions unused for this long end.
    pub session_idle: std::time::Duration,
    /// The first operator's password (`CONSOLE_ADMIN_PASSWORD`); generated when unset.
    pub admin_password: Option<String>,
}

// By hand, so that the admin password never reaches a log.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("data_dir", &self.data_dir)
            .field("database_url", &self.database_url)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("session_idle", &self.session_idle)
            .field("admin_password", &self.admin_password.as_ref().map(|_| "(set)"))
            .finish()
    }
}

impl Config {
    pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 50 * 1024 * 1024;
}

/// Everything a request handler or server function needs; cloned cheaply per request.
/// Leptos provides the router state as context to server functions, which reach it
/// through [`AppState::from_context`].
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: SqlitePool,
    pub media: MediaStore,
    pub auth: Auth,
}

impl AppState {
    pub fn from_context() -> Result<Self, crate::error::AppError> {
        leptos::prelude::use_context::<AppState>().ok_or_else(|| {
            tracing::error!("AppState missing from the server function context");
            crate::error::AppError::Unexpected
        })
    }
}
