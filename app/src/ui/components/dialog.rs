//! A modal dialog: labelled by its heading, closed with Escape, focus moved into it when it
//! opens.

use leptos::prelude::*;

#[component]
pub fn Dialog(
    /// Id of the heading that names the dialog.
    title_id: &'static str,
    #[prop(into)] title: String,
    on_close: Callback<()>,
    children: Children,
) -> impl IntoView {
    let panel = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(panel) = panel.get() {
            use wasm_bindgen::JsCast;
            let target = panel
                .query_selector("input, textarea, button")
                .ok()
                .flatten()
                .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
            if let Some(target) = target {
                let _ = target.focus();
            }
        }
    });
    view! {
        <div class="backdrop">
            <div
                class="dialog"
                role="dialog"
                aria-modal="true"
                aria-labelledby=title_id
                node_ref=panel
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        on_close.run(());
                    }
                }
            >
                <h2 id=title_id>{title}</h2>
                {children()}
            </div>
        </div>
    }
}
