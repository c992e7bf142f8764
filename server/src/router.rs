use crate::media;
use app::backend::AppState;
use app::error::AppError;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;

/// Server function arguments are small form posts; anything larger is refused unread.
const SERVER_FN_BODY_LIMIT: usize = 1024 * 1024;

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let pages_and_functions = Router::new()
        .leptos_routes(&state, routes, {
            let options = state.leptos_options.clone();
            move || app::shell(options.clone())
        })
        .layer(RequestBodyLimitLayer::new(SERVER_FN_BODY_LIMIT));
    let media = Router::new()
        .route("/media", post(media::upload).layer(DefaultBodyLimit::disable()))
        .route("/media/{id}", get(media::original))
        .route("/media/{id}/thumb", get(media::thumbnail));

    Router::new()
        .merge(pages_and_functions)
        .merge(media)
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(app::shell))
        .layer(axum::middleware::map_response(server_fn_status))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .with_state(state)
}

/// Leptos answers every server function error with 500. Our errors know better: a
/// validation error is the client's (422), a missing channel 404, a malformed request 400.
async fn server_fn_status(response: Response) -> Response {
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key("serverfnerror")
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(err.status()).unwrap_or(parts.status);
        parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    Response::from_parts(parts, Body::from(bytes))
}
