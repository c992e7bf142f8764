use crate::domain::{Channel, ChannelPage};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    backend::{channels as store, AppState},
    domain::ChannelFields,
};

#[server(prefix = "/api", endpoint = "list_channels")]
pub async fn list_channels(page: u32) -> Result<ChannelPage, AppError> {
    let state = AppState::from_context()?;
    store::list(&state.pool, page).await
}

#[server(prefix = "/api", endpoint = "create_channel")]
pub async fn create_channel(
    name: String,
    profile: String,
    photo: String,
) -> Result<Channel, AppError> {
    let state = AppState::from_context()?;
    let fields = ChannelFields::parse(&name, &profile, &photo)?;
    let channel = store::create(&state.pool, &fields).await?;
    tracing::info!(channel = channel.id, "channel created");
    Ok(channel)
}

#[server(prefix = "/api", endpoint = "update_channel")]
pub async fn update_channel(
    id: i64,
    name: String,
    profile: String,
    photo: String,
) -> Result<Channel, AppError> {
    let state = AppState::from_context()?;
    let fields = ChannelFields::parse(&name, &profile, &photo)?;
    let (channel, orphans) = store::update(&state.pool, id, &fields).await?;
    state.media.remove_files(&orphans.0).await;
    tracing::info!(channel = channel.id, "channel updated");
    Ok(channel)
}

#[server(prefix = "/api", endpoint = "delete_channel")]
pub async fn delete_channel(id: i64) -> Result<(), AppError> {
    let state = AppState::from_context()?;
    let orphans = store::delete(&state.pool, id).await?;
    state.media.remove_files(&orphans.0).await;
    tracing::info!(channel = id, "channel deleted");
    Ok(())
}
