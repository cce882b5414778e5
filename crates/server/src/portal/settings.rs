//! The organisation's settings page for its admins (`/admin/settings`, `tenant:settings`): the
//! name, the brand (colours with their contrast against the page, checked by the server when
//! previewed or saved; logo; language; time zone), self sign-up and its e-mail domains, and the
//! custom domains (claim, the token to publish, verify, remove). The rules are
//! `lyceum_app::settings`'; a refusal comes back on this page next to the field it is about.

use super::assignments::refusal_status;
use super::files::{file_field, upload_form};
use super::pages::{to_sign_in, Protected};
use super::staff::{shown_in_form, Problems};
use super::{CheckedForm, Chrome, Visit};
use crate::api::files::{brand_image_address, storage};
use crate::AppState;
use askama::Template;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono_tz::Tz;
use lyceum_app::files::{self, LogoUpload};
use lyceum_app::settings::{self, domains, DomainCheck, OrganisationSettings};
use lyceum_app::{Actor, Refusal};
use lyceum_domain::{FilePurpose, Locale, Rgb, SettingsChange, ValidationError};
use lyceum_store::CustomDomain;
use serde::Deserialize;

/// The settings form, as shown and as sent (every field may be blank).
#[derive(Deserialize, Default, Clone)]
pub(crate) struct SettingsForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    primary_color: String,
    /// Ticked: Lyceum's own colour.
    primary_default: Option<String>,
    #[serde(default)]
    accent_color: String,
    accent_default: Option<String>,
    #[serde(default)]
    logo_url: String,
    /// `en`, `fr`, or blank (each visitor's own).
    #[serde(default)]
    locale: String,
    /// An IANA name, or blank (UTC).
    #[serde(default)]
    time_zone: String,
    self_signup: Option<String>,
    /// One domain a line.
    #[serde(default)]
    signup_domains: String,
    /// `preview` checks the values and shows their contrast without saving.
    #[serde(default)]
    intent: String,
}

/// The colours shown when the tenant keeps Lyceum's (the colour inputs need a value).
const SHOWN_PRIMARY: Rgb = Rgb(0x1f, 0x4e, 0x9c);
const SHOWN_ACCENT: Rgb = Rgb(0xb2, 0x5e, 0x00);

impl SettingsForm {
    fn of(org: &OrganisationSettings) -> Self {
        let brand = &org.settings.brand;
        let on = |b: bool| b.then(|| "on".to_owned());
        SettingsForm {
            name: org.name.clone(),
            primary_color: brand.primary_color.unwrap_or(SHOWN_PRIMARY).to_string(),
            primary_default: on(brand.primary_color.is_none()),
            accent_color: brand.accent_color.unwrap_or(SHOWN_ACCENT).to_string(),
            accent_default: on(brand.accent_color.is_none()),
            logo_url: brand.logo_url.clone().unwrap_or_default(),
            locale: brand
                .locale
                .map(|l| l.as_str().to_owned())
                .unwrap_or_default(),
            time_zone: brand
                .time_zone
                .map(|tz| tz.name().to_owned())
                .unwrap_or_default(),
            self_signup: on(org.settings.self_signup),
            signup_domains: org
                .settings
                .signup_domains
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
            intent: String::new(),
        }
    }

    /// The change this form asks for: every field, as typed.
    fn change(&self) -> SettingsChange {
        let colour =
            |text: &str, default: &Option<String>| Some(default.is_none().then(|| text.to_owned()));
        SettingsChange {
            name: Some(self.name.clone()),
            primary_color: colour(&self.primary_color, &self.primary_default),
            accent_color: colour(&self.accent_color, &self.accent_default),
            logo_url: Some(Some(self.logo_url.clone())),
            locale: Some(Some(self.locale.clone())),
            time_zone: Some(Some(self.time_zone.clone())),
            self_signup: Some(self.self_signup.is_some()),
            signup_domains: Some(self.signup_domains.lines().map(str::to_owned).collect()),
        }
    }

    /// A colour's contrast against white, in tenths, when the field holds a colour.
    fn contrast(text: &str) -> Option<u16> {
        Rgb::parse(text).map(|c| (c.contrast(Rgb::WHITE) * 10.0).floor() as u16)
    }
}

#[derive(Template)]
#[template(path = "portal/settings.html")]
struct SettingsPage {
    chrome: Chrome,
    form: SettingsForm,
    problems: Problems,
    /// The colours' contrast against white, in tenths (as typed).
    primary_contrast: Option<u16>,
    accent_contrast: Option<u16>,
    languages: [Locale; 2],
    time_zones: &'static [Tz],
    /// Saved, or checked without problems (a preview).
    notice: Option<&'static str>,
    custom_domains: bool,
    domains: Vec<CustomDomain>,
    domain_problems: Problems,
    new_domain: String,
    /// The uploaded logo's address, if one was uploaded.
    uploaded_logo: Option<String>,
    logo_problems: Problems,
    /// The largest logo, in mebibytes.
    logo_max_mib: u64,
}

impl SettingsPage {
    fn verification_url(&self, domain: &str) -> String {
        DomainCheck::url(&domain)
    }
}

/// What the page shows besides the stored settings.
#[derive(Default)]
struct Note {
    /// The form as typed, when it comes back.
    form: Option<SettingsForm>,
    problems: Problems,
    notice: Option<&'static str>,
    domain_problems: Problems,
    new_domain: String,
    logo_problems: Problems,
}

async fn page(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    note: Note,
    status: StatusCode,
) -> Response {
    let read = async {
        let org = settings::show(&state.store, &visit.tenant, actor).await?;
        let held = domains::list(&state.store, &visit.tenant, actor).await?;
        Ok::<_, Refusal>((org, held))
    };
    match read.await {
        Ok((org, held)) => {
            let form = note.form.unwrap_or_else(|| SettingsForm::of(&org));
            let uploaded_logo = org.settings.brand.logo_file;
            let uploaded_logo = uploaded_logo.map(|id| brand_image_address(id, &visit.base));
            let page = SettingsPage {
                chrome: visit.chrome(),
                primary_contrast: SettingsForm::contrast(&form.primary_color),
                accent_contrast: SettingsForm::contrast(&form.accent_color),
                form,
                problems: note.problems,
                languages: Locale::ALL,
                time_zones: &chrono_tz::TZ_VARIANTS,
                notice: note.notice,
                custom_domains: org.custom_domains,
                domains: held,
                domain_problems: note.domain_problems,
                new_domain: note.new_domain,
                uploaded_logo,
                logo_problems: note.logo_problems,
                logo_max_mib: FilePurpose::Branding.max_bytes() / (1024 * 1024),
            };
            visit.page(status, &page)
        }
        Err(e) => visit.problem(e),
    }
}

/// The field of the settings form a refusal is about.
fn field_of(refusal: &Refusal) -> Option<&'static str> {
    let Refusal::Invalid(invalid) = refusal else {
        return None;
    };
    Some(match invalid {
        ValidationError::Empty { .. }
        | ValidationError::TooLong { .. }
        | ValidationError::ControlCharacters { .. } => "name",
        ValidationError::InvalidColor { field, .. }
        | ValidationError::LowContrast { field, .. } => field,
        ValidationError::InvalidLogoUrl(_) => "logo_url",
        ValidationError::UnknownLocale(_) => "locale",
        ValidationError::UnknownTimeZone(_) => "time_zone",
        ValidationError::InvalidDomain { .. } | ValidationError::TooMany { .. } => "signup_domains",
        _ => return None,
    })
}

/// A refusal worded for the page, next to its field when it names one.
fn problems(visit: &Visit, refusal: Refusal) -> Problems {
    match field_of(&refusal) {
        Some(field) => Problems::at(field, visit.locale.explain(refusal)),
        None => Problems::of(&visit.locale, refusal),
    }
}

/// What the settings page's address may say.
#[derive(Deserialize, Default)]
pub(crate) struct Shown {
    /// Set after saving: the page says so.
    saved: Option<String>,
}

/// The settings page.
pub(crate) async fn show(
    State(state): State<AppState>,
    visit: Visit,
    Query(shown): Query<Shown>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let note = Note {
        notice: shown.saved.map(|_| "settings-saved"),
        ..Note::default()
    };
    page(&state, &visit, &actor, note, StatusCode::OK).await
}

/// Saves the settings form, or with `intent=preview` only checks it (the contrast of its
/// colours shown); a refusal shows the form again as typed.
pub(crate) async fn save(
    State(state): State<AppState>,
    visit: Visit,
    CheckedForm(form): CheckedForm<SettingsForm>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/admin/settings"));
    };
    let outcome = if form.intent == "preview" {
        // The same checks as saving, against nothing stored: the form names every value.
        settings::show(&state.store, &visit.tenant, &actor)
            .await
            .and_then(|org| {
                form.change()
                    .apply(&org.name, &org.settings)
                    .map_err(Refusal::from)
            })
            .map(|_| "settings-previewed")
    } else {
        settings::update(&state.store, &visit.tenant, &actor, form.change())
            .await
            .map(|_| "settings-saved")
    };
    match outcome {
        Ok("settings-saved") => visit.redirect("/admin/settings?saved=1"),
        Ok(notice) => {
            let note = Note {
                form: Some(form),
                notice: Some(notice),
                ..Note::default()
            };
            page(&state, &visit, &actor, note, StatusCode::OK).await
        }
        Err(e) => match shown_in_form(&e) {
            Some(status) => {
                let note = Note {
                    problems: problems(&visit, e),
                    form: Some(form),
                    ..Note::default()
                };
                page(&state, &visit, &actor, note, status).await
            }
            None => visit.problem(e),
        },
    }
}

#[derive(Deserialize)]
pub(crate) struct DomainForm {
    #[serde(default)]
    domain: String,
}

/// Claims a custom domain; the page then shows its token to publish.
pub(crate) async fn add_domain(
    State(state): State<AppState>,
    visit: Visit,
    CheckedForm(form): CheckedForm<DomainForm>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/admin/settings"));
    };
    let base = state.config.base_domain.as_deref();
    let added = domains::add(&state.store, &visit.tenant, &actor, &form.domain, base).await;
    after_domain_change(&state, &visit, &actor, added.map(|_| ()), form.domain).await
}

/// Verifies a custom domain by fetching its verification file.
pub(crate) async fn verify_domain(
    State(state): State<AppState>,
    visit: Visit,
    CheckedForm(form): CheckedForm<DomainForm>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/admin/settings"));
    };
    let Some(check) = state.domain_check.as_ref() else {
        return visit.problem(Refusal::Internal("the domain check could not start"));
    };
    let verified = domains::verify(&state.store, &visit.tenant, &actor, &form.domain, check).await;
    after_domain_change(&state, &visit, &actor, verified.map(|_| ()), String::new()).await
}

/// Removes a custom domain.
pub(crate) async fn remove_domain(
    State(state): State<AppState>,
    visit: Visit,
    CheckedForm(form): CheckedForm<DomainForm>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/admin/settings"));
    };
    let removed = domains::remove(&state.store, &visit.tenant, &actor, &form.domain).await;
    after_domain_change(&state, &visit, &actor, removed, String::new()).await
}

async fn after_domain_change(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    outcome: Result<(), Refusal>,
    typed: String,
) -> Response {
    match outcome {
        Ok(()) => visit.redirect("/admin/settings#domains"),
        Err(e) => {
            let status = match &e {
                Refusal::NotFound { .. } => Some(StatusCode::NOT_FOUND),
                Refusal::Forbidden { code, .. } if *code == "PLAN_FEATURE_UNAVAILABLE" => {
                    Some(StatusCode::FORBIDDEN)
                }
                _ => shown_in_form(&e),
            };
            match status {
                Some(status) => {
                    let note = Note {
                        domain_problems: Problems::at("domain", visit.locale.explain(e)),
                        new_domain: typed,
                        ..Note::default()
                    };
                    page(state, visit, actor, note, status).await
                }
                None => visit.problem(e),
            }
        }
    }
}

/// Uploads the organisation's logo sent with the form (`multipart/form-data`: `csrf`, then
/// `file`), streamed into storage, then shows the page again.
pub(crate) async fn upload_logo(
    State(state): State<AppState>,
    visit: Visit,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/admin/settings"));
    };
    let mut form = match upload_form(&visit, form).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    let (name, content_type, field) = match file_field(&visit, &mut form).await {
        Ok(file) => file,
        Err(refused) => return refused,
    };
    let storage = match storage(&state) {
        Ok(storage) => storage,
        Err(e) => return visit.problem(e),
    };
    let request = LogoUpload {
        name: &name,
        content_type: &content_type,
        length: None,
    };
    let uploaded = files::upload_logo(storage, &visit.tenant, &actor, request, field).await;
    after_logo_change(&state, &visit, &actor, uploaded.map(|_| ())).await
}

/// Removes the organisation's uploaded logo.
pub(crate) async fn remove_logo(
    State(state): State<AppState>,
    visit: Visit,
    _: CheckedForm<Protected>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/admin/settings"));
    };
    let storage = match storage(&state) {
        Ok(storage) => storage,
        Err(e) => return visit.problem(e),
    };
    let removed = files::remove_logo(storage, &visit.tenant, &actor).await;
    after_logo_change(&state, &visit, &actor, removed).await
}

async fn after_logo_change(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    outcome: Result<(), Refusal>,
) -> Response {
    match outcome {
        Ok(()) => visit.redirect("/admin/settings#logo"),
        Err(e @ (Refusal::Internal(_) | Refusal::Store(_))) => visit.problem(e),
        Err(e) => {
            let status = refusal_status(&e);
            let note = Note {
                logo_problems: Problems::at("file", visit.locale.explain(e)),
                ..Note::default()
            };
            page(state, visit, actor, note, status).await
        }
    }
}
