//! Sends a file to the upload endpoint (a plain POST of the bytes, streamed to disk by the
//! server) and reads back what was stored or why it was refused. XMLHttpRequest rather than
//! fetch: only it reports upload progress.

use crate::domain::UploadedMedia;
use crate::error::AppError;

/// What the image is for: the server names the matching form field in its errors.
#[derive(Clone, Copy)]
pub enum Purpose {
    ProfilePhoto,
    PostImage,
}

pub async fn upload_image(
    file: web_sys::File,
    purpose: Purpose,
    on_progress: impl Fn(u8) + 'static,
) -> Result<UploadedMedia, AppError> {
    use wasm_bindgen::{closure::Closure, JsCast};
    use wasm_bindgen_futures::JsFuture;

    fn network(err: wasm_bindgen::JsValue) -> AppError {
        AppError::Network(err.as_string().unwrap_or_else(|| crate::i18n::t().e_upload_failed.into()))
    }

    let url = match purpose {
        Purpose::ProfilePhoto => "/media",
        Purpose::PostImage => "/media?for=post",
    };
    let xhr = web_sys::XmlHttpRequest::new().map_err(network)?;
    xhr.open("POST", url).map_err(network)?;
    let progress = Closure::<dyn Fn(web_sys::ProgressEvent)>::new(move |ev: web_sys::ProgressEvent| {
        if ev.length_computable() && ev.total() > 0.0 {
            on_progress((ev.loaded() / ev.total() * 100.0).min(100.0) as u8);
        }
    });
    xhr.upload().map_err(network)?.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    let finished = js_sys::Promise::new(&mut |resolve, reject| {
        xhr.set_onload(Some(&resolve));
        xhr.set_onerror(Some(&reject));
        xhr.set_onabort(Some(&reject));
    });
    xhr.send_with_opt_blob(Some(&file)).map_err(network)?;
    let outcome = JsFuture::from(finished).await;
    drop(progress);
    outcome.map_err(|_| AppError::Network(crate::i18n::t().e_upload_interrupted.into()))?;

    let status = xhr.status().unwrap_or(0);
    let body = xhr.response_text().ok().flatten().unwrap_or_default();
    if (200..300).contains(&status) {
        crate::api::json::from_json(&body).map_err(|e| AppError::Network(e.to_string()))
    } else {
        Err(crate::api::json::from_json(&body).unwrap_or_else(|_| AppError::Network(format!("HTTP {status}"))))
    }
}
