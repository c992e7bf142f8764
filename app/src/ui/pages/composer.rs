//! The post composer: channel, type, content, images, links, a live preview through the
//! same component as the list, and Publish. The draft is kept in the browser's local storage
//! so that it survives a reload, and sent with a request id so that a retry never posts
//! twice.

use crate::api::posts::publish_post;
use crate::domain::post::{MAX_IMAGES, MAX_LINKS, MAX_TEXT_BYTES};
use crate::domain::{
    media_url, ChannelOption, Field, Post, PostDraft, PostImage, PostLink, PostType,
    ValidationError,
};
use crate::ui::components::byte_counter::ByteCounter;
use crate::ui::components::post_view::{default_alt, CardImage, PostCard, PostView};
use crate::ui::components::toast::use_toasts;
use crate::ui::previews;
use crate::ui::upload::{upload_image, Purpose};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

const STORAGE_KEY: &str = "channel-console.post-draft.v1";

/// An image of the draft: uploading, uploaded, or failed.
#[derive(Debug, Clone, PartialEq)]
struct DraftImage {
    key: u64,
    /// A local object URL while uploading, then the stored image.
    src: String,
    media: Option<String>,
    alt: String,
    progress: u8,
    /// The handle of the local preview (see `previews`), released with the image.
    preview: Option<u64>,
}

/// What survives a reload: everything except images still uploading.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
struct SavedDraft {
    draft: PostDraft,
    request_id: String,
}

fn new_request_id() -> String {
    let part = || format!("{:08x}", (js_sys::Math::random() * 4_294_967_296.0) as u32);
    format!("{}{}{}{}", part(), part(), part(), part())
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

#[component]
pub fn Composer(
    channels: Signal<Vec<ChannelOption>>,
    /// Called with each post published.
    on_published: Callback<Post>,
) -> impl IntoView {
    let toasts = use_toasts();
    let channel_id = RwSignal::new(None::<i64>);
    let kind = RwSignal::new(PostType::ImageAndText);
    let text = RwSignal::new(String::new());
    let images = RwSignal::new(Vec::<DraftImage>::new());
    let links = RwSignal::new(Vec::<PostLink>::new());
    let request_id = RwSignal::new(String::new());
    let publishing = RwSignal::new(false);
    let restored = RwSignal::new(false);
    let next_key = StoredValue::new(0u64);

    let draft = Memo::new(move |_| PostDraft {
        channel_id: channel_id.get(),
        kind: kind.get(),
        text: text.get(),
        images: images
            .get()
            .into_iter()
            .filter_map(|i| i.media.map(|media| PostImage { media, alt: i.alt }))
            .collect(),
        links: links.get(),
    });

    // Restore the saved draft once hydrated, then save every change.
    Effect::new(move |_| {
        if let Some(saved) = storage()
            .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
            .and_then(|json| serde_json::from_str::<SavedDraft>(&json).ok())
        {
            let d = saved.draft;
            channel_id.set(d.channel_id);
            kind.set(d.kind);
            text.set(d.text);
            links.set(d.links);
            images.set(
                d.images
                    .into_iter()
                    .map(|image| {
                        let key = next_key.get_value();
                        next_key.set_value(key + 1);
                        DraftImage {
                            key,
                            src: media_url(&image.media),
                            media: Some(image.media),
                            alt: image.alt,
                            progress: 100,
                            preview: None,
                        }
                    })
                    .collect(),
            );
            request_id.set(saved.request_id);
        }
        if request_id.get_untracked().is_empty() {
            request_id.set(new_request_id());
        }
        restored.set(true);
    });
    Effect::new(move |_| {
        let saved = SavedDraft {
            draft: draft.get(),
            request_id: request_id.get(),
        };
        if restored.get() {
            if let (Some(storage), Ok(json)) = (storage(), serde_json::to_string(&saved)) {
                let _ = storage.set_item(STORAGE_KEY, &json);
            }
        }
    });

    let uploading = move || images.with(|list| list.iter().any(|i| i.media.is_none()));
    let blocker = Signal::derive(move || -> Option<String> {
        if uploading() {
            return Some("Wait for the images to finish uploading.".into());
        }
        draft
            .with(|d| d.for_publishing().validate().err())
            .map(|e| e.to_string())
    });
    let text_error = Signal::derive(move || {
        let value = text.get();
        (value.trim().len() > MAX_TEXT_BYTES).then(|| ValidationError::TooLong {
            field: Field::PostText,
            max: MAX_TEXT_BYTES,
            actual: value.trim().len(),
        })
    });

    let add_files = move |files: web_sys::FileList| {
        let room = MAX_IMAGES.saturating_sub(images.with_untracked(Vec::len));
        let count = files.length() as usize;
        if count > room {
            toasts.error(
                ValidationError::TooMany {
                    field: Field::PostImages,
                    max: MAX_IMAGES,
                    actual: images.with_untracked(Vec::len) + count,
                }
                .to_string(),
            );
        }
        for index in 0..count.min(room) {
            let Some(file) = files.get(index as u32) else {
                continue;
            };
            let key = next_key.get_value();
            next_key.set_value(key + 1);
            let (handle, src) = previews::hold(&file);
            images.update(|list| {
                list.push(DraftImage {
                    key,
                    src,
                    media: None,
                    alt: String::new(),
                    progress: 0,
                    preview: Some(handle),
                })
            });
            leptos::task::spawn_local(async move {
                let progress = move |p: u8| {
                    images.update(|list| {
                        if let Some(i) = list.iter_mut().find(|i| i.key == key) {
                            i.progress = p;
                        }
                    })
                };
                match upload_image(file, Purpose::PostImage, progress).await {
                    Ok(stored) => images.update(|list| {
                        if let Some(i) = list.iter_mut().find(|i| i.key == key) {
                            i.media = Some(stored.id);
                            i.progress = 100;
                        }
                    }),
                    Err(err) => {
                        toasts.failure(&err);
                        images.update(|list| list.retain(|i| i.key != key));
                        previews::release(handle);
                    }
                }
            });
        }
    };

    let remove_image = move |key: u64| {
        images.update(|list| {
            for image in list.iter().filter(|i| i.key == key) {
                if let Some(handle) = image.preview {
                    previews::release(handle);
                }
            }
            list.retain(|i| i.key != key)
        });
    };
    let move_image = move |key: u64, delta: isize| {
        images.update(|list| {
            if let Some(from) = list.iter().position(|i| i.key == key) {
                let to = from as isize + delta;
                if to >= 0 && (to as usize) < list.len() {
                    list.swap(from, to as usize);
                }
            }
        })
    };

    let publish = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if publishing.get_untracked() || blocker.get_untracked().is_some() {
            return;
        }
        publishing.set(true);
        let outgoing = draft.get_untracked().for_publishing();
        let id = request_id.get_untracked();
        leptos::task::spawn_local(async move {
            let result = publish_post(outgoing, id).await;
            publishing.set(false);
            match result {
                Ok(post) => {
                    text.set(String::new());
                    images.update(|list| {
                        list.iter()
                            .filter_map(|i| i.preview)
                            .for_each(previews::release);
                        list.clear();
                    });
                    links.set(vec![]);
                    request_id.set(new_request_id());
                    on_published.run(post);
                }
                Err(err) => toasts.failure(&err),
            }
        });
    };

    let preview = Signal::derive(move || {
        let d = draft.get().for_publishing();
        let channel = d
            .channel_id
            .and_then(|id| channels.with(|list| list.iter().find(|c| c.id == id).cloned()));
        PostCard {
            channel_name: channel
                .as_ref()
                .map(|c| c.name.clone())
                .unwrap_or_else(|| "No channel chosen".into()),
            channel_photo: channel.and_then(|c| c.photo),
            kind: d.kind,
            text: d.text.trim().to_owned(),
            images: if d.kind.carries_images() {
                let list = images.get();
                let count = list.len();
                list.into_iter()
                    .enumerate()
                    .map(|(n, i)| CardImage {
                        key: i.key.to_string(),
                        src: i.src,
                        alt: default_alt(&i.alt, n, count),
                    })
                    .collect()
            } else {
                vec![]
            },
            links: d.links.iter().filter_map(|l| l.validate().ok()).collect(),
            created_at: None,
        }
    });

    view! {
        <div class="composer-layout">
            <form class="composer form" aria-label="New post" on:submit=publish novalidate>
                <div class="field">
                    <label for="post-channel">"Channel"</label>
                    <select
                        id="post-channel"
                        on:change=move |ev| channel_id.set(event_target_value(&ev).parse().ok())
                        prop:value=move || channel_id.get().map(|id| id.to_string()).unwrap_or_default()
                    >
                        <option value="">"Choose a channel"</option>
                        <For each=move || channels.get() key=|c| (c.id, c.name.clone()) let:channel>
                            <option
                                value=channel.id.to_string()
                                selected=move || channel_id.get() == Some(channel.id)
                            >
                                {channel.name.clone()}
                            </option>
                        </For>
                    </select>
                </div>
                <div class="field">
                    <span id="post-type-label" class="label">"Post type"</span>
                    <div role="radiogroup" aria-labelledby="post-type-label" class="segmented">
                        {PostType::ALL
                            .into_iter()
                            .map(|t| view! {
                                <label>
                                    <input
                                        type="radio"
                                        name="post-type"
                                        value=t.code()
                                        prop:checked=move || kind.get() == t
                                        on:change=move |_| kind.set(t)
                                    />
                                    {t.label()}
                                </label>
                            })
                            .collect_view()}
                    </div>
                </div>
                <Show when=move || kind.get().carries_text()>
                    <div class="field">
                        <label for="post-content">"Content"</label>
                        <textarea id="post-content" rows="6" aria-describedby="post-content-count" bind:value=text></textarea>
                        <ByteCounter id="post-content-count" value=text max=MAX_TEXT_BYTES error=text_error/>
                    </div>
                </Show>
                <Show when=move || kind.get().carries_images()>
                    <ImageArea images add_files remove_image move_image/>
                </Show>
                <Show when=move || kind.get().carries_text()>
                    <LinkArea links/>
                </Show>
                <p id="post-hint" class="hint">{move || blocker.get()}</p>
                <div class="actions">
                    <button
                        type="submit"
                        class="primary"
                        aria-describedby="post-hint"
                        disabled=move || publishing.get() || blocker.get().is_some()
                    >
                        {move || if publishing.get() { "Publishing…" } else { "Publish" }}
                    </button>
                </div>
            </form>
            <section class="preview" aria-label="Preview">
                <h2 class="preview-title">"Preview"</h2>
                <PostView card=preview full=true/>
            </section>
        </div>
    }
}

#[component]
fn ImageArea(
    images: RwSignal<Vec<DraftImage>>,
    add_files: impl Fn(web_sys::FileList) + Copy + 'static,
    remove_image: impl Fn(u64) + Copy + Send + Sync + 'static,
    move_image: impl Fn(u64, isize) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let dragging = RwSignal::new(false);
    let count = move || images.with(Vec::len);
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
            <ol class="draft-images">
                <For each=move || images.get() key=|i| (i.key, i.media.clone(), i.progress) let:image>
                    {
                        let key = image.key;
                        let position = move || images.with(|l| l.iter().position(|i| i.key == key).map(|p| p + 1).unwrap_or(0));
                        let alt = move || images.with(|l| l.iter().find(|i| i.key == key).map(|i| i.alt.clone()).unwrap_or_default());
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
                                            images.update(|l| if let Some(i) = l.iter_mut().find(|i| i.key == key) { i.alt = value; });
                                        }
                                    />
                                </div>
                                <div class="draft-image-actions">
                                    <button type="button" aria-label=move || format!("Move image {} up", position()) on:click=move |_| move_image(key, -1)>"↑"</button>
                                    <button type="button" aria-label=move || format!("Move image {} down", position()) on:click=move |_| move_image(key, 1)>"↓"</button>
                                    <button type="button" class="danger" aria-label=move || format!("Remove image {}", position()) on:click=move |_| remove_image(key)>"Remove"</button>
                                </div>
                            </li>
                        }
                    }
                </For>
            </ol>
        </div>
    }
}

#[component]
fn LinkArea(links: RwSignal<Vec<PostLink>>) -> impl IntoView {
    let toasts = use_toasts();
    let adding = RwSignal::new(false);
    let label = RwSignal::new(String::new());
    let url = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let add = move || {
        let link = PostLink {
            label: label.get_untracked(),
            url: url.get_untracked(),
        };
        if links.with_untracked(Vec::len) >= MAX_LINKS {
            let message = ValidationError::TooMany {
                field: Field::PostLinks,
                max: MAX_LINKS,
                actual: MAX_LINKS + 1,
            }
            .to_string();
            error.set(Some(message.clone()));
            toasts.error(message);
            return;
        }
        match link.validate() {
            Ok(valid) => {
                links.update(|l| l.push(valid));
                label.set(String::new());
                url.set(String::new());
                error.set(None);
                adding.set(false);
            }
            Err(err) => {
                error.set(Some(err.to_string()));
                toasts.error(err.to_string());
            }
        }
    };
    view! {
        <div class="field">
            <span class="label">"Links"</span>
            <ul class="draft-links">
                <For each=move || { links.get().into_iter().enumerate().collect::<Vec<_>>() } key=|(i, l)| (*i, l.label.clone(), l.url.clone()) let:item>
                    {
                        let (index, link) = item;
                        view! {
                            <li>
                                <span class="draft-link-text">{link.text().to_owned()}</span>
                                <span class="muted draft-link-url">{link.url.clone()}</span>
                                <button
                                    type="button"
                                    class="danger"
                                    aria-label=format!("Remove link {}", index + 1)
                                    on:click=move |_| links.update(|l| { if index < l.len() { l.remove(index); } })
                                >
                                    "Remove"
                                </button>
                            </li>
                        }
                    }
                </For>
            </ul>
            <Show
                when=move || adding.get()
                fallback=move || view! {
                    <button
                        type="button"
                        disabled=move || { links.with(Vec::len) >= MAX_LINKS }
                        on:click=move |_| adding.set(true)
                    >
                        "Add link"
                    </button>
                }
            >
                <div class="link-form" role="group" aria-label="New link">
                    <label for="link-label">"Link text"</label>
                    <input id="link-label" type="text" bind:value=label/>
                    <label for="link-url">"URL"</label>
                    <input
                        id="link-url"
                        type="url"
                        placeholder="https://"
                        aria-describedby="link-error"
                        bind:value=url
                        on:keydown=move |ev| {
                            if ev.key() == "Enter" {
                                ev.prevent_default();
                                add();
                            }
                        }
                    />
                    <p id="link-error" class="counter over">{move || error.get()}</p>
                    <div class="actions">
                        <button type="button" class="primary" on:click=move |_| add()>"Add"</button>
                        <button type="button" on:click=move |_| { adding.set(false); error.set(None); }>"Cancel"</button>
                    </div>
                </div>
            </Show>
        </div>
    }
}
