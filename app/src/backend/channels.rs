//! Channel storage. Every channel query lives here, so another database can replace SQLite
//! behind the same functions.

use super::db::{self, now};
use crate::domain::{Channel, ChannelFields, ChannelPage, Field, MediaId, ValidationError};
use crate::error::AppError;
use sqlx::{Sqlite, SqlitePool, Transaction};

const COLUMNS: &str = "id, name, profile, photo, created_at, updated_at";

pub async fn list(pool: &SqlitePool, page: u32) -> Result<ChannelPage, AppError> {
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM channels").fetch_one(pool).await?;
    let size = ChannelPage::PAGE_SIZE;
    let page_count = ((total as u64).div_ceil(size as u64)).max(1) as u32;
    let page = page.clamp(1, page_count);
    let channels = sqlx::query_as::<_, Channel>(&format!(
        "SELECT {COLUMNS} FROM channels ORDER BY id DESC LIMIT ? OFFSET ?"
    ))
    .bind(size as i64)
    .bind(((page - 1) * size) as i64)
    .fetch_all(pool)
    .await?;
    Ok(ChannelPage { channels, page, page_count, total: total as u64 })
}

pub async fn get(pool: &SqlitePool, id: i64) -> Result<Option<Channel>, AppError> {
    Ok(sqlx::query_as::<_, Channel>(&format!("SELECT {COLUMNS} FROM channels WHERE id = ?"))
        .bind(id)
        .fetch_optional(pool)
        .await?)
}

async fn require_media(
    tx: &mut Transaction<'_, Sqlite>,
    photo: &MediaId,
) -> Result<(), AppError> {
    let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM media WHERE id = ?")
        .bind(photo.as_ref())
        .fetch_optional(&mut **tx)
        .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(ValidationError::UnknownMedia { field: Field::ProfilePhoto }.into()),
    }
}

pub async fn create(pool: &SqlitePool, fields: &ChannelFields) -> Result<Channel, AppError> {
    let ChannelFields { name, profile, photo } = fields;
    let mut tx = db::begin_write(pool).await?;
    require_media(&mut tx, photo).await?;
    let now = now();
    let channel = sqlx::query_as::<_, Channel>(&format!(
        "INSERT INTO channels (name, profile, photo, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?) RETURNING {COLUMNS}"
    ))
    .bind(name.as_ref())
    .bind(profile.as_ref())
    .bind(photo.as_ref())
    .bind(now)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(channel)
}

/// What a change left behind: media no channel uses any more, whose files can go.
pub struct Orphans(pub Vec<String>);

pub async fn update(
    pool: &SqlitePool,
    id: i64,
    fields: &ChannelFields,
) -> Result<(Channel, Orphans), AppError> {
    let ChannelFields { name, profile, photo } = fields;
    let mut tx = db::begin_write(pool).await?;
    let old_photo: Option<Option<String>> =
        sqlx::query_scalar("SELECT photo FROM channels WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(old_photo) = old_photo else {
        return Err(AppError::channel_not_found());
    };
    require_media(&mut tx, photo).await?;
    let channel = sqlx::query_as::<_, Channel>(&format!(
        "UPDATE channels SET name = ?, profile = ?, photo = ?, updated_at = ?
         WHERE id = ? RETURNING {COLUMNS}"
    ))
    .bind(name.as_ref())
    .bind(profile.as_ref())
    .bind(photo.as_ref())
    .bind(now())
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    let orphans = delete_if_orphaned(&mut tx, old_photo.filter(|p| p != photo.as_ref())).await?;
    tx.commit().await?;
    Ok((channel, orphans))
}

/// Deletes the channel and everything that belongs only to it. `NotFound` when it is gone.
/// Its posts go with it (the foreign key cascades), and so do images nothing else uses.
pub async fn delete(pool: &SqlitePool, id: i64) -> Result<Orphans, AppError> {
    let mut tx = db::begin_write(pool).await?;
    let mut candidates: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT i.media FROM post_images i JOIN posts p ON p.id = i.post_id
         WHERE p.channel_id = ?",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let photo: Option<Option<String>> =
        sqlx::query_scalar("DELETE FROM channels WHERE id = ? RETURNING photo")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(photo) = photo else {
        return Err(AppError::channel_not_found());
    };
    candidates.extend(photo);
    let mut orphans = Orphans(vec![]);
    for media in candidates {
        orphans.0.extend(delete_if_orphaned(&mut tx, Some(media)).await?.0);
    }
    tx.commit().await?;
    Ok(orphans)
}

async fn delete_if_orphaned(
    tx: &mut Transaction<'_, Sqlite>,
    media: Option<String>,
) -> Result<Orphans, AppError> {
    let Some(media) = media else { return Ok(Orphans(vec![])) };
    let deleted = sqlx::query(
        "DELETE FROM media WHERE id = ?1
         AND NOT EXISTS (SELECT 1 FROM channels WHERE photo = ?1)
         AND NOT EXISTS (SELECT 1 FROM post_images WHERE media = ?1)",
    )
    .bind(&media)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(Orphans(if deleted == 1 { vec![media] } else { vec![] }))
}
