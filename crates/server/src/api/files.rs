//! Files in object storage: `POST /api/v1/courses/{id}/files` (the file as the request's body,
//! streamed), `GET /api/v1/courses/{id}/files`, `GET /api/v1/files/{id}` (its record and a fresh
//! signed URL), `DELETE /api/v1/files/{id}`, the signed download
//! `GET /api/v1/files/{id}/content`, the organisation's logo (`PUT` and `DELETE
//! /api/v1/tenant/logo`, served to anyone by `GET /api/v1/branding/{id}`), and
//! `GET /api/v1/tenant/usage` (the plan's usage, stored bytes included). The rules, events and audit entries are `lyceum_app::files`'s.

use crate::api::auth::Authenticated;
use crate::api::learning::CoursePath;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::tenancy::CurrentTenant;
use crate::AppState;
use axum::body::Body;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::Utc;
use lyceum_app::files::{
    self, Download, FileStorage, FileWithUrl, LogoUpload, SignedUrl, StoredFile, UploadRequest,
};
use lyceum_app::learning::courses::Course;
use lyceum_app::Refusal;
use lyceum_domain::{brand_image_path, Branding, CourseId, FileId, FilePurpose, Plan};
use lyceum_store::TenantTx;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

/// `{id}` of `/files/{id}`.
#[derive(Deserialize, IntoParams)]
pub(crate) struct FilePath {
    /// The file's id.
    id: FileId,
}

/// How an upload names itself; its type is the request's `Content-Type`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct UploadQuery {
    /// The file's name, shown and used for downloads (metadata only; folders and control
    /// characters are dropped; `file` when left out).
    name: Option<String>,
    /// `course_file` (a lesson's document or image, the default) or `course_cover`.
    purpose: Option<FilePurpose>,
}

/// A signed download URL's proof.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Signature {
    /// When the URL stops working (seconds since 1970); the URL is not valid without it.
    expires: Option<i64>,
    /// The URL's signature; the URL is not valid without it.
    signature: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct FileList {
    items: Vec<StoredFile>,
}

/// The storage this server keeps files in (`STORAGE_UNAVAILABLE` if it could not be opened).
pub(crate) fn storage(state: &AppState) -> Result<&FileStorage, ApiError> {
    state.files.as_deref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "STORAGE_UNAVAILABLE",
            "file storage is not available on this server",
        )
    })
}

/// The path prefix a URL for this request's tenant needs: `/t/{slug}` where the request named
/// its tenant by path, nothing where its host (or header) did.
pub(crate) fn tenant_prefix(path: &str) -> String {
    match path.strip_prefix("/t/") {
        Some(rest) => format!("/t/{}", rest.split('/').next().unwrap_or_default()),
        None => String::new(),
    }
}

/// The download addresses of the uploaded covers of `shown` courses, under `prefix` (see
/// [`tenant_prefix`]; the portal's base): none where this server keeps no files.
pub(crate) async fn cover_addresses(
    state: &AppState,
    tx: &mut TenantTx,
    prefix: &str,
    shown: &[Course],
) -> Result<HashMap<CourseId, String>, Refusal> {
    let Some(storage) = state.files.as_deref() else {
        return Ok(HashMap::new());
    };
    Ok(files::cover_urls(tx, storage, shown)
        .await?
        .into_iter()
        .map(|(course, url)| (course, format!("{prefix}{}", url.path)))
        .collect())
}

/// `url` as this request's client reaches it.
fn reachable(mut url: SignedUrl, uri: &Uri) -> SignedUrl {
    url.path = format!("{}{}", tenant_prefix(uri.path()), url.path);
    url
}

/// Uploads a file to a course: the request's body is the file, its `Content-Type` the file's
/// declared type (held against the content). Course staff with `course:edit`.
#[utoipa::path(post, path = "/api/v1/courses/{id}/files", tag = "files", params(CoursePath, UploadQuery),
    request_body(content = String, content_type = "application/octet-stream",
        description = "The file's bytes, sent with its own type (`image/png`, `application/pdf` ...)"),
    security(("bearer" = [])),
    responses(
        (status = 201, body = StoredFile),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 413, description = "`FILE_TOO_LARGE`, `STORAGE_QUOTA_EXCEEDED`", body = ErrorBody),
        (status = 422, description = "`FILE_TYPE_NOT_ALLOWED`, `FILE_TYPE_MISMATCH`, `FILE_EMPTY`, `INVALID_FILE_PURPOSE`", body = ErrorBody),
    ))]
pub(crate) async fn upload(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CoursePath { id }): Path<CoursePath>,
    Query(query): Query<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<StoredFile>), ApiError> {
    let storage = storage(&state)?;
    let (content_type, length) = declared(&headers);
    let request = UploadRequest {
        course: id,
        purpose: query.purpose.unwrap_or(FilePurpose::CourseFile),
        name: query.name.as_deref().unwrap_or_default(),
        content_type,
        length,
    };
    let file = files::upload_course_file(
        storage,
        &auth.tenant,
        &auth.actor(),
        request,
        body.into_data_stream(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(file)))
}

/// A course's files, newest first. Course staff and enrolled learners.
#[utoipa::path(get, path = "/api/v1/courses/{id}/files", tag = "files", params(CoursePath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = FileList),
        (status = 403, description = "`NOT_ENROLLED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
    ))]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CoursePath { id }): Path<CoursePath>,
) -> Result<Json<FileList>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let items = files::list(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(Json(FileList { items }))
}

/// A file's record and a fresh download URL (valid for an hour by default). Course staff, and
/// for a course's files its enrolled learners.
#[utoipa::path(get, path = "/api/v1/files/{id}", tag = "files", params(FilePath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = FileWithUrl),
        (status = 403, description = "`NOT_ENROLLED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
    ))]
pub(crate) async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
    OriginalUri(uri): OriginalUri,
    Path(FilePath { id }): Path<FilePath>,
) -> Result<Json<FileWithUrl>, ApiError> {
    let storage = storage(&state)?;
    let mut tx = state.store.begin(&auth.tenant).await?;
    let mut shown = files::show(&mut tx, storage, &auth.actor(), id).await?;
    tx.commit().await?;
    shown.url = reachable(shown.url, &uri);
    Ok(Json(shown))
}

/// Deletes a course's file. Course staff with `course:edit`.
#[utoipa::path(delete, path = "/api/v1/files/{id}", tag = "files", params(FilePath),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
    ))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(FilePath { id }): Path<FilePath>,
) -> Result<StatusCode, ApiError> {
    let storage = storage(&state)?;
    files::delete(storage, &auth.tenant, &auth.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A file's content, through a signed URL (no token): the URL must have been signed for this
/// tenant and this file, and not have expired. Answers with the stored type,
/// `Content-Disposition`, `X-Content-Type-Options: nosniff` and a private cache header.
#[utoipa::path(get, path = "/api/v1/files/{id}/content", tag = "files", params(FilePath, Signature),
    responses(
        (status = 200, description = "The file's bytes", content_type = "application/octet-stream"),
        (status = 403, description = "`FILE_URL_INVALID`, `FILE_URL_EXPIRED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
    ))]
pub(crate) async fn content(
    State(state): State<AppState>,
    Extension(CurrentTenant(tenant)): Extension<CurrentTenant>,
    Path(FilePath { id }): Path<FilePath>,
    Query(signature): Query<Signature>,
) -> Result<Response, ApiError> {
    let storage = storage(&state)?;
    // A URL missing either part is checked like a forged one (`FILE_URL_INVALID`).
    let expires = signature.expires.unwrap_or_default();
    let proof = signature.signature.as_deref().unwrap_or_default();
    let download = files::download(storage, &tenant, id, expires, proof).await?;
    let left = (expires - Utc::now().timestamp()).clamp(0, 3600);
    served(download, &format!("private, max-age={left}"))
}

/// A download's answer: the stored type and size, `Content-Disposition` (inline for images),
/// `X-Content-Type-Options: nosniff` and `cache` as `Cache-Control`.
fn served(download: Download, cache: &str) -> Result<Response, ApiError> {
    let file = &download.file;
    let inline = file.content_type.starts_with("image/");
    let value = |text: &str| {
        HeaderValue::from_str(text).map_err(|_| ApiError::internal("a header value was not valid"))
    };
    let headers = [
        (header::CONTENT_TYPE, value(&file.content_type)?),
        (header::CONTENT_LENGTH, value(&file.size.to_string())?),
        (
            header::CONTENT_DISPOSITION,
            value(&file.name.content_disposition(inline))?,
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (header::CACHE_CONTROL, value(cache)?),
    ];
    Ok((headers, Body::from_stream(download.body)).into_response())
}

/// The address of the tenant's uploaded brand image `id` (served by [`brand_image`]), as this
/// request's client reaches it (`prefix`: see [`tenant_prefix`]).
pub(crate) fn brand_image_address(id: FileId, prefix: &str) -> String {
    format!("{prefix}{}", brand_image_path(id))
}

/// The logo a tenant's pages show, as this request's client reaches it: the uploaded one, else
/// the logo address of its settings.
pub(crate) fn logo_address(branding: &Branding, prefix: &str) -> Option<String> {
    match branding.logo_file {
        Some(id) => Some(brand_image_address(id, prefix)),
        None => branding.logo_url.clone(),
    }
}

/// How a logo's upload names itself; its type is the request's `Content-Type`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct LogoQuery {
    /// The file's name (metadata only; `file` when left out).
    name: Option<String>,
}

/// Uploads the organisation's logo, shown on its pages in place of `branding.logo_url`; a
/// logo uploaded before is deleted. The request's body is the image (PNG, JPEG, GIF or WebP),
/// its `Content-Type` the image's. Needs `tenant:settings`.
#[utoipa::path(put, path = "/api/v1/tenant/logo", tag = "tenant", params(LogoQuery),
    request_body(content = String, content_type = "application/octet-stream",
        description = "The image's bytes, sent with its own type (`image/png` ...)"),
    security(("bearer" = [])),
    responses(
        (status = 201, body = StoredFile),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 413, description = "`FILE_TOO_LARGE`, `STORAGE_QUOTA_EXCEEDED`", body = ErrorBody),
        (status = 422, description = "`FILE_TYPE_NOT_ALLOWED`, `FILE_TYPE_MISMATCH`, `FILE_EMPTY`", body = ErrorBody),
    ))]
pub(crate) async fn upload_logo(
    State(state): State<AppState>,
    auth: Authenticated,
    Query(query): Query<LogoQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<StoredFile>), ApiError> {
    let storage = storage(&state)?;
    let (content_type, length) = declared(&headers);
    let request = LogoUpload {
        name: query.name.as_deref().unwrap_or_default(),
        content_type,
        length,
    };
    let file = files::upload_logo(
        storage,
        &auth.tenant,
        &auth.actor(),
        request,
        body.into_data_stream(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(file)))
}

/// Removes the organisation's uploaded logo: its pages show `branding.logo_url` again, if set.
/// Needs `tenant:settings`.
#[utoipa::path(delete, path = "/api/v1/tenant/logo", tag = "tenant",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`: no logo was uploaded", body = ErrorBody),
    ))]
pub(crate) async fn remove_logo(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<StatusCode, ApiError> {
    let storage = storage(&state)?;
    files::remove_logo(storage, &auth.tenant, &auth.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An uploaded brand image of the tenant (its logo), for anyone: pages show it before anyone
/// signs in. Only the tenant's brand images are served here. A file never changes, so the
/// answer may be kept a day.
#[utoipa::path(get, path = "/api/v1/branding/{id}", tag = "tenant", params(FilePath),
    responses(
        (status = 200, description = "The image's bytes", content_type = "application/octet-stream"),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
    ))]
pub(crate) async fn brand_image(
    State(state): State<AppState>,
    Extension(CurrentTenant(tenant)): Extension<CurrentTenant>,
    Path(FilePath { id }): Path<FilePath>,
) -> Result<Response, ApiError> {
    let storage = storage(&state)?;
    let download = files::brand_image(storage, &tenant, id).await?;
    served(download, "public, max-age=86400")
}

/// The declared type (`Content-Type`) and announced size (`Content-Length`) of an upload.
pub(crate) fn declared(headers: &HeaderMap) -> (&str, Option<u64>) {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    (content_type, length)
}

/// What the organisation's plan allows and how much of it is used.
#[derive(Serialize, ToSchema)]
pub(crate) struct Usage {
    plan: Plan,
    courses: i64,
    max_courses: Option<u32>,
    students: i64,
    max_students: Option<u32>,
    /// Bytes of files kept in object storage.
    storage_bytes: u64,
    /// `null`: no limit.
    max_storage_bytes: Option<u64>,
}

/// The plan's usage: courses, students and stored bytes against its limits. Needs
/// `user:manage`.
#[utoipa::path(get, path = "/api/v1/tenant/usage", tag = "tenant", security(("bearer" = [])),
    responses((status = 200, body = Usage), (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody)))]
pub(crate) async fn usage(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<Usage>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let usage = lyceum_app::tenant::plan_usage(&mut tx, &auth.actor()).await?;
    tx.commit().await?;
    Ok(Json(Usage {
        plan: usage.plan,
        courses: usage.courses,
        max_courses: usage.max_courses,
        students: usage.students,
        max_students: usage.max_students,
        storage_bytes: usage.storage_bytes,
        max_storage_bytes: usage.max_storage_bytes,
    }))
}
