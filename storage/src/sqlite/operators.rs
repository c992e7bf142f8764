//! Operators on SQLite.

use super::{audit, SqliteStore};
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

#[async_trait]
impl OperatorStore for SqliteStore {
    async fn operators(&self) -> StoreResult<Vec<Operator>> {
        let rows: Vec<OperatorRow> =
            sqlx::query_as("SELECT id, name, created_at, last_sign_in FROM operators ORDER BY name")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(operator).collect())
    }

    async fn credentials(&self, name: &str) -> StoreResult<Option<Credentials>> {
        let row: Option<(i64, String, String)> =
            sqlx::query_as("SELECT id, name, password_hash FROM operators WHERE name = ?")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(operator_id, name, password_hash)| Credentials { operator_id, name, password_hash }))
    }

    async fn password_hash(&self, operator_id: i64) -> StoreResult<Option<String>> {
        Ok(sqlx::query_scalar("SELECT password_hash FROM operators WHERE id = ?")
            .bind(operator_id)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn operator_id(&self, name: &str) -> StoreResult<Option<i64>> {
        Ok(sqlx::query_scalar("SELECT id FROM operators WHERE name = ?").bind(name).fetch_optional(&self.pool).await?)
    }

    async fn add_operator(&self, name: &OperatorName, hash: &StoredHash, by: &Actor) -> StoreResult<Operator> {
        let mut tx = self.begin_write().await?;
        let inserted: Option<OperatorRow> = sqlx::query_as(
            "INSERT INTO operators (name, password_hash, created_at) VALUES (?, ?, ?) \
             ON CONFLICT (name) DO NOTHING RETURNING id, name, created_at, last_sign_in",
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
        let mut tx = self.begin_write().await?;
        // One statement: nobody can add an operator between the check and the insert.
        let inserted: Option<OperatorRow> = sqlx::query_as(
            "INSERT INTO operators (name, password_hash, created_at) \
             SELECT ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM operators) \
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
        let mut tx = self.begin_write().await?;
        let name: Option<String> =
            sqlx::query_scalar("UPDATE operators SET password_hash = ? WHERE id = ? RETURNING name")
                .bind(hash.as_ref())
                .bind(operator_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(name) = name else {
            return Err(StoreError::NotFound(Missing::Operator));
        };
        sqlx::query("DELETE FROM sessions WHERE operator_id = ? AND token_hash IS NOT ?")
            .bind(operator_id)
            .bind(keep)
            .execute(&mut *tx)
            .await?;
        audit(&mut tx, by, action, &name).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn remove_operator(&self, operator_id: i64, by: &Actor) -> StoreResult<String> {
        let mut tx = self.begin_write().await?;
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM operators").fetch_one(&mut *tx).await?;
        let name: Option<String> = sqlx::query_scalar("DELETE FROM operators WHERE id = ? RETURNING name")
            .bind(operator_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(name) = name else {
            return Err(StoreError::NotFound(Missing::Operator));
        };
        if count <= 1 {
            return Err(StoreError::Conflict(Conflict::LastOperator));
        }
        audit(&mut tx, by, AuditAction::OperatorRemoved, &name).await?;
        tx.commit().await?;
        Ok(name)
    }
}
