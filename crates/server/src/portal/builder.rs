//! The course builder, for a course's staff: the course's page (its modules and lessons, each
//! with edit, move and delete; publishing and archiving; enrolling learners from a CSV file;
//! the learners' progress), the course's details and prerequisites, a module's title and
//! completion rule, moving and deleting modules and lessons (one set of handlers for both,
//! over [`Part`]), and the confirmations before deleting. The lesson editor is in `lessons`. Every change goes through a `lyceum_app` use case; a refusal about
//! what was sent comes back on the form, next to its field, with what was typed.

use super::i18n::PageLocale;
use super::pages::{to_sign_in, Id, Protected};
use super::staff::{messages, shown_in_form, Problems};
use super::{CheckedFile, CheckedForm, Chrome, Fields, Visit};
use crate::api::files::cover_addresses;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use lyceum_app::learning::content::{self, CourseOutline, Lesson, Module, Step};
use lyceum_app::learning::courses::{
    self, CourseDraft, CourseInput, InstructorChoice, PrerequisiteChoice, Removal,
};
use lyceum_app::learning::enrollments::{self, Student};
use lyceum_app::learning::import::{import_enrollments, ImportReport, MAX_CSV_BYTES};
use lyceum_app::{Actor, Refusal};
use lyceum_domain::{
    CompletionRule, CourseId, CourseSlug, CourseStatus, LessonId, ModuleId, Permission, UserId,
    ValidationError,
};
use lyceum_store::{TenantTx, WriteTx};
use serde::Deserialize;
use std::future::Future;

/// Learners listed on a course's builder page.
const LEARNERS_SHOWN: u32 = 200;

#[derive(Template)]
#[template(path = "portal/builder.html")]
struct Builder {
    chrome: Chrome,
    outline: CourseOutline,
    /// The address of the course's uploaded cover.
    cover: Option<String>,
    students: Vec<Student>,
    problems: Problems,
    /// The course is a draft the actor may delete (admins).
    may_delete: bool,
}

async fn builder_page(
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
            let outline = content::course_outline(tx, actor, id).await?;
            let students = enrollments::students(tx, actor, id, None, None, LEARNERS_SHOWN).await?;
            let mut covers =
                cover_addresses(state, tx, &visit.base, std::slice::from_ref(&course)).await?;
            Ok((outline, students, covers.remove(&id)))
        })
        .await;
    visit.show_as(status, read, |(outline, students, cover), chrome| Builder {
        chrome,
        cover,
        may_delete: actor.role.may(Permission::CourseDelete)
            && outline.course.status == CourseStatus::Draft,
        outline,
        students,
        problems,
    })
}

/// A course's builder: its modules and lessons with what can be done to them, publishing and
/// archiving, enrolling learners, and their progress.
pub(crate) async fn builder(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<CourseId>>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    builder_page(
        &state,
        &visit,
        &actor,
        id,
        Problems::default(),
        StatusCode::OK,
    )
    .await
}

/// The builder's address of a course.
pub(super) fn builder_path(course: CourseId) -> String {
    format!("/teach/courses/{course}")
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
        Ok(()) => visit.redirect(&builder_path(course)),
        Err(e) => match shown_in_form(&e) {
            Some(status) => {
                let problems = Problems::of(&visit.locale, e);
                builder_page(state, visit, actor, course, problems, status).await
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
        return to_sign_in(&visit, &visit.link(&builder_path(id)));
    };
    let added = visit
        .write(&state, async |tx| {
            content::add_module(tx, &actor, id, &form.title, None).await?;
            Ok(())
        })
        .await;
    after_change(&state, &visit, &actor, id, added).await
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
        return to_sign_in(&visit, &visit.link(&builder_path(id)));
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
    after_change(&state, &visit, &actor, id, changed).await
}

#[derive(Template)]
#[template(path = "portal/course_details.html")]
struct CourseDetails {
    chrome: Chrome,
    course: CourseId,
    title: String,
    description: String,
    /// The course's address name, as typed.
    slug: String,
    /// The most learners it takes, as typed (empty: no limit).
    seats: String,
    /// The people offered as instructors, `chosen` as typed.
    instructors: Vec<InstructorChoice>,
    /// The courses offered as prerequisites, `chosen` as typed.
    choices: Vec<PrerequisiteChoice>,
    problems: Problems,
    /// The titles along the prerequisite cycle the choice would make, first course last again.
    cycle: Vec<String>,
}

/// The form of a course's details: title, description, address name, seats, instructors and
/// prerequisites.
pub(crate) async fn details_form(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<CourseId>>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let read = visit
        .read(&state, async |tx| {
            let course = courses::editable_course(tx, &actor, id).await?;
            let instructors = courses::instructor_choices(tx, &actor, id).await?;
            let choices = courses::prerequisite_choices(tx, &actor, id).await?;
            Ok((course, instructors, choices))
        })
        .await;
    visit.show(read, |(course, instructors, choices), chrome| {
        CourseDetails {
            chrome,
            course: id,
            title: course.title,
            description: course.description,
            slug: course.slug.to_string(),
            seats: course
                .max_enrollment
                .map(|n| n.to_string())
                .unwrap_or_default(),
            instructors,
            choices,
            problems: Problems::default(),
            cycle: Vec::new(),
        }
    })
}

/// What the details form sends, read. A field the form did not send keeps what the course has
/// (`None`): the instructors' checkboxes count only beside their `instructors-shown` marker,
/// since a list with nothing ticked sends nothing.
struct TypedDetails {
    slug: Option<String>,
    seats: Option<Option<i32>>,
    instructors: Option<Vec<UserId>>,
    prerequisites: Vec<CourseId>,
}

impl TypedDetails {
    /// The details typed, or the field that could not be read with its message.
    fn read(fields: &Fields, locale: &PageLocale) -> Result<Self, Problems> {
        let seats = match fields.one("seats").map(str::trim) {
            None => None,
            Some("") => Some(None),
            Some(typed) => match typed.parse::<i32>() {
                Ok(n) if n >= 1 => Some(Some(n)),
                _ => return Err(Problems::at("seats", locale.msg("details-seats-invalid"))),
            },
        };
        let instructors = match fields.one("instructors-shown") {
            None => None,
            Some(_) => Some(
                fields
                    .all("instructor")
                    .map(str::parse)
                    .collect::<Result<Vec<UserId>, _>>()
                    .map_err(|_| Problems::at("instructors", messages::unknown_choice(locale)))?,
            ),
        };
        let prerequisites = fields
            .all("prerequisite")
            .map(str::parse)
            .collect::<Result<Vec<CourseId>, _>>()
            .map_err(|_| Problems::at("prerequisites", messages::unknown_choice(locale)))?;
        Ok(TypedDetails {
            slug: fields.one("slug").map(str::to_owned),
            seats,
            instructors,
            prerequisites,
        })
    }
}

/// Saves a course's details, instructors and prerequisites (its cover and settings stay); a
/// refusal (a taken address name, a cycle of prerequisites, an empty title, a course left
/// without instructors) re-shows the form with what was typed.
pub(crate) async fn save_details(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<CourseId>>,
    CheckedForm(fields): CheckedForm<Fields>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&format!("/teach/courses/{id}/details")));
    };
    let title = fields.text("title");
    let description = fields.text("description");
    let (problems, status, cycle) = match TypedDetails::read(&fields, &visit.locale) {
        Ok(typed) => {
            let saved = visit
                .write(&state, async |tx| {
                    let course = courses::editable_course(tx, &actor, id).await?;
                    let input = CourseInput {
                        draft: CourseDraft {
                            slug: match &typed.slug {
                                Some(slug) => CourseSlug::parse(slug)?,
                                None => course.slug,
                            },
                            title: title.clone(),
                            description: description.clone(),
                            cover_image: course.cover_image,
                            max_enrollment: typed.seats.unwrap_or(course.max_enrollment),
                            settings: course.settings,
                        },
                        instructors: typed.instructors,
                        prerequisites: Some(typed.prerequisites),
                    };
                    courses::replace(tx, &actor, id, &input).await?;
                    Ok(())
                })
                .await;
            match saved {
                Ok(()) => return visit.redirect(&builder_path(id)),
                Err(e) => match shown_in_form(&e) {
                    Some(status) => {
                        let cycle = match &e {
                            Refusal::Invalid(ValidationError::PrerequisiteCycle(path)) => {
                                path.clone()
                            }
                            _ => Vec::new(),
                        };
                        (Problems::of(&visit.locale, e), status, cycle)
                    }
                    None => return visit.problem(e),
                },
            }
        }
        Err(problems) => (problems, StatusCode::UNPROCESSABLE_ENTITY, Vec::new()),
    };
    let read = visit
        .read(&state, async |tx| {
            let instructors = courses::instructor_choices(tx, &actor, id).await?;
            let choices = courses::prerequisite_choices(tx, &actor, id).await?;
            Ok((instructors, choices))
        })
        .await;
    let (mut instructors, mut choices) = match read {
        Ok(read) => read,
        Err(e) => return visit.problem(e),
    };
    if fields.one("instructors-shown").is_some() {
        let typed: Vec<&str> = fields.all("instructor").collect();
        for choice in &mut instructors {
            choice.chosen = typed.contains(&choice.user.id.to_string().as_str());
        }
    }
    let typed: Vec<&str> = fields.all("prerequisite").collect();
    for choice in &mut choices {
        choice.chosen = typed.contains(&choice.course.id.to_string().as_str());
    }
    // The course itself is no choice: it goes by the title typed.
    let cycle = cycle
        .iter()
        .map(|step| {
            choices
                .iter()
                .find(|c| c.course.id == *step)
                .map_or_else(|| title.clone(), |c| c.course.title.clone())
        })
        .collect();
    let page = CourseDetails {
        chrome: visit.chrome(),
        course: id,
        title,
        description,
        slug: fields.text("slug"),
        seats: fields.text("seats"),
        instructors,
        choices,
        problems,
        cycle,
    };
    visit.page(status, &page)
}

/// What a confirmation before deleting names.
#[derive(Template)]
#[template(path = "portal/confirm_delete.html")]
pub(super) struct ConfirmDelete {
    pub chrome: Chrome,
    /// `course`, `module` or `lesson`.
    pub what: &'static str,
    pub name: String,
    /// Where the form posts.
    pub action: String,
    /// Where keeping it leads back to.
    pub back: String,
}

/// Asks before deleting a draft course (admins: `course:delete`).
pub(crate) async fn delete_course_form(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<CourseId>>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let read = visit
        .read(&state, async |tx| {
            actor.require(Permission::CourseDelete)?;
            courses::editable_course(tx, &actor, id).await
        })
        .await;
    visit.show(read, |course, chrome| ConfirmDelete {
        chrome,
        what: "course",
        name: course.title,
        action: visit.link(&format!("/teach/courses/{id}/delete")),
        back: visit.link(&builder_path(id)),
    })
}

/// Deletes a course, then back to the teaching page; one that has learners is archived
/// instead (the use case keeps their records), and its builder opens again.
pub(crate) async fn delete_course(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<CourseId>>,
    _: CheckedForm<Protected>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&builder_path(id)));
    };
    let removed = visit
        .write(&state, async |tx| courses::delete(tx, &actor, id).await)
        .await;
    match removed {
        Ok(Removal::Deleted(leftovers)) => {
            leftovers.remove(state.files.as_deref()).await;
            visit.redirect("/teach")
        }
        Ok(Removal::Archived(_)) => visit.redirect(&builder_path(id)),
        Err(e) => visit.problem(e),
    }
}

/// A lesson of the module as its completion rule's form offers it.
struct LessonChoice {
    id: LessonId,
    title: String,
    required: bool,
}

#[derive(Template)]
#[template(path = "portal/module.html")]
struct ModulePage {
    chrome: Chrome,
    module: ModuleId,
    course: CourseId,
    title: String,
    /// `all`, `at_least` or `required`.
    rule: &'static str,
    count: String,
    lessons: Vec<LessonChoice>,
    problems: Problems,
}

impl ModulePage {
    fn of(chrome: Chrome, module: Module, lessons: Vec<Lesson>) -> Self {
        let (rule, count, required) = match &module.completion_rule {
            CompletionRule::All => ("all", String::new(), Vec::new()),
            CompletionRule::AtLeast { count } => ("at_least", count.to_string(), Vec::new()),
            CompletionRule::Required { lessons } => ("required", String::new(), lessons.clone()),
        };
        ModulePage {
            chrome,
            module: module.id,
            course: module.course_id,
            title: module.title,
            rule,
            count,
            lessons: lessons
                .into_iter()
                .map(|l| LessonChoice {
                    required: required.contains(&l.id),
                    id: l.id,
                    title: l.title,
                })
                .collect(),
            problems: Problems::default(),
        }
    }
}

/// A module's form: its title and the rule that completes it.
pub(crate) async fn module_form(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<ModuleId>>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let read = visit
        .read(&state, async |tx| {
            content::module_to_edit(tx, &actor, id).await
        })
        .await;
    visit.show(read, |(module, lessons), chrome| {
        ModulePage::of(chrome, module, lessons)
    })
}

/// The completion rule a module's form names, or why it names none (in `locale`).
fn completion_rule(fields: &Fields, locale: &PageLocale) -> Result<CompletionRule, Problems> {
    match fields.one("rule") {
        Some("all") => Ok(CompletionRule::All),
        Some("at_least") => match fields.text("count").trim().parse::<u32>() {
            Ok(count) => Ok(CompletionRule::AtLeast { count }),
            Err(_) => Err(Problems::at("rule", messages::lesson_count(locale))),
        },
        Some("required") => {
            let lessons: Result<Vec<LessonId>, _> =
                fields.all("required").map(str::parse).collect();
            match lessons {
                Ok(lessons) if lessons.is_empty() => {
                    Err(Problems::at("rule", messages::required_lessons(locale)))
                }
                Ok(lessons) => Ok(CompletionRule::Required { lessons }),
                Err(_) => Err(Problems::at("rule", messages::unknown_choice(locale))),
            }
        }
        _ => Err(Problems::at("rule", messages::unknown_choice(locale))),
    }
}

/// Saves a module's title and completion rule; a refusal re-shows the form as typed.
pub(crate) async fn save_module(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<ModuleId>>,
    CheckedForm(fields): CheckedForm<Fields>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&format!("/teach/modules/{id}")));
    };
    let title = fields.text("title");
    let (problems, status) = match completion_rule(&fields, &visit.locale) {
        Ok(rule) => {
            let saved = visit
                .write(&state, async |tx| {
                    content::change_module(tx, &actor, id, Some(&title), Some(&rule)).await
                })
                .await;
            match saved {
                Ok(module) => return visit.redirect(&builder_path(module.course_id)),
                Err(e) => match shown_in_form(&e) {
                    Some(status) => (Problems::of(&visit.locale, e), status),
                    None => return visit.problem(e),
                },
            }
        }
        Err(problems) => (problems, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let read = visit
        .read(&state, async |tx| {
            content::module_to_edit(tx, &actor, id).await
        })
        .await;
    let (module, lessons) = match read {
        Ok(read) => read,
        Err(e) => return visit.problem(e),
    };
    let typed: Vec<&str> = fields.all("required").collect();
    let mut page = ModulePage::of(visit.chrome(), module, lessons);
    page.title = title;
    page.rule = match fields.one("rule") {
        Some("at_least") => "at_least",
        Some("required") => "required",
        _ => "all",
    };
    page.count = fields.text("count");
    for lesson in &mut page.lessons {
        lesson.required = typed.contains(&lesson.id.to_string().as_str());
    }
    page.problems = problems;
    visit.page(status, &page)
}

/// Which way a move button moves.
#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Direction {
    Earlier,
    Later,
}

#[derive(Deserialize)]
pub(crate) struct MoveForm {
    pub(super) step: Direction,
}

impl From<Direction> for Step {
    fn from(direction: Direction) -> Step {
        match direction {
            Direction::Earlier => Step::Earlier,
            Direction::Later => Step::Later,
        }
    }
}

/// A part of a course that the builder moves and deletes, one handler for both kinds: a
/// module (within its course) or a lesson (within its module). Each step is a use case's.
pub(crate) trait Part: Copy + Send + Sync + std::fmt::Display + 'static {
    /// Its name on the confirmation page (`module`, `lesson`) and in its paths
    /// (`/teach/{WHAT}s/{id}/...`).
    const WHAT: &'static str;

    /// Its title and its course, for one who may change it.
    fn to_delete(
        tx: &mut TenantTx,
        actor: &Actor,
        id: Self,
    ) -> impl Future<Output = Result<(String, CourseId), Refusal>> + Send;

    /// Moves it one place; answers its course.
    fn shift(
        tx: &mut WriteTx,
        actor: &Actor,
        id: Self,
        step: Step,
    ) -> impl Future<Output = Result<CourseId, Refusal>> + Send;

    /// Deletes it; answers its course.
    fn remove(
        tx: &mut WriteTx,
        actor: &Actor,
        id: Self,
    ) -> impl Future<Output = Result<CourseId, Refusal>> + Send;
}

impl Part for ModuleId {
    const WHAT: &'static str = "module";

    async fn to_delete(
        tx: &mut TenantTx,
        actor: &Actor,
        id: Self,
    ) -> Result<(String, CourseId), Refusal> {
        let (module, _) = content::module_to_edit(tx, actor, id).await?;
        Ok((module.title, module.course_id))
    }

    async fn shift(
        tx: &mut WriteTx,
        actor: &Actor,
        id: Self,
        step: Step,
    ) -> Result<CourseId, Refusal> {
        content::move_module(tx, actor, id, step).await
    }

    async fn remove(tx: &mut WriteTx, actor: &Actor, id: Self) -> Result<CourseId, Refusal> {
        let course = content::module_course(tx, actor, id).await?;
        content::remove_module(tx, actor, id).await?;
        Ok(course)
    }
}

impl Part for LessonId {
    const WHAT: &'static str = "lesson";

    async fn to_delete(
        tx: &mut TenantTx,
        actor: &Actor,
        id: Self,
    ) -> Result<(String, CourseId), Refusal> {
        let (lesson, course) = content::lesson_to_edit(tx, actor, id).await?;
        Ok((lesson.title, course))
    }

    async fn shift(
        tx: &mut WriteTx,
        actor: &Actor,
        id: Self,
        step: Step,
    ) -> Result<CourseId, Refusal> {
        content::move_lesson(tx, actor, id, step).await
    }

    async fn remove(tx: &mut WriteTx, actor: &Actor, id: Self) -> Result<CourseId, Refusal> {
        let (_, course) = content::lesson_to_edit(tx, actor, id).await?;
        content::remove_lesson(tx, actor, id).await?;
        Ok(course)
    }
}

/// Moves a module or a lesson one place up or down, then back to the builder.
pub(crate) async fn move_part<P: Part>(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<P>>,
    CheckedForm(form): CheckedForm<MoveForm>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/teach"));
    };
    let moved = visit
        .write(&state, async |tx| {
            P::shift(tx, &actor, id, form.step.into()).await
        })
        .await;
    match moved {
        Ok(course) => visit.redirect(&builder_path(course)),
        Err(e) => visit.problem(e),
    }
}

/// Asks before deleting a module (and its lessons) or a lesson.
pub(crate) async fn delete_part_form<P: Part>(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<P>>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let read = visit
        .read(&state, async |tx| P::to_delete(tx, &actor, id).await)
        .await;
    visit.show(read, |(name, course), chrome| ConfirmDelete {
        chrome,
        what: P::WHAT,
        name,
        action: visit.link(&format!("/teach/{}s/{id}/delete", P::WHAT)),
        back: visit.link(&builder_path(course)),
    })
}

/// Deletes a module and its lessons, or a lesson (learners' progress on what goes goes with
/// it), then back to the builder.
pub(crate) async fn delete_part<P: Part>(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<P>>,
    _: CheckedForm<Protected>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/teach"));
    };
    let removed = visit
        .write(&state, async |tx| P::remove(tx, &actor, id).await)
        .await;
    match removed {
        Ok(course) => visit.redirect(&builder_path(course)),
        Err(e) => visit.problem(e),
    }
}

#[derive(Template)]
#[template(path = "portal/import_report.html")]
struct ImportReportPage {
    chrome: Chrome,
    report: ImportReport,
    course: CourseId,
}

/// Enrolls the learners an uploaded CSV file names, and shows the result of each row; a file
/// refused as a whole comes back on the builder, next to the file field.
pub(crate) async fn import(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<CourseId>>,
    CheckedFile(csv): CheckedFile<MAX_CSV_BYTES>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&builder_path(id)));
    };
    let report = visit
        .write(&state, async |tx| {
            import_enrollments(tx, &actor, id, &csv).await
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
                let problems = Problems::at("csv", visit.locale.explain(e));
                builder_page(&state, &visit, &actor, id, problems, status).await
            }
            None => visit.problem(e),
        },
    }
}
