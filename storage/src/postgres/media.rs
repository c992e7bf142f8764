//! The media index's locking on PostgreSQL: an upload's claim and a sweep meet on the image's
//! advisory lock, and forgetting skips rows a concurrent change holds (see
//! `crate::shared::media` for the rest of the index).

use super::PgStore;
use crate::database::{media_id, CLAIM_LIFETIME_SECS, MEDIA_UNUSED};
use crate::error::StoreResult;
use crate::media::MediaStore;
use domain::MediaId;
use sqlx::PgConnection;

impl PgStore {
    /// Takes the image's lock, shared with sweeps, for the rest of the transaction: a sweep
    /// removing its files holds it until they are gone, and a sweep that comes later sees
    /// the claim this transaction writes.
    pub(crate) async fn lock_image(tx: &mut PgConnection, id: &MediaId) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(id.as_ref())
            .execute(&mut *tx)
            .await?;
        Ok(())
    }

    pub(crate) async fn forget_unused(&self, recorded_before: i64) -> StoreResult<Vec<MediaId>> {
        // The rows are locked as they are chosen, and rows a publish or a channel change is
        // using right now (its foreign key check holds them) are skipped: that change
        // either commits first (and the image is used) or finds the image gone.
        let unused: Vec<String> = sqlx::query_scalar(&format!(
            "WITH gone AS (
               DELETE FROM media WHERE id IN (
                 SELECT id FROM media m WHERE {MEDIA_UNUSED} ORDER BY created_at LIMIT 100 FOR UPDATE SKIP LOCKED)
               RETURNING id)
             INSERT INTO media_sweep (id, orphaned_at) SELECT id, $2 FROM gone
             ON CONFLICT (id) DO UPDATE SET orphaned_at = excluded.orphaned_at
             RETURNING id"
        ))
        .bind(recorded_before)
        .bind(crate::clock::now())
        .fetch_all(&self.pool)
        .await?;
        unused.into_iter().map(media_id).collect()
    }

    pub(crate) async fn sweep(
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
