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
}

impl AppState {
    pub fn from_context() -> Result<Self, AppError> {
        use_context::<AppState>().ok_or_else(|| {
            tracing::error!("AppState missing from the server function context");
            AppError::Unexpected
        })
    }
}

/// Where a request came from (the peer address; proxies' headers are not trusted). The
/// sign-in gate puts it in the request's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

fn request_parts() -> Option<axum::http::request::Parts> {
    use_context::<axum::http::request::Parts>()
}

/// The signed-in operator of the current server function call or page render.
pub fn signed_in() -> Result<SignedIn, AppError> {
    request_parts().and_then(|parts| parts.extensions.get::<SignedIn>().cloned()).ok_or(AppError::Unauthorized)
}

/// The address of the current server function call.
pub fn client_addr() -> Option<IpAddr> {
    request_parts().and_then(|parts| parts.extensions.get::<ClientAddr>().copied()).and_then(|c| c.0)
}

/// The signed-in operator as the actor of the change this call makes.
pub fn actor(who: &SignedIn) -> Actor {
    who.actor(client_addr())
}

/// Whether the current request reached us over https (directly or through a proxy that
/// says so): the session cookie is then marked Secure.
pub fn over_https() -> bool {
    request_parts().is_some_and(|parts| {
        parts.uri.scheme_str() == Some("https")
            || parts
                .headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("https"))
    })
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
