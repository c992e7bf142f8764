//! One id per request: taken from the `x-request-id` a trusted proxy sent when it is a plain
//! token (anyone else's is not believed),
//! made otherwise, sent back as `x-request-id`, and carried by every log line written while
//! the request is handled (with `--log-format json`, a field of each line). Each request
//! ends with one line: its method, path, status and time.
//!
//! The compiled app's own files under `/pkg/` get an id in the log but do not carry it back:
//! they are immutable and fetched thirty at a time on a first visit, whose bytes (headers
//! included) have a budget that 32 bytes a file would break.

use crate::forwarded::TrustedProxies;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::net::SocketAddr;
use std::time::Instant;
use tracing::Instrument;

pub const HEADER: &str = "x-request-id";

/// A proxy's id is kept when it is short and plain (it goes into logs and a header).
fn plain(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

pub async fn request_id(State(proxies): State<TrustedProxies>, request: Request, next: Next) -> Response {
    let from_proxy =
        request.extensions().get::<ConnectInfo<SocketAddr>>().is_some_and(|peer| proxies.contains(peer.0.ip()));
    let id = request
        .headers()
        .get(HEADER)
        .filter(|_| from_proxy)
        .and_then(|v| v.to_str().ok())
        .filter(|id| plain(id))
        .map(str::to_owned)
        .unwrap_or_else(storage::random::hex_token::<8>);
    let span = tracing::info_span!("request", id = %id);
    let (method, path) = (request.method().clone(), request.uri().path().to_owned());
    let echo = !path.starts_with("/pkg/");
    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    span.in_scope(|| {
        tracing::info!(%method, %path, status = response.status().as_u16(), ms = started.elapsed().as_secs_f64() * 1e3, "answered")
    });
    if let Some(value) = HeaderValue::from_str(&id).ok().filter(|_| echo) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_plain_ids_are_kept() {
        for ok in ["abc", "0f1e-22_x.y", &"a".repeat(64)] {
            assert!(super::plain(ok), "{ok}");
        }
        for bad in ["", "a b", "a\nb", "<script>", &"a".repeat(65), "é"] {
            assert!(!super::plain(bad), "{bad}");
        }
    }
}
