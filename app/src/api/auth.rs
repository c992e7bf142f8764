//! Signing in and out. `sign_in` is the one server function that answers without a session.

use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    backend::{audit, auth, AppState},
    domain::AuditAction,
};

/// Where to go after signing in: a path on this site only (never `//elsewhere`), so the
/// sign-in link cannot be made to send an operator to another site.
pub fn local_path(next: &str) -> String {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.starts_with("/sign-in")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    if ok { next.to_owned() } else { "/channels".to_owned() }
}

/// Checks the operator's name and password and starts a session (the cookie is set on the
/// response). Returns the page to open next.
#[server(prefix = "/api", endpoint = "sign_in")]
pub async fn sign_in(operator: String, password: String, next: String) -> Result<String, AppError> {
    let state = AppState::from_context()?;
    let from = auth::client_addr();
    let result = state.auth.sign_in(&state.pool, &operator, &password, &from).await;
    let (who, token) = match result {
        Ok(ok) => ok,
        Err(err) => {
            if err == AppError::WrongCredentials {
                // Recorded under the name that was tried, trimmed to a sane length.
                let tried: String = operator.trim().chars().take(64).collect();
                audit::record(&state.pool, &tried, AuditAction::SignInFailed, "", &from.label()).await;
            }
            return Err(err);
        }
    };
    audit::record(&state.pool, &who.name, AuditAction::SignIn, "", &from.label()).await;
    tracing::info!(operator = %who.name, "signed in");
    let response = expect_context::<leptos_axum::ResponseOptions>();
    set_cookie(&response, &auth::session_cookie(&token, auth::over_https()));
    let next = local_path(&next);
    // A browser that posted the form itself (before the page was interactive) is sent on.
    if accepts_html() {
        leptos_axum::redirect(&next);
    }
    Ok(next)
}

/// Ends the session on the server and removes the cookie.
#[server(prefix = "/api", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    let state = AppState::from_context()?;
    let who = auth::signed_in()?;
    state.auth.end_session(&state.pool, &who.token_hash).await?;
    audit::by(&state.pool, &who, AuditAction::SignOut, "").await;
    let response = expect_context::<leptos_axum::ResponseOptions>();
    set_cookie(&response, &auth::clear_cookie(auth::over_https()));
    if accepts_html() {
        leptos_axum::redirect("/sign-in");
    }
    Ok(())
}

/// The name of the operator signed in.
#[server(prefix = "/api", endpoint = "whoami")]
pub async fn whoami() -> Result<String, AppError> {
    Ok(auth::signed_in()?.name)
}

#[cfg(feature = "ssr")]
fn set_cookie(response: &leptos_axum::ResponseOptions, value: &str) {
    use axum::http::{header::SET_COOKIE, HeaderValue};
    if let Ok(value) = HeaderValue::from_str(value) {
        response.append_header(SET_COOKIE, value);
    }
}

#[cfg(feature = "ssr")]
fn accepts_html() -> bool {
    use_context::<axum::http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    })
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
