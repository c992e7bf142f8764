//! Resources whose data reaches hydration in the wire's JSON form (`api::json`), so that the
//! browser reads it with the same reader as server functions' answers.

use crate::api::json::BrowserJson;
use leptos::prelude::*;
use serde::{de::DeserializeOwned, Serialize};
use std::future::Future;

/// `Resource::new`, with the console's JSON encoding.
#[track_caller]
pub fn json_resource<S, T, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Resource<T, BrowserJson>
where
    S: Send + Sync + Clone + PartialEq + 'static,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}
