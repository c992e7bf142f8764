//! Keeps the wasm's data segments apart (one per static) so that `cargo leptos build
//! --split` can move a lazy page's constants into that page's chunk; merged, they all stay
//! in the main module that every first visit downloads (cargo-leptos issue 679).
fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg-cdylib=--no-merge-data-segments");
    }
}
