//! The Operators page (add, remove, change one's own password) and the Audit log page.

use super::json::Json;
use crate::domain::{AuditPage, Operator};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    context::{actor, signed_in, AppState},
    domain::{AuditAction, Field, NewPassword, OperatorName, ValidationError},
};

#[server(prefix = "/api", endpoint = "list_operators", output = Json)]
pub async fn list_operators() -> Result<Vec<Operator>, AppError> {
    let state = AppState::from_context()?;
    signed_in()?;
    Ok(state.storage.db.operators().await?)
}

#[server(prefix = "/api", endpoint = "add_operator", output = Json)]
pub async fn add_operator(name: String, password: String) -> Result<Operator, AppError> {
    let state = AppState::from_context()?;
    let who = signed_in()?;
    let name = OperatorName::parse(&name)?;
    let password = NewPassword::parse(Field::Password, &password)?;
    let added = state.auth.add_operator(&name, &password, &actor(&who)).await?;
    tracing::info!(by = %who.name, operator = %added.name, "operator added");
    Ok(added)
}

#[server(prefix = "/api", endpoint = "remove_operator", output = Json)]
pub async fn remove_operator(id: i64) -> Result<(), AppError> {
    let state = AppState::from_context()?;
    let who = signed_in()?;
    if id == who.operator_id {
        return Err(AppError::Conflict(crate::i18n::t().e_remove_yourself.into()));
    }
    let removed = state.auth.remove_operator(id, &actor(&who)).await?;
    tracing::info!(by = %who.name, operator = %removed, "operator removed");
    Ok(())
}

/// Changes the signed-in operator's own password. The current password is asked for again
/// (a session left open is not enough); the operator's other sessions end.
#[server(prefix = "/api", endpoint = "change_password", output = Json)]
pub async fn change_password(current: String, new: String) -> Result<(), AppError> {
    let state = AppState::from_context()?;
    let who = signed_in()?;
    let new = NewPassword::parse(Field::NewPassword, &new)?;
    if !state.auth.check_current_password(&who, &current, crate::context::client_addr()).await? {
        return Err(ValidationError::Mismatch { field: Field::CurrentPassword }.into());
    }
    let keep = Some(who.token_hash.as_str());
    state.auth.set_password(who.operator_id, &new, keep, AuditAction::PasswordChanged, &actor(&who)).await?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "audit_log", output = Json)]
pub async fn audit_log(before: Option<i64>) -> Result<AuditPage, AppError> {
    let state = AppState::from_context()?;
    signed_in()?;
    let mut page = state.storage.db.audit_page(before).await?;
    let locale = crate::i18n::current();
    for entry in &mut page.entries {
        entry.label = crate::i18n::audit_action(locale, &entry.action);
        entry.operator = crate::i18n::audit_operator(locale, &entry.operator);
    }
    Ok(page)
}

/// The Operators page's words, in the page's language (see `i18n::pages`).
#[server(prefix = "/api", endpoint = "operator_texts", output = Json)]
pub async fn operator_texts() -> Result<crate::i18n::pages::operators::OperatorTexts, AppError> {
    signed_in()?;
    Ok(crate::i18n::pages::operators::OperatorTexts::of(crate::i18n::current()))
}
