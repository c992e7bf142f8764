pub mod components;
pub mod pages;
mod upload;
mod format;
mod previews;

use components::toast::{provide_toasts, ToastHost};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes, A},
    path,
};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_toasts();
    // Effects run only in the browser, after hydration: end-to-end tests wait for this mark
    // before they click anything.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Stylesheet id="leptos" href="/pkg/channel-console.css"/>
        <Title text="Channel Console"/>
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
