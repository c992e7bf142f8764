//! Server-only code: state, storage and media files. Compiled with the `ssr` feature only.

pub mod audit;
pub mod auth;
pub mod channels;
pub mod db;
pub mod media;
pub mod posts;
pub mod state;

pub use state::{AppState, Config};
