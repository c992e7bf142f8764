//! Channel Console: the Leptos application, shared by the server (SSR) and the browser
//! (hydration). Domain types and validation live in `domain` and compile for both.

#![recursion_limit = "256"]

pub mod api;
pub mod domain;
pub mod error;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod backend;

pub use ui::{shell, App};
