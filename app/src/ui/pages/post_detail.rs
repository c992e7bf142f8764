//! A single post, whole: full text, full-size images, links; and its recall.

use super::recall_post::{recall_answered, RecallPost};
use crate::api::posts::{get_post, RecallPost as Recall};
use crate::error::AppError;
use crate::ui::action_results::on_result;
use crate::ui::components::post_view::{PostCard, PostView};
use crate::ui::components::toast::use_toasts;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

#[component]
pub fn PostDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let post = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_post(id).await,
            None => Err(AppError::post_not_found()),
        }
    });
    let recall = ServerAction::<Recall>::new();
    let confirming = RwSignal::new(false);
    let toasts = use_toasts();
    let navigate = use_navigate();
    // Recalled (or gone already): the post has no page any more.
    on_result(recall, move |result| {
        if recall_answered(toasts, result) {
            navigate("/posts", Default::default());
        }
    });
    view! {
        <main class="page">
            <p><a href="/posts">"← All posts"</a></p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match post.await {
                        Ok(post) => {
                            let dialog_post = post.clone();
                            view! {
                                <h1 class="sr-only">{format!("Post from {}", post.channel_name)}</h1>
                                <PostView card=Signal::stored(PostCard::from_post(&post, true)) full=true/>
                                <div class="post-actions">
                                    <button type="button" class="danger subtle" on:click=move |_| confirming.set(true)>
                                        "Recall"
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
                            <h1>"Post not found"</h1>
                            <p>{err.to_string()}</p>
                        }.into_any(),
                    }
                })}
            </Transition>
        </main>
    }
}
