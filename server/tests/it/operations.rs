//! Operations: `/metrics` for Prometheus (refused without the token or an allowed address,
//! well-formed with it), request ids, and shedding load past capacity (held by requests
//! that never finish, so the test does not depend on timing).

use crate::common::{on_both, TestApp, TestDb};
use crate::rest::Api;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use std::net::SocketAddr;
use std::task::Poll;
use std::time::Duration;
use tower::ServiceExt;

fn metrics_router(app: &TestApp, token: Option<&str>, allow: &str) -> axum::Router {
    let network = server::router::Network {
        metrics: server::metrics::MetricsAccess {
            token: token.map(str::to_owned),
            allow: server::forwarded::TrustedProxies::parse(allow).unwrap(),
        },
        // A proxy on this machine, as nginx would be.
        trusted_proxies: server::forwarded::TrustedProxies::parse("127.0.0.1").unwrap(),
        ..Default::default()
    };
    server::router::router_with(app.state.clone(), network)
}

async fn scrape(router: &axum::Router, bearer: Option<&str>, from: &str) -> (StatusCode, String) {
    let mut request = Request::get("/metrics");
    if let Some(token) = bearer {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let mut request = request.body(Body::empty()).unwrap();
    request.extensions_mut().insert(ConnectInfo(from.parse::<SocketAddr>().unwrap()));
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

on_both! { async fn metrics_need_the_token_or_an_allowed_address_and_are_prometheus_text(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let router = metrics_router(&app, Some("scrape-secret"), "10.1.0.0/16, 127.0.0.1");
    // Some traffic to count: a page function, a search, a miss.
    let mut request = Request::post("/api/list_channels")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, app.cookie.clone().unwrap())
        .header("x-request-id", "trace-42")
        .body(Body::from("page=1"))
        .unwrap();
    request.extensions_mut().insert(ConnectInfo("127.0.0.1:9".parse::<SocketAddr>().unwrap()));
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-request-id"], "trace-42", "a trusted proxy's plain id is kept");
    let mut request = Request::get("/healthz").header("x-request-id", "forged-by-a-client").body(Body::empty()).unwrap();
    request.extensions_mut().insert(ConnectInfo("192.0.2.7:9".parse::<SocketAddr>().unwrap()));
    let response = router.clone().oneshot(request).await.unwrap();
    assert_ne!(response.headers()["x-request-id"], "forged-by-a-client", "anyone else's is not believed");
    app.call_json("list_posts", serde_json::json!({"filter": {"q": "anything"}})).await;

    // 127.0.0.1 is allowed, but it is the proxy: whoever it forwards needs the token.
    assert_eq!(scrape(&router, None, "127.0.0.1:9").await.0, StatusCode::NOT_FOUND);
    assert_eq!(scrape(&router, Some("wrong"), "127.0.0.1:9").await.0, StatusCode::NOT_FOUND);
    assert_eq!(scrape(&router, Some("scrape-secretX"), "127.0.0.1:9").await.0, StatusCode::NOT_FOUND);
    let (status, by_address) = scrape(&router, None, "10.1.2.3:40000").await;
    assert_eq!(status, StatusCode::OK, "an allowed address needs no token");
    assert!(by_address.contains("http_requests_total"));
    let (status, text) = scrape(&router, Some("scrape-secret"), "192.0.2.1:5").await;
    assert_eq!(status, StatusCode::OK);

    // Well-formed: comments, or `name{labels} value` with a number.
    for line in text.lines().filter(|l| !l.is_empty()) {
        if line.starts_with('#') {
            assert!(line.starts_with("# TYPE ") || line.starts_with("# HELP "), "{line}");
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("no value: {line}"));
        assert!(value.parse::<f64>().is_ok() || value == "+Inf" || value == "NaN", "{line}");
        let name = series.split('{').next().unwrap();
        assert!(!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'), "{line}");
    }
    for expected in [
        "# TYPE http_requests_total counter",
        "# TYPE http_request_duration_seconds histogram",
        "route=\"/api/list_channels\"",
        "status=\"200\"",
        "console_searches_total",
        "# TYPE console_search_duration_seconds histogram",
        "console_db_connections{state=\"idle\"}",
        "console_sqlite_write_queue",
        "console_webhook_outbox_pending",
    ] {
        assert!(text.contains(expected), "{expected} in\n{text}");
    }
}}

/// A REST upload whose body never arrives: it holds its turn until dropped. `reading` is
/// told when the handler starts reading the body (it holds a turn then).
fn never_ending_upload(api: &Api, from: &str, reading: tokio::sync::oneshot::Sender<()>) -> Request<Body> {
    let mut reading = Some(reading);
    let body = futures_util::stream::poll_fn(move |_| -> Poll<Option<Result<bytes::Bytes, std::io::Error>>> {
        if let Some(reading) = reading.take() {
            let _ = reading.send(());
        }
        Poll::Pending
    });
    let mut request = Request::post(format!("/v4/official_account_open_http_svc/upload_image?{}", api.signed_query()))
        .body(Body::from_stream(body))
        .unwrap();
    request.extensions_mut().insert(ConnectInfo(from.parse::<SocketAddr>().unwrap()));
    request
}

#[tokio::test]
async fn past_capacity_requests_are_refused_at_once_and_the_console_goes_on() {
    let api = Api::new(TestDb::sqlite().await).await;
    let network = server::router::Network {
        // Four turns; one client address may hold one of them.
        shed: Some(server::shed::ShedLimits { max_in_flight: 4, queue: Duration::from_millis(5) }),
        ..Default::default()
    };
    let router = server::router::router_with(api.app.state.clone(), network);
    // The REST API's four turns, taken by uploads that never finish, from four clients.
    let mut held = Vec::new();
    for n in 1..=4 {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let request = never_ending_upload(&api, &format!("10.0.0.{n}:5000"), tx);
        let router = router.clone();
        held.push(tokio::spawn(async move { router.oneshot(request).await }));
        rx.await.unwrap();
    }
    let call = |from: &str| {
        let mut request = Request::post(format!(
            "/v4/official_account_open_http_svc/get_official_account_info?{}",
            api.signed_query()
        ))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"Official_Account": "@TOA#_none"}"#))
        .unwrap();
        request.extensions_mut().insert(ConnectInfo(from.parse::<SocketAddr>().unwrap()));
        request
    };
    // A client holding its share is told so (429), whatever is free.
    let over_share = router.clone().oneshot(call("10.0.0.1:6000")).await.unwrap();
    assert_eq!(over_share.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(over_share.headers()[header::RETRY_AFTER], "1");
    let refused = router.clone().oneshot(call("10.0.0.9:6000")).await.unwrap();
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(refused.headers()[header::RETRY_AFTER], "1");
    let body = axum::body::to_bytes(refused.into_body(), 4096).await.unwrap();
    let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(answer["ActionStatus"], "FAIL", "the vendor's envelope: {answer}");

    // Health checks and a signed-in operator's pages have turns of their own.
    let health = router.clone().oneshot(Request::get("/healthz").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(health.headers()["x-request-id"].len(), 16, "a new id, sent back");
    let page = Request::post("/api/list_channels")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, api.app.cookie.clone().unwrap())
        .body(Body::from("page=1"))
        .unwrap();
    assert_eq!(router.clone().oneshot(page).await.unwrap().status(), StatusCode::OK);

    // A turn given back is taken by the next call.
    let one = held.pop().unwrap();
    one.abort();
    let _ = one.await;
    let mut answered = None;
    for _ in 0..100 {
        let response = router.clone().oneshot(call("10.0.0.9:6000")).await.unwrap();
        if response.status() != StatusCode::SERVICE_UNAVAILABLE {
            answered = Some(response.status());
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(answered, Some(StatusCode::OK));
}
