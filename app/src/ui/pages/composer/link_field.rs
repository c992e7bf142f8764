//! The composer's links: the ones added so far, and a small form to add another, checked
//! before it joins the draft.

use crate::domain::post::MAX_LINKS;
use crate::domain::{Field, PostLink, ValidationError};
use crate::ui::components::toast::use_toasts;
use leptos::prelude::*;

#[component]
pub fn LinkArea(links: RwSignal<Vec<PostLink>>) -> impl IntoView {
    let toasts = use_toasts();
    let t = crate::i18n::t();
    let adding = RwSignal::new(false);
    let label = RwSignal::new(String::new());
    let url = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let add = move || {
        let link = PostLink { label: label.get_untracked(), url: url.get_untracked() };
        if links.with_untracked(Vec::len) >= MAX_LINKS {
            let err = ValidationError::TooMany { field: Field::PostLinks, max: MAX_LINKS, actual: MAX_LINKS + 1 };
            let message = crate::i18n::validation_text(t, &err);
            error.set(Some(message.clone()));
            toasts.error(message);
            return;
        }
        match link.validate() {
            Ok(valid) => {
                links.update(|l| l.push(PostLink::from(&valid)));
                label.set(String::new());
                url.set(String::new());
                error.set(None);
                adding.set(false);
            }
            Err(err) => {
                let message = crate::i18n::validation_text(t, &err);
                error.set(Some(message.clone()));
                toasts.error(message);
            }
        }
    };
    view! {
        <div class="field">
            <span class="label">{t.f_post_links}</span>
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
                                    aria-label=crate::i18n::fill(t.remove_link, &[("n", &(index + 1))])
                                    on:click=move |_| links.update(|l| { if index < l.len() { l.remove(index); } })
                                >
                                    {t.remove}
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
                        {t.add_link}
                    </button>
                }
            >
                <div class="link-form" role="group" aria-label=t.new_link>
                    <label for="link-label">{t.f_link_label}</label>
                    <input id="link-label" type="text" bind:value=label/>
                    <label for="link-url">{t.f_link_url}</label>
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
                        <button type="button" class="primary" on:click=move |_| add()>{t.add}</button>
                        <button type="button" on:click=move |_| { adding.set(false); error.set(None); }>{t.cancel}</button>
                    </div>
                </div>
            </Show>
        </div>
    }
}
