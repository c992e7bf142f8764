//! The event log and the webhook outbox (one table, `events`): what happened that an app
//! may hear of, written in the transaction of the change that caused it, so that no
//! committed change goes unannounced and no rolled-back one is announced.
//!
//! A row is an event (its vendor `CallbackCommand`, its channel, who caused it and how, and
//! its body fields as JSON) and, when the webhook was switched on for it at that moment,
//! its delivery: pending until a server delivers it, retried on a schedule, then delivered
//! or failed. Servers claim due deliveries with one statement (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL; SQLite's single writer) that also pushes the row's next attempt past a
//! lease: one server at a time attempts an event, and a crashed server's claim runs out.
//!
//! The same rows can later feed live streams to subscribers and time-driven work
//! (scheduled posts): anything that needs "this happened, in this order, at least once".

use crate::audit::Actor;
use domain::Callback;
use serde_json::{Map, Value};

/// An event to record, built by the change that causes it.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// The vendor callback; `None` for the console's test event.
    pub callback: Option<Callback>,
    pub channel_id: Option<i64>,
    pub channel_account: String,
    pub channel_name: String,
    /// The body's fields besides `CallbackCommand` and `EventTime`. Image addresses of this
    /// server are stored as paths (`/media/...`) and made absolute when delivered.
    pub fields: Map<String, Value>,
}

impl NewEvent {
    pub fn command(&self) -> &'static str {
        self.callback.map(Callback::command).unwrap_or(domain::webhook::TEST_COMMAND)
    }

    /// The bit the webhook's switches must have for it to be delivered (0: always, when a
    /// URL is set).
    pub(crate) fn bit(&self) -> i64 {
        self.callback.map(Callback::bit).unwrap_or(0)
    }
}

/// The vendor's `OptPlatform` and `Operator_Account` of an action, from who made it.
impl Actor {
    pub fn platform(&self) -> &'static str {
        match self {
            Actor::Api { .. } => "RESTAPI",
            Actor::Operator { .. } | Actor::SignInAttempt { .. } => "Web",
            Actor::Subscriber { platform, .. } => platform,
            Actor::ServerCommand => "Unknown",
        }
    }

    pub fn operator_account(&self) -> String {
        match self {
            Actor::Api { identifier, .. } => identifier.clone(),
            Actor::Operator { name, .. } | Actor::SignInAttempt { name, .. } => name.clone(),
            Actor::Subscriber { account, .. } => account.clone(),
            Actor::ServerCommand => String::new(),
        }
    }
}

/// The webhook's settings as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredWebhook {
    pub url: String,
    pub token: String,
    /// The callbacks switched on, as [`Callback::bit`]s.
    pub callbacks: i64,
    pub refuse_when_down: bool,
    /// The Standard Webhooks signing secret (`whsec_...`); empty before one is made.
    pub secret: String,
    /// The secret it replaced, still signed with until `previous_until` (unix ms), so
    /// receivers can switch over.
    pub previous_secret: String,
    pub previous_until: i64,
}

impl StoredWebhook {
    pub fn is_on(&self, callback: Callback) -> bool {
        !self.url.is_empty() && self.callbacks & callback.bit() != 0
    }
}

/// A delivery a server has claimed: the event, and which attempt this is.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub command: String,
    pub channel_id: Option<i64>,
    pub channel_account: String,
    pub platform: String,
    pub operator: String,
    pub client_ip: String,
    /// Unix milliseconds.
    pub created_at: i64,
    pub payload: String,
    /// This attempt's number (1 for the first); the claim's token.
    pub attempts: i64,
}

/// How an attempt went, to record.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub id: i64,
    /// The claim's attempt number: a result whose claim was taken over is not recorded.
    pub attempt: i64,
    /// Unix milliseconds.
    pub at: i64,
    pub status: Option<i64>,
    /// Empty when delivered.
    pub error: String,
    pub latency_ms: i64,
    /// When to try again (unix ms); `None` when delivered or given up.
    pub retry_at: Option<i64>,
}

impl Attempt {
    pub(crate) fn state(&self) -> &'static str {
        match (self.error.is_empty(), self.retry_at) {
            (true, _) => "delivered",
            (false, Some(_)) => "pending",
            (false, None) => "failed",
        }
    }
}

impl NewEvent {
    /// An event about a channel: `Official_Account` and the given fields.
    pub fn about(callback: Callback, channel: &crate::messages::AccountRow, fields: Map<String, Value>) -> Self {
        Self::in_channel(callback, channel.id, &channel.account_id, &channel.name, fields)
    }

    pub fn in_channel(callback: Callback, id: i64, account: &str, name: &str, fields: Map<String, Value>) -> Self {
        let mut all = Map::new();
        all.insert("Official_Account".into(), Value::from(account));
        all.extend(fields);
        NewEvent {
            callback: Some(callback),
            channel_id: Some(id),
            channel_account: account.to_owned(),
            channel_name: name.to_owned(),
            fields: all,
        }
    }

    /// The vendor's fields for a change to a channel itself (made, changed, destroyed).
    pub fn channel(callback: Callback, channel: &crate::messages::AccountRow, by: &Actor) -> Self {
        let operator = Value::from(by.operator_account());
        let fields: Vec<(&str, Value)> = match callback {
            Callback::AfterCreateOfficialAccount => vec![
                ("Operator_Account", operator),
                ("Owner_Account", channel.owner_account.clone().into()),
                ("Name", channel.name.clone().into()),
            ],
            Callback::AfterOfficialAccountInfoChanged => vec![
                ("Operator_Account", operator),
                ("Name", channel.name.clone().into()),
                ("Introduction", channel.profile.clone().into()),
                ("FaceUrl", face_url(channel).into()),
                ("Organization", channel.organization.clone().into()),
            ],
            _ => vec![("Owner_Account", channel.owner_account.clone().into()), ("Name", channel.name.clone().into())],
        };
        Self::about(callback, channel, fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    /// Subscribers added or removed (`SubscribeAccountList`).
    /// `channel` is its id, account id and name.
    pub fn subscribers(callback: Callback, channel: (i64, &str, &str), accounts: &[&str], by: &Actor) -> Self {
        let list: Vec<Value> = accounts.iter().map(|a| serde_json::json!({ "Subscriber_Account": a })).collect();
        let fields = [
            ("Operator_Account".to_owned(), Value::from(by.operator_account())),
            ("SubscribeAccountList".to_owned(), Value::Array(list)),
        ];
        let (id, account, name) = channel;
        Self::in_channel(callback, id, account, name, fields.into_iter().collect())
    }
}

/// A channel's picture: its photo on this server (as a path, made absolute when sent) or
/// the FaceUrl given through the API.
pub fn face_url(channel: &crate::messages::AccountRow) -> String {
    match (&channel.photo, &channel.face_url) {
        (Some(photo), _) => domain::media_url(photo.as_ref()),
        (None, Some(url)) => url.clone(),
        (None, None) => String::new(),
    }
}
