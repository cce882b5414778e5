//! The tenant as its admins see it: what its plan allows and how much of it is used.

use crate::{Actor, Refusal};
use lyceum_domain::{Permission, Plan};
use lyceum_store::repo::{courses, files, users};
use lyceum_store::TenantTx;

/// Courses, students and stored bytes counted against the plan's limits (`None`: no limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanUsage {
    pub plan: Plan,
    pub courses: i64,
    pub max_courses: Option<u32>,
    pub students: i64,
    pub max_students: Option<u32>,
    /// Bytes of files kept in object storage.
    pub storage_bytes: u64,
    pub max_storage_bytes: Option<u64>,
}

/// The tenant's plan usage (`user:manage`).
pub async fn plan_usage(tx: &mut TenantTx, actor: &Actor) -> Result<PlanUsage, Refusal> {
    actor.require(Permission::UserManage)?;
    let limits = actor.plan.limits();
    Ok(PlanUsage {
        plan: actor.plan,
        courses: courses::count_unarchived(tx).await?,
        max_courses: limits.max_courses,
        students: users::count_students(tx).await?,
        max_students: limits.max_students,
        storage_bytes: files::bytes_used(tx).await?,
        max_storage_bytes: limits.max_storage_bytes,
    })
}
