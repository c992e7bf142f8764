//! Accepting connections, with the limits axum's `serve` does not offer: how long a client
//! may take to send a request's headers, how long a connection may stay silent, and how
//! many connections are open at once, in all and from one client address. A client that
//! opens connections and never finishes a request holds each for the header timeout at
//! most, and past either cap new connections are answered 503 and closed at once instead of
//! waiting in the kernel's queue. (How long a request's body may take is
//! `crate::body_deadline`'s.)

use crate::forwarded::TrustedProxies;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};
use tower::Service;

/// The limits on connections (see the README, "Limits").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// A request's headers must arrive in full within this long of the server starting to
    /// wait for them: from the connection's opening, and on a kept-alive connection from the
    /// end of the previous response, so this is also how long an idle kept-alive connection
    /// is held.
    pub header_timeout: Duration,
    /// A connection on which no byte moves either way for this long is closed: a stalled
    /// upload, or a client that stopped reading its answer.
    pub idle_timeout: Duration,
    /// Connections open at once; past it, new ones get 503 and are closed.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self { header_timeout: Duration::from_secs(10), idle_timeout: Duration::from_secs(60), max_connections: 1024 }
    }
}

/// The cap on connections open at once from one client address, so that one client (one
/// IPv4 address, one IPv6 /64) cannot take every connection the server has. Connections
/// from trusted proxies are not capped here: every client behind them shares their address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PerClient {
    pub max: usize,
    pub exempt: TrustedProxies,
}

impl PerClient {
    pub const DEFAULT_MAX: usize = 64;
}

impl Default for PerClient {
    fn default() -> Self {
        Self { max: Self::DEFAULT_MAX, exempt: TrustedProxies::default() }
    }
}

/// The connections open per client address; a [`ClientSlot`] holds one of them.
#[derive(Clone, Default)]
struct OpenPerClient(Arc<Mutex<HashMap<String, usize>>>);

/// One open connection of a client, given back when dropped.
struct ClientSlot {
    open: OpenPerClient,
    key: Option<String>,
}

impl OpenPerClient {
    /// A slot for a connection from `peer`, or `None` when the client has `limit.max` open.
    fn take(&self, peer: IpAddr, limit: &PerClient) -> Option<ClientSlot> {
        if limit.exempt.contains(peer) {
            return Some(ClientSlot { open: self.clone(), key: None });
        }
        // Counted as the sign-in throttle counts addresses: IPv6 per /64.
        let key = storage::throttle::address_key(Some(peer));
        let mut open = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = open.entry(key.clone()).or_default();
        if *count >= limit.max.max(1) {
            return None;
        }
        *count += 1;
        Some(ClientSlot { open: self.clone(), key: Some(key) })
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let mut open = self.open.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = open.get_mut(&key) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&key);
            }
        }
    }
}

/// A request line and headers longer than this are answered 431 (as large as a proxy's
/// usual limit; a browser's cookies and headers come to a few KiB).
const MAX_HEADER_BYTES: usize = 32 * 1024;

/// What a connection over the cap is told before it is closed.
const OVER_CAPACITY: &str = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\n\
Content-Type: text/plain; charset=utf-8\r\nContent-Length: 31\r\n\r\nThe server is busy. Try again.\n";

/// Serves `router` on `listener` until `shutdown` completes, then lets the open
/// connections finish their requests (for at most 10 seconds).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    per_client: PerClient,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let open_per_client = OpenPerClient::default();
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_header_size(MAX_HEADER_BYTES)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: the condition passes, the server goes on.
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Pages are streamed in several writes; without TCP_NODELAY, Nagle's algorithm holds
        // the last one back until the client's delayed ACK (40 ms) on kept-alive connections.
        let _ = stream.set_nodelay(true);
        let Some(slot) = open_per_client.take(addr.ip(), &per_client) else {
            tokio::spawn(refuse(stream));
            continue;
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tokio::spawn(refuse(stream));
            continue;
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(addr));
            router.clone().call(request.map(Body::new))
        });
        let connection = builder.serve_connection(TokioIo::new(Silence::new(stream, limits.idle_timeout)), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client going away or timing out is the client's business, not a fault.
            if let Err(e) = connection.await {
                tracing::debug!(%addr, error = %e, "connection ended");
            }
            drop(permit);
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(10)) => {
            tracing::warn!("connections still open after 10 seconds of shutting down");
        }
    }
    Ok(())
}

/// Tells a connection over the cap so, briefly, and closes it.
async fn refuse(mut stream: TcpStream) {
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(OVER_CAPACITY.as_bytes()).await?;
        stream.shutdown().await
    })
    .await;
}

/// A connection that fails with `TimedOut` once no byte has moved either way for `limit`.
struct Silence<T> {
    inner: T,
    limit: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl<T> Silence<T> {
    fn new(inner: T, limit: Duration) -> Self {
        Self { inner, limit, deadline: Box::pin(tokio::time::sleep(limit)) }
    }

    fn moved(&mut self) {
        self.deadline.as_mut().reset(Instant::now() + self.limit);
    }

    /// `Pending` from the connection: an error if the silence has lasted too long (the
    /// timer wakes the task when it has).
    fn check(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Err(io::Error::new(io::ErrorKind::TimedOut, "connection silent too long")),
            Poll::Pending => Ok(()),
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Silence<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    self.moved();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => match self.check(cx) {
                Ok(()) => Poll::Pending,
                Err(e) => Poll::Ready(Err(e)),
            },
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Silence<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write(cx, data) {
            Poll::Ready(Ok(n)) => {
                if n > 0 {
                    self.moved();
                }
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => match self.check(cx) {
                Ok(()) => Poll::Pending,
                Err(e) => Poll::Ready(Err(e)),
            },
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
