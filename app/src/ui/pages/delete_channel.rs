//! Asks before a channel is deleted: deletion cannot be undone.

use crate::api::channels as api;
use crate::domain::Channel;
use crate::ui::components::dialog::Dialog;
use leptos::prelude::*;

#[component]
pub fn DeleteChannel(
    channel: Channel,
    /// The page closes the dialog when the deletion is answered.
    delete: ServerAction<api::DeleteChannel>,
    on_close: Callback<()>,
) -> impl IntoView {
    let id = channel.id;
    let confirm = move |_| {
        delete.dispatch(api::DeleteChannel { id });
    };
    view! {
        <Dialog title_id="delete-channel-title" title="Delete channel?" on_close=on_close>
            <p>
                "Delete the channel “" <strong>{channel.name.clone()}</strong> "”? "
                "This cannot be undone: the channel and everything that belongs only to it "
                "are removed permanently."
            </p>
            <div class="actions">
                <button type="button" class="danger" disabled=move || delete.pending().get() on:click=confirm>
                    "Delete"
                </button>
                <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
            </div>
        </Dialog>
    }
}
