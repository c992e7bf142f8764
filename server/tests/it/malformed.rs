//! A corpus of malformed requests against every route: bodies that are not what the route
//! reads (broken JSON, JSON of the wrong shape, lone surrogates, deep nesting, bad
//! percent-encoding, broken multipart, binary), wrong or missing content types, truncated
//! uploads, odd query strings, with and without a session, and to the REST API with a valid
//! signature. Never a 5xx, never a panic.

use crate::common::on_both;
use crate::rest::Api;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};

/// (content type, body) pairs no route should take whole.
fn bodies() -> Vec<(Option<&'static str>, Vec<u8>)> {
    let json = Some("application/json");
    let form = Some("application/x-www-form-urlencoded");
    let multipart = Some("multipart/form-data; boundary=XyZ");
    let mut deep = "[".repeat(10_000).into_bytes();
    deep.extend("]".repeat(10_000).into_bytes());
    vec![
        (json, b"{".to_vec()),
        (json, b"{\"filter\": {\"q\": \"\\ud800\"}}".to_vec()),
        (json, b"{\"draft\": {\"channel_id\": \"one\"}, \"request_id\": 7}".to_vec()),
        (json, b"{\"draft\": null, \"request_id\": null}".to_vec()),
        (json, b"{\"id\": 1e309, \"page\": -1, \"channel_id\": 99999999999999999999}".to_vec()),
        (json, b"[1, 2, 3]".to_vec()),
        (json, b"\"\\u0000\"".to_vec()),
        (json, deep.clone()),
        (json, vec![0xff, 0xfe, 0x00, 0x7b]),
        (json, Vec::new()),
        (form, b"name=%ZZ&photo=%&id=%C0%AF".to_vec()),
        (form, b"id=1&id=2&page=abc&before=-9223372036854775809".to_vec()),
        (form, b"name=\x00\x01\x02&profile=%00".to_vec()),
        (form, format!("name={}", "a".repeat(200_000)).into_bytes()),
        (form, b"&&&===&".to_vec()),
        (form, deep),
        (multipart, b"--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nx\r\n".to_vec()),
        (multipart, b"not multipart at all".to_vec()),
        (Some("multipart/form-data"), b"--\r\n".to_vec()),
        (Some("text/plain"), b"hello".to_vec()),
        (Some("application/octet-stream"), vec![0u8; 1024]),
        (Some("application/json; charset=utf-16"), b"{}".to_vec()),
        (None, b"{\"id\": 1}".to_vec()),
        (Some("image/png"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec()),
    ]
}

fn paths() -> Vec<(Method, String)> {
    let mut paths: Vec<(Method, String)> =
        leptos::server_fn::axum::server_fn_paths().map(|(path, method)| (method, path.to_owned())).collect();
    for path in [
        "/media",
        "/media?for=post",
        "/media?for=%ZZ",
        "/media/abc",
        "/media/%00",
        "/media/0000000000000000000000000000000000000000000000000000000000000000/thumb",
        "/channels?page=-1",
        "/channels?page=99999999999999999999",
        "/posts?q=%00%ff&channel=x&before=-1&from=2026-02-31",
        "/posts/notanumber",
        "/posts/99999999999999999999",
        "/audit?page=%ZZ",
        "/sign-in?next=%ZZ",
        "/sign-in?next=https://evil.example/",
        "/healthz",
        "/readyz",
    ] {
        paths.push((Method::GET, path.to_owned()));
        paths.push((Method::POST, path.to_owned()));
    }
    paths
}

fn check(what: &str, status: StatusCode, body: &[u8]) {
    assert!(!status.is_server_error(), "{what}: {status} {}", String::from_utf8_lossy(&body[..body.len().min(300)]));
}

on_both! { async fn malformed_requests_never_get_a_server_error(pool: TestDb) {
    let api = Api::new(pool).await;
    let app = &api.app;
    let mut sent = 0;
    // The REST API first: the console's "rotate key" below takes no arguments, so any body
    // calls it, and the signature stops working.
    let commands = [
        "create_official_account",
        "get_official_account_info",
        "modify_official_account_base_info",
        "destroy_official_account",
        "send_official_account_msg",
        "official_account_msg_get_simple",
        "official_account_msg_recall",
        "no_such_command",
        "%00",
    ];
    for command in commands {
        for (content_type, body) in bodies() {
            for query in [api.query(), format!("{}&random=x&random=%ZZ", api.query()), "sdkappid=%ZZ".to_owned()] {
                let mut request =
                    Request::post(format!("/v4/official_account_open_http_svc/{command}?{query}"));
                if let Some(content_type) = content_type {
                    request = request.header(header::CONTENT_TYPE, content_type);
                }
                let reply = app.send_anonymous(request.body(Body::from(body.clone())).unwrap()).await;
                check(&format!("REST {command} ({content_type:?})"), reply.status, &reply.body);
                sent += 1;
            }
        }
    }
    for (method, path) in paths() {
        for (content_type, body) in bodies() {
            for signed_in in [true, false] {
                if signed_in && path.contains("sign_out") {
                    continue; // it would end the session the rest of the corpus uses
                }
                let mut request = Request::builder().method(method.clone()).uri(&path);
                if let Some(content_type) = content_type {
                    request = request.header(header::CONTENT_TYPE, content_type);
                }
                let request = request.body(Body::from(body.clone())).unwrap();
                let reply = if signed_in { app.send(request).await } else { app.send_anonymous(request).await };
                check(&format!("{method} {path} ({content_type:?}, signed in: {signed_in})"), reply.status, &reply.body);
                sent += 1;
            }
        }
    }
    assert!(sent > 2_000, "{sent} requests");
}}

on_both! { async fn a_truncated_upload_leaves_nothing_behind(pool: TestDb) {
    let app = crate::common::TestApp::new(pool).await;
    let png = crate::common::png(64, 64, 9);
    // The body ends early: the stream fails half-way, as when a client disconnects.
    let half = bytes::Bytes::from(png[..png.len() / 2].to_vec());
    let stream = futures_util::stream::iter([
        Ok::<_, std::io::Error>(half),
        Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "client went away")),
    ]);
    let reply = app.send(Request::post("/media").body(Body::from_stream(stream)).unwrap()).await;
    check("truncated upload", reply.status, &reply.body);
    assert!(reply.status.is_client_error(), "{}", reply.status);
    assert_eq!(app.temp_files(), 0, "nothing half-written stays");
    let media: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM media").fetch_one(&app.pool).await.unwrap();
    assert_eq!(media, 0);
    // The server goes on: the whole image is taken afterwards.
    assert_eq!(app.upload(png).await.status, StatusCode::CREATED);
}}
