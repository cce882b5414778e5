//! The password policy: long enough, not absurdly long, and not one of the passwords every
//! credential-stuffing list starts with.

use crate::error::ValidationError;

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 256;

/// Lower-cased; compared after lower-casing the candidate.
const COMMON: &[&str] = &[
    "1234567890",
    "12345678910",
    "123456789a",
    "1q2w3e4r5t",
    "qwertyuiop",
    "password1",
    "password12",
    "password123",
    "password1234",
    "passw0rd123",
    "iloveyou123",
    "qwerty1234",
    "qwerty12345",
    "1qaz2wsx3edc",
    "abcdefghij",
    "abc1234567",
    "letmein123",
    "welcome123",
    "welcome1234",
    "changeme123",
    "administrator",
    "football123",
    "monkey12345",
    "sunshine123",
    "princess123",
    "0987654321",
    "1111111111",
    "0000000000",
    "trustno1234",
    "dragon12345",
    "baseball123",
    "superman123",
    "michael123",
    "lyceum1234",
];

pub fn check_policy(password: &str) -> Result<(), ValidationError> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(ValidationError::WeakPassword(format!(
            "use at least {MIN_LENGTH} characters"
        )));
    }
    if length > MAX_LENGTH {
        return Err(ValidationError::WeakPassword(format!(
            "use at most {MAX_LENGTH} characters"
        )));
    }
    let lower = password.to_lowercase();
    if COMMON.contains(&lower.as_str())
        || lower
            .chars()
            .all(|c| c == lower.chars().next().unwrap_or(c))
    {
        return Err(ValidationError::WeakPassword(
            "this password is too common".to_owned(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_short_common_and_repetitive_passwords() {
        for weak in [
            "short",
            "Password123",
            "1234567890",
            "aaaaaaaaaaaa",
            &"x".repeat(300),
        ] {
            assert_eq!(
                check_policy(weak).unwrap_err().code(),
                "WEAK_PASSWORD",
                "{weak:?}"
            );
        }
        assert!(check_policy("correct horse battery").is_ok());
    }
}
