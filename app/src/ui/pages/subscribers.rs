//! A channel's subscribers: how many (of how many allowed), their growth over the last 30
//! days (a chart drawn on the server, with its numbers in words), the list newest first
//! with paging and a search by id prefix, and "Remove <id>" with a confirmation. Its words
//! come with the page from the server (`i18n::pages`).

use crate::api::subscribers::{list_subscribers, subscriber_texts, RemoveSubscriber};
use crate::domain::{Subscriber, SubscriberList};
use crate::i18n::fill;
use crate::i18n::pages::subscribers::SubscriberTexts;
use crate::ui::action_results::{last_success, on_result};
use crate::ui::components::dialog::Confirm;
use crate::ui::components::toast::use_toasts;
use crate::ui::format;
use crate::ui::json_resource;
use crate::ui::session::LoadError;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use std::sync::Arc;

type Texts = Arc<SubscriberTexts>;

#[component]
pub fn SubscribersPage() -> impl IntoView {
    let params = use_params_map();
    let channel_id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0));
    let t = crate::i18n::t();
    let typed = RwSignal::new(String::new());
    let prefix = RwSignal::new(String::new());
    // The pages loaded so far: the first comes with the search, more are added below it.
    let before = RwSignal::new(None::<i64>);
    let remove = ServerAction::<RemoveSubscriber>::new();
    let removed = last_success(remove);
    let texts = json_resource(|| (), |_| subscriber_texts());
    let list = json_resource(
        move || (channel_id(), before.get(), prefix.get(), removed.get()),
        |(id, before, prefix, _)| list_subscribers(id, before, prefix),
    );
    let search = Callback::new(move |()| {
        before.set(None);
        prefix.set(typed.get_untracked().trim().to_owned());
    });
    view! {
        <main class="page">
            <p><a href="/channels">{t.nav_channels}</a></p>
            <Transition fallback=move || view! { <p class="muted">{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match (texts.await, list.await) {
                        (Ok(tx), Ok(list)) => {
                            let tx: Texts = Arc::new(tx);
                            view! { <Subscribers list remove before typed search tx/> }.into_any()
                        }
                        (Err(err), _) | (_, Err(err)) => view! { <LoadError err/> }.into_any(),
                    }
                })}
            </Transition>
        </main>
    }
}

#[component]
fn Subscribers(
    list: SubscriberList,
    remove: ServerAction<RemoveSubscriber>,
    before: RwSignal<Option<i64>>,
    /// The search field's text, and what searching does.
    typed: RwSignal<String>,
    search: Callback<()>,
    tx: Texts,
) -> impl IntoView {
    let t = crate::i18n::t();
    let toasts = use_toasts();
    let confirming = RwSignal::new(None::<String>);
    on_result(remove, move |result| match result {
        Ok(()) => confirming.set(None),
        Err(err) => toasts.failure(err),
    });
    let removing = remove.pending();
    let channel_id = list.channel_id;
    let channel_name = list.channel_name.clone();
    let count = fill(t.subscriber_count, &[("count", &list.total.to_string()), ("max", &list.max.to_string())]);
    let next = list.next;
    let dialog_tx = tx.clone();
    view! {
        <h1>{fill(t.subscribers_of, &[("name", &list.channel_name)])}</h1>
        <p class="lead">{count}</p>
        <GrowthChart history=list.history.clone() last_day=list.last_day summary=tx.growth_summary().to_owned()/>
        <form
            class="inline-form"
            role="search"
            aria-label=tx.search_subscribers().to_owned()
            on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                search.run(());
            }
        >
            <div class="field">
                <label for="subscriber-prefix">{tx.subscriber_prefix().to_owned()}</label>
                <input id="subscriber-prefix" type="search" bind:value=typed autocomplete="off"/>
            </div>
            <button type="submit">{t.search}</button>
        </form>
        {if list.subscribers.is_empty() {
            view! { <p class="muted">{tx.no_subscribers().to_owned()}</p> }.into_any()
        } else {
            let subscribed = tx.subscribed().to_owned();
            view! {
                <ul class="subscriber-list" aria-label=tx.subscribers().to_owned()>
                    {list.subscribers.into_iter().map(|s| view! { <SubscriberItem s confirming subscribed=subscribed.clone()/> }).collect_view()}
                </ul>
            }.into_any()
        }}
        <div class="actions start">
            {before.get_untracked().map(|_| view! {
                <button type="button" on:click=move |_| before.set(None)>{tx.newest_subscribers().to_owned()}</button>
            })}
            {next.map(|next| view! {
                <button type="button" on:click=move |_| before.set(Some(next))>{tx.older_subscribers().to_owned()}</button>
            })}
        </div>
        {move || confirming.get().map(|account| {
            let name = channel_name.clone();
            let for_remove = account.clone();
            let title = fill(dialog_tx.remove_subscriber_title(), &[("id", &account)]);
            let body = fill(dialog_tx.remove_subscriber_body(), &[("id", &account), ("name", &name)]);
            view! {
                <Confirm
                    title_id="remove-subscriber-title"
                    title=title
                    confirm=t.remove
                    busy=removing
                    on_confirm=Callback::new(move |_| {
                        remove.dispatch(RemoveSubscriber { channel_id, account: for_remove.clone() });
                    })
                    on_close=Callback::new(move |_| confirming.set(None))
                >
                    <p>{body}</p>
                </Confirm>
            }
        })}
    }
}

#[component]
fn SubscriberItem(s: Subscriber, confirming: RwSignal<Option<String>>, subscribed: String) -> impl IntoView {
    let t = crate::i18n::t();
    let label = fill(t.remove_named, &[("name", &s.account)]);
    let account = s.account.clone();
    view! {
        <li class="subscriber">
            <code class="subscriber-id">{s.account.clone()}</code>
            <span class="muted">
                {subscribed}" "
                <time datetime=format::iso(s.subscribed_at)>{format::timestamp(s.subscribed_at)}</time>
                " · "{s.msg_flag.as_str()}
            </span>
            <button type="button" class="danger subtle" aria-label=label on:click=move |_| confirming.set(Some(account.clone()))>
                {t.remove}
            </button>
        </li>
    }
}

/// The count per day as a line over 30 days, drawn as SVG on the server (no script needed),
/// with the same numbers in words for those who cannot see it.
#[component]
fn GrowthChart(history: Vec<i64>, last_day: i64, summary: String) -> impl IntoView {
    let (width, height, pad) = (600.0_f64, 160.0_f64, 8.0_f64);
    let top = history.iter().copied().max().unwrap_or(0).max(1) as f64;
    let step = if history.len() > 1 { (width - 2.0 * pad) / (history.len() - 1) as f64 } else { 0.0 };
    let points: Vec<String> = history
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let x = pad + step * i as f64;
            let y = height - pad - (*n as f64 / top) * (height - 2.0 * pad);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    let first_day = last_day - history.len() as i64 + 1;
    let date = |day: i64| format::iso(day * 86_400).chars().take(10).collect::<String>();
    let summary = fill(
        &summary,
        &[
            ("from", &date(first_day)),
            ("start", &history.first().copied().unwrap_or(0).to_string()),
            ("to", &date(last_day)),
            ("end", &history.last().copied().unwrap_or(0).to_string()),
            ("high", &history.iter().copied().max().unwrap_or(0).to_string()),
        ],
    );
    view! {
        <figure class="growth">
            <svg viewBox=format!("0 0 {width} {height}") role="img" aria-labelledby="growth-caption" preserveAspectRatio="none">
                <line x1=pad y1={height - pad} x2={width - pad} y2={height - pad} class="axis"/>
                <polyline points=points.join(" ") class="series" fill="none"/>
            </svg>
            <figcaption id="growth-caption">{summary}</figcaption>
        </figure>
    }
}
