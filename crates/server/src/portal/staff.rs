//! The portal's pages for course staff and tenant admins: the courses one can edit, starting a
//! course, and the people of the tenant (searching, inviting, changing roles, deactivating)
//! with the plan's usage, and the audit log (filters, older pages, a CSV download); the course
//! builder is in `builder` and `lessons`. The rules (who may, plan limits, the last admin) are
//! the use cases'; a refusal is shown on the page it came from, next to the field it is about,
//! with what the person typed, in the page's language. Also what every staff form shares:
//! [`shown_in_form`], [`Problems`] and the forms' own messages ([`messages`]).

use super::i18n::PageLocale;
use super::pages::{to_sign_in, url_encode, Id, Protected};
use super::{CheckedForm, Chrome, Visit};
use crate::http::error::ApiError;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use lyceum_app::audit::{self, AuditFilter, AuditLogEntry};
use lyceum_app::identity::invitations::{self, InvitationToken};
use lyceum_app::identity::users::{self, NewPerson, PeopleFilter};
use lyceum_app::identity::User;
use lyceum_app::learning::courses::{self, Course, CourseDraft, CourseInput};
use lyceum_app::tenant::plan_usage;
use lyceum_app::{Actor, Refusal};
use lyceum_domain::{
    AuditAction, CourseSlug, Permission, Plan, Role, UserId, UserStatus, ValidationError,
};
use lyceum_store::StoreError;
use serde::Deserialize;

/// The messages of the staff forms that come from the portal itself, in the page's language
/// (the use cases' refusals are worded by `PageLocale::explain`).
pub(super) mod messages {
    use super::super::i18n::{Message, PageLocale};

    /// A lesson's opening date and time that cannot be read.
    pub fn release_date(locale: &PageLocale) -> Message<'_> {
        locale.msg("form-release-date")
    }

    /// A module's "at least this many lessons" without a number.
    pub fn lesson_count(locale: &PageLocale) -> Message<'_> {
        locale.msg("form-lesson-count")
    }

    /// A module's "the lessons chosen here" with none chosen.
    pub fn required_lessons(locale: &PageLocale) -> Message<'_> {
        locale.msg("form-required-lessons")
    }

    /// A choice the form did not offer (a forged or outdated form).
    pub fn unknown_choice(locale: &PageLocale) -> Message<'_> {
        locale.msg("form-unknown-choice")
    }
}

/// People per page of the people page.
const PEOPLE_PAGE: u32 = 100;

/// The status a refusal a form can explain is shown with (the form comes back with it); `None`
/// for refusals that are not about what was typed.
pub(super) fn shown_in_form(refusal: &Refusal) -> Option<StatusCode> {
    match refusal {
        Refusal::Invalid(_) | Refusal::Unacceptable { .. } => {
            Some(StatusCode::UNPROCESSABLE_ENTITY)
        }
        Refusal::Store(e) if e.code() == "CONFLICT" || e.code() == "VALIDATION_FAILED" => {
            Some(StatusCode::UNPROCESSABLE_ENTITY)
        }
        Refusal::Malformed { .. } => Some(StatusCode::BAD_REQUEST),
        Refusal::Conflict { .. } => Some(StatusCode::CONFLICT),
        Refusal::Forbidden { code, .. } if *code == "PLAN_LIMIT_REACHED" => {
            Some(StatusCode::FORBIDDEN)
        }
        _ => None,
    }
}

/// The field of a form a refusal is about, by the name the forms give it (`title`, `slug`,
/// `prerequisites`, `rule`, `block-2` for a lesson's third block ...), when it names one.
fn field_of(refusal: &Refusal) -> Option<String> {
    let invalid = match refusal {
        Refusal::Invalid(e) | Refusal::Store(StoreError::Validation(e)) => e,
        Refusal::Store(StoreError::Conflict(_)) => return Some("slug".to_owned()),
        Refusal::Unacceptable { code, .. } if *code == "INVALID_PREREQUISITE" => {
            return Some("prerequisites".to_owned())
        }
        Refusal::Unacceptable { code, .. } if *code == "INVALID_INSTRUCTOR" => {
            return Some("instructors".to_owned())
        }
        Refusal::Unacceptable { code, .. } if *code == "INVALID_DRAW" => {
            return Some("draws".to_owned())
        }
        _ => return None,
    };
    let field = match invalid {
        ValidationError::Empty { field }
        | ValidationError::TooLong { field, .. }
        | ValidationError::TooMany { field, .. } => (*field).to_owned(),
        ValidationError::InvalidSlug { .. } | ValidationError::ReservedSlug(_) => "slug".into(),
        ValidationError::InvalidEmail(_) => "email".into(),
        ValidationError::PrerequisiteCycle(_) => "prerequisites".into(),
        ValidationError::InvalidCompletionRule(_) => "rule".into(),
        ValidationError::InvalidContent { path, .. } => {
            let index = path
                .strip_prefix("content[")
                .and_then(|rest| rest.split(']').next())
                .and_then(|n| n.parse::<usize>().ok());
            match index {
                Some(i) => format!("block-{i}"),
                None => "blocks".into(),
            }
        }
        _ => return None,
    };
    Some(field)
}

/// What a form shows of a refusal: its message in the page's language, next to the field it
/// is about or above the form.
#[derive(Default)]
pub(super) struct Problems {
    field: Option<String>,
    message: Option<String>,
}

impl Problems {
    /// A refusal, worded in `locale` and placed by the field it names (a content block's
    /// problem is worded by the block's field, its place on the form saying which block).
    pub fn of(locale: &PageLocale, refusal: Refusal) -> Self {
        Problems {
            field: field_of(&refusal),
            message: Some(locale.explain(refusal)),
        }
    }

    /// A message of the portal about `field` (see [`messages`]).
    pub fn at(field: impl Into<String>, message: impl std::fmt::Display) -> Self {
        Problems {
            field: Some(field.into()),
            message: Some(message.to_string()),
        }
    }

    /// The message about `field`.
    pub fn on(&self, field: &str) -> Option<&str> {
        match &self.field {
            Some(f) if f == field => self.message.as_deref(),
            _ => None,
        }
    }

    /// The message about no field the form shows: it goes above the form. `shown` lists the
    /// fields the form shows a message next to.
    pub fn above(&self, shown: &[&str]) -> Option<&str> {
        match &self.field {
            Some(f) if shown.contains(&f.as_str()) => None,
            _ => self.message.as_deref(),
        }
    }

    /// Whether any message is about a field starting with `prefix` (a lesson's blocks).
    pub fn is_about(&self, prefix: &str) -> bool {
        self.message.is_some() && self.field.as_deref().is_some_and(|f| f.starts_with(prefix))
    }
}

#[derive(Template)]
#[template(path = "portal/teach.html")]
struct Teaching {
    chrome: Chrome,
    courses: Vec<Course>,
}

/// The courses the signed-in instructor (or admin) can edit.
pub(crate) async fn teaching(State(state): State<AppState>, visit: Visit) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let editable = visit
        .read(&state, async |tx| {
            actor.require(Permission::CourseEdit)?;
            let query = courses::CatalogQuery {
                visibility: courses::catalog_visibility(&actor),
                status: None,
                search: None,
                after: None,
                limit: 200,
            };
            let mut editable = Vec::new();
            for course in courses::catalog(tx, &actor, &query).await? {
                if actor.is_staff_of(tx, course.id).await? {
                    editable.push(course);
                }
            }
            Ok(editable)
        })
        .await;
    visit.show(editable, |courses, chrome| Teaching { chrome, courses })
}

#[derive(Template)]
#[template(path = "portal/new_course.html")]
struct NewCourse {
    chrome: Chrome,
    problems: Problems,
    title: String,
    slug: String,
    description: String,
}

/// The form to start a course.
pub(crate) async fn new_course_form(visit: Visit) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    if let Err(e) = actor.require(Permission::CourseCreate) {
        return visit.problem(e);
    }
    let page = NewCourse {
        chrome: visit.chrome(),
        problems: Problems::default(),
        title: String::new(),
        slug: String::new(),
        description: String::new(),
    };
    visit.page(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub(crate) struct NewCourseForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    description: String,
}

/// Creates a draft course, then opens its builder; a refusal re-shows the form.
pub(crate) async fn new_course(
    State(state): State<AppState>,
    visit: Visit,
    CheckedForm(form): CheckedForm<NewCourseForm>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/teach/new"));
    };
    let created = async {
        let input = CourseInput {
            draft: CourseDraft {
                slug: CourseSlug::parse(&form.slug)?,
                title: form.title.clone(),
                description: form.description.clone(),
                cover_image: None,
                max_enrollment: None,
                settings: serde_json::json!({}),
            },
            instructors: None,
            prerequisites: None,
        };
        let mut tx = state.store.begin_write(&visit.tenant).await?;
        let course = courses::create(&mut tx, &actor, &input).await?.course;
        tx.commit().await?;
        Ok::<_, Refusal>(course.id)
    };
    match created.await {
        Ok(id) => visit.redirect(&format!("/teach/courses/{id}")),
        Err(e) => match shown_in_form(&e) {
            Some(status) => {
                let page = NewCourse {
                    chrome: visit.chrome(),
                    problems: Problems::of(&visit.locale, e),
                    title: form.title,
                    slug: form.slug,
                    description: form.description,
                };
                visit.page(status, &page)
            }
            None => visit.problem(e),
        },
    }
}

#[derive(Template)]
#[template(path = "portal/people.html")]
struct People {
    chrome: Chrome,
    people: Vec<User>,
    roles: [Role; 3],
    plan: Plan,
    students: i64,
    max_students: Option<u32>,
    /// Megabytes of files stored, and the plan's limit (`None`: no limit).
    storage_mb: u64,
    max_storage_mb: Option<u64>,
    problems: Problems,
    invitation: Option<String>,
    form_email: String,
    form_name: String,
    /// The search as typed (empty: everyone).
    query: String,
    /// The role and status filters chosen (empty: any).
    role_filter: &'static str,
    status_filter: &'static str,
    statuses: &'static [UserStatus],
    /// The next page of the list, when this one is full.
    next_page: Option<String>,
    /// Those on the page whose sign-in is locked after failed attempts (in this process).
    locked: Vec<UserId>,
}

/// What the people page shows besides the list: a refusal and the form as typed, or the
/// invitation link just made.
#[derive(Default)]
pub(super) struct PeopleNote {
    problems: Problems,
    invitation: Option<String>,
    email: String,
    name: String,
}

impl PeopleNote {
    /// A refusal of the import form's file.
    pub(super) fn file_refused(problems: Problems) -> Self {
        PeopleNote {
            problems,
            ..PeopleNote::default()
        }
    }
}

/// Which page of the people list to show.
#[derive(Deserialize, Default)]
pub(crate) struct PeopleQuery {
    q: Option<String>,
    /// A role or status the page does not know (or none chosen) filters nothing.
    role: Option<String>,
    status: Option<String>,
    after: Option<UserId>,
}

pub(super) async fn people_page(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    list: PeopleQuery,
    note: PeopleNote,
    status: StatusCode,
) -> Response {
    let (search, query) = super::search_box(list.q.as_deref());
    let filter = PeopleFilter {
        search,
        role: list.role.as_deref().and_then(|r| r.parse().ok()),
        status: list.status.as_deref().and_then(|s| s.parse().ok()),
    };
    let read = visit
        .read(state, async |tx| {
            let people = users::list(tx, actor, &filter, list.after, PEOPLE_PAGE).await?;
            let usage = plan_usage(tx, actor).await?;
            Ok((people, usage))
        })
        .await;
    match read {
        Ok((people, usage)) => {
            let mut locked = Vec::new();
            let tenant = Some(visit.tenant.id().as_uuid());
            for person in &people {
                if state
                    .login_throttle
                    .is_locked(tenant, person.email.as_str())
                    .await
                {
                    locked.push(person.id);
                }
            }
            let next_page = (people.len() == PEOPLE_PAGE as usize)
                .then(|| people.last())
                .flatten()
                .map(|last| {
                    let mut link = format!("/admin/people?q={}", url_encode(&query));
                    if let Some(role) = filter.role {
                        link.push_str(&format!("&role={role}"));
                    }
                    if let Some(status) = filter.status {
                        link.push_str(&format!("&status={status}"));
                    }
                    visit.link(&format!("{link}&after={}", last.id))
                });
            let page = People {
                chrome: visit.chrome(),
                people,
                roles: [Role::Student, Role::Instructor, Role::Admin],
                plan: usage.plan,
                students: usage.students,
                max_students: usage.max_students,
                storage_mb: usage.storage_bytes.div_ceil(1_000_000),
                max_storage_mb: usage.max_storage_bytes.map(|b| b / 1_000_000),
                problems: note.problems,
                invitation: note.invitation,
                form_email: note.email,
                form_name: note.name,
                query,
                role_filter: filter.role.map(Role::as_str).unwrap_or_default(),
                status_filter: filter.status.map(UserStatus::as_str).unwrap_or_default(),
                statuses: UserStatus::ALL,
                next_page,
                locked,
            };
            visit.page(status, &page)
        }
        Err(e) => visit.problem(e),
    }
}

/// The tenant's people, a page at a time or those a search finds, with the plan's usage and a
/// form to invite someone.
pub(crate) async fn people(
    State(state): State<AppState>,
    visit: Visit,
    Query(list): Query<PeopleQuery>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let note = PeopleNote::default();
    people_page(&state, &visit, &actor, list, note, StatusCode::OK).await
}

#[derive(Deserialize)]
pub(crate) struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    role: Option<Role>,
}

/// Invites a person: an invited user, whose invitation goes out by mail; the page also shows
/// the one-time link, for an admin who prefers to pass it on.
pub(crate) async fn invite(
    State(state): State<AppState>,
    visit: Visit,
    CheckedForm(form): CheckedForm<InviteForm>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/admin/people"));
    };
    let person = NewPerson {
        email: form.email.trim().to_owned(),
        display_name: form.display_name.clone(),
        role: form.role.unwrap_or(Role::Student),
        password: None,
    };
    let invited = visit
        .write(&state, async |tx| {
            let (_, invitation) = users::create(tx, &actor, person).await?;
            Ok(invitation)
        })
        .await;
    match invited {
        Ok(invitation) => {
            let note = PeopleNote {
                invitation: invitation.map(|i| invitation_link(&visit, &i)),
                ..PeopleNote::default()
            };
            people_page(
                &state,
                &visit,
                &actor,
                PeopleQuery::default(),
                note,
                StatusCode::CREATED,
            )
            .await
        }
        Err(e) => match shown_in_form(&e) {
            Some(status) => {
                let note = PeopleNote {
                    problems: Problems::of(&visit.locale, e),
                    email: form.email,
                    name: form.display_name,
                    ..PeopleNote::default()
                };
                people_page(&state, &visit, &actor, PeopleQuery::default(), note, status).await
            }
            None => visit.problem(e),
        },
    }
}

#[derive(Deserialize)]
pub(crate) struct RoleForm {
    role: Role,
}

/// Gives a person another role.
pub(crate) async fn set_role(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<UserId>>,
    CheckedForm(form): CheckedForm<RoleForm>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/admin/people"));
    };
    let changed = visit
        .write(&state, async |tx| {
            users::change(tx, &actor, id, None, Some(form.role)).await?;
            Ok(())
        })
        .await;
    after_people_change(&state, &visit, &actor, changed).await
}

/// Reactivates a deactivated person (`ACTIVE`), or deactivates one: they are signed out
/// everywhere.
pub(crate) async fn set_active<const ACTIVE: bool>(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<UserId>>,
    _: CheckedForm<Protected>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/admin/people"));
    };
    let changed = visit
        .write(&state, async |tx| {
            if ACTIVE {
                users::reactivate(tx, &actor, id).await?;
            } else {
                users::deactivate(tx, &actor, id).await?;
            }
            Ok(())
        })
        .await;
    after_people_change(&state, &visit, &actor, changed).await
}

/// Unlocks a person's sign-in, locked after failed attempts.
pub(crate) async fn unlock(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<UserId>>,
    _: CheckedForm<Protected>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/admin/people"));
    };
    let unlocked = crate::api::auth::unlock_sign_in(&state, &visit.tenant, &actor, id).await;
    after_people_change(&state, &visit, &actor, unlocked.map(drop)).await
}

async fn after_people_change(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    outcome: Result<(), Refusal>,
) -> Response {
    match outcome {
        Ok(()) => visit.redirect("/admin/people"),
        Err(e) => match shown_in_form(&e) {
            Some(status) => {
                let note = PeopleNote {
                    problems: Problems::of(&visit.locale, e),
                    ..PeopleNote::default()
                };
                people_page(state, visit, actor, PeopleQuery::default(), note, status).await
            }
            None => visit.problem(e),
        },
    }
}

/// The portal address an invitation's token opens.
fn invitation_link(visit: &Visit, invitation: &InvitationToken) -> String {
    let query = url_encode(&invitation.token);
    visit.link(&format!("/accept-invitation?token={query}"))
}

/// Invites an invited person again: a new link; the earlier ones stop working.
pub(crate) async fn reinvite(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<UserId>>,
    _: CheckedForm<Protected>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/admin/people"));
    };
    let invited = visit
        .write(&state, async |tx| {
            invitations::reinvite(tx, &actor, id).await
        })
        .await;
    match invited {
        Ok(invitation) => {
            let note = PeopleNote {
                invitation: Some(invitation_link(&visit, &invitation)),
                ..PeopleNote::default()
            };
            people_page(
                &state,
                &visit,
                &actor,
                PeopleQuery::default(),
                note,
                StatusCode::CREATED,
            )
            .await
        }
        Err(e) => visit.problem(e),
    }
}

/// Audit entries on one page of the audit log.
const AUDIT_SHOWN: u32 = 50;

#[derive(Template)]
#[template(path = "portal/audit.html")]
struct AuditLog {
    chrome: Chrome,
    entries: Vec<AuditLogEntry>,
    actions: &'static [AuditAction],
    form: AuditForm,
    /// The filters as a query string (`actor=...&action=...`), for the CSV link and the next
    /// page.
    query: String,
    next_cursor: Option<i64>,
}

/// The audit log's filters as the page's form sends them (every field may be blank).
#[derive(Deserialize, Default)]
pub(crate) struct AuditForm {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    /// A day (`2025-01-31`): entries from its start on.
    #[serde(default)]
    from: String,
    /// A day: entries up to its end.
    #[serde(default)]
    to: String,
    before: Option<i64>,
}

impl AuditForm {
    /// The filters, the days read in the tenant's time zone `zone`.
    fn filter(&self, zone: Tz) -> Result<AuditFilter, ApiError> {
        // The start of the day typed, or of the day `later` days after it.
        let day = |field: &'static str,
                   text: &str,
                   later: u64|
         -> Result<Option<DateTime<Utc>>, ApiError> {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            let midnight = NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|date| date.checked_add_days(chrono::Days::new(later)))
                .and_then(|date| {
                    date.and_time(NaiveTime::MIN)
                        .and_local_timezone(zone)
                        .earliest()
                })
                .ok_or_else(|| ValidationError::InvalidDay {
                    field,
                    value: text.to_owned(),
                })?;
            Ok(Some(midnight.with_timezone(&Utc)))
        };
        let action = match self.action.trim() {
            "" => None,
            text => Some(text.parse::<AuditAction>()?),
        };
        Ok(AuditFilter {
            actor: audit::actor_filter(&self.actor)?,
            action,
            target: None,
            from: day("from", &self.from, 0)?,
            to: day("to", &self.to, 1)?,
        })
    }

    /// The filters (not the page) as a query string.
    fn query(&self) -> String {
        let fields = [
            ("actor", self.actor.trim()),
            ("action", self.action.trim()),
            ("from", self.from.trim()),
            ("to", self.to.trim()),
        ];
        let given: Vec<_> = fields.iter().filter(|(_, v)| !v.is_empty()).collect();
        serde_urlencoded::to_string(given).unwrap_or_default()
    }
}

/// The tenant's audit log for its admins, newest first, with filters, older pages and a CSV
/// download of what the filters select.
pub(crate) async fn audit_log(
    State(state): State<AppState>,
    visit: Visit,
    Query(form): Query<AuditForm>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let filter = match form.filter(visit.locale.zone()) {
        Ok(filter) => filter,
        Err(e) => return visit.problem(e),
    };
    let read = visit
        .read(&state, async |tx| {
            audit::entries(tx, &actor, &filter, form.before, AUDIT_SHOWN).await
        })
        .await;
    visit.show(read, |entries, chrome| AuditLog {
        chrome,
        next_cursor: crate::http::paging::next_cursor(&entries, AUDIT_SHOWN, |e| e.seq),
        entries,
        actions: AuditAction::ALL,
        query: form.query(),
        form,
    })
}

/// What the audit log's filters select, as a CSV file (at most
/// [`crate::api::audit::CSV_MAX_ROWS`] entries, newest first).
pub(crate) async fn audit_csv(
    State(state): State<AppState>,
    visit: Visit,
    Query(form): Query<AuditForm>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/admin/audit"));
    };
    let filter = match form.filter(visit.locale.zone()) {
        Ok(filter) => filter,
        Err(e) => return visit.problem(e),
    };
    let limit = crate::api::audit::CSV_MAX_ROWS;
    let read = visit
        .read(&state, async |tx| {
            audit::entries(tx, &actor, &filter, form.before, limit).await
        })
        .await;
    match read {
        Ok(entries) => {
            let name = format!("audit-log-{}.csv", visit.tenant.slug);
            visit.download(crate::api::audit::csv_file(&entries, &name))
        }
        Err(e) => visit.problem(e),
    }
}
