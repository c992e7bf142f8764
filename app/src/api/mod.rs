//! Server functions, one file per domain. The browser calls them over HTTP; on the server
//! they validate again with the same domain types the forms use.

pub mod auth;
pub mod channels;
// The browser's JSON reader; compiled natively for its tests.
#[cfg(any(target_arch = "wasm32", test))]
mod js_reader;
pub mod json;
pub mod operators;
pub mod posts;
pub mod settings;
pub mod subscribers;
pub mod webhooks;
