//! The Channel Console server: configuration, the router (Leptos pages and server
//! functions, media upload and download) and start-up.

pub mod config;
pub mod auth;
pub mod media;
pub mod operator_command;
pub mod rest;
pub mod usersig_command;
pub mod router;

pub use app::backend::{AppState, Config};

/// Connects the database (applying migrations), opens the media store and returns the
/// state every handler shares.
pub async fn build_state(
    config: &Config,
    leptos_options: leptos::config::LeptosOptions,
) -> Result<AppState, Box<dyn std::error::Error>> {
    tokio::fs::create_dir_all(&config.data_dir).await?;
    let pool = app::backend::db::connect(&config.database_url).await?;
    app::backend::db::spawn_checkpointer(pool.clone());
    let media = app::backend::media::MediaStore::open(&config.data_dir, config.max_upload_bytes).await?;
    let auth = app::backend::auth::Auth::new(config.session_idle)?;
    Ok(AppState { leptos_options, pool, media, auth })
}
