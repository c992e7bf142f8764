//! The post composer: channel, type, content, images, links, a live preview through the
//! same component as the list, and Publish. The draft is kept in the browser's local storage
//! so that it survives a reload, and sent with a request id so that a retry never posts
//! twice.

mod draft_images;
mod image_field;
mod link_field;

use crate::api::posts::PublishPost;
use crate::domain::post::MAX_TEXT_BYTES;
use crate::domain::{ChannelOption, Field, PostDraft, PostLink, PostType, ValidationError};
use crate::ui::action_results::on_result;
use crate::ui::components::byte_counter::ByteCounter;
use crate::ui::components::post_view::{default_alt, CardImage, PostCard, PostView};
use crate::ui::components::toast::use_toasts;
use draft_images::DraftImages;
use image_field::ImageArea;
use leptos::prelude::*;
use link_field::LinkArea;
use serde::{Deserialize, Serialize};

const STORAGE_KEY: &str = "channel-console.post-draft.v1";

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
    /// The page reads its list of posts again after each post this publishes.
    publish: ServerAction<PublishPost>,
) -> impl IntoView {
    let toasts = use_toasts();
    let t = crate::i18n::t();
    let channel_id = RwSignal::new(None::<i64>);
    let kind = RwSignal::new(PostType::ImageAndText);
    let text = RwSignal::new(String::new());
    let images = RwSignal::new(DraftImages::default());
    let links = RwSignal::new(Vec::<PostLink>::new());
    let request_id = RwSignal::new(String::new());
    let restored = RwSignal::new(false);
    let publishing = publish.pending();

    let draft = Memo::new(move |_| PostDraft {
        channel_id: channel_id.get(),
        kind: kind.get(),
        text: text.get(),
        images: images.with(DraftImages::uploaded),
        links: links.get(),
    });

    // Restore the saved draft once hydrated, then save every change.
    Effect::new(move |_| {
        if let Some(saved) = storage()
            .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
            .and_then(|json| crate::api::json::from_json::<SavedDraft>(&json).ok())
        {
            let d = saved.draft;
            channel_id.set(d.channel_id);
            kind.set(d.kind);
            text.set(d.text);
            links.set(d.links);
            images.set(DraftImages::restored(d.images));
            request_id.set(saved.request_id);
        }
        if request_id.get_untracked().is_empty() {
            request_id.set(new_request_id());
        }
        restored.set(true);
    });
    Effect::new(move |_| {
        let saved = SavedDraft { draft: draft.get(), request_id: request_id.get() };
        if restored.get() {
            if let (Some(storage), Ok(json)) = (storage(), crate::api::json::to_json(&saved)) {
                let _ = storage.set_item(STORAGE_KEY, &json);
            }
        }
    });

    let blocker = Signal::derive(move || -> Option<String> {
        if images.with(DraftImages::uploading) {
            return Some(t.images_wait.into());
        }
        draft.with(|d| d.for_publishing().validate().err()).map(|e| crate::i18n::validation_text(t, &e))
    });
    let text_error = Signal::derive(move || {
        let value = text.get();
        (value.trim().len() > MAX_TEXT_BYTES).then(|| ValidationError::TooLong {
            field: Field::PostText,
            max: MAX_TEXT_BYTES,
            actual: value.trim().len(),
        })
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if publishing.get_untracked() || blocker.get_untracked().is_some() {
            return;
        }
        publish.dispatch(PublishPost {
            draft: draft.get_untracked().for_publishing(),
            request_id: request_id.get_untracked(),
        });
    };
    on_result(publish, move |result| match result {
        Ok(_) => {
            text.set(String::new());
            images.update(DraftImages::clear);
            links.set(vec![]);
            request_id.set(new_request_id());
        }
        Err(err) => toasts.failure(err),
    });

    let preview = Signal::derive(move || {
        let d = draft.get().for_publishing();
        let channel = d.channel_id.and_then(|id| channels.with(|list| list.iter().find(|c| c.id == id).cloned()));
        PostCard {
            channel_name: channel.as_ref().map(|c| c.name.clone()).unwrap_or_else(|| t.no_channel_chosen.into()),
            channel_photo: channel.and_then(|c| c.photo),
            kind: d.kind,
            text: d.text.trim().to_owned(),
            images: if d.kind.carries_images() {
                images.with(|list| {
                    list.items()
                        .iter()
                        .enumerate()
                        .map(|(n, i)| CardImage {
                            key: i.key.to_string(),
                            src: i.src.clone(),
                            alt: default_alt(&i.alt, n, list.len()),
                        })
                        .collect()
                })
            } else {
                vec![]
            },
            links: d.links.iter().filter_map(|l| l.validate().ok().map(|v| PostLink::from(&v))).collect(),
            created_at: None,
        }
    });

    view! {
        <div class="composer-layout">
            <form class="composer form" aria-label=t.new_post on:submit=submit novalidate>
                <div class="field">
                    <label for="post-channel">{t.f_post_channel}</label>
                    <select
                        id="post-channel"
                        on:change=move |ev| channel_id.set(event_target_value(&ev).parse().ok())
                        prop:value=move || channel_id.get().map(|id| id.to_string()).unwrap_or_default()
                    >
                        <option value="">{t.choose_channel}</option>
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
                    <span id="post-type-label" class="label">{t.post_type}</span>
                    <div role="radiogroup" aria-labelledby="post-type-label" class="segmented">
                        {PostType::ALL
                            .into_iter()
                            .map(|choice| view! {
                                <label>
                                    <input
                                        type="radio"
                                        name="post-type"
                                        value=choice.code()
                                        prop:checked=move || kind.get() == choice
                                        on:change=move |_| kind.set(choice)
                                    />
                                    {crate::i18n::post_type(t, choice)}
                                </label>
                            })
                            .collect_view()}
                    </div>
                </div>
                <Show when=move || kind.get().carries_text()>
                    <div class="field">
                        <label for="post-content">{t.f_post_text}</label>
                        <textarea id="post-content" rows="6" aria-describedby="post-content-count" bind:value=text></textarea>
                        <ByteCounter id="post-content-count" value=text max=MAX_TEXT_BYTES error=text_error/>
                    </div>
                </Show>
                <Show when=move || kind.get().carries_images()>
                    <ImageArea images/>
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
                        {move || if publishing.get() { t.publishing } else { t.publish }}
                    </button>
                </div>
            </form>
            <section class="preview" aria-label=t.preview>
                <h2 class="preview-title">{t.preview}</h2>
                <PostView card=preview full=true/>
            </section>
        </div>
    }
}
