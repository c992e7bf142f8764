//! `GET /subscriber/v1/events`: a Server-Sent Events stream of everything about the
//! caller's channels. Each event's `id:` is its position in the event log; a client that
//! reconnects with `Last-Event-ID` is given every event after it (within the replay window)
//! from the database, then goes on live from the hub's ring: the replay ends where the
//! snapshot it was read from ends, and live events start after it, so none is missed or
//! given twice.

use super::auth::{Refusal, User};
use super::hub::{Hub, Item, Kind};
use super::Subscribers;
use crate::rest::base_url;
use crate::rest::errors::{internal, invalid};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::{HashSet, VecDeque};
use std::convert::Infallible;
use std::sync::Arc;
use storage::streams::{Gap, StreamEvent};
use storage::Database;
use tokio::sync::watch;
use tokio::time::Instant;

/// How long an `EventSource` waits before reconnecting (the SSE `retry:` field).
const RETRY: &[u8] = b"retry: 2000\n\n";
const KEEPALIVE: &[u8] = b": keepalive\n\n";

pub(super) async fn events(State(subscribers): State<Subscribers>, user: User, headers: HeaderMap) -> Response {
    let state = &subscribers.state;
    let last = match last_event_id(&headers) {
        Ok(last) => last,
        Err(refusal) => return refusal.into_response(),
    };
    let db = state.storage.db.clone();
    let account = user.account.as_ref().to_owned();
    let id = storage::random::hex_token::<12>();
    if let Err(e) = db.open_stream(&id, &account, subscribers.options.max_per_user).await {
        return Refusal { status: StatusCode::INTERNAL_SERVER_ERROR, fail: internal(&e) }.into_response();
    }
    metrics::gauge!("console_subscriber_streams_open").increment(1.0);
    let opened = Opened { id: id.clone(), db: db.clone() };
    let window = subscribers.options.replay_window.as_millis() as i64;
    let since = state.webhooks.clock().now_ms() - window;
    // Everything committed before this request is placed first, so the stream starts after
    // it (on PostgreSQL a commit is placed a moment later; on SQLite this does nothing).
    let placed = db.place_events().await;
    let start = match placed {
        Ok(_) => db.stream_start(&account, last, since, subscribers.options.max_replay).await,
        Err(e) => Err(e),
    };
    let start = match start {
        Ok(start) => start,
        Err(e) => return Refusal { status: StatusCode::INTERNAL_SERVER_ERROR, fail: internal(&e) }.into_response(),
    };
    let hub = subscribers.hub.clone();
    let mut channels = start.channels;
    rewind(&mut channels, &start.changes);
    let discarded: HashSet<String> = [account.clone()].into();
    let replay: VecDeque<StreamEvent> = start.replay.into();
    let mut queue = VecDeque::from([Bytes::from_static(RETRY)]);
    if let Some(gap) = start.gap {
        queue.push_back(reset(gap));
    }
    let stream = Stream {
        id,
        account,
        base: base_url(&headers),
        channels,
        discarded_channels: start.discarded,
        discarded,
        cursor: if start.gap.is_none() { last.unwrap_or(start.upto) } else { start.upto },
        upto: start.upto,
        replay,
        queue,
        newest: hub.subscribe(),
        hub,
        keepalive: subscribers.options.keepalive,
        quiet_since: Instant::now(),
        ended: false,
        _opened: opened,
    };
    let body = futures_util::stream::unfold(stream, |mut stream| async move {
        stream.next().await.map(|frame| (Ok::<_, Infallible>(frame), stream))
    });
    let body = futures_util::StreamExt::fuse(body);
    let mut response = Body::from_stream(body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream; charset=utf-8"));
    // nginx and the like would hold the stream back to fill their buffers.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

/// `Last-Event-ID`: a position this API gave, or none.
fn last_event_id(headers: &HeaderMap) -> Result<Option<i64>, Refusal> {
    let Some(value) = headers.get("last-event-id") else { return Ok(None) };
    let text = value.to_str().unwrap_or("x").trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<i64>().ok().filter(|n| *n >= 0).map(Some).ok_or_else(|| Refusal {
        status: StatusCode::BAD_REQUEST,
        fail: invalid("Last-Event-ID must be the id of an event this API sent"),
    })
}

/// Undoes the user's subscription changes, newest first: the channels before them. (Each
/// change names only the users it added or removed.)
fn rewind(channels: &mut HashSet<i64>, changes: &[StreamEvent]) {
    let added = app::domain::Callback::AfterAddSubscriber.command();
    for change in changes.iter().rev() {
        let Some(channel) = change.channel_id else { continue };
        if change.command == added {
            channels.remove(&channel);
        } else {
            channels.insert(channel);
        }
    }
}

/// Told first when the events after `Last-Event-ID` cannot all be given: read the state
/// afresh (`official_accounts`, `messages`); live events follow.
fn reset(gap: Gap) -> Bytes {
    let reason = match gap {
        Gap::TooOld => "events after Last-Event-ID are older than the replay window",
        Gap::Unknown => "Last-Event-ID is not an event of this server",
        Gap::TooMany => "more events were missed than one replay gives",
    };
    let data = serde_json::json!({ "Reason": reason });
    Bytes::from(format!("event: reset\ndata: {data}\n\n"))
}

/// The stream's row in `subscriber_streams`, removed when the stream ends however it ends.
struct Opened {
    id: String,
    db: Arc<dyn Database>,
}

impl Drop for Opened {
    fn drop(&mut self) {
        metrics::gauge!("console_subscriber_streams_open").decrement(1.0);
        let (id, db) = (std::mem::take(&mut self.id), self.db.clone());
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(error) = db.close_stream(&id).await {
                    tracing::warn!(%error, "could not record a stream's end");
                }
            });
        }
    }
}

struct Stream {
    id: String,
    account: String,
    base: String,
    /// The channels the user subscribes to, as of `cursor`.
    channels: HashSet<i64>,
    /// Replayed posts: the user's channels whose posts they discard, and the set naming
    /// the user that a replayed post carries for them.
    discarded_channels: HashSet<i64>,
    discarded: HashSet<String>,
    /// The last position sent or passed over.
    cursor: i64,
    /// Where the replay ends and live events start.
    upto: i64,
    replay: VecDeque<StreamEvent>,
    /// Frames to send: at most one batch's worth.
    queue: VecDeque<Bytes>,
    newest: watch::Receiver<i64>,
    hub: Arc<Hub>,
    keepalive: std::time::Duration,
    quiet_since: Instant,
    ended: bool,
    _opened: Opened,
}

impl Stream {
    /// The next frame to send; `None` ends the stream.
    async fn next(&mut self) -> Option<Bytes> {
        loop {
            if let Some(frame) = self.queue.pop_front() {
                self.quiet_since = Instant::now();
                return Some(frame);
            }
            if self.ended || self.hub.stopped() {
                return None;
            }
            if let Some(event) = self.replay.pop_front() {
                let discarded = match event.channel_id {
                    Some(channel) if self.discarded_channels.contains(&channel) => self.discarded.clone(),
                    _ => HashSet::new(),
                };
                if let Some(item) = Item::new(event, discarded) {
                    self.take(&item);
                }
                continue;
            }
            self.cursor = self.cursor.max(self.upto);
            // Seen before reading: a position announced after this read wakes the wait.
            self.newest.borrow_and_update();
            match self.hub.after(self.cursor).await {
                Ok(items) if !items.is_empty() => {
                    for item in items {
                        self.take(&item);
                    }
                    continue;
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "a stream could not read events; it ends, and its client resumes");
                    return None;
                }
            }
            tokio::select! {
                changed = self.newest.changed() => if changed.is_err() { return None },
                () = tokio::time::sleep_until(self.quiet_since + self.keepalive) => {
                    self.queue.push_back(Bytes::from_static(KEEPALIVE));
                }
            }
        }
    }

    /// Passes an event: queued when it is the user's, and what it changes noted.
    fn take(&mut self, item: &Item) {
        self.cursor = self.cursor.max(item.position);
        let channel = item.channel_id;
        let send = match item.kind {
            Kind::Message => self.channels.contains(&channel) && !item.discarded.contains(&self.account),
            Kind::Recall | Kind::InfoChanged => self.channels.contains(&channel),
            Kind::Deleted => self.channels.remove(&channel),
            Kind::Subscribed => {
                item.names.contains(&self.account) && {
                    self.channels.insert(channel);
                    true
                }
            }
            Kind::Unsubscribed => {
                item.names.contains(&self.account) && {
                    self.channels.remove(&channel);
                    true
                }
            }
            Kind::StreamsClosed => {
                if item.names.contains(&self.id) {
                    let data = serde_json::json!({ "Reason": "the user opened more streams than allowed; this, the oldest, is closed" });
                    self.queue.push_back(Bytes::from(format!("event: closed\ndata: {data}\n\n")));
                    self.ended = true;
                }
                false
            }
        };
        if send {
            metrics::counter!("console_subscriber_stream_events_total").increment(1);
            self.queue.push_back(item.frame(&self.base));
        }
    }
}
