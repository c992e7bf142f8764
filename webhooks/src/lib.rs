//! Webhooks: the vendor's official-channel callbacks, sent to the app's one webhook URL.
//!
//! - "After" callbacks are events of the event log (`storage::events`), written with the
//!   change that caused them; [`deliver`] takes due ones from the database (any server may,
//!   one at a time per event), posts them and retries failures on a schedule.
//! - "Before" callbacks ([`before`]) are called inline, within 2 seconds, and their answer
//!   decides whether the change goes ahead.
//!
//! Every call carries the vendor's query string (with `Sign` when a token is set) and the
//! Standard Webhooks headers; [`outbound`] keeps the calls safe, [`sign`] signs them.

pub mod before;
pub mod deliver;
pub mod outbound;
pub mod sign;

use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Duration;
use storage::clock::Clock;
use storage::events::StoredWebhook;
use storage::Database;

/// How the webhooks of this server behave (from its configuration).
#[derive(Debug, Clone)]
pub struct Options {
    /// Whether URLs may name loopback and private addresses (tests, private networks).
    pub allow_private: bool,
    /// How long a failing delivery is retried before it is marked failed.
    pub retry_for: Duration,
    /// This server's public origin (`https://console.example.com`), for the addresses of
    /// images and photos in bodies.
    pub base: String,
}

impl Default for Options {
    fn default() -> Self {
        Self { allow_private: false, retry_for: Duration::from_secs(24 * 3600), base: String::new() }
    }
}

/// Where a call goes (the URL with its query string) and its headers.
pub(crate) type Call = (url::Url, Vec<(&'static str, String)>);

/// The webhooks of one server: shared by the REST API, the console and the deliverer.
#[derive(Clone)]
pub struct Webhooks {
    db: Arc<dyn Database>,
    outbound: outbound::Outbound,
    clock: Arc<dyn Clock>,
    options: Arc<Options>,
}

impl std::fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhooks").field("options", &self.options).finish()
    }
}

impl Webhooks {
    pub fn new(db: Arc<dyn Database>, clock: Arc<dyn Clock>, options: Options) -> Result<Self, String> {
        let outbound = outbound::Outbound::new(options.allow_private)?;
        Ok(Self { db, outbound, clock, options: Arc::new(options) })
    }

    pub fn outbound(&self) -> &outbound::Outbound {
        &self.outbound
    }

    /// The clock events are timed on (tests move a `ManualClock`).
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The headers and URL of one call: the vendor's query string and the Standard
    /// Webhooks headers (`id` the same on every attempt of an event).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn request_for(
        &self,
        appid: i64,
        hook: &StoredWebhook,
        command: &str,
        platform: &str,
        client_ip: &str,
        id: &str,
        body: &[u8],
    ) -> Result<Call, String> {
        let mut url = url::Url::parse(&hook.url).map_err(|e| format!("the webhook URL: {e}"))?;
        let now_ms = self.clock.now_ms();
        let now = now_ms.div_euclid(1000);
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("SdkAppid", &appid.to_string())
                .append_pair("CallbackCommand", command)
                .append_pair("contenttype", "json")
                .append_pair("ClientIP", client_ip)
                .append_pair("OptPlatform", platform);
            if !hook.token.is_empty() {
                query
                    .append_pair("RequestTime", &now.to_string())
                    .append_pair("Sign", &sign::vendor_sign(&hook.token, now));
            }
        }
        let mut headers = vec![("webhook-id", id.to_owned()), ("webhook-timestamp", now.to_string())];
        let mut signatures = Vec::new();
        for secret in
            [Some(hook.secret.as_str()), (hook.previous_until > now_ms).then_some(hook.previous_secret.as_str())]
                .into_iter()
                .flatten()
                .filter(|s| !s.is_empty())
        {
            signatures.extend(sign::standard_signature(secret, id, now, body));
        }
        if !signatures.is_empty() {
            headers.push(("webhook-signature", signatures.join(" ")));
        }
        Ok((url, headers))
    }

    /// A body: `CallbackCommand`, `EventTime` (ms) and the event's fields, this server's
    /// image and photo paths made absolute.
    pub fn body(&self, command: &str, event_time_ms: i64, fields: &Map<String, Value>) -> Vec<u8> {
        let mut body = Map::new();
        body.insert("CallbackCommand".into(), command.into());
        body.insert("EventTime".into(), event_time_ms.into());
        for (k, v) in fields {
            body.insert(k.clone(), v.clone());
        }
        absolute(&mut body, &self.options.base);
        Value::Object(body).to_string().into_bytes()
    }
}

/// Makes `FaceUrl` and image URLs that are paths on this server absolute (the event log
/// keeps them as paths; webhooks and the subscribers' streams send them whole).
pub fn absolute(body: &mut Map<String, Value>, base: &str) {
    let fix = |v: &mut Value| {
        if let Some(path) = v.as_str().filter(|p| p.starts_with('/')) {
            *v = Value::from(format!("{base}{path}"));
        }
    };
    if let Some(face) = body.get_mut("FaceUrl") {
        fix(face);
    }
    if let Some(Value::Array(elements)) = body.get_mut("MsgBody") {
        for element in elements {
            if let Some(Value::Array(infos)) = element.pointer_mut("/MsgContent/ImageInfoArray") {
                for info in infos {
                    if let Some(url) = info.get_mut("URL") {
                        fix(url);
                    }
                }
            }
        }
    }
}
