//! The vendor-compatible REST API over HTTP against a real SQLite file. Signatures are made
//! by the vendor's own generator (`tls-sig-api-v2` from npm, installed in end2end/).

use crate::common::TestApp;
use crate::common::{on_both, TestDb};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};
use std::process::Command;

const ADMIN: &str = "administrator";

/// A UserSig made by the vendor's npm package.
pub(crate) fn vendor_sig(appid: i64, key: &str, identifier: &str, expire: i64) -> String {
    let module = concat!(env!("CARGO_MANIFEST_DIR"), "/../end2end/node_modules/tls-sig-api-v2");
    let script = format!(
        "const T = require({module:?}); process.stdout.write(new T.Api({appid}, {key:?}).genUserSig({identifier:?}, {expire}));"
    );
    let out = Command::new("node").arg("-e").arg(script).output().expect("node runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// A valid signature whose document was changed after signing (a longer expiry), re-packed
/// with the vendor's own encoding, again by node.
pub(crate) fn tampered_sig(appid: i64, key: &str, identifier: &str) -> String {
    let module = concat!(env!("CARGO_MANIFEST_DIR"), "/../end2end/node_modules/tls-sig-api-v2");
    let script = format!(
        "const T = require({module:?}); const zlib = require('zlib');
         const sig = new T.Api({appid}, {key:?}).genUserSig({identifier:?}, 60);
         const raw = Buffer.from(sig.replace(/\\*/g, '+').replace(/-/g, '/').replace(/_/g, '='), 'base64');
         const doc = JSON.parse(zlib.inflateSync(raw).toString());
         doc['TLS.expire'] = 999999999;
         const packed = zlib.deflateSync(Buffer.from(JSON.stringify(doc))).toString('base64');
         process.stdout.write(packed.replace(/\\+/g, '*').replace(/\\//g, '-').replace(/=/g, '_'));"
    );
    let out = Command::new("node").arg("-e").arg(script).output().expect("node runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

pub(crate) struct Api {
    pub(crate) app: TestApp,
    pub(crate) appid: i64,
    pub(crate) key: String,
    sig: String,
}

impl Api {
    /// A console whose operator made a key and added the administrator on Settings.
    pub(crate) async fn new(pool: TestDb) -> Self {
        let app = TestApp::new(pool).await;
        let key = app.call("rotate_api_key", &[]).await;
        assert_eq!(key.status, StatusCode::OK);
        let key = key.json().as_str().unwrap().to_owned();
        assert_eq!(app.call("add_api_admin", &[("identifier", ADMIN)]).await.status, StatusCode::OK);
        let appid = app.call("get_api_settings", &[]).await.json()["sdkappid"].as_i64().unwrap();
        let sig = vendor_sig(appid, &key, ADMIN, 86400);
        Self { app, appid, key, sig }
    }

    /// The same application's key and administrator, over another console (a restored one).
    pub(crate) fn over(&self, app: TestApp) -> Self {
        Self { app, appid: self.appid, key: self.key.clone(), sig: self.sig.clone() }
    }

    async fn call_with(&self, command: &str, query: &str, body: Body) -> Value {
        let reply = self
            .app
            .send_anonymous(
                Request::post(format!("/v4/official_account_open_http_svc/{command}?{query}"))
                    .header(header::HOST, "console.example:3000")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(body)
                    .unwrap(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
        reply.json()
    }

    /// The query string of a call by the administrator, correctly signed.
    pub(crate) fn query(&self) -> String {
        format!("sdkappid={}&identifier={ADMIN}&usersig={}&random=12345&contenttype=json", self.appid, self.sig)
    }

    async fn call_as(&self, command: &str, appid: i64, identifier: &str, sig: &str, body: Value) -> Value {
        let query = format!("sdkappid={appid}&identifier={identifier}&usersig={sig}&random=12345&contenttype=json");
        self.call_with(command, &query, Body::from(body.to_string())).await
    }

    pub(crate) async fn call(&self, command: &str, body: Value) -> Value {
        self.call_as(command, self.appid, ADMIN, &self.sig, body).await
    }

    pub(crate) async fn create(&self, name: &str) -> String {
        let answer = self.call("create_official_account", json!({"Owner_Account": "owner1", "Name": name})).await;
        assert_ok(&answer);
        answer["OfficialAccountUserID"].as_str().unwrap().to_owned()
    }

    pub(crate) async fn send_text(&self, account: &str, text: &str, random: u32) -> Value {
        self.call(
            "send_official_account_msg",
            json!({
                "Official_Account": account,
                "Random": random,
                "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": text}}],
            }),
        )
        .await
    }

    /// The query string of a signed call.
    pub(crate) fn signed_query(&self) -> String {
        format!("sdkappid={}&identifier={ADMIN}&usersig={}&random=1&contenttype=json", self.appid, self.sig)
    }

    async fn upload(&self) -> Value {
        let query = self.signed_query();
        self.call_with("upload_image", &query, Body::from(crate::common::png(12, 8, 77))).await
    }

    async fn console_posts(&self, q: &str) -> Vec<Value> {
        let reply = self.app.call_json("list_posts", json!({"filter": {"q": q}})).await;
        assert_eq!(reply.status, StatusCode::OK);
        reply.json()["posts"].as_array().unwrap().clone()
    }
}

pub(crate) fn assert_ok(answer: &Value) {
    assert_eq!(answer["ActionStatus"], "OK", "{answer}");
    assert_eq!(answer["ErrorCode"], 0, "{answer}");
    assert_eq!(answer["ErrorInfo"], "", "{answer}");
}

pub(crate) fn assert_fail(answer: &Value, code: i64, info_contains: &str) {
    assert_eq!(answer["ActionStatus"], "FAIL", "{answer}");
    assert_eq!(answer["ErrorCode"], code, "{answer}");
    let info = answer["ErrorInfo"].as_str().unwrap();
    assert!(info.contains(info_contains), "{info:?} should mention {info_contains:?}");
}

on_both! { async fn without_a_key_the_api_is_not_enabled(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let appid = app.call("get_api_settings", &[]).await.json()["sdkappid"].as_i64().unwrap();
    assert!((1_400_000_000..1_500_000_000).contains(&appid));
    let sig = vendor_sig(appid, "no key yet", ADMIN, 600);
    let reply = app
        .send_anonymous(
            Request::post(format!(
                "/v4/official_account_open_http_svc/create_official_account?sdkappid={appid}&identifier={ADMIN}&usersig={sig}&random=1&contenttype=json"
            ))
            .body(Body::from(r#"{"Owner_Account":"o","Name":"n"}"#))
            .unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_fail(&reply.json(), 131000, "not enabled");
    assert_eq!(app.channel_count().await, 0);
}}

on_both! { async fn signatures_are_verified_on_every_call(pool: TestDb) {
    let api = Api::new(pool).await;
    let body = json!({"Owner_Account": "o", "Name": "Never made"});
    let command = "create_official_account";

    let expired = vendor_sig(api.appid, &api.key, ADMIN, -10);
    assert_fail(&api.call_as(command, api.appid, ADMIN, &expired, body.clone()).await, 70001, "expired");

    let tampered = tampered_sig(api.appid, &api.key, ADMIN);
    assert_fail(&api.call_as(command, api.appid, ADMIN, &tampered, body.clone()).await, 70009, "verification failed");

    let other_key = vendor_sig(api.appid, "0123456789abcdef0123456789abcdef", ADMIN, 600);
    assert_fail(&api.call_as(command, api.appid, ADMIN, &other_key, body.clone()).await, 70009, "secret key");

    // A signature for another application, sent to it or to ours.
    let other_app = vendor_sig(api.appid + 1, &api.key, ADMIN, 600);
    assert_fail(
        &api.call_as(command, api.appid + 1, ADMIN, &other_app, body.clone()).await,
        131000,
        "not an application",
    );
    assert_fail(&api.call_as(command, api.appid, ADMIN, &other_app, body.clone()).await, 70014, "another application");

    // A valid signature of someone who is not an administrator.
    let stranger = vendor_sig(api.appid, &api.key, "stranger", 600);
    assert_fail(
        &api.call_as(command, api.appid, "stranger", &stranger, body.clone()).await,
        130002,
        "not an administrator",
    );
    // An administrator's signature used under another name.
    assert_fail(
        &api.call_as(command, api.appid, "stranger", &api.sig, body.clone()).await,
        70013,
        "another identifier",
    );

    assert_fail(&api.call_as(command, api.appid, ADMIN, "garbage", body.clone()).await, 70003, "could not be decoded");
    let missing = api.call_with(command, &format!("sdkappid={}&identifier={ADMIN}", api.appid), Body::from("{}")).await;
    assert_fail(&missing, 20001, "usersig");
    let bad_body = api
        .call_with(
            command,
            &format!("sdkappid={}&identifier={ADMIN}&usersig={}&random=1&contenttype=json", api.appid, api.sig),
            Body::from("not json"),
        )
        .await;
    assert_fail(&bad_body, 20001, "invalid request packet");
    assert_fail(&api.call("no_such_command", json!({})).await, 20001, "unknown command");
    assert_eq!(api.app.channel_count().await, 0, "nothing was created by a refused call");

    // Rotating the key on the Settings page retires every signature made with the old one.
    assert_eq!(api.app.call("rotate_api_key", &[]).await.status, StatusCode::OK);
    assert_fail(&api.call(command, body.clone()).await, 70009, "secret key");
    // Removing the administrator retires them.
    let key = api.app.call("rotate_api_key", &[]).await.json().as_str().unwrap().to_owned();
    let fresh = vendor_sig(api.appid, &key, ADMIN, 600);
    assert_ok(&api.call_as(command, api.appid, ADMIN, &fresh, body.clone()).await);
    assert_eq!(api.app.call("remove_api_admin", &[("identifier", ADMIN)]).await.status, StatusCode::OK);
    assert_fail(&api.call_as(command, api.appid, ADMIN, &fresh, body).await, 130002, "not an administrator");
}}

on_both! { async fn official_accounts_are_created_read_modified_and_destroyed(pool: TestDb) {
    let api = Api::new(pool).await;
    let created = api
        .call(
            "create_official_account",
            json!({
                "Owner_Account": "owner1",
                "Name": "공식 채널",
                "OfficialAccountUserID": "@TOA#_news",
                "Introduction": "Daily news",
                "FaceUrl": "https://cdn.example/face.png",
                "Organization": "Example Org",
                "CustomString": "{\"k\":1}",
                "MaxSubscriberNum": 5000,
            }),
        )
        .await;
    assert_ok(&created);
    assert_eq!(created["OfficialAccountUserID"], "@TOA#_news");

    let info = api
        .call("get_official_account_info", json!({"OfficialAccountIdList": [{"Official_Account": "@TOA#_news"}]}))
        .await;
    assert_ok(&info);
    let item = &info["OfficialAccountInfoList"][0];
    assert_eq!(item["Official_Account"], "@TOA#_news");
    assert_eq!(item["Name"], "공식 채널");
    assert_eq!(item["Introduction"], "Daily news");
    assert_eq!(item["FaceUrl"], "https://cdn.example/face.png");
    assert_eq!(item["Organization"], "Example Org");
    assert_eq!(item["CustomString"], "{\"k\":1}");
    assert_eq!(item["MaxSubscriberNum"], 5000);
    assert_eq!(item["Owner_Account"], "owner1");
    assert_eq!(item["LastMsgTime"], 0);
    assert!(item["CreateTime"].as_i64().unwrap() > 1_700_000_000);

    // The console shows the same channel, with the FaceUrl as its photo.
    let page = api.app.call("list_channels", &[("page", "1")]).await.json();
    let channel = &page["channels"][0];
    assert_eq!(channel["name"], "공식 채널");
    assert_eq!(channel["profile"], "Daily news");
    assert_eq!(channel["face_url"], "https://cdn.example/face.png");
    assert_eq!(channel["photo"], Value::Null);

    let modified = api
        .call(
            "modify_official_account_base_info",
            json!({"Official_Account": "@TOA#_news", "Name": "Renamed", "FaceUrl": ""}),
        )
        .await;
    assert_ok(&modified);
    let info = api
        .call(
            "get_official_account_info",
            json!({
                "OfficialAccountIdList": [{"Official_Account": "@TOA#_news"}, {"Official_Account": "@TOA#_nobody"}],
                "ResponseFilter": {"OfficialAccountBaseInfoFilter": ["Name", "FaceUrl"]},
            }),
        )
        .await;
    assert_ok(&info);
    let item = &info["OfficialAccountInfoList"][0];
    assert_eq!(item["Name"], "Renamed");
    assert_eq!(item["FaceUrl"], "");
    assert!(item.get("Introduction").is_none(), "filtered out: {item}");
    assert_eq!(info["OfficialAccountInfoList"][1]["ResultCode"], 130004);

    assert_ok(&api.call("destroy_official_account", json!({"Official_Account": "@TOA#_news"})).await);
    assert_eq!(api.app.channel_count().await, 0);
    assert_fail(
        &api.call("destroy_official_account", json!({"Official_Account": "@TOA#_news"})).await,
        130004,
        "does not exist",
    );
    assert_fail(
        &api.call("modify_official_account_base_info", json!({"Official_Account": "@TOA#_news", "Name": "x"})).await,
        130004,
        "does not exist",
    );
}}

on_both! { async fn account_fields_are_checked_with_the_consoles_rules(pool: TestDb) {
    let api = Api::new(pool).await;
    let create = |body: Value| api.call("create_official_account", body);
    assert_fail(&create(json!({"Name": "x"})).await, 6017, "Owner_Account");
    assert_fail(&create(json!({"Owner_Account": "o"})).await, 6017, "Name");
    assert_fail(
        &create(json!({"Owner_Account": "o", "Name": "a".repeat(151)})).await,
        6017,
        "Name is 151 bytes; the limit is 150 bytes",
    );
    assert_ok(&create(json!({"Owner_Account": "o", "Name": "한".repeat(50)})).await);
    assert_fail(
        &create(json!({"Owner_Account": "o", "Name": "x", "Introduction": "b".repeat(401)})).await,
        6017,
        "Introduction",
    );
    assert_fail(
        &create(json!({"Owner_Account": "o", "Name": "x", "FaceUrl": "javascript:alert(1)"})).await,
        6017,
        "FaceUrl",
    );
    assert_fail(
        &create(json!({"Owner_Account": "o", "Name": "x", "Name2": 1, "MaxSubscriberNum": "many"})).await,
        6017,
        "MaxSubscriberNum",
    );
    assert_fail(&create(json!({"Owner_Account": "o", "Name": 7})).await, 6017, "Name must be a string");
    assert_fail(
        &create(json!({"Owner_Account": "o", "Name": "x", "OfficialAccountUserID": "news"})).await,
        130007,
        "@TOA#_",
    );
    assert_ok(&create(json!({"Owner_Account": "o", "Name": "x", "OfficialAccountUserID": "@TOA#_taken"})).await);
    assert_fail(
        &create(json!({"Owner_Account": "o", "Name": "y", "OfficialAccountUserID": "@TOA#_taken"})).await,
        130008,
        "already in use",
    );
    assert_eq!(api.app.channel_count().await, 2);
}}

on_both! { async fn a_console_channel_is_reachable_through_the_api_with_its_photo_as_an_absolute_url(pool: TestDb) {
    let api = Api::new(pool).await;
    api.app.channel("Made in the console").await;
    let channel = &api.app.call("list_channels", &[("page", "1")]).await.json()["channels"][0];
    let account = channel["account_id"].as_str().unwrap().to_owned();
    assert!(account.starts_with("@TOA#_"), "{account}");
    let photo = channel["photo"].as_str().unwrap();
    let info =
        api.call("get_official_account_info", json!({"OfficialAccountIdList": [{"Official_Account": account}]})).await;
    assert_eq!(info["OfficialAccountInfoList"][0]["Name"], "Made in the console");
    assert_eq!(info["OfficialAccountInfoList"][0]["FaceUrl"], format!("http://console.example:3000/media/{photo}"));
}}

mod messages;
mod subscribers;
pub(crate) mod webhooks;
