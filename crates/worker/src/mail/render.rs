//! Writing a message: a [`Letter`] becomes a multipart e-mail (plain text and HTML) in the
//! recipient's language and the tenant's branding. The words are the mail catalogues' (Fluent,
//! `crates/worker/locales/<locale>/mail.ftl`, compiled in), the shape is one layout per
//! format (askama, `crates/worker/templates/mail/letter.{html,txt}`: the HTML one escapes every
//! value), and each kind says which words and links it shows ([`compose`]).
//!
//! What comes from people (names, course titles) never shapes the message: control characters
//! are dropped from it before it is used, so a line break in a name cannot start a header, and
//! HTML escaping keeps markup in it inert.

use crate::WorkError;
use askama::Template;
use chrono::{DateTime, Datelike, Utc};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::Message;
use lyceum_app::mail::{Body, CourseLine, Letter};
use lyceum_domain::{brand_image_path, Branding, Locale, Slug};

type Bundle = FluentBundle<FluentResource>;

/// The Fluent source of a locale. A new language is an arm here, a `mail.ftl` beside the
/// others, and a variant of [`Locale`].
fn source(locale: Locale) -> &'static str {
    match locale {
        Locale::En => include_str!("../../locales/en/mail.ftl"),
        Locale::Fr => include_str!("../../locales/fr/mail.ftl"),
    }
}

/// Every locale's mail messages, parsed once when the worker is built.
pub(crate) struct Catalogue {
    /// In the order of [`Locale::ALL`].
    bundles: Vec<Bundle>,
}

impl Catalogue {
    pub(crate) fn embedded() -> Catalogue {
        let bundles = Locale::ALL
            .into_iter()
            .map(|locale| {
                let tag = locale.as_str().parse().unwrap_or_default();
                let mut bundle = Bundle::new_concurrent(vec![tag]);
                bundle.set_use_isolating(false);
                let resource = FluentResource::try_new(source(locale).to_owned()).unwrap_or_else(
                    |(resource, errors)| {
                        tracing::error!(?errors, %locale, "the mail catalogue has errors");
                        resource
                    },
                );
                if let Err(errors) = bundle.add_resource(resource) {
                    tracing::error!(?errors, %locale, "the mail catalogue repeats messages");
                }
                bundle
            })
            .collect();
        Catalogue { bundles }
    }

    /// Message `id` in `locale`; a message missing or broken there fails the writing (the
    /// tests write every kind in every language, so none is missing in a release).
    fn msg(&self, locale: Locale, id: &str, args: &[(&str, Arg)]) -> Result<String, WorkError> {
        let index = Locale::ALL.iter().position(|l| *l == locale).unwrap_or(0);
        let bundle = &self.bundles[index];
        let missing = || WorkError::Permanent(format!("the {locale} mail catalogue lacks {id}"));
        let pattern = bundle
            .get_message(id)
            .and_then(|m| m.value())
            .ok_or_else(missing)?;
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            match value {
                Arg::Text(text) => fluent_args.set(*name, FluentValue::from(text.as_str())),
                Arg::Number(n) => fluent_args.set(*name, FluentValue::from(*n)),
            }
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
        if !errors.is_empty() {
            return Err(WorkError::Permanent(format!(
                "the {locale} mail message {id} is broken: {errors:?}"
            )));
        }
        Ok(text.into_owned())
    }
}

/// A value given to a message.
enum Arg {
    Text(String),
    Number(i64),
}

fn text(value: impl Into<String>) -> Arg {
    Arg::Text(value.into())
}

/// Where the messages' links lead: the portal of the tenant, under `base`
/// (`https://lms.example/t/<slug>/...`).
#[derive(Debug, Clone)]
pub(crate) struct Links {
    pub(crate) base: String,
}

/// The link of an invitation to tenant `slug`, with the portal under `base`: what the
/// invitation mail carries (and what the `lyceum` command shows the operator).
pub fn invitation_link(base: &str, slug: &Slug, token: &str) -> String {
    let links = Links {
        base: base.to_owned(),
    };
    links.portal(slug, &format!("/accept-invitation?token={}", query(token)))
}

impl Links {
    fn portal(&self, tenant: &Slug, path: &str) -> String {
        format!("{}/t/{}{}", self.base.trim_end_matches('/'), tenant, path)
    }

    /// A logo given as a path of this server becomes an address a mail reader can load.
    fn logo(&self, logo: &str) -> String {
        if logo.starts_with('/') {
            format!("{}{}", self.base.trim_end_matches('/'), logo)
        } else {
            logo.to_owned()
        }
    }
}

/// What the layouts show.
#[derive(Template)]
#[template(path = "mail/letter.html")]
struct HtmlLetter<'a> {
    view: &'a View,
}

#[derive(Template)]
#[template(path = "mail/letter.txt")]
struct TextLetter<'a> {
    view: &'a View,
}

// The layouts name the view's fields directly.
impl std::ops::Deref for HtmlLetter<'_> {
    type Target = View;
    fn deref(&self) -> &View {
        self.view
    }
}

impl std::ops::Deref for TextLetter<'_> {
    type Target = View;
    fn deref(&self) -> &View {
        self.view
    }
}

/// A message, worded, before it takes a format.
pub(crate) struct View {
    lang: &'static str,
    tenant: String,
    primary: String,
    on_primary: String,
    accent: String,
    logo_url: Option<String>,
    subject: String,
    greeting: String,
    paragraphs: Vec<String>,
    items: Vec<Item>,
    action: Option<Action>,
    notes: Vec<String>,
    link_hint: String,
    signature: String,
    footer: String,
}

struct Item {
    title: String,
    detail: String,
    url: String,
}

struct Action {
    label: String,
    url: String,
}

/// One line of people's text, safe anywhere in a message: control characters (line breaks,
/// NUL) become spaces, runs of spaces one, and it is trimmed.
pub(crate) fn one_line(text: &str) -> String {
    let spaced: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The message of `letter`, from `from`, for `tenant`.
pub(crate) fn message(
    catalogue: &Catalogue,
    links: &Links,
    from: &Mailbox,
    tenant: (&Slug, &str),
    letter: &Letter,
) -> Result<Message, WorkError> {
    let view = compose(catalogue, links, tenant, letter)?;
    let html = HtmlLetter { view: &view }
        .render()
        .map_err(|e| WorkError::Permanent(format!("the HTML mail layout failed: {e}")))?;
    let plain = TextLetter { view: &view }
        .render()
        .map_err(|e| WorkError::Permanent(format!("the text mail layout failed: {e}")))?;
    let name = one_line(&letter.name);
    let to = Mailbox::new(
        (!name.is_empty()).then_some(name),
        letter
            .to
            .as_str()
            .parse()
            .map_err(|e| WorkError::Permanent(format!("an unusable recipient address: {e}")))?,
    );
    let mut from = from.clone();
    if from.name.is_none() {
        from.name = Some(view.tenant.clone());
    }
    Message::builder()
        .from(from)
        .to(to)
        .subject(view.subject.clone())
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".to_owned(),
        ))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Content-Language"),
            view.lang.to_owned(),
        ))
        .multipart(MultiPart::alternative_plain_html(plain, html))
        .map_err(|e| WorkError::Permanent(format!("the message could not be built: {e}")))
}

/// The words, links and colours of `letter`'s message.
fn compose(
    catalogue: &Catalogue,
    links: &Links,
    (slug, tenant_name): (&Slug, &str),
    letter: &Letter,
) -> Result<View, WorkError> {
    let locale = letter.locale;
    let msg = |id: &str, args: &[(&str, Arg)]| catalogue.msg(locale, id, args);
    let tenant = one_line(tenant_name);
    let branding = &letter.branding;
    let when = |at: DateTime<Utc>| date_time(catalogue, locale, branding, at);
    let day = |at: DateTime<Utc>| date(catalogue, locale, branding, at);
    let of_tenant = || [("tenant", text(&tenant))];
    let mut paragraphs = Vec::new();
    let mut notes = Vec::new();
    let mut items = Vec::new();
    let (subject, action) = match &letter.body {
        Body::Invitation { token, expires_at } => {
            paragraphs.push(msg("invitation-body", &of_tenant())?);
            notes.push(msg(
                "invitation-expiry",
                &[("when", text(when(*expires_at)?))],
            )?);
            notes.push(msg("ignore", &[])?);
            let url = invitation_link(&links.base, slug, token.expose());
            let label = msg("invitation-action", &[])?;
            (
                msg("invitation-subject", &of_tenant())?,
                Some(Action { label, url }),
            )
        }
        Body::PasswordReset { token, expires_at } => {
            paragraphs.push(msg("password-reset-body", &of_tenant())?);
            notes.push(msg(
                "password-reset-expiry",
                &[("when", text(when(*expires_at)?))],
            )?);
            notes.push(msg("ignore", &[])?);
            let url = links.portal(
                slug,
                &format!("/reset-password?token={}", query(token.expose())),
            );
            let label = msg("password-reset-action", &[])?;
            (
                msg("password-reset-subject", &of_tenant())?,
                Some(Action { label, url }),
            )
        }
        Body::AccountLocked { until } => {
            paragraphs.push(msg(
                "account-locked-body",
                &[("when", text(when(*until)?))],
            )?);
            paragraphs.push(msg("account-locked-advice", &[])?);
            let url = links.portal(slug, "/sign-in");
            let label = msg("account-locked-action", &[])?;
            (
                msg("account-locked-subject", &of_tenant())?,
                Some(Action { label, url }),
            )
        }
        Body::DueReminder { course } => {
            let title = one_line(&course.title);
            let due = course.due_at.map(day).transpose()?.unwrap_or_default();
            let args = [
                ("course", text(&title)),
                ("date", text(&due)),
                ("percent", Arg::Number(i64::from(course.progress_percent))),
            ];
            paragraphs.push(msg("due-reminder-body", &args)?);
            let url = links.portal(slug, &format!("/learn/courses/{}", course.course_id));
            let label = msg("due-reminder-action", &[])?;
            (
                msg("due-reminder-subject", &args)?,
                Some(Action { label, url }),
            )
        }
        Body::Digest { courses } => {
            paragraphs.push(msg("digest-body", &[])?);
            for course in courses {
                items.push(digest_item(&msg, &day, links, slug, course)?);
            }
            let url = links.portal(slug, "/learn");
            let label = msg("digest-action", &[])?;
            (
                msg("digest-subject", &of_tenant())?,
                Some(Action { label, url }),
            )
        }
        Body::WebhookDisabled {
            url: endpoint,
            failing_since,
            last_error,
        } => {
            let endpoint = one_line(endpoint);
            let since = failing_since.map(when).transpose()?.unwrap_or_default();
            paragraphs.push(msg(
                "webhook-disabled-body",
                &[("url", text(&endpoint)), ("since", text(since))],
            )?);
            if let Some(error) = last_error {
                paragraphs.push(msg(
                    "webhook-disabled-error",
                    &[("error", text(one_line(error)))],
                )?);
            }
            paragraphs.push(msg("webhook-disabled-advice", &[])?);
            let url = links.portal(slug, "/admin/webhooks");
            let label = msg("webhook-disabled-action", &[])?;
            (
                msg("webhook-disabled-subject", &of_tenant())?,
                Some(Action { label, url }),
            )
        }
        Body::GradePosted {
            course_id,
            course,
            assignment,
            score,
            max_score,
            passed,
        } => {
            let args = [
                ("course", text(one_line(course))),
                ("assignment", text(one_line(assignment))),
                ("score", text(score.to_string())),
                ("max", text(max_score.to_string())),
            ];
            paragraphs.push(msg("grade-posted-body", &args)?);
            paragraphs.push(msg(
                if *passed {
                    "grade-posted-passed"
                } else {
                    "grade-posted-not-passed"
                },
                &[],
            )?);
            let url = links.portal(slug, &format!("/learn/courses/{course_id}"));
            let label = msg("grade-posted-action", &[])?;
            (
                msg("grade-posted-subject", &args)?,
                Some(Action { label, url }),
            )
        }
    };
    Ok(View {
        lang: locale.as_str(),
        greeting: msg("greeting", &[("name", text(one_line(&letter.name)))])?,
        subject: one_line(&subject),
        paragraphs,
        items,
        action,
        notes,
        link_hint: msg("link-hint", &[])?,
        signature: msg("signature", &of_tenant())?,
        footer: msg("footer", &of_tenant())?,
        primary: branding.primary.to_string(),
        on_primary: branding.primary.readable_text().to_string(),
        accent: branding.accent.to_string(),
        logo_url: match branding.logo_file {
            Some(id) => Some(links.portal(slug, &brand_image_path(id))),
            None => branding.logo_url.as_deref().map(|logo| links.logo(logo)),
        },
        tenant,
    })
}

fn digest_item(
    msg: &impl Fn(&str, &[(&str, Arg)]) -> Result<String, WorkError>,
    day: &impl Fn(DateTime<Utc>) -> Result<String, WorkError>,
    links: &Links,
    slug: &Slug,
    course: &CourseLine,
) -> Result<Item, WorkError> {
    let percent = ("percent", Arg::Number(i64::from(course.progress_percent)));
    let detail = match course.due_at {
        Some(due) => msg("digest-progress-due", &[percent, ("date", text(day(due)?))])?,
        None => msg("digest-progress", &[percent])?,
    };
    Ok(Item {
        title: one_line(&course.title),
        detail,
        url: links.portal(slug, &format!("/learn/courses/{}", course.course_id)),
    })
}

/// A day in the tenant's time zone, worded in `locale`.
fn date(
    catalogue: &Catalogue,
    locale: Locale,
    branding: &Branding,
    at: DateTime<Utc>,
) -> Result<String, WorkError> {
    let local = at.with_timezone(&branding.time_zone);
    let month = catalogue.msg(locale, &format!("month-{}", local.month()), &[])?;
    catalogue.msg(
        locale,
        "date",
        &[
            ("day", Arg::Number(i64::from(local.day()))),
            ("month", text(month)),
            ("year", text(local.year().to_string())),
        ],
    )
}

/// A moment in the tenant's time zone, worded in `locale`, the zone named.
fn date_time(
    catalogue: &Catalogue,
    locale: Locale,
    branding: &Branding,
    at: DateTime<Utc>,
) -> Result<String, WorkError> {
    let local = at.with_timezone(&branding.time_zone);
    let day = date(catalogue, locale, branding, at)?;
    catalogue.msg(
        locale,
        "date-time",
        &[
            ("date", text(day)),
            ("time", text(local.format("%H:%M").to_string())),
            ("zone", text(branding.time_zone.name())),
        ],
    )
}

/// `text` as a URL query value.
fn query(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;
    use lyceum_app::mail::CourseLine;
    use lyceum_domain::{CourseId, Email, MailKind, MailToken};

    fn kind(letter: &Letter) -> MailKind {
        match letter.body {
            Body::Invitation { .. } => MailKind::Invitation,
            Body::PasswordReset { .. } => MailKind::PasswordReset,
            Body::AccountLocked { .. } => MailKind::AccountLocked,
            Body::DueReminder { .. } => MailKind::DueReminder,
            Body::Digest { .. } => MailKind::Digest,
            Body::WebhookDisabled { .. } => MailKind::WebhookDisabled,
            Body::GradePosted { .. } => MailKind::GradePosted,
        }
    }

    fn letters(locale: Locale) -> Vec<Letter> {
        let course = CourseLine {
            course_id: CourseId::new(),
            title: "Safety <b>first</b>\r\nBcc: eve@evil.test\0".to_owned(),
            progress_percent: 40,
            due_at: Some(Utc::now()),
        };
        let bodies = [
            Body::Invitation {
                token: MailToken::new("tok+en/"),
                expires_at: Utc::now(),
            },
            Body::PasswordReset {
                token: MailToken::new("reset"),
                expires_at: Utc::now(),
            },
            Body::AccountLocked { until: Utc::now() },
            Body::DueReminder {
                course: course.clone(),
            },
            Body::Digest {
                courses: vec![
                    course.clone(),
                    CourseLine {
                        due_at: None,
                        ..course
                    },
                ],
            },
            Body::WebhookDisabled {
                url: "https://hooks.example/lyceum".to_owned(),
                failing_since: Some(Utc::now()),
                last_error: Some("503 Service Unavailable\r\nBcc: eve@evil.test".to_owned()),
            },
            Body::GradePosted {
                course_id: CourseId::new(),
                course: "Safety <b>first</b>\r\nBcc: eve@evil.test".to_owned(),
                assignment: "Essay <script>x</script>".to_owned(),
                score: lyceum_domain::assessment::Points::from_hundredths(750),
                max_score: lyceum_domain::assessment::Points::whole(9),
                passed: true,
            },
        ];
        bodies
            .into_iter()
            .map(|body| Letter {
                to: Email::parse("ada@example.test").unwrap(),
                name: "Ada".to_owned(),
                locale,
                branding: Branding::from_settings(&serde_json::json!({})),
                body,
            })
            .collect()
    }

    #[test]
    fn every_kind_is_worded_in_every_language() {
        let catalogue = Catalogue::embedded();
        let links = Links {
            base: "https://lms.example/".to_owned(),
        };
        let from: Mailbox = "Lyceum <no-reply@lms.example>".parse().unwrap();
        let slug = Slug::parse("acme").unwrap();
        for locale in Locale::ALL {
            let mut kinds = Vec::new();
            for letter in letters(locale) {
                let view = compose(&catalogue, &links, (&slug, "Acme"), &letter).unwrap();
                assert!(!view.subject.is_empty());
                message(&catalogue, &links, &from, (&slug, "Acme"), &letter).unwrap();
                kinds.push(kind(&letter));
            }
            assert_eq!(kinds, MailKind::ALL, "{locale}");
        }
    }

    #[test]
    fn a_course_title_is_escaped_in_html_and_cannot_break_the_subject() {
        let catalogue = Catalogue::embedded();
        let links = Links {
            base: "https://lms.example".to_owned(),
        };
        let from: Mailbox = "no-reply@lms.example".parse().unwrap();
        let slug = Slug::parse("acme").unwrap();
        let reminder = letters(Locale::En).remove(3);
        let message = message(&catalogue, &links, &from, (&slug, "Acme"), &reminder).unwrap();
        let raw = String::from_utf8(message.formatted()).unwrap();
        let head = raw.split("\r\n\r\n").next().unwrap();
        assert!(!head.lines().any(|l| l.starts_with("Bcc:")), "{head}");
        assert!(!raw.contains('\0'));
        let view = compose(&catalogue, &links, (&slug, "Acme"), &reminder).unwrap();
        assert!(view
            .subject
            .starts_with("Reminder: Safety <b>first</b> Bcc: eve@evil.test is due"));
        let html = HtmlLetter { view: &view }.render().unwrap();
        assert!(!html.contains("<b>first</b>"));
        assert!(html.contains("Safety &#60;b&#62;first&#60;/b&#62; Bcc: eve@evil.test"));
    }

    #[test]
    fn an_uploaded_logo_is_loaded_from_the_tenants_portal_before_a_logo_address() {
        let catalogue = Catalogue::embedded();
        let links = Links {
            base: "https://lms.example/".to_owned(),
        };
        let slug = Slug::parse("acme").unwrap();
        let mut letter = letters(Locale::En).remove(0);
        let logo = |letter: &Letter| {
            compose(&catalogue, &links, (&slug, "Acme"), letter)
                .unwrap()
                .logo_url
        };
        assert_eq!(logo(&letter), None);
        letter.branding.logo_url = Some("/media/acme.png".to_owned());
        assert_eq!(
            logo(&letter).as_deref(),
            Some("https://lms.example/media/acme.png")
        );
        let uploaded = lyceum_domain::FileId::new();
        letter.branding.logo_file = Some(uploaded);
        assert_eq!(
            logo(&letter),
            Some(format!(
                "https://lms.example/t/acme/api/v1/branding/{uploaded}"
            ))
        );
    }

    #[test]
    fn people_text_loses_its_control_characters() {
        assert_eq!(
            one_line("Ada\r\nBcc: eve@evil.test\0 "),
            "Ada Bcc: eve@evil.test"
        );
        assert_eq!(query("a+b/c=="), "a%2Bb%2Fc%3D%3D");
    }
}
