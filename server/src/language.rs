//! `/language/<tag>?next=<page>`: the top bar's language switch. Remembers the choice in a
//! cookie and sends the browser back to the page it was on, which the server then renders
//! in that language. Open without a session, like the sign-in page it is offered on.

use app::api::auth::local_path;
use app::context::Client;
use app::i18n::{lang_cookie, Locale};
use axum::extract::{Path, Query, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Back {
    #[serde(default)]
    next: String,
}

pub async fn switch(Path(tag): Path<String>, Query(back): Query<Back>, request: Request) -> Response {
    let Some(locale) = Locale::from_tag(&tag).filter(|l| l.tag() == tag) else {
        return (StatusCode::NOT_FOUND, "Not found\n").into_response();
    };
    let secure = request.extensions().get::<Client>().is_some_and(|c| c.https);
    let mut response = crate::auth::redirect(&back_to(&back.next));
    if let Ok(value) = HeaderValue::from_str(&lang_cookie(locale, secure)) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// A page of this console only (never another site), the sign-in page included; anything
/// a `Location` header must not carry raw (spaces, non-ASCII) percent-encoded.
fn back_to(next: &str) -> String {
    let next = next
        .bytes()
        .map(|b| if b.is_ascii_graphic() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect::<String>();
    let next = next.as_str();
    match next.strip_prefix("/sign-in") {
        Some(rest) if (rest.is_empty() || rest.starts_with('?')) && !rest.chars().any(|c| c.is_control()) => {
            next.to_owned()
        }
        _ => local_path(next),
    }
}

#[cfg(test)]
mod tests {
    use super::back_to;

    #[test]
    fn only_back_to_this_console() {
        assert_eq!(back_to("/posts?q=%EC%84%9C%EC%9A%B8"), "/posts?q=%EC%84%9C%EC%9A%B8");
        assert_eq!(back_to("/sign-in?next=%2Fposts"), "/sign-in?next=%2Fposts");
        assert_eq!(back_to("//evil.example/"), "/channels");
        assert_eq!(back_to("https://evil.example/"), "/channels");
        assert_eq!(back_to("/sign-inx"), "/channels");
        assert_eq!(back_to("/posts?q=서울 x"), "/posts?q=%EC%84%9C%EC%9A%B8%20x");
        assert_eq!(back_to(""), "/channels");
    }
}
