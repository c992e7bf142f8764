//! Sessions and the audit log on SQLite.

use super::{audit, SqliteStore};
use crate::audit::Actor;
use crate::database::{AuditStore, Health, SessionStore, StoredSession, ThrottleStore};
use crate::error::StoreResult;
use async_trait::async_trait;
use domain::{AuditAction, AuditPage};

#[async_trait]
impl SessionStore for SqliteStore {
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
        sqlx::query("DELETE FROM sessions WHERE last_seen_at < ?").bind(idle_cutoff).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO sessions (token_hash, operator_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)")
            .bind(token_hash)
            .bind(operator_id)
            .bind(now)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE operators SET last_sign_in = ? WHERE id = ?")
            .bind(now)
            .bind(operator_id)
            .execute(&mut *tx)
            .await?;
        audit(&mut tx, by, AuditAction::SignIn, "").await?;
        tx.commit().await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str) -> StoreResult<Option<StoredSession>> {
        let row: Option<(i64, String, i64)> = sqlx::query_as(
            "SELECT s.operator_id, o.name, s.last_seen_at FROM sessions s \
             JOIN operators o ON o.id = s.operator_id WHERE s.token_hash = ?",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(operator_id, name, last_seen_at)| StoredSession { operator_id, name, last_seen_at }))
    }

    async fn touch_session(&self, token_hash: &str, now: i64) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?")
            .bind(now)
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn end_session(&self, token_hash: &str, by: Option<&Actor>) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?").bind(token_hash).execute(&mut *tx).await?;
        if let Some(by) = by {
            audit(&mut tx, by, AuditAction::SignOut, "").await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

#[async_trait]
impl AuditStore for SqliteStore {
    async fn record(&self, by: &Actor, action: AuditAction, subject: &str) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        audit(&mut tx, by, action, subject).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn audit_page(&self, before: Option<i64>) -> StoreResult<AuditPage> {
        let rows: Vec<(i64, i64, String, String, String, String)> = sqlx::query_as(
            "SELECT id, at, operator, action, subject, address FROM audit_log \
             WHERE id < ? ORDER BY id DESC LIMIT ?",
        )
        .bind(before.unwrap_or(i64::MAX))
        .bind(AuditPage::SIZE as i64 + 1)
        .fetch_all(&self.pool)
        .await?;
        Ok(crate::rows::audit_page(rows))
    }
}

#[async_trait]
impl ThrottleStore for SqliteStore {
    async fn begin_attempt(
        &self,
        keys: &[String],
        now_ms: i64,
        forget_before_ms: i64,
        wait: &(dyn Fn(u32, i64) -> Option<std::time::Duration> + Sync),
    ) -> StoreResult<Option<std::time::Duration>> {
        // The write lock makes reading and counting one step.
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM sign_in_failures WHERE last_at_ms < ?")
            .bind(forget_before_ms)
            .execute(&mut *tx)
            .await?;
        let mut longest = None;
        for key in keys {
            let row: Option<(i64, i64)> =
                sqlx::query_as("SELECT count, last_at_ms FROM sign_in_failures WHERE key = ?")
                    .bind(key)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some((count, last)) = row {
                longest = longest.max(wait(u32::try_from(count).unwrap_or(u32::MAX), now_ms - last));
            }
        }
        if longest.is_some() {
            return Ok(longest);
        }
        for key in keys {
            sqlx::query(
                "INSERT INTO sign_in_failures (key, count, last_at_ms) VALUES (?, 1, ?)
                 ON CONFLICT (key) DO UPDATE SET count = count + 1, last_at_ms = excluded.last_at_ms",
            )
            .bind(key)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(None)
    }

    async fn clear_failures(&self, key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sign_in_failures WHERE key = ?").bind(key).execute(&self.pool).await?;
        Ok(())
    }
}

#[async_trait]
impl Health for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}
