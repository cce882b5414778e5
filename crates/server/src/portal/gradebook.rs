//! The gradebook's pages: a course's gradebook for its staff (a table of learners by quizzes,
//! exams and assignments, categories, the course percent and its letter, 100 learners a page,
//! with the CSV download), the grading page (grade categories: add, rename, reweigh, move,
//! delete, and which assessments each holds; the course's grading settings and letter scale),
//! a quiz's item analysis, and a learner's own grades in a course. The rules are
//! `lyceum_app::assessments::gradebook`'s; refusals come back on the page.

use super::pages::{to_sign_in, Id, Protected};
use super::staff::Problems;
use super::{CheckedForm, Chrome, Fields, Visit};
use crate::api::gradebook::{csv_of, csv_response};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use lyceum_app::assessments::gradebook::{
    self, CategoryChange, CategoryDetail, CategoryInput, Gradebook, GradingSettings, ItemAnalysis,
    SettingsInput,
};
use lyceum_app::assessments::{self, AssessmentDetail};
use lyceum_app::learning::courses::{self, Course};
use lyceum_app::{Actor, Refusal};
use lyceum_domain::assessment::gradebook::{AssessmentGrade, GradeStatus};
use lyceum_domain::assessment::letter_scale::bands_of_lines;
use lyceum_domain::assessment::AssessmentKind;
use lyceum_domain::{AssessmentId, CourseId, EnrollmentId, GradeCategoryId};
use serde::Deserialize;

use super::i18n::PageLocale;

/// Learners shown per page of the gradebook.
const ROWS_SHOWN: u32 = 100;

fn percent_text(locale: &PageLocale, percent: Option<f64>) -> String {
    match percent {
        Some(p) => locale.percent(p).to_string(),
        None => "—".to_owned(),
    }
}

fn status_text(locale: &PageLocale, grade: &AssessmentGrade) -> String {
    let status = match grade.status {
        GradeStatus::NotAttempted => locale.msg("grades-status-not-attempted"),
        GradeStatus::InProgress => locale.msg("grades-status-in-progress"),
        GradeStatus::NeedsGrading => locale.msg("grades-status-needs-grading"),
        GradeStatus::Graded => locale.msg("grades-status-graded"),
        GradeStatus::Unreleased => locale.msg("grades-status-unreleased"),
        GradeStatus::Returned => locale.msg("grades-status-returned"),
    };
    let mut text = status.to_string();
    if grade.late {
        text.push_str(&format!(" · {}", locale.msg("grades-late")));
    }
    if grade.missing {
        text.push_str(&format!(" · {}", locale.msg("grades-missing")));
    }
    text
}

/// A category's name as shown (the implicit one named by the page).
fn category_name(locale: &PageLocale, id: Option<GradeCategoryId>, name: &str) -> String {
    match id {
        Some(_) => name.to_owned(),
        None => locale.msg("grades-uncategorised").to_string(),
    }
}

/// A gradebook row as the page shows it.
struct RowView {
    name: String,
    email: String,
    /// Each assessment's percent and status.
    cells: Vec<(String, String)>,
    categories: Vec<String>,
    percent: String,
    letter: String,
    passed: String,
}

/// A gradebook's header as the page shows it.
struct BookView {
    /// Each assessment's staff page (a quiz's item analysis, an assignment's grading queue)
    /// and title.
    assessments: Vec<(String, String)>,
    /// Each category's name and weight.
    categories: Vec<(String, String)>,
    rows: Vec<RowView>,
}

fn book_view(locale: &PageLocale, book: &Gradebook) -> BookView {
    BookView {
        assessments: book
            .assessments
            .iter()
            .map(|a| {
                let page = match a.kind {
                    AssessmentKind::Assignment => {
                        format!("/teach/courses/{}/grading", book.course_id)
                    }
                    _ => format!("/teach/assessments/{}/item-analysis", a.id),
                };
                (page, a.title.clone())
            })
            .collect(),
        categories: book
            .categories
            .iter()
            .map(|c| (category_name(locale, c.id, &c.name), c.weight.to_string()))
            .collect(),
        rows: book
            .rows
            .iter()
            .map(|row| RowView {
                name: row.learner.name.clone(),
                email: row.learner.email.clone(),
                cells: row
                    .grades
                    .iter()
                    .map(|g| {
                        (
                            percent_text(locale, g.grade.percent),
                            status_text(locale, &g.grade),
                        )
                    })
                    .collect(),
                categories: row
                    .categories
                    .iter()
                    .map(|c| percent_text(locale, c.percent))
                    .collect(),
                percent: percent_text(locale, row.percent),
                letter: row.letter.clone().unwrap_or_else(|| "—".to_owned()),
                passed: match row.passed {
                    Some(true) => locale.msg("grades-passed-yes").to_string(),
                    Some(false) => locale.msg("grades-passed-no").to_string(),
                    None => "—".to_owned(),
                },
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "portal/gradebook.html")]
struct GradebookPage {
    chrome: Chrome,
    course: Course,
    book: BookView,
    next: Option<EnrollmentId>,
}

#[derive(Deserialize)]
pub(crate) struct PageQuery {
    after: Option<String>,
}

/// A course's gradebook, 100 learners a page.
pub(crate) async fn show(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<CourseId>>,
    Query(query): Query<PageQuery>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let after: Option<EnrollmentId> = query.after.and_then(|a| a.parse().ok());
    let read = visit
        .read(&state, async |tx| {
            let course = courses::visible_course(tx, &actor, id).await?;
            let book = gradebook::gradebook(tx, &actor, id, after, ROWS_SHOWN, Utc::now()).await?;
            Ok((course, book))
        })
        .await;
    let locale = visit.locale.clone();
    visit.show(read, |(course, book), chrome| GradebookPage {
        chrome,
        next: crate::http::paging::next_cursor(&book.rows, ROWS_SHOWN, |r| r.learner.enrollment_id),
        book: book_view(&locale, &book),
        course,
    })
}

/// A course's whole gradebook as a CSV file (the API's export).
pub(crate) async fn csv(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<CourseId>>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let read = visit
        .read(&state, async |tx| {
            gradebook::whole_gradebook(tx, &actor, id, Utc::now()).await
        })
        .await;
    match read {
        Ok(book) => {
            let bytes = match tokio::task::spawn_blocking(move || csv_of(&book)).await {
                Ok(bytes) => bytes,
                Err(_) => return visit.problem(Refusal::Internal("the CSV could not be written")),
            };
            csv_response(bytes, &format!("gradebook-{id}.csv"))
        }
        Err(e) => visit.problem(e),
    }
}

#[derive(Template)]
#[template(path = "portal/grade_categories.html")]
struct GradingPage {
    chrome: Chrome,
    course: Course,
    categories: Vec<CategoryDetail>,
    assessments: Vec<AssessmentDetail>,
    settings: GradingSettings,
    problems: Problems,
}

impl GradingPage {
    fn holds(&self, category: &CategoryDetail, assessment: &AssessmentId) -> bool {
        category.assessment_ids.contains(assessment)
    }
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
            let categories = gradebook::categories(tx, actor, id).await?;
            let settings = gradebook::settings(tx, actor, id).await?;
            let assessments = assessments::of_course(tx, actor, id).await?;
            Ok((course, categories, assessments, settings))
        })
        .await;
    visit.show_as(
        status,
        read,
        |(course, categories, assessments, settings), chrome| GradingPage {
            chrome,
            course,
            categories,
            assessments,
            settings,
            problems,
        },
    )
}

/// The course's grade categories and grading settings, with their forms.
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

/// The status a refused form's page answers with (the API's for the same refusal).
fn refusal_status(refusal: &Refusal) -> Option<StatusCode> {
    match refusal {
        Refusal::Invalid(_) | Refusal::Unacceptable { .. } => {
            Some(StatusCode::UNPROCESSABLE_ENTITY)
        }
        Refusal::Conflict { .. } => Some(StatusCode::CONFLICT),
        _ => None,
    }
}

/// After a change: back to the grading page, or the page again with the refusal above.
async fn after_change(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    course: CourseId,
    done: Result<(), Refusal>,
) -> Response {
    match done {
        Ok(()) => visit.redirect(&format!("/teach/courses/{course}/grade-categories")),
        Err(e) => match refusal_status(&e) {
            Some(status) => {
                let problems = Problems::of(&visit.locale, e);
                grading_page(state, visit, actor, course, problems, status).await
            }
            None => visit.problem(e),
        },
    }
}

/// A weight typed in the form: a number (`12,5` too); anything else is refused by the rule.
fn weight_of(fields: &Fields) -> f64 {
    let text = fields.text("weight").trim().replace(',', ".");
    text.parse().unwrap_or(f64::NAN)
}

/// The assessments ticked in the form; an id that does not read is refused by the rule.
fn ticked(fields: &Fields) -> Vec<AssessmentId> {
    fields
        .all("assessment")
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| AssessmentId::from_uuid(uuid::Uuid::nil()))
        })
        .collect()
}

/// Adds a category, then shows the grading page.
pub(crate) async fn add_category(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<CourseId>>,
    CheckedForm(fields): CheckedForm<Fields>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(
            &visit,
            &visit.link(&format!("/teach/courses/{id}/grade-categories")),
        );
    };
    let input = CategoryInput {
        name: fields.text("name"),
        weight: weight_of(&fields),
        assessment_ids: ticked(&fields),
    };
    let done = visit
        .write(&state, async |tx| {
            gradebook::create_category(tx, &actor, id, &input).await?;
            Ok(())
        })
        .await;
    after_change(&state, &visit, &actor, id, done).await
}

/// Saves a category's name, weight, position and assessments, then shows the grading page.
pub(crate) async fn save_category(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<GradeCategoryId>>,
    CheckedForm(fields): CheckedForm<Fields>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/teach"));
    };
    let course = match course_of(&state, &visit, &actor, id).await {
        Ok(course) => course,
        Err(e) => return visit.problem(e),
    };
    let change = CategoryChange {
        name: Some(fields.text("name")),
        weight: Some(weight_of(&fields)),
        position: fields
            .one("position")
            .map(|p| p.trim().parse().unwrap_or(0)),
        assessment_ids: Some(ticked(&fields)),
    };
    let done = visit
        .write(&state, async |tx| {
            gradebook::change_category(tx, &actor, id, &change).await?;
            Ok(())
        })
        .await;
    after_change(&state, &visit, &actor, course, done).await
}

/// The course of a category the actor edits.
async fn course_of(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    id: GradeCategoryId,
) -> Result<CourseId, Refusal> {
    visit
        .read(state, async |tx| {
            gradebook::category_course(tx, actor, id).await
        })
        .await
}

/// Deletes a category, then shows the grading page.
pub(crate) async fn delete_category(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<GradeCategoryId>>,
    _: CheckedForm<Protected>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/teach"));
    };
    let course = match course_of(&state, &visit, &actor, id).await {
        Ok(course) => course,
        Err(e) => return visit.problem(e),
    };
    let done = visit
        .write(&state, async |tx| {
            gradebook::delete_category(tx, &actor, id).await
        })
        .await;
    after_change(&state, &visit, &actor, course, done).await
}

/// Saves the course's grading settings, then shows the grading page.
pub(crate) async fn save_settings(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<CourseId>>,
    CheckedForm(fields): CheckedForm<Fields>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(
            &visit,
            &visit.link(&format!("/teach/courses/{id}/grade-categories")),
        );
    };
    let passing = fields.text("passing_percent");
    let passing_percent = match passing.trim() {
        "" => None,
        // Out of range or not a number: above 100, refused by the rule.
        typed => Some(typed.parse::<u8>().unwrap_or(u8::MAX)),
    };
    let missing_counts_as_zero = fields.one("missing_counts_as_zero").is_some();
    // Left out of the form: the default scale; sent empty: no letters.
    let letter_scale = fields.one("letter_scale").map(bands_of_lines).transpose();
    let done = visit
        .write(&state, async |tx| {
            let settings = SettingsInput {
                passing_percent,
                missing_counts_as_zero,
                letter_scale: letter_scale.clone()?,
            };
            gradebook::change_settings(tx, &actor, id, settings).await?;
            Ok(())
        })
        .await;
    after_change(&state, &visit, &actor, id, done).await
}

#[derive(Template)]
#[template(path = "portal/item_analysis.html")]
struct ItemAnalysisPage {
    chrome: Chrome,
    course: CourseId,
    analysis: ItemAnalysis,
}

impl ItemAnalysisPage {
    fn figure(&self, value: &Option<f64>) -> String {
        value.map_or_else(|| "—".to_owned(), |v| format!("{v:.2}"))
    }

    fn share(&self, share: &f64) -> String {
        self.chrome
            .locale
            .percent((share * 100.0).round())
            .to_string()
    }
}

/// A quiz's item analysis.
pub(crate) async fn item_analysis(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<AssessmentId>>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let read = visit
        .read(&state, async |tx| {
            let analysis = gradebook::item_analysis(tx, &actor, id).await?;
            Ok((analysis.course_id, analysis))
        })
        .await;
    visit.show(read, |(course, analysis), chrome| ItemAnalysisPage {
        chrome,
        course,
        analysis,
    })
}

#[derive(Template)]
#[template(path = "portal/my_grades.html")]
struct MyGradesPage {
    chrome: Chrome,
    course: Course,
    book: BookView,
}

/// The signed-in learner's grades in a course they take.
pub(crate) async fn mine(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<CourseId>>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let read = visit
        .read(&state, async |tx| {
            let course = courses::visible_course(tx, &actor, id).await?;
            let book = gradebook::my_grades(tx, &actor, id, Utc::now()).await?;
            Ok((course, book))
        })
        .await;
    let locale = visit.locale.clone();
    visit.show(read, |(course, book), chrome| MyGradesPage {
        chrome,
        book: book_view(&locale, &book),
        course,
    })
}
