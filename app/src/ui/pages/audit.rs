//! The Audit log page: what operators did, newest first.

use crate::api::operators::{audit_log, AuditLog};
use crate::domain::{AuditEntry, AuditPage};
use crate::ui::action_results::on_result;
use crate::ui::components::toast::use_toasts;
use crate::ui::format;
use crate::ui::json_resource;
use crate::ui::session::LoadError;
use leptos::prelude::*;

#[component]
pub fn AuditPage() -> impl IntoView {
    let first = json_resource(|| (), |_| audit_log(None));
    let t = crate::i18n::t();
    view! {
        <main class="page">
            <h1>{t.nav_audit}</h1>
            <Transition fallback=move || view! { <p class="muted">{t.loading_audit}</p> }>
                {move || Suspend::new(async move {
                    match first.await {
                        Ok(page) => view! { <AuditTable first=page/> }.into_any(),
                        Err(err) => view! { <LoadError err/> }.into_any(),
                    }
                })}
            </Transition>
        </main>
    }
}

#[component]
fn AuditTable(first: AuditPage) -> impl IntoView {
    let toasts = use_toasts();
    let t = crate::i18n::t();
    let more = RwSignal::new(Vec::<AuditEntry>::new());
    let next = RwSignal::new(first.next);
    let load = ServerAction::<AuditLog>::new();
    let load_more = move |_: ()| {
        if let Some(before) = next.get_untracked() {
            load.dispatch(AuditLog { before: Some(before) });
        }
    };
    on_result(load, move |result| match result {
        Ok(page) => {
            more.update(|list| list.extend(page.entries.iter().cloned()));
            next.set(page.next);
        }
        Err(err) => toasts.failure(err),
    });
    if first.entries.is_empty() {
        return view! { <p class="empty">{t.audit_empty}</p> }.into_any();
    }
    view! {
        <table class="data-table" aria-label=t.nav_audit>
            <thead>
                <tr>
                    <th scope="col">{t.audit_when}</th>
                    <th scope="col">{t.f_operator_name}</th>
                    <th scope="col">{t.audit_action}</th>
                    <th scope="col">{t.audit_subject}</th>
                    <th scope="col">{t.audit_address}</th>
                </tr>
            </thead>
            <tbody>
                {first.entries.into_iter().map(|entry| view! { <AuditRow entry/> }).collect_view()}
                <For each=move || more.get() key=|e| e.id let:entry>
                    <AuditRow entry/>
                </For>
            </tbody>
        </table>
        <crate::ui::components::load_more::LoadMore
            has_more=Signal::derive(move || next.get().is_some())
            loading=load.pending()
            on_load=Callback::new(load_more)
        />
    }
    .into_any()
}

#[component]
fn AuditRow(entry: AuditEntry) -> impl IntoView {
    view! {
        <tr>
            <td><time datetime=format::iso(entry.at)>{format::timestamp(entry.at)}</time></td>
            <td>{entry.operator.clone()}</td>
            <td>{entry.label.clone()}</td>
            <td>{entry.subject.clone()}</td>
            <td>{entry.address.clone()}</td>
        </tr>
    }
}
