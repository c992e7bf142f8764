//! The REST API's settings: the application id, its secret key and the administrators.

use crate::audit::Actor;
use crate::database::{key_hint, ApiStore};
use crate::error::{Conflict, Missing, StoreError, StoreResult};
use crate::shared::storable;
use async_trait::async_trait;
use domain::{AdminIdentifier, ApiSettings, AuditAction};

on_both_engines! {
    #[async_trait]
    impl ApiStore for Store {
        async fn api_credentials(&self) -> StoreResult<(i64, Option<String>)> {
            Ok(sqlx::query_as("SELECT sdkappid, secret_key FROM api_settings WHERE id = 1")
                .fetch_one(&self.pool)
                .await?)
        }

        async fn is_api_admin(&self, identifier: &str) -> StoreResult<bool> {
            if !storable(identifier) {
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
            let admins = sqlx::query_scalar(concat!(
                "SELECT identifier FROM api_admins ORDER BY ",
                binary_order!("identifier")
            ))
            .fetch_all(&self.pool)
            .await?;
            Ok(ApiSettings { sdkappid, key_hint: key.as_deref().map(key_hint), key_created_at, admins })
        }

        async fn set_api_key(&self, key: &str, by: &Actor) -> StoreResult<()> {
            let mut tx = self.begin_write().await?;
            sqlx::query("UPDATE api_settings SET secret_key = $1, key_created_at = $2 WHERE id = 1")
                .bind(key)
                .bind(crate::clock::now())
                .execute(&mut *tx)
                .await?;
            let subject = format!("key ending in {}", key_hint(key));
            Store::audit(&mut tx, by, AuditAction::ApiKeyRotated, &subject).await?;
            tx.commit().await?;
            Ok(())
        }

        async fn add_api_admin(&self, identifier: &AdminIdentifier, by: &Actor) -> StoreResult<()> {
            let mut tx = self.begin_write().await?;
            let inserted = sqlx::query(
                "INSERT INTO api_admins (identifier, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(identifier.as_ref())
            .bind(crate::clock::now())
            .execute(&mut *tx)
            .await?;
            if inserted.rows_affected() == 0 {
                return Err(StoreError::Conflict(Conflict::AlreadyApiAdmin(identifier.as_ref().to_owned())));
            }
            Store::audit(&mut tx, by, AuditAction::ApiAdminAdded, identifier.as_ref()).await?;
            tx.commit().await?;
            Ok(())
        }

        async fn remove_api_admin(&self, identifier: &str, by: &Actor) -> StoreResult<()> {
            if !storable(identifier) {
                return Err(StoreError::NotFound(Missing::ApiAdmin(identifier.replace('\0', ""))));
            }
            let mut tx = self.begin_write().await?;
            let removed = sqlx::query("DELETE FROM api_admins WHERE identifier = $1")
                .bind(identifier)
                .execute(&mut *tx)
                .await?;
            if removed.rows_affected() == 0 {
                return Err(StoreError::NotFound(Missing::ApiAdmin(identifier.to_owned())));
            }
            Store::audit(&mut tx, by, AuditAction::ApiAdminRemoved, identifier).await?;
            tx.commit().await?;
            Ok(())
        }
    }
}
