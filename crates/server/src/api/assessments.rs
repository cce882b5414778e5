//! Assessments over HTTP: a course's quizzes, exams and assignments and their questions
//! (`/courses/{id}/assessments`, `/assessments/{id}`, `/assessments/{id}/questions`,
//! `/questions/{id}`), question banks (`/courses/{id}/question-banks`, `/question-banks/{id}`),
//! attempts (`POST /assessments/{id}/attempts`, `PUT /attempts/{id}/answers`,
//! `POST /assessments/{id}/submissions`), submissions and their grading
//! (`/assessments/{id}/submissions`, `/submissions/{id}`, `/submissions/{id}/grades`). The
//! rules, events and audit entries are `lyceum_app::assessments`'s; learners' answers here are
//! built by it without answer keys. Every answer is `Cache-Control: no-store` (the default).

use crate::api::auth::Authenticated;
use crate::api::learning::CoursePath;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::ApiJson;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use lyceum_app::assessments::attempts::{
    self, AnswerGrade, AttemptSummary, AttemptView, StaffSubmission, SubmissionRead,
};
use lyceum_app::assessments::{
    self, Assessment, AssessmentChange, AssessmentDetail, AssessmentInput, BankDetail, BankSummary,
    Draw, Question, QuestionBank, QuestionChange,
};
use lyceum_domain::assessment::{
    Answer, AssessmentKind, AssessmentRules, CountedAttempt, LatePolicy, Points, QuestionDraft,
    QuestionKey, ReviewPolicy,
};
use lyceum_domain::{AssessmentId, QuestionBankId, QuestionId, SubmissionId};
use lyceum_store::LearnerLock;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
pub(crate) struct AssessmentPath {
    /// The assessment's id.
    pub(crate) id: AssessmentId,
}

#[derive(Deserialize, IntoParams)]
pub(crate) struct QuestionPath {
    /// The question's id.
    id: QuestionId,
}

#[derive(Deserialize, IntoParams)]
pub(crate) struct BankPath {
    /// The question bank's id.
    id: QuestionBankId,
}

#[derive(Deserialize, IntoParams)]
pub(crate) struct SubmissionPath {
    /// The attempt's (submission's) id.
    id: SubmissionId,
}

/// A field that was sent, `null` included (`Some(None)`), as opposed to one left out (`None`).
fn given<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A new assessment. Settings left out take their defaults.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewAssessment {
    kind: AssessmentKind,
    #[schema(min_length = 1, max_length = 300)]
    title: String,
    /// Shown to learners before they start.
    #[serde(default)]
    instructions: String,
    /// Default 50.
    passing_percent: Option<u8>,
    time_limit_seconds: Option<u32>,
    max_attempts: Option<u32>,
    available_from: Option<DateTime<Utc>>,
    available_until: Option<DateTime<Utc>>,
    due_at: Option<DateTime<Utc>>,
    #[serde(default)]
    shuffle_questions: bool,
    #[serde(default)]
    shuffle_options: bool,
    /// Default `after_submission`.
    review_policy: Option<ReviewPolicy>,
    /// Default `highest`.
    counted_attempt: Option<CountedAttempt>,
    /// Default `refuse`.
    late_policy: Option<LatePolicy>,
    /// Questions each attempt draws at random from the course's banks.
    #[serde(default)]
    draws: Vec<Draw>,
}

/// Changes to an assessment: each field sent replaces the current one; `null` clears an
/// optional one. Its kind stays.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AssessmentPatch {
    title: Option<String>,
    instructions: Option<String>,
    passing_percent: Option<u8>,
    #[serde(default, deserialize_with = "given")]
    #[schema(value_type = Option<u32>, nullable)]
    time_limit_seconds: Option<Option<u32>>,
    #[serde(default, deserialize_with = "given")]
    #[schema(value_type = Option<u32>, nullable)]
    max_attempts: Option<Option<u32>>,
    #[serde(default, deserialize_with = "given")]
    #[schema(value_type = Option<DateTime<Utc>>, nullable)]
    available_from: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "given")]
    #[schema(value_type = Option<DateTime<Utc>>, nullable)]
    available_until: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "given")]
    #[schema(value_type = Option<DateTime<Utc>>, nullable)]
    due_at: Option<Option<DateTime<Utc>>>,
    shuffle_questions: Option<bool>,
    shuffle_options: Option<bool>,
    review_policy: Option<ReviewPolicy>,
    counted_attempt: Option<CountedAttempt>,
    late_policy: Option<LatePolicy>,
    draws: Option<Vec<Draw>>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct AssessmentList {
    items: Vec<AssessmentDetail>,
}

/// The assessments of a course, with their sizes (course staff, or enrolled learners).
#[utoipa::path(get, path = "/api/v1/courses/{id}/assessments", tag = "assessments", params(CoursePath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = AssessmentList),
        (status = 403, description = "`NOT_ENROLLED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
    ))]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CoursePath { id }): Path<CoursePath>,
) -> Result<Json<AssessmentList>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let items = assessments::of_course(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(Json(AssessmentList { items }))
}

/// Creates a quiz, exam or assignment in a course you edit (`course:edit`, its staff).
#[utoipa::path(post, path = "/api/v1/courses/{id}/assessments", tag = "assessments", params(CoursePath),
    request_body = NewAssessment, security(("bearer" = [])),
    responses(
        (status = 201, body = Assessment),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 422, description = "`INVALID_ASSESSMENT`, `INVALID_DRAW`, `NOT_A_QUIZ`, `VALIDATION_FAILED`", body = ErrorBody),
    ))]
pub(crate) async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CoursePath { id }): Path<CoursePath>,
    ApiJson(request): ApiJson<NewAssessment>,
) -> Result<(StatusCode, Json<Assessment>), ApiError> {
    let defaults = AssessmentRules::default();
    let input = AssessmentInput {
        kind: request.kind,
        title: request.title,
        instructions: request.instructions,
        rules: AssessmentRules {
            passing_percent: request.passing_percent.unwrap_or(defaults.passing_percent),
            time_limit_seconds: request.time_limit_seconds,
            max_attempts: request.max_attempts,
            available_from: request.available_from,
            available_until: request.available_until,
            due_at: request.due_at,
            shuffle_questions: request.shuffle_questions,
            shuffle_options: request.shuffle_options,
            review: request.review_policy.unwrap_or(defaults.review),
            counts: request.counted_attempt.unwrap_or(defaults.counts),
            late: request.late_policy.unwrap_or(defaults.late),
        },
        draws: request.draws,
    };
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let assessment = assessments::create(&mut tx, &auth.actor(), id, input).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(assessment)))
}

/// An assessment: for its course's staff with its questions and answer keys, for an enrolled
/// learner with their attempts and counted result (never a key).
#[utoipa::path(get, path = "/api/v1/assessments/{id}", tag = "assessments", params(AssessmentPath),
    security(("bearer" = [])),
    responses((status = 200, body = AssessmentDetail), (status = 404, description = "`NOT_FOUND`", body = ErrorBody)))]
pub(crate) async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(AssessmentPath { id }): Path<AssessmentPath>,
) -> Result<Json<AssessmentDetail>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let detail = assessments::show(&mut tx, &auth.actor(), id, Utc::now()).await?;
    tx.commit().await?;
    Ok(Json(detail))
}

/// Changes an assessment's settings (course staff). Attempts started keep their questions;
/// their deadlines follow the new settings.
#[utoipa::path(patch, path = "/api/v1/assessments/{id}", tag = "assessments", params(AssessmentPath),
    request_body = AssessmentPatch, security(("bearer" = [])),
    responses(
        (status = 200, body = Assessment),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 422, description = "`INVALID_ASSESSMENT`, `INVALID_DRAW`", body = ErrorBody),
    ))]
pub(crate) async fn update(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(AssessmentPath { id }): Path<AssessmentPath>,
    ApiJson(request): ApiJson<AssessmentPatch>,
) -> Result<Json<Assessment>, ApiError> {
    let change = AssessmentChange {
        title: request.title,
        instructions: request.instructions,
        passing_percent: request.passing_percent,
        time_limit_seconds: request.time_limit_seconds,
        max_attempts: request.max_attempts,
        available_from: request.available_from,
        available_until: request.available_until,
        due_at: request.due_at,
        shuffle_questions: request.shuffle_questions,
        shuffle_options: request.shuffle_options,
        review: request.review_policy,
        counts: request.counted_attempt,
        late: request.late_policy,
        draws: request.draws,
    };
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let assessment = assessments::change(&mut tx, &auth.actor(), id, change).await?;
    tx.commit().await?;
    Ok(Json(assessment))
}

/// Deletes an assessment with its questions (course staff), unless a lesson links it or
/// learners attempted it.
#[utoipa::path(delete, path = "/api/v1/assessments/{id}", tag = "assessments", params(AssessmentPath),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`ASSESSMENT_IN_USE`, `ASSESSMENT_HAS_SUBMISSIONS`", body = ErrorBody),
    ))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(AssessmentPath { id }): Path<AssessmentPath>,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    assessments::delete(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a question to a quiz or exam (course staff); checked as it is saved.
#[utoipa::path(post, path = "/api/v1/assessments/{id}/questions", tag = "assessments", params(AssessmentPath),
    request_body = QuestionDraft, security(("bearer" = [])),
    responses(
        (status = 201, body = Question),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`TOO_MANY_QUESTIONS`", body = ErrorBody),
        (status = 422, description = "`INVALID_QUESTION`, `INVALID_PATTERN`, `NOT_A_QUIZ`", body = ErrorBody),
    ))]
pub(crate) async fn add_question(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(AssessmentPath { id }): Path<AssessmentPath>,
    ApiJson(draft): ApiJson<QuestionDraft>,
) -> Result<(StatusCode, Json<Question>), ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let question = assessments::add_question(&mut tx, &auth.actor(), id, &draft).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(question)))
}

/// Changes to a question: each field sent replaces the current one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct QuestionPatch {
    prompt: Option<String>,
    points: Option<u32>,
    tags: Option<Vec<String>>,
    key: Option<QuestionKey>,
}

/// A question with its answer key (course staff).
#[utoipa::path(get, path = "/api/v1/questions/{id}", tag = "assessments", params(QuestionPath),
    security(("bearer" = [])),
    responses((status = 200, body = Question), (status = 404, description = "`NOT_FOUND`", body = ErrorBody)))]
pub(crate) async fn show_question(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(QuestionPath { id }): Path<QuestionPath>,
) -> Result<Json<Question>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let question = assessments::question(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(Json(question))
}

/// Changes a question of an assessment or a bank (course staff). Attempts started keep the
/// question as they drew it.
#[utoipa::path(patch, path = "/api/v1/questions/{id}", tag = "assessments", params(QuestionPath),
    request_body = QuestionPatch, security(("bearer" = [])),
    responses(
        (status = 200, body = Question),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 422, description = "`INVALID_QUESTION`, `INVALID_PATTERN`", body = ErrorBody),
    ))]
pub(crate) async fn update_question(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(QuestionPath { id }): Path<QuestionPath>,
    ApiJson(request): ApiJson<QuestionPatch>,
) -> Result<Json<Question>, ApiError> {
    let change = QuestionChange {
        prompt: request.prompt,
        points: request.points,
        tags: request.tags,
        key: request.key,
    };
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let question = assessments::change_question(&mut tx, &auth.actor(), id, change).await?;
    tx.commit().await?;
    Ok(Json(question))
}

/// Removes a question (course staff).
#[utoipa::path(delete, path = "/api/v1/questions/{id}", tag = "assessments", params(QuestionPath),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 422, description = "`INVALID_DRAW`: a draw needs the bank's question", body = ErrorBody),
    ))]
pub(crate) async fn delete_question(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(QuestionPath { id }): Path<QuestionPath>,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    assessments::remove_question(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewBank {
    #[schema(min_length = 1, max_length = 300)]
    title: String,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct BankList {
    items: Vec<BankSummary>,
}

/// The question banks of a course you edit, each with its number of questions.
#[utoipa::path(get, path = "/api/v1/courses/{id}/question-banks", tag = "assessments", params(CoursePath),
    security(("bearer" = [])),
    responses((status = 200, body = BankList), (status = 404, description = "`NOT_FOUND`", body = ErrorBody)))]
pub(crate) async fn list_banks(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CoursePath { id }): Path<CoursePath>,
) -> Result<Json<BankList>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let items = assessments::banks_of(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(Json(BankList { items }))
}

/// Creates a question bank in a course you edit.
#[utoipa::path(post, path = "/api/v1/courses/{id}/question-banks", tag = "assessments", params(CoursePath),
    request_body = NewBank, security(("bearer" = [])),
    responses((status = 201, body = QuestionBank), (status = 404, description = "`NOT_FOUND`", body = ErrorBody)))]
pub(crate) async fn create_bank(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CoursePath { id }): Path<CoursePath>,
    ApiJson(request): ApiJson<NewBank>,
) -> Result<(StatusCode, Json<QuestionBank>), ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let bank = assessments::create_bank(&mut tx, &auth.actor(), id, &request.title).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(bank)))
}

/// A question bank with its questions and their keys (course staff).
#[utoipa::path(get, path = "/api/v1/question-banks/{id}", tag = "assessments", params(BankPath),
    security(("bearer" = [])),
    responses((status = 200, body = BankDetail), (status = 404, description = "`NOT_FOUND`", body = ErrorBody)))]
pub(crate) async fn show_bank(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(BankPath { id }): Path<BankPath>,
) -> Result<Json<BankDetail>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let bank = assessments::bank(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(Json(bank))
}

/// Deletes a question bank with its questions (course staff), unless an assessment draws from
/// it.
#[utoipa::path(delete, path = "/api/v1/question-banks/{id}", tag = "assessments", params(BankPath),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`BANK_IN_USE`", body = ErrorBody),
    ))]
pub(crate) async fn delete_bank(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(BankPath { id }): Path<BankPath>,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    assessments::delete_bank(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a question to a bank (course staff).
#[utoipa::path(post, path = "/api/v1/question-banks/{id}/questions", tag = "assessments", params(BankPath),
    request_body = QuestionDraft, security(("bearer" = [])),
    responses(
        (status = 201, body = Question),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 422, description = "`INVALID_QUESTION`, `INVALID_PATTERN`", body = ErrorBody),
    ))]
pub(crate) async fn add_bank_question(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(BankPath { id }): Path<BankPath>,
    ApiJson(draft): ApiJson<QuestionDraft>,
) -> Result<(StatusCode, Json<Question>), ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let question = assessments::add_bank_question(&mut tx, &auth.actor(), id, &draft).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(question)))
}

/// Starts an attempt (a learner enrolled in the course, `assessment:take`), on the server's
/// clock; the attempt in progress is answered instead (200) while its deadline has not passed.
#[utoipa::path(post, path = "/api/v1/assessments/{id}/attempts", tag = "assessments", params(AssessmentPath),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Started", body = AttemptView),
        (status = 200, description = "The attempt in progress", body = AttemptView),
        (status = 403, description = "`PERMISSION_DENIED`, `NOT_ENROLLED`, `LESSON_LOCKED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`ASSESSMENT_NOT_OPEN`, `DEADLINE_PASSED`, `MAX_ATTEMPTS_REACHED`, `ASSESSMENT_EMPTY`", body = ErrorBody),
        (status = 422, description = "`NOT_A_QUIZ`", body = ErrorBody),
    ))]
pub(crate) async fn start(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(AssessmentPath { id }): Path<AssessmentPath>,
) -> Result<(StatusCode, Json<AttemptView>), ApiError> {
    let actor = auth.actor();
    let lock = LearnerLock {
        learner: actor.user,
    };
    let mut tx = state.store.begin_learner_write(&auth.tenant, lock).await?;
    let started = attempts::start(&mut tx, &actor, id, Utc::now()).await?;
    tx.commit().await?;
    let status = if started.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(started.attempt)))
}

/// An answer to one question of an attempt.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AnswerInput {
    question_id: QuestionId,
    answer: Answer,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SaveAnswers {
    answers: Vec<AnswerInput>,
}

fn pairs(answers: Vec<AnswerInput>) -> Vec<(QuestionId, Answer)> {
    answers
        .into_iter()
        .map(|a| (a.question_id, a.answer))
        .collect()
}

/// Saves answers of your attempt in progress, each replacing the one saved before for its
/// question; all or none.
#[utoipa::path(put, path = "/api/v1/attempts/{id}/answers", tag = "assessments", params(SubmissionPath),
    request_body = SaveAnswers, security(("bearer" = [])),
    responses(
        (status = 200, body = AttemptView),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`DEADLINE_PASSED`, `ALREADY_SUBMITTED`", body = ErrorBody),
        (status = 422, description = "`UNKNOWN_QUESTION`, `INVALID_ANSWER`", body = ErrorBody),
    ))]
pub(crate) async fn save_answers(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(SubmissionPath { id }): Path<SubmissionPath>,
    ApiJson(request): ApiJson<SaveAnswers>,
) -> Result<Json<AttemptView>, ApiError> {
    let actor = auth.actor();
    let lock = LearnerLock {
        learner: actor.user,
    };
    let answers = pairs(request.answers);
    let mut tx = state.store.begin_learner_write(&auth.tenant, lock).await?;
    let view = attempts::save(&mut tx, &actor, id, &answers, Utc::now()).await?;
    tx.commit().await?;
    Ok(Json(view))
}

/// Submits your attempt (the one named, else the one in progress), with last answers if any.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct SubmitRequest {
    attempt_id: Option<SubmissionId>,
    #[serde(default)]
    answers: Vec<AnswerInput>,
}

/// Submits your attempt: marked on the server, graded at once unless an essay waits for an
/// instructor. After its deadline it is refused or accepted marked late, per the late policy.
#[utoipa::path(post, path = "/api/v1/assessments/{id}/submissions", tag = "assessments", params(AssessmentPath),
    request_body(content = Option<SubmitRequest>), security(("bearer" = [])),
    responses(
        (status = 200, description = "Submitted: score and, when the review policy allows, the review", body = AttemptView),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`DEADLINE_PASSED`, `ALREADY_SUBMITTED`, `NO_ATTEMPT_IN_PROGRESS`", body = ErrorBody),
        (status = 422, description = "`UNKNOWN_QUESTION`, `INVALID_ANSWER`", body = ErrorBody),
    ))]
pub(crate) async fn submit(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(AssessmentPath { id }): Path<AssessmentPath>,
    body: axum::body::Bytes,
) -> Result<Json<AttemptView>, ApiError> {
    let request: SubmitRequest = crate::http::json::optional_body(&body)?;
    let actor = auth.actor();
    let lock = LearnerLock {
        learner: actor.user,
    };
    let answers = pairs(request.answers);
    let mut tx = state.store.begin_learner_write(&auth.tenant, lock).await?;
    let view = attempts::submit(
        &mut tx,
        &actor,
        id,
        request.attempt_id,
        &answers,
        Utc::now(),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(view))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct SubmissionList {
    items: Vec<AttemptSummary>,
}

/// The attempts at an assessment: every learner's for its course's staff who grade, your own
/// for a learner.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/submissions", tag = "assessments", params(AssessmentPath),
    security(("bearer" = [])),
    responses((status = 200, body = SubmissionList), (status = 404, description = "`NOT_FOUND`", body = ErrorBody)))]
pub(crate) async fn submissions(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(AssessmentPath { id }): Path<AssessmentPath>,
) -> Result<Json<SubmissionList>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let items = attempts::of_assessment(&mut tx, &auth.actor(), id, Utc::now()).await?;
    tx.commit().await?;
    Ok(Json(SubmissionList { items }))
}

/// An attempt: yours (questions without keys; the review once the policy allows), or, for the
/// staff of its course who grade, with keys and marks.
#[utoipa::path(get, path = "/api/v1/submissions/{id}", tag = "assessments", params(SubmissionPath),
    security(("bearer" = [])),
    responses((status = 200, body = SubmissionRead), (status = 404, description = "`NOT_FOUND`", body = ErrorBody)))]
pub(crate) async fn show_submission(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(SubmissionPath { id }): Path<SubmissionPath>,
) -> Result<Json<SubmissionRead>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let read = attempts::read(&mut tx, &auth.actor(), id, Utc::now()).await?;
    tx.commit().await?;
    Ok(Json(read))
}

/// An instructor's grade of one essay answer.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GradeInput {
    question_id: QuestionId,
    /// At most the question's points, two decimals.
    points: Points,
    feedback: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GradeRequest {
    grades: Vec<GradeInput>,
}

/// Grades essay answers of a submitted attempt by hand, or changes such a grade (staff of its
/// course, `assessment:grade`); audited.
#[utoipa::path(post, path = "/api/v1/submissions/{id}/grades", tag = "assessments", params(SubmissionPath),
    request_body = GradeRequest, security(("bearer" = [])),
    responses(
        (status = 200, body = StaffSubmission),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`NOT_SUBMITTED`", body = ErrorBody),
        (status = 422, description = "`UNKNOWN_QUESTION`, `NOT_GRADED_BY_HAND`, `NOTHING_TO_GRADE`, `INVALID_GRADE`", body = ErrorBody),
    ))]
pub(crate) async fn grade(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(SubmissionPath { id }): Path<SubmissionPath>,
    ApiJson(request): ApiJson<GradeRequest>,
) -> Result<Json<StaffSubmission>, ApiError> {
    let grades: Vec<AnswerGrade> = request
        .grades
        .into_iter()
        .map(|g| AnswerGrade {
            question_id: g.question_id,
            points: g.points,
            feedback: g.feedback,
        })
        .collect();
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let graded = attempts::grade(&mut tx, &auth.actor(), id, &grades).await?;
    tx.commit().await?;
    Ok(Json(graded))
}
