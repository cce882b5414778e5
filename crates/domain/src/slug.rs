//! Slugs: the name a tenant is reached by in paths (`/t/{slug}`) and sub-domains, and the name
//! of a course in its tenant's URLs.

use crate::error::ValidationError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Names that route to the platform itself and can never belong to a tenant.
pub const RESERVED: &[&str] = &[
    "www", "api", "admin", "app", "status", "platform", "static", "assets", "mail", "docs", "help",
    "support", "auth", "login", "billing", "root", "system", "lyceum",
];

/// A DNS label of 3 to 63 characters: lower-case ASCII letters, digits and inner hyphens,
/// starting with a letter, not reserved.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Slug(String);

impl Slug {
    pub fn parse(value: &str) -> Result<Self, ValidationError> {
        let invalid = |reason| ValidationError::InvalidSlug {
            value: crate::error::shown(value),
            reason,
        };
        let len = value.len();
        if !(3..=63).contains(&len) {
            return Err(invalid("must be 3 to 63 characters long"));
        }
        if !value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(invalid(
                "only lower-case letters, digits and '-' are allowed",
            ));
        }
        if !value.as_bytes()[0].is_ascii_lowercase() {
            return Err(invalid("must start with a letter"));
        }
        if value.ends_with('-') {
            return Err(invalid("must not end with '-'"));
        }
        if value.contains("--") {
            return Err(invalid("must not contain '--'"));
        }
        if RESERVED.contains(&value) {
            return Err(ValidationError::ReservedSlug(value.to_owned()));
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl<'de> Deserialize<'de> for Slug {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Slug::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// A course's name in URLs, unique in its tenant: 1 to 100 lower-case letters, digits and inner
/// hyphens (surrounding blanks are trimmed).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(value_type = String, pattern = "^[a-z0-9]([a-z0-9-]{0,98}[a-z0-9])?$")
)]
pub struct CourseSlug(String);

impl CourseSlug {
    pub fn parse(value: &str) -> Result<Self, ValidationError> {
        let value = value.trim();
        let invalid = |reason| ValidationError::InvalidSlug {
            value: value.chars().take(40).collect(),
            reason,
        };
        if value.is_empty() || value.len() > 100 {
            return Err(invalid("must be 1 to 100 characters"));
        }
        if !value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(invalid("only lower-case letters, digits and hyphens"));
        }
        if value.starts_with('-') || value.ends_with('-') {
            return Err(invalid("must not start or end with a hyphen"));
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CourseSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl<'de> Deserialize<'de> for CourseSlug {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        CourseSlug::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn course_slugs_are_url_safe_names() {
        for ok in ["a", "intro-101", &"x".repeat(100)] {
            assert_eq!(CourseSlug::parse(ok).unwrap().as_str(), ok);
        }
        assert_eq!(CourseSlug::parse(" padded ").unwrap().as_str(), "padded");
        for bad in [
            "",
            "-lead",
            "trail-",
            "Upper",
            "sp ace",
            "nul\0",
            &"x".repeat(101),
        ] {
            let err = CourseSlug::parse(bad).unwrap_err();
            assert_eq!(err.code(), "INVALID_SLUG", "{bad:?}");
        }
    }

    #[test]
    fn accepts_dns_labels() {
        for ok in ["acme", "abc", "north-academy", "a1b2c3", &"a".repeat(63)] {
            assert_eq!(Slug::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn refuses_bad_shapes() {
        for bad in [
            "",
            "ab",
            "Acme",
            "acme_co",
            "-acme",
            "acme-",
            "1acme",
            "ac--me",
            "acmé",
            "a.b.c",
            &"a".repeat(64),
            "acme corp",
            "acme/x",
        ] {
            let err = Slug::parse(bad).unwrap_err();
            assert_eq!(err.code(), "INVALID_SLUG", "{bad:?} should be refused");
        }
    }

    #[test]
    fn refuses_reserved_names() {
        for reserved in ["www", "api", "admin", "app", "status", "platform"] {
            assert_eq!(Slug::parse(reserved).unwrap_err().code(), "RESERVED_SLUG");
        }
    }

    #[test]
    fn deserializing_validates() {
        assert!(serde_json::from_str::<Slug>("\"good-one\"").is_ok());
        assert!(serde_json::from_str::<Slug>("\"Bad\"").is_err());
    }
}
