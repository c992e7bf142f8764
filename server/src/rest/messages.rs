//! Messages (the console's posts): send, list, recall; and `upload_image`.

use super::errors;
use super::errors::{from_app, from_store, from_validation, internal, invalid, Fail};
use super::requests::{parse, HistoryRequest, MsgContent, MsgElement, RecallRequest, SendRequest};
use super::{Answer, Call};
use app::context::AppState;
use app::domain::{media_url, Callback, Field, MediaId, PostDraft, PostImage, PostType};
use app::error::AppError;
use axum::body::Body;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use storage::messages::{msg_body, Message, MessageKey, MessageMeta, Recall};
use storage::{random, UploadError};
use webhooks::before::Verdict;

const MAX_RECALL_KEYS: usize = 10;
const MAX_REASON_BYTES: usize = 100;
const MAX_CUSTOM_DATA_BYTES: usize = 12 * 1024;
const DEFAULT_MSG_NUMBER: i64 = 20;
const MAX_MSG_NUMBER: i64 = 100;

/// The uploaded image a TIMImageElem names: by `UUID` (the media id `upload_image`
/// returned) or by the URL of an image on this server (`.../media/<id>`).
fn image_of(content: &MsgContent) -> Result<String, Fail> {
    let urls = content.image_info_array.iter().flatten().filter_map(|info| info.url.as_deref());
    let from_urls = urls.map(|url| {
        let path = url.split(['?', '#']).next().unwrap_or_default();
        let mut segments = path.rsplit('/');
        let last = segments.next().unwrap_or_default();
        if last == "thumb" {
            segments.next().unwrap_or_default()
        } else {
            last
        }
    });
    content
        .uuid
        .as_deref()
        .into_iter()
        .chain(from_urls)
        .find_map(|candidate| MediaId::parse(Field::PostImages, candidate).ok())
        .map(|id| id.as_ref().to_owned())
        .ok_or_else(|| {
            invalid(
                "TIMImageElem must name an image uploaded to this server \
                 (its UUID from upload_image, or its /media/<id> URL)",
            )
        })
}

/// `CloudCustomData` within its limits.
fn checked_custom_data(custom: String) -> Result<String, Fail> {
    if custom.contains('\0') {
        return Err(invalid("CloudCustomData must not contain NUL characters"));
    }
    if custom.len() > MAX_CUSTOM_DATA_BYTES {
        return Err(invalid(format!(
            "CloudCustomData is {} bytes; the limit is {MAX_CUSTOM_DATA_BYTES} bytes",
            custom.len()
        )));
    }
    Ok(custom)
}

/// A message body's text (its text elements joined by line breaks) and images.
fn content_of(elements: &[MsgElement]) -> Result<(String, Vec<PostImage>), Fail> {
    let mut texts = Vec::new();
    let mut images = Vec::new();
    for element in elements {
        let empty = MsgContent::default();
        let content = element.msg_content.as_ref().unwrap_or(&empty);
        match element.msg_type.as_deref().unwrap_or_default() {
            "TIMTextElem" => {
                texts.push(content.text.clone().ok_or_else(|| invalid("TIMTextElem needs MsgContent.Text"))?)
            }
            "TIMImageElem" => images.push(PostImage { media: image_of(content)?, alt: String::new() }),
            other => {
                return Err(invalid(format!("MsgType {other:?} is not supported (TIMTextElem and TIMImageElem are)")))
            }
        }
    }
    Ok((texts.join("\n"), images))
}

/// A before-callback's refusal: the app's own code, or the command's.
pub(super) fn refused(code: Option<i64>, ours: i64, info: String) -> Fail {
    let info = if info.is_empty() { "refused by the app's webhook".to_owned() } else { info };
    super::errors::fail(code.unwrap_or(ours), info)
}

impl Call<'_> {
    pub(super) async fn send(&self) -> Answer {
        let request: SendRequest = parse(self.body)?;
        let row = self.account(&request.account).await?;
        let random = match request.random {
            Some(n) => n.within("Random", 0, u32::MAX as i64)?,
            None => random::u32() as i64,
        };
        let custom = checked_custom_data(request.cloud_custom_data.unwrap_or_default())?;
        let elements = match &request.msg_body {
            Some(list) if !list.is_empty() => list,
            _ => return Err(invalid("MsgBody is required (a list of message elements)")),
        };
        let (mut text, mut images) = content_of(elements)?;
        let mut custom = custom;
        // The app may refuse, drop or rewrite the message before it is stored.
        let fields = Map::from_iter([
            ("Official_Account".into(), json!(row.account_id)),
            ("OnlineOnlyFlag".into(), json!(0)),
            ("MsgBody".into(), self.body.get("MsgBody").cloned().unwrap_or(Value::Null)),
            ("CloudCustomData".into(), json!(custom)),
        ]);
        match self.state.webhooks.before(Callback::BeforeSendMsg, &self.by, fields).await {
            Verdict::Go { msg_body, cloud_custom_data, .. } => {
                if let Some(replacement) = msg_body {
                    let elements: Vec<MsgElement> = serde_json::from_value(replacement)
                        .map_err(|e| invalid(format!("the MsgBody the app's webhook gave: {e}")))?;
                    (text, images) = content_of(&elements)?;
                }
                if let Some(replacement) = cloud_custom_data {
                    custom = checked_custom_data(replacement)?;
                }
            }
            Verdict::Refuse { code, info } => return Err(refused(code, errors::SEND_REFUSED, info)),
            Verdict::Drop => {
                // The sender is told it went: a key that names no stored message.
                let time = storage::clock::now();
                let key = MessageKey { post_id: 0, random, time };
                return Ok(Map::from_iter([
                    ("MsgTime".into(), json!(time)),
                    ("MsgKey".into(), json!(key.to_string())),
                ]));
            }
        }
        let kind = match (text.trim().is_empty(), images.is_empty()) {
            (false, false) => PostType::ImageAndText,
            (true, false) => PostType::ImageOnly,
            _ => PostType::TextOnly,
        };
        let draft = PostDraft { channel_id: Some(row.id), kind, text, images, links: vec![] };
        let post = draft.validate().map_err(from_validation)?;
        // A retry of the same message (same Random, same body) finds the post it made.
        let digest = Sha256::digest(self.body.to_string().as_bytes());
        let request_id = format!("api:{}:{random}:{}", row.id, random::hex(&digest[..8]));
        let meta = MessageMeta { random, cloud_custom_data: custom };
        let published = self.state.storage.db.publish(&post, &request_id, &meta, &self.by).await.map_err(from_store)?;
        let key = published.key;
        Ok(Map::from_iter([("MsgTime".into(), json!(key.time)), ("MsgKey".into(), json!(key.to_string()))]))
    }

    pub(crate) async fn history(&self) -> Answer {
        let request: HistoryRequest = parse(self.body)?;
        let row = self.account(&request.account).await?;
        let before = match request.last_msg_key.as_deref().filter(|k| !k.is_empty()) {
            Some(key) => {
                Some(MessageKey::parse(key).ok_or_else(|| invalid("LastMsgKey is not a message key"))?.post_id)
            }
            None => None,
        };
        let wanted = match request.req_msg_number {
            Some(n) => n.within("ReqMsgNumber", 1, MAX_MSG_NUMBER)?,
            None => DEFAULT_MSG_NUMBER,
        } as u32;
        let with_recalled = match request.with_recalled_msg {
            Some(n) => n.within("WithRecalledMsg", 0, 1)? == 1,
            None => false,
        };
        let mut messages = self
            .state
            .storage
            .db
            .messages(row.id, before, wanted + 1, with_recalled)
            .await
            .map_err(|e| internal(&e))?;
        let finished = messages.len() <= wanted as usize;
        messages.truncate(wanted as usize);
        let last_key = messages.last().map(|m| m.key.to_string()).unwrap_or_default();
        let list: Vec<Value> = messages.iter().map(|m| self.message(m)).collect();
        Ok(Map::from_iter([
            ("IsFinished".into(), json!(if finished { 1 } else { 0 })),
            ("LastMsgKey".into(), json!(last_key)),
            ("RspMsgList".into(), Value::Array(list)),
        ]))
    }

    pub(crate) fn message(&self, m: &Message) -> Value {
        let body = msg_body(&m.text, &m.images, &self.base);
        json!({
            "MsgKey": m.key.to_string(),
            "MsgTime": m.key.time,
            "MsgBody": body,
            "CloudCustomData": m.cloud_custom_data,
            "IsRecalled": if m.recalled { 1 } else { 0 },
        })
    }

    pub(super) async fn recall(&self) -> Answer {
        let request: RecallRequest = parse(self.body)?;
        let row = self.account(&request.account).await?;
        let keys = match &request.msg_key_list {
            Some(list) if !list.is_empty() => list,
            _ => return Err(invalid("MsgKeyList is required (1 to 10 keys)")),
        };
        if keys.len() > MAX_RECALL_KEYS {
            return Err(invalid(format!("MsgKeyList has {} keys; the limit is {MAX_RECALL_KEYS}", keys.len())));
        }
        let reason = request.reason.as_deref().unwrap_or_default();
        if reason.contains('\0') {
            return Err(invalid("Reason must not contain NUL characters"));
        }
        if reason.len() > MAX_REASON_BYTES {
            return Err(invalid(format!("Reason is {} bytes; the limit is {MAX_REASON_BYTES} bytes", reason.len())));
        }
        let mut results = Vec::with_capacity(keys.len());
        for item in keys {
            let key = item.key();
            let outcome = match MessageKey::parse(key) {
                Some(parsed) => {
                    self.state.storage.db.recall(row.id, &parsed, reason, &self.by).await.map_err(|e| internal(&e))?
                }
                None => Recall::NotFound,
            };
            let (ret, info) = match outcome {
                Recall::Recalled | Recall::AlreadyRecalled => (0, ""),
                Recall::NotFound => (super::errors::INVALID_PARAMETER, "no such message in this official account"),
            };
            results.push(json!({ "MsgKey": key, "RetCode": ret, "RetInfo": info }));
        }
        Ok(Map::from_iter([("RecallRetList".into(), Value::Array(results))]))
    }
}

/// Not a vendor command: the vendor's images live on its own storage, so a script uploads
/// an image here first (the body is the image's bytes) and sends it by the UUID returned.
pub(super) async fn upload_image(state: &AppState, base: &str, body: Body) -> Answer {
    let stored = state.storage.upload(body.into_data_stream()).await.map_err(|e| match e {
        UploadError::Store(err) => from_store(err),
        other => from_app(AppError::from_upload(other, Field::PostImages)),
    })?;
    let id = stored.id.as_ref();
    Ok(Map::from_iter([
        ("UUID".into(), json!(id)),
        ("URL".into(), json!(format!("{base}{}", media_url(id)))),
        ("Size".into(), json!(stored.bytes)),
        ("Width".into(), json!(stored.width.unwrap_or(0))),
        ("Height".into(), json!(stored.height.unwrap_or(0))),
    ]))
}
