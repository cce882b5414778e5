//! Bulk enrollment from a CSV file (`email` and optional `due_at` columns): every row checked
//! first, the store then asked in bulk, the rows enrolled through the one enrollment rule
//! ([`enroll_batch`]), and a result per row (created, already enrolled, or
//! failed with a stable code), so one bad row does not spoil a file of thousands.

use super::courses::{course_for, manages};
use super::enrollments::{enroll_batch, open_for_enrollment, EnrolledBy, Wanted};
use crate::audit::{self, Change};
use crate::bulk::CsvFile;
pub use crate::bulk::RowResult;
use crate::{Actor, Refusal};
use chrono::{DateTime, NaiveDate, Utc};
use lyceum_domain::{AuditAction, AuditTarget, CourseId, Email, Permission, UserId};
use lyceum_store::repo::users;
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
    open_for_enrollment(&course)?;
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
    let people: HashMap<String, UserId> = users::by_emails(tx, &emails)
        .await?
        .into_iter()
        .map(|u| (u.email.to_string(), u.id))
        .collect();
    // The rows naming a person, enrolled through the one enrollment rule, all at once.
    let mut wanted = Vec::with_capacity(rows.len());
    let mut asking = Vec::with_capacity(rows.len());
    for (at, row) in rows.iter_mut().enumerate() {
        if row.outcome.is_some() {
            continue;
        }
        let Some(&user) = row.parsed.as_ref().and_then(|e| people.get(e.as_str())) else {
            row.fail(
                "UNKNOWN_USER",
                "no user with this e-mail in the organization",
            );
            continue;
        };
        wanted.push(Wanted {
            course: 0,
            learner: user,
            due_at: row.due,
        });
        asking.push(at);
    }
    let by = EnrolledBy::Staff(actor.user);
    let outcomes = enroll_batch(tx, std::slice::from_ref(&course), &wanted, by).await?;
    for (at, outcome) in asking.into_iter().zip(outcomes) {
        rows[at].outcome = Some(match outcome {
            Ok((_, created)) => Ok(created),
            Err(refusal) => Err((refusal.code(), refusal.to_string())),
        });
    }
    let mut report = ImportReport {
        created: 0,
        already_enrolled: 0,
        failed: 0,
        rows: Vec::with_capacity(rows.len()),
    };
    for row in rows {
        match row.outcome.unwrap_or(Ok(false)) {
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
