//! What a server function finds in its request (server only): the shared state, the
//! signed-in operator, the client's address, and the session cookie.

use crate::error::AppError;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use leptos::prelude::use_context;
use std::net::IpAddr;
use storage::auth::{Auth, SignedIn};
use storage::{Actor, Storage};

/// Everything a request handler or server function needs; cloned cheaply per request.
/// Leptos provides the router state as context to server functions, which reach it
/// through [`AppState::from_context`].
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub storage: Storage,
    pub auth: Auth,
    pub webhooks: webhooks::Webhooks,
}

impl AppState {
    pub fn from_context() -> Result<Self, AppError> {
        use_context::<AppState>().ok_or_else(|| {
            tracing::error!("AppState missing from the server function context");
            AppError::Unexpected
        })
    }
}

/// Who a request came from: the client's address (the peer's, or what a trusted proxy
/// forwarded) and whether it came over https. The sign-in gate puts it in the request's
/// extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Client {
    pub addr: Option<IpAddr>,
    pub https: bool,
}

fn request_parts() -> Option<axum::http::request::Parts> {
    use_context::<axum::http::request::Parts>()
}

/// The signed-in operator of the current server function call or page render.
pub fn signed_in() -> Result<SignedIn, AppError> {
    request_parts().and_then(|parts| parts.extensions.get::<SignedIn>().cloned()).ok_or(AppError::Unauthorized)
}

fn client() -> Client {
    request_parts().and_then(|parts| parts.extensions.get::<Client>().copied()).unwrap_or_default()
}

/// The address of the current server function call.
pub fn client_addr() -> Option<IpAddr> {
    client().addr
}

/// The signed-in operator as the actor of the change this call makes.
pub fn actor(who: &SignedIn) -> Actor {
    who.actor(client_addr())
}

/// Whether the console's cookies are the Secure `__Host-` ones: the request reached a
/// trusted proxy over https. A claim of https from anyone else (`X-Forwarded-Proto` or a
/// `Forwarded` `proto=`) also counts here, and only here: it can only make the cookies
/// stricter, and a console behind an https proxy that is not listed as trusted still
/// reads the cookies it sets. The sign-in gate and the server functions decide alike.
pub fn secure_cookies(client: Client, uri: &axum::http::Uri, headers: &axum::http::HeaderMap) -> bool {
    let claims = |name: &str, https: &dyn Fn(&str) -> bool| {
        headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).any(https)
    };
    client.https
        || uri.scheme_str() == Some("https")
        || claims("x-forwarded-proto", &|v| v.split(',').any(|p| p.trim().eq_ignore_ascii_case("https")))
        || claims("forwarded", &|v| {
            v.split([',', ';']).any(|pair| {
                pair.trim().split_once('=').is_some_and(|(key, value)| {
                    key.trim().eq_ignore_ascii_case("proto")
                        && value.trim().trim_matches('"').eq_ignore_ascii_case("https")
                })
            })
        })
}

/// [`secure_cookies`] for the current server function call.
pub fn over_https() -> bool {
    request_parts().is_some_and(|parts| secure_cookies(client(), &parts.uri, &parts.headers))
}

/// The value of the cookie named `plain` (over http) or `__Host-<plain>` (over https) that
/// the current call carries, if any.
pub fn cookie(plain: &str) -> Option<String> {
    let secure = over_https();
    let parts = request_parts()?;
    parts
        .headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|header| crate::cookies::named(header, plain, secure))
        .map(str::to_owned)
}

/// Whether the request accepts HTML (a browser that posted a form itself).
pub fn accepts_html() -> bool {
    request_parts().is_some_and(|parts| {
        parts
            .headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    })
}
