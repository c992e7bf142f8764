//! One component renders a post wherever it appears: the composer's live preview, the post
//! list and the post's own page. All user text goes through Leptos text nodes (escaped);
//! link addresses are checked again before they become an href.

use crate::domain::post::LinkUrl;
use crate::domain::search::highlight;
use crate::domain::{media_url, thumbnail_url, Post, PostLink, PostType};
use crate::ui::format;
use leptos::prelude::*;

/// What a post looks like, whether published or still a draft.
#[derive(Debug, Clone, PartialEq)]
pub struct PostCard {
    pub channel_name: String,
    pub channel_photo: Option<String>,
    pub kind: PostType,
    pub text: String,
    pub images: Vec<CardImage>,
    pub links: Vec<PostLink>,
    /// `None` for a draft.
    pub created_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CardImage {
    pub key: String,
    pub src: String,
    pub alt: String,
}

/// What a screen reader says for an image the operator gave no alt text.
pub fn default_alt(alt: &str, index: usize, count: usize) -> String {
    if alt.trim().is_empty() {
        crate::i18n::fill(crate::i18n::t().image_n_of, &[("n", &(index + 1)), ("count", &count)])
    } else {
        alt.to_owned()
    }
}

impl PostCard {
    /// A published post; `full` shows full-size images instead of thumbnails.
    pub fn from_post(post: &Post, full: bool) -> Self {
        PostCard {
            channel_name: post.channel_name.clone(),
            channel_photo: post.channel_photo.clone(),
            kind: post.kind,
            text: post.text.clone(),
            images: post
                .images
                .iter()
                .enumerate()
                .map(|(i, image)| CardImage {
                    key: format!("{i}-{}", image.media),
                    src: if full { media_url(&image.media) } else { thumbnail_url(&image.media) },
                    alt: default_alt(&image.alt, i, post.images.len()),
                })
                .collect(),
            links: post.links.clone(),
            created_at: Some(post.created_at),
        }
    }
}

/// Text with the search terms marked.
fn marked(text: String, terms: Signal<Vec<String>>) -> impl IntoView {
    move || {
        highlight(&text, &terms.get())
            .into_iter()
            .map(|(run, hit)| if hit { view! { <mark>{run}</mark> }.into_any() } else { run.into_any() })
            .collect_view()
    }
}

#[component]
pub fn PostView(
    #[prop(into)] card: Signal<PostCard>,
    /// Search terms to mark in the text and link labels.
    #[prop(optional, into)]
    terms: Signal<Vec<String>>,
    /// The whole post, as on its own page (no clamping of long text).
    #[prop(optional)]
    full: bool,
) -> impl IntoView {
    let t = crate::i18n::t();
    let head = move || {
        card.with(|c| {
            let avatar = match c.channel_photo.as_deref() {
                Some(id) => view! { <img class="avatar small" src=thumbnail_url(id) alt=""/> }.into_any(),
                None => view! { <span class="avatar small placeholder" aria-hidden="true"></span> }.into_any(),
            };
            let time = match c.created_at {
                Some(t) => view! { <time datetime=format::iso(t)>{format::timestamp(t)}</time> }.into_any(),
                None => view! { <span class="muted">{t.not_published_yet}</span> }.into_any(),
            };
            view! {
                <header class="post-head">
                    {avatar}
                    <span class="post-channel">{c.channel_name.clone()}</span>
                    <span class="post-kind">{crate::i18n::post_type(t, c.kind)}</span>
                    <span class="post-time">{time}</span>
                </header>
            }
        })
    };
    let text = move || {
        let text = card.with(|c| c.text.clone());
        (!text.is_empty()).then(|| view! { <p class="post-text">{marked(text, terms)}</p> })
    };
    let images = move || card.with(|c| c.images.clone());
    let links = move || card.with(|c| c.links.clone());
    view! {
        <article class="post" class:full=full>
            {head}
            {text}
            <Show when=move || !images().is_empty()>
                // The album layout (1 to 9 images) is the stylesheet's, by count.
                <div class=move || format!("post-images count-{}", card.with(|c| c.images.len()))>
                    <For each=images key=|image| (image.key.clone(), image.src.clone(), image.alt.clone()) let:image>
                        <img src=image.src alt=image.alt loading="lazy"/>
                    </For>
                </div>
            </Show>
            <Show when=move || !links().is_empty()>
                <ul class="post-links">
                    <For each=links key=|link| (link.label.clone(), link.url.clone()) let:link>
                        <li>{
                            let label = link.text().to_owned();
                            match LinkUrl::parse(&link.url) {
                                Ok(url) => view! {
                                    <a href=url.as_ref().to_owned() target="_blank" rel="noopener noreferrer">
                                        {marked(label, terms)}
                                    </a>
                                }.into_any(),
                                Err(_) => view! { <span>{label}</span> }.into_any(),
                            }
                        }</li>
                    </For>
                </ul>
            </Show>
        </article>
    }
}
