//! The channel management page: every channel with its photo, name, profile and creation
//! time, newest first, a page at a time.

use super::channel_form::{self, channel_form_view, Change, FormMode};
use super::delete_channel::{self, delete_channel_view};
use crate::api::channels::list_channels;
use crate::domain::{thumbnail_url, Channel, ChannelPage};
use crate::ui::action_results::PageScoped;
use crate::ui::format;
use crate::ui::json_resource;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

#[component]
pub fn ChannelsPage() -> impl IntoView {
    let query = use_query_map();
    let page = move || query.read().get("page").and_then(|p| p.parse::<u32>().ok()).unwrap_or(1);
    let t = crate::i18n::t();
    let navigate = use_navigate();
    // The actions that change a channel are made by the dialogs (their code comes with
    // them) and kept here; a dialog says when one went through, and the list is read again
    // then (not after a refusal, which changed nothing).
    let form_actions = PageScoped::new();
    let delete_action = PageScoped::new();
    let changes = RwSignal::new(0u32);
    let channels = json_resource(move || (page(), changes.get()), |(page, _)| list_channels(page));
    let form = RwSignal::new(None::<FormMode>);
    let deleting = RwSignal::new(None::<Channel>);
    let on_change = Callback::new(move |change: Change| {
        changes.update(|n| *n += 1);
        if change != Change::Vanished {
            form.set(None);
        }
        // Newest first: a new channel is on the first page.
        if change == Change::Created && page() != 1 {
            navigate("/channels", Default::default());
        }
    });
    let on_deleted = Callback::new(move |()| {
        deleting.set(None);
        changes.update(|n| *n += 1);
    });

    view! {
        <main class="page">
            <div class="page-head">
                <h1>{t.nav_channels}</h1>
                <button
                    type="button"
                    class="primary"
                    on:pointerenter=|_| channel_form::fetch_early()
                    on:focus=|_| channel_form::fetch_early()
                    on:click=move |_| form.set(Some(FormMode::Create))
                >
                    {t.create_channel}
                </button>
            </div>
            <Transition fallback=|| view! { <p class="muted">{t.loading_channels}</p> }>
                {move || Suspend::new(async move {
                    match channels.await {
                        Ok(list) => view! { <ChannelList list form deleting/> }.into_any(),
                        Err(err) => view! { <crate::ui::session::LoadError err/> }.into_any(),
                    }
                })}
            </Transition>
        </main>
        {move || form.get().map(|mode| {
            let on_close = Callback::new(move |_| form.set(None));
            Suspend::new(async move { channel_form_view(mode, form_actions, on_change, on_close).await })
        })}
        {move || deleting.get().map(|channel| {
            let on_close = Callback::new(move |_| deleting.set(None));
            Suspend::new(async move { delete_channel_view(channel, delete_action, on_deleted, on_close).await })
        })}
    }
}

#[component]
fn ChannelList(
    list: ChannelPage,
    form: RwSignal<Option<FormMode>>,
    deleting: RwSignal<Option<Channel>>,
) -> impl IntoView {
    let t = crate::i18n::t();
    if list.channels.is_empty() {
        return view! {
            <div class="empty">
                <p>{t.no_channels}</p>
                <p class="muted">{t.no_channels_hint}</p>
            </div>
        }
        .into_any();
    }
    let ChannelPage { channels, page, page_count, total } = list;
    view! {
        <p class="muted">
            {crate::i18n::fill(if total == 1 { t.channel_count_one } else { t.channel_count_other }, &[("n", &total)])}
        </p>
        <ul class="channel-list" aria-label=t.nav_channels>
            {channels
                .into_iter()
                .map(|channel| view! { <ChannelRow channel form deleting/> })
                .collect_view()}
        </ul>
        <Show when=move || { page_count > 1 }>
            <nav class="pager" aria-label=t.pages>
                <Show when=move || { page > 1 }>
                    <a href=format!("/channels?page={}", page - 1)>{t.previous}</a>
                </Show>
                <span>{crate::i18n::fill(t.page_of, &[("page", &page), ("count", &page_count)])}</span>
                <Show when=move || { page < page_count }>
                    <a href=format!("/channels?page={}", page + 1)>{t.next}</a>
                </Show>
            </nav>
        </Show>
    }
    .into_any()
}

#[component]
fn ChannelRow(
    channel: Channel,
    form: RwSignal<Option<FormMode>>,
    deleting: RwSignal<Option<Channel>>,
) -> impl IntoView {
    let photo = match (channel.photo.as_deref(), channel.face_url.clone()) {
        (Some(id), _) => view! {
            <img class="avatar" src=thumbnail_url(id) alt="" width="56" height="56" loading="lazy"/>
        }
        .into_any(),
        // An avatar address given through the REST API, loaded from where it is.
        (None, Some(url)) => view! {
            <img class="avatar" src=url alt="" width="56" height="56" loading="lazy" referrerpolicy="no-referrer"/>
        }
        .into_any(),
        (None, None) => view! {
            <div class="avatar placeholder" aria-hidden="true">
                {channel.name.chars().next().map(String::from).unwrap_or_default()}
            </div>
        }
        .into_any(),
    };
    let t = crate::i18n::t();
    let (for_edit, for_delete) = (channel.clone(), channel.clone());
    view! {
        <li class="channel">
            {photo}
            <div class="channel-body">
                <h2 class="channel-name">{channel.name.clone()}</h2>
                <p class="channel-profile">{channel.profile.clone()}</p>
                <p class="muted">
                    {t.created}" "
                    <time datetime=format::iso(channel.created_at)>
                        {format::timestamp(channel.created_at)}
                    </time>
                </p>
                <p class="channel-stats">
                    <a href=format!("/channels/{}/subscribers", channel.id)
                        aria-label=crate::i18n::fill(t.subscribers_of, &[("name", &channel.name)])>
                        {crate::i18n::fill(t.subscriber_count, &[
                            ("count", &channel.subscriber_count.to_string()),
                            ("max", &channel.max_subscribers.to_string()),
                        ])}
                    </a>
                    " · "
                    {match channel.last_post_at {
                        Some(at) => view! {
                            <span>
                                {crate::i18n::fill(t.posts_count, &[("count", &channel.post_count.to_string())])}
                                " · "{crate::i18n::fill(t.last_post, &[("time", &"")])}
                                <time datetime=format::iso(at)>{format::timestamp(at)}</time>
                            </span>
                        }.into_any(),
                        None => view! { <span>{t.no_posts_yet}</span> }.into_any(),
                    }}
                </p>
            </div>
            <div class="channel-actions">
                <button
                    type="button"
                    on:pointerenter=|_| channel_form::fetch_early()
                    on:focus=|_| channel_form::fetch_early()
                    on:click=move |_| form.set(Some(FormMode::Edit(for_edit.clone())))
                >
                    {t.edit}
                </button>
                <button
                    type="button"
                    class="danger"
                    on:pointerenter=|_| delete_channel::fetch_early()
                    on:focus=|_| delete_channel::fetch_early()
                    on:click=move |_| deleting.set(Some(for_delete.clone()))
                >
                    {t.delete}
                </button>
            </div>
        </li>
    }
}
