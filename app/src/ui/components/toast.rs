//! Popups in the upper right corner: errors, and notices of a change that went through. An
//! error is an ARIA alert and a notice an ARIA status, so screen readers announce both (an
//! error at once); each stays until dismissed or for a while.

use leptos::prelude::*;
use std::time::Duration;

#[derive(Clone, Debug, PartialEq)]
struct Toast {
    id: u64,
    message: String,
    error: bool,
}

#[derive(Clone, Copy)]
pub struct Toasts {
    items: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
}

impl Toasts {
    pub fn error(&self, message: impl Into<String>) {
        self.show(message.into(), true);
    }

    pub fn notice(&self, message: impl Into<String>) {
        self.show(message.into(), false);
    }

    fn show(&self, message: String, error: bool) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.items.update(|items| items.push(Toast { id, message, error }));
        let this = *self;
        set_timeout(move || this.dismiss(id), Duration::from_secs(15));
    }

    /// Shows what went wrong; an ended session sends the operator to sign in instead.
    pub fn failure(&self, err: &crate::error::AppError) {
        if *err == crate::error::AppError::Unauthorized {
            crate::ui::session::sign_in_again();
        } else {
            self.error(crate::i18n::error_text(crate::i18n::t(), err));
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
                <div class="toast" class:notice=!toast.error role=if toast.error { "alert" } else { "status" }>
                    <p>{toast.message.clone()}</p>
                    <button
                        type="button"
                        class="toast-close"
                        aria-label=crate::i18n::t().dismiss
                        on:click=move |_| toasts.dismiss(toast.id)
                    >
                        "×"
                    </button>
                </div>
            </For>
        </div>
    }
}
