//! Reading a validation error back from the JSON the derived `Serialize` writes, e.g.
//! `{"TooLong":{"field":"ChannelName","max":150,"actual":151}}`. By hand because serde's
//! derived reader is one visitor per variant, for maps and for sequences, for every JSON
//! reader that uses it: with `AppError` around it, about 50 KB of the wasm module every page
//! loads (the shell reads errors). Here every variant's fields are read into one struct.

use super::{Field, ValidationError};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;

const VARIANTS: &[&str] = &[
    "Required",
    "TooLong",
    "ControlCharacter",
    "NotAnImage",
    "FileTooLarge",
    "UnknownMedia",
    "TooMany",
    "UnsupportedScheme",
    "InvalidUrl",
    "NotCarried",
    "InvalidDate",
    "TooShort",
    "InvalidCharacters",
    "Mismatch",
    "NotPublic",
];

/// The fields of every variant; each variant takes the ones it has.
#[derive(Deserialize)]
struct Parts {
    field: Field,
    max: Option<usize>,
    actual: Option<usize>,
    min: Option<usize>,
    max_mb: Option<u64>,
    kind: Option<String>,
    allowed: Option<String>,
}

impl Parts {
    fn into_error<E: de::Error>(self, variant: &str) -> Result<ValidationError, E> {
        fn needs<T, E: de::Error>(value: Option<T>, name: &'static str) -> Result<T, E> {
            value.ok_or_else(|| E::missing_field(name))
        }
        use ValidationError as V;
        let field = self.field;
        Ok(match variant {
            "Required" => V::Required { field },
            "TooLong" => V::TooLong { field, max: needs(self.max, "max")?, actual: needs(self.actual, "actual")? },
            "ControlCharacter" => V::ControlCharacter { field },
            "NotAnImage" => V::NotAnImage { field },
            "FileTooLarge" => V::FileTooLarge { field, max_mb: needs(self.max_mb, "max_mb")? },
            "UnknownMedia" => V::UnknownMedia { field },
            "TooMany" => V::TooMany { field, max: needs(self.max, "max")?, actual: needs(self.actual, "actual")? },
            "UnsupportedScheme" => V::UnsupportedScheme { field },
            "InvalidUrl" => V::InvalidUrl { field },
            "NotCarried" => V::NotCarried { field, kind: needs(self.kind, "kind")? },
            "InvalidDate" => V::InvalidDate { field },
            "TooShort" => V::TooShort { field, min: needs(self.min, "min")?, actual: needs(self.actual, "actual")? },
            "InvalidCharacters" => V::InvalidCharacters { field, allowed: needs(self.allowed, "allowed")? },
            "Mismatch" => V::Mismatch { field },
            "NotPublic" => V::NotPublic { field },
            other => return Err(E::unknown_variant(other, VARIANTS)),
        })
    }
}

impl<'de> serde::Deserialize<'de> for ValidationError {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OneKey;
        impl<'de> Visitor<'de> for OneKey {
            type Value = ValidationError;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a validation error")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ValidationError, A::Error> {
                let variant: String = map.next_key()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
                map.next_value::<Parts>()?.into_error(&variant)
            }
        }
        deserializer.deserialize_map(OneKey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of each variant; the match makes a new variant a compile error here until it is
    /// listed (and so read back by the test below).
    fn one_of_each() -> Vec<ValidationError> {
        use ValidationError as V;
        let field = Field::ChannelName;
        let all = vec![
            V::Required { field },
            V::TooLong { field, max: 150, actual: 151 },
            V::ControlCharacter { field },
            V::NotAnImage { field: Field::ProfilePhoto },
            V::FileTooLarge { field, max_mb: 20 },
            V::UnknownMedia { field },
            V::TooMany { field: Field::PostImages, max: 9, actual: 10 },
            V::UnsupportedScheme { field: Field::LinkUrl },
            V::InvalidUrl { field },
            V::NotCarried { field, kind: "Image Only".into() },
            V::InvalidDate { field: Field::SearchDate },
            V::TooShort { field: Field::NewPassword, min: 12, actual: 3 },
            V::InvalidCharacters { field, allowed: "letters".into() },
            V::Mismatch { field: Field::CurrentPassword },
            V::NotPublic { field: Field::WebhookUrl },
        ];
        for error in &all {
            match error {
                V::Required { .. }
                | V::TooLong { .. }
                | V::ControlCharacter { .. }
                | V::NotAnImage { .. }
                | V::FileTooLarge { .. }
                | V::UnknownMedia { .. }
                | V::TooMany { .. }
                | V::UnsupportedScheme { .. }
                | V::InvalidUrl { .. }
                | V::NotCarried { .. }
                | V::InvalidDate { .. }
                | V::TooShort { .. }
                | V::InvalidCharacters { .. }
                | V::Mismatch { .. }
                | V::NotPublic { .. } => {}
            }
        }
        assert_eq!(all.len(), VARIANTS.len());
        all
    }

    #[test]
    fn every_variant_reads_back_what_serialize_wrote() {
        for error in one_of_each() {
            let json = serde_json::to_string(&error).unwrap();
            let back: ValidationError = serde_json::from_str(&json).unwrap();
            assert_eq!(back, error, "{json}");
        }
    }

    #[test]
    fn the_wire_form_is_the_externally_tagged_one() {
        let error: ValidationError =
            serde_json::from_str(r#"{"TooLong":{"field":"ChannelName","max":150,"actual":151}}"#).unwrap();
        assert_eq!(error, ValidationError::TooLong { field: Field::ChannelName, max: 150, actual: 151 });
    }

    #[test]
    fn malformed_errors_are_refused_with_what_is_wrong() {
        let refusal = |json: &str| serde_json::from_str::<ValidationError>(json).unwrap_err().to_string();
        assert!(refusal(r#"{"TooLong":{"field":"ChannelName","max":150}}"#).contains("missing field `actual`"));
        assert!(refusal(r#"{"Sideways":{"field":"ChannelName"}}"#).contains("unknown variant `Sideways`"));
        assert!(refusal(r#"{"Required":{"field":"Nowhere"}}"#).contains("unknown variant `Nowhere`"));
        assert!(refusal(r#"{}"#).contains("invalid length 0"));
        assert!(refusal(r#""Required""#).contains("expected a validation error"));
    }
}
