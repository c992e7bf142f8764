//! The PostgreSQL implementation of [`crate::Database`], for several servers sharing one
//! database. Nothing here relies on a single writer: a check and the change it guards are
//! one statement (`INSERT ... ON CONFLICT`, `UPDATE ... WHERE ... RETURNING`) or run under a
//! lock on what they read (`FOR UPDATE`, an advisory lock).

mod backup;
mod media;
mod post_list;
mod posts;
mod url_parameters;

use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A PostgreSQL database.
#[derive(Clone, Debug)]
pub struct PgStore {
    pub(crate) pool: PgPool,
    /// How many of the newest posts a search reads first (see `post_list`).
    search_window: i64,
    /// The sizes (as powers of two) of the runs of posts a search asks the index for, one
    /// after the other (see `post_list`); each post's tokens name its run at every level.
    search_levels: Vec<u32>,
    /// This server's listener for `console_events` notifications (connected when first
    /// waited on), and a bell this server rings for its own events.
    listener: Arc<tokio::sync::Mutex<Option<PgListener>>>,
    events: Arc<tokio::sync::Notify>,
    /// The same for `console_stream`: events for the subscribers' streams committed.
    stream_listener: Arc<tokio::sync::Mutex<Option<PgListener>>>,
    streams: Arc<tokio::sync::Notify>,
}

/// The channel servers are told on that events were committed.
const EVENTS_CHANNEL: &str = "console_events";
/// The channel servers are told on that events for the subscribers' streams were committed.
const STREAM_CHANNEL: &str = "console_stream";

/// Waits for a notification on `channel` (from any server) or `bell`, at most `at_most`.
/// Without a listening connection (the database restarting) it just waits.
async fn announced(
    pool: &PgPool,
    listener: &tokio::sync::Mutex<Option<PgListener>>,
    channel: &str,
    bell: &tokio::sync::Notify,
    at_most: Duration,
) {
    let mut guard = listener.lock().await;
    if guard.is_none() {
        match PgListener::connect_with(pool).await {
            Ok(mut listener) => match listener.listen(channel).await {
                Ok(()) => *guard = Some(listener),
                Err(error) => tracing::warn!(%error, channel, "could not listen for events; polling"),
            },
            Err(error) => tracing::warn!(%error, channel, "could not listen for events; polling"),
        }
    }
    let bell = bell.notified();
    match guard.as_mut() {
        Some(listener) => {
            tokio::select! {
                heard = listener.try_recv() => {
                    if heard.is_err() {
                        *guard = None;
                        return;
                    }
                    // One round handles whatever was announced: the notifications queued
                    // meanwhile (one per commit) need no round each.
                    while let Some(Ok(Some(_))) = futures_util::FutureExt::now_or_never(listener.try_recv()) {}
                }
                _ = bell => {}
                _ = tokio::time::sleep(at_most) => {}
            }
        }
        None => {
            let _ = tokio::time::timeout(at_most, bell).await;
        }
    }
}

impl PgStore {
    /// Connects and applies pending migrations. Servers starting together are safe: the
    /// migrator holds an advisory lock while it runs.
    pub async fn connect(database_url: &str) -> Result<Self, sqlx::Error> {
        let (database_url, dropped) = url_parameters::known_parameters_only(database_url);
        for name in dropped {
            // By name only: the value may be a secret.
            tracing::warn!(parameter = %name, "the database URL's parameter is not supported and was ignored");
        }
        let options = PgConnectOptions::from_str(&database_url)?;
        let pool = PgPoolOptions::new()
            // 16 for requests, and the two LISTENs: the webhook deliverer's and the streams'.
            .max_connections(18)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self::from_pool(pool))
    }

    /// A store over a pool whose database is migrated already (tests).
    pub fn from_pool(pool: PgPool) -> Self {
        Self {
            pool,
            search_window: post_list::RECENT_WINDOW,
            search_levels: post_list::SEARCH_LEVELS.to_vec(),
            listener: Arc::default(),
            events: Arc::default(),
            stream_listener: Arc::default(),
            streams: Arc::default(),
        }
    }

    /// A store whose searches read only the newest `posts` first, then ask the index for
    /// runs of 2^`levels` posts: a test's small corpus then goes through every way a search
    /// is answered. Posts must be stored by a store with the same levels.
    pub fn with_search_shape(mut self, posts: i64, levels: &[u32]) -> Self {
        self.search_window = posts.max(1);
        self.search_levels = levels.iter().map(|&l| l.min(62)).collect();
        self
    }

    /// Tells every server, when the transaction commits, that events are due (NOTIFY is
    /// delivered on commit, and once however often a transaction sends it).
    pub(crate) async fn announce_events(&self, tx: &mut PgConnection) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT pg_notify($1, '')").bind(EVENTS_CHANNEL).execute(&mut *tx).await?;
        self.events.notify_one();
        Ok(())
    }

    /// Waits for a `console_events` notification (from any server) or this server's bell, at
    /// most `at_most`.
    pub(crate) async fn events_announced(&self, at_most: Duration) {
        announced(&self.pool, &self.listener, EVENTS_CHANNEL, &self.events, at_most).await
    }

    /// Tells every server's streams, when the transaction commits, that events were made.
    pub(crate) async fn announce_stream(&self, tx: &mut PgConnection) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT pg_notify($1, '')").bind(STREAM_CHANNEL).execute(&mut *tx).await?;
        Ok(())
    }

    pub(crate) async fn streams_announced(&self, at_most: Duration) {
        announced(&self.pool, &self.stream_listener, STREAM_CHANNEL, &self.streams, at_most).await
    }

    /// A read-only transaction on one snapshot of the database.
    pub(crate) async fn begin_snapshot(&self) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
        Ok(tx)
    }

    /// The sequencer (see the `live_streams` migration): gives committed events without a
    /// position the next ones, in id order, one sequencer at a time on any number of
    /// servers. Returns the newest position.
    pub(crate) async fn place(&self) -> Result<i64, sqlx::Error> {
        let waiting: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM events WHERE position IS NULL)")
            .fetch_one(&self.pool)
            .await?;
        if !waiting {
            return sqlx::query_scalar("SELECT last FROM event_positions WHERE id = 1").fetch_one(&self.pool).await;
        }
        let mut tx = self.pool.begin().await?;
        let last: i64 =
            sqlx::query_scalar("SELECT last FROM event_positions WHERE id = 1 FOR UPDATE").fetch_one(&mut *tx).await?;
        // A statement of its own, so its snapshot is taken with the lock held: it sees the
        // positions the sequencer before this one committed.
        let (newest, deliverable): (Option<i64>, Option<bool>) = sqlx::query_as(
            "WITH todo AS (SELECT id FROM events WHERE position IS NULL ORDER BY id FOR UPDATE),
                  numbered AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM todo),
                  placed AS (UPDATE events e SET position = $1 + numbered.n FROM numbered
                             WHERE e.id = numbered.id RETURNING e.position, e.delivery)
             SELECT max(position), bool_or(delivery = 'pending') FROM placed",
        )
        .bind(last)
        .fetch_one(&mut *tx)
        .await?;
        let Some(newest) = newest else {
            tx.rollback().await?;
            return Ok(last);
        };
        sqlx::query("UPDATE event_positions SET last = $1 WHERE id = 1").bind(newest).execute(&mut *tx).await?;
        // Streams on every server read the newly placed events.
        sqlx::query("SELECT pg_notify($1, 'placed')").bind(STREAM_CHANNEL).execute(&mut *tx).await?;
        if deliverable == Some(true) {
            // A deliverer's claim passes over rows locked here (SKIP LOCKED): it looks again.
            sqlx::query("SELECT pg_notify($1, '')").bind(EVENTS_CHANNEL).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(newest)
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Starts a transaction that will write. Nothing is locked up front: each operation
    /// locks what it reads (`FOR UPDATE`, `FOR SHARE`) or decides in one statement.
    /// No queue of its own: PostgreSQL's writers wait in the database (its row locks).
    pub(crate) fn write_queue(&self) -> usize {
        0
    }

    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        self.pool.begin().await
    }

    /// Makes the rest of a write transaction the only one doing this step, on any number of
    /// servers: a transaction-scoped advisory lock on `key`.
    pub(crate) async fn serialize(tx: &mut PgConnection, key: i64) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(key).execute(&mut *tx).await?;
        Ok(())
    }
}
