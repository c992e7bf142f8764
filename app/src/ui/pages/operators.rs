//! The Operators page: who may sign in, adding and removing them, and changing one's own
//! password.

use crate::api::auth::whoami;
use crate::api::operators::{self as api, list_operators};
use crate::domain::{Field, NewPassword, Operator, OperatorName};
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

#[component]
pub fn OperatorsPage() -> impl IntoView {
    let toasts = use_toasts();
    let t = crate::i18n::t();
    let add = ServerAction::<api::AddOperator>::new();
    let remove = ServerAction::<api::RemoveOperator>::new();
    let operators = json_resource(move || (add.version().get(), remove.version().get()), |_| list_operators());
    let me = json_resource(|| (), |_| whoami());
    let removing = RwSignal::new(None::<Operator>);
    // The dialog closes once the operator is removed; after a refusal it stays open.
    on_result(remove, move |result| match result {
        Ok(()) => removing.set(None),
        Err(err) => toasts.failure(err),
    });

    view! {
        <main class="page">
            <h1>{t.nav_operators}</h1>
            <Transition fallback=move || view! { <p class="muted">{t.loading_operators}</p> }>
                {move || Suspend::new(async move {
                    let me = me.await.unwrap_or_default();
                    match operators.await {
                        Ok(list) => view! { <OperatorList list me removing/> }.into_any(),
                        Err(err) => view! { <LoadError err/> }.into_any(),
                    }
                })}
            </Transition>
            <div class="operator-forms">
                <AddOperator add/>
                <ChangePassword/>
            </div>
        </main>
        {move || removing.get().map(|operator| view! {
            <RemoveOperator operator remove on_close=Callback::new(move |_| removing.set(None))/>
        })}
    }
}

#[component]
fn OperatorList(list: Vec<Operator>, me: String, removing: RwSignal<Option<Operator>>) -> impl IntoView {
    let t = crate::i18n::t();
    view! {
        <table class="data-table" aria-label=t.nav_operators>
            <thead>
                <tr>
                    <th scope="col">{t.f_operator_name}</th>
                    <th scope="col">{t.added}</th>
                    <th scope="col">{t.last_sign_in}</th>
                    <th scope="col"><span class="sr-only">{t.actions}</span></th>
                </tr>
            </thead>
            <tbody>
                {list.into_iter().map(|operator| {
                    let is_me = operator.name.eq_ignore_ascii_case(&me);
                    let label = crate::i18n::fill(t.remove_named, &[("name", &operator.name)]);
                    let for_remove = operator.clone();
                    view! {
                        <tr>
                            <th scope="row">
                                {operator.name.clone()}
                                {is_me.then(|| view! { <span class="muted">{t.you}</span> })}
                            </th>
                            <td><time datetime=format::iso(operator.created_at)>{format::timestamp(operator.created_at)}</time></td>
                            <td>{operator.last_sign_in.map(format::timestamp).unwrap_or_else(|| t.never.into())}</td>
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
fn AddOperator(add: ServerAction<api::AddOperator>) -> impl IntoView {
    let toasts = use_toasts();
    let t = crate::i18n::t();
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
    on_result(add, move |result| match result {
        Ok(added) => {
            name.set(String::new());
            password.set(String::new());
            done.set(Some(crate::i18n::fill(t.operator_added, &[("name", &added.name)])));
        }
        Err(err) => toasts.failure(err),
    });
    view! {
        <form class="card-form" aria-labelledby="add-operator-title" on:submit=submit>
            <h2 id="add-operator-title">{t.add_operator}</h2>
            <CheckedField id="new-operator-name" label=t.operator_name value=name error=name_error/>
            <CheckedField
                id="new-operator-password"
                label=t.initial_password
                value=password
                error=password_error
                kind="password"
                autocomplete="new-password"
            />
            <button type="submit" class="primary" disabled=move || adding.get() || invalid()>{t.add_operator}</button>
            <p class="form-note" role="status">{move || done.get()}</p>
        </form>
    }
}

#[component]
fn ChangePassword() -> impl IntoView {
    let toasts = use_toasts();
    let t = crate::i18n::t();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let change = ServerAction::<api::ChangePassword>::new();
    let changing = change.pending();
    let done = RwSignal::new(None::<String>);
    let new_error = check_as_typed(new, |v| NewPassword::parse(Field::NewPassword, v));
    let repeat_error = Memo::new(move |_| {
        let (n, r) = (new.get(), repeat.get());
        (!r.is_empty() && n != r).then(|| t.passwords_differ.to_owned())
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
    on_result(change, move |result| match result {
        Ok(()) => {
            current.set(String::new());
            new.set(String::new());
            repeat.set(String::new());
            done.set(Some(t.password_changed.into()));
        }
        Err(err) => toasts.failure(err),
    });
    view! {
        <form class="card-form" aria-labelledby="change-password-title" on:submit=submit>
            <h2 id="change-password-title">{t.change_password_title}</h2>
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
                label=t.repeat_password
                value=repeat
                error=repeat_error
                kind="password"
                autocomplete="new-password"
            />
            <button type="submit" class="primary" disabled=move || changing.get() || invalid()>{t.change_password}</button>
            <p class="form-note" role="status">{move || done.get()}</p>
        </form>
    }
}

#[component]
fn RemoveOperator(
    operator: Operator,
    remove: ServerAction<api::RemoveOperator>,
    on_close: Callback<()>,
) -> impl IntoView {
    let id = operator.id;
    let t = crate::i18n::t();
    view! {
        <Confirm
            title_id="remove-operator-title"
            title=t.remove_operator_title
            confirm=t.remove
            busy=remove.pending()
            on_confirm=Callback::new(move |_| {
                remove.dispatch(api::RemoveOperator { id });
            })
            on_close
        >
            {naming(t.remove_operator_body, "name", operator.name.clone())}
        </Confirm>
    }
}
