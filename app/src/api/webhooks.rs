//! The Webhooks page: where events go, which are sent, the signing secret, the test event
//! and the deliveries log.

use super::json::Json;
use crate::domain::{DeliveryPage, WebhookForm, WebhookSettings};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::context::{actor, signed_in, AppState};

#[server(prefix = "/api", endpoint = "get_webhook", output = Json)]
pub async fn get_webhook() -> Result<WebhookSettings, AppError> {
    let state = AppState::from_context()?;
    signed_in()?;
    let hook = state.storage.db.webhook().await?;
    Ok(WebhookSettings {
        url: hook.url,
        token: hook.token,
        callbacks: crate::domain::Callback::from_bits(hook.callbacks),
        when_unreachable: if hook.refuse_when_down {
            crate::domain::WhenUnreachable::Refuse
        } else {
            crate::domain::WhenUnreachable::Allow
        },
        secret_hint: if hook.secret.is_empty() {
            String::new()
        } else {
            hook.secret.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect()
        },
    })
}

/// Saves the settings. The first time a URL is saved a signing secret is made too, and
/// returned (it is never shown again).
#[server(prefix = "/api", endpoint = "save_webhook", input = Json, output = Json)]
pub async fn save_webhook(form: WebhookForm) -> Result<Option<String>, AppError> {
    use crate::domain::{Field, ValidationError};
    let state = AppState::from_context()?;
    let who = signed_in()?;
    let valid = form.validate()?;
    if let Some(url) = &valid.url {
        if state.webhooks.outbound().check_url(url.as_ref()).await.is_err() {
            return Err(ValidationError::NotPublic { field: Field::WebhookUrl }.into());
        }
    }
    let by = actor(&who);
    state.storage.db.save_webhook(&valid, &by).await?;
    if valid.url.is_some() {
        let secret = webhooks::sign::new_secret();
        if state.storage.db.set_signing_secret(&secret, 0, true, &by).await? {
            return Ok(Some(secret));
        }
    }
    Ok(None)
}

/// Makes a new signing secret and returns it (shown once). The old one keeps signing
/// beside it for 24 hours, so receivers can switch over.
#[server(prefix = "/api", endpoint = "rotate_webhook_secret", output = Json)]
pub async fn rotate_webhook_secret() -> Result<String, AppError> {
    let state = AppState::from_context()?;
    let who = signed_in()?;
    let secret = webhooks::sign::new_secret();
    let until = storage::clock::now().saturating_add(24 * 3600).saturating_mul(1000);
    state.storage.db.set_signing_secret(&secret, until, false, &actor(&who)).await?;
    Ok(secret)
}

#[server(prefix = "/api", endpoint = "send_test_event", output = Json)]
pub async fn send_test_event() -> Result<(), AppError> {
    let state = AppState::from_context()?;
    let who = signed_in()?;
    if state.storage.db.webhook().await?.url.is_empty() {
        return Err(crate::domain::ValidationError::Required { field: crate::domain::Field::WebhookUrl }.into());
    }
    let fields = serde_json::Map::from_iter([("Operator_Account".into(), serde_json::json!(who.name))]);
    let event = storage::events::NewEvent {
        callback: None,
        channel_id: None,
        channel_account: String::new(),
        channel_name: String::new(),
        fields,
    };
    Ok(state.storage.db.record_event(&event, &actor(&who)).await?)
}

#[server(prefix = "/api", endpoint = "list_deliveries", output = Json)]
pub async fn list_deliveries(before: Option<i64>, failures_only: bool) -> Result<DeliveryPage, AppError> {
    let state = AppState::from_context()?;
    signed_in()?;
    Ok(state.storage.db.deliveries(before, failures_only).await?)
}

#[server(prefix = "/api", endpoint = "redeliver", output = Json)]
pub async fn redeliver(id: i64) -> Result<(), AppError> {
    let state = AppState::from_context()?;
    let who = signed_in()?;
    if state.storage.db.redeliver(id, &actor(&who)).await? {
        Ok(())
    } else {
        Err(AppError::NotFound(crate::i18n::t().e_delivery_not_failed.into()))
    }
}

/// The Webhooks page's words, in the page's language (see `i18n::pages`).
#[server(prefix = "/api", endpoint = "webhook_texts", output = Json)]
pub async fn webhook_texts() -> Result<crate::i18n::pages::webhooks::WebhookTexts, AppError> {
    signed_in()?;
    Ok(crate::i18n::pages::webhooks::WebhookTexts::of(crate::i18n::current()))
}
