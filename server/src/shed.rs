//! Shedding load instead of queueing it. Past what the machine can serve, every request
//! waiting its turn makes all the others slower: at twice the capacity the answers took
//! 44 s. So requests of each kind are served at most `max_in_flight` at a time; one that
//! finds them all busy waits at most `queue` for a turn and is otherwise answered 503 with
//! `Retry-After` at once. The REST API and the console have a budget each, so an app
//! flooding the API leaves operators' pages and sign-in alone; health checks, the metrics,
//! the compiled app's files, images and the console's uploads (`POST /media`, which have
//! limits of their own: bytes, progress, connections) are never held back. One client address may hold at most a
//! quarter of a kind's turns, so a client that sends its bodies slowly cannot take them all:
//! past that it is answered 429 (trusted proxies are exempt: they buffer bodies, and every
//! client behind one shares its address).

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::Body as HttpBody;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How much is served at once, per kind of request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShedLimits {
    /// Requests of one kind served at once.
    pub max_in_flight: usize,
    /// How long a request may wait for a turn before it is refused.
    pub queue: Duration,
}

impl Default for ShedLimits {
    fn default() -> Self {
        Self { max_in_flight: 32, queue: Duration::from_millis(5) }
    }
}

/// The turns of each kind of request.
#[derive(Clone, Debug)]
pub struct Shedder {
    rest: Arc<Semaphore>,
    console: Arc<Semaphore>,
    queue: Duration,
    /// Turns one client address may hold, per kind.
    per_client: usize,
    /// Turns held, per kind and client address.
    held: Holders,
    proxies: crate::forwarded::TrustedProxies,
}

#[derive(Clone, Copy)]
enum Kind {
    Rest,
    Console,
}

impl Kind {
    fn index(self) -> u8 {
        self as u8
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Rest => "rest",
            Kind::Console => "console",
        }
    }
}

impl Shedder {
    pub fn new(limits: ShedLimits, proxies: crate::forwarded::TrustedProxies) -> Self {
        let permits = limits.max_in_flight.max(1);
        Self {
            rest: Arc::new(Semaphore::new(permits)),
            console: Arc::new(Semaphore::new(permits)),
            queue: limits.queue,
            per_client: (permits / 4).max(1),
            held: Arc::default(),
            proxies,
        }
    }

    /// Counts a turn for `client`, unless it holds its share already.
    fn take_share(&self, kind: Kind, client: Option<IpAddr>) -> Result<Share, ()> {
        let Some(ip) = client.filter(|ip| !self.proxies.contains(*ip)) else {
            return Ok(Share { held: None });
        };
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let count = held.entry((kind.index(), ip)).or_insert(0);
        if *count >= self.per_client {
            return Err(());
        }
        *count += 1;
        Ok(Share { held: Some((self.held.clone(), (kind.index(), ip))) })
    }

    fn kind(path: &str) -> Option<Kind> {
        // A subscriber's stream lasts as long as the client stays: it takes no turn (the
        // connection cap and the per-client cap hold streams in check).
        let free = matches!(path, "/healthz" | "/readyz" | "/metrics" | "/media" | "/subscriber/v1/events")
            || path.starts_with("/pkg/")
            || path.starts_with("/media/")
            || path.starts_with("/language/");
        if free {
            None
        } else if path.starts_with("/v4/") || path.starts_with("/subscriber/") {
            Some(Kind::Rest)
        } else {
            Some(Kind::Console)
        }
    }

    fn turns(&self, kind: Kind) -> &Arc<Semaphore> {
        match kind {
            Kind::Rest => &self.rest,
            Kind::Console => &self.console,
        }
    }
}

/// Turns held, per (kind, client address).
type Holders = Arc<Mutex<HashMap<(u8, IpAddr), usize>>>;

/// A client's count of held turns, given back when dropped.
struct Share {
    held: Option<(Holders, (u8, IpAddr))>,
}

impl Drop for Share {
    fn drop(&mut self) {
        if let Some((held, key)) = &self.held {
            let mut held = held.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(count) = held.get_mut(key) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    held.remove(key);
                }
            }
        }
    }
}

pub async fn shed(State(shedder): State<Shedder>, request: Request, next: Next) -> Response {
    let Some(kind) = Shedder::kind(request.uri().path()) else { return next.run(request).await };
    let client = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let Ok(share) = shedder.take_share(kind, client) else {
        metrics::counter!("http_requests_shed_total", "kind" => kind.label()).increment(1);
        let mut response = busy(kind, request.uri().path());
        *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        return response;
    };
    let turns = shedder.turns(kind).clone();
    let permit = match turns.clone().try_acquire_owned() {
        Ok(permit) => permit,
        Err(_) => match tokio::time::timeout(shedder.queue, turns.acquire_owned()).await {
            Ok(Ok(permit)) => permit,
            _ => {
                metrics::counter!("http_requests_shed_total", "kind" => kind.label()).increment(1);
                return busy(kind, request.uri().path());
            }
        },
    };
    let response = next.run(request).await;
    // The turn ends with the body: a page streams after its head.
    response.map(|body| Body::new(Held { body, _permit: permit, _share: share }))
}

/// 503 with `Retry-After`, in the form the caller reads: the vendor's envelope for the REST
/// API, the console's error for its functions, a line of text otherwise.
fn busy(kind: Kind, path: &str) -> Response {
    let mut response = match kind {
        Kind::Rest => {
            (StatusCode::SERVICE_UNAVAILABLE, axum::Json(crate::rest::errors::busy().envelope())).into_response()
        }
        Kind::Console if path.starts_with("/api/") => {
            (StatusCode::SERVICE_UNAVAILABLE, axum::Json(app::error::AppError::Busy { retry_after_secs: 1 }))
                .into_response()
        }
        Kind::Console => {
            (StatusCode::SERVICE_UNAVAILABLE, "The server is busy. Try again in a moment.\n").into_response()
        }
    };
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A response body that holds its request's turn until it is sent or dropped.
struct Held {
    body: Body,
    _permit: OwnedSemaphorePermit,
    _share: Share,
}

impl HttpBody for Held {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert!(matches!(Shedder::kind("/v4/official_account_open_http_svc/send"), Some(Kind::Rest)));
        assert!(matches!(Shedder::kind("/api/sign_in"), Some(Kind::Console)));
        assert!(matches!(Shedder::kind("/subscriber/v1/subscribe"), Some(Kind::Rest)));
        assert!(Shedder::kind("/subscriber/v1/events").is_none());
        assert!(matches!(Shedder::kind("/channels"), Some(Kind::Console)));
        for free in ["/healthz", "/readyz", "/metrics", "/pkg/app.wasm", "/media", "/media/abc/thumb", "/language/ko"] {
            assert!(Shedder::kind(free).is_none(), "{free}");
        }
    }
}
