//! A Server-Sent Events reader for tests: frames read from a response as they come (from
//! the router in process, or from a real server over TCP), parsed into events.

use axum::body::Body;
use http_body_util::BodyExt;
use serde_json::Value;
use std::time::Duration;

/// Where the bytes come from.
pub enum Source {
    Router(Body),
    Http(reqwest::Response),
}

pub struct Sse {
    source: Source,
    buffer: String,
}

/// One frame: an event, or a comment (`: ...`) when `comment` is set.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: Option<i64>,
    pub event: String,
    pub data: Value,
    pub comment: bool,
}

impl Sse {
    pub fn new(source: Source) -> Self {
        Self { source, buffer: String::new() }
    }

    async fn chunk(&mut self) -> Option<Vec<u8>> {
        match &mut self.source {
            Source::Router(body) => loop {
                match body.frame().await? {
                    Ok(frame) => match frame.into_data() {
                        Ok(data) => return Some(data.to_vec()),
                        Err(_) => continue,
                    },
                    Err(_) => return None,
                }
            },
            Source::Http(response) => response.chunk().await.ok().flatten().map(|b| b.to_vec()),
        }
    }

    /// The next frame within `wait`: `None` when the stream ended or nothing came.
    pub async fn frame_within(&mut self, wait: Duration) -> Option<Event> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                if let Some(event) = parse(&frame) {
                    return Some(event);
                }
                continue;
            }
            let chunk = tokio::time::timeout(wait, self.chunk()).await.ok()??;
            self.buffer.push_str(&String::from_utf8(chunk).unwrap());
        }
    }

    /// The next event (comments passed over), which must come within 10 seconds.
    pub async fn next(&mut self) -> Event {
        loop {
            let event = self.frame_within(Duration::from_secs(10)).await.expect("an event within 10 s");
            if !event.comment {
                return event;
            }
        }
    }

    /// Whether the stream ends (rather than sending anything) within 10 seconds.
    pub async fn ends(&mut self) -> bool {
        loop {
            match self.frame_within(Duration::from_secs(10)).await {
                None => return tokio::time::timeout(Duration::from_millis(10), self.chunk()).await.is_ok(),
                Some(event) if event.comment => continue,
                Some(_) => return false,
            }
        }
    }
}

/// A frame's fields; `None` for one that only sets `retry:`.
fn parse(frame: &str) -> Option<Event> {
    let mut event = Event { id: None, event: "message".into(), data: Value::Null, comment: false };
    let mut any = false;
    for line in frame.lines() {
        if let Some(comment) = line.strip_prefix(':') {
            event.comment = true;
            event.event = comment.trim().to_owned();
            any = true;
        } else if let Some(id) = line.strip_prefix("id: ") {
            event.id = Some(id.parse().unwrap());
        } else if let Some(name) = line.strip_prefix("event: ") {
            event.event = name.to_owned();
            any = true;
        } else if let Some(data) = line.strip_prefix("data: ") {
            event.data = serde_json::from_str(data).unwrap();
            any = true;
        }
    }
    any.then_some(event)
}
