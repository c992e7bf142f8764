//! The server's integration tests, one binary (the server links once): a real router over
//! a real SQLite file (from `#[sqlx::test]`) and temporary media files, driven with HTTP
//! requests exactly as the browser, a script or an operator's shell sends them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod auth;
mod channels;
mod common;
mod media;
mod operator_command;
mod posts;
mod rest;
mod security;
