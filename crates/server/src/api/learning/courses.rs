//! Courses: the catalog, create, read, replace, publish, archive, delete. The catalog and a
//! course's detail answer `ETag` and 304 to a matching `If-None-Match`.

use super::CoursePath;
use crate::api::auth::Authenticated;
use crate::api::files::{cover_addresses, tenant_prefix};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::ApiJson;
use crate::http::response_cache::{Page, PageKey};
use crate::AppState;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use lyceum_app::learning::courses::{
    self, CatalogQuery, Course, CourseDetail, CourseDraft, CourseInput, Removal, Visibility,
};
use lyceum_domain::{CourseId, CourseSlug, CourseStatus, Permission, SearchText, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Clone, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct CatalogParams {
    /// Only courses in this status.
    status: Option<CourseStatus>,
    /// Case-insensitive part of the title; control characters and surrounding spaces are
    /// ignored, and text beyond 200 characters.
    q: Option<String>,
    /// `next_cursor` of the previous page.
    after: Option<CourseId>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

/// A course of the catalog, with its cover's address.
#[derive(Serialize, ToSchema)]
pub(crate) struct ListedCourse {
    #[serde(flatten)]
    course: Course,
    /// Where the cover uploaded for the course (`cover_image` `file:{id}`) is downloaded: a
    /// signed URL of this tenant's API, the same for an hour, working for one to two hours;
    /// `null` without an uploaded cover.
    cover_url: Option<String>,
}

/// A course with its instructors, prerequisites and cover's address.
#[derive(Serialize, ToSchema)]
pub(crate) struct ShownCourse {
    #[serde(flatten)]
    detail: CourseDetail,
    /// As in the catalog (`ListedCourse`).
    cover_url: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct CoursePage {
    items: Vec<ListedCourse>,
    /// Pass as `after` for the next page; `null` on the last page. Also in the `Link` header.
    next_cursor: Option<CourseId>,
}

/// The catalog: admins see every course, instructors published ones and those they teach,
/// students published ones. In creation order, a page at a time.
#[utoipa::path(get, path = "/api/v1/courses", tag = "courses", params(CatalogParams),
    security(("bearer" = [])),
    responses(
        (status = 200, body = CoursePage, headers(
            ("Link" = String, description = "rel=\"next\" page"),
            ("ETag" = String),
        )),
        (status = 304, description = "Unchanged since the `If-None-Match` tag"),
    ))]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
    OriginalUri(uri): OriginalUri,
    Query(params): Query<CatalogParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    auth.require(Permission::CourseView)?;
    // The search as it is matched, so that texts matched alike share a cached page.
    let params = CatalogParams {
        limit: Some(crate::http::paging::page_size(params.limit)?),
        q: params
            .q
            .as_deref()
            .and_then(SearchText::new)
            .map(|q| q.as_str().to_owned()),
        ..params
    };
    let visibility = courses::catalog_visibility(&auth.actor());
    let request = format!("{}?{}", uri.path(), encode(&params)?);
    // All students of a tenant see the same catalog, as do all its admins.
    let key = match visibility {
        Visibility::PublishedOrTaughtBy(_) => PageKey::for_user(&auth, request),
        Visibility::All | Visibility::Published => PageKey::for_role(&auth, request),
    };
    state
        .pages
        .serve(key, &headers, || {
            catalog_page(&state, &auth, uri.path(), visibility, &params)
        })
        .await
}

async fn catalog_page(
    state: &AppState,
    auth: &Authenticated,
    path: &str,
    visibility: Visibility,
    params: &CatalogParams,
) -> Result<Page, ApiError> {
    let limit = params.limit.unwrap_or_default();
    let query = CatalogQuery {
        visibility,
        status: params.status,
        search: params.q.as_deref().and_then(SearchText::new),
        after: params.after,
        limit,
    };
    let mut tx = state.store.begin(&auth.tenant).await?;
    let items = courses::catalog(&mut tx, &auth.actor(), &query).await?;
    let mut covers = cover_addresses(state, &mut tx, &tenant_prefix(path), &items).await?;
    tx.commit().await?;
    let next_cursor = crate::http::paging::next_cursor(&items, limit, |c| c.id);
    let items = items
        .into_iter()
        .map(|course| ListedCourse {
            cover_url: covers.remove(&course.id),
            course,
        })
        .collect();
    let page = Page::json(&CoursePage { items, next_cursor })?;
    let link = match next_cursor {
        Some(cursor) => {
            let next = CatalogParams {
                after: Some(cursor),
                ..params.clone()
            };
            HeaderValue::from_str(&format!("<{path}?{}>; rel=\"next\"", encode(&next)?)).ok()
        }
        None => None,
    };
    Ok(page.with_link(link))
}

fn encode(params: &CatalogParams) -> Result<String, ApiError> {
    serde_urlencoded::to_string(params).map_err(|_| ApiError::internal("encode a catalog query"))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CourseRequest {
    /// Unique in the tenant: lower-case letters, digits, hyphens.
    #[schema(
        pattern = "^[a-z0-9]([a-z0-9-]{0,98}[a-z0-9])?$",
        min_length = 1,
        max_length = 100
    )]
    slug: String,
    #[schema(min_length = 1, max_length = 300)]
    title: String,
    #[serde(default)]
    #[schema(max_length = 20000)]
    description: String,
    #[schema(min_length = 1, max_length = 500)]
    cover_image: Option<String>,
    #[schema(minimum = 1)]
    max_enrollment: Option<i32>,
    #[schema(value_type = Option<Object>)]
    settings: Option<serde_json::Map<String, serde_json::Value>>,
    /// Instructors (users with role instructor or admin). A creating instructor is added.
    instructors: Option<Vec<UserId>>,
    /// Courses to complete before enrolling.
    prerequisites: Option<Vec<CourseId>>,
}

impl CourseRequest {
    fn input(self) -> Result<CourseInput, ApiError> {
        Ok(CourseInput {
            draft: CourseDraft {
                slug: CourseSlug::parse(&self.slug)?,
                title: self.title,
                description: self.description,
                cover_image: self.cover_image,
                max_enrollment: self.max_enrollment,
                settings: serde_json::Value::Object(self.settings.unwrap_or_default()),
            },
            instructors: self.instructors,
            prerequisites: self.prerequisites,
        })
    }
}

/// Creates a draft course. Needs `course:create`; counts toward the plan's course limit.
#[utoipa::path(post, path = "/api/v1/courses", tag = "courses", request_body = CourseRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, body = CourseDetail),
        (status = 403, description = "`PERMISSION_DENIED`, `PLAN_LIMIT_REACHED`", body = ErrorBody),
        (status = 409, description = "`CONFLICT`: slug taken", body = ErrorBody),
        (status = 422, description = "`INVALID_SLUG`, `INVALID_INSTRUCTOR`, `PREREQUISITE_CYCLE` ...", body = ErrorBody),
    ))]
pub(crate) async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(request): ApiJson<CourseRequest>,
) -> Result<(StatusCode, Json<CourseDetail>), ApiError> {
    let input = request.input()?;
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let detail = courses::create(&mut tx, &auth.actor(), &input).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(detail)))
}

/// One course with its instructors and prerequisites. Answers `ETag`; a matching
/// `If-None-Match` gets 304.
#[utoipa::path(get, path = "/api/v1/courses/{id}", tag = "courses", params(CoursePath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ShownCourse, headers(("ETag" = String))),
        (status = 304, description = "Unchanged since the `If-None-Match` tag"),
        (status = 404, description = "`NOT_FOUND` (also for drafts the user may not see)", body = ErrorBody),
    ))]
pub(crate) async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
    OriginalUri(uri): OriginalUri,
    Path(CoursePath { id }): Path<CoursePath>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let detail = courses::detail(&mut tx, &auth.actor(), id).await?;
    let shown = std::slice::from_ref(&detail.course);
    let mut covers = cover_addresses(&state, &mut tx, &tenant_prefix(uri.path()), shown).await?;
    tx.commit().await?;
    let shown = ShownCourse {
        cover_url: covers.remove(&detail.course.id),
        detail,
    };
    Ok(Page::json(&shown)?.respond(&headers))
}

/// Replaces a course's details, instructors and prerequisites. Course staff and admins.
#[utoipa::path(put, path = "/api/v1/courses/{id}", tag = "courses", params(CoursePath),
    request_body = CourseRequest, security(("bearer" = [])),
    responses(
        (status = 200, body = CourseDetail),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`CONFLICT`: another course has the slug", body = ErrorBody),
        (status = 422, description = "`PREREQUISITE_CYCLE`, `INVALID_INSTRUCTOR` ...", body = ErrorBody),
    ))]
pub(crate) async fn replace(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CoursePath { id }): Path<CoursePath>,
    ApiJson(request): ApiJson<CourseRequest>,
) -> Result<Json<CourseDetail>, ApiError> {
    let input = request.input()?;
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let detail = courses::replace(&mut tx, &auth.actor(), id, &input).await?;
    tx.commit().await?;
    Ok(Json(detail))
}

/// Publishes a course: it needs at least one lesson. Emits `course.published` with its
/// module and lesson counts.
#[utoipa::path(post, path = "/api/v1/courses/{id}/publish", tag = "courses", params(CoursePath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Course),
        (status = 403, description = "`PLAN_LIMIT_REACHED` (publishing an archived course)", body = ErrorBody),
        (status = 409, description = "`COURSE_EMPTY`", body = ErrorBody),
    ))]
pub(crate) async fn publish(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CoursePath { id }): Path<CoursePath>,
) -> Result<Json<Course>, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let course = courses::publish(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(Json(course))
}

/// Archives a course: it leaves the catalog and takes no new enrollments; enrolled learners
/// keep their progress and certificates.
#[utoipa::path(post, path = "/api/v1/courses/{id}/archive", tag = "courses", params(CoursePath),
    security(("bearer" = [])),
    responses((status = 200, body = Course), (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody)))]
pub(crate) async fn archive(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CoursePath { id }): Path<CoursePath>,
) -> Result<Json<Course>, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let course = courses::archive(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(Json(course))
}

/// Deletes a course that never had an enrollment; one with enrollments is archived instead
/// (200 with the course), so no learner's record is lost. Needs `course:delete`.
#[utoipa::path(delete, path = "/api/v1/courses/{id}", tag = "courses", params(CoursePath),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 200, description = "Had enrollments: archived instead", body = Course),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
    ))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CoursePath { id }): Path<CoursePath>,
) -> Result<Response, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let removal = courses::delete(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(match removal {
        Removal::Deleted(leftovers) => {
            leftovers.remove(state.files.as_deref()).await;
            StatusCode::NO_CONTENT.into_response()
        }
        Removal::Archived(course) => Json(course).into_response(),
    })
}
