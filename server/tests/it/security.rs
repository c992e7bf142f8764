//! Headers and origin checks, over HTTP against a real SQLite database.

use crate::common::on_both;
use crate::common::TestApp;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};

fn delete_from(origin: Option<&str>, id: i64) -> Request<Body> {
    let mut request = Request::post("/api/delete_channel")
        .header(header::HOST, "console.example:3000")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(origin) = origin {
        request = request.header(header::ORIGIN, origin);
    }
    request.body(Body::from(format!("id={id}"))).unwrap()
}

on_both! { async fn writes_from_another_origin_are_refused(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let id = app.channel("Target").await;
    for origin in ["http://evil.example", "null", "http://console.example:3001", "https://console.example.evil:3000"] {
        let reply = app.send(delete_from(Some(origin), id)).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{origin}");
        assert!(reply.json()["Forbidden"].is_string());
    }
    let upload = Request::post("/media")
        .header(header::HOST, "console.example:3000")
        .header(header::ORIGIN, "http://evil.example")
        .body(Body::from(crate::common::png(2, 2, 1)))
        .unwrap();
    assert_eq!(app.send(upload).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.channel_count().await, 1, "nothing was deleted");

    assert_eq!(app.send(delete_from(Some("http://console.example:3000"), id)).await.status, StatusCode::OK);
    assert_eq!(app.channel_count().await, 0);
}}

on_both! { async fn requests_without_an_origin_are_not_a_browsers_and_pass(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let id = app.channel("Target").await;
    assert_eq!(app.send(delete_from(None, id)).await.status, StatusCode::OK);
}}

on_both! { async fn pages_carry_a_nonce_based_content_security_policy(pool: TestDb) {
    let app = TestApp::new(pool).await;
    for page in ["/channels", "/posts", "/no-such-page"] {
        let reply = app.get(page).await;
        let csp = reply.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("object-src 'none'"), "{page}: {csp}");
        let nonce = csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).unwrap();
        let html = String::from_utf8(reply.body).unwrap();
        assert!(html.contains(&format!("nonce=\"{nonce}\"")), "{page}: the inline scripts carry the nonce");
        assert_eq!(reply.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(reply.headers[header::REFERRER_POLICY], "same-origin");
        assert_eq!(reply.headers[header::X_FRAME_OPTIONS], "DENY");
    }
    // A fresh nonce every time.
    let a = app.get("/channels").await.headers[header::CONTENT_SECURITY_POLICY].clone();
    let b = app.get("/channels").await.headers[header::CONTENT_SECURITY_POLICY].clone();
    assert_ne!(a, b);
}}
