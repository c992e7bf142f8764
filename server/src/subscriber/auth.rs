//! Who calls the subscribers' API: an app user, by a UserSig made for their own id with the
//! application's secret key (by the app's backend, as for the vendor's client SDK), given
//! as `sdkappid`, `identifier` and `usersig` query parameters (what a browser's
//! `EventSource` can send) or with the signature in `Authorization: TLSSig <usersig>`.

use super::Subscribers;
use crate::rest::errors::{self, fail, invalid, packet, Fail};
use crate::rest::{check_usersig, Unsigned};
use app::context::AppState;
use app::domain::SubscriberAccount;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use storage::Actor;

/// The vendor's `OptPlatform` values a client may name (`platform`); `Web` by default.
const PLATFORMS: [&str; 7] = ["Web", "Android", "iOS", "Windows", "macOS", "iPad", "Unknown"];

/// A signed-in app user.
#[derive(Debug, Clone)]
pub struct User {
    pub account: SubscriberAccount,
    pub platform: &'static str,
    pub address: Option<IpAddr>,
}

impl User {
    pub fn actor(&self) -> Actor {
        Actor::Subscriber { account: self.account.as_ref().to_owned(), platform: self.platform, address: self.address }
    }
}

/// A call refused before it ran: its HTTP status and the vendor's envelope.
#[derive(Debug)]
pub struct Refusal {
    pub status: StatusCode,
    pub fail: Fail,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.fail.envelope())).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("TLSSig"));
        }
        response
    }
}

fn bad_request(fail: Fail) -> Refusal {
    Refusal { status: StatusCode::BAD_REQUEST, fail }
}

/// Every failed sign-in gets the same answer: which check failed is for the server's log,
/// not for whoever is trying signatures.
fn not_signed_in(why: &str) -> Refusal {
    tracing::info!(why, "subscriber sign-in refused");
    Refusal {
        status: StatusCode::UNAUTHORIZED,
        fail: fail(
            errors::NOT_SIGNED_IN,
            "not signed in: sdkappid, identifier and usersig must be a valid, unexpired UserSig \
             of this application for this identifier",
        ),
    }
}

/// The query's parameters, checked: who is calling and from which platform.
pub async fn authenticate(
    state: &AppState,
    query: &str,
    headers: &HeaderMap,
    address: Option<IpAddr>,
) -> Result<User, Refusal> {
    let params: HashMap<String, String> =
        serde_urlencoded::from_str(query).map_err(|e| bad_request(packet(format!("the query string: {e}"))))?;
    let platform = match params.get("platform").map(String::as_str) {
        None | Some("") => "Web",
        Some(given) => PLATFORMS.iter().copied().find(|p| *p == given).ok_or_else(|| {
            bad_request(invalid(format!("platform must be one of {}, not {given:?}", PLATFORMS.join(", "))))
        })?,
    };
    let from_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("TLSSig "))
        .map(str::trim);
    let sig = from_header.or(params.get("usersig").map(String::as_str)).filter(|s| !s.is_empty());
    let (Some(sdkappid), Some(identifier), Some(sig)) =
        (params.get("sdkappid"), params.get("identifier").filter(|s| !s.is_empty()), sig)
    else {
        return Err(not_signed_in("sdkappid, identifier or usersig missing"));
    };
    let account = SubscriberAccount::parse(identifier).map_err(|_| not_signed_in("identifier is no user id"))?;
    match check_usersig(state, sdkappid, account.as_ref(), sig).await {
        Ok(()) => {}
        Err(Unsigned::Fault(fail)) => return Err(Refusal { status: StatusCode::INTERNAL_SERVER_ERROR, fail }),
        Err(Unsigned::NotEnabled) => return Err(not_signed_in("no secret key: the REST API is not enabled")),
        Err(Unsigned::OtherApplication) => return Err(not_signed_in("another sdkappid")),
        Err(Unsigned::Signature(e)) => return Err(not_signed_in(e.info())),
    }
    Ok(User { account, platform, address })
}

/// The caller of a subscribers' API handler, signed in (or the refusal, answered at once).
impl FromRequestParts<Subscribers> for User {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, subscribers: &Subscribers) -> Result<Self, Refusal> {
        // Outside the sign-in gate, which finds the client for the console's routes.
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let address = crate::forwarded::client(peer, &parts.headers, &subscribers.proxies, subscribers.forwarded).addr;
        authenticate(&subscribers.state, parts.uri.query().unwrap_or_default(), &parts.headers, address).await
    }
}
