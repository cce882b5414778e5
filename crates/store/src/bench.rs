//! [`Store::measure_scoping`], for `lyceum bench` (feature `bench`): what tenant scoping costs a
//! transaction, measured against the same read without it.

use crate::control::Tenant;
use crate::engine::Engine;
use crate::error::StoreError;
use crate::placement;
use crate::store::Store;

/// Latencies measured by [`Store::measure_scoping`].
#[cfg(feature = "bench")]
#[derive(Debug, Default, Clone)]
pub struct ScopingFigures {
    pub scoped: Vec<std::time::Duration>,
    pub unscoped: Vec<std::time::Duration>,
}

impl Store {
    /// Times `iterations` primary-key reads of one user, each in its own transaction: once
    /// through [`Store::begin`] (tenant scoping included) and once as the same read without
    /// per-transaction scoping. On PostgreSQL the baseline runs on a one-connection pool whose
    /// session already carries the tenant and `search_path` (so row-level security lets the same
    /// row through and it is decoded the same way); on SQLite it is a plain transaction on the
    /// tenant's own pool. For `lyceum bench` only (feature `bench`): the baseline sets the
    /// tenant for a whole session, which serving never does. Reads only.
    #[cfg(feature = "bench")]
    pub async fn measure_scoping(
        &self,
        tenant: &Tenant,
        user: lyceum_domain::UserId,
        iterations: usize,
    ) -> Result<ScopingFigures, StoreError> {
        let mut figures = ScopingFigures::default();
        let plain_sql = format!(
            "SELECT {} FROM users WHERE tenant_id = $1 AND id = $2",
            crate::repo::users::COLUMNS
        );
        let baseline = self.unscoped_pool(tenant).await?;
        for _ in 0..iterations {
            let started = std::time::Instant::now();
            let mut tx = self.begin(tenant).await?;
            crate::repo::users::get(&mut tx, user)
                .await?
                .ok_or(StoreError::NotFound("user"))?;
            tx.commit().await?;
            figures.scoped.push(started.elapsed());

            let started = std::time::Instant::now();
            crate::engine::dispatch!(&baseline, p => {
                let mut tx = p.begin().await?;
                let row: Option<crate::repo::users::UserRow> = sqlx::query_as(&plain_sql)
                    .bind(tenant.id.as_uuid())
                    .bind(user.as_uuid())
                    .fetch_optional(&mut *tx)
                    .await?;
                row.map(crate::repo::users::User::try_from)
                    .transpose()?
                    .ok_or(StoreError::NotFound("user"))?;
                tx.commit().await?;
            });
            figures.unscoped.push(started.elapsed());
        }
        if let Engine::Postgres(pool) = baseline {
            pool.close().await;
        }
        Ok(figures)
    }

    /// The baseline connection for [`Store::measure_scoping`]: the tenant's storage with the
    /// scoping done once for the session instead of once per transaction.
    #[cfg(feature = "bench")]
    async fn unscoped_pool(&self, tenant: &Tenant) -> Result<placement::TenantPool, StoreError> {
        let pool = self.tenant_pool(tenant).await?.pool;
        let Engine::Postgres(shared) = pool else {
            return Ok(pool);
        };
        let tenant_id = tenant.id.as_uuid().to_string();
        let search_path = placement::search_path(tenant.id, tenant.placement);
        let options = (*shared.connect_options()).clone().options([
            ("app.tenant_id", tenant_id.as_str()),
            ("search_path", &search_path),
        ]);
        let baseline = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        Ok(Engine::Postgres(baseline))
    }
}
