//! Operators: the accounts that sign in to the console.

use crate::audit::Actor;
use crate::database::{Credentials, OperatorStore};
use crate::error::{Conflict, Missing, StoreError, StoreResult};
use crate::password::StoredHash;
use crate::shared::storable;
use async_trait::async_trait;
use domain::{AuditAction, Operator, OperatorName};

type OperatorRow = (i64, String, i64, Option<i64>);

fn operator((id, name, created_at, last_sign_in): OperatorRow) -> Operator {
    Operator { id, name, created_at, last_sign_in }
}

/// Serialises first-start set-up across servers (an arbitrary, fixed lock key).
const FIRST_OPERATOR_LOCK: i64 = 0x6368_616e_6e65_6c31;

on_both_engines! {
    #[async_trait]
    impl OperatorStore for Store {
        async fn operators(&self) -> StoreResult<Vec<Operator>> {
            let rows: Vec<OperatorRow> = sqlx::query_as(concat!(
                "SELECT id, name, created_at, last_sign_in FROM operators ORDER BY ",
                name_order!("name"),
                ", id"
            ))
            .fetch_all(&self.pool)
            .await?;
            Ok(rows.into_iter().map(operator).collect())
        }

        async fn credentials(&self, name: &str) -> StoreResult<Option<Credentials>> {
            if !storable(name) {
                return Ok(None);
            }
            let row: Option<(i64, String, String)> = sqlx::query_as(concat!(
                "SELECT id, name, password_hash FROM operators WHERE ",
                name_eq!("name", "$1")
            ))
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
            if !storable(name) {
                return Ok(None);
            }
            Ok(sqlx::query_scalar(concat!("SELECT id FROM operators WHERE ", name_eq!("name", "$1")))
                .bind(name)
                .fetch_optional(&self.pool)
                .await?)
        }

        async fn add_operator(&self, name: &OperatorName, hash: &StoredHash, by: &Actor) -> StoreResult<Operator> {
            let mut tx = self.begin_write().await?;
            // The unique index on the folded name decides between concurrent adders.
            let inserted: Option<OperatorRow> = sqlx::query_as(concat!(
                "INSERT INTO operators (name, password_hash, created_at) VALUES ($1, $2, $3) ON CONFLICT ",
                name_conflict!(),
                " DO NOTHING RETURNING id, name, created_at, last_sign_in"
            ))
            .bind(name.as_ref())
            .bind(hash.as_ref())
            .bind(crate::clock::now())
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = inserted else {
                return Err(StoreError::Conflict(Conflict::OperatorNameTaken(name.as_ref().to_owned())));
            };
            Store::audit(&mut tx, by, AuditAction::OperatorAdded, &row.1).await?;
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
            // Servers starting together take turns here; the first to find no operator adds one.
            Store::serialize(&mut tx, FIRST_OPERATOR_LOCK).await?;
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
            Store::audit(&mut tx, by, AuditAction::OperatorAdded, &row.1).await?;
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
            Store::audit(&mut tx, by, action, &name).await?;
            tx.commit().await?;
            Ok(())
        }

        async fn remove_operator(&self, operator_id: i64, by: &Actor) -> StoreResult<String> {
            let mut tx = self.begin_write().await?;
            // Every operator row locked: two removals at once cannot both see "two left" and
            // leave nobody.
            let ids: Vec<i64> =
                sqlx::query_scalar(concat!("SELECT id FROM operators ORDER BY id", for_update!()))
                    .fetch_all(&mut *tx)
                    .await?;
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
            Store::audit(&mut tx, by, AuditAction::OperatorRemoved, &name).await?;
            tx.commit().await?;
            Ok(name)
        }
    }
}
