//! Health checks for load balancers, outside the sign-in gate. They say "up" or "ready" and
//! nothing else: no version, no configuration, no error details (those go to the log).

use app::context::AppState;
use axum::extract::State;
use axum::http::StatusCode;

/// `GET /healthz`: the process is up and answering.
pub async fn alive() -> (StatusCode, &'static str) {
    (StatusCode::OK, "ok\n")
}

/// `GET /readyz`: the database and the media store are reachable.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if let Err(error) = state.storage.db.ping().await {
        app::error::log_fault(&error);
        return (StatusCode::SERVICE_UNAVAILABLE, "not ready\n");
    }
    if let Err(error) = state.storage.media.ping().await {
        app::error::log_fault(&error);
        return (StatusCode::SERVICE_UNAVAILABLE, "not ready\n");
    }
    (StatusCode::OK, "ready\n")
}
