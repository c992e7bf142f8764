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
    let t = crate::i18n::t();
    let (before, after) = crate::i18n::around(t.delete_channel_body, "name");
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
            <p>{before}<strong>{channel.name.clone()}</strong>{after}</p>
        </Confirm>
    }
}
