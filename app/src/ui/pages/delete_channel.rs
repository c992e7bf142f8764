//! Asks before a channel is deleted: deletion cannot be undone.

use crate::api::channels as api;
use crate::domain::Channel;
use crate::error::AppError;
use crate::ui::action_results::{on_result, PageScoped};
use crate::ui::components::dialog::{naming, Confirm};
use crate::ui::components::toast::use_toasts;
use leptos::prelude::*;

/// The dialog as its own wasm chunk (with `--split`), with the delete action (kept by the
/// page, see [`PageScoped`]): a first visit to the channel page downloads neither;
/// [`fetch_early`] starts fetching them when an operator points at or focuses a "Delete"
/// button. Never rendered on the server.
#[lazy]
pub fn delete_channel_view(
    channel: Channel,
    action: PageScoped<ServerAction<api::DeleteChannel>>,
    on_done: Callback<()>,
    on_close: Callback<()>,
) -> AnyView {
    let delete = action.get_or_init(|| {
        let toasts = use_toasts();
        let delete = ServerAction::<api::DeleteChannel>::new();
        on_result(delete, move |result| match result {
            Ok(()) => on_done.run(()),
            // Someone deleted it first: say so, and the list read again no longer shows it.
            Err(err @ AppError::NotFound(_)) => {
                toasts.failure(err);
                on_done.run(());
            }
            Err(err) => toasts.failure(err),
        });
        delete
    });
    view! { <DeleteChannel channel delete on_close/> }.into_any()
}

/// Starts fetching the dialog's code, once, so that it has usually arrived by the click.
pub fn fetch_early() {
    fetch_once!(delete_channel_view);
}

#[component]
fn DeleteChannel(
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
