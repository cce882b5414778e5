//! A tenant's branding: its colours, logo, language and time zone, read from its settings and
//! checked, so that what reaches a page (a CSS custom property, an image address) is always
//! safe there and readable: text on the brand colour takes whichever of black or white
//! contrasts more.

use crate::{FileId, Locale};
use chrono_tz::Tz;
use serde_json::Value;

/// Lyceum's own colours, for a tenant that names none (or none usable).
const DEFAULT_PRIMARY: Rgb = Rgb(0x1f, 0x4e, 0x9c);
const DEFAULT_ACCENT: Rgb = Rgb(0xb2, 0x5e, 0x00);

/// How much a link colour must contrast with the white page (WCAG 2.1 AA, normal text).
pub(crate) const LINK_CONTRAST: f64 = 4.5;
/// How much a focus outline must contrast with the white page (WCAG 2.1, non-text).
pub(crate) const FOCUS_CONTRAST: f64 = 3.0;

/// A colour `#rrggbb`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub const WHITE: Rgb = Rgb(255, 255, 255);

    /// `#rrggbb` (or `#rgb`), case-insensitive; anything else is no colour.
    pub fn parse(text: &str) -> Option<Rgb> {
        let hex = text.trim().strip_prefix('#')?;
        let digit = |i: usize, len: usize| u8::from_str_radix(hex.get(i..i + len)?, 16).ok();
        match hex.len() {
            6 => Some(Rgb(digit(0, 2)?, digit(2, 2)?, digit(4, 2)?)),
            3 => Some(Rgb(digit(0, 1)? * 17, digit(1, 1)? * 17, digit(2, 1)? * 17)),
            _ => None,
        }
    }

    /// Relative luminance (WCAG 2.1).
    fn luminance(self) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(self.0) + 0.7152 * channel(self.1) + 0.0722 * channel(self.2)
    }

    /// WCAG contrast ratio between two colours (1 to 21).
    pub fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    /// Black or white, whichever is more readable on this colour.
    pub fn readable_text(self) -> Rgb {
        let (black, white) = (Rgb(0, 0, 0), Rgb(255, 255, 255));
        if self.contrast(black) >= self.contrast(white) {
            black
        } else {
            white
        }
    }

    /// This colour if text of `text` colour on it reaches `ratio`; else darkened until it does.
    fn readable_under(self, text: Rgb, ratio: f64) -> Rgb {
        let mut colour = self;
        for _ in 0..20 {
            if colour.contrast(text) >= ratio {
                return colour;
            }
            let darker = |c: u8| (f64::from(c) * 0.85) as u8;
            colour = Rgb(darker(colour.0), darker(colour.1), darker(colour.2));
        }
        colour
    }
}

impl std::fmt::Display for Rgb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// What a tenant's pages look like.
#[derive(Debug, Clone, PartialEq)]
pub struct Branding {
    /// Buttons, links and the header; as used, readable as link text on white (4.5:1).
    pub primary: Rgb,
    pub accent: Rgb,
    /// An `https://` address or a path on this server; never anything a page could run.
    pub logo_url: Option<String>,
    /// An uploaded logo (a file of purpose `branding`), shown instead of `logo_url`.
    pub logo_file: Option<FileId>,
    /// The language of the tenant's pages (its `locale`, a BCP 47 tag such as `fr-CA`), when
    /// it is one Lyceum speaks; otherwise each visitor's own.
    pub locale: Option<Locale>,
    /// Where dates and times are shown: an IANA name (`Europe/Paris`), UTC by default.
    pub time_zone: Tz,
}

impl Branding {
    /// The branding in a tenant's settings (`{"branding": {"primary_color": "#0b5fff", ...}}`);
    /// what is missing or unusable takes Lyceum's defaults.
    pub fn from_settings(settings: &Value) -> Branding {
        let branding = settings.get("branding");
        let text = |key: &str| branding.and_then(|b| b.get(key)).and_then(Value::as_str);
        Branding {
            primary: text("primary_color")
                .and_then(Rgb::parse)
                .unwrap_or(DEFAULT_PRIMARY)
                .readable_under(Rgb::WHITE, LINK_CONTRAST),
            accent: text("accent_color")
                .and_then(Rgb::parse)
                .unwrap_or(DEFAULT_ACCENT),
            logo_url: text("logo_url")
                .filter(|url| safe_url(url))
                .map(str::to_owned),
            logo_file: text("logo_file").and_then(|id| id.parse().ok()),
            locale: text("locale").and_then(Locale::from_tag),
            time_zone: text("time_zone")
                .and_then(|name| name.parse().ok())
                .unwrap_or(Tz::UTC),
        }
    }
}

/// The path, under a tenant's own root (`/t/{slug}` or its host), that serves its uploaded
/// brand image `id` to anyone: where pages and mail show an uploaded logo from.
pub fn brand_image_path(id: FileId) -> String {
    format!("/api/v1/branding/{id}")
}

/// An address a page may load an image from: `https://` or a path of this server, short,
/// without characters that could end an attribute or a CSS value.
pub(crate) fn safe_url(url: &str) -> bool {
    (url.starts_with("https://") || (url.starts_with('/') && !url.starts_with("//")))
        && url.len() <= 500
        && url.chars().all(|c| {
            c.is_ascii_graphic() && !matches!(c, '"' | '\'' | '<' | '>' | '\\' | '(' | ')')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn colours_parse_and_print() {
        assert_eq!(Rgb::parse("#0B5FFF"), Some(Rgb(0x0b, 0x5f, 0xff)));
        assert_eq!(Rgb::parse("#fff"), Some(Rgb(255, 255, 255)));
        for bad in ["0b5fff", "#0b5ff", "#gggggg", "red", "#0b5fff;}", ""] {
            assert_eq!(Rgb::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Rgb(0x0b, 0x5f, 0xff).to_string(), "#0b5fff");
    }

    #[test]
    fn contrast_follows_wcag() {
        let (black, white) = (Rgb(0, 0, 0), Rgb(255, 255, 255));
        assert!((black.contrast(white) - 21.0).abs() < 0.01);
        assert_eq!(Rgb(0xff, 0xee, 0x00).readable_text(), black);
        assert_eq!(Rgb(0x1f, 0x4e, 0x9c).readable_text(), white);
    }

    #[test]
    fn settings_become_safe_branding() {
        let acme = Branding::from_settings(&json!({"branding": {
            "primary_color": "#0B5FFF", "accent_color": "#FFB800",
            "logo_url": "/media/acme/logo.svg", "locale": "fr-CA",
            "time_zone": "Europe/Paris"}}));
        assert_eq!(acme.primary, Rgb(0x0b, 0x5f, 0xff));
        assert_eq!(acme.logo_url.as_deref(), Some("/media/acme/logo.svg"));
        assert_eq!(acme.locale, Some(Locale::Fr));
        assert_eq!(acme.time_zone, Tz::Europe__Paris);

        let hostile = Branding::from_settings(&json!({"branding": {
            "primary_color": "red;} body{display:none", "logo_url": "javascript:alert(1)",
            "locale": "en\"><script>", "time_zone": "Mars/Olympus_Mons"}}));
        assert_eq!(hostile.primary, DEFAULT_PRIMARY);
        assert_eq!(hostile.logo_url, None);
        assert_eq!(hostile.locale, None);
        assert_eq!(hostile.time_zone, Tz::UTC);
        let unspoken = json!({"branding": {"locale": "de-CH"}});
        assert_eq!(Branding::from_settings(&unspoken).locale, None);
        let quoted = json!({"branding": {"logo_url": "https://x.test/a\"onerror=\"x"}});
        assert_eq!(Branding::from_settings(&quoted).logo_url, None);
        assert_eq!(Branding::from_settings(&json!({})).primary, DEFAULT_PRIMARY);
    }

    #[test]
    fn a_pale_brand_colour_is_darkened_until_links_are_readable() {
        let pale = Branding::from_settings(&json!({"branding": {"primary_color": "#ffee00"}}));
        assert!(
            pale.primary.contrast(Rgb(255, 255, 255)) >= 4.5,
            "{}",
            pale.primary
        );
        assert_ne!(pale.primary, Rgb(0xff, 0xee, 0x00));
    }
}
