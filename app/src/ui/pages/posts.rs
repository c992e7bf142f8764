//! The post management page: the composer with its preview, and every published post,
//! newest first, with search and filters. The search lives in the URL, so a search can be
//! reloaded and shared, and renders on the server.

use super::composer::Composer;
use super::recall_post::{recall_answered, RecallPost};
use crate::api::posts::{self as api, channel_options, list_posts, ListPosts, PublishPost};
use crate::domain::search::terms;
use crate::domain::{Post, PostFilter, PostPage, PostType};
use crate::ui::action_results::{last_success, on_result};
use crate::ui::components::post_view::{PostCard, PostView};
use crate::ui::components::toast::use_toasts;
use crate::ui::format;
use crate::ui::json_resource;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::params::ParamsMap;

fn filter_from(query: &ParamsMap) -> PostFilter {
    let get = |k: &str| query.get(k).filter(|v| !v.is_empty());
    PostFilter {
        q: get("q").unwrap_or_default(),
        channel_id: get("channel").and_then(|c| c.parse().ok()),
        kind: get("type").and_then(|t| PostType::from_code(&t)),
        from: get("from"),
        to: get("to"),
        before: None,
        recalled: get("recalled").is_some_and(|v| v == "1"),
    }
}

fn url_of(filter: &PostFilter) -> String {
    let mut parts = vec![];
    let mut push = |k: &str, v: &str| {
        if !v.is_empty() {
            parts.push(format!("{k}={}", crate::ui::encode_query(v)));
        }
    };
    push("q", filter.q.trim());
    push("channel", &filter.channel_id.map(|c| c.to_string()).unwrap_or_default());
    push("type", filter.kind.map(PostType::code).unwrap_or_default());
    push("from", filter.from.as_deref().unwrap_or_default());
    push("to", filter.to.as_deref().unwrap_or_default());
    push("recalled", if filter.recalled { "1" } else { "" });
    if parts.is_empty() {
        "/posts".to_owned()
    } else {
        format!("/posts?{}", parts.join("&"))
    }
}

#[component]
pub fn PostsPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| query.with(filter_from));
    let channels = json_resource(|| (), |_| channel_options());
    let publish = ServerAction::<PublishPost>::new();
    let published = last_success(publish);
    let recall = ServerAction::<api::RecallPost>::new();
    let recalled = last_success(recall);
    let first_page = json_resource(move || (filter.get(), published.get(), recalled.get()), |(f, ..)| list_posts(f));
    // Pages loaded with "Load more" after the first; forgotten when the search changes. Only
    // effects and event handlers write signals: never the rendering itself.
    let extra = RwSignal::new(Vec::<PostPage>::new());
    Effect::new(move |_| {
        filter.track();
        published.track();
        recalled.track();
        extra.set(vec![]);
    });
    let toasts = use_toasts();
    let t = crate::i18n::t();
    let recalling = RwSignal::new(None::<Post>);
    on_result(recall, move |result| {
        if recall_answered(toasts, result) {
            recalling.set(None);
        }
    });

    view! {
        <main class="page wide">
            <h1>{t.nav_posts}</h1>
            // The composer and the search form both list the channels: they render once
            // the channels are loaded, on the server as in the browser.
            <Transition fallback=move || view! { <p class="muted">{t.loading_channels}</p> }>
                {move || Suspend::new(async move {
                    let list = channels.await.unwrap_or_default();
                    let list = Signal::stored(list);
                    view! {
                        <Composer channels=list publish/>
                        <h2 id="post-list-title" class="list-title">{t.published_posts}</h2>
                        <SearchForm filter channels=list/>
                    }
                })}
            </Transition>
            <section class="post-list-section" aria-labelledby="post-list-title">
                <Transition fallback=move || view! { <p class="muted">{t.loading_posts}</p> }>
                    {move || Suspend::new(async move {
                        match first_page.await {
                            Ok(first) => view! { <PostList first extra filter recalling/> }.into_any(),
                            Err(err) => view! { <crate::ui::session::LoadError err/> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </main>
        {move || recalling.get().map(|post| view! {
            <RecallPost post recall on_close=Callback::new(move |_| recalling.set(None))/>
        })}
    }
}

#[component]
fn PostList(
    first: PostPage,
    extra: RwSignal<Vec<PostPage>>,
    filter: Memo<PostFilter>,
    recalling: RwSignal<Option<Post>>,
) -> impl IntoView {
    let toasts = use_toasts();
    let t = crate::i18n::t();
    let load = ServerAction::<ListPosts>::new();
    let terms = Signal::derive(move || terms(&filter.with(|f| f.q.clone())));
    let first_next = first.next_before;
    let next = move || extra.with(|pages| pages.last().map(|p| p.next_before).unwrap_or(first_next));
    let load_more = move |_: ()| {
        if let Some(before) = next() {
            let filter = PostFilter { before: Some(before), ..filter.get_untracked() };
            load.dispatch(ListPosts { filter });
        }
    };
    on_result(load, move |result| match result {
        Ok(page) => extra.update(|pages| pages.push(page.clone())),
        Err(err) => toasts.failure(err),
    });
    if first.posts.is_empty() {
        let message = filter.with_untracked(|f| match f {
            f if f == &PostFilter::default() => t.no_posts,
            f if f == &(PostFilter { recalled: true, ..Default::default() }) => t.no_recalled_posts,
            _ => t.no_matching_posts,
        });
        return view! { <p class="empty">{message}</p> }.into_any();
    }
    let more = move || extra.with(|pages| pages.iter().flat_map(|p| p.posts.clone()).collect::<Vec<_>>());
    view! {
        <ol class="post-list" aria-label=t.nav_posts>
            {first.posts.into_iter().map(|post| view! { <PostItem post terms recalling/> }).collect_view()}
            <For each=more key=|p| p.id let:post>
                <PostItem post terms recalling/>
            </For>
        </ol>
        <crate::ui::components::load_more::LoadMore
            has_more=Signal::derive(move || next().is_some())
            loading=load.pending()
            on_load=Callback::new(load_more)
        />
    }
    .into_any()
}

#[component]
fn PostItem(post: Post, terms: Signal<Vec<String>>, recalling: RwSignal<Option<Post>>) -> impl IntoView {
    let t = crate::i18n::t();
    let card = PostCard::from_post(&post, false);
    // A recalled post has no page any more: it is marked, with when it was recalled.
    let actions = match post.recalled_at {
        Some(at) => view! {
            <p class="recalled-mark">
                <strong>{t.recalled}</strong>" "
                <time datetime=format::iso(at)>{format::timestamp(at)}</time>
            </p>
        }
        .into_any(),
        None => {
            let href = format!("/posts/{}", post.id);
            view! {
                <div class="post-actions">
                    <a class="open-post" href=href>{t.open_post}</a>
                    <button type="button" class="danger subtle" on:click=move |_| recalling.set(Some(post.clone()))>
                        {t.recall}
                    </button>
                </div>
            }
            .into_any()
        }
    };
    view! {
        <li class="post-item">
            <PostView card=Signal::stored(card) terms/>
            {actions}
        </li>
    }
}

#[component]
fn SearchForm(filter: Memo<PostFilter>, channels: Signal<Vec<crate::domain::ChannelOption>>) -> impl IntoView {
    let t = crate::i18n::t();
    let q = RwSignal::new(filter.get_untracked().q);
    let channel = RwSignal::new(filter.get_untracked().channel_id.map(|c| c.to_string()).unwrap_or_default());
    let kind = RwSignal::new(filter.get_untracked().kind.map(|k| k.code().to_owned()).unwrap_or_default());
    let from = RwSignal::new(filter.get_untracked().from.unwrap_or_default());
    let to = RwSignal::new(filter.get_untracked().to.unwrap_or_default());
    let recalled = RwSignal::new(filter.get_untracked().recalled);
    let go = move || {
        let wanted = PostFilter {
            q: q.get_untracked(),
            channel_id: channel.get_untracked().parse().ok(),
            kind: PostType::from_code(&kind.get_untracked()),
            from: Some(from.get_untracked()).filter(|d| !d.is_empty()),
            to: Some(to.get_untracked()).filter(|d| !d.is_empty()),
            before: None,
            recalled: recalled.get_untracked(),
        };
        use_navigate()(&url_of(&wanted), Default::default());
    };
    view! {
        <form
            class="search"
            role="search"
            on:submit=move |ev| {
                ev.prevent_default();
                go();
            }
        >
            <input type="search" aria-label=t.search_posts placeholder=t.search_posts bind:value=q/>
            <select aria-label=t.filter_channel bind:value=channel on:change=move |_| go()>
                <option value="">{t.all_channels}</option>
                <For each=move || channels.get() key=|c| (c.id, c.name.clone()) let:c>
                    <option value=c.id.to_string()>{c.name.clone()}</option>
                </For>
            </select>
            <select aria-label=t.filter_type bind:value=kind on:change=move |_| go()>
                <option value="">{t.all_types}</option>
                {PostType::ALL
                    .into_iter()
                    .map(|kind| view! { <option value=kind.code()>{crate::i18n::post_type(t, kind)}</option> })
                    .collect_view()}
            </select>
            <label class="date">{t.date_from}" "<input type="date" bind:value=from on:change=move |_| go()/></label>
            <label class="date">{t.date_to}" "<input type="date" bind:value=to on:change=move |_| go()/></label>
            <label class="check">
                <input type="checkbox" bind:checked=recalled on:change=move |_| go()/>
                {t.show_recalled}
            </label>
            <button type="submit">{t.search}</button>
        </form>
    }
}
