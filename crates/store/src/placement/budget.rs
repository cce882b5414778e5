//! Connection budgets: how many connections this process may hold, sized at start from what
//! the engine allows (a PostgreSQL server's `max_connections`, the process's open-file limit)
//! and shared out between the shared pools and the tenants' own pools. An explicit budget the
//! engine cannot hold is refused at start with a message that says which limit is in the way.

use crate::config::{PoolLimits, DEFAULT_SQLITE_TENANT_CONNECTIONS};
use crate::error::StoreError;
use crate::placement::TenantBudget;
use sqlx::PgConnection;
use std::num::NonZeroUsize;

/// Descriptors kept for listening and client sockets, logs and the directory.
const RESERVED_DESCRIPTORS: u64 = 256;
/// Descriptors of one SQLite connection: the file, its write-ahead log, its shared memory.
const DESCRIPTORS_PER_SQLITE_CONNECTION: u64 = 3;
/// PostgreSQL connections outside the shared and directory pools: the owner's pool (2), and
/// the data-version notices (2) and their listener (1).
const OTHER_POSTGRES_CONNECTIONS: u32 = 5;
/// Connections a default PostgreSQL budget leaves to other clients (psql, backups, monitoring),
/// at the least; a fiftieth of what the server allows on larger servers. Its superusers have
/// `superuser_reserved_connections` on top.
const OTHER_CLIENTS: u32 = 10;

/// What one PostgreSQL server lets this process's runtime role open.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PgServerLimits {
    max_connections: u32,
    superuser_reserved: u32,
    role_limit: Option<u32>,
}

impl PgServerLimits {
    /// Reads the server's settings and the runtime role's connection limit.
    pub(crate) async fn read(
        conn: &mut PgConnection,
        runtime_role: &str,
    ) -> Result<Self, StoreError> {
        let (max_connections, superuser_reserved, role_limit): (i32, i32, Option<i32>) =
            sqlx::query_as(
                "SELECT current_setting('max_connections')::int, \
                        current_setting('superuser_reserved_connections')::int, \
                        (SELECT rolconnlimit FROM pg_roles WHERE rolname = $1)",
            )
            .bind(runtime_role)
            .fetch_one(conn)
            .await?;
        Ok(Self {
            max_connections: max_connections.max(0) as u32,
            superuser_reserved: superuser_reserved.max(0) as u32,
            role_limit: role_limit.filter(|l| *l >= 0).map(|l| l as u32),
        })
    }

    /// Connections the server accepts from roles that are not superusers.
    fn allows(&self) -> u32 {
        let server = self.max_connections.saturating_sub(self.superuser_reserved);
        self.role_limit.map_or(server, |role| role.min(server))
    }

    fn describe(&self) -> String {
        let mut text = format!(
            "max_connections {} less {} reserved for superusers",
            self.max_connections, self.superuser_reserved
        );
        if let Some(role) = self.role_limit {
            text.push_str(&format!(", the runtime role's CONNECTION LIMIT {role}"));
        }
        text
    }
}

/// The pools of a PostgreSQL store.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PgBudget {
    /// The pool placement's pool.
    pub(crate) shared: u32,
    /// The schema placement's pool: half the shared pool's size (rounded up), since each of its
    /// backends holds the catalogs of up to 200 schemas.
    pub(crate) schemas: u32,
    pub(crate) directory: u32,
    pub(crate) tenants: TenantBudget,
}

/// Shares the PostgreSQL connection budget out: the shared pools (pool and schema
/// placements), the directory's, the owner's and the notices' connections first, the rest to
/// the tenants' own pools.
pub(crate) fn postgres(
    limits: &PoolLimits,
    server: PgServerLimits,
    descriptors: u64,
) -> Result<PgBudget, StoreError> {
    let allows = server.allows();
    let budget = match limits.postgres_connection_budget {
        Some(budget) if budget > allows => {
            return Err(StoreError::Budget(format!(
                "a PostgreSQL connection budget of {budget} is more than the {allows} connections the server allows ({})",
                server.describe()
            )))
        }
        Some(budget) => budget,
        None => allows.saturating_sub((allows / 50).max(OTHER_CLIENTS)),
    };
    let shared = limits.shared_max_connections;
    let schemas = shared.div_ceil(2);
    let directory = shared.clamp(2, 8);
    let fixed = shared + schemas + directory + OTHER_POSTGRES_CONNECTIONS;
    if budget <= fixed {
        return Err(StoreError::Budget(format!(
            "a PostgreSQL connection budget of {budget} ({}) cannot hold the shared pools ({shared} + {schemas}), \
             the directory ({directory}), migrations and notices ({OTHER_POSTGRES_CONNECTIONS}) and one \
             tenant connection: raise max_connections or the budget, or lower the shared pool",
            if limits.postgres_connection_budget.is_some() { "configured".to_owned() } else { server.describe() }
        )));
    }
    let left = u64::from(budget - fixed);
    let (tenants, shares_with_shared_pools) = match limits.tenant_connection_budget {
        Some(asked) if asked > left => {
            return Err(StoreError::Budget(format!(
                "a tenant connection budget of {asked} is more than the {left} the PostgreSQL budget of {budget} leaves after the shared pools"
            )))
        }
        Some(asked) => (asked, false),
        // The shared pools open connections only on demand (a node's tenants may all have
        // databases of their own): their share goes to the tenants too, and what they hold
        // counts against it.
        None => (left + u64::from(shared + schemas), true),
    };
    let held = if shares_with_shared_pools {
        u64::from(directory + OTHER_POSTGRES_CONNECTIONS) + tenants
    } else {
        u64::from(fixed) + tenants
    };
    let sockets = held + RESERVED_DESCRIPTORS;
    if sockets > descriptors {
        return Err(StoreError::Budget(format!(
            "{held} PostgreSQL connections need about {sockets} open files, but this process may open {descriptors} (ulimit -n)"
        )));
    }
    let mut tenants = tenant_budget(limits, tenants, true)?;
    tenants.shares_with_shared_pools = shares_with_shared_pools;
    Ok(PgBudget {
        shared,
        schemas,
        directory,
        tenants,
    })
}

/// The tenants' SQLite connections: what the open-file limit holds, at most
/// [`DEFAULT_SQLITE_TENANT_CONNECTIONS`] unless configured.
pub(crate) fn sqlite(limits: &PoolLimits, descriptors: u64) -> Result<TenantBudget, StoreError> {
    let fits = descriptors.saturating_sub(RESERVED_DESCRIPTORS) / DESCRIPTORS_PER_SQLITE_CONNECTION;
    let connections = match limits.tenant_connection_budget {
        Some(asked) if asked > fits => {
            return Err(StoreError::Budget(format!(
                "{asked} SQLite connections need about {} open files, but this process may open {descriptors} (ulimit -n): raise the limit or lower the tenant connection budget",
                asked * DESCRIPTORS_PER_SQLITE_CONNECTION + RESERVED_DESCRIPTORS
            )))
        }
        Some(asked) => asked,
        None => fits.min(DEFAULT_SQLITE_TENANT_CONNECTIONS),
    };
    tenant_budget(limits, connections, false)
}

fn tenant_budget(
    limits: &PoolLimits,
    connections: u64,
    seated: bool,
) -> Result<TenantBudget, StoreError> {
    let pools = limits.max_open_tenant_pools.unwrap_or(connections);
    let pools = usize::try_from(pools)
        .ok()
        .and_then(NonZeroUsize::new)
        .ok_or_else(|| {
            StoreError::Budget(format!(
                "room for {connections} tenant connections and {pools} open tenant pools: both must be at least 1"
            ))
        })?;
    if connections == 0 {
        return Err(StoreError::Budget(
            "no room for a single tenant connection".to_owned(),
        ));
    }
    Ok(TenantBudget {
        connections,
        pools,
        seated,
        shares_with_shared_pools: false,
    })
}

/// The process's soft limit on open files (1,024 if it cannot be read).
pub(crate) fn open_file_limit() -> u64 {
    rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(soft, _)| soft)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(max_connections: u32) -> PgServerLimits {
        PgServerLimits {
            max_connections,
            superuser_reserved: 3,
            role_limit: None,
        }
    }

    #[test]
    fn the_postgres_budget_is_the_server_less_a_reserve_and_the_shared_pools() {
        let budget = postgres(&PoolLimits::default(), server(500), 20_000).unwrap();
        // 497 allowed, 10 kept for other clients, 8 + 5 for the directory and the rest; the
        // shared pools (16 + 8) draw on the tenants' share as they open connections.
        assert_eq!(budget.tenants.connections, 497 - 10 - 13);
        assert!(budget.tenants.shares_with_shared_pools);
        let budget = postgres(&PoolLimits::default(), server(5_000), 20_000).unwrap();
        assert_eq!(budget.tenants.connections, 4_997 - 99 - 13);
        let explicit = PoolLimits {
            tenant_connection_budget: Some(100),
            ..PoolLimits::default()
        };
        let budget = postgres(&explicit, server(500), 20_000).unwrap();
        assert_eq!(budget.tenants.connections, 100);
        assert!(!budget.tenants.shares_with_shared_pools);
        assert_eq!(
            budget.tenants.pools.get() as u64,
            budget.tenants.connections
        );
        let small = postgres(&PoolLimits::default(), server(100), 20_000).unwrap();
        assert_eq!(small.tenants.connections, 97 - 10 - 13);
    }

    #[test]
    fn a_budget_the_server_or_the_file_limit_cannot_hold_is_refused_with_the_reason() {
        let limits = PoolLimits {
            postgres_connection_budget: Some(600),
            ..PoolLimits::default()
        };
        let err = postgres(&limits, server(500), 20_000)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("600") && err.contains("max_connections 500"),
            "{err}"
        );
        let role = PgServerLimits {
            role_limit: Some(20),
            ..server(500)
        };
        let err = postgres(&PoolLimits::default(), role, 20_000)
            .unwrap_err()
            .to_string();
        assert!(err.contains("CONNECTION LIMIT 20"), "{err}");
        let err = postgres(&PoolLimits::default(), server(500), 300)
            .unwrap_err()
            .to_string();
        assert!(err.contains("ulimit -n"), "{err}");
        let limits = PoolLimits {
            tenant_connection_budget: Some(5_000),
            ..PoolLimits::default()
        };
        assert!(sqlite(&limits, 1024)
            .unwrap_err()
            .to_string()
            .contains("ulimit -n"));
    }

    #[test]
    fn the_sqlite_budget_follows_the_open_file_limit() {
        let roomy = sqlite(&PoolLimits::default(), 1 << 20).unwrap();
        assert_eq!(roomy.connections, DEFAULT_SQLITE_TENANT_CONNECTIONS);
        let tight = sqlite(&PoolLimits::default(), 1024).unwrap();
        assert_eq!(tight.connections, (1024 - 256) / 3);
        let capped = PoolLimits {
            max_open_tenant_pools: Some(7),
            ..PoolLimits::default()
        };
        assert_eq!(sqlite(&capped, 1024).unwrap().pools.get(), 7);
    }
}
