//! Asks before a channel is deleted: deletion cannot be undone.

use crate::api::channels as api;
use crate::domain::Channel;
use crate::ui::components::dialog::Confirm;
use leptos::prelude::*;

#[component]
pub fn DeleteChannel(
    channel: Channel,
    /// The page closes the dialog when the deletion is answered.
    delete: ServerAction<api::DeleteChannel>,
    on_close: Callback<()>,
) -> impl IntoView {
    let id = channel.id;
    view! {
        <Confirm
            title_id="delete-channel-title"
            title="Delete channel?"
            confirm="Delete"
            busy=delete.pending()
            on_confirm=Callback::new(move |_| {
                delete.dispatch(api::DeleteChannel { id });
            })
            on_close
        >
            <p>
                "Delete the channel “" <strong>{channel.name.clone()}</strong> "”? "
                "This cannot be undone: the channel and everything that belongs only to it "
                "are removed permanently."
            </p>
        </Confirm>
    }
}
