//! Asks before a channel is deleted: deletion cannot be undone.

use crate::api::channels as api;
use crate::domain::Channel;
use crate::ui::components::dialog::{naming, Confirm};
use leptos::prelude::*;

#[component]
pub fn DeleteChannel(
    channel: Channel,
    /// The page closes the dialog when the deletion is answered.
    delete: ServerAction<api::DeleteChannel>,
    on_close: Callback<()>,
) -> impl IntoView {
    let id = channel.id;
    let t = crate::i18n::t();
    view! {
        <Confirm
            title_id="delete-channel-title"
            title=t.delete_channel_title
            confirm=t.delete
            busy=delete.pending()
            on_confirm=Callback::new(move |_| {
                delete.dispatch(api::DeleteChannel { id });
            })
            on_close
        >
            {naming(t.delete_channel_body, "name", channel.name.clone())}
        </Confirm>
    }
}
