//! Enrollments: self-enrollment, enrollment by course staff, bulk enrollment from CSV with a
//! result per row, listing (mine, a course's students), unenrolling, and due dates.

use super::{course_for, CoursePath};
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorBody};
use crate::json::ApiJson;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use lyceum_app::learning::{self, EnrolledBy};
use lyceum_app::Refusal;
use lyceum_domain::{
    events, CourseStatus, DomainEvent, Email, EnrollmentId, EnrollmentStatus, Permission, UserId,
    UserStatus,
};
use lyceum_store::repo::enrollments::{self, Enrollment};
use lyceum_store::repo::users::{self, User};
use lyceum_store::TenantTx;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

/// `{id}` of `/enrollments/{id}`.
#[derive(Deserialize, IntoParams)]
pub(crate) struct EnrollmentPath {
    /// The enrollment's id.
    id: EnrollmentId,
}

fn conflict(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, code, message)
}

/// Whether the user may enroll others in, or see the students of, a course they are `staff` of
/// (see [`course_for`]) or not.
fn manages(auth: &Authenticated, staff: bool, permission: Permission) -> Result<(), ApiError> {
    auth.require(permission)?;
    if staff {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            "only the course's instructors and admins may do this",
        ))
    }
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct EnrollRequest {
    /// Whom to enroll (course staff and admins); default: yourself.
    user_id: Option<UserId>,
    due_at: Option<DateTime<Utc>>,
}

/// Enrolls yourself (a published course with room whose prerequisites you completed), or, as
/// course staff or admin, someone else. Enrolling again answers the existing enrollment.
#[utoipa::path(post, path = "/api/v1/courses/{id}/enroll", tag = "enrollments", params(CoursePath),
    request_body(content = Option<EnrollRequest>), security(("bearer" = [])),
    responses(
        (status = 201, description = "Enrolled", body = Enrollment),
        (status = 200, description = "Already enrolled", body = Enrollment),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 409, description = "`COURSE_NOT_OPEN`, `COURSE_FULL`, `PREREQUISITES_NOT_MET`", body = ErrorBody),
    ))]
pub(crate) async fn enroll(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CoursePath { id }): Path<CoursePath>,
    body: Bytes,
) -> Result<(StatusCode, Json<Enrollment>), ApiError> {
    let request: EnrollRequest = crate::json::optional_body(&body)?;
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let (course, staff) = course_for(&mut tx, &auth, id).await?;
    let (user, by) = match request.user_id {
        Some(user) if user != auth.user_id => {
            manages(&auth, staff, Permission::EnrollmentManage)?;
            let target = users::get(&mut tx, user).await?;
            if target.is_none_or(|u| u.status == UserStatus::Deactivated) {
                return Err(ApiError::not_found("no such user"));
            }
            (user, EnrolledBy::Staff(auth.user_id))
        }
        _ => {
            auth.require(Permission::EnrollmentSelf)?;
            (auth.user_id, EnrolledBy::Themselves)
        }
    };
    tx.affects_only(user);
    let (enrollment, created) =
        learning::enroll(&mut tx, &course, user, request.due_at, by).await?;
    tx.commit().await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(enrollment)))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct EnrollmentList {
    items: Vec<Enrollment>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct EnrollmentFilter {
    /// Another user's enrollments (admins only); default: yours.
    user_id: Option<UserId>,
}

/// Your enrollments (or, for admins, another user's).
#[utoipa::path(get, path = "/api/v1/enrollments", tag = "enrollments", params(EnrollmentFilter),
    security(("bearer" = [])),
    responses((status = 200, body = EnrollmentList), (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
    Query(filter): Query<EnrollmentFilter>,
) -> Result<Json<EnrollmentList>, ApiError> {
    let user = match filter.user_id {
        Some(user) if user != auth.user_id => {
            auth.require(Permission::UserManage)?;
            user
        }
        _ => auth.user_id,
    };
    let mut tx = state.store.begin(&auth.tenant).await?;
    let items = enrollments::for_user(&mut tx, user).await?;
    tx.commit().await?;
    Ok(Json(EnrollmentList { items }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct StudentPage {
    /// `next_cursor` of the previous page.
    after: Option<EnrollmentId>,
    /// 1 to 200, default 50.
    limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct Student {
    enrollment: Enrollment,
    user: User,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct StudentList {
    items: Vec<Student>,
    next_cursor: Option<EnrollmentId>,
}

/// A course's learners with their enrollments. Course staff and admins.
#[utoipa::path(get, path = "/api/v1/courses/{id}/students", tag = "enrollments", params(CoursePath, StudentPage),
    security(("bearer" = [])),
    responses((status = 200, body = StudentList), (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody)))]
pub(crate) async fn students(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CoursePath { id }): Path<CoursePath>,
    Query(page): Query<StudentPage>,
) -> Result<Json<StudentList>, ApiError> {
    let limit = crate::paging::page_size(page.limit)?;
    let mut tx = state.store.begin(&auth.tenant).await?;
    let (_, staff) = course_for(&mut tx, &auth, id).await?;
    manages(&auth, staff, Permission::EnrollmentView)?;
    let page_items = enrollments::for_course(&mut tx, id, page.after, limit).await?;
    let ids: Vec<UserId> = page_items.iter().map(|e| e.user_id).collect();
    let mut people: HashMap<UserId, User> = users::by_ids(&mut tx, &ids)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    tx.commit().await?;
    let next_cursor = crate::paging::next_cursor(&page_items, limit, |e| e.id);
    let items = page_items
        .into_iter()
        .filter_map(|enrollment| {
            let user = people.remove(&enrollment.user_id)?;
            Some(Student { enrollment, user })
        })
        .collect();
    Ok(Json(StudentList { items, next_cursor }))
}

/// The enrollment, if the user is its learner or manages its course.
async fn own_or_managed(
    tx: &mut TenantTx,
    auth: &Authenticated,
    id: EnrollmentId,
    manage_only: bool,
) -> Result<Enrollment, ApiError> {
    let enrollment = enrollments::get(tx, id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such enrollment"))?;
    if manage_only || enrollment.user_id != auth.user_id {
        let staff = auth.is_staff_of(tx, enrollment.course_id).await?;
        manages(auth, staff, Permission::EnrollmentManage)
            .map_err(|_| ApiError::not_found("no such enrollment"))?;
    }
    Ok(enrollment)
}

/// Unenrolls: the enrollment becomes `dropped` (its progress is kept). The learner or the
/// course's staff.
#[utoipa::path(delete, path = "/api/v1/enrollments/{id}", tag = "enrollments", params(EnrollmentPath),
    security(("bearer" = [])),
    responses((status = 200, body = Enrollment), (status = 404, description = "`NOT_FOUND`", body = ErrorBody)))]
pub(crate) async fn unenroll(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(EnrollmentPath { id }): Path<EnrollmentPath>,
) -> Result<Json<Enrollment>, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let enrollment = own_or_managed(&mut tx, &auth, id, false).await?;
    let enrollment = learning::unenroll(&mut tx, enrollment, auth.user_id).await?;
    tx.commit().await?;
    Ok(Json(enrollment))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EnrollmentChanges {
    /// A new due date for this learner (an extension); `null` removes it. Required.
    #[serde(deserialize_with = "present")]
    #[schema(value_type = Option<DateTime<Utc>>, required = true)]
    due_at: Option<DateTime<Utc>>,
}

/// A field that must be given, though it may be `null`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    Option::deserialize(d)
}

/// Sets one learner's due date. Course staff and admins.
#[utoipa::path(patch, path = "/api/v1/enrollments/{id}", tag = "enrollments", params(EnrollmentPath),
    request_body = EnrollmentChanges, security(("bearer" = [])),
    responses((status = 200, body = Enrollment), (status = 404, description = "`NOT_FOUND`", body = ErrorBody)))]
pub(crate) async fn update(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(EnrollmentPath { id }): Path<EnrollmentPath>,
    ApiJson(changes): ApiJson<EnrollmentChanges>,
) -> Result<Json<Enrollment>, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let enrollment = own_or_managed(&mut tx, &auth, id, true).await?;
    let enrollment = learning::set_due(&mut tx, &enrollment, changes.due_at, auth.user_id).await?;
    tx.commit().await?;
    Ok(Json(enrollment))
}

/// The outcome of one CSV row.
#[derive(Serialize, ToSchema)]
pub(crate) struct RowResult {
    /// 1-based line number in the file (the header is line 1).
    line: u64,
    email: String,
    /// `created`, `already_enrolled` or `failed`.
    result: &'static str,
    /// Why it failed: a stable code.
    code: Option<&'static str>,
    reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ImportReport {
    created: usize,
    already_enrolled: usize,
    failed: usize,
    rows: Vec<RowResult>,
}

/// Rows per file.
const MAX_CSV_ROWS: usize = 50_000;
/// Bytes per file: room for `MAX_CSV_ROWS` rows of a long e-mail address and a date.
pub(crate) const MAX_CSV_BYTES: usize = 8 * 1024 * 1024;

/// Bulk enrollment from a CSV upload (`text/csv`, UTF-8): a header row with an `email`
/// column and an optional `due_at` column (RFC 3339 or `YYYY-MM-DD`). Each row is enrolled,
/// found already enrolled, or fails with its reason; uploading the same file again changes
/// nothing. A file that is not UTF-8 or lacks the `email` column is refused as a whole.
#[utoipa::path(post, path = "/api/v1/courses/{id}/enrollments/import", tag = "enrollments", params(CoursePath),
    request_body(content = String, content_type = "text/csv"), security(("bearer" = [])),
    responses(
        (status = 200, body = ImportReport),
        (status = 400, description = "`INVALID_CSV`", body = ErrorBody),
        (status = 409, description = "`COURSE_NOT_OPEN`", body = ErrorBody),
    ))]
pub(crate) async fn import(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CoursePath { id }): Path<CoursePath>,
    body: Bytes,
) -> Result<Json<ImportReport>, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let (course, staff) = course_for(&mut tx, &auth, id).await?;
    manages(&auth, staff, Permission::EnrollmentManage)?;
    if course.status != CourseStatus::Published {
        return Err(conflict(
            "COURSE_NOT_OPEN",
            format!("the course is {}, not open for enrollment", course.status),
        ));
    }
    let invalid = |message: String| ApiError::new(StatusCode::BAD_REQUEST, "INVALID_CSV", message);
    let text = std::str::from_utf8(&body).map_err(|e| {
        invalid(format!(
            "the file is not UTF-8 (first bad byte at offset {})",
            e.valid_up_to()
        ))
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| invalid(format!("unreadable header row: {e}")))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let email_at = column("email").ok_or_else(|| {
        invalid(format!(
            "the header row needs an `email` column (found: {})",
            headers.iter().collect::<Vec<_>>().join(", ")
        ))
    })?;
    let due_at = column("due_at");

    // Read and check every row first; the database is then asked in bulk.
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        if index >= MAX_CSV_ROWS {
            return Err(invalid(format!("at most {MAX_CSV_ROWS} rows per file")));
        }
        let line = index as u64 + 2;
        rows.push(match record {
            Err(e) => CsvRow::failed(line, String::new(), "INVALID_ROW", e.to_string()),
            Ok(record) => {
                let email = record.get(email_at).unwrap_or_default().to_owned();
                let due = due_at.and_then(|i| record.get(i)).unwrap_or_default();
                CsvRow::parse(line, email, due)
            }
        });
    }

    let emails: Vec<Email> = rows.iter().filter_map(|r| r.parsed.clone()).collect();
    let people: HashMap<String, User> = users::by_emails(&mut tx, &emails)
        .await?
        .into_iter()
        .map(|u| (u.email.to_string(), u))
        .collect();
    let mut enrolled: HashMap<UserId, EnrollmentStatus> = enrollments::of_course(&mut tx, id)
        .await?
        .into_iter()
        .map(|(user, _, status)| (user, status))
        .collect();
    let mut seats = course.max_enrollment.map(|max| {
        let active = enrolled
            .values()
            .filter(|s| **s == EnrollmentStatus::Active)
            .count();
        i64::from(max) - active as i64
    });
    let mut to_create = Vec::new();
    for row in rows.iter_mut().filter(|r| r.outcome.is_none()) {
        let Some(user) = row.parsed.as_ref().and_then(|e| people.get(e.as_str())) else {
            row.fail(
                "UNKNOWN_USER",
                "no user with this e-mail in the organization",
            );
            continue;
        };
        if user.status == UserStatus::Deactivated {
            row.fail("USER_DEACTIVATED", "the user is deactivated");
            continue;
        }
        match enrolled.get(&user.id) {
            Some(EnrollmentStatus::Dropped) => {
                // Rare: a returning learner goes the single way.
                if seats.is_some_and(|left| left <= 0) {
                    row.fail("COURSE_FULL", "the course is full");
                    continue;
                }
                let by = EnrolledBy::Staff(auth.user_id);
                match learning::enroll(&mut tx, &course, user.id, row.due, by).await {
                    Ok(_) => {
                        row.outcome = Some(Ok(true));
                        enrolled.insert(user.id, EnrollmentStatus::Active);
                        if let Some(left) = seats.as_mut() {
                            *left -= 1;
                        }
                    }
                    Err(e @ Refusal::Conflict { .. }) => row.fail(e.code(), &e.to_string()),
                    Err(e) => return Err(e.into()),
                }
                continue;
            }
            Some(_) => {
                row.outcome = Some(Ok(false));
                continue;
            }
            None => {}
        }
        if let Some(left) = seats.as_mut() {
            if *left <= 0 {
                row.fail("COURSE_FULL", "the course is full");
                continue;
            }
            *left -= 1;
        }
        enrolled.insert(user.id, EnrollmentStatus::Active);
        row.user = Some(user.id);
        to_create.push((user.id, row.due));
    }
    let created = enrollments::enroll_many(&mut tx, id, &to_create, Some(auth.user_id)).await?;
    let enrolled: Vec<DomainEvent> = created
        .iter()
        .map(|e| {
            DomainEvent::from(events::StudentEnrolled {
                course_id: id,
                user_id: e.user_id,
                enrollment_id: e.id,
                by: Some(auth.user_id),
            })
        })
        .collect();
    lyceum_store::repo::outbox::append_many(&mut tx, &enrolled).await?;
    tx.commit().await?;
    let created: std::collections::HashSet<UserId> = created.iter().map(|e| e.user_id).collect();
    let mut report = ImportReport {
        created: 0,
        already_enrolled: 0,
        failed: 0,
        rows: Vec::with_capacity(rows.len()),
    };
    for row in rows {
        let outcome = match (row.outcome, row.user) {
            (Some(outcome), _) => outcome,
            // Enrolled meanwhile by someone else: nothing new.
            (None, Some(user)) => Ok(created.contains(&user)),
            (None, None) => Ok(false),
        };
        match outcome {
            Ok(true) => report.push(row.line, row.email, "created"),
            Ok(false) => report.push(row.line, row.email, "already_enrolled"),
            Err((code, reason)) => report.push_failed(row.line, row.email, code, reason),
        }
    }
    Ok(Json(report))
}

/// A CSV row on its way through the import.
struct CsvRow {
    line: u64,
    email: String,
    parsed: Option<Email>,
    due: Option<DateTime<Utc>>,
    user: Option<UserId>,
    /// Decided: `Ok(created)` or the failure.
    outcome: Option<Result<bool, (&'static str, String)>>,
}

impl CsvRow {
    fn failed(line: u64, email: String, code: &'static str, reason: String) -> Self {
        CsvRow {
            line,
            email,
            parsed: None,
            due: None,
            user: None,
            outcome: Some(Err((code, reason))),
        }
    }

    fn parse(line: u64, email: String, due: &str) -> Self {
        let Ok(parsed) = Email::parse(&email) else {
            let reason = format!("{email:?} is no e-mail address");
            return CsvRow::failed(line, email, "INVALID_EMAIL", reason);
        };
        let due = match due {
            "" => None,
            text => match parse_due(text) {
                Some(at) => Some(at),
                None => {
                    let reason = format!("due_at {text:?} is neither RFC 3339 nor YYYY-MM-DD");
                    return CsvRow::failed(line, email, "INVALID_DATE", reason);
                }
            },
        };
        CsvRow {
            line,
            email,
            parsed: Some(parsed),
            due,
            user: None,
            outcome: None,
        }
    }

    fn fail(&mut self, code: &'static str, reason: &str) {
        self.outcome = Some(Err((code, reason.to_owned())));
    }
}

fn parse_due(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(23, 59, 59))
                .map(|d| d.and_utc())
        })
}

impl ImportReport {
    fn push(&mut self, line: u64, email: String, result: &'static str) {
        match result {
            "created" => self.created += 1,
            _ => self.already_enrolled += 1,
        }
        self.rows.push(RowResult {
            line,
            email,
            result,
            code: None,
            reason: None,
        });
    }

    fn push_failed(&mut self, line: u64, email: String, code: &'static str, reason: String) {
        self.failed += 1;
        self.rows.push(RowResult {
            line,
            email,
            result: "failed",
            code: Some(code),
            reason: Some(reason),
        });
    }
}
