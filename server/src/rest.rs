//! The vendor-compatible REST API: `POST /v4/official_account_open_http_svc/{command}`.
//!
//! Every answer that reaches the application is HTTP 200 with `ActionStatus`, `ErrorCode`
//! and `ErrorInfo` in a JSON body, as the vendor's API answers. Calls are authenticated by a
//! UserSig (see `app::backend::usersig`) made by one of the administrators set on the
//! Settings page. Channels and posts go through the same domain types and store functions
//! as the console's, so either side sees exactly what the other made.

use app::backend::channels::{self as channels, AccountChanges, AccountRow};
use app::backend::posts::{self as posts, MessageMeta, Recall};
use app::backend::{api_settings, audit, db, random, usersig, AppState};
use app::domain::{
    media_url, AccountFields, AccountId, AuditAction, ChannelFields, ChannelName, ChannelProfile,
    Field, MediaId, PostDraft, PostImage, PostType, ValidationError,
};
use app::error::AppError;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// JSON bodies are small; images go through `upload_image` (streamed, capped separately).
const BODY_LIMIT: usize = 1024 * 1024;
const MAX_ID_LIST: usize = 50;
const MAX_RECALL_KEYS: usize = 10;
const MAX_REASON_BYTES: usize = 100;
const MAX_CUSTOM_DATA_BYTES: usize = 12 * 1024;
const DEFAULT_MSG_NUMBER: u32 = 20;
const MAX_MSG_NUMBER: u32 = 100;

/// The vendor's error codes used here.
mod code {
    pub const INVALID_PARAMETER: i64 = 6017;
    pub const INTERNAL: i64 = 10004;
    pub const INVALID_PACKET: i64 = 20001;
    pub const NO_PERMISSION: i64 = 130002;
    pub const NO_SUCH_ACCOUNT: i64 = 130004;
    pub const INVALID_ACCOUNT_ID: i64 = 130007;
    pub const ACCOUNT_ID_TAKEN: i64 = 130008;
    pub const NOT_ENABLED: i64 = 131000;
}

#[derive(Debug)]
struct Fail {
    code: i64,
    info: String,
}

fn fail(code: i64, info: impl Into<String>) -> Fail {
    Fail { code, info: info.into() }
}

type Answer = Result<Map<String, Value>, Fail>;

pub async fn handle(
    State(state): State<AppState>,
    Path(command): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let outcome = run(&state, &command, query.as_deref().unwrap_or_default(), &headers, body).await;
    let answer = match outcome {
        Ok(mut fields) => {
            let mut out = Map::new();
            out.insert("ActionStatus".into(), json!("OK"));
            out.insert("ErrorCode".into(), json!(0));
            out.insert("ErrorInfo".into(), json!(""));
            out.append(&mut fields);
            Value::Object(out)
        }
        Err(Fail { code, info }) => {
            tracing::info!(command, code, info, "REST call refused");
            json!({ "ActionStatus": "FAIL", "ErrorCode": code, "ErrorInfo": info })
        }
    };
    Json(answer).into_response()
}

async fn run(state: &AppState, command: &str, query: &str, headers: &HeaderMap, body: Body) -> Answer {
    let params: HashMap<String, String> = serde_urlencoded::from_str(query)
        .map_err(|e| fail(code::INVALID_PACKET, format!("invalid request packet: the query string: {e}")))?;
    let caller = authenticate(state, &params).await?;
    if command == "upload_image" {
        return upload_image(state, headers, body).await;
    }
    let bytes = axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|_| fail(code::INVALID_PACKET, format!("invalid request packet: the body is larger than {BODY_LIMIT} bytes")))?;
    let body: Map<String, Value> = match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return Err(fail(code::INVALID_PACKET, "invalid request packet: the body must be a JSON object")),
        Err(e) => return Err(fail(code::INVALID_PACKET, format!("invalid request packet: {e}"))),
    };
    let call = Call { state, caller: &caller, body: &body, base: base_url(headers) };
    match command {
        "create_official_account" => call.create().await,
        "get_official_account_info" => call.info().await,
        "modify_official_account_base_info" => call.modify().await,
        "destroy_official_account" => call.destroy().await,
        "send_official_account_msg" => call.send().await,
        "official_account_msg_get_simple" => call.history().await,
        "official_account_msg_recall" => call.recall().await,
        other => Err(fail(code::INVALID_PACKET, format!("invalid request packet: unknown command {other:?}"))),
    }
}

/// Checks the query's application id, UserSig and administrator. Returns the identifier.
async fn authenticate(state: &AppState, params: &HashMap<String, String>) -> Result<String, Fail> {
    let param = |name: &str| {
        params
            .get(name)
            .filter(|v| !v.is_empty())
            .cloned()
            .ok_or_else(|| fail(code::INVALID_PACKET, format!("invalid request packet: the query parameter {name} is missing")))
    };
    let sdkappid = param("sdkappid")?;
    let identifier = param("identifier")?;
    let sig = param("usersig")?;
    if let Some(kind) = params.get("contenttype") {
        if kind != "json" {
            return Err(fail(code::INVALID_PACKET, "invalid request packet: contenttype must be json"));
        }
    }
    if let Some(random) = params.get("random") {
        if random.parse::<u32>().is_err() {
            return Err(fail(code::INVALID_PACKET, "invalid request packet: random must be a 32-bit unsigned integer"));
        }
    }
    let (appid, key) = api_settings::credentials(&state.pool).await.map_err(internal)?;
    let Some(key) = key else {
        return Err(fail(
            code::NOT_ENABLED,
            "the REST API is not enabled: create a secret key on the console's Settings page",
        ));
    };
    if sdkappid.parse::<i64>().ok() != Some(appid) {
        return Err(fail(code::NOT_ENABLED, format!("sdkappid {sdkappid} is not an application of this server")));
    }
    usersig::verify(&sig, &key, appid, &identifier, db::now()).map_err(|e| fail(e.code(), e.info()))?;
    if !api_settings::is_admin(&state.pool, &identifier).await.map_err(internal)? {
        return Err(fail(
            code::NO_PERMISSION,
            format!("insufficient permission: {identifier} is not an administrator of this application"),
        ));
    }
    Ok(identifier)
}

fn internal(err: AppError) -> Fail {
    tracing::error!(error = %err, "REST call failed");
    fail(code::INTERNAL, "internal error; nothing was changed, try again")
}

/// The vendor's field name for each of our fields, so that messages name what the caller sent.
fn vendor_field(field: Field) -> &'static str {
    match field {
        Field::ChannelName => "Name",
        Field::ChannelProfile => "Introduction",
        Field::PostText => "MsgBody (TIMTextElem Text)",
        Field::PostImages => "MsgBody (TIMImageElem)",
        Field::AccountId => "Official_Account",
        Field::OwnerAccount => "Owner_Account",
        Field::FaceUrl => "FaceUrl",
        Field::Organization => "Organization",
        Field::CustomString => "CustomString",
        _ => "",
    }
}

/// Maps the shared domain's errors onto the vendor's codes, naming the vendor's field.
fn from_app(err: AppError) -> Fail {
    match err {
        AppError::Invalid(ValidationError::NotCarried { .. }) => {
            fail(code::INVALID_PARAMETER, "invalid parameter: MsgBody")
        }
        AppError::Invalid(v) => {
            let name = vendor_field(v.field());
            let message = v.to_string();
            let info = if name.is_empty() || message.starts_with(name) {
                format!("invalid parameter: {message}")
            } else {
                format!("invalid parameter: {name}: {message}")
            };
            fail(code::INVALID_PARAMETER, info)
        }
        AppError::NotFound(_) => fail(code::NO_SUCH_ACCOUNT, "the official account does not exist or was destroyed"),
        AppError::Conflict(message) => fail(code::ACCOUNT_ID_TAKEN, message),
        AppError::TooLarge => fail(code::INVALID_PACKET, "invalid request packet: too large"),
        other @ (AppError::BadRequest(_) | AppError::Network(_)) => fail(code::INVALID_PACKET, other.to_string()),
        other => internal(other),
    }
}

/// `http(s)://host` of this request, for absolute URLs of uploaded images.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    format!("{}://{host}", if https { "https" } else { "http" })
}

struct Call<'a> {
    state: &'a AppState,
    caller: &'a str,
    body: &'a Map<String, Value>,
    base: String,
}

impl Call<'_> {
    fn string(&self, name: &str) -> Result<Option<&str>, Fail> {
        match self.body.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(fail(code::INVALID_PARAMETER, format!("invalid parameter: {name} must be a string"))),
        }
    }

    fn required(&self, name: &str) -> Result<&str, Fail> {
        self.string(name)?
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| fail(code::INVALID_PARAMETER, format!("invalid parameter: {name} is required")))
    }

    fn integer(&self, name: &str, min: i64, max: i64) -> Result<Option<i64>, Fail> {
        match self.body.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_i64()
                .filter(|n| (min..=max).contains(n))
                .map(Some)
                .ok_or_else(|| fail(code::INVALID_PARAMETER, format!("invalid parameter: {name} must be a whole number from {min} to {max}"))),
        }
    }

    fn who(&self) -> String {
        format!("api:{}", self.caller)
    }

    async fn record(&self, action: AuditAction, subject: &str) {
        audit::record(&self.state.pool, &self.who(), action, subject, "").await;
    }

    /// The channel named by `Official_Account` (or `OfficialAccountUserID`).
    async fn account(&self) -> Result<AccountRow, Fail> {
        let id = match self.string("Official_Account")? {
            Some(id) => id,
            None => self.required("OfficialAccountUserID").map_err(|_| {
                fail(code::INVALID_PARAMETER, "invalid parameter: Official_Account is required")
            })?,
        };
        channels::get_account(&self.state.pool, id.trim())
            .await
            .map_err(internal)?
            .ok_or_else(|| fail(code::NO_SUCH_ACCOUNT, format!("the official account {id} does not exist or was destroyed")))
    }

    fn extra_fields(&self) -> Result<AccountFields, Fail> {
        let invalid = |e: ValidationError| from_app(e.into());
        Ok(AccountFields {
            owner: self.string("Owner_Account")?.map(AccountFields::parse_owner).transpose().map_err(invalid)?,
            face_url: self.string("FaceUrl")?.map(AccountFields::parse_face_url).transpose().map_err(invalid)?,
            organization: self
                .string("Organization")?
                .map(AccountFields::parse_organization)
                .transpose()
                .map_err(invalid)?,
            custom_string: self
                .string("CustomString")?
                .map(AccountFields::parse_custom_string)
                .transpose()
                .map_err(invalid)?,
            max_subscribers: self.integer("MaxSubscriberNum", 1, 100_000_000)?,
        })
    }

    async fn create(&self) -> Answer {
        self.required("Owner_Account")?;
        let name = self.required("Name")?;
        let account = match self.string("OfficialAccountUserID")? {
            Some(raw) => Some(AccountId::parse(raw).map_err(|e| fail(code::INVALID_ACCOUNT_ID, format!("invalid account id: {e}")))?),
            None => None,
        };
        let fields = ChannelFields::parse_without_photo(name, self.string("Introduction")?.unwrap_or_default())
            .map_err(|e| from_app(e.into()))?;
        let extra = self.extra_fields()?;
        let channel = channels::create_account(&self.state.pool, &fields, account.as_ref(), &extra)
            .await
            .map_err(from_app)?;
        self.record(AuditAction::ChannelCreated, &format!("#{} {}", channel.id, channel.name)).await;
        Ok(Map::from_iter([("OfficialAccountUserID".into(), json!(channel.account_id))]))
    }

    async fn info(&self) -> Answer {
        let list = match self.body.get("OfficialAccountIdList") {
            Some(Value::Array(list)) if !list.is_empty() => list,
            _ => return Err(fail(code::INVALID_PARAMETER, "invalid parameter: OfficialAccountIdList is required (1 to 50 items)")),
        };
        if list.len() > MAX_ID_LIST {
            return Err(fail(code::INVALID_PARAMETER, format!("invalid parameter: OfficialAccountIdList has {} items; the limit is {MAX_ID_LIST}", list.len())));
        }
        let filter: Option<Vec<String>> = self
            .body
            .get("ResponseFilter")
            .and_then(|f| f.get("OfficialAccountBaseInfoFilter"))
            .and_then(Value::as_array)
            .map(|names| names.iter().filter_map(|n| n.as_str().map(str::to_owned)).collect());
        let mut out = Vec::with_capacity(list.len());
        for item in list {
            let id = item
                .get("Official_Account")
                .or_else(|| item.get("OfficialAccountUserID"))
                .and_then(Value::as_str)
                .or_else(|| item.as_str())
                .ok_or_else(|| fail(code::INVALID_PARAMETER, "invalid parameter: each OfficialAccountIdList item needs Official_Account"))?;
            match channels::get_account(&self.state.pool, id).await.map_err(internal)? {
                Some(row) => out.push(self.describe(&row, filter.as_deref())),
                None => out.push(json!({
                    "Official_Account": id,
                    "ResultCode": code::NO_SUCH_ACCOUNT,
                    "ResultInfo": "the official account does not exist or was destroyed",
                })),
            }
        }
        Ok(Map::from_iter([("OfficialAccountInfoList".into(), Value::Array(out))]))
    }

    fn describe(&self, row: &AccountRow, filter: Option<&[String]>) -> Value {
        // An uploaded photo is returned as its absolute URL; otherwise the FaceUrl as given.
        let face = match (&row.photo, &row.face_url) {
            (Some(media), _) => format!("{}{}", self.base, media_url(media)),
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
            ("SubscriberNum", json!(0)),
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

    async fn modify(&self) -> Answer {
        let row = self.account().await?;
        let invalid = |e: ValidationError| from_app(e.into());
        let changes = AccountChanges {
            name: self.string("Name")?.map(ChannelName::parse).transpose().map_err(invalid)?,
            profile: self.string("Introduction")?.map(ChannelProfile::parse).transpose().map_err(invalid)?,
            extra: self.extra_fields()?,
        };
        channels::update_account(&self.state.pool, row.id, &changes).await.map_err(from_app)?;
        let name = changes.name.as_ref().map(|n| n.as_ref()).unwrap_or(&row.name);
        self.record(AuditAction::ChannelEdited, &format!("#{} {name}", row.id)).await;
        Ok(Map::new())
    }

    async fn destroy(&self) -> Answer {
        let row = self.account().await?;
        let orphans = channels::delete(&self.state.pool, row.id).await.map_err(from_app)?;
        self.state.media.remove_files(&orphans.0).await;
        self.record(AuditAction::ChannelDeleted, &format!("#{} {}", row.id, row.name)).await;
        Ok(Map::new())
    }

    async fn send(&self) -> Answer {
        let row = self.account().await?;
        let random = self
            .integer("Random", 0, u32::MAX as i64)?
            .unwrap_or_else(|| random::u32() as i64);
        let custom = self.string("CloudCustomData")?.unwrap_or_default().to_owned();
        if custom.len() > MAX_CUSTOM_DATA_BYTES {
            return Err(fail(code::INVALID_PARAMETER, format!("invalid parameter: CloudCustomData is {} bytes; the limit is {MAX_CUSTOM_DATA_BYTES} bytes", custom.len())));
        }
        let elements = match self.body.get("MsgBody") {
            Some(Value::Array(list)) if !list.is_empty() => list,
            _ => return Err(fail(code::INVALID_PARAMETER, "invalid parameter: MsgBody is required (a list of message elements)")),
        };
        let mut texts = Vec::new();
        let mut images = Vec::new();
        for element in elements {
            let kind = element.get("MsgType").and_then(Value::as_str).unwrap_or_default();
            let content = element.get("MsgContent").unwrap_or(&Value::Null);
            match kind {
                "TIMTextElem" => texts.push(
                    content
                        .get("Text")
                        .and_then(Value::as_str)
                        .ok_or_else(|| fail(code::INVALID_PARAMETER, "invalid parameter: TIMTextElem needs MsgContent.Text"))?
                        .to_owned(),
                ),
                "TIMImageElem" => images.push(PostImage { media: self.image_of(content).await?, alt: String::new() }),
                other => {
                    return Err(fail(
                        code::INVALID_PARAMETER,
                        format!("invalid parameter: MsgType {other:?} is not supported (TIMTextElem and TIMImageElem are)"),
                    ))
                }
            }
        }
        let text = texts.join("\n");
        let kind = match (text.trim().is_empty(), images.is_empty()) {
            (false, false) => PostType::ImageAndText,
            (true, false) => PostType::ImageOnly,
            _ => PostType::TextOnly,
        };
        let draft = PostDraft { channel_id: Some(row.id), kind, text, images, links: vec![] };
        let post = draft.validate().map_err(|e| from_app(e.into()))?;
        // A retry of the same message (same Random, same body) finds the post it made.
        let digest = Sha256::digest(serde_json::to_vec(self.body).unwrap_or_default());
        let digest = random::hex(&digest[..8]);
        let request_id = format!("api:{}:{random}:{digest}", row.id);
        let meta = MessageMeta { random, cloud_custom_data: custom };
        let actor = audit::Actor { operator: self.who(), address: String::new() };
        let (_, time, key) = posts::publish_message(&self.state.pool, &post, &request_id, &meta, &actor)
            .await
            .map_err(from_app)?;
        Ok(Map::from_iter([("MsgTime".into(), json!(time)), ("MsgKey".into(), json!(key))]))
    }

    /// The uploaded image a TIMImageElem names: by `UUID` (the media id `upload_image`
    /// returned) or by the URL of an image on this server (`.../media/<id>`).
    async fn image_of(&self, content: &Value) -> Result<String, Fail> {
        let mut candidates: Vec<&str> = Vec::new();
        if let Some(uuid) = content.get("UUID").and_then(Value::as_str) {
            candidates.push(uuid);
        }
        for info in content.get("ImageInfoArray").and_then(Value::as_array).into_iter().flatten() {
            if let Some(url) = info.get("URL").and_then(Value::as_str) {
                let path = url.split(['?', '#']).next().unwrap_or_default();
                let mut segments = path.rsplit('/');
                let last = segments.next().unwrap_or_default();
                let id = if last == "thumb" { segments.next().unwrap_or_default() } else { last };
                candidates.push(id);
            }
        }
        for candidate in candidates {
            if let Ok(id) = MediaId::parse(Field::PostImages, candidate) {
                return Ok(id.as_ref().to_owned());
            }
        }
        Err(fail(
            code::INVALID_PARAMETER,
            "invalid parameter: TIMImageElem must name an image uploaded to this server \
             (its UUID from upload_image, or its /media/<id> URL)",
        ))
    }

    async fn history(&self) -> Answer {
        let row = self.account().await?;
        let before = match self.string("LastMsgKey")?.filter(|k| !k.is_empty()) {
            Some(key) => Some(
                posts::parse_msg_key(key)
                    .ok_or_else(|| fail(code::INVALID_PARAMETER, "invalid parameter: LastMsgKey is not a message key"))?
                    .0,
            ),
            None => None,
        };
        let wanted = self.integer("ReqMsgNumber", 1, MAX_MSG_NUMBER as i64)?.unwrap_or(DEFAULT_MSG_NUMBER as i64) as u32;
        let with_recalled = self.integer("WithRecalledMsg", 0, 1)?.unwrap_or(0) == 1;
        let mut messages = posts::messages(&self.state.pool, row.id, before, wanted + 1, with_recalled)
            .await
            .map_err(internal)?;
        let finished = messages.len() <= wanted as usize;
        messages.truncate(wanted as usize);
        let last_key = messages.last().map(|m| m.key.clone()).unwrap_or_default();
        let list: Vec<Value> = messages
            .into_iter()
            .map(|m| {
                let mut body = Vec::new();
                if !m.text.is_empty() {
                    body.push(json!({ "MsgType": "TIMTextElem", "MsgContent": { "Text": m.text } }));
                }
                for image in &m.images {
                    let url = format!("{}{}", self.base, media_url(&image.media));
                    body.push(json!({
                        "MsgType": "TIMImageElem",
                        "MsgContent": {
                            "UUID": image.media,
                            "ImageFormat": image_format(&image.content_type),
                            "ImageInfoArray": [{
                                "Type": 1,
                                "Size": image.bytes,
                                "Width": image.width.unwrap_or(0),
                                "Height": image.height.unwrap_or(0),
                                "URL": url,
                            }],
                        },
                    }));
                }
                json!({
                    "MsgKey": m.key,
                    "MsgTime": m.time,
                    "MsgBody": body,
                    "CloudCustomData": m.cloud_custom_data,
                    "IsRecalled": if m.recalled { 1 } else { 0 },
                })
            })
            .collect();
        Ok(Map::from_iter([
            ("IsFinished".into(), json!(if finished { 1 } else { 0 })),
            ("LastMsgKey".into(), json!(last_key)),
            ("RspMsgList".into(), Value::Array(list)),
        ]))
    }

    async fn recall(&self) -> Answer {
        let row = self.account().await?;
        let keys: Vec<String> = match self.body.get("MsgKeyList") {
            Some(Value::Array(list)) if !list.is_empty() => list
                .iter()
                .map(|k| k.as_str().or_else(|| k.get("MsgKey").and_then(Value::as_str)).map(str::to_owned))
                .collect::<Option<_>>()
                .ok_or_else(|| fail(code::INVALID_PARAMETER, "invalid parameter: MsgKeyList items must be message keys"))?,
            _ => return Err(fail(code::INVALID_PARAMETER, "invalid parameter: MsgKeyList is required (1 to 10 keys)")),
        };
        if keys.len() > MAX_RECALL_KEYS {
            return Err(fail(code::INVALID_PARAMETER, format!("invalid parameter: MsgKeyList has {} keys; the limit is {MAX_RECALL_KEYS}", keys.len())));
        }
        let reason = self.string("Reason")?.unwrap_or_default();
        if reason.len() > MAX_REASON_BYTES {
            return Err(fail(code::INVALID_PARAMETER, format!("invalid parameter: Reason is {} bytes; the limit is {MAX_REASON_BYTES} bytes", reason.len())));
        }
        let mut results = Vec::with_capacity(keys.len());
        for key in keys {
            let outcome = posts::recall(&self.state.pool, row.id, &key, reason).await.map_err(internal)?;
            if outcome == Recall::Recalled {
                self.record(AuditAction::PostRecalled, &format!("{key} in #{} {}", row.id, row.name)).await;
            }
            let (ret, info) = match outcome {
                Recall::Recalled | Recall::AlreadyRecalled => (0, ""),
                Recall::NotFound => (code::INVALID_PARAMETER, "no such message in this official account"),
            };
            results.push(json!({ "MsgKey": key, "RetCode": ret, "RetInfo": info }));
        }
        Ok(Map::from_iter([("RecallRetList".into(), Value::Array(results))]))
    }
}

/// The vendor's image format numbers (1 JPG, 2 GIF, 3 PNG, 4 BMP, 255 other).
fn image_format(content_type: &str) -> i64 {
    match content_type {
        "image/jpeg" => 1,
        "image/gif" => 2,
        "image/png" => 3,
        "image/bmp" => 4,
        _ => 255,
    }
}

/// Not a vendor command: the vendor's images live on its own storage, so a script uploads
/// an image here first (the body is the image's bytes) and sends it by the UUID returned.
async fn upload_image(state: &AppState, headers: &HeaderMap, body: Body) -> Answer {
    let stored = state
        .media
        .store(&state.pool, Field::PostImages, body.into_data_stream())
        .await
        .map_err(from_app)?;
    Ok(Map::from_iter([
        ("UUID".into(), json!(stored.id)),
        ("URL".into(), json!(format!("{}{}", base_url(headers), media_url(&stored.id)))),
        ("Size".into(), json!(stored.bytes)),
        ("Width".into(), json!(stored.width.unwrap_or(0))),
        ("Height".into(), json!(stored.height.unwrap_or(0))),
    ]))
}
