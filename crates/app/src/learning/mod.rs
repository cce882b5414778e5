//! Learning: enrollments (for now; the catalog, content, progress and certificates follow).

pub mod enrollments;

pub use enrollments::{enroll, EnrolledBy};
