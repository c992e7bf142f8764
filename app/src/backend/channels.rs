//! Channel storage. Every channel query lives here, so another database can replace SQLite
//! behind the same functions.

use super::db::{self, now};
use crate::domain::{
    AccountFields, AccountId, Channel, ChannelFields, ChannelPage, Field, MediaId, ValidationError,
};
use crate::error::AppError;
use sqlx::{Sqlite, SqlitePool, Transaction};

const COLUMNS: &str =
    "id, name, profile, photo, COALESCE(account_id, '') AS account_id, face_url, created_at, updated_at";

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
    create_account(pool, fields, None, &AccountFields::default()).await
}

/// Creates a channel with its REST API fields: the console's `create` and the API's
/// `create_official_account` both end here. `account` is generated when not given; a
/// taken one is a `Conflict`.
pub async fn create_account(
    pool: &SqlitePool,
    fields: &ChannelFields,
    account: Option<&AccountId>,
    extra: &AccountFields,
) -> Result<Channel, AppError> {
    let ChannelFields { name, profile, photo } = fields;
    let account = match account {
        Some(id) => id.clone(),
        None => AccountId::generated(super::random::bytes()),
    };
    let mut tx = db::begin_write(pool).await?;
    if let Some(photo) = photo {
        require_media(&mut tx, photo).await?;
    }
    let taken: Option<i64> = sqlx::query_scalar("SELECT 1 FROM channels WHERE account_id = ?")
        .bind(account.as_ref())
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        return Err(AppError::Conflict(format!("Official_Account {} is already in use.", account.as_ref())));
    }
    let now = now();
    let channel = sqlx::query_as::<_, Channel>(&format!(
        "INSERT INTO channels (name, profile, photo, account_id, owner_account, face_url,
             organization, custom_string, max_subscribers, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, NULLIF(?, ''), ?, ?, ?, ?, ?) RETURNING {COLUMNS}"
    ))
    .bind(name.as_ref())
    .bind(profile.as_ref())
    .bind(photo.as_ref().map(|p| p.as_ref()))
    .bind(account.as_ref())
    .bind(extra.owner.as_deref().unwrap_or_default())
    .bind(extra.face_url.as_deref().unwrap_or_default())
    .bind(extra.organization.as_deref().unwrap_or_default())
    .bind(extra.custom_string.as_deref().unwrap_or_default())
    .bind(extra.max_subscribers.unwrap_or(AccountFields::DEFAULT_MAX_SUBSCRIBERS))
    .bind(now)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(channel)
}

/// A channel as the REST API describes it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    pub id: i64,
    pub account_id: String,
    pub name: String,
    pub profile: String,
    pub photo: Option<String>,
    pub face_url: Option<String>,
    pub owner_account: String,
    pub organization: String,
    pub custom_string: String,
    pub max_subscribers: i64,
    pub created_at: i64,
    pub last_msg_time: Option<i64>,
}

pub async fn get_account(pool: &SqlitePool, account: &str) -> Result<Option<AccountRow>, AppError> {
    Ok(sqlx::query_as::<_, AccountRow>(
        "SELECT c.id, c.account_id, c.name, c.profile, c.photo, c.face_url, c.owner_account,
                c.organization, c.custom_string, c.max_subscribers, c.created_at,
                (SELECT max(created_at) FROM posts p WHERE p.channel_id = c.id AND p.recalled_at IS NULL)
                    AS last_msg_time
         FROM channels c WHERE c.account_id = ?",
    )
    .bind(account)
    .fetch_optional(pool)
    .await?)
}

/// What `modify_official_account_base_info` may change; `None` keeps the stored value.
#[derive(Debug, Clone, Default)]
pub struct AccountChanges {
    pub name: Option<crate::domain::ChannelName>,
    pub profile: Option<crate::domain::ChannelProfile>,
    pub extra: AccountFields,
}

pub async fn update_account(pool: &SqlitePool, id: i64, changes: &AccountChanges) -> Result<(), AppError> {
    let extra = &changes.extra;
    let updated = sqlx::query(
        "UPDATE channels SET
             name = COALESCE(?, name), profile = COALESCE(?, profile),
             owner_account = COALESCE(?, owner_account),
             face_url = CASE WHEN ? IS NULL THEN face_url ELSE NULLIF(?, '') END,
             organization = COALESCE(?, organization), custom_string = COALESCE(?, custom_string),
             max_subscribers = COALESCE(?, max_subscribers), updated_at = ?
         WHERE id = ?",
    )
    .bind(changes.name.as_ref().map(|n| n.as_ref().to_owned()))
    .bind(changes.profile.as_ref().map(|p| p.as_ref().to_owned()))
    .bind(extra.owner.as_deref())
    .bind(extra.face_url.as_deref())
    .bind(extra.face_url.as_deref())
    .bind(extra.organization.as_deref())
    .bind(extra.custom_string.as_deref())
    .bind(extra.max_subscribers)
    .bind(now())
    .bind(id)
    .execute(pool)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(AppError::channel_not_found());
    }
    Ok(())
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
    if let Some(photo) = photo {
        require_media(&mut tx, photo).await?;
    }
    // A photo set in the console replaces an avatar address given through the API.
    let channel = sqlx::query_as::<_, Channel>(&format!(
        "UPDATE channels SET name = ?, profile = ?, photo = COALESCE(?, photo),
             face_url = CASE WHEN ? IS NULL THEN face_url ELSE NULL END, updated_at = ?
         WHERE id = ? RETURNING {COLUMNS}"
    ))
    .bind(name.as_ref())
    .bind(profile.as_ref())
    .bind(photo.as_ref().map(|p| p.as_ref()))
    .bind(photo.as_ref().map(|p| p.as_ref()))
    .bind(now())
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    let orphans = delete_if_orphaned(
        &mut tx,
        old_photo.filter(|old| photo.as_ref().is_some_and(|new| new.as_ref() != old)),
    )
    .await?;
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
