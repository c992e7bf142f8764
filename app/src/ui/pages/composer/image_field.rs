//! The composer's image field: choose or drop images, watch them upload, give them alt
//! text, reorder and remove them.

use super::draft_images::DraftImages;
use crate::domain::post::MAX_IMAGES;
use crate::domain::{Field, ValidationError};
use crate::ui::components::toast::use_toasts;
use crate::ui::previews;
use crate::ui::upload::{upload_image, Purpose};
use leptos::prelude::*;

#[component]
pub fn ImageArea(images: RwSignal<DraftImages>) -> impl IntoView {
    let toasts = use_toasts();
    let t = crate::i18n::t();
    let dragging = RwSignal::new(false);
    let count = move || images.with(DraftImages::len);
    // Each file is shown at once from its local preview and uploads on its own; the images
    // belong to the composer, so an upload finishes even if this field is hidden meanwhile.
    let add_files = move |files: web_sys::FileList| {
        let room = images.with_untracked(DraftImages::room);
        let count = files.length() as usize;
        if count > room {
            let actual = images.with_untracked(DraftImages::len) + count;
            let err = ValidationError::TooMany { field: Field::PostImages, max: MAX_IMAGES, actual };
            toasts.error(crate::i18n::validation_text(t, &err));
        }
        for index in 0..count.min(room) {
            let Some(file) = files.get(index as u32) else {
                continue;
            };
            let (preview, src) = previews::hold(&file);
            let Some(key) = images.try_update(|list| list.add(preview, src)) else {
                previews::release(preview);
                continue;
            };
            leptos::task::spawn_local(async move {
                let progress = move |p: u8| images.update(|list| list.set_progress(key, p));
                match upload_image(file, Purpose::PostImage, progress).await {
                    Ok(stored) => images.update(|list| list.uploaded_as(key, stored.id)),
                    Err(err) => {
                        toasts.failure(&err);
                        images.update(|list| list.remove(key));
                    }
                }
            });
        }
    };
    let upload_status = move || {
        images.with(|list| {
            let all = list.items().len();
            let uploading = list.items().iter().filter(|i| i.media.is_none()).count();
            match (all, uploading) {
                (0, _) => String::new(),
                (_, 0) => crate::i18n::fill(t.images_uploaded, &[("n", &all), ("max", &MAX_IMAGES)]),
                _ => crate::i18n::fill(t.images_uploading, &[("n", &uploading), ("all", &all)]),
            }
        })
    };
    view! {
        <div class="field">
            <div
                class="dropzone"
                class:dragging=move || dragging.get()
                on:dragover=move |ev: leptos::ev::DragEvent| {
                    ev.prevent_default();
                    dragging.set(true);
                }
                on:dragleave=move |_| dragging.set(false)
                on:drop=move |ev: leptos::ev::DragEvent| {
                    ev.prevent_default();
                    dragging.set(false);
                    if let Some(files) = ev.data_transfer().and_then(|d| d.files()) {
                        add_files(files);
                    }
                }
            >
                <label for="post-images">{t.f_post_images}</label>
                <input
                    id="post-images"
                    type="file"
                    accept="image/*"
                    multiple
                    aria-describedby="post-images-help"
                    disabled=move || { count() >= MAX_IMAGES }
                    on:change=move |ev| {
                        let input: web_sys::HtmlInputElement = event_target(&ev);
                        if let Some(files) = input.files() {
                            add_files(files);
                        }
                        input.set_value("");
                    }
                />
                <p id="post-images-help" class="counter">
                    {move || crate::i18n::fill(t.images_help, &[("n", &count()), ("max", &MAX_IMAGES)])}
                </p>
            </div>
            // Screen readers hear how the uploads go (counts, not every percent).
            <p class="sr-only" role="status">{upload_status}</p>
            <ol class="draft-images">
                <For each=move || images.with(|list| list.items().to_vec()) key=|i| (i.key, i.media.clone(), i.progress) let:image>
                    {
                        let key = image.key;
                        let position = move || images.with(|list| list.position(key));
                        let alt = move || images.with(|list| list.alt(key));
                        view! {
                            <li class="draft-image">
                                <img src=image.src.clone() alt=""/>
                                <div class="draft-image-fields">
                                    {if image.media.is_none() {
                                        view! {
                                            <progress
                                                max="100"
                                                value=image.progress
                                                aria-label=move || crate::i18n::fill(t.upload_progress, &[("n", &position())])
                                            ></progress>
                                        }.into_any()
                                    } else {
                                        view! { <span class="muted">{t.uploaded}</span> }.into_any()
                                    }}
                                    <label class="sr-only" for=format!("alt-{key}")>
                                        {move || crate::i18n::fill(t.alt_for, &[("n", &position())])}
                                    </label>
                                    <input
                                        id=format!("alt-{key}")
                                        type="text"
                                        placeholder=t.alt_placeholder
                                        prop:value=alt
                                        on:input=move |ev| {
                                            let value = event_target_value(&ev);
                                            images.update(|list| list.set_alt(key, value));
                                        }
                                    />
                                </div>
                                <div class="draft-image-actions">
                                    <button type="button" aria-label=move || crate::i18n::fill(t.move_up, &[("n", &position())]) on:click=move |_| images.update(|list| list.move_by(key, -1))>"↑"</button>
                                    <button type="button" aria-label=move || crate::i18n::fill(t.move_down, &[("n", &position())]) on:click=move |_| images.update(|list| list.move_by(key, 1))>"↓"</button>
                                    <button type="button" class="danger" aria-label=move || crate::i18n::fill(t.remove_image, &[("n", &position())]) on:click=move |_| images.update(|list| list.remove(key))>{t.remove}</button>
                                </div>
                            </li>
                        }
                    }
                </For>
            </ol>
        </div>
    }
}
