//! REST messages: send, list, recall, and their limits.

use super::*;

on_both! { async fn messages_map_onto_the_three_post_types(pool: TestDb) {
    let api = Api::new(pool).await;
    let account = api.create("Sender").await;

    let text = api.send_text(&account, "Hello from a script", 1).await;
    assert_ok(&text);
    let key = text["MsgKey"].as_str().unwrap().to_owned();
    assert!(text["MsgTime"].as_i64().unwrap() > 0);
    // The same message retried (same Random, same body) is the same post.
    assert_eq!(api.send_text(&account, "Hello from a script", 1).await["MsgKey"], key.as_str());

    let uploaded = api.upload().await;
    assert_ok(&uploaded);
    let uuid = uploaded["UUID"].as_str().unwrap().to_owned();
    assert_eq!(uploaded["URL"], format!("http://console.example:3000/media/{uuid}"));
    assert_eq!(uploaded["Width"], 12);

    let image_only = api
        .call(
            "send_official_account_msg",
            json!({"Official_Account": account, "MsgBody": [{"MsgType": "TIMImageElem", "MsgContent": {"UUID": uuid}}]}),
        )
        .await;
    assert_ok(&image_only);
    let both = api
        .call(
            "send_official_account_msg",
            json!({
                "Official_Account": account,
                "CloudCustomData": "tag",
                "MsgBody": [
                    {"MsgType": "TIMTextElem", "MsgContent": {"Text": "With a picture"}},
                    {"MsgType": "TIMImageElem", "MsgContent": {"ImageInfoArray": [{"Type": 1, "URL": uploaded["URL"]}]}},
                ],
            }),
        )
        .await;
    assert_ok(&both);

    // The console lists them, newest first, as the three types.
    let posts = api.console_posts("").await;
    let kinds: Vec<&str> = posts.iter().map(|p| p["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["ImageAndText", "ImageOnly", "TextOnly"]);
    assert_eq!(posts[0]["text"], "With a picture");
    assert_eq!(posts[0]["images"][0]["media"], uuid.as_str());
    assert_eq!(posts[2]["channel_name"], "Sender");

    // And the API reads them back, a page at a time.
    let first =
        api.call("official_account_msg_get_simple", json!({"Official_Account": account, "ReqMsgNumber": 2})).await;
    assert_ok(&first);
    assert_eq!(first["IsFinished"], 0);
    let list = first["RspMsgList"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["MsgKey"], both["MsgKey"]);
    assert_eq!(list[0]["CloudCustomData"], "tag");
    assert_eq!(list[0]["MsgBody"][0]["MsgContent"]["Text"], "With a picture");
    assert_eq!(list[0]["MsgBody"][1]["MsgType"], "TIMImageElem");
    assert_eq!(list[0]["MsgBody"][1]["MsgContent"]["ImageInfoArray"][0]["URL"], uploaded["URL"]);
    assert_eq!(list[0]["MsgBody"][1]["MsgContent"]["ImageFormat"], 3);
    let rest = api
        .call(
            "official_account_msg_get_simple",
            json!({"Official_Account": account, "ReqMsgNumber": 2, "LastMsgKey": first["LastMsgKey"]}),
        )
        .await;
    assert_eq!(rest["IsFinished"], 1);
    assert_eq!(rest["RspMsgList"][0]["MsgKey"], key.as_str());
    let info =
        api.call("get_official_account_info", json!({"OfficialAccountIdList": [{"Official_Account": account}]})).await;
    assert_eq!(info["OfficialAccountInfoList"][0]["LastMsgTime"], both["MsgTime"]);
}}

on_both! { async fn messages_are_checked_with_the_consoles_rules(pool: TestDb) {
    let api = Api::new(pool).await;
    let account = api.create("Strict").await;
    let send = |body: Value| api.call("send_official_account_msg", body);
    assert_fail(&api.send_text(&account, &"a".repeat(10_001), 5).await, 6017, "10000");
    assert_ok(&api.send_text(&account, &"a".repeat(10_000), 6).await);
    assert_fail(&api.send_text("@TOA#_missing", "x", 7).await, 130004, "does not exist");
    assert_fail(&send(json!({"Official_Account": account})).await, 6017, "MsgBody");
    assert_fail(
        &send(json!({"Official_Account": account, "MsgBody": [{"MsgType": "TIMSoundElem", "MsgContent": {}}]})).await,
        6017,
        "TIMSoundElem",
    );
    assert_fail(
        &send(json!({"Official_Account": account, "MsgBody": [{"MsgType": "TIMImageElem", "MsgContent": {"ImageInfoArray": [{"URL": "https://elsewhere.example/a.png"}]}}]})).await,
        6017,
        "uploaded to this server",
    );
    let unknown_media = "0".repeat(64);
    assert_fail(
        &send(json!({"Official_Account": account, "MsgBody": [{"MsgType": "TIMImageElem", "MsgContent": {"UUID": unknown_media}}]})).await,
        6017,
        "upload it again",
    );
    let ten: Vec<Value> =
        (0..10).map(|_| json!({"MsgType": "TIMImageElem", "MsgContent": {"UUID": "0".repeat(64)}})).collect();
    assert_fail(&send(json!({"Official_Account": account, "MsgBody": ten})).await, 6017, "the limit is 9");
    assert_eq!(api.console_posts("").await.len(), 1);
}}

on_both! { async fn a_recalled_post_leaves_the_console_list_and_search(pool: TestDb) {
    let api = Api::new(pool).await;
    let account = api.create("Recalls").await;
    let kept = api.send_text(&account, "kept message zebra", 1).await;
    let recalled = api.send_text(&account, "recalled message zebra", 2).await;
    assert_eq!(api.console_posts("zebra").await.len(), 2);
    let post_id: i64 = recalled["MsgKey"].as_str().unwrap().split('_').next().unwrap().parse().unwrap();

    let answer = api
        .call(
            "official_account_msg_recall",
            json!({"Official_Account": account, "MsgKeyList": [recalled["MsgKey"], "999_1_1"], "Reason": "mistake"}),
        )
        .await;
    assert_ok(&answer);
    assert_eq!(answer["RecallRetList"][0]["RetCode"], 0);
    assert_eq!(answer["RecallRetList"][1]["RetCode"], 6017);

    let listed = api.console_posts("").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["text"], "kept message zebra");
    assert_eq!(api.console_posts("zebra").await.len(), 1, "gone from search");
    assert_eq!(api.console_posts("recalled").await.len(), 0);
    assert_eq!(api.app.call("get_post", &[("id", &post_id.to_string())]).await.status, StatusCode::NOT_FOUND);

    let history = api.call("official_account_msg_get_simple", json!({"Official_Account": account})).await;
    assert_eq!(history["RspMsgList"].as_array().unwrap().len(), 1);
    assert_eq!(history["RspMsgList"][0]["MsgKey"], kept["MsgKey"]);
    let with_recalled =
        api.call("official_account_msg_get_simple", json!({"Official_Account": account, "WithRecalledMsg": 1})).await;
    assert_eq!(with_recalled["RspMsgList"][0]["IsRecalled"], 1);

    // Recalling again is harmless; limits are checked.
    let again = api
        .call("official_account_msg_recall", json!({"Official_Account": account, "MsgKeyList": [recalled["MsgKey"]]}))
        .await;
    assert_eq!(again["RecallRetList"][0]["RetCode"], 0);
    let eleven: Vec<String> = (0..11).map(|i| format!("{i}_1_1")).collect();
    assert_fail(
        &api.call("official_account_msg_recall", json!({"Official_Account": account, "MsgKeyList": eleven})).await,
        6017,
        "limit is 10",
    );
    assert_fail(
        &api.call(
            "official_account_msg_recall",
            json!({"Official_Account": account, "MsgKeyList": ["1_1_1"], "Reason": "r".repeat(101)}),
        )
        .await,
        6017,
        "Reason",
    );
    let audit: Vec<String> =
        sqlx::query_scalar("SELECT operator || ' ' || action FROM audit_log WHERE action = 'post_recalled'")
            .fetch_all(&api.app.pool)
            .await
            .unwrap();
    assert_eq!(audit, [format!("api:{ADMIN} post_recalled")]);
}}

on_both! { async fn settings_are_for_signed_in_operators_and_validated(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let bad = app.call("add_api_admin", &[("identifier", "has space")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.call("add_api_admin", &[("identifier", "ops")]).await.status, StatusCode::OK);
    assert_eq!(app.call("add_api_admin", &[("identifier", "ops")]).await.status, StatusCode::CONFLICT);
    let key = app.call("rotate_api_key", &[]).await.json().as_str().unwrap().to_owned();
    assert_eq!(key.len(), 64);
    let settings = app.call("get_api_settings", &[]).await.json();
    assert_eq!(settings["admins"], json!(["ops"]));
    assert_eq!(settings["key_hint"], key[60..]);
    assert!(!settings.to_string().contains(&key), "the key is never shown again");
    assert_eq!(app.call("remove_api_admin", &[("identifier", "ops")]).await.status, StatusCode::OK);
    assert_eq!(app.call("remove_api_admin", &[("identifier", "ops")]).await.status, StatusCode::NOT_FOUND);
}}

on_both! { async fn a_failure_on_our_side_is_an_internal_error_and_changes_nothing(pool: TestDb) {
    let api = Api::new(pool).await;
    let account = api.create("Broken").await;
    // Break the search index the publish writes to: the store fails mid-transaction.
    api.app.db.break_search_index().await;
    assert_fail(&api.send_text(&account, "never stored", 1).await, 10004, "internal error");
    let posts: i64 = sqlx::query_scalar("SELECT count(*) FROM posts").fetch_one(&api.app.pool).await.unwrap();
    assert_eq!(posts, 0, "the transaction was rolled back");
}}
