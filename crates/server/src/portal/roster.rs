//! One learner's enrollment as the staff of its course manage it, opened from the learners'
//! table of the course builder: the learner's status, progress and due date, setting or
//! clearing the due date (in the tenant's time zone), and dropping the learner from the course
//! (their progress stays on record). Every change goes through `lyceum_app`'s enrollment use
//! cases, which answer `NOT_FOUND` to anyone who does not manage the course.

use super::builder::builder_path;
use super::pages::{to_sign_in, Id, Protected};
use super::staff::{shown_in_form, Problems};
use super::{CheckedForm, Chrome, Visit};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use lyceum_app::learning::enrollments::{self, Student};
use lyceum_app::{Actor, Refusal};
use lyceum_domain::{EnrollmentId, EnrollmentStatus};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "portal/enrollment.html")]
struct EnrollmentPage {
    chrome: Chrome,
    student: Student,
    /// The due date as the form shows it (what was typed, after a refusal).
    due_at: String,
    problems: Problems,
}

impl EnrollmentPage {
    fn active(&self) -> bool {
        self.student.enrollment.status == EnrollmentStatus::Active
    }
}

fn enrollment_path(id: EnrollmentId) -> String {
    format!("/teach/enrollments/{id}")
}

async fn enrollment_page(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    id: EnrollmentId,
    typed: Option<String>,
    problems: Problems,
    status: StatusCode,
) -> Response {
    let read = visit
        .read(state, async |tx| enrollments::managed(tx, actor, id).await)
        .await;
    visit.show_as(status, read, |student, chrome| {
        let due_at = typed.unwrap_or_else(|| {
            student
                .enrollment
                .due_at
                .map(|at| visit.locale.local_input(&at))
                .unwrap_or_default()
        });
        EnrollmentPage {
            chrome,
            student,
            due_at,
            problems,
        }
    })
}

/// A learner's enrollment in a course the signed-in user manages.
pub(crate) async fn enrollment(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<EnrollmentId>>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    enrollment_page(
        &state,
        &visit,
        &actor,
        id,
        None,
        Problems::default(),
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
pub(crate) struct DueForm {
    #[serde(default)]
    due_at: String,
}

/// Sets the learner's due date, or clears it when the field is left empty.
pub(crate) async fn set_due(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<EnrollmentId>>,
    CheckedForm(form): CheckedForm<DueForm>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&enrollment_path(id)));
    };
    let due = if form.due_at.trim().is_empty() {
        None
    } else {
        match visit.locale.parse_local(&form.due_at) {
            Some(at) => Some(at),
            None => {
                let problems = Problems::at("due_at", visit.locale.msg("roster-due-invalid"));
                return enrollment_page(
                    &state,
                    &visit,
                    &actor,
                    id,
                    Some(form.due_at),
                    problems,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        }
    };
    let set = visit
        .write(&state, async |tx| {
            enrollments::set_due(tx, &actor, id, due).await
        })
        .await;
    after_change(&state, &visit, &actor, id, set.map(drop)).await
}

/// Drops the learner from the course, then back to the course builder.
pub(crate) async fn drop_learner(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<EnrollmentId>>,
    _: CheckedForm<Protected>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&enrollment_path(id)));
    };
    let dropped = visit
        .write(&state, async |tx| {
            let student = enrollments::managed(tx, &actor, id).await?;
            enrollments::drop_out(tx, student.enrollment, actor.user).await
        })
        .await;
    match dropped {
        Ok(enrollment) => visit.redirect(&builder_path(enrollment.course_id)),
        Err(e) => after_change(&state, &visit, &actor, id, Err(e)).await,
    }
}

/// After a change: the enrollment's page again, with the refusal when there was one.
async fn after_change(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    id: EnrollmentId,
    outcome: Result<(), Refusal>,
) -> Response {
    match outcome {
        Ok(()) => visit.redirect(&enrollment_path(id)),
        Err(e) => match shown_in_form(&e) {
            Some(status) => {
                let problems = Problems::of(&visit.locale, e);
                enrollment_page(state, visit, actor, id, None, problems, status).await
            }
            None => visit.problem(e),
        },
    }
}
