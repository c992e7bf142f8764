//! The REST API's settings and the media index on PostgreSQL.

use super::{audit, PgStore};
use crate::audit::Actor;
use crate::database::{
    key_hint, media_id, ApiStore, MediaIndex, MediaInfo, CLAIM_LIFETIME_SECS, MEDIA_IN_PUBLIC_USE, MEDIA_UNUSED,
};
use crate::error::{Conflict, Missing, StoreError, StoreResult};
use crate::media::{MediaStore, StoredMedia};
use async_trait::async_trait;
use domain::{AdminIdentifier, ApiSettings, AuditAction, MediaId};

#[async_trait]
impl ApiStore for PgStore {
    async fn api_credentials(&self) -> StoreResult<(i64, Option<String>)> {
        Ok(sqlx::query_as("SELECT sdkappid, secret_key FROM api_settings WHERE id = 1").fetch_one(&self.pool).await?)
    }

    async fn is_api_admin(&self, identifier: &str) -> StoreResult<bool> {
        if identifier.contains('\0') {
            return Ok(false);
        }
        let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM api_admins WHERE identifier = $1")
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
        let admins = sqlx::query_scalar("SELECT identifier FROM api_admins ORDER BY identifier COLLATE \"C\"")
            .fetch_all(&self.pool)
            .await?;
        Ok(ApiSettings { sdkappid, key_hint: key.as_deref().map(key_hint), key_created_at, admins })
    }

    async fn set_api_key(&self, key: &str, by: &Actor) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE api_settings SET secret_key = $1, key_created_at = $2 WHERE id = 1")
            .bind(key)
            .bind(crate::clock::now())
            .execute(&mut *tx)
            .await?;
        audit(&mut tx, by, AuditAction::ApiKeyRotated, &format!("key ending in {}", key_hint(key))).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn add_api_admin(&self, identifier: &AdminIdentifier, by: &Actor) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        let inserted =
            sqlx::query("INSERT INTO api_admins (identifier, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
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
        if identifier.contains('\0') {
            return Err(StoreError::NotFound(Missing::ApiAdmin(identifier.replace('\0', ""))));
        }
        let mut tx = self.pool.begin().await?;
        let removed =
            sqlx::query("DELETE FROM api_admins WHERE identifier = $1").bind(identifier).execute(&mut *tx).await?;
        if removed.rows_affected() == 0 {
            return Err(StoreError::NotFound(Missing::ApiAdmin(identifier.to_owned())));
        }
        audit(&mut tx, by, AuditAction::ApiAdminRemoved, identifier).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[async_trait]
impl MediaIndex for PgStore {
    async fn claim_media(&self, id: &MediaId) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        // The image's lock, shared with sweeps: a sweep removing its files holds it until they
        // are gone, and a sweep that comes later sees this claim.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(id.as_ref())
            .execute(&mut *tx)
            .await?;
        // Waits for a sweep that holds this image until its files are gone.
        sqlx::query("DELETE FROM media_sweep WHERE id = $1").bind(id.as_ref()).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO media_claims (id, claimed_at) VALUES ($1, $2)
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
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO media (id, content_type, bytes, width, height, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)
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
            sqlx::query(&format!("DELETE FROM {table} WHERE id = $1"))
                .bind(media.id.as_ref())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn release_media(&self, id: &MediaId) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM media_claims WHERE id = $1").bind(id.as_ref()).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO media_sweep (id, orphaned_at) SELECT $1, $2
             WHERE NOT EXISTS (SELECT 1 FROM media WHERE id = $1)
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
            sqlx::query_as(&format!("SELECT content_type, {MEDIA_IN_PUBLIC_USE} FROM media m WHERE m.id = $1"))
                .bind(id.as_ref())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(content_type, public)| MediaInfo { content_type, public }))
    }

    async fn forget_unused_media(&self, recorded_before: i64) -> StoreResult<Vec<MediaId>> {
        // The rows are locked as they are chosen, and rows a publish or a channel change is
        // using right now (its foreign key check holds them) are skipped: that change
        // either commits first (and the image is used) or finds the image gone.
        let unused: Vec<String> = sqlx::query_scalar(&format!(
            "WITH gone AS (
               DELETE FROM media WHERE id IN (
                 SELECT id FROM media m WHERE {} ORDER BY created_at LIMIT 100 FOR UPDATE SKIP LOCKED)
               RETURNING id)
             INSERT INTO media_sweep (id, orphaned_at) SELECT id, $2 FROM gone
             ON CONFLICT (id) DO UPDATE SET orphaned_at = excluded.orphaned_at
             RETURNING id",
            MEDIA_UNUSED.replace('?', "$1")
        ))
        .bind(recorded_before)
        .bind(crate::clock::now())
        .fetch_all(&self.pool)
        .await?;
        unused.into_iter().map(media_id).collect()
    }

    async fn sweep_media(
        &self,
        only: Option<&[MediaId]>,
        orphaned_before: i64,
        files: &MediaStore,
    ) -> StoreResult<Vec<MediaId>> {
        let only: Option<Vec<String>> = only.map(|ids| ids.iter().map(|id| id.as_ref().to_owned()).collect());
        let claims_from = crate::clock::now() - CLAIM_LIFETIME_SECS;
        let eligible = "SELECT id FROM media_sweep s WHERE orphaned_at < $1 AND ($2::text[] IS NULL OR id = ANY($2))
               AND NOT EXISTS (SELECT 1 FROM media m WHERE m.id = s.id)
               AND NOT EXISTS (SELECT 1 FROM media_claims c WHERE c.id = s.id AND c.claimed_at >= $3)";
        let mut tx = self.pool.begin().await?;
        let seen: Vec<String> = sqlx::query_scalar(&format!("{eligible} ORDER BY id LIMIT 100"))
            .bind(orphaned_before)
            .bind(&only)
            .bind(claims_from)
            .fetch_all(&mut *tx)
            .await?;
        // Each image under its lock (skipped when a claim holds it), and checked again once
        // locked: a claim that committed meanwhile is seen now.
        let mut candidates = Vec::new();
        for id in seen {
            let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))")
                .bind(&id)
                .fetch_one(&mut *tx)
                .await?;
            if !locked {
                continue;
            }
            let still: Option<String> = sqlx::query_scalar(&format!("{eligible} AND id = $4"))
                .bind(orphaned_before)
                .bind(&only)
                .bind(claims_from)
                .bind(&id)
                .fetch_optional(&mut *tx)
                .await?;
            candidates.extend(still);
        }
        let swept = candidates.into_iter().map(media_id).collect::<Result<Vec<_>, _>>()?;
        files.remove_files(&swept).await?;
        let ids: Vec<&str> = swept.iter().map(|id| id.as_ref()).collect();
        sqlx::query("DELETE FROM media_sweep WHERE id = ANY($1)").bind(&ids).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(swept)
    }
}
