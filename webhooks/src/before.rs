//! "Before" callbacks: called inline while the change waits, within 2 seconds, never
//! retried. The app's answer decides; when it cannot be had (timeout, refused connection,
//! not 200, not JSON, a code it may not send) the Webhooks page's policy does.

use crate::Webhooks;
use domain::Callback;
use serde_json::{Map, Value};
use std::time::Duration;
use storage::Actor;

/// The largest `CloudCustomData` a message carries (the REST API's limit).
pub const MAX_CUSTOM_DATA_BYTES: usize = 12 * 1024;

/// The vendor's time limit for before-callbacks.
pub const TIMEOUT: Duration = Duration::from_secs(2);

/// What the app decided.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Go ahead (without these users, with this content instead, when given).
    Go { refused: Vec<String>, msg_body: Option<Value>, cloud_custom_data: Option<String> },
    /// Refuse: with the app's own code (120001-130000) or, `None`, the command's refusal.
    Refuse { code: Option<i64>, info: String },
    /// Send's `ErrorCode` 2: the message is dropped while the sender is told it went.
    Drop,
}

impl Verdict {
    pub fn go() -> Self {
        Verdict::Go { refused: vec![], msg_body: None, cloud_custom_data: None }
    }
}

impl Webhooks {
    /// Whether the app asked to be asked before `callback`'s change: what a caller needs
    /// to gather for [`Self::before`] is read only then.
    pub async fn asks_before(&self, callback: Callback) -> bool {
        match self.db.webhook().await {
            Ok(hook) => hook.is_on(callback),
            // `before` says so in the log and goes ahead.
            Err(_) => false,
        }
    }

    /// Asks the app before `callback`'s change (when that callback is switched on).
    pub async fn before(&self, callback: Callback, by: &Actor, fields: Map<String, Value>) -> Verdict {
        let settings =
            async { Ok::<_, storage::StoreError>((self.db.webhook().await?, self.db.api_credentials().await?.0)) };
        let (hook, appid) = match settings.await {
            Ok(both) => both,
            Err(error) => {
                tracing::warn!(%error, "could not read the webhook settings; going ahead");
                return Verdict::go();
            }
        };
        if !hook.is_on(callback) {
            return Verdict::go();
        }
        let command = callback.command();
        let body = self.body(command, self.clock.now_ms(), &fields);
        let id = format!("before_{}", storage::random::hex(&storage::random::bytes::<12>()));
        let unreachable = |why: String| {
            tracing::info!(command, why, "before-callback unanswered");
            if hook.refuse_when_down {
                Verdict::Refuse { code: None, info: format!("the app's webhook did not answer ({why})") }
            } else {
                Verdict::go()
            }
        };
        let address = by.address();
        let (url, headers) = match self.request_for(appid, &hook, command, by.platform(), &address, &id, &body) {
            Ok(request) => request,
            Err(why) => return unreachable(why),
        };
        let answer = match self.outbound.post(&url, &headers, body, TIMEOUT).await {
            Ok(answer) if answer.status == 200 => answer,
            Ok(answer) => return unreachable(format!("HTTP {}", answer.status)),
            Err(error) => return unreachable(error.to_string()),
        };
        let Ok(Value::Object(reply)) = serde_json::from_slice::<Value>(&answer.body) else {
            return unreachable("the answer is not a JSON object".to_owned());
        };
        let info = reply.get("ErrorInfo").and_then(Value::as_str).unwrap_or_default().to_owned();
        let code = match reply.get("ErrorCode") {
            None => 0,
            Some(code) => match code.as_i64() {
                Some(code) => code,
                None => return unreachable("ErrorCode is not a whole number".to_owned()),
            },
        };
        match code {
            0 => Verdict::Go {
                refused: reply
                    .get("RefusedSubscribers_Account")
                    .and_then(Value::as_array)
                    .map(|list| list.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                    .unwrap_or_default(),
                msg_body: reply.get("MsgBody").filter(|b| b.is_array()).cloned(),
                cloud_custom_data: reply.get("CloudCustomData").and_then(Value::as_str).map(str::to_owned),
            },
            1 => Verdict::Refuse { code: None, info },
            2 if callback == Callback::BeforeSendMsg => Verdict::Drop,
            code @ 120_001..=130_000 => Verdict::Refuse { code: Some(code), info },
            other => unreachable(format!("ErrorCode {other} is not one the callback may answer")),
        }
    }
}

/// A console post's `MsgBody`: its text, then its images (by UUID, the URL a path that the
/// body makes absolute).
pub fn msg_body_of<'a>(text: &str, images: impl Iterator<Item = &'a str>) -> Value {
    let mut body = Vec::new();
    if !text.is_empty() {
        body.push(serde_json::json!({ "MsgType": "TIMTextElem", "MsgContent": { "Text": text } }));
    }
    for id in images {
        body.push(serde_json::json!({
            "MsgType": "TIMImageElem",
            "MsgContent": { "UUID": id, "ImageInfoArray": [{ "Type": 1, "URL": domain::media_url(id) }] },
        }));
    }
    Value::Array(body)
}

/// The text (text elements joined by line breaks) and image UUIDs of a replacement
/// `MsgBody`; `None` when it is not a list of elements. What they say is validated as any
/// post is, after.
pub fn content_of(body: &Value) -> Option<(String, Vec<String>)> {
    let mut texts = Vec::new();
    let mut images = Vec::new();
    for element in body.as_array()? {
        let content = element.get("MsgContent");
        match element.get("MsgType").and_then(Value::as_str) {
            Some("TIMTextElem") => texts.push(content?.get("Text")?.as_str()?.to_owned()),
            Some("TIMImageElem") => images.push(content?.get("UUID")?.as_str()?.to_owned()),
            _ => return None,
        }
    }
    Some((texts.join("\n"), images))
}
