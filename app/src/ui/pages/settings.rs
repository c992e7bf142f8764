//! The Settings page: what a script needs to call the REST API (application id, secret key,
//! administrator identifiers).

use crate::api::settings::{add_api_admin, get_api_settings, remove_api_admin, rotate_api_key};
use crate::domain::{AdminIdentifier, ApiSettings};
use crate::ui::components::{
    dialog::Dialog,
    field_check::{check_as_typed, CheckedField},
    toast::use_toasts,
};
use crate::ui::format;
use crate::ui::session::LoadError;
use leptos::prelude::*;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let settings = Resource::new(move || version.get(), |_| get_api_settings());
    let refresh = Callback::new(move |_: ()| version.update(|v| *v += 1));
    // The key just made, shown until the page is left: it is not stored anywhere readable.
    let new_key = RwSignal::new(None::<NewKey>);
    view! {
        <main class="page">
            <h1>"Settings"</h1>
            <section class="card-form" aria-labelledby="rest-api-title">
                <h2 id="rest-api-title">"REST API"</h2>
                <p class="muted">
                    "Scripts written for the vendor's official-account REST API work against this console: "
                    "POST to " <code>"/v4/official_account_open_http_svc/<command>"</code>
                    " on this server with this application's id and a UserSig made with its secret key "
                    "by one of the administrators below."
                </p>
                <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match settings.await {
                            Ok(current) => view! { <ApiSettingsView current new_key refresh/> }.into_any(),
                            Err(err) => view! { <LoadError err/> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </main>
    }
}

/// A key just made, with whether it replaced one.
#[derive(Clone)]
struct NewKey {
    key: String,
    replaced: bool,
}

#[component]
fn ApiSettingsView(
    current: ApiSettings,
    new_key: RwSignal<Option<NewKey>>,
    refresh: Callback<()>,
) -> impl IntoView {
    let toasts = use_toasts();
    let confirming = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let has_key = current.key_hint.is_some();
    let rotate = move || {
        busy.set(true);
        leptos::task::spawn_local(async move {
            match rotate_api_key().await {
                Ok(key) => {
                    new_key.set(Some(NewKey {
                        key,
                        replaced: has_key,
                    }));
                    confirming.set(false);
                    refresh.run(());
                }
                Err(err) => toasts.failure(&err),
            }
            busy.set(false);
        });
    };
    let key_state = match (&current.key_hint, current.key_created_at) {
        (Some(hint), Some(at)) => format!("Made {}; ends in …{hint}.", format::timestamp(at)),
        _ => "No key yet: the REST API answers every call with error 131000 until one is made."
            .to_owned(),
    };
    view! {
        <dl class="settings-list">
            <dt>"Application ID (SDKAppID)"</dt>
            <dd><code data-testid="sdkappid">{current.sdkappid}</code></dd>
            <dt>"Secret key"</dt>
            <dd>{key_state}</dd>
        </dl>
        {move || new_key.get().map(|NewKey { key, replaced }| view! {
            <div class="new-key" role="status">
                <label for="new-secret-key">"New secret key"</label>
                <input id="new-secret-key" readonly prop:value=key size="70"/>
                <p>
                    "Copy it now: it is not shown again."
                    {replaced.then_some(" UserSigs made with the previous key no longer work.")}
                </p>
            </div>
        })}
        <div class="actions start">
            <button
                type="button"
                class="primary"
                disabled=move || busy.get()
                on:click=move |_| if has_key { confirming.set(true) } else { rotate() }
            >
                {if has_key { "Rotate secret key" } else { "Create secret key" }}
            </button>
        </div>
        <AdminList admins=current.admins refresh/>
        {move || confirming.get().then(|| view! {
            <Dialog title_id="rotate-key-title" title="Rotate the secret key?" on_close=Callback::new(move |_| confirming.set(false))>
                <p>"A new key replaces the current one at once: every UserSig made with the current key stops working, so update your scripts."</p>
                <div class="actions">
                    <button type="button" class="danger" disabled=move || busy.get() on:click=move |_| rotate()>"Rotate"</button>
                    <button type="button" on:click=move |_| confirming.set(false)>"Cancel"</button>
                </div>
            </Dialog>
        })}
    }
}

#[component]
fn AdminList(admins: Vec<String>, refresh: Callback<()>) -> impl IntoView {
    let toasts = use_toasts();
    let identifier = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = check_as_typed(identifier, AdminIdentifier::parse);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked()
            || error.get_untracked().is_some()
            || identifier.with_untracked(String::is_empty)
        {
            return;
        }
        busy.set(true);
        let value = identifier.get_untracked();
        leptos::task::spawn_local(async move {
            match add_api_admin(value).await {
                Ok(()) => {
                    identifier.set(String::new());
                    refresh.run(());
                }
                Err(err) => toasts.failure(&err),
            }
            busy.set(false);
        });
    };
    let remove = move |name: String| {
        leptos::task::spawn_local(async move {
            match remove_api_admin(name).await {
                Ok(()) => refresh.run(()),
                Err(err) => toasts.failure(&err),
            }
        });
    };
    view! {
        <h3 id="admins-title">"Administrators"</h3>
        {if admins.is_empty() {
            view! { <p class="muted">"No administrators yet: nobody can call the REST API."</p> }.into_any()
        } else {
            view! {
                <ul class="admin-list" aria-labelledby="admins-title">
                    {admins.into_iter().map(|name| {
                        let label = format!("Remove administrator {name}");
                        let for_remove = name.clone();
                        view! {
                            <li>
                                <code>{name}</code>
                                <button type="button" class="danger" aria-label=label on:click=move |_| remove(for_remove.clone())>
                                    "Remove"
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
        <form class="inline-form" on:submit=add aria-label="Add administrator">
            <CheckedField id="admin-identifier" label="Administrator identifier" value=identifier error/>
            <button type="submit" disabled=move || busy.get() || error.get().is_some()>"Add administrator"</button>
        </form>
    }
}
