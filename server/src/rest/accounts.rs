//! Official accounts (the console's channels): create, describe, modify, destroy.

use super::errors::{self, fail, from_store, from_validation, internal, invalid, Fail};
use super::messages::refused;
use super::requests::{parse, AccountName, AccountRequest, InfoRequest};
use super::{Answer, Call};
use app::domain::{
    media_url, AccountFields, AccountId, Callback, ChannelFields, ChannelName, ChannelProfile, ValidationError,
};
use serde_json::{json, Map, Value};
use storage::messages::{AccountChanges, AccountRow};
use webhooks::before::Verdict;

const MAX_ID_LIST: usize = 50;

/// A required text field: present, a string, not blank.
pub(super) fn required<'a>(value: &'a Option<String>, name: &str) -> Result<&'a str, Fail> {
    value.as_deref().filter(|s| !s.trim().is_empty()).ok_or_else(|| invalid(format!("{name} is required")))
}

fn check<T>(parsed: Result<T, ValidationError>) -> Result<T, Fail> {
    parsed.map_err(from_validation)
}

impl AccountRequest {
    /// The API-only fields, each checked when given.
    fn extra(&self) -> Result<AccountFields, Fail> {
        Ok(AccountFields {
            owner: check(self.owner_account.as_deref().map(AccountFields::parse_owner).transpose())?,
            face_url: check(self.face_url.as_deref().map(AccountFields::parse_face_url).transpose())?,
            organization: check(self.organization.as_deref().map(AccountFields::parse_organization).transpose())?,
            custom_string: check(self.custom_string.as_deref().map(AccountFields::parse_custom_string).transpose())?,
            max_subscribers: self
                .max_subscriber_num
                .map(|n| n.within("MaxSubscriberNum", 1, 100_000_000))
                .transpose()?,
        })
    }
}

impl Call<'_> {
    /// The channel named by `Official_Account` (or `OfficialAccountUserID`).
    pub(crate) async fn account(&self, name: &AccountName) -> Result<AccountRow, Fail> {
        let id = name.id().ok_or_else(|| invalid("Official_Account is required"))?;
        self.state.storage.db.account(id.trim()).await.map_err(|e| internal(&e))?.ok_or_else(|| {
            fail(errors::NO_SUCH_ACCOUNT, format!("the official account {id} does not exist or was destroyed"))
        })
    }

    pub(super) async fn create(&self) -> Answer {
        let request: AccountRequest = parse(self.body)?;
        required(&request.owner_account, "Owner_Account")?;
        let name = required(&request.name, "Name")?;
        let account = match &request.official_account_user_id {
            Some(raw) => Some(
                AccountId::parse(raw)
                    .map_err(|e| fail(errors::INVALID_ACCOUNT_ID, format!("invalid account id: {e}")))?,
            ),
            None => None,
        };
        let fields =
            check(ChannelFields::parse_without_photo(name, request.introduction.as_deref().unwrap_or_default()))?;
        let extra = request.extra()?;
        let asked = Map::from_iter([
            ("Operator_Account".into(), json!(self.by.operator_account())),
            ("Owner_Account".into(), json!(extra.owner.as_deref().unwrap_or_default())),
            ("Name".into(), json!(fields.name.as_ref())),
        ]);
        if let Verdict::Refuse { code, info } =
            self.state.webhooks.before(Callback::BeforeCreateOfficialAccount, &self.by, asked).await
        {
            return Err(refused(code, errors::REFUSED_BY_APP, info));
        }
        let channel = self
            .state
            .storage
            .db
            .create_channel(&fields, account.as_ref(), &extra, &self.by)
            .await
            .map_err(from_store)?;
        Ok(Map::from_iter([("OfficialAccountUserID".into(), json!(channel.account_id))]))
    }

    pub(super) async fn info(&self) -> Answer {
        let request: InfoRequest = parse(self.body)?;
        let list = match &request.official_account_id_list {
            Some(list) if !list.is_empty() => list,
            _ => return Err(invalid("OfficialAccountIdList is required (1 to 50 items)")),
        };
        if list.len() > MAX_ID_LIST {
            return Err(invalid(format!("OfficialAccountIdList has {} items; the limit is {MAX_ID_LIST}", list.len())));
        }
        let filter = request.response_filter.as_ref().and_then(|f| f.official_account_base_info_filter.as_deref());
        let mut out = Vec::with_capacity(list.len());
        for item in list {
            let id = item.id().ok_or_else(|| invalid("each OfficialAccountIdList item needs Official_Account"))?;
            match self.state.storage.db.account(id).await.map_err(|e| internal(&e))? {
                Some(row) => out.push(self.describe(&row, filter)),
                None => out.push(json!({
                    "Official_Account": id,
                    "ResultCode": errors::NO_SUCH_ACCOUNT,
                    "ResultInfo": "the official account does not exist or was destroyed",
                })),
            }
        }
        Ok(Map::from_iter([("OfficialAccountInfoList".into(), Value::Array(out))]))
    }

    pub(crate) fn describe(&self, row: &AccountRow, filter: Option<&[String]>) -> Value {
        // An uploaded photo is returned as its absolute URL; otherwise the FaceUrl as given.
        let face = match (&row.photo, &row.face_url) {
            (Some(media), _) => format!("{}{}", self.base, media_url(media.as_ref())),
            (None, Some(url)) => url.clone(),
            (None, None) => String::new(),
        };
        let fields = [
            ("OfficialAccountUserID", json!(row.account_id)),
            ("Name", json!(row.name)),
            ("Owner_Account", json!(row.owner_account)),
            ("Introduction", json!(row.profile)),
            ("FaceUrl", json!(face)),
            ("Organization", json!(row.organization)),
            ("CustomString", json!(row.custom_string)),
            ("MaxSubscriberNum", json!(row.max_subscribers)),
            ("SubscriberNum", json!(row.subscriber_count)),
            ("CreateTime", json!(row.created_at)),
            ("LastMsgTime", json!(row.last_msg_time.unwrap_or(0))),
        ];
        let mut out = Map::new();
        out.insert("Official_Account".into(), json!(row.account_id));
        for (name, value) in fields {
            if filter.is_none_or(|wanted| wanted.iter().any(|w| w == name)) {
                out.insert(name.into(), value);
            }
        }
        out.insert("ResultCode".into(), json!(0));
        out.insert("ResultInfo".into(), json!(""));
        Value::Object(out)
    }

    pub(super) async fn modify(&self) -> Answer {
        let request: AccountRequest = parse(self.body)?;
        let name = AccountName {
            official_account: request.official_account.clone(),
            official_account_user_id: request.official_account_user_id.clone(),
        };
        let row = self.account(&name).await?;
        let changes = AccountChanges {
            name: check(request.name.as_deref().map(ChannelName::parse).transpose())?,
            profile: check(request.introduction.as_deref().map(ChannelProfile::parse).transpose())?,
            extra: request.extra()?,
        };
        self.state.storage.db.update_account(row.id, &changes, &self.by).await.map_err(from_store)?;
        Ok(Map::new())
    }

    pub(super) async fn destroy(&self) -> Answer {
        let row = self.account(&parse(self.body)?).await?;
        self.state.storage.delete_channel(row.id, &self.by).await.map_err(from_store)?;
        Ok(Map::new())
    }
}
