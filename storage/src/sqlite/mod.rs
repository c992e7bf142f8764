//! The SQLite implementation of [`crate::Database`]: embedded, zero set-up, one writer at a
//! time. Writes start with `BEGIN IMMEDIATE`, so a check and the change it guards run under
//! the write lock; within the process, writers queue for it on a fair async lock first
//! ([`WriteTx`]).

mod backup;
mod media;
mod post_list;
mod posts;
mod publish_batch;

use crate::audit::Actor;
use domain::AuditAction;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqliteConnection, SqlitePool, Transaction};
use std::ops::ControlFlow;
use std::str::FromStr;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Pages one merge slice may write per index: a few milliseconds of work.
const MERGE_PAGES: i64 = 64;

/// One slice of merging for both search indexes; whether it did anything. FTS5 tells only
/// through the connection's change count: the command itself counts one change, a merge
/// that wrote segments more.
async fn merge_search_slice(store: &SqliteStore) -> Result<bool, sqlx::Error> {
    let mut tx = store.begin_write().await?;
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

/// One writer waiting for the turn, for the write queue's gauge.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Self(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A write transaction that holds the process's turn to write.
///
/// SQLite lets one connection write at a time; the others, on `BEGIN IMMEDIATE`, find the
/// database locked and their busy handler sleeps (1, 2, 5 ... up to 100 ms a try) before it
/// looks again, so under concurrent publishing an unlucky request waited 100 ms while the
/// lock was free most of that time. Writers of this process therefore queue on a fair
/// async lock first and take SQLite's lock only when it is theirs; the busy timeout is left
/// for writers in other processes (`server operator`).
pub(crate) struct WriteTx {
    tx: Transaction<'static, Sqlite>,
    _turn: OwnedMutexGuard<()>,
}

impl WriteTx {
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub(crate) async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl std::ops::Deref for WriteTx {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.tx
    }
}

/// A SQLite database (one file, or in memory for tests).
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
    writer: Arc<Mutex<()>>,
    /// Write transactions waiting for the writers' turn (a metric).
    waiting: Arc<AtomicUsize>,
    publishes: Arc<publish_batch::Queue>,
    /// The WAL's length at the checkpointer's last rewind.
    rewound_at: Arc<AtomicI64>,
    /// Rung when a transaction records an event to deliver. The deliverer's claim waits
    /// for the write lock, so a ring before the commit is never missed.
    events: Arc<tokio::sync::Notify>,
    /// Rung when a transaction records an event for the subscribers' streams.
    streams: Arc<tokio::sync::Notify>,
}

impl SqliteStore {
    /// Opens (creating if missing) the database and applies pending migrations, with
    /// commits durable when acknowledged.
    pub async fn connect(database_url: &str) -> Result<Self, sqlx::Error> {
        Self::connect_with(database_url, crate::Durability::Full).await
    }

    /// The same, with the durability of commits chosen (`--sqlite-synchronous`).
    pub async fn connect_with(database_url: &str, durability: crate::Durability) -> Result<Self, sqlx::Error> {
        // FULL syncs the WAL at every commit, so a commit acknowledged survives a power cut;
        // NORMAL syncs only at checkpoints, and the last commits before an OS crash may roll
        // back. The publish queue commits a batch of publishes at once, so FULL costs one
        // sync per batch rather than one per post (docs/benchmarks.md has both rates).
        let synchronous = match durability {
            crate::Durability::Full => SqliteSynchronous::Full,
            crate::Durability::Normal => SqliteSynchronous::Normal,
        };
        let options = SqliteConnectOptions::from_str(database_url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // Commits no longer copy the WAL back into the database every 1,000 pages (a
            // stall of ~100 ms for the request that happens to commit then): the server
            // checkpoints from a background task (`spawn_checkpointer`); this higher limit
            // is the safety net.
            .pragma("wal_autocheckpoint", "10000");
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self::from_pool(pool))
    }

    /// A store over a pool whose database is migrated already (tests).
    pub fn from_pool(pool: SqlitePool) -> Self {
        Self {
            pool,
            writer: Arc::new(Mutex::new(())),
            waiting: Arc::default(),
            publishes: Arc::default(),
            rewound_at: Arc::default(),
            events: Arc::default(),
            streams: Arc::default(),
        }
    }

    /// Tells this process's deliverer that an event is (about to be) committed: on SQLite
    /// only this process writes the database.
    pub(crate) async fn announce_events(&self, _tx: &mut SqliteConnection) -> Result<(), sqlx::Error> {
        self.events.notify_one();
        Ok(())
    }

    pub(crate) async fn events_announced(&self, at_most: Duration) {
        let _ = tokio::time::timeout(at_most, self.events.notified()).await;
    }

    /// Tells this process's streams that events are (about to be) committed.
    pub(crate) async fn announce_stream(&self, _tx: &mut SqliteConnection) -> Result<(), sqlx::Error> {
        self.streams.notify_one();
        Ok(())
    }

    /// Waits for the bell, then for the transaction that rang it to end: it rings before
    /// its commit, and the writers' turn is held until then.
    pub(crate) async fn streams_announced(&self, at_most: Duration) {
        if tokio::time::timeout(at_most, self.streams.notified()).await.is_ok() {
            drop(self.writer.lock().await);
        }
    }

    /// A read transaction: SQLite reads one snapshot from its first statement on.
    pub(crate) async fn begin_snapshot(&self) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
        self.pool.begin().await
    }

    /// Events are placed as they commit: the position is the id.
    pub(crate) async fn place(&self) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT COALESCE(max(id), 0) FROM events").fetch_one(&self.pool).await
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Copies the WAL back into the database off the request path, ten times a second.
    pub fn spawn_checkpointer(&self) {
        let store = self.clone();
        crate::every::spawn_every(Duration::from_millis(100), move || {
            let store = store.clone();
            async move {
                if store.pool.is_closed() {
                    return ControlFlow::Break(());
                }
                if let Err(error) = store.checkpoint_once().await {
                    tracing::warn!(%error, "WAL checkpoint failed; will retry");
                }
                ControlFlow::Continue(())
            }
        });
    }

    /// One round of the checkpointer. A passive checkpoint copies the WAL's pages while
    /// readers and writers go on. It cannot rewind the WAL, though: SQLite starts writing
    /// at the WAL's beginning again only when a writer finds it all copied and no reader in
    /// it, which under steady publishing never happened, so the WAL grew to the
    /// `wal_autocheckpoint` limit and the commit that crossed it copied 40 MB (~120 ms).
    /// Once the WAL holds `REWIND_FRAMES`, this takes the writers' turn for as long as a
    /// RESTART checkpoint of what is left takes (the pages since the passive one);
    /// `rewound_at` keeps the WAL's length then, so that an idle WAL is not rewound again.
    pub async fn checkpoint_once(&self) -> Result<(), sqlx::Error> {
        const REWIND_FRAMES: i64 = 2_000;
        let (_, frames, _): (i64, i64, i64) =
            sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(&self.pool).await?;
        if frames >= REWIND_FRAMES && frames != self.rewound_at.load(Ordering::Relaxed) {
            let mut conn = self.pool.acquire().await?;
            let _turn = self.writer.clone().lock_owned().await;
            // RESTART waits for readers still in the WAL, with the writers held: a short
            // wait, then a try at the next tick (busy), rather than the 5 s busy timeout.
            sqlx::query("PRAGMA busy_timeout = 20").execute(&mut *conn).await?;
            let restarted: Result<(i64, i64, i64), _> =
                sqlx::query_as("PRAGMA wal_checkpoint(RESTART)").fetch_one(&mut *conn).await;
            sqlx::query("PRAGMA busy_timeout = 5000").execute(&mut *conn).await?;
            let (busy, frames, _) = restarted?;
            if busy == 0 {
                self.rewound_at.store(frames, Ordering::Relaxed);
            }
        }
        Ok(())
    }

    /// Merges the search indexes' segments off the request path (the migration
    /// `search_merges_in_background` turned FTS5's own merging in commits off). Every tick,
    /// slices of at most `MERGE_PAGES` pages per index, each in its own short write
    /// transaction so that a publish waits for one slice at most, until there is nothing
    /// left to merge or the tick's time is used up.
    pub fn spawn_search_merger(&self) {
        const TICK: Duration = Duration::from_millis(100);
        const BUDGET: Duration = Duration::from_millis(40);
        let store = self.clone();
        crate::every::spawn_every(TICK, move || {
            let store = store.clone();
            async move {
                if store.pool.is_closed() {
                    return ControlFlow::Break(());
                }
                let started = tokio::time::Instant::now();
                loop {
                    match merge_search_slice(&store).await {
                        Ok(true) if started.elapsed() < BUDGET => continue,
                        Ok(_) => break,
                        Err(error) => {
                            tracing::warn!(%error, "merging the search index failed; will retry");
                            break;
                        }
                    }
                }
                ControlFlow::Continue(())
            }
        });
    }

    /// One slice of the background merger's work; whether there was any (tests).
    pub async fn merge_search_once(&self) -> Result<bool, sqlx::Error> {
        merge_search_slice(self).await
    }

    /// Starts a transaction that will write. `BEGIN IMMEDIATE` takes the write lock up
    /// front, so concurrent writers wait for each other (busy timeout) instead of failing
    /// when a read transaction tries to upgrade to a write after another writer committed.
    pub(crate) async fn begin_write(&self) -> Result<WriteTx, sqlx::Error> {
        let turn = {
            // Counted while waiting, however the wait ends (a caller that goes away drops it).
            let _waiting = Waiting::new(&self.waiting);
            self.writer.clone().lock_owned().await
        };
        self.begin_in_turn(turn).await
    }

    /// The write queue's depth: transactions and publishes waiting for the writers' turn.
    pub(crate) fn write_queue(&self) -> usize {
        self.waiting.load(Ordering::Relaxed) + self.publishes.len()
    }

    /// Makes the rest of a write transaction the only one doing this step, on any number of
    /// servers: on SQLite, `BEGIN IMMEDIATE` did that already (one writer at a time).
    pub(crate) async fn serialize(_tx: &mut SqliteConnection, _key: i64) -> Result<(), sqlx::Error> {
        Ok(())
    }

    async fn begin_in_turn(&self, turn: OwnedMutexGuard<()>) -> Result<WriteTx, sqlx::Error> {
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(WriteTx { tx, _turn: turn })
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

/// Records several actions with one statement.
async fn audit_many(tx: &mut SqliteConnection, entries: &[(&Actor, AuditAction, String)]) -> Result<(), sqlx::Error> {
    let at = crate::clock::now();
    let mut q = sqlx::QueryBuilder::<Sqlite>::new("INSERT INTO audit_log (at, operator, action, subject, address) ");
    q.push_values(entries, |mut row, (by, action, subject)| {
        row.push_bind(at)
            .push_bind(by.label())
            .push_bind(action.as_str())
            .push_bind(subject.clone())
            .push_bind(by.address());
    });
    q.build().execute(&mut *tx).await?;
    Ok(())
}
