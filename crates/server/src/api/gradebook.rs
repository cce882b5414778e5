//! The gradebook over HTTP: a course's gradebook (`/courses/{id}/gradebook`, paged over its
//! learners) and its CSV export (`/courses/{id}/gradebook.csv`), a learner's own grades
//! (`/courses/{id}/my-grades`), grade categories (`/courses/{id}/grade-categories`,
//! `/grade-categories/{id}`), grading settings (`/courses/{id}/grading`) and a quiz's item
//! analysis (`/assessments/{id}/item-analysis`). The rules are
//! `lyceum_app::assessments::gradebook`'s. Every answer is `Cache-Control: no-store` (the
//! default: grades are personal data).

use crate::api::audit::inert;
use crate::api::auth::Authenticated;
use crate::api::learning::CoursePath;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::ApiJson;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use lyceum_app::assessments::gradebook::{
    self, CategoryChange, CategoryDetail, CategoryInput, Gradebook, GradingSettings, ItemAnalysis,
    SettingsInput,
};
use lyceum_domain::assessment::gradebook::GradeStatus;
use lyceum_domain::assessment::letter_scale::LetterBand;
use lyceum_domain::{AssessmentId, EnrollmentId, GradeCategoryId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
pub(crate) struct CategoryPath {
    /// The grade category's id.
    id: GradeCategoryId,
}

#[derive(Deserialize, IntoParams)]
pub(crate) struct AssessmentPath {
    /// The assessment's id.
    id: AssessmentId,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct GradebookPage {
    /// `next_cursor` of the previous page (an enrollment id).
    after: Option<EnrollmentId>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct GradebookAnswer {
    #[serde(flatten)]
    gradebook: Gradebook,
    next_cursor: Option<EnrollmentId>,
}

/// A page of a course's gradebook: its categories and quizzes, exams and assignments, and per
/// learner their result on each (counted percent, score, status; an assignment's grade not
/// released yet is `unreleased` and does not count), their category percents, course percent
/// and its letter (and whether it passes, once the course has a passing percent). Course staff
/// with `assessment:grade`.
#[utoipa::path(get, path = "/api/v1/courses/{id}/gradebook", tag = "gradebook", params(CoursePath, GradebookPage),
    security(("bearer" = [])),
    responses(
        (status = 200, body = GradebookAnswer),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
    ))]
pub(crate) async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CoursePath { id }): Path<CoursePath>,
    Query(page): Query<GradebookPage>,
) -> Result<Json<GradebookAnswer>, ApiError> {
    let limit = crate::http::paging::page_size(page.limit)?;
    let mut tx = state.store.begin(&auth.tenant).await?;
    let gradebook =
        gradebook::gradebook(&mut tx, &auth.actor(), id, page.after, limit, Utc::now()).await?;
    tx.commit().await?;
    let next_cursor =
        crate::http::paging::next_cursor(&gradebook.rows, limit, |r| r.learner.enrollment_id);
    Ok(Json(GradebookAnswer {
        gradebook,
        next_cursor,
    }))
}

/// Rows above which the CSV is written off the async executor.
const CSV_INLINE_ROWS: usize = 200;

/// A course's whole gradebook as a CSV file (at most 20,000 learners: 413
/// `TOO_MANY_LEARNERS`). Cells a spreadsheet could take for a formula are prefixed with `'`.
/// Course staff with `assessment:grade`.
#[utoipa::path(get, path = "/api/v1/courses/{id}/gradebook.csv", tag = "gradebook", params(CoursePath),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The gradebook as CSV", content_type = "text/csv", body = String),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 413, description = "`TOO_MANY_LEARNERS`", body = ErrorBody),
    ))]
pub(crate) async fn csv(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CoursePath { id }): Path<CoursePath>,
) -> Result<Response, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let gradebook = gradebook::whole_gradebook(&mut tx, &auth.actor(), id, Utc::now()).await?;
    tx.commit().await?;
    let bytes = if gradebook.rows.len() > CSV_INLINE_ROWS {
        tokio::task::spawn_blocking(move || csv_of(&gradebook))
            .await
            .map_err(|_| ApiError::internal("the CSV could not be written"))?
    } else {
        csv_of(&gradebook)
    };
    Ok(csv_response(bytes, &format!("gradebook-{id}.csv")))
}

/// `bytes` as a CSV file named `name`, to download, never stored by a cache.
pub(crate) fn csv_response(bytes: Vec<u8>, name: &str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(disposition) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn percent_text(percent: Option<f64>) -> String {
    percent.map(|p| p.to_string()).unwrap_or_default()
}

/// The CSV text of a gradebook: a header row, then one row per learner: who, each
/// assessment's percent and status, each category's percent, the course percent, its letter,
/// passed.
pub(crate) fn csv_of(gradebook: &Gradebook) -> Vec<u8> {
    let mut header = vec![
        "learner_id".to_owned(),
        "name".to_owned(),
        "email".to_owned(),
        "enrollment_status".to_owned(),
    ];
    for a in &gradebook.assessments {
        header.push(format!("{} (%)", a.title));
        header.push(format!("{} (status)", a.title));
    }
    for c in &gradebook.categories {
        let name = if c.id.is_none() {
            "Uncategorised"
        } else {
            &c.name
        };
        header.push(format!("{name} (category %)"));
    }
    header.push("course_percent".to_owned());
    header.push("letter".to_owned());
    header.push("passed".to_owned());
    // Flexible: a row never panics the export, whatever its length.
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    // Writing to a Vec fails only on allocation, which aborts anyway.
    let mut write = |cells: Vec<String>| {
        writer
            .write_record(cells.iter().map(|c| inert(c).into_owned()))
            .expect("CSV into memory");
    };
    write(header);
    for row in &gradebook.rows {
        let mut cells = vec![
            row.learner.id.to_string(),
            row.learner.name.clone(),
            row.learner.email.clone(),
            row.learner.enrollment_status.to_string(),
        ];
        for grade in &row.grades {
            cells.push(percent_text(grade.grade.percent));
            let mut status = grade.grade.status.to_string();
            if grade.grade.late {
                status.push_str(" late");
            }
            if grade.grade.missing && grade.grade.status != GradeStatus::Graded {
                status.push_str(" missing");
            }
            cells.push(status);
        }
        for category in &row.categories {
            cells.push(percent_text(category.percent));
        }
        cells.push(percent_text(row.percent));
        cells.push(row.letter.clone().unwrap_or_default());
        cells.push(row.passed.map(|p| p.to_string()).unwrap_or_default());
        write(cells);
    }
    writer.into_inner().expect("CSV into memory")
}

/// The signed-in learner's own grades in a course they are enrolled in: the course's
/// categories and quizzes, exams and assignments, and their one row (never another learner's;
/// an assignment's grade only once released).
#[utoipa::path(get, path = "/api/v1/courses/{id}/my-grades", tag = "gradebook", params(CoursePath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Gradebook),
        (status = 403, description = "`NOT_ENROLLED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
    ))]
pub(crate) async fn mine(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CoursePath { id }): Path<CoursePath>,
) -> Result<Json<Gradebook>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let grades = gradebook::my_grades(&mut tx, &auth.actor(), id, Utc::now()).await?;
    tx.commit().await?;
    Ok(Json(grades))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct CategoryList {
    items: Vec<CategoryDetail>,
}

/// A course's grade categories with their assessments. Course staff.
#[utoipa::path(get, path = "/api/v1/courses/{id}/grade-categories", tag = "gradebook", params(CoursePath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = CategoryList),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
    ))]
pub(crate) async fn list_categories(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CoursePath { id }): Path<CoursePath>,
) -> Result<Json<CategoryList>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let items = gradebook::categories(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(Json(CategoryList { items }))
}

/// A new grade category.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewCategory {
    #[schema(min_length = 1, max_length = 100)]
    name: String,
    /// 0 to 1,000; only the ratios between a course's weights matter.
    weight: f64,
    /// The course's assessments it holds (they leave any other category).
    #[serde(default)]
    assessment_ids: Vec<AssessmentId>,
}

/// Adds a grade category to a course (course staff with `course:edit`).
#[utoipa::path(post, path = "/api/v1/courses/{id}/grade-categories", tag = "gradebook", params(CoursePath),
    request_body = NewCategory, security(("bearer" = [])),
    responses(
        (status = 201, body = CategoryDetail),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`TOO_MANY_CATEGORIES`", body = ErrorBody),
        (status = 422, description = "`INVALID_WEIGHT`, `UNKNOWN_ASSESSMENT`, `VALIDATION_FAILED`", body = ErrorBody),
    ))]
pub(crate) async fn create_category(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CoursePath { id }): Path<CoursePath>,
    ApiJson(body): ApiJson<NewCategory>,
) -> Result<(StatusCode, Json<CategoryDetail>), ApiError> {
    let input = CategoryInput {
        name: body.name,
        weight: body.weight,
        assessment_ids: body.assessment_ids,
    };
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let category = gradebook::create_category(&mut tx, &auth.actor(), id, &input).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(category)))
}

/// Changes to a grade category: each field sent replaces the current one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CategoryPatch {
    name: Option<String>,
    weight: Option<f64>,
    /// 1 to the course's number of categories.
    position: Option<u32>,
    /// The assessments it holds from now on.
    assessment_ids: Option<Vec<AssessmentId>>,
}

/// Renames, reweighs or moves a grade category, or changes its assessments (course staff with
/// `course:edit`).
#[utoipa::path(patch, path = "/api/v1/grade-categories/{id}", tag = "gradebook", params(CategoryPath),
    request_body = CategoryPatch, security(("bearer" = [])),
    responses(
        (status = 200, body = CategoryDetail),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 422, description = "`INVALID_WEIGHT`, `INVALID_POSITION`, `UNKNOWN_ASSESSMENT`, `VALIDATION_FAILED`", body = ErrorBody),
    ))]
pub(crate) async fn update_category(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CategoryPath { id }): Path<CategoryPath>,
    ApiJson(body): ApiJson<CategoryPatch>,
) -> Result<Json<CategoryDetail>, ApiError> {
    let change = CategoryChange {
        name: body.name,
        weight: body.weight,
        position: body.position,
        assessment_ids: body.assessment_ids,
    };
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let category = gradebook::change_category(&mut tx, &auth.actor(), id, &change).await?;
    tx.commit().await?;
    Ok(Json(category))
}

/// Deletes a grade category; its assessments become uncategorised (course staff with
/// `course:edit`).
#[utoipa::path(delete, path = "/api/v1/grade-categories/{id}", tag = "gradebook", params(CategoryPath),
    security(("bearer" = [])),
    responses((status = 204), (status = 404, description = "`NOT_FOUND`", body = ErrorBody)))]
pub(crate) async fn delete_category(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CategoryPath { id }): Path<CategoryPath>,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    gradebook::delete_category(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A course's grading settings. Course staff.
#[utoipa::path(get, path = "/api/v1/courses/{id}/grading", tag = "gradebook", params(CoursePath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = GradingSettings),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
    ))]
pub(crate) async fn show_settings(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CoursePath { id }): Path<CoursePath>,
) -> Result<Json<GradingSettings>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let settings = gradebook::settings(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(Json(settings))
}

/// A course's grading settings, whole.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GradingSettingsBody {
    /// 0 to 100; `null`: the gradebook says nothing of passing.
    passing_percent: Option<u8>,
    /// Work missing after its due date counts as 0 (otherwise it is left out until graded).
    #[serde(default)]
    missing_counts_as_zero: bool,
    /// The letters the course percent earns, highest first: at most 20 bands, letters 1 to 8
    /// characters used once, `min_percent` from 0 to 100 and strictly decreasing; `[]`: no
    /// letters. Left out: the default scale (A 90, B 80, C 70, D 60, F 0).
    #[schema(max_items = 20)]
    letter_scale: Option<Vec<LetterBand>>,
}

/// Replaces a course's grading settings (course staff with `course:edit`).
#[utoipa::path(put, path = "/api/v1/courses/{id}/grading", tag = "gradebook", params(CoursePath),
    request_body = GradingSettingsBody, security(("bearer" = [])),
    responses(
        (status = 200, body = GradingSettings),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 422, description = "`INVALID_ASSESSMENT`, `INVALID_GRADING_SCALE`, `VALIDATION_FAILED`", body = ErrorBody),
    ))]
pub(crate) async fn update_settings(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CoursePath { id }): Path<CoursePath>,
    ApiJson(body): ApiJson<GradingSettingsBody>,
) -> Result<Json<GradingSettings>, ApiError> {
    let new = SettingsInput {
        passing_percent: body.passing_percent,
        missing_counts_as_zero: body.missing_counts_as_zero,
        letter_scale: body.letter_scale,
    };
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let settings = gradebook::change_settings(&mut tx, &auth.actor(), id, new).await?;
    tx.commit().await?;
    Ok(Json(settings))
}

/// The item analysis of a quiz or exam over each learner's latest graded attempt: per
/// question the attempts, difficulty (mean points over points), discrimination (corrected
/// point-biserial correlation) and, for choice questions, each option's share. Course staff
/// with `assessment:grade`.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/item-analysis", tag = "gradebook", params(AssessmentPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ItemAnalysis),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 422, description = "`NOT_A_QUIZ`", body = ErrorBody),
    ))]
pub(crate) async fn item_analysis(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(AssessmentPath { id }): Path<AssessmentPath>,
) -> Result<Json<ItemAnalysis>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let analysis = gradebook::item_analysis(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(Json(analysis))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lyceum_app::assessments::gradebook::{GradebookCategory, GradebookLearner, GradebookRow};
    use lyceum_domain::assessment::gradebook::Weight;
    use lyceum_domain::{CourseId, EnrollmentStatus, UserId};

    #[test]
    fn the_csv_neutralises_formulas_in_every_cell() {
        let gradebook = Gradebook {
            course_id: CourseId::new(),
            settings: GradingSettings::default(),
            categories: vec![GradebookCategory {
                id: Some(GradeCategoryId::new()),
                name: "=HYPERLINK(\"x\")".into(),
                weight: Weight::from_hundredths(100),
            }],
            assessments: Vec::new(),
            rows: vec![GradebookRow {
                learner: GradebookLearner {
                    id: UserId::new(),
                    name: "@SUM(1+1)".into(),
                    email: "a@b.test".into(),
                    enrollment_id: EnrollmentId::new(),
                    enrollment_status: EnrollmentStatus::Active,
                },
                grades: Vec::new(),
                categories: vec![lyceum_app::assessments::gradebook::CategoryGrade {
                    category_id: None,
                    percent: Some(75.5),
                }],
                percent: Some(50.0),
                letter: Some("=F".into()),
                passed: None,
            }],
        };
        let text = String::from_utf8(csv_of(&gradebook)).unwrap();
        assert!(text.contains("'=HYPERLINK"), "{text}");
        assert!(text.contains("'@SUM(1+1)"), "{text}");
        assert!(text.contains(",75.5,50,'=F,"), "{text}");
    }
}
