//! The PostgreSQL implementation of [`crate::Database`], for several servers sharing one
//! database. Nothing here relies on a single writer: a check and the change it guards are
//! one statement (`INSERT ... ON CONFLICT`, `UPDATE ... WHERE ... RETURNING`) or run under a
//! lock on what they read (`FOR UPDATE`, an advisory lock).

mod api;
mod channels;
mod operators;
mod post_list;
mod posts;
mod sessions;

use crate::audit::Actor;
use domain::AuditAction;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};
use std::str::FromStr;
use std::time::Duration;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A PostgreSQL database.
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
    /// How many of the newest posts a search reads first (see `post_list`).
    search_window: i64,
    /// The sizes (as powers of two) of the runs of posts a search asks the index for, one
    /// after the other (see `post_list`); each post's tokens name its run at every level.
    search_levels: Vec<u32>,
}

impl PgStore {
    /// Connects and applies pending migrations. Servers starting together are safe: the
    /// migrator holds an advisory lock while it runs.
    pub async fn connect(database_url: &str) -> Result<Self, sqlx::Error> {
        let options = PgConnectOptions::from_str(database_url)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self::from_pool(pool))
    }

    /// A store over a pool whose database is migrated already (tests).
    pub fn from_pool(pool: PgPool) -> Self {
        Self { pool, search_window: post_list::RECENT_WINDOW, search_levels: post_list::SEARCH_LEVELS.to_vec() }
    }

    /// A store whose searches read only the newest `posts` first, then ask the index for
    /// runs of 2^`levels` posts: a test's small corpus then goes through every way a search
    /// is answered. Posts must be stored by a store with the same levels.
    pub fn with_search_shape(mut self, posts: i64, levels: &[u32]) -> Self {
        self.search_window = posts.max(1);
        self.search_levels = levels.iter().map(|&l| l.min(62)).collect();
        self
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Records an action inside the transaction that makes it: both are stored, or neither.
async fn audit(
    tx: &mut Transaction<'_, Postgres>,
    by: &Actor,
    action: AuditAction,
    subject: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO audit_log (at, operator, action, subject, address) VALUES ($1, $2, $3, $4, $5)")
        .bind(crate::clock::now())
        .bind(by.label())
        .bind(action.as_str())
        .bind(subject)
        .bind(by.address())
        .execute(&mut **tx)
        .await?;
    Ok(())
}
