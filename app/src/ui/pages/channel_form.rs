//! The create and edit dialog. The fields are checked as the operator types, with the same
//! domain types the server functions check with again.

use crate::api::channels as api;
use crate::domain::{Channel, ChannelName, ChannelProfile, Field, ValidationError};
use crate::error::AppError;
use crate::ui::action_results::{on_result, PageScoped};
use crate::ui::components::toast::use_toasts;
use crate::ui::components::{
    byte_counter::ByteCounter,
    dialog::Dialog,
    photo_picker::{PhotoPicker, PhotoState},
};
use leptos::prelude::*;

/// The dialog as its own wasm chunk (with `--split`): a first visit to the channel page does
/// not download it; it is fetched when an operator opens it, or points at or focuses a
/// button that does ([`fetch_early`]). Never rendered on the server (it opens on a click).
/// The create and update actions are made here too (kept by the page, see [`PageScoped`]),
/// so that their code comes with the dialog rather than with the page.
#[lazy]
pub fn channel_form_view(
    mode: FormMode,
    actions: PageScoped<FormActions>,
    on_change: Callback<Change>,
    on_close: Callback<()>,
) -> AnyView {
    let FormActions { create, update } = actions.get_or_init(|| {
        let toasts = use_toasts();
        let create = ServerAction::<api::CreateChannel>::new();
        let update = ServerAction::<api::UpdateChannel>::new();
        // After a refusal the dialog stays as it was, with what was typed.
        on_result(create, move |result| match result {
            Ok(_) => on_change.run(Change::Created),
            Err(err) => toasts.failure(err),
        });
        on_result(update, move |result| match result {
            Ok(_) => on_change.run(Change::Updated),
            Err(err @ AppError::NotFound(_)) => {
                toasts.failure(err);
                on_change.run(Change::Vanished);
            }
            Err(err) => toasts.failure(err),
        });
        FormActions { create, update }
    });
    view! { <ChannelForm mode create update on_close/> }.into_any()
}

/// The dialog's actions, made the first time it opens.
#[derive(Clone, Copy)]
pub struct FormActions {
    create: ServerAction<api::CreateChannel>,
    update: ServerAction<api::UpdateChannel>,
}

/// What changed, for the page to read its list again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Saved: the dialog has done its work.
    Created,
    Updated,
    /// The channel being edited was deleted meanwhile (by someone else): the dialog stays,
    /// with what was typed, and the list no longer shows the channel.
    Vanished,
}

/// Starts fetching the dialog's code, once, so that it has usually arrived by the click.
pub fn fetch_early() {
    fetch_once!(channel_form_view);
}

#[derive(Clone, Debug, PartialEq)]
pub enum FormMode {
    Create,
    Edit(Channel),
}

#[component]
fn ChannelForm(
    mode: FormMode,
    /// The page closes the dialog once the channel is saved.
    create: ServerAction<api::CreateChannel>,
    update: ServerAction<api::UpdateChannel>,
    on_close: Callback<()>,
) -> impl IntoView {
    let t = crate::i18n::t();
    let (title, action, busy_label, editing) = match &mode {
        FormMode::Create => (t.create_channel, t.create, t.creating, None),
        FormMode::Edit(channel) => (t.edit_channel, t.save, t.saving, Some(channel.id)),
    };
    let (name, profile, photo) = match &mode {
        FormMode::Create => (String::new(), String::new(), PhotoState::Empty),
        FormMode::Edit(c) => {
            (c.name.clone(), c.profile.clone(), c.photo.as_deref().map(PhotoState::stored).unwrap_or(PhotoState::Empty))
        }
    };
    let name = RwSignal::new(name);
    let profile = RwSignal::new(profile);
    let photo = RwSignal::new(photo);
    let saving = Signal::derive(move || create.pending().get() || update.pending().get());

    let name_check = Signal::derive(move || ChannelName::parse(&name.get()).err());
    // An empty name is not an error to shout about while typing; the hint says it instead.
    let name_error =
        Signal::derive(move || name_check.get().filter(|e| !matches!(e, ValidationError::Required { .. })));
    let profile_error = Signal::derive(move || ChannelProfile::parse(&profile.get()).err());
    let blocker = Signal::derive(move || {
        if let Some(err) = name_check.get().or(profile_error.get()) {
            return Some(crate::i18n::validation_text(t, &err));
        }
        match photo.get() {
            PhotoState::Empty => {
                Some(crate::i18n::validation_text(t, &ValidationError::Required { field: Field::ProfilePhoto }))
            }
            PhotoState::Uploading { .. } => Some(t.photo_wait.to_owned()),
            PhotoState::Ready { .. } => None,
        }
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() || blocker.get_untracked().is_some() {
            return;
        }
        let Some(photo) = photo.get_untracked().id() else {
            return;
        };
        let (name, profile) = (name.get_untracked(), profile.get_untracked());
        match editing {
            None => {
                create.dispatch(api::CreateChannel { name, profile, photo });
            }
            Some(id) => {
                update.dispatch(api::UpdateChannel { id, name, profile, photo });
            }
        }
    };

    view! {
        <Dialog title_id="channel-form-title" title=title on_close=on_close>
            <form class="form" on:submit=submit novalidate>
                <div class="field">
                    <label for="channel-name">{t.f_channel_name}</label>
                    <input
                        id="channel-name"
                        type="text"
                        autocomplete="off"
                        aria-describedby="channel-name-count"
                        aria-invalid=move || name_error.get().is_some().to_string()
                        bind:value=name
                    />
                    <ByteCounter
                        id="channel-name-count"
                        value=name
                        max=ChannelName::MAX_BYTES
                        error=name_error
                    />
                </div>
                <PhotoPicker photo=photo/>
                <div class="field">
                    <label for="channel-profile">{t.f_channel_profile}</label>
                    <textarea
                        id="channel-profile"
                        rows="4"
                        aria-describedby="channel-profile-count"
                        aria-invalid=move || profile_error.get().is_some().to_string()
                        bind:value=profile
                    ></textarea>
                    <ByteCounter
                        id="channel-profile-count"
                        value=profile
                        max=ChannelProfile::MAX_BYTES
                        error=profile_error
                    />
                </div>
                <p id="channel-form-hint" class="hint">{move || blocker.get()}</p>
                <div class="actions">
                    <button
                        type="submit"
                        class="primary"
                        aria-describedby="channel-form-hint"
                        disabled=move || saving.get() || blocker.get().is_some()
                    >
                        {move || if saving.get() { busy_label } else { action }}
                    </button>
                    <button type="button" on:click=move |_| on_close.run(())>{t.cancel}</button>
                </div>
            </form>
        </Dialog>
    }
}
