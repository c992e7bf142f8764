//! The post list: its filter (search, channel, type, dates, cursor) and its pages.

use super::{Post, PostType};
use crate::bytes;
use crate::error::{Field, ValidationError};
use serde::{Deserialize, Serialize};

/// What the post list shows: a search and filters, and a cursor. `before` is the id of the
/// last post already shown: pages are cut by id, so posts published meanwhile never shift
/// what the next page holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PostFilter {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub channel_id: Option<i64>,
    #[serde(default)]
    pub kind: Option<PostType>,
    /// `YYYY-MM-DD`, UTC, inclusive.
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub before: Option<i64>,
    /// List the recalled posts instead of the live ones (operators only; readers never
    /// see a recalled post).
    #[serde(default)]
    pub recalled: bool,
}

pub const MAX_QUERY_BYTES: usize = 200;

/// A filter whose dates and query were checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidFilter {
    pub terms: Vec<String>,
    pub channel_id: Option<i64>,
    pub kind: Option<PostType>,
    /// Unix seconds, inclusive.
    pub from: Option<i64>,
    /// Unix seconds, exclusive (the day after `to`).
    pub until: Option<i64>,
    pub before: Option<i64>,
    pub recalled: bool,
}

impl ValidFilter {
    /// The condition on a post's `recalled_at` column that this filter asks for (the same
    /// SQL on both engines).
    pub fn recalled_clause(&self) -> &'static str {
        if self.recalled {
            "recalled_at IS NOT NULL"
        } else {
            "recalled_at IS NULL"
        }
    }
}

impl PostFilter {
    pub fn validate(&self) -> Result<ValidFilter, ValidationError> {
        bytes::check_max(Field::SearchQuery, self.q.trim(), MAX_QUERY_BYTES)?;
        let date = |d: &Option<String>| -> Result<Option<i64>, ValidationError> {
            match d.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
                Some(d) => crate::dates::parse_date(d).map(Some),
                None => Ok(None),
            }
        };
        Ok(ValidFilter {
            terms: crate::search::terms(&self.q),
            channel_id: self.channel_id,
            kind: self.kind,
            from: date(&self.from)?,
            until: date(&self.to)?.map(|t| t + 86_400),
            before: self.before,
            recalled: self.recalled,
        })
    }
}

/// One page of the post list, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostPage {
    pub posts: Vec<Post>,
    /// The cursor of the next page, when there is one.
    pub next_before: Option<i64>,
}

impl PostPage {
    pub const PAGE_SIZE: usize = 20;
}

/// A channel as the composer's and the filter's select show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelOption {
    pub id: i64,
    pub name: String,
    pub photo: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_dates_are_inclusive_days_in_utc() {
        let f = PostFilter { from: Some("1970-01-02".into()), to: Some("1970-01-02".into()), ..Default::default() };
        let v = f.validate().unwrap();
        assert_eq!((v.from, v.until), (Some(86_400), Some(2 * 86_400)));
        let bad = PostFilter { to: Some("2026-02-30".into()), ..Default::default() };
        assert_eq!(bad.validate(), Err(ValidationError::InvalidDate { field: Field::SearchDate }));
    }

    #[test]
    fn query_is_limited() {
        let long = PostFilter { q: "a".repeat(201), ..Default::default() };
        assert_eq!(long.validate(), Err(ValidationError::TooLong { field: Field::SearchQuery, max: 200, actual: 201 }));
    }
}
