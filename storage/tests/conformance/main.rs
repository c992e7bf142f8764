//! The storage conformance suite: every test body runs against the storage API itself (no
//! HTTP) on SQLite and on PostgreSQL, and both must give the same answers.
//!
//! `cargo test -p storage` runs the SQLite half with nothing installed. The PostgreSQL half
//! runs when `DATABASE_URL_PG` names a server (`scripts/services` starts one and
//! `scripts/test` sets it); without it those tests say so and pass, except under CI
//! (`CI` set), where a test that cannot run fails.

// Test code: a panic is a failed assertion (the bodies are helpers, not #[test] functions).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod channels;
mod common;
mod events;
mod operators;
mod posts;
mod sessions;
mod subscribers;
