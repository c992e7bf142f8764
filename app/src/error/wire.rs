//! Reading an `AppError` back from the JSON the derived `Serialize` writes (`"Unauthorized"`,
//! `{"NotFound":"…"}`, `{"Busy":{"retry_after_secs":1}}`, `{"Invalid":{…}}`). By hand for the
//! same reason as `domain`'s validation errors: the browser reads errors in the shell, and
//! serde's derived reader was about 20 KB of the wasm module every page loads.

use super::AppError;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;

const VARIANTS: &[&str] = &[
    "Invalid",
    "NotFound",
    "BadRequest",
    "TooLarge",
    "Forbidden",
    "Unauthorized",
    "WrongCredentials",
    "TooManyAttempts",
    "Conflict",
    "Network",
    "Busy",
    "NoRoom",
    "Unexpected",
];

#[derive(Deserialize)]
struct RetryAfter {
    retry_after_secs: u64,
}

struct ErrorVisitor;

impl<'de> Visitor<'de> for ErrorVisitor {
    type Value = AppError;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an error")
    }

    fn visit_str<E: de::Error>(self, variant: &str) -> Result<AppError, E> {
        Ok(match variant {
            "TooLarge" => AppError::TooLarge,
            "Unauthorized" => AppError::Unauthorized,
            "WrongCredentials" => AppError::WrongCredentials,
            "NoRoom" => AppError::NoRoom,
            "Unexpected" => AppError::Unexpected,
            other => return Err(E::unknown_variant(other, VARIANTS)),
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AppError, A::Error> {
        let variant: String = map.next_key()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
        Ok(match variant.as_str() {
            "Invalid" => AppError::Invalid(map.next_value()?),
            "NotFound" => AppError::NotFound(map.next_value()?),
            "BadRequest" => AppError::BadRequest(map.next_value()?),
            "Forbidden" => AppError::Forbidden(map.next_value()?),
            "Conflict" => AppError::Conflict(map.next_value()?),
            "Network" => AppError::Network(map.next_value()?),
            "TooManyAttempts" => {
                AppError::TooManyAttempts { retry_after_secs: map.next_value::<RetryAfter>()?.retry_after_secs }
            }
            "Busy" => AppError::Busy { retry_after_secs: map.next_value::<RetryAfter>()?.retry_after_secs },
            other => return Err(de::Error::unknown_variant(other, VARIANTS)),
        })
    }
}

impl<'de> Deserialize<'de> for AppError {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ErrorVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Field, ValidationError};

    /// One of each variant; the match makes a new variant a compile error here until it is
    /// listed (and so read back by the test below).
    fn one_of_each() -> Vec<AppError> {
        let all = vec![
            AppError::Invalid(ValidationError::TooLong { field: Field::ChannelName, max: 150, actual: 151 }),
            AppError::NotFound("gone".into()),
            AppError::BadRequest("what".into()),
            AppError::TooLarge,
            AppError::Forbidden("no".into()),
            AppError::Unauthorized,
            AppError::WrongCredentials,
            AppError::TooManyAttempts { retry_after_secs: 60 },
            AppError::Conflict("taken".into()),
            AppError::Network("offline".into()),
            AppError::Busy { retry_after_secs: 1 },
            AppError::NoRoom,
            AppError::Unexpected,
        ];
        for error in &all {
            match error {
                AppError::Invalid(_)
                | AppError::NotFound(_)
                | AppError::BadRequest(_)
                | AppError::TooLarge
                | AppError::Forbidden(_)
                | AppError::Unauthorized
                | AppError::WrongCredentials
                | AppError::TooManyAttempts { .. }
                | AppError::Conflict(_)
                | AppError::Network(_)
                | AppError::Busy { .. }
                | AppError::NoRoom
                | AppError::Unexpected => {}
            }
        }
        assert_eq!(all.len(), VARIANTS.len());
        all
    }

    #[test]
    fn every_variant_reads_back_what_serialize_wrote() {
        for error in one_of_each() {
            let json = serde_json::to_string(&error).unwrap();
            assert_eq!(serde_json::from_str::<AppError>(&json).unwrap(), error, "{json}");
            assert_eq!(serde_json::from_slice::<AppError>(json.as_bytes()).unwrap(), error, "{json}");
        }
    }

    #[test]
    fn malformed_errors_are_refused_with_what_is_wrong() {
        let refusal = |json: &str| serde_json::from_str::<AppError>(json).unwrap_err().to_string();
        assert!(refusal(r#""Sideways""#).contains("unknown variant `Sideways`"));
        assert!(refusal(r#"{"Busy":{}}"#).contains("missing field `retry_after_secs`"));
        assert!(refusal(r#"{"NotFound":3}"#).contains("invalid type"));
        assert!(refusal("[]").contains("expected an error"));
    }
}
