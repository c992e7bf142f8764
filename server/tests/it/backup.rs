//! Backups and restores: SQLite to PostgreSQL and a bucket with everything kept (what both
//! consoles serve compared), a backup taken while posts are being published, damaged
//! backups refused before anything is written, and a target holding data refused.

use crate::common::{on_both, TestApp, TestDb};
use crate::rest::{assert_ok, Api};
use axum::http::StatusCode;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use storage::backup::{self, RestoreError};

fn draft(channel: i64, text: &str, images: &[&str], links: Value) -> Value {
    let kind = if images.is_empty() { "TextOnly" } else { "ImageAndText" };
    json!({
        "channel_id": channel,
        "kind": kind,
        "text": text,
        "images": images.iter().map(|m| json!({"media": m, "alt": "a picture"})).collect::<Vec<_>>(),
        "links": links,
    })
}

async fn publish(app: &TestApp, draft: Value, request_id: &str) -> i64 {
    let reply = app.call_json("publish_post", json!({"draft": draft, "request_id": request_id})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
    reply.json()["id"].as_i64().unwrap()
}

fn backup_dir(db: &TestDb) -> PathBuf {
    db.data_dir.join("backup")
}

/// A fresh, empty database of the other engine: a backup of either restores into either.
async fn another(db: &TestDb) -> TestDb {
    match db.kind {
        crate::common::DbKind::Sqlite => TestDb::postgres().await,
        crate::common::DbKind::Postgres => TestDb::sqlite().await,
    }
}

async fn restore_into(target: &TestDb, dir: &Path, force: bool) -> Result<backup::Restored, RestoreError> {
    let media = target.media(50 * 1024 * 1024).await;
    backup::restore(&target.engine, &media, dir, force, &target.data_dir.join("tmp")).await
}

/// Rows of a table as the test's pool reads them, for comparing two databases.
async fn rows(db: &TestDb, sql: &str) -> Vec<Vec<String>> {
    use sqlx::Row;
    let found = sqlx::query(sql).fetch_all(&db.any).await.unwrap();
    found
        .iter()
        .map(|row| {
            (0..row.columns().len())
                .map(|i| {
                    row.try_get::<i64, _>(i)
                        .map(|n| n.to_string())
                        .or_else(|_| row.try_get::<String, _>(i))
                        .or_else(|_| row.try_get::<Option<String>, _>(i).map(|s| format!("{s:?}")))
                        .or_else(|_| row.try_get::<Option<i64>, _>(i).map(|n| format!("{n:?}")))
                        .unwrap_or_else(|e| panic!("column {i} of {sql}: {e}"))
                })
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn sqlite_to_postgres_and_a_bucket_keeps_everything() {
    // A console on SQLite with local files, used for a while: channels with photos, posts
    // with images and links (one recalled), the REST API, subscribers, webhook settings.
    let api = Api::new(TestDb::sqlite().await).await;
    let src = &api.app;
    let photo = src.upload_png(1).await;
    let created = src.create("Moving house", "we move to PostgreSQL", &photo).await;
    assert_eq!(created.status, StatusCode::OK, "{}", String::from_utf8_lossy(&created.body));
    let channel = created.json()["id"].as_i64().unwrap();
    let image = src.upload_png(2).await;
    let links = json!([{"label": "Kimchi recipe", "url": "https://example.com/kimchi"}]);
    publish(src, draft(channel, "Fermented cabbage 김치 for winter", &[&image], links), "r1").await;
    publish(src, draft(channel, "A second post about moving", &[], json!([])), "r2").await;
    let erratum = json!([{"label": "Erratum note", "url": "https://example.com/erratum"}]);
    let recalled = publish(src, draft(channel, "Posted by mistake", &[], erratum), "r3").await;
    assert_eq!(src.call("recall_post", &[("id", &recalled.to_string())]).await.status, StatusCode::OK);
    let last = publish(src, draft(channel, "Later news", &[], json!([])), "r3b").await;
    let account = api.create("App channel").await;
    assert_ok(&api.send_text(&account, "from the app backend", 7).await);
    let users: Vec<Value> = (0..250).map(|n| json!({"Subscriber_Account": format!("user{n}")})).collect();
    for chunk in users.chunks(100) {
        let added = api.call("add_subscriber", json!({"Official_Account": account, "SubscriberList": chunk})).await;
        assert_ok(&added);
    }
    let form = json!({"form": {
        "url": "http://127.0.0.1:9/hooks",
        "token": "hook-token",
        "callbacks": ["AfterSendMsg", "AfterAddSubscriber"],
        "when_unreachable": "Refuse",
    }});
    assert_eq!(src.call_json("save_webhook", form).await.status, StatusCode::OK);
    // A thumbnail made on first request travels too.
    assert_eq!(src.get(&format!("/media/{photo}/thumb")).await.status, StatusCode::OK);

    let dir = backup_dir(&src.db);
    let manifest = backup::backup(&src.db.engine, &src.storage.media, &dir).await.unwrap();
    assert_eq!(manifest.source, "sqlite");
    assert_eq!(manifest.tables["posts"], 5);
    assert_eq!(manifest.tables["subscribers"], 250);
    assert_eq!(manifest.media_files(), 3, "two originals and one thumbnail: {:?}", manifest.files.keys());

    // Restored into PostgreSQL with images in the bucket.
    let target = TestDb::postgres().await;
    let restored = restore_into(&target, &dir, false).await.unwrap();
    assert_eq!(restored.indexed_posts, 5, "every post, recalled ones too, is searchable again");
    // The test operator signs in with the password it had.
    let dst = TestApp::restored(target).await;
    let moved = api.over(dst);
    let dst = &moved.app;

    // What both consoles serve is the same.
    for (function, form) in
        [("list_channels", vec![("page", "1")]), ("get_webhook", vec![]), ("get_api_settings", vec![])]
    {
        let (a, b) = (src.call(function, &form).await, dst.call(function, &form).await);
        assert_eq!(b.status, StatusCode::OK, "{function}");
        assert_eq!(a.json(), b.json(), "{function}");
    }
    let filters = [
        json!({}),
        json!({"q": "김치"}),
        json!({"q": "Kimchi"}),
        json!({"recalled": true}),
        json!({"q": "Erratum"}),
        json!({"recalled": true, "q": "Erratum"}),
        json!({"recalled": true, "q": "mistake"}),
    ];
    for filter in filters {
        let body = json!({ "filter": filter });
        let (a, b) = (src.call_json("list_posts", body.clone()).await, dst.call_json("list_posts", body).await);
        assert_eq!(b.status, StatusCode::OK);
        assert_eq!(a.json(), b.json(), "list_posts {filter}");
    }
    let found = dst.call_json("list_posts", json!({"filter": {"q": "Kimchi"}})).await.json();
    assert_eq!(found["posts"].as_array().unwrap().len(), 1, "a link's label is searchable: {found}");
    let found = dst.call_json("list_posts", json!({"filter": {"q": "Erratum"}})).await.json();
    assert_eq!(found["posts"], json!([]), "a recalled post's label is no other post's: {found}");
    let found = dst.call_json("list_posts", json!({"filter": {"recalled": true, "q": "Erratum"}})).await.json();
    assert_eq!(found["posts"][0]["id"], recalled, "recalled posts are searched too: {found}");
    for path in [format!("/media/{photo}"), format!("/media/{image}"), format!("/media/{photo}/thumb")] {
        let (a, b) = (src.get(&path).await, dst.get(&path).await);
        assert_eq!(b.status, StatusCode::OK, "{path}");
        assert_eq!(a.body, b.body, "{path}");
        assert_eq!(a.headers.get("content-type"), b.headers.get("content-type"), "{path}");
    }
    // The REST key and administrator work; subscribers came along, in the same order.
    let page = json!({"Official_Account": account, "Limit": 200});
    let (a, b) = (api.call("get_subscriber_info", page.clone()).await, moved.call("get_subscriber_info", page).await);
    assert_ok(&b);
    assert_eq!(a, b);
    let sql = "SELECT id, at, operator, action, subject, address FROM audit_log ORDER BY id";
    let before = rows(&src.db, sql).await;
    assert_eq!(rows(&dst.db, sql).await[..before.len()], before[..], "the audit log came along");
    let sql = "SELECT id, command, channel_id, payload, delivery FROM events ORDER BY id";
    assert_eq!(rows(&src.db, sql).await, rows(&dst.db, sql).await, "the event log came along");

    // New rows take new ids on the restored database.
    let next = publish(dst, draft(channel, "First post after the move", &[], json!([])), "r4").await;
    assert!(next > last, "{next} after {last}");
    assert_ok(&moved.send_text(&account, "the app still publishes", 8).await);
}

on_both! { async fn a_backup_taken_while_publishing_holds_every_post_acknowledged_before_it(pool: TestDb) {
    let app = Arc::new(TestApp::new(pool).await);
    let channel = app.channel("Busy").await;
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let publishers: Vec<_> = (0..4)
        .map(|worker| {
            let (app, acknowledged, stop) = (app.clone(), acknowledged.clone(), stop.clone());
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    let id = publish(&app, draft(channel, &format!("post {worker}-{n}"), &[], json!([])), &format!("w{worker}-{n}")).await;
                    acknowledged.lock().unwrap().push(id);
                    n += 1;
                }
            })
        })
        .collect();
    // Some posts first, then the backup while the publishers go on.
    while acknowledged.lock().unwrap().len() < 40 {
        tokio::task::yield_now().await;
    }
    let before: Vec<i64> = acknowledged.lock().unwrap().clone();
    let dir = backup_dir(&app.db);
    let manifest = backup::backup(&app.db.engine, &app.storage.media, &dir).await.unwrap();
    stop.store(true, Ordering::Relaxed);
    for publisher in publishers {
        publisher.await.unwrap();
    }
    assert!(manifest.tables["posts"] >= before.len() as i64);

    let target = another(&app.db).await;
    restore_into(&target, &dir, false).await.unwrap();
    let restored: Vec<i64> = sqlx::query_scalar("SELECT id FROM posts").fetch_all(&target.any).await.unwrap();
    for id in &before {
        assert!(restored.contains(id), "post {id}, acknowledged before the backup began, is in it");
    }
    assert_eq!(restored.len() as i64, manifest.tables["posts"]);
}}

on_both! { async fn a_damaged_backup_is_refused_and_nothing_is_written(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let photo = app.upload_png(3).await;
    app.create("Safe", "", &photo).await;
    let dir = backup_dir(&app.db);
    let manifest = backup::backup(&app.db.engine, &app.storage.media, &dir).await.unwrap();
    let target = another(&app.db).await;

    // One flipped byte in the database.
    let database = dir.join(backup::DATABASE_FILE);
    let mut bytes = std::fs::read(&database).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&database, &bytes).unwrap();
    match restore_into(&target, &dir, false).await {
        Err(RestoreError::Damaged(wrong)) => {
            assert!(wrong.iter().any(|w| w.contains("console.db") && w.contains("checksum")), "{wrong:?}")
        }
        other => panic!("a flipped byte must be refused: {other:?}"),
    }
    bytes[middle] ^= 0x01;
    std::fs::write(&database, &bytes).unwrap();

    // One image missing.
    let image = manifest.files.keys().find(|p| p.starts_with("media/") && !p.ends_with(".thumb")).unwrap().clone();
    let kept = std::fs::read(dir.join(&image)).unwrap();
    std::fs::remove_file(dir.join(&image)).unwrap();
    match restore_into(&target, &dir, false).await {
        Err(RestoreError::Damaged(wrong)) => assert!(wrong.iter().any(|w| w.contains(&image) && w.contains("missing")), "{wrong:?}"),
        other => panic!("a missing image must be refused: {other:?}"),
    }
    // Truncated.
    std::fs::write(dir.join(&image), &kept[..kept.len() / 2]).unwrap();
    assert!(matches!(restore_into(&target, &dir, false).await, Err(RestoreError::Damaged(_))));
    // Not a backup at all.
    let empty = app.db.data_dir.join("not-a-backup");
    std::fs::create_dir_all(&empty).unwrap();
    assert!(matches!(restore_into(&target, &empty, false).await, Err(RestoreError::NotABackup(..))));

    // Nothing was written: the target is still empty, and takes the backup once it is whole.
    let channels: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM channels").fetch_one(&target.any).await.unwrap();
    assert_eq!(channels, 0);
    std::fs::write(dir.join(&image), &kept).unwrap();
    restore_into(&target, &dir, false).await.unwrap();
    let channels: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM channels").fetch_one(&target.any).await.unwrap();
    assert_eq!(channels, 1);
}}

on_both! { async fn a_target_holding_data_is_refused_unless_forced(pool: TestDb) {
    let app = TestApp::new(pool).await;
    app.channel("From the backup").await;
    let dir = backup_dir(&app.db);
    backup::backup(&app.db.engine, &app.storage.media, &dir).await.unwrap();
    // A backup never overwrites another.
    assert!(matches!(
        backup::backup(&app.db.engine, &app.storage.media, &dir).await,
        Err(backup::BackupError::NotEmpty(_))
    ));

    let target = TestApp::new(another(&app.db).await).await;
    target.channel("Already here").await;
    match restore_into(&target.db, &dir, false).await {
        Err(RestoreError::NotEmpty(held)) => assert!(held.contains("channels"), "{held}"),
        other => panic!("a target with data must be refused: {other:?}"),
    }
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM channels").fetch_all(&target.pool).await.unwrap();
    assert_eq!(names, ["Already here"]);
    restore_into(&target.db, &dir, true).await.unwrap();
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM channels").fetch_all(&target.pool).await.unwrap();
    assert_eq!(names, ["From the backup"]);
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions").fetch_one(&target.pool).await.unwrap();
    assert_eq!(sessions, 0, "sessions are not restored: operators sign in again");
}}
