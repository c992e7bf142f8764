//! The sign-in page: the only page shown without a session.

use crate::api::auth::{local_path, SignIn};
use crate::ui::action_results::on_result;
use leptos::html::Input;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SignInPage() -> impl IntoView {
    let t = crate::i18n::t();
    let query = use_query_map();
    let next = Memo::new(move |_| local_path(&query.read().get("next").unwrap_or_default()));
    let (operator, password) = (NodeRef::<Input>::new(), NodeRef::<Input>::new());
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
        Err(_) => {
            if let Some(input) = password.get_untracked() {
                input.set_value("");
            }
        }
    });
    // What is in the fields now, including what was typed or filled in before the page
    // became interactive. Not an `ActionForm`: that reads the fields through serde_qs.
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = |input: NodeRef<Input>| input.get_untracked().map(|el| el.value()).unwrap_or_default();
        sign_in.dispatch(SignIn { operator: value(operator), password: value(password), next: next.get_untracked() });
    };

    view! {
        <main class="page sign-in">
            <h1>{t.sign_in_title}</h1>
            // Posted by the browser itself if the page is not interactive yet.
            <form class="sign-in-form" method="post" action=SignIn::url() on:submit=submit>
                // An attribute, not a property: the server writes it, for a form posted before the
                // page is interactive.
                <input type="hidden" name="next" value=move || next.get()/>
                <div class="field">
                    <label for="sign-in-operator">{t.f_operator_name}</label>
                    <input
                        id="sign-in-operator"
                        node_ref=operator
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
                        node_ref=password
                    />
                </div>
                {move || error().map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
                // Stays disabled after success, while the next page loads.
                <button type="submit" class="primary" disabled=move || pending.get() || signed_in()>
                    {t.sign_in}
                </button>
            </form>
        </main>
    }
}
