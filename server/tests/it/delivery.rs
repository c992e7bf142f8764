//! How responses travel: the compiled app's files precompressed and cached for good when
//! their names carry a hash, pages and answers compressed as they are sent, images as
//! they are. On both engines.

use crate::common::on_both;
use crate::common::TestApp;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use std::io::Read;
use std::path::{Path, PathBuf};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// A site root as `cargo leptos build --release --precompress` leaves it: each file with a
/// `.br` and a `.gz` beside it. The three differ so that a test can tell which was sent.
fn site(under: &Path) -> PathBuf {
    let dir = under.join("site");
    let pkg = dir.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("channel-console.AbC.wasm"), b"\0asm plain").unwrap();
    std::fs::write(pkg.join("channel-console.AbC.wasm.br"), b"brotli bytes").unwrap();
    std::fs::write(pkg.join("channel-console.AbC.wasm.gz"), b"gzip bytes").unwrap();
    std::fs::write(pkg.join("channel-console.AbC.css"), b"body{}").unwrap();
    dir
}

fn get(path: &str, accept_encoding: Option<&str>) -> Request<Body> {
    let mut request = Request::get(path);
    if let Some(encodings) = accept_encoding {
        request = request.header(header::ACCEPT_ENCODING, encodings);
    }
    request.body(Body::empty()).unwrap()
}

/// A server function called with an empty form.
fn call(name: &str, accept_encoding: &str) -> Request<Body> {
    Request::post(format!("/api/{name}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT_ENCODING, accept_encoding)
        .body(Body::empty())
        .unwrap()
}

fn header_of(reply: &crate::common::Reply, name: header::HeaderName) -> Option<&str> {
    reply.headers.get(name).map(|v| v.to_str().unwrap())
}

on_both! { async fn hashed_app_files_are_sent_in_the_best_accepted_encoding_and_kept_for_a_year(pool: TestDb) {
    let site = site(&pool.data_dir);
    let app = TestApp::with_site(pool, &site, true).await;
    let path = "/pkg/channel-console.AbC.wasm";
    for (accepts, encoding, body) in [
        (Some("br, gzip"), Some("br"), &b"brotli bytes"[..]),
        (Some("gzip;q=1, br;q=0.5"), Some("gzip"), b"gzip bytes"),
        (Some("gzip"), Some("gzip"), b"gzip bytes"),
        (Some("identity"), None, b"\0asm plain"),
        (None, None, b"\0asm plain"),
    ] {
        // Anyone may fetch the app: the sign-in page needs it.
        let reply = app.send_anonymous(get(path, accepts)).await;
        assert_eq!(reply.status, StatusCode::OK, "{accepts:?}");
        assert_eq!(header_of(&reply, header::CONTENT_ENCODING), encoding, "{accepts:?}");
        assert_eq!(reply.body, body, "{accepts:?}");
        // The type of what was compressed, not of the compressed file: browsers stream-compile wasm.
        assert_eq!(header_of(&reply, header::CONTENT_TYPE), Some("application/wasm"));
        assert_eq!(header_of(&reply, header::CACHE_CONTROL), Some(IMMUTABLE));
        assert!(header_of(&reply, header::VARY).is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")));
    }
    // A file without compressed copies is sent as it is, cached the same.
    let css = app.send_anonymous(get("/pkg/channel-console.AbC.css", Some("br, gzip"))).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.body, b"body{}");
    assert_eq!(header_of(&css, header::CACHE_CONTROL), Some(IMMUTABLE));

    // A miss is not kept for a year (the next build may bring the file), and is no page.
    let missing = app.send_anonymous(get("/pkg/channel-console.Old.wasm", Some("br"))).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_ne!(header_of(&missing, header::CACHE_CONTROL), Some(IMMUTABLE));
    assert!(!String::from_utf8_lossy(&missing.body).contains("<html"));
}}

on_both! { async fn unhashed_app_files_are_asked_for_again(pool: TestDb) {
    let site = site(&pool.data_dir);
    let app = TestApp::with_site(pool, &site, false).await;
    let reply = app.send_anonymous(get("/pkg/channel-console.AbC.wasm", Some("br"))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(header_of(&reply, header::CACHE_CONTROL), Some("no-cache"));
}}

on_both! { async fn pages_and_answers_are_compressed_when_worth_it_and_never_shared(pool: TestDb) {
    let app = TestApp::new(pool).await;
    for i in 0..30 {
        app.channel(&format!("Channel number {i}")).await;
    }
    // A page: gzip when that is all the browser takes, brotli when it takes both.
    let page = app.send(get("/channels", Some("gzip"))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(header_of(&page, header::CONTENT_ENCODING), Some("gzip"));
    assert!(header_of(&page, header::VARY).is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")));
    assert_eq!(header_of(&page, header::CACHE_CONTROL), Some("private, no-cache"));
    let mut html = String::new();
    flate2::read::GzDecoder::new(&page.body[..]).read_to_string(&mut html).unwrap();
    assert!(html.contains("Channel number 29"), "the page decompresses whole");
    let page = app.send(get("/channels", Some("br, gzip"))).await;
    assert_eq!(header_of(&page, header::CONTENT_ENCODING), Some("br"));
    let plain = app.send(get("/channels", None)).await;
    assert_eq!(header_of(&plain, header::CONTENT_ENCODING), None);
    assert!(String::from_utf8_lossy(&plain.body).contains("Channel number 29"));

    // A server function's answer over the floor is compressed; a small one is not worth it.
    let list = app.send(call("channel_options", "gzip")).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(header_of(&list, header::CONTENT_ENCODING), Some("gzip"));
    assert_eq!(header_of(&list, header::CACHE_CONTROL), Some("private, no-cache"));
    let who = app.send(call("whoami", "gzip")).await;
    assert_eq!(who.status, StatusCode::OK);
    assert_eq!(header_of(&who, header::CONTENT_ENCODING), None, "{} bytes", who.body.len());

    // Images are compressed already: sent as they are, whatever the browser accepts.
    let id = app.upload(crate::common::png(300, 300, 7)).await.json()["id"].as_str().unwrap().to_owned();
    let image = app.send(get(&format!("/media/{id}"), Some("br, gzip"))).await;
    assert_eq!(image.status, StatusCode::OK);
    assert!(image.body.len() > 1024);
    assert_eq!(header_of(&image, header::CONTENT_ENCODING), None);
}}
