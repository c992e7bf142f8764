//! The Settings page: the REST API's application id, secret key and administrators.

use super::json::Json;
use crate::domain::ApiSettings;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    context::{actor, signed_in, AppState},
    domain::AdminIdentifier,
};

#[server(prefix = "/api", endpoint = "get_api_settings", output = Json)]
pub async fn get_api_settings() -> Result<ApiSettings, AppError> {
    let state = AppState::from_context()?;
    signed_in()?;
    Ok(state.storage.db.api_settings().await?)
}

/// Makes a new secret key and returns it; it is never shown again.
#[server(prefix = "/api", endpoint = "rotate_api_key", output = Json)]
pub async fn rotate_api_key() -> Result<String, AppError> {
    let state = AppState::from_context()?;
    let who = signed_in()?;
    Ok(state.storage.rotate_api_key(&actor(&who)).await?)
}

#[server(prefix = "/api", endpoint = "add_api_admin", output = Json)]
pub async fn add_api_admin(identifier: String) -> Result<(), AppError> {
    let state = AppState::from_context()?;
    let who = signed_in()?;
    let identifier = AdminIdentifier::parse(&identifier)?;
    Ok(state.storage.db.add_api_admin(&identifier, &actor(&who)).await?)
}

#[server(prefix = "/api", endpoint = "remove_api_admin", output = Json)]
pub async fn remove_api_admin(identifier: String) -> Result<(), AppError> {
    let state = AppState::from_context()?;
    let who = signed_in()?;
    Ok(state.storage.db.remove_api_admin(identifier.trim(), &actor(&who)).await?)
}

/// The Settings page's words, in the page's language (see `i18n::pages`).
#[server(prefix = "/api", endpoint = "settings_texts", output = Json)]
pub async fn settings_texts() -> Result<crate::i18n::pages::settings::SettingsTexts, AppError> {
    signed_in()?;
    Ok(crate::i18n::pages::settings::SettingsTexts::of(crate::i18n::current()))
}
