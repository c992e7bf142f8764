//! How stored times are shown: UTC, so that server rendering and hydration agree.

pub use crate::domain::dates::{format_iso as iso, format_timestamp as timestamp};
