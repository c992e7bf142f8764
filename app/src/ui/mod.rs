/// Starts fetching a `#[lazy]` function's chunk, once per page load, so that it has usually
/// arrived by the time it runs: for a dialog, when an operator points at or focuses a button
/// that opens it.
macro_rules! fetch_once {
    ($lazy:ident) => {{
        thread_local!(static ASKED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
        if !ASKED.with(|asked| asked.replace(true)) {
            let _loaded = lazy_preload!($lazy);
        }
    }};
}

mod action_results;
pub mod components;
mod format;
pub mod pages;
mod previews;
mod resource;
mod routes;
pub mod session;
mod upload;

use crate::api::auth::SignOut;
use components::toast::{provide_toasts, ToastHost};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::{
    components::{Route, Router, Routes, A},
    hooks::use_location,
    path, Lazy,
};
pub use resource::json_resource;

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    let locale = crate::i18n::current();
    view! {
        <!DOCTYPE html>
        <html lang=locale.tag()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options=options.clone()/>
                // After HydrationScripts: it provides the manifest this empties.
                {no_chunk_preloads()}
                <link rel="stylesheet" id="leptos" href=stylesheet_href(&options)/>
                // Raw text: a text child would carry Leptos's hydration marker (`<!>`) into
                // the title itself. The shell is never hydrated, and the name is ours.
                <title inner_html=locale.messages().app_name></title>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Provided by the server when it sends the page chunks compressed against the main module
/// (`server::chunk_dictionary`): then a page does not preload its chunks.
#[derive(Clone, Copy, Debug)]
pub struct ChunksAfterMainModule;

/// Leptos names a page's wasm chunks in `<link rel="preload">`, so the browser fetches them
/// beside the main module; but a chunk fetched after the main module arrived can come
/// compressed against it, about a quarter smaller. Emptying the chunk lists of the split
/// manifest that `HydrationScripts` provides leaves the chunks to the loader (which fetches
/// them as soon as the main module runs) and keeps the preload of the loader's script. The
/// manifest is read once per process, so this empties it for good.
fn no_chunk_preloads() {
    #[cfg(feature = "ssr")]
    if let (Some(ChunksAfterMainModule), Some(manifest)) =
        (use_context::<ChunksAfterMainModule>(), use_context::<leptos::WasmSplitManifest>())
    {
        use leptos::prelude::WriteValue;
        if let Some(mut manifest) = manifest.0.try_write_value() {
            manifest.1.clear();
        }
    }
}

/// The hash cargo-leptos put in the name of one kind of file (`css`, `wasm`, `js`, ...): its
/// line in the hash file beside the server binary, where Leptos reads it too.
#[cfg(feature = "ssr")]
pub fn build_hash(options: &LeptosOptions, kind: &str) -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let text = std::fs::read_to_string(exe.parent()?.join(options.hash_file.as_ref())).ok()?;
    text.lines().find_map(|line| {
        let (name, hash) = line.split_once(':')?;
        (name.trim() == kind).then(|| hash.trim().to_owned())
    })
}

/// `/pkg/channel-console.<hash>.css` when cargo-leptos hashed the names (the `css:` line of
/// the hash file beside the server binary, read once: it changes only with a new build),
/// `/pkg/channel-console.css` otherwise.
fn stylesheet_href(options: &LeptosOptions) -> String {
    #[cfg(feature = "ssr")]
    {
        static HASH: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
        let hash = HASH.get_or_init(|| build_hash(options, "css"));
        if let (true, Some(hash)) = (options.hash_files, hash) {
            return format!("/{}/{}.{hash}.css", options.site_pkg_dir, options.output_name);
        }
    }
    format!("/{}/{}.css", options.site_pkg_dir, options.output_name)
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
    // Chosen once per page load: on the server from the request, in the browser from the
    // `<html lang>` the server wrote. Switching languages loads the page again.
    provide_context(crate::i18n::current());
    provide_toasts();

    view! {
        <Router>
            <TopBar/>
            <Routes fallback=|| view! { <main class="page"><h1>{crate::i18n::t().page_not_found}</h1></main> }>
                // Each page's code is its own wasm chunk (`cargo leptos build --split`),
                // fetched when an operator first goes there; see `routes.rs`.
                <Route path=path!("/") view={Lazy::<routes::Channels>::new()}/>
                <Route path=path!("/channels") view={Lazy::<routes::Channels>::new()}/>
                <Route path=path!("/channels/:id/subscribers") view={Lazy::<routes::Subscribers>::new()}/>
                <Route path=path!("/posts") view={Lazy::<routes::Posts>::new()}/>
                <Route path=path!("/posts/:id") view={Lazy::<routes::PostDetail>::new()}/>
                <Route path=path!("/operators") view={Lazy::<routes::Operators>::new()}/>
                <Route path=path!("/audit") view={Lazy::<routes::Audit>::new()}/>
                <Route path=path!("/settings") view={Lazy::<routes::Settings>::new()}/>
                <Route path=path!("/webhooks") view={Lazy::<routes::Webhooks>::new()}/>
                <Route path=path!("/sign-in") view=pages::sign_in::SignInPage/>
            </Routes>
            <ToastHost/>
        </Router>
    }
}

/// The bar on every page but sign-in: where to go, who is signed in, and "Sign out". On a
/// narrow screen the links and the session fold into a menu opened with the "Menu" button.
#[component]
fn TopBar() -> impl IntoView {
    let t = crate::i18n::t();
    let location = use_location();
    let on_sign_in = move || location.pathname.with(|p| p == "/sign-in");
    let open = RwSignal::new(false);
    // Going somewhere closes the menu.
    Effect::watch(move || location.pathname.get(), move |_, _, _| open.set(false), false);
    view! {
        <header class="top-bar" class:menu-open=move || open.get()>
            <span class="brand">{t.app_name}</span>
            <Show when=move || !on_sign_in()>
                <button
                    type="button"
                    class="menu-button"
                    aria-controls="main-menu"
                    aria-expanded=move || if open.get() { "true" } else { "false" }
                    on:click=move |_| open.update(|o| *o = !*o)
                >
                    {t.menu}
                </button>
                <div class="menu" id="main-menu">
                    <nav aria-label=t.nav_main>
                        <A href="/channels">{t.nav_channels}</A>
                        <A href="/posts">{t.nav_posts}</A>
                        <A href="/operators">{t.nav_operators}</A>
                        <A href="/audit">{t.nav_audit}</A>
                        <A href="/webhooks">{t.nav_webhooks}</A>
                        <A href="/settings">{t.nav_settings}</A>
                    </nav>
                    <SignedInAs/>
                </div>
            </Show>
            <LanguageSwitch/>
        </header>
    }
}

#[component]
fn SignedInAs() -> impl IntoView {
    let me = json_resource(|| (), |_| crate::api::auth::whoami());
    let sign_out = ServerAction::<SignOut>::new();
    // Signed out on the server, or the session had ended already: sign-in either way.
    action_results::on_result(sign_out, |_| session::go_to("/sign-in"));
    view! {
        <div class="session">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    me.await.ok().map(|name| view! { <span class="muted">{name}</span> })
                })}
            </Transition>
            // Posted by the browser itself if the page is not interactive yet. Not an
            // `ActionForm`: that reads the form's fields with serde_qs, code the shell would
            // carry for an action without arguments.
            <form method="post" action=SignOut::url() on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                sign_out.dispatch(SignOut {});
            }>
                <button type="submit">{crate::i18n::t().sign_out}</button>
            </form>
        </div>
    }
}

/// The other language, offered in its own name. A link to the server (not a route of the
/// app: `rel=external`), which remembers the choice in a cookie and sends the browser back
/// to this page, rendered anew in that language; it works before hydration too.
#[component]
fn LanguageSwitch() -> impl IntoView {
    let location = use_location();
    let current = crate::i18n::current();
    let t = current.messages();
    let href = move || {
        // The router's `search` comes without its `?`.
        let (path, search) = (location.pathname.get(), location.search.get());
        let next = if search.is_empty() { path } else { format!("{path}?{search}") };
        let others = crate::i18n::Locale::ALL.into_iter().filter(|l| *l != current);
        others.map(|l| (l, format!("/language/{}?next={}", l.tag(), encode_query(&next)))).collect::<Vec<_>>()
    };
    view! {
        <nav class="language" aria-label=t.language>
            {move || href().into_iter().map(|(locale, href)| view! {
                <a href=href rel="external" lang=locale.tag() hreflang=locale.tag()>{locale.autonym()}</a>
            }).collect_view()}
        </nav>
    }
}

/// Percent-encodes a query value (what `encodeURIComponent` leaves alone stays).
pub fn encode_query(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
