//! "n / max bytes" beside a field, turning into the validation message when the value is
//! not acceptable. The message comes from the same domain type the server checks with.

use crate::domain::{bytes, ValidationError};
use leptos::prelude::*;

#[component]
pub fn ByteCounter(
    /// The element id, for the field's `aria-describedby`.
    id: &'static str,
    #[prop(into)] value: Signal<String>,
    max: usize,
    /// The field's own check; its error replaces the counter.
    #[prop(into)]
    error: Signal<Option<ValidationError>>,
) -> impl IntoView {
    let t = crate::i18n::t();
    let used = move || bytes::stored_len(&value.get());
    view! {
        <p id=id class="counter" class:over=move || error.get().is_some() aria-live="polite">
            {move || match error.get() {
                Some(err) => crate::i18n::validation_text(t, &err),
                None => crate::i18n::fill(t.bytes_used, &[("used", &used()), ("max", &max)]),
            }}
        </p>
    }
}
