//! Asks before a post is recalled: readers lose it at once, and it cannot be published
//! again (operators still find it under "Show recalled").

use crate::api::posts as api;
use crate::domain::Post;
use crate::ui::components::dialog::Dialog;
use leptos::prelude::*;

#[component]
pub fn RecallPost(
    post: Post,
    /// The page closes the dialog when the recall is answered.
    recall: ServerAction<api::RecallPost>,
    on_close: Callback<()>,
) -> impl IntoView {
    let id = post.id;
    let confirm = move |_| {
        recall.dispatch(api::RecallPost { id });
    };
    view! {
        <Dialog title_id="recall-post-title" title="Recall post?" on_close=on_close>
            <p>
                "Recall this post from “" <strong>{post.channel_name.clone()}</strong> "”? "
                "Readers will no longer see it, and it leaves the post list and search. "
                "This cannot be undone; operators can still find it with “Show recalled”."
            </p>
            <div class="actions">
                <button type="button" class="danger" disabled=move || recall.pending().get() on:click=confirm>
                    "Recall"
                </button>
                <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
            </div>
        </Dialog>
    }
}
