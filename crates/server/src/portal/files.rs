//! A course's files, for its staff: the list with each file's link and a delete button, and
//! the upload form (`multipart/form-data`: `csrf`, then `purpose`, then `file`, streamed into
//! storage). The rules (who may, which types, how large, the plan's quota) are
//! `lyceum_app::files`'s; a refusal comes back on the page.

use super::assignments::refusal_status;
use super::pages::{to_sign_in, Id, Protected};
use super::staff::Problems;
use super::{csrf_refused, read_field, session, unreadable_form, CheckedForm, Chrome, Visit};
use crate::api::files::storage;
use crate::AppState;
use askama::Template;
use axum::extract::multipart::{Field, Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use lyceum_app::files::{self, StoredFile, UploadRequest};
use lyceum_app::learning::courses::{self, Course};
use lyceum_app::Actor;
use lyceum_domain::{CourseId, FileId, FilePurpose};

#[derive(Template)]
#[template(path = "portal/course_files.html")]
struct FilesPage {
    chrome: Chrome,
    course: Course,
    /// Each file with its download link and its reference for lessons (`file:{id}`).
    files: Vec<(StoredFile, String, String)>,
    problems: Problems,
}

async fn files_page(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    id: CourseId,
    problems: Problems,
    status: StatusCode,
) -> Response {
    let storage = match storage(state) {
        Ok(storage) => storage,
        Err(e) => return visit.problem(e),
    };
    let read = visit
        .read(state, async |tx| {
            let course = courses::editable_course(tx, actor, id).await?;
            let mut shown = Vec::new();
            for file in files::list(tx, actor, id).await? {
                let url = storage.sign(tx.tenant_id(), file.id).await?;
                let reference = files::file_reference(file.id);
                shown.push((file, visit.link(&url.path), reference));
            }
            Ok((course, shown))
        })
        .await;
    visit.show_as(status, read, |(course, files), chrome| FilesPage {
        chrome,
        course,
        files,
        problems,
    })
}

/// A course's files and the upload form.
pub(crate) async fn list(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<CourseId>>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    files_page(
        &state,
        &visit,
        &actor,
        id,
        Problems::default(),
        StatusCode::OK,
    )
    .await
}

/// Longest small field (`csrf`, `purpose`) of an upload form read.
const MAX_SMALL_FIELD: usize = 64;

/// An upload form (`multipart/form-data`) whose first field, its CSRF token, matched: nothing
/// else is read before it does. The form's fields are read in the order the page sends them.
pub(super) async fn upload_form(
    visit: &Visit,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Multipart, Response> {
    let Ok(mut form) = form else {
        return Err(visit.problem(unreadable_form()));
    };
    let token = small_field(&mut form, "csrf").await;
    if !token.is_some_and(|t| session::csrf_matches(&visit.csrf, &t)) {
        return Err(visit.problem(csrf_refused()));
    }
    Ok(form)
}

/// The form's next field, when it is `name` and short.
async fn small_field(form: &mut Multipart, name: &str) -> Option<String> {
    match form.next_field().await {
        Ok(Some(mut field)) if field.name() == Some(name) => {
            let bytes = read_field(&mut field, MAX_SMALL_FIELD).await.ok()?;
            Some(String::from_utf8_lossy(&bytes).into_owned())
        }
        _ => None,
    }
}

/// The form's next field, which must be its `file`: what it was sent as (name and type) and
/// its bytes, to stream.
pub(super) async fn file_field<'a>(
    visit: &Visit,
    form: &'a mut Multipart,
) -> Result<(String, String, Field<'a>), Response> {
    match form.next_field().await {
        Ok(Some(field)) if field.name() == Some("file") => {
            let name = field.file_name().unwrap_or_default().to_owned();
            let content_type = field.content_type().unwrap_or_default().to_owned();
            Ok((name, content_type, field))
        }
        _ => Err(visit.problem(unreadable_form())),
    }
}

/// Uploads a file sent with the form (`csrf`, then `purpose`, then `file`), streamed into
/// storage, then shows the list again.
pub(crate) async fn upload(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<CourseId>>,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&format!("/teach/courses/{id}/files")));
    };
    let mut form = match upload_form(&visit, form).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    let purpose = small_field(&mut form, "purpose").await;
    let Some(purpose) = purpose.and_then(|p| p.parse::<FilePurpose>().ok()) else {
        return visit.problem(unreadable_form());
    };
    let (name, content_type, field) = match file_field(&visit, &mut form).await {
        Ok(file) => file,
        Err(refused) => return refused,
    };
    let storage = match storage(&state) {
        Ok(storage) => storage,
        Err(e) => return visit.problem(e),
    };
    let request = UploadRequest {
        course: id,
        purpose,
        name: &name,
        content_type: &content_type,
        length: None,
    };
    match files::upload_course_file(storage, &visit.tenant, &actor, request, field).await {
        Ok(_) => visit.redirect(&format!("/teach/courses/{id}/files")),
        Err(e) => {
            let status = refusal_status(&e);
            let problems = Problems::of(&visit.locale, e);
            files_page(&state, &visit, &actor, id, problems, status).await
        }
    }
}

/// Deletes a course's file, then shows the list again.
pub(crate) async fn delete(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<FileId>>,
    _: CheckedForm<Protected>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/teach"));
    };
    let storage = match storage(&state) {
        Ok(storage) => storage,
        Err(e) => return visit.problem(e),
    };
    let course = visit
        .read(&state, async |tx| {
            Ok(files::readable(tx, &actor, id).await?.course_id)
        })
        .await;
    match course {
        Ok(Some(course)) => match files::delete(storage, &visit.tenant, &actor, id).await {
            Ok(()) => visit.redirect(&format!("/teach/courses/{course}/files")),
            Err(e) => visit.problem(e),
        },
        Ok(None) => visit.problem(lyceum_app::Refusal::Internal("a file of no course")),
        Err(e) => visit.problem(e),
    }
}
