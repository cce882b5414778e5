//! Courses: who sees and who changes a course, the catalog, and a course's life (create,
//! replace, publish, archive, delete) with the plan's course limit and the events each records.

use super::visible_to;
use crate::audit::{self, Change};
use crate::{Actor, Refusal};
use lyceum_domain::{
    events, AuditAction, AuditTarget, CourseId, CourseStatus, Permission, Role, SearchText, UserId,
    UserStatus,
};
use lyceum_store::repo::courses;
use lyceum_store::repo::enrollments::{self, Enrollment};
use lyceum_store::repo::{lessons, modules, outbox, users};
use lyceum_store::{TenantTx, WriteTx};
use serde::Serialize;

pub use lyceum_store::repo::courses::{CatalogQuery, Course, CourseDraft, Visibility};

/// `NOT_FOUND` for a course: also what a draft the actor may not see answers, so that it does
/// not reveal that it exists.
pub(crate) fn course_not_found() -> Refusal {
    Refusal::not_found("no such course")
}

/// A course the actor may see (see [`visible_to`]) and whether they are its staff: an admin or
/// one of its instructors (asked once, for students not at all).
pub async fn course_for(
    tx: &mut TenantTx,
    actor: &Actor,
    id: CourseId,
) -> Result<(Course, bool), Refusal> {
    actor.require(Permission::CourseView)?;
    let course = courses::get(tx, id).await?.ok_or_else(course_not_found)?;
    let staff = actor.is_staff_of(tx, id).await?;
    // The enrollment matters (and is read) only for an archived course.
    let enrolled = course.status == CourseStatus::Archived
        && !staff
        && actor.enrollment(tx, id).await?.is_some();
    if visible_to(course.status, staff, enrolled) {
        Ok((course, staff))
    } else {
        Err(course_not_found())
    }
}

/// A course the actor may see; see [`course_for`].
pub async fn visible_course(
    tx: &mut TenantTx,
    actor: &Actor,
    id: CourseId,
) -> Result<Course, Refusal> {
    Ok(course_for(tx, actor, id).await?.0)
}

/// Refuses with `PERMISSION_DENIED` unless the actor has `permission` and is the course's
/// staff (`staff`, as [`course_for`] answered it).
pub fn manages(actor: &Actor, staff: bool, permission: Permission) -> Result<(), Refusal> {
    actor.require(permission)?;
    if staff {
        Ok(())
    } else {
        Err(Refusal::denied(
            "only the course's instructors and admins may do this",
        ))
    }
}

/// A course the actor may change: `course:edit`, and admin or one of its instructors.
pub async fn editable_course(
    tx: &mut TenantTx,
    actor: &Actor,
    id: CourseId,
) -> Result<Course, Refusal> {
    let (course, staff) = course_for(tx, actor, id).await?;
    actor.require(Permission::CourseEdit)?;
    if staff {
        Ok(course)
    } else {
        Err(Refusal::denied(
            "only the course's instructors and admins may change it",
        ))
    }
}

/// A course whose content (modules' lessons, progress) the actor may read: staff of the course,
/// or an enrolled learner. Answers the learner's enrollment (`None` for staff).
pub async fn course_content(
    tx: &mut TenantTx,
    actor: &Actor,
    id: CourseId,
) -> Result<(Course, Option<Enrollment>), Refusal> {
    let (course, staff) = course_for(tx, actor, id).await?;
    if staff {
        return Ok((course, None));
    }
    match actor.enrollment(tx, id).await? {
        Some(enrollment) => Ok((course, Some(enrollment))),
        None => Err(Refusal::forbidden(
            "NOT_ENROLLED",
            "enroll in the course to see its content",
        )),
    }
}

/// `PLAN_LIMIT_REACHED` naming the limit, when `used` has reached the plan's `limit`.
pub fn within_plan(limit_name: &str, used: i64, limit: Option<u32>) -> Result<(), Refusal> {
    match limit {
        Some(max) if used >= i64::from(max) => Err(Refusal::forbidden(
            "PLAN_LIMIT_REACHED",
            format!("the plan allows {max} {limit_name}; upgrade the plan or archive some"),
        )),
        _ => Ok(()),
    }
}

/// Which courses the actor's catalog lists: admins every course, instructors published ones
/// and those they teach, students published ones.
pub fn catalog_visibility(actor: &Actor) -> Visibility {
    match actor.role {
        Role::Admin => Visibility::All,
        Role::Student => Visibility::Published,
        Role::Instructor => Visibility::PublishedOrTaughtBy(actor.user),
    }
}

/// A page of the catalog as the actor sees it (`query.visibility` from
/// [`catalog_visibility`]).
pub async fn catalog(
    tx: &mut TenantTx,
    actor: &Actor,
    query: &CatalogQuery,
) -> Result<Vec<Course>, Refusal> {
    actor.require(Permission::CourseView)?;
    Ok(courses::list(tx, query).await?)
}

/// A page of the published catalog, as anyone may see it before signing in (the tenant's
/// public landing page).
pub async fn public_catalog(
    tx: &mut TenantTx,
    search: Option<SearchText>,
    after: Option<CourseId>,
    limit: u32,
) -> Result<Vec<Course>, Refusal> {
    let query = CatalogQuery {
        visibility: Visibility::Published,
        status: None,
        search,
        after,
        limit,
    };
    Ok(courses::list(tx, &query).await?)
}

/// A published course as anyone may see it before signing in, with its modules' titles (not
/// their lessons' content).
pub async fn public_course(
    tx: &mut TenantTx,
    id: CourseId,
) -> Result<(Course, Vec<lyceum_store::repo::modules::Module>), Refusal> {
    let course = courses::get(tx, id).await?.ok_or_else(course_not_found)?;
    if course.status != CourseStatus::Published {
        return Err(course_not_found());
    }
    let outline = modules::for_course(tx, id).await?;
    Ok((course, outline))
}

/// A course with its instructors and prerequisites.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CourseDetail {
    #[serde(flatten)]
    pub course: Course,
    pub instructors: Vec<UserId>,
    pub prerequisites: Vec<CourseId>,
}

/// A course the actor may see, with its instructors and prerequisites.
pub async fn detail(
    tx: &mut TenantTx,
    actor: &Actor,
    id: CourseId,
) -> Result<CourseDetail, Refusal> {
    let course = visible_course(tx, actor, id).await?;
    detail_of(tx, course).await
}

async fn detail_of(tx: &mut TenantTx, course: Course) -> Result<CourseDetail, Refusal> {
    Ok(CourseDetail {
        instructors: courses::instructors(tx, course.id).await?,
        prerequisites: courses::prerequisites(tx, course.id).await?,
        course,
    })
}

/// A course its editor may choose as a prerequisite of another, and whether it is one now.
#[derive(Debug)]
pub struct PrerequisiteChoice {
    pub course: Course,
    pub chosen: bool,
}

/// Most courses offered as prerequisites (besides those chosen already).
const PREREQUISITE_CHOICES: u32 = 500;

/// The courses the editor of `id` may choose as its prerequisites: its current ones and the
/// other courses the actor's catalog lists (the first 500), by title.
pub async fn prerequisite_choices(
    tx: &mut TenantTx,
    actor: &Actor,
    id: CourseId,
) -> Result<Vec<PrerequisiteChoice>, Refusal> {
    editable_course(tx, actor, id).await?;
    let chosen = courses::prerequisites(tx, id).await?;
    let query = CatalogQuery {
        visibility: catalog_visibility(actor),
        status: None,
        search: None,
        after: None,
        limit: PREREQUISITE_CHOICES,
    };
    let others = courses::list(tx, &query).await?;
    let mut choices: Vec<PrerequisiteChoice> = courses::by_ids(tx, &chosen)
        .await?
        .into_iter()
        .map(|course| PrerequisiteChoice {
            course,
            chosen: true,
        })
        .collect();
    choices.extend(
        others
            .into_iter()
            .filter(|c| c.id != id && !chosen.contains(&c.id))
            .map(|course| PrerequisiteChoice {
                course,
                chosen: false,
            }),
    );
    choices.sort_by(|a, b| a.course.title.cmp(&b.course.title));
    Ok(choices)
}

/// A person its editor may name an instructor of a course (an active instructor or admin),
/// and whether they are one now.
#[derive(Debug)]
pub struct InstructorChoice {
    pub user: users::User,
    pub chosen: bool,
}

/// Most people of each role offered as instructors (besides those chosen already).
const INSTRUCTOR_CHOICES: u32 = 500;

/// The people the editor of course `id` may name its instructors: its current ones and the
/// tenant's active instructors and admins (the first 500 of each role), by name.
pub async fn instructor_choices(
    tx: &mut TenantTx,
    actor: &Actor,
    id: CourseId,
) -> Result<Vec<InstructorChoice>, Refusal> {
    editable_course(tx, actor, id).await?;
    let chosen = courses::instructors(tx, id).await?;
    let mut people = users::by_ids(tx, &chosen).await?;
    for role in [Role::Instructor, Role::Admin] {
        let filter = users::UserFilter {
            search: None,
            role: Some(role),
            status: Some(UserStatus::Active),
        };
        people.extend(users::list(tx, filter, None, INSTRUCTOR_CHOICES).await?);
    }
    people.sort_by(|a, b| a.display_name.cmp(&b.display_name).then(a.id.cmp(&b.id)));
    people.dedup_by_key(|u| u.id);
    Ok(people
        .into_iter()
        .map(|user| InstructorChoice {
            chosen: chosen.contains(&user.id),
            user,
        })
        .collect())
}

/// What a course is made of, as its editor gives it.
#[derive(Debug, Clone)]
pub struct CourseInput {
    pub draft: CourseDraft,
    /// Instructors (active users with role instructor or admin); `None` keeps them on a
    /// replace. A creating instructor is added.
    pub instructors: Option<Vec<UserId>>,
    /// Courses to complete before enrolling; `None` keeps them on a replace.
    pub prerequisites: Option<Vec<CourseId>>,
}

/// Creates a draft course: `course:create`, within the plan's course limit. Records
/// `course.created`.
pub async fn create(
    tx: &mut WriteTx,
    actor: &Actor,
    input: &CourseInput,
) -> Result<CourseDetail, Refusal> {
    tx.affects_all_users();
    actor.require(Permission::CourseCreate)?;
    within_plan(
        "courses",
        courses::count_unarchived(tx).await?,
        actor.plan.limits().max_courses,
    )?;
    let course = courses::insert(tx, &input.draft).await?;
    let mut instructors = input.instructors.clone().unwrap_or_default();
    if actor.role == Role::Instructor && !instructors.contains(&actor.user) {
        instructors.push(actor.user);
    }
    set_people(
        tx,
        actor,
        &course,
        &instructors,
        input.prerequisites.as_deref(),
    )
    .await?;
    let created = events::CourseCreated {
        course_id: course.id,
        slug: course.slug.clone(),
        by: actor.user,
    };
    outbox::append(tx, Some(actor.user), &created.into()).await?;
    detail_of(tx, course).await
}

/// Sets a course's instructors (each an active instructor or admin) and, if given, its
/// prerequisites (no cycle; each a course the actor may see, or one the course requires
/// already, as an admin may have chosen a course an instructor does not see; a course they may
/// not see is refused as if it did not exist).
async fn set_people(
    tx: &mut WriteTx,
    actor: &Actor,
    course: &Course,
    instructors: &[UserId],
    prerequisites: Option<&[CourseId]>,
) -> Result<(), Refusal> {
    for &id in instructors {
        let user = users::get(tx, id).await?;
        if !user.is_some_and(|u| u.status == UserStatus::Active && u.role != Role::Student) {
            return Err(Refusal::unacceptable(
                "INVALID_INSTRUCTOR",
                format!("{id} is no active instructor or admin of this organization"),
            ));
        }
    }
    courses::set_instructors(tx, course.id, instructors).await?;
    if let Some(requires) = prerequisites {
        let already = courses::prerequisites(tx, course.id).await?;
        for &required in requires {
            if already.contains(&required) {
                continue;
            }
            match visible_course(tx, actor, required).await {
                Ok(_) => {}
                Err(Refusal::NotFound { .. }) => {
                    return Err(Refusal::unacceptable(
                        "INVALID_PREREQUISITE",
                        format!("no course {required} in this organization"),
                    ))
                }
                Err(other) => return Err(other),
            }
        }
        let edges = courses::prerequisite_edges(tx).await?;
        if let Some(cycle) = lyceum_domain::prerequisite_cycle(&edges, course.id, requires) {
            return Err(lyceum_domain::ValidationError::PrerequisiteCycle(cycle).into());
        }
        courses::set_prerequisites(tx, course.id, requires).await?;
    }
    Ok(())
}

/// Replaces a course's details, instructors and prerequisites: its staff. An instructor cannot
/// leave a course without instructors. Records `course.updated`.
pub async fn replace(
    tx: &mut WriteTx,
    actor: &Actor,
    id: CourseId,
    input: &CourseInput,
) -> Result<CourseDetail, Refusal> {
    tx.affects_all_users();
    editable_course(tx, actor, id).await?;
    let course = courses::replace(tx, id, &input.draft)
        .await?
        .ok_or_else(course_not_found)?;
    let instructors = match &input.instructors {
        Some(list) => list.clone(),
        None => courses::instructors(tx, id).await?,
    };
    if instructors.is_empty() && !actor.is_admin() {
        return Err(Refusal::unacceptable(
            "INVALID_INSTRUCTOR",
            "an instructor cannot leave a course without instructors",
        ));
    }
    set_people(
        tx,
        actor,
        &course,
        &instructors,
        input.prerequisites.as_deref(),
    )
    .await?;
    let updated = events::CourseUpdated {
        course_id: id,
        by: actor.user,
    };
    outbox::append(tx, Some(actor.user), &updated.into()).await?;
    detail_of(tx, course).await
}

/// Publishes a course: it needs at least one lesson; back from the archive it counts toward
/// the plan again. Records `course.published` with its module and lesson counts; audited with
/// the status before and after.
pub async fn publish(tx: &mut WriteTx, actor: &Actor, id: CourseId) -> Result<Course, Refusal> {
    tx.affects_all_users();
    let course = editable_course(tx, actor, id).await?;
    match course.status {
        CourseStatus::Published => return Ok(course),
        CourseStatus::Archived => within_plan(
            "courses",
            courses::count_unarchived(tx).await?,
            actor.plan.limits().max_courses,
        )?,
        CourseStatus::Draft => {}
    }
    let lesson_count = lessons::count_in_course(tx, id).await?;
    if lesson_count == 0 {
        return Err(Refusal::conflict(
            "COURSE_EMPTY",
            "a course needs at least one lesson to be published",
        ));
    }
    let module_count = modules::for_course(tx, id).await?.len();
    let before = course.status;
    let course = courses::set_status(tx, id, CourseStatus::Published)
        .await?
        .ok_or_else(course_not_found)?;
    let published = events::CoursePublished {
        course_id: id,
        module_count: module_count as u64,
        lesson_count: lesson_count.max(0) as u64,
        by: actor.user,
    };
    outbox::append(tx, Some(actor.user), &published.into()).await?;
    let change = status_change(AuditAction::CoursePublished, before, &course);
    audit::record(tx, actor, change).await?;
    Ok(course)
}

/// The audit entry of a course's move from status `before` to its status now.
fn status_change(action: AuditAction, before: CourseStatus, course: &Course) -> Change {
    Change::new(action)
        .on(AuditTarget::Course(course.id))
        .before(serde_json::json!({ "status": before }))
        .after(serde_json::json!({ "status": course.status }))
}

/// Archives a course: it leaves the catalog and takes no new enrollments; enrolled learners
/// keep their progress and certificates. Records `course.archived`; audited with the status
/// before and after.
pub async fn archive(tx: &mut WriteTx, actor: &Actor, id: CourseId) -> Result<Course, Refusal> {
    tx.affects_all_users();
    let course = editable_course(tx, actor, id).await?;
    if course.status == CourseStatus::Archived {
        return Ok(course);
    }
    archive_in(tx, actor, course).await
}

async fn archive_in(tx: &mut WriteTx, actor: &Actor, course: Course) -> Result<Course, Refusal> {
    let (id, before) = (course.id, course.status);
    let course = courses::set_status(tx, id, CourseStatus::Archived)
        .await?
        .ok_or_else(course_not_found)?;
    let archived = events::CourseArchived {
        course_id: id,
        by: actor.user,
    };
    outbox::append(tx, Some(actor.user), &archived.into()).await?;
    let change = status_change(AuditAction::CourseArchived, before, &course);
    audit::record(tx, actor, change).await?;
    Ok(course)
}

/// What deleting a course did.
#[derive(Debug)]
pub enum Removal {
    /// Deleted, with its files' records: their objects are to be removed once the change has
    /// committed.
    Deleted(crate::files::Leftovers),
    /// It had enrollments: archived instead, so no learner's record is lost.
    Archived(Course),
}

/// Deletes a course that never had an enrollment (`course:delete`, its staff) and records
/// `course.deleted` (audited with what the course was); one with enrollments is archived
/// instead. Its files' records go with it; the face removes their objects after the commit
/// ([`crate::files::Leftovers::remove`]).
pub async fn delete(tx: &mut WriteTx, actor: &Actor, id: CourseId) -> Result<Removal, Refusal> {
    tx.affects_all_users();
    actor.require(Permission::CourseDelete)?;
    let course = editable_course(tx, actor, id).await?;
    if enrollments::any_for_course(tx, id).await? {
        return Ok(Removal::Archived(archive_in(tx, actor, course).await?));
    }
    let leftovers = crate::files::Leftovers::of_course(tx, id).await?;
    courses::delete(tx, id).await?;
    let deleted = events::CourseDeleted {
        course_id: id,
        by: actor.user,
    };
    outbox::append(tx, Some(actor.user), &deleted.into()).await?;
    let change = Change::new(AuditAction::CourseDeleted)
        .on(AuditTarget::Course(id))
        .before(serde_json::json!({
            "slug": course.slug,
            "title": course.title,
            "status": course.status,
        }));
    audit::record(tx, actor, change).await?;
    Ok(Removal::Deleted(leftovers))
}
