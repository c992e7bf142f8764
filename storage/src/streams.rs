//! What the subscribers' live streams read from the event log (see `crate::events`): the
//! events they carry, in the order streams see them (their *position*), and where a stream
//! starts.
//!
//! A position is the event's place in commit order. On SQLite, where one writer commits
//! events one after the other, it is the event's id; on PostgreSQL a sequencer gives
//! committed events their positions (see the `live_streams` migration), so that a reader
//! past position `p` never later finds an event before `p` committed.

use domain::Callback;
use std::collections::HashSet;

/// Closes streams on whatever server holds them: written when a user's sixth stream opens,
/// never delivered to a webhook. Its payload: `{"Streams": [stream ids]}`.
pub const STREAMS_CLOSED: &str = "Console.StreamsClosed";

/// The vendor callbacks whose events reach subscribers' streams.
pub const STREAMED: [Callback; 6] = [
    Callback::AfterSendMsg,
    Callback::AfterMsgWithDraw,
    Callback::AfterOfficialAccountInfoChanged,
    Callback::AfterOfficialAccountDestroyed,
    Callback::AfterAddSubscriber,
    Callback::AfterDeleteSubscriber,
];

/// An event as streams read it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StreamEvent {
    /// Its place in the streams' order; `None` on PostgreSQL before the sequencer placed it.
    pub position: Option<i64>,
    pub command: String,
    pub channel_id: Option<i64>,
    pub channel_account: String,
    pub channel_name: String,
    /// Unix milliseconds.
    pub created_at: i64,
    /// The event's fields as JSON (see `crate::events::NewEvent::fields`).
    pub payload: String,
}

/// What a stream opening needs, read in one snapshot of the database.
#[derive(Debug, Clone, Default)]
pub struct StreamStart {
    /// The newest position: the stream goes on live after it.
    pub upto: i64,
    /// The channels the user subscribes to now, and those among them whose posts the user
    /// asked not to receive (`MsgFlag` `Discard`).
    pub channels: HashSet<i64>,
    pub discarded: HashSet<i64>,
    /// The events that added or removed subscribers naming this user (perhaps among
    /// others) after the stream's starting point, placed or not yet: what undoes `channels`
    /// back to that point. In order, unplaced ones last.
    pub changes: Vec<StreamEvent>,
    /// The events after `Last-Event-ID` up to `upto` in the channels the user subscribes
    /// to or did meanwhile, in order (empty without one).
    pub replay: Vec<StreamEvent>,
    /// Why the events after `Last-Event-ID` cannot all be given again, if they cannot.
    pub gap: Option<Gap>,
}

/// Why a stream cannot be resumed where its client asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gap {
    /// Events after it are older than the replay window, or were pruned.
    TooOld,
    /// No such position was ever given (another database, or restored from a backup).
    Unknown,
    /// More events than one replay gives.
    TooMany,
}

impl StreamEvent {
    /// The accounts a subscriber event names (`SubscribeAccountList`); none for others.
    pub fn accounts(&self) -> HashSet<String> {
        let payload: serde_json::Value = serde_json::from_str(&self.payload).unwrap_or_default();
        payload
            .get("SubscribeAccountList")
            .or_else(|| payload.get("Streams"))
            .and_then(|list| list.as_array())
            .map(|list| {
                list.iter()
                    .filter_map(|item| item.get("Subscriber_Account").or(Some(item)).and_then(|a| a.as_str()))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The `LIKE` pattern that finds `account` in an event's payload: its JSON string, with
/// `LIKE`'s wildcards escaped (by `\`). Only a first sieve: matches are checked exactly.
pub(crate) fn payload_pattern(account: &str) -> String {
    let quoted = serde_json::to_string(account).unwrap_or_default();
    let escaped = quoted.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_escape_wildcards_and_accounts_are_read_exactly() {
        assert_eq!(payload_pattern("a_b%c"), "%\"a\\_b\\%c\"%");
        let event = StreamEvent {
            position: Some(1),
            command: Callback::AfterAddSubscriber.command().into(),
            channel_id: Some(1),
            channel_account: "c".into(),
            channel_name: "C".into(),
            created_at: 0,
            payload: r#"{"SubscribeAccountList":[{"Subscriber_Account":"ann"},{"Subscriber_Account":"bo"}]}"#.into(),
        };
        assert_eq!(event.accounts(), ["ann".to_owned(), "bo".to_owned()].into());
        let closed = StreamEvent { payload: r#"{"Streams":["s1","s2"]}"#.into(), ..event };
        assert_eq!(closed.accounts(), ["s1".to_owned(), "s2".to_owned()].into());
    }
}
