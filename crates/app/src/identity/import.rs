//! People from a CSV file (`email`, `name`, optional `role` and `courses` columns): every row
//! checked first, the store then asked in bulk, and a result per row (created, already exists,
//! or failed with a stable code). The good rows are imported even when others fail, as the
//! enrollment import does; a failed row writes nothing, and a file that cannot be read (or is
//! too large, or has too many rows) is refused whole before anything is written. Each person
//! created is invited, and their invitation mailed, exactly as a single invitation is.

use super::invitations::issue_many;
use crate::audit::{self, Change};
use crate::bulk::CsvFile;
pub use crate::bulk::RowResult;
use crate::learning::courses::within_plan;
use crate::learning::enrollments::{enroll_batch, EnrolledBy, Openings, Wanted};
use crate::{Actor, Refusal};
use lyceum_domain::{
    events, AuditAction, CourseSlug, DomainEvent, Email, Permission, Role, UserId,
};
use lyceum_store::repo::courses::{self, Course};
use lyceum_store::repo::{outbox, users};
use lyceum_store::WriteTx;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// Rows per file.
pub const MAX_PEOPLE_ROWS: usize = 10_000;
/// Bytes per file: room for [`MAX_PEOPLE_ROWS`] rows of a long address, a long name and a few
/// course codes.
pub const MAX_PEOPLE_CSV_BYTES: usize = 8 * 1024 * 1024;
/// What separates the course codes of the `courses` column.
pub const COURSE_SEPARATOR: char = ';';
/// Course codes one row may name.
const MAX_COURSES_PER_ROW: usize = 20;

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeopleImportReport {
    pub created: usize,
    /// Rows naming a person the organization has already: nothing changed for them.
    pub already_exists: usize,
    pub failed: usize,
    pub rows: Vec<RowResult>,
}

/// A row that passed every check, waiting to be created.
struct Checked {
    index: usize,
    new: users::NewUser,
    courses: Vec<usize>,
}

/// Creates the people a CSV file names (`user:manage`; naming courses also takes
/// `enrollment:manage`), each `invited` and sent an invitation by mail, and enrolls them in the
/// courses of their row (course codes are the courses' slugs, separated by `;`; the course
/// must be published and have room). A row is refused with its code when it is malformed
/// (`INVALID_ROW`), its address is not one (`INVALID_EMAIL`) or came earlier in the file
/// (`DUPLICATE_EMAIL`), its role (`UNKNOWN_ROLE`) or a course code (`UNKNOWN_COURSE`) is
/// unknown, a course is not open (`COURSE_NOT_OPEN`) or full (`COURSE_FULL`), or the plan has
/// no room for another student (`PLAN_LIMIT_REACHED`); a row naming a person the organization
/// has already is `already_exists` and changes nothing. Records `user.created` and
/// `user.invited` for each person created (and `student.enrolled` for each enrollment);
/// audited once as `user.imported` with the counts.
pub async fn import_people(
    tx: &mut WriteTx,
    actor: &Actor,
    csv: &[u8],
) -> Result<PeopleImportReport, Refusal> {
    actor.require(Permission::UserManage)?;
    tx.affects_all_users();
    let file = CsvFile::read(
        csv,
        MAX_PEOPLE_CSV_BYTES,
        MAX_PEOPLE_ROWS,
        &["email", "name"],
    )?;
    let (email_at, name_at) = (
        file.column("email").unwrap_or_default(),
        file.column("name").unwrap_or_default(),
    );
    let (role_at, courses_at) = (file.column("role"), file.column("courses"));
    let width = file.width();

    // Every row read and checked on its own first.
    let mut results: Vec<Option<RowResult>> = Vec::with_capacity(file.rows.len());
    let mut rows: Vec<(u64, String, Option<Checked>)> = Vec::with_capacity(file.rows.len());
    let mut codes: HashSet<CourseSlug> = HashSet::new();
    let mut wanted: Vec<Vec<CourseSlug>> = Vec::with_capacity(file.rows.len());
    let mut seen: HashSet<Email> = HashSet::new();
    for (index, (line, record)) in file.rows.into_iter().enumerate() {
        let mut fail = |email: String, code: &'static str, reason: String| {
            results.push(Some(RowResult::failed(line, email, code, reason)));
            wanted.push(Vec::new());
        };
        let record = match record {
            Ok(record) if record.len() == width => record,
            Ok(record) => {
                let email = record.get(email_at).unwrap_or_default().to_owned();
                let reason = format!("{} fields where the header has {width}", record.len());
                fail(email, "INVALID_ROW", reason);
                continue;
            }
            Err(e) => {
                fail(String::new(), "INVALID_ROW", e);
                continue;
            }
        };
        let email = record.get(email_at).unwrap_or_default().to_owned();
        let Ok(parsed) = Email::parse(&email) else {
            let reason = format!("{email:?} is no e-mail address");
            fail(email, "INVALID_EMAIL", reason);
            continue;
        };
        if !seen.insert(parsed.clone()) {
            let reason = "the address is on an earlier row of the file".to_owned();
            fail(email, "DUPLICATE_EMAIL", reason);
            continue;
        }
        let name = record.get(name_at).unwrap_or_default();
        if let Err(e) = lyceum_domain::error::required_text("name", name, 200) {
            fail(email, "INVALID_ROW", e.to_string());
            continue;
        }
        let role = match role_at.and_then(|i| record.get(i)).unwrap_or_default() {
            "" => Role::Student,
            text => match text.to_ascii_lowercase().parse::<Role>() {
                Ok(role) => role,
                Err(_) => {
                    let reason = format!("{text:?} is no role (student, instructor or admin)");
                    fail(email, "UNKNOWN_ROLE", reason);
                    continue;
                }
            },
        };
        let mut slugs = Vec::new();
        let cell = courses_at.and_then(|i| record.get(i)).unwrap_or_default();
        let parts: Vec<&str> = cell
            .split(COURSE_SEPARATOR)
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        if parts.len() > MAX_COURSES_PER_ROW {
            let reason = format!("at most {MAX_COURSES_PER_ROW} courses per row");
            fail(email, "INVALID_ROW", reason);
            continue;
        }
        let mut unknown = None;
        for part in parts {
            match CourseSlug::parse(part) {
                Ok(slug) if !slugs.contains(&slug) => slugs.push(slug),
                Ok(_) => {}
                Err(_) => {
                    unknown = Some(part.to_owned());
                    break;
                }
            }
        }
        if let Some(code) = unknown {
            fail(
                email,
                "UNKNOWN_COURSE",
                format!("no course has the code {code:?}"),
            );
            continue;
        }
        codes.extend(slugs.iter().cloned());
        results.push(None);
        wanted.push(slugs);
        let new = users::NewUser {
            email: parsed,
            display_name: name.to_owned(),
            role,
            password_hash: None,
        };
        rows.push((
            line,
            email,
            Some(Checked {
                index,
                new,
                courses: Vec::new(),
            }),
        ));
    }

    // The store asked in bulk: who exists already, which courses the codes name.
    let emails: Vec<Email> = rows
        .iter()
        .filter_map(|(_, _, c)| c.as_ref().map(|c| c.new.email.clone()))
        .collect();
    let existing: HashSet<String> = users::by_emails(tx, &emails)
        .await?
        .into_iter()
        .map(|u| u.email.to_string())
        .collect();
    let codes: Vec<CourseSlug> = codes.into_iter().collect();
    let found: Vec<Course> = courses::by_slugs(tx, &codes).await?;
    if !found.is_empty() {
        actor.require(Permission::EnrollmentManage)?;
    }
    let by_slug: HashMap<&str, usize> = found
        .iter()
        .enumerate()
        .map(|(i, c)| (c.slug.as_str(), i))
        .collect();
    let mut openings = Openings::count(tx, &found).await?;
    let mut students_left = match actor.plan.limits().max_students {
        Some(_) => {
            let used = users::count_students(tx).await?;
            Some((used, actor.plan.limits().max_students))
        }
        None => None,
    };

    let mut to_create: Vec<Checked> = Vec::new();
    for (line, email, checked) in rows {
        let Some(mut checked) = checked else { continue };
        let slot = &mut results[checked.index];
        if existing.contains(checked.new.email.as_str()) {
            *slot = Some(RowResult {
                code: Some("USER_EXISTS"),
                reason: Some("a person with this address exists already: nothing changed".into()),
                ..RowResult::done(line, email, "already_exists")
            });
            continue;
        }
        let mut courses = Vec::new();
        let mut refused = None;
        for slug in &wanted[checked.index] {
            let Some(&at) = by_slug.get(slug.as_str()) else {
                refused = Some(("UNKNOWN_COURSE", format!("no course has the code {slug:?}")));
                break;
            };
            if let Err(refusal) = openings.admits(at) {
                refused = Some((refusal.code(), refusal.to_string()));
                break;
            }
            courses.push(at);
        }
        if refused.is_none() && checked.new.role == Role::Student {
            if let Some((used, max)) = students_left.as_mut() {
                match within_plan("students", *used, *max) {
                    Ok(()) => *used += 1,
                    Err(e) => refused = Some((e.code(), e.to_string())),
                }
            }
        }
        if let Some((code, reason)) = refused {
            *slot = Some(RowResult::failed(line, email, code, reason));
            continue;
        }
        for &at in &courses {
            openings.take(at)?;
        }
        *slot = Some(RowResult::done(line, email, "created"));
        checked.courses = courses;
        to_create.push(checked);
    }

    // The writes: the people and their invitations in a few statements, then their courses.
    let new: Vec<users::NewUser> = to_create.iter().map(|c| c.new.clone()).collect();
    let created = users::insert_invited_many(tx, &new).await?;
    let made: Vec<DomainEvent> = created
        .iter()
        .map(|user| {
            DomainEvent::from(events::UserCreated {
                user_id: user.id,
                role: user.role,
                status: user.status,
                created_by: Some(actor.user),
            })
        })
        .collect();
    outbox::append_many(tx, Some(actor.user), &made).await?;
    let by: UserId = actor.user;
    // RETURNING promises no order: each person found again by address.
    let ids: HashMap<&str, UserId> = created.iter().map(|u| (u.email.as_str(), u.id)).collect();
    let people = to_create
        .iter()
        .map(|checked| {
            ids.get(checked.new.email.as_str())
                .copied()
                .ok_or(Refusal::Internal("a person imported was not created"))
        })
        .collect::<Result<Vec<UserId>, Refusal>>()?;
    issue_many(tx, &people, Some(by)).await?;
    // Their courses, through the one enrollment rule, in a few statements for the whole file.
    let wanted: Vec<Wanted> = to_create
        .iter()
        .zip(&people)
        .flat_map(|(checked, &learner)| {
            checked.courses.iter().map(move |&course| Wanted {
                course,
                learner,
                due_at: None,
            })
        })
        .collect();
    for outcome in enroll_batch(tx, &found, &wanted, EnrolledBy::Staff(by)).await? {
        // Checked above, in this transaction: a refusal now fails the whole file.
        outcome?;
    }

    let mut report = PeopleImportReport {
        created: 0,
        already_exists: 0,
        failed: 0,
        rows: Vec::with_capacity(results.len()),
    };
    for row in results.into_iter().flatten() {
        match row.result {
            "created" => report.created += 1,
            "failed" => report.failed += 1,
            _ => report.already_exists += 1,
        }
        report.rows.push(row);
    }
    let change = Change::new(AuditAction::UserImported).after(serde_json::json!({
        "created": report.created,
        "already_exists": report.already_exists,
        "failed": report.failed,
    }));
    audit::record(tx, actor, change).await?;
    Ok(report)
}
