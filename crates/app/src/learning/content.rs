//! A course's content: modules (title, completion rule, order) and their lessons (typed content
//! blocks validated by the domain rules, release rules that hold lessons back from learners),
//! who reads and who edits them, and the events each change records.

use super::courses::{course_content, editable_course, visible_course};
use super::progress::lesson_locked;
use super::Release;
use crate::work::Workers;
use crate::{Actor, Refusal};
use lyceum_domain::{
    events, CompletionRule, CourseId, LessonId, LessonKind, ModuleId, ReleaseRule,
};
use lyceum_store::repo::lessons::{self, LessonDraft};
use lyceum_store::repo::modules;
use lyceum_store::repo::outbox;
use lyceum_store::{TenantTx, WriteTx};
use serde::Serialize;
use std::time::Duration;

pub use lyceum_store::repo::lessons::Lesson;
pub use lyceum_store::repo::modules::Module;

fn module_not_found() -> Refusal {
    Refusal::not_found("no such module")
}

fn lesson_not_found() -> Refusal {
    Refusal::not_found("no such lesson")
}

/// The modules of a course the actor may see, in order.
pub async fn modules_of(
    tx: &mut TenantTx,
    actor: &Actor,
    course: CourseId,
) -> Result<Vec<Module>, Refusal> {
    visible_course(tx, actor, course).await?;
    Ok(modules::for_course(tx, course).await?)
}

/// Adds a module (completion rule `all` unless given) to a course the actor edits. Records
/// `module.created`.
pub async fn add_module(
    tx: &mut WriteTx,
    actor: &Actor,
    course: CourseId,
    title: &str,
    rule: Option<CompletionRule>,
) -> Result<Module, Refusal> {
    tx.affects_all_users();
    editable_course(tx, actor, course).await?;
    let rule = rule.unwrap_or(CompletionRule::All);
    rule.validate(&[])?;
    let module = modules::insert(tx, course, title, &rule).await?;
    let created = events::ModuleCreated {
        course_id: course,
        module_id: module.id,
    };
    outbox::append(tx, Some(actor.user), &created.into()).await?;
    Ok(module)
}

/// A module of a course the actor may change.
async fn editable_module(
    tx: &mut TenantTx,
    actor: &Actor,
    id: ModuleId,
) -> Result<Module, Refusal> {
    let module = modules::get(tx, id).await?.ok_or_else(module_not_found)?;
    editable_course(tx, actor, module.course_id).await?;
    Ok(module)
}

/// The course of a module the actor may change.
pub async fn module_course(
    tx: &mut TenantTx,
    actor: &Actor,
    module: ModuleId,
) -> Result<CourseId, Refusal> {
    Ok(editable_module(tx, actor, module).await?.course_id)
}

/// Changes a module's title and completion rule (checked against its lessons). Records
/// `module.updated`.
pub async fn change_module(
    tx: &mut WriteTx,
    actor: &Actor,
    id: ModuleId,
    title: Option<&str>,
    rule: Option<&CompletionRule>,
) -> Result<Module, Refusal> {
    tx.affects_all_users();
    editable_module(tx, actor, id).await?;
    if let Some(rule) = rule {
        let ids: Vec<_> = lessons::for_module(tx, id)
            .await?
            .into_iter()
            .map(|l| l.id)
            .collect();
        rule.validate(&ids)?;
    }
    let module = modules::update(tx, id, title, rule)
        .await?
        .ok_or_else(module_not_found)?;
    let updated = events::ModuleUpdated {
        course_id: module.course_id,
        module_id: id,
    };
    outbox::append(tx, Some(actor.user), &updated.into()).await?;
    Ok(module)
}

/// Removes a module and its lessons. Records `module.deleted`.
pub async fn remove_module(tx: &mut WriteTx, actor: &Actor, id: ModuleId) -> Result<(), Refusal> {
    tx.affects_all_users();
    let module = editable_module(tx, actor, id).await?;
    modules::delete(tx, id).await?;
    let deleted = events::ModuleDeleted {
        course_id: module.course_id,
        module_id: id,
    };
    outbox::append(tx, Some(actor.user), &deleted.into()).await?;
    Ok(())
}

/// Puts a course's modules in `order` (every module once). Records `modules.reordered`.
pub async fn reorder_modules(
    tx: &mut WriteTx,
    actor: &Actor,
    course: CourseId,
    order: Vec<ModuleId>,
) -> Result<Vec<Module>, Refusal> {
    tx.affects_all_users();
    editable_course(tx, actor, course).await?;
    let items = modules::reorder(tx, course, &order).await?;
    let reordered = events::ModulesReordered {
        course_id: course,
        order,
    };
    outbox::append(tx, Some(actor.user), &reordered.into()).await?;
    Ok(items)
}

/// One place earlier or later in an ordered list (a course's modules, a module's lessons).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Earlier,
    Later,
}

impl Step {
    /// `order` with the item at `at` swapped with its neighbour in this direction; `None` when
    /// it is first (earlier) or last (later) already.
    fn applied<T: Copy>(self, order: &[T], at: usize) -> Option<Vec<T>> {
        let other = match self {
            Step::Earlier => at.checked_sub(1)?,
            Step::Later => Some(at + 1).filter(|&i| i < order.len())?,
        };
        let mut moved = order.to_vec();
        moved.swap(at, other);
        Some(moved)
    }
}

/// Moves a module one place in its course (see [`reorder_modules`]); a module already first
/// or last stays where it is, and nothing is recorded. Answers the module's course.
pub async fn move_module(
    tx: &mut WriteTx,
    actor: &Actor,
    id: ModuleId,
    step: Step,
) -> Result<CourseId, Refusal> {
    let course = editable_module(tx, actor, id).await?.course_id;
    let order: Vec<ModuleId> = modules::for_course(tx, course)
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect();
    let at = order
        .iter()
        .position(|m| *m == id)
        .ok_or_else(module_not_found)?;
    if let Some(order) = step.applied(&order, at) {
        reorder_modules(tx, actor, course, order).await?;
    }
    Ok(course)
}

/// A module of a course the actor may change, with its lessons in order (its editor's page).
pub async fn module_to_edit(
    tx: &mut TenantTx,
    actor: &Actor,
    id: ModuleId,
) -> Result<(Module, Vec<Lesson>), Refusal> {
    let module = editable_module(tx, actor, id).await?;
    let lessons = lessons::for_module(tx, id).await?;
    Ok((module, lessons))
}

/// A lesson as a reader of the course sees it: a lesson its release rule still holds back from
/// the learner is listed without its content.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LessonView {
    #[serde(flatten)]
    pub lesson: Lesson,
    /// Held back by its release rule (learners only).
    pub locked: bool,
}

/// The lessons of a module of a course whose content the actor may read, in order.
pub async fn lessons_of(
    tx: &mut TenantTx,
    actor: &Actor,
    module: ModuleId,
) -> Result<Vec<LessonView>, Refusal> {
    let module = modules::get(tx, module)
        .await?
        .ok_or_else(module_not_found)?;
    let (_, enrollment) = course_content(tx, actor, module.course_id).await?;
    let module_lessons = lessons::for_module(tx, module.id).await?;
    // Release rules bind learners only, and only lessons that have one.
    let held_back = enrollment.is_some() && module_lessons.iter().any(|l| l.release_rule.is_some());
    let release = if held_back {
        Some(Release::load(tx, module.course_id, actor.user).await?)
    } else {
        None
    };
    Ok(module_lessons
        .into_iter()
        .map(|mut lesson| {
            let locked = release.as_ref().is_some_and(|r| r.locked(&lesson));
            if locked {
                lesson.content = serde_json::Value::Array(Vec::new());
            }
            LessonView { lesson, locked }
        })
        .collect())
}

/// A lesson's place in a course outline, as its reader sees it.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutlineLesson {
    pub id: LessonId,
    pub title: String,
    pub kind: LessonKind,
    /// Held back from the learner by its release rule.
    pub locked: bool,
    /// Completed by the reader.
    pub completed: bool,
}

/// A module of a course outline with its lessons in order.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutlineModule {
    pub module: Module,
    pub lessons: Vec<OutlineLesson>,
}

/// A course as its reader (staff, or an enrolled learner) goes through it: its modules and
/// lessons in order, which are locked and completed, and the reader's progress.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CourseOutline {
    pub course: super::courses::Course,
    pub modules: Vec<OutlineModule>,
    pub progress: lyceum_domain::CourseProgress,
}

/// The outline of a course whose content the actor may read.
pub async fn course_outline(
    tx: &mut TenantTx,
    actor: &Actor,
    course: CourseId,
) -> Result<CourseOutline, Refusal> {
    let (course, enrollment) = course_content(tx, actor, course).await?;
    let release = Release::load(tx, course.id, actor.user).await?;
    let mut outline = Vec::new();
    for module in modules::for_course(tx, course.id).await? {
        let lessons = lessons::for_module(tx, module.id)
            .await?
            .into_iter()
            .map(|lesson| OutlineLesson {
                locked: enrollment.is_some() && release.locked(&lesson),
                completed: release.completed(lesson.id),
                id: lesson.id,
                title: lesson.title,
                kind: lesson.kind,
            })
            .collect();
        outline.push(OutlineModule { module, lessons });
    }
    let progress = super::course_progress(tx, &[course.id], actor.user)
        .await?
        .remove(&course.id)
        .unwrap_or_default();
    Ok(CourseOutline {
        course,
        modules: outline,
        progress,
    })
}

/// A lesson as its editor gives it; [`LessonInput::draft`] checks its content.
#[derive(Debug, Clone)]
pub struct LessonInput {
    pub title: String,
    pub kind: LessonKind,
    pub content: serde_json::Value,
    pub duration_seconds: Option<i32>,
    pub release_rule: Option<ReleaseRule>,
}

/// Longest the checking and rendering of one lesson's content may take, waiting for a
/// rendering thread included.
const RENDER_BUDGET: Duration = Duration::from_secs(5);

/// The threads lesson content is rendered on.
static RENDERING: Workers = Workers::new("render");

impl LessonInput {
    /// The content blocks validated for the lesson's kind (Markdown rendered to sanitised
    /// HTML); a video lesson's duration taken from its video when not given. Rendering runs on
    /// its own threads, off the async executor, within [`RENDER_BUDGET`]
    /// (`CONTENT_TOO_COMPLEX` past it), so heavy content stalls no other request.
    pub async fn draft(self) -> Result<LessonDraft, Refusal> {
        self.draft_within(RENDER_BUDGET).await
    }

    async fn draft_within(self, budget: Duration) -> Result<LessonDraft, Refusal> {
        let (kind, blocks) = (self.kind, self.content);
        let content = RENDERING
            .run_within(budget, move || {
                lyceum_domain::validate_content(kind, &blocks)
            })
            .await?
            .ok_or_else(|| Refusal::Unacceptable {
                code: "CONTENT_TOO_COMPLEX",
                message: format!(
                    "the lesson's content could not be checked and rendered within {} seconds; \
                     split it into smaller lessons",
                    budget.as_secs()
                ),
            })??;
        let duration_seconds = self.duration_seconds.or_else(|| {
            lyceum_domain::video_duration(&content).and_then(|d| i32::try_from(d).ok())
        });
        Ok(LessonDraft {
            title: self.title,
            kind: self.kind,
            content,
            duration_seconds,
            release_rule: self.release_rule,
        })
    }
}

/// Adds a lesson to a module the actor edits. Records `lesson.created`.
pub async fn add_lesson(
    tx: &mut WriteTx,
    actor: &Actor,
    module: ModuleId,
    draft: &LessonDraft,
) -> Result<Lesson, Refusal> {
    tx.affects_all_users();
    let module = editable_module(tx, actor, module).await?;
    crate::assessments::check_lesson_link(tx, module.course_id, draft.kind, &draft.content).await?;
    let lesson = lessons::insert(tx, module.id, draft).await?;
    let created = events::LessonCreated {
        course_id: module.course_id,
        module_id: module.id,
        lesson_id: lesson.id,
        kind: lesson.kind,
    };
    outbox::append(tx, Some(actor.user), &created.into()).await?;
    Ok(lesson)
}

/// A lesson the actor may read, and its course: staff of the course, or an enrolled learner
/// once its release rule lets them (`LESSON_LOCKED` before).
pub async fn readable_lesson(
    tx: &mut TenantTx,
    actor: &Actor,
    id: LessonId,
) -> Result<(Lesson, CourseId), Refusal> {
    let lesson = lessons::get(tx, id).await?.ok_or_else(lesson_not_found)?;
    let course = lessons::course_of(tx, id)
        .await?
        .ok_or_else(lesson_not_found)?;
    let (_, enrollment) = course_content(tx, actor, course).await?;
    if enrollment.is_some()
        && lesson.release_rule.is_some()
        && Release::load(tx, course, actor.user).await?.locked(&lesson)
    {
        return Err(lesson_locked());
    }
    Ok((lesson, course))
}

/// A lesson of a course the actor may change, whole (release rule and content, also for
/// staff of a course whose learners it is locked to), with its course.
pub async fn lesson_to_edit(
    tx: &mut TenantTx,
    actor: &Actor,
    id: LessonId,
) -> Result<(Lesson, CourseId), Refusal> {
    let lesson = lessons::get(tx, id).await?.ok_or_else(lesson_not_found)?;
    let course = editable_module(tx, actor, lesson.module_id)
        .await?
        .course_id;
    Ok((lesson, course))
}

/// Replaces a lesson. Records `lesson.updated`.
pub async fn replace_lesson(
    tx: &mut WriteTx,
    actor: &Actor,
    id: LessonId,
    draft: &LessonDraft,
) -> Result<Lesson, Refusal> {
    tx.affects_all_users();
    let (_, course) = lesson_to_edit(tx, actor, id).await?;
    crate::assessments::check_lesson_link(tx, course, draft.kind, &draft.content).await?;
    let lesson = lessons::replace(tx, id, draft)
        .await?
        .ok_or_else(lesson_not_found)?;
    let updated = events::LessonUpdated {
        lesson_id: id,
        course_id: course,
        by: actor.user,
    };
    outbox::append(tx, Some(actor.user), &updated.into()).await?;
    Ok(lesson)
}

/// Removes a lesson (learners' progress on it goes with it). Records `lesson.deleted`.
pub async fn remove_lesson(tx: &mut WriteTx, actor: &Actor, id: LessonId) -> Result<(), Refusal> {
    tx.affects_all_users();
    let (lesson, course) = lesson_to_edit(tx, actor, id).await?;
    lessons::delete(tx, id).await?;
    let deleted = events::LessonDeleted {
        lesson_id: id,
        module_id: lesson.module_id,
        course_id: course,
        by: actor.user,
    };
    outbox::append(tx, Some(actor.user), &deleted.into()).await?;
    Ok(())
}

/// Puts a module's lessons in `order` (every lesson once). Records `lessons.reordered`.
pub async fn reorder_lessons(
    tx: &mut WriteTx,
    actor: &Actor,
    module: ModuleId,
    order: Vec<LessonId>,
) -> Result<Vec<Lesson>, Refusal> {
    tx.affects_all_users();
    let course = editable_module(tx, actor, module).await?.course_id;
    let items = lessons::reorder(tx, module, &order).await?;
    let reordered = events::LessonsReordered {
        module_id: module,
        course_id: course,
        order,
    };
    outbox::append(tx, Some(actor.user), &reordered.into()).await?;
    Ok(items)
}

/// Moves a lesson one place in its module (see [`reorder_lessons`]); a lesson already first or
/// last stays where it is, and nothing is recorded. Answers the lesson's course.
pub async fn move_lesson(
    tx: &mut WriteTx,
    actor: &Actor,
    id: LessonId,
    step: Step,
) -> Result<CourseId, Refusal> {
    let (lesson, course) = lesson_to_edit(tx, actor, id).await?;
    let order: Vec<LessonId> = lessons::for_module(tx, lesson.module_id)
        .await?
        .into_iter()
        .map(|l| l.id)
        .collect();
    let at = order
        .iter()
        .position(|l| *l == id)
        .ok_or_else(lesson_not_found)?;
    if let Some(order) = step.applied(&order, at) {
        reorder_lessons(tx, actor, lesson.module_id, order).await?;
    }
    Ok(course)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Quotes thirty deep, `times` over: legal, and slow to sanitise.
    fn heavy(times: usize) -> LessonInput {
        let markdown: String = ("> ".repeat(30) + "x\n\n").repeat(times);
        LessonInput {
            title: "Heavy".to_owned(),
            kind: LessonKind::Text,
            content: json!([{"type": "markdown", "markdown": markdown}]),
            duration_seconds: None,
            release_rule: None,
        }
    }

    #[tokio::test]
    async fn content_is_rendered_off_the_executor() {
        // Run on the executor, the first poll would render and answer at once.
        let mut draft = std::pin::pin!(heavy(300).draft());
        let first = futures_poll_once(draft.as_mut()).await;
        assert!(
            first.is_none(),
            "the first poll rendered the content on the executor"
        );
        let draft = draft.await.expect("legal content renders");
        assert!(draft.content.to_string().contains("<blockquote>"));
    }

    #[tokio::test]
    async fn content_over_the_budget_is_refused() {
        let refused = heavy(3_000).draft_within(Duration::from_millis(1)).await;
        assert!(
            matches!(
                refused,
                Err(Refusal::Unacceptable {
                    code: "CONTENT_TOO_COMPLEX",
                    ..
                })
            ),
            "{refused:?}"
        );
    }

    /// Polls `future` once: its answer if it was ready.
    async fn futures_poll_once<F: std::future::Future + Unpin>(future: F) -> Option<F::Output> {
        let mut future = future;
        std::future::poll_fn(|cx| {
            std::task::Poll::Ready(match std::pin::Pin::new(&mut future).poll(cx) {
                std::task::Poll::Ready(answer) => Some(answer),
                std::task::Poll::Pending => None,
            })
        })
        .await
    }

    #[test]
    fn a_step_swaps_with_the_neighbour_and_stops_at_the_ends() {
        let order = [1, 2, 3];
        assert_eq!(Step::Earlier.applied(&order, 1), Some(vec![2, 1, 3]));
        assert_eq!(Step::Later.applied(&order, 1), Some(vec![1, 3, 2]));
        assert_eq!(Step::Earlier.applied(&order, 0), None);
        assert_eq!(Step::Later.applied(&order, 2), None);
        assert_eq!(Step::Later.applied(&[7], 0), None);
    }
}
