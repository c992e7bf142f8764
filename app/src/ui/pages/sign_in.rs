//! The sign-in page: the only page shown without a session.

use crate::api::auth::{local_path, sign_in};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    let next = Memo::new(move |_| local_path(&query.read().get("next").unwrap_or_default()));
    let operator = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let (name, secret, next) = (
            operator.get_untracked(),
            password.get_untracked(),
            next.get_untracked(),
        );
        leptos::task::spawn_local(async move {
            match sign_in(name, secret, next).await {
                // A full page load: every page is rendered for the operator now signed in.
                Ok(next) => crate::ui::session::go_to(&next),
                Err(err) => {
                    busy.set(false);
                    password.set(String::new());
                    error.set(Some(err.to_string()));
                }
            }
        });
    };

    view! {
        <main class="page sign-in">
            <h1>"Sign in to Channel Console"</h1>
            // Posted by the browser itself if the page is not interactive yet.
            <form method="post" action="/api/sign_in" on:submit=submit class="sign-in-form">
                <input type="hidden" name="next" prop:value=move || next.get()/>
                <div class="field">
                    <label for="sign-in-operator">"Operator"</label>
                    <input
                        id="sign-in-operator"
                        name="operator"
                        autocomplete="username"
                        required
                        autofocus
                        bind:value=operator
                    />
                </div>
                <div class="field">
                    <label for="sign-in-password">"Password"</label>
                    <input
                        id="sign-in-password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                        bind:value=password
                    />
                </div>
                {move || error.get().map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
                <button type="submit" class="primary" disabled=move || busy.get()>"Sign in"</button>
            </form>
        </main>
    }
}
