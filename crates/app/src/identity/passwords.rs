//! Passwords: the policy a new one must meet, and Argon2id hashing. Hashing is deliberately slow and memory-hard (19 MiB a hash), so
//! it runs on a few dedicated threads: it never stalls the request threads, sign-ins cannot take
//! every core from other requests, and the memory hashes hold stays bounded (the allocator keeps
//! a freed hash's block per thread, so a thread per sign-in would pile them up).

use crate::work::Workers;
use crate::Refusal;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use ring::rand::{SecureRandom, SystemRandom};

/// A password a person chose, checked against the policy and hashed: what the use cases that
/// set a password take (hashed before any transaction opens, so no lock waits on Argon2).
#[derive(Clone)]
pub struct NewPassword(String);

impl NewPassword {
    /// Checks `password` against the policy (`WEAK_PASSWORD`) and hashes it.
    pub async fn choose(password: String) -> Result<Self, Refusal> {
        lyceum_domain::password::check_policy(&password)?;
        Ok(NewPassword(hash(password).await?))
    }

    /// The stored form (PHC string).
    pub fn hash(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(..)")
    }
}

/// The hashing threads.
static HASHING: Workers = Workers::new("argon2");

/// Hashes a password that has passed the policy.
pub async fn hash(password: String) -> Result<String, Refusal> {
    HASHING.run(move || hash_now(&password)).await?
}

fn hash_now(password: &str) -> Result<String, Refusal> {
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
pub fn generate() -> Result<String, Refusal> {
    use base64::Engine as _;
    let mut bytes = [0u8; 18];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| internal())?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// Checks a password against a stored hash. Without a hash (unknown user, no password set) the
/// same work is done against a throwaway hash, so timing does not reveal which e-mails exist.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    HASHING
        .run(move || match stored.as_deref().map(PasswordHash::new) {
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

fn internal() -> Refusal {
    Refusal::Internal("password hashing failed")
}
