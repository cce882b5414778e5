//! Assignments in the portal, over `lyceum_app::assessments::assignments` (its rules, events and
//! mail): for a learner, the assignment's page (prompt, rubric, their due date with any
//! extension, the draft form, a file upload, submit, their versions and released grades); for
//! its graders, a course's grading queue (with releasing every grade of an assignment and the
//! extensions form) and the grading page of one version (rubric levels as radio buttons,
//! feedback, release and return). Every form carries the CSRF token and works without script.

use super::files::{file_field, upload_form};
use super::i18n::PageLocale;
use super::pages::{to_sign_in, Id, Protected};
use super::staff::Problems;
use super::{CheckedForm, Chrome, Fields, Visit};
use crate::api::files::storage;
use crate::AppState;
use askama::Template;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use lyceum_app::assessments::assignments::{
    self, AssignmentView, Extension, LearnerWork, QueueScope, QueuedVersion, StaffVersion,
    StoredFile, VersionRead,
};
use lyceum_app::assessments::{self, AssessmentDetail};
use lyceum_app::files::{self, SubmissionUpload};
use lyceum_app::learning::{courses, enrollments};
use lyceum_app::{Actor, Refusal};
use lyceum_domain::assessment::{AssessmentKind, AssignmentStatus, CriterionGrade, Points};
use lyceum_domain::{AssessmentId, CourseId, ExtensionId, SubmissionId, UserId};
use lyceum_store::LearnerLock;
use serde::Deserialize;
use std::collections::HashMap;

/// A file with its signed download link.
pub(crate) struct Linked {
    file: StoredFile,
    link: String,
}

/// Signed links to `files`, as this visit reaches them.
async fn linked(
    state: &AppState,
    visit: &Visit,
    tx: &mut lyceum_store::TenantTx,
    list: Vec<StoredFile>,
) -> Result<Vec<Linked>, Refusal> {
    let Some(storage) = state.files.as_deref() else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for file in list {
        let url = storage.sign(tx.tenant_id(), file.id).await?;
        out.push(Linked {
            link: visit.link(&url.path),
            file,
        });
    }
    Ok(out)
}

fn status_message<'a>(
    locale: &'a PageLocale,
    status: &AssignmentStatus,
) -> super::i18n::Message<'a> {
    locale.msg(match status {
        AssignmentStatus::Draft => "assignment-status-draft",
        AssignmentStatus::Submitted => "assignment-status-submitted",
        AssignmentStatus::Late => "assignment-status-late",
        AssignmentStatus::Graded => "assignment-status-graded",
        AssignmentStatus::Returned => "assignment-status-returned",
    })
}

/// The title of `level` of `criterion` in `view`'s rubric.
fn level_title(view: &AssignmentView, criterion: &str, level: &str) -> String {
    view.rubric
        .iter()
        .find(|c| c.id == criterion)
        .and_then(|c| c.levels.iter().find(|l| l.id == level))
        .map(|l| l.title.clone())
        .unwrap_or_else(|| level.to_owned())
}

fn criterion_title(view: &AssignmentView, criterion: &str) -> String {
    view.rubric
        .iter()
        .find(|c| c.id == criterion)
        .map(|c| c.title.clone())
        .unwrap_or_else(|| criterion.to_owned())
}

#[derive(Template)]
#[template(path = "portal/assignment.html")]
struct AssignmentPage {
    chrome: Chrome,
    view: AssignmentView,
    /// The learner's work; none for the course's staff, who read the assignment as its
    /// learners do, with a link to its editor.
    work: Option<LearnerWork>,
    /// Each version's files, by version number.
    files: HashMap<u32, Vec<Linked>>,
    /// The draft's text and link, as saved (or as typed when refused).
    text: String,
    link: String,
    problems: Problems,
}

impl AssignmentPage {
    fn draft(&self) -> Option<&assignments::LearnerVersion> {
        self.work
            .as_ref()
            .and_then(|w| w.versions.last())
            .filter(|v| v.status == AssignmentStatus::Draft)
    }

    fn files_of(&self, version: &u32) -> &[Linked] {
        self.files
            .get(version)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    fn status(&self, status: &AssignmentStatus) -> String {
        status_message(&self.chrome.locale, status).to_string()
    }

    fn level(&self, criterion: &str, level: &str) -> String {
        level_title(&self.view, criterion, level)
    }

    fn criterion(&self, criterion: &str) -> String {
        criterion_title(&self.view, criterion)
    }
}

async fn assignment_page(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    id: AssessmentId,
    typed: Option<(String, String)>,
    problems: Problems,
    status: StatusCode,
) -> Response {
    let read = visit
        .read(state, async |tx| {
            let view = assignments::settings(tx, actor, id).await?;
            let mut files = HashMap::new();
            if actor.is_staff_of(tx, view.assessment.course_id).await? {
                return Ok((view, None, files));
            }
            let work = assignments::my_work(tx, actor, id).await?;
            for version in &work.versions {
                files.insert(
                    version.version,
                    linked(state, visit, tx, version.files.clone()).await?,
                );
            }
            Ok((view, Some(work), files))
        })
        .await;
    match read {
        Ok((view, work, files)) => {
            let draft = work
                .as_ref()
                .and_then(|w| w.versions.last())
                .filter(|v| v.status == AssignmentStatus::Draft);
            let (text, link) = typed.unwrap_or_else(|| {
                (
                    draft.and_then(|d| d.text.clone()).unwrap_or_default(),
                    draft.and_then(|d| d.link.clone()).unwrap_or_default(),
                )
            });
            visit.page(
                status,
                &AssignmentPage {
                    chrome: visit.chrome(),
                    view,
                    work,
                    files,
                    text,
                    link,
                    problems,
                },
            )
        }
        Err(e) => visit.problem(e),
    }
}

/// The status of a page showing `refusal` on its form.
pub(super) fn refusal_status(refusal: &Refusal) -> StatusCode {
    match refusal {
        Refusal::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        Refusal::Unacceptable { .. } | Refusal::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Refusal::Conflict { .. } => StatusCode::CONFLICT,
        Refusal::Forbidden { .. } => StatusCode::FORBIDDEN,
        Refusal::NotFound { .. } => StatusCode::NOT_FOUND,
        Refusal::Malformed { .. } => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn learner_path(id: AssessmentId) -> String {
    format!("/learn/assignments/{id}")
}

/// An assignment's page for the learner taking it.
pub(crate) async fn show(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<AssessmentId>>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    assignment_page(
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
pub(crate) struct DraftForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    link: String,
}

/// Saves the learner's draft (text and link), then shows the page again.
pub(crate) async fn save_draft(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<AssessmentId>>,
    CheckedForm(form): CheckedForm<DraftForm>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&learner_path(id)));
    };
    let saved = async {
        let lock = LearnerLock {
            learner: actor.user,
        };
        let mut tx = state.store.begin_learner_write(&visit.tenant, lock).await?;
        assignments::save_draft(
            &mut tx,
            &actor,
            id,
            Some(&form.text),
            Some(&form.link),
            Utc::now(),
        )
        .await?;
        tx.commit().await?;
        Ok::<_, Refusal>(())
    };
    match saved.await {
        Ok(()) => visit.redirect(&learner_path(id)),
        Err(e) => {
            let status = refusal_status(&e);
            let problems = Problems::of(&visit.locale, e);
            let typed = Some((form.text, form.link));
            assignment_page(&state, &visit, &actor, id, typed, problems, status).await
        }
    }
}

/// Hands the learner's draft in, then shows the page again.
pub(crate) async fn submit(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<AssessmentId>>,
    _: CheckedForm<Protected>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&learner_path(id)));
    };
    let submitted = async {
        let lock = LearnerLock {
            learner: actor.user,
        };
        let mut tx = state.store.begin_learner_write(&visit.tenant, lock).await?;
        assignments::submit(&mut tx, &actor, id, Utc::now()).await?;
        tx.commit().await?;
        Ok::<_, Refusal>(())
    };
    match submitted.await {
        Ok(()) => visit.redirect(&learner_path(id)),
        Err(e) => {
            let status = refusal_status(&e);
            let problems = Problems::of(&visit.locale, e);
            assignment_page(&state, &visit, &actor, id, None, problems, status).await
        }
    }
}

/// Attaches a file sent with the form (`multipart/form-data`: `csrf`, then `file`) to the
/// learner's draft, streamed into storage, then shows the page again.
pub(crate) async fn upload(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<AssessmentId>>,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&learner_path(id)));
    };
    let mut form = match upload_form(&visit, form).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    let (name, content_type, field) = match file_field(&visit, &mut form).await {
        Ok(file) => file,
        Err(refused) => return refused,
    };
    let storage = match storage(&state) {
        Ok(storage) => storage,
        Err(e) => return visit.problem(e),
    };
    let request = SubmissionUpload {
        assessment: id,
        name: &name,
        content_type: &content_type,
        length: None,
    };
    match files::upload_submission_file(storage, &visit.tenant, &actor, request, field, Utc::now())
        .await
    {
        Ok(_) => visit.redirect(&learner_path(id)),
        Err(e) => {
            let status = refusal_status(&e);
            let problems = Problems::of(&visit.locale, e);
            assignment_page(&state, &visit, &actor, id, None, problems, status).await
        }
    }
}

/// An assignment of the course, for the grading page.
struct Graded {
    assessment: AssessmentDetail,
    extensions: Vec<Extension>,
}

#[derive(Template)]
#[template(path = "portal/grading.html")]
struct GradingPage {
    chrome: Chrome,
    course: courses::Course,
    queue: Vec<QueuedVersion>,
    assignments: Vec<Graded>,
    /// The course's learners: id and name.
    learners: Vec<(UserId, String)>,
    problems: Problems,
}

impl GradingPage {
    fn name(&self, user: &UserId) -> String {
        self.learners
            .iter()
            .find(|(id, _)| id == user)
            .map(|(_, name)| name.clone())
            .unwrap_or_else(|| user.to_string())
    }

    fn status(&self, status: &AssignmentStatus) -> String {
        status_message(&self.chrome.locale, status).to_string()
    }
}

fn grading_path(course: CourseId) -> String {
    format!("/teach/courses/{course}/grading")
}

async fn grading_page(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    id: CourseId,
    problems: Problems,
    status: StatusCode,
) -> Response {
    let read = visit
        .read(state, async |tx| {
            let course = courses::editable_course(tx, actor, id).await?;
            let queue = assignments::queue(tx, actor, QueueScope::Course(id)).await?;
            let mut graded = Vec::new();
            for assessment in assessments::of_course(tx, actor, id).await? {
                if assessment.assessment.kind == AssessmentKind::Assignment {
                    let extensions =
                        assignments::extensions(tx, actor, assessment.assessment.id).await?;
                    graded.push(Graded {
                        assessment,
                        extensions,
                    });
                }
            }
            let learners = enrollments::students(tx, actor, id, None, None, 1_000)
                .await?
                .into_iter()
                .map(|s| (s.user.id, s.user.display_name))
                .collect();
            Ok((course, queue, graded, learners))
        })
        .await;
    visit.show_as(
        status,
        read,
        |(course, queue, assignments, learners), chrome| GradingPage {
            chrome,
            course,
            queue,
            assignments,
            learners,
            problems,
        },
    )
}

/// A course's grading queue, its assignments' release buttons and extensions.
pub(crate) async fn grading(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<CourseId>>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    grading_page(
        &state,
        &visit,
        &actor,
        id,
        Problems::default(),
        StatusCode::OK,
    )
    .await
}

/// The course of an assessment the visitor may read.
async fn course_of(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    id: AssessmentId,
) -> Result<CourseId, Refusal> {
    visit
        .read(state, async |tx| {
            Ok(assessments::show(tx, actor, id, Utc::now())
                .await?
                .assessment
                .course_id)
        })
        .await
}

/// Releases every graded grade of an assignment, then shows the grading page again.
pub(crate) async fn release_all(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<AssessmentId>>,
    _: CheckedForm<Protected>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/teach"));
    };
    let course = match course_of(&state, &visit, &actor, id).await {
        Ok(course) => course,
        Err(e) => return visit.problem(e),
    };
    let released = visit
        .write(&state, async |tx| {
            assignments::release_all(tx, &actor, id, Utc::now()).await
        })
        .await;
    match released {
        Ok(_) => visit.redirect(&grading_path(course)),
        Err(e) => {
            let status = refusal_status(&e);
            let problems = Problems::of(&visit.locale, e);
            grading_page(&state, &visit, &actor, course, problems, status).await
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct ExtensionForm {
    user: String,
    due_at: String,
    #[serde(default)]
    reason: String,
}

/// Gives a learner a later due date, then shows the grading page again.
pub(crate) async fn grant_extension(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<AssessmentId>>,
    CheckedForm(form): CheckedForm<ExtensionForm>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/teach"));
    };
    let course = match course_of(&state, &visit, &actor, id).await {
        Ok(course) => course,
        Err(e) => return visit.problem(e),
    };
    let due = visit.locale.parse_local(&form.due_at);
    let user = form.user.parse::<UserId>().ok();
    let (Some(due), Some(user)) = (due, user) else {
        let problems = Problems::at("due_at", visit.locale.msg("assignment-extension-invalid"));
        return grading_page(
            &state,
            &visit,
            &actor,
            course,
            problems,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let granted = visit
        .write(&state, async |tx| {
            assignments::grant_extension(tx, &actor, id, user, due, &form.reason, Utc::now()).await
        })
        .await;
    match granted {
        Ok(_) => visit.redirect(&grading_path(course)),
        Err(e) => {
            let status = refusal_status(&e);
            let problems = Problems::of(&visit.locale, e);
            grading_page(&state, &visit, &actor, course, problems, status).await
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct CourseField {
    course: CourseId,
}

/// Takes an extension back, then shows the grading page again.
pub(crate) async fn revoke_extension(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<ExtensionId>>,
    CheckedForm(form): CheckedForm<CourseField>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/teach"));
    };
    let revoked = visit
        .write(&state, async |tx| {
            assignments::revoke_extension(tx, &actor, id).await
        })
        .await;
    match revoked {
        Ok(()) => visit.redirect(&grading_path(form.course)),
        Err(e) => visit.problem(e),
    }
}

#[derive(Template)]
#[template(path = "portal/grade.html")]
struct GradePage {
    chrome: Chrome,
    view: AssignmentView,
    version: StaffVersion,
    files: Vec<Linked>,
    learner: String,
    problems: Problems,
}

impl GradePage {
    /// Whether `level` of `criterion` is the one graded.
    fn chosen(&self, criterion: &str, level: &str) -> bool {
        self.version
            .criteria
            .as_ref()
            .and_then(|c| c.iter().find(|c| c.criterion == criterion))
            .is_some_and(|c| c.level == level)
    }

    fn given(&self, criterion: &str) -> Option<&lyceum_domain::assessment::CriterionScore> {
        self.version
            .criteria
            .as_ref()
            .and_then(|c| c.iter().find(|c| c.criterion == criterion))
    }

    fn feedback_of(&self, criterion: &str) -> String {
        self.given(criterion)
            .and_then(|c| c.feedback.clone())
            .unwrap_or_default()
    }

    fn status(&self) -> String {
        status_message(&self.chrome.locale, &self.version.status).to_string()
    }

    fn gradable(&self) -> bool {
        self.version.status.awaits_grade() || self.version.status == AssignmentStatus::Graded
    }
}

fn grade_path(id: SubmissionId) -> String {
    format!("/teach/submissions/{id}")
}

async fn grade_page(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    id: SubmissionId,
    problems: Problems,
    status: StatusCode,
) -> Response {
    let read = visit
        .read(state, async |tx| {
            let VersionRead::Staff(version) = assignments::read(tx, actor, id).await? else {
                return Err(Refusal::Forbidden {
                    code: "PERMISSION_DENIED",
                    message: "only the course's graders grade work".into(),
                });
            };
            let view = assignments::settings(tx, actor, version.assessment_id).await?;
            let files = linked(state, visit, tx, version.files.clone()).await?;
            let learner =
                enrollments::students(tx, actor, view.assessment.course_id, None, None, 1_000)
                    .await?
                    .into_iter()
                    .find(|s| s.user.id == version.user_id)
                    .map(|s| s.user.display_name)
                    .unwrap_or_else(|| version.user_id.to_string());
            Ok((view, version, files, learner))
        })
        .await;
    visit.show_as(status, read, |(view, version, files, learner), chrome| {
        GradePage {
            chrome,
            view,
            version,
            files,
            learner,
            problems,
        }
    })
}

/// The grading page of a version of work.
pub(crate) async fn grade_form(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<SubmissionId>>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    grade_page(
        &state,
        &visit,
        &actor,
        id,
        Problems::default(),
        StatusCode::OK,
    )
    .await
}

/// Grades a version from the form (`level-{criterion}`, `points-{criterion}`,
/// `feedback-{criterion}` per criterion, and `feedback`), then shows it again.
pub(crate) async fn grade(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<SubmissionId>>,
    CheckedForm(form): CheckedForm<Fields>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&grade_path(id)));
    };
    let graded = visit
        .write(&state, async |tx| {
            let VersionRead::Staff(version) = assignments::read(tx, &actor, id).await? else {
                return Err(Refusal::Forbidden {
                    code: "PERMISSION_DENIED",
                    message: "only the course's graders grade work".into(),
                });
            };
            let view = assignments::settings(tx, &actor, version.assessment_id).await?;
            let mut criteria = Vec::new();
            for criterion in &view.rubric {
                let Some(level) = form.one(&format!("level-{}", criterion.id)) else {
                    continue;
                };
                let points = form
                    .one(&format!("points-{}", criterion.id))
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(|p| {
                        p.replace(',', ".")
                            .parse::<f64>()
                            .ok()
                            .and_then(|v| Points::try_from_f64(v).ok())
                            .ok_or_else(|| {
                                Refusal::from(lyceum_domain::ValidationError::InvalidAnswer(
                                    "points must be a number".into(),
                                ))
                            })
                    })
                    .transpose()?;
                criteria.push(CriterionGrade {
                    criterion: criterion.id.clone(),
                    level: level.to_owned(),
                    points,
                    feedback: form
                        .one(&format!("feedback-{}", criterion.id))
                        .map(str::to_owned),
                });
            }
            assignments::grade(tx, &actor, id, &criteria, form.one("feedback")).await
        })
        .await;
    match graded {
        Ok(_) => visit.redirect(&grade_path(id)),
        Err(e) => {
            let status = refusal_status(&e);
            let problems = Problems::of(&visit.locale, e);
            grade_page(&state, &visit, &actor, id, problems, status).await
        }
    }
}

/// Releases a version's grade, then shows it again.
pub(crate) async fn release(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<SubmissionId>>,
    _: CheckedForm<Protected>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&grade_path(id)));
    };
    let released = visit
        .write(&state, async |tx| {
            assignments::release(tx, &actor, id, Utc::now()).await
        })
        .await;
    match released {
        Ok(_) => visit.redirect(&grade_path(id)),
        Err(e) => {
            let status = refusal_status(&e);
            let problems = Problems::of(&visit.locale, e);
            grade_page(&state, &visit, &actor, id, problems, status).await
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct ReturnForm {
    #[serde(default)]
    feedback: String,
}

/// Sends a version back for another one, then shows it again.
pub(crate) async fn send_back(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<SubmissionId>>,
    CheckedForm(form): CheckedForm<ReturnForm>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&grade_path(id)));
    };
    let returned = visit
        .write(&state, async |tx| {
            assignments::send_back(tx, &actor, id, Some(&form.feedback)).await
        })
        .await;
    match returned {
        Ok(_) => visit.redirect(&grade_path(id)),
        Err(e) => {
            let status = refusal_status(&e);
            let problems = Problems::of(&visit.locale, e);
            grade_page(&state, &visit, &actor, id, problems, status).await
        }
    }
}
