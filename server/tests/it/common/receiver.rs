//! An app backend's webhook receiver on 127.0.0.1: records every call and answers what the
//! test says (status and body), or is down.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub struct Hit {
    pub query: HashMap<String, String>,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Hit {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    pub fn command(&self) -> String {
        self.query.get("CallbackCommand").cloned().unwrap_or_default()
    }

    pub fn header(&self, name: &str) -> String {
        self.headers.get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
    }
}

#[derive(Default)]
struct Shared {
    hits: Mutex<Vec<Hit>>,
    answer: Mutex<(u16, String)>,
}

pub struct Receiver {
    pub url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

async fn record(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let query = serde_urlencoded::from_str(query.as_deref().unwrap_or_default()).unwrap();
    shared.hits.lock().unwrap().push(Hit { query, headers, body: body.to_vec() });
    let (status, body) = shared.answer.lock().unwrap().clone();
    (StatusCode::from_u16(status).unwrap(), body)
}

impl Receiver {
    pub async fn start() -> Self {
        Self::start_on(0).await
    }

    /// A receiver on this port (0: any free one).
    pub async fn start_on(port: u16) -> Self {
        let shared = Arc::new(Shared::default());
        *shared.answer.lock().unwrap() = (200, r#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}"#.to_owned());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let url = format!("http://{}/im/callback", listener.local_addr().unwrap());
        let app = Router::new().route("/im/callback", post(record)).with_state(shared.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { url, shared, task }
    }

    /// Answers every call so from now on.
    pub fn answer(&self, status: u16, body: &str) {
        *self.shared.answer.lock().unwrap() = (status, body.to_owned());
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.shared.hits.lock().unwrap().clone()
    }

    pub fn take(&self) -> Vec<Hit> {
        std::mem::take(&mut *self.shared.hits.lock().unwrap())
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}
