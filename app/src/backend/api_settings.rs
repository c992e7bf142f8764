//! The REST API's settings: the application id, its secret key and the administrators.

use super::db::now;
use crate::domain::{AdminIdentifier, ApiSettings};
use crate::error::AppError;
use sqlx::SqlitePool;

/// The application id and key, for verifying a call; `None` key when none was made yet.
pub async fn credentials(pool: &SqlitePool) -> Result<(i64, Option<String>), AppError> {
    Ok(sqlx::query_as("SELECT sdkappid, secret_key FROM api_settings WHERE id = 1")
        .fetch_one(pool)
        .await?)
}

pub async fn is_admin(pool: &SqlitePool, identifier: &str) -> Result<bool, AppError> {
    let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM api_admins WHERE identifier = ?")
        .bind(identifier)
        .fetch_optional(pool)
        .await?;
    Ok(found.is_some())
}

pub async fn get(pool: &SqlitePool) -> Result<ApiSettings, AppError> {
    let (sdkappid, key, key_created_at): (i64, Option<String>, Option<i64>) =
        sqlx::query_as("SELECT sdkappid, secret_key, key_created_at FROM api_settings WHERE id = 1")
            .fetch_one(pool)
            .await?;
    let admins = sqlx::query_scalar("SELECT identifier FROM api_admins ORDER BY identifier")
        .fetch_all(pool)
        .await?;
    Ok(ApiSettings {
        sdkappid,
        key_hint: key.map(|k| k[k.len().saturating_sub(4)..].to_owned()),
        key_created_at,
        admins,
    })
}

/// Makes a new secret key (256 random bits, 64 hex digits, like the vendor's), replacing the
/// old one: UserSigs made with the old key stop working at once. Returns the key, which is
/// shown this once.
pub async fn rotate_key(pool: &SqlitePool) -> Result<String, AppError> {
    let key = super::random::hex_token::<32>();
    sqlx::query("UPDATE api_settings SET secret_key = ?, key_created_at = ? WHERE id = 1")
        .bind(&key)
        .bind(now())
        .execute(pool)
        .await?;
    Ok(key)
}

pub async fn add_admin(pool: &SqlitePool, identifier: &AdminIdentifier) -> Result<(), AppError> {
    let inserted = sqlx::query("INSERT INTO api_admins (identifier, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING")
        .bind(identifier.as_ref())
        .bind(now())
        .execute(pool)
        .await?;
    if inserted.rows_affected() == 0 {
        return Err(AppError::Conflict(format!(
            "Administrator identifier: {} is already an administrator.",
            identifier.as_ref()
        )));
    }
    Ok(())
}

pub async fn remove_admin(pool: &SqlitePool, identifier: &str) -> Result<(), AppError> {
    let removed = sqlx::query("DELETE FROM api_admins WHERE identifier = ?")
        .bind(identifier)
        .execute(pool)
        .await?;
    if removed.rows_affected() == 0 {
        return Err(AppError::NotFound(format!("{identifier} is not an administrator.")));
    }
    Ok(())
}
