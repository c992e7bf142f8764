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
}

/// The channel servers are told on that events were committed.
const EVENTS_CHANNEL: &str = "console_events";

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
            // 16 for requests, and one that the webhook deliverer's LISTEN holds.
            .max_connections(17)
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

    /// Waits for a notification (from any server) or this server's bell, at most `at_most`.
    /// Without a listening connection (the database restarting) it just waits.
    pub(crate) async fn events_announced(&self, at_most: Duration) {
        let mut guard = self.listener.lock().await;
        if guard.is_none() {
            match PgListener::connect_with(&self.pool).await {
                Ok(mut listener) => match listener.listen(EVENTS_CHANNEL).await {
                    Ok(()) => *guard = Some(listener),
                    Err(error) => tracing::warn!(%error, "could not listen for events; polling"),
                },
                Err(error) => tracing::warn!(%error, "could not listen for events; polling"),
            }
        }
        let bell = self.events.notified();
        match guard.as_mut() {
            Some(listener) => {
                tokio::select! {
                    heard = listener.try_recv() => {
                        if heard.is_err() {
                            *guard = None;
                            return;
                        }
                        // One round claims whatever is due: the notifications queued
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
