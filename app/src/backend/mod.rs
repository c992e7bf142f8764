//! Server-only code: state, storage and media files. Compiled with the `ssr` feature only.

pub mod api_settings;
pub mod audit;
pub mod auth;
pub mod channels;
pub mod db;
pub mod media;
pub mod posts;
pub mod random;
pub mod state;
pub mod usersig;

pub use state::{AppState, Config};
