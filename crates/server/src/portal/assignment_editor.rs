//! The assignment editor and the rubric averages in the portal, for course staff: an
//! assignment's prompt, expected work and rubric as one form saved through
//! `lyceum_app::assessments::assignments::set_settings` (the use case the API's `PUT` calls;
//! every rule and check is its), and a course's average points per rubric criterion
//! (`assignments::rubric_averages`). Without script, the rubric is rows: the existing criteria
//! and levels, a blank level row under each criterion and a blank criterion with blank levels;
//! blank rows are ignored, a removed or cleared row is dropped. This module only reads the form
//! into the use case's input and words its refusals.

use super::assignments::refusal_status;
use super::i18n::PageLocale;
use super::pages::{to_sign_in, Id};
use super::staff::Problems;
use super::{CheckedForm, Chrome, Fields, Visit};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use lyceum_app::assessments::assignments::{self, AssignmentView, CriterionAverage};
use lyceum_app::learning::courses;
use lyceum_app::{Actor, Refusal};
use lyceum_domain::assessment::{
    AssignmentSetting, AssignmentSettings, ExpectedArtifacts, FileArtifact, Points,
    RubricCriterion, RubricLevel, TextArtifact, MAX_CRITERIA, MAX_LEVELS,
};
use lyceum_domain::{AssessmentId, CourseId, FilePurpose, Locale, ValidationError};
use std::collections::BTreeMap;

const MIB: f64 = 1024.0 * 1024.0;
/// Blank level rows under a new criterion.
const NEW_CRITERION_LEVELS: usize = 4;
/// The text answer's limit offered when the assignment takes none yet.
const DEFAULT_TEXT_CHARS: u32 = 10_000;

/// A level's row of the form, as shown or as typed.
pub(crate) struct LevelRow {
    /// The level's id (empty for a new row: one is chosen on save).
    id: String,
    title: String,
    points: String,
    description: String,
    remove: bool,
    /// The row's field prefix (`c0-l1`).
    field: String,
}

/// A criterion's row of the form, with its levels.
pub(crate) struct CriterionRow {
    id: String,
    title: String,
    description: String,
    remove: bool,
    levels: Vec<LevelRow>,
    /// The row's field prefix (`c0`).
    field: String,
}

/// The editor's fields, as saved or as typed.
pub(crate) struct EditorFields {
    prompt: String,
    text: bool,
    text_max_chars: String,
    link: bool,
    files: bool,
    file_types: Vec<String>,
    max_mb: String,
    max_files: String,
    criteria: Vec<CriterionRow>,
}

fn blank_level(criterion: usize, level: usize) -> LevelRow {
    LevelRow {
        id: String::new(),
        title: String::new(),
        points: String::new(),
        description: String::new(),
        remove: false,
        field: format!("c{criterion}-l{level}"),
    }
}

fn blank_criterion(criterion: usize) -> CriterionRow {
    CriterionRow {
        id: String::new(),
        title: String::new(),
        description: String::new(),
        remove: false,
        levels: (0..NEW_CRITERION_LEVELS)
            .map(|j| blank_level(criterion, j))
            .collect(),
        field: format!("c{criterion}"),
    }
}

/// Megabytes (MiB) written with at most two decimals, without trailing zeros.
fn megabytes(bytes: u64) -> String {
    let text = format!("{:.2}", bytes as f64 / MIB);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

impl EditorFields {
    /// The form of a saved assignment, with blank rows to add a level to each criterion and
    /// one more criterion.
    fn of(view: &AssignmentView) -> Self {
        let mut criteria: Vec<CriterionRow> = view
            .rubric
            .iter()
            .enumerate()
            .map(|(i, criterion)| {
                let mut levels: Vec<LevelRow> = criterion
                    .levels
                    .iter()
                    .enumerate()
                    .map(|(j, level)| LevelRow {
                        id: level.id.clone(),
                        title: level.title.clone(),
                        points: level.points.to_string(),
                        description: level.description.clone(),
                        remove: false,
                        field: format!("c{i}-l{j}"),
                    })
                    .collect();
                if levels.len() < MAX_LEVELS {
                    levels.push(blank_level(i, levels.len()));
                }
                CriterionRow {
                    id: criterion.id.clone(),
                    title: criterion.title.clone(),
                    description: criterion.description.clone(),
                    remove: false,
                    levels,
                    field: format!("c{i}"),
                }
            })
            .collect();
        if criteria.len() < MAX_CRITERIA {
            criteria.push(blank_criterion(criteria.len()));
        }
        let artifacts = &view.artifacts;
        let files = artifacts.files.as_ref();
        EditorFields {
            prompt: view.prompt.clone(),
            text: artifacts.text.is_some(),
            text_max_chars: artifacts
                .text
                .map_or(DEFAULT_TEXT_CHARS, |t| t.max_chars)
                .to_string(),
            link: artifacts.link,
            files: files.is_some(),
            file_types: files.map(|f| f.types.clone()).unwrap_or_default(),
            max_mb: megabytes(
                files.map_or(FilePurpose::Submission.max_bytes() / 10, |f| f.max_bytes),
            ),
            max_files: files.map_or(1, |f| f.max_files).to_string(),
            criteria,
        }
    }

    /// The form as typed: every row sent, in the order of its index.
    fn typed(form: &Fields) -> Self {
        let mut criteria: BTreeMap<usize, CriterionRow> = BTreeMap::new();
        let mut levels: BTreeMap<(usize, usize), LevelRow> = BTreeMap::new();
        for (name, value) in form.iter() {
            let Some((criterion, level, part)) = row_field(name) else {
                continue;
            };
            match level {
                None => {
                    let row = criteria.entry(criterion).or_insert_with(|| CriterionRow {
                        levels: Vec::new(),
                        ..blank_criterion(criterion)
                    });
                    match part {
                        "id" => row.id = value.to_owned(),
                        "title" => row.title = value.to_owned(),
                        "description" => row.description = value.to_owned(),
                        "remove" => row.remove = true,
                        _ => {}
                    }
                }
                Some(level) => {
                    let row = levels
                        .entry((criterion, level))
                        .or_insert_with(|| blank_level(criterion, level));
                    match part {
                        "id" => row.id = value.to_owned(),
                        "title" => row.title = value.to_owned(),
                        "points" => row.points = value.to_owned(),
                        "description" => row.description = value.to_owned(),
                        "remove" => row.remove = true,
                        _ => {}
                    }
                }
            }
        }
        for ((criterion, _), level) in levels {
            criteria
                .entry(criterion)
                .or_insert_with(|| CriterionRow {
                    levels: Vec::new(),
                    ..blank_criterion(criterion)
                })
                .levels
                .push(level);
        }
        EditorFields {
            prompt: form.text("prompt"),
            text: form.one("text").is_some(),
            text_max_chars: form.text("text_max_chars"),
            link: form.one("link").is_some(),
            files: form.one("files").is_some(),
            file_types: form.all("file_types").map(str::to_owned).collect(),
            max_mb: form.text("max_mb"),
            max_files: form.text("max_files"),
            criteria: criteria.into_values().collect(),
        }
    }

    /// The settings the form holds, for the use case to check, with where each rubric entry
    /// stands on the form (to show a refusal next to its row). A number that cannot be read
    /// is refused here, at its field.
    fn settings(&self) -> Result<(AssignmentSettings, Vec<RowPlace>), (String, ValidationError)> {
        let text = if self.text {
            let max_chars = whole(&self.text_max_chars).ok_or_else(|| {
                number_fault(AssignmentSetting::TextMaxChars, "artifacts.text.max_chars")
            })?;
            Some(TextArtifact { max_chars })
        } else {
            None
        };
        let files = if self.files {
            let mb = decimal(&self.max_mb)
                .filter(|mb| *mb <= u64::MAX as f64 / MIB)
                .ok_or_else(|| {
                    number_fault(AssignmentSetting::FileMaxBytes, "artifacts.files.max_bytes")
                })?;
            let max_files = whole(&self.max_files).ok_or_else(|| {
                number_fault(AssignmentSetting::FileMaxFiles, "artifacts.files.max_files")
            })?;
            Some(FileArtifact {
                types: self.file_types.clone(),
                max_bytes: (mb * MIB).round() as u64,
                max_files,
            })
        } else {
            None
        };
        let taken: Vec<&str> = self
            .criteria
            .iter()
            .map(|c| c.id.trim())
            .filter(|id| !id.is_empty())
            .collect();
        let mut new_ids = Vec::new();
        let mut rubric = Vec::new();
        let mut places = Vec::new();
        for criterion in &self.criteria {
            if criterion.dropped() {
                continue;
            }
            let id = match criterion.id.trim() {
                "" => fresh_id("criterion", &taken, &mut new_ids),
                id => id.to_owned(),
            };
            let level_taken: Vec<&str> = criterion
                .levels
                .iter()
                .map(|l| l.id.trim())
                .filter(|id| !id.is_empty())
                .collect();
            let mut level_new = Vec::new();
            let mut levels = Vec::new();
            let mut level_places = Vec::new();
            for level in &criterion.levels {
                if level.dropped() {
                    continue;
                }
                let points = match level.points.trim() {
                    "" if level.title.trim().is_empty() => Points::ZERO,
                    typed => decimal(typed)
                        .and_then(|p| Points::try_from_f64(p).ok())
                        .ok_or_else(|| {
                            (
                                format!("{}-points", level.field),
                                ValidationError::InvalidRubric {
                                    field: "points".into(),
                                    reason: "must be a number".into(),
                                },
                            )
                        })?,
                };
                levels.push(RubricLevel {
                    id: match level.id.trim() {
                        "" => fresh_id("level", &level_taken, &mut level_new),
                        id => id.to_owned(),
                    },
                    title: level.title.clone(),
                    description: level.description.clone(),
                    points,
                });
                level_places.push(level.field.clone());
            }
            rubric.push(RubricCriterion {
                id,
                title: criterion.title.clone(),
                description: criterion.description.clone(),
                levels,
            });
            places.push(RowPlace {
                field: criterion.field.clone(),
                levels: level_places,
            });
        }
        let settings = AssignmentSettings {
            prompt: self.prompt.clone(),
            rubric,
            artifacts: ExpectedArtifacts {
                text,
                link: self.link,
                files,
            },
        };
        Ok((settings, places))
    }

    /// Every type a submission may have, with whether the form takes it.
    fn type_choices(&self) -> Vec<(&'static str, bool)> {
        FilePurpose::Submission
            .allowed_types()
            .into_iter()
            .map(|t| (t, self.file_types.iter().any(|chosen| chosen == t)))
            .collect()
    }
}

impl CriterionRow {
    /// A removed row, a saved row whose title was cleared, or a new row left blank.
    fn dropped(&self) -> bool {
        let blank = self.title.trim().is_empty();
        self.remove
            || (blank && !self.id.trim().is_empty())
            || (blank
                && self.description.trim().is_empty()
                && self.levels.iter().all(LevelRow::dropped))
    }
}

impl LevelRow {
    fn dropped(&self) -> bool {
        let blank = self.title.trim().is_empty();
        self.remove
            || (blank && !self.id.trim().is_empty())
            || (blank && self.points.trim().is_empty() && self.description.trim().is_empty())
    }
}

/// Where a criterion of the rubric sent stands on the form, and each of its levels.
struct RowPlace {
    field: String,
    levels: Vec<String>,
}

/// `c{i}-{part}` or `c{i}-l{j}-{part}`: the criterion's index, the level's and the part.
fn row_field(name: &str) -> Option<(usize, Option<usize>, &str)> {
    let rest = name.strip_prefix('c')?;
    let (criterion, rest) = rest.split_once('-')?;
    let criterion = criterion.parse().ok()?;
    match rest.strip_prefix('l').and_then(|r| r.split_once('-')) {
        Some((level, part)) if level.bytes().all(|b| b.is_ascii_digit()) => {
            Some((criterion, Some(level.parse().ok()?), part))
        }
        _ => Some((criterion, None, rest)),
    }
}

/// `{prefix}-{n}`, the first not used on the form nor chosen already.
fn fresh_id(prefix: &str, taken: &[&str], chosen: &mut Vec<String>) -> String {
    let id = (1..)
        .map(|n| format!("{prefix}-{n}"))
        .find(|id| !taken.contains(&id.as_str()) && !chosen.contains(id))
        .unwrap_or_default();
    chosen.push(id.clone());
    id
}

fn whole(typed: &str) -> Option<u32> {
    typed.trim().parse().ok()
}

fn decimal(typed: &str) -> Option<f64> {
    typed
        .trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
}

fn number_fault(setting: AssignmentSetting, path: &str) -> (String, ValidationError) {
    (
        assignment_place(setting).0.to_owned(),
        ValidationError::InvalidAssignment {
            setting,
            reason: format!("{path} must be a number"),
        },
    )
}

/// The words of a refusal of the form, and the form's field it is about. A rubric's refusal
/// names the place in the rubric sent (`rubric[1].levels[0].title`), found again on the form
/// through `places`; an assignment's names the setting at fault.
fn placed(locale: &PageLocale, refusal: Refusal, places: &[RowPlace]) -> Problems {
    let invalid = match &refusal {
        Refusal::Invalid(e) => Some(e),
        Refusal::Store(lyceum_store::StoreError::Validation(e)) => Some(e),
        _ => None,
    };
    match invalid {
        Some(ValidationError::InvalidRubric { field, .. }) => {
            let (field, words) = rubric_place(field, places);
            Problems::at(field, locale.msg(words))
        }
        Some(ValidationError::InvalidAssignment { setting, .. }) => {
            let (field, words) = assignment_place(*setting);
            Problems::at(field, locale.msg(words))
        }
        _ => Problems::of(locale, refusal),
    }
}

/// The form's field of `rubric[i].levels[j].part`, and the message about that part.
fn rubric_place(path: &str, places: &[RowPlace]) -> (String, &'static str) {
    let index = |after: &str| -> Option<usize> {
        path.split(after)
            .nth(1)?
            .split(']')
            .next()?
            .parse::<usize>()
            .ok()
    };
    let part = path.rsplit('.').next().unwrap_or(path);
    let words = match part {
        "title" => "assignment-edit-rubric-title",
        "description" => "assignment-edit-rubric-description",
        "points" => "assignment-edit-rubric-points",
        "levels" => "assignment-edit-rubric-levels",
        "id" => "assignment-edit-rubric-id",
        _ => "assignment-edit-rubric-criteria",
    };
    let criterion = index("rubric[").and_then(|i| places.get(i));
    let field = match (criterion, index("levels[")) {
        (Some(place), Some(j)) => place
            .levels
            .get(j)
            .map(|level| format!("{level}-{part}"))
            .unwrap_or_else(|| format!("{}-title", place.field)),
        (Some(place), None) if part == "levels" => format!("{}-levels", place.field),
        (Some(place), None) => format!("{}-{part}", place.field),
        (None, _) => "rubric".to_owned(),
    };
    (field, words)
}

/// The form's field an assignment's setting is typed in, and the message about it.
fn assignment_place(setting: AssignmentSetting) -> (&'static str, &'static str) {
    match setting {
        AssignmentSetting::Prompt => ("prompt", "assignment-edit-prompt"),
        AssignmentSetting::TextMaxChars => ("text_max_chars", "assignment-edit-text-max-chars"),
        AssignmentSetting::FileMaxBytes => ("max_mb", "assignment-edit-max-mb"),
        AssignmentSetting::FileMaxFiles => ("max_files", "assignment-edit-max-files"),
        AssignmentSetting::FileTypes => ("file_types", "assignment-edit-file-types"),
        AssignmentSetting::Artifacts => ("artifacts", "assignment-edit-artifacts-none"),
    }
}

#[derive(Template)]
#[template(path = "portal/assignment_editor.html")]
struct EditorPage {
    chrome: Chrome,
    view: AssignmentView,
    course: courses::Course,
    form: EditorFields,
    problems: Problems,
}

impl EditorPage {
    /// The fields a message can be shown next to (any other goes above the form).
    fn placed_fields(&self) -> Vec<String> {
        let mut fields: Vec<String> = [
            "prompt",
            "text_max_chars",
            "max_mb",
            "max_files",
            "file_types",
            "artifacts",
        ]
        .iter()
        .map(|f| (*f).to_owned())
        .collect();
        for criterion in &self.form.criteria {
            for part in ["title", "description", "levels"] {
                fields.push(format!("{}-{part}", criterion.field));
            }
            for level in &criterion.levels {
                for part in ["title", "description", "points"] {
                    fields.push(format!("{}-{part}", level.field));
                }
            }
        }
        fields
    }

    fn above(&self) -> Option<&str> {
        let fields = self.placed_fields();
        let shown: Vec<&str> = fields.iter().map(String::as_str).collect();
        self.problems.above(&shown)
    }

    fn on(&self, field: &str) -> Option<&str> {
        self.problems.on(field)
    }

    fn invalid(&self, field: &str) -> bool {
        self.problems.on(field).is_some()
    }

    fn at(&self, row: &str, part: &str) -> String {
        format!("{row}-{part}")
    }
}

fn editor_path(id: AssessmentId) -> String {
    format!("/teach/assignments/{id}")
}

/// The assignment and its course, for the course's editors only (`course:edit` and its staff).
async fn editable(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    id: AssessmentId,
) -> Result<(AssignmentView, courses::Course), Refusal> {
    visit
        .read(state, async |tx| {
            let view = assignments::settings(tx, actor, id).await?;
            let course = courses::editable_course(tx, actor, view.assessment.course_id).await?;
            Ok((view, course))
        })
        .await
}

/// The editor of an assignment's prompt, expected work and rubric.
pub(crate) async fn edit_form(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<AssessmentId>>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    match editable(&state, &visit, &actor, id).await {
        Ok((view, course)) => visit.page(
            StatusCode::OK,
            &EditorPage {
                chrome: visit.chrome(),
                form: EditorFields::of(&view),
                view,
                course,
                problems: Problems::default(),
            },
        ),
        Err(e) => visit.problem(e),
    }
}

/// Saves the editor's form through the use case the API's `PUT .../assignment` calls, then
/// opens the editor again (with new blank rows); a refusal shows the form as typed.
pub(crate) async fn save(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<AssessmentId>>,
    CheckedForm(fields): CheckedForm<Fields>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&editor_path(id)));
    };
    let (view, course) = match editable(&state, &visit, &actor, id).await {
        Ok(found) => found,
        Err(e) => return visit.problem(e),
    };
    let form = EditorFields::typed(&fields);
    let (status, problems) = match form.settings() {
        Err((field, fault)) => {
            let words = match fault {
                ValidationError::InvalidAssignment { setting, .. } => assignment_place(setting).1,
                _ => "assignment-edit-rubric-points",
            };
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Problems::at(field, visit.locale.msg(words)),
            )
        }
        Ok((settings, places)) => {
            let saved = visit
                .write(&state, async |tx| {
                    assignments::set_settings(tx, &actor, id, &settings).await
                })
                .await;
            match saved {
                Ok(_) => return visit.redirect(&editor_path(id)),
                Err(e) => (refusal_status(&e), placed(&visit.locale, e, &places)),
            }
        }
    };
    visit.page(
        status,
        &EditorPage {
            chrome: visit.chrome(),
            view,
            course,
            form,
            problems,
        },
    )
}

#[derive(Template)]
#[template(path = "portal/rubric_averages.html")]
struct AveragesPage {
    chrome: Chrome,
    course: courses::Course,
    averages: Vec<CriterionAverage>,
}

impl AveragesPage {
    /// A number with at most two decimals, written with the language's decimal sign.
    fn number(&self, value: &f64) -> String {
        let text = format!("{value:.2}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        match self.chrome.locale.locale() {
            Locale::En => text.to_owned(),
            Locale::Fr => text.replace('.', ","),
        }
    }
}

/// The average points per rubric criterion over a course's graded work.
pub(crate) async fn averages(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<CourseId>>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let read = visit
        .read(&state, async |tx| {
            let averages = assignments::rubric_averages(tx, &actor, id).await?;
            let (course, _) = courses::course_content(tx, &actor, id).await?;
            Ok((course, averages))
        })
        .await;
    visit.show(read, |(course, averages), chrome| AveragesPage {
        chrome,
        course,
        averages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_fields_name_their_criterion_level_and_part() {
        assert_eq!(row_field("c0-title"), Some((0, None, "title")));
        assert_eq!(row_field("c12-l3-points"), Some((12, Some(3), "points")));
        assert_eq!(row_field("c1-levels"), Some((1, None, "levels")));
        assert_eq!(row_field("csrf"), None);
        assert_eq!(row_field("cx-title"), None);
    }

    #[test]
    fn new_ids_skip_the_ones_taken() {
        let mut chosen = Vec::new();
        assert_eq!(
            fresh_id("criterion", &["criterion-1"], &mut chosen),
            "criterion-2"
        );
        assert_eq!(
            fresh_id("criterion", &["criterion-1"], &mut chosen),
            "criterion-3"
        );
    }

    #[test]
    fn megabytes_drop_trailing_zeros() {
        assert_eq!(megabytes(10 * 1024 * 1024), "10");
        assert_eq!(megabytes(1024 * 1024 / 2), "0.5");
    }
}
