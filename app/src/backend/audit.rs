//! The audit log: who created, edited or deleted a channel, published a post, signed in or
//! changed an operator, from where, and when.

use super::db::now;
use crate::domain::{AuditAction, AuditEntry, AuditPage};
use crate::error::AppError;
use sqlx::SqlitePool;

/// Who did something, for entries written in the same transaction as what they did.
#[derive(Debug, Clone)]
pub struct Actor {
    pub operator: String,
    pub address: String,
}

impl Actor {
    /// The operator signed in to the current request.
    pub fn signed_in(who: &super::auth::SignedIn) -> Self {
        Self { operator: who.name.clone(), address: super::auth::client_addr().label() }
    }
}

/// Records an action inside the transaction that makes it: both are stored, or neither.
pub async fn record_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    actor: &Actor,
    action: AuditAction,
    subject: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO audit_log (at, operator, action, subject, address) VALUES (?, ?, ?, ?, ?)")
        .bind(now())
        .bind(&actor.operator)
        .bind(action.as_str())
        .bind(subject)
        .bind(&actor.address)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Records an action after it happened. A failure to record is logged, not returned: the
/// action itself already succeeded, and the operator must learn that rather than an error.
pub async fn record(pool: &SqlitePool, operator: &str, action: AuditAction, subject: &str, address: &str) {
    let result = sqlx::query(
        "INSERT INTO audit_log (at, operator, action, subject, address) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(now())
    .bind(operator)
    .bind(action.as_str())
    .bind(subject)
    .bind(address)
    .execute(pool)
    .await;
    if let Err(error) = result {
        tracing::error!(%error, operator, action = action.as_str(), subject, "audit log write failed");
    }
}

/// A page of the log, newest first, starting below the entry id `before` when given.
pub async fn list(pool: &SqlitePool, before: Option<i64>) -> Result<AuditPage, AppError> {
    let rows: Vec<(i64, i64, String, String, String, String)> = sqlx::query_as(
        "SELECT id, at, operator, action, subject, address FROM audit_log \
         WHERE id < ? ORDER BY id DESC LIMIT ?",
    )
    .bind(before.unwrap_or(i64::MAX))
    .bind(AuditPage::SIZE as i64 + 1)
    .fetch_all(pool)
    .await?;
    let mut entries: Vec<AuditEntry> = rows
        .into_iter()
        .map(|(id, at, operator, action, subject, address)| AuditEntry {
            id,
            at,
            operator,
            action,
            subject,
            address,
        })
        .collect();
    let next = (entries.len() > AuditPage::SIZE).then(|| {
        entries.truncate(AuditPage::SIZE);
        entries.last().map(|e| e.id)
    });
    Ok(AuditPage { entries, next: next.flatten() })
}

/// Records an action of the operator signed in to the current request, with its address.
pub async fn by(pool: &SqlitePool, who: &super::auth::SignedIn, action: AuditAction, subject: &str) {
    record(pool, &who.name, action, subject, &super::auth::client_addr().label()).await;
}
