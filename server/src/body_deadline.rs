//! How long a request's body may take to arrive. The connection's idle timeout
//! (`crate::serve`) cuts a connection on which nothing moves, but a body sent one byte at a
//! time just inside it would hold a connection for ever: a thousand such requests to the
//! public sign-in function would take every connection the server has.
//!
//! So an ordinary request's whole body must arrive within [`BodyDeadline::whole`] of its
//! headers. Uploads (`POST /media` and the REST API's `upload_image`), which stream bodies
//! of many megabytes over slow links, are measured by progress instead: at least
//! [`BodyDeadline::upload_min_bytes`] in every [`BodyDeadline::upload_window`]. A request
//! cut off is answered `408 Request Timeout` and its connection closed.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper::body::{Body as HttpBody, Frame, SizeHint};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// The time limits on request bodies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BodyDeadline {
    /// An ordinary request's whole body must arrive within this long of its headers.
    pub whole: Duration,
    /// An upload must bring at least `upload_min_bytes` in every window this long.
    pub upload_window: Duration,
    pub upload_min_bytes: u64,
}

impl Default for BodyDeadline {
    /// 30 seconds for a body of at most a megabyte (a server function's, a REST command's);
    /// uploads at least 64 KiB every 10 seconds (6.4 KB/s, a poor mobile link).
    fn default() -> Self {
        Self { whole: Duration::from_secs(30), upload_window: Duration::from_secs(10), upload_min_bytes: 64 * 1024 }
    }
}

/// The requests whose bodies are uploads, measured by progress.
fn is_upload(method: &Method, path: &str) -> bool {
    *method == Method::POST && (path == "/media" || path == "/v4/official_account_open_http_svc/upload_image")
}

/// The middleware: the request's body is read under its limit, and a request whose body
/// was cut off is answered 408 whatever its handler made of the broken body.
pub async fn limit(State(deadline): State<BodyDeadline>, request: Request, next: Next) -> Response {
    let rule = if is_upload(request.method(), request.uri().path()) {
        Rule::Progress { window: deadline.upload_window, min_bytes: deadline.upload_min_bytes }
    } else {
        Rule::Whole
    };
    let first = match rule {
        Rule::Whole => deadline.whole,
        Rule::Progress { window, .. } => window,
    };
    let cut = Arc::new(AtomicBool::new(false));
    let path = request.uri().path().to_owned();
    let request = request.map(|inner| {
        Body::new(Timed { inner, rule, timer: Box::pin(tokio::time::sleep(first)), received: 0, cut: cut.clone() })
    });
    let response = next.run(request).await;
    if !cut.load(Ordering::SeqCst) {
        return response;
    }
    tracing::info!(%path, "request body too slow: cut off");
    let mut response = (StatusCode::REQUEST_TIMEOUT, "The request took too long to arrive.\n").into_response();
    // The rest of the body may still be on its way: the connection cannot carry another
    // request.
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

#[derive(Clone, Copy, Debug)]
enum Rule {
    /// The whole body before the timer fires.
    Whole,
    /// At least `min_bytes` each time the timer fires, which then starts again.
    Progress { window: Duration, min_bytes: u64 },
}

/// A request body that fails once its rule is broken.
struct Timed {
    inner: Body,
    rule: Rule,
    timer: Pin<Box<Sleep>>,
    /// Bytes received since the timer last started (uploads).
    received: u64,
    /// Set when the body was cut off.
    cut: Arc<AtomicBool>,
}

impl Timed {
    fn cut_off(&mut self) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        self.cut.store(true, Ordering::SeqCst);
        let err = std::io::Error::new(std::io::ErrorKind::TimedOut, "request body too slow");
        Poll::Ready(Some(Err(axum::Error::new(err))))
    }
}

impl HttpBody for Timed {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if this.cut.load(Ordering::SeqCst) {
            return this.cut_off();
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.received = this.received.saturating_add(data.len() as u64);
                }
                // A body that keeps coming but is late still is late.
                if matches!(this.rule, Rule::Whole) && Instant::now() >= this.timer.deadline() {
                    return this.cut_off();
                }
                return Poll::Ready(Some(Ok(frame)));
            }
            Poll::Ready(other) => return Poll::Ready(other),
            Poll::Pending => {}
        }
        // Waiting for the client: has it had its time? (Polling the timer also has this
        // task woken when it runs out.)
        loop {
            if this.timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            match this.rule {
                Rule::Whole => return this.cut_off(),
                Rule::Progress { window, min_bytes } => {
                    if this.received < min_bytes {
                        return this.cut_off();
                    }
                    this.received = 0;
                    this.timer.as_mut().reset(Instant::now() + window);
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_are_the_media_route_and_the_rest_upload() {
        assert!(is_upload(&Method::POST, "/media"));
        assert!(is_upload(&Method::POST, "/v4/official_account_open_http_svc/upload_image"));
        assert!(!is_upload(&Method::POST, "/api/sign_in"));
        assert!(!is_upload(&Method::POST, "/v4/official_account_open_http_svc/send_message"));
        assert!(!is_upload(&Method::GET, "/media"));
        assert!(!is_upload(&Method::POST, "/media/x"));
    }
}
