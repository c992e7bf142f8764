//! The Operators page: who may sign in, adding and removing them, and changing one's own
//! password.

use crate::api::auth::whoami;
use crate::api::operators::{self as api, list_operators, operator_texts};
use crate::domain::{Field, NewPassword, Operator, OperatorName};
use crate::i18n::pages::operators::OperatorTexts;
use crate::ui::action_results::on_result;
use crate::ui::components::{
    dialog::{naming, Confirm},
    field_check::{check_as_typed, CheckedField},
    toast::use_toasts,
};
use crate::ui::format;
use crate::ui::json_resource;
use crate::ui::session::LoadError;
use leptos::prelude::*;
use std::sync::Arc;

/// The page's words, which come with it from the server (`i18n::pages`).
type Texts = Arc<OperatorTexts>;

#[component]
pub fn OperatorsPage() -> impl IntoView {
    let toasts = use_toasts();
    let t = crate::i18n::t();
    let add = ServerAction::<api::AddOperator>::new();
    let remove = ServerAction::<api::RemoveOperator>::new();
    let operators = json_resource(move || (add.version().get(), remove.version().get()), |_| list_operators());
    let me = json_resource(|| (), |_| whoami());
    let texts = json_resource(|| (), |_| operator_texts());
    let removing = RwSignal::new(None::<Operator>);
    // The dialog closes once the operator is removed; after a refusal it stays open.
    on_result(remove, move |result| match result {
        Ok(()) => removing.set(None),
        Err(err) => toasts.failure(err),
    });

    view! {
        <main class="page">
            <h1>{t.nav_operators}</h1>
            <Transition fallback=move || view! { <p class="muted">{t.loading}</p> }>
                {move || Suspend::new(async move {
                    let me = me.await.unwrap_or_default();
                    match (texts.await, operators.await) {
                        (Ok(tx), Ok(list)) => {
                            let tx: Texts = Arc::new(tx);
                            view! {
                                <OperatorList list me removing tx=tx.clone()/>
                                {move || removing.get().map(|operator| view! {
                                    <RemoveOperator
                                        operator
                                        remove
                                        tx=tx.clone()
                                        on_close=Callback::new(move |_| removing.set(None))
                                    />
                                })}
                            }
                            .into_any()
                        }
                        (Err(err), _) | (_, Err(err)) => view! { <LoadError err/> }.into_any(),
                    }
                })}
            </Transition>
            // Apart from the list, which is read again after each change: the forms keep
            // what they show (an operator just added, a password changed).
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    texts.await.ok().map(|tx| {
                        let tx: Texts = Arc::new(tx);
                        view! {
                            <div class="operator-forms">
                                <AddOperator add tx=tx.clone()/>
                                <ChangePassword tx/>
                            </div>
                        }
                    })
                })}
            </Transition>
        </main>
    }
}

#[component]
fn OperatorList(list: Vec<Operator>, me: String, removing: RwSignal<Option<Operator>>, tx: Texts) -> impl IntoView {
    let t = crate::i18n::t();
    view! {
        <table class="data-table" aria-label=t.nav_operators>
            <thead>
                <tr>
                    <th scope="col">{t.f_operator_name}</th>
                    <th scope="col">{tx.added().to_owned()}</th>
                    <th scope="col">{tx.last_sign_in().to_owned()}</th>
                    <th scope="col"><span class="sr-only">{tx.actions().to_owned()}</span></th>
                </tr>
            </thead>
            <tbody>
                {list.into_iter().map(|operator| {
                    let is_me = operator.name.eq_ignore_ascii_case(&me);
                    let label = crate::i18n::fill(t.remove_named, &[("name", &operator.name)]);
                    let for_remove = operator.clone();
                    let (you, never) = (tx.you().to_owned(), tx.never().to_owned());
                    view! {
                        <tr>
                            <th scope="row">
                                {operator.name.clone()}
                                {is_me.then(|| view! { <span class="muted">{you}</span> })}
                            </th>
                            <td><time datetime=format::iso(operator.created_at)>{format::timestamp(operator.created_at)}</time></td>
                            <td>{operator.last_sign_in.map(format::timestamp).unwrap_or(never)}</td>
                            <td>
                                {(!is_me).then(|| view! {
                                    <button
                                        type="button"
                                        class="danger"
                                        aria-label=label.clone()
                                        on:click=move |_| removing.set(Some(for_remove.clone()))
                                    >
                                        {t.remove}
                                    </button>
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn AddOperator(add: ServerAction<api::AddOperator>, tx: Texts) -> impl IntoView {
    let toasts = use_toasts();
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let adding = add.pending();
    let done = RwSignal::new(None::<String>);
    // Checked as the operator types, with the same types the server checks with.
    let name_error = check_as_typed(name, OperatorName::parse);
    let password_error = check_as_typed(password, |v| NewPassword::parse(Field::Password, v));
    let invalid = move || {
        name.with(String::is_empty)
            || password.with(String::is_empty)
            || name_error.get().is_some()
            || password_error.get().is_some()
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if adding.get_untracked() || invalid() {
            return;
        }
        done.set(None);
        add.dispatch(api::AddOperator { name: name.get_untracked(), password: password.get_untracked() });
    };
    let added_template = tx.operator_added().to_owned();
    on_result(add, move |result| match result {
        Ok(added) => {
            name.set(String::new());
            password.set(String::new());
            done.set(Some(crate::i18n::fill(&added_template, &[("name", &added.name)])));
        }
        Err(err) => toasts.failure(err),
    });
    view! {
        <form class="card-form" aria-labelledby="add-operator-title" on:submit=submit>
            <h2 id="add-operator-title">{tx.add_operator().to_owned()}</h2>
            <CheckedField id="new-operator-name" label=tx.operator_name().to_owned() value=name error=name_error/>
            <CheckedField
                id="new-operator-password"
                label=tx.initial_password().to_owned()
                value=password
                error=password_error
                kind="password"
                autocomplete="new-password"
            />
            <button type="submit" class="primary" disabled=move || adding.get() || invalid()>{tx.add_operator().to_owned()}</button>
            <p class="form-note" role="status">{move || done.get()}</p>
        </form>
    }
}

#[component]
fn ChangePassword(tx: Texts) -> impl IntoView {
    let toasts = use_toasts();
    let t = crate::i18n::t();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let change = ServerAction::<api::ChangePassword>::new();
    let changing = change.pending();
    let done = RwSignal::new(None::<String>);
    let new_error = check_as_typed(new, |v| NewPassword::parse(Field::NewPassword, v));
    let differ = tx.passwords_differ().to_owned();
    let repeat_error = Memo::new(move |_| {
        let (n, r) = (new.get(), repeat.get());
        (!r.is_empty() && n != r).then(|| differ.clone())
    });
    let invalid = move || {
        current.with(String::is_empty)
            || new.with(String::is_empty)
            || repeat.with(String::is_empty)
            || new_error.get().is_some()
            || repeat_error.get().is_some()
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if changing.get_untracked() || invalid() {
            return;
        }
        done.set(None);
        change.dispatch(api::ChangePassword { current: current.get_untracked(), new: new.get_untracked() });
    };
    let changed = tx.password_changed().to_owned();
    on_result(change, move |result| match result {
        Ok(()) => {
            current.set(String::new());
            new.set(String::new());
            repeat.set(String::new());
            done.set(Some(changed.clone()));
        }
        Err(err) => toasts.failure(err),
    });
    view! {
        <form class="card-form" aria-labelledby="change-password-title" on:submit=submit>
            <h2 id="change-password-title">{tx.change_password_title().to_owned()}</h2>
            <CheckedField
                id="current-password"
                label=t.f_current_password
                value=current
                kind="password"
                autocomplete="current-password"
            />
            <CheckedField
                id="new-password"
                label=t.f_new_password
                value=new
                error=new_error
                kind="password"
                autocomplete="new-password"
            />
            <CheckedField
                id="repeat-password"
                label=tx.repeat_password().to_owned()
                value=repeat
                error=repeat_error
                kind="password"
                autocomplete="new-password"
            />
            <button type="submit" class="primary" disabled=move || changing.get() || invalid()>{tx.change_password().to_owned()}</button>
            <p class="form-note" role="status">{move || done.get()}</p>
        </form>
    }
}

#[component]
fn RemoveOperator(
    operator: Operator,
    remove: ServerAction<api::RemoveOperator>,
    tx: Texts,
    on_close: Callback<()>,
) -> impl IntoView {
    let id = operator.id;
    let t = crate::i18n::t();
    view! {
        <Confirm
            title_id="remove-operator-title"
            title=tx.remove_operator_title().to_owned()
            confirm=t.remove
            busy=remove.pending()
            on_confirm=Callback::new(move |_| {
                remove.dispatch(api::RemoveOperator { id });
            })
            on_close
        >
            {naming(tx.remove_operator_body(), "name", operator.name.clone())}
        </Confirm>
    }
}
