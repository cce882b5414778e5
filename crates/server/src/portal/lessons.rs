//! The course builder's lessons: the lesson editor (title, kind, release rule and content
//! blocks: Markdown text, images, a lesson's one video) in one form that works without
//! script (moving and deleting a lesson are the builder's, as for modules). The editor's buttons add, move and remove blocks
//! by sending the form, which comes back as edited, until "Save" hands it to the use cases,
//! whose rules check the content (`LessonInput::draft`). A quiz lesson picks one of its
//! course's quizzes or exams (its assessment block); assignments are not edited here yet.

use super::builder::builder_path;
use super::i18n::PageLocale;
use super::pages::{to_sign_in, Id};
use super::staff::{messages, shown_in_form, Problems};
use super::{CheckedForm, Chrome, Fields, Visit};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use lyceum_app::learning::content::{self, Lesson, LessonInput};
use lyceum_app::{Actor, Refusal};
use lyceum_domain::{ContentBlock, CourseId, LessonId, LessonKind, ModuleId, ReleaseRule};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A kind of content block the editor offers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum BlockKind {
    Markdown,
    Image,
    Video,
}

impl BlockKind {
    fn parse(name: &str) -> Option<BlockKind> {
        match name {
            "markdown" => Some(BlockKind::Markdown),
            "image" => Some(BlockKind::Image),
            "video" => Some(BlockKind::Video),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            BlockKind::Markdown => "markdown",
            BlockKind::Image => "image",
            BlockKind::Video => "video",
        }
    }
}

/// A content block as the editor's form holds it: as typed, checked only when saved.
struct BlockSheet {
    kind: BlockKind,
    markdown: String,
    media: String,
    alt: String,
    /// A video's duration in seconds, as typed.
    seconds: String,
}

impl BlockSheet {
    fn empty(kind: BlockKind) -> Self {
        BlockSheet {
            kind,
            markdown: String::new(),
            media: String::new(),
            alt: String::new(),
            seconds: String::new(),
        }
    }

    /// A saved block in the form (assessment blocks are not edited here).
    fn of(block: ContentBlock) -> Option<Self> {
        Some(match block {
            ContentBlock::Markdown { markdown, .. } => BlockSheet {
                markdown,
                ..BlockSheet::empty(BlockKind::Markdown)
            },
            ContentBlock::Image { media, alt } => BlockSheet {
                media,
                alt,
                ..BlockSheet::empty(BlockKind::Image)
            },
            ContentBlock::Video {
                media,
                duration_seconds,
            } => BlockSheet {
                media,
                seconds: duration_seconds.to_string(),
                ..BlockSheet::empty(BlockKind::Video)
            },
            ContentBlock::Assessment { .. } => return None,
        })
    }

    /// The block as the content rules read it; a duration that is no number goes as typed, for
    /// the rules to refuse in their words.
    fn to_json(&self) -> Value {
        match self.kind {
            BlockKind::Markdown => json!({"type": "markdown", "markdown": self.markdown}),
            BlockKind::Image => json!({"type": "image", "media": self.media, "alt": self.alt}),
            BlockKind::Video => {
                let seconds = self.seconds.trim();
                let duration = seconds
                    .parse::<u64>()
                    .map_or_else(|_| json!(seconds), |n| json!(n));
                json!({"type": "video", "media": self.media, "duration_seconds": duration})
            }
        }
    }
}

/// What a button of the editor asks for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Edit {
    Save,
    Add(BlockKind),
    Earlier(usize),
    Later(usize),
    Remove(usize),
}

impl Edit {
    /// The `action` button pressed; Enter in a field saves.
    fn parse(action: Option<&str>) -> Edit {
        let Some(action) = action else {
            return Edit::Save;
        };
        if let Some(kind) = action.strip_prefix("add-").and_then(BlockKind::parse) {
            return Edit::Add(kind);
        }
        let at = |prefix: &str| action.strip_prefix(prefix)?.parse::<usize>().ok();
        if let Some(i) = at("up-") {
            Edit::Earlier(i)
        } else if let Some(i) = at("down-") {
            Edit::Later(i)
        } else if let Some(i) = at("remove-") {
            Edit::Remove(i)
        } else {
            Edit::Save
        }
    }
}

/// A lesson as the editor's form holds it.
struct LessonSheet {
    title: String,
    kind: LessonKind,
    /// `none`, `after_previous` or `on_date`.
    release: &'static str,
    /// When an `on_date` lesson opens, `YYYY-MM-DDTHH:MM` in the tenant's time zone, as typed.
    release_at: String,
    blocks: Vec<BlockSheet>,
    /// A quiz lesson's assessment (its id, as chosen).
    assessment: String,
}

impl LessonSheet {
    /// A new lesson of `kind` (text or video), with the block it needs.
    fn new(kind: LessonKind) -> Self {
        let (kind, first) = match kind {
            LessonKind::Video => (LessonKind::Video, Some(BlockKind::Video)),
            LessonKind::Quiz => (LessonKind::Quiz, None),
            _ => (LessonKind::Text, Some(BlockKind::Markdown)),
        };
        LessonSheet {
            title: String::new(),
            kind,
            release: "none",
            release_at: String::new(),
            blocks: first.into_iter().map(BlockSheet::empty).collect(),
            assessment: String::new(),
        }
    }

    /// A saved lesson, its release date shown in the tenant's time zone `zone`.
    fn of(lesson: &Lesson, locale: &PageLocale) -> Self {
        let blocks: Vec<ContentBlock> =
            serde_json::from_value(lesson.content.clone()).unwrap_or_default();
        let (release, release_at) = match &lesson.release_rule {
            None => ("none", String::new()),
            Some(ReleaseRule::AfterPrevious) => ("after_previous", String::new()),
            Some(ReleaseRule::OnDate { at }) => ("on_date", locale.local_input(at)),
        };
        LessonSheet {
            title: lesson.title.clone(),
            kind: lesson.kind,
            release,
            release_at,
            blocks: blocks.into_iter().filter_map(BlockSheet::of).collect(),
            assessment: lyceum_domain::assessment_of(&lesson.content)
                .map(|id| id.to_string())
                .unwrap_or_default(),
        }
    }

    /// The form as sent: `title`, `kind`, `release`, `release_at`, and per block `i` the
    /// fields `block-{i}-type`, `-markdown`, `-media`, `-alt` and `-seconds`, in index order
    /// (at most one more block than a lesson may hold, so the rules still say so).
    fn from_fields(fields: &Fields) -> Self {
        let mut blocks: BTreeMap<usize, BlockSheet> = BTreeMap::new();
        for (name, value) in fields.iter() {
            let Some((index, part)) = name
                .strip_prefix("block-")
                .and_then(|rest| rest.split_once('-'))
            else {
                continue;
            };
            let Ok(index) = index.parse::<usize>() else {
                continue;
            };
            if part == "type" {
                if let Some(kind) = BlockKind::parse(value) {
                    if blocks.len() <= lyceum_domain::content::MAX_BLOCKS {
                        blocks
                            .entry(index)
                            .or_insert_with(|| BlockSheet::empty(kind));
                    }
                }
            }
        }
        for (index, block) in &mut blocks {
            let field = |part: &str| fields.text(&format!("block-{index}-{part}"));
            block.markdown = field("markdown");
            block.media = field("media");
            block.alt = field("alt");
            block.seconds = field("seconds");
        }
        let kind = match fields.one("kind") {
            Some("video") => LessonKind::Video,
            Some("quiz") => LessonKind::Quiz,
            _ => LessonKind::Text,
        };
        let release = match fields.one("release") {
            Some("after_previous") => "after_previous",
            Some("on_date") => "on_date",
            _ => "none",
        };
        LessonSheet {
            title: fields.text("title"),
            kind,
            release,
            release_at: fields.text("release_at"),
            blocks: blocks.into_values().collect(),
            assessment: fields.text("assessment"),
        }
    }

    /// Applies a button other than "Save"; one naming no block does nothing.
    fn apply(&mut self, edit: Edit) {
        let last = self.blocks.len().saturating_sub(1);
        match edit {
            Edit::Save => {}
            Edit::Add(kind) => {
                if self.blocks.len() < lyceum_domain::content::MAX_BLOCKS {
                    self.blocks.push(BlockSheet::empty(kind));
                }
            }
            Edit::Earlier(i) if i > 0 && i <= last => self.blocks.swap(i - 1, i),
            Edit::Later(i) if i < last => self.blocks.swap(i, i + 1),
            Edit::Remove(i) if i < self.blocks.len() => {
                self.blocks.remove(i);
            }
            Edit::Earlier(_) | Edit::Later(_) | Edit::Remove(_) => {}
        }
    }

    /// The lesson for the use cases, or the problem with the release date (in `locale`, whose
    /// time zone the date is read in; a time the clocks skip there is refused).
    fn input(&self, locale: &PageLocale) -> Result<LessonInput, Problems> {
        let release_rule = match self.release {
            "after_previous" => Some(ReleaseRule::AfterPrevious),
            "on_date" => {
                let at = locale
                    .parse_local(&self.release_at)
                    .ok_or_else(|| Problems::at("release", messages::release_date(locale)))?;
                Some(ReleaseRule::OnDate { at })
            }
            _ => None,
        };
        let mut content: Vec<Value> = self.blocks.iter().map(BlockSheet::to_json).collect();
        // A quiz lesson's assessment goes last; the content rules refuse a quiz without one.
        if self.kind == LessonKind::Quiz && !self.assessment.trim().is_empty() {
            content.push(json!({"type": "assessment", "assessment_id": self.assessment.trim()}));
        }
        Ok(LessonInput {
            title: self.title.clone(),
            kind: self.kind,
            content: Value::Array(content),
            duration_seconds: None,
            release_rule,
        })
    }

    /// Whether the lesson's kind takes another video block (a video lesson holds one).
    fn takes_video(&self) -> bool {
        self.kind == LessonKind::Video && !self.blocks.iter().any(|b| b.kind == BlockKind::Video)
    }
}

/// The lesson a form edits: a new one in a module, or a saved one.
#[derive(Clone, Copy)]
enum Target {
    Module(ModuleId),
    Lesson(LessonId),
}

impl Target {
    /// Where the form posts.
    fn action(self) -> String {
        match self {
            Target::Module(id) => format!("/teach/modules/{id}/lessons"),
            Target::Lesson(id) => format!("/teach/lessons/{id}"),
        }
    }
}

/// A saved lesson as its editor names it.
struct Saved {
    id: LessonId,
    title: String,
}

#[derive(Template)]
#[template(path = "portal/lesson_editor.html")]
struct LessonEditor {
    chrome: Chrome,
    /// The module a new lesson goes to (its title), `None` for a saved lesson.
    module: Option<String>,
    /// A saved lesson, as saved.
    lesson: Option<Saved>,
    course: CourseId,
    action: String,
    sheet: LessonSheet,
    problems: Problems,
    /// An assignment: not edited here until assignments are built.
    waits_for_assessments: bool,
    /// The course's quizzes and exams a quiz lesson may link: id and title.
    quizzes: Vec<(String, String)>,
}

impl LessonEditor {
    /// The problem about block `index`.
    fn block_problem(&self, index: impl std::fmt::Display) -> Option<&str> {
        self.problems.on(&format!("block-{index}"))
    }
}

/// The editor of `target`, showing `sheet` (the saved lesson, or a new text lesson, when
/// `None`) with `problems`.
async fn editor_page(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    target: Target,
    sheet: Option<LessonSheet>,
    problems: Problems,
    status: StatusCode,
) -> Response {
    let read = visit
        .read(state, async |tx| match target {
            Target::Module(id) => {
                let (module, _) = content::module_to_edit(tx, actor, id).await?;
                let quizzes = quizzes_of(tx, actor, module.course_id).await?;
                Ok((module.course_id, Some(module.title), None, quizzes))
            }
            Target::Lesson(id) => {
                let (lesson, course) = content::lesson_to_edit(tx, actor, id).await?;
                let quizzes = quizzes_of(tx, actor, course).await?;
                Ok((course, None, Some(lesson), quizzes))
            }
        })
        .await;
    let (course, module, saved, quizzes) = match read {
        Ok(read) => read,
        Err(e) => return visit.problem(e),
    };
    let waits_for_assessments = saved
        .as_ref()
        .is_some_and(|l| l.kind == LessonKind::Assignment);
    let sheet = sheet.unwrap_or_else(|| match &saved {
        Some(lesson) => LessonSheet::of(lesson, &visit.locale),
        None => LessonSheet::new(LessonKind::Text),
    });
    let page = LessonEditor {
        chrome: visit.chrome(),
        module,
        lesson: saved.map(|l| Saved {
            id: l.id,
            title: l.title,
        }),
        course,
        action: visit.link(&target.action()),
        sheet,
        problems,
        waits_for_assessments,
        quizzes,
    };
    visit.page(status, &page)
}

/// The quizzes and exams of a course a quiz lesson may link.
async fn quizzes_of(
    tx: &mut lyceum_store::TenantTx,
    actor: &Actor,
    course: CourseId,
) -> Result<Vec<(String, String)>, Refusal> {
    Ok(lyceum_app::assessments::of_course(tx, actor, course)
        .await?
        .into_iter()
        .filter(|a| a.assessment.kind != lyceum_domain::assessment::AssessmentKind::Assignment)
        .map(|a| (a.assessment.id.to_string(), a.assessment.title))
        .collect())
}

/// Sends the editor's form: saves the lesson and opens the builder, or applies the button
/// pressed, or shows the refusal, and the form again as edited.
async fn submit(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    target: Target,
    fields: &Fields,
) -> Response {
    let mut sheet = LessonSheet::from_fields(fields);
    let edit = Edit::parse(fields.one("action"));
    if edit != Edit::Save {
        sheet.apply(edit);
        let shown = Problems::default();
        return editor_page(
            state,
            visit,
            actor,
            target,
            Some(sheet),
            shown,
            StatusCode::OK,
        )
        .await;
    }
    let mut input = match sheet.input(&visit.locale) {
        Ok(input) => input,
        Err(problems) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return editor_page(state, visit, actor, target, Some(sheet), problems, status).await;
        }
    };
    let saved = visit
        .write(state, async |tx| match target {
            Target::Module(module) => {
                let course = content::module_course(tx, actor, module).await?;
                content::add_lesson(tx, actor, module, &input.draft().await?).await?;
                Ok(course)
            }
            Target::Lesson(lesson) => {
                let (before, course) = content::lesson_to_edit(tx, actor, lesson).await?;
                // The editor has no field for a text lesson's duration: one given over the API
                // stays (a video lesson's comes from its video).
                if input.kind != LessonKind::Video && before.kind != LessonKind::Video {
                    input.duration_seconds = before.duration_seconds;
                }
                content::replace_lesson(tx, actor, lesson, &input.draft().await?).await?;
                Ok(course)
            }
        })
        .await;
    match saved {
        Ok(course) => visit.redirect(&builder_path(course)),
        Err(e) => refused(state, visit, actor, target, sheet, e).await,
    }
}

async fn refused(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    target: Target,
    sheet: LessonSheet,
    refusal: Refusal,
) -> Response {
    match shown_in_form(&refusal) {
        Some(status) => {
            let problems = Problems::of(&visit.locale, refusal);
            editor_page(state, visit, actor, target, Some(sheet), problems, status).await
        }
        None => visit.problem(refusal),
    }
}

#[derive(Deserialize)]
pub(crate) struct NewLesson {
    kind: Option<LessonKind>,
}

/// The editor of a new lesson (`?kind=video` for a video lesson; text otherwise).
pub(crate) async fn new_lesson_form(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<ModuleId>>,
    Query(new): Query<NewLesson>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let sheet = LessonSheet::new(new.kind.unwrap_or(LessonKind::Text));
    let target = Target::Module(id);
    let problems = Problems::default();
    editor_page(
        &state,
        &visit,
        &actor,
        target,
        Some(sheet),
        problems,
        StatusCode::OK,
    )
    .await
}

/// Adds a lesson to a module (from the editor, or the builder's short form for a text lesson).
pub(crate) async fn add_lesson(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<ModuleId>>,
    CheckedForm(fields): CheckedForm<Fields>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/teach"));
    };
    submit(&state, &visit, &actor, Target::Module(id), &fields).await
}

/// The editor of a saved lesson.
pub(crate) async fn lesson_form(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<LessonId>>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let target = Target::Lesson(id);
    let problems = Problems::default();
    editor_page(
        &state,
        &visit,
        &actor,
        target,
        None,
        problems,
        StatusCode::OK,
    )
    .await
}

/// Saves a lesson (or applies the editor's button pressed).
pub(crate) async fn save_lesson(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<LessonId>>,
    CheckedForm(fields): CheckedForm<Fields>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&format!("/teach/lessons/{id}")));
    };
    submit(&state, &visit, &actor, Target::Lesson(id), &fields).await
}
