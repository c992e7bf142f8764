//! "Load more" under a list that is read a page at a time.

use leptos::prelude::*;

/// Shown while there is a next page; disabled while one is loading.
#[component]
pub fn LoadMore(
    #[prop(into)] has_more: Signal<bool>,
    #[prop(into)] loading: Signal<bool>,
    on_load: Callback<()>,
) -> impl IntoView {
    view! {
        <Show when=move || has_more.get()>
            <button type="button" class="load-more" disabled=move || loading.get() on:click=move |_| on_load.run(())>
                {crate::i18n::t().load_more}
            </button>
        </Show>
    }
}
