//! Learning over HTTP: courses (catalog, editing, publishing, prerequisites), modules and
//! lessons, enrollments (self, by staff, bulk CSV), progress with its roll-up, certificates and
//! the student dashboard. The rules and events are `lyceum_app::learning`'s; the handlers here
//! read requests, open the tenant transaction, call the use case and shape the answer.

pub(crate) mod certificates;
pub(crate) mod courses;
pub(crate) mod dashboard;
pub(crate) mod enrollments;
pub(crate) mod lessons;
pub(crate) mod modules;
pub(crate) mod progress;

use lyceum_domain::CourseId;
use serde::Deserialize;
use utoipa::IntoParams;

/// `{id}` of `/courses/{id}` (named: under `/t/{slug}` the path has a second parameter).
#[derive(Deserialize, IntoParams)]
pub(crate) struct CoursePath {
    /// The course's id.
    pub(crate) id: CourseId,
}
