//! The vendor-compatible REST API: `POST /v4/official_account_open_http_svc/{command}`.
//!
//! Every answer that reaches the application is HTTP 200 with `ActionStatus`, `ErrorCode`
//! and `ErrorInfo` in a JSON body, as the vendor's API answers. Calls are authenticated by a
//! UserSig ([`usersig`]) made by one of the administrators set on the Settings page.
//! Channels and posts go through the same domain types and store functions as the
//! console's, so either side sees exactly what the other made.
//!
//! - [`requests`]: the commands' bodies as types;
//! - [`accounts`]: create, describe, modify and destroy official accounts (channels);
//! - [`messages`]: send, list and recall messages (posts), and `upload_image`;
//! - [`subscribers`]: add, remove, list and change a channel's subscribers, and a user's
//!   channels;
//! - [`errors`]: the vendor's error codes.

pub(crate) mod accounts;
pub mod errors;
pub(crate) mod messages;
pub mod requests;
pub(crate) mod subscribers;
pub mod usersig;

use app::context::{AppState, Client};
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use errors::{fail, internal, packet, Fail};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use storage::Actor;

/// JSON bodies are small; images go through `upload_image` (streamed, capped separately).
const BODY_LIMIT: usize = 1024 * 1024;

pub(crate) type Answer = Result<Map<String, Value>, Fail>;

/// One authenticated call: the state, who signed it and what it sent.
pub(crate) struct Call<'a> {
    pub(crate) state: &'a AppState,
    /// Who made the call: the administrator identifier that signed it (or, through the
    /// subscribers' API, the app user).
    pub(crate) by: Actor,
    pub(crate) body: &'a Value,
    /// `http(s)://host` of this request, for absolute URLs of uploaded images.
    pub(crate) base: String,
}

pub async fn handle(
    State(state): State<AppState>,
    Path(command): Path<String>,
    RawQuery(query): RawQuery,
    client: Option<Extension<Client>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let address = client.and_then(|c| c.0.addr);
    let outcome = run(&state, &command, query.as_deref().unwrap_or_default(), address, &headers, body).await;
    Json(envelope(&command, outcome)).into_response()
}

/// The vendor's envelope around a call's answer.
pub(crate) fn envelope(command: &str, outcome: Answer) -> Value {
    match outcome {
        Ok(mut fields) => {
            let mut out = Map::new();
            out.insert("ActionStatus".into(), json!("OK"));
            out.insert("ErrorCode".into(), json!(0));
            out.insert("ErrorInfo".into(), json!(""));
            out.append(&mut fields);
            Value::Object(out)
        }
        Err(fail) => {
            tracing::info!(command, code = fail.code, info = fail.info, "call refused");
            fail.envelope()
        }
    }
}

async fn run(
    state: &AppState,
    command: &str,
    query: &str,
    address: Option<std::net::IpAddr>,
    headers: &HeaderMap,
    body: Body,
) -> Answer {
    let params: HashMap<String, String> =
        serde_urlencoded::from_str(query).map_err(|e| packet(format!("the query string: {e}")))?;
    let identifier = authenticate(state, &params).await?;
    let base = base_url(headers);
    if command == "upload_image" {
        return messages::upload_image(state, &base, body).await;
    }
    let bytes = axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|_| packet(format!("the body is larger than {BODY_LIMIT} bytes")))?;
    let body: Value = serde_json::from_slice(&bytes).map_err(packet)?;
    let call = Call { state, by: Actor::Api { identifier, address }, body: &body, base };
    match command {
        "create_official_account" => call.create().await,
        "get_official_account_info" => call.info().await,
        "modify_official_account_base_info" => call.modify().await,
        "destroy_official_account" => call.destroy().await,
        "send_official_account_msg" => call.send().await,
        "official_account_msg_get_simple" => call.history().await,
        "official_account_msg_recall" => call.recall().await,
        "add_subscriber" => call.add_subscribers().await,
        "delete_subscriber" => call.delete_subscribers().await,
        "get_subscriber_info" => call.subscriber_info().await,
        "modify_subscriber_info" => call.modify_subscriber().await,
        "get_subscribed_official_account_list" => call.subscribed_list().await,
        other => Err(packet(format!("unknown command {other:?}"))),
    }
}

/// Checks the query's application id, UserSig and administrator. Returns the identifier.
async fn authenticate(state: &AppState, params: &HashMap<String, String>) -> Result<String, Fail> {
    let param = |name: &str| {
        params
            .get(name)
            .filter(|v| !v.is_empty())
            .cloned()
            .ok_or_else(|| packet(format!("the query parameter {name} is missing")))
    };
    let sdkappid = param("sdkappid")?;
    let identifier = param("identifier")?;
    let sig = param("usersig")?;
    if params.get("contenttype").is_some_and(|kind| kind != "json") {
        return Err(packet("contenttype must be json"));
    }
    if params.get("random").is_some_and(|random| random.parse::<u32>().is_err()) {
        return Err(packet("random must be a 32-bit unsigned integer"));
    }
    check_usersig(state, &sdkappid, &identifier, &sig).await.map_err(|refused| match refused {
        Unsigned::NotEnabled => {
            fail(errors::NOT_ENABLED, "the REST API is not enabled: create a secret key on the console's Settings page")
        }
        Unsigned::OtherApplication => {
            fail(errors::NOT_ENABLED, format!("sdkappid {sdkappid} is not an application of this server"))
        }
        Unsigned::Signature(e) => fail(e.code(), e.info()),
        Unsigned::Fault(fault) => fault,
    })?;
    let db = &state.storage.db;
    if !db.is_api_admin(&identifier).await.map_err(|e| internal(&e))? {
        return Err(fail(
            errors::NO_PERMISSION,
            format!("insufficient permission: {identifier} is not an administrator of this application"),
        ));
    }
    Ok(identifier)
}

/// Why a UserSig was not accepted.
pub(crate) enum Unsigned {
    /// No secret key yet.
    NotEnabled,
    OtherApplication,
    Signature(usersig::SigError),
    Fault(Fail),
}

/// Checks that `sig` is this application's UserSig for `identifier` (an administrator's
/// for REST calls, an app user's own for the subscribers' API), unexpired.
pub(crate) async fn check_usersig(
    state: &AppState,
    sdkappid: &str,
    identifier: &str,
    sig: &str,
) -> Result<(), Unsigned> {
    let (appid, key) = state.storage.db.api_credentials().await.map_err(|e| Unsigned::Fault(internal(&e)))?;
    let Some(key) = key else { return Err(Unsigned::NotEnabled) };
    if sdkappid.parse::<i64>().ok() != Some(appid) {
        return Err(Unsigned::OtherApplication);
    }
    usersig::verify(sig, &key, appid, identifier, storage::clock::now()).map_err(Unsigned::Signature)
}

/// `http(s)://host` of this request, for absolute URLs of uploaded images.
pub(crate) fn base_url(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let https =
        headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("https"));
    format!("{}://{host}", if https { "https" } else { "http" })
}
