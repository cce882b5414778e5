//! The tenant directory: the control plane that knows every tenant, its plan, status and
//! placement, its custom domains and its migration state. It is the only place that knows where
//! a tenant's data lives. On SQLite it is a file of its own; on PostgreSQL a schema of its own.
//!
//! The directory holds no tenant data (users, courses ...) and never opens tenant storage.

use super::platform::{append_audit, AuditEntry};
use crate::engine::{dispatch, Engine};
use crate::error::StoreError;
use crate::versions::DataVersions;
use chrono::{DateTime, Utc};
use lyceum_domain::{DomainName, Placement, Plan, Slug, TenantId, TenantStatus};
use moka::future::Cache;
use serde::Serialize;
use sqlx::{PgPool, SqlitePool};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// A tenant as the directory knows it. Only the store builds one, so holding a `Tenant` means
/// it was resolved from the directory; and what [`crate::Store::begin`] scopes by (its id,
/// placement and status) is read-only outside the store, so a caller cannot aim a `Tenant` it
/// holds at another tenant's data.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tenant {
    pub(crate) id: TenantId,
    pub slug: Slug,
    pub name: String,
    pub plan: Plan,
    pub(crate) status: TenantStatus,
    pub region: String,
    pub(crate) placement: Placement,
    pub settings: serde_json::Value,
    pub schema_version: i64,
    pub migration_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Tenant {
    /// The tenant's id, which scopes every transaction opened for it.
    pub fn id(&self) -> TenantId {
        self.id
    }

    /// Where its data lives.
    pub fn placement(&self) -> Placement {
        self.placement
    }

    /// As the directory said when this value was read.
    pub fn status(&self) -> TenantStatus {
        self.status
    }
}

/// What it takes to provision a tenant.
#[derive(Debug, Clone)]
pub struct NewTenant {
    pub slug: Slug,
    pub name: String,
    pub plan: Plan,
    /// `None`: the store's default placement.
    pub placement: Option<Placement>,
    pub region: String,
    pub settings: serde_json::Value,
}

impl NewTenant {
    /// A tenant with the free plan, default placement and region, and no settings.
    pub fn new(slug: Slug, name: impl Into<String>) -> Self {
        Self {
            slug,
            name: name.into(),
            plan: Plan::Free,
            placement: None,
            region: "default".to_owned(),
            settings: serde_json::json!({}),
        }
    }
}

#[derive(sqlx::FromRow)]
struct TenantRow {
    id: Uuid,
    slug: String,
    name: String,
    plan: String,
    status: String,
    region: String,
    placement: String,
    settings: sqlx::types::Json<serde_json::Value>,
    schema_version: i64,
    migration_error: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<TenantRow> for Tenant {
    type Error = StoreError;
    fn try_from(row: TenantRow) -> Result<Self, StoreError> {
        Ok(Tenant {
            id: TenantId::from_uuid(row.id),
            slug: Slug::parse(&row.slug)?,
            name: row.name,
            plan: row.plan.parse()?,
            status: row.status.parse()?,
            region: row.region,
            placement: row.placement.parse()?,
            settings: row.settings.0,
            schema_version: row.schema_version,
            migration_error: row.migration_error,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

const TENANT_COLUMNS: &str = "id, slug, name, plan, status, region, placement, settings, \
     schema_version, migration_error, created_at, updated_at";

/// How a request names its tenant, for [`Directory::resolve`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TenantKey {
    Slug(String),
    Id(TenantId),
    /// A verified custom domain, lower case, without port.
    Domain(String),
}

/// A custom domain of a tenant: claimed by its admins, answering for the tenant once verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomDomain {
    /// Lower case, ASCII (punycode).
    pub domain: String,
    /// What `http://<domain>/.well-known/lyceum-domain-verification` must answer; none for a
    /// domain the operator mapped.
    pub verification_token: Option<String>,
    /// When the verification file was found; until then the domain reaches nobody.
    pub verified_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A custom domain with the tenant holding it.
#[derive(sqlx::FromRow)]
struct HeldDomain {
    tenant_id: Uuid,
    #[sqlx(flatten)]
    domain: CustomDomain,
}

/// What claiming a custom domain came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainClaim {
    /// The domain is now the tenant's, waiting for verification.
    Claimed(CustomDomain),
    /// The tenant had claimed it already (its token is unchanged).
    AlreadyOurs(CustomDomain),
    /// Another tenant holds it; nothing was written.
    HeldByAnother,
}

/// Handle on the directory. Cheap to clone; clones share the resolution cache.
#[derive(Clone)]
pub struct Directory {
    pub(crate) pool: Engine<PgPool, SqlitePool>,
    /// Tenants found, bounded and expiring; changes made here invalidate at once, and on
    /// PostgreSQL changes made by other processes a notice later (or, should notices be lost,
    /// within the TTL). Misses are not cached, so a tenant created by another process is found
    /// on its first request.
    cache: Cache<TenantKey, Arc<Tenant>>,
    /// Bumped by every change; a lookup that raced with a change does not keep its result.
    generation: Arc<AtomicU64>,
    /// Where changes are announced to other processes and theirs are heard.
    versions: Arc<DataVersions>,
    /// The other processes' changes this cache has forgotten its entries for.
    heard: Arc<AtomicU64>,
}

impl Directory {
    pub(crate) fn new(
        pool: Engine<PgPool, SqlitePool>,
        cache_capacity: u64,
        cache_ttl: Duration,
    ) -> Self {
        let cache = Cache::builder()
            .max_capacity(cache_capacity)
            .time_to_live(cache_ttl)
            .build();
        Self {
            pool,
            cache,
            generation: Arc::new(AtomicU64::new(0)),
            versions: Arc::default(),
            heard: Arc::new(AtomicU64::new(0)),
        }
    }

    /// This directory, announcing its changes on `versions` and hearing the other processes'.
    pub(crate) fn hearing(self, versions: Arc<DataVersions>) -> Self {
        Self { versions, ..self }
    }

    /// A number that moves with every change to the directory, here or heard from elsewhere.
    fn changes(&self) -> (u64, u64) {
        (
            self.generation.load(Ordering::Acquire),
            self.versions.directory_changes(),
        )
    }

    /// The tenant a request names, through the cache.
    pub async fn resolve(&self, key: &TenantKey) -> Result<Option<Arc<Tenant>>, StoreError> {
        let remote = self.versions.directory_changes();
        if self.heard.swap(remote, Ordering::AcqRel) != remote {
            self.cache.invalidate_all();
        }
        if let Some(hit) = self.cache.get(key).await {
            return Ok(Some(hit));
        }
        let before = self.changes();
        let found = match key {
            TenantKey::Slug(slug) => self.by_slug(slug).await?,
            TenantKey::Id(id) => self.by_id(*id).await?,
            TenantKey::Domain(domain) => self.by_custom_domain(domain).await?,
        }
        .map(Arc::new);
        if let Some(tenant) = &found {
            self.cache.insert(key.clone(), tenant.clone()).await;
            // A change that landed while we read may have been missed by our row: drop it.
            if self.changes() != before {
                self.cache.invalidate(key).await;
            }
        }
        Ok(found)
    }

    /// Forgets every cached resolution (after a change to a tenant or its domains), here and,
    /// on PostgreSQL, in the other processes.
    pub fn invalidate_cache(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.cache.invalidate_all();
        self.versions.directory_changed();
    }

    pub async fn by_slug(&self, slug: &str) -> Result<Option<Tenant>, StoreError> {
        let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE slug = $1");
        let row: Option<TenantRow> = dispatch!(&self.pool, p => {
            sqlx::query_as(&sql).bind(slug).fetch_optional(p).await?
        });
        row.map(Tenant::try_from).transpose()
    }

    pub async fn by_id(&self, id: TenantId) -> Result<Option<Tenant>, StoreError> {
        let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE id = $1");
        let row: Option<TenantRow> = dispatch!(&self.pool, p => {
            sqlx::query_as(&sql).bind(id.as_uuid()).fetch_optional(p).await?
        });
        row.map(Tenant::try_from).transpose()
    }

    /// The tenant a verified custom domain points at.
    pub async fn by_custom_domain(&self, domain: &str) -> Result<Option<Tenant>, StoreError> {
        let sql = format!(
            "SELECT {} FROM tenants t JOIN custom_domains d ON d.tenant_id = t.id \
             WHERE d.domain = $1 AND d.verified_at IS NOT NULL",
            TENANT_COLUMNS
                .split(", ")
                .map(|c| format!("t.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let row: Option<TenantRow> = dispatch!(&self.pool, p => {
            sqlx::query_as(&sql).bind(domain.to_lowercase()).fetch_optional(p).await?
        });
        row.map(Tenant::try_from).transpose()
    }

    /// Every tenant, oldest first.
    pub async fn list(&self) -> Result<Vec<Tenant>, StoreError> {
        let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants ORDER BY id");
        let rows: Vec<TenantRow> = dispatch!(&self.pool, p => {
            sqlx::query_as(&sql).fetch_all(p).await?
        });
        rows.into_iter().map(Tenant::try_from).collect()
    }

    pub async fn count(&self) -> Result<i64, StoreError> {
        Ok(dispatch!(&self.pool, p => {
            sqlx::query_scalar("SELECT COUNT(*) FROM tenants").fetch_one(p).await?
        }))
    }

    /// Sets a tenant's status, with the platform audit entry that records why (if any) in the
    /// same transaction.
    pub async fn set_status(
        &self,
        id: TenantId,
        status: TenantStatus,
        audit: Option<&AuditEntry>,
    ) -> Result<(), StoreError> {
        let done = dispatch!(&self.pool, p => {
            let mut tx = p.begin().await?;
            let done = sqlx::query("UPDATE tenants SET status = $2, updated_at = $3 WHERE id = $1")
                .bind(id.as_uuid())
                .bind(status.as_str())
                .bind(Utc::now())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if let Some(audit) = audit.filter(|_| done > 0) {
                append_audit!(tx, audit);
            }
            tx.commit().await?;
            done
        });
        self.invalidate_cache();
        if done == 0 {
            return Err(StoreError::TenantNotFound(id.to_string()));
        }
        Ok(())
    }

    /// Maps a custom domain to a tenant; `verified` marks it usable for resolution.
    pub async fn add_custom_domain(
        &self,
        id: TenantId,
        domain: &str,
        verified: bool,
    ) -> Result<(), StoreError> {
        let now = Utc::now();
        dispatch!(&self.pool, p => {
            sqlx::query("INSERT INTO custom_domains (domain, tenant_id, verified_at, created_at) VALUES ($1, $2, $3, $4)")
                .bind(domain.to_lowercase())
                .bind(id.as_uuid())
                .bind(verified.then_some(now))
                .bind(now)
                .execute(p)
                .await?.rows_affected()
        });
        self.invalidate_cache();
        Ok(())
    }

    /// Renames a tenant and replaces its settings (the whole JSON object).
    pub async fn update_settings(
        &self,
        id: TenantId,
        name: &str,
        settings: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let done = dispatch!(&self.pool, p => {
            sqlx::query("UPDATE tenants SET name = $2, settings = $3, updated_at = $4 WHERE id = $1")
                .bind(id.as_uuid())
                .bind(name)
                .bind(sqlx::types::Json(settings))
                .bind(Utc::now())
                .execute(p)
                .await?
                .rows_affected()
        });
        self.invalidate_cache();
        if done == 0 {
            return Err(StoreError::TenantNotFound(id.to_string()));
        }
        Ok(())
    }

    /// The tenant's custom domains, verified or not, by name.
    pub async fn custom_domains(&self, id: TenantId) -> Result<Vec<CustomDomain>, StoreError> {
        Ok(dispatch!(&self.pool, p => {
            sqlx::query_as(
                "SELECT domain, verification_token, verified_at, created_at FROM custom_domains \
                 WHERE tenant_id = $1 ORDER BY domain",
            )
            .bind(id.as_uuid())
            .fetch_all(p)
            .await?
        }))
    }

    /// Claims `domain` for tenant `id` with `token` to verify it, unless some tenant holds it
    /// already (two claims at once: one wins, the other is told the domain is held).
    pub async fn claim_custom_domain(
        &self,
        id: TenantId,
        domain: &DomainName,
        token: &str,
    ) -> Result<DomainClaim, StoreError> {
        let now = Utc::now();
        let (inserted, holder): (u64, Option<(Uuid, CustomDomain)>) = dispatch!(&self.pool, p => {
            let inserted = sqlx::query(
                "INSERT INTO custom_domains (domain, tenant_id, verification_token, verified_at, created_at) \
                 VALUES ($1, $2, $3, NULL, $4) ON CONFLICT (domain) DO NOTHING",
            )
            .bind(domain.as_str())
            .bind(id.as_uuid())
            .bind(token)
            .bind(now)
            .execute(p)
            .await?
            .rows_affected();
            let holder: Option<HeldDomain> = sqlx::query_as(
                "SELECT tenant_id, domain, verification_token, verified_at, created_at \
                 FROM custom_domains WHERE domain = $1",
            )
            .bind(domain.as_str())
            .fetch_optional(p)
            .await?;
            (inserted, holder.map(|h| (h.tenant_id, h.domain)))
        });
        if inserted > 0 {
            self.invalidate_cache();
        }
        Ok(match holder {
            Some((tenant, row)) if tenant == id.as_uuid() && inserted > 0 => {
                DomainClaim::Claimed(row)
            }
            Some((tenant, row)) if tenant == id.as_uuid() => DomainClaim::AlreadyOurs(row),
            // Held by another, or removed by its holder between the two statements.
            _ => DomainClaim::HeldByAnother,
        })
    }

    /// Marks tenant `id`'s claim on `domain` verified: from now on the domain reaches the
    /// tenant. `false` if the tenant holds no such claim.
    pub async fn mark_domain_verified(
        &self,
        id: TenantId,
        domain: &DomainName,
    ) -> Result<bool, StoreError> {
        let done = dispatch!(&self.pool, p => {
            sqlx::query(
                "UPDATE custom_domains SET verified_at = $3 \
                 WHERE domain = $1 AND tenant_id = $2 AND verified_at IS NULL",
            )
            .bind(domain.as_str())
            .bind(id.as_uuid())
            .bind(Utc::now())
            .execute(p)
            .await?
            .rows_affected()
        });
        self.invalidate_cache();
        Ok(done > 0)
    }

    /// Removes tenant `id`'s custom domain; `false` if it holds no such domain.
    pub async fn remove_custom_domain(
        &self,
        id: TenantId,
        domain: &DomainName,
    ) -> Result<bool, StoreError> {
        let done = dispatch!(&self.pool, p => {
            sqlx::query("DELETE FROM custom_domains WHERE domain = $1 AND tenant_id = $2")
                .bind(domain.as_str())
                .bind(id.as_uuid())
                .execute(p)
                .await?
                .rows_affected()
        });
        self.invalidate_cache();
        Ok(done > 0)
    }

    /// Open and idle connections of the directory's pool.
    pub(crate) fn pool_size(&self) -> (u32, usize) {
        dispatch!(&self.pool, p => (p.size(), p.num_idle()))
    }

    /// Is the directory reachable?
    pub async fn ping(&self) -> Result<(), StoreError> {
        dispatch!(&self.pool, p => { sqlx::query("SELECT 1").execute(p).await?.rows_affected() });
        Ok(())
    }

    /// Reserves the slug with a `provisioning` row; a duplicate slug is `TENANT_SLUG_TAKEN`.
    pub(crate) async fn insert_provisioning(
        &self,
        id: TenantId,
        new: &NewTenant,
        placement: Placement,
    ) -> Result<(), StoreError> {
        let now = Utc::now();
        let result = dispatch!(&self.pool, p => {
            sqlx::query(
                "INSERT INTO tenants (id, slug, name, plan, status, region, placement, settings, schema_version, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $9)",
            )
            .bind(id.as_uuid())
            .bind(new.slug.as_str())
            .bind(&new.name)
            .bind(new.plan.as_str())
            .bind(TenantStatus::Provisioning.as_str())
            .bind(&new.region)
            .bind(placement.as_str())
            .bind(sqlx::types::Json(&new.settings))
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
        });
        self.invalidate_cache();
        match result.map_err(StoreError::from) {
            Err(StoreError::Conflict(_)) => Err(StoreError::SlugTaken(new.slug.to_string())),
            other => other.map(|_| ()),
        }
    }

    /// Marks a provisioned tenant active at `version`, with its audit entry if any, in one
    /// transaction.
    pub(crate) async fn activate(
        &self,
        id: TenantId,
        version: i64,
        audit: Option<&AuditEntry>,
    ) -> Result<(), StoreError> {
        dispatch!(&self.pool, p => {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE tenants SET status = $2, schema_version = $3, migration_error = NULL, updated_at = $4 WHERE id = $1")
                .bind(id.as_uuid())
                .bind(TenantStatus::Active.as_str())
                .bind(version)
                .bind(Utc::now())
                .execute(&mut *tx)
                .await?;
            if let Some(audit) = audit {
                append_audit!(tx, audit);
            }
            tx.commit().await?;
        });
        self.invalidate_cache();
        Ok(())
    }

    pub(crate) async fn delete_row(&self, id: TenantId) -> Result<(), StoreError> {
        dispatch!(&self.pool, p => {
            sqlx::query("DELETE FROM tenants WHERE id = $1").bind(id.as_uuid()).execute(p).await?.rows_affected()
        });
        self.invalidate_cache();
        Ok(())
    }

    /// Records a tenant's migration state: its version, and the last error if the run failed.
    pub(crate) async fn record_migration(
        &self,
        id: TenantId,
        version: i64,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        dispatch!(&self.pool, p => {
            sqlx::query("UPDATE tenants SET schema_version = $2, migration_error = $3, updated_at = $4 WHERE id = $1")
                .bind(id.as_uuid())
                .bind(version)
                .bind(error)
                .bind(Utc::now())
                .execute(p)
                .await?.rows_affected()
        });
        self.invalidate_cache();
        Ok(())
    }

    /// Records the shared pool's version on every pool tenant.
    pub(crate) async fn record_pool_version(&self, version: i64) -> Result<(), StoreError> {
        dispatch!(&self.pool, p => {
            sqlx::query("UPDATE tenants SET schema_version = $1, migration_error = NULL WHERE placement = 'pool' AND status <> 'provisioning'")
                .bind(version)
                .execute(p)
                .await?.rows_affected()
        });
        self.invalidate_cache();
        Ok(())
    }

    pub(crate) async fn close(&self) {
        dispatch!(&self.pool, p => p.close().await);
    }
}
