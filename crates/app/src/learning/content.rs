//! A course's content: modules (title, completion rule, order) and their lessons (typed content
//! blocks validated by the domain rules, release rules that hold lessons back from learners),
//! who reads and who edits them, and the events each change records.

use super::courses::{course_content, editable_course, visible_course};
use super::progress::lesson_locked;
use super::Release;
use crate::{Actor, Refusal};
use lyceum_domain::{
    events, CompletionRule, CourseId, LessonId, LessonKind, ModuleId, ReleaseRule,
};
use lyceum_store::repo::lessons::{self, LessonDraft};
use lyceum_store::repo::modules;
use lyceum_store::repo::outbox;
use lyceum_store::{TenantTx, WriteTx};
use serde::Serialize;

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

impl LessonInput {
    /// The content blocks validated for the lesson's kind (Markdown rendered to sanitised
    /// HTML); a video lesson's duration taken from its video when not given.
    pub fn draft(self) -> Result<LessonDraft, Refusal> {
        let content = lyceum_domain::validate_content(self.kind, &self.content)?;
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

async fn editable_lesson(
    tx: &mut TenantTx,
    actor: &Actor,
    id: LessonId,
) -> Result<Lesson, Refusal> {
    let lesson = lessons::get(tx, id).await?.ok_or_else(lesson_not_found)?;
    editable_module(tx, actor, lesson.module_id).await?;
    Ok(lesson)
}

/// Replaces a lesson. Records `lesson.updated`.
pub async fn replace_lesson(
    tx: &mut WriteTx,
    actor: &Actor,
    id: LessonId,
    draft: &LessonDraft,
) -> Result<Lesson, Refusal> {
    tx.affects_all_users();
    editable_lesson(tx, actor, id).await?;
    let lesson = lessons::replace(tx, id, draft)
        .await?
        .ok_or_else(lesson_not_found)?;
    let updated = events::LessonUpdated {
        lesson_id: id,
        by: actor.user,
    };
    outbox::append(tx, Some(actor.user), &updated.into()).await?;
    Ok(lesson)
}

/// Removes a lesson (learners' progress on it goes with it). Records `lesson.deleted`.
pub async fn remove_lesson(tx: &mut WriteTx, actor: &Actor, id: LessonId) -> Result<(), Refusal> {
    tx.affects_all_users();
    let lesson = editable_lesson(tx, actor, id).await?;
    lessons::delete(tx, id).await?;
    let deleted = events::LessonDeleted {
        lesson_id: id,
        module_id: lesson.module_id,
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
    editable_module(tx, actor, module).await?;
    let items = lessons::reorder(tx, module, &order).await?;
    let reordered = events::LessonsReordered {
        module_id: module,
        order,
    };
    outbox::append(tx, Some(actor.user), &reordered.into()).await?;
    Ok(items)
}
