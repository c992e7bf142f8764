//! The media index's locking on SQLite: claims, forgetting unused images and sweeping their
//! files all run under the one write lock, so no claim can come between a check and what it
//! guards (see `crate::shared::media` for the rest of the index).

use super::SqliteStore;
use crate::database::{media_id, CLAIM_LIFETIME_SECS, MEDIA_UNUSED};
use crate::error::StoreResult;
use crate::media::MediaStore;
use domain::MediaId;
use sqlx::SqliteConnection;

impl SqliteStore {
    /// Takes the image's lock for the rest of the transaction: on SQLite the write
    /// transaction holds the only write lock already, which sweeps take too.
    pub(crate) async fn lock_image(_tx: &mut SqliteConnection, _id: &MediaId) -> Result<(), sqlx::Error> {
        Ok(())
    }

    pub(crate) async fn forget_unused(&self, recorded_before: i64) -> StoreResult<Vec<MediaId>> {
        // One writer: nothing can start using them between the check and the delete.
        let mut tx = self.begin_write().await?;
        let unused: Vec<String> =
            sqlx::query_scalar(&format!("SELECT id FROM media m WHERE {MEDIA_UNUSED} ORDER BY created_at LIMIT 100"))
                .bind(recorded_before)
                .fetch_all(&mut *tx)
                .await?;
        let now = crate::clock::now();
        for id in &unused {
            sqlx::query("DELETE FROM media WHERE id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO media_sweep (id, orphaned_at) VALUES ($1, $2)
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

    pub(crate) async fn sweep(
        &self,
        only: Option<&[MediaId]>,
        orphaned_before: i64,
        files: &MediaStore,
    ) -> StoreResult<Vec<MediaId>> {
        // The write lock is held while the files go: no claim can come in between.
        let mut tx = self.begin_write().await?;
        let claims_from = crate::clock::now() - CLAIM_LIFETIME_SECS;
        let eligible = "SELECT id FROM media_sweep s WHERE orphaned_at < $1
               AND NOT EXISTS (SELECT 1 FROM media m WHERE m.id = s.id)
               AND NOT EXISTS (SELECT 1 FROM media_claims c WHERE c.id = s.id AND c.claimed_at >= $2)";
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
                    let one: Option<String> = sqlx::query_scalar(&format!("{eligible} AND id = $3"))
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
            sqlx::query("DELETE FROM media_sweep WHERE id = $1").bind(id.as_ref()).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(swept)
    }
}
