//! Reads what `JSON.parse` made into the console's types: the wasm build's JSON reader.
//!
//! Narrower than a general-purpose reader, on purpose: each `deserialize_*` asks for one
//! JSON shape and calls the one visitor method that goes with it (a struct from an object
//! only, never from an array), so the visitors' other methods are never compiled in. And its
//! errors say what went wrong without formatting the offending value: serde's default error
//! texts print numbers, which brought the whole float formatter into the module every page
//! loads. What the browser reads was written by the same build's server, so a reading error
//! is a fault; it is shown as the server's answer not being understood, with what was wrong.
//!
//! The reader walks any [`Tree`]: the browser's values in the wasm build, serde_json's in
//! the tests, which compare it with serde_json reading the same text.

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, Expected, IntoDeserializer, MapAccess, SeqAccess, Unexpected,
    VariantAccess, Visitor,
};
use std::fmt;

/// A parsed JSON value, as the reader needs to see it.
pub trait Tree: Sized {
    /// `null` (or `undefined`).
    fn is_nothing(&self) -> bool;
    fn as_bool(&self) -> Option<bool>;
    fn as_number(&self) -> Option<f64>;
    fn is_string(&self) -> bool;
    fn into_string(self) -> Option<String>;
    fn is_array(&self) -> bool;
    fn into_items(self) -> Option<Vec<Self>>;
    /// An object's keys and values, in order (`None` for anything else, arrays included).
    fn into_entries(self) -> Option<Vec<(String, Self)>>;
}

/// What was wrong, without the value itself.
#[derive(Debug, PartialEq, Eq)]
pub enum ReadError {
    Shape(&'static str),
    MissingField(&'static str),
    DuplicateField(&'static str),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Shape(what) => f.write_str(what),
            ReadError::MissingField(field) => write!(f, "missing field `{field}`"),
            ReadError::DuplicateField(field) => write!(f, "duplicate field `{field}`"),
        }
    }
}

impl std::error::Error for ReadError {}

const WRONG_TYPE: ReadError = ReadError::Shape("a value of another type than expected");
const WRONG_LENGTH: ReadError = ReadError::Shape("a list of another length than expected");

impl de::Error for ReadError {
    fn custom<T: fmt::Display>(_message: T) -> Self {
        ReadError::Shape("a value the console does not accept")
    }
    fn invalid_type(_: Unexpected<'_>, _: &dyn Expected) -> Self {
        WRONG_TYPE
    }
    fn invalid_value(_: Unexpected<'_>, _: &dyn Expected) -> Self {
        ReadError::Shape("a value out of its range")
    }
    fn invalid_length(_: usize, _: &dyn Expected) -> Self {
        WRONG_LENGTH
    }
    fn unknown_variant(_: &str, _: &'static [&'static str]) -> Self {
        ReadError::Shape("an unknown variant")
    }
    fn unknown_field(_: &str, _: &'static [&'static str]) -> Self {
        ReadError::Shape("an unknown field")
    }
    fn missing_field(field: &'static str) -> Self {
        ReadError::MissingField(field)
    }
    fn duplicate_field(field: &'static str) -> Self {
        ReadError::DuplicateField(field)
    }
}

type Read<T> = Result<T, ReadError>;

/// One value of the parsed tree.
pub struct Reader<T>(pub T);

impl<T: Tree> Reader<T> {
    /// A whole number JavaScript holds exactly: `Number.isSafeInteger` (2^53 itself may be
    /// 2^53 + 1 rounded).
    fn whole(&self) -> Read<f64> {
        const EXACT: f64 = 9_007_199_254_740_991.0;
        match self.0.as_number() {
            Some(n) if n.fract() == 0.0 && n.abs() <= EXACT => Ok(n),
            _ => Err(WRONG_TYPE),
        }
    }

    fn string(self) -> Read<String> {
        self.0.into_string().ok_or(WRONG_TYPE)
    }
}

/// `fn deserialize_x(self, visitor)` methods that read the value as `deserialize_y` does.
macro_rules! forward {
    ($($to:ident <= $($from:ident),+;)+) => {$($(
        fn $from<V: Visitor<'de>>(self, visitor: V) -> Read<V::Value> {
            self.$to(visitor)
        }
    )+)+};
}

impl<'de, T: Tree> Deserializer<'de> for Reader<T> {
    type Error = ReadError;

    // Read as another type of the same JSON shape (a narrower number: its visitor checks the range).
    forward! {
        deserialize_i64 <= deserialize_i8, deserialize_i16, deserialize_i32;
        deserialize_u64 <= deserialize_u8, deserialize_u16, deserialize_u32;
        deserialize_f64 <= deserialize_f32;
        deserialize_string <= deserialize_char, deserialize_str, deserialize_identifier;
        deserialize_seq <= deserialize_bytes, deserialize_byte_buf;
    }

    /// For types that accept several shapes (the console's error, read by hand).
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Read<V::Value> {
        if self.0.is_nothing() {
            visitor.visit_unit()
        } else if let Some(b) = self.0.as_bool() {
            visitor.visit_bool(b)
        } else if let Some(n) = self.0.as_number() {
            match self.whole() {
                Ok(whole) if whole >= 0.0 => visitor.visit_u64(whole as u64),
                Ok(whole) => visitor.visit_i64(whole as i64),
                Err(_) => visitor.visit_f64(n),
            }
        } else if self.0.is_string() {
            visitor.visit_string(self.string()?)
        } else if self.0.is_array() {
            self.deserialize_seq(visitor)
        } else {
            self.deserialize_map(visitor)
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Read<V::Value> {
        visitor.visit_bool(self.0.as_bool().ok_or(WRONG_TYPE)?)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Read<V::Value> {
        visitor.visit_i64(self.whole()? as i64)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Read<V::Value> {
        match self.whole()? {
            n if n >= 0.0 => visitor.visit_u64(n as u64),
            _ => Err(ReadError::Shape("a negative number where none can be")),
        }
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Read<V::Value> {
        visitor.visit_f64(self.0.as_number().ok_or(WRONG_TYPE)?)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Read<V::Value> {
        visitor.visit_string(self.string()?)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Read<V::Value> {
        if self.0.is_nothing() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Read<V::Value> {
        if self.0.is_nothing() {
            visitor.visit_unit()
        } else {
            Err(WRONG_TYPE)
        }
    }
    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Read<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Read<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Read<V::Value> {
        let mut items = Items(self.0.into_items().ok_or(WRONG_TYPE)?.into_iter());
        let value = visitor.visit_seq(&mut items)?;
        match items.0.len() {
            0 => Ok(value),
            _ => Err(WRONG_LENGTH),
        }
    }
    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Read<V::Value> {
        self.deserialize_seq(visitor)
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(self, _name: &'static str, _len: usize, visitor: V) -> Read<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Read<V::Value> {
        let entries = self.0.into_entries().ok_or(WRONG_TYPE)?;
        visitor.visit_map(Entries { entries: entries.into_iter(), value: None })
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Read<V::Value> {
        self.deserialize_map(visitor)
    }

    /// Serde's external tagging: `"Variant"` for a unit variant, `{"Variant": value}` otherwise.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Read<V::Value> {
        if self.0.is_string() {
            return visitor.visit_enum(Variant::<T> { name: self.string()?, value: None });
        }
        let mut entries = self.0.into_entries().ok_or(WRONG_TYPE)?;
        match (entries.pop(), entries.is_empty()) {
            (Some((name, value)), true) => visitor.visit_enum(Variant { name, value: Some(value) }),
            _ => Err(ReadError::Shape("an object with other than one key where a variant was expected")),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Read<V::Value> {
        visitor.visit_unit()
    }
}

struct Items<T>(std::vec::IntoIter<T>);

impl<'de, T: Tree> SeqAccess<'de> for &mut Items<T> {
    type Error = ReadError;

    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Read<Option<S::Value>> {
        self.0.next().map(|item| seed.deserialize(Reader(item))).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Entries<T> {
    entries: std::vec::IntoIter<(String, T)>,
    value: Option<T>,
}

impl<'de, T: Tree> MapAccess<'de> for Entries<T> {
    type Error = ReadError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Read<Option<K::Value>> {
        let Some((key, value)) = self.entries.next() else { return Ok(None) };
        self.value = Some(value);
        let key: de::value::StringDeserializer<ReadError> = key.into_deserializer();
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Read<V::Value> {
        let value = self.value.take().ok_or(ReadError::Shape("a value without its key"))?;
        seed.deserialize(Reader(value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

struct Variant<T> {
    name: String,
    value: Option<T>,
}

impl<'de, T: Tree> EnumAccess<'de> for Variant<T> {
    type Error = ReadError;
    type Variant = VariantValue<T>;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Read<(S::Value, VariantValue<T>)> {
        let name: de::value::StringDeserializer<ReadError> = self.name.into_deserializer();
        Ok((seed.deserialize(name)?, VariantValue(self.value)))
    }
}

struct VariantValue<T>(Option<T>);

impl<T: Tree> VariantValue<T> {
    fn value(self) -> Read<Reader<T>> {
        self.0.map(Reader).ok_or(ReadError::Shape("a variant without its value"))
    }
}

impl<'de, T: Tree> VariantAccess<'de> for VariantValue<T> {
    type Error = ReadError;

    fn unit_variant(self) -> Read<()> {
        match self.0 {
            None => Ok(()),
            Some(value) if value.is_nothing() => Ok(()),
            Some(_) => Err(WRONG_TYPE),
        }
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Read<S::Value> {
        seed.deserialize(self.value()?)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Read<V::Value> {
        self.value()?.deserialize_seq(visitor)
    }

    fn struct_variant<V: Visitor<'de>>(self, _fields: &'static [&'static str], visitor: V) -> Read<V::Value> {
        self.value()?.deserialize_map(visitor)
    }
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use super::Tree;
    use js_sys::{Array, Object};
    use wasm_bindgen::{JsCast, JsValue};

    impl Tree for JsValue {
        fn is_nothing(&self) -> bool {
            self.is_null() || self.is_undefined()
        }
        fn as_bool(&self) -> Option<bool> {
            JsValue::as_bool(self)
        }
        fn as_number(&self) -> Option<f64> {
            self.as_f64()
        }
        fn is_string(&self) -> bool {
            JsValue::is_string(self)
        }
        fn into_string(self) -> Option<String> {
            self.as_string()
        }
        fn is_array(&self) -> bool {
            Array::is_array(self)
        }
        fn into_items(self) -> Option<Vec<Self>> {
            Array::is_array(&self).then(|| self.unchecked_into::<Array>().to_vec())
        }
        fn into_entries(self) -> Option<Vec<(String, Self)>> {
            if !self.is_object() || Array::is_array(&self) {
                return None;
            }
            let entries = Object::entries(self.unchecked_ref());
            let pairs = entries.iter().map(|entry| {
                let entry: Array = entry.unchecked_into();
                (entry.get(0).as_string().unwrap_or_default(), entry.get(1))
            });
            Some(pairs.collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::DeserializeOwned;
    use serde_json::Value;

    impl Tree for Value {
        fn is_nothing(&self) -> bool {
            self.is_null()
        }
        fn as_bool(&self) -> Option<bool> {
            Value::as_bool(self)
        }
        fn as_number(&self) -> Option<f64> {
            self.as_f64()
        }
        fn is_string(&self) -> bool {
            Value::is_string(self)
        }
        fn into_string(self) -> Option<String> {
            match self {
                Value::String(s) => Some(s),
                _ => None,
            }
        }
        fn is_array(&self) -> bool {
            Value::is_array(self)
        }
        fn into_items(self) -> Option<Vec<Self>> {
            match self {
                Value::Array(items) => Some(items),
                _ => None,
            }
        }
        fn into_entries(self) -> Option<Vec<(String, Self)>> {
            match self {
                Value::Object(map) => Some(map.into_iter().collect()),
                _ => None,
            }
        }
    }

    fn read<T: DeserializeOwned>(json: &str) -> Read<T> {
        T::deserialize(Reader(serde_json::from_str::<Value>(json).unwrap()))
    }

    /// Reads `json` into what serde_json reads from it.
    fn same<T: DeserializeOwned + PartialEq + fmt::Debug>(json: &str) {
        let ours: T = read(json).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert_eq!(ours, serde_json::from_str::<T>(json).unwrap(), "{json}");
    }

    #[test]
    fn reads_what_the_server_writes_as_serde_json_does() {
        use crate::domain::{ChannelOption, ChannelPage, Post, PostPage};
        use crate::error::AppError;
        let channel = r#"{"id":7,"name":"서울 harbor","profile":"<b>\"x\"</b>\n","photo":null,"account_id":"@TOA#_x",
            "face_url":"https://example.com/a.png","created_at":1795000000,"updated_at":1795000001,
            "subscriber_count":3,"max_subscribers":100000,"post_count":0,"last_post_at":null}"#;
        same::<ChannelPage>(&format!(r#"{{"channels":[{channel},{channel}],"page":2,"page_count":3,"total":101}}"#));
        same::<ChannelPage>(r#"{"channels":[],"page":1,"page_count":1,"total":0}"#);
        let post = r#"{"id":9007199254740991,"channel_id":-1,"channel_name":"c","channel_photo":"ab12","kind":"ImageOnly",
            "text":"","images":[{"media":"ab12","alt":"a\u0000b"}],"links":[{"label":"","url":"https://x.test/?q=1&r=2"}],
            "created_at":0}"#;
        same::<Result<PostPage, AppError>>(&format!(r#"{{"Ok":{{"posts":[{post}],"next_before":41}}}}"#));
        same::<Post>(&post.replace(r#""created_at":0"#, r#""created_at":0,"recalled_at":5"#));
        same::<Post>(&post.replace(r#""kind":"ImageOnly","#, r#""kind":"TextOnly","unknown":[1,{"a":null}],"#));
        same::<Vec<ChannelOption>>(r#"[{"id":1,"name":"a","photo":null},{"id":2,"name":"b","photo":"cd"}]"#);
        same::<Option<i64>>("null");
        same::<Option<i64>>("-9007199254740991");
        same::<Vec<String>>(r#"["a","\u00e9\ud83d\ude00",""]"#);
        same::<()>("null");
        same::<(u32, bool)>("[4294967295,true]");
        same::<Result<(), AppError>>(r#"{"Err":"Unauthorized"}"#);
        same::<Result<(), AppError>>(r#"{"Err":{"Busy":{"retry_after_secs":3}}}"#);
        same::<AppError>(r#"{"Invalid":{"TooLong":{"field":"ChannelName","max":150,"actual":151}}}"#);
        same::<AppError>(r#"{"NotFound":"gone"}"#);
        same::<crate::domain::WebhookSettings>(
            r#"{"url":"https://h.test/x","token":"","callbacks":["AfterSendMsg","BeforeCreateOfficialAccount"],
                "when_unreachable":"Refuse","secret_hint":"ab=="}"#,
        );
        same::<crate::domain::DeliveryPage>(
            r#"{"deliveries":[{"id":4,"command":"OfficialAccount.CallbackTest","channel":"","created_at":1795000000000,
                "state":"Pending","attempts":2,"last_status":500,"last_error":"HTTP 500","last_latency_ms":3,
                "next_attempt_at":1795000005000}],"next":null}"#,
        );
        same::<crate::domain::SubscriberList>(
            r#"{"channel_id":1,"channel_name":"c","total":1,"max":10,"subscribers":[{"account":"u","subscribed_at":1,
                "custom_string":"","msg_flag":"Discard","last_send_msg_time":0}],"next":7,"history":[0,1],"last_day":20000}"#,
        );
    }

    #[test]
    fn says_what_was_wrong_without_the_value() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Named {
            name: String,
            count: u8,
        }
        assert_eq!(read::<Named>(r#"{"name":"a"}"#).unwrap_err().to_string(), "missing field `count`");
        assert_eq!(
            read::<Named>(r#"{"name":"a","count":256}"#).unwrap_err(),
            ReadError::Shape("a value out of its range")
        );
        assert_eq!(read::<Named>(r#"{"name":"a","count":1.5}"#).unwrap_err(), WRONG_TYPE);
        assert_eq!(read::<Named>(r#"["a",1]"#).unwrap_err(), WRONG_TYPE, "a struct is read from an object only");
        assert_eq!(read::<u64>("-1").unwrap_err(), ReadError::Shape("a negative number where none can be"));
        assert_eq!(read::<i64>("9007199254740993").unwrap_err(), WRONG_TYPE, "not held exactly by JavaScript");
        assert_eq!(read::<(u8,)>("[1,2]").unwrap_err(), ReadError::Shape("a list of another length than expected"));
        assert!(read::<Result<u8, u8>>(r#"{"Ok":1,"Err":2}"#).unwrap_err().to_string().contains("one key"));
        assert_eq!(read::<Result<u8, u8>>(r#"{"Maybe":1}"#).unwrap_err(), ReadError::Shape("an unknown variant"));
    }
}
