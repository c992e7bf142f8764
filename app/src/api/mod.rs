//! Server functions, one file per domain. The browser calls them over HTTP; on the server
//! they validate again with the same domain types the forms use.

pub mod auth;
pub mod channels;
pub mod operators;
pub mod posts;
pub mod settings;
