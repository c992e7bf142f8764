//! How responses travel: the compiled app under `/pkg/` as cargo-leptos wrote it
//! (precompressed `.br` and `.gz` beside each file, hashed names in release builds), and
//! everything the server makes (pages, server functions, the REST API) compressed as it is
//! sent.

use crate::chunk_dictionary::ChunkDictionary;
use axum::http::{header, HeaderValue, Response};
use axum::Router;
use leptos::config::LeptosOptions;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// A year, the most any cache keeps anything: a hashed name never changes its content.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Unhashed names (dev builds) change content under one name: always ask again.
const REVALIDATE: &str = "no-cache";

/// Below this many bytes compression saves less than its own headers and time cost.
const COMPRESS_FROM_BYTES: u16 = 1024;

/// `/pkg/...`: the files as built, with the encoding the browser accepts (brotli, then gzip,
/// then the plain file; a page chunk as `dcb` when the build made one and the browser holds
/// the main module), and cached for good when their names carry their hash.
pub fn pkg_service<S: Clone + Send + Sync + 'static>(
    options: &LeptosOptions,
    dictionary: Option<Arc<ChunkDictionary>>,
) -> Router<S> {
    let caching = HeaderValue::from_static(if options.hash_files { IMMUTABLE } else { REVALIDATE });
    let files = ServeDir::new(pkg_dir(options)).precompressed_br().precompressed_gzip();
    let mut router = Router::new().fallback_service(files);
    if let Some(dictionary) = dictionary {
        router = router.layer(axum::middleware::from_fn_with_state(dictionary, crate::chunk_dictionary::negotiate));
    }
    if options.hash_files {
        // A hashed name is its content's version: `Last-Modified` would only serve the
        // revalidation `immutable` rules out, and no browser asks these files for a range.
        router = router.layer(axum::middleware::map_response(|mut response: Response<axum::body::Body>| async {
            response.headers_mut().remove(header::LAST_MODIFIED);
            response.headers_mut().remove(header::ACCEPT_RANGES);
            response
        }));
    }
    router
        // A miss must not be remembered for a year: a later build may bring the file.
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, move |res: &Response<_>| {
            res.status().is_success().then(|| caching.clone())
        }))
        // Caches keep one copy per encoding.
        .layer(SetResponseHeaderLayer::appending(header::VARY, HeaderValue::from_static("accept-encoding")))
}

/// Where the compiled app's files are: `<site root>/<pkg dir>`.
pub fn pkg_dir(options: &LeptosOptions) -> PathBuf {
    Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref())
}

/// On-the-fly compression for what the server renders. Quality 4: brotli's best (11) costs
/// tens of milliseconds per page; 4 keeps most of the gain for about a millisecond. Images
/// are compressed already, and a response with its own encoding (the precompressed files)
/// or a range is left alone by the layer itself.
pub fn compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new().br(true).gzip(true).quality(CompressionLevel::Precise(4)).compress_when(
        SizeAbove::new(COMPRESS_FROM_BYTES)
            .and(NotForContentType::IMAGES)
            .and(NotForContentType::GRPC)
            .and(NotForContentType::SSE),
    )
}

/// Whether the files under the site root carry their hashes in their names: cargo-leptos
/// (`hash-files`) writes `hash.txt` beside the server binary it builds. `LEPTOS_HASH_FILES`
/// decides when set; otherwise the file's presence does, so that the binary run by hand, by
/// the tests or by a service manager serves what the build made without another setting.
pub fn detect_hashed_files(options: &mut LeptosOptions) {
    if std::env::var_os("LEPTOS_HASH_FILES").is_some() {
        return;
    }
    let beside_binary =
        std::env::current_exe().ok().and_then(|exe| exe.parent().map(|dir| dir.join(options.hash_file.as_ref())));
    if beside_binary.is_some_and(|path| path.is_file()) {
        options.hash_files = true;
    }
}
