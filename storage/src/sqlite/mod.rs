//! The SQLite implementation of [`crate::Database`]: embedded, zero set-up, one writer at a
//! time. Writes start with `BEGIN IMMEDIATE`, so a check and the change it guards run under
//! the write lock.

mod api;
mod channels;
mod operators;
mod post_list;
mod posts;
mod sessions;

use crate::audit::Actor;
use domain::AuditAction;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Pages one merge slice may write per index: a few milliseconds of work.
const MERGE_PAGES: i64 = 64;

/// One slice of merging for both search indexes; whether it did anything. FTS5 tells only
/// through the connection's change count: the command itself counts one change, a merge
/// that wrote segments more.
async fn merge_search_slice(pool: &SqlitePool) -> Result<bool, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?;
    let mut merged = false;
    for index in ["posts_trigram", "posts_words"] {
        let before: i64 = sqlx::query_scalar("SELECT total_changes()").fetch_one(&mut *tx).await?;
        sqlx::query(&format!("INSERT INTO {index} ({index}, rank) VALUES ('merge', ?)"))
            .bind(MERGE_PAGES)
            .execute(&mut *tx)
            .await?;
        let after: i64 = sqlx::query_scalar("SELECT total_changes()").fetch_one(&mut *tx).await?;
        merged |= after - before >= 2;
    }
    tx.commit().await?;
    Ok(merged)
}

/// A SQLite database (one file, or in memory for tests).
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database and applies pending migrations.
    pub async fn connect(database_url: &str) -> Result<Self, sqlx::Error> {
        let options = SqliteConnectOptions::from_str(database_url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // Commits no longer copy the WAL back into the database every 1,000 pages (a
            // stall of ~100 ms for the request that happens to commit then): the server
            // checkpoints from a background task (`spawn_checkpointer`); this higher limit
            // is the safety net.
            .pragma("wal_autocheckpoint", "10000");
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }

    /// A store over a pool whose database is migrated already (tests).
    pub fn from_pool(pool: SqlitePool) -> Self {
        Self { pool }
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Copies the WAL back into the database every second, off the request path. A passive
    /// checkpoint waits for nobody and blocks nobody: readers and writers go on meanwhile.
    pub fn spawn_checkpointer(&self) {
        let pool = self.pool.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if pool.is_closed() {
                    return;
                }
                if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
                    tracing::warn!(%error, "WAL checkpoint failed; will retry");
                }
            }
        });
    }

    /// Merges the search indexes' segments off the request path (the migration
    /// `search_merges_in_background` turned FTS5's own merging in commits off). Every tick,
    /// slices of at most `MERGE_PAGES` pages per index, each in its own short write
    /// transaction so that a publish waits for one slice at most, until there is nothing
    /// left to merge or the tick's time is used up.
    pub fn spawn_search_merger(&self) {
        const TICK: Duration = Duration::from_millis(100);
        const BUDGET: Duration = Duration::from_millis(40);
        let pool = self.pool.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(TICK);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if pool.is_closed() {
                    return;
                }
                let started = tokio::time::Instant::now();
                loop {
                    match merge_search_slice(&pool).await {
                        Ok(true) if started.elapsed() < BUDGET => continue,
                        Ok(_) => break,
                        Err(error) => {
                            tracing::warn!(%error, "merging the search index failed; will retry");
                            break;
                        }
                    }
                }
            }
        });
    }

    /// One slice of the background merger's work; whether there was any (tests).
    pub async fn merge_search_once(&self) -> Result<bool, sqlx::Error> {
        merge_search_slice(&self.pool).await
    }

    /// Starts a transaction that will write. `BEGIN IMMEDIATE` takes the write lock up
    /// front, so concurrent writers wait for each other (busy timeout) instead of failing
    /// when a read transaction tries to upgrade to a write after another writer committed.
    async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }
}

/// Creates the database file, readable and writable by the server's user only, before
/// SQLite opens it (its `-wal` and `-shm` files then get the same permissions).
pub fn create_private(url: &str) -> Result<(), sqlx::Error> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" || std::path::Path::new(path).exists() {
        return Ok(());
    }
    std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map(drop).or_else(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Ok(())
        } else {
            Err(sqlx::Error::Io(e))
        }
    })
}

/// Records an action inside the transaction that makes it: both are stored, or neither.
async fn audit(
    tx: &mut Transaction<'_, Sqlite>,
    by: &Actor,
    action: AuditAction,
    subject: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO audit_log (at, operator, action, subject, address) VALUES (?, ?, ?, ?, ?)")
        .bind(crate::clock::now())
        .bind(by.label())
        .bind(action.as_str())
        .bind(subject)
        .bind(by.address())
        .execute(&mut **tx)
        .await?;
    Ok(())
}
