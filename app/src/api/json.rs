//! JSON as the console's browser code reads and writes it: server functions' answers and
//! errors, the data a page hands to hydration, and what the browser keeps on its own.
//!
//! The wire form is plain JSON (what serde's derives describe) everywhere. On the server it
//! is serde_json. In the wasm build it is the browser's own `JSON.parse` and `JSON.stringify`:
//! what `JSON.parse` makes is read into the console's types by `js_reader`, and values to
//! send are made by serde-wasm-bindgen (only the posts page sends JSON). serde_json's parser,
//! number reader and error texts were about 26 KB of code in the module every page loads,
//! and the browser has a JSON parser already.

use leptos::server::codee;
use leptos::server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};
use serde::{de::DeserializeOwned, Serialize};
use std::fmt;

/// JSON could not be read or written: what the reader said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError(pub String);

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for JsonError {}

#[cfg(not(target_arch = "wasm32"))]
pub fn to_json<T: Serialize>(value: &T) -> Result<String, JsonError> {
    serde_json::to_string(value).map_err(|e| JsonError(e.to_string()))
}

#[cfg(not(target_arch = "wasm32"))]
pub fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, JsonError> {
    serde_json::from_str(text).map_err(|e| JsonError(e.to_string()))
}

#[cfg(target_arch = "wasm32")]
pub fn to_json<T: Serialize>(value: &T) -> Result<String, JsonError> {
    // `json_compatible`: maps as objects and 64-bit numbers as plain numbers, as JSON has them.
    let value =
        value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| JsonError(e.to_string()))?;
    js_sys::JSON::stringify(&value).map(String::from).map_err(js_message)
}

#[cfg(target_arch = "wasm32")]
pub fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, JsonError> {
    let value = js_sys::JSON::parse(text).map_err(js_message)?;
    T::deserialize(super::js_reader::Reader(value)).map_err(|e| JsonError(e.to_string()))
}

#[cfg(target_arch = "wasm32")]
fn js_message(error: wasm_bindgen::JsValue) -> JsonError {
    use wasm_bindgen::JsCast;
    JsonError(error.unchecked_into::<js_sys::Error>().message().into())
}

/// The encoding of server functions' answers and errors (and of the arguments of those that
/// take JSON): `Content-Type: application/json`, read and written as above.
pub struct BrowserJson;

/// Arguments or answer as JSON in the body of a `POST`, as `server_fn::codec::Json`.
pub type Json = leptos::server_fn::codec::Post<BrowserJson>;

impl ContentType for BrowserJson {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for BrowserJson {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for BrowserJson {
    type Error = JsonError;

    fn encode(value: &T) -> Result<Bytes, JsonError> {
        to_json(value).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for BrowserJson {
    type Error = JsonError;

    fn decode(bytes: Bytes) -> Result<T, JsonError> {
        from_json(std::str::from_utf8(&bytes).map_err(|e| JsonError(e.to_string()))?)
    }
}

/// Resources hand their data to hydration in the same form.
impl<T: Serialize> codee::Encoder<T> for BrowserJson {
    type Error = JsonError;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, JsonError> {
        to_json(value)
    }
}

impl<T: DeserializeOwned> codee::Decoder<T> for BrowserJson {
    type Error = JsonError;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, JsonError> {
        from_json(text)
    }
}
