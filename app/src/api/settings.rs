//! The Settings page: the REST API's application id, secret key and administrators.

use crate::domain::ApiSettings;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    backend::{api_settings as store, audit, auth, AppState},
    domain::{AdminIdentifier, AuditAction},
};

#[server(prefix = "/api", endpoint = "get_api_settings")]
pub async fn get_api_settings() -> Result<ApiSettings, AppError> {
    let state = AppState::from_context()?;
    auth::signed_in()?;
    store::get(&state.pool).await
}

/// Makes a new secret key and returns it; it is never shown again.
#[server(prefix = "/api", endpoint = "rotate_api_key")]
pub async fn rotate_api_key() -> Result<String, AppError> {
    let state = AppState::from_context()?;
    let who = auth::signed_in()?;
    let key = store::rotate_key(&state.pool).await?;
    audit::by(&state.pool, &who, AuditAction::ApiKeyRotated, &format!("key ending in {}", &key[key.len() - 4..])).await;
    Ok(key)
}

#[server(prefix = "/api", endpoint = "add_api_admin")]
pub async fn add_api_admin(identifier: String) -> Result<(), AppError> {
    let state = AppState::from_context()?;
    let who = auth::signed_in()?;
    let identifier = AdminIdentifier::parse(&identifier)?;
    store::add_admin(&state.pool, &identifier).await?;
    audit::by(&state.pool, &who, AuditAction::ApiAdminAdded, identifier.as_ref()).await;
    Ok(())
}

#[server(prefix = "/api", endpoint = "remove_api_admin")]
pub async fn remove_api_admin(identifier: String) -> Result<(), AppError> {
    let state = AppState::from_context()?;
    let who = auth::signed_in()?;
    store::remove_admin(&state.pool, identifier.trim()).await?;
    audit::by(&state.pool, &who, AuditAction::ApiAdminRemoved, identifier.trim()).await;
    Ok(())
}
