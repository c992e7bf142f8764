//! The media index: which images the database knows. Claiming, recording and answering for
//! an image are the same on both engines; how an image is locked, and forgetting and
//! sweeping, are each engine's own (`lock_image`, `forget_unused`, `sweep` in
//! `crate::sqlite::media` and `crate::postgres::media`).

use crate::database::{MediaIndex, MediaInfo, MEDIA_IN_PUBLIC_USE};
use crate::error::StoreResult;
use crate::media::{MediaStore, StoredMedia};
use async_trait::async_trait;
use domain::MediaId;

on_both_engines! {
    #[async_trait]
    impl MediaIndex for Store {
        async fn claim_media(&self, id: &MediaId) -> StoreResult<()> {
            let mut tx = self.begin_write().await?;
            Store::lock_image(&mut tx, id).await?;
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
            let mut tx = self.begin_write().await?;
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
            sqlx::query("DELETE FROM media_claims WHERE id = $1").bind(media.id.as_ref()).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM media_sweep WHERE id = $1").bind(media.id.as_ref()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        }

        async fn release_media(&self, id: &MediaId) -> StoreResult<()> {
            let mut tx = self.begin_write().await?;
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
            let row: Option<(String, bool)> = sqlx::query_as(&format!(
                "SELECT content_type, {MEDIA_IN_PUBLIC_USE} FROM media m WHERE m.id = $1"
            ))
            .bind(id.as_ref())
            .fetch_optional(&self.pool)
            .await?;
            Ok(row.map(|(content_type, public)| MediaInfo { content_type, public }))
        }

        async fn forget_unused_media(&self, recorded_before: i64) -> StoreResult<Vec<MediaId>> {
            self.forget_unused(recorded_before).await
        }

        async fn sweep_media(
            &self,
            only: Option<&[MediaId]>,
            orphaned_before: i64,
            files: &MediaStore,
        ) -> StoreResult<Vec<MediaId>> {
            self.sweep(only, orphaned_before, files).await
        }
    }
}
