use crate::domain::{Channel, ChannelPage};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    backend::{audit, auth, channels as store, AppState},
    domain::{AuditAction, ChannelFields},
};

#[server(prefix = "/api", endpoint = "list_channels")]
pub async fn list_channels(page: u32) -> Result<ChannelPage, AppError> {
    let state = AppState::from_context()?;
    auth::signed_in()?;
    store::list(&state.pool, page).await
}

#[server(prefix = "/api", endpoint = "create_channel")]
pub async fn create_channel(
    name: String,
    profile: String,
    photo: String,
) -> Result<Channel, AppError> {
    let state = AppState::from_context()?;
    let who = auth::signed_in()?;
    let fields = ChannelFields::parse(&name, &profile, &photo)?;
    let channel = store::create(&state.pool, &fields).await?;
    audit::by(&state.pool, &who, AuditAction::ChannelCreated, &subject(&channel)).await;
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
    let who = auth::signed_in()?;
    let fields = ChannelFields::parse(&name, &profile, &photo)?;
    let (channel, orphans) = store::update(&state.pool, id, &fields).await?;
    state.media.remove_files(&orphans.0).await;
    audit::by(&state.pool, &who, AuditAction::ChannelEdited, &subject(&channel)).await;
    tracing::info!(channel = channel.id, "channel updated");
    Ok(channel)
}

#[server(prefix = "/api", endpoint = "delete_channel")]
pub async fn delete_channel(id: i64) -> Result<(), AppError> {
    let state = AppState::from_context()?;
    let who = auth::signed_in()?;
    let name = store::get(&state.pool, id).await?.map(|c| subject(&c));
    let orphans = store::delete(&state.pool, id).await?;
    audit::by(&state.pool, &who, AuditAction::ChannelDeleted, &name.unwrap_or_else(|| format!("#{id}"))).await;
    state.media.remove_files(&orphans.0).await;
    tracing::info!(channel = id, "channel deleted");
    Ok(())
}

#[cfg(feature = "ssr")]
fn subject(channel: &Channel) -> String {
    format!("#{} {}", channel.id, channel.name)
}
