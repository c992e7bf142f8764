//! Webhooks end to end with a real receiver on 127.0.0.1: every after-callback's query and
//! body for REST and console actions, both signatures, retries on the test's clock, failure
//! and redelivery, and each before-callback's answer obeyed.

use super::{assert_fail, assert_ok, Api};
use crate::common::on_both;
use crate::common::receiver::{Hit, Receiver};
use axum::http::StatusCode;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::time::Duration;

const AFTER: [&str; 8] = [
    "AfterCreateOfficialAccount",
    "AfterOfficialAccountInfoChanged",
    "AfterOfficialAccountDestroyed",
    "AfterAddSubscriber",
    "AfterOfficialAccountFull",
    "AfterDeleteSubscriber",
    "AfterSendMsg",
    "AfterMsgWithDraw",
];

/// Saves the webhook on the Webhooks page; returns the signing secret made the first time.
pub(crate) async fn set_webhook(api: &Api, url: &str, token: &str, callbacks: &[&str], refuse: bool) -> Option<String> {
    let form = json!({"form": {
        "url": url,
        "token": token,
        "callbacks": callbacks,
        "when_unreachable": if refuse { "Refuse" } else { "Allow" },
    }});
    let reply = api.app.call_json("save_webhook", form).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
    reply.json().as_str().map(str::to_owned)
}

/// Runs delivery rounds until nothing is due now.
async fn deliver(api: &Api) {
    // Placed for the streams first (PostgreSQL's sequencer locks the rows it places, and a
    // claim passes over locked rows): a round that claims nothing then means nothing is due.
    api.app.storage.db.place_events().await.unwrap();
    while api.app.state.webhooks.deliver_due().await.unwrap() > 0 {}
}

/// The deliveries log's failures (read from storage: the test's clock moves past sessions).
async fn failures(api: &Api) -> Value {
    serde_json::to_value(api.app.storage.db.deliveries(None, true).await.unwrap()).unwrap()
}

fn verify_standard(hit: &Hit, secret: &str) {
    let key = STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.", hit.header("webhook-id"), hit.header("webhook-timestamp")).as_bytes());
    mac.update(&hit.body);
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    assert!(hit.header("webhook-signature").split(' ').any(|s| s == expected), "{hit:?}");
}

fn verify_sign(hit: &Hit, token: &str) {
    let time = &hit.query["RequestTime"];
    let digest = Sha256::digest(format!("{token}{time}").as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hit.query["Sign"], hex);
}

on_both! { async fn every_after_callback_reaches_the_app_signed(pool: TestDb) {
    let api = Api::new(pool).await;
    let receiver = Receiver::start().await;
    let callbacks: Vec<String> = AFTER.iter().map(|c| c.to_string()).collect();
    let callbacks: Vec<&str> = callbacks.iter().map(String::as_str).collect();
    let secret = set_webhook(&api, &receiver.url, "tok3n", &callbacks, false).await.unwrap();
    assert!(secret.starts_with("whsec_"));

    // Through the REST API.
    let channel = api.create("Hooked").await;
    assert_ok(&api.call("modify_official_account_base_info", json!({"Official_Account": channel, "Name": "Hooked 2", "MaxSubscriberNum": 2})).await);
    assert_ok(&api.call("add_subscriber", json!({"Official_Account": channel, "SubscriberList": [{"Subscriber_Account": "u1"}, {"Subscriber_Account": "u2"}]})).await);
    assert_ok(&api.call("delete_subscriber", json!({"Official_Account": channel, "SubscriberToDel_Account": [{"Subscriber_Account": "u2"}]})).await);
    let sent = api.send_text(&channel, "hello hooks", 7).await;
    assert_ok(&sent);
    let key = sent["MsgKey"].as_str().unwrap().to_owned();
    assert_ok(&api.call("official_account_msg_recall", json!({"Official_Account": channel, "MsgKeyList": [{"MsgKey": key}]})).await);
    // And in the console: an app sees every post, whichever way it was published.
    let channel_id: i64 = sqlx::query_scalar("SELECT id FROM channels WHERE account_id = $1").bind(&channel).fetch_one(&api.app.pool).await.unwrap();
    let draft = json!({"draft": {"channel_id": channel_id, "kind": "TextOnly", "text": "from the console", "images": [], "links": []}, "request_id": "console-1"});
    assert_eq!(api.app.call_json("publish_post", draft).await.status, StatusCode::OK);
    assert_eq!(api.call("destroy_official_account", json!({"Official_Account": channel})).await["ErrorCode"], 0);

    deliver(&api).await;
    let hits = receiver.take();
    let commands: Vec<String> = hits.iter().map(Hit::command).collect();
    let expected: Vec<String> = [
        "AfterCreateOfficialAccount", "AfterOfficialAccountInfoChanged", "AfterAddSubscriber",
        "AfterOfficialAccountFull", "AfterDeleteSubscriber", "AfterSendMsg", "AfterMsgWithDraw",
        "AfterSendMsg", "AfterOfficialAccountDestroyed",
    ].iter().map(|c| format!("OfficialAccount.Callback{c}")).collect();
    let mut sorted_hits = hits.clone();
    sorted_hits.sort_by_key(|h| h.header("webhook-id").trim_start_matches("evt_").parse::<i64>().unwrap());
    let in_order: Vec<String> = sorted_hits.iter().map(Hit::command).collect();
    assert_eq!(in_order, expected, "{commands:?}");

    let appid = api.app.call("get_api_settings", &[]).await.json()["sdkappid"].as_i64().unwrap();
    for hit in &sorted_hits {
        let body = hit.json();
        assert_eq!(hit.query["SdkAppid"], appid.to_string());
        assert_eq!(hit.query["contenttype"], "json");
        assert_eq!(body["CallbackCommand"], hit.command());
        assert!(body["EventTime"].as_i64().unwrap() > 1_700_000_000_000);
        assert_eq!(body["Official_Account"], channel.as_str(), "{body}");
        verify_sign(hit, "tok3n");
        verify_standard(hit, &secret);
        assert!(hit.header("webhook-id").starts_with("evt_"));
    }
    let body = |n: usize| sorted_hits[n].json();
    assert_eq!(sorted_hits[0].query["OptPlatform"], "RESTAPI");
    assert_eq!(body(0)["Operator_Account"], "administrator");
    assert_eq!(body(0)["Owner_Account"], "owner1");
    assert_eq!(body(0)["Name"], "Hooked");
    assert_eq!(body(1)["Name"], "Hooked 2");
    assert_eq!(body(2)["SubscribeAccountList"], json!([{"Subscriber_Account": "u1"}, {"Subscriber_Account": "u2"}]));
    assert_eq!(body(4)["SubscribeAccountList"], json!([{"Subscriber_Account": "u2"}]));
    assert_eq!(body(5)["MsgKey"], key.as_str());
    assert_eq!(body(5)["MsgBody"], json!([{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hello hooks"}}]));
    assert_eq!(body(5)["OnlineOnlyFlag"], 0);
    assert_eq!(body(6)["WithdrawMsgList"], json!([{"MsgKey": key}]));
    assert_eq!(sorted_hits[7].query["OptPlatform"], "Web");
    assert_eq!(body(7)["MsgBody"][0]["MsgContent"]["Text"], "from the console");
    assert_eq!(body(8)["Name"], "Hooked 2");

    // The deliveries log lists them, delivered.
    let log = api.app.call("list_deliveries", &[("failures_only", "false")]).await.json();
    let states: Vec<&str> = log["deliveries"].as_array().unwrap().iter().map(|d| d["state"].as_str().unwrap()).collect();
    assert_eq!(states, vec!["Delivered"; 9]);
}}

on_both! { async fn failures_are_retried_on_the_clock_then_failed_then_redelivered(pool: TestDb) {
    let api = Api::new(pool).await;
    let receiver = Receiver::start().await;
    set_webhook(&api, &receiver.url, "", &["AfterCreateOfficialAccount"], false).await;
    receiver.answer(500, "no");
    api.create("Retried").await;
    deliver(&api).await;
    assert_eq!(receiver.hits().len(), 1);
    // Not again until about a second has passed, then 5 s, 30 s, 2 min, 10 min, hourly.
    deliver(&api).await;
    assert_eq!(receiver.hits().len(), 1);
    let mut expected = 1;
    for wait in [1, 5, 30, 120, 600, 3600] {
        api.app.clock.advance(Duration::from_secs(wait));
        deliver(&api).await;
        expected += 1;
        assert_eq!(receiver.hits().len(), expected, "after waiting {wait} s");
    }
    let log = failures(&api).await;
    let delivery = &log["deliveries"][0];
    assert_eq!(delivery["state"], "Pending", "{log}");
    assert_eq!(delivery["attempts"], 7);
    assert_eq!(delivery["last_status"], 500);
    assert_eq!(delivery["last_error"], "HTTP 500");
    // Past 24 hours it is given up...
    for _ in 0..24 {
        api.app.clock.advance(Duration::from_secs(3600));
        deliver(&api).await;
    }
    let log = failures(&api).await;
    assert_eq!(log["deliveries"][0]["state"], "Failed", "{log}");
    assert_eq!(log["deliveries"][0]["next_attempt_at"], Value::Null);
    let tries = receiver.hits().len();
    api.app.clock.advance(Duration::from_secs(7200));
    deliver(&api).await;
    assert_eq!(receiver.hits().len(), tries);
    // ...and can be redelivered by hand, with the same webhook-id.
    receiver.answer(200, "{}");
    let id = log["deliveries"][0]["id"].as_i64().unwrap().to_string();
    // (The test's session went idle while the clock moved a day: sign in again.)
    let (_, token) = api.app.auth.sign_in(crate::common::OPERATOR, crate::common::PASSWORD, None).await.unwrap();
    let cookie = format!("{}={token}", app::cookies::SESSION_COOKIE);
    let redeliver = |id: String| {
        let cookie = cookie.clone();
        let app = &api.app;
        async move {
            let request = axum::http::Request::post("/api/redeliver")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", cookie)
                .body(axum::body::Body::from(format!("id={id}")))
                .unwrap();
            app.send(request).await.status
        }
    };
    assert_eq!(redeliver(id.clone()).await, StatusCode::OK);
    deliver(&api).await;
    let hits = receiver.hits();
    assert_eq!(hits.len(), tries + 1);
    assert!(hits.iter().all(|h| h.header("webhook-id") == hits[0].header("webhook-id")));
    let log = failures(&api).await;
    assert_eq!(log["deliveries"], json!([]));
    // A delivered one cannot be redelivered.
    assert_eq!(redeliver(id).await, StatusCode::NOT_FOUND);
    // The receiver down: a connection error, retried.
    drop(receiver);
    api.create("Nobody listens").await;
    deliver(&api).await;
    let log = failures(&api).await;
    assert!(log["deliveries"][0]["last_error"].as_str().unwrap().contains("connect"), "{log}");
}}

on_both! { async fn before_callbacks_are_obeyed(pool: TestDb) {
    let api = Api::new(pool).await;
    let receiver = Receiver::start().await;
    let before = ["BeforeCreateOfficialAccount", "BeforeAddSubscriber", "BeforeSendMsg"];
    set_webhook(&api, &receiver.url, "", &before, false).await;

    receiver.answer(200, r#"{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"no more channels"}"#);
    let refused = api.call("create_official_account", json!({"Owner_Account": "o", "Name": "Refused"})).await;
    assert_fail(&refused, 20006, "no more channels");
    let hit = &receiver.take()[0];
    assert_eq!(hit.command(), "OfficialAccount.CallbackBeforeCreateOfficialAccount");
    assert_eq!(hit.json()["Name"], "Refused");
    receiver.answer(200, r#"{"ActionStatus":"FAIL","ErrorCode":120005,"ErrorInfo":"quota"}"#);
    assert_fail(&api.call("create_official_account", json!({"Owner_Account": "o", "Name": "Refused"})).await, 120005, "quota");
    // In the console too.
    let photo = api.app.upload_png(3).await;
    let refused = api.app.create("Console refused", "", &photo).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", String::from_utf8_lossy(&refused.body));
    assert_eq!(api.app.channel_count().await, 0);

    receiver.answer(200, r#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["bad"]}"#);
    let channel = api.create("Allowed").await;
    let added = api.call("add_subscriber", json!({"Official_Account": channel, "SubscriberList": [{"Subscriber_Account": "good"}, {"Subscriber_Account": "bad"}]})).await;
    assert_ok(&added);
    assert_eq!(added["SubscriberList"], json!([{"Subscriber_Account": "good", "Result": 1}, {"Subscriber_Account": "bad", "Result": 0}]));

    // A replacement body is stored (and validated first).
    receiver.answer(200, r#"{"ErrorCode":0,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"rewritten"}}],"CloudCustomData":"tagged"}"#);
    assert_ok(&api.send_text(&channel, "original", 1).await);
    let history = api.call("official_account_msg_get_simple", json!({"Official_Account": channel})).await;
    assert_eq!(history["RspMsgList"][0]["MsgBody"][0]["MsgContent"]["Text"], "rewritten");
    assert_eq!(history["RspMsgList"][0]["CloudCustomData"], "tagged");
    receiver.answer(200, r#"{"ErrorCode":0,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":""}}]}"#);
    assert_eq!(api.send_text(&channel, "original", 2).await["ErrorCode"], 6017);
    // 2: dropped, the sender told it went.
    receiver.answer(200, r#"{"ErrorCode":2}"#);
    assert_ok(&api.send_text(&channel, "dropped", 3).await);
    receiver.answer(200, r#"{"ErrorCode":1}"#);
    assert_fail(&api.send_text(&channel, "refused", 4).await, 10016, "refused");
    let history = api.call("official_account_msg_get_simple", json!({"Official_Account": channel})).await;
    assert_eq!(history["RspMsgList"].as_array().unwrap().len(), 1, "{history}");

    // Unreachable: the page's policy decides.
    receiver.answer(503, "down");
    assert_ok(&api.send_text(&channel, "allowed when down", 5).await);
    set_webhook(&api, &receiver.url, "", &before, true).await;
    assert_fail(&api.send_text(&channel, "refused when down", 6).await, 10016, "did not answer");
    let history = api.call("official_account_msg_get_simple", json!({"Official_Account": channel})).await;
    assert_eq!(history["RspMsgList"].as_array().unwrap().len(), 2, "{history}");
}}

on_both! { async fn racing_subscriptions_stop_at_the_maximum_and_announce_it_once(pool: TestDb) {
    let api = Api::new(pool).await;
    let receiver = Receiver::start().await;
    set_webhook(&api, &receiver.url, "", &["AfterAddSubscriber", "AfterOfficialAccountFull"], false).await;
    let created = api.call("create_official_account", json!({"Owner_Account": "o", "Name": "Popular", "MaxSubscriberNum": 50})).await;
    let channel = created["OfficialAccountUserID"].as_str().unwrap().to_owned();
    let calls = (0..10).map(|k| {
        let list: Vec<Value> = (0..10).map(|i| json!({"Subscriber_Account": format!("u{k}-{i}")})).collect();
        api.call("add_subscriber", json!({"Official_Account": channel, "SubscriberList": list}))
    });
    let answers = futures_util::future::join_all(calls).await;
    let added: usize = answers
        .iter()
        .map(|a| a["SubscriberList"].as_array().unwrap().iter().filter(|r| r["Result"] == 1).count())
        .sum();
    assert_eq!(added, 50);
    let info = api.call("get_official_account_info", json!({"OfficialAccountIdList": [{"Official_Account": channel}]})).await;
    assert_eq!(info["OfficialAccountInfoList"][0]["SubscriberNum"], 50);
    deliver(&api).await;
    let hits = receiver.hits();
    let full = hits.iter().filter(|h| h.command() == "OfficialAccount.CallbackAfterOfficialAccountFull").count();
    assert_eq!(full, 1, "announced once");
    let announced: usize = hits
        .iter()
        .filter(|h| h.command() == "OfficialAccount.CallbackAfterAddSubscriber")
        .map(|h| h.json()["SubscribeAccountList"].as_array().unwrap().len())
        .sum();
    assert_eq!(announced, 50, "every subscription announced, none refused");
}}
