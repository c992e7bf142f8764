//! Fresh databases for one test, and the little each test needs to set up.

use sqlx::{Connection, Executor, PgConnection};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use storage::audit::Actor;
use storage::media::StoredMedia;
use storage::password::{Hasher, StoredHash};
use storage::postgres::PgStore;
use storage::{Database, Engine};
use tokio::sync::{Mutex, OnceCell};

use domain::{
    AccountFields, Channel, ChannelFields, MediaId, NewPassword, OperatorName, PostDraft, PostType, ValidPost,
};

/// Runs each test in the block twice: `<name>::sqlite` and `<name>::postgres`. The test
/// takes the database (as the front ends see it) as its argument.
macro_rules! on_both {
    ($($(#[$meta:meta])* async fn $name:ident($db:ident) $body:block)*) => {$(
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($db: std::sync::Arc<dyn storage::Database>) $body

            #[tokio::test]
            async fn sqlite() {
                run($crate::common::sqlite().await).await
            }

            #[tokio::test]
            async fn postgres() {
                if let Some(db) = $crate::common::postgres().await {
                    run(db).await
                }
            }
        }
    )*};
}
pub(crate) use on_both;

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique(prefix: &str) -> String {
    format!("{prefix}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// A new SQLite database in a file of its own (an in-memory one would be one database per
/// pooled connection).
pub async fn sqlite() -> Arc<dyn Database> {
    let dir: PathBuf = std::env::temp_dir().join(unique("storage_conformance"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("console.db").display());
    Engine::connect(&url).await.unwrap().database()
}

/// A new PostgreSQL database copied from a migrated template (made once per run), or `None`
/// when no server is configured outside CI.
pub async fn postgres() -> Option<Arc<dyn Database>> {
    let Ok(base) = std::env::var("DATABASE_URL_PG") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "DATABASE_URL_PG is not set: CI must run the PostgreSQL half (scripts/test starts a server)"
        );
        eprintln!("PostgreSQL half not run: DATABASE_URL_PG is not set (scripts/services starts a server)");
        return None;
    };
    static TEMPLATE: OnceCell<String> = OnceCell::const_new();
    static CREATING: Mutex<()> = Mutex::const_new(());
    let template = TEMPLATE
        .get_or_init(|| async {
            let template = format!("storage_template_{}", std::process::id());
            admin(&base, &format!("DROP DATABASE IF EXISTS {template}")).await;
            admin(&base, &format!("CREATE DATABASE {template}")).await;
            PgStore::connect(&with_database(&base, &template)).await.unwrap().close().await;
            template
        })
        .await;
    let name = unique("storage_conformance");
    {
        let _one_at_a_time = CREATING.lock().await;
        admin(&base, &format!("CREATE DATABASE {name} TEMPLATE {template}")).await;
    }
    let pool =
        sqlx::postgres::PgPoolOptions::new().max_connections(8).connect(&with_database(&base, &name)).await.unwrap();
    Some(Arc::new(PgStore::from_pool(pool)))
}

async fn admin(url: &str, sql: &str) {
    let mut connection = PgConnection::connect(url).await.unwrap();
    connection.execute(sql).await.unwrap();
    connection.close().await.unwrap();
}

/// `postgres://user@host/db?query` with another database.
fn with_database(url: &str, database: &str) -> String {
    let mut url = url::Url::parse(url).unwrap();
    url.set_path(&format!("/{database}"));
    url.to_string()
}

pub const BY: Actor = Actor::ServerCommand;

pub async fn channel(db: &Arc<dyn Database>, name: &str) -> Channel {
    let fields = ChannelFields::parse_without_photo(name, "profile").unwrap();
    db.create_channel(&fields, None, &AccountFields::default(), &BY).await.unwrap()
}

/// A recorded image (no file: the database's side only).
pub async fn image(db: &Arc<dyn Database>, n: u8) -> MediaId {
    let id = MediaId::from_sha256(&[n; 32]);
    db.claim_media(&id).await.unwrap();
    let media = StoredMedia { id: id.clone(), content_type: "image/png", bytes: 10, width: Some(1), height: Some(1) };
    db.finish_media(&media).await.unwrap();
    id
}

/// A valid image id that was never uploaded.
pub fn unknown_image() -> MediaId {
    MediaId::from_sha256(&[0xee; 32])
}

pub fn text_post(channel_id: i64, text: &str) -> ValidPost {
    PostDraft { channel_id: Some(channel_id), kind: PostType::TextOnly, text: text.to_owned(), ..Default::default() }
        .validate()
        .unwrap()
}

pub fn image_post(channel_id: i64, images: &[&MediaId]) -> ValidPost {
    let images = images.iter().map(|id| domain::PostImage { media: id.to_string(), alt: String::new() }).collect();
    PostDraft { channel_id: Some(channel_id), kind: PostType::ImageOnly, images, ..Default::default() }
        .validate()
        .unwrap()
}

/// One password hash for every operator a test adds (argon2 is slow on purpose).
pub async fn hash() -> StoredHash {
    static HASH: OnceCell<StoredHash> = OnceCell::const_new();
    HASH.get_or_init(|| async {
        let password = NewPassword::parse(domain::Field::NewPassword, "correct horse battery").unwrap();
        Hasher::new().unwrap().hash(&password).await.unwrap()
    })
    .await
    .clone()
}

pub fn name(raw: &str) -> OperatorName {
    OperatorName::parse(raw).unwrap()
}
