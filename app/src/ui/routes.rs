//! The pages as lazy routes: with `cargo leptos build --split` each one's code is a wasm
//! chunk of its own, fetched the first time an operator opens the page (before hydration
//! when the page is the first one loaded: the server names its chunks in `<link
//! rel=preload>`). The first visit then downloads the shell and one page, not the console.
//! The sign-in page is not among them: it is small, and a visitor without a session needs
//! it first, so it is part of the shell (one module compresses better than the ~30 small
//! chunks it was split into, and saves their round trips).
//! On the server, and in a build without `--split`, a lazy route is an ordinary one.

use super::pages;
use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// One lazy route per page component; no page loads data before its view is created.
macro_rules! lazy_page {
    ($($route:ident => $page:path),* $(,)?) => {$(
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                $page().into_any()
            }
        }
    )*};
}

lazy_page! {
    Channels => pages::channels::ChannelsPage,
    Posts => pages::posts::PostsPage,
    PostDetail => pages::post_detail::PostDetailPage,
    Operators => pages::operators::OperatorsPage,
    Audit => pages::audit::AuditPage,
    Settings => pages::settings::SettingsPage,
}
