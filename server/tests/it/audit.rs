//! One audit path: every kind of change writes its audit entry in the change's own
//! transaction. Each test makes the audit log refuse writes (a trigger that aborts the
//! insert) and shows that the change is then refused as a whole (a fault: 500, or the
//! REST API's 10004) and leaves nothing behind; and that with the log open again, the
//! change and exactly one entry are stored together. On both engines.

use crate::common::{on_both, TestApp, OPERATOR, PASSWORD};
use crate::rest::{assert_fail, assert_ok, Api};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::json;
use sqlx::AnyPool;

async fn actions(pool: &AnyPool) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id").fetch_all(pool).await.unwrap()
}

async fn count(pool: &AnyPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

on_both! {
async fn channel_changes_and_their_entries_commit_together(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let photo = app.upload_png(1).await;

    app.db.refuse_inserts("audit_log").await;
    assert_eq!(app.create("Refused", "", &photo).await.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(app.channel_count().await, 0);
    app.db.allow_inserts("audit_log").await;
    let id = app.channel("Audited").await;
    assert_eq!(actions(&app.pool).await, ["channel_created"]);

    let edit = [("id", id.to_string()), ("name", "Renamed".into()), ("profile", "".into()), ("photo", photo.clone())];
    let edit: Vec<(&str, &str)> = edit.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.db.refuse_inserts("audit_log").await;
    assert_eq!(app.call("update_channel", &edit).await.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(app.call("delete_channel", &[("id", &id.to_string())]).await.status, StatusCode::INTERNAL_SERVER_ERROR);
    let name: String =
        sqlx::query_scalar("SELECT name FROM channels WHERE id = $1").bind(id).fetch_one(&app.pool).await.unwrap();
    assert_eq!(name, "Audited", "the edit was rolled back, and the channel is still there");
    app.db.allow_inserts("audit_log").await;
    assert_eq!(app.call("update_channel", &edit).await.status, StatusCode::OK);
    assert_eq!(app.call("delete_channel", &[("id", &id.to_string())]).await.status, StatusCode::OK);
    assert_eq!(app.channel_count().await, 0);
    assert_eq!(actions(&app.pool).await, ["channel_created", "channel_edited", "channel_deleted"]);
}

async fn a_post_and_its_entry_commit_together(pool: TestDb) {
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

    app.db.refuse_inserts("audit_log").await;
    assert_eq!(publish("p-1").await.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(count(&app.pool, "SELECT count(*) FROM posts").await, 0);
    app.db.allow_inserts("audit_log").await;

    // And the other way: a publish that fails writes no entry.
    app.db.refuse_inserts("posts").await;
    assert_eq!(publish("p-2").await.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(actions(&app.pool).await.is_empty());
    app.db.allow_inserts("posts").await;

    assert_eq!(publish("p-3").await.status, StatusCode::OK);
    assert_eq!(publish("p-3").await.status, StatusCode::OK, "a retry");
    assert_eq!(count(&app.pool, "SELECT count(*) FROM posts").await, 1);
    assert_eq!(actions(&app.pool).await, ["post_published"], "one post, one entry");
}

async fn operator_changes_and_their_entries_commit_together(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let add = [("name", "jane"), ("password", "a long enough password")];

    app.db.refuse_inserts("audit_log").await;
    assert_eq!(app.call("add_operator", &add).await.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(count(&app.pool, "SELECT count(*) FROM operators").await, 1);
    app.db.allow_inserts("audit_log").await;
    let jane = app.call("add_operator", &add).await;
    assert_eq!(jane.status, StatusCode::OK);
    let jane_id = jane.json()["id"].as_i64().unwrap().to_string();

    app.db.refuse_inserts("audit_log").await;
    let change = [("current", PASSWORD), ("new", "another long password")];
    assert_eq!(app.call("change_password", &change).await.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(app.call("remove_operator", &[("id", &jane_id)]).await.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(count(&app.pool, "SELECT count(*) FROM operators").await, 2, "jane is still there");
    assert!(app.auth.check_password(app.operator_id, PASSWORD).await.unwrap(), "the old password still holds");
    app.db.allow_inserts("audit_log").await;
    assert_eq!(app.call("change_password", &change).await.status, StatusCode::OK);
    assert_eq!(app.call("remove_operator", &[("id", &jane_id)]).await.status, StatusCode::OK);
    assert_eq!(count(&app.pool, "SELECT count(*) FROM operators").await, 1);
    assert_eq!(actions(&app.pool).await, ["operator_added", "password_changed", "operator_removed"]);
}

async fn sessions_and_their_entries_commit_together(pool: TestDb) {
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

    app.db.refuse_inserts("audit_log").await;
    assert_eq!(sign_in().await.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(sessions().await, 1, "no session was started");
    assert_eq!(app.call("sign_out", &[]).await.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(sessions().await, 1, "the session did not end");
    assert_eq!(app.call("list_channels", &[("page", "1")]).await.status, StatusCode::OK);
    app.db.allow_inserts("audit_log").await;

    assert_eq!(sign_in().await.status, StatusCode::OK);
    assert_eq!(sessions().await, 2);
    assert_eq!(app.call("sign_out", &[]).await.status, StatusCode::OK);
    assert_eq!(sessions().await, 1);
    assert_eq!(actions(&app.pool).await, ["sign_in", "sign_out"]);
}

async fn settings_changes_and_their_entries_commit_together(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let key_hint = || async { app.call("get_api_settings", &[]).await.json()["key_hint"].clone() };

    app.db.refuse_inserts("audit_log").await;
    assert_eq!(app.call("rotate_api_key", &[]).await.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(app.call("add_api_admin", &[("identifier", "ops")]).await.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(key_hint().await, serde_json::Value::Null, "no key was made");
    assert_eq!(count(&app.pool, "SELECT count(*) FROM api_admins").await, 0);
    app.db.allow_inserts("audit_log").await;
    assert_eq!(app.call("rotate_api_key", &[]).await.status, StatusCode::OK);
    assert_eq!(app.call("add_api_admin", &[("identifier", "ops")]).await.status, StatusCode::OK);

    app.db.refuse_inserts("audit_log").await;
    assert_eq!(app.call("remove_api_admin", &[("identifier", "ops")]).await.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(count(&app.pool, "SELECT count(*) FROM api_admins").await, 1);
    app.db.allow_inserts("audit_log").await;
    assert_eq!(app.call("remove_api_admin", &[("identifier", "ops")]).await.status, StatusCode::OK);
    assert_eq!(actions(&app.pool).await, ["api_key_rotated", "api_admin_added", "api_admin_removed"]);
}

async fn rest_changes_and_their_entries_commit_together(pool: TestDb) {
    let api = Api::new(pool).await;
    let pool = api.app.pool.clone();
    sqlx::query("DELETE FROM audit_log").execute(&pool).await.unwrap();
    let create = json!({"Owner_Account": "owner", "Name": "Refused", "OfficialAccountUserID": "@TOA#_refused"});

    api.app.db.refuse_inserts("audit_log").await;
    assert_fail(&api.call("create_official_account", create.clone()).await, 10004, "internal error");
    assert_eq!(api.app.channel_count().await, 0);
    api.app.db.allow_inserts("audit_log").await;
    let account = api.create("Kept").await;
    let sent = api.send_text(&account, "hello", 1).await;
    assert_ok(&sent);

    api.app.db.refuse_inserts("audit_log").await;
    assert_fail(&api.send_text(&account, "refused", 2).await, 10004, "internal error");
    let modify = json!({"Official_Account": account, "Name": "Renamed"});
    assert_fail(&api.call("modify_official_account_base_info", modify.clone()).await, 10004, "internal error");
    let recall = json!({"Official_Account": account, "MsgKeyList": [sent["MsgKey"]]});
    assert_fail(&api.call("official_account_msg_recall", recall.clone()).await, 10004, "internal error");
    let destroy = json!({"Official_Account": account});
    assert_fail(&api.call("destroy_official_account", destroy.clone()).await, 10004, "internal error");
    assert_eq!(count(&pool, "SELECT count(*) FROM posts WHERE recalled_at IS NULL").await, 1, "one live post");
    assert_eq!(count(&pool, "SELECT count(*) FROM channels WHERE name = 'Kept'").await, 1);
    api.app.db.allow_inserts("audit_log").await;

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
    let who: Vec<String> = sqlx::query_scalar("SELECT DISTINCT operator FROM audit_log").fetch_all(&pool).await.unwrap();
    assert_eq!(who, ["api:administrator"]);
}

async fn the_first_operator_and_its_entry_commit_together(pool: TestDb) {
    let auth = crate::common::auth_over(&pool);
    pool.refuse_inserts("audit_log").await;
    let refused = auth.ensure_first_operator(None).await;
    assert!(
        matches!(
            &refused,
            Err(storage::auth::FirstOperatorError::Store(e) | storage::auth::FirstOperatorError::Auth(storage::AuthError::Store(e)))
                if e.is_fault()
        ),
        "{:?}",
        refused.as_ref().err()
    );
    assert_eq!(count(&pool.any, "SELECT count(*) FROM operators").await, 0);
    pool.allow_inserts("audit_log").await;
    assert!(auth.ensure_first_operator(None).await.unwrap().is_some());
    assert_eq!(actions(&pool.any).await, ["operator_added"]);
    let who: String = sqlx::query_scalar("SELECT operator FROM audit_log").fetch_one(&pool.any).await.unwrap();
    assert_eq!(who, "server");
}

async fn a_server_command_and_its_entry_commit_together(pool: TestDb) {
    pool.refuse_inserts("audit_log").await;
    let add = ["operator", "add", "jane", "--database-url", pool.url.as_str()];
    let (ok, out) = crate::operator_command::run_command(&pool.data_dir, &add, None);
    assert!(!ok, "{out}");
    assert_eq!(count(&pool.any, "SELECT count(*) FROM operators").await, 0);
    pool.allow_inserts("audit_log").await;
    let (ok, out) = crate::operator_command::run_command(&pool.data_dir, &add, None);
    assert!(ok, "{out}");
    assert_eq!(actions(&pool.any).await, ["operator_added"]);
}
}
