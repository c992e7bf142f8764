//! The Operators page: who may sign in, adding and removing them, and changing one's own
//! password.

use crate::api::auth::whoami;
use crate::api::operators::{self as api, list_operators};
use crate::domain::{Field, NewPassword, Operator, OperatorName};
use crate::ui::action_results::on_result;
use crate::ui::components::{
    dialog::Confirm,
    field_check::{check_as_typed, CheckedField},
    toast::use_toasts,
};
use crate::ui::format;
use crate::ui::session::LoadError;
use leptos::prelude::*;

#[component]
pub fn OperatorsPage() -> impl IntoView {
    let toasts = use_toasts();
    let add = ServerAction::<api::AddOperator>::new();
    let remove = ServerAction::<api::RemoveOperator>::new();
    let operators = Resource::new(move || (add.version().get(), remove.version().get()), |_| list_operators());
    let me = Resource::new(|| (), |_| whoami());
    let removing = RwSignal::new(None::<Operator>);
    // The dialog closes once the operator is removed; after a refusal it stays open.
    on_result(remove, move |result| match result {
        Ok(()) => removing.set(None),
        Err(err) => toasts.failure(err),
    });

    view! {
        <main class="page">
            <h1>"Operators"</h1>
            <Transition fallback=|| view! { <p class="muted">"Loading operators…"</p> }>
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
    view! {
        <table class="data-table" aria-label="Operators">
            <thead>
                <tr><th scope="col">"Operator"</th><th scope="col">"Added"</th><th scope="col">"Last sign-in"</th><th scope="col"><span class="sr-only">"Actions"</span></th></tr>
            </thead>
            <tbody>
                {list.into_iter().map(|operator| {
                    let is_me = operator.name.eq_ignore_ascii_case(&me);
                    let label = format!("Remove {}", operator.name);
                    let for_remove = operator.clone();
                    view! {
                        <tr>
                            <th scope="row">
                                {operator.name.clone()}
                                {is_me.then(|| view! { <span class="muted">" (you)"</span> })}
                            </th>
                            <td><time datetime=format::iso(operator.created_at)>{format::timestamp(operator.created_at)}</time></td>
                            <td>{operator.last_sign_in.map(format::timestamp).unwrap_or_else(|| "never".into())}</td>
                            <td>
                                {(!is_me).then(|| view! {
                                    <button
                                        type="button"
                                        class="danger"
                                        aria-label=label.clone()
                                        on:click=move |_| removing.set(Some(for_remove.clone()))
                                    >
                                        "Remove"
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
            done.set(Some(format!("Operator {} added.", added.name)));
        }
        Err(err) => toasts.failure(err),
    });
    view! {
        <form class="card-form" aria-labelledby="add-operator-title" on:submit=submit>
            <h2 id="add-operator-title">"Add operator"</h2>
            <CheckedField id="new-operator-name" label="Operator name" value=name error=name_error/>
            <CheckedField
                id="new-operator-password"
                label="Initial password"
                value=password
                error=password_error
                kind="password"
                autocomplete="new-password"
            />
            <button type="submit" class="primary" disabled=move || adding.get() || invalid()>"Add operator"</button>
            <p class="form-note" role="status">{move || done.get()}</p>
        </form>
    }
}

#[component]
fn ChangePassword() -> impl IntoView {
    let toasts = use_toasts();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let change = ServerAction::<api::ChangePassword>::new();
    let changing = change.pending();
    let done = RwSignal::new(None::<String>);
    let new_error = check_as_typed(new, |v| NewPassword::parse(Field::NewPassword, v));
    let repeat_error = Memo::new(move |_| {
        let (n, r) = (new.get(), repeat.get());
        (!r.is_empty() && n != r).then(|| "Repeat new password: the two passwords differ.".to_owned())
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
            done.set(Some("Your password was changed. Your other sessions were signed out.".into()));
        }
        Err(err) => toasts.failure(err),
    });
    view! {
        <form class="card-form" aria-labelledby="change-password-title" on:submit=submit>
            <h2 id="change-password-title">"Change your password"</h2>
            <CheckedField
                id="current-password"
                label="Current password"
                value=current
                kind="password"
                autocomplete="current-password"
            />
            <CheckedField
                id="new-password"
                label="New password"
                value=new
                error=new_error
                kind="password"
                autocomplete="new-password"
            />
            <CheckedField
                id="repeat-password"
                label="Repeat new password"
                value=repeat
                error=repeat_error
                kind="password"
                autocomplete="new-password"
            />
            <button type="submit" class="primary" disabled=move || changing.get() || invalid()>"Change password"</button>
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
    view! {
        <Confirm
            title_id="remove-operator-title"
            title="Remove operator?"
            confirm="Remove"
            busy=remove.pending()
            on_confirm=Callback::new(move |_| {
                remove.dispatch(api::RemoveOperator { id });
            })
            on_close
        >
            <p>
                "Remove “" <strong>{operator.name.clone()}</strong> "”? "
                "They are signed out everywhere and can no longer sign in. "
                "The audit log keeps what they did."
            </p>
        </Confirm>
    }
}
