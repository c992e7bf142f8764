//! What the browser does when the server says the session is over: go to the sign-in page
//! and come back to the same page afterwards. Drafts live in the browser's storage, so
//! nothing typed is lost on the way.

use crate::error::AppError;
use leptos::prelude::*;

/// A full page load of `path`: after signing in or out, every page must be rendered anew
/// for who is (no longer) signed in.
pub fn go_to(path: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

/// Sends the browser to sign in again, returning here afterwards.
pub fn sign_in_again() {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let location = window.location();
        let here = format!("{}{}", location.pathname().unwrap_or_default(), location.search().unwrap_or_default());
        let next: String = js_sys::encode_uri_component(&here).into();
        go_to(&format!("/sign-in?next={next}"));
    }
}

/// A list or page that could not be loaded. An ended session goes to sign-in instead.
#[component]
pub fn LoadError(err: AppError) -> impl IntoView {
    if err == AppError::Unauthorized {
        Effect::new(move |_| sign_in_again());
    }
    view! { <p class="load-error">{crate::i18n::error_text(crate::i18n::t(), &err)}</p> }
}
