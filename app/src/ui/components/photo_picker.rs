//! The profile photo field: shows the chosen image at once (a local object URL, before any
//! upload) and uploads it in the background, so Create only waits for what is left.

use crate::domain::media_url;
use crate::ui::components::toast::use_toasts;
use leptos::prelude::*;

#[derive(Clone, Debug, PartialEq)]
pub enum PhotoState {
    Empty,
    Uploading { preview: String },
    Ready { id: String, preview: String, note: String },
}

impl PhotoState {
    /// An already stored photo, as the edit dialog starts with.
    pub fn stored(id: &str) -> Self {
        PhotoState::Ready { id: id.to_owned(), preview: media_url(id), note: String::new() }
    }

    pub fn id(&self) -> Option<String> {
        match self {
            PhotoState::Ready { id, .. } => Some(id.clone()),
            _ => None,
        }
    }

    fn preview(&self) -> Option<String> {
        match self {
            PhotoState::Empty => None,
            PhotoState::Uploading { preview } | PhotoState::Ready { preview, .. } => Some(preview.clone()),
        }
    }
}

#[component]
pub fn PhotoPicker(photo: RwSignal<PhotoState>) -> impl IntoView {
    let toasts = use_toasts();
    let t = crate::i18n::t();
    let error = RwSignal::new(None::<String>);
    // The local preview of the chosen file, released when another file replaces it.
    let preview_handle = StoredValue::new(None::<u64>);
    on_cleanup(move || {
        if let Some(old) = preview_handle.try_get_value().flatten() {
            crate::ui::previews::release(old);
        }
    });

    let on_change = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        let before = photo.get_untracked();
        let (handle, preview) = crate::ui::previews::hold(&file);
        if let Some(old) = preview_handle.get_value().replace(handle) {
            crate::ui::previews::release(old);
        }
        preview_handle.set_value(Some(handle));
        error.set(None);
        photo.set(PhotoState::Uploading { preview: preview.clone() });
        leptos::task::spawn_local(async move {
            match crate::ui::upload::upload_image(file, crate::ui::upload::Purpose::ProfilePhoto, |_| ()).await {
                Ok(stored) => {
                    let kind = stored.content_type.trim_start_matches("image/").to_owned();
                    let kb = stored.bytes.div_ceil(1024);
                    let note = match (stored.width, stored.height) {
                        (Some(w), Some(h)) => crate::i18n::fill(
                            t.photo_uploaded_sized,
                            &[("kind", &kind), ("w", &w), ("h", &h), ("kb", &kb)],
                        ),
                        _ => crate::i18n::fill(t.photo_uploaded, &[("kind", &kind), ("kb", &kb)]),
                    };
                    photo.set(PhotoState::Ready { id: stored.id, preview, note });
                }
                Err(err) => {
                    error.set(Some(crate::i18n::error_text(t, &err)));
                    toasts.failure(&err);
                    photo.set(before);
                    input.set_value("");
                }
            }
        });
    };

    let status = move || {
        if let Some(err) = error.get() {
            return err;
        }
        match photo.get() {
            PhotoState::Empty => t.photo_hint.to_owned(),
            PhotoState::Uploading { .. } => t.uploading.to_owned(),
            PhotoState::Ready { note, .. } => note,
        }
    };

    view! {
        <div class="field">
            <label for="channel-photo">{t.f_profile_photo}</label>
            <div class="photo-row">
                {move || match photo.get().preview() {
                    Some(src) => view! {
                        <img class="avatar large" src=src alt=t.photo_chosen/>
                    }.into_any(),
                    None => view! { <div class="avatar large placeholder" aria-hidden="true"></div> }.into_any(),
                }}
                <input
                    id="channel-photo"
                    type="file"
                    accept="image/*"
                    aria-describedby="channel-photo-status"
                    on:change=on_change
                />
            </div>
            <p id="channel-photo-status" class="counter" class:over=move || error.get().is_some() role="status">
                {status}
            </p>
        </div>
    }
}
