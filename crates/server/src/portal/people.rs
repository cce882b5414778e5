//! People in bulk, for admins: the CSV import of people (`/admin/people/import`, answered with
//! the result of each row), and groups: the list with a form to create one (`/admin/groups`),
//! a group's page (`/admin/groups/{id}`) with its members, forms to add (by e-mail address) and
//! remove one, to enroll the whole group in a course, to rename the group and to delete it. The rules are
//! `lyceum_app::identity::import`'s and `lyceum_app::groups`'s; a refusal is shown above the
//! form it came from.

use super::pages::{to_sign_in, Id, Protected};
use super::staff::{people_page, shown_in_form, PeopleNote, PeopleQuery, Problems};
use super::{CheckedFile, CheckedForm, Chrome, Visit};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use lyceum_app::groups::{self, Group, GroupEnrollment};
use lyceum_app::identity::import::{import_people, PeopleImportReport, MAX_PEOPLE_CSV_BYTES};
use lyceum_app::identity::User;
use lyceum_app::learning::courses::{self, CatalogQuery, Course, Visibility};
use lyceum_app::{Actor, Refusal};
use lyceum_domain::{CourseId, CourseStatus, GroupId, UserId};
use serde::Deserialize;

/// Courses offered in a group's enrollment form.
const COURSES_OFFERED: u32 = 200;

#[derive(Template)]
#[template(path = "portal/people_import.html")]
struct ImportPage {
    chrome: Chrome,
    report: PeopleImportReport,
}

/// Creates the people an uploaded CSV file names and shows the result of each row; a file
/// refused as a whole comes back on the people page, next to the file field.
pub(crate) async fn import(
    State(state): State<AppState>,
    visit: Visit,
    CheckedFile(csv): CheckedFile<MAX_PEOPLE_CSV_BYTES>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/admin/people"));
    };
    let report = visit
        .write(&state, async |tx| import_people(tx, &actor, &csv).await)
        .await;
    match report {
        Ok(report) => {
            let page = ImportPage {
                chrome: visit.chrome(),
                report,
            };
            visit.page(StatusCode::OK, &page)
        }
        Err(e) => match shown_in_form(&e) {
            Some(status) => {
                let note = PeopleNote::file_refused(Problems::at("csv", visit.locale.explain(e)));
                let list = PeopleQuery::default();
                people_page(&state, &visit, &actor, list, note, status).await
            }
            None => visit.problem(e),
        },
    }
}

#[derive(Template)]
#[template(path = "portal/groups.html")]
struct GroupsPage {
    chrome: Chrome,
    groups: Vec<Group>,
    problems: Problems,
    form_name: String,
}

async fn groups_page(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    problems: Problems,
    form_name: String,
    status: StatusCode,
) -> Response {
    match visit
        .read(state, async |tx| groups::list(tx, actor).await)
        .await
    {
        Ok(groups) => {
            let page = GroupsPage {
                chrome: visit.chrome(),
                groups,
                problems,
                form_name,
            };
            visit.page(status, &page)
        }
        Err(e) => visit.problem(e),
    }
}

/// The organization's groups, with a form to create one.
pub(crate) async fn list(State(state): State<AppState>, visit: Visit) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    groups_page(
        &state,
        &visit,
        &actor,
        Problems::default(),
        String::new(),
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
pub(crate) struct GroupForm {
    #[serde(default)]
    name: String,
}

/// Creates a group, then shows its page.
pub(crate) async fn create(
    State(state): State<AppState>,
    visit: Visit,
    CheckedForm(form): CheckedForm<GroupForm>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/admin/groups"));
    };
    match visit
        .write(&state, async |tx| {
            groups::create(tx, &actor, &form.name).await
        })
        .await
    {
        Ok(group) => visit.redirect(&format!("/admin/groups/{}", group.id)),
        Err(e) => match shown_in_form(&e) {
            Some(status) => {
                let problems = Problems::of(&visit.locale, e);
                groups_page(&state, &visit, &actor, problems, form.name, status).await
            }
            None => visit.problem(e),
        },
    }
}

#[derive(Template)]
#[template(path = "portal/group.html")]
struct GroupPage {
    chrome: Chrome,
    group: Group,
    members: Vec<User>,
    /// Published courses the group may be enrolled in.
    courses: Vec<Course>,
    problems: Problems,
    /// What enrolling the group did, just now.
    enrolled: Option<GroupEnrollment>,
}

async fn group_page(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    id: GroupId,
    problems: Problems,
    enrolled: Option<GroupEnrollment>,
    status: StatusCode,
) -> Response {
    let query = CatalogQuery {
        visibility: Visibility::All,
        status: Some(CourseStatus::Published),
        search: None,
        after: None,
        limit: COURSES_OFFERED,
    };
    let read = visit
        .read(state, async |tx| {
            let (group, members) = groups::show(tx, actor, id).await?;
            let courses = courses::catalog(tx, actor, &query).await?;
            Ok((group, members, courses))
        })
        .await;
    visit.show_as(status, read, |(group, members, courses), chrome| {
        GroupPage {
            chrome,
            group,
            members,
            courses,
            problems,
            enrolled,
        }
    })
}

/// A group: its members, and forms to add, remove, enroll and delete.
pub(crate) async fn show(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<GroupId>>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let problems = Problems::default();
    group_page(&state, &visit, &actor, id, problems, None, StatusCode::OK).await
}

/// After a change on a group's page: the page again, with the refusal if there was one.
async fn after_change(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    id: GroupId,
    done: Result<(), Refusal>,
) -> Response {
    match done {
        Ok(()) => visit.redirect(&format!("/admin/groups/{id}")),
        Err(e) => match shown_in_form(&e) {
            Some(status) => {
                let problems = Problems::of(&visit.locale, e);
                group_page(state, visit, actor, id, problems, None, status).await
            }
            None => visit.problem(e),
        },
    }
}

#[derive(Deserialize)]
pub(crate) struct MemberForm {
    #[serde(default)]
    email: String,
}

/// Adds the person with the address typed to the group.
pub(crate) async fn add_member(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<GroupId>>,
    CheckedForm(form): CheckedForm<MemberForm>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&format!("/admin/groups/{id}")));
    };
    let email = form.email.trim().to_owned();
    let done = visit
        .write(&state, async |tx| {
            groups::add_member_by_email(tx, &actor, id, &email).await?;
            Ok(())
        })
        .await;
    after_change(&state, &visit, &actor, id, done).await
}

#[derive(Deserialize)]
pub(crate) struct MemberPath {
    id: GroupId,
    user_id: UserId,
}

/// Removes a member from the group.
pub(crate) async fn remove_member(
    State(state): State<AppState>,
    visit: Visit,
    Path(MemberPath { id, user_id }): Path<MemberPath>,
    _: CheckedForm<Protected>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&format!("/admin/groups/{id}")));
    };
    let done = visit
        .write(&state, async |tx| {
            groups::remove_member(tx, &actor, id, user_id).await
        })
        .await;
    after_change(&state, &visit, &actor, id, done).await
}

#[derive(Deserialize)]
pub(crate) struct EnrollForm {
    course: CourseId,
}

/// Enrolls the whole group in a course and shows what it did.
pub(crate) async fn enroll(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<GroupId>>,
    CheckedForm(form): CheckedForm<EnrollForm>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&format!("/admin/groups/{id}")));
    };
    let done = visit
        .write(&state, async |tx| {
            groups::enroll_group(tx, &actor, id, form.course, None).await
        })
        .await;
    match done {
        Ok(report) => {
            let problems = Problems::default();
            group_page(
                &state,
                &visit,
                &actor,
                id,
                problems,
                Some(report),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => after_change(&state, &visit, &actor, id, Err(e)).await,
    }
}

/// Renames the group, then shows its page.
pub(crate) async fn rename(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<GroupId>>,
    CheckedForm(form): CheckedForm<GroupForm>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&format!("/admin/groups/{id}")));
    };
    let done = visit
        .write(&state, async |tx| {
            groups::rename(tx, &actor, id, &form.name).await?;
            Ok(())
        })
        .await;
    after_change(&state, &visit, &actor, id, done).await
}

/// Deletes the group (its people stay), then shows the list.
pub(crate) async fn delete(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<GroupId>>,
    _: CheckedForm<Protected>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/admin/groups"));
    };
    match visit
        .write(&state, async |tx| groups::delete(tx, &actor, id).await)
        .await
    {
        Ok(()) => visit.redirect("/admin/groups"),
        Err(e) => visit.problem(e),
    }
}
