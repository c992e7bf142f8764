//! The Webhooks page: the URL, token and events an app backend is sent, the policy for an
//! unreachable "before" callback, the signing secret (shown once), a test event, and the
//! deliveries log with "Redeliver" for each delivery whose last attempt failed.

use crate::api::webhooks::{get_webhook, list_deliveries, Redeliver, RotateWebhookSecret, SaveWebhook, SendTestEvent};
use crate::domain::webhook::{WebhookToken, WebhookUrl};
use crate::domain::{Callback, Delivery, DeliveryState, WebhookForm, WebhookSettings, WhenUnreachable};
use crate::i18n::{fill, Messages};
use crate::ui::action_results::{last_success, on_result};
use crate::ui::components::field_check::{check_as_typed, CheckedField};
use crate::ui::components::toast::use_toasts;
use crate::ui::format;
use crate::ui::json_resource;
use crate::ui::session::LoadError;
use leptos::prelude::*;

/// What a callback does, in the operator's words.
fn describe(t: &Messages, callback: Callback) -> &'static str {
    match callback {
        Callback::BeforeCreateOfficialAccount => t.cb_before_create,
        Callback::AfterCreateOfficialAccount => t.cb_after_create,
        Callback::AfterOfficialAccountInfoChanged => t.cb_info_changed,
        Callback::AfterOfficialAccountDestroyed => t.cb_destroyed,
        Callback::BeforeAddSubscriber => t.cb_before_add,
        Callback::AfterAddSubscriber => t.cb_after_add,
        Callback::AfterOfficialAccountFull => t.cb_full,
        Callback::AfterDeleteSubscriber => t.cb_after_delete,
        Callback::BeforeSendMsg => t.cb_before_send,
        Callback::AfterSendMsg => t.cb_after_send,
        Callback::AfterMsgWithDraw => t.cb_withdraw,
    }
}

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let save = ServerAction::<SaveWebhook>::new();
    let rotate = ServerAction::<RotateWebhookSecret>::new();
    let (saved, rotated) = (last_success(save), last_success(rotate));
    let settings = json_resource(move || (saved.get(), rotated.get()), |_| get_webhook());
    // A secret just made, shown until the page is left.
    let new_secret = RwSignal::new(None::<String>);
    let t = crate::i18n::t();
    view! {
        <main class="page">
            <h1>{t.nav_webhooks}</h1>
            <p class="muted">{t.webhooks_intro}</p>
            <Transition fallback=move || view! { <p class="muted">{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match settings.await {
                        Ok(current) => view! { <SettingsForm current save rotate new_secret/> }.into_any(),
                        Err(err) => view! { <LoadError err/> }.into_any(),
                    }
                })}
            </Transition>
            <DeliveryLog/>
        </main>
    }
}

#[component]
fn SettingsForm(
    current: WebhookSettings,
    save: ServerAction<SaveWebhook>,
    rotate: ServerAction<RotateWebhookSecret>,
    new_secret: RwSignal<Option<String>>,
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
    on_result(save, move |result| match result {
        Ok(secret) => {
            if let Some(secret) = secret {
                new_secret.set(Some(secret.clone()));
            }
            toasts.notice(t.webhook_saved);
        }
        Err(err) => toasts.failure(err),
    });
    on_result(rotate, move |result| match result {
        Ok(secret) => new_secret.set(Some(secret.clone())),
        Err(err) => toasts.failure(err),
    });
    let test = ServerAction::<SendTestEvent>::new();
    on_result(test, move |result| match result {
        Ok(()) => toasts.notice(t.test_event_sent),
        Err(err) => toasts.failure(err),
    });
    let has_secret = !current.secret_hint.is_empty();
    let secret_state = if has_secret {
        fill(t.signing_secret_hint, &[("hint", &current.secret_hint)])
    } else {
        t.no_signing_secret.to_owned()
    };
    view! {
        <form class="card-form" on:submit=submit aria-labelledby="webhook-title">
            <h2 id="webhook-title">{t.nav_webhooks}</h2>
            <CheckedField id="webhook-url" label=t.f_webhook_url value=url error=url_error kind="url"/>
            <CheckedField id="webhook-token" label=t.f_webhook_token value=token error=token_error/>
            <fieldset class="checks">
                <legend>{t.webhook_events}</legend>
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
                            <label for=id>
                                {describe(t, callback)}" "<code>{callback.command()}</code>
                            </label>
                        </div>
                    }
                }).collect_view()}
            </fieldset>
            <fieldset class="checks">
                <legend>{t.when_unreachable}</legend>
                <div class="check">
                    <input type="radio" id="unreachable-allow" name="unreachable" prop:checked=move || !refuse.get()
                        on:change=move |_| refuse.set(false)/>
                    <label for="unreachable-allow">{t.unreachable_allow}</label>
                </div>
                <div class="check">
                    <input type="radio" id="unreachable-refuse" name="unreachable" prop:checked=move || refuse.get()
                        on:change=move |_| refuse.set(true)/>
                    <label for="unreachable-refuse">{t.unreachable_refuse}</label>
                </div>
            </fieldset>
            <div class="actions start">
                <button type="submit" class="primary" disabled=move || saving.get()>{t.save}</button>
                <button type="button" disabled=move || test.pending().get() on:click=move |_| {
                    test.dispatch(SendTestEvent {});
                }>{t.send_test_event}</button>
            </div>
        </form>
        <section class="card-form" aria-labelledby="secret-title">
            <h2 id="secret-title">{t.signing_secret}</h2>
            <p>{secret_state}</p>
            {move || new_secret.get().map(|secret| view! {
                <div class="new-key" role="status">
                    <label for="new-signing-secret">{t.new_signing_secret}</label>
                    <input id="new-signing-secret" readonly prop:value=secret size="60"/>
                    <p>{t.copy_secret_now}</p>
                </div>
            })}
            <div class="actions start">
                <button type="button" disabled=move || rotate.pending().get() on:click=move |_| {
                    rotate.dispatch(RotateWebhookSecret {});
                }>{t.rotate_signing_secret}</button>
            </div>
        </section>
    }
}

fn state_label(t: &Messages, state: DeliveryState) -> &'static str {
    match state {
        DeliveryState::Delivered => t.delivery_delivered,
        DeliveryState::Pending => t.delivery_pending,
        DeliveryState::Failed => t.delivery_failed,
    }
}

#[component]
fn DeliveryLog() -> impl IntoView {
    let t = crate::i18n::t();
    let toasts = use_toasts();
    let failures_only = RwSignal::new(false);
    let refreshes = RwSignal::new(0u32);
    let redeliver = ServerAction::<Redeliver>::new();
    let redelivered = last_success(redeliver);
    on_result(redeliver, move |result| match result {
        Ok(()) => toasts.notice(t.redelivery_queued),
        Err(err) => toasts.failure(err),
    });
    let page = json_resource(
        move || (failures_only.get(), refreshes.get(), redelivered.get()),
        |(only, _, _)| list_deliveries(None, only),
    );
    view! {
        <section class="card-form" aria-labelledby="deliveries-title">
            <h2 id="deliveries-title">{t.deliveries}</h2>
            <div class="actions start">
                <div class="check">
                    <input type="checkbox" id="failures-only" prop:checked=move || failures_only.get()
                        on:change=move |ev| failures_only.set(event_target_checked(&ev))/>
                    <label for="failures-only">{t.failures_only}</label>
                </div>
                <button type="button" on:click=move |_| refreshes.update(|n| *n += 1)>{t.refresh}</button>
            </div>
            <Transition fallback=move || view! { <p class="muted">{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) if page.deliveries.is_empty() => view! { <p class="muted">{t.no_deliveries}</p> }.into_any(),
                        Ok(page) => view! { <DeliveryTable deliveries=page.deliveries redeliver/> }.into_any(),
                        Err(err) => view! { <LoadError err/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn DeliveryTable(deliveries: Vec<Delivery>, redeliver: ServerAction<Redeliver>) -> impl IntoView {
    let t = crate::i18n::t();
    view! {
        <table class="data-table">
                <thead>
                    <tr>
                        <th scope="col">{t.col_event}</th>
                        <th scope="col">{t.col_channel}</th>
                        <th scope="col">{t.col_time}</th>
                        <th scope="col">{t.col_attempts}</th>
                        <th scope="col">{t.col_result}</th>
                        <th scope="col">{t.col_next}</th>
                        <th scope="col">{t.redeliver}</th>
                    </tr>
                </thead>
                <tbody>
                    {deliveries.into_iter().map(|d| {
                        let failing = d.failing();
                        let name = if d.command == crate::domain::webhook::TEST_COMMAND {
                            t.test_event_name.to_owned()
                        } else {
                            d.command.trim_start_matches("OfficialAccount.").to_owned()
                        };
                        let result = match (d.last_status, d.last_error.is_empty(), d.last_latency_ms) {
                            (_, false, latency) => format!("{}{}", d.last_error, latency.map(|ms| format!(" · {ms} ms")).unwrap_or_default()),
                            (Some(status), true, latency) => format!("{} · HTTP {status}{}", state_label(t, d.state), latency.map(|ms| format!(" · {ms} ms")).unwrap_or_default()),
                            (None, true, _) => state_label(t, d.state).to_owned(),
                        };
                        let result = if failing { format!("{} · {result}", state_label(t, d.state)) } else { result };
                        let next = d.next_attempt_at.filter(|at| *at > 0).map(|at| format::timestamp(at / 1000)).unwrap_or_default();
                        let id = d.id;
                        let label = fill(t.redeliver_named, &[("id", &id.to_string())]);
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
                                        }>{t.redeliver}</button>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
        </table>
    }
}
