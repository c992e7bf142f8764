//! Image upload and download over plain HTTP routes. The upload is not a multipart server
//! function on purpose: the body is streamed to disk and counted here, with nothing parsed
//! before it is known to fit the cap.

use app::context::AppState;
use app::domain::{Field, MediaId, UploadedMedia};
use app::error::AppError;
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use tower::ServiceExt;
use tower_http::services::ServeFile;

/// An `AppError` as an HTTP answer: its status, and the same JSON the server functions use.
pub struct ApiError(pub AppError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(self.0)).into_response()
    }
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        ApiError(err)
    }
}

#[derive(serde::Deserialize)]
pub struct UploadParams {
    /// Which form field the image is for, so that errors name it: `post` for a post image,
    /// anything else (or nothing) for a profile photo.
    #[serde(default, rename = "for")]
    purpose: Option<String>,
}

pub async fn upload(
    State(state): State<AppState>,
    Query(params): Query<UploadParams>,
    body: Body,
) -> Result<Response, ApiError> {
    let field = match params.purpose.as_deref() {
        Some("post") => Field::PostImages,
        _ => Field::ProfilePhoto,
    };
    let stored = state.storage.upload(body.into_data_stream()).await.map_err(|e| AppError::from_upload(e, field))?;
    Ok((StatusCode::CREATED, Json(UploadedMedia::from(&stored))).into_response())
}

pub async fn original(
    State(state): State<AppState>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let (id, content_type) = lookup(&state, &id).await?;
    Ok(serve(state.storage.media.path_of(&id), &content_type, request).await)
}

pub async fn thumbnail(
    State(state): State<AppState>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let (id, content_type) = lookup(&state, &id).await?;
    let (path, content_type) = match state.storage.media.thumbnail(&id, &content_type).await {
        Some((path, kind)) => (path, kind.to_owned()),
        None => (state.storage.media.path_of(&id), content_type),
    };
    Ok(serve(path, &content_type, request).await)
}

async fn lookup(state: &AppState, raw: &str) -> Result<(MediaId, String), ApiError> {
    let not_found = || ApiError(AppError::NotFound("No such image.".into()));
    let id = MediaId::parse(Field::ProfilePhoto, raw).map_err(|_| not_found())?;
    let content_type = state.storage.db.media_type(&id).await.map_err(AppError::from)?.ok_or_else(not_found)?;
    Ok((id, content_type))
}

/// Serves a stored file as exactly the image type it was recognised as, never sniffed, and
/// sandboxed so that an SVG opened directly cannot run script in the console's origin.
async fn serve(path: std::path::PathBuf, content_type: &str, request: Request) -> Response {
    let mime: mime::Mime = content_type.parse().unwrap_or(mime::APPLICATION_OCTET_STREAM);
    let mut response = match ServeFile::new_with_mime(path, &mime).oneshot(request).await {
        Ok(response) => response.into_response(),
        Err(never) => match never {},
    };
    if response.status() == StatusCode::NOT_FOUND {
        return ApiError(AppError::NotFound("No such image.".into())).into_response();
    }
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
    );
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("inline"));
    response
}
