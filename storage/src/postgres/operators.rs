//! Operators on PostgreSQL.

use super::{audit, PgStore};
use crate::audit::Actor;
use crate::database::{Credentials, OperatorStore};
use crate::error::{Conflict, Missing, StoreError, StoreResult};
use crate::password::StoredHash;
use async_trait::async_trait;
use domain::{AuditAction, Operator, OperatorName};

type OperatorRow = (i64, String, i64, Option<i64>);

fn operator((id, name, created_at, last_sign_in): OperatorRow) -> Operator {
    Operator { id, name, created_at, last_sign_in }
}

/// Serialises first-start set-up across servers (an arbitrary, fixed advisory-lock key).
const FIRST_OPERATOR_LOCK: i64 = 0x6368_616e_6e65_6c31;

#[async_trait]
impl OperatorStore for PgStore {
    async fn operators(&self) -> StoreResult<Vec<Operator>> {
        let rows: Vec<OperatorRow> =
            sqlx::query_as("SELECT id, name, created_at, last_sign_in FROM operators ORDER BY name COLLATE \"C\"")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(operator).collect())
    }

    async fn credentials(&self, name: &str) -> StoreResult<Option<Credentials>> {
        // PostgreSQL text cannot hold NUL: no stored name has one.
        if name.contains('\0') {
            return Ok(None);
        }
        let row: Option<(i64, String, String)> =
            sqlx::query_as("SELECT id, name, password_hash FROM operators WHERE lower(name) = lower($1)")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(operator_id, name, password_hash)| Credentials { operator_id, name, password_hash }))
    }

    async fn password_hash(&self, operator_id: i64) -> StoreResult<Option<String>> {
        Ok(sqlx::query_scalar("SELECT password_hash FROM operators WHERE id = $1")
            .bind(operator_id)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn operator_id(&self, name: &str) -> StoreResult<Option<i64>> {
        if name.contains('\0') {
            return Ok(None);
        }
        Ok(sqlx::query_scalar("SELECT id FROM operators WHERE lower(name) = lower($1)")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn add_operator(&self, name: &OperatorName, hash: &StoredHash, by: &Actor) -> StoreResult<Operator> {
        let mut tx = self.pool.begin().await?;
        let inserted: Option<OperatorRow> = sqlx::query_as(
            "INSERT INTO operators (name, password_hash, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT ((lower(name))) DO NOTHING RETURNING id, name, created_at, last_sign_in",
        )
        .bind(name.as_ref())
        .bind(hash.as_ref())
        .bind(crate::clock::now())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = inserted else {
            return Err(StoreError::Conflict(Conflict::OperatorNameTaken(name.as_ref().to_owned())));
        };
        audit(&mut tx, by, AuditAction::OperatorAdded, &row.1).await?;
        tx.commit().await?;
        Ok(operator(row))
    }

    async fn add_first_operator(
        &self,
        name: &OperatorName,
        hash: &StoredHash,
        by: &Actor,
    ) -> StoreResult<Option<Operator>> {
        let mut tx = self.pool.begin().await?;
        // Servers starting together take turns here; the first to find no operator adds one.
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(FIRST_OPERATOR_LOCK).execute(&mut *tx).await?;
        let inserted: Option<OperatorRow> = sqlx::query_as(
            "INSERT INTO operators (name, password_hash, created_at) \
             SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM operators) \
             RETURNING id, name, created_at, last_sign_in",
        )
        .bind(name.as_ref())
        .bind(hash.as_ref())
        .bind(crate::clock::now())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = inserted else { return Ok(None) };
        audit(&mut tx, by, AuditAction::OperatorAdded, &row.1).await?;
        tx.commit().await?;
        Ok(Some(operator(row)))
    }

    async fn set_password(
        &self,
        operator_id: i64,
        hash: &StoredHash,
        keep: Option<&str>,
        action: AuditAction,
        by: &Actor,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        let name: Option<String> =
            sqlx::query_scalar("UPDATE operators SET password_hash = $1 WHERE id = $2 RETURNING name")
                .bind(hash.as_ref())
                .bind(operator_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(name) = name else {
            return Err(StoreError::NotFound(Missing::Operator));
        };
        sqlx::query("DELETE FROM sessions WHERE operator_id = $1 AND token_hash IS DISTINCT FROM $2")
            .bind(operator_id)
            .bind(keep)
            .execute(&mut *tx)
            .await?;
        audit(&mut tx, by, action, &name).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn remove_operator(&self, operator_id: i64, by: &Actor) -> StoreResult<String> {
        let mut tx = self.pool.begin().await?;
        // Every operator row locked: two removals at once cannot both see "two left" and
        // leave nobody.
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM operators ORDER BY id FOR UPDATE").fetch_all(&mut *tx).await?;
        if !ids.contains(&operator_id) {
            return Err(StoreError::NotFound(Missing::Operator));
        }
        if ids.len() <= 1 {
            return Err(StoreError::Conflict(Conflict::LastOperator));
        }
        let name: String = sqlx::query_scalar("DELETE FROM operators WHERE id = $1 RETURNING name")
            .bind(operator_id)
            .fetch_one(&mut *tx)
            .await?;
        audit(&mut tx, by, AuditAction::OperatorRemoved, &name).await?;
        tx.commit().await?;
        Ok(name)
    }
}
