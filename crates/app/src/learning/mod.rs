//! Learning: who sees a course, enrollments, progress and the release of lessons (the catalog,
//! content and certificates follow).

pub mod enrollments;
pub mod progress;

pub use enrollments::{enroll, set_due, unenroll, EnrolledBy};
pub use progress::{course_progress, report, Release, Reported};

use lyceum_domain::CourseStatus;

/// Scope rule: a course's staff see it in any status, everyone else once it is published, or
/// archived if they are enrolled (not dropped).
pub fn visible_to(status: CourseStatus, staff: bool, enrolled: bool) -> bool {
    staff || status == CourseStatus::Published || (status == CourseStatus::Archived && enrolled)
}
