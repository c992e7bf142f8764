//! Asks before a post is recalled: readers lose it at once, and it cannot be published
//! again (operators still find it under "Show recalled").

use crate::api::posts as api;
use crate::domain::Post;
use crate::error::AppError;
use crate::ui::components::dialog::{naming, Confirm};
use crate::ui::components::toast::Toasts;
use leptos::prelude::*;

#[component]
pub fn RecallPost(
    post: Post,
    /// The page closes the dialog when the recall is answered.
    recall: ServerAction<api::RecallPost>,
    on_close: Callback<()>,
) -> impl IntoView {
    let id = post.id;
    let t = crate::i18n::t();
    view! {
        <Confirm
            title_id="recall-post-title"
            title=t.recall_title
            confirm=t.recall
            busy=recall.pending()
            on_confirm=Callback::new(move |_| {
                recall.dispatch(api::RecallPost { id });
            })
            on_close
        >
            {naming(t.recall_body, "channel", post.channel_name.clone())}
        </Confirm>
    }
}

/// Says what a recall's answer means, for the list and the post page alike. `true` when the
/// post is gone for readers (recalled now, or found gone already), so the dialog closes.
pub fn recall_answered(toasts: Toasts, result: &Result<(), AppError>) -> bool {
    match result {
        Ok(()) => {
            toasts.notice(crate::i18n::t().recalled_notice);
            true
        }
        // Gone already (its channel deleted): say so; the list read again drops it.
        Err(err @ AppError::NotFound(_)) => {
            toasts.failure(err);
            true
        }
        Err(err) => {
            toasts.failure(err);
            false
        }
    }
}
