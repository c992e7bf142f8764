//! The five subscriber commands over HTTP, signed as a script signs them.

use super::{assert_fail, assert_ok, Api};
use crate::common::on_both;
use serde_json::{json, Value};

fn results(answer: &Value) -> Vec<(String, i64)> {
    answer["SubscriberList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| (item["Subscriber_Account"].as_str().unwrap().to_owned(), item["Result"].as_i64().unwrap()))
        .collect()
}

fn pair(account: &str, result: i64) -> (String, i64) {
    (account.to_owned(), result)
}

on_both! { async fn subscribers_are_added_listed_changed_and_removed(pool: TestDb) {
    let api = Api::new(pool).await;
    let channel = api.create("Subscribed").await;
    let add = |list: Value| api.call("add_subscriber", json!({"Official_Account": channel, "SubscriberList": list}));

    let answer = add(json!([{"Subscriber_Account": "u1"}, {"Subscriber_Account": "u2"}, {"Subscriber_Account": "u1"}])).await;
    assert_ok(&answer);
    assert_eq!(results(&answer), [pair("u1", 1), pair("u2", 1), pair("u1", 2)]);

    // The count is the channel's real one now.
    let info = api.call("get_official_account_info", json!({"OfficialAccountIdList": [{"Official_Account": channel}]})).await;
    assert_eq!(info["OfficialAccountInfoList"][0]["SubscriberNum"], 2, "{info}");

    // Pages newest first, with an opaque cursor.
    let page = api.call("get_subscriber_info", json!({"Official_Account": channel, "Limit": 1, "Next": ""})).await;
    assert_ok(&page);
    assert_eq!(page["SubscriberNum"], 2);
    assert_eq!(page["SubscriberList"][0]["Subscriber_Account"], "u2");
    assert_eq!(page["SubscriberList"][0]["MsgFlag"], "AcceptAndNotify");
    assert!(page["SubscriberList"][0]["SubscribeTime"].as_i64().unwrap() > 1_700_000_000);
    let next = page["Next"].as_str().unwrap().to_owned();
    assert!(!next.is_empty());
    let last = api.call("get_subscriber_info", json!({"Official_Account": channel, "Limit": 1, "Next": next})).await;
    assert_eq!(last["SubscriberList"][0]["Subscriber_Account"], "u1");
    assert_eq!(last["Next"], "");

    let changed = api
        .call(
            "modify_subscriber_info",
            json!({"Official_Account": channel, "Subscriber_Account": "u1", "CustomString": "vip", "MsgFlag": "Discard"}),
        )
        .await;
    assert_ok(&changed);
    let page = api.call("get_subscriber_info", json!({"Official_Account": channel, "Next": ""})).await;
    assert_eq!(page["SubscriberList"][1]["CustomString"], "vip");
    assert_eq!(page["SubscriberList"][1]["MsgFlag"], "Discard");

    // The user's channels, with their own subscription.
    let theirs = api.call("get_subscribed_official_account_list", json!({"Subscriber_Account": "u1"})).await;
    assert_ok(&theirs);
    assert_eq!(theirs["TotalCount"], 1);
    assert_eq!(theirs["CompleteFlag"], 1);
    let item = &theirs["OfficialAccountInfoList"][0];
    assert_eq!((item["Official_Account"].as_str(), item["Name"].as_str()), (Some(channel.as_str()), Some("Subscribed")));
    assert_eq!(item["SelfInfo"]["CustomString"], "vip");
    let filtered = api
        .call(
            "get_subscribed_official_account_list",
            json!({"Subscriber_Account": "u1", "ResponseFilter": {"OfficialAccountBaseInfoFilter": ["Name"], "SelfInfoFilter": ["SubscribeTime"]}}),
        )
        .await;
    let item = &filtered["OfficialAccountInfoList"][0];
    assert!(item.get("Owner_Account").is_none() && item.get("Name").is_some(), "{item}");
    assert!(item["SelfInfo"].get("CustomString").is_none(), "{item}");

    let removed = api
        .call("delete_subscriber", json!({"Official_Account": channel, "SubscriberToDel_Account": ["u1", "nobody"]}))
        .await;
    assert_ok(&removed);
    assert_eq!(results(&removed), [pair("u1", 1), pair("nobody", 2)]);
    let page = api.call("get_subscriber_info", json!({"Official_Account": channel, "Next": ""})).await;
    assert_eq!(page["SubscriberNum"], 1);
}}

on_both! { async fn the_maximum_and_the_limits_are_kept(pool: TestDb) {
    let api = Api::new(pool).await;
    let answer = api.call("create_official_account", json!({"Owner_Account": "o", "Name": "Small", "MaxSubscriberNum": 2})).await;
    let channel = answer["OfficialAccountUserID"].as_str().unwrap().to_owned();
    let answer = api.call("add_subscriber", json!({"Official_Account": channel, "SubscriberList": ["a", "b", "c"]})).await;
    assert_ok(&answer);
    assert_eq!(results(&answer), [pair("a", 1), pair("b", 1), pair("c", 0)]);

    // A list over 100 is refused whole, and nothing is added.
    let many: Vec<Value> = (0..101).map(|n| json!({"Subscriber_Account": format!("m{n}")})).collect();
    let other = api.create("Other").await;
    let refused = api.call("add_subscriber", json!({"Official_Account": other, "SubscriberList": many})).await;
    assert_fail(&refused, 6017, "the limit is 100");
    let page = api.call("get_subscriber_info", json!({"Official_Account": other, "Next": ""})).await;
    assert_eq!(page["SubscriberNum"], 0);

    // Malformed ids and values are named.
    let long = "x".repeat(33);
    let refused = api.call("add_subscriber", json!({"Official_Account": other, "SubscriberList": [long]})).await;
    assert_fail(&refused, 6017, "Subscriber_Account");
    let refused = api.call("get_subscriber_info", json!({"Official_Account": other, "Limit": 201})).await;
    assert_fail(&refused, 6017, "Limit must be a whole number from 1 to 200");
    let refused = api.call("get_subscriber_info", json!({"Official_Account": other, "Next": "forged"})).await;
    assert_fail(&refused, 6017, "Next");
    let refused = api
        .call("modify_subscriber_info", json!({"Official_Account": channel, "Subscriber_Account": "a", "MsgFlag": "Loud"}))
        .await;
    assert_fail(&refused, 6017, "MsgFlag");
    let refused = api
        .call("modify_subscriber_info", json!({"Official_Account": channel, "Subscriber_Account": "zz", "CustomString": "x"}))
        .await;
    assert_fail(&refused, 6017, "not a subscriber");
    let refused = api
        .call("modify_subscriber_info", json!({"Official_Account": channel, "Subscriber_Account": "a", "CustomString": "x".repeat(3001)}))
        .await;
    assert_fail(&refused, 6017, "CustomString");
    let missing = api.call("add_subscriber", json!({"Official_Account": "@TOA#_gone", "SubscriberList": ["a"]})).await;
    assert_fail(&missing, 130004, "does not exist");

    // Destroying a channel takes its subscribers with it.
    assert_ok(&api.call("destroy_official_account", json!({"Official_Account": channel})).await);
    let theirs = api.call("get_subscribed_official_account_list", json!({"Subscriber_Account": "a"})).await;
    assert_eq!(theirs["TotalCount"], 0);
}}
