pub mod components;
pub mod pages;
mod upload;
mod format;
mod previews;

use components::toast::{provide_toasts, ToastHost};
use leptos::prelude::*;
use leptos_router::{
    components::{Route, Router, Routes, A},
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
/// also be local previews (`blob:`) of files being uploaded.
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    use axum::http::{header::CONTENT_SECURITY_POLICY, HeaderValue};
    let (Some(nonce), Some(response)) =
        (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; object-src 'none'; \
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
            <header class="top-bar">
                <span class="brand">"Channel Console"</span>
                <nav aria-label="Main">
                    <A href="/channels">"Channels"</A>
                    <A href="/posts">"Posts"</A>
                </nav>
            </header>
            <Routes fallback=|| view! { <main class="page"><h1>"Page not found"</h1></main> }>
                <Route path=path!("/") view=pages::channels::ChannelsPage/>
                <Route path=path!("/channels") view=pages::channels::ChannelsPage/>
                <Route path=path!("/posts") view=pages::posts::PostsPage/>
                <Route path=path!("/posts/:id") view=pages::post_detail::PostDetailPage/>
            </Routes>
            <ToastHost/>
        </Router>
    }
}
