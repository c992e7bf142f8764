//! How responses travel: the compiled app's files precompressed and cached for good when
//! their names carry a hash, pages and answers compressed as they are sent, images as
//! they are. On both engines.

use crate::common::on_both;
use crate::common::TestApp;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use std::io::Read;
use std::path::{Path, PathBuf};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// A site root as `cargo leptos build --release --precompress` leaves it: each file with a
/// `.br` and a `.gz` beside it. The three differ so that a test can tell which was sent.
fn site(under: &Path) -> PathBuf {
    let dir = under.join("site");
    let pkg = dir.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("channel-console.AbC.wasm"), b"\0asm plain").unwrap();
    std::fs::write(pkg.join("channel-console.AbC.wasm.br"), b"brotli bytes").unwrap();
    std::fs::write(pkg.join("channel-console.AbC.wasm.gz"), b"gzip bytes").unwrap();
    std::fs::write(pkg.join("channel-console.AbC.css"), b"body{}").unwrap();
    dir
}

fn get(path: &str, accept_encoding: Option<&str>) -> Request<Body> {
    let mut request = Request::get(path);
    if let Some(encodings) = accept_encoding {
        request = request.header(header::ACCEPT_ENCODING, encodings);
    }
    request.body(Body::empty()).unwrap()
}

/// A server function called with an empty form.
fn call(name: &str, accept_encoding: &str) -> Request<Body> {
    Request::post(format!("/api/{name}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT_ENCODING, accept_encoding)
        .body(Body::empty())
        .unwrap()
}

fn header_of(reply: &crate::common::Reply, name: header::HeaderName) -> Option<&str> {
    reply.headers.get(name).map(|v| v.to_str().unwrap())
}

on_both! { async fn hashed_app_files_are_sent_in_the_best_accepted_encoding_and_kept_for_a_year(pool: TestDb) {
    let site = site(&pool.data_dir);
    let app = TestApp::with_site(pool, &site, true).await;
    let path = "/pkg/channel-console.AbC.wasm";
    for (accepts, encoding, body) in [
        (Some("br, gzip"), Some("br"), &b"brotli bytes"[..]),
        (Some("gzip;q=1, br;q=0.5"), Some("gzip"), b"gzip bytes"),
        (Some("gzip"), Some("gzip"), b"gzip bytes"),
        (Some("identity"), None, b"\0asm plain"),
        (None, None, b"\0asm plain"),
    ] {
        // Anyone may fetch the app: the sign-in page needs it.
        let reply = app.send_anonymous(get(path, accepts)).await;
        assert_eq!(reply.status, StatusCode::OK, "{accepts:?}");
        assert_eq!(header_of(&reply, header::CONTENT_ENCODING), encoding, "{accepts:?}");
        assert_eq!(reply.body, body, "{accepts:?}");
        // The type of what was compressed, not of the compressed file: browsers stream-compile wasm.
        assert_eq!(header_of(&reply, header::CONTENT_TYPE), Some("application/wasm"));
        assert_eq!(header_of(&reply, header::CACHE_CONTROL), Some(IMMUTABLE));
        assert!(header_of(&reply, header::VARY).is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")));
        // Nothing a hashed wasm file does not need: each page's chunks pay for every header.
        for needless in [
            header::LAST_MODIFIED,
            header::ACCEPT_RANGES,
            header::X_FRAME_OPTIONS,
            header::REFERRER_POLICY,
            header::X_CONTENT_TYPE_OPTIONS,
            "x-request-id".parse().unwrap(),
        ] {
            assert_eq!(header_of(&reply, needless.clone()), None, "{needless}");
        }
    }
    // A file without compressed copies is sent as it is, cached the same.
    let css = app.send_anonymous(get("/pkg/channel-console.AbC.css", Some("br, gzip"))).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.body, b"body{}");
    assert_eq!(header_of(&css, header::CACHE_CONTROL), Some(IMMUTABLE));
    assert_eq!(header_of(&css, header::LAST_MODIFIED), None);
    // A stylesheet's own fetches follow its referrer policy; it is never sniffed.
    assert_eq!(header_of(&css, header::REFERRER_POLICY), Some("same-origin"));
    assert_eq!(header_of(&css, header::X_CONTENT_TYPE_OPTIONS), Some("nosniff"));

    // A miss is not kept for a year (the next build may bring the file), and is no page.
    let missing = app.send_anonymous(get("/pkg/channel-console.Old.wasm", Some("br"))).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_ne!(header_of(&missing, header::CACHE_CONTROL), Some(IMMUTABLE));
    assert!(!String::from_utf8_lossy(&missing.body).contains("<html"));
}}

on_both! { async fn unhashed_app_files_are_asked_for_again(pool: TestDb) {
    let site = site(&pool.data_dir);
    let app = TestApp::with_site(pool, &site, false).await;
    let reply = app.send_anonymous(get("/pkg/channel-console.AbC.wasm", Some("br"))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(header_of(&reply, header::CACHE_CONTROL), Some("no-cache"));
    // Asked again with the date it has, answered 304 when it has not changed.
    assert!(header_of(&reply, header::LAST_MODIFIED).is_some());
}}

on_both! { async fn pages_and_answers_are_compressed_when_worth_it_and_never_shared(pool: TestDb) {
    let app = TestApp::new(pool).await;
    for i in 0..30 {
        app.channel(&format!("Channel number {i}")).await;
    }
    // A page: gzip when that is all the browser takes, brotli when it takes both.
    let page = app.send(get("/channels", Some("gzip"))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(header_of(&page, header::CONTENT_ENCODING), Some("gzip"));
    assert!(header_of(&page, header::VARY).is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")));
    assert_eq!(header_of(&page, header::CACHE_CONTROL), Some("private, no-cache"));
    let mut html = String::new();
    flate2::read::GzDecoder::new(&page.body[..]).read_to_string(&mut html).unwrap();
    assert!(html.contains("Channel number 29"), "the page decompresses whole");
    let page = app.send(get("/channels", Some("br, gzip"))).await;
    assert_eq!(header_of(&page, header::CONTENT_ENCODING), Some("br"));
    let plain = app.send(get("/channels", None)).await;
    assert_eq!(header_of(&plain, header::CONTENT_ENCODING), None);
    assert!(String::from_utf8_lossy(&plain.body).contains("Channel number 29"));

    // A server function's answer over the floor is compressed; a small one is not worth it.
    let list = app.send(call("channel_options", "gzip")).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(header_of(&list, header::CONTENT_ENCODING), Some("gzip"));
    assert_eq!(header_of(&list, header::CACHE_CONTROL), Some("private, no-cache"));
    let who = app.send(call("whoami", "gzip")).await;
    assert_eq!(who.status, StatusCode::OK);
    assert_eq!(header_of(&who, header::CONTENT_ENCODING), None, "{} bytes", who.body.len());

    // Images are compressed already: sent as they are, whatever the browser accepts.
    let id = app.upload(crate::common::png(300, 300, 7)).await.json()["id"].as_str().unwrap().to_owned();
    let image = app.send(get(&format!("/media/{id}"), Some("br, gzip"))).await;
    assert_eq!(image.status, StatusCode::OK);
    assert!(image.body.len() > 1024);
    assert_eq!(header_of(&image, header::CONTENT_ENCODING), None);
}}

/// The page chunks compressed against the main module (dictionary transport): a hashed build
/// with `hash.txt`, a main module and two chunks, one of which shares most of its bytes with it.
mod dictionary {
    use super::*;
    use base64::Engine;
    use sha2::{Digest, Sha256};

    const AVAILABLE_DICTIONARY: &str = "available-dictionary";
    const MAIN: &str = "channel-console.AbC.wasm";
    const CHUNK: &str = "chunk_1.XyZ.wasm";

    fn main_module() -> Vec<u8> {
        (0..60_000u32).flat_map(|i| (i.wrapping_mul(2_654_435_761) >> 7).to_le_bytes()).collect()
    }

    fn chunk() -> Vec<u8> {
        let mut chunk = main_module()[40_000..120_000].to_vec();
        chunk.extend_from_slice(b"code of its own");
        chunk
    }

    fn id_of(dictionary: &[u8]) -> String {
        format!(":{}:", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(dictionary)))
    }

    fn hashed_site(under: &Path) -> PathBuf {
        let dir = under.join("site");
        let pkg = dir.join("pkg");
        std::fs::create_dir_all(&pkg).unwrap();
        std::fs::write(dir.join("hash.txt"), "js: Js1\nwasm: AbC\ncss: Css1\n").unwrap();
        std::fs::write(pkg.join(MAIN), main_module()).unwrap();
        std::fs::write(pkg.join(format!("{MAIN}.br")), b"brotli main").unwrap();
        std::fs::write(pkg.join(CHUNK), chunk()).unwrap();
        // As large as brotli makes it without the dictionary: the dcb copy must beat it.
        std::fs::write(pkg.join(format!("{CHUNK}.br")), vec![b'b'; 20_000]).unwrap();
        std::fs::write(pkg.join("chunk_2.Old.wasm"), b"\0asm old").unwrap();
        std::fs::write(pkg.join("chunk_2.Old.wasm.br"), b"brotli old").unwrap();
        write_stale_copy(&dir);
        dir
    }

    /// A dcb copy of chunk_2 made against another build's main module.
    fn write_stale_copy(site: &Path) {
        let mut stale = vec![0xff, 0x44, 0x43, 0x42];
        stale.extend_from_slice(&Sha256::digest(b"another main module"));
        stale.extend_from_slice(b"whatever");
        std::fs::write(site.join("pkg/chunk_2.Old.wasm.dcb"), stale).unwrap();
    }

    fn options(site: &Path) -> leptos::config::LeptosOptions {
        leptos::config::LeptosOptions::builder()
            .output_name("channel-console")
            .site_root(site.to_str().unwrap())
            .hash_files(true)
            .hash_file(std::sync::Arc::<str>::from(site.join("hash.txt").to_str().unwrap()))
            .build()
    }

    fn get_chunk(path: &str, accept_encoding: &str, dictionary: Option<&str>) -> Request<Body> {
        let mut request = Request::get(path).header(header::ACCEPT_ENCODING, accept_encoding);
        if let Some(id) = dictionary {
            request = request.header(AVAILABLE_DICTIONARY, id);
        }
        request.body(Body::empty()).unwrap()
    }

    #[test]
    fn compress_chunks_writes_a_dcb_copy_only_where_it_beats_brotli() {
        let dir = std::env::temp_dir().join(format!("console-dcb-{}", std::process::id()));
        let site = hashed_site(&dir);
        let done = server::chunk_dictionary::compress_chunks(&options(&site)).unwrap();
        let names: Vec<_> = done.iter().map(|c| (c.name.as_str(), c.dcb.is_some())).collect();
        // The old chunk (8 bytes) gains nothing: its stale copy is removed, never sent.
        assert_eq!(names, [(CHUNK, true), ("chunk_2.Old.wasm", false)]);
        assert!(site.join("pkg").join(format!("{CHUNK}.dcb")).is_file());
        assert!(!site.join("pkg/chunk_2.Old.wasm.dcb").exists());
        // Without a hashed build there is nothing to compress against: said, not ignored.
        std::fs::remove_file(site.join("hash.txt")).unwrap();
        let error = server::chunk_dictionary::compress_chunks(&options(&site)).unwrap_err();
        assert!(error.contains("no hashed main module"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    on_both! { async fn chunks_go_as_dcb_only_to_a_browser_holding_this_main_module(pool: TestDb) {
        let site = hashed_site(&pool.data_dir);
        server::chunk_dictionary::compress_chunks(&options(&site)).unwrap();
        // compress-chunks removed it; put it back, as a build that did not run it would leave it.
        write_stale_copy(&site);
        let app = TestApp::with_site(pool, &site, true).await;
        let id = id_of(&main_module());

        // The main module is offered as the dictionary of every wasm file under /pkg/.
        let main = app.send_anonymous(get(&format!("/pkg/{MAIN}"), Some("br"))).await;
        assert_eq!(main.status, StatusCode::OK);
        assert_eq!(header_of(&main, header::CONTENT_ENCODING), Some("br"));
        assert_eq!(main.headers.get("use-as-dictionary").unwrap(), r#"match="/pkg/*.wasm""#);

        let path = format!("/pkg/{CHUNK}");
        let reply = app.send_anonymous(get_chunk(&path, "gzip, br, zstd, dcb, dcz", Some(&id))).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(header_of(&reply, header::CONTENT_ENCODING), Some("dcb"));
        assert_eq!(header_of(&reply, header::CONTENT_TYPE), Some("application/wasm"));
        // Kept a year by the browser; no shared cache may hand it to another one.
        assert_eq!(header_of(&reply, header::CACHE_CONTROL), Some("private, max-age=31536000, immutable"));
        let vary: Vec<_> = reply.headers.get_all(header::VARY).iter().map(|v| v.to_str().unwrap().to_ascii_lowercase()).collect();
        assert!(vary.iter().any(|v| v.contains("accept-encoding")) && vary.iter().any(|v| v.contains("available-dictionary")), "{vary:?}");
        // RFC 9842's framing: magic, the dictionary's SHA-256, then brotli with it as dictionary.
        assert_eq!(&reply.body[..4], &[0xff, 0x44, 0x43, 0x42]);
        assert_eq!(&reply.body[4..36], Sha256::digest(main_module()).as_slice());
        let mut decoded = Vec::new();
        brotli::Decompressor::new_with_custom_dict(&reply.body[36..], 4096, main_module().into())
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, chunk());
        assert!(reply.body.len() < 2_000, "{} bytes", reply.body.len());

        // Anything else gets brotli as before: another dictionary, no dcb, dcb refused, a range.
        let plain = |reply: &crate::common::Reply| header_of(reply, header::CONTENT_ENCODING) == Some("br");
        for (accepts, dictionary) in [
            ("br, dcb", Some(":AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:")),
            ("br, dcb", None),
            ("br", Some(id.as_str())),
            ("br, dcb;q=0", Some(id.as_str())),
        ] {
            let reply = app.send_anonymous(get_chunk(&path, accepts, dictionary)).await;
            assert_eq!(reply.status, StatusCode::OK);
            assert!(plain(&reply), "{accepts} {dictionary:?}: {:?}", reply.headers);
            assert_eq!(reply.body.len(), 20_000);
            assert_eq!(header_of(&reply, header::CACHE_CONTROL), Some(IMMUTABLE));
            assert!(reply.headers.get_all(header::VARY).iter().any(|v| v.to_str().unwrap().contains("available-dictionary")));
            // Only the main module is offered as a dictionary.
            assert!(reply.headers.get("use-as-dictionary").is_none());
        }
        // HEAD answers as the plain file does (its length is that file's).
        let head = Request::head(&path)
            .header(header::ACCEPT_ENCODING, "br, dcb")
            .header(AVAILABLE_DICTIONARY, &id)
            .body(Body::empty())
            .unwrap();
        let reply = app.send_anonymous(head).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(header_of(&reply, header::CONTENT_ENCODING), Some("br"));
        let ranged = Request::get(&path)
            .header(header::ACCEPT_ENCODING, "br, dcb")
            .header(AVAILABLE_DICTIONARY, &id)
            .header(header::RANGE, "bytes=0-9")
            .body(Body::empty())
            .unwrap();
        let reply = app.send_anonymous(ranged).await;
        assert_ne!(header_of(&reply, header::CONTENT_ENCODING), Some("dcb"));

        // The copy made against another main module is not sent.
        let old = app.send_anonymous(get_chunk("/pkg/chunk_2.Old.wasm", "br, dcb", Some(&id))).await;
        assert_eq!(old.status, StatusCode::OK);
        assert_eq!(header_of(&old, header::CONTENT_ENCODING), Some("br"));
        assert_eq!(old.body, b"brotli old");
    }}
}
