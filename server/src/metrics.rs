//! `GET /metrics` in the Prometheus text format (the `metrics` facade with its Prometheus
//! exporter): requests by route template, method and status, their latency, shed requests,
//! publishes, searches and failed sign-ins (counted where they happen, in `storage`), and,
//! read when scraped, the database pool's use, the SQLite write queue and the webhook
//! outbox. Refused (404, as if there were nothing here) unless the caller presents
//! `--metrics-token` as a bearer token or connects from a `--metrics-allow` address.

use crate::forwarded::TrustedProxies;
use app::context::AppState;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Instant;

/// Latency buckets (seconds): a millisecond to ten seconds.
const BUCKETS: [f64; 14] = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0];

/// The process's recorder, installed once (tests build many routers in one process).
fn handle() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let built = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &BUCKETS)
                .and_then(|builder| builder.install_recorder());
            match built {
                Ok(handle) => Some(handle),
                Err(error) => {
                    tracing::warn!(%error, "metrics are off: no recorder could be installed");
                    None
                }
            }
        })
        .as_ref()
}

/// Who may read the metrics.
#[derive(Clone, Default)]
pub struct MetricsAccess {
    pub token: Option<String>,
    pub allow: TrustedProxies,
}

// By hand, so that the token never reaches a log.
impl std::fmt::Debug for MetricsAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsAccess")
            .field("token", &self.token.as_ref().map(|_| "(set)"))
            .field("allow", &self.allow)
            .finish()
    }
}

impl MetricsAccess {
    fn admits(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> bool {
        let by_address = peer.is_some_and(|p| self.allow.contains(p.ip()));
        let by_token = self.token.as_deref().is_some_and(|token| {
            headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .is_some_and(|given| constant_time_eq(given.trim().as_bytes(), token.as_bytes()))
        });
        by_address || by_token
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `GET /metrics`.
pub async fn scrape(
    State((state, access, proxies)): State<(AppState, MetricsAccess, TrustedProxies)>,
    request: Request,
) -> Response {
    // A proxy's address speaks for whoever it forwards: it admits by token only.
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0).filter(|p| !proxies.contains(p.ip()));
    if !access.admits(peer, request.headers()) {
        return (StatusCode::NOT_FOUND, "Not found\n").into_response();
    }
    let Some(handle) = handle() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "metrics are off\n").into_response();
    };
    let load = state.storage.db.load();
    metrics::gauge!("console_db_connections", "state" => "in_use")
        .set(f64::from(load.connections.saturating_sub(load.idle)));
    metrics::gauge!("console_db_connections", "state" => "idle").set(f64::from(load.idle));
    metrics::gauge!("console_db_connections_max").set(f64::from(load.max_connections));
    metrics::gauge!("console_sqlite_write_queue").set(load.write_queue as f64);
    match state.storage.db.pending_deliveries().await {
        Ok(pending) => metrics::gauge!("console_webhook_outbox_pending").set(pending as f64),
        Err(error) => tracing::warn!(%error, "metrics: could not count the webhook outbox"),
    }
    handle.run_upkeep();
    let mut response = handle.render().into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    response
}

/// The route template a request matched, carried out on its response for [`track`].
#[derive(Clone)]
struct Route(String);

/// Inside the router (a route layer): notes the template of the route that matched.
pub async fn note_route(request: Request, next: Next) -> Response {
    let matched = request.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(request).await;
    if let Some(matched) = matched {
        response.extensions_mut().insert(Route(matched.as_str().to_owned()));
    }
    response
}

/// Outside everything: counts and times every request by the template it matched (or
/// `unmatched`, so that a scan of random paths makes no new series).
pub async fn track(request: Request, next: Next) -> Response {
    let _ = handle();
    let started = Instant::now();
    let method = method_label(request.method());
    let response = next.run(request).await;
    let route = response.extensions().get::<Route>().map(|r| r.0.clone()).unwrap_or_else(|| "unmatched".to_owned());
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method, "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// The usual methods by name, anything else as one label.
fn method_label(method: &axum::http::Method) -> &'static str {
    match method.as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "PATCH" => "PATCH",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    }
}
