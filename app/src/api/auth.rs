//! Signing in and out. `sign_in` is the one server function that answers without a session.

use super::json::Json;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    context::{accepts_html, actor, client_addr, cookie, over_https, signed_in, AppState},
    cookies,
};

/// Where to go after signing in: a path on this site only (never `//elsewhere`), so the
/// sign-in link cannot be made to send an operator to another site.
pub fn local_path(next: &str) -> String {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.starts_with("/sign-in")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    if ok {
        next.to_owned()
    } else {
        "/channels".to_owned()
    }
}

/// Checks the operator's name and password and starts a session (the cookie is set on the
/// response, with a new device cookie: this browser is then known to be the operator's, so
/// wrong passwords others send to the name do not slow it down). Returns the page to open
/// next.
#[server(prefix = "/api", endpoint = "sign_in", output = Json)]
pub async fn sign_in(operator: String, password: String, next: String) -> Result<String, AppError> {
    let state = AppState::from_context()?;
    let device = cookie(cookies::DEVICE_COOKIE);
    let started = state.auth.sign_in_from(&operator, &password, client_addr(), device.as_deref()).await?;
    tracing::info!(operator = %started.who.name, "signed in");
    let response = expect_context::<leptos_axum::ResponseOptions>();
    set_cookie(&response, &cookies::session_cookie(&started.token, over_https()));
    set_cookie(&response, &cookies::device_cookie(&started.device_cookie, over_https()));
    let next = local_path(&next);
    // A browser that posted the form itself (before the page was interactive) is sent on.
    if accepts_html() {
        leptos_axum::redirect(&next);
    }
    Ok(next)
}

/// Ends the session on the server and removes the cookie.
#[server(prefix = "/api", endpoint = "sign_out", output = Json)]
pub async fn sign_out() -> Result<(), AppError> {
    let state = AppState::from_context()?;
    let who = signed_in()?;
    state.auth.sign_out(&who, &actor(&who)).await?;
    let response = expect_context::<leptos_axum::ResponseOptions>();
    set_cookie(&response, &cookies::clear_cookie(over_https()));
    if accepts_html() {
        leptos_axum::redirect("/sign-in");
    }
    Ok(())
}

/// The name of the operator signed in.
#[server(prefix = "/api", endpoint = "whoami", output = Json)]
pub async fn whoami() -> Result<String, AppError> {
    Ok(signed_in()?.name)
}

#[cfg(feature = "ssr")]
fn set_cookie(response: &leptos_axum::ResponseOptions, value: &str) {
    use axum::http::{header::SET_COOKIE, HeaderValue};
    if let Ok(value) = HeaderValue::from_str(value) {
        response.append_header(SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(local_path("/posts?q=a"), "/posts?q=a");
        assert_eq!(local_path("//evil.example/"), "/channels");
        assert_eq!(local_path("/\\evil.example"), "/channels");
        assert_eq!(local_path("https://evil.example"), "/channels");
        assert_eq!(local_path(""), "/channels");
        assert_eq!(local_path("/sign-in"), "/channels");
    }
}
