use super::json::Json;
use crate::domain::{Channel, ChannelPage};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    context::{actor, signed_in, AppState},
    domain::{AccountFields, ChannelFields},
};

#[server(prefix = "/api", endpoint = "list_channels", output = Json)]
pub async fn list_channels(page: u32) -> Result<ChannelPage, AppError> {
    let state = AppState::from_context()?;
    signed_in()?;
    Ok(state.storage.db.list_channels(page).await?)
}

#[server(prefix = "/api", endpoint = "create_channel", output = Json)]
pub async fn create_channel(name: String, profile: String, photo: String) -> Result<Channel, AppError> {
    let state = AppState::from_context()?;
    let who = signed_in()?;
    let fields = ChannelFields::parse(&name, &profile, &photo)?;
    let by = actor(&who);
    let asked = serde_json::Map::from_iter([
        ("Operator_Account".into(), serde_json::json!(by.operator_account())),
        ("Owner_Account".into(), serde_json::json!("")),
        ("Name".into(), serde_json::json!(fields.name.as_ref())),
    ]);
    let callback = crate::domain::Callback::BeforeCreateOfficialAccount;
    if let webhooks::before::Verdict::Refuse { info, .. } = state.webhooks.before(callback, &by, asked).await {
        return Err(AppError::refused_by_app(&info));
    }
    let channel = state.storage.db.create_channel(&fields, None, &AccountFields::default(), &by).await?;
    tracing::info!(channel = channel.id, "channel created");
    Ok(channel)
}

#[server(prefix = "/api", endpoint = "update_channel", output = Json)]
pub async fn update_channel(id: i64, name: String, profile: String, photo: String) -> Result<Channel, AppError> {
    let state = AppState::from_context()?;
    let who = signed_in()?;
    let fields = ChannelFields::parse(&name, &profile, &photo)?;
    let channel = state.storage.update_channel(id, &fields, &actor(&who)).await?;
    tracing::info!(channel = channel.id, "channel updated");
    Ok(channel)
}

#[server(prefix = "/api", endpoint = "delete_channel", output = Json)]
pub async fn delete_channel(id: i64) -> Result<(), AppError> {
    let state = AppState::from_context()?;
    let who = signed_in()?;
    state.storage.delete_channel(id, &actor(&who)).await?;
    tracing::info!(channel = id, "channel deleted");
    Ok(())
}
