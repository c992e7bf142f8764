//! A field checked as the operator types, with the domain type the server checks with.

use crate::domain::ValidationError;
use leptos::prelude::*;

/// The message for `value` as `parse` judges it; `None` while the field is empty (nothing
/// typed yet is not an error to shout about) or when it is acceptable.
pub fn check_as_typed<T>(
    value: RwSignal<String>,
    parse: impl Fn(&str) -> Result<T, ValidationError> + Send + Sync + 'static,
) -> Memo<Option<String>> {
    let t = crate::i18n::t();
    Memo::new(move |_| {
        value.with(|v| if v.is_empty() { None } else { parse(v).err().map(|e| crate::i18n::validation_text(t, &e)) })
    })
}

/// A labelled input with its message underneath, tied to it with `aria-describedby` so a
/// screen reader reads the message with the field.
#[component]
pub fn CheckedField(
    id: &'static str,
    #[prop(into)] label: String,
    value: RwSignal<String>,
    /// From [`check_as_typed`]; none for a field that is not checked as typed.
    #[prop(optional)]
    error: Option<Memo<Option<String>>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input id=id type=kind autocomplete=autocomplete bind:value=value aria-describedby=error_id.clone()/>
            <p id=error_id class="field-error">{move || error.and_then(|e| e.get())}</p>
        </div>
    }
}
