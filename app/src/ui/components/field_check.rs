//! A field checked as the operator types, with the domain type the server checks with.

use crate::domain::ValidationError;
use leptos::prelude::*;

/// The message for `value` as `parse` judges it; `None` while the field is empty (nothing
/// typed yet is not an error to shout about) or when it is acceptable.
pub fn check_as_typed<T>(
    value: RwSignal<String>,
    parse: impl Fn(&str) -> Result<T, ValidationError> + Send + Sync + 'static,
) -> Memo<Option<String>> {
    Memo::new(move |_| {
        value.with(|v| if v.is_empty() { None } else { parse(v).err().map(|e| e.to_string()) })
    })
}
