//! The channel server functions over HTTP, against a real SQLite database.

use crate::common::on_both;
use crate::common::TestApp;
use axum::http::StatusCode;
use serde_json::json;

on_both! { async fn create_then_list_shows_the_channel(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let photo = app.upload_png(1).await;

    let reply = app.create("  Daily News  ", "All the news.\nTwice a day.", &photo).await;
    assert_eq!(reply.status, StatusCode::OK);
    let channel = reply.json();
    assert_eq!(channel["name"], "Daily News", "the name is stored trimmed");
    assert_eq!(channel["profile"], "All the news.\nTwice a day.");
    assert_eq!(channel["photo"], photo.as_str());

    let list = app.call("list_channels", &[("page", "1")]).await.json();
    assert_eq!(list["total"], 1);
    assert_eq!(list["channels"][0]["name"], "Daily News");
}}

on_both! { async fn names_at_the_byte_limit_are_accepted(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let photo = app.upload_png(1).await;
    for name in ["a".repeat(150), "한".repeat(50), format!("{}😀", "a".repeat(146))] {
        let reply = app.create(&name, &"b".repeat(400), &photo).await;
        assert_eq!(reply.status, StatusCode::OK, "{name}");
    }
    assert_eq!(app.channel_count().await, 3);
}}

on_both! { async fn over_limit_input_is_refused_with_422_naming_field_and_limit(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let photo = app.upload_png(1).await;

    let reply = app.create(&"a".repeat(151), "", &photo).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json(), json!({"Invalid": {"TooLong": {"field": "ChannelName", "max": 150, "actual": 151}}}));

    let reply = app.create(&"한".repeat(51), "", &photo).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json()["Invalid"]["TooLong"]["actual"], 153);

    let reply = app.create("ok", &"b".repeat(401), &photo).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json()["Invalid"]["TooLong"]["field"], "ChannelProfile");

    for blank in ["", "   "] {
        let reply = app.create(blank, "", &photo).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(reply.json(), json!({"Invalid": {"Required": {"field": "ChannelName"}}}));
    }
    assert_eq!(app.channel_count().await, 0, "nothing was stored");
}}

on_both! { async fn a_photo_is_required_and_must_have_been_uploaded(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let reply = app.create("News", "", "").await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json(), json!({"Invalid": {"Required": {"field": "ProfilePhoto"}}}));

    for photo in ["f".repeat(64), "../../etc/passwd".to_owned()] {
        let reply = app.create("News", "", &photo).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(reply.json(), json!({"Invalid": {"UnknownMedia": {"field": "ProfilePhoto"}}}));
    }
    assert_eq!(app.channel_count().await, 0);
}}

on_both! { async fn malformed_requests_get_400_not_500(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let reply = app.call("create_channel", &[("name", "only a name")]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.json()["BadRequest"].is_string());

    let reply = app.call("delete_channel", &[("id", "not-a-number")]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}}

on_both! { async fn oversized_server_function_bodies_are_refused_unread(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let huge = "a".repeat(2 * 1024 * 1024);
    let reply = app.create(&huge, "", "").await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.json(), json!("TooLarge"));
}}

on_both! { async fn update_changes_every_field(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let (first, second) = (app.upload_png(1).await, app.upload_png(2).await);
    let id = app.create("Old", "old text", &first).await.json()["id"].to_string();

    let reply =
        app.call("update_channel", &[("id", &id), ("name", "New"), ("profile", "new text"), ("photo", &second)]).await;
    assert_eq!(reply.status, StatusCode::OK);
    let channel = reply.json();
    assert_eq!((channel["name"].as_str(), channel["profile"].as_str()), (Some("New"), Some("new text")));
    assert_eq!(channel["photo"], second.as_str());
    assert!(!app.media_file_exists(&first), "the replaced photo, used by no channel, is gone");
    assert!(app.media_file_exists(&second));

    let reply = app
        .call("update_channel", &[("id", &id), ("name", &"x".repeat(151)), ("profile", ""), ("photo", &second)])
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let list = app.call("list_channels", &[("page", "1")]).await.json();
    assert_eq!(list["channels"][0]["name"], "New", "a refused edit changes nothing");
}}

on_both! { async fn update_or_delete_of_a_missing_channel_is_404(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let photo = app.upload_png(1).await;
    let reply = app.call("update_channel", &[("id", "999"), ("name", "X"), ("profile", ""), ("photo", &photo)]).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = app.call("delete_channel", &[("id", "999")]).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}}

on_both! { async fn delete_removes_the_channel_and_its_unshared_photo(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let shared = app.upload_png(1).await;
    let own = app.upload_png(2).await;
    let a = app.create("A", "", &shared).await.json()["id"].to_string();
    let _b = app.create("B", "", &shared).await;
    let c = app.create("C", "", &own).await.json()["id"].to_string();

    assert_eq!(app.call("delete_channel", &[("id", &a)]).await.status, StatusCode::OK);
    assert!(app.media_file_exists(&shared), "B still uses the shared photo");
    assert_eq!(app.get(&format!("/media/{shared}")).await.status, StatusCode::OK);

    assert_eq!(app.call("delete_channel", &[("id", &c)]).await.status, StatusCode::OK);
    assert!(!app.media_file_exists(&own));
    assert_eq!(app.get(&format!("/media/{own}")).await.status, StatusCode::NOT_FOUND);

    let list = app.call("list_channels", &[("page", "1")]).await.json();
    assert_eq!(list["total"], 1);
    assert_eq!(list["channels"][0]["name"], "B");
}}

on_both! { async fn the_list_is_newest_first_and_paginated(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let photo = app.upload_png(1).await;
    for i in 0..120 {
        app.create(&format!("Channel {i}"), "", &photo).await;
    }
    let first = app.call("list_channels", &[("page", "1")]).await.json();
    assert_eq!(first["page_count"], 3);
    assert_eq!(first["channels"].as_array().unwrap().len(), 50);
    assert_eq!(first["channels"][0]["name"], "Channel 119");
    let last = app.call("list_channels", &[("page", "3")]).await.json();
    assert_eq!(last["channels"].as_array().unwrap().len(), 20);
    assert_eq!(last["channels"][19]["name"], "Channel 0");
    let beyond = app.call("list_channels", &[("page", "99")]).await.json();
    assert_eq!(beyond["page"], 3, "a page past the end shows the last one");
}}

on_both! { async fn the_channel_page_renders_on_the_server_with_escaped_text(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let photo = app.upload_png(1).await;
    app.create("<script>alert(1)</script>", "<img src=x onerror=alert(2)>", &photo).await;
    let reply = app.get("/channels").await;
    assert_eq!(reply.status, StatusCode::OK);
    let html = String::from_utf8(reply.body).unwrap();
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("<script>alert(1)"));
    assert!(!html.contains("<img src=x"));
    assert!(html.contains("Create channel"));
}}
