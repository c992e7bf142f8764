//! The subscribers' API (`/subscriber/v1/`) over HTTP on both engines: an app user signed
//! in with their own UserSig subscribes, reads, and receives events live on a Server-Sent
//! Events stream; a reconnect with `Last-Event-ID` misses nothing and repeats nothing.
//! Absent events are proven by order: a later event the stream must carry comes next.

use crate::common::sse::{Event, Source, Sse};
use crate::common::{on_both, TestApp};
use crate::rest::{assert_fail, assert_ok, tampered_sig, vendor_sig, Api};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};
use server::rest::errors;
use server::rest::usersig;
use std::time::Duration;
use tower::ServiceExt;

impl Api {
    /// The query of a call by app user `user`, signed with the application's key.
    fn user_query(&self, user: &str) -> String {
        let sig = usersig::generate(self.appid, &self.key, user, 86400, storage::clock::now());
        format!("sdkappid={}&identifier={user}&usersig={sig}", self.appid)
    }

    async fn as_user(&self, user: &str, command: &str, body: Value) -> Value {
        let reply = self
            .app
            .send_anonymous(
                Request::post(format!("/subscriber/v1/{command}?{}", self.user_query(user)))
                    .header(header::HOST, "console.example:3000")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(body.to_string()))
                    .unwrap(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
        reply.json()
    }

    async fn stream_with(&self, query: &str, last_event_id: Option<i64>) -> (StatusCode, Sse) {
        let mut request =
            Request::get(format!("/subscriber/v1/events?{query}")).header(header::HOST, "console.example:3000");
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id.to_string());
        }
        let response = self.app.router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
        (response.status(), Sse::new(Source::Router(response.into_body())))
    }

    async fn stream(&self, user: &str, last_event_id: Option<i64>) -> Sse {
        let (status, sse) = self.stream_with(&self.user_query(user), last_event_id).await;
        assert_eq!(status, StatusCode::OK);
        sse
    }
}

fn text_of(event: &Event) -> &str {
    event.data["MsgBody"][0]["MsgContent"]["Text"].as_str().unwrap_or_default()
}

/// The next event, which must be a post with this text.
async fn expect_post(sse: &mut Sse, text: &str) -> Event {
    let event = sse.next().await;
    assert_eq!((event.event.as_str(), text_of(&event)), ("message", text), "{event:?}");
    event
}

on_both! { async fn a_subscriber_receives_posts_live_and_resumes_without_gap_or_repeat(pool: TestDb) {
    let api = Api::new(pool).await;
    let channel = api.create("Harbour news").await;

    let subscribed = api.as_user("ann", "subscribe", json!({"Official_Account": channel})).await;
    assert_ok(&subscribed);
    assert_eq!(subscribed["Result"], 1);
    assert_eq!(api.as_user("ann", "subscribe", json!({"Official_Account": channel})).await["Result"], 2);

    let mut sse = api.stream("ann", None).await;
    let sent = api.send_text(&channel, "Ferries leave at dawn", 1).await;
    assert_ok(&sent);
    let post = expect_post(&mut sse, "Ferries leave at dawn").await;
    assert_eq!(post.data["Official_Account"], channel);
    assert_eq!(post.data["MsgKey"], sent["MsgKey"]);
    assert_eq!(post.data["MsgTime"], sent["MsgTime"]);
    assert_eq!(post.data["CloudCustomData"], "");

    let recalled = api.call("official_account_msg_recall", json!({"Official_Account": channel, "MsgKeyList": [{"MsgKey": sent["MsgKey"]}]})).await;
    assert_ok(&recalled);
    let recall = sse.next().await;
    assert_eq!(recall.event, "recall");
    assert_eq!(recall.data, json!({"Official_Account": channel, "MsgKey": sent["MsgKey"]}));
    assert!(recall.id.unwrap() > post.id.unwrap());

    // Away: three posts are missed; back with Last-Event-ID, all three, in order, once,
    // then the live ones.
    drop(sse);
    for text in ["one", "two", "three"] {
        assert_ok(&api.send_text(&channel, text, 7).await);
    }
    let mut sse = api.stream("ann", recall.id).await;
    let mut ids = vec![recall.id.unwrap()];
    for text in ["one", "two", "three"] {
        ids.push(expect_post(&mut sse, text).await.id.unwrap());
    }
    assert_ok(&api.send_text(&channel, "four", 8).await);
    ids.push(expect_post(&mut sse, "four").await.id.unwrap());
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");

    // The calls: the channel's posts newest first, paged; its public profile.
    let page = api.as_user("ann", "messages", json!({"Official_Account": channel, "ReqMsgNumber": 2})).await;
    assert_ok(&page);
    let texts: Vec<&str> = page["RspMsgList"].as_array().unwrap().iter()
        .map(|m| m["MsgBody"][0]["MsgContent"]["Text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["four", "three"]);
    assert_eq!(page["IsFinished"], 0);
    let mine = api.as_user("ann", "official_accounts", json!({})).await;
    assert_ok(&mine);
    let list = mine["OfficialAccountInfoList"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["Name"], "Harbour news");
    assert_eq!(list[0]["SubscriberNum"], 1);
    assert!(list[0]["SubscribeTime"].as_i64().unwrap() > 1_700_000_000);
    assert!(list[0].get("Owner_Account").is_none() && list[0].get("CustomString").is_none(), "public fields only");
    let named = api.as_user("bob", "official_accounts", json!({"OfficialAccountIdList": [channel, "nope"]})).await;
    let named = named["OfficialAccountInfoList"].as_array().unwrap().clone();
    assert!(named[0].get("SubscribeTime").is_none(), "bob does not subscribe");
    assert_eq!(named[1]["ResultCode"], errors::NO_SUCH_ACCOUNT);

    // Not a subscriber: no posts.
    let refused = api.as_user("bob", "messages", json!({"Official_Account": channel})).await;
    assert_fail(&refused, errors::NOT_SUBSCRIBED, "do not subscribe");
    let gone = api.as_user("ann", "unsubscribe", json!({"Official_Account": channel})).await;
    assert_eq!(gone["Result"], 1);
    let unsubscribed = sse.next().await;
    assert_eq!((unsubscribed.event.as_str(), &unsubscribed.data["Official_Account"]), ("unsubscribed", &json!(channel)));
}}

on_both! { async fn a_stream_carries_only_its_users_channels_and_honours_discard(pool: TestDb) {
    let api = Api::new(pool).await;
    let (mine, theirs) = (api.create("Mine").await, api.create("Theirs").await);
    assert_ok(&api.as_user("ann", "subscribe", json!({"Official_Account": mine})).await);
    assert_ok(&api.as_user("bob", "subscribe", json!({"Official_Account": theirs})).await);
    let mut ann = api.stream("ann", None).await;
    let mut bob = api.stream("bob", None).await;

    // Bob's channel never reaches Ann: her next event is her own channel's post.
    assert_ok(&api.send_text(&theirs, "for bob", 1).await);
    assert_ok(&api.send_text(&mine, "for ann", 2).await);
    expect_post(&mut ann, "for ann").await;
    expect_post(&mut bob, "for bob").await;

    // Discard: Ann's next event after a discarded post is the profile change.
    let flag = api.call("modify_subscriber_info", json!({"Official_Account": mine, "Subscriber_Account": "ann", "MsgFlag": "Discard"})).await;
    assert_ok(&flag);
    assert_ok(&api.send_text(&mine, "discarded", 3).await);
    let renamed = api.call("modify_official_account_base_info", json!({"Official_Account": mine, "Name": "Mine, renamed"})).await;
    assert_ok(&renamed);
    let changed = ann.next().await;
    assert_eq!(changed.event, "info_changed");
    assert_eq!(changed.data["Name"], "Mine, renamed");
    assert!(changed.data.get("Operator_Account").is_none());

    // Subscribed through REST: the stream hears of it, then carries the channel.
    let added = api.call("add_subscriber", json!({"Official_Account": theirs, "SubscriberList": [{"Subscriber_Account": "ann"}]})).await;
    assert_ok(&added);
    let subscribed = ann.next().await;
    assert_eq!((subscribed.event.as_str(), &subscribed.data["Official_Account"]), ("subscribed", &json!(theirs)));
    assert_eq!(subscribed.data["Name"], "Theirs");
    assert_ok(&api.send_text(&theirs, "for both", 4).await);
    expect_post(&mut ann, "for both").await;
    expect_post(&mut bob, "for both").await;

    // A destroyed channel: told, and nothing more of it.
    assert_ok(&api.call("destroy_official_account", json!({"Official_Account": theirs})).await);
    for stream in [&mut ann, &mut bob] {
        let deleted = stream.next().await;
        assert_eq!(deleted.event, "deleted");
        assert_eq!(deleted.data, json!({"Official_Account": theirs}));
    }
}}

on_both! { async fn signatures_that_are_not_the_users_own_are_refused_alike(pool: TestDb) {
    let api = Api::new(pool).await;
    let channel = api.create("Private").await;
    let now = storage::clock::now();
    let expired = usersig::generate(api.appid, &api.key, "ann", 86400, now - 2 * 86400);
    let other_key = usersig::generate(api.appid, "another application's key", "ann", 86400, now);
    let bob_sig = usersig::generate(api.appid, &api.key, "bob", 86400, now);
    let queries = [
        format!("sdkappid={}&identifier=ann&usersig={}", api.appid, tampered_sig(api.appid, &api.key, "ann")),
        format!("sdkappid={}&identifier=ann&usersig={expired}", api.appid),
        format!("sdkappid={}&identifier=ann&usersig={other_key}", api.appid),
        format!("sdkappid={}&identifier=ann&usersig={bob_sig}", api.appid),
        format!("sdkappid={}&identifier=ann&usersig={}", api.appid + 1, usersig::generate(api.appid + 1, &api.key, "ann", 86400, now)),
        format!("sdkappid={}&identifier=ann", api.appid),
        String::new(),
    ];
    let mut answers = Vec::new();
    for query in &queries {
        let reply = api.app.send_anonymous(
            Request::post(format!("/subscriber/v1/subscribe?{query}")).body(Body::from(json!({"Official_Account": channel}).to_string())).unwrap(),
        ).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{query}");
        assert_eq!(reply.headers[header::WWW_AUTHENTICATE], "TLSSig");
        answers.push(reply.json());
        let (status, _) = api.stream_with(query, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{query}");
    }
    assert_fail(&answers[0], errors::NOT_SIGNED_IN, "not signed in");
    assert!(answers.iter().all(|a| *a == answers[0]), "every refusal says the same: {answers:?}");
    let subscribers = api.call("get_subscriber_info", json!({"Official_Account": channel})).await;
    assert_eq!(subscribers["SubscriberNum"], 0, "nothing was done");

    // The vendor's own generator's signatures, in the Authorization header, are accepted.
    let sig = vendor_sig(api.appid, &api.key, "ann", 3600);
    let reply = api.app.send_anonymous(
        Request::post(format!("/subscriber/v1/subscribe?sdkappid={}&identifier=ann&platform=iOS", api.appid))
            .header(header::AUTHORIZATION, format!("TLSSig {sig}"))
            .body(Body::from(json!({"Official_Account": channel}).to_string())).unwrap(),
    ).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_ok(&reply.json());

    // A platform the vendor does not name, and a Last-Event-ID no stream gave: said so.
    let bad_platform = api.app.send_anonymous(
        Request::post(format!("/subscriber/v1/subscribe?{}&platform=Amiga", api.user_query("ann"))).body(Body::empty()).unwrap(),
    ).await;
    assert_eq!(bad_platform.status, StatusCode::BAD_REQUEST);
    assert_fail(&bad_platform.json(), errors::INVALID_PARAMETER, "platform must be one of");
    let mut request = Request::get(format!("/subscriber/v1/events?{}", api.user_query("ann")));
    request = request.header("last-event-id", "yesterday");
    let reply = api.app.send_anonymous(request.body(Body::empty()).unwrap()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_fail(&reply.json(), errors::INVALID_PARAMETER, "Last-Event-ID");
}}

on_both! { async fn a_users_sixth_stream_closes_the_oldest_and_resuming_too_far_says_reset(pool: TestDb) {
    let api = Api::new(pool).await;
    let channel = api.create("Busy").await;
    assert_ok(&api.as_user("ann", "subscribe", json!({"Official_Account": channel})).await);
    let mut streams = Vec::new();
    for _ in 0..6 {
        streams.push(api.stream("ann", None).await);
    }
    let closed = streams[0].next().await;
    assert_eq!(closed.event, "closed");
    assert!(streams[0].ends().await);
    // The other five go on.
    assert_ok(&api.send_text(&channel, "to five", 1).await);
    for stream in &mut streams[1..] {
        expect_post(stream, "to five").await;
    }
    let open: i64 = sqlx::query_scalar("SELECT count(*) FROM subscriber_streams").fetch_one(&api.app.pool).await.unwrap();
    assert_eq!(open, 5);

    // A day and an hour away (the app's clock moved, nothing waited): the missed post is
    // past the replay window, so the stream says reset first, then goes on live.
    let (status, mut sse) = api.stream_with(&api.user_query("ann"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_ok(&api.send_text(&channel, "seen", 3).await);
    let seen = expect_post(&mut sse, "seen").await;
    drop(sse);
    assert_ok(&api.send_text(&channel, "missed a day ago", 4).await);
    api.app.clock.advance(Duration::from_secs(25 * 3600));
    let mut late = api.stream("ann", seen.id).await;
    let reset = late.next().await;
    assert_eq!(reset.event, "reset");
    assert!(reset.data["Reason"].as_str().unwrap().contains("replay window"), "{reset:?}");
    assert_ok(&api.send_text(&channel, "today", 5).await);
    expect_post(&mut late, "today").await;

    // An id this server never gave: told to read afresh, then live.
    let mut sse = api.stream("ann", Some(1_000_000)).await;
    let reset = sse.next().await;
    assert_eq!(reset.event, "reset");
    assert!(reset.id.is_none());
    assert_ok(&api.send_text(&channel, "after the reset", 2).await);
    expect_post(&mut sse, "after the reset").await;
}}

on_both! { async fn an_idle_stream_gets_keepalive_comments_and_ends_when_the_server_stops(pool: TestDb) {
    let api = Api::new(pool).await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let streams = server::subscriber::StreamOptions {
        keepalive: Duration::from_millis(50),
        stop: Some(stopped),
        ..Default::default()
    };
    let network = server::router::Network { streams, ..Default::default() };
    let router = server::router::router_with(api.app.state.clone(), network);
    let request = Request::get(format!("/subscriber/v1/events?{}", api.user_query("ann"))).body(Body::empty()).unwrap();
    let response = router.oneshot(request).await.unwrap();
    assert_eq!(response.headers()[header::CONTENT_TYPE], "text/event-stream; charset=utf-8");
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let mut sse = Sse::new(Source::Router(response.into_body()));
    let frame = sse.frame_within(Duration::from_secs(10)).await.unwrap();
    assert!(frame.comment, "{frame:?}");
    assert_eq!(frame.event, "keepalive");

    // The server stopping ends the stream at once (its client resumes elsewhere).
    stop.send(true).unwrap();
    assert!(sse.ends().await);
}}

/// Any origin may call it (a UserSig, not a cookie, says who calls).
#[tokio::test]
async fn other_origins_may_call_the_subscribers_api() {
    let app = TestApp::new(crate::common::TestDb::sqlite().await).await;
    let preflight = app
        .send_anonymous(
            Request::options("/subscriber/v1/subscribe")
                .header(header::ORIGIN, "https://app.example")
                .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
                .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type, authorization")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(preflight.status, StatusCode::OK);
    assert_eq!(preflight.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
}

on_both! { async fn subscribing_obeys_the_apps_callback_and_the_maximum(pool: TestDb) {
    let api = Api::new(pool).await;
    let created = api.call("create_official_account", json!({"Owner_Account": "o", "Name": "Tiny", "MaxSubscriberNum": 1})).await;
    let channel = created["OfficialAccountUserID"].as_str().unwrap().to_owned();
    let receiver = crate::common::receiver::Receiver::start().await;
    crate::rest::webhooks::set_webhook(&api, &receiver.url, "", &["BeforeAddSubscriber"], false).await;

    // The app refuses the call: its code and words, nothing subscribed.
    receiver.answer(200, r#"{"ActionStatus":"FAIL","ErrorCode":120001,"ErrorInfo":"not in this country"}"#);
    let refused = api.as_user("ann", "subscribe", json!({"Official_Account": channel})).await;
    assert_fail(&refused, 120001, "not in this country");
    let hit = &receiver.take()[0];
    assert_eq!(hit.command(), "OfficialAccount.CallbackBeforeAddSubscriber");
    assert_eq!(hit.json()["SubscribeAccountList"], json!([{"Subscriber_Account": "ann"}]));
    assert_eq!(hit.json()["Operator_Account"], "ann");
    assert_eq!(hit.query["OptPlatform"], "Web");
    // The app refuses this user only.
    receiver.answer(200, r#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedSubscribers_Account":["ann"]}"#);
    assert_fail(&api.as_user("ann", "subscribe", json!({"Official_Account": channel})).await, errors::REFUSED_BY_APP, "refused");

    // Allowed: one subscriber fits, the second does not.
    receiver.answer(200, r#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}"#);
    assert_eq!(api.as_user("ann", "subscribe", json!({"Official_Account": channel})).await["Result"], 1);
    let full = api.as_user("bob", "subscribe", json!({"Official_Account": channel})).await;
    assert_fail(&full, errors::FULL, "maximum of 1");
    let info = api.call("get_subscriber_info", json!({"Official_Account": channel})).await;
    assert_eq!(info["SubscriberNum"], 1);
    let unknown = api.as_user("bob", "subscribe", json!({"Official_Account": "@TOA#_nope"})).await;
    assert_fail(&unknown, errors::NO_SUCH_ACCOUNT, "does not exist");
}}
