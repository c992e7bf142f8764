//! Channel Console: the Leptos application, shared by the server (SSR) and the browser
//! (hydration). Validated values come from the `domain` crate (compiled for both); the
//! server functions reach storage (the `storage` crate) only with the `ssr` feature.

#![recursion_limit = "256"]

pub use ::domain;

pub mod api;
pub mod error;
pub mod i18n;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod context;
#[cfg(feature = "ssr")]
pub mod cookies;

pub use ui::{shell, App};
