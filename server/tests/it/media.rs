//! Image upload and download, against a real SQLite database and a temporary data dir.

use crate::common::on_both;
use crate::common::{png, TestApp};
use axum::http::{header, StatusCode};
use serde_json::json;

on_both! { async fn a_png_is_stored_by_content_and_served_as_an_image(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let bytes = png(40, 30, 7);
    let reply = app.upload(bytes.clone()).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let stored = reply.json();
    assert_eq!(stored["content_type"], "image/png");
    assert_eq!((stored["width"].as_u64(), stored["height"].as_u64()), (Some(40), Some(30)));
    let id = stored["id"].as_str().unwrap();
    assert_eq!(id.len(), 64);

    let again = app.upload(bytes.clone()).await.json();
    assert_eq!(again["id"], id, "the same bytes are stored once");

    let served = app.get(&format!("/media/{id}")).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.body, bytes);
    assert_eq!(served.headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(served.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    // Not used by anything yet: for operators only (see media_access.rs).
    assert_eq!(served.headers[header::CACHE_CONTROL], "private, no-cache");
    assert!(served.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("sandbox"));
    assert_eq!(app.temp_files(), 0);
}}

on_both! { async fn a_thumbnail_is_made_for_the_list(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let id = app.upload(png(800, 600, 3)).await.json()["id"].as_str().unwrap().to_owned();
    let thumb = app.get(&format!("/media/{id}/thumb")).await;
    assert_eq!(thumb.status, StatusCode::OK);
    assert_eq!(thumb.headers[header::CONTENT_TYPE], "image/jpeg");
    let decoded = image::load_from_memory(&thumb.body).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (160, 120));
    // Served again from disk.
    assert_eq!(app.get(&format!("/media/{id}/thumb")).await.body, thumb.body);
}}

on_both! { async fn a_renamed_text_file_is_not_an_image(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let reply = app.upload(b"just some text, saved as photo.png".to_vec()).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json(), json!({"Invalid": {"NotAnImage": {"field": "ProfilePhoto"}}}));
    assert_eq!(app.temp_files(), 0, "the refused upload left nothing behind");
    let media: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM media").fetch_one(&app.pool).await.unwrap();
    assert_eq!(media, 0);
}}

on_both! { async fn a_truncated_png_is_not_an_image(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let reply = app.upload(png(10, 10, 1)[..12].to_vec()).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
}}

on_both! { async fn an_empty_upload_is_refused(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let reply = app.upload(vec![]).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json(), json!({"Invalid": {"Required": {"field": "ProfilePhoto"}}}));
}}

on_both! { async fn uploads_over_the_cap_are_refused_with_413(pool: TestDb) {
    let app = TestApp::with_upload_cap(pool, 1024 * 1024).await;
    let mut big = png(4, 4, 1);
    big.resize(1024 * 1024 + 1, 0);
    let reply = app.upload(big).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.json(), json!({"Invalid": {"FileTooLarge": {"field": "ProfilePhoto", "max_mb": 1}}}));
    assert_eq!(app.temp_files(), 0);
}}

on_both! { async fn svg_is_accepted_but_served_sandboxed(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>"#;
    let reply = app.upload(svg.to_vec()).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    let served = app.get(&format!("/media/{id}")).await;
    assert_eq!(served.headers[header::CONTENT_TYPE], "image/svg+xml");
    let csp = served.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("sandbox") && csp.contains("default-src 'none'"));
    // No thumbnail for vector images: the original is served, sandboxed all the same.
    let thumb = app.get(&format!("/media/{id}/thumb")).await;
    assert_eq!(thumb.headers[header::CONTENT_TYPE], "image/svg+xml");
    assert!(thumb.headers.contains_key(header::CONTENT_SECURITY_POLICY));
}}

on_both! { async fn unknown_or_malformed_media_ids_are_404(pool: TestDb) {
    let app = TestApp::new(pool).await;
    for uri in
        ["/media/".to_owned() + &"a".repeat(64), "/media/..%2F..%2Fetc%2Fpasswd".into(), "/media/xyz/thumb".into()]
    {
        assert_eq!(app.get(&uri).await.status, StatusCode::NOT_FOUND, "{uri}");
    }
}}

on_both! { async fn a_sweep_never_removes_a_file_an_upload_has_just_claimed(pool: TestDb) {
    // Delete a channel (its photo becomes unused and is swept at once) while the same bytes
    // are uploaded again, many times over. Whichever finishes last decides, but never half:
    // the image is recorded exactly when its file is there (and then it is served whole).
    let app = TestApp::new(pool).await;
    let mut kept = 0;
    for round in 0..16u8 {
        let png = png(5, 5, 100 + round);
        let first = app.upload(png.clone()).await;
        assert_eq!(first.status, StatusCode::CREATED);
        let photo = first.json()["id"].as_str().unwrap().to_owned();
        let reply = app.create(&format!("Round {round}"), "", &photo).await;
        let id = reply.json()["id"].as_i64().unwrap().to_string();
        let form = [("id", id.as_str())];
        let (deleted, again) = tokio::join!(app.call("delete_channel", &form), app.upload(png.clone()));
        assert_eq!(deleted.status, StatusCode::OK);
        assert_eq!(again.status, StatusCode::CREATED);
        let recorded: Option<i64> = sqlx::query_scalar("SELECT 1 FROM media WHERE id = $1")
            .bind(&photo)
            .fetch_optional(&app.pool)
            .await
            .unwrap();
        assert_eq!(app.media_file_exists(&photo), recorded.is_some(), "round {round}: recorded exactly when stored");
        if recorded.is_some() {
            kept += 1;
            let served = app.get(&format!("/media/{photo}")).await;
            assert_eq!(served.status, StatusCode::OK, "round {round}");
            assert_eq!(served.body, png);
        }
    }
    assert!(kept > 0, "the upload came last at least once");
}}

on_both! { /// A byte range whose last byte is past the file's end, however far (the largest
/// number a u64 holds, where `end + 1` overflows), ends at the file's end: 206, never a
/// fault. Local files (SQLite) and the bucket (PostgreSQL) alike.
async fn a_range_ending_past_the_file_is_clamped_to_its_end(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let bytes = png(40, 30, 9);
    let id = app.upload(bytes.clone()).await.json()["id"].as_str().unwrap().to_owned();
    let size = bytes.len();
    for last in ["18446744073709551615", "18446744073709551614", &(size + 10).to_string()] {
        let request = axum::http::Request::get(format!("/media/{id}"))
            .header(header::RANGE, format!("bytes=5-{last}"))
            .body(axum::body::Body::empty())
            .unwrap();
        let reply = app.send(request).await;
        assert_eq!(reply.status, StatusCode::PARTIAL_CONTENT, "bytes=5-{last}");
        assert_eq!(reply.headers[header::CONTENT_RANGE], format!("bytes 5-{}/{size}", size - 1), "bytes=5-{last}");
        assert_eq!(reply.body, bytes[5..], "bytes=5-{last}");
    }
    // A first byte past the end is still not satisfiable.
    let request = axum::http::Request::get(format!("/media/{id}"))
        .header(header::RANGE, "bytes=18446744073709551615-18446744073709551615")
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::RANGE_NOT_SATISFIABLE);
}}
