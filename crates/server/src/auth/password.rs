//! Argon2id password hashing. Hashing is deliberately slow, so it runs on the blocking pool and
//! never stalls the request threads.

use crate::error::ApiError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::http::StatusCode;
use ring::rand::{SecureRandom, SystemRandom};

/// Hashes a password that has passed the policy.
pub async fn hash(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .map_err(|_| internal())?
}

fn hash_now(password: &str) -> Result<String, ApiError> {
    let mut salt = [0u8; 16];
    SystemRandom::new()
        .fill(&mut salt)
        .map_err(|_| internal())?;
    let salt = SaltString::encode_b64(&salt).map_err(|_| internal())?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|_| internal())?
        .to_string())
}

/// A random password (24 characters, 144 bits) for a bootstrap account.
pub fn generate() -> Result<String, ApiError> {
    use base64::Engine as _;
    let mut bytes = [0u8; 18];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| internal())?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// Checks a password against a stored hash. Without a hash (unknown user, no password set) the
/// same work is done against a throwaway hash, so timing does not reveal which e-mails exist.
pub(crate) async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || match stored.as_deref().map(PasswordHash::new) {
        Some(Ok(parsed)) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        _ => {
            let _ = hash_now(&password);
            false
        }
    })
    .await
    .unwrap_or(false)
}

fn internal() -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL",
        "password hashing failed",
    )
}
