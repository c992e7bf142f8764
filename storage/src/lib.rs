//! Channel Console's storage: everything that touches the database or the media files.
//!
//! - [`database`]: the traits a database engine implements (what the console, the REST
//!   API and the command line may ask of storage); both engines implement them,
//!   [`sqlite`] (embedded, one machine) and [`postgres`] (several servers sharing one
//!   database), and [`Engine`] picks one by the database URL at run time.
//! - [`media`]: image files, content-addressed, streamed in with bounded memory.
//! - [`auth`]: sessions, the sign-in throttle and password checks over the database;
//!   [`password`] hashes, [`throttle`] counts failures, [`device`] signs and checks the
//!   device cookies that exempt an operator's own browsers from their name's count.
//! - [`audit`]: who made a change; every change's audit entry is written in the change's
//!   own transaction.
//! - [`error`]: what can go wrong, as types; the front ends say it.

pub mod audit;
pub mod auth;
pub mod backup;
pub mod clock;
pub mod database;
pub mod device;
pub mod error;
pub mod events;
mod every;
mod measure;
pub mod media;
pub mod messages;
pub mod password;
pub mod postgres;
pub mod random;
mod rows;
mod shared;
pub mod sqlite;
pub mod streams;
pub mod throttle;

pub use audit::Actor;
pub use database::Database;
pub use error::{AuthError, Conflict, MediaUse, Missing, StoreError, StoreResult, UploadError};

use domain::{Channel, ChannelFields, MediaId};
use media::{MediaStore, StoredMedia};
use std::sync::Arc;

/// Whether a SQLite commit is on disk when it is acknowledged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// `synchronous=FULL`: an acknowledged commit survives a power cut or an OS crash.
    #[default]
    Full,
    /// `synchronous=NORMAL`: faster; the last commits before a power cut may be lost.
    Normal,
}

/// An open database of either engine, chosen by its URL at run time.
#[derive(Clone, Debug)]
pub enum Engine {
    Sqlite(sqlite::SqliteStore),
    Postgres(postgres::PgStore),
}

impl Engine {
    /// Opens the database a URL names and applies pending migrations: `sqlite://<file>`
    /// (created if missing) or `postgres://` / `postgresql://` (a Unix socket with
    /// `?host=/socket/dir`).
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        Self::connect_with(url, Durability::Full).await
    }

    /// The same, with SQLite's durability of commits chosen (PostgreSQL's is the
    /// database's own setting, durable by default).
    pub async fn connect_with(url: &str, durability: Durability) -> Result<Self, sqlx::Error> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Engine::Postgres(postgres::PgStore::connect(url).await?))
        } else if url.starts_with("sqlite:") {
            sqlite::create_private(url)?;
            Ok(Engine::Sqlite(sqlite::SqliteStore::connect_with(url, durability).await?))
        } else {
            // The scheme alone: the rest of the URL may hold a password.
            let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
            let scheme: String =
                scheme.chars().filter(|c| c.is_ascii_alphanumeric() || "+-.".contains(*c)).take(20).collect();
            Err(sqlx::Error::Configuration(
                format!("unsupported database URL scheme {scheme:?}: use sqlite://FILE or postgres://USER@HOST/DB")
                    .into(),
            ))
        }
    }

    pub fn database(&self) -> Arc<dyn Database> {
        match self {
            Engine::Sqlite(store) => Arc::new(store.clone()),
            Engine::Postgres(store) => Arc::new(store.clone()),
        }
    }

    /// Starts the engine's own background work: SQLite's WAL checkpointer and search-index
    /// merger (PostgreSQL needs neither).
    pub fn start_background_tasks(&self) {
        if let Engine::Sqlite(store) = self {
            store.spawn_checkpointer();
            store.spawn_search_merger();
        }
    }

    pub async fn close(&self) {
        match self {
            Engine::Sqlite(store) => store.close().await,
            Engine::Postgres(store) => store.close().await,
        }
    }
}

/// The database and the media files together, for the changes that touch both: the file
/// side is done here, after the database has committed (a file is never removed while a
/// row uses it, and an upload's row is written only once its file is in place).
#[derive(Clone)]
pub struct Storage {
    pub db: Arc<dyn Database>,
    pub media: MediaStore,
}

impl Storage {
    pub fn new(db: Arc<dyn Database>, media: MediaStore) -> Self {
        Self { db, media }
    }

    /// Streams an upload to a temporary file, checks it, claims it and stores its file.
    pub async fn upload<S, E>(&self, chunks: S) -> Result<StoredMedia, UploadError>
    where
        S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let spooled = self.media.spool(chunks).await?;
        let media = spooled.media.clone();
        self.db.claim_media(&media.id).await?;
        if let Err(error) = self.media.put(spooled).await {
            // Nothing half-stored stays: the claim is given up and what was written swept.
            if self.db.release_media(&media.id).await.is_ok() {
                self.sweep_now(vec![media.id.clone()]).await;
            }
            return Err(UploadError::from(error));
        }
        self.db.finish_media(&media).await?;
        Ok(media)
    }

    pub async fn update_channel(&self, id: i64, fields: &ChannelFields, by: &Actor) -> StoreResult<Channel> {
        let (channel, orphans) = self.db.update_channel(id, fields, by).await?;
        self.sweep_now(orphans.0).await;
        Ok(channel)
    }

    /// Deletes a channel, its posts and the images nothing else uses.
    pub async fn delete_channel(&self, id: i64, by: &Actor) -> StoreResult<()> {
        let orphans = self.db.delete_channel(id, by).await?;
        self.sweep_now(orphans.0).await;
        Ok(())
    }

    /// Removes the files of images a change has just orphaned. The change is committed
    /// already, so a failure here is only logged: the periodic sweep removes them later.
    async fn sweep_now(&self, ids: Vec<MediaId>) {
        if ids.is_empty() {
            return;
        }
        if let Err(error) = self.db.sweep_media(Some(&ids), clock::now() + 1, &self.media).await {
            tracing::warn!(%error, "could not remove orphaned media files yet; the next sweep will");
        }
    }

    /// Every `every`: forgets uploads recorded more than `unused` ago that nothing uses
    /// (uploaded for a draft never published, say), then removes the files of images
    /// orphaned more than `grace` ago that are still unused (those, and files left by a
    /// crash between a change and its file removal, or a failed removal).
    pub fn spawn_sweeper(&self, every: std::time::Duration, grace: std::time::Duration, unused: std::time::Duration) {
        let storage = self.clone();
        every::spawn_every(every, move || {
            let storage = storage.clone();
            async move {
                match storage.db.forget_unused_media(clock::now() - unused.as_secs() as i64).await {
                    Ok(forgotten) if !forgotten.is_empty() => {
                        tracing::info!(count = forgotten.len(), "forgot uploads nothing used")
                    }
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "forgetting unused uploads failed; will retry"),
                }
                let before = clock::now() - grace.as_secs() as i64;
                match storage.db.sweep_media(None, before, &storage.media).await {
                    Ok(swept) if !swept.is_empty() => tracing::info!(count = swept.len(), "swept unused media files"),
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "media sweep failed; will retry"),
                }
                std::ops::ControlFlow::Continue(())
            }
        });
    }

    /// Makes a new REST API secret key (256 random bits, 64 hex digits, like the vendor's),
    /// replacing the old one. Returns the key, which is shown this once.
    pub async fn rotate_api_key(&self, by: &Actor) -> StoreResult<String> {
        let key = random::hex_token::<32>();
        self.db.set_api_key(&key, by).await?;
        Ok(key)
    }
}
