//! The page chunks compressed against the main module (Compression Dictionary Transport,
//! RFC 9842). Every wasm chunk a page loads is compiled from the same crates as the main
//! module, so brotli finds much of a chunk in it: a page's chunks come to about a quarter
//! less than brotli alone gives them. The browser has the main module before it asks for
//! any chunk (chunks load once the main module runs), so the main module is sent with
//! `Use-As-Dictionary`; a browser that kept it names it in `Available-Dictionary` when it
//! asks for a chunk and accepts `dcb`; then the chunk is sent as `dcb` (brotli with the main
//! module as its dictionary). Any other request gets the files as before.
//!
//! Compressing against an 800 KB dictionary at brotli's best quality takes seconds for all
//! chunks, so it happens once per build (`server compress-chunks`, run by the build scripts),
//! and the server loads the results when it starts. A `.dcb` file names the dictionary it
//! was made with (its SHA-256, in its header): files from another build are never sent.

use crate::assets::pkg_dir;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, Response, StatusCode};
use axum::middleware::Next;
use base64::Engine;
use bytes::Bytes;
use leptos::config::LeptosOptions;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What starts a `dcb` body, before the dictionary's SHA-256 (RFC 9842, section 4).
const DCB_MAGIC: [u8; 4] = [0xff, 0x44, 0x43, 0x42];
const DCB_HEADER_LEN: usize = DCB_MAGIC.len() + 32;
const DCB_SUFFIX: &str = ".dcb";
const PRIVATE_IMMUTABLE: &str = "private, max-age=31536000, immutable";

const USE_AS_DICTIONARY: HeaderName = HeaderName::from_static("use-as-dictionary");
const AVAILABLE_DICTIONARY: HeaderName = HeaderName::from_static("available-dictionary");

/// The main module of a hashed build: `<output-name>.<hash>.wasm`, the hash read from the
/// `hash.txt` that cargo-leptos writes beside the server binary (as Leptos itself reads it).
/// None for an unhashed (dev) build: its files change under the same names.
pub fn main_module(options: &LeptosOptions) -> Option<PathBuf> {
    if !options.hash_files {
        return None;
    }
    let hash = app::ui::build_hash(options, "wasm")?;
    let path = pkg_dir(options).join(format!("{}.{hash}.wasm", options.output_name));
    path.is_file().then_some(path)
}

/// What starts every `dcb` body made against this dictionary.
fn dcb_header(dictionary: &[u8]) -> Vec<u8> {
    let mut header = Vec::with_capacity(DCB_HEADER_LEN);
    header.extend_from_slice(&DCB_MAGIC);
    header.extend_from_slice(&Sha256::digest(dictionary));
    header
}

/// `:<base64 of SHA-256>:`, the form in which a browser names the dictionary it holds.
fn dictionary_id(dictionary: &[u8]) -> String {
    format!(":{}:", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(dictionary)))
}

/// brotli's window (2^22 bytes): the dictionary and the chunk together stay below it less 16
/// bytes. This brotli puts the dictionary in the window before the data, as the decoders did
/// before brotli 1.1; 1.1's raw dictionaries (what browsers decode `dcb` with) agree with it
/// as long as both fit in the window, and count static-dictionary references differently
/// past it.
const LGWIN: u32 = 22;
const WINDOW_ROOM: usize = (1 << LGWIN) - 16;

/// One chunk's `dcb` body: the header naming the dictionary, then the chunk compressed at
/// brotli's best quality with the dictionary before it in the window. None when the two do
/// not fit in the window together.
pub fn encode_dcb(chunk: &[u8], dictionary: &[u8]) -> std::io::Result<Option<Vec<u8>>> {
    if dictionary.len() + chunk.len() >= WINDOW_ROOM {
        return Ok(None);
    }
    let mut out = dcb_header(dictionary);
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: LGWIN as i32, ..Default::default() };
    let mut input = chunk;
    let (mut in_buf, mut out_buf) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    brotli::enc::BrotliCompressCustomIoCustomDict(
        &mut brotli::IoReaderWrapper(&mut input),
        &mut brotli::IoWriterWrapper(&mut out),
        &mut in_buf,
        &mut out_buf,
        &params,
        brotli::enc::StandardAlloc::default(),
        &mut |_, _, _, _| (),
        dictionary,
        std::io::Error::from(std::io::ErrorKind::UnexpectedEof),
    )?;
    Ok(Some(out))
}

/// What `compress-chunks` did with one chunk.
#[derive(Debug)]
pub struct Compressed {
    pub name: String,
    pub brotli: u64,
    /// None when brotli alone was as small, or the chunk too large (no `.dcb` then).
    pub dcb: Option<u64>,
}

/// Writes `<chunk>.wasm.dcb` beside every wasm chunk of a hashed build that brotli compresses
/// less well on its own (its `.br`, from `cargo leptos build --precompress`).
pub fn compress_chunks(options: &LeptosOptions) -> Result<Vec<Compressed>, String> {
    let main = main_module(options).ok_or_else(|| {
        format!(
            "no hashed main module under {}: build with `cargo leptos build --release --precompress --split` first",
            pkg_dir(options).display()
        )
    })?;
    let dictionary = std::fs::read(&main).map_err(|e| format!("{}: {e}", main.display()))?;
    let dir = pkg_dir(options);
    let mut chunks: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "wasm") && *path != main)
        .collect();
    chunks.sort();
    // Quality 11 takes a while per chunk; the build has the cores to itself.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4);
    let results: Vec<Result<Compressed, String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|first| {
                let (chunks, dictionary) = (&chunks, &dictionary);
                scope.spawn(move || {
                    chunks
                        .iter()
                        .skip(first)
                        .step_by(threads)
                        .map(|path| compress_one(path, dictionary))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().unwrap_or_else(|_| vec![Err("a compressing thread panicked".to_owned())]))
            .collect()
    });
    let mut done = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    done.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(done)
}

fn compress_one(path: &Path, dictionary: &[u8]) -> Result<Compressed, String> {
    let fail = |e: std::io::Error| format!("{}: {e}", path.display());
    let chunk = std::fs::read(path).map_err(fail)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let brotli_path = path.with_file_name(format!("{name}.br"));
    let brotli = std::fs::metadata(&brotli_path)
        .map_err(|e| format!("{}: {e} (was the site built with `--precompress`?)", brotli_path.display()))?
        .len();
    let dcb_path = path.with_file_name(format!("{name}{DCB_SUFFIX}"));
    let body = encode_dcb(&chunk, dictionary).map_err(fail)?.filter(|body| (body.len() as u64) < brotli);
    let dcb = if let Some(body) = body {
        std::fs::write(&dcb_path, &body).map_err(|e| format!("{}: {e}", dcb_path.display()))?;
        Some(body.len() as u64)
    } else {
        // A stale one from an earlier run would otherwise be served.
        let _ = std::fs::remove_file(&dcb_path);
        None
    };
    Ok(Compressed { name, brotli, dcb })
}

/// The chunks' `dcb` bodies made against the main module this server sends, in memory
/// (a few hundred KB): looked up by file name on every chunk request.
#[derive(Debug)]
pub struct ChunkDictionary {
    main: String,
    id: HeaderValue,
    use_as_dictionary: HeaderValue,
    chunks: HashMap<String, Bytes>,
}

impl ChunkDictionary {
    /// None when the build is not hashed or no chunk was compressed for this main module.
    pub fn load(options: &LeptosOptions) -> Option<Self> {
        let main = main_module(options)?;
        let dictionary = std::fs::read(&main).ok()?;
        let header = dcb_header(&dictionary);
        let mut chunks = HashMap::new();
        for entry in std::fs::read_dir(main.parent()?).ok()?.flatten() {
            let file_name = entry.file_name().to_string_lossy().into_owned();
            // Only a copy of a wasm chunk of this build: it is sent as `application/wasm`.
            let Some(chunk) = file_name.strip_suffix(DCB_SUFFIX) else { continue };
            if !chunk.ends_with(".wasm") || !entry.path().with_file_name(chunk).is_file() {
                continue;
            }
            match std::fs::read(entry.path()) {
                Ok(body) if body.starts_with(&header) => {
                    chunks.insert(chunk.to_owned(), Bytes::from(body));
                }
                Ok(_) => tracing::warn!(file = %file_name, "not made with this build's main module: not sent"),
                Err(e) => tracing::warn!(file = %file_name, error = %e, "unreadable: not sent"),
            }
        }
        if chunks.is_empty() {
            return None;
        }
        let pattern = format!("match=\"/{}/*.wasm\"", options.site_pkg_dir);
        Some(Self {
            main: main.file_name()?.to_string_lossy().into_owned(),
            id: HeaderValue::from_str(&dictionary_id(&dictionary)).ok()?,
            use_as_dictionary: HeaderValue::from_str(&pattern).ok()?,
            chunks,
        })
    }

    pub fn chunk_count(&self) -> usize {
        self.chunks.len()
    }

    /// The `dcb` body for a request under `/pkg/`, if the browser holds this main module and
    /// accepts `dcb`.
    fn body_for(&self, method: &Method, file: &str, headers: &HeaderMap) -> Option<&Bytes> {
        let body = self.chunks.get(file)?;
        // HEAD and ranges get what the files give (their lengths are the plain answer's).
        let wanted = *method == Method::GET
            && !headers.contains_key(header::RANGE)
            && headers.get(AVAILABLE_DICTIONARY) == Some(&self.id)
            && accepts_dcb(headers);
        wanted.then_some(body)
    }
}

/// Whether `Accept-Encoding` lists `dcb` with a weight above zero.
fn accepts_dcb(headers: &HeaderMap) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(
        |item| {
            let mut parts = item.split(';').map(str::trim);
            parts.next().is_some_and(|coding| coding.eq_ignore_ascii_case("dcb"))
                && parts.all(|param| match param.split_once('=') {
                    Some((name, weight)) if name.trim().eq_ignore_ascii_case("q") => {
                        weight.trim().parse::<f32>().is_ok_and(|q| q > 0.0)
                    }
                    _ => true,
                })
        },
    )
}

/// Middleware for the `/pkg/` router: chunks as `dcb` when the browser can take them, the
/// main module marked as their dictionary; everything else passes through.
pub async fn negotiate(State(dictionary): State<Arc<ChunkDictionary>>, request: Request, next: Next) -> Response<Body> {
    let file = request.uri().path().trim_start_matches('/').to_owned();
    if let Some(body) = dictionary.body_for(request.method(), &file, request.headers()) {
        let mut response = Response::new(Body::from(body.clone()));
        *response.status_mut() = StatusCode::OK;
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/wasm"));
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("dcb"));
        headers.append(header::VARY, HeaderValue::from_static("available-dictionary"));
        // Kept a year by the browser, by no shared cache: one that honoured only
        // `Vary: accept-encoding` could hand this to a browser without the dictionary.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(PRIVATE_IMMUTABLE));
        return response;
    }
    let has_dcb = dictionary.chunks.contains_key(&file);
    let is_main = file == dictionary.main;
    let mut response = next.run(request).await;
    if is_main && response.status().is_success() {
        response.headers_mut().insert(USE_AS_DICTIONARY, dictionary.use_as_dictionary.clone());
    }
    if has_dcb && !response.status().is_client_error() && !response.status().is_server_error() {
        // A cache must not hand this plain answer to a browser that could have had `dcb`,
        // nor the reverse (the `/pkg/` router adds `accept-encoding`).
        response.headers_mut().append(header::VARY, HeaderValue::from_static("available-dictionary"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn dcb_is_accepted_only_when_listed_with_a_weight() {
        assert!(accepts_dcb(&headers(&[("accept-encoding", "gzip, deflate, br, zstd, dcb, dcz")])));
        assert!(accepts_dcb(&headers(&[("accept-encoding", "br;q=1.0, DCB;q=0.5")])));
        assert!(!accepts_dcb(&headers(&[("accept-encoding", "gzip, br")])));
        assert!(!accepts_dcb(&headers(&[("accept-encoding", "dcb;q=0")])));
        assert!(!accepts_dcb(&headers(&[("accept-encoding", "br, dcb; Q = 0.0")])));
        assert!(!accepts_dcb(&headers(&[("accept-encoding", "dcbx, xdcb")])));
        assert!(!accepts_dcb(&HeaderMap::new()));
    }

    #[test]
    fn a_dcb_body_names_its_dictionary_and_decodes_with_it_only() {
        let dictionary: Vec<u8> = (0..50_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
        let chunk: Vec<u8> = dictionary[10_000..30_000].iter().chain(b"something new").copied().collect();
        let body = encode_dcb(&chunk, &dictionary).unwrap().unwrap();
        assert_eq!(&body[..4], &DCB_MAGIC);
        assert_eq!(&body[4..DCB_HEADER_LEN], Sha256::digest(&dictionary).as_slice());
        let plain = encode_dcb(&chunk, &[]).unwrap().unwrap();
        // Too large for the window together: not made (the chunk goes as brotli).
        assert!(encode_dcb(&vec![0; 1 << 21], &vec![1; 1 << 21]).unwrap().is_none());
        assert!(body.len() * 4 < plain.len(), "the dictionary helps: {} vs {}", body.len(), plain.len());

        let mut decoded = Vec::new();
        let mut reader =
            brotli::Decompressor::new_with_custom_dict(&body[DCB_HEADER_LEN..], 4096, dictionary.clone().into());
        std::io::copy(&mut reader, &mut decoded).unwrap();
        assert_eq!(decoded, chunk);
    }

    #[test]
    fn the_browser_names_the_dictionary_by_its_sha256() {
        // The value Chromium sent for this dictionary (checked by hand against a test server).
        let dictionary = "hello dictionary world ".repeat(200);
        assert_eq!(dictionary_id(dictionary.as_bytes()), ":FeAkrvB33DmuMdgcdHN7q+4/7MZ7oVpDLRdhzCFQhxI=:");
    }
}
