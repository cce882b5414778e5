//! Tenant lifecycle states and placements (where a tenant's rows live).

use crate::error::{parse_variant, ValidationError};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where a tenant's rows live. See DESIGN.md, section 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Placement {
    /// Shared tables; `tenant_id` on every row plus forced row-level security.
    Pool,
    /// One PostgreSQL schema per tenant; row-level security still on.
    Schema,
    /// A dedicated PostgreSQL database, or one SQLite file per tenant.
    Database,
}

impl Placement {
    pub const ALL: [Placement; 3] = [Placement::Pool, Placement::Schema, Placement::Database];

    pub fn as_str(self) -> &'static str {
        match self {
            Placement::Pool => "pool",
            Placement::Schema => "schema",
            Placement::Database => "database",
        }
    }
}

impl fmt::Display for Placement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Placement {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_variant("placement", s, &Placement::ALL, Placement::as_str)
    }
}

/// A tenant's lifecycle. `Provisioning` is transient: storage is being created and the tenant
/// is not served yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TenantStatus {
    Provisioning,
    Active,
    Suspended,
    Deleted,
}

impl TenantStatus {
    pub const ALL: [TenantStatus; 4] = [
        TenantStatus::Provisioning,
        TenantStatus::Active,
        TenantStatus::Suspended,
        TenantStatus::Deleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TenantStatus::Provisioning => "provisioning",
            TenantStatus::Active => "active",
            TenantStatus::Suspended => "suspended",
            TenantStatus::Deleted => "deleted",
        }
    }

    /// Its storage is there to use: active or suspended (a provisioning tenant's is still being
    /// made, a deleted one's is gone).
    pub fn has_storage(self) -> bool {
        matches!(self, TenantStatus::Active | TenantStatus::Suspended)
    }
}

impl fmt::Display for TenantStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for TenantStatus {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_variant("tenant status", s, &TenantStatus::ALL, TenantStatus::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placements_round_trip() {
        for p in Placement::ALL {
            assert_eq!(p.as_str().parse::<Placement>().unwrap(), p);
        }
        let err = "shard".parse::<Placement>().unwrap_err();
        assert!(err.to_string().contains("pool, schema, database"));
    }

    #[test]
    fn statuses_round_trip() {
        assert_eq!(
            "suspended".parse::<TenantStatus>().unwrap(),
            TenantStatus::Suspended
        );
        assert!("gone".parse::<TenantStatus>().is_err());
    }
}
