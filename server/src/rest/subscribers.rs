//! The subscriber commands: `add_subscriber`, `delete_subscriber`, `get_subscriber_info`,
//! `modify_subscriber_info` and `get_subscribed_official_account_list`. A per-user outcome
//! is said in that user's `Result`, as the vendor does; a list over its limit is refused as
//! a whole (6017) and changes nothing.

use super::errors::{self, from_store, from_validation, internal, invalid, Fail};
use super::messages::refused;
use super::requests::{
    parse, AddSubscribersRequest, DeleteSubscribersRequest, ModifySubscriberRequest, SubscribedListRequest,
    SubscriberInfoRequest, SubscriberItem,
};
use super::{Answer, Call};
use app::domain::{AccountFields, Callback, MsgFlag, SubscriberAccount};
use serde_json::{json, Map, Value};
use std::collections::HashSet;
use storage::database::{Subscribed, Unsubscribed};
use storage::messages::AccountRow;
use webhooks::before::Verdict;

/// What became of a user a subscription named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Subscription {
    Added,
    Already,
    /// The app's before-callback refused this user.
    RefusedByApp,
    /// The channel has `MaxSubscriberNum` subscribers.
    Full,
}

/// Users one `add_subscriber` or `delete_subscriber` call may name.
const MAX_PER_CALL: usize = 100;
/// Subscribers (or channels) one page may hold.
const MAX_PAGE: i64 = 200;

/// The users a list names, checked: over the limit, or any id malformed, refuses the call.
fn subscriber_list(list: &Option<Vec<SubscriberItem>>, field: &str) -> Result<Vec<SubscriberAccount>, Fail> {
    let list = match list {
        Some(list) if !list.is_empty() => list,
        _ => return Err(invalid(format!("{field} is required (1 to {MAX_PER_CALL} users)"))),
    };
    if list.len() > MAX_PER_CALL {
        return Err(invalid(format!("{field} has {} users; the limit is {MAX_PER_CALL}", list.len())));
    }
    list.iter().map(|item| SubscriberAccount::parse(item.account()).map_err(from_validation)).collect()
}

/// A page cursor as the caller holds it: opaque text (the place of the page's last
/// subscriber); "" for the first page.
fn read_cursor(next: Option<&str>) -> Result<Option<i64>, Fail> {
    match next.unwrap_or_default() {
        "" => Ok(None),
        text => text
            .strip_prefix('s')
            .and_then(|n| n.parse::<i64>().ok())
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| invalid("Next is not a cursor this API gave")),
    }
}

/// `SubscriberList`: each user the call named with its `Result` code.
fn result_list<'a>(results: impl Iterator<Item = (&'a SubscriberAccount, i64)>) -> Map<String, Value> {
    let list = results.map(|(account, code)| json!({ "Subscriber_Account": account.as_ref(), "Result": code }));
    Map::from_iter([("SubscriberList".into(), Value::Array(list.collect()))])
}

fn write_cursor(next: Option<i64>) -> String {
    next.map(|n| format!("s{n}")).unwrap_or_default()
}

impl Call<'_> {
    pub(super) async fn add_subscribers(&self) -> Answer {
        let request: AddSubscribersRequest = parse(self.body)?;
        let accounts = subscriber_list(&request.subscriber_list, "SubscriberList")?;
        let channel = self.account(&request.account).await?;
        let outcomes = self.subscribe(&channel, &accounts).await?;
        let results = accounts.iter().zip(outcomes).map(|(account, outcome)| {
            let code = match outcome {
                Subscription::Added => 1,
                Subscription::Already => 2,
                Subscription::RefusedByApp | Subscription::Full => 0,
            };
            (account, code)
        });
        Ok(result_list(results))
    }

    /// Subscribes the users to the channel, if the app's before-callback lets it (it may
    /// refuse the call, or some of its users) and while there is room: what became of each.
    pub(crate) async fn subscribe(
        &self,
        channel: &AccountRow,
        accounts: &[SubscriberAccount],
    ) -> Result<Vec<Subscription>, Fail> {
        let list: Vec<Value> = accounts.iter().map(|a| json!({ "Subscriber_Account": a.as_ref() })).collect();
        let asked = Map::from_iter([
            ("Official_Account".into(), json!(channel.account_id)),
            ("Operator_Account".into(), json!(self.by.operator_account())),
            ("SubscribeAccountList".into(), Value::Array(list)),
        ]);
        let refused_users: HashSet<String> =
            match self.state.webhooks.before(Callback::BeforeAddSubscriber, &self.by, asked).await {
                Verdict::Refuse { code, info } => return Err(refused(code, errors::REFUSED_BY_APP, info)),
                Verdict::Go { refused, .. } => refused.into_iter().collect(),
                Verdict::Drop => HashSet::new(),
            };
        let allowed: Vec<SubscriberAccount> =
            accounts.iter().filter(|a| !refused_users.contains(a.as_ref())).cloned().collect();
        let done = self.state.storage.db.add_subscribers(channel.id, &allowed, &self.by).await.map_err(from_store)?;
        let mut outcomes = done.results.iter();
        Ok(accounts
            .iter()
            .map(|account| {
                if refused_users.contains(account.as_ref()) {
                    return Subscription::RefusedByApp;
                }
                match outcomes.next().map(|(_, outcome)| outcome) {
                    Some(Subscribed::Added) => Subscription::Added,
                    Some(Subscribed::Already) => Subscription::Already,
                    Some(Subscribed::Full) | None => Subscription::Full,
                }
            })
            .collect())
    }

    pub(crate) async fn delete_subscribers(&self) -> Answer {
        let request: DeleteSubscribersRequest = parse(self.body)?;
        let accounts = subscriber_list(&request.subscribers, "SubscriberToDel_Account")?;
        let channel = self.account(&request.account).await?;
        let done =
            self.state.storage.db.remove_subscribers(channel.id, &accounts, &self.by).await.map_err(from_store)?;
        let results = done.iter().map(|(account, outcome)| {
            let code = match outcome {
                Unsubscribed::Removed => 1,
                Unsubscribed::NotSubscriber => 2,
            };
            (account, code)
        });
        Ok(result_list(results))
    }

    pub(super) async fn subscriber_info(&self) -> Answer {
        let request: SubscriberInfoRequest = parse(self.body)?;
        let limit = match request.limit {
            Some(limit) => limit.within("Limit", 1, MAX_PAGE)?,
            None => MAX_PAGE,
        };
        let after = read_cursor(request.next.as_deref())?;
        let channel = self.account(&request.account).await?;
        let page =
            self.state.storage.db.subscribers(channel.id, after, limit as u32, None).await.map_err(from_store)?;
        let list: Vec<Value> = page
            .subscribers
            .iter()
            .map(|s| {
                json!({
                    "Subscriber_Account": s.account,
                    "SubscribeTime": s.subscribed_at,
                    "CustomString": s.custom_string,
                    "MsgFlag": s.msg_flag.as_str(),
                    "LastSendMsgTime": s.last_send_msg_time,
                })
            })
            .collect();
        Ok(Map::from_iter([
            ("Next".into(), json!(write_cursor(page.next))),
            ("SubscriberNum".into(), json!(page.total)),
            ("SubscriberList".into(), Value::Array(list)),
        ]))
    }

    pub(super) async fn modify_subscriber(&self) -> Answer {
        let request: ModifySubscriberRequest = parse(self.body)?;
        let subscriber = request.subscriber.as_deref().ok_or_else(|| invalid("Subscriber_Account is required"))?;
        let subscriber = SubscriberAccount::parse(subscriber).map_err(from_validation)?;
        let custom = request.custom_string.as_deref().map(AccountFields::parse_custom_string).transpose();
        let custom = custom.map_err(from_validation)?;
        let flag = match request.msg_flag.as_deref() {
            Some(raw) => Some(MsgFlag::from_code(raw).ok_or_else(|| {
                invalid(format!("MsgFlag must be one of AcceptAndNotify, AcceptNotNotify and Discard, not {raw:?}"))
            })?),
            None => None,
        };
        if custom.is_none() && flag.is_none() {
            return Err(invalid("nothing to change: give CustomString or MsgFlag"));
        }
        let channel = self.account(&request.account).await?;
        let db = &self.state.storage.db;
        match db.modify_subscriber(channel.id, &subscriber, custom.as_deref(), flag, &self.by).await {
            Ok(()) => Ok(Map::new()),
            Err(storage::StoreError::NotFound(storage::Missing::Subscriber(account))) => {
                Err(invalid(format!("Subscriber_Account {account} is not a subscriber of this official account")))
            }
            Err(other) => Err(from_store(other)),
        }
    }

    pub(super) async fn subscribed_list(&self) -> Answer {
        let request: SubscribedListRequest = parse(self.body)?;
        let subscriber = request.subscriber.as_deref().ok_or_else(|| invalid("Subscriber_Account is required"))?;
        let subscriber = SubscriberAccount::parse(subscriber).map_err(from_validation)?;
        let limit = match request.limit {
            Some(limit) => limit.within("Limit", 1, MAX_PAGE)?,
            None => MAX_PAGE,
        };
        let offset = match request.offset {
            Some(offset) => offset.within("Offset", 0, i64::from(u32::MAX))?,
            None => 0,
        };
        let (channels, total) = self
            .state
            .storage
            .db
            .subscribed_channels(&subscriber, offset as u32, limit as u32)
            .await
            .map_err(|e| internal(&e))?;
        let filter = request.response_filter.as_ref();
        let base_filter = filter.and_then(|f| f.official_account_base_info_filter.as_deref());
        let self_filter = filter.and_then(|f| f.self_info_filter.as_deref());
        let wanted = |list: Option<&[String]>, name: &str| list.is_none_or(|l| l.iter().any(|w| w == name));
        let items: Vec<Value> = channels
            .iter()
            .map(|c| {
                let mut item = match self.describe(&c.channel, base_filter) {
                    Value::Object(map) => map,
                    _ => Map::new(),
                };
                item.remove("ResultCode");
                item.remove("ResultInfo");
                let mut own = Map::new();
                if wanted(self_filter, "SubscribeTime") {
                    own.insert("SubscribeTime".into(), json!(c.subscribed_at));
                }
                if wanted(self_filter, "CustomString") {
                    own.insert("CustomString".into(), json!(c.custom_string));
                }
                item.insert("SelfInfo".into(), Value::Object(own));
                Value::Object(item)
            })
            .collect();
        let next = offset + channels.len() as i64;
        let complete = next as u64 >= total;
        Ok(Map::from_iter([
            ("OfficialAccountInfoList".into(), Value::Array(items)),
            ("TotalCount".into(), json!(total)),
            ("CompleteFlag".into(), json!(if complete { 1 } else { 0 })),
            ("Next".into(), json!(if complete { 0 } else { next })),
        ]))
    }
}

#[cfg(test)]
mod tests {
    use super::super::errors;
    use super::*;

    #[test]
    fn cursors_are_opaque_and_checked() {
        assert_eq!(read_cursor(None).unwrap(), None);
        assert_eq!(read_cursor(Some("")).unwrap(), None);
        assert_eq!(read_cursor(Some(&write_cursor(Some(42)))).unwrap(), Some(42));
        assert_eq!(write_cursor(None), "");
        for bad in ["42", "s", "s-1", "s0", "sx", "x42"] {
            assert_eq!(read_cursor(Some(bad)).unwrap_err().code, errors::INVALID_PARAMETER, "{bad}");
        }
    }
}
