use crate::domain::{ChannelOption, Post, PostDraft, PostFilter, PostPage};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
use crate::{
    backend::{audit::Actor, auth, posts as store, AppState},
};

/// Publishes a draft. `request_id` is chosen by the browser once per post: a retried
/// request (a double click, a flaky network) returns the post the first one made.
#[server(prefix = "/api", endpoint = "publish_post", input = Json)]
pub async fn publish_post(draft: PostDraft, request_id: String) -> Result<Post, AppError> {
    let state = AppState::from_context()?;
    let who = auth::signed_in()?;
    let request_id = request_id.trim();
    if request_id.is_empty() || request_id.len() > 64 {
        return Err(AppError::BadRequest("request_id must be 1 to 64 characters".into()));
    }
    let post = draft.validate()?;
    let published = store::publish(&state.pool, &post, request_id, Some(&Actor::signed_in(&who))).await?;
    tracing::info!(post = published.id, channel = published.channel_id, "post published");
    Ok(published)
}

#[server(prefix = "/api", endpoint = "list_posts", input = Json)]
pub async fn list_posts(filter: PostFilter) -> Result<PostPage, AppError> {
    let state = AppState::from_context()?;
    auth::signed_in()?;
    store::list(&state.pool, &filter.validate()?).await
}

#[server(prefix = "/api", endpoint = "get_post")]
pub async fn get_post(id: i64) -> Result<Post, AppError> {
    let state = AppState::from_context()?;
    auth::signed_in()?;
    store::get(&state.pool, id).await?.ok_or_else(AppError::post_not_found)
}

#[server(prefix = "/api", endpoint = "channel_options")]
pub async fn channel_options() -> Result<Vec<ChannelOption>, AppError> {
    let state = AppState::from_context()?;
    auth::signed_in()?;
    store::channel_options(&state.pool).await
}
