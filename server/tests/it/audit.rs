//! One audit path: every kind of change writes its audit entry in the change's own
//! transaction. Each test makes the audit log refuse writes (a trigger that aborts the
//! insert) and shows that the change is then refused as a whole (a fault: 500, or the
//! REST API's 10004) and leaves nothing behind; and that with the log open again, the
//! change and exactly one entry are stored together.

use crate::common::{TestApp, OPERATOR, PASSWORD};
use crate::rest::{assert_fail, assert_ok, Api};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::json;
use sqlx::SqlitePool;

/// Makes the audit log refuse writes while `audit_switch.refuse` is 1. A switch row rather
/// than creating and dropping the trigger: schema changes race with pooled connections.
async fn audit_switch(pool: &SqlitePool) {
    for sql in [
        "CREATE TABLE IF NOT EXISTS audit_switch (refuse INTEGER NOT NULL)",
        "INSERT INTO audit_switch (refuse) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM audit_switch)",
        "CREATE TRIGGER IF NOT EXISTS refuse_audit BEFORE INSERT ON audit_log \
         WHEN (SELECT refuse FROM audit_switch) = 1 \
         BEGIN SELECT RAISE(ABORT, 'the audit log refuses writes'); END",
    ] {
        sqlx::query(sql).execute(pool).await.unwrap();
    }
}

async fn refuse_audit(pool: &SqlitePool) {
    audit_switch(pool).await;
    sqlx::query("UPDATE audit_switch SET refuse = 1").execute(pool).await.unwrap();
}

async fn allow_audit(pool: &SqlitePool) {
    sqlx::query("UPDATE audit_switch SET refuse = 0").execute(pool).await.unwrap();
}

async fn actions(pool: &SqlitePool) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id").fetch_all(pool).await.unwrap()
}

async fn count(pool: &SqlitePool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrator = "storage::sqlite::MIGRATOR")]
async fn channel_changes_and_their_entries_commit_together(pool: SqlitePool) {
    let app = TestApp::new(pool).await;
    let photo = app.upload_png(1).await;

    refuse_audit(&app.pool).await;
    assert_eq!(app.create("Refused", "", &photo).await.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(app.channel_count().await, 0);
    allow_audit(&app.pool).await;
    let id = app.channel("Audited").await;
    assert_eq!(actions(&app.pool).await, ["channel_created"]);

    let edit = [("id", id.to_string()), ("name", "Renamed".into()), ("profile", "".into()), ("photo", photo.clone())];
    let edit: Vec<(&str, &str)> = edit.iter().map(|(k, v)| (*k, v.as_str())).collect();
    refuse_audit(&app.pool).await;
    assert_eq!(app.call("update_channel", &edit).await.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(app.call("delete_channel", &[("id", &id.to_string())]).await.status, StatusCode::INTERNAL_SERVER_ERROR);
    let name: String =
        sqlx::query_scalar("SELECT name FROM channels WHERE id = ?").bind(id).fetch_one(&app.pool).await.unwrap();
    assert_eq!(name, "Audited", "the edit was rolled back, and the channel is still there");
    allow_audit(&app.pool).await;
    assert_eq!(app.call("update_channel", &edit).await.status, StatusCode::OK);
    assert_eq!(app.call("delete_channel", &[("id", &id.to_string())]).await.status, StatusCode::OK);
    assert_eq!(app.channel_count().await, 0);
    assert_eq!(actions(&app.pool).await, ["channel_created", "channel_edited", "channel_deleted"]);
}

#[sqlx::test(migrator = "storage::sqlite::MIGRATOR")]
async fn a_post_and_its_entry_commit_together(pool: SqlitePool) {
    let app = TestApp::new(pool).await;
    let channel = app.channel("News").await;
    sqlx::query("DELETE FROM audit_log").execute(&app.pool).await.unwrap();
    let publish = |request_id: &'static str| {
        app.call_json(
            "publish_post",
            json!({
                "draft": { "channel_id": channel, "kind": "TextOnly", "text": "hello", "images": [], "links": [] },
                "request_id": request_id
            }),
        )
    };

    refuse_audit(&app.pool).await;
    assert_eq!(publish("p-1").await.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(count(&app.pool, "SELECT count(*) FROM posts").await, 0);
    allow_audit(&app.pool).await;

    // And the other way: a publish that fails writes no entry.
    sqlx::query("CREATE TRIGGER refuse_posts BEFORE INSERT ON posts BEGIN SELECT RAISE(ABORT, 'no'); END")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(publish("p-2").await.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(actions(&app.pool).await.is_empty());
    sqlx::query("DROP TRIGGER refuse_posts").execute(&app.pool).await.unwrap();

    assert_eq!(publish("p-3").await.status, StatusCode::OK);
    assert_eq!(publish("p-3").await.status, StatusCode::OK, "a retry");
    assert_eq!(count(&app.pool, "SELECT count(*) FROM posts").await, 1);
    assert_eq!(actions(&app.pool).await, ["post_published"], "one post, one entry");
}

#[sqlx::test(migrator = "storage::sqlite::MIGRATOR")]
async fn operator_changes_and_their_entries_commit_together(pool: SqlitePool) {
    let app = TestApp::new(pool).await;
    let add = [("name", "jane"), ("password", "a long enough password")];

    refuse_audit(&app.pool).await;
    assert_eq!(app.call("add_operator", &add).await.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(count(&app.pool, "SELECT count(*) FROM operators").await, 1);
    allow_audit(&app.pool).await;
    let jane = app.call("add_operator", &add).await;
    assert_eq!(jane.status, StatusCode::OK);
    let jane_id = jane.json()["id"].as_i64().unwrap().to_string();

    refuse_audit(&app.pool).await;
    let change = [("current", PASSWORD), ("new", "another long password")];
    assert_eq!(app.call("change_password", &change).await.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(app.call("remove_operator", &[("id", &jane_id)]).await.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(count(&app.pool, "SELECT count(*) FROM operators").await, 2, "jane is still there");
    assert!(app.auth.check_password(1, PASSWORD).await.unwrap(), "the old password still holds");
    allow_audit(&app.pool).await;
    assert_eq!(app.call("change_password", &change).await.status, StatusCode::OK);
    assert_eq!(app.call("remove_operator", &[("id", &jane_id)]).await.status, StatusCode::OK);
    assert_eq!(count(&app.pool, "SELECT count(*) FROM operators").await, 1);
    assert_eq!(actions(&app.pool).await, ["operator_added", "password_changed", "operator_removed"]);
}

#[sqlx::test(migrator = "storage::sqlite::MIGRATOR")]
async fn sessions_and_their_entries_commit_together(pool: SqlitePool) {
    let app = TestApp::new(pool).await;
    let sign_in = || {
        let body = format!("operator={OPERATOR}&password={}&next=%2F", PASSWORD.replace(' ', "+"));
        app.send_anonymous(
            Request::post("/api/sign_in")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
    };
    let sessions = || count(&app.pool, "SELECT count(*) FROM sessions");

    refuse_audit(&app.pool).await;
    assert_eq!(sign_in().await.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(sessions().await, 1, "no session was started");
    assert_eq!(app.call("sign_out", &[]).await.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(sessions().await, 1, "the session did not end");
    assert_eq!(app.call("list_channels", &[("page", "1")]).await.status, StatusCode::OK);
    allow_audit(&app.pool).await;

    assert_eq!(sign_in().await.status, StatusCode::OK);
    assert_eq!(sessions().await, 2);
    assert_eq!(app.call("sign_out", &[]).await.status, StatusCode::OK);
    assert_eq!(sessions().await, 1);
    assert_eq!(actions(&app.pool).await, ["sign_in", "sign_out"]);
}

#[sqlx::test(migrator = "storage::sqlite::MIGRATOR")]
async fn settings_changes_and_their_entries_commit_together(pool: SqlitePool) {
    let app = TestApp::new(pool).await;
    let key_hint = || async { app.call("get_api_settings", &[]).await.json()["key_hint"].clone() };

    refuse_audit(&app.pool).await;
    assert_eq!(app.call("rotate_api_key", &[]).await.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(app.call("add_api_admin", &[("identifier", "ops")]).await.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(key_hint().await, serde_json::Value::Null, "no key was made");
    assert_eq!(count(&app.pool, "SELECT count(*) FROM api_admins").await, 0);
    allow_audit(&app.pool).await;
    assert_eq!(app.call("rotate_api_key", &[]).await.status, StatusCode::OK);
    assert_eq!(app.call("add_api_admin", &[("identifier", "ops")]).await.status, StatusCode::OK);

    refuse_audit(&app.pool).await;
    assert_eq!(app.call("remove_api_admin", &[("identifier", "ops")]).await.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(count(&app.pool, "SELECT count(*) FROM api_admins").await, 1);
    allow_audit(&app.pool).await;
    assert_eq!(app.call("remove_api_admin", &[("identifier", "ops")]).await.status, StatusCode::OK);
    assert_eq!(actions(&app.pool).await, ["api_key_rotated", "api_admin_added", "api_admin_removed"]);
}

#[sqlx::test(migrator = "storage::sqlite::MIGRATOR")]
async fn rest_changes_and_their_entries_commit_together(pool: SqlitePool) {
    let api = Api::new(pool).await;
    let pool = api.app.pool.clone();
    sqlx::query("DELETE FROM audit_log").execute(&pool).await.unwrap();
    let create = json!({"Owner_Account": "owner", "Name": "Refused", "OfficialAccountUserID": "@TOA#_refused"});

    refuse_audit(&pool).await;
    assert_fail(&api.call("create_official_account", create.clone()).await, 10004, "internal error");
    assert_eq!(api.app.channel_count().await, 0);
    allow_audit(&pool).await;
    let account = api.create("Kept").await;
    let sent = api.send_text(&account, "hello", 1).await;
    assert_ok(&sent);

    refuse_audit(&pool).await;
    assert_fail(&api.send_text(&account, "refused", 2).await, 10004, "internal error");
    let modify = json!({"Official_Account": account, "Name": "Renamed"});
    assert_fail(&api.call("modify_official_account_base_info", modify.clone()).await, 10004, "internal error");
    let recall = json!({"Official_Account": account, "MsgKeyList": [sent["MsgKey"]]});
    assert_fail(&api.call("official_account_msg_recall", recall.clone()).await, 10004, "internal error");
    let destroy = json!({"Official_Account": account});
    assert_fail(&api.call("destroy_official_account", destroy.clone()).await, 10004, "internal error");
    assert_eq!(count(&pool, "SELECT count(*) FROM posts WHERE recalled_at IS NULL").await, 1, "one live post");
    assert_eq!(count(&pool, "SELECT count(*) FROM channels WHERE name = 'Kept'").await, 1);
    allow_audit(&pool).await;

    for (command, body) in [
        ("modify_official_account_base_info", modify),
        ("official_account_msg_recall", recall),
        ("destroy_official_account", destroy),
    ] {
        assert_ok(&api.call(command, body).await);
    }
    assert_eq!(
        actions(&pool).await,
        ["channel_created", "post_published", "channel_edited", "post_recalled", "channel_deleted"]
    );
    let who: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT operator FROM audit_log").fetch_all(&pool).await.unwrap();
    assert_eq!(who, ["api:administrator"]);
}

#[sqlx::test(migrator = "storage::sqlite::MIGRATOR")]
async fn the_first_operator_and_its_entry_commit_together(pool: SqlitePool) {
    let auth = crate::common::auth_over(pool.clone());
    refuse_audit(&pool).await;
    assert!(auth.ensure_first_operator(None).await.is_err());
    assert_eq!(count(&pool, "SELECT count(*) FROM operators").await, 0);
    allow_audit(&pool).await;
    assert!(auth.ensure_first_operator(None).await.unwrap().is_some());
    assert_eq!(actions(&pool).await, ["operator_added"]);
    let who: String = sqlx::query_scalar("SELECT operator FROM audit_log").fetch_one(&pool).await.unwrap();
    assert_eq!(who, "server");
}

#[tokio::test]
async fn a_server_command_and_its_entry_commit_together() {
    let dir = std::env::temp_dir().join(format!("console-cli-audit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db =
        storage::sqlite::SqliteStore::connect(&format!("sqlite://{}", dir.join("console.db").display())).await.unwrap();
    refuse_audit(db.pool()).await;
    let (ok, out) = crate::operator_command::run(&dir, &["operator", "add", "jane"], None);
    assert!(!ok, "{out}");
    assert_eq!(count(db.pool(), "SELECT count(*) FROM operators").await, 0);
    allow_audit(db.pool()).await;
    let (ok, out) = crate::operator_command::run(&dir, &["operator", "add", "jane"], None);
    assert!(ok, "{out}");
    assert_eq!(actions(db.pool()).await, ["operator_added"]);
    db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
