//! The sign-in page: the only page shown without a session.

use crate::api::auth::{local_path, SignIn};
use crate::ui::action_results::on_result;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SignInPage() -> impl IntoView {
    let t = crate::i18n::t();
    let query = use_query_map();
    let next = Memo::new(move |_| local_path(&query.read().get("next").unwrap_or_default()));
    let password = RwSignal::new(String::new());
    let sign_in = ServerAction::<SignIn>::new();
    let pending = sign_in.pending();
    let signed_in = move || sign_in.value().with(|v| matches!(v, Some(Ok(_))));
    // The last refusal, hidden while the next attempt is under way. A form the browser
    // posted itself comes back with the refusal in the address, which the action reads.
    let error = move || {
        if pending.get() {
            return None;
        }
        sign_in.value().with(|v| match v {
            Some(Err(err)) => Some(crate::i18n::error_text(t, err)),
            _ => None,
        })
    };
    on_result(sign_in, move |result| match result {
        // A full page load: every page is rendered for the operator now signed in.
        Ok(next) => crate::ui::session::go_to(next),
        Err(_) => password.set(String::new()),
    });

    view! {
        <main class="page sign-in">
            <h1>{t.sign_in_title}</h1>
            // Posted by the browser itself if the page is not interactive yet.
            <ActionForm action=sign_in attr:class="sign-in-form">
                <input type="hidden" name="next" prop:value=move || next.get()/>
                <div class="field">
                    <label for="sign-in-operator">{t.f_operator_name}</label>
                    <input
                        id="sign-in-operator"
                        name="operator"
                        autocomplete="username"
                        required
                        autofocus
                    />
                </div>
                <div class="field">
                    <label for="sign-in-password">{t.f_password}</label>
                    <input
                        id="sign-in-password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                        bind:value=password
                    />
                </div>
                {move || error().map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
                // Stays disabled after success, while the next page loads.
                <button type="submit" class="primary" disabled=move || pending.get() || signed_in()>
                    {t.sign_in}
                </button>
            </ActionForm>
        </main>
    }
}
