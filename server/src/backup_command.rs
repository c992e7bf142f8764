//! `server backup --to DIR` and `server restore --from DIR [--force]`: a consistent copy of
//! the database and its images, taken while the console serves, and its return into the
//! configured database and media store (of either engine: this is also how a console moves
//! from SQLite to PostgreSQL and a bucket). See docs/operations.md.

use crate::Config;
use std::path::PathBuf;
use storage::backup::{self, Manifest};

/// `backup --to DIR`, with the server's flags (what to back up).
#[derive(Debug, clap::Args)]
#[command(after_help = "DIR is made if missing and must be empty. The console may go on serving meanwhile.")]
pub struct Backup {
    /// The directory to write the backup into
    #[arg(long, value_name = "DIR")]
    pub to: PathBuf,
    #[command(flatten)]
    pub server: crate::config::ServerArgs,
}

/// `restore --from DIR [--force]`, with the server's flags (where to restore to).
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Every file is checked against the backup's manifest first; a damaged backup is refused and nothing is written. Stop the console's servers while restoring."
)]
pub struct Restore {
    /// The backup's directory
    #[arg(long, value_name = "DIR")]
    pub from: PathBuf,
    /// Replace what the database holds already (refused otherwise)
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub server: crate::config::ServerArgs,
}

pub async fn backup(command: &Backup, config: &Config) -> Result<(), Box<dyn std::error::Error>> {
    let (storage, engine) = crate::open_storage(config).await?;
    let started = std::time::Instant::now();
    let done = backup::backup(&engine, &storage.media, &command.to).await;
    engine.close().await;
    let manifest = done?;
    println!(
        "Backed up {} into {} in {:.1} s: {}; {} image files; {} in all.",
        config.redacted_database_url(),
        command.to.display(),
        started.elapsed().as_secs_f64(),
        rows(&manifest),
        manifest.media_files(),
        size(manifest.bytes()),
    );
    Ok(())
}

pub async fn restore(command: &Restore, config: &Config) -> Result<(), Box<dyn std::error::Error>> {
    let (storage, engine) = crate::open_storage(config).await?;
    let scratch = config.data_dir.join("tmp");
    let done = backup::restore(&engine, &storage.media, &command.from, command.force, &scratch).await;
    engine.close().await;
    let restored = done?;
    let manifest = &restored.manifest;
    println!(
        "Restored the {} backup of {} (schema {}) from {} into {} and {}: {}; {} image files; {} posts searchable. Operators sign in again.",
        manifest.source,
        app::domain::dates::format_timestamp(manifest.created_at / 1000),
        manifest.schema_version,
        command.from.display(),
        config.redacted_database_url(),
        config.media_url,
        rows(manifest),
        manifest.media_files(),
        restored.indexed_posts,
    );
    Ok(())
}

/// "3 channels, 120 posts, …" in the backup's table order.
fn rows(manifest: &Manifest) -> String {
    backup::TABLES
        .iter()
        .map(|t| format!("{} {}", manifest.tables.get(t.name).copied().unwrap_or(0), t.name.replace('_', " ")))
        .collect::<Vec<_>>()
        .join(", ")
}

fn size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}
