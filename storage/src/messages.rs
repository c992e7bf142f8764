//! Channels and posts as the vendor's REST API sees them: "official accounts" and their
//! messages. These are stored facts (the sender's random, the custom data, recall), so the
//! types live with the store; the REST module turns them into the vendor's JSON.

use domain::{AccountFields, ChannelName, ChannelProfile, MediaId};

/// A channel as the REST API describes it.
#[derive(Debug, Clone)]
pub struct AccountRow {
    pub id: i64,
    pub account_id: String,
    pub name: String,
    pub profile: String,
    pub photo: Option<MediaId>,
    pub face_url: Option<String>,
    pub owner_account: String,
    pub organization: String,
    pub custom_string: String,
    pub max_subscribers: i64,
    /// How many subscribe now (kept with each change, not counted).
    pub subscriber_count: i64,
    pub created_at: i64,
    pub last_msg_time: Option<i64>,
}

/// What `modify_official_account_base_info` may change; `None` keeps the stored value.
#[derive(Debug, Clone, Default)]
pub struct AccountChanges {
    pub name: Option<ChannelName>,
    pub profile: Option<ChannelProfile>,
    pub extra: AccountFields,
}

/// What a post sent through the REST API carries besides its content.
#[derive(Debug, Clone, Default)]
pub struct MessageMeta {
    /// The sender's `Random`, part of the message key.
    pub random: i64,
    pub cloud_custom_data: String,
}

/// A message's key: `<post id>_<random>_<unix time>`, as the vendor forms it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageKey {
    pub post_id: i64,
    pub random: i64,
    pub time: i64,
}

impl MessageKey {
    /// The key a well-formed text names.
    pub fn parse(key: &str) -> Option<Self> {
        let mut parts = key.trim().split('_');
        let post_id = parts.next()?.parse().ok()?;
        let random = parts.next()?.parse().ok()?;
        let time = parts.next()?.parse().ok()?;
        parts.next().is_none().then_some(Self { post_id, random, time })
    }
}

impl std::fmt::Display for MessageKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}_{}_{}", self.post_id, self.random, self.time)
    }
}

/// A message as `official_account_msg_get_simple` returns it.
#[derive(Debug, Clone)]
pub struct Message {
    pub key: MessageKey,
    pub text: String,
    pub images: Vec<MessageImage>,
    pub cloud_custom_data: String,
    pub recalled: bool,
}

#[derive(Debug, Clone)]
pub struct MessageImage {
    pub media: MediaId,
    pub content_type: String,
    pub bytes: i64,
    pub width: Option<i64>,
    pub height: Option<i64>,
}

/// The vendor's image format numbers (1 JPG, 2 GIF, 3 PNG, 4 BMP, 255 other).
fn image_format(content_type: &str) -> i64 {
    match content_type {
        "image/jpeg" => 1,
        "image/gif" => 2,
        "image/png" => 3,
        "image/bmp" => 4,
        _ => 255,
    }
}

/// A message's `MsgBody`: its text, then its images, whose URLs start with `base` (the
/// server's origin; empty in the event log, which stores paths).
pub fn msg_body(text: &str, images: &[MessageImage], base: &str) -> serde_json::Value {
    let mut body = Vec::new();
    if !text.is_empty() {
        body.push(serde_json::json!({ "MsgType": "TIMTextElem", "MsgContent": { "Text": text } }));
    }
    for image in images {
        body.push(serde_json::json!({
            "MsgType": "TIMImageElem",
            "MsgContent": {
                "UUID": image.media.as_ref(),
                "ImageFormat": image_format(&image.content_type),
                "ImageInfoArray": [{
                    "Type": 1,
                    "Size": image.bytes,
                    "Width": image.width.unwrap_or(0),
                    "Height": image.height.unwrap_or(0),
                    "URL": format!("{base}{}", domain::media_url(image.media.as_ref())),
                }],
            },
        }));
    }
    serde_json::Value::Array(body)
}

/// The `CallbackAfterSendMsg` fields of a post but its `MsgKey` (`Official_Account` is
/// added by [`crate::events::NewEvent::about`]).
pub fn sent_fields(
    text: &str,
    images: &[MessageImage],
    meta: &MessageMeta,
    time: i64,
) -> serde_json::Map<String, serde_json::Value> {
    let mut fields = serde_json::Map::new();
    fields.insert("MsgTime".into(), time.into());
    fields.insert("OnlineOnlyFlag".into(), 0.into());
    fields.insert("MsgBody".into(), msg_body(text, images, ""));
    fields.insert("CloudCustomData".into(), meta.cloud_custom_data.clone().into());
    fields
}

/// How a recall went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recall {
    Recalled,
    AlreadyRecalled,
    NotFound,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        let key = MessageKey { post_id: 12, random: 345, time: 1_800_000_000 };
        assert_eq!(key.to_string(), "12_345_1800000000");
        assert_eq!(MessageKey::parse(" 12_345_1800000000 "), Some(key));
        for bad in ["", "12_345", "12_345_6_7", "a_b_c", "12__6"] {
            assert_eq!(MessageKey::parse(bad), None, "{bad}");
        }
    }
}
