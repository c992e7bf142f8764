//! A channel's subscribers page: its list, search by id prefix, removal and growth chart.

use super::json::Json;
use crate::domain::SubscriberList;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::context::{actor, signed_in, AppState};

/// A page of the channel's subscribers (newest first, after `before` when given, only ids
/// starting with `prefix` when it is not empty), with its count and last 30 days.
#[server(prefix = "/api", endpoint = "list_subscribers", output = Json)]
pub async fn list_subscribers(
    channel_id: i64,
    before: Option<i64>,
    prefix: String,
) -> Result<SubscriberList, AppError> {
    let state = AppState::from_context()?;
    signed_in()?;
    let db = &state.storage.db;
    let Some(channel) = db.channel(channel_id).await? else {
        return Err(AppError::channel_not_found());
    };
    let prefix = prefix.trim();
    let page = db.subscribers(channel_id, before, SubscriberList::PAGE_SIZE, Some(prefix)).await?;
    let last_day = storage::clock::now().div_euclid(86_400);
    let history = db.subscriber_history(channel_id, SubscriberList::HISTORY_DAYS, last_day).await?;
    Ok(SubscriberList {
        channel_id,
        channel_name: channel.name,
        total: page.total,
        max: channel.max_subscribers,
        subscribers: page.subscribers,
        next: page.next,
        history,
        last_day,
    })
}

/// Removes one subscriber (as `delete_subscriber` does: the app hears of it).
#[server(prefix = "/api", endpoint = "remove_subscriber", output = Json)]
pub async fn remove_subscriber(channel_id: i64, account: String) -> Result<(), AppError> {
    let state = AppState::from_context()?;
    let who = signed_in()?;
    let account = crate::domain::SubscriberAccount::parse(&account)?;
    state.storage.db.remove_subscribers(channel_id, &[account], &actor(&who)).await?;
    Ok(())
}

/// The subscribers page's words, in the page's language (see `i18n::pages`).
#[server(prefix = "/api", endpoint = "subscriber_texts", output = Json)]
pub async fn subscriber_texts() -> Result<crate::i18n::pages::subscribers::SubscriberTexts, AppError> {
    signed_in()?;
    Ok(crate::i18n::pages::subscribers::SubscriberTexts::of(crate::i18n::current()))
}
