//! Headers, origin checks and hostile requests, over HTTP, on both engines.

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

on_both! { async fn paths_with_dot_segments_are_refused_before_routing(pool: TestDb) {
    let app = TestApp::new(pool).await;
    for path in ["/media/../settings", "/pkg/%2e%2e/operators", "/pkg/%2E%2e/settings", "/media/..%2foperators", "/./channels"] {
        for reply in [app.get(path).await, app.send_anonymous(Request::get(path).body(Body::empty()).unwrap()).await] {
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
            let body = String::from_utf8_lossy(&reply.body);
            assert!(!body.contains("<html") && !body.contains("Settings"), "{path}: {body}");
        }
    }
}}

on_both! { async fn no_page_html_without_a_session_but_the_sign_in_page(pool: TestDb) {
    let app = TestApp::new(pool).await;
    for path in ["/pkg/missing.js", "/media/nothing-here", "/favicon-missing.svg", "/media/x/y/z"] {
        let reply = app.send_anonymous(Request::get(path).body(Body::empty()).unwrap()).await;
        let body = String::from_utf8_lossy(&reply.body);
        assert!(!body.contains("<html") && !body.contains("<nav"), "{path}: {} {body}", reply.status);
    }
    let sign_in = app.send_anonymous(Request::get("/sign-in").body(Body::empty()).unwrap()).await;
    assert_eq!(sign_in.status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&sign_in.body).contains("Sign in"));
}}

on_both! { async fn odd_search_terms_never_answer_a_fault(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let channel = app.channel("Odd").await;
    let draft = serde_json::json!({"channel_id": channel, "kind": "TextOnly", "text": "NEAR body: \"quoted\" * ^ a-b 서울", "images": [], "links": []});
    let published = app.call_json("publish_post", serde_json::json!({"draft": draft, "request_id": "odd"})).await;
    assert_eq!(published.status, StatusCode::OK);
    let long = "가".repeat(10_000);
    let odd = [
        "\u{0}", "a\u{0}b", "\"", "\"\"\"", "'", "''", "NEAR", "NEAR(a b)", "a NEAR b", "*", "a*", "**", "^", "^a",
        "body:x", "{body}: x", "-", "--", "OR", "AND", "NOT", "(", ")", "()", "\\", "%", "_", "%_%", ":", "' OR 1=1 --",
        "\u{202E}", "\u{7f}", "😀", "a\tb\nc", &long,
    ];
    for q in odd {
        let reply = app.call_json("list_posts", serde_json::json!({"filter": {"q": q}})).await;
        assert!(reply.status.is_success() || reply.status.is_client_error(), "{q:?}: {}", reply.status);
    }
    // A lone surrogate is not JSON text: refused as a bad request, not a fault.
    let reply = app
        .send(
            Request::post("/api/list_posts")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"filter": {"q": "\ud800"}}"#))
                .unwrap(),
        )
        .await;
    assert!(reply.status.is_client_error(), "{}", reply.status);
    let found = app.call_json("list_posts", serde_json::json!({"filter": {"q": "NEAR \"quoted\""}})).await;
    assert_eq!(found.json()["posts"].as_array().unwrap().len(), 1, "quotes are dropped, NEAR is a word");
}}

fn sign_in_form(name: &str, password: &str) -> Request<Body> {
    let encode = |s: &str| s.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
    Request::post("/api/sign_in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("operator={}&password={}&next=%2F", encode(name), encode(password))))
        .unwrap()
}

async fn failed_sign_ins(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT operator FROM audit_log WHERE action = 'sign_in_failed' ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

on_both! { /// A failed sign-in names the operator only when the name is one: a password typed
/// into the name field never reaches the audit log, which every operator reads.
async fn a_failed_sign_in_under_no_operators_name_keeps_nothing_typed(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let typed = ["my secret passphrase 2026", "ad\u{202E}min\n2026\u{0}"];
    for name in typed {
        assert_eq!(app.send_anonymous(sign_in_form(name, "wrong password")).await.status, StatusCode::UNAUTHORIZED);
    }
    // An operator's name, in another case and with spaces around: the name as stored.
    let known = format!("  {}  ", crate::common::OPERATOR.to_uppercase());
    assert_eq!(app.send_anonymous(sign_in_form(&known, "wrong password")).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(failed_sign_ins(&app).await, [storage::Actor::UNKNOWN_NAME, storage::Actor::UNKNOWN_NAME, crate::common::OPERATOR]);
    let everything: Vec<(String, String, String)> = sqlx::query_as("SELECT operator, subject, address FROM audit_log")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert!(!format!("{everything:?}").contains("passphrase"), "{everything:?}");

    // The audit page says so in the reader's language.
    for (lang, said) in [("en", "unknown name"), ("ko", "알 수 없는 이름")] {
        let request = Request::post("/api/audit_log")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT_LANGUAGE, lang)
            .body(Body::empty())
            .unwrap();
        let page = app.send(request).await.json();
        let operators: Vec<&str> = page["entries"].as_array().unwrap().iter().map(|e| e["operator"].as_str().unwrap()).collect();
        assert_eq!(operators, [crate::common::OPERATOR, said, said], "{lang}");
    }
}}

on_both! { async fn over_https_the_cookie_is_host_only_and_hsts_is_sent(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let network = server::router::Network {
        trusted_proxies: server::forwarded::TrustedProxies::parse("127.0.0.1").unwrap(),
        ..Default::default()
    };
    let router = server::router::router_with(app.state.clone(), network);
    let mut request = Request::post("/api/sign_in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("x-forwarded-proto", "https")
        .header("x-forwarded-for", "203.0.113.7")
        .body(Body::from(format!("operator={}&password={}&next=%2F", crate::common::OPERATOR, crate::common::PASSWORD.replace(' ', "+"))))
        .unwrap();
    let peer: std::net::SocketAddr = "127.0.0.1:40000".parse().unwrap();
    request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
    let reply = tower::ServiceExt::oneshot(router, request).await.unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
    let cookie = reply.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("__Host-console_session=") && cookie.contains("; Secure") && cookie.contains("Path=/"), "{cookie}");
    assert_eq!(reply.headers()[header::STRICT_TRANSPORT_SECURITY], "max-age=31536000");
    let address: String = sqlx::query_scalar("SELECT address FROM audit_log WHERE action = 'sign_in'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(address, "203.0.113.7", "the client behind the trusted proxy");
}}

#[tokio::test]
async fn a_new_data_directory_and_database_are_the_servers_user_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("console-perms-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let args = ["--data-dir".to_owned(), dir.display().to_string()];
    let config = server::config::from_args_and_env(args, |_| None, "127.0.0.1:0".parse().unwrap()).unwrap();
    let (_storage, engine) = server::open_storage(&config).await.unwrap();
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("console.db")), 0o600);
    engine.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_write_that_cannot_get_the_database_in_time_is_503_with_retry_after() {
    use sqlx::Connection;
    let db = crate::common::TestDb::sqlite().await;
    let url = db.url.clone();
    let app = TestApp::new(db).await;
    let photo = app.upload_png(3).await;
    // Another writer holds SQLite's write lock past the busy timeout (5 s).
    let mut holder = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE").execute(&mut holder).await.unwrap();
    let reply = app.create("Waits", "", &photo).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{}", String::from_utf8_lossy(&reply.body));
    assert_eq!(reply.headers[header::RETRY_AFTER], "1");
    assert!(reply.json()["Busy"].is_object());
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
    assert_eq!(app.create("Later", "", &photo).await.status, StatusCode::OK, "nothing was lost: it works again");
    assert_eq!(app.channel_count().await, 1);
}

/// The console behind a proxy at 127.0.0.1 that writes `header`, and a request from it.
fn behind_proxy(app: &TestApp, header: server::forwarded::ForwardedHeader) -> axum::Router {
    let network = server::router::Network {
        trusted_proxies: server::forwarded::TrustedProxies::parse("127.0.0.1").unwrap(),
        forwarded_header: header,
        ..Default::default()
    };
    server::router::router_with(app.state.clone(), network)
}

fn through_proxy(mut request: Request<Body>, headers: &[(&str, &str)]) -> Request<Body> {
    for (name, value) in headers {
        request
            .headers_mut()
            .append(axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(), value.parse().unwrap());
    }
    let peer: std::net::SocketAddr = "127.0.0.1:40000".parse().unwrap();
    request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
    request
}

async fn last_failure_address(app: &TestApp) -> String {
    sqlx::query_scalar("SELECT address FROM audit_log WHERE action = 'sign_in_failed' ORDER BY id DESC LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

on_both! { /// Behind a proxy that writes X-Forwarded-For, a `Forwarded` header the client wrote
/// itself (which the proxy passes on) picks neither the address the throttle and the audit
/// log see nor the protocol; and the other way round with `--forwarded-header forwarded`.
async fn only_the_forwarding_header_the_proxy_writes_is_believed(pool: TestDb) {
    use server::forwarded::ForwardedHeader;
    let app = TestApp::new(pool).await;
    let spoofed = [("forwarded", "for=198.51.100.77;proto=https"), ("x-forwarded-for", "203.0.113.9")];
    let request = through_proxy(sign_in_form(crate::common::OPERATOR, "wrong password"), &spoofed);
    let reply = tower::ServiceExt::oneshot(behind_proxy(&app, ForwardedHeader::XForwardedFor), request).await.unwrap();
    assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
    assert!(reply.headers().get(header::STRICT_TRANSPORT_SECURITY).is_none(), "the client's proto=https is not believed");
    assert_eq!(last_failure_address(&app).await, "203.0.113.9");

    let written = [("forwarded", "for=203.0.113.10;proto=https"), ("x-forwarded-for", "198.51.100.77"), ("x-forwarded-proto", "http")];
    let request = through_proxy(sign_in_form(crate::common::OPERATOR, "wrong password"), &written);
    let reply = tower::ServiceExt::oneshot(behind_proxy(&app, ForwardedHeader::Forwarded), request).await.unwrap();
    assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(reply.headers()[header::STRICT_TRANSPORT_SECURITY], "max-age=31536000");
    assert_eq!(last_failure_address(&app).await, "203.0.113.10");
}}

on_both! { /// Over https only the `__Host-` session cookie is read: a plain `console_session`
/// (which a subdomain or a plain-http page can plant, and which the browser may send
/// first) is ignored there. Over http only the plain one is read.
async fn over_https_only_the_host_session_cookie_is_read(pool: TestDb) {
    use server::forwarded::ForwardedHeader;
    let app = TestApp::new(pool).await;
    let added = app.call("add_operator", &[("name", "jane"), ("password", "long enough password")]).await;
    assert_eq!(added.status, StatusCode::OK);
    let https = [("x-forwarded-proto", "https"), ("x-forwarded-for", "203.0.113.7")];
    let router = behind_proxy(&app, ForwardedHeader::XForwardedFor);
    let reply = tower::ServiceExt::oneshot(router.clone(), through_proxy(sign_in_form("jane", "long enough password"), &https)).await.unwrap();
    let set = reply.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
    let jane = set.split(';').next().unwrap().to_owned();
    assert!(jane.starts_with("__Host-console_session="), "{jane}");
    // The tester's plain session cookie, planted in front of Jane's.
    let planted = app.cookie.clone().unwrap();
    let whoami = |cookie: String, headers: &[(&str, &str)]| {
        let mut request = Request::post("/api/whoami").header(header::COOKIE, cookie).body(Body::empty()).unwrap();
        request = through_proxy(request, headers);
        tower::ServiceExt::oneshot(router.clone(), request)
    };
    let reply = whoami(format!("{planted}; {jane}"), &https).await.unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
    let body = http_body_util::BodyExt::collect(reply.into_body()).await.unwrap().to_bytes();
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&body).unwrap(), serde_json::json!("jane"));
    assert_eq!(whoami(planted.clone(), &https).await.unwrap().status(), StatusCode::UNAUTHORIZED, "plain cookie over https");
    // Over plain http, the plain cookie only.
    let http = [("x-forwarded-for", "203.0.113.7")];
    assert_eq!(whoami(planted.clone(), &http).await.unwrap().status(), StatusCode::OK);
    assert_eq!(whoami(jane.clone(), &http).await.unwrap().status(), StatusCode::UNAUTHORIZED);
}}
