//! Write paths under concurrency, on both engines: requests arriving at once (from one
//! server or several) do exactly what one of them would. PostgreSQL has no single writer,
//! so each check and the change it guards must be one statement or hold a lock.

use crate::common::{on_both, TestApp};
use crate::rest::{assert_ok, Api};
use app::cookies::SESSION_COOKIE;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use futures_util::future::join_all;
use serde_json::json;

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

on_both! {
async fn a_publish_sent_eight_times_at_once_makes_one_post(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let channel = app.channel("News").await;
    let body = json!({
        "draft": { "channel_id": channel, "kind": "TextOnly", "text": "once", "images": [], "links": [] },
        "request_id": "double-click"
    });
    let replies = join_all((0..8).map(|_| app.call_json("publish_post", body.clone()))).await;
    let ids: Vec<i64> = replies
        .iter()
        .map(|r| {
            assert_eq!(r.status, StatusCode::OK, "{}", String::from_utf8_lossy(&r.body));
            r.json()["id"].as_i64().unwrap()
        })
        .collect();
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "every answer is the one post: {ids:?}");
    assert_eq!(count(&app, "SELECT count(*) FROM posts").await, 1);
    assert_eq!(count(&app, "SELECT count(*) FROM audit_log WHERE action = 'post_published'").await, 1);
}

async fn a_message_recalled_eight_times_at_once_is_recalled_once(pool: TestDb) {
    let api = Api::new(pool).await;
    let account = api.create("Recalls").await;
    let sent = api.send_text(&account, "to be recalled", 7).await;
    assert_ok(&sent);
    let recall = json!({"Official_Account": account, "MsgKeyList": [sent["MsgKey"]]});
    let answers = join_all((0..8).map(|_| api.call("official_account_msg_recall", recall.clone()))).await;
    for answer in &answers {
        assert_ok(answer);
        assert_eq!(answer["RecallRetList"][0]["RetCode"], 0, "{answer}");
    }
    assert_eq!(count(&api.app, "SELECT count(*) FROM posts WHERE recalled_at IS NOT NULL").await, 1);
    assert_eq!(count(&api.app, "SELECT count(*) FROM audit_log WHERE action = 'post_recalled'").await, 1);
}

async fn the_last_two_operators_removing_each_other_at_once_leave_one(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let jane = app.call("add_operator", &[("name", "jane"), ("password", "a long enough password")]).await;
    let jane_id = jane.json()["id"].as_i64().unwrap();
    let (_, jane_token) = app.auth.sign_in("jane", "a long enough password", None).await.unwrap();
    let remove = |id: i64, token: Option<&str>| {
        let mut request = Request::post("/api/remove_operator")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("id={id}")))
            .unwrap();
        if let Some(token) = token {
            request.headers_mut().insert(header::COOKIE, format!("{SESSION_COOKIE}={token}").parse().unwrap());
        }
        app.send(request)
    };
    let (by_tester, by_jane) = tokio::join!(remove(jane_id, None), remove(app.operator_id, Some(&jane_token)));
    let statuses = [by_tester.status, by_jane.status];
    assert_eq!(count(&app, "SELECT count(*) FROM operators").await, 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{statuses:?}");
}

async fn servers_starting_together_make_one_first_operator(pool: TestDb) {
    let servers: Vec<_> = (0..6).map(|_| crate::common::auth_over(&pool)).collect();
    let made = join_all(servers.iter().map(|auth| auth.ensure_first_operator(None))).await;
    let printed: Vec<String> = made.into_iter().filter_map(|m| m.unwrap()).filter_map(|first| first.password).collect();
    assert_eq!(printed.len(), 1, "one server made the operator and prints its password");
    let operators: i64 = sqlx::query_scalar("SELECT count(*) FROM operators").fetch_one(&pool.any).await.unwrap();
    assert_eq!(operators, 1);
    assert!(servers[3].sign_in("admin", &printed[0], None).await.is_ok());
}
}

on_both! {
async fn a_burst_of_wrong_passwords_is_checked_five_times_at_most(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let attempt = || {
        app.send_anonymous(
            Request::post("/api/sign_in")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("operator={}&password=guess&next=%2F", crate::common::OPERATOR)))
                .unwrap(),
        )
    };
    let replies = join_all((0..30).map(|_| attempt())).await;
    let checked = replies.iter().filter(|r| r.status == StatusCode::UNAUTHORIZED).count();
    let refused = replies
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS || r.status == StatusCode::SERVICE_UNAVAILABLE)
        .count();
    assert_eq!((checked, refused), (5, 25), "{:?}", replies.iter().map(|r| r.status).collect::<Vec<_>>());
    assert!(replies.iter().filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS).all(|r| r.headers.contains_key(header::RETRY_AFTER)));
    assert_eq!(count(&app, "SELECT count(*) FROM audit_log WHERE action = 'sign_in_failed'").await, 5);
}
}
