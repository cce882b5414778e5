//! Identity inside a tenant: people (created by admins, invited, signing themselves up),
//! passwords (changed, and recovered by mail), invitations and sign-in sessions (rotating refresh tokens with reuse detection).
//! Access tokens are the faces' business: the JSON API signs them with the tenant's keys.

pub mod import;
pub mod invitations;
pub mod passwords;
pub mod recovery;
pub mod sessions;
pub mod users;

pub use lyceum_store::repo::users::User;
pub use passwords::NewPassword;

use crate::Refusal;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::rand::{SecureRandom, SystemRandom};

/// A new opaque one-time token (refresh token, invitation) and the hash stored in its place:
/// 256 random bits, so a plain SHA-256 is enough to keep the stored form useless to a thief.
pub(crate) fn new_opaque_token() -> Result<(String, Vec<u8>), Refusal> {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Refusal::Internal("random generator failed"))?;
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = opaque_token_hash(&token);
    Ok((token, hash))
}

/// The stored form of an opaque token.
pub(crate) fn opaque_token_hash(token: &str) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, token.as_bytes())
        .as_ref()
        .to_vec()
}
