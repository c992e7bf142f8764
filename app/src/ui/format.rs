//! How stored times are shown: UTC, so that server rendering and hydration agree; the words
//! and the order of the date's parts are the operator's language's.

pub use crate::domain::dates::format_iso as iso;
pub use crate::i18n::timestamp;
