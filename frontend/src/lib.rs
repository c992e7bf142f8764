//! The browser entry point: hydrates the server-rendered page.

use std::cell::RefCell;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        if info.to_string().contains(CHUNK_LOAD_FAILED) {
            load_from_server();
        }
    }));
    remember_link_clicks();
    // What `leptos::mount::hydrate_lazy` does, plus the mark once all of it is done. Lazy
    // routes (`app::ui::routes`) load their chunks before they hydrate, and effects made
    // while hydrating can run while a chunk is still on its way: a mark set by an effect
    // could say "interactive" before the page's buttons had their handlers.
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = document().and_then(|d| d.body()) else { return };
        leptos::mount::hydrate_from_async(body.clone(), app::App).await.forget();
        // The effects made while hydrating have run by the executor's next turn.
        leptos::task::tick().await;
        // End-to-end tests and the benchmark wait for this mark before they click anything.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}

fn document() -> Option<web_sys::Document> {
    web_sys::window().and_then(|w| w.document())
}

/// What Leptos 0.8's lazy routes panic with when a page's chunk cannot be fetched: the
/// server was down for a moment, or a new version was deployed and the names this tab knows
/// are gone. A panic ends the wasm module, and the page would stay dead.
const CHUNK_LOAD_FAILED: &str = "load callback should succeed";

thread_local! {
    /// The last link followed, and when (ms): the router changes the address only once the
    /// page's chunk is there, so after a failed load the address is still the old page's.
    static FOLLOWED: RefCell<Option<(String, u64)>> = const { RefCell::new(None) };
}

fn remember_link_clicks() {
    let Some(document) = document() else { return };
    let on_click = Closure::<dyn Fn(web_sys::Event)>::new(|event: web_sys::Event| {
        let link = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("a[href]").ok().flatten())
            .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok());
        if let Some(link) = link {
            FOLLOWED.with(|f| *f.borrow_mut() = Some((link.href(), now_ms())));
        }
    });
    // Capture phase: before the router's own handler starts the navigation.
    let _ = document.add_event_listener_with_callback_and_bool("click", on_click.as_ref().unchecked_ref(), true);
    on_click.forget();
}

/// Loads, from the server and with the version it serves now, the page the operator was
/// going to (the link just followed) or the one shown; but not twice within a minute, so
/// that a chunk that really is missing does not reload forever.
fn load_from_server() {
    const KEY: &str = "console-chunk-reload-at";
    let Some(window) = web_sys::window() else { return };
    let now = now_ms();
    let storage = window.session_storage().ok().flatten();
    let last = storage.as_ref().and_then(|s| s.get_item(KEY).ok().flatten()).and_then(|v| v.parse::<u64>().ok());
    if last.is_some_and(|at| now.saturating_sub(at) < 60_000) {
        return;
    }
    if let Some(storage) = storage {
        let _ = storage.set_item(KEY, &now.to_string());
    }
    let followed = FOLLOWED.with(|f| f.borrow().clone()).filter(|(_, at)| now.saturating_sub(*at) < 10_000);
    let _ = match followed {
        Some((href, _)) => window.location().assign(&href),
        None => window.location().reload(),
    };
}

/// Milliseconds since the epoch as an integer: formatting or parsing an `f64` would pull
/// Rust's float printing and parsing (about 14 KB) into the module every page loads.
fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}
