//! Sends a file to the upload endpoint (a plain POST of the bytes, streamed to disk by the
//! server) and reads back what was stored or why it was refused.

use crate::domain::UploadedMedia;
use crate::error::AppError;

pub async fn upload_image(file: web_sys::File) -> Result<UploadedMedia, AppError> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    fn network(err: wasm_bindgen::JsValue) -> AppError {
        AppError::Network(err.as_string().unwrap_or_else(|| format!("{err:?}")))
    }

    let window = web_sys::window().ok_or_else(|| AppError::Network("no window".into()))?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&file);
    let response = JsFuture::from(window.fetch_with_str_and_init("/media", &init))
        .await
        .map_err(network)?;
    let response: web_sys::Response = response.dyn_into().map_err(network)?;
    let body = JsFuture::from(response.text().map_err(network)?).await.map_err(network)?;
    let body = body.as_string().unwrap_or_default();
    if response.ok() {
        serde_json::from_str(&body).map_err(|e| AppError::Network(e.to_string()))
    } else {
        Err(serde_json::from_str(&body)
            .unwrap_or_else(|_| AppError::Network(format!("HTTP {}", response.status()))))
    }
}
