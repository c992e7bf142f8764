//! A real router over a real database (SQLite or PostgreSQL, see `test_db`) and real media
//! files (a local directory or an S3-compatible bucket), driven with HTTP requests exactly
//! as the browser sends them.

#![allow(dead_code)]

use app::cookies::SESSION_COOKIE;
use app::domain::{Field, NewPassword, OperatorName};
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use sqlx::AnyPool;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use storage::auth::Auth;
use storage::clock::ManualClock;
use storage::media::{MediaStore, Variant};
use storage::{Actor, Storage};

pub mod process;
pub mod receiver;
pub mod sse;
mod test_db;
pub(crate) use test_db::on_both;
pub use test_db::{Kind as DbKind, TestDb};
use tower::ServiceExt;

pub struct TestApp {
    pub router: Router,
    /// The test's own queries (placeholders `$1`, `$2`, ... on either engine).
    pub pool: AnyPool,
    pub db: TestDb,
    pub data_dir: PathBuf,
    pub auth: Auth,
    pub storage: Storage,
    pub state: app::context::AppState,
    /// The signed-in test operator.
    pub operator_id: i64,
    /// The `Cookie` header of the signed-in test operator, sent with every request unless
    /// a test sends its own or none.
    pub cookie: Option<String>,
    /// What sessions and the sign-in throttle measure time on: tests move it forward.
    pub clock: Arc<ManualClock>,
}

pub const OPERATOR: &str = "tester";
pub const PASSWORD: &str = "correct horse battery";

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

impl TestApp {
    pub async fn new(db: TestDb) -> Self {
        Self::with_upload_cap(db, 50 * 1024 * 1024).await
    }

    pub async fn with_upload_cap(db: TestDb, max_upload_bytes: u64) -> Self {
        let media = db.media(max_upload_bytes).await;
        Self::with_media(db, media).await
    }

    /// A console over the given media store.
    pub async fn with_media(db: TestDb, media: MediaStore) -> Self {
        let leptos_options = LeptosOptions::builder().output_name("channel-console").build();
        Self::with_everything(db, media, leptos_options).await
    }

    /// A console serving the compiled app from `site_root` (its files under `pkg/`), with
    /// names that carry their hash or not.
    pub async fn with_site(db: TestDb, site_root: &std::path::Path, hash_files: bool) -> Self {
        let media = db.media(50 * 1024 * 1024).await;
        let leptos_options = LeptosOptions::builder()
            .output_name("channel-console")
            .site_root(site_root.to_str().unwrap())
            .hash_files(hash_files)
            // Absolute, so read from the site rather than beside the test binary.
            .hash_file(std::sync::Arc::<str>::from(site_root.join("hash.txt").to_str().unwrap()))
            .build();
        Self::with_everything(db, media, leptos_options).await
    }

    /// A console over a database restored from a backup: the test operator is there
    /// already, and signs in with the password it had (nothing is added or removed).
    pub async fn restored(db: TestDb) -> Self {
        let media = db.media(50 * 1024 * 1024).await;
        let leptos_options = LeptosOptions::builder().output_name("channel-console").build();
        Self::build(db, media, leptos_options, false).await
    }

    async fn with_everything(db: TestDb, media: MediaStore, leptos_options: LeptosOptions) -> Self {
        Self::build(db, media, leptos_options, true).await
    }

    async fn build(db: TestDb, media: MediaStore, leptos_options: LeptosOptions, fresh: bool) -> Self {
        let storage = Storage::new(db.engine.database(), media);
        let clock = Arc::new(ManualClock::starting_now());
        // Tests' receivers listen on 127.0.0.1; images are named under a made-up origin.
        let hooks =
            webhooks::Options { allow_private: true, base: "http://console.test".to_owned(), ..Default::default() };
        let sessions = storage::auth::SessionLimits { idle: Duration::from_secs(3600), ..Default::default() };
        let state =
            server::app_state_with_clock(storage.clone(), sessions, clock.clone(), hooks, leptos_options).unwrap();
        let auth = state.auth.clone();
        let name = OperatorName::parse(OPERATOR).unwrap();
        let password = NewPassword::parse(Field::Password, PASSWORD).unwrap();
        if fresh {
            auth.add_operator(&name, &password, &Actor::ServerCommand).await.unwrap();
        }
        let (signed_in, token) = auth.sign_in(OPERATOR, PASSWORD, None).await.unwrap();
        if fresh {
            // Every test starts with an empty audit log: setting up is not what it tests.
            sqlx::query("DELETE FROM audit_log").execute(&db.any).await.unwrap();
        }
        Self {
            router: server::router::router(state.clone()),
            state,
            pool: db.any.clone(),
            data_dir: db.data_dir.clone(),
            db,
            auth,
            storage,
            operator_id: signed_in.operator_id,
            cookie: Some(format!("{SESSION_COOKIE}={token}")),
            clock,
        }
    }

    /// Sends a request as the signed-in test operator (unless it carries its own cookie).
    pub async fn send(&self, mut request: Request<Body>) -> Reply {
        if let Some(cookie) = &self.cookie {
            if !request.headers().contains_key("cookie") {
                request.headers_mut().insert("cookie", cookie.parse().unwrap());
            }
        }
        self.send_anonymous(request).await
    }

    /// Sends a request exactly as given: without a session unless it carries a cookie.
    pub async fn send_anonymous(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
        Reply { status, headers, body }
    }

    /// Calls a server function the way the browser does: a url-encoded form post.
    pub async fn call(&self, function: &str, form: &[(&str, &str)]) -> Reply {
        let body = form.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&");
        self.send(
            Request::post(format!("/api/{function}"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    /// Calls a server function that takes JSON (`input = Json`).
    pub async fn call_json(&self, function: &str, body: serde_json::Value) -> Reply {
        self.send(
            Request::post(format!("/api/{function}"))
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
    }

    /// Creates a channel and returns its id.
    pub async fn channel(&self, name: &str) -> i64 {
        let photo = self.upload_png(200).await;
        let reply = self.create(name, "", &photo).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
        reply.json()["id"].as_i64().unwrap()
    }

    pub async fn upload(&self, bytes: Vec<u8>) -> Reply {
        self.send(Request::post("/media").body(Body::from(bytes)).unwrap()).await
    }

    /// Uploads a small PNG and returns its media id.
    pub async fn upload_png(&self, seed: u8) -> String {
        let reply = self.upload(png(8, 6, seed)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&reply.body));
        reply.json()["id"].as_str().unwrap().to_owned()
    }

    pub async fn create(&self, name: &str, profile: &str, photo: &str) -> Reply {
        self.call("create_channel", &[("name", name), ("profile", profile), ("photo", photo)]).await
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.send(Request::get(uri).body(Body::empty()).unwrap()).await
    }

    pub async fn channel_count(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM channels").fetch_one(&self.pool).await.unwrap()
    }

    /// Files left in the upload scratch directory (should always be none after a request).
    pub fn temp_files(&self) -> usize {
        std::fs::read_dir(self.data_dir.join("tmp")).map(|d| d.count()).unwrap_or(0)
    }

    /// Whether the image's file is stored (on disk or in the bucket). Asked from a thread
    /// of its own, with a store of its own, so that tests can assert it without awaiting.
    pub fn media_file_exists(&self, id: &str) -> bool {
        let id = app::domain::MediaId::parse(Field::PostImages, id).unwrap();
        let (url, data_dir) = (self.db.media_url.clone(), self.data_dir.clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                let media = MediaStore::open(&url, &data_dir, 1).await.unwrap();
                media.open_file(&id, Variant::Original).await.unwrap().is_some()
            })
        })
        .join()
        .unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

pub fn png(width: u32, height: u32, seed: u8) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([seed, (x * 20) as u8, (y * 20) as u8]));
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Sessions and operators over a database, without a router.
pub fn auth_over(db: &TestDb) -> Auth {
    Auth::new(db.engine.database(), std::time::Duration::from_secs(60)).unwrap()
}
