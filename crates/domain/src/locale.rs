//! The languages Lyceum's pages are written in ([`Locale`]), and which of them a language tag
//! (`fr-CA`, `en-GB`) asks for. A locale can only hold a language Lyceum speaks, so a user's
//! preference, a tenant's setting and a browser's wish all end up as one of them or as none.

use crate::error::{parse_variant, ValidationError};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A language Lyceum speaks, each with a complete message catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Locale {
    /// English, the fallback when nothing else is asked for.
    En,
    /// French.
    Fr,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::Fr];

    /// Where no user, tenant or browser asks for a language Lyceum speaks.
    pub const FALLBACK: Locale = Locale::En;

    /// The BCP 47 tag (`en`, `fr`), as in `<html lang>` and as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Fr => "fr",
        }
    }

    /// The language a BCP 47 tag asks for, by its primary subtag, case-insensitively (`fr-CA`
    /// and `FR` are French); `None` for a language Lyceum does not speak or no tag at all.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?;
        Locale::ALL
            .into_iter()
            .find(|locale| locale.as_str().eq_ignore_ascii_case(primary))
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Exactly `en` or `fr` (what a person chooses and what is stored).
impl FromStr for Locale {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_variant("locale", s, &Locale::ALL, Locale::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_asks_for_its_primary_language() {
        assert_eq!(Locale::from_tag("fr-CA"), Some(Locale::Fr));
        assert_eq!(Locale::from_tag("FR"), Some(Locale::Fr));
        assert_eq!(Locale::from_tag("en_GB"), Some(Locale::En));
        assert_eq!(Locale::from_tag("en-US"), Some(Locale::En));
        for other in ["de", "de-CH", "frr", "", "*", "e"] {
            assert_eq!(Locale::from_tag(other), None, "{other:?}");
        }
    }

    #[test]
    fn a_chosen_locale_is_one_lyceum_speaks() {
        for locale in Locale::ALL {
            assert_eq!(locale.as_str().parse::<Locale>(), Ok(locale));
            assert_eq!(locale.to_string(), locale.as_str());
        }
        let refused = "de".parse::<Locale>().unwrap_err();
        assert_eq!(refused.code(), "VALIDATION_FAILED");
        assert!(refused.to_string().contains("en, fr"), "{refused}");
        assert!("fr-CA".parse::<Locale>().is_err());
    }
}
