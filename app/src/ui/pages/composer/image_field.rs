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
    let dragging = RwSignal::new(false);
    let count = move || images.with(DraftImages::len);
    // Each file is shown at once from its local preview and uploads on its own; the images
    // belong to the composer, so an upload finishes even if this field is hidden meanwhile.
    let add_files = move |files: web_sys::FileList| {
        let room = images.with_untracked(DraftImages::room);
        let count = files.length() as usize;
        if count > room {
            toasts.error(
                ValidationError::TooMany {
                    field: Field::PostImages,
                    max: MAX_IMAGES,
                    actual: images.with_untracked(DraftImages::len) + count,
                }
                .to_string(),
            );
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
                (_, 0) => format!("{all} of {MAX_IMAGES} images uploaded."),
                _ => format!("Uploading {uploading} of {all} images…"),
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
                <label for="post-images">"Images"</label>
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
                    {move || format!("Choose or drop images here: {} / {MAX_IMAGES}", count())}
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
                                                aria-label=move || format!("Upload progress of image {}", position())
                                            ></progress>
                                        }.into_any()
                                    } else {
                                        view! { <span class="muted">"Uploaded"</span> }.into_any()
                                    }}
                                    <label class="sr-only" for=format!("alt-{key}")>
                                        {move || format!("Alt text for image {}", position())}
                                    </label>
                                    <input
                                        id=format!("alt-{key}")
                                        type="text"
                                        placeholder="Alt text (optional)"
                                        prop:value=alt
                                        on:input=move |ev| {
                                            let value = event_target_value(&ev);
                                            images.update(|list| list.set_alt(key, value));
                                        }
                                    />
                                </div>
                                <div class="draft-image-actions">
                                    <button type="button" aria-label=move || format!("Move image {} up", position()) on:click=move |_| images.update(|list| list.move_by(key, -1))>"↑"</button>
                                    <button type="button" aria-label=move || format!("Move image {} down", position()) on:click=move |_| images.update(|list| list.move_by(key, 1))>"↓"</button>
                                    <button type="button" class="danger" aria-label=move || format!("Remove image {}", position()) on:click=move |_| images.update(|list| list.remove(key))>"Remove"</button>
                                </div>
                            </li>
                        }
                    }
                </For>
            </ol>
        </div>
    }
}
