//! The commands' request bodies as types. Fields the caller leaves out (or sends as null)
//! are `None`; a field of the wrong type is refused naming the field (see `parse`).
//! Unknown fields are ignored, as the vendor ignores them.

use super::errors::{invalid, packet, Fail};
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::Deserialize;
use serde_json::Value;

/// Reads a command's body: not JSON or not an object is a bad packet (20001); a field of
/// the wrong type is an invalid parameter (6017) naming the field.
pub fn parse<T: DeserializeOwned>(body: &Value) -> Result<T, Fail> {
    if !body.is_object() {
        return Err(packet("the body must be a JSON object"));
    }
    serde_path_to_error::deserialize(body).map_err(|err| {
        let field = err.path().to_string();
        let message = err.inner().to_string();
        match message.split_once(", expected ") {
            Some((_, expected)) => invalid(format!("{field} must be {expected}")),
            None => invalid(format!("{field}: {message}")),
        }
    })
}

/// A JSON integer (not a float, not a string of digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WholeNumber(pub i64);

impl WholeNumber {
    /// The number, refused with the field's name when outside `min..=max`.
    pub fn within(self, field: &str, min: i64, max: i64) -> Result<i64, Fail> {
        if (min..=max).contains(&self.0) {
            Ok(self.0)
        } else {
            Err(invalid(format!("{field} must be a whole number from {min} to {max}")))
        }
    }
}

impl<'de> Deserialize<'de> for WholeNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Whole;
        impl Visitor<'_> for Whole {
            type Value = WholeNumber;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a whole number")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<WholeNumber, E> {
                Ok(WholeNumber(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<WholeNumber, E> {
                i64::try_from(v).map(WholeNumber).map_err(|_| E::custom("a whole number within 64 bits"))
            }
        }
        deserializer.deserialize_any(Whole)
    }
}

/// An account's fields, for `create_official_account` and
/// `modify_official_account_base_info` (which names the account with `Official_Account`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccountRequest {
    #[serde(rename = "Official_Account")]
    pub official_account: Option<String>,
    #[serde(rename = "OfficialAccountUserID")]
    pub official_account_user_id: Option<String>,
    #[serde(rename = "Owner_Account")]
    pub owner_account: Option<String>,
    pub name: Option<String>,
    pub introduction: Option<String>,
    pub face_url: Option<String>,
    pub organization: Option<String>,
    pub custom_string: Option<String>,
    pub max_subscriber_num: Option<WholeNumber>,
}

/// Names one account: `Official_Account` (or, as the vendor also accepts,
/// `OfficialAccountUserID`).
#[derive(Debug, Deserialize)]
pub struct AccountName {
    #[serde(rename = "Official_Account")]
    pub official_account: Option<String>,
    #[serde(rename = "OfficialAccountUserID")]
    pub official_account_user_id: Option<String>,
}

impl AccountName {
    pub fn id(&self) -> Option<&str> {
        self.official_account.as_deref().or(self.official_account_user_id.as_deref())
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InfoRequest {
    pub official_account_id_list: Option<Vec<AccountListItem>>,
    pub response_filter: Option<ResponseFilter>,
}

/// An item of `OfficialAccountIdList`: `{"Official_Account": ...}` or a bare id.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum AccountListItem {
    Named(AccountName),
    Bare(String),
}

impl AccountListItem {
    pub fn id(&self) -> Option<&str> {
        match self {
            AccountListItem::Named(name) => name.id(),
            AccountListItem::Bare(id) => Some(id),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResponseFilter {
    pub official_account_base_info_filter: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SendRequest {
    #[serde(flatten)]
    pub account: AccountName,
    pub random: Option<WholeNumber>,
    pub cloud_custom_data: Option<String>,
    pub msg_body: Option<Vec<MsgElement>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MsgElement {
    pub msg_type: Option<String>,
    pub msg_content: Option<MsgContent>,
}

/// A message element's content: `Text` for a text element; `UUID` or `ImageInfoArray` for
/// an image.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MsgContent {
    pub text: Option<String>,
    #[serde(rename = "UUID")]
    pub uuid: Option<String>,
    pub image_info_array: Option<Vec<ImageInfo>>,
}

#[derive(Debug, Deserialize)]
pub struct ImageInfo {
    #[serde(rename = "URL")]
    pub url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HistoryRequest {
    #[serde(flatten)]
    pub account: AccountName,
    pub last_msg_key: Option<String>,
    pub req_msg_number: Option<WholeNumber>,
    pub with_recalled_msg: Option<WholeNumber>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecallRequest {
    #[serde(flatten)]
    pub account: AccountName,
    pub msg_key_list: Option<Vec<MsgKeyItem>>,
    pub reason: Option<String>,
}

/// An item of `MsgKeyList`: a key, or `{"MsgKey": ...}`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum MsgKeyItem {
    Bare(String),
    Named {
        #[serde(rename = "MsgKey")]
        msg_key: String,
    },
}

impl MsgKeyItem {
    pub fn key(&self) -> &str {
        match self {
            MsgKeyItem::Bare(key) | MsgKeyItem::Named { msg_key: key } => key,
        }
    }
}

/// `add_subscriber`: `SubscriberList` is `[{"Subscriber_Account": ...}]`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AddSubscribersRequest {
    #[serde(flatten)]
    pub account: AccountName,
    pub subscriber_list: Option<Vec<SubscriberItem>>,
}

/// An item of a subscriber list: `{"Subscriber_Account": ...}` or a bare id.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum SubscriberItem {
    Named {
        #[serde(rename = "Subscriber_Account")]
        account: String,
    },
    Bare(String),
}

impl SubscriberItem {
    pub fn account(&self) -> &str {
        match self {
            SubscriberItem::Named { account } | SubscriberItem::Bare(account) => account,
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct DeleteSubscribersRequest {
    #[serde(flatten)]
    pub account: AccountName,
    #[serde(rename = "SubscriberToDel_Account")]
    pub subscribers: Option<Vec<SubscriberItem>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SubscriberInfoRequest {
    #[serde(flatten)]
    pub account: AccountName,
    pub limit: Option<WholeNumber>,
    pub next: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ModifySubscriberRequest {
    #[serde(flatten)]
    pub account: AccountName,
    #[serde(rename = "Subscriber_Account")]
    pub subscriber: Option<String>,
    pub custom_string: Option<String>,
    pub msg_flag: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SubscribedListRequest {
    #[serde(rename = "Subscriber_Account")]
    pub subscriber: Option<String>,
    pub limit: Option<WholeNumber>,
    pub offset: Option<WholeNumber>,
    pub response_filter: Option<SubscribedFilter>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SubscribedFilter {
    pub official_account_base_info_filter: Option<Vec<String>>,
    pub self_info_filter: Option<Vec<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_wrong_type_names_the_field() {
        let err = parse::<AccountRequest>(&json!({"Name": 7})).unwrap_err();
        assert_eq!(err.info, "invalid parameter: Name must be a string");
        let err = parse::<AccountRequest>(&json!({"MaxSubscriberNum": "many"})).unwrap_err();
        assert_eq!(err.info, "invalid parameter: MaxSubscriberNum must be a whole number");
        let err = parse::<AccountRequest>(&json!([1])).unwrap_err();
        assert_eq!(err.code, super::super::errors::INVALID_PACKET);
    }

    #[test]
    fn reads_the_vendors_shapes() {
        let send: SendRequest = parse(&json!({
            "Official_Account": "@TOA#_a", "Random": 7, "Unknown": true,
            "MsgBody": [{"MsgType": "TIMImageElem", "MsgContent": {"UUID": "x", "ImageInfoArray": [{"URL": "u"}]}}]
        }))
        .unwrap();
        assert_eq!(send.account.id(), Some("@TOA#_a"));
        assert_eq!(send.random, Some(WholeNumber(7)));
        let recall: RecallRequest =
            parse(&json!({"OfficialAccountUserID": "@TOA#_a", "MsgKeyList": ["1_2_3", {"MsgKey": "4_5_6"}]})).unwrap();
        let keys: Vec<&str> = recall.msg_key_list.iter().flatten().map(MsgKeyItem::key).collect();
        assert_eq!((recall.account.id(), keys), (Some("@TOA#_a"), vec!["1_2_3", "4_5_6"]));
        assert_eq!(
            WholeNumber(0).within("ReqMsgNumber", 1, 100).unwrap_err().info,
            "invalid parameter: ReqMsgNumber must be a whole number from 1 to 100"
        );
    }
}
