use super::json::Json;
use crate::domain::{ChannelOption, Post, PostDraft, PostFilter, PostPage};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::context::{actor, signed_in, AppState};

/// Publishes a draft. `request_id` is chosen by the browser once per post: a retried
/// request (a double click, a flaky network) returns the post the first one made.
#[server(prefix = "/api", endpoint = "publish_post", input = Json, output = Json)]
pub async fn publish_post(draft: PostDraft, request_id: String) -> Result<Post, AppError> {
    use storage::{messages::MessageMeta, Missing, StoreError};
    use webhooks::before::Verdict;
    let state = AppState::from_context()?;
    let who = signed_in()?;
    let request_id = request_id.trim();
    if request_id.is_empty() || request_id.len() > 64 {
        return Err(AppError::BadRequest("request_id must be 1 to 64 characters".into()));
    }
    let mut draft = draft;
    let mut meta = MessageMeta::default();
    let by = actor(&who);
    draft.validate()?;
    // The app's backend may refuse, drop or rewrite the post (its before-callback). The
    // channel's row (its account id) is read only when the app asks to be asked.
    let channel_id = draft.channel_id;
    let asks = match channel_id {
        Some(_) => state.webhooks.asks_before(crate::domain::Callback::BeforeSendMsg).await,
        None => false,
    };
    if let Some(channel_id) = channel_id.filter(|_| asks) {
        if let Some(row) = state.storage.db.channel(channel_id).await? {
            let fields = serde_json::Map::from_iter([
                ("Official_Account".into(), serde_json::json!(row.account_id)),
                ("OnlineOnlyFlag".into(), serde_json::json!(0)),
                (
                    "MsgBody".into(),
                    webhooks::before::msg_body_of(&draft.text, draft.images.iter().map(|i| i.media.as_str())),
                ),
                ("CloudCustomData".into(), serde_json::json!("")),
            ]);
            match state.webhooks.before(crate::domain::Callback::BeforeSendMsg, &by, fields).await {
                Verdict::Go { msg_body, cloud_custom_data, .. } => {
                    let replacement = match msg_body.as_ref().map(webhooks::before::content_of) {
                        None => None,
                        Some(Some(content)) => Some(content),
                        // Refused as the REST API refuses it: nothing is published.
                        Some(None) => {
                            return Err(AppError::refused_by_app(
                                "its MsgBody is not a list of text and image elements",
                            ))
                        }
                    };
                    if let Some((text, images)) = replacement {
                        draft.text = text;
                        draft.images = images
                            .into_iter()
                            .map(|media| crate::domain::PostImage { media, alt: String::new() })
                            .collect();
                        draft.kind = match (draft.text.trim().is_empty(), draft.images.is_empty()) {
                            (false, false) => crate::domain::PostType::ImageAndText,
                            (true, false) => crate::domain::PostType::ImageOnly,
                            _ => crate::domain::PostType::TextOnly,
                        };
                    }
                    let custom = cloud_custom_data.unwrap_or_default();
                    if custom.contains('\0') || custom.len() > webhooks::before::MAX_CUSTOM_DATA_BYTES {
                        return Err(AppError::refused_by_app("its CloudCustomData has NUL or is over 12 KB"));
                    }
                    meta.cloud_custom_data = custom;
                }
                Verdict::Refuse { info, .. } => return Err(AppError::refused_by_app(&info)),
                Verdict::Drop => return Err(AppError::refused_by_app("")),
            }
        }
    }
    let post = draft.validate()?;
    let published = match state.storage.db.publish(&post, request_id, &meta, &by).await {
        Ok(published) => published.post.ok_or_else(AppError::post_not_found)?,
        Err(StoreError::NotFound(Missing::Channel)) => {
            return Err(AppError::NotFound(crate::i18n::t().e_chosen_channel_gone.into()))
        }
        Err(other) => return Err(other.into()),
    };
    tracing::info!(post = published.id, channel = published.channel_id, "post published");
    Ok(published)
}

#[server(prefix = "/api", endpoint = "list_posts", input = Json, output = Json)]
pub async fn list_posts(filter: PostFilter) -> Result<PostPage, AppError> {
    let state = AppState::from_context()?;
    signed_in()?;
    Ok(state.storage.db.list_posts(&filter.validate()?).await?)
}

#[server(prefix = "/api", endpoint = "get_post", output = Json)]
pub async fn get_post(id: i64) -> Result<Post, AppError> {
    let state = AppState::from_context()?;
    signed_in()?;
    state.storage.db.post(id).await?.ok_or_else(AppError::post_not_found)
}

#[server(prefix = "/api", endpoint = "channel_options", output = Json)]
pub async fn channel_options() -> Result<Vec<ChannelOption>, AppError> {
    let state = AppState::from_context()?;
    signed_in()?;
    Ok(state.storage.db.channel_options().await?)
}

/// Recalls a published post, as the REST API's `official_account_msg_recall` does: readers
/// no longer see it, it leaves the list and search, and the audit log records who did it.
/// Recalling a post already recalled changes nothing and is no error.
#[server(prefix = "/api", endpoint = "recall_post", output = Json)]
pub async fn recall_post(id: i64) -> Result<(), AppError> {
    use storage::messages::Recall;
    let state = AppState::from_context()?;
    let who = signed_in()?;
    let Some((channel_id, key)) = state.storage.db.message_key(id).await? else {
        return Err(AppError::post_not_found());
    };
    match state.storage.db.recall(channel_id, &key, "Recalled from the console", &actor(&who)).await? {
        Recall::Recalled => {
            tracing::info!(post = id, channel = channel_id, "post recalled");
            Ok(())
        }
        Recall::AlreadyRecalled => Ok(()),
        Recall::NotFound => Err(AppError::post_not_found()),
    }
}
