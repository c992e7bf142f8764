//! A single post, whole: full text, full-size images, links; and its recall.

use super::recall_post::{recall_answered, RecallPost};
use crate::api::posts::{get_post, RecallPost as Recall};
use crate::error::AppError;
use crate::ui::action_results::on_result;
use crate::ui::components::post_view::{PostCard, PostView};
use crate::ui::components::toast::use_toasts;
use crate::ui::json_resource;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

#[component]
pub fn PostDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let post = json_resource(id, |id| async move {
        match id {
            Some(id) => get_post(id).await,
            None => Err(AppError::post_not_found()),
        }
    });
    let recall = ServerAction::<Recall>::new();
    let confirming = RwSignal::new(false);
    let toasts = use_toasts();
    let t = crate::i18n::t();
    let navigate = use_navigate();
    // Recalled (or gone already): the post has no page any more.
    on_result(recall, move |result| {
        if recall_answered(toasts, result) {
            navigate("/posts", Default::default());
        }
    });
    view! {
        <main class="page">
            <p><a href="/posts">{t.all_posts}</a></p>
            <Transition fallback=|| view! { <p class="muted">{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match post.await {
                        Ok(post) => {
                            let dialog_post = post.clone();
                            view! {
                                <h1 class="sr-only">{crate::i18n::fill(t.post_from, &[("channel", &post.channel_name)])}</h1>
                                <PostView card=Signal::stored(PostCard::from_post(&post, true)) full=true/>
                                <div class="post-actions">
                                    <button type="button" class="danger subtle" on:click=move |_| confirming.set(true)>
                                        {t.recall}
                                    </button>
                                </div>
                                {move || confirming.get().then(|| view! {
                                    <RecallPost
                                        post=dialog_post.clone()
                                        recall
                                        on_close=Callback::new(move |_| confirming.set(false))
                                    />
                                })}
                            }
                            .into_any()
                        }
                        Err(err @ AppError::Unauthorized) => view! {
                            <crate::ui::session::LoadError err/>
                        }.into_any(),
                        Err(err) => view! {
                            <h1>{t.post_not_found_title}</h1>
                            <p>{crate::i18n::error_text(t, &err)}</p>
                        }.into_any(),
                    }
                })}
            </Transition>
        </main>
    }
}
