//! What a tenant's admins set for their organisation ([`TenantSettings`]): its brand (colours,
//! logo, language, time zone), whether people may sign themselves up, and from which e-mail
//! domains. Read leniently from the JSON the directory keeps (what cannot be used is left
//! out, as [`crate::Branding`] does), and changed only through [`SettingsChange::apply`],
//! which checks every value strictly and words each refusal by its field.

use crate::branding::{safe_url, Rgb, FOCUS_CONTRAST, LINK_CONTRAST};
use crate::error::{required_text, shown, ValidationError};
use crate::{DomainName, Email, FileId, Locale};
use chrono_tz::Tz;
use serde_json::{Map, Value};

/// Longest organisation name.
pub const MAX_NAME_CHARS: usize = 200;
/// Most e-mail domains a tenant may admit to self sign-up.
pub const MAX_SIGNUP_DOMAINS: usize = 50;

/// The brand a tenant chose; `None` takes Lyceum's default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BrandChoice {
    pub primary_color: Option<Rgb>,
    pub accent_color: Option<Rgb>,
    /// An `https://` address or a path on this server (see [`crate::Branding`]).
    pub logo_url: Option<String>,
    /// An uploaded logo (a file of purpose `branding`), shown instead of `logo_url`. Set and
    /// cleared only by uploading and removing the logo, never by a [`SettingsChange`].
    pub logo_file: Option<FileId>,
    pub locale: Option<Locale>,
    pub time_zone: Option<Tz>,
}

/// A tenant's settings as its admins see and change them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TenantSettings {
    pub brand: BrandChoice,
    /// May people create their own (student) account?
    pub self_signup: bool,
    /// E-mail domains self sign-up admits; empty admits every address.
    pub signup_domains: Vec<DomainName>,
}

impl TenantSettings {
    /// The settings in the directory's JSON; unusable values are left out.
    pub fn read(settings: &Value) -> TenantSettings {
        let branding = settings.get("branding");
        let text = |key: &str| branding.and_then(|b| b.get(key)).and_then(Value::as_str);
        TenantSettings {
            brand: BrandChoice {
                primary_color: text("primary_color").and_then(Rgb::parse),
                accent_color: text("accent_color").and_then(Rgb::parse),
                logo_url: text("logo_url")
                    .filter(|url| safe_url(url))
                    .map(str::to_owned),
                logo_file: text("logo_file").and_then(|id| id.parse().ok()),
                locale: text("locale").and_then(Locale::from_tag),
                time_zone: text("time_zone").and_then(|name| name.parse().ok()),
            },
            self_signup: settings.get("self_signup").and_then(Value::as_bool) == Some(true),
            signup_domains: settings
                .get("signup_domains")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter_map(|d| DomainName::parse(d).ok())
                .collect(),
        }
    }

    /// Writes these settings into the directory's JSON, keeping keys they do not own.
    pub fn write_into(&self, settings: &mut Value) {
        if !settings.is_object() {
            *settings = Value::Object(Map::new());
        }
        let Value::Object(object) = settings else {
            return;
        };
        let mut branding = match object.remove("branding") {
            Some(Value::Object(branding)) => branding,
            _ => Map::new(),
        };
        let brand = &self.brand;
        let mut put = |key: &str, value: Option<String>| match value {
            Some(value) => {
                branding.insert(key.to_owned(), Value::String(value));
            }
            None => {
                branding.remove(key);
            }
        };
        put("primary_color", brand.primary_color.map(|c| c.to_string()));
        put("accent_color", brand.accent_color.map(|c| c.to_string()));
        put("logo_url", brand.logo_url.clone());
        put("logo_file", brand.logo_file.map(|id| id.to_string()));
        put("locale", brand.locale.map(|l| l.as_str().to_owned()));
        put("time_zone", brand.time_zone.map(|tz| tz.name().to_owned()));
        object.insert("branding".to_owned(), Value::Object(branding));
        object.insert("self_signup".to_owned(), Value::Bool(self.self_signup));
        object.insert(
            "signup_domains".to_owned(),
            self.signup_domains
                .iter()
                .map(|d| Value::String(d.to_string()))
                .collect(),
        );
    }

    /// Does self sign-up admit `email`: every address when no domain is listed, else those of
    /// a listed domain exactly?
    pub fn admits(&self, email: &Email) -> bool {
        if self.signup_domains.is_empty() {
            return true;
        }
        let domain = email.as_str().rsplit_once('@').map(|(_, d)| d);
        domain
            .and_then(|d| DomainName::parse(d).ok())
            .is_some_and(|d| self.signup_domains.contains(&d))
    }
}

/// A change to a tenant's name and settings, as asked (text as typed). `None` leaves a value
/// as it is; `Some(None)` or blank text clears an optional one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsChange {
    pub name: Option<String>,
    pub primary_color: Option<Option<String>>,
    pub accent_color: Option<Option<String>>,
    pub logo_url: Option<Option<String>>,
    pub locale: Option<Option<String>>,
    pub time_zone: Option<Option<String>>,
    pub self_signup: Option<bool>,
    pub signup_domains: Option<Vec<String>>,
}

/// The text of an optional field, blank being none.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl SettingsChange {
    /// The name and settings after this change, every value checked: a colour is `#rrggbb`
    /// or `#rgb`, the primary colour readable as link text on white (4.5:1) and the accent as a
    /// focus outline (3:1), the logo an `https://` address or a path on this server, the
    /// locale one Lyceum speaks, the time zone an IANA name, each domain a host name.
    pub fn apply(
        self,
        name: &str,
        current: &TenantSettings,
    ) -> Result<(String, TenantSettings), ValidationError> {
        let name = match &self.name {
            Some(new) => organisation_name(new)?,
            None => name.to_owned(),
        };
        let mut next = current.clone();
        let brand = &mut next.brand;
        if let Some(value) = &self.primary_color {
            brand.primary_color = colour("primary_color", given(value), LINK_CONTRAST)?;
        }
        if let Some(value) = &self.accent_color {
            brand.accent_color = colour("accent_color", given(value), FOCUS_CONTRAST)?;
        }
        if let Some(value) = &self.logo_url {
            brand.logo_url = match given(value) {
                None => None,
                Some(url) if safe_url(url) => Some(url.to_owned()),
                Some(url) => return Err(ValidationError::InvalidLogoUrl(shown(url))),
            };
        }
        if let Some(value) = &self.locale {
            brand.locale = match given(value) {
                None => None,
                Some(tag) => Some(
                    Locale::from_tag(tag)
                        .filter(|_| tag.len() <= 35)
                        .ok_or_else(|| ValidationError::UnknownLocale(shown(tag)))?,
                ),
            };
        }
        if let Some(value) = &self.time_zone {
            brand.time_zone = match given(value) {
                None => None,
                Some(zone) => Some(
                    zone.parse::<Tz>()
                        .map_err(|_| ValidationError::UnknownTimeZone(shown(zone)))?,
                ),
            };
        }
        if let Some(on) = self.self_signup {
            next.self_signup = on;
        }
        if let Some(domains) = &self.signup_domains {
            let mut parsed = Vec::with_capacity(domains.len());
            for domain in domains.iter().filter(|d| !d.trim().is_empty()) {
                let domain = DomainName::parse(domain)?;
                if !parsed.contains(&domain) {
                    parsed.push(domain);
                }
            }
            if parsed.len() > MAX_SIGNUP_DOMAINS {
                return Err(ValidationError::TooMany {
                    field: "signup_domains",
                    max: MAX_SIGNUP_DOMAINS,
                });
            }
            next.signup_domains = parsed;
        }
        Ok((name, next))
    }
}

/// An organisation's name: trimmed, not empty, at most [`MAX_NAME_CHARS`], no control
/// characters (markup is kept as text; pages escape it).
pub fn organisation_name(text: &str) -> Result<String, ValidationError> {
    let name = required_text("name", text, MAX_NAME_CHARS)?;
    if name.chars().any(char::is_control) {
        return Err(ValidationError::ControlCharacters { field: "name" });
    }
    Ok(name)
}

/// A colour as typed, checked against white at `ratio`; none when blank.
fn colour(
    field: &'static str,
    text: Option<&str>,
    ratio: f64,
) -> Result<Option<Rgb>, ValidationError> {
    let Some(text) = text else {
        return Ok(None);
    };
    let colour = Rgb::parse(text).ok_or_else(|| ValidationError::InvalidColor {
        field,
        value: shown(text),
    })?;
    let contrast = colour.contrast(Rgb::WHITE);
    if contrast < ratio {
        return Err(ValidationError::LowContrast {
            field,
            tenths: (contrast * 10.0).floor() as u16,
            needed_tenths: (ratio * 10.0).round() as u16,
        });
    }
    Ok(Some(colour))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change() -> SettingsChange {
        SettingsChange::default()
    }

    #[test]
    fn a_change_is_checked_and_written_back_keeping_other_keys() {
        let stored = json!({"branding": {"primary_color": "#0B5FFF", "extra": 1}, "other": true});
        let current = TenantSettings::read(&stored);
        assert_eq!(current.brand.primary_color, Some(Rgb(0x0b, 0x5f, 0xff)));
        let asked = SettingsChange {
            name: Some("  Acme Learning ".into()),
            accent_color: Some(Some("#b25e00".into())),
            primary_color: Some(Some(String::new())),
            locale: Some(Some("fr-CA".into())),
            time_zone: Some(Some("Europe/Paris".into())),
            self_signup: Some(true),
            signup_domains: Some(vec!["Acme.TEST".into(), "acme.test".into(), " ".into()]),
            ..change()
        };
        let (name, next) = asked.apply("Acme", &current).unwrap();
        assert_eq!(name, "Acme Learning");
        assert_eq!(next.brand.primary_color, None, "blank clears");
        assert_eq!(next.brand.locale, Some(Locale::Fr));
        assert_eq!(next.signup_domains.len(), 1);
        let mut written = stored.clone();
        next.write_into(&mut written);
        assert_eq!(written["other"], json!(true));
        assert_eq!(written["branding"]["extra"], json!(1));
        assert_eq!(written["branding"]["locale"], json!("fr"));
        assert_eq!(written["branding"].get("primary_color"), None);
        assert_eq!(written["signup_domains"], json!(["acme.test"]));
        assert_eq!(TenantSettings::read(&written), next);
    }

    #[test]
    fn bad_values_are_refused_by_field() {
        let current = TenantSettings::default();
        let refused = |asked: SettingsChange| asked.apply("Acme", &current).unwrap_err();
        let text = |v: &str| Some(Some(v.to_owned()));
        let e = refused(SettingsChange {
            primary_color: text("red"),
            ..change()
        });
        assert_eq!(e.code(), "INVALID_COLOR");
        let e = refused(SettingsChange {
            primary_color: text("#ffee00"),
            ..change()
        });
        assert_eq!(e.code(), "LOW_CONTRAST");
        assert!(e.to_string().contains("4.5:1"), "{e}");
        let e = refused(SettingsChange {
            accent_color: text("#fafafa"),
            ..change()
        });
        assert_eq!(e.code(), "LOW_CONTRAST");
        for url in [
            "http://x.test/logo.png",
            "javascript:alert(1)",
            "https://x/\"><b>",
        ] {
            let e = refused(SettingsChange {
                logo_url: text(url),
                ..change()
            });
            assert_eq!(e.code(), "INVALID_LOGO_URL", "{url}");
        }
        let e = refused(SettingsChange {
            locale: text("de"),
            ..change()
        });
        assert_eq!(e.code(), "UNKNOWN_LOCALE");
        let e = refused(SettingsChange {
            time_zone: text("Mars/Olympus_Mons"),
            ..change()
        });
        assert_eq!(e.code(), "UNKNOWN_TIME_ZONE");
        let e = refused(SettingsChange {
            signup_domains: Some(vec!["10.0.0.1".into()]),
            ..change()
        });
        assert_eq!(e.code(), "INVALID_DOMAIN");
        let e = refused(SettingsChange {
            name: Some("A\0B".into()),
            ..change()
        });
        assert_eq!(e.code(), "VALIDATION_FAILED");
        let many = (0..=MAX_SIGNUP_DOMAINS)
            .map(|i| format!("d{i}.test"))
            .collect();
        let e = refused(SettingsChange {
            signup_domains: Some(many),
            ..change()
        });
        assert_eq!(e.code(), "VALIDATION_FAILED");
    }

    #[test]
    fn sign_up_admits_listed_domains_only() {
        let open = TenantSettings::default();
        let email = Email::parse("sam@acme.test").unwrap();
        assert!(open.admits(&email));
        let listed = TenantSettings {
            signup_domains: vec![DomainName::parse("acme.test").unwrap()],
            ..open
        };
        assert!(listed.admits(&email));
        assert!(!listed.admits(&Email::parse("sam@evil.test").unwrap()));
        assert!(!listed.admits(&Email::parse("sam@sub.acme.test").unwrap()));
    }
}
