//! Learning: the catalog and a course's life, its content (modules, lessons, release rules),
//! enrollments (one by one and from CSV), progress with its roll-up, completion and
//! certificates, and the learner's dashboard. Scope rules live here: admins act on everything
//! in their tenant, instructors on the courses they teach, students on published courses and
//! the content of the courses they are enrolled in. Every change records its domain event in
//! the same transaction.

pub mod certificates;
pub mod content;
pub mod courses;
pub mod dashboard;
pub mod enrollments;
pub mod import;
pub mod progress;

pub use enrollments::{enroll, EnrolledBy};
pub use progress::{course_progress, report, Release, Reported};

use lyceum_domain::CourseStatus;

/// Scope rule: a course's staff see it in any status, everyone else once it is published, or
/// archived if they are enrolled (not dropped).
pub fn visible_to(status: CourseStatus, staff: bool, enrolled: bool) -> bool {
    staff || status == CourseStatus::Published || (status == CourseStatus::Archived && enrolled)
}
