//! The raw engine's figures, for `scripts/bench posts` to print beside the console's:
//! `engine --database-url URL --publishes N [--concurrency C] [--searches N]`.
//!
//! Runs on the benchmark's seeded database with the console's schema and indexes, but
//! without the web stack (no HTTP, sessions, JSON or rendering):
//! - `sql`: SQLite only, one connection publishing one post per transaction with its two
//!   search rows, nothing else (what the engine itself costs per commit);
//! - `store`: C tasks publishing through the storage crate, exactly the statements a
//!   console publish runs (channel check, idempotency key, post, search rows, audit entry);
//! - `search`: the console's searches through the storage crate, one at a time.
//!
//! Prints one JSON object per line: `{"what", "rate"?, "p50", "p99"}` (milliseconds).

use domain::{PostDraft, PostFilter, PostType};
use std::sync::Arc;
use std::time::Instant;
use storage::messages::MessageMeta;
use storage::{Actor, Database, Engine};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn report(what: &str, mut latencies: Vec<f64>, seconds: Option<f64>) {
    latencies.sort_by(f64::total_cmp);
    let rate = seconds.map(|s| latencies.len() as f64 / s);
    let rate = rate.map_or("null".to_owned(), |r| format!("{r:.1}"));
    let (p50, p99) = (percentile(&latencies, 50.0), percentile(&latencies, 99.0));
    println!(r#"{{"what":"{what}","rate":{rate},"p50":{p50:.3},"p99":{p99:.3}}}"#);
}

/// The console benchmark's post text, so that rows weigh the same.
fn text(tag: &str, i: usize) -> String {
    format!("Benchmark post {i}: market weather 뉴스 날씨 #{tag}{i}")
}

/// Idempotency keys unique to this run, so that runs on one database do not collide.
fn request_id(tag: &str, i: usize) -> String {
    static RUN: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    format!("engine-{}-{tag}-{i}", RUN.get_or_init(storage::clock::now))
}

/// One post per transaction with its search rows, on one connection: the engine alone.
async fn sql_loop(url: &str, count: usize) -> Result<(), Box<dyn std::error::Error>> {
    use sqlx::{Connection, SqliteConnection};
    let mut conn = SqliteConnection::connect(url).await?;
    sqlx::query("PRAGMA synchronous = NORMAL").execute(&mut conn).await?;
    let channel: i64 = sqlx::query_scalar("SELECT min(id) FROM channels").fetch_one(&mut conn).await?;
    let mut latencies = Vec::with_capacity(count);
    let started = Instant::now();
    for i in 0..count {
        let t = Instant::now();
        let body = text("sql-", i);
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO posts (channel_id, kind, text, request_id, created_at, msg_random, cloud_custom_data)
             VALUES (?, 'text', ?, ?, ?, 0, '') RETURNING id",
        )
        .bind(channel)
        .bind(&body)
        .bind(request_id("sql", i))
        .bind(storage::clock::now())
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO posts_trigram (rowid, body) VALUES (?, ?)")
            .bind(id)
            .bind(&body)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO posts_words (rowid, body) VALUES (?, ?)")
            .bind(id)
            .bind(domain::search::word_windows(&body))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    report("sql publish", latencies, Some(started.elapsed().as_secs_f64()));
    Ok(())
}

/// `concurrency` tasks publishing `count` posts through the store, as the console does.
async fn store_publishes(
    db: Arc<dyn Database>,
    count: usize,
    concurrency: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let channel = db.channel_options().await?.first().map(|c| c.id).ok_or("no channel to publish in")?;
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (db, next) = (db.clone(), next.clone());
        tasks.spawn(async move {
            let mut latencies = vec![];
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= count {
                    return Ok::<_, String>(latencies);
                }
                let t = Instant::now();
                let draft = PostDraft {
                    channel_id: Some(channel),
                    kind: PostType::TextOnly,
                    text: text("store-", i),
                    images: vec![],
                    links: vec![],
                };
                let post = draft.validate().map_err(|e| format!("{e:?}"))?;
                let meta = MessageMeta { random: i as i64, cloud_custom_data: String::new() };
                db.publish(&post, &request_id("store", i), &meta, &Actor::ServerCommand)
                    .await
                    .map_err(|e| e.to_string())?;
                latencies.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        });
    }
    let mut latencies = vec![];
    while let Some(done) = tasks.join_next().await {
        latencies.extend(done??);
    }
    report("store publish", latencies, Some(started.elapsed().as_secs_f64()));
    Ok(())
}

/// The benchmark's search queries through the store, 20 warm-up and `n` measured each.
async fn searches(db: Arc<dyn Database>, n: usize) -> Result<(), Box<dyn std::error::Error>> {
    let queries = ["market", "market weather rocket", "xylophone", "날씨", "박물관", "서울 harbor"];
    for q in queries {
        let filter =
            PostFilter { q: q.to_owned(), ..PostFilter::default() }.validate().map_err(|e| format!("{e:?}"))?;
        for _ in 0..20 {
            db.list_posts(&filter).await?;
        }
        let mut latencies = vec![];
        for _ in 0..n {
            let t = Instant::now();
            db.list_posts(&filter).await?;
            latencies.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        report(&format!("search {q}"), latencies, None);
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = arg("--database-url").ok_or("--database-url URL is required")?;
    let publishes: usize = arg("--publishes").ok_or("--publishes N is required")?.parse()?;
    let concurrency: usize = arg("--concurrency").map(|c| c.parse()).transpose()?.unwrap_or(8);
    let search_runs: usize = arg("--searches").map(|c| c.parse()).transpose()?.unwrap_or(200);
    if url.starts_with("sqlite:") {
        sql_loop(&url, publishes).await?;
    }
    let engine = Engine::connect(&url).await?;
    // As the server does (SQLite merges its search indexes and checkpoints in the background).
    engine.start_background_tasks();
    store_publishes(engine.database(), publishes, concurrency).await?;
    searches(engine.database(), search_runs).await?;
    // Leave the database as settled as it was found: the search-index segments of these
    // publishes merged, so that the console is not measured while the merger catches up
    // with the engine's work.
    if let Engine::Sqlite(store) = &engine {
        while store.merge_search_once().await? {}
    }
    engine.close().await;
    Ok(())
}
