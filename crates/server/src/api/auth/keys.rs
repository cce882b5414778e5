//! Signing keys: one set per tenant and one for the platform operator. Each owner gets an
//! Ed25519 key on first use; rotation adds a new signing key and keeps the previous ones
//! verifying until every token they signed has expired.

use super::tokens::Claims;
use crate::http::error::ApiError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::Utc;
use jsonwebtoken::{DecodingKey, EncodingKey};
use lyceum_store::{KeyOwner, SigningKey, Store};
use moka::future::Cache;
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use std::sync::Arc;
use std::time::Duration;

pub(crate) const ALGORITHM: &str = "EdDSA";

/// An owner's keys, ready to sign and verify.
pub(crate) struct Keys {
    pub(crate) signing_kid: String,
    pub(crate) signing: EncodingKey,
    pub(crate) verifying: Vec<(String, DecodingKey)>,
    /// The public halves as a JSON Web Key Set (RFC 7517; Ed25519 keys as `OKP`, RFC 8037).
    pub(crate) jwks: serde_json::Value,
}

impl Keys {
    pub(crate) fn verifier(&self, kid: &str) -> Option<&DecodingKey> {
        self.verifying
            .iter()
            .find(|(k, _)| k == kid)
            .map(|(_, key)| key)
    }
}

/// Loads, caches and rotates signing keys. Cheap to clone.
#[derive(Clone)]
pub struct KeyRing {
    store: Store,
    cache: Cache<KeyOwner, Arc<Keys>>,
    /// Tenant access tokens whose signature has been checked, by their exact text. Entries
    /// live no longer than a token does; the expiry is checked again on every use.
    verified: Cache<String, Arc<Claims>>,
    /// Lifetime of access tokens: how long a retired key must keep verifying.
    token_ttl: Duration,
}

impl KeyRing {
    pub fn new(store: Store, token_ttl: Duration) -> Self {
        // Sized for every tenant of a large node (a miss reloads and parses the keys): a cache
        // just below the number of tenants evicts on nearly every call once they are all busy.
        let cache = Cache::builder()
            .max_capacity(100_000)
            .time_to_live(Duration::from_secs(300))
            .build();
        let verified = Cache::builder()
            .max_capacity(50_000)
            .time_to_live(token_ttl)
            .build();
        Self {
            store,
            cache,
            verified,
            token_ttl,
        }
    }

    pub(crate) async fn verified(&self, token: &str) -> Option<Arc<Claims>> {
        self.verified.get(token).await
    }

    pub(crate) async fn remember(&self, token: &str, claims: &Claims) {
        self.verified
            .insert(token.to_owned(), Arc::new(claims.clone()))
            .await;
    }

    pub(crate) async fn get(&self, owner: KeyOwner) -> Result<Arc<Keys>, ApiError> {
        if let Some(keys) = self.cache.get(&owner).await {
            return Ok(keys);
        }
        let mut stored = self.store.directory().signing_keys(owner).await?;
        if !stored.iter().any(|k| k.retired_at.is_none()) {
            self.rotate(owner).await?;
            stored = self.store.directory().signing_keys(owner).await?;
        }
        let keys = Arc::new(build(stored)?);
        self.cache.insert(owner, keys.clone()).await;
        Ok(keys)
    }

    /// Reloads an owner's keys (another process may have rotated them).
    pub(crate) async fn reload(&self, owner: KeyOwner) -> Result<Arc<Keys>, ApiError> {
        self.cache.invalidate(&owner).await;
        self.get(owner).await
    }

    /// Starts signing with a new key; returns its `kid`. Tokens signed before stay valid.
    pub async fn rotate(&self, owner: KeyOwner) -> Result<String, ApiError> {
        let key = generate()?;
        let forget_before =
            Utc::now() - chrono::Duration::from_std(self.token_ttl).unwrap_or_default();
        self.store
            .directory()
            .rotate_signing_key(owner, &key, forget_before)
            .await?;
        self.cache.invalidate(&owner).await;
        Ok(key.kid)
    }
}

fn generate() -> Result<SigningKey, ApiError> {
    let failed = || ApiError::internal("key generation failed");
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).map_err(|_| failed())?;
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(|_| failed())?;
    Ok(SigningKey {
        kid: uuid::Uuid::now_v7().simple().to_string(),
        algorithm: ALGORITHM.to_owned(),
        private_key: pkcs8.as_ref().to_vec(),
        public_key: pair.public_key().as_ref().to_vec(),
        created_at: Utc::now(),
        retired_at: None,
    })
}

fn build(stored: Vec<SigningKey>) -> Result<Keys, ApiError> {
    let signer = stored
        .iter()
        .find(|k| k.retired_at.is_none())
        .ok_or_else(|| ApiError::internal("no signing key"))?;
    Ok(Keys {
        signing_kid: signer.kid.clone(),
        signing: EncodingKey::from_ed_der(&signer.private_key),
        verifying: stored
            .iter()
            .map(|k| (k.kid.clone(), DecodingKey::from_ed_der(&k.public_key)))
            .collect(),
        jwks: serde_json::json!({
            "keys": stored.iter().map(|k| serde_json::json!({
                "kty": "OKP",
                "crv": "Ed25519",
                "alg": ALGORITHM,
                "use": "sig",
                "kid": k.kid,
                "x": URL_SAFE_NO_PAD.encode(&k.public_key),
            })).collect::<Vec<_>>()
        }),
    })
}
