//! Local previews of files the operator chose, shown before (and while) they upload.
//!
//! A `gloo_file::ObjectUrl` revokes its URL when dropped and is not `Send`, so the handles
//! live in a registry of the browser's one thread instead of in reactive state: the server
//! renders components on many threads and would drop such state on the wrong one.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

thread_local! {
    static URLS: RefCell<HashMap<u64, gloo_file::ObjectUrl>> = RefCell::new(HashMap::new());
    static NEXT: Cell<u64> = const { Cell::new(1) };
}

/// A URL showing `file`, valid until `release` is called with the returned handle.
pub fn hold(file: &web_sys::File) -> (u64, String) {
    let url = gloo_file::ObjectUrl::from(gloo_file::File::from(file.clone()));
    let src = url.to_string();
    let handle = NEXT.with(|n| {
        let h = n.get();
        n.set(h + 1);
        h
    });
    URLS.with(|urls| urls.borrow_mut().insert(handle, url));
    (handle, src)
}

pub fn release(handle: u64) {
    URLS.with(|urls| urls.borrow_mut().remove(&handle));
}
