//! Who may fetch an image: anyone, when a channel or a live post uses it; only operators
//! (and never from a shared cache) when it is an upload nothing uses yet or a recalled
//! post's; and uploads nothing uses go after their grace.

use crate::common::on_both;
use crate::common::TestApp;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::json;

impl TestApp {
    async fn get_anonymous(&self, uri: &str) -> crate::common::Reply {
        self.send_anonymous(Request::get(uri).body(Body::empty()).unwrap()).await
    }
}

fn cache_control(reply: &crate::common::Reply) -> &str {
    reply.headers[header::CACHE_CONTROL].to_str().unwrap()
}

on_both! { async fn anonymous_clients_get_only_images_in_public_use(pool: TestDb) {
    let app = TestApp::new(pool).await;

    // An upload nothing uses yet: operators only, kept out of shared caches.
    let draft_image = app.upload_png(1).await;
    for uri in [format!("/media/{draft_image}"), format!("/media/{draft_image}/thumb")] {
        assert_eq!(app.get_anonymous(&uri).await.status, StatusCode::NOT_FOUND, "{uri}");
        let seen = app.get(&uri).await;
        assert_eq!(seen.status, StatusCode::OK, "{uri}");
        assert_eq!(cache_control(&seen), "private, no-cache");
    }

    // A channel's photo: anyone, cached for good.
    let photo = app.upload_png(2).await;
    assert_eq!(app.create("Harbor news", "", &photo).await.status, StatusCode::OK);
    let public = app.get_anonymous(&format!("/media/{photo}")).await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(cache_control(&public).starts_with("public"), "{}", cache_control(&public));
    let channel: i64 = sqlx::query_scalar("SELECT id FROM channels").fetch_one(&app.pool).await.unwrap();

    // A published post's image: anyone, until the post is recalled.
    let reply = app
        .call_json(
            "publish_post",
            json!({"request_id": "p1", "draft": {"channel_id": channel, "kind": "ImageAndText",
                   "text": "with a photo", "images": [{"media": draft_image, "alt": ""}], "links": []}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
    let post = reply.json()["id"].as_i64().unwrap();
    assert_eq!(app.get_anonymous(&format!("/media/{draft_image}")).await.status, StatusCode::OK);
    assert_eq!(app.get_anonymous(&format!("/media/{draft_image}/thumb")).await.status, StatusCode::OK);

    sqlx::query("UPDATE posts SET recalled_at = 1 WHERE id = $1").bind(post).execute(&app.pool).await.unwrap();
    assert_eq!(app.get_anonymous(&format!("/media/{draft_image}")).await.status, StatusCode::NOT_FOUND);
    let operator = app.get(&format!("/media/{draft_image}")).await;
    assert_eq!(operator.status, StatusCode::OK);
    assert_eq!(cache_control(&operator), "private, no-cache");
    // The channel's photo is still the channel's.
    assert_eq!(app.get_anonymous(&format!("/media/{photo}")).await.status, StatusCode::OK);
}}

on_both! { async fn uploads_nothing_uses_go_after_their_grace(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let unused = app.upload_png(1).await;
    let photo = app.upload_png(2).await;
    assert_eq!(app.create("Kept", "", &photo).await.status, StatusCode::OK);
    let now = storage::clock::now();

    // Within the grace, nothing goes.
    assert!(app.storage.db.forget_unused_media(now - 3600).await.unwrap().is_empty());
    // Past it, the unused upload is forgotten, its file swept; the channel's photo stays.
    let forgotten = app.storage.db.forget_unused_media(now + 1).await.unwrap();
    assert_eq!(forgotten.iter().map(|m| m.to_string()).collect::<Vec<_>>(), vec![unused.clone()]);
    let swept = app.storage.db.sweep_media(None, now + 1, &app.storage.media).await.unwrap();
    assert_eq!(swept.len(), 1);
    assert!(!app.media_file_exists(&unused));
    assert!(app.media_file_exists(&photo));
    assert_eq!(app.get(&format!("/media/{unused}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/media/{photo}")).await.status, StatusCode::OK);

    // Uploaded again, the same bytes are back, with a new grace.
    assert_eq!(app.upload_png(1).await, unused);
    assert!(app.storage.db.forget_unused_media(now - 3600).await.unwrap().is_empty());
    assert_eq!(app.get(&format!("/media/{unused}")).await.status, StatusCode::OK);
}}
