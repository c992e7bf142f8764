use super::media::MediaStore;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::SqlitePool;
use std::path::PathBuf;

/// Runtime configuration (see the README for the variables and flags that set it).
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: std::net::SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub max_upload_bytes: u64,
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
}

impl AppState {
    pub fn from_context() -> Result<Self, crate::error::AppError> {
        leptos::prelude::use_context::<AppState>().ok_or_else(|| {
            tracing::error!("AppState missing from the server function context");
            crate::error::AppError::Unexpected
        })
    }
}
