//! `POST /subscriber/v1/{command}`: the caller's own subscriptions, through the same code as
//! the REST commands (so the same rules, limits, callbacks and events), answered in the
//! vendor's envelope.

use super::auth::{Refusal, User};
use super::Subscribers;
use crate::rest::errors::{self, fail, internal, invalid, packet};
use crate::rest::requests::{parse, AccountListItem, AccountName};
use crate::rest::subscribers::Subscription;
use crate::rest::{base_url, envelope, Answer, Call};
use app::domain::SubscriberAccount;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// Bodies are a channel id or a list of them.
const BODY_LIMIT: usize = 64 * 1024;
/// Channels `official_accounts` names at most, and answers at most for "all of mine".
const MAX_NAMED: usize = 50;
const MAX_SUBSCRIBED: u32 = 1000;
/// The public profile: what any app user may read of a channel.
const PUBLIC_FIELDS: [&str; 7] =
    ["OfficialAccountUserID", "Name", "FaceUrl", "Introduction", "Organization", "SubscriberNum", "CreateTime"];

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AccountsRequest {
    official_account_id_list: Option<Vec<AccountListItem>>,
}

pub(super) async fn handle(
    State(subscribers): State<Subscribers>,
    Path(command): Path<String>,
    user: User,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let state = &subscribers.state;
    let body = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(bytes) if bytes.is_empty() => Value::Object(Map::new()),
        Ok(bytes) => match serde_json::from_slice::<Value>(&bytes) {
            Ok(body) => body,
            Err(e) => return Json(packet(e).envelope()).into_response(),
        },
        Err(_) => {
            return Json(packet(format!("the body is larger than {BODY_LIMIT} bytes")).envelope()).into_response()
        }
    };
    let call = Call { state, by: user.actor(), body: &body, base: base_url(&headers) };
    let me = user.account.as_ref();
    let outcome = match command.as_str() {
        "subscribe" => subscribe(&call, &user.account).await,
        "unsubscribe" => unsubscribe(&call, me).await,
        "official_accounts" => official_accounts(&call, &user.account).await,
        "messages" => messages(&call, me).await,
        other => {
            let refusal = Refusal { status: StatusCode::NOT_FOUND, fail: packet(format!("unknown command {other:?}")) };
            return refusal.into_response();
        }
    };
    Json(envelope(&command, outcome)).into_response()
}

/// `{"Official_Account": id}`: the channel, which must exist.
async fn named_channel(call: &Call<'_>) -> Result<storage::messages::AccountRow, errors::Fail> {
    let name: AccountName = parse(call.body)?;
    call.account(&name).await
}

async fn subscribe(call: &Call<'_>, me: &SubscriberAccount) -> Answer {
    let channel = named_channel(call).await?;
    let outcome = call.subscribe(&channel, std::slice::from_ref(me)).await?;
    match outcome.first() {
        Some(Subscription::Added) => Ok(Map::from_iter([("Result".into(), json!(1))])),
        Some(Subscription::Already) => Ok(Map::from_iter([("Result".into(), json!(2))])),
        Some(Subscription::RefusedByApp) => Err(fail(errors::REFUSED_BY_APP, "the app refused this subscription")),
        Some(Subscription::Full) | None => Err(fail(
            errors::FULL,
            format!(
                "the official account has its maximum of {} subscribers (MaxSubscriberNum)",
                channel.max_subscribers
            ),
        )),
    }
}

async fn unsubscribe(call: &Call<'_>, me: &str) -> Answer {
    let channel = named_channel(call).await?;
    let body = json!({
        "Official_Account": channel.account_id,
        "SubscriberToDel_Account": [{ "Subscriber_Account": me }],
    });
    let removed = Call { state: call.state, by: call.by.clone(), body: &body, base: call.base.clone() }
        .delete_subscribers()
        .await?;
    let code = removed.get("SubscriberList").and_then(|l| l.pointer("/0/Result")).cloned().unwrap_or(json!(2));
    Ok(Map::from_iter([("Result".into(), code)]))
}

async fn official_accounts(call: &Call<'_>, me: &SubscriberAccount) -> Answer {
    let request: AccountsRequest = parse(call.body)?;
    let db = &call.state.storage.db;
    let filter: Vec<String> = PUBLIC_FIELDS.iter().map(|f| (*f).to_owned()).collect();
    let mut out = Vec::new();
    match request.official_account_id_list.filter(|l| !l.is_empty()) {
        Some(list) => {
            if list.len() > MAX_NAMED {
                return Err(invalid(format!(
                    "OfficialAccountIdList has {} items; the limit is {MAX_NAMED}",
                    list.len()
                )));
            }
            for item in list {
                let id = item.id().ok_or_else(|| invalid("each OfficialAccountIdList item needs Official_Account"))?;
                match db.account(id).await.map_err(|e| internal(&e))? {
                    Some(row) => {
                        let since = db.subscription(row.id, me.as_ref()).await.map_err(|e| internal(&e))?;
                        out.push(profile(call, &row, &filter, since));
                    }
                    None => out.push(json!({
                        "Official_Account": id,
                        "ResultCode": errors::NO_SUCH_ACCOUNT,
                        "ResultInfo": "the official account does not exist or was destroyed",
                    })),
                }
            }
        }
        None => {
            let (channels, _) = db.subscribed_channels(me, 0, MAX_SUBSCRIBED).await.map_err(|e| internal(&e))?;
            for c in channels {
                out.push(profile(call, &c.channel, &filter, Some(c.subscribed_at)));
            }
        }
    }
    Ok(Map::from_iter([("OfficialAccountInfoList".into(), Value::Array(out))]))
}

/// A channel's public profile, with when the caller subscribed (if they do).
fn profile(call: &Call<'_>, row: &storage::messages::AccountRow, filter: &[String], since: Option<i64>) -> Value {
    let mut item = call.describe(row, Some(filter));
    if let (Some(since), Value::Object(map)) = (since, &mut item) {
        map.insert("SubscribeTime".into(), json!(since));
    }
    item
}

async fn messages(call: &Call<'_>, me: &str) -> Answer {
    let channel = named_channel(call).await?;
    let subscribed = call.state.storage.db.subscription(channel.id, me).await.map_err(|e| internal(&e))?;
    if subscribed.is_none() {
        return Err(fail(errors::NOT_SUBSCRIBED, "you do not subscribe to this official account"));
    }
    call.history().await
}
