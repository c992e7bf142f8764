//! The Channel Console server: configuration, the router (Leptos pages and server
//! functions, media upload and download, the REST API) and start-up.

pub mod assets;
pub mod auth;
pub mod backup_command;
pub mod body_deadline;
pub mod chunk_dictionary;
pub mod config;
pub mod forwarded;
pub mod health;
pub mod language;
pub mod media;
pub mod metrics;
pub mod operator_command;
pub mod request_log;
pub mod rest;
pub mod router;
pub mod serve;
pub mod shed;
pub mod subscriber;
pub mod usersig_command;

pub use app::context::AppState;
pub use config::Config;

use storage::auth::{Auth, SessionLimits};
use storage::media::MediaStore;
use storage::{Engine, Storage};

/// Opens the database (applying migrations) and the media files.
pub async fn open_storage(config: &Config) -> Result<(Storage, Engine), Box<dyn std::error::Error>> {
    let existed = tokio::fs::try_exists(&config.data_dir).await.unwrap_or(false);
    tokio::fs::create_dir_all(&config.data_dir).await?;
    if !existed {
        // A data directory the server makes is its user's alone: the database, images and
        // temporary uploads are in it. (One an administrator made keeps its permissions.)
        use std::os::unix::fs::PermissionsExt;
        tokio::fs::set_permissions(&config.data_dir, std::fs::Permissions::from_mode(0o700)).await?;
    }
    let engine = Engine::connect_with(&config.database_url, config.durability)
        .await
        .map_err(|e| format!("could not open the database {}: {e}", config.redacted_database_url()))?;
    let media = MediaStore::open(&config.media_url, &config.data_dir, config.max_upload_bytes)
        .await
        .map_err(|e| format!("could not open the media store {}: {e}", config.media_url))?;
    Ok((Storage::new(engine.database(), media), engine))
}

/// What the webhooks of this server are told by its configuration.
pub fn webhook_options(config: &Config) -> webhooks::Options {
    webhooks::Options {
        allow_private: config.webhook_allow_private,
        retry_for: config.webhook_retry_for,
        base: config.public_origin.clone().unwrap_or_else(|| format!("http://{}", config.addr)),
    }
}

/// The state every handler shares, over an open storage.
pub fn app_state(
    storage: Storage,
    sessions: SessionLimits,
    hooks: webhooks::Options,
    leptos_options: leptos::config::LeptosOptions,
) -> Result<AppState, Box<dyn std::error::Error>> {
    let clock = std::sync::Arc::new(storage::clock::SystemClock);
    app_state_with_clock(storage, sessions, clock, hooks, leptos_options)
}

/// The same over a clock of the caller's: sessions' idleness and lifetime and the sign-in
/// throttle are measured on it (tests move a `ManualClock` instead of sleeping).
pub fn app_state_with_clock(
    storage: Storage,
    sessions: SessionLimits,
    clock: std::sync::Arc<dyn storage::clock::Clock>,
    hooks: webhooks::Options,
    leptos_options: leptos::config::LeptosOptions,
) -> Result<AppState, Box<dyn std::error::Error>> {
    let auth = Auth::with_limits(storage.db.clone(), sessions, clock.clone())?;
    let webhooks = webhooks::Webhooks::new(storage.db.clone(), clock, hooks)?;
    Ok(AppState { leptos_options, storage, auth, webhooks })
}
