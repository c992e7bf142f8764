//! The pages as lazy routes: with `cargo leptos build --split` each one's code is a wasm
//! chunk of its own, fetched the first time an operator opens the page (before hydration
//! when the page is the first one loaded: as soon as the main module runs, or preloaded
//! beside it when the server has no dictionary-compressed copies, see `no_chunk_preloads`).
//! The first visit then downloads the shell and one page, not the console.
//! The sign-in page is not among them: it is small, and a visitor without a session needs
//! it first, so it is part of the shell (one module compresses better than the ~30 small
//! chunks it was split into, and saves their round trips).
//! The three administration pages (operators, audit log, settings) share one chunk: split
//! three ways, every function two of them or the channel page share became a small chunk
//! of its own, and the channel page's first visit fetched 21 files instead of 10 (10 KB more
//! with their headers). The first visit to one of them fetches all three.
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
    Subscribers => pages::subscribers::SubscribersPage,
}

#[derive(Clone, Copy)]
enum AdminPage {
    Operators,
    Audit,
    Settings,
    Webhooks,
}

/// The administration pages' chunk, loaded before hydration when one of them is the first
/// page (see `preload` below), as a lazy route's is.
#[lazy]
fn admin_view(which: AdminPage) -> AnyView {
    match which {
        AdminPage::Operators => pages::operators::OperatorsPage().into_any(),
        AdminPage::Audit => pages::audit::AuditPage().into_any(),
        AdminPage::Settings => pages::settings::SettingsPage().into_any(),
        AdminPage::Webhooks => pages::webhooks::WebhooksPage().into_any(),
    }
}

/// A route to one of the administration pages, whose code comes with [`admin_view`].
macro_rules! admin_page {
    ($($route:ident),*) => {$(
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_this: Self) -> AnyView {
                admin_view(AdminPage::$route).await
            }

            // Hydration waits for this (as `#[lazy_route]` makes it do): the page's code must
            // be there before the server's HTML is taken over.
            async fn preload() {
                #[cfg(target_arch = "wasm32")]
                __preload_admin_view().await;
            }
        }
    )*};
}

admin_page!(Operators, Audit, Settings, Webhooks);
