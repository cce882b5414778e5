//! [`Actor`]: who asks for a use case, as the application layer's scope rules see them.

use lyceum_domain::{Role, UserId};

/// A signed-in user of the tenant the transaction is scoped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user: UserId,
    pub role: Role,
}

impl Actor {
    /// Scope rule: course staff are the tenant's admins and the course's listed instructors
    /// (`listed_instructor`, as read with the course); a student never is, even if listed.
    pub fn is_staff_given(&self, listed_instructor: bool) -> bool {
        self.role == Role::Admin || (self.role != Role::Student && listed_instructor)
    }
}
