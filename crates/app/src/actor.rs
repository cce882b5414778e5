//! [`Actor`]: who asks for a use case, from where, and the scope rules that follow from who
//! they are.

use crate::Refusal;
use lyceum_domain::{CourseId, EnrollmentStatus, Origin, Permission, Plan, Role, UserId};
use lyceum_store::repo::courses;
use lyceum_store::repo::enrollments::{self, Enrollment};
use lyceum_store::TenantTx;

/// A signed-in user of the tenant the transaction is scoped to, with the tenant's plan (whose
/// limits bind what they create) and where their request came from (which the audit log
/// records).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user: UserId,
    pub role: Role,
    pub plan: Plan,
    pub origin: Origin,
}

impl Actor {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Whether the actor's role grants `permission` (to offer an action only to those who may
    /// take it; [`Actor::require`] is the check).
    pub fn may(&self, permission: Permission) -> bool {
        self.role.permissions().contains(&permission)
    }

    /// Refuses with `PERMISSION_DENIED` unless the actor's role grants `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), Refusal> {
        if self.may(permission) {
            Ok(())
        } else {
            Err(Refusal::denied(format!(
                "your role ({}) does not allow {permission}",
                self.role
            )))
        }
    }

    /// Scope rule: course staff are the tenant's admins and the course's listed instructors
    /// (`listed_instructor`, as read with the course); a student never is, even if listed.
    pub fn is_staff_given(&self, listed_instructor: bool) -> bool {
        self.is_admin() || (self.role != Role::Student && listed_instructor)
    }

    /// Scope rule: is the actor staff of `course` (see [`Actor::is_staff_given`])? Asks the
    /// store only for instructors.
    pub async fn is_staff_of(&self, tx: &mut TenantTx, course: CourseId) -> Result<bool, Refusal> {
        if self.is_admin() {
            return Ok(true);
        }
        if self.role == Role::Student {
            return Ok(false);
        }
        Ok(courses::teaches(tx, course, self.user).await?)
    }

    /// Scope rule: the actor's enrollment in `course`, unless dropped.
    pub async fn enrollment(
        &self,
        tx: &mut TenantTx,
        course: CourseId,
    ) -> Result<Option<Enrollment>, Refusal> {
        Ok(enrollments::find(tx, course, self.user)
            .await?
            .filter(|e| e.status != EnrollmentStatus::Dropped))
    }
}
