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

/// A value made the first time a dialog needs it, under the owner of the page that opens the
/// dialog, and kept there. For a dialog's actions: made in the dialog's own wasm chunk, their
/// code (sending the fields, reading the answer) does not come with the page; made under the
/// page, they outlive the dialog, so a change still on its way when the dialog is closed
/// still lands, and its outcome is still acted on.
pub struct PageScoped<T: Send + Sync + 'static>(StoredValue<(Owner, Option<T>)>);

impl<T: Send + Sync + 'static> Clone for PageScoped<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for PageScoped<T> {}

impl<T: Clone + Send + Sync + 'static> PageScoped<T> {
    /// Made by the page's component: the page's owner is the current one.
    pub fn new() -> Self {
        Self(StoredValue::new((Owner::current().unwrap_or_default(), None)))
    }

    /// The value, made with `init` under the page's owner the first time.
    pub fn get_or_init(&self, init: impl FnOnce() -> T) -> T {
        if let Some(value) = self.0.with_value(|(_, value)| value.clone()) {
            return value;
        }
        let owner = self.0.with_value(|(owner, _)| owner.clone());
        let value = owner.with(init);
        self.0.update_value(|(_, slot)| *slot = Some(value.clone()));
        value
    }
}

impl<T: Clone + Send + Sync + 'static> Default for PageScoped<T> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn a_page_scoped_value_is_made_once_and_lives_as_long_as_the_page_not_the_dialog() {
        let page = Owner::new();
        let scoped = page.with(PageScoped::<StoredValue<u32>>::new);
        let made = Cell::new(0);
        let make = || {
            made.set(made.get() + 1);
            StoredValue::new(7)
        };

        let dialog = page.child();
        let value = dialog.with(|| scoped.get_or_init(make));
        // The dialog is closed: what it made under the page is still there.
        dialog.cleanup();
        assert_eq!(value.try_get_value(), Some(7));

        // Opened again: the same value, not made a second time.
        let again = page.child().with(|| scoped.get_or_init(make));
        assert_eq!(again.try_get_value(), Some(7));
        assert_eq!(made.get(), 1);

        // The page is left: gone with it.
        page.cleanup();
        assert_eq!(value.try_get_value(), None);
    }
}
