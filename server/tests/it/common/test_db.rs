//! A fresh database and media store for one test, on either engine: SQLite in a temporary
//! file with media files on the local disk, or a new PostgreSQL database (copied from a
//! migrated template) with media in the S3-compatible test bucket under a prefix of its own.
//! `scripts/test` starts both servers (`scripts/services`) and sets `DATABASE_URL_PG` and
//! the `AWS_*` variables.

use sqlx::any::AnyPoolOptions;
use sqlx::postgres::PgPoolOptions;
use sqlx::{AnyPool, Connection, Executor, PgConnection};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use storage::media::{MediaStore, MediaUrl};
use storage::postgres::PgStore;
use storage::Engine;
use tokio::sync::{Mutex, OnceCell};

/// Runs each test in the block twice: `<name>::sqlite` (SQLite and local media files) and
/// `<name>::postgres` (PostgreSQL and the S3-compatible bucket). The test takes the
/// database as its argument.
macro_rules! on_both {
    ($($(#[$meta:meta])* async fn $name:ident($db:ident: TestDb) $body:block)*) => {$(
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($db: $crate::common::TestDb) $body

            #[tokio::test]
            async fn sqlite() {
                run($crate::common::TestDb::sqlite().await).await
            }

            #[tokio::test]
            async fn postgres() {
                run($crate::common::TestDb::postgres().await).await
            }
        }
    )*};
}
pub(crate) use on_both;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

pub struct TestDb {
    pub kind: Kind,
    pub engine: Engine,
    /// The database's URL (for a server command run as the real binary).
    pub url: String,
    /// For the tests' own queries, on either engine (placeholders are `$1`, `$2`, ...).
    pub any: AnyPool,
    pub data_dir: PathBuf,
    pub media_url: MediaUrl,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique(prefix: &str) -> String {
    format!("{prefix}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl TestDb {
    pub async fn sqlite() -> Self {
        sqlx::any::install_default_drivers();
        let name = unique("console_test");
        let data_dir = fresh_dir(&name);
        let url = format!("sqlite://{}", data_dir.join("console.db").display());
        let engine = Engine::connect(&url).await.unwrap();
        let any = AnyPoolOptions::new().max_connections(2).connect(&url).await.unwrap();
        let media_url = MediaUrl::File(data_dir.join("media"));
        Self { kind: Kind::Sqlite, engine, url, any, data_dir, media_url }
    }

    pub async fn postgres() -> Self {
        sqlx::any::install_default_drivers();
        let name = unique("console_test");
        let url = new_pg_database(&name).await;
        let pool = PgPoolOptions::new().max_connections(4).connect(&url).await.unwrap();
        let engine = Engine::Postgres(PgStore::from_pool(pool));
        let any = AnyPoolOptions::new().max_connections(2).connect(&url).await.unwrap();
        let bucket = std::env::var("S3_TEST_BUCKET")
            .expect("S3_TEST_BUCKET and the AWS_* variables name the test bucket: run scripts/test, which starts one");
        let media_url = MediaUrl::S3 { bucket, prefix: name.clone() };
        Self { kind: Kind::Postgres, engine, url, any, data_dir: fresh_dir(&name), media_url }
    }

    pub async fn media(&self, max_bytes: u64) -> MediaStore {
        MediaStore::open(&self.media_url, &self.data_dir, max_bytes).await.unwrap()
    }

    /// Makes inserts into `table` fail (a trigger that aborts them) until
    /// [`Self::allow_inserts`]: the way to make a change fail half-way.
    pub async fn refuse_inserts(&self, table: &str) {
        self.switch(table, 1).await;
    }

    pub async fn allow_inserts(&self, table: &str) {
        self.switch(table, 0).await;
    }

    async fn switch(&self, table: &str, refuse: i64) {
        let create = "CREATE TABLE IF NOT EXISTS refuse_switch (tbl TEXT PRIMARY KEY, refuse BIGINT NOT NULL)";
        self.any.execute(create).await.unwrap();
        let trigger = match self.kind {
            Kind::Sqlite => vec![format!(
                "CREATE TRIGGER IF NOT EXISTS refuse_{table} BEFORE INSERT ON {table} \
                 WHEN (SELECT refuse FROM refuse_switch WHERE tbl = '{table}') = 1 \
                 BEGIN SELECT RAISE(ABORT, 'inserts into {table} are refused'); END"
            )],
            Kind::Postgres => vec![
                "CREATE OR REPLACE FUNCTION refuse_insert() RETURNS trigger LANGUAGE plpgsql AS $f$ \
                 BEGIN IF (SELECT refuse FROM refuse_switch WHERE tbl = TG_TABLE_NAME) = 1 THEN \
                 RAISE EXCEPTION 'inserts into % are refused', TG_TABLE_NAME; END IF; RETURN NEW; END $f$"
                    .to_owned(),
                format!(
                    "CREATE OR REPLACE TRIGGER refuse_{table} BEFORE INSERT ON {table} \
                     FOR EACH ROW EXECUTE FUNCTION refuse_insert()"
                ),
            ],
        };
        for sql in trigger {
            self.any.execute(sql.as_str()).await.unwrap();
        }
        sqlx::query(
            "INSERT INTO refuse_switch (tbl, refuse) VALUES ($1, $2) ON CONFLICT (tbl) DO UPDATE SET refuse = excluded.refuse",
        )
        .bind(table)
        .bind(refuse)
        .execute(&self.any)
        .await
        .unwrap();
    }

    /// How many search-index entries hold `word` (the index itself, not the post list).
    pub async fn search_entries_with(&self, word: &str) -> i64 {
        let query = match self.kind {
            Kind::Sqlite => "SELECT COUNT(*) FROM posts_trigram WHERE posts_trigram MATCH '\"' || $1 || '\"'",
            Kind::Postgres => "SELECT COUNT(*) FROM posts WHERE strpos(search_folded, $1) > 0",
        };
        sqlx::query_scalar(query).bind(word).fetch_one(&self.any).await.unwrap()
    }

    /// Breaks the search index that publishing writes to: the next publish fails inside its
    /// transaction.
    pub async fn break_search_index(&self) {
        let sql = match self.kind {
            Kind::Sqlite => "DROP TABLE posts_words",
            Kind::Postgres => "ALTER TABLE posts DROP COLUMN search_folded",
        };
        self.any.execute(sql).await.unwrap();
    }
}

/// A new database copied from a migrated template (made once per test run). Each test
/// has its own runtime, so nothing here keeps a connection past the call.
async fn new_pg_database(name: &str) -> String {
    static TEMPLATE: OnceCell<(String, String)> = OnceCell::const_new();
    static CREATING: Mutex<()> = Mutex::const_new(());
    let (base, template) = TEMPLATE
        .get_or_init(|| async {
            let base = std::env::var("DATABASE_URL_PG")
                .expect("DATABASE_URL_PG names the test PostgreSQL server: run scripts/test, which starts one");
            let template = format!("console_template_{}", std::process::id());
            admin(&base, &format!("DROP DATABASE IF EXISTS {template}")).await;
            admin(&base, &format!("CREATE DATABASE {template}")).await;
            let migrated = PgStore::connect(&with_database(&base, &template)).await.unwrap();
            migrated.close().await;
            (base, template)
        })
        .await;
    let _one_at_a_time = CREATING.lock().await;
    admin(base, &format!("CREATE DATABASE {name} TEMPLATE {template}")).await;
    with_database(base, name)
}

/// Runs one statement on its own connection.
async fn admin(url: &str, sql: &str) {
    let mut connection = PgConnection::connect(url).await.unwrap();
    connection.execute(sql).await.unwrap();
    connection.close().await.unwrap();
}

/// `postgres://user@host/db?query` with another database.
fn with_database(url: &str, database: &str) -> String {
    let (main, query) = url.split_once('?').map(|(m, q)| (m, Some(q))).unwrap_or((url, None));
    let (server, _) = main.rsplit_once('/').unwrap();
    match query {
        Some(query) => format!("{server}/{database}?{query}"),
        None => format!("{server}/{database}"),
    }
}
