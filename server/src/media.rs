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
use storage::auth::SignedIn;
use storage::database::MediaInfo;
use storage::media::{Opened, Variant};
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
    headers: axum::http::HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let field = match params.purpose.as_deref() {
        Some("post") => Field::PostImages,
        _ => Field::ProfilePhoto,
    };
    let stored = state.storage.upload(body.into_data_stream()).await.map_err(|e| {
        // Worded in the operator's language, as a server function's error would be: this
        // route is the console's, not the REST API's.
        let owner = leptos::prelude::Owner::new();
        owner.with(|| {
            leptos::prelude::provide_context(app::i18n::of_headers(&headers));
            AppError::from_upload(e, field)
        })
    })?;
    Ok((StatusCode::CREATED, Json(UploadedMedia::from(&stored))).into_response())
}

pub async fn original(
    State(state): State<AppState>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let (id, info) = lookup(&state, &id, request.extensions().get::<SignedIn>().is_some()).await?;
    serve(&state, &id, Variant::Original, &info, request).await
}

pub async fn thumbnail(
    State(state): State<AppState>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let (id, info) = lookup(&state, &id, request.extensions().get::<SignedIn>().is_some()).await?;
    match state.storage.media.thumbnail(&id, &info.content_type).await {
        Some(kind) => {
            let thumbnail = MediaInfo { content_type: kind.to_owned(), ..info };
            serve(&state, &id, Variant::Thumbnail, &thumbnail, request).await
        }
        None => serve(&state, &id, Variant::Original, &info, request).await,
    }
}

fn no_such_image() -> ApiError {
    ApiError(AppError::NotFound("No such image.".into()))
}

/// A recorded image the client may see: anyone, when a channel or a live post uses it;
/// otherwise (an upload not used yet, a recalled post's image) only a signed-in operator.
/// To anyone else it does not exist.
async fn lookup(state: &AppState, raw: &str, operator: bool) -> Result<(MediaId, MediaInfo), ApiError> {
    let id = MediaId::parse(Field::ProfilePhoto, raw).map_err(|_| no_such_image())?;
    let info = state.storage.db.media_info(&id).await.map_err(AppError::from)?.ok_or_else(no_such_image)?;
    if !info.public && !operator {
        return Err(no_such_image());
    }
    Ok((id, info))
}

/// Serves a stored file as exactly the image type it was recognised as, never sniffed, and
/// sandboxed so that an SVG opened directly cannot run script in the console's origin. The
/// same headers whichever store holds the file; byte ranges either way.
async fn serve(
    state: &AppState,
    id: &MediaId,
    variant: Variant,
    info: &MediaInfo,
    request: Request,
) -> Result<Response, ApiError> {
    let opened = state
        .storage
        .media
        .open_file(id, variant)
        .await
        .map_err(|e| ApiError(AppError::from(storage::StoreError::Io(e))))?
        .ok_or_else(no_such_image)?;
    let mime: mime::Mime = info.content_type.parse().unwrap_or(mime::APPLICATION_OCTET_STREAM);
    let mut response = match &opened {
        Opened::File(path) => match ServeFile::new_with_mime(path, &mime).oneshot(request).await {
            Ok(response) => response.into_response(),
            Err(never) => match never {},
        },
        Opened::Object { size, .. } => {
            let range = request.headers().get(header::RANGE).and_then(|v| v.to_str().ok()).map(str::to_owned);
            let head = request.method() == axum::http::Method::HEAD;
            object_response(&opened, *size, &mime, range.as_deref(), head).await?
        }
    };
    if response.status() == StatusCode::NOT_FOUND {
        return Err(no_such_image());
    }
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Content-addressed, so never stale; but an image only operators may see is kept out of
    // shared caches, and revalidated, since it may stop being theirs to see.
    let caching = if info.public { "public, max-age=31536000, immutable" } else { "private, no-cache" };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(caching));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
    );
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("inline"));
    Ok(response)
}

/// An object from the bucket, streamed through: the whole of it, or the one byte range the
/// request asks for (206), or 416 when that range is outside it.
async fn object_response(
    opened: &Opened,
    size: u64,
    mime: &mime::Mime,
    range: Option<&str>,
    head: bool,
) -> Result<Response, ApiError> {
    let wanted = range.map(|v| byte_range(v, size));
    let (status, range) = match wanted {
        None | Some(Err(RangeError::Ignored)) => (StatusCode::OK, 0..size),
        Some(Ok(range)) => (StatusCode::PARTIAL_CONTENT, range),
        Some(Err(RangeError::Unsatisfiable)) => {
            let mut response = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
                response.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            return Ok(response);
        }
    };
    let length = range.end - range.start;
    let body = if head || length == 0 {
        Body::empty()
    } else {
        let stream =
            opened.read(range.clone()).await.map_err(|e| ApiError(AppError::from(storage::StoreError::Io(e))))?;
        Body::from_stream(stream)
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(mime.as_ref()) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if status == StatusCode::PARTIAL_CONTENT {
        if let Ok(value) = HeaderValue::from_str(&format!("bytes {}-{}/{size}", range.start, range.end - 1)) {
            headers.insert(header::CONTENT_RANGE, value);
        }
    }
    Ok(response)
}

#[derive(Debug, PartialEq, Eq)]
enum RangeError {
    /// Not a single byte range we serve (several ranges, another unit): the whole file.
    Ignored,
    /// A byte range outside the file: 416.
    Unsatisfiable,
}

/// The one byte range a `Range` header asks for: `bytes=a-b`, `bytes=a-`, `bytes=-n`.
fn byte_range(header: &str, size: u64) -> Result<std::ops::Range<u64>, RangeError> {
    let spec = header.trim().strip_prefix("bytes=").ok_or(RangeError::Ignored)?;
    if spec.contains(',') {
        return Err(RangeError::Ignored);
    }
    let (start, end) = spec.split_once('-').ok_or(RangeError::Ignored)?;
    let number = |s: &str| s.trim().parse::<u64>().map_err(|_| RangeError::Ignored);
    let range = match (start.trim().is_empty(), end.trim().is_empty()) {
        (true, false) => {
            let suffix = number(end)?.min(size);
            if suffix == 0 {
                return Err(RangeError::Unsatisfiable);
            }
            size - suffix..size
        }
        (false, true) => number(start)?..size,
        (false, false) => {
            let (start, end) = (number(start)?, number(end)?);
            if end < start {
                return Err(RangeError::Ignored);
            }
            // A last byte past the file's end means the end (RFC 9110, 14.1.2), however far.
            start..end.saturating_add(1).min(size)
        }
        (true, true) => return Err(RangeError::Ignored),
    };
    if range.start >= size {
        return Err(RangeError::Unsatisfiable);
    }
    Ok(range)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_ranges() {
        assert_eq!(byte_range("bytes=0-9", 100), Ok(0..10));
        assert_eq!(byte_range("bytes=90-", 100), Ok(90..100));
        assert_eq!(byte_range("bytes=-10", 100), Ok(90..100));
        assert_eq!(byte_range("bytes=95-200", 100), Ok(95..100));
        assert_eq!(byte_range("bytes=100-", 100), Err(RangeError::Unsatisfiable));
        assert_eq!(byte_range("bytes=0-1,5-6", 100), Err(RangeError::Ignored));
        assert_eq!(byte_range("items=0-1", 100), Err(RangeError::Ignored));
        assert_eq!(byte_range("bytes=5-1", 100), Err(RangeError::Ignored));
        assert_eq!(byte_range("bytes=5-18446744073709551615", 100), Ok(5..100));
        assert_eq!(byte_range("bytes=5-18446744073709551614", 100), Ok(5..100));
        assert_eq!(byte_range("bytes=18446744073709551615-18446744073709551615", 100), Err(RangeError::Unsatisfiable));
        assert_eq!(byte_range("bytes=-18446744073709551615", 100), Ok(0..100));
        assert_eq!(byte_range("bytes=5-18446744073709551616", 100), Err(RangeError::Ignored));
    }
}
