//! Reacting to what a server action answers, for the views that dispatch it.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// Runs `handle` in the browser with each result `action` gets from now on, but not with a
/// result it already held: a view built again after a change, or a dialog opened again,
/// must not act a second time on an outcome already shown.
pub fn on_result<S>(action: ServerAction<S>, handle: impl Fn(&Result<S::Output, S::Error>) + 'static)
where
    S: ServerFn + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
    S::Error: Clone + Send + Sync + 'static,
{
    Effect::watch(
        move || action.value().get(),
        move |result, _, _| {
            if let Some(result) = result {
                handle(result);
            }
        },
        false,
    );
}

/// The action's version as of its last success. A list keyed on it is read again once a
/// change went through, and not after a refusal: that changed nothing, and reading the list
/// again would rebuild what is rendered with it, losing what was typed or loaded there.
pub fn last_success<S>(action: ServerAction<S>) -> Memo<usize>
where
    S: ServerFn + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    Memo::new(move |last: Option<&usize>| {
        let version = action.version().get();
        let refused = action.value().with(|value| matches!(value, Some(Err(_))));
        match last {
            Some(&last) if refused => last,
            _ => version,
        }
    })
}
