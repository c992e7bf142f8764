//! The one place that measures UTF-8 byte limits. The vendor's limits are in bytes, not
//! characters: a Hangul syllable is 3 bytes and many emoji are 4.

use super::error::{Field, ValidationError};

/// Bytes `value` takes once stored: what the limits are measured against.
pub fn stored_len(value: &str) -> usize {
    value.trim().len()
}

/// Checks that `value` (already trimmed) is at most `max` bytes.
pub fn check_max(field: Field, value: &str, max: usize) -> Result<(), ValidationError> {
    let actual = value.len();
    if actual > max {
        Err(ValidationError::TooLong { field, max, actual })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_bytes_not_chars() {
        assert_eq!(stored_len("abc"), 3);
        assert_eq!(stored_len("한"), 3);
        assert_eq!(stored_len("😀"), 4);
        assert_eq!(stored_len("  a  "), 1);
    }

    #[test]
    fn check_max_reports_field_limit_and_size() {
        assert!(check_max(Field::ChannelName, "aaa", 3).is_ok());
        assert_eq!(
            check_max(Field::ChannelName, "aaaa", 3),
            Err(ValidationError::TooLong { field: Field::ChannelName, max: 3, actual: 4 })
        );
    }
}
