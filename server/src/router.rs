use crate::auth::{require_operator, PublicPaths};
use crate::media;
use app::context::AppState;
use app::error::AppError;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use std::sync::{Arc, LazyLock};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;

/// Server function arguments are small form posts; anything larger is refused unread.
const SERVER_FN_BODY_LIMIT: usize = 1024 * 1024;

/// The app's page routes, listed once per process. Listing them renders the app with
/// resource loading switched off by a process-wide flag in Leptos: doing it again while
/// pages are being rendered (a second router, as the tests build) would leave those pages'
/// resources pending forever.
pub fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: LazyLock<Vec<AxumRouteListing>> = LazyLock::new(|| generate_route_list(app::App));
    ROUTES.clone()
}

/// How the console sits in the network: which proxies' forwarding headers are believed,
/// the origin browsers see when a proxy rewrites `Host`, and how long clients may take to
/// send a request's body.
#[derive(Clone, Debug, Default)]
pub struct Network {
    pub trusted_proxies: crate::forwarded::TrustedProxies,
    /// `https://console.example.com`: what a browser's `Origin` must be for a write.
    pub public_origin: Option<String>,
    /// Who may read `/metrics` (nobody by default).
    pub metrics: crate::metrics::MetricsAccess,
    /// Requests served at once and their queue; `None` serves everything (tests).
    pub shed: Option<crate::shed::ShedLimits>,
    /// The one forwarding header the trusted proxies write.
    pub forwarded_header: crate::forwarded::ForwardedHeader,
    /// How long a request's body may take to arrive (uploads: how slowly).
    pub body_deadline: crate::body_deadline::BodyDeadline,
    /// The subscribers' live streams.
    pub streams: crate::subscriber::StreamOptions,
}

/// The router with no proxy in front (tests, and a console reached directly).
pub fn router(state: AppState) -> Router {
    router_with(state, Network::default())
}

pub fn router_with(state: AppState, network: Network) -> Router {
    let routes = page_routes();
    let public = PublicPaths::from_site_root(&state.leptos_options.site_root);
    let dictionary = crate::chunk_dictionary::ChunkDictionary::load(&state.leptos_options).map(Arc::new);
    if let Some(dictionary) = &dictionary {
        tracing::info!(
            chunks = dictionary.chunk_count(),
            "page chunks sent as dcb to browsers holding the main module"
        );
    }
    let chunks_after_main_module = dictionary.is_some();
    let pages_and_functions = Router::new()
        .leptos_routes(&state, routes, {
            let options = state.leptos_options.clone();
            move || {
                if chunks_after_main_module {
                    leptos::prelude::provide_context(app::ui::ChunksAfterMainModule);
                }
                app::shell(options.clone())
            }
        })
        .layer(RequestBodyLimitLayer::new(SERVER_FN_BODY_LIMIT));
    let media = Router::new()
        .route("/media", post(media::upload).layer(DefaultBodyLimit::disable()))
        .route("/media/{id}", get(media::original))
        .route("/media/{id}/thumb", get(media::thumbnail))
        .route("/language/{tag}", get(crate::language::switch))
        .route("/healthz", get(crate::health::alive))
        .route("/readyz", get(crate::health::ready))
        // The REST API reads JSON bodies with its own cap and streams image uploads.
        .route(
            "/v4/official_account_open_http_svc/{command}",
            post(crate::rest::handle).layer(DefaultBodyLimit::disable()),
        );

    let console = Router::new()
        .merge(pages_and_functions)
        .merge(media)
        .nest("/pkg", crate::assets::pkg_service(&state.leptos_options, dictionary))
        .route_layer(axum::middleware::from_fn(crate::metrics::note_route))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(app::shell))
        .layer(axum::middleware::map_response(server_fn_status))
        .layer(axum::middleware::from_fn_with_state((state.clone(), public, network.clone()), require_operator))
        .layer(axum::middleware::from_fn_with_state(network.public_origin.clone(), same_origin_writes))
        // These govern documents, scripts and stylesheets (and what they fetch); a wasm module
        // is none of them (browsers compile only what is sent as application/wasm, sniffing
        // or not), and a page's chunks come as a dozen of them, each paying for every header.
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, |res: &Response| {
            (!is_wasm(res)).then(|| HeaderValue::from_static("nosniff"))
        }))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, |res: &Response| {
            (!is_wasm(res)).then(|| HeaderValue::from_static("same-origin"))
        }))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, |res: &Response| {
            (!is_wasm(res)).then(|| HeaderValue::from_static("DENY"))
        }))
        // Pages and answers hold an operator's data: asked again every time, kept by no
        // shared cache. Files and images set their own.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache"),
        ))
        .layer(crate::assets::compression())
        .layer(axum::middleware::from_fn(refuse_dot_segments))
        .with_state(state.clone());
    // Outside the sign-in gate: Prometheus presents a token or an allowed address instead.
    let metrics = Router::new()
        .route("/metrics", get(crate::metrics::scrape))
        .route_layer(axum::middleware::from_fn(crate::metrics::note_route))
        .with_state((state.clone(), network.metrics.clone(), network.trusted_proxies.clone()));
    // Outside the sign-in gate and the same-origin rule (apps call it from their own
    // origins with a UserSig), and not compressed: a stream's events go out as they come.
    let subscribers = crate::subscriber::router(state, &network);
    let mut served = console
        .merge(metrics)
        .merge(subscribers)
        .layer(axum::middleware::from_fn_with_state(network.body_deadline, crate::body_deadline::limit));
    if let Some(limits) = network.shed {
        served = served.layer(axum::middleware::from_fn_with_state(
            crate::shed::Shedder::new(limits, network.trusted_proxies.clone()),
            crate::shed::shed,
        ));
    }
    served
        .layer(axum::middleware::from_fn(crate::metrics::track))
        .layer(axum::middleware::from_fn_with_state(network.trusted_proxies.clone(), crate::request_log::request_id))
}

fn is_wasm(response: &Response) -> bool {
    response.headers().get(header::CONTENT_TYPE).is_some_and(|value| value == "application/wasm")
}

/// Refuses a path with a `.` or `..` segment, written plainly or percent-encoded, before
/// anything routes it: `/media/../settings` must not reach a page through a public prefix.
async fn refuse_dot_segments(request: Request, next: Next) -> Response {
    if has_dot_segment(request.uri().path()) {
        return (StatusCode::NOT_FOUND, "Not found\n").into_response();
    }
    next.run(request).await
}

fn has_dot_segment(path: &str) -> bool {
    // Percent-decoded (dots and slashes only, the ones that make a segment), then split on
    // both kinds of slash.
    let lower = path.to_ascii_lowercase();
    let decoded = lower.replace("%2e", ".").replace("%2f", "/").replace("%5c", "/").replace('\\', "/");
    decoded.split('/').any(|segment| segment == "." || segment == "..")
}

/// Refuses a state-changing request that a browser sent from another origin (a form or
/// script on another site posting here), on top of what SameSite cookies will do. Requests
/// without an Origin header (scripts, curl, other servers) are not a browser's and pass.
/// The origin is compared with `--public-origin` when set (a proxy may rewrite `Host`),
/// otherwise with the request's `Host`.
async fn same_origin_writes(State(public_origin): State<Option<String>>, request: Request, next: Next) -> Response {
    let writes = !matches!(request.method(), &Method::GET | &Method::HEAD | &Method::OPTIONS);
    if writes {
        if let Some(origin) = request.headers().get(header::ORIGIN) {
            let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok());
            let same = origin.to_str().is_ok_and(|o| same_site(o, public_origin.as_deref(), host));
            if !same {
                tracing::warn!(origin = ?origin, host = ?host, path = %request.uri().path(), "cross-origin write refused");
                let err = AppError::Forbidden("Requests from other sites are refused.".into());
                return (StatusCode::FORBIDDEN, axum::Json(err)).into_response();
            }
        }
    }
    next.run(request).await
}

/// Whether a browser's `Origin` is this site: the public origin when one is set (compared as
/// origins: scheme, host and port, a default port or the case of the host making no
/// difference), else an http(s) origin whose host and port are the request's `Host`.
fn same_site(origin: &str, public_origin: Option<&str>, host: Option<&str>) -> bool {
    let Ok(origin) = url::Url::parse(origin) else { return false };
    if !matches!(origin.scheme(), "http" | "https") {
        return false;
    }
    match public_origin {
        Some(public) => url::Url::parse(public).is_ok_and(|public| public.origin() == origin.origin()),
        None => {
            let authority = match (origin.host_str(), origin.port()) {
                (Some(name), Some(port)) => format!("{name}:{port}"),
                (Some(name), None) => name.to_owned(),
                (None, _) => return false,
            };
            host.is_some_and(|host| host.eq_ignore_ascii_case(&authority))
        }
    }
}

/// Leptos answers every server function error with 500. Our errors know better: a
/// validation error is the client's (422), a missing channel 404, a malformed request 400.
async fn server_fn_status(response: Response) -> Response {
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR || !response.headers().contains_key("serverfnerror") {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(err.status()).unwrap_or(parts.status);
        if let AppError::TooManyAttempts { retry_after_secs } | AppError::Busy { retry_after_secs } = err {
            parts.headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::{has_dot_segment, same_site};

    #[test]
    fn writes_from_this_site_only() {
        let host = Some("console.test:3000");
        assert!(same_site("http://console.test:3000", None, host));
        assert!(same_site("https://CONSOLE.test:3000", None, host));
        assert!(!same_site("http://evil.test:3000", None, host));
        assert!(!same_site("http://console.test:3001", None, host));
        assert!(!same_site("http://console.test", None, host));
        assert!(!same_site("null", None, host));
        assert!(!same_site("ftp://console.test:3000", None, host));
        assert!(!same_site("http://console.test:3000", None, None));
        assert!(same_site("http://[::1]:3000", None, Some("[::1]:3000")));
        // Behind a proxy: the public origin, a default port written or not.
        let public = Some("https://console.example.com");
        assert!(same_site("https://console.example.com", public, Some("10.0.0.5:3000")));
        assert!(same_site("https://console.example.com:443", public, None));
        assert!(!same_site("http://console.example.com", public, None));
        assert!(!same_site("https://console.example.com.evil.test", public, None));
    }

    #[test]
    fn dot_segments_in_any_spelling() {
        for bad in [
            "/media/../settings",
            "/pkg/%2e%2e/operators",
            "/pkg/%2E%2e/x",
            "/./channels",
            "/a/..",
            "/a%2f..%2fb",
            "/a\\..\\b",
            "/.%2e/x",
        ] {
            assert!(has_dot_segment(bad), "{bad}");
        }
        for ok in ["/channels", "/media/abc", "/pkg/channel-console.js", "/a..b/c", "/.well-known/x", "/posts?q=.."] {
            assert!(!has_dot_segment(ok), "{ok}");
        }
    }
}
