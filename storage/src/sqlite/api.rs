//! The REST API's settings and the media index on SQLite.

use super::{audit, SqliteStore};
use crate::audit::Actor;
use crate::database::{
    key_hint, media_id, ApiStore, MediaIndex, MediaInfo, CLAIM_LIFETIME_SECS, MEDIA_IN_PUBLIC_USE, MEDIA_UNUSED,
};
use crate::error::{Conflict, Missing, StoreError, StoreResult};
use crate::media::{MediaStore, StoredMedia};
use async_trait::async_trait;
use domain::{AdminIdentifier, ApiSettings, AuditAction, MediaId};

#[async_trait]
impl ApiStore for SqliteStore {
    async fn api_credentials(&self) -> StoreResult<(i64, Option<String>)> {
        Ok(sqlx::query_as("SELECT sdkappid, secret_key FROM api_settings WHERE id = 1").fetch_one(&self.pool).await?)
    }

    async fn is_api_admin(&self, identifier: &str) -> StoreResult<bool> {
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM api_admins WHERE identifier = ?")
            .bind(identifier)
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }

    async fn api_settings(&self) -> StoreResult<ApiSettings> {
        let (sdkappid, key, key_created_at): (i64, Option<String>, Option<i64>) =
            sqlx::query_as("SELECT sdkappid, secret_key, key_created_at FROM api_settings WHERE id = 1")
                .fetch_one(&self.pool)
                .await?;
        let admins =
            sqlx::query_scalar("SELECT identifier FROM api_admins ORDER BY identifier").fetch_all(&self.pool).await?;
        Ok(ApiSettings { sdkappid, key_hint: key.as_deref().map(key_hint), key_created_at, admins })
    }

    async fn set_api_key(&self, key: &str, by: &Actor) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE api_settings SET secret_key = ?, key_created_at = ? WHERE id = 1")
            .bind(key)
            .bind(crate::clock::now())
            .execute(&mut *tx)
            .await?;
        let subject = format!("key ending in {}", key_hint(key));
        audit(&mut tx, by, AuditAction::ApiKeyRotated, &subject).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn add_api_admin(&self, identifier: &AdminIdentifier, by: &Actor) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let inserted =
            sqlx::query("INSERT INTO api_admins (identifier, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING")
                .bind(identifier.as_ref())
                .bind(crate::clock::now())
                .execute(&mut *tx)
                .await?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::Conflict(Conflict::AlreadyApiAdmin(identifier.as_ref().to_owned())));
        }
        audit(&mut tx, by, AuditAction::ApiAdminAdded, identifier.as_ref()).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn remove_api_admin(&self, identifier: &str, by: &Actor) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let removed =
            sqlx::query("DELETE FROM api_admins WHERE identifier = ?").bind(identifier).execute(&mut *tx).await?;
        if removed.rows_affected() == 0 {
            return Err(StoreError::NotFound(Missing::ApiAdmin(identifier.to_owned())));
        }
        audit(&mut tx, by, AuditAction::ApiAdminRemoved, identifier).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[async_trait]
impl MediaIndex for SqliteStore {
    async fn claim_media(&self, id: &MediaId) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        // Waits for a sweep that holds this image until its files are gone.
        sqlx::query("DELETE FROM media_sweep WHERE id = ?").bind(id.as_ref()).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO media_claims (id, claimed_at) VALUES (?, ?)
             ON CONFLICT (id) DO UPDATE SET claimed_at = excluded.claimed_at",
        )
        .bind(id.as_ref())
        .bind(crate::clock::now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn finish_media(&self, media: &StoredMedia) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO media (id, content_type, bytes, width, height, created_at)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET created_at = excluded.created_at", // a new upload: a new grace
        )
        .bind(media.id.as_ref())
        .bind(media.content_type)
        .bind(media.bytes as i64)
        .bind(media.width.map(i64::from))
        .bind(media.height.map(i64::from))
        .bind(crate::clock::now())
        .execute(&mut *tx)
        .await?;
        for table in ["media_claims", "media_sweep"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE id = ?")).bind(media.id.as_ref()).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn release_media(&self, id: &MediaId) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM media_claims WHERE id = ?").bind(id.as_ref()).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO media_sweep (id, orphaned_at) SELECT ?, ?
             WHERE NOT EXISTS (SELECT 1 FROM media WHERE id = ?)
             ON CONFLICT (id) DO UPDATE SET orphaned_at = excluded.orphaned_at",
        )
        .bind(id.as_ref())
        .bind(crate::clock::now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn media_info(&self, id: &MediaId) -> StoreResult<Option<MediaInfo>> {
        let row: Option<(String, bool)> =
            sqlx::query_as(&format!("SELECT content_type, {MEDIA_IN_PUBLIC_USE} FROM media m WHERE m.id = ?"))
                .bind(id.as_ref())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(content_type, public)| MediaInfo { content_type, public }))
    }

    async fn forget_unused_media(&self, recorded_before: i64) -> StoreResult<Vec<MediaId>> {
        // One writer: nothing can start using them between the check and the delete.
        let mut tx = self.begin_write().await?;
        let unused: Vec<String> =
            sqlx::query_scalar(&format!("SELECT id FROM media m WHERE {MEDIA_UNUSED} ORDER BY created_at LIMIT 100"))
                .bind(recorded_before)
                .fetch_all(&mut *tx)
                .await?;
        let now = crate::clock::now();
        for id in &unused {
            sqlx::query("DELETE FROM media WHERE id = ?").bind(id).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO media_sweep (id, orphaned_at) VALUES (?, ?)
                 ON CONFLICT (id) DO UPDATE SET orphaned_at = excluded.orphaned_at",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        unused.into_iter().map(media_id).collect()
    }

    async fn sweep_media(
        &self,
        only: Option<&[MediaId]>,
        orphaned_before: i64,
        files: &MediaStore,
    ) -> StoreResult<Vec<MediaId>> {
        // The write lock is held while the files go: no claim can come in between.
        let mut tx = self.begin_write().await?;
        let claims_from = crate::clock::now() - CLAIM_LIFETIME_SECS;
        let eligible = "SELECT id FROM media_sweep s WHERE orphaned_at < ?
               AND NOT EXISTS (SELECT 1 FROM media m WHERE m.id = s.id)
               AND NOT EXISTS (SELECT 1 FROM media_claims c WHERE c.id = s.id AND c.claimed_at >= ?)";
        let candidates: Vec<String> = match only {
            None => {
                sqlx::query_scalar(&format!("{eligible} ORDER BY id LIMIT 100"))
                    .bind(orphaned_before)
                    .bind(claims_from)
                    .fetch_all(&mut *tx)
                    .await?
            }
            Some(ids) => {
                let mut found = Vec::new();
                for id in ids {
                    let one: Option<String> = sqlx::query_scalar(&format!("{eligible} AND id = ?"))
                        .bind(orphaned_before)
                        .bind(claims_from)
                        .bind(id.as_ref())
                        .fetch_optional(&mut *tx)
                        .await?;
                    found.extend(one);
                }
                found
            }
        };
        let swept = candidates.into_iter().map(media_id).collect::<Result<Vec<_>, _>>()?;
        files.remove_files(&swept).await?;
        for id in &swept {
            sqlx::query("DELETE FROM media_sweep WHERE id = ?").bind(id.as_ref()).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(swept)
    }
}
