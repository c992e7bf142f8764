//! The Webhooks page: the URL, token and events an app backend is sent, the policy for an
//! unreachable "before" callback, the signing secret (shown once), a test event, and the
//! deliveries log with "Redeliver" for each delivery whose last attempt failed. Its words
//! come with the page from the server (`i18n::pages`).

use crate::api::webhooks::{
    get_webhook, list_deliveries, webhook_texts, Redeliver, RotateWebhookSecret, SaveWebhook, SendTestEvent,
};
use crate::domain::webhook::{WebhookToken, WebhookUrl};
use crate::domain::{Callback, Delivery, DeliveryState, WebhookForm, WebhookSettings, WhenUnreachable};
use crate::i18n::fill;
use crate::i18n::pages::webhooks::WebhookTexts;
use crate::ui::action_results::{last_success, on_result};
use crate::ui::components::field_check::{check_as_typed, CheckedField};
use crate::ui::components::toast::use_toasts;
use crate::ui::format;
use crate::ui::json_resource;
use crate::ui::session::LoadError;
use leptos::prelude::*;
use std::sync::Arc;

type Texts = Arc<WebhookTexts>;

/// What a callback does, in the operator's words.
fn describe(tx: &WebhookTexts, callback: Callback) -> String {
    match callback {
        Callback::BeforeCreateOfficialAccount => tx.cb_before_create(),
        Callback::AfterCreateOfficialAccount => tx.cb_after_create(),
        Callback::AfterOfficialAccountInfoChanged => tx.cb_info_changed(),
        Callback::AfterOfficialAccountDestroyed => tx.cb_destroyed(),
        Callback::BeforeAddSubscriber => tx.cb_before_add(),
        Callback::AfterAddSubscriber => tx.cb_after_add(),
        Callback::AfterOfficialAccountFull => tx.cb_full(),
        Callback::AfterDeleteSubscriber => tx.cb_after_delete(),
        Callback::BeforeSendMsg => tx.cb_before_send(),
        Callback::AfterSendMsg => tx.cb_after_send(),
        Callback::AfterMsgWithDraw => tx.cb_withdraw(),
    }
    .to_owned()
}

fn state_label(tx: &WebhookTexts, state: DeliveryState) -> String {
    match state {
        DeliveryState::Delivered => tx.delivery_delivered(),
        DeliveryState::Pending => tx.delivery_pending(),
        DeliveryState::Failed => tx.delivery_failed(),
    }
    .to_owned()
}

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let save = ServerAction::<SaveWebhook>::new();
    let rotate = ServerAction::<RotateWebhookSecret>::new();
    let (saved, rotated) = (last_success(save), last_success(rotate));
    let texts = json_resource(|| (), |_| webhook_texts());
    let settings = json_resource(move || (saved.get(), rotated.get()), |_| get_webhook());
    // A secret just made, shown until the page is left.
    let new_secret = RwSignal::new(None::<String>);
    let t = crate::i18n::t();
    view! {
        <main class="page">
            <h1>{t.nav_webhooks}</h1>
            <Transition fallback=move || view! { <p class="muted">{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match (texts.await, settings.await) {
                        (Ok(tx), Ok(current)) => {
                            let tx: Texts = Arc::new(tx);
                            view! {
                                <p class="muted">{tx.webhooks_intro().to_owned()}</p>
                                <SettingsForm current save rotate new_secret tx/>
                            }
                            .into_any()
                        }
                        (Err(err), _) | (_, Err(err)) => view! { <LoadError err/> }.into_any(),
                    }
                })}
            </Transition>
            // Apart from the settings, which are read again after each save: the log keeps
            // its filter and page.
            <Transition fallback=|| ()>
                {move || Suspend::new(async move { texts.await.ok().map(|tx| view! { <DeliveryLog tx=Arc::new(tx)/> }) })}
            </Transition>
        </main>
    }
}

#[component]
fn SettingsForm(
    current: WebhookSettings,
    save: ServerAction<SaveWebhook>,
    rotate: ServerAction<RotateWebhookSecret>,
    new_secret: RwSignal<Option<String>>,
    tx: Texts,
) -> impl IntoView {
    let t = crate::i18n::t();
    let toasts = use_toasts();
    let url = RwSignal::new(current.url.clone());
    let token = RwSignal::new(current.token.clone());
    let chosen = RwSignal::new(current.callbacks.clone());
    let refuse = RwSignal::new(current.when_unreachable == WhenUnreachable::Refuse);
    let url_error =
        check_as_typed(url, |raw| if raw.trim().is_empty() { Ok(()) } else { WebhookUrl::parse(raw).map(|_| ()) });
    let token_error = check_as_typed(token, |raw| WebhookToken::parse(raw.trim()).map(|_| ()));
    let saving = save.pending();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() || url_error.get_untracked().is_some() || token_error.get_untracked().is_some() {
            return;
        }
        let form = WebhookForm {
            url: url.get_untracked(),
            token: token.get_untracked(),
            callbacks: chosen.get_untracked(),
            when_unreachable: if refuse.get_untracked() { WhenUnreachable::Refuse } else { WhenUnreachable::Allow },
        };
        save.dispatch(SaveWebhook { form });
    };
    let saved_notice = tx.webhook_saved().to_owned();
    on_result(save, move |result| match result {
        Ok(secret) => {
            if let Some(secret) = secret {
                new_secret.set(Some(secret.clone()));
            }
            toasts.notice(saved_notice.clone());
        }
        Err(err) => toasts.failure(err),
    });
    on_result(rotate, move |result| match result {
        Ok(secret) => new_secret.set(Some(secret.clone())),
        Err(err) => toasts.failure(err),
    });
    let test = ServerAction::<SendTestEvent>::new();
    let sent_notice = tx.test_event_sent().to_owned();
    on_result(test, move |result| match result {
        Ok(()) => toasts.notice(sent_notice.clone()),
        Err(err) => toasts.failure(err),
    });
    let secret_state = if current.secret_hint.is_empty() {
        tx.no_signing_secret().to_owned()
    } else {
        fill(tx.signing_secret_hint(), &[("hint", &current.secret_hint)])
    };
    let (new_label, copy_now) = (tx.new_signing_secret().to_owned(), tx.copy_secret_now().to_owned());
    view! {
        <form class="card-form" on:submit=submit aria-labelledby="webhook-title">
            <h2 id="webhook-title">{t.nav_webhooks}</h2>
            <CheckedField id="webhook-url" label=t.f_webhook_url value=url error=url_error kind="url"/>
            <CheckedField id="webhook-token" label=t.f_webhook_token value=token error=token_error/>
            <fieldset class="checks">
                <legend>{tx.webhook_events().to_owned()}</legend>
                {Callback::ALL.into_iter().map(|callback| {
                    let id = format!("cb-{}", callback.command().trim_start_matches("OfficialAccount.Callback"));
                    let checked = move || chosen.with(|c| c.contains(&callback));
                    let toggle = move |ev: leptos::ev::Event| {
                        let on = event_target_checked(&ev);
                        chosen.update(|c| {
                            c.retain(|x| *x != callback);
                            if on {
                                c.push(callback);
                            }
                        });
                    };
                    view! {
                        <div class="check">
                            <input type="checkbox" id=id.clone() prop:checked=checked on:change=toggle/>
                            <label for=id>{describe(&tx, callback)}" "<code>{callback.command()}</code></label>
                        </div>
                    }
                }).collect_view()}
            </fieldset>
            <fieldset class="checks">
                <legend>{tx.when_unreachable().to_owned()}</legend>
                <div class="check">
                    <input type="radio" id="unreachable-allow" name="unreachable" prop:checked=move || !refuse.get()
                        on:change=move |_| refuse.set(false)/>
                    <label for="unreachable-allow">{tx.unreachable_allow().to_owned()}</label>
                </div>
                <div class="check">
                    <input type="radio" id="unreachable-refuse" name="unreachable" prop:checked=move || refuse.get()
                        on:change=move |_| refuse.set(true)/>
                    <label for="unreachable-refuse">{tx.unreachable_refuse().to_owned()}</label>
                </div>
            </fieldset>
            <div class="actions start">
                <button type="submit" class="primary" disabled=move || saving.get()>{t.save}</button>
                <button type="button" disabled=move || test.pending().get() on:click=move |_| {
                    test.dispatch(SendTestEvent {});
                }>{tx.send_test_event().to_owned()}</button>
            </div>
        </form>
        <section class="card-form" aria-labelledby="secret-title">
            <h2 id="secret-title">{tx.signing_secret().to_owned()}</h2>
            <p>{secret_state}</p>
            {move || new_secret.get().map(|secret| view! {
                <div class="new-key" role="status">
                    <label for="new-signing-secret">{new_label.clone()}</label>
                    <input id="new-signing-secret" readonly prop:value=secret size="60"/>
                    <p>{copy_now.clone()}</p>
                </div>
            })}
            <div class="actions start">
                <button type="button" disabled=move || rotate.pending().get() on:click=move |_| {
                    rotate.dispatch(RotateWebhookSecret {});
                }>{tx.rotate_signing_secret().to_owned()}</button>
            </div>
        </section>
    }
}

#[component]
fn DeliveryLog(tx: Texts) -> impl IntoView {
    let t = crate::i18n::t();
    let toasts = use_toasts();
    let failures_only = RwSignal::new(false);
    let refreshes = RwSignal::new(0u32);
    // The page shown: the newest, or the one below a delivery id.
    let before = RwSignal::new(None::<i64>);
    let redeliver = ServerAction::<Redeliver>::new();
    let redelivered = last_success(redeliver);
    let queued = tx.redelivery_queued().to_owned();
    on_result(redeliver, move |result| match result {
        Ok(()) => toasts.notice(queued.clone()),
        Err(err) => toasts.failure(err),
    });
    let page = json_resource(
        move || (failures_only.get(), before.get(), refreshes.get(), redelivered.get()),
        |(only, before, _, _)| list_deliveries(before, only),
    );
    let rows_tx = tx.clone();
    view! {
        <section class="card-form" aria-labelledby="deliveries-title">
            <h2 id="deliveries-title">{tx.deliveries().to_owned()}</h2>
            <div class="actions start">
                <div class="check">
                    <input type="checkbox" id="failures-only" prop:checked=move || failures_only.get()
                        on:change=move |ev| {
                            before.set(None);
                            failures_only.set(event_target_checked(&ev));
                        }/>
                    <label for="failures-only">{tx.failures_only().to_owned()}</label>
                </div>
                <button type="button" on:click=move |_| {
                    before.set(None);
                    refreshes.update(|n| *n += 1);
                }>{tx.refresh().to_owned()}</button>
            </div>
            <Transition fallback=move || view! { <p class="muted">{t.loading}</p> }>
                {move || {
                    let tx = rows_tx.clone();
                    Suspend::new(async move {
                        match page.await {
                            Ok(page) if page.deliveries.is_empty() => {
                                view! { <p class="muted">{tx.no_deliveries().to_owned()}</p> }.into_any()
                            }
                            Ok(page) => {
                                let next = page.next;
                                let older = tx.older_deliveries().to_owned();
                                view! {
                                    <DeliveryTable deliveries=page.deliveries redeliver tx/>
                                    {next.map(|next| view! {
                                        <div class="actions start">
                                            <button type="button" on:click=move |_| before.set(Some(next))>{older}</button>
                                        </div>
                                    })}
                                }
                                .into_any()
                            }
                            Err(err) => view! { <LoadError err/> }.into_any(),
                        }
                    })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn DeliveryTable(deliveries: Vec<Delivery>, redeliver: ServerAction<Redeliver>, tx: Texts) -> impl IntoView {
    let with_latency = |text: String, latency: Option<i64>| match latency {
        Some(ms) => format!("{text} · {ms} ms"),
        None => text,
    };
    view! {
        <div class="table-scroll">
        <table class="data-table">
            <thead>
                <tr>
                    <th scope="col">{tx.col_event().to_owned()}</th>
                    <th scope="col">{tx.col_channel().to_owned()}</th>
                    <th scope="col">{tx.col_time().to_owned()}</th>
                    <th scope="col">{tx.col_attempts().to_owned()}</th>
                    <th scope="col">{tx.col_result().to_owned()}</th>
                    <th scope="col">{tx.col_next().to_owned()}</th>
                    <th scope="col">{tx.redeliver().to_owned()}</th>
                </tr>
            </thead>
            <tbody>
                {deliveries.into_iter().map(|d| {
                    let failing = d.failing();
                    let state = state_label(&tx, d.state);
                    let name = if d.command == crate::domain::webhook::TEST_COMMAND {
                        tx.test_event_name().to_owned()
                    } else {
                        d.command.trim_start_matches("OfficialAccount.").to_owned()
                    };
                    let result = match (d.last_status, d.last_error.is_empty()) {
                        (_, false) => with_latency(format!("{state} · {}", d.last_error), d.last_latency_ms),
                        (Some(status), true) => with_latency(format!("{state} · HTTP {status}"), d.last_latency_ms),
                        (None, true) => state,
                    };
                    let next = d.next_attempt_at.filter(|at| *at > 0).map(|at| format::timestamp(at / 1000)).unwrap_or_default();
                    let id = d.id;
                    let label = fill(tx.redeliver_named(), &[("id", &id.to_string())]);
                    let button = tx.redeliver().to_owned();
                    view! {
                        <tr>
                            <td>{name}</td>
                            <td>{d.channel}</td>
                            <td>{format::timestamp(d.created_at / 1000)}</td>
                            <td>{d.attempts}</td>
                            <td>{result}</td>
                            <td>{next}</td>
                            <td>
                                {failing.then(|| view! {
                                    <button type="button" aria-label=label on:click=move |_| {
                                        redeliver.dispatch(Redeliver { id });
                                    }>{button}</button>
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        </div>
    }
}
