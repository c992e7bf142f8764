//! Error popups in the upper right corner. Each is an ARIA alert, so screen readers announce
//! it, and stays until dismissed or for a while.

use leptos::prelude::*;
use std::time::Duration;

#[derive(Clone, Debug, PartialEq)]
struct Toast {
    id: u64,
    message: String,
}

#[derive(Clone, Copy)]
pub struct Toasts {
    items: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
}

impl Toasts {
    pub fn error(&self, message: impl Into<String>) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.items.update(|items| items.push(Toast { id, message: message.into() }));
        let this = *self;
        set_timeout(move || this.dismiss(id), Duration::from_secs(15));
    }

    /// Shows what went wrong; an ended session sends the operator to sign in instead.
    pub fn failure(&self, err: &crate::error::AppError) {
        if *err == crate::error::AppError::Unauthorized {
            crate::ui::session::sign_in_again();
        } else {
            self.error(err.to_string());
        }
    }

    fn dismiss(&self, id: u64) {
        self.items.update(|items| items.retain(|t| t.id != id));
    }
}

pub fn provide_toasts() {
    provide_context(Toasts { items: RwSignal::new(vec![]), next: StoredValue::new(0) });
}

pub fn use_toasts() -> Toasts {
    expect_context::<Toasts>()
}

#[component]
pub fn ToastHost() -> impl IntoView {
    let toasts = use_toasts();
    view! {
        <div class="toasts">
            <For each=move || toasts.items.get() key=|t| t.id let:toast>
                <div class="toast" role="alert">
                    <p>{toast.message.clone()}</p>
                    <button
                        type="button"
                        class="toast-close"
                        aria-label="Dismiss"
                        on:click=move |_| toasts.dismiss(toast.id)
                    >
                        "×"
                    </button>
                </div>
            </For>
        </div>
    }
}
