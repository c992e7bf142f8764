//! Asks before a channel is deleted: deletion cannot be undone.

use crate::api::channels::delete_channel;
use crate::domain::Channel;
use crate::error::AppError;
use crate::ui::components::{dialog::Dialog, toast::use_toasts};
use leptos::prelude::*;

#[component]
pub fn DeleteChannel(
    channel: Channel,
    on_close: Callback<()>,
    on_deleted: Callback<()>,
) -> impl IntoView {
    let toasts = use_toasts();
    let busy = RwSignal::new(false);
    let id = channel.id;
    let confirm = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = delete_channel(id).await;
            busy.set(false);
            match result {
                Ok(()) => on_deleted.run(()),
                Err(err @ AppError::NotFound(_)) => {
                    toasts.failure(&err);
                    on_deleted.run(());
                }
                Err(err) => toasts.failure(&err),
            }
        });
    };
    view! {
        <Dialog title_id="delete-channel-title" title="Delete channel?" on_close=on_close>
            <p>
                "Delete the channel “" <strong>{channel.name.clone()}</strong> "”? "
                "This cannot be undone: the channel and everything that belongs only to it "
                "are removed permanently."
            </p>
            <div class="actions">
                <button type="button" class="danger" disabled=move || busy.get() on:click=confirm>
                    "Delete"
                </button>
                <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
            </div>
        </Dialog>
    }
}
