//! The subscribers' API: what an app user's client calls, signed in with the user's own
//! UserSig, to subscribe to channels, read their posts and receive events live
//! (`docs/subscriber-api.md`).
//!
//! - [`auth`]: who is calling (the UserSig of the user's own id);
//! - [`calls`]: `subscribe`, `unsubscribe`, `official_accounts`, `messages`: the REST
//!   commands' rules and callbacks, for the caller alone;
//! - [`hub`]: this server's reader of the event log, which every stream shares;
//! - [`stream`]: `GET /subscriber/v1/events`, a Server-Sent Events stream per client.

pub mod auth;
mod calls;
pub mod hub;
mod stream;

use app::context::AppState;
use axum::http::{header, HeaderValue, Method};
use axum::routing::{get, post};
use axum::Router;
use std::sync::Arc;
use std::time::Duration;
use tower_http::cors::{Any, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;

/// How streams behave.
#[derive(Clone, Debug)]
pub struct StreamOptions {
    /// A comment line is sent after this long without anything else, so that proxies do
    /// not close an idle stream.
    pub keepalive: Duration,
    /// Streams one user may hold open at once, on all servers; the oldest goes.
    pub max_per_user: u32,
    /// How far back `Last-Event-ID` may reach.
    pub replay_window: Duration,
    /// Events one replay gives at most; past it the client is told to read afresh.
    pub max_replay: u32,
    /// Set to `true` when the server stops: every stream ends at once (its client
    /// reconnects, with `Last-Event-ID`, to a server that goes on) instead of holding the
    /// graceful shutdown for its whole grace period.
    pub stop: Option<tokio::sync::watch::Receiver<bool>>,
}

impl Default for StreamOptions {
    fn default() -> Self {
        Self {
            keepalive: Duration::from_secs(25),
            max_per_user: 5,
            replay_window: Duration::from_secs(24 * 3600),
            max_replay: 10_000,
            stop: None,
        }
    }
}

/// What the subscribers' handlers share.
#[derive(Clone)]
pub(crate) struct Subscribers {
    pub state: AppState,
    pub hub: Arc<hub::Hub>,
    pub options: StreamOptions,
    /// Whose forwarding headers say who the client is.
    pub proxies: crate::forwarded::TrustedProxies,
    pub forwarded: crate::forwarded::ForwardedHeader,
}

/// `/subscriber/v1/...`. Any web page may call it (the UserSig, not a cookie, says who is
/// calling, so there is nothing for another site to borrow): CORS lets every origin in.
pub fn router(state: AppState, network: &crate::router::Network) -> Router {
    let options = network.streams.clone();
    let (proxies, forwarded) = (network.trusted_proxies.clone(), network.forwarded_header);
    let hub = hub::Hub::start(state.storage.db.clone(), options.stop.clone());
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::HeaderName::from_static("last-event-id")])
        .max_age(Duration::from_secs(3600));
    Router::new()
        .route("/subscriber/v1/events", get(stream::events))
        .route("/subscriber/v1/{command}", post(calls::handle))
        .route_layer(axum::middleware::from_fn(crate::metrics::note_route))
        .layer(cors)
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .with_state(Subscribers { state, hub, options, proxies, forwarded })
}
