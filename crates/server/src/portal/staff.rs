//! The portal's pages for course staff and tenant admins: the courses one can edit, a course
//! builder (modules, text lessons, publishing, archiving) with the learners' progress, and the
//! people of the tenant (inviting, changing roles, deactivating) with the plan's usage. The
//! rules (who may, plan limits, the last admin) are the use cases'; a refusal is shown on the
//! page it came from, with what the person typed.

use super::pages::{to_sign_in, Id, Protected};
use super::{CheckedForm, Chrome, Visit};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use lyceum_app::identity::invitations::{self, InvitationToken};
use lyceum_app::identity::users::{self, NewPerson};
use lyceum_app::identity::User;
use lyceum_app::learning::content::{self, CourseOutline, LessonInput};
use lyceum_app::learning::courses::{self, Course, CourseDraft, CourseInput};
use lyceum_app::learning::enrollments::{self, Student};
use lyceum_app::learning::import::{import_enrollments, ImportReport};
use lyceum_app::tenant::plan_usage;
use lyceum_app::{Actor, Refusal};
use lyceum_domain::{
    CourseId, CourseSlug, CourseStatus, LessonKind, ModuleId, Permission, Plan, Role, UserId,
};
use serde::Deserialize;

/// Learners listed on a course's builder page.
const LEARNERS_SHOWN: u32 = 200;
/// People listed on the people page.
const PEOPLE_SHOWN: u32 = 200;

#[derive(Template)]
#[template(path = "portal/teach.html")]
struct Teaching {
    chrome: Chrome,
    courses: Vec<Course>,
}

/// The courses the signed-in instructor (or admin) can edit.
pub(crate) async fn teaching(State(state): State<AppState>, visit: Visit) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let editable = visit
        .read(&state, async |tx| {
            actor.require(Permission::CourseEdit)?;
            let query = courses::CatalogQuery {
                visibility: courses::catalog_visibility(&actor),
                status: None,
                search: None,
                after: None,
                limit: 200,
            };
            let mut editable = Vec::new();
            for course in courses::catalog(tx, &actor, &query).await? {
                if actor.is_staff_of(tx, course.id).await? {
                    editable.push(course);
                }
            }
            Ok(editable)
        })
        .await;
    visit.show(editable, |courses, chrome| Teaching { chrome, courses })
}

#[derive(Template)]
#[template(path = "portal/new_course.html")]
struct NewCourse {
    chrome: Chrome,
    problem: Option<String>,
    title: String,
    slug: String,
    description: String,
}

/// The form to start a course.
pub(crate) async fn new_course_form(visit: Visit) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    if let Err(e) = actor.require(Permission::CourseCreate) {
        return visit.problem(e);
    }
    let page = NewCourse {
        chrome: visit.chrome(),
        problem: None,
        title: String::new(),
        slug: String::new(),
        description: String::new(),
    };
    visit.page(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub(crate) struct NewCourseForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    description: String,
}

/// Creates a draft course, then opens its builder; a refusal re-shows the form.
pub(crate) async fn new_course(
    State(state): State<AppState>,
    visit: Visit,
    CheckedForm(form): CheckedForm<NewCourseForm>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/teach/new"));
    };
    let created = async {
        let input = CourseInput {
            draft: CourseDraft {
                slug: CourseSlug::parse(&form.slug)?,
                title: form.title.clone(),
                description: form.description.clone(),
                cover_image: None,
                max_enrollment: None,
                settings: serde_json::json!({}),
            },
            instructors: None,
            prerequisites: None,
        };
        let mut tx = state.store.begin_write(&visit.tenant).await?;
        let course = courses::create(&mut tx, &actor, &input).await?.course;
        tx.commit().await?;
        Ok::<_, Refusal>(course.id)
    };
    match created.await {
        Ok(id) => visit.redirect(&format!("/teach/courses/{id}")),
        Err(e) => match shown_in_form(&e) {
            Some(status) => {
                let page = NewCourse {
                    chrome: visit.chrome(),
                    problem: Some(visit.locale.explain(e)),
                    title: form.title,
                    slug: form.slug,
                    description: form.description,
                };
                visit.page(status, &page)
            }
            None => visit.problem(e),
        },
    }
}

/// The status a refusal a form can explain is shown with (the form comes back with it); `None`
/// for refusals that are not about what was typed.
fn shown_in_form(refusal: &Refusal) -> Option<StatusCode> {
    match refusal {
        Refusal::Invalid(_) | Refusal::Unacceptable { .. } => {
            Some(StatusCode::UNPROCESSABLE_ENTITY)
        }
        Refusal::Store(e) if e.code() == "CONFLICT" || e.code() == "VALIDATION_FAILED" => {
            Some(StatusCode::UNPROCESSABLE_ENTITY)
        }
        Refusal::Conflict { .. } => Some(StatusCode::CONFLICT),
        Refusal::Forbidden { code, .. } if *code == "PLAN_LIMIT_REACHED" => {
            Some(StatusCode::FORBIDDEN)
        }
        _ => None,
    }
}

#[derive(Template)]
#[template(path = "portal/builder.html")]
struct Builder {
    chrome: Chrome,
    outline: CourseOutline,
    students: Vec<Student>,
    problem: Option<String>,
}

async fn builder_page(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    id: CourseId,
    problem: Option<String>,
    status: StatusCode,
) -> Response {
    let read = visit
        .read(state, async |tx| {
            courses::editable_course(tx, actor, id).await?;
            let outline = content::course_outline(tx, actor, id).await?;
            let students = enrollments::students(tx, actor, id, None, LEARNERS_SHOWN).await?;
            Ok((outline, students))
        })
        .await;
    match read {
        Ok((outline, students)) => {
            let page = Builder {
                chrome: visit.chrome(),
                outline,
                students,
                problem,
            };
            visit.page(status, &page)
        }
        Err(e) => visit.problem(e),
    }
}

/// A course's builder: its modules and lessons, forms to add to them, publishing and
/// archiving, and its learners' progress.
pub(crate) async fn builder(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<CourseId>>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    builder_page(&state, &visit, &actor, id, None, StatusCode::OK).await
}

/// After a builder form: back to the builder, or the builder again with the refusal.
async fn after_change(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    course: CourseId,
    outcome: Result<(), Refusal>,
) -> Response {
    match outcome {
        Ok(()) => visit.redirect(&format!("/teach/courses/{course}")),
        Err(e) => match shown_in_form(&e) {
            Some(status) => {
                builder_page(
                    state,
                    visit,
                    actor,
                    course,
                    Some(visit.locale.explain(e)),
                    status,
                )
                .await
            }
            None => visit.problem(e),
        },
    }
}

#[derive(Deserialize)]
pub(crate) struct TitleForm {
    #[serde(default)]
    title: String,
}

/// Adds a module to the course.
pub(crate) async fn add_module(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<CourseId>>,
    CheckedForm(form): CheckedForm<TitleForm>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&format!("/teach/courses/{id}")));
    };
    let added = visit
        .write(&state, async |tx| {
            content::add_module(tx, &actor, id, &form.title, None).await?;
            Ok(())
        })
        .await;
    let outcome = added;
    after_change(&state, &visit, &actor, id, outcome).await
}

#[derive(Deserialize)]
pub(crate) struct LessonForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    markdown: String,
}

/// Adds a text lesson (one Markdown block) to a module.
pub(crate) async fn add_lesson(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<ModuleId>>,
    CheckedForm(form): CheckedForm<LessonForm>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/teach"));
    };
    let lesson = LessonInput {
        title: form.title.clone(),
        kind: LessonKind::Text,
        content: serde_json::json!([{"type": "markdown", "markdown": form.markdown}]),
        duration_seconds: None,
        release_rule: None,
    };
    let added = match lesson.draft().await {
        Ok(draft) => {
            visit
                .write(&state, async |tx| {
                    let course = content::module_course(tx, &actor, id).await?;
                    content::add_lesson(tx, &actor, id, &draft).await?;
                    Ok(course)
                })
                .await
        }
        Err(e) => Err(e),
    };
    match added {
        Ok(course) => visit.redirect(&format!("/teach/courses/{course}")),
        Err(e) => visit.problem(e),
    }
}

/// Publishes the course (it needs a lesson; the builder says so otherwise).
pub(crate) async fn publish(
    state: State<AppState>,
    visit: Visit,
    path: Path<Id<CourseId>>,
    form: CheckedForm<Protected>,
) -> Response {
    set_status(state, visit, path, form, CourseStatus::Published).await
}

/// Archives the course.
pub(crate) async fn archive(
    state: State<AppState>,
    visit: Visit,
    path: Path<Id<CourseId>>,
    form: CheckedForm<Protected>,
) -> Response {
    set_status(state, visit, path, form, CourseStatus::Archived).await
}

async fn set_status(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<CourseId>>,
    _: CheckedForm<Protected>,
    to: CourseStatus,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&format!("/teach/courses/{id}")));
    };
    let changed = visit
        .write(&state, async |tx| {
            match to {
                CourseStatus::Published => courses::publish(tx, &actor, id).await?,
                _ => courses::archive(tx, &actor, id).await?,
            };
            Ok(())
        })
        .await;
    let outcome = changed;
    after_change(&state, &visit, &actor, id, outcome).await
}

#[derive(Template)]
#[template(path = "portal/people.html")]
struct People {
    chrome: Chrome,
    people: Vec<User>,
    roles: [Role; 3],
    plan: Plan,
    students: i64,
    max_students: Option<u32>,
    problem: Option<String>,
    invitation: Option<String>,
    form_email: String,
    form_name: String,
}

/// What the people page shows besides the list: a refusal and the form as typed, or the
/// invitation link just made.
#[derive(Default)]
struct PeopleNote {
    problem: Option<String>,
    invitation: Option<String>,
    email: String,
    name: String,
}

async fn people_page(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    note: PeopleNote,
    status: StatusCode,
) -> Response {
    let read = visit
        .read(state, async |tx| {
            let people = users::list(tx, actor, None, PEOPLE_SHOWN).await?;
            let usage = plan_usage(tx, actor).await?;
            Ok((people, usage))
        })
        .await;
    match read {
        Ok((people, usage)) => {
            let page = People {
                chrome: visit.chrome(),
                people,
                roles: [Role::Student, Role::Instructor, Role::Admin],
                plan: usage.plan,
                students: usage.students,
                max_students: usage.max_students,
                problem: note.problem,
                invitation: note.invitation,
                form_email: note.email,
                form_name: note.name,
            };
            visit.page(status, &page)
        }
        Err(e) => visit.problem(e),
    }
}

/// The tenant's people, with the plan's usage and a form to invite someone.
pub(crate) async fn people(State(state): State<AppState>, visit: Visit) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    people_page(
        &state,
        &visit,
        &actor,
        PeopleNote::default(),
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
pub(crate) struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    role: Option<Role>,
}

/// Invites a person: an invited user and the one-time link to pass on (Lyceum sends no mail
/// yet).
pub(crate) async fn invite(
    State(state): State<AppState>,
    visit: Visit,
    CheckedForm(form): CheckedForm<InviteForm>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/admin/people"));
    };
    let person = NewPerson {
        email: form.email.trim().to_owned(),
        display_name: form.display_name.clone(),
        role: form.role.unwrap_or(Role::Student),
        password: None,
    };
    let invited = visit
        .write(&state, async |tx| {
            let (_, invitation) = users::create(tx, &actor, person).await?;
            Ok(invitation)
        })
        .await;
    match invited {
        Ok(invitation) => {
            let note = PeopleNote {
                invitation: invitation.map(|i| invitation_link(&visit, &i)),
                ..PeopleNote::default()
            };
            people_page(&state, &visit, &actor, note, StatusCode::CREATED).await
        }
        Err(e) => match shown_in_form(&e) {
            Some(status) => {
                let note = PeopleNote {
                    problem: Some(visit.locale.explain(e)),
                    email: form.email,
                    name: form.display_name,
                    ..PeopleNote::default()
                };
                people_page(&state, &visit, &actor, note, status).await
            }
            None => visit.problem(e),
        },
    }
}

#[derive(Deserialize)]
pub(crate) struct RoleForm {
    role: Role,
}

/// Gives a person another role.
pub(crate) async fn set_role(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<UserId>>,
    CheckedForm(form): CheckedForm<RoleForm>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/admin/people"));
    };
    let changed = visit
        .write(&state, async |tx| {
            users::change(tx, &actor, id, None, Some(form.role)).await?;
            Ok(())
        })
        .await;
    after_people_change(&state, &visit, &actor, changed).await
}

/// Deactivates a person: they are signed out everywhere.
pub(crate) async fn deactivate(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<UserId>>,
    _: CheckedForm<Protected>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/admin/people"));
    };
    let changed = visit
        .write(&state, async |tx| {
            users::deactivate(tx, &actor, id).await?;
            Ok(())
        })
        .await;
    after_people_change(&state, &visit, &actor, changed).await
}

async fn after_people_change(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    outcome: Result<(), Refusal>,
) -> Response {
    match outcome {
        Ok(()) => visit.redirect("/admin/people"),
        Err(e) => match shown_in_form(&e) {
            Some(status) => {
                let note = PeopleNote {
                    problem: Some(visit.locale.explain(e)),
                    ..PeopleNote::default()
                };
                people_page(state, visit, actor, note, status).await
            }
            None => visit.problem(e),
        },
    }
}

#[derive(Template)]
#[template(path = "portal/import_report.html")]
struct ImportReportPage {
    chrome: Chrome,
    report: ImportReport,
    course: CourseId,
}

#[derive(Deserialize)]
pub(crate) struct CsvForm {
    #[serde(default)]
    csv: String,
}

/// Enrolls the learners a pasted CSV names, and shows the result of each row.
pub(crate) async fn import(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<CourseId>>,
    CheckedForm(form): CheckedForm<CsvForm>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&format!("/teach/courses/{id}")));
    };
    let report = visit
        .write(&state, async |tx| {
            import_enrollments(tx, &actor, id, form.csv.as_bytes()).await
        })
        .await;
    match report {
        Ok(report) => {
            let page = ImportReportPage {
                chrome: visit.chrome(),
                report,
                course: id,
            };
            visit.page(StatusCode::OK, &page)
        }
        Err(e) => match shown_in_form(&e) {
            Some(status) => {
                builder_page(
                    &state,
                    &visit,
                    &actor,
                    id,
                    Some(visit.locale.explain(e)),
                    status,
                )
                .await
            }
            None => visit.problem(e),
        },
    }
}

/// The portal address an invitation's token opens.
fn invitation_link(visit: &Visit, invitation: &InvitationToken) -> String {
    let query = super::pages::url_encode(&invitation.token);
    visit.link(&format!("/accept-invitation?token={query}"))
}

/// Invites an invited person again: a new link; the earlier ones stop working.
pub(crate) async fn reinvite(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<UserId>>,
    _: CheckedForm<Protected>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/admin/people"));
    };
    let invited = visit
        .write(&state, async |tx| {
            invitations::reinvite(tx, &actor, id).await
        })
        .await;
    match invited {
        Ok(invitation) => {
            let note = PeopleNote {
                invitation: Some(invitation_link(&visit, &invitation)),
                ..PeopleNote::default()
            };
            people_page(&state, &visit, &actor, note, StatusCode::CREATED).await
        }
        Err(e) => visit.problem(e),
    }
}
