//! A single post, whole: full text, full-size images, links.

use crate::api::posts::get_post;
use crate::ui::components::post_view::{PostCard, PostView};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn PostDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let post = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_post(id).await,
            None => Err(crate::error::AppError::post_not_found()),
        }
    });
    view! {
        <main class="page">
            <p><a href="/posts">"← All posts"</a></p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match post.await {
                        Ok(post) => view! {
                            <h1 class="sr-only">{format!("Post from {}", post.channel_name)}</h1>
                            <PostView card=Signal::stored(PostCard::from_post(&post, true)) full=true/>
                        }.into_any(),
                        Err(err @ crate::error::AppError::Unauthorized) => view! {
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
