//! The gate in front of everything: a request either carries a live session, or it is for
//! the sign-in page, the sign-in function, a static asset or a published image; anything
//! else is answered with a redirect to sign-in (pages) or 401 (functions and uploads).

use crate::router::Network;
use app::context::{secure_cookies, AppState, Client};
use app::cookies::token_from_cookies;
use app::error::AppError;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;

/// Paths anyone may fetch: the sign-in page and function, the compiled app under `/pkg/`,
/// the files of the site root (favicon and the like) and published images.
#[derive(Clone)]
pub struct PublicPaths {
    root_files: Arc<HashSet<String>>,
}

impl PublicPaths {
    /// Lists the files at the top of the site root once, at start-up.
    pub fn from_site_root(site_root: &str) -> Self {
        let root_files = std::fs::read_dir(site_root)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|entry| entry.file_name().into_string().ok())
            .map(|name| format!("/{name}"))
            .collect();
        Self { root_files: Arc::new(root_files) }
    }

    fn allows(&self, method: &Method, path: &str) -> bool {
        let read = matches!(*method, Method::GET | Method::HEAD);
        // The REST API authenticates each call by its UserSig instead; load balancers ask
        // the health checks.
        path == "/api/sign_in"
            || (read && (path == "/healthz" || path == "/readyz" || path.starts_with("/language/")))
            || (*method == Method::POST && path.starts_with("/v4/official_account_open_http_svc/"))
            || (read && (path == "/sign-in" || path.starts_with("/pkg/") || path.starts_with("/media/")))
            || (read && self.root_files.contains(path))
    }
}

pub async fn require_operator(
    State((state, public, network)): State<(AppState, PublicPaths, Network)>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let client = crate::forwarded::client(peer, request.headers(), &network.trusted_proxies, network.forwarded_header);
    request.extensions_mut().insert(client);
    let mut response = gate(&state, &public, client, request, next).await;
    if client.https {
        // Reached over https (through a trusted proxy): browsers must never fall back.
        response.headers_mut().insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    response
}

async fn gate(state: &AppState, public: &PublicPaths, client: Client, mut request: Request, next: Next) -> Response {
    // Over https, only the `__Host-` cookie, which nothing but this host over https can
    // set: a plain one (planted by a subdomain or a plain-http page) is never read there.
    let secure = secure_cookies(client, request.uri(), request.headers());
    let token = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|cookies| token_from_cookies(cookies, secure))
        .map(str::to_owned);
    let signed_in = match token {
        Some(token) => match state.auth.session(&token).await {
            Ok(found) => found,
            Err(err) => {
                let err = AppError::from(err);
                return (
                    StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                    axum::Json(err),
                )
                    .into_response();
            }
        },
        None => None,
    };
    let path = request.uri().path().to_owned();
    if let Some(who) = signed_in {
        // Signed in already: the sign-in page has nothing to offer.
        if path == "/sign-in" {
            return redirect("/channels");
        }
        request.extensions_mut().insert(who);
        return next.run(request).await;
    }
    if path != "/sign-in" && public.allows(request.method(), &path) {
        // Files, images, the REST API: never a page. A miss under a public prefix answers a
        // plain 404, not the app's page (no page HTML for anyone without a session).
        let response = next.run(request).await;
        let html = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        return if html { (StatusCode::NOT_FOUND, "Not found\n").into_response() } else { response };
    }
    if path == "/sign-in" && matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let page = matches!(*request.method(), Method::GET | Method::HEAD) && !path.starts_with("/api/");
    if page {
        let wanted = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
        redirect(&format!("/sign-in?{}", serde_urlencoded::to_string([("next", wanted)]).unwrap_or_default()))
    } else {
        (StatusCode::UNAUTHORIZED, axum::Json(AppError::Unauthorized)).into_response()
    }
}

/// A 303 to `location` (a path of this console).
pub(crate) fn redirect(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}
