//! Backups and restores, from and to either engine and either media store.
//!
//! A backup is a directory: `console.db`, a SQLite database in the console's schema holding
//! every row an operator, an app or an auditor would miss (channels, posts, operators and
//! their password hashes, the audit log, the REST API's key and administrators,
//! subscribers, the event log and webhook settings); `media/`, every image those rows name,
//! with its thumbnail when one was made; and `manifest.json` (format, schema version, rows
//! per table, size and SHA-256 of every file), written last, so a directory without one is
//! not a backup. Being SQLite whatever the source, the same backup restores into SQLite or
//! PostgreSQL: backup then restore is how a console moves from one machine's SQLite to
//! PostgreSQL and a bucket.
//!
//! Not copied: sessions (operators sign in again), the sign-in throttle's counts, uploads in
//! flight, and search entries, which a restore makes again from the posts.
//!
//! The source is read in one snapshot (SQLite: one read transaction, which in WAL mode
//! holds no writer up; PostgreSQL: one `REPEATABLE READ` transaction), so a backup holds
//! every change committed before it began and none half made. Rows travel as JSON (see
//! `crate::shared::copy`), in batches, ordered by each table's key.

mod files;

pub use files::FileSum;

use crate::media::{MediaStore, Variant};
use crate::Engine;
use async_trait::async_trait;
use domain::{Field, MediaId};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::SqlitePool;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The backup format this console writes and reads.
pub const FORMAT: u32 = 1;
pub const DATABASE_FILE: &str = "console.db";
pub const MANIFEST_FILE: &str = "manifest.json";
/// Rows per batch read and written.
const BATCH: i64 = 1_000;

/// A table a backup holds, and the columns that order its rows.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub key: &'static [&'static str],
}

const fn table(name: &'static str, key: &'static [&'static str]) -> Table {
    Table { name, key }
}

/// Parents before the rows that refer to them.
pub const TABLES: [Table; 14] = [
    table("media", &["id"]),
    table("channels", &["id"]),
    table("posts", &["id"]),
    table("post_images", &["post_id", "position"]),
    table("post_links", &["post_id", "position"]),
    table("operators", &["id"]),
    table("audit_log", &["id"]),
    table("api_settings", &["id"]),
    table("api_admins", &["identifier"]),
    table("subscribers", &["id"]),
    table("subscriber_days", &["channel_id", "day"]),
    table("events", &["id"]),
    table("webhook_settings", &["id"]),
    // The device cookies' key: browsers keep their exemption from the sign-in throttle.
    table("signing_keys", &["purpose"]),
];

/// Tables a console fills by itself (rows its migrations make, a key made on first use):
/// they do not make a database "hold data".
const SETTINGS_TABLES: [&str; 3] = ["api_settings", "webhook_settings", "signing_keys"];

/// What a running console keeps only for a while: never copied, emptied by a restore.
const TRANSIENT_TABLES: [&str; 5] =
    ["sessions", "sign_in_failures", "media_claims", "media_sweep", "subscriber_streams"];

/// Reading and writing a table's rows as JSON objects, on either engine (implemented for
/// both connections in `crate::shared::copy`).
#[async_trait]
pub(crate) trait Rows: Send {
    /// The table's columns, in order.
    async fn columns(&mut self, table: &str) -> Result<Vec<String>, sqlx::Error>;
    /// Up to `limit` rows, ordered by the table's key, after the row whose key is `after`;
    /// each a JSON object of `columns`.
    async fn read(
        &mut self,
        table: &Table,
        columns: &[String],
        after: Option<&[Value]>,
        limit: i64,
    ) -> Result<Vec<String>, sqlx::Error>;
    /// Inserts the rows of a JSON array of objects; how many.
    async fn write(&mut self, table: &str, columns: &[String], rows: &str) -> Result<u64, sqlx::Error>;
    async fn count(&mut self, table: &str) -> Result<i64, sqlx::Error>;
    async fn clear(&mut self, table: &str) -> Result<(), sqlx::Error>;
    /// Posts after `after` by id (recalled ones too), with what their search entry holds.
    async fn posts_to_index(&mut self, after: i64, limit: i64) -> Result<Vec<(i64, String)>, sqlx::Error>;
}

/// What `manifest.json` says of a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// The last migration of the console's schema the database has.
    pub schema_version: i64,
    /// When the snapshot was taken (unix milliseconds).
    pub created_at: i64,
    /// The engine it was taken from: `sqlite` or `postgres`.
    pub source: String,
    /// Rows per table.
    pub tables: BTreeMap<String, i64>,
    /// Every file, by its path in the backup (`console.db`, `media/ab/cdef…`).
    pub files: BTreeMap<String, FileSum>,
}

impl Manifest {
    pub fn media_files(&self) -> usize {
        self.files.keys().filter(|path| path.starts_with("media/")).count()
    }

    pub fn bytes(&self) -> u64 {
        self.files.values().map(|f| f.bytes).sum()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} is not empty: a backup goes into a new or empty directory")]
    NotEmpty(PathBuf),
    #[error("the image {0} was removed while the backup was taken, at every try")]
    Unsettled(String),
    #[error("the database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the backup's schema: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("{0} is not a backup: {1}")]
    NotABackup(PathBuf, String),
    #[error("the backup's format is {0}; this console reads format 1")]
    Format(u32),
    #[error("the backup is damaged, nothing was restored: {}", .0.join("; "))]
    Damaged(Vec<String>),
    #[error("the backup was made by a newer console (schema {backup}; this one knows up to {known})")]
    Newer { backup: i64, known: i64 },
    #[error("the target already holds data ({0}); nothing was restored (--force replaces it)")]
    NotEmpty(String),
    #[error("the backup does not fit this database: {0}")]
    Mismatch(String),
    #[error("the database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the backup's schema: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Backs up the database and its images into `dir` (made if missing; it must be empty).
pub async fn backup(engine: &Engine, media: &MediaStore, dir: &Path) -> Result<Manifest, BackupError> {
    tokio::fs::create_dir_all(dir).await?;
    if tokio::fs::read_dir(dir).await?.next_entry().await?.is_some() {
        return Err(BackupError::NotEmpty(dir.to_owned()));
    }
    // A backup holds password hashes and the REST API's key: its owner's alone.
    {
        use std::os::unix::fs::PermissionsExt;
        tokio::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).await?;
    }
    // An image whose channel was deleted between the snapshot and the copy of its file is
    // gone from the store: a new snapshot no longer names it.
    let mut tries = 0;
    loop {
        let taken = backup_once(engine, media, dir).await;
        if taken.is_err() {
            // What a failed attempt wrote is no backup; the directory stays, empty.
            let _ = files::empty(dir).await;
        }
        match taken {
            Err(BackupError::Unsettled(id)) if tries < 2 => {
                tracing::info!(image = %id, "an image went during the backup; taking it again");
                tries += 1;
                files::empty(dir).await?;
            }
            done => return done,
        }
    }
}

async fn backup_once(engine: &Engine, media: &MediaStore, dir: &Path) -> Result<Manifest, BackupError> {
    let db_path = dir.join(DATABASE_FILE);
    let out = open_file_db(&db_path, true).await?;
    crate::sqlite::MIGRATOR.run(&out).await?;
    let schema_version = schema_version(&out).await?;
    let mut to = out.begin().await?;
    for table in TABLES.iter().rev() {
        to.clear(table.name).await?;
    }
    let created_at = crate::clock::Clock::now_ms(&crate::clock::SystemClock);
    let (source, tables) = match engine {
        Engine::Sqlite(store) => {
            // A deferred read transaction: its snapshot is taken at the first read, and in
            // WAL mode writers go on beside it.
            let mut from = store.pool.begin().await?;
            ("sqlite", copy_out(&mut *from, &mut *to).await?)
        }
        Engine::Postgres(store) => {
            let mut from = store.pool.begin().await?;
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *from).await?;
            ("postgres", copy_out(&mut *from, &mut *to).await?)
        }
    };
    let images: Vec<String> = sqlx::query_scalar("SELECT id FROM media ORDER BY id").fetch_all(&mut *to).await?;
    to.commit().await?;
    out.close().await;
    files::sync(&db_path).await?;

    let mut files = BTreeMap::new();
    for id in images {
        let id = MediaId::parse(Field::PostImages, &id)
            .map_err(|_| BackupError::Database(sqlx::Error::Protocol(format!("the image id {id:?} is not one"))))?;
        for variant in [Variant::Original, Variant::Thumbnail] {
            let path = media_path(&id, variant);
            match media.export_file(&id, variant, &dir.join(&path)).await? {
                Some(sum) => {
                    files.insert(path, sum);
                }
                None if variant == Variant::Original => return Err(BackupError::Unsettled(id.to_string())),
                None => {}
            }
        }
    }
    files.insert(DATABASE_FILE.to_owned(), files::sum(&db_path).await?);
    let manifest = Manifest { format: FORMAT, schema_version, created_at, source: source.to_owned(), tables, files };
    files::write_manifest(dir, &manifest).await?;
    Ok(manifest)
}

/// Copies every table from a live database into the backup's; rows per table.
async fn copy_out(from: &mut dyn Rows, to: &mut dyn Rows) -> Result<BTreeMap<String, i64>, BackupError> {
    let mut counts = BTreeMap::new();
    for table in &TABLES {
        // The live database is this console's own: a column it lacks is a fault, not a
        // mismatch someone can mend.
        let columns =
            shared_columns(&mut *to, &mut *from, table.name, |what| BackupError::Database(sqlx::Error::Protocol(what)))
                .await?;
        counts.insert(table.name.to_owned(), copy_table(&mut *from, &mut *to, table, &columns).await?);
    }
    Ok(counts)
}

/// The columns of the backup's table (SQLite's schema), which the other side must have;
/// `mismatch` says what is wrong when it does not.
async fn shared_columns<E: From<sqlx::Error>>(
    sqlite: &mut dyn Rows,
    other: &mut dyn Rows,
    table: &str,
    mismatch: impl FnOnce(String) -> E,
) -> Result<Vec<String>, E> {
    let columns = sqlite.columns(table).await?;
    let theirs = other.columns(table).await?;
    match columns.iter().find(|c| !theirs.contains(c)) {
        Some(missing) => Err(mismatch(format!("the table {table} has no column {missing}"))),
        None if columns.is_empty() => Err(mismatch(format!("there is no table {table}"))),
        None => Ok(columns),
    }
}

async fn copy_table(
    from: &mut dyn Rows,
    to: &mut dyn Rows,
    table: &Table,
    columns: &[String],
) -> Result<i64, sqlx::Error> {
    let mut after: Option<Vec<Value>> = None;
    let mut copied = 0;
    loop {
        let rows = from.read(table, columns, after.as_deref(), BATCH).await?;
        let Some(last) = rows.last() else { break };
        let last: serde_json::Map<String, Value> =
            serde_json::from_str(last).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        after = Some(table.key.iter().map(|k| last.get(*k).cloned().unwrap_or(Value::Null)).collect());
        to.write(table.name, columns, &format!("[{}]", rows.join(","))).await?;
        copied += rows.len() as i64;
        if (rows.len() as i64) < BATCH {
            break;
        }
    }
    Ok(copied)
}

/// Where an image's file is in a backup.
fn media_path(id: &MediaId, variant: Variant) -> String {
    format!("media/{}", MediaStore::key(id, variant))
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    pub manifest: Manifest,
    /// Posts given search entries again (every post).
    pub indexed_posts: usize,
}

/// Restores the backup in `dir` into the database and media store given. Every file is
/// checked against the manifest first: a damaged or incomplete backup is refused, with
/// what is wrong, before anything is written. A target that holds data is refused unless
/// `force`, which replaces it. `scratch` is a directory on the local disk for a working
/// copy of the backup's database (the backup itself is only read).
pub async fn restore(
    engine: &Engine,
    media: &MediaStore,
    dir: &Path,
    force: bool,
    scratch: &Path,
) -> Result<Restored, RestoreError> {
    let manifest = files::read_manifest(dir).await?;
    if manifest.format != FORMAT {
        return Err(RestoreError::Format(manifest.format));
    }
    let known = latest_known_version();
    if manifest.schema_version > known {
        return Err(RestoreError::Newer { backup: manifest.schema_version, known });
    }
    files::verify(dir, &manifest).await?;

    // A working copy, brought to this console's schema by its migrations.
    tokio::fs::create_dir_all(scratch).await?;
    let copy = files::Scratch(scratch.join(format!("restore-{}.db", crate::random::hex_token::<8>())));
    tokio::fs::copy(dir.join(DATABASE_FILE), &copy.0).await?;
    let from_pool = open_file_db(&copy.0, false).await?;
    let restored = restore_from(engine, media, dir, force, &manifest, &from_pool).await;
    from_pool.close().await;
    restored
}

/// Gives every restored post its search entries (recalled ones too: operators search
/// them); how many.
macro_rules! reindex {
    ($store:expr, $tx:expr) => {{
        let mut after = 0;
        let mut indexed = 0;
        loop {
            let posts = $tx.posts_to_index(after, 500).await?;
            let Some((last, _)) = posts.last() else { break };
            after = *last;
            $store.index_posts(&mut $tx, &posts).await?;
            indexed += posts.len();
        }
        indexed
    }};
}

async fn restore_from(
    engine: &Engine,
    media: &MediaStore,
    dir: &Path,
    force: bool,
    manifest: &Manifest,
    from_pool: &SqlitePool,
) -> Result<Restored, RestoreError> {
    let version = schema_version(from_pool).await?;
    if version != manifest.schema_version {
        return Err(RestoreError::Damaged(vec![format!(
            "the database is at schema {version}, the manifest says {}",
            manifest.schema_version
        )]));
    }
    // Counted as the backup has them, before this console's migrations add to them.
    let mut from = from_pool.acquire().await?;
    let mut wrong = Vec::new();
    for (table, expected) in &manifest.tables {
        let Some(table) = TABLES.iter().find(|t| t.name == table) else { continue };
        let found = from.count(table.name).await?;
        if found != *expected {
            wrong.push(format!("{}: {found} rows, the manifest says {expected}", table.name));
        }
    }
    drop(from);
    crate::sqlite::MIGRATOR.run(from_pool).await?;
    let mut from = from_pool.acquire().await?;
    let images: Vec<String> = sqlx::query_scalar("SELECT id FROM media ORDER BY id").fetch_all(&mut *from).await?;
    let mut wanted = Vec::with_capacity(images.len());
    for raw in images {
        let Ok(id) = MediaId::parse(Field::PostImages, &raw) else {
            wrong.push(format!("the image id {raw:?} is not one"));
            continue;
        };
        let original = media_path(&id, Variant::Original);
        if !manifest.files.contains_key(&original) {
            wrong.push(format!("{original} (an image the database names) is not in the backup"));
        }
        wanted.push(id);
    }
    if !wrong.is_empty() {
        return Err(RestoreError::Damaged(wrong));
    }

    // The target: empty, or replaced on request.
    let held = match engine {
        Engine::Sqlite(store) => holds_data(&mut *store.pool.acquire().await?).await?,
        Engine::Postgres(store) => holds_data(&mut *store.pool.acquire().await?).await?,
    };
    if let Some(held) = held.filter(|_| !force) {
        return Err(RestoreError::NotEmpty(held));
    }

    // Files before rows: no restored row ever names a file not yet in place.
    for id in &wanted {
        for variant in [Variant::Original, Variant::Thumbnail] {
            let path = media_path(id, variant);
            if manifest.files.contains_key(&path) {
                media.import_file(id, variant, &dir.join(&path)).await?;
            }
        }
    }

    // One transaction: the target has all of the backup or none of it.
    let indexed_posts = match engine {
        Engine::Sqlite(store) => {
            let mut to = store.begin_write().await?;
            copy_in(&mut *from, &mut *to).await?;
            let indexed = reindex!(store, to);
            store.after_restore(&mut to).await?;
            to.commit().await?;
            indexed
        }
        Engine::Postgres(store) => {
            let mut to = store.pool.begin().await?;
            copy_in(&mut *from, &mut *to).await?;
            let indexed = reindex!(store, to);
            store.after_restore(&mut to).await?;
            to.commit().await?;
            indexed
        }
    };
    Ok(Restored { manifest: manifest.clone(), indexed_posts })
}

/// Empties the target and copies every table into it from the backup.
async fn copy_in(from: &mut dyn Rows, to: &mut dyn Rows) -> Result<(), RestoreError> {
    for table in TRANSIENT_TABLES {
        to.clear(table).await?;
    }
    for table in TABLES.iter().rev() {
        to.clear(table.name).await?;
    }
    for table in &TABLES {
        let columns = shared_columns(&mut *from, &mut *to, table.name, RestoreError::Mismatch).await?;
        copy_table(&mut *from, &mut *to, table, &columns).await?;
    }
    Ok(())
}

/// What the target holds already, if anything: "3 channels, 1 operator".
async fn holds_data(db: &mut dyn Rows) -> Result<Option<String>, sqlx::Error> {
    let mut held = Vec::new();
    for table in TABLES.iter().filter(|t| !SETTINGS_TABLES.contains(&t.name)) {
        let rows = db.count(table.name).await?;
        if rows > 0 {
            held.push(format!("{rows} rows in {}", table.name));
        }
    }
    Ok((!held.is_empty()).then(|| held.join(", ")))
}

/// A SQLite file of the backup's: one file (no WAL beside it), written without the syncs
/// of every commit (it is synced once, when whole).
async fn open_file_db(path: &Path, create: bool) -> Result<SqlitePool, sqlx::Error> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(create)
        .journal_mode(SqliteJournalMode::Delete)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Off)
        .foreign_keys(true);
    SqlitePoolOptions::new().max_connections(1).connect_with(options).await
}

/// The last migration a SQLite database has had.
async fn schema_version(pool: &SqlitePool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COALESCE(max(version), 0) FROM _sqlx_migrations WHERE success").fetch_one(pool).await
}

fn latest_known_version() -> i64 {
    crate::sqlite::MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}
