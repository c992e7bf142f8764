//! Operators' sessions, the sign-in throttle's counts and the device cookies' key, and the
//! health check.

use crate::audit::Actor;
use crate::database::{Health, SessionStore, StoredSession, ThrottleStore};
use crate::error::StoreResult;
use async_trait::async_trait;
use domain::AuditAction;

on_both_engines! {
    #[async_trait]
    impl SessionStore for Store {
        async fn start_session(
            &self,
            operator_id: i64,
            token_hash: &str,
            now: i64,
            idle_cutoff: i64,
            by: &Actor,
        ) -> StoreResult<()> {
            let mut tx = self.begin_write().await?;
            // Sessions idle past the limit are dead; sweep them while we write anyway.
            sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1").bind(idle_cutoff).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO sessions (token_hash, operator_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3)",
            )
            .bind(token_hash)
            .bind(operator_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE operators SET last_sign_in = $1 WHERE id = $2")
                .bind(now)
                .bind(operator_id)
                .execute(&mut *tx)
                .await?;
            Store::audit(&mut tx, by, AuditAction::SignIn, "").await?;
            tx.commit().await?;
            Ok(())
        }

        async fn session(&self, token_hash: &str) -> StoreResult<Option<StoredSession>> {
            let row: Option<(i64, String, i64, i64)> = sqlx::query_as(
                "SELECT s.operator_id, o.name, s.created_at, s.last_seen_at FROM sessions s \
                 JOIN operators o ON o.id = s.operator_id WHERE s.token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
            Ok(row.map(|(operator_id, name, created_at, last_seen_at)| StoredSession {
                operator_id,
                name,
                created_at,
                last_seen_at,
            }))
        }

        async fn touch_session(&self, token_hash: &str, now: i64) -> StoreResult<()> {
            let mut tx = self.begin_write().await?;
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                .bind(now)
                .bind(token_hash)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        }

        async fn end_session(&self, token_hash: &str, by: Option<&Actor>) -> StoreResult<()> {
            let mut tx = self.begin_write().await?;
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&mut *tx).await?;
            if let Some(by) = by {
                Store::audit(&mut tx, by, AuditAction::SignOut, "").await?;
            }
            tx.commit().await?;
            Ok(())
        }
    }

    #[async_trait]
    impl ThrottleStore for Store {
        async fn begin_attempt(
            &self,
            keys: &[String],
            now_ms: i64,
            forget_before_ms: i64,
            wait: &(dyn for<'k> Fn(&'k str, u32, i64) -> Option<std::time::Duration> + Sync),
        ) -> StoreResult<Option<std::time::Duration>> {
            let mut tx = self.begin_write().await?;
            // Every key's row is made or found and locked in one statement (an upsert that
            // writes locks the row it finds; a row swept meanwhile is made again), in one
            // order, so two attempts cannot deadlock: concurrent attempts are counted one
            // after another.
            let mut sorted: Vec<&String> = keys.iter().collect();
            sorted.sort();
            sorted.dedup();
            let mut longest = None;
            for key in &sorted {
                let (count, last): (i32, i64) = sqlx::query_as(
                    "INSERT INTO sign_in_failures (key, count, last_at_ms) VALUES ($1, 0, $2)
                     ON CONFLICT (key) DO UPDATE SET count = sign_in_failures.count
                     RETURNING count, last_at_ms",
                )
                .bind(key.as_str())
                .bind(now_ms)
                .fetch_one(&mut *tx)
                .await?;
                let count = if last < forget_before_ms { 0 } else { u32::try_from(count).unwrap_or(0) };
                longest = longest.max(wait(key, count, now_ms - last));
            }
            if longest.is_some() {
                tx.rollback().await?;
                return Ok(longest);
            }
            for key in &sorted {
                sqlx::query(
                    "UPDATE sign_in_failures
                     SET count = CASE WHEN last_at_ms < $2 THEN 1 ELSE count + 1 END, last_at_ms = $3
                     WHERE key = $1",
                )
                .bind(key.as_str())
                .bind(forget_before_ms)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
            }
            // Counts nobody added to for long start again: their rows go. Rows another
            // attempt holds are passed over (waiting for them while holding ours could
            // deadlock with it); a later attempt removes them.
            sqlx::query(concat!(
                "DELETE FROM sign_in_failures WHERE key IN (
                   SELECT key FROM sign_in_failures WHERE last_at_ms < $1",
                skip_locked!(),
                ")"
            ))
            .bind(forget_before_ms)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(None)
        }

        async fn clear_failures(&self, key: &str) -> StoreResult<()> {
            let mut tx = self.begin_write().await?;
            sqlx::query("DELETE FROM sign_in_failures WHERE key = $1").bind(key).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        }

        async fn device_key(&self, candidate: &str) -> StoreResult<String> {
            const READ: &str = "SELECT secret FROM signing_keys WHERE purpose = 'device_cookies'";
            if let Some(secret) = sqlx::query_scalar(READ).fetch_optional(&self.pool).await? {
                return Ok(secret);
            }
            let mut tx = self.begin_write().await?;
            // Of two servers making the first key at once, one inserts; both read its key.
            sqlx::query(
                "INSERT INTO signing_keys (purpose, secret, created_at) VALUES ('device_cookies', $1, $2)
                 ON CONFLICT (purpose) DO NOTHING",
            )
            .bind(candidate)
            .bind(crate::clock::now())
            .execute(&mut *tx)
            .await?;
            let secret: String = sqlx::query_scalar(READ).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok(secret)
        }
    }

    #[async_trait]
    impl Health for Store {
        async fn ping(&self) -> StoreResult<()> {
            sqlx::query("SELECT 1").execute(&self.pool).await?;
            Ok(())
        }
    }
}
