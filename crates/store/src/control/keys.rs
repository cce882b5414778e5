//! Token signing keys, kept in the directory: a tenant's own, or the platform operator's
//! (stored with no tenant). The owner's newest unretired key signs; all its keys verify until
//! they are forgotten.

use super::directory::Directory;
use crate::engine::dispatch;
use crate::error::StoreError;
use chrono::{DateTime, Utc};
use lyceum_domain::TenantId;
use uuid::Uuid;

/// A tenant's token signing key. The private half never leaves the server.
#[derive(Clone, sqlx::FromRow)]
pub struct SigningKey {
    pub kid: String,
    pub algorithm: String,
    pub private_key: Vec<u8>,
    pub public_key: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("retired_at", &self.retired_at)
            .finish_non_exhaustive()
    }
}

/// Whose keys: a tenant's, or the platform operator's (stored with no tenant).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyOwner {
    Tenant(TenantId),
    Platform,
}

impl KeyOwner {
    fn tenant(self) -> Option<Uuid> {
        match self {
            KeyOwner::Tenant(id) => Some(id.as_uuid()),
            KeyOwner::Platform => None,
        }
    }
}

/// Matches the owner's keys on both engines: `$1` is the tenant id, NULL for the platform.
const KEY_OWNER: &str = "(tenant_id = $1 OR ($1 IS NULL AND tenant_id IS NULL))";

impl Directory {
    /// The owner's keys, newest first: the first unretired one signs, all of them verify.
    pub async fn signing_keys(&self, owner: KeyOwner) -> Result<Vec<SigningKey>, StoreError> {
        let sql = format!(
            "SELECT kid, algorithm, private_key, public_key, created_at, retired_at FROM signing_keys \
             WHERE {KEY_OWNER} ORDER BY created_at DESC, kid DESC"
        );
        Ok(dispatch!(&self.pool, p => {
            sqlx::query_as(&sql).bind(owner.tenant()).fetch_all(p).await?
        }))
    }

    /// Adds a key that signs from now on and retires the owner's other keys (they keep
    /// verifying until `forget_before`), dropping keys retired before `forget_before`.
    pub async fn rotate_signing_key(
        &self,
        owner: KeyOwner,
        key: &SigningKey,
        forget_before: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let forget = format!("DELETE FROM signing_keys WHERE {KEY_OWNER} AND retired_at < $2");
        let retire = format!(
            "UPDATE signing_keys SET retired_at = $2 WHERE {KEY_OWNER} AND retired_at IS NULL"
        );
        dispatch!(&self.pool, p => {
            let mut tx = p.begin().await?;
            sqlx::query(&forget)
                .bind(owner.tenant())
                .bind(forget_before)
                .execute(&mut *tx)
                .await?;
            sqlx::query(&retire)
                .bind(owner.tenant())
                .bind(key.created_at)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO signing_keys (kid, tenant_id, algorithm, private_key, public_key, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&key.kid)
            .bind(owner.tenant())
            .bind(&key.algorithm)
            .bind(&key.private_key)
            .bind(&key.public_key)
            .bind(key.created_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The secret named `name` that signs URLs (download links of stored files): `fresh` is
    /// kept by the first process that asks, and every process reads back the one kept, so all
    /// processes of a deployment sign and verify alike.
    pub async fn url_signing_secret(
        &self,
        name: &str,
        fresh: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        let made = fresh;
        Ok(dispatch!(&self.pool, p => {
            sqlx::query(
                "INSERT INTO url_signing_secrets (name, secret, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(made)
            .bind(Utc::now())
            .execute(p)
            .await?;
            sqlx::query_scalar("SELECT secret FROM url_signing_secrets WHERE name = $1")
                .bind(name)
                .fetch_one(p)
                .await?
        }))
    }
}
