//! The server's integration tests, one binary (the server links once): a real router over
//! a real database and real media files, on SQLite with local files and on PostgreSQL with
//! an S3-compatible bucket (see `common::test_db`), driven with HTTP requests exactly as the
//! browser, a script or an operator's shell sends them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod auth;
mod backup;
mod channels;
mod cli;
mod common;
mod concurrency;
mod crash;
mod delivery;
mod disk;
mod language;
mod limits;
mod malformed;
mod media;
mod media_access;
mod operations;
mod operator_command;
mod posts;
mod rest;
mod search_both;
mod security;
mod subscriber_api;
mod two_servers;
mod webhook_delivery;
