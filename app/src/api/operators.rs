//! The Operators page (add, remove, change one's own password) and the Audit log page.

use crate::domain::{AuditPage, Operator};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    backend::{audit, auth, AppState},
    domain::{AuditAction, Field, NewPassword, OperatorName, ValidationError},
};

#[server(prefix = "/api", endpoint = "list_operators")]
pub async fn list_operators() -> Result<Vec<Operator>, AppError> {
    let state = AppState::from_context()?;
    auth::signed_in()?;
    auth::list_operators(&state.pool).await
}

#[server(prefix = "/api", endpoint = "add_operator")]
pub async fn add_operator(name: String, password: String) -> Result<Operator, AppError> {
    let state = AppState::from_context()?;
    let who = auth::signed_in()?;
    let name = OperatorName::parse(&name)?;
    let password = NewPassword::parse(Field::Password, &password)?;
    let added = auth::add_operator(&state.pool, &state.auth, &name, &password).await?;
    audit::by(&state.pool, &who, AuditAction::OperatorAdded, &added.name).await;
    tracing::info!(by = %who.name, operator = %added.name, "operator added");
    Ok(added)
}

#[server(prefix = "/api", endpoint = "remove_operator")]
pub async fn remove_operator(id: i64) -> Result<(), AppError> {
    let state = AppState::from_context()?;
    let who = auth::signed_in()?;
    if id == who.operator_id {
        return Err(AppError::Conflict(
            "You cannot remove yourself; another operator can remove your account.".into(),
        ));
    }
    let removed = auth::remove_operator(&state.pool, &state.auth, id).await?;
    audit::by(&state.pool, &who, AuditAction::OperatorRemoved, &removed).await;
    tracing::info!(by = %who.name, operator = %removed, "operator removed");
    Ok(())
}

/// Changes the signed-in operator's own password. The current password is asked for again
/// (a session left open is not enough); the operator's other sessions end.
#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(current: String, new: String) -> Result<(), AppError> {
    let state = AppState::from_context()?;
    let who = auth::signed_in()?;
    let new = NewPassword::parse(Field::NewPassword, &new)?;
    if !auth::check_password(&state.pool, &state.auth, who.operator_id, &current).await? {
        return Err(ValidationError::Mismatch { field: Field::CurrentPassword }.into());
    }
    auth::set_password(&state.pool, &state.auth, who.operator_id, &new, Some(&who.token_hash)).await?;
    audit::by(&state.pool, &who, AuditAction::PasswordChanged, &who.name).await;
    Ok(())
}

#[server(prefix = "/api", endpoint = "audit_log")]
pub async fn audit_log(before: Option<i64>) -> Result<AuditPage, AppError> {
    let state = AppState::from_context()?;
    auth::signed_in()?;
    audit::list(&state.pool, before).await
}
