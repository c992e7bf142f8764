//! This server's reader of the event log for the subscribers' streams. One task reads the
//! events after the last it read whenever a commit is announced (PostgreSQL `NOTIFY` from
//! any server, SQLite's in-process bell) and at least once a second, and keeps the newest
//! of them in a ring that every stream reads from with its own cursor: an event is read
//! from the database once per server, whatever the number of streams. A stream whose
//! cursor is behind the ring (a slow client, a replay) reads the database itself, so a
//! slow stream holds nothing up and nothing queues for it in memory.

use axum::body::Bytes;
use serde_json::{Map, Value};
use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;
use storage::streams::{StreamEvent, STREAMS_CLOSED};
use storage::{Database, StoreResult};
use tokio::sync::watch;

/// Events the ring keeps.
const RING: usize = 4096;
/// Events read from the database at once.
const BATCH: u32 = 500;
/// Events one stream takes from the ring at once.
const TAKE: usize = 256;

/// What a stream says an event is (its SSE `event:` name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Message,
    Recall,
    InfoChanged,
    Deleted,
    Subscribed,
    Unsubscribed,
    /// Not sent: closes the streams it names.
    StreamsClosed,
}

impl Kind {
    fn of(command: &str) -> Option<Kind> {
        use app::domain::Callback as C;
        Some(match command {
            c if c == C::AfterSendMsg.command() => Kind::Message,
            c if c == C::AfterMsgWithDraw.command() => Kind::Recall,
            c if c == C::AfterOfficialAccountInfoChanged.command() => Kind::InfoChanged,
            c if c == C::AfterOfficialAccountDestroyed.command() => Kind::Deleted,
            c if c == C::AfterAddSubscriber.command() => Kind::Subscribed,
            c if c == C::AfterDeleteSubscriber.command() => Kind::Unsubscribed,
            STREAMS_CLOSED => Kind::StreamsClosed,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Message => "message",
            Kind::Recall => "recall",
            Kind::InfoChanged => "info_changed",
            Kind::Deleted => "deleted",
            Kind::Subscribed => "subscribed",
            Kind::Unsubscribed => "unsubscribed",
            Kind::StreamsClosed => "closed",
        }
    }
}

/// An event as streams carry it.
#[derive(Debug)]
pub struct Item {
    pub position: i64,
    pub kind: Kind,
    pub channel_id: i64,
    /// The users a subscriber event names; the streams a `StreamsClosed` closes.
    pub names: HashSet<String>,
    /// A post's: the users who asked not to receive the channel's posts.
    pub discarded: HashSet<String>,
    /// What the stream sends, image and photo URLs as paths.
    data: Map<String, Value>,
    /// The frame made for the first origin asked (usually the only one).
    frame: OnceLock<(String, Bytes)>,
}

impl Item {
    /// The event as streams carry it; `None` for events they do not.
    pub fn new(event: StreamEvent, discarded: HashSet<String>) -> Option<Item> {
        let kind = Kind::of(&event.command)?;
        let position = event.position?;
        let names = event.accounts();
        let payload: Map<String, Value> = serde_json::from_str(&event.payload).unwrap_or_default();
        let pick = |fields: &[&str]| -> Map<String, Value> {
            fields.iter().filter_map(|f| payload.get(*f).map(|v| ((*f).to_owned(), v.clone()))).collect()
        };
        let mut data = match kind {
            Kind::Message => pick(&["MsgKey", "MsgTime", "MsgBody", "CloudCustomData"]),
            Kind::Recall => {
                let key = payload.get("WithdrawMsgList").and_then(|l| l.pointer("/0/MsgKey")).cloned();
                key.map(|k| Map::from_iter([("MsgKey".to_owned(), k)])).unwrap_or_default()
            }
            Kind::InfoChanged => pick(&["Name", "Introduction", "FaceUrl", "Organization"]),
            Kind::Subscribed | Kind::Unsubscribed => {
                Map::from_iter([("Name".to_owned(), Value::from(event.channel_name.clone()))])
            }
            Kind::Deleted | Kind::StreamsClosed => Map::new(),
        };
        data.insert("Official_Account".into(), Value::from(event.channel_account));
        Some(Item {
            position,
            kind,
            channel_id: event.channel_id.unwrap_or_default(),
            names,
            discarded,
            data,
            frame: OnceLock::new(),
        })
    }

    /// The SSE frame, URLs made absolute under `base`.
    pub fn frame(&self, base: &str) -> Bytes {
        let (made_for, frame) = self.frame.get_or_init(|| (base.to_owned(), self.make_frame(base)));
        if made_for == base {
            frame.clone()
        } else {
            self.make_frame(base)
        }
    }

    fn make_frame(&self, base: &str) -> Bytes {
        let mut data = self.data.clone();
        webhooks::absolute(&mut data, base);
        // serde_json writes no raw line breaks: the data is one `data:` line.
        let json = Value::Object(data).to_string();
        Bytes::from(format!("id: {}\nevent: {}\ndata: {json}\n\n", self.position, self.kind.name()))
    }
}

/// The newest events, and how far they reach.
struct Ring {
    items: VecDeque<Arc<Item>>,
    /// Every event after `start` up to `cursor` is in `items`.
    start: i64,
    cursor: i64,
    ready: bool,
}

pub struct Hub {
    db: Arc<dyn Database>,
    ring: Mutex<Ring>,
    /// The newest position read: streams wait on it.
    newest: watch::Sender<i64>,
    /// The server is stopping: streams end.
    stopped: std::sync::atomic::AtomicBool,
}

impl Hub {
    /// A hub, and its reading task (which ends when the hub is dropped). When `stop` turns
    /// `true`, every stream ends.
    pub fn start(db: Arc<dyn Database>, stop: Option<watch::Receiver<bool>>) -> Arc<Hub> {
        let ring = Ring { items: VecDeque::new(), start: 0, cursor: 0, ready: false };
        let hub = Arc::new(Hub {
            db: db.clone(),
            ring: Mutex::new(ring),
            newest: watch::Sender::new(0),
            stopped: Default::default(),
        });
        let weak = Arc::downgrade(&hub);
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return hub };
        if let Some(mut stop) = stop {
            let weak = weak.clone();
            runtime.spawn(async move {
                while !*stop.borrow_and_update() {
                    if stop.changed().await.is_err() {
                        return;
                    }
                }
                if let Some(hub) = weak.upgrade() {
                    hub.stopped.store(true, std::sync::atomic::Ordering::SeqCst);
                    // Wakes every stream, which then sees the hub stopped.
                    hub.newest.send_modify(|_| {});
                }
            });
        }
        runtime.spawn(async move {
            loop {
                let Some(hub) = weak.upgrade() else { break };
                if let Err(error) = hub.read().await {
                    tracing::warn!(%error, "reading events for the subscribers' streams failed; will retry");
                }
                drop(hub);
                db.wait_for_stream_events(Duration::from_secs(1)).await;
            }
        });
        hub
    }

    fn ring(&self) -> std::sync::MutexGuard<'_, Ring> {
        self.ring.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn stopped(&self) -> bool {
        self.stopped.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn subscribe(&self) -> watch::Receiver<i64> {
        self.newest.subscribe()
    }

    /// Reads what was committed since the last read into the ring.
    async fn read(&self) -> StoreResult<()> {
        let newest = self.db.place_events().await?;
        if !self.ring().ready {
            let mut ring = self.ring();
            (ring.start, ring.cursor, ring.ready) = (newest, newest, true);
            drop(ring);
            self.newest.send_replace(newest);
            return Ok(());
        }
        loop {
            let cursor = self.ring().cursor;
            let events = self.db.stream_events(cursor, BATCH).await?;
            let Some(last) = events.last().and_then(|e| e.position) else { break };
            let full = events.len() == BATCH as usize;
            let items = self.items(events).await?;
            let mut ring = self.ring();
            ring.items.extend(items);
            while ring.items.len() > RING {
                if let Some(gone) = ring.items.pop_front() {
                    ring.start = gone.position;
                }
            }
            ring.cursor = last;
            drop(ring);
            metrics::gauge!("console_subscriber_stream_position").set(last as f64);
            self.newest.send_replace(last);
            if !full {
                break;
            }
        }
        Ok(())
    }

    /// The events as streams carry them; a post knows who discards its channel's posts.
    pub async fn items(&self, events: Vec<StreamEvent>) -> StoreResult<Vec<Arc<Item>>> {
        let mut items = Vec::with_capacity(events.len());
        for event in events {
            let discarded = match (Kind::of(&event.command), event.channel_id) {
                (Some(Kind::Message), Some(channel)) => self.db.discarding(channel).await?,
                _ => HashSet::new(),
            };
            items.extend(Item::new(event, discarded).map(Arc::new));
        }
        Ok(items)
    }

    /// The events after `cursor`, a batch at a time: from the ring, or from the database
    /// for a stream behind it. Empty when there is none yet.
    pub async fn after(&self, cursor: i64) -> StoreResult<Vec<Arc<Item>>> {
        {
            let ring = self.ring();
            if !ring.ready || cursor >= ring.cursor {
                return Ok(Vec::new());
            }
            if cursor >= ring.start {
                let first = ring.items.partition_point(|i| i.position <= cursor);
                return Ok(ring.items.range(first..).take(TAKE).cloned().collect());
            }
        }
        let events = self.db.stream_events(cursor, TAKE as u32).await?;
        self.items(events).await
    }
}
