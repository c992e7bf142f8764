//! The Settings page: what a script needs to call the REST API (application id, secret key,
//! administrator identifiers).

use crate::api::settings::{get_api_settings, settings_texts, AddApiAdmin, RemoveApiAdmin, RotateApiKey};
use crate::domain::{AdminIdentifier, ApiSettings};
use crate::i18n::pages::settings::SettingsTexts;
use crate::ui::action_results::{last_success, on_result};
use crate::ui::components::{
    dialog::Confirm,
    field_check::{check_as_typed, CheckedField},
    toast::use_toasts,
};
use crate::ui::format;
use crate::ui::json_resource;
use crate::ui::session::LoadError;
use leptos::prelude::*;
use std::sync::Arc;

/// The page's words, which come with it from the server (`i18n::pages`).
type Texts = Arc<SettingsTexts>;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let rotate = ServerAction::<RotateApiKey>::new();
    let add_admin = ServerAction::<AddApiAdmin>::new();
    let remove_admin = ServerAction::<RemoveApiAdmin>::new();
    // After a refusal the settings are not read again: that would close the rotate dialog
    // and empty the identifier field, which are rebuilt with them.
    let (rotated, added, removed) = (last_success(rotate), last_success(add_admin), last_success(remove_admin));
    let texts = json_resource(|| (), |_| settings_texts());
    let settings = json_resource(move || (rotated.get(), added.get(), removed.get()), |_| get_api_settings());
    // The key just made, shown until the page is left: it is not stored anywhere readable.
    let new_key = RwSignal::new(None::<NewKey>);
    let t = crate::i18n::t();
    view! {
        <main class="page">
            <h1>{t.nav_settings}</h1>
            <Transition fallback=move || view! { <p class="muted">{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match (texts.await, settings.await) {
                        (Ok(tx), Ok(current)) => {
                            let tx: Texts = Arc::new(tx);
                            let (before, after) = crate::i18n::around(tx.rest_api_intro(), "path");
                            let (before, after) = (before.to_owned(), after.to_owned());
                            view! {
                                <section class="card-form" aria-labelledby="rest-api-title">
                                    <h2 id="rest-api-title">{tx.rest_api().to_owned()}</h2>
                                    <p class="muted">
                                        {before}<code>"/v4/official_account_open_http_svc/<command>"</code>{after}
                                    </p>
                                    <ApiSettingsView current new_key rotate add_admin remove_admin tx/>
                                </section>
                            }
                            .into_any()
                        }
                        (Err(err), _) | (_, Err(err)) => view! { <LoadError err/> }.into_any(),
                    }
                })}
            </Transition>
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
    rotate: ServerAction<RotateApiKey>,
    add_admin: ServerAction<AddApiAdmin>,
    remove_admin: ServerAction<RemoveApiAdmin>,
    tx: Texts,
) -> impl IntoView {
    let toasts = use_toasts();
    let confirming = RwSignal::new(false);
    let rotating = rotate.pending();
    let has_key = current.key_hint.is_some();
    let make_key = move || {
        rotate.dispatch(RotateApiKey {});
    };
    on_result(rotate, move |result| match result {
        Ok(key) => {
            new_key.set(Some(NewKey { key: key.clone(), replaced: has_key }));
            confirming.set(false);
        }
        Err(err) => toasts.failure(err),
    });
    let key_state = match (&current.key_hint, current.key_created_at) {
        (Some(hint), Some(at)) => crate::i18n::fill(tx.key_made(), &[("time", &format::timestamp(at)), ("hint", hint)]),
        _ => tx.no_key().to_owned(),
    };
    let (key_tx, dialog_tx) = (tx.clone(), tx.clone());
    view! {
        <dl class="settings-list">
            <dt>{tx.app_id().to_owned()}</dt>
            <dd><code data-testid="sdkappid">{current.sdkappid}</code></dd>
            <dt>{tx.secret_key().to_owned()}</dt>
            <dd>{key_state}</dd>
        </dl>
        {move || new_key.get().map(|NewKey { key, replaced }| view! {
            <div class="new-key" role="status">
                <label for="new-secret-key">{key_tx.new_secret_key().to_owned()}</label>
                <input id="new-secret-key" readonly prop:value=key size="70"/>
                <p>
                    {key_tx.copy_key_now().to_owned()}
                    {replaced.then_some(" ")}
                    {replaced.then_some(key_tx.previous_key_void().to_owned())}
                </p>
            </div>
        })}
        <div class="actions start">
            <button
                type="button"
                class="primary"
                disabled=move || rotating.get()
                on:click=move |_| if has_key { confirming.set(true) } else { make_key() }
            >
                {if has_key { tx.rotate_key().to_owned() } else { tx.create_key().to_owned() }}
            </button>
        </div>
        <AdminList admins=current.admins add_admin remove_admin tx/>
        {move || confirming.get().then(|| {
            let body = dialog_tx.rotate_body().to_owned();
            view! {
                <Confirm
                    title_id="rotate-key-title"
                    title=dialog_tx.rotate_title().to_owned()
                    confirm=dialog_tx.rotate().to_owned()
                    busy=rotating
                    on_confirm=Callback::new(move |_| make_key())
                    on_close=Callback::new(move |_| confirming.set(false))
                >
                    <p>{body}</p>
                </Confirm>
            }
        })}
    }
}

#[component]
fn AdminList(
    admins: Vec<String>,
    add_admin: ServerAction<AddApiAdmin>,
    remove_admin: ServerAction<RemoveApiAdmin>,
    tx: Texts,
) -> impl IntoView {
    let toasts = use_toasts();
    let t = crate::i18n::t();
    let identifier = RwSignal::new(String::new());
    let adding = add_admin.pending();
    let error = check_as_typed(identifier, AdminIdentifier::parse);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if adding.get_untracked() || error.get_untracked().is_some() || identifier.with_untracked(String::is_empty) {
            return;
        }
        add_admin.dispatch(AddApiAdmin { identifier: identifier.get_untracked() });
    };
    on_result(add_admin, move |result| match result {
        Ok(()) => identifier.set(String::new()),
        Err(err) => toasts.failure(err),
    });
    let remove = move |identifier: String| {
        remove_admin.dispatch(RemoveApiAdmin { identifier });
    };
    on_result(remove_admin, move |result| {
        if let Err(err) = result {
            toasts.failure(err);
        }
    });
    view! {
        <h3 id="admins-title">{tx.administrators().to_owned()}</h3>
        {if admins.is_empty() {
            view! { <p class="muted">{tx.no_admins().to_owned()}</p> }.into_any()
        } else {
            view! {
                <ul class="admin-list" aria-labelledby="admins-title">
                    {admins.into_iter().map(|name| {
                        let label = crate::i18n::fill(tx.remove_admin_named(), &[("name", &name)]);
                        let for_remove = name.clone();
                        view! {
                            <li>
                                <code>{name}</code>
                                <button type="button" class="danger" aria-label=label on:click=move |_| remove(for_remove.clone())>
                                    {t.remove}
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
        <form class="inline-form" on:submit=add aria-label=tx.add_admin().to_owned()>
            <CheckedField id="admin-identifier" label=t.f_admin_identifier value=identifier error/>
            <button type="submit" disabled=move || adding.get() || error.get().is_some()>{tx.add_admin().to_owned()}</button>
        </form>
    }
}
