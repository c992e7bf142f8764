//! A modal dialog: labelled by its heading, closed with Escape. Focus moves into it when it
//! opens, stays in it while it is open (Tab and Shift+Tab go round its controls), and
//! returns to the control that opened it when it closes.

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

/// What Tab can reach inside the dialog.
const FOCUSABLE: &str = "a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), \
     textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

fn focusable(panel: &web_sys::Element) -> Vec<HtmlElement> {
    let Ok(list) = panel.query_selector_all(FOCUSABLE) else { return vec![] };
    (0..list.length()).filter_map(|i| list.item(i)?.dyn_into::<HtmlElement>().ok()).collect()
}

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
        let Some(panel) = panel.get() else { return };
        let opener = document().active_element().and_then(|el| el.dyn_into::<HtmlElement>().ok());
        if let Some(first) = focusable(&panel).into_iter().find(|el| el.tag_name() != "A") {
            let _ = first.focus();
        }
        let opener = SendWrapper::new(opener);
        on_cleanup(move || {
            if let Some(opener) = opener.take() {
                let _ = opener.focus();
            }
        });
    });
    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Escape" {
            on_close.run(());
            return;
        }
        if ev.key() != "Tab" {
            return;
        }
        let Some(panel) = panel.get_untracked() else { return };
        let controls = focusable(&panel);
        let (Some(first), Some(last)) = (controls.first(), controls.last()) else { return };
        let active = document().active_element();
        let at = |el: &HtmlElement| active.as_ref().is_some_and(|a| a == el.unchecked_ref::<web_sys::Element>());
        if ev.shift_key() && at(first) {
            ev.prevent_default();
            let _ = last.focus();
        } else if !ev.shift_key() && at(last) {
            ev.prevent_default();
            let _ = first.focus();
        }
    };
    view! {
        <div class="backdrop">
            <div
                class="dialog"
                role="dialog"
                aria-modal="true"
                aria-labelledby=title_id
                node_ref=panel
                on:keydown=on_keydown
            >
                <h2 id=title_id>{title}</h2>
                {children()}
            </div>
        </div>
    }
}

/// A question about something named, the name in bold: `template` holds `{key}` where the
/// name goes (each language puts it where its grammar wants it).
pub fn naming(template: &str, key: &str, name: String) -> impl IntoView {
    let (before, after) = crate::i18n::around(template, key);
    let (before, after) = (before.to_owned(), after.to_owned());
    view! { <p>{before}<strong>{name}</strong>{after}</p> }
}

/// Asks before a change that cannot be undone: the danger button makes it (disabled while
/// `busy`), "Cancel" and Escape leave everything as it was. The danger button comes first,
/// so it is what the dialog focuses.
#[component]
pub fn Confirm(
    title_id: &'static str,
    #[prop(into)] title: String,
    /// The danger button's label ("Delete", "Recall", …).
    #[prop(into)]
    confirm: String,
    #[prop(into)] busy: Signal<bool>,
    on_confirm: Callback<()>,
    on_close: Callback<()>,
    /// What will happen, said plainly.
    children: Children,
) -> impl IntoView {
    view! {
        <Dialog title_id title on_close>
            {children()}
            <div class="actions">
                <button type="button" class="danger" disabled=move || busy.get() on:click=move |_| on_confirm.run(())>
                    {confirm}
                </button>
                <button type="button" on:click=move |_| on_close.run(())>{crate::i18n::t().cancel}</button>
            </div>
        </Dialog>
    }
}
