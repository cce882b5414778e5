//! Bulk enrollment from a CSV file (`email` and optional `due_at` columns): every row checked
//! first, the store then asked in bulk, and a result per row (created, already enrolled, or
//! failed with a stable code), so one bad row does not spoil a file of thousands.

use super::courses::{course_for, manages};
use super::enrollments::{enroll, EnrolledBy};
use crate::audit::{self, Change};
use crate::bulk::CsvFile;
pub use crate::bulk::RowResult;
use crate::{Actor, Refusal};
use chrono::{DateTime, NaiveDate, Utc};
use lyceum_domain::{
    events, AuditAction, AuditTarget, CourseId, CourseStatus, DomainEvent, Email, EnrollmentStatus,
    Permission, UserId, UserStatus,
};
use lyceum_store::repo::users::{self, User};
use lyceum_store::repo::{enrollments, outbox};
use lyceum_store::WriteTx;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub created: usize,
    pub already_enrolled: usize,
    pub failed: usize,
    pub rows: Vec<RowResult>,
}

/// Rows per file.
const MAX_CSV_ROWS: usize = 50_000;
/// Bytes per file: room for `MAX_CSV_ROWS` rows of a long e-mail address and a date.
pub const MAX_CSV_BYTES: usize = 8 * 1024 * 1024;

/// Enrolls the learners a CSV file names in `course` (its staff, with `enrollment:manage`; the
/// course must be published), within its seats. Records `student.enrolled` for each new
/// enrollment; audited as `enrollment.imported` with the counts. Refuses the whole file
/// (`INVALID_CSV`) only when it cannot be read.
pub async fn import_enrollments(
    tx: &mut WriteTx,
    actor: &Actor,
    course: CourseId,
    csv: &[u8],
) -> Result<ImportReport, Refusal> {
    let id = course;
    let (course, staff) = course_for(tx, actor, id).await?;
    manages(actor, staff, Permission::EnrollmentManage)?;
    if course.status != CourseStatus::Published {
        return Err(Refusal::conflict(
            "COURSE_NOT_OPEN",
            format!("the course is {}, not open for enrollment", course.status),
        ));
    }
    let file = CsvFile::read(csv, MAX_CSV_BYTES, MAX_CSV_ROWS, &["email"])?;
    let email_at = file.column("email").unwrap_or_default();
    let due_at = file.column("due_at");

    // Read and check every row first; the database is then asked in bulk.
    let mut rows = Vec::with_capacity(file.rows.len());
    for (line, record) in file.rows {
        rows.push(match record {
            Err(e) => CsvRow::failed(line, String::new(), "INVALID_ROW", e),
            Ok(record) => {
                let email = record.get(email_at).unwrap_or_default().to_owned();
                let due = due_at.and_then(|i| record.get(i)).unwrap_or_default();
                CsvRow::parse(line, email, due)
            }
        });
    }

    let emails: Vec<Email> = rows.iter().filter_map(|r| r.parsed.clone()).collect();
    let people: HashMap<String, User> = users::by_emails(tx, &emails)
        .await?
        .into_iter()
        .map(|u| (u.email.to_string(), u))
        .collect();
    let mut enrolled: HashMap<UserId, EnrollmentStatus> = enrollments::of_course(tx, id)
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
                let by = EnrolledBy::Staff(actor.user);
                match enroll(tx, &course, user.id, row.due, by).await {
                    Ok(_) => {
                        row.outcome = Some(Ok(true));
                        enrolled.insert(user.id, EnrollmentStatus::Active);
                        if let Some(left) = seats.as_mut() {
                            *left -= 1;
                        }
                    }
                    Err(e @ Refusal::Conflict { .. }) => row.fail(e.code(), &e.to_string()),
                    Err(e) => return Err(e),
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
    let created = enrollments::enroll_many(tx, id, &to_create, Some(actor.user)).await?;
    let enrolled: Vec<DomainEvent> = created
        .iter()
        .map(|e| {
            DomainEvent::from(events::StudentEnrolled {
                course_id: id,
                user_id: e.user_id,
                enrollment_id: e.id,
                by: Some(actor.user),
            })
        })
        .collect();
    outbox::append_many(tx, Some(actor.user), &enrolled).await?;
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
    let change = Change::new(AuditAction::EnrollmentImported)
        .on(AuditTarget::Course(id))
        .after(serde_json::json!({
            "created": report.created,
            "already_enrolled": report.already_enrolled,
            "failed": report.failed,
        }));
    audit::record(tx, actor, change).await?;
    Ok(report)
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
        self.rows.push(RowResult::done(line, email, result));
    }

    fn push_failed(&mut self, line: u64, email: String, code: &'static str, reason: String) {
        self.failed += 1;
        self.rows.push(RowResult::failed(line, email, code, reason));
    }
}
