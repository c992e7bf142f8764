//! The audit log: the entry every change writes in its own transaction, and the log's pages.

use crate::audit::Actor;
use crate::database::AuditStore;
use crate::error::StoreResult;
use async_trait::async_trait;
use domain::{AuditAction, AuditPage};

on_both_engines! {
    impl Store {
        /// Records an action inside the transaction that makes it: both are stored, or
        /// neither.
        pub(crate) async fn audit(
            tx: &mut Conn,
            by: &Actor,
            action: AuditAction,
            subject: &str,
        ) -> Result<(), sqlx::Error> {
            sqlx::query(
                "INSERT INTO audit_log (at, operator, action, subject, address) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(crate::clock::now())
            .bind(by.label())
            .bind(action.as_str())
            .bind(subject)
            .bind(by.address())
            .execute(&mut *tx)
            .await?;
            Ok(())
        }
    }

    #[async_trait]
    impl AuditStore for Store {
        async fn record(&self, by: &Actor, action: AuditAction, subject: &str) -> StoreResult<()> {
            let mut tx = self.begin_write().await?;
            Store::audit(&mut tx, by, action, subject).await?;
            tx.commit().await?;
            Ok(())
        }

        async fn audit_page(&self, before: Option<i64>) -> StoreResult<AuditPage> {
            let rows: Vec<(i64, i64, String, String, String, String)> = sqlx::query_as(
                "SELECT id, at, operator, action, subject, address FROM audit_log \
                 WHERE id < $1 ORDER BY id DESC LIMIT $2",
            )
            .bind(before.unwrap_or(i64::MAX))
            .bind(AuditPage::SIZE as i64 + 1)
            .fetch_all(&self.pool)
            .await?;
            Ok(crate::rows::audit_page(rows))
        }
    }
}
