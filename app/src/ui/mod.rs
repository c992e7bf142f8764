mod action_results;
pub mod components;
mod format;
pub mod pages;
mod previews;
pub mod session;
mod upload;

use components::toast::{provide_toasts, ToastHost};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::{
    components::{Route, Router, Routes, A},
    hooks::use_location,
    path,
};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <link rel="stylesheet" id="leptos" href="/pkg/channel-console.css"/>
                <title>"Channel Console"</title>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Only the console's own scripts run: the inline hydration and streaming scripts carry this
/// response's nonce, the module and the wasm come from the console's origin. Images may
/// also be local previews (`blob:`) of files being uploaded, or a channel's avatar address
/// set through the REST API (FaceUrl, shown from where it is: images cannot run script).
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    use axum::http::{header::CONTENT_SECURITY_POLICY, HeaderValue};
    let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' blob: data: https: http:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response.insert_header(CONTENT_SECURITY_POLICY, value);
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_toasts();
    // Effects run only in the browser, after hydration: end-to-end tests wait for this mark
    // before they click anything.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Router>
            <TopBar/>
            <Routes fallback=|| view! { <main class="page"><h1>"Page not found"</h1></main> }>
                <Route path=path!("/") view=pages::channels::ChannelsPage/>
                <Route path=path!("/channels") view=pages::channels::ChannelsPage/>
                <Route path=path!("/posts") view=pages::posts::PostsPage/>
                <Route path=path!("/posts/:id") view=pages::post_detail::PostDetailPage/>
                <Route path=path!("/operators") view=pages::operators::OperatorsPage/>
                <Route path=path!("/audit") view=pages::audit::AuditPage/>
                <Route path=path!("/settings") view=pages::settings::SettingsPage/>
                <Route path=path!("/sign-in") view=pages::sign_in::SignInPage/>
            </Routes>
            <ToastHost/>
        </Router>
    }
}

/// The bar on every page but sign-in: where to go, who is signed in, and "Sign out".
#[component]
fn TopBar() -> impl IntoView {
    let location = use_location();
    let on_sign_in = move || location.pathname.with(|p| p == "/sign-in");
    view! {
        <header class="top-bar">
            <span class="brand">"Channel Console"</span>
            <Show when=move || !on_sign_in()>
                <nav aria-label="Main">
                    <A href="/channels">"Channels"</A>
                    <A href="/posts">"Posts"</A>
                    <A href="/operators">"Operators"</A>
                    <A href="/audit">"Audit log"</A>
                    <A href="/settings">"Settings"</A>
                </nav>
                <SignedInAs/>
            </Show>
        </header>
    }
}

#[component]
fn SignedInAs() -> impl IntoView {
    let me = Resource::new(|| (), |_| crate::api::auth::whoami());
    let sign_out = ServerAction::<crate::api::auth::SignOut>::new();
    // Signed out on the server, or the session had ended already: sign-in either way.
    action_results::on_result(sign_out, |_| session::go_to("/sign-in"));
    view! {
        <div class="session">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    me.await.ok().map(|name| view! { <span class="muted">{name}</span> })
                })}
            </Transition>
            // Posted by the browser itself if the page is not interactive yet.
            <ActionForm action=sign_out>
                <button type="submit">"Sign out"</button>
            </ActionForm>
        </div>
    }
}
